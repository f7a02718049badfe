//! Filters over the register, shared by `kontra list` and the counterparty table.

use crate::domain::Counterparty;

/// What to keep; empty fields keep everything. Serializable: `kontra list` sends it to a shared
/// Kontra.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Filter {
    /// ISO country code.
    pub country: Option<String>,
    /// Case-insensitive text found in name, VAT number, country, owner, e-mail or domain.
    pub search: Option<String>,
    /// Owner (case-insensitive, exact).
    pub owner: Option<String>,
    /// Only monitored counterparties.
    pub monitored: bool,
}

impl Filter {
    /// Whether a counterparty passes. `search` must already be lower case (see [`Filter::new`]).
    pub fn matches(&self, cp: &Counterparty) -> bool {
        if self.monitored && !cp.monitor {
            return false;
        }
        if let Some(c) = &self.country
            && !cp.country.eq_ignore_ascii_case(c)
        {
            return false;
        }
        if let Some(o) = &self.owner
            && !cp
                .owner
                .as_deref()
                .is_some_and(|x| x.eq_ignore_ascii_case(o))
        {
            return false;
        }
        match &self.search {
            Some(q) if !q.is_empty() => text_matches(cp, q),
            _ => true,
        }
    }

    /// Builds a filter, lower-casing the search text once rather than per row.
    pub fn new(
        country: Option<String>,
        search: Option<String>,
        owner: Option<String>,
        monitored: bool,
    ) -> Filter {
        Filter {
            country,
            search: search.map(|s| s.trim().to_lowercase()),
            owner,
            monitored,
        }
    }
}

/// Whether the lower-case query occurs in one of the searchable fields.
pub fn text_matches(cp: &Counterparty, q: &str) -> bool {
    let has = |s: &str| contains_ci(s, q);
    has(&cp.name)
        || cp
            .vat
            .as_deref()
            .is_some_and(|v| has(v) || has(&v.replace(' ', "")))
        || has(&cp.country)
        || cp.owner.as_deref().is_some_and(has)
        || cp.email.as_deref().is_some_and(has)
        || cp.domain.as_deref().is_some_and(has)
}

fn contains_ci(haystack: &str, lower_needle: &str) -> bool {
    if haystack.is_ascii() && lower_needle.is_ascii() {
        // Avoid allocating per row on the common ASCII path: this runs for every row on every
        // keystroke in the table filter.
        let h = haystack.as_bytes();
        let n = lower_needle.as_bytes();
        if n.len() > h.len() {
            return false;
        }
        return h
            .windows(n.len())
            .any(|w| w.iter().zip(n).all(|(a, b)| a.to_ascii_lowercase() == *b));
    }
    haystack.to_lowercase().contains(lower_needle)
}
