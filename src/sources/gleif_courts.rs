//! The GLEIF registration authority (RA) code of a German register court, read from the partial
//! table in `assets/sources/gleif_register_courts.tsv` (its header names the source and the rule
//! each row had to pass). A court the table does not know has no code: the caller then keeps
//! every record of the number and says the authority was not checked, never guesses one.

use super::courts::place_key;
use super::gleif::is_ra_code;
use std::sync::OnceLock;

const TABLE: &str = include_str!("../../assets/sources/gleif_register_courts.tsv");

/// Words that say "court" rather than which court ("AG München", "Registergericht Hamburg").
const COURT_WORDS: [&str; 3] = ["ag", "amtsgericht", "registergericht"];

/// The key court names are compared by: case, umlauts written as `ae`/`oe`/`ue`, punctuation,
/// word order ("Charlottenburg (Berlin)") and a court prefix do not matter.
pub(crate) fn court_key(s: &str) -> String {
    let key = place_key(s);
    let mut words: Vec<String> = key
        .split(' ')
        .filter(|w| !w.is_empty() && !COURT_WORDS.contains(w))
        .map(|w| w.replace("ae", "a").replace("oe", "o").replace("ue", "u"))
        .collect();
    words.sort();
    words.join(" ")
}

fn rows() -> &'static [(String, Vec<String>)] {
    static ROWS: OnceLock<Vec<(String, Vec<String>)>> = OnceLock::new();
    ROWS.get_or_init(|| {
        TABLE
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
            .filter_map(|l| {
                let mut cols = l.split('\t');
                let code = cols.next()?.trim().to_string();
                let names = cols.next()?.split(';').map(court_key).collect();
                Some((code, names))
            })
            .collect()
    })
}

/// The RA code for `court`: the code itself when the court is written as one (`RA000304`), else
/// the table's code for the court's name; None when the table does not know the court.
pub(crate) fn ra_code(court: &str) -> Option<String> {
    let court = court.trim();
    if is_ra_code(court) {
        return Some(court.to_uppercase());
    }
    let key = court_key(court);
    if key.is_empty() {
        return None;
    }
    rows()
        .iter()
        .find(|(_, names)| names.contains(&key))
        .map(|(code, _)| code.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_has_a_code_and_names_and_no_name_twice() {
        assert!(rows().len() >= 9);
        let mut seen = std::collections::HashSet::new();
        for (code, names) in rows() {
            assert!(is_ra_code(code), "{code}");
            for n in names {
                assert!(!n.is_empty(), "{code}");
                assert!(seen.insert(n.clone()), "{n} listed twice");
            }
        }
    }

    #[test]
    fn court_names_are_found_however_written() {
        for court in [
            "Amtsgericht München",
            "AG München",
            "München",
            "Muenchen",
            "MÜNCHEN",
            "Registergericht München",
        ] {
            assert_eq!(ra_code(court).as_deref(), Some("RA000304"), "{court}");
        }
        for court in [
            "Berlin (Charlottenburg)",
            "Amtsgericht Charlottenburg",
            "Charlottenburg (Berlin)",
            "AG Berlin-Charlottenburg",
            "Berlin Charlottenburg",
        ] {
            assert_eq!(ra_code(court).as_deref(), Some("RA000217"), "{court}");
        }
        assert_eq!(
            ra_code("Amtsgericht Frankfurt a.M.").as_deref(),
            Some("RA000242")
        );
        assert_eq!(ra_code("AG Duesseldorf").as_deref(), Some("RA000234"));
        assert_eq!(ra_code(" ra000999 ").as_deref(), Some("RA000999"));
    }

    #[test]
    fn unknown_courts_have_no_code() {
        for court in [
            "Amtsgericht Köln",
            "AG Musterstadt",
            "Frankfurt (Oder)",
            "",
            "  ",
            "AG",
        ] {
            assert_eq!(ra_code(court), None, "{court}");
        }
    }
}
