//! The self-recall invariant: every organisation name, strong alias and vessel or aircraft name
//! of every loaded list, screened verbatim as its own kind, finds its own entity at the alert
//! threshold, with no country, with the entity's own country and with an unrelated one.
//!
//! A screen that misses a listed name as the list writes it cannot be trusted with anything
//! else, so this is checked on the committed sample in the test suite and on whole lists by
//! `kontra-eval eval`.

use kontra::domain::counterparty::CounterpartyKind;
use kontra::sanctions::matcher::{ScreenQuery, Screener};
use kontra::sanctions::model::{EntityKind, ListedEntity, NameKind};

/// The country used as "unrelated": where front companies of listed entities are registered in
/// the evasion pattern the screen must catch.
pub const UNRELATED_COUNTRY: &str = "DE";

/// How the country of a self-recall query is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CountryMode {
    /// No country.
    None,
    /// The entity's first listed country (no country when the list gives none).
    Own,
    /// [`UNRELATED_COUNTRY`], or another one when the entity itself is listed there.
    Unrelated,
}

impl CountryMode {
    /// Every mode, in report order.
    pub const ALL: [CountryMode; 3] = [CountryMode::None, CountryMode::Own, CountryMode::Unrelated];

    /// A short label for reports.
    pub fn label(self) -> &'static str {
        match self {
            CountryMode::None => "no country",
            CountryMode::Own => "own country",
            CountryMode::Unrelated => "other country",
        }
    }
}

/// One name that did not find its own entity.
#[derive(Debug, Clone, PartialEq)]
pub struct Miss {
    /// `source:id` of the entity.
    pub entity: String,
    /// The listed name screened.
    pub name: String,
    /// The country mode.
    pub mode: CountryMode,
    /// The score its own entity got at threshold 0 (`None`: not scored at all).
    pub best: Option<f64>,
}

/// Found / screened per country mode, and the misses.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SelfRecall {
    /// `(found, screened)` in the order of [`CountryMode::ALL`].
    pub counts: [(usize, usize); 3],
    /// Every miss.
    pub misses: Vec<Miss>,
}

impl SelfRecall {
    /// Found and screened over all modes.
    pub fn total(&self) -> (usize, usize) {
        self.counts
            .iter()
            .fold((0, 0), |(f, n), (a, b)| (f + a, n + b))
    }

    /// A plain-text report.
    pub fn render(&self) -> String {
        let mut s = String::from(
            "self-recall (every organisation name, strong alias and vessel/aircraft name, verbatim, as its own kind)\n",
        );
        for (mode, (f, n)) in CountryMode::ALL.iter().zip(self.counts) {
            s.push_str(&format!(
                "  {:<14} {f}/{n} = {:.4}\n",
                mode.label(),
                f as f64 / n.max(1) as f64
            ));
        }
        let (f, n) = self.total();
        s.push_str(&format!(
            "  {:<14} {f}/{n} = {:.4}\n",
            "all",
            f as f64 / n.max(1) as f64
        ));
        s
    }
}

/// The counterparty kind a listed entity is screened as; `None` for persons (the invariant is
/// about organisations, vessels and aircraft).
pub fn own_kind(kind: EntityKind) -> Option<Option<CounterpartyKind>> {
    match kind {
        EntityKind::Organisation => Some(Some(CounterpartyKind::Organisation)),
        EntityKind::Vessel => Some(Some(CounterpartyKind::Vessel)),
        EntityKind::Aircraft => Some(Some(CounterpartyKind::Aircraft)),
        EntityKind::Other => Some(None),
        EntityKind::Person => None,
    }
}

fn country_for(e: &ListedEntity, mode: CountryMode) -> Option<String> {
    match mode {
        CountryMode::None => None,
        CountryMode::Own => e.countries.first().cloned(),
        CountryMode::Unrelated => Some(
            if e.countries.iter().any(|c| c == UNRELATED_COUNTRY) {
                "FR"
            } else {
                UNRELATED_COUNTRY
            }
            .to_string(),
        ),
    }
}

/// Screens every primary name and strong alias of every non-person entity of the screener's
/// index as its own kind, in every country mode, at `threshold`.
pub fn measure(screener: &Screener, threshold: f64) -> SelfRecall {
    let mut out = SelfRecall::default();
    for e in screener.index().entities() {
        let Some(kind) = own_kind(e.kind) else {
            continue;
        };
        for n in e
            .names
            .iter()
            .filter(|n| matches!(n.kind, NameKind::Primary | NameKind::StrongAlias))
        {
            for (m, mode) in CountryMode::ALL.into_iter().enumerate() {
                let q = ScreenQuery {
                    kind,
                    country: country_for(e, mode),
                    ..ScreenQuery::name(n.text.clone())
                };
                let own = |h: &kontra::sanctions::Hit| h.source == e.source && h.entity_id == e.id;
                let found = screener.screen(&q, threshold).iter().any(own);
                out.counts[m].1 += 1;
                if found {
                    out.counts[m].0 += 1;
                } else {
                    let best = screener
                        .screen(&q, 0.0)
                        .iter()
                        .find(|h| own(h))
                        .map(|h| h.score);
                    out.misses.push(Miss {
                        entity: format!("{}:{}", e.source, e.id),
                        name: n.text.clone(),
                        mode,
                        best,
                    });
                }
            }
        }
    }
    out
}
