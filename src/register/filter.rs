//! Filters over the register, shared by `kontra list` and the counterparty table.

use crate::domain::Counterparty;
use crate::domain::collate;

/// What to keep; empty fields keep everything. Serializable: `kontra list` sends it to a shared
/// Kontra.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Filter {
    /// ISO country code.
    pub country: Option<String>,
    /// Text (case and accents do not matter) found in name, VAT number, country, owner, e-mail or domain.
    pub search: Option<String>,
    /// Owner (case-insensitive, exact).
    pub owner: Option<String>,
    /// Only monitored counterparties.
    pub monitored: bool,
}

impl Filter {
    /// Whether a counterparty passes. `search` must already be folded (see [`Filter::new`]).
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

    /// Builds a filter, folding the search text once rather than per row.
    pub fn new(
        country: Option<String>,
        search: Option<String>,
        owner: Option<String>,
        monitored: bool,
    ) -> Filter {
        Filter {
            country,
            search: search.map(|s| collate::fold(s.trim())),
            owner,
            monitored,
        }
    }
}

/// Whether the folded query (see [`collate::fold`]) occurs in one of the searchable fields;
/// case and accents do not matter.
pub fn text_matches(cp: &Counterparty, q: &str) -> bool {
    let has = |s: &str| collate::contains(s, q);
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

/// The orders `kontra list` can print in.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Default,
    clap::ValueEnum,
    serde::Serialize,
    serde::Deserialize,
)]
pub enum ListOrder {
    /// By id (the order of the store).
    #[default]
    Id,
    /// By name, in the collation order ("Ö" with "O", "ß" with "ss").
    Name,
    /// By country code, then name.
    Country,
    /// By owner (without owner last), then name.
    Owner,
}

impl ListOrder {
    /// Compares two counterparties in this order; ties go by id.
    pub fn cmp(self, a: &Counterparty, b: &Counterparty) -> std::cmp::Ordering {
        let name = || collate::cmp(&a.name, &b.name);
        match self {
            ListOrder::Id => std::cmp::Ordering::Equal,
            ListOrder::Name => name(),
            ListOrder::Country => a.country.cmp(&b.country).then_with(name),
            ListOrder::Owner => match (&a.owner, &b.owner) {
                (Some(x), Some(y)) => collate::cmp(x, y),
                (x, y) => y.is_some().cmp(&x.is_some()),
            }
            .then_with(name),
        }
        .then(a.id.cmp(&b.id))
    }
}
