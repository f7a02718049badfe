//! The catalog is complete in both languages, and the UI's views and reducers write no words of
//! their own: every user-visible literal in them goes through the catalog.

use super::{Entry, catalog};
use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};

/// Entries whose German is rightly the same as the English (loan words, names, symbols).
const SAME_IN_BOTH: &[&str] = &[
    "tab_details",
    "tab_alerts",
    "in_future",
    "column_name",
    "column_status",
    "filter_ok",
];

/// The `{name}` placeholders of a format string (`{{` is a brace, not a placeholder).
fn placeholders(s: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '{' {
            if chars.peek() == Some(&'{') {
                chars.next();
                continue;
            }
            let name: String = chars.by_ref().take_while(|c| *c != '}').collect();
            out.insert(name.split(':').next().unwrap_or("").to_string());
        }
    }
    out
}

#[test]
fn every_entry_has_both_languages_with_the_same_arguments() {
    let entries: Vec<&Entry> = catalog().collect();
    assert!(
        entries.len() > 20,
        "the catalog looks empty: {}",
        entries.len()
    );
    let mut names = HashSet::new();
    for e in &entries {
        assert!(names.insert(e.name), "{} is declared twice", e.name);
        assert!(!e.en.trim().is_empty(), "{}: English is empty", e.name);
        assert!(!e.de.trim().is_empty(), "{}: German is empty", e.name);
        assert_eq!(
            placeholders(e.en),
            placeholders(e.de),
            "{}: the languages take different arguments ({:?} / {:?})",
            e.name,
            e.en,
            e.de
        );
        if !SAME_IN_BOTH.contains(&e.name) {
            assert_ne!(e.en, e.de, "{} is not translated", e.name);
        }
    }
    for name in SAME_IN_BOTH {
        assert!(
            names.contains(name),
            "SAME_IN_BOTH names {name}, which is no entry"
        );
    }
}

/// Source files of the UI that hold no user-visible words outside a two-language table: the
/// catalog itself, the actions (their footer labels and help are written in both languages side
/// by side, checked by its own test), and configuration vocabulary (key names, colours) that is the
/// same in every language.
const NOT_VIEWS: &[&str] = &["text", "action.rs", "keymap.rs", "theme.rs", "config.rs"];

/// Literals with letters that are no words of the UI, by file: the product's name; directory,
/// variable and file names; the log's names for the terminal's restore steps; and the error that
/// ends the UI, which the command line reports in English like every command's error.
const NOT_WORDS: &[(&str, &str)] = &[
    ("ui/mod.rs", " Kontra "),
    ("export.rs", "Documents"),
    ("export.rs", "XDG_DOCUMENTS_DIR"),
    ("export.rs", "HOME"),
    ("export.rs", "kontra-export-{}.csv"),
    ("terminal.rs", "mouse"),
    ("terminal.rs", "paste"),
    ("terminal.rs", "screen"),
    ("terminal.rs", "cursor"),
    ("terminal.rs", "raw mode"),
    ("mod.rs", "terminal: {0}"),
];

#[test]
fn the_views_and_reducers_write_no_words_of_their_own() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/tui");
    let mut files = Vec::new();
    collect_rs(&root, &mut files);
    assert!(
        files.len() > 20,
        "found only {} UI source files",
        files.len()
    );
    let mut found = Vec::new();
    for file in files {
        let rel = file
            .strip_prefix(&root)
            .unwrap_or(&file)
            .to_string_lossy()
            .into_owned();
        if NOT_VIEWS
            .iter()
            .any(|n| rel == *n || rel.starts_with(&format!("{n}/")))
        {
            continue;
        }
        let src = std::fs::read_to_string(&file).unwrap();
        for (line, lit) in visible_literals(&src) {
            if !NOT_WORDS.contains(&(rel.as_str(), lit.as_str())) {
                found.push(format!("src/tui/{rel}:{line}: {lit:?}"));
            }
        }
    }
    assert!(
        found.is_empty(),
        "{} literal(s) with words outside the catalog (add them to src/tui/text/):\n{}",
        found.len(),
        found.join("\n")
    );
}

