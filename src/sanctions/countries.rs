//! Country names as the sanctions lists write them, mapped to ISO codes (`assets/countries.tsv`).

use std::collections::HashMap;
use std::sync::OnceLock;

const TABLE: &str = include_str!("../../assets/countries.tsv");

fn table() -> &'static HashMap<String, &'static str> {
    static T: OnceLock<HashMap<String, &'static str>> = OnceLock::new();
    T.get_or_init(|| {
        TABLE
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .filter_map(|l| l.split_once('\t'))
            .map(|(name, code)| (name.trim().to_string(), code.trim()))
            .collect()
    })
}

/// Maps an ISO code or a country name (`Iran`, `Russian Federation`, `Korea, North`) to its
/// ISO 3166-1 alpha-2 code; `00`/`UNKNOWN` and unknown names give None.
pub fn to_iso(input: &str) -> Option<&'static str> {
    let t = input.trim().trim_end_matches('.');
    if t.is_empty() || t == "00" {
        return None;
    }
    if let Some(code) = crate::domain::country::normalise(t) {
        return Some(code);
    }
    let lower = t.to_lowercase();
    table().get(lower.as_str()).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_list_country_names() {
        assert_eq!(to_iso("Iran"), Some("IR"));
        assert_eq!(to_iso("RUSSIAN FEDERATION"), Some("RU"));
        assert_eq!(to_iso("Korea, North"), Some("KP"));
        assert_eq!(to_iso("de"), Some("DE"));
        assert_eq!(to_iso("00"), None);
        assert_eq!(to_iso("Atlantis"), None);
    }
}
