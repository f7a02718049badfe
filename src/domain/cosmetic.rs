//! Canonical forms of names and addresses, so that cosmetic differences are not reported as changes.
//!
//! Case, spacing, punctuation, umlaut transliteration (`ü`/`ue`/`u`), spelled-out legal forms
//! (`Gesellschaft mit beschränkter Haftung` = `GmbH`) and street abbreviations (`Str.` = `Straße`)
//! all fold to the same canonical text. Only equality of canonical forms is meaningful.

use unicode_normalization::UnicodeNormalization;

/// Spelled-out legal forms (already folded) and their canonical abbreviation, longest first.
const LEGAL_PHRASES: &[(&str, &str)] = &[
    ("spolka z ograniczona odpowiedzialnoscia", "spzoo"),
    ("societe a responsabilite limitee", "sarl"),
    ("societa a responsabilita limitata", "srl"),
    ("gesellschaft mit beschrankter haftung", "gmbh"),
    ("unternehmergesellschaft haftungsbeschrankt", "ug"),
    ("kommanditgesellschaft auf aktien", "kgaa"),
    ("gesellschaft burgerlichen rechts", "gbr"),
    ("eingetragene genossenschaft", "eg"),
    ("public limited company", "plc"),
    ("offene handelsgesellschaft", "ohg"),
    ("limited liability company", "llc"),
    ("eingetragener kaufmann", "ek"),
    ("eingetragene kauffrau", "ek"),
    ("eingetragener verein", "ev"),
    ("besloten vennootschap", "bv"),
    ("naamloze vennootschap", "nv"),
    ("ug haftungsbeschrankt", "ug"),
    ("societa per azioni", "spa"),
    ("societas europaea", "se"),
    ("kommanditgesellschaft", "kg"),
    ("aktiengesellschaft", "ag"),
    ("societe anonyme", "sa"),
    ("incorporated", "inc"),
    ("corporation", "corp"),
    ("sp z o o", "spzoo"),
    ("sp z oo", "spzoo"),
    ("limited", "ltd"),
    ("company", "co"),
    ("e k", "ek"),
    ("e v", "ev"),
    ("e g", "eg"),
    ("und", "&"),
    ("and", "&"),
];

/// Canonical legal-form tokens (and the connectors that appear inside combined forms).
const LEGAL_TOKENS: &[&str] = &[
    "gmbh", "ag", "kg", "kgaa", "ohg", "ug", "ek", "eg", "ev", "gbr", "se", "ltd", "plc", "inc",
    "corp", "llc", "sa", "sarl", "spa", "srl", "bv", "nv", "ab", "as", "oy", "spzoo", "co", "&",
    "mbh",
];

/// Folds case, diacritics and umlaut spellings and turns punctuation into token breaks.
fn fold(s: &str) -> String {
    let mut pre = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            'ß' | 'ẞ' => pre.push_str("ss"),
            'ł' | 'Ł' => pre.push('l'),
            'ø' | 'Ø' => pre.push('o'),
            'æ' | 'Æ' => pre.push_str("ae"),
            'đ' | 'Đ' => pre.push('d'),
            _ => pre.push(c),
        }
    }
    let mut out = String::with_capacity(pre.len());
    for c in pre.nfd() {
        if unicode_normalization::char::is_combining_mark(c) {
            continue;
        }
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if c == '&' || c == '+' {
            out.push_str(" & ");
        } else if c == '.' || c == '\'' || c == '’' || c == '`' {
            // Abbreviation dots and apostrophes join: "G.m.b.H." is "gmbh".
        } else {
            out.push(' ');
        }
    }
    // "ü" and "ue" (and a plain "u" from systems that drop umlauts) must compare equal.
    let out = out.replace("ae", "a").replace("oe", "o").replace("ue", "u");
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Replaces spelled-out legal forms by their abbreviation, on whole tokens.
fn abbreviate(tokens: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(tokens.len());
    let mut i = 0;
    'outer: while i < tokens.len() {
        for (phrase, short) in LEGAL_PHRASES {
            let words: Vec<&str> = phrase.split(' ').collect();
            if i + words.len() <= tokens.len()
                && words.iter().zip(&tokens[i..]).all(|(w, t)| *w == t)
            {
                out.push((*short).to_string());
                i += words.len();
                continue 'outer;
            }
        }
        out.push(tokens[i].clone());
        i += 1;
    }
    out
}

fn tokens(s: &str) -> Vec<String> {
    abbreviate(fold(s).split(' ').map(str::to_string).collect())
        .into_iter()
        .filter(|t| !t.is_empty())
        .collect()
}

/// The canonical form of a company name.
pub fn name_key(s: &str) -> String {
    tokens(s).join(" ")
}

/// A company name split into its canonical base and canonical legal form (possibly empty).
pub fn split_legal_form(s: &str) -> (String, String) {
    let t = tokens(s);
    let mut cut = t.len();
    while cut > 0 && LEGAL_TOKENS.contains(&t[cut - 1].as_str()) {
        cut -= 1;
    }
    // A name made only of legal-form words keeps them as its base.
    if cut == 0 {
        return (t.join(" "), String::new());
    }
    let form: Vec<&str> = t[cut..]
        .iter()
        .map(String::as_str)
        .filter(|x| *x != "&")
        .collect();
    (t[..cut].join(" "), form.join(" "))
}