fn collect_rs(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect_rs(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// String literals of the code before its `#[cfg(test)]` part that hold a word (three letters or
/// more outside `{…}` placeholders), with their line; literals in `tracing` calls (the log, which
/// stays English for whoever reads it) are skipped.
fn visible_literals(src: &str) -> Vec<(usize, String)> {
    let code = src.split("#[cfg(test)]").next().unwrap_or(src);
    let b: Vec<char> = code.chars().collect();
    // Byte offset of each char, to test for `tracing::` at a char position.
    let offs: Vec<usize> = b
        .iter()
        .scan(0, |o, c| {
            let at = *o;
            *o += c.len_utf8();
            Some(at)
        })
        .collect();
    let mut out = Vec::new();
    let (mut i, mut line, mut skip_depth) = (0, 1, None::<usize>);
    let mut depth = 0usize;
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied();
        match c {
            '\n' => line += 1,
            '/' if next == Some('/') => {
                while i < b.len() && b[i] != '\n' {
                    i += 1;
                }
                continue;
            }
            '/' if next == Some('*') => {
                while i + 1 < b.len() && !(b[i] == '*' && b[i + 1] == '/') {
                    if b[i] == '\n' {
                        line += 1;
                    }
                    i += 1;
                }
                i += 2;
                continue;
            }
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => {
                depth = depth.saturating_sub(1);
                if skip_depth == Some(depth) {
                    skip_depth = None;
                }
            }
            '\'' => {
                // A char literal ('x', '\n', '\'') — not a lifetime ('a followed by no quote).
                if next == Some('\\') {
                    i += 2;
                    while i < b.len() && b[i] != '\'' {
                        i += 1;
                    }
                } else if b.get(i + 2) == Some(&'\'') {
                    i += 2;
                }
            }
            'r' if (next == Some('"') || next == Some('#'))
                && (i == 0 || !(b[i - 1].is_alphanumeric() || b[i - 1] == '_')) =>
            {
                let mut j = i + 1;
                let mut hashes = 0;
                while b.get(j) == Some(&'#') {
                    hashes += 1;
                    j += 1;
                }
                if b.get(j) == Some(&'"') {
                    let start_line = line;
                    let mut s = String::new();
                    j += 1;
                    loop {
                        if j >= b.len() {
                            break;
                        }
                        if b[j] == '"' && (1..=hashes).all(|k| b.get(j + k) == Some(&'#')) {
                            j += 1 + hashes;
                            break;
                        }
                        if b[j] == '\n' {
                            line += 1;
                        }
                        s.push(b[j]);
                        j += 1;
                    }
                    if skip_depth.is_none() && has_word(&s) {
                        out.push((start_line, s));
                    }
                    i = j;
                    continue;
                }
            }
            '"' => {
                let start_line = line;
                let mut s = String::new();
                let mut j = i + 1;
                while j < b.len() && b[j] != '"' {
                    if b[j] == '\\' {
                        j += 1;
                        if b.get(j) == Some(&'\n') {
                            line += 1;
                        }
                    } else if b[j] == '\n' {
                        line += 1;
                    }
                    if let Some(ch) = b.get(j) {
                        s.push(*ch);
                    }
                    j += 1;
                }
                if skip_depth.is_none() && has_word(&s) {
                    out.push((start_line, s));
                }
                i = j + 1;
                continue;
            }
            't' if skip_depth.is_none()
                && code[offs[i]..].starts_with("tracing::")
                && (i == 0 || !(b[i - 1].is_alphanumeric() || b[i - 1] == '_')) =>
            {
                // Skip up to the end of the macro call: its opening bracket raises the depth.
                skip_depth = Some(depth);
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// Whether a literal holds a word: three letters in a row outside `{…}` placeholders.
fn has_word(s: &str) -> bool {
    let mut run = 0;
    let mut in_placeholder = false;
    for c in s.chars() {
        match c {
            '{' => in_placeholder = true,
            '}' => in_placeholder = false,
            c if !in_placeholder && c.is_alphabetic() => {
                run += 1;
                if run >= 3 {
                    return true;
                }
                continue;
            }
            _ => {}
        }
        run = 0;
    }
    false
}

#[test]
fn the_scanner_finds_words_and_skips_logs_comments_and_tests() {
    let src = "// \"a comment\"\nlet a = \"Hello {name}\";\nlet b = \"{x}:{y}\";\n\
               tracing::warn!(error = %e, \"log line\");\nlet c = 'x';\nlet d = r#\"raw text\"#;\n\
               #[cfg(test)]\nlet e = \"test only\";\n";
    let found = visible_literals(src);
    assert_eq!(
        found,
        vec![(2, "Hello {name}".to_string()), (6, "raw text".to_string())]
    );
}
