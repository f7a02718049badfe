//! Name normalisation for both sides of a match: Unicode folding, invisible characters,
//! homoglyphs, Cyrillic/Greek transliteration with a fallback for other scripts, punctuation,
//! abbreviations and legal forms (data tables in `assets/`), and token classes.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use crate::domain::collate::latin_special;

const LEGAL_FORMS: &str = include_str!("../../assets/legal_forms.tsv");
const ABBREVIATIONS: &str = include_str!("../../assets/abbreviations.tsv");
const TERM_EQUIVALENTS: &str = include_str!("../../assets/term_equivalents.tsv");
const GENERIC: &str = include_str!("../../assets/generic_words.txt");
const COUNTRIES: &str = include_str!("../../assets/countries.tsv");
const COMMON_WORDS: &str = include_str!("../../assets/common_words.txt");

/// Words that carry no identity at all.
const STOPWORDS: &[&str] = &[
    "of", "the", "and", "de", "la", "le", "les", "du", "des", "al", "el", "y", "e", "et", "und",
    "der", "die", "das", "fur", "for", "von", "van", "di", "da", "do", "dos", "del", "en", "a",
    "an", "at", "in", "on", "to", "i", "per", "by", "with", "zu", "im", "au", "aux",
];

/// What a token contributes to a match.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TokenClass {
    /// A word that can identify the name.
    Word,
    /// A generic business word (trading, group, bank, a country name).
    Generic,
    /// A legal form, replaced by its class (`llc`, `jsc`, `corp`, ...).
    Legal,
    /// A stopword (of, the, and, de, al).
    Stop,
    /// A number or Roman numeral; must match exactly.
    Number,
}

impl TokenClass {
    /// The base weight of tokens of this class before the IDF factor.
    pub fn base_weight(self) -> f32 {
        match self {
            TokenClass::Word | TokenClass::Number => 1.0,
            TokenClass::Generic => 0.2,
            TokenClass::Legal => 0.15,
            TokenClass::Stop => 0.1,
        }
    }
}

/// One normalised token.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Token {
    /// The folded text (legal forms: `~` plus their class, so they never equal a word).
    pub text: String,
    /// Its class.
    pub class: TokenClass,
    /// The other reading of a one-word legal form whose reading depends on its position
    /// ("SA" mid-name is a word, last a legal form): the form's class for a word, the word for
    /// a form. Lets word order change without losing the pair.
    pub alt: Option<String>,
}

/// A normalised name: its tokens, and the glued form used to catch split or joined words.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NormName {
    /// Tokens in order.
    pub tokens: Vec<Token>,
    /// All non-legal-form tokens concatenated without spaces.
    pub glued: String,
    /// Every folded word as written (legal forms and abbreviations included) without spaces.
    pub glued_full: String,
    /// The input was written in Cyrillic or Greek and romanised here, so its spelling of a
    /// sound is one of several ("РЕЙКО" gives "reyko" for the listed "REYCO").
    pub transliterated: bool,
}

/// Where in a name a legal-form alias may stand.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Position {
    Anywhere,
    Edge,
    Suffix,
}

struct Tables {
    legal: HashMap<Vec<String>, (String, Position)>,
    /// Legal forms keyed by the hard skeleton of each word, for romanisation variants
    /// ("yoint stokk kompaniya", "ogranichennoi"); only forms long enough not to collide.
    legal_skel: HashMap<Vec<String>, (String, Position)>,
    legal_max: usize,
    abbreviations: HashMap<String, String>,
    generic: HashSet<String>,
    common: HashSet<&'static str>,
}

