//! Text as an analyst compares it: case and accents do not matter ("oster" finds
//! "Österreichische"), and sorting follows the letters people read ("Ö" sorts with "O", "ß"
//! with "ss"). One fold serves the UI's search index, its sort order and `kontra list`.

use std::cmp::Ordering;

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Latin letters that do not decompose into a base letter and a mark.
pub fn latin_special(c: char) -> Option<&'static str> {
    Some(match c {
        'æ' => "ae",
        'œ' => "oe",
        'ø' => "o",
        'ß' => "ss",
        'ł' => "l",
        'đ' => "d",
        'ð' => "d",
        'þ' => "th",
        'ı' => "i",
        'ə' => "a",
        'ħ' => "h",
        'ŋ' => "ng",
        _ => return None,
    })
}

/// Calls `out` with the folded characters of `c`: lower case, marks dropped, special Latin
/// letters spelled out; other characters (punctuation, other scripts) stay as lower case.
fn fold_char(c: char, out: &mut impl FnMut(char)) {
    if c.is_ascii() {
        out(c.to_ascii_lowercase());
        return;
    }
    for lc in c.to_lowercase() {
        if let Some(s) = latin_special(lc) {
            s.chars().for_each(&mut *out);
            continue;
        }
        for d in std::iter::once(lc).nfd() {
            if !is_combining_mark(d) {
                out(d);
            }
        }
    }
}

/// Appends the folded text of `s` as UTF-8; ASCII costs no allocation and no lookup.
pub fn push_folded(buf: &mut Vec<u8>, s: &str) {
    if s.is_ascii() {
        buf.extend(s.bytes().map(|b| b.to_ascii_lowercase()));
        return;
    }
    let mut tmp = [0u8; 4];
    for c in s.chars() {
        fold_char(c, &mut |f| {
            buf.extend_from_slice(f.encode_utf8(&mut tmp).as_bytes());
        });
    }
}

/// The folded text of `s` (what searches compare).
pub fn fold(s: &str) -> String {
    let mut buf = Vec::with_capacity(s.len());
    push_folded(&mut buf, s);
    // Folding maps whole characters to whole characters, so the bytes stay UTF-8.
    String::from_utf8(buf).unwrap_or_default()
}

/// Whether `needle`, already folded, occurs in the folded `haystack`.
pub fn contains(haystack: &str, folded_needle: &str) -> bool {
    if haystack.is_ascii() {
        let (h, n) = (haystack.as_bytes(), folded_needle.as_bytes());
        return n.is_empty()
            || h.windows(n.len())
                .any(|w| w.iter().zip(n).all(|(a, b)| a.to_ascii_lowercase() == *b));
    }
    fold(haystack).contains(folded_needle)
}

/// The collation order: by folded text, then by the text itself so that the order is total and
/// stable ("Oel" < "Öl" < "Ol" < "Ost"). Allocates nothing.
pub fn cmp(a: &str, b: &str) -> Ordering {
    if a.is_ascii() && b.is_ascii() {
        let o = a
            .bytes()
            .map(|c| c.to_ascii_lowercase())
            .cmp(b.bytes().map(|c| c.to_ascii_lowercase()));
        return o.then_with(|| a.cmp(b));
    }
    folded_chars(a).cmp(folded_chars(b)).then_with(|| a.cmp(b))
}

/// The folded characters of `s`, lazily.
fn folded_chars(s: &str) -> impl Iterator<Item = char> + '_ {
    s.chars().flat_map(|c| {
        let mut v: Vec<char> = Vec::new();
        fold_char(c, &mut |f| v.push(f));
        v
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_case_accents_and_special_letters() {
        assert_eq!(fold("Österreichische Post AG"), "osterreichische post ag");
        assert_eq!(fold("Straße"), "strasse");
        assert_eq!(fold("Łódź"), "lodz");
        assert_eq!(fold("ÆRØ"), "aero");
        assert_eq!(fold("anna@example.com"), "anna@example.com");
        assert!(contains("Österreichische Post", "oster"));
        assert!(contains("DEUTSCHE BANK", "bank"));
        assert!(!contains("Deniz", "de "));
    }

    #[test]
    fn collation_sorts_accented_letters_with_their_base() {
        let mut v = vec![
            "Zeta",
            "Österreich",
            "Ostbahn",
            "Oase",
            "Ozean",
            "Strasse",
            "Straße",
            "Strb",
        ];
        v.sort_by(|a, b| cmp(a, b));
        assert_eq!(
            v,
            vec![
                "Oase",
                "Ostbahn",
                "Österreich",
                "Ozean",
                "Strasse",
                "Straße",
                "Strb",
                "Zeta"
            ]
        );
        assert_eq!(cmp("abc", "ABC"), "abc".cmp("ABC"));
    }
}
