//! Which insolvency court (and Land) a company debtor belongs to, from its seat or register court,
//! read from the table in `assets/sources/insolvency_courts.tsv` (its header names the source).
//!
//! InsBekV § 2 lets the insolvency portal show publications older than two weeks only when the
//! query names the insolvency court, so a search without one sees the last 14 days at most. The
//! table is partial: where it has no row, no court is derived and the caller must say so.

use crate::domain::cosmetic;
use std::sync::OnceLock;

const TABLE: &str = include_str!("../../assets/sources/insolvency_courts.tsv");

/// An insolvency court and the Land it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct InsolvencyCourt {
    /// Land code as the portal's Bundesland select uses it (`BE`, `BY`, ...).
    pub(crate) land_code: String,
    /// Land name (`Berlin`, `Bayern`, ...).
    pub(crate) land_name: String,
    /// The court as the portal names it, without "Amtsgericht" (`Charlottenburg`).
    pub(crate) court: String,
}

struct Row {
    court: InsolvencyCourt,
    seats: Vec<String>,
    register_courts: Vec<String>,
}

/// The canonical form places are compared in: case, umlauts, punctuation and an "Amtsgericht"
/// prefix do not matter.
pub(crate) fn place_key(s: &str) -> String {
    let key = cosmetic::name_key(s);
    key.strip_prefix("amtsgericht ")
        .map(str::to_string)
        .unwrap_or(key)
}

fn rows() -> &'static [Row] {
    static ROWS: OnceLock<Vec<Row>> = OnceLock::new();
    ROWS.get_or_init(|| {
        TABLE
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
            .filter_map(|l| {
                let cols: Vec<&str> = l.split('\t').collect();
                let list = |i: usize| -> Vec<String> {
                    cols.get(i)
                        .map(|c| {
                            c.split(';')
                                .map(place_key)
                                .filter(|p| !p.is_empty())
                                .collect()
                        })
                        .unwrap_or_default()
                };
                Some(Row {
                    court: InsolvencyCourt {
                        land_code: cols.first()?.trim().to_string(),
                        land_name: cols.get(1)?.trim().to_string(),
                        court: cols.get(2)?.trim().to_string(),
                    },
                    seats: list(3),
                    register_courts: list(4),
                })
            })
            .collect()
    })
}

/// The insolvency court for a debtor: by its seat first (the rule of § 2 InsO is about the seat),
/// else by a register court whose district is one insolvency-court district; None when the table
/// has no row that fits.
pub(crate) fn derive(seat: Option<&str>, register_court: Option<&str>) -> Option<InsolvencyCourt> {
    let by = |wanted: Option<&str>, pick: fn(&Row) -> &[String]| {
        let key = place_key(wanted?);
        if key.is_empty() {
            return None;
        }
        rows()
            .iter()
            .find(|r| pick(r).contains(&key))
            .map(|r| r.court.clone())
    };
    by(seat, |r| &r.seats).or_else(|| by(register_court, |r| &r.register_courts))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_is_complete() {
        assert!(rows().len() >= 40, "{}", rows().len());
        for r in rows() {
            assert_eq!(r.court.land_code.len(), 2, "{:?}", r.court);
            assert!(!r.court.land_name.is_empty() && !r.court.court.is_empty());
            assert!(!r.seats.is_empty(), "{:?}", r.court);
        }
    }

    #[test]
    fn seat_first_then_register_court() {
        let c = derive(Some("Berlin"), None).unwrap();
        assert_eq!(
            (c.land_code.as_str(), c.court.as_str()),
            ("BE", "Charlottenburg")
        );
        let c = derive(None, Some("Amtsgericht Berlin (Charlottenburg)")).unwrap();
        assert_eq!(c.court, "Charlottenburg");
        let c = derive(Some("MÜNCHEN"), Some("Berlin (Charlottenburg)")).unwrap();
        assert_eq!((c.land_code.as_str(), c.court.as_str()), ("BY", "München"));
        assert_eq!(
            derive(Some("Frankfurt a.M."), None).unwrap().court,
            "Frankfurt am Main"
        );
        // A register court covering several insolvency districts gives no court.
        assert_eq!(derive(None, Some("München")), None);
        assert_eq!(derive(Some("Musterstadt"), None), None);
        assert_eq!(derive(None, None), None);
        assert_eq!(derive(Some("  "), Some("")), None);
    }
}