/// The name as written, without its trailing legal form (`Müller & Söhne GmbH & Co. KG` ->
/// `Müller & Söhne`, `Musterbau Gesellschaft mit beschränkter Haftung` -> `Musterbau`), for
/// registries that search by text; the whole name when it has no legal form or is nothing else.
pub fn without_legal_form(s: &str) -> String {
    let (base, form) = split_legal_form(s);
    let words: Vec<&str> = s.split_whitespace().collect();
    if form.is_empty() || base.is_empty() {
        return words.join(" ");
    }
    (1..=words.len())
        .map(|k| words[..k].join(" "))
        .find(|prefix| split_legal_form(prefix).0 == base)
        .map(|p| p.trim_end_matches([',', ';', '-']).trim().to_string())
        .unwrap_or_else(|| words.join(" "))
}

/// The canonical form of a postal address: street abbreviations expanded, token order ignored.
pub fn address_key(s: &str) -> String {
    let raw = fold(s);
    let mut out: Vec<String> = Vec::new();
    for t in raw.split(' ').filter(|t| !t.is_empty()) {
        let t = if t == "str" || t == "strase" {
            "strasse".to_string()
        } else if let Some(stem) = t.strip_suffix("str").filter(|s| s.len() >= 2) {
            format!("{stem}strasse")
        } else {
            t.to_string()
        };
        // "Haupt Straße" and "Haupt-Straße" are "Hauptstraße".
        if t == "strasse"
            && let Some(prev) = out.last_mut()
            && prev.chars().all(char::is_alphabetic)
        {
            prev.push_str("strasse");
            continue;
        }
        out.push(t);
    }
    out.sort();
    out.join(" ")
}

/// Whether two names differ only cosmetically.
pub fn same_name(a: &str, b: &str) -> bool {
    name_key(a) == name_key(b)
}

/// Whether two addresses differ only cosmetically.
pub fn same_address(a: &str, b: &str) -> bool {
    address_key(a) == address_key(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legal_form_is_cut_off_as_written() {
        for (name, base) in [
            ("Müller & Söhne GmbH & Co. KG", "Müller & Söhne"),
            (
                "Musterbau Gesellschaft mit beschränkter Haftung",
                "Musterbau",
            ),
            ("Musterbau GmbH", "Musterbau"),
            ("ACME, Inc.", "ACME"),
            ("Musterbau", "Musterbau"),
            ("  Beta   Handels AG ", "Beta Handels"),
            ("GmbH", "GmbH"),
            ("", ""),
        ] {
            assert_eq!(without_legal_form(name), base, "{name}");
        }
    }

    #[test]
    fn cosmetic_name_differences_are_equal() {
        let same = [
            ("Müller GmbH", "MUELLER GMBH"),
            ("Müller GmbH", "Muller G.m.b.H."),
            (
                "Müller GmbH",
                "Müller Gesellschaft mit beschränkter Haftung",
            ),
            ("Müller GmbH", "  müller   gmbh "),
            ("Straßenbau AG", "Strassenbau Aktiengesellschaft"),
            (
                "Schmidt & Söhne GmbH & Co. KG",
                "SCHMIDT UND SOEHNE GMBH & CO KG",
            ),
            ("ACME, Inc.", "Acme Incorporated"),
            (
                "Kowalski Sp. z o.o.",
                "KOWALSKI SPÓŁKA Z OGRANICZONĄ ODPOWIEDZIALNOŚCIĄ",
            ),
            ("Café Crème S.A.", "CAFE CREME SOCIETE ANONYME"),
            ("O'Brien Ltd", "OBrien Limited"),
        ];
        for (a, b) in same {
            assert!(
                same_name(a, b),
                "{a:?} vs {b:?}: {} / {}",
                name_key(a),
                name_key(b)
            );
        }
        let different = [
            ("Müller GmbH", "Müller AG"),
            ("Müller GmbH", "Möller GmbH"),
            ("Alpha Trading GmbH", "Beta Trading GmbH"),
            ("Müller GmbH", "Müller Bau GmbH"),
        ];
        for (a, b) in different {
            assert!(!same_name(a, b), "{a:?} vs {b:?}");
        }
    }

    #[test]
    fn legal_form_is_split_off() {
        let cases = [
            ("Müller GmbH", ("muller", "gmbh")),
            ("Schmidt GmbH & Co. KG", ("schmidt", "gmbh co kg")),
            ("Beispiel Aktiengesellschaft", ("beispiel", "ag")),
            ("Beispiel", ("beispiel", "")),
            ("GmbH", ("gmbh", "")),
        ];
        for (input, (base, form)) in cases {
            let (b, f) = split_legal_form(input);
            assert_eq!(b, base, "{input}");
            assert_eq!(f, form, "{input}");
        }
    }

    #[test]
    fn cosmetic_address_differences_are_equal() {
        let same = [
            ("Hauptstr. 5, 10117 Berlin", "HAUPTSTRASSE 5\n10117 BERLIN"),
            ("Hauptstraße 5, 10117 Berlin", "Haupt-Straße 5 10117 Berlin"),
            ("Hauptstr. 5, 10117 Berlin", "10117 Berlin, Hauptstraße 5"),
            ("Am Markt 1, 80331 München", "AM MARKT 1 80331 MUENCHEN"),
            ("Bahnhofstr 12", "Bahnhof Str. 12"),
        ];
        for (a, b) in same {
            assert!(
                same_address(a, b),
                "{a:?} vs {b:?}: {} / {}",
                address_key(a),
                address_key(b)
            );
        }
        let different = [
            ("Hauptstr. 5, 10117 Berlin", "Hauptstr. 50, 10117 Berlin"),
            ("Hauptstr. 5, 10117 Berlin", "Nebenstr. 5, 10117 Berlin"),
            ("Hauptstr. 5, 10117 Berlin", "Hauptstr. 5, 80331 München"),
        ];
        for (a, b) in different {
            assert!(!same_address(a, b), "{a:?} vs {b:?}");
        }
    }
}