fn tables() -> &'static Tables {
    static T: OnceLock<Tables> = OnceLock::new();
    T.get_or_init(|| {
        let data = |text: &'static str| {
            text.lines()
                .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
                .collect::<Vec<_>>()
        };
        let mut legal = HashMap::new();
        let mut legal_skel = HashMap::new();
        let mut legal_max = 1;
        for l in data(LEGAL_FORMS) {
            let mut cols = l.split('\t');
            let (Some(alias), Some(class)) = (cols.next(), cols.next()) else {
                continue;
            };
            let edge = match cols.next().map(str::trim) {
                Some("edge") => Position::Edge,
                Some("suffix") => Position::Suffix,
                _ => Position::Anywhere,
            };
            let key: Vec<String> = alias.split_whitespace().map(str::to_string).collect();
            legal_max = legal_max.max(key.len());
            let value = (format!("~{}", class.trim()), edge);
            let letters: usize = key.iter().map(String::len).sum();
            if letters >= 6 {
                let skel: Vec<String> = key.iter().map(|w| skeleton_hard(w)).collect();
                legal_skel.entry(skel).or_insert_with(|| value.clone());
            }
            legal.insert(key, value);
        }
        // Abbreviations and other languages' business words both become one English word.
        let abbreviations = data(ABBREVIATIONS)
            .into_iter()
            .chain(data(TERM_EQUIVALENTS))
            .filter_map(|l| l.split_once('\t'))
            .map(|(a, b)| (a.trim().to_string(), b.trim().to_string()))
            .collect();
        let mut generic: HashSet<String> = data(GENERIC)
            .into_iter()
            .flat_map(|l| l.split_whitespace())
            .map(str::to_string)
            .collect();
        for l in data(COUNTRIES) {
            if let Some((name, _)) = l.split_once('\t')
                && !name.contains([',', '('])
            {
                let folded = fold(name);
                if !folded.contains(' ') {
                    generic.insert(folded);
                }
            }
        }
        for adj in [
            "german",
            "deutsche",
            "deutscher",
            "russian",
            "chinese",
            "iranian",
            "syrian",
            "korean",
            "turkish",
            "french",
            "italian",
            "spanish",
            "polish",
            "dutch",
            "british",
            "arab",
            "arabian",
            "emirates",
            "persian",
            "hellenic",
            "swiss",
            "austrian",
            "belgian",
            "ukrainian",
            "belarusian",
            "cuban",
            "venezuelan",
            "libyan",
            "iraqi",
            "lebanese",
        ] {
            generic.insert(adj.to_string());
        }
        Tables {
            legal,
            legal_skel,
            legal_max,
            abbreviations,
            generic,
            common: data(COMMON_WORDS).into_iter().map(str::trim).collect(),
        }
    })
}

/// Whether a character is invisible formatting (zero-width, bidi marks, soft hyphen, BOM).
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}' | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{206F}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}')
}

fn is_cyrillic(c: char) -> bool {
    ('\u{0400}'..='\u{052F}').contains(&c)
}

fn is_greek(c: char) -> bool {
    ('\u{0370}'..='\u{03FF}').contains(&c)
}

/// Cyrillic and Greek letters that look like Latin ones, for tokens of mixed script.
fn homoglyph(c: char) -> Option<char> {
    Some(match c {
        'а' => 'a',
        'в' => 'b',
        'е' | 'ё' => 'e',
        'к' => 'k',
        'м' => 'm',
        'н' => 'h',
        'о' => 'o',
        'р' => 'p',
        'с' => 'c',
        'т' => 't',
        'у' => 'y',
        'х' => 'x',
        'і' => 'i',
        'ј' => 'j',
        'ѕ' => 's',
        'ԁ' => 'd',
        'А' => 'A',
        'В' => 'B',
        'Е' => 'E',
        'К' => 'K',
        'М' => 'M',
        'Н' => 'H',
        'О' => 'O',
        'Р' => 'P',
        'С' => 'C',
        'Т' => 'T',
        'У' => 'Y',
        'Х' => 'X',
        'І' => 'I',
        'Ј' => 'J',
        'Ѕ' => 'S',
        'α' => 'a',
        'ο' => 'o',
        'ρ' => 'p',
        'ν' => 'v',
        'τ' => 't',
        'ι' => 'i',
        'κ' => 'k',
        'Α' => 'A',
        'Β' => 'B',
        'Ε' => 'E',
        'Ζ' => 'Z',
        'Η' => 'H',
        'Ι' => 'I',
        'Κ' => 'K',
        'Μ' => 'M',
        'Ν' => 'N',
        'Ο' => 'O',
        'Ρ' => 'P',
        'Τ' => 'T',
        'Υ' => 'Y',
        'Χ' => 'X',
        _ => return None,
    })
}

/// Cyrillic (Russian, Ukrainian, Belarusian, Serbian, Bulgarian letters) to Latin, BGN-style.
fn cyrillic(c: char) -> Option<&'static str> {
    Some(match c {
        'а' => "a",
        'б' => "b",
        'в' => "v",
        'г' => "g",
        'ґ' => "g",
        'д' => "d",
        'ђ' => "dj",
        'е' => "e",
        'ё' => "e",
        'є' => "ye",
        'ж' => "zh",
        'з' => "z",
        'и' => "i",
        'і' => "i",
        'ї' => "yi",
        'й' => "y",
        'ј' => "j",
        'к' => "k",
        'л' => "l",
        'љ' => "lj",
        'м' => "m",
        'н' => "n",
        'њ' => "nj",
        'о' => "o",
        'п' => "p",
        'р' => "r",
        'с' => "s",
        'т' => "t",
        'ћ' => "c",
        'у' => "u",
        'ў' => "u",
        'ф' => "f",
        'х' => "kh",
        'ц' => "ts",
        'ч' => "ch",
        'џ' => "dz",
        'ш' => "sh",
        'щ' => "shch",
        'ъ' => "",
        'ы' => "y",
        'ь' => "",
        'э' => "e",
        'ю' => "yu",
        'я' => "ya",
        _ => return None,
    })
}

/// Greek to Latin (ELOT 743 style, simplified).
fn greek(c: char) -> Option<&'static str> {
    Some(match c {
        'α' | 'ά' => "a",
        'β' => "v",
        'γ' => "g",
        'δ' => "d",
        'ε' | 'έ' => "e",
        'ζ' => "z",
        'η' | 'ή' => "i",
        'θ' => "th",
        'ι' | 'ί' | 'ϊ' | 'ΐ' => "i",
        'κ' => "k",
        'λ' => "l",
        'μ' => "m",
        'ν' => "n",
        'ξ' => "x",
        'ο' | 'ό' => "o",
        'π' => "p",
        'ρ' => "r",
        'σ' | 'ς' => "s",
        'τ' => "t",
        'υ' | 'ύ' | 'ϋ' | 'ΰ' => "y",
        'φ' => "f",
        'χ' => "ch",
        'ψ' => "ps",
        'ω' | 'ώ' => "o",
        _ => return None,
    })
}

/// Folds text to lower-case ASCII words: NFKC, invisible characters removed, homoglyphs in
/// mixed-script words mapped, Cyrillic/Greek transliterated, marks stripped, other scripts
/// romanised by table, punctuation turned into spaces (apostrophes removed, `&` to `and`).
pub fn fold(input: &str) -> String {
    let cleaned: String = input
        .nfkc()
        .filter(|c| !is_invisible(*c))
        .map(|c| if c.is_whitespace() { ' ' } else { c })
        .collect();
    let mut out = String::with_capacity(cleaned.len() + 8);
    let latin = cleaned.chars().filter(|c| c.is_ascii_alphabetic()).count();
    let other = cleaned
        .chars()
        .filter(|c| is_cyrillic(*c) || is_greek(*c))
        .count();
    for word in cleaned.split(' ') {
        let has_latin = word.chars().any(|c| c.is_ascii_alphabetic());
        let foreign = word.chars().any(|c| is_cyrillic(c) || is_greek(c));
        // A word mixing scripts, or a look-alike word inside a mostly Latin name, is Latin text
        // disguised with homoglyphs ("СО." in "TRADING СО. LTD").
        let disguised = foreign
            && (has_latin
                || (latin > other
                    && word
                        .chars()
                        .filter(|c| is_cyrillic(*c) || is_greek(*c))
                        .all(|c| homoglyph(c).is_some())));
        for c in word.chars() {
            let c = if disguised {
                homoglyph(c).unwrap_or(c)
            } else {
                c
            };
            for lc in c.to_lowercase() {
                push_folded(&mut out, lc);
            }
        }
        out.push(' ');
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn push_folded(out: &mut String, c: char) {
    if c.is_ascii() {
        match c {
            'a'..='z' | '0'..='9' => out.push(c),
            '\'' | '`' => {}
            '&' => out.push_str(" and "),
            _ => out.push(' '),
        }
        return;
    }
    if matches!(c, '’' | '‘' | 'ʼ' | 'ʻ' | '´' | 'ʹ') {
        return;
    }
    if let Some(s) = cyrillic(c)
        .or_else(|| greek(c))
        .or_else(|| latin_special(c))
    {
        out.push_str(s);
        return;
    }
    let mut decomposed = false;
    for d in std::iter::once(c).nfd() {
        if is_combining_mark(d) {
            decomposed = true;
            continue;
        }
        if d.is_ascii() {
            push_folded(out, d.to_ascii_lowercase());
            decomposed = true;
        } else if d != c {
            push_folded(out, d);
            decomposed = true;
        }
    }
    if decomposed {
        return;
    }
    if c.is_alphanumeric() {
        // Other scripts (Arabic, Han, ...): a table romanisation, lossy but comparable.
        let r = any_ascii::any_ascii_char(c);
        if r.is_empty() {
            out.push(' ');
        } else {
            for rc in r.chars() {
                match rc.to_ascii_lowercase() {
                    x @ ('a'..='z' | '0'..='9') => out.push(x),
                    _ => out.push(' '),
                }
            }
        }
    } else {
        out.push(' ');
    }
}

fn is_roman(s: &str) -> bool {
    matches!(
        s,
        "ii" | "iii" | "iv" | "vi" | "vii" | "viii" | "ix" | "xi" | "xii" | "xiii" | "xiv" | "xv"
    )
}

fn classify(word: &str, t: &Tables) -> TokenClass {
    if word.bytes().any(|b| b.is_ascii_digit()) || is_roman(word) {
        TokenClass::Number
    } else if STOPWORDS.contains(&word) || word.len() == 1 {
        // A lone letter is an initial ("J.L."), which names drop or spell out at will.
        TokenClass::Stop
    } else if t.generic.contains(word) {
        TokenClass::Generic
    } else {
        TokenClass::Word
    }
}

/// Whether a normalised word is an ordinary English word (assets/common_words.txt): such a word
/// is common in ordinary company names however rare it is on the lists.
pub fn is_common_word(word: &str) -> bool {
    tables().common.contains(word)
}

/// Normalises a name into classified tokens: [`fold`], abbreviations expanded, legal forms
/// replaced by one tagged token each (longest alias first).
pub fn normalise(input: &str) -> NormName {
    let t = tables();
    let folded = fold(input);
    let words: Vec<String> = folded
        .split(' ')
        .filter(|w| !w.is_empty())
        .flat_map(|w| {
            t.abbreviations
                .get(w)
                .map_or(w, String::as_str)
                .split(' ')
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .collect();
    let skel: Vec<String> = words.iter().map(|w| skeleton_hard(w)).collect();
    let mut tokens = Vec::with_capacity(words.len());
    let mut i = 0;
    while i < words.len() {
        let mut matched = None;
        let longest = t.legal_max.min(words.len() - i);
        for len in (1..=longest).rev() {
            let found = t
                .legal
                .get(&words[i..i + len])
                .or_else(|| t.legal_skel.get(&skel[i..i + len]));
            if let Some((class, edge)) = found {
                // Generic words and other forms may follow a legal form ("Kohas AG
                // International", "Shipping Co GmbH").
                let last = words[i + len..].iter().all(|w| {
                    t.generic.contains(w) || t.legal.contains_key(std::slice::from_ref(w))
                });
                let allowed = match edge {
                    Position::Anywhere => true,
                    Position::Edge => i == 0 || last,
                    Position::Suffix => last,
                };
                // A lone short form that is the whole name is a word, not a legal form.
                if allowed && !(len == words.len() && *edge != Position::Anywhere) {
                    matched = Some((len, class.clone()));
                    break;
                }
            }
        }
        match matched {
            Some((len, class)) => {
                tokens.push(Token {
                    text: class,
                    class: TokenClass::Legal,
                    alt: (len == 1).then(|| words[i].clone()),
                });
                i += len;
            }
            None => {
                let w = &words[i];
                tokens.push(Token {
                    class: classify(w, t),
                    text: w.clone(),
                    alt: t.legal.get(std::slice::from_ref(w)).map(|(c, _)| c.clone()),
                });
                i += 1;
            }
        }
    }
    let glued = tokens
        .iter()
        .filter(|t| t.class != TokenClass::Legal)
        .map(|t| t.text.as_str())
        .collect();
    // As written, before abbreviations are expanded: a glued name ("SHPGCO") keeps its short
    // forms, so the listed name must be compared in the same spelling.
    let glued_full: String = folded.split(' ').collect();
    NormName {
        tokens,
        glued,
        glued_full,
        transliterated: mostly_other_script(input),
    }
}

/// A phonetic-ish skeleton that makes romanisation variants equal (kh/h, ts/c, y/i/j, w/v,
/// doubled letters, a final -iya/-ia/-y), used as a second, cheaper comparison key.
pub fn skeleton(token: &str) -> String {
    skeleton_with(token, false)
}

/// The skeleton with every remaining `c` read as `k` ("komerkial" = "comercial",
/// "elektroniks" = "electronics"): the hard reading a back-transliteration gives a Latin `c`.
pub fn skeleton_hard(token: &str) -> String {
    skeleton_with(token, true)
}

/// Both skeletons of a token (the second only when it differs), for index and query keys.
pub fn skeletons(token: &str) -> (String, Option<String>) {
    let soft = skeleton(token);
    let hard = skeleton_hard(token);
    let hard = (hard != soft).then_some(hard);
    (soft, hard)
}

fn skeleton_with(token: &str, hard_c: bool) -> String {
    const RULES: &[(&str, &str)] = &[
        ("shch", "sc"),
        ("sch", "sc"),
        ("tch", "c"),
        ("kh", "h"),
        ("zh", "z"),
        ("sh", "s"),
        ("ch", "c"),
        ("ts", "c"),
        ("tz", "c"),
        ("ph", "f"),
        ("ck", "k"),
        ("ou", "u"),
        ("ca", "ka"),
        ("co", "ko"),
        ("cu", "ku"),
        ("q", "k"),
        ("w", "v"),
        ("y", "i"),
        ("j", "i"),
        ("x", "ks"),
    ];
    let b = token.as_bytes();
    let mut s = String::with_capacity(token.len());
    let mut i = 0;
    'outer: while i < b.len() {
        for (from, to) in RULES {
            if b[i..].starts_with(from.as_bytes()) {
                s.push_str(to);
                i += from.len();
                continue 'outer;
            }
        }
        s.push(if hard_c && b[i] == b'c' {
            'k'
        } else {
            b[i] as char
        });
        i += 1;
    }
    let mut out = String::with_capacity(s.len());
    let mut prev = None;
    for c in s.chars() {
        if Some(c) != prev {
            out.push(c);
        }
        prev = Some(c);
    }
    // Russian -ия is English -y or Latin -ia ("kompaniya", "company", "kolumbia").
    if out.len() > 4 && out.ends_with("ia") {
        out.pop();
    }
    out
}

/// Optimal-string-alignment distance (Damerau–Levenshtein without repeated edits) over bytes,
/// giving up (returning `max + 1`) once the distance must exceed `max`.
pub fn osa_distance(a: &[u8], b: &[u8], max: usize) -> usize {
    if a.len().abs_diff(b.len()) > max {
        return max + 1;
    }
    let n = b.len();
    let mut prev2 = vec![0usize; n + 1];
    let mut prev: Vec<usize> = (0..=n).collect();
    let mut cur = vec![0usize; n + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        let mut row_min = cur[0];
        for j in 1..=n {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(prev2[j - 2] + 1);
            }
            cur[j] = v;
            row_min = row_min.min(v);
        }
        if row_min > max {
            return max + 1;
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[n]
}

/// Whether two different tokens differ by one slip of typing: a letter dropped, doubled or
/// added, two neighbouring letters swapped, or a key hit beside the right one. Any other
/// replaced letter is not a slip: in a short word it makes another word ("CISCO" and "ZISCO",
/// "FICO" and "NICO").
pub fn is_typing_slip(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a == b {
        return false;
    }
    if a.len() == b.len() {
        let diff: Vec<usize> = (0..a.len()).filter(|&i| a[i] != b[i]).collect();
        return match diff.as_slice() {
            // A key next to the right one.
            [i] => neighbouring_keys(a[*i], b[*i]),
            // Two neighbouring letters swapped.
            [i, j] => *j == i + 1 && a[*i] == b[*j] && a[*j] == b[*i],
            _ => false,
        };
    }
    let (long, short) = if a.len() > b.len() { (a, b) } else { (b, a) };
    if long.len() != short.len() + 1 {
        return false;
    }
    // One insertion: the first difference is the extra letter.
    let i = (0..short.len())
        .find(|&i| long[i] != short[i])
        .unwrap_or(short.len());
    long[i + 1..] == short[i..]
}

/// Whether two letters sit next to each other on a QWERTY or a German QWERTZ keyboard.
fn neighbouring_keys(x: u8, y: u8) -> bool {
    const LAYOUTS: [[&[u8]; 3]; 2] = [
        [b"qwertyuiop", b"asdfghjkl", b"zxcvbnm"],
        [b"qwertzuiop", b"asdfghjkl", b"yxcvbnm"],
    ];
    let pos = |rows: &[&[u8]; 3], c: u8| {
        rows.iter()
            .enumerate()
            .find_map(|(r, row)| row.iter().position(|&k| k == c).map(|i| (r, i as isize)))
    };
    LAYOUTS
        .iter()
        .any(|rows| match (pos(rows, x), pos(rows, y)) {
            (Some((r1, i1)), Some((r2, i2))) => match r1.abs_diff(r2) {
                0 => i1.abs_diff(i2) == 1,
                // Rows are staggered: a key touches the one below it and the one below-left.
                1 => {
                    let (upper, lower) = if r1 < r2 { (i1, i2) } else { (i2, i1) };
                    lower == upper || lower == upper - 1
                }
                _ => false,
            },
            _ => false,
        })
}

/// Whether most letters are Cyrillic or Greek: a name written in that script, not a Latin name
/// with a few look-alike letters slipped in.
fn mostly_other_script(input: &str) -> bool {
    let (mut other, mut letters) = (0usize, 0usize);
    for c in input.chars().filter(|c| c.is_alphabetic()) {
        letters += 1;
        other += usize::from(is_cyrillic(c) || is_greek(c));
    }
    other * 2 > letters
}

/// Whether two tokens are romanisation variants of each other (equal spelling skeletons).
pub fn same_skeleton(a: &str, b: &str) -> bool {
    skeleton(a) == skeleton(b) || skeleton_hard(a) == skeleton_hard(b)
}

/// Tokens shorter than this are compared by spelling only: on three letters a skeleton makes
/// unrelated acronyms equal ("KBC" and "KBK").
pub const SKELETON_MIN_LEN: usize = 4;

/// The same for a name romanised here from Cyrillic or Greek ("УКИ" is "UCI").
pub const ROMANISED_SKELETON_MIN_LEN: usize = 3;

/// How many edits a token of this length may have and still count as the same word.
fn edit_budget(len: usize) -> usize {
    match len {
        0..=3 => 0,
        4..=8 => 1,
        _ => 2,
    }
}

/// Similarity of two normalised tokens in [0, 1]: exact 1; numbers and tokens of up to three
/// letters exact only; otherwise edit distance within a length budget, or equal skeletons.
pub fn token_similarity(a: &str, b: &str) -> f32 {
    token_similarity_with(a, b, SKELETON_MIN_LEN)
}

/// [`token_similarity`] with skeletons compared from `skeleton_min` letters: three for a name
/// romanised from Cyrillic or Greek, whose short words and acronyms vary in spelling.
pub fn token_similarity_with(a: &str, b: &str, skeleton_min: usize) -> f32 {
    if a == b {
        return 1.0;
    }
    let digits = |s: &str| s.bytes().any(|c| c.is_ascii_digit());
    if digits(a) || digits(b) || a.starts_with('~') || b.starts_with('~') {
        return 0.0;
    }
    let len = a.len().max(b.len());
    let budget = edit_budget(a.len().min(b.len()));
    let mut best = 0.0f32;
    if budget > 0 {
        let d = osa_distance(a.as_bytes(), b.as_bytes(), budget);
        if d <= budget {
            best = 1.0 - 0.5 * d as f32 / len as f32;
        }
    }
    if best < 0.97 && a.len().min(b.len()) >= skeleton_min {
        for hard in [false, true] {
            let (sa, sb) = (skeleton_with(a, hard), skeleton_with(b, hard));
            if sa == sb {
                best = best.max(0.95);
                break;
            } else if budget > 0 {
                let d = osa_distance(sa.as_bytes(), sb.as_bytes(), budget);
                if d <= budget {
                    let l = sa.len().max(sb.len()).max(1);
                    best = best.max(0.95 * (1.0 - 0.8 * d as f32 / l as f32));
                }
            }
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(s: &str) -> Vec<String> {
        normalise(s).tokens.into_iter().map(|t| t.text).collect()
    }

    #[test]
    fn folds_unicode_invisibles_homoglyphs_and_scripts() {
        assert_eq!(fold("Müller\u{200B} & Söhne"), "muller and sohne");
        assert_eq!(fold("O'Brien’s Straße"), "obriens strasse");
        // Cyrillic "а" and "о" inside a Latin word.
        assert_eq!(fold("B\u{0430}nc\u{043E} Nacional"), "banco nacional");
        assert_eq!(fold("ООО Ромашка"), "ooo romashka");
        assert_eq!(fold("Αθήνα"), "athina");
        assert_eq!(fold("ＡＣＭＥ\u{00A0}Ltd."), "acme ltd");
        assert!(!fold("حاجی").is_empty());
    }

    #[test]
    fn legal_forms_and_abbreviations_become_classes() {
        assert_eq!(texts("OOO Romashka"), vec!["~llc", "romashka"]);
        assert_eq!(
            texts("Romashka Limited Liability Company"),
            vec!["romashka", "~llc"]
        );
        assert_eq!(texts("Siemens AG"), vec!["siemens", "~jsc"]);
        assert_eq!(texts("Lukoil Oil Comp"), vec!["lukoil", "oil", "~corp"]);
        assert_eq!(texts("Haige Comm Grp"), vec!["haige", "comm", "group"]);
        assert_eq!(texts("As Sahab"), vec!["as", "sahab"]);
        assert_eq!(texts("Polskie Sp. z o.o."), vec!["polskie", "~llc"]);
        let n = normalise("Capital Partners VII Trading GmbH");
        let classes: Vec<_> = n.tokens.iter().map(|t| t.class).collect();
        assert_eq!(
            classes,
            vec![
                TokenClass::Generic,
                TokenClass::Generic,
                TokenClass::Number,
                TokenClass::Generic,
                TokenClass::Legal
            ]
        );
        assert_eq!(n.glued, "capitalpartnersviitrading");
    }

    #[test]
    fn typing_slips_and_replaced_letters() {
        assert!(is_typing_slip("soild", "solid"));
        assert!(is_typing_slip("nref", "niref"));
        assert!(is_typing_slip("maharr", "mahar"));
        assert!(!is_typing_slip("cisco", "zisco"));
        assert!(is_typing_slip("kosk", "kpsk"));
        assert!(is_typing_slip("abical", "avical"));
        assert!(!is_typing_slip("fico", "nico"));
        assert!(!is_typing_slip("basf", "base"));
        assert!(!is_typing_slip("bayer", "bajer"));
        assert!(!is_typing_slip("abcd", "abcd"));
        assert!(!is_typing_slip("abcd", "badc"));
    }

    #[test]
    fn token_similarity_budget_and_skeletons() {
        assert_eq!(token_similarity("nacional", "nacional"), 1.0);
        assert!(token_similarity("nacional", "nacoinal") > 0.85);
        assert!(token_similarity("obshchestvo", "obschestvo") >= 0.95);
        assert!(token_similarity("khodorkovsky", "hodorkovskiy") >= 0.9);
        assert_eq!(token_similarity("abc", "abd"), 0.0);
        assert_eq!(token_similarity("fund7", "fund8"), 0.0);
        assert_eq!(token_similarity("bank", "fund"), 0.0);
        assert_eq!(osa_distance(b"abcd", b"bacd", 2), 1);
    }

    #[test]
    fn back_transliterations_share_a_skeleton() {
        // Latin c read as к, Russian -ия for -y/-ia.
        assert_eq!(skeleton_hard("komerkial"), skeleton_hard("comercial"));
        assert_eq!(skeleton_hard("elektroniks"), skeleton_hard("electronics"));
        assert_eq!(skeleton("kompaniya"), skeleton("company"));
        assert!(token_similarity(&fold("КОММЕРКИАЛ"), "commercial") >= 0.9);
        assert!(token_similarity("kankri", "cancri") >= 0.9);
        // The soft reading stays: "centr" and "tsentr" still meet.
        assert_eq!(skeleton("tsentr"), skeleton("centr"));
        assert_eq!(token_similarity("kasa", "casa"), 0.95);
    }

    #[test]
    fn legal_forms_in_other_romanisations_and_positions() {
        assert_eq!(
            texts("ЙОИНТ СТОКК КОМПАНИЯ Мисхор"),
            vec!["~jsc", "miskhor"]
        );
        assert_eq!(
            texts("Obshchestvo s ogranichennoi otvetstvennostyu Ladoga"),
            vec!["~llc", "ladoga"]
        );
        assert_eq!(texts("Нари ГмбХ"), vec!["nari", "~llc"]);
        assert_eq!(texts("КОРПОРАТИОН Korea"), vec!["~corp", "korea"]);
        // A short form mid-name is a word that remembers its legal reading, and vice versa.
        let mid = normalise("Petrochemicals Oy Set");
        assert_eq!(mid.tokens[1].text, "oy");
        assert_eq!(mid.tokens[1].alt.as_deref(), Some("~llc"));
        let end = normalise("Set Petrochemicals Oy");
        assert_eq!(end.tokens[2].text, "~llc");
        assert_eq!(end.tokens[2].alt.as_deref(), Some("oy"));
        assert_eq!(normalise("Petrochemicals").tokens[0].alt, None);
        // Latin American forms, and their spelled-out readings.
        assert_eq!(
            texts("Globovision Tele C.A."),
            vec!["globovision", "tele", "~jsc"]
        );
        assert_eq!(
            texts("Valor y Principio de Dar, Asociacion Civil"),
            texts("Valor y Principio de Dar, A.C.")
        );
        assert_eq!(
            texts("Masa Facil, S.A.P.I. de C.V."),
            vec!["masa", "facil", "~jsc"]
        );
        assert_eq!(texts("Bolsak E.U."), vec!["bolsak", "~llc"]);
        assert_eq!(
            texts("Korea Samma Shpg Co"),
            texts("Korea Samma Shipping Co")
        );
        // Initials are light stopwords, never words that make a hit.
        let initials = normalise("Transportes J.L. Cordon");
        assert_eq!(initials.tokens[1].class, TokenClass::Stop);
        assert_eq!(initials.tokens[3].class, TokenClass::Word);
    }
}
