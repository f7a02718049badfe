//! False alerts on real company names: screens a file of real, unsanctioned companies (one JSON
//! object a line: `name`, `country`) and counts what alerts, by strength and by the class of
//! error behind it. Synthetic clean names do not show these classes (short brand words,
//! acronyms, one common English word), so the evaluation needs real ones.

use kontra::domain::counterparty::CounterpartyKind;
use kontra::domain::screening::{HitReason, HitStrength};
use kontra::sanctions::Hit;
use kontra::sanctions::matcher::{ScreenQuery, Screener};
use kontra::sanctions::model::EntityKind;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

/// One real company.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct RealCompany {
    /// The name as an index provider writes it.
    pub name: String,
    /// ISO country code, when known.
    #[serde(default)]
    pub country: Option<String>,
}

/// Reads a JSON-lines file of real companies; an error names the line.
pub fn read(path: &Path) -> Result<Vec<RealCompany>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            serde_json::from_str(l).map_err(|e| format!("{} line {}: {e}", path.display(), i + 1))
        })
        .collect()
}

/// Why a real company alerted, read from its best hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ErrorClass {
    /// A word spelled differently on each side (one edit, an equal spelling skeleton).
    Spelling,
    /// The listed entity is a vessel or aircraft.
    Craft,
    /// Words of the listed name are missing from the company's name.
    ListedWordsMissing,
    /// The company's name has words the listed name lacks.
    ExtraWords,
    /// The same words (a namesake or the listed name itself).
    SameWords,
}

impl ErrorClass {
    /// A short label for reports.
    pub fn label(self) -> &'static str {
        match self {
            ErrorClass::Spelling => "spelling neighbour",
            ErrorClass::Craft => "vessel/aircraft",
            ErrorClass::ListedWordsMissing => "listed words missing",
            ErrorClass::ExtraWords => "extra words in ours",
            ErrorClass::SameWords => "same words (namesake)",
        }
    }

    /// The class of a hit on a name that is known not to be the listed entity.
    pub fn of(hit: &Hit) -> ErrorClass {
        let has = |f: fn(&HitReason) -> bool| hit.reasons.iter().any(f);
        if matches!(hit.kind, EntityKind::Vessel | EntityKind::Aircraft) {
            ErrorClass::Craft
        } else if has(|r| matches!(r, HitReason::SpellingDiffers { .. })) {
            ErrorClass::Spelling
        } else if has(|r| matches!(r, HitReason::ListedWordsMissing { .. })) {
            ErrorClass::ListedWordsMissing
        } else if hit
            .explanation
            .unmatched_query
            .iter()
            .any(|t| !t.starts_with('~'))
        {
            ErrorClass::ExtraWords
        } else {
            ErrorClass::SameWords
        }
    }
}

/// One company that alerted.
#[derive(Debug, Clone, PartialEq)]
pub struct FalseAlert {
    /// The company's name.
    pub name: String,
    /// The country screened with (`None`: screened without).
    pub country: Option<String>,
    /// The best hit.
    pub hit: Hit,
    /// Its class.
    pub class: ErrorClass,
}

/// Alerts on one pass over the companies (with or without their country).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Pass {
    /// Companies screened.
    pub screened: usize,
    /// Companies with at least one hit.
    pub alerts: Vec<FalseAlert>,
}

impl Pass {
    /// Companies whose best hit is strong.
    pub fn strong(&self) -> usize {
        self.alerts
            .iter()
            .filter(|a| a.hit.strength == HitStrength::Strong)
            .count()
    }

    /// Alerts per class.
    pub fn per_class(&self) -> BTreeMap<ErrorClass, usize> {
        let mut m = BTreeMap::new();
        for a in &self.alerts {
            *m.entry(a.class).or_default() += 1;
        }
        m
    }
}

/// Both passes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RealNames {
    /// Screened with the company's country (companies without one are screened without).
    pub with_country: Pass,
    /// Screened by name alone.
    pub without_country: Pass,
}

fn pass(screener: &Screener, companies: &[RealCompany], threshold: f64, country: bool) -> Pass {
    let mut p = Pass::default();
    for c in companies {
        let q = ScreenQuery {
            kind: Some(CounterpartyKind::Organisation),
            country: if country { c.country.clone() } else { None },
            ..ScreenQuery::name(c.name.clone())
        };
        p.screened += 1;
        // The strongest hit first, then the best score: what the analyst is told about.
        let mut hits = screener.screen(&q, threshold);
        hits.sort_by(|a, b| {
            b.strength
                .cmp(&a.strength)
                .then(b.score.total_cmp(&a.score))
        });
        if let Some(hit) = hits.into_iter().next() {
            p.alerts.push(FalseAlert {
                name: c.name.clone(),
                country: q.country.clone(),
                class: ErrorClass::of(&hit),
                hit,
            });
        }
    }
    p
}

/// Screens every company as an organisation, with and without its country.
pub fn measure(screener: &Screener, companies: &[RealCompany], threshold: f64) -> RealNames {
    RealNames {
        with_country: pass(screener, companies, threshold, true),
        without_country: pass(screener, companies, threshold, false),
    }
}

impl RealNames {
    /// A plain-text report; `examples` lists that many alerts of each pass.
    pub fn render(&self, examples: usize) -> String {
        let mut s = String::from(
            "real company names (none is sanctioned: every alert is false), screened as organisations\n",
        );
        for (label, p) in [
            ("with country", &self.with_country),
            ("without country", &self.without_country),
        ] {
            s.push_str(&format!(
                "  {label:<16} {} of {} alert ({} strong, {} possible)",
                p.alerts.len(),
                p.screened,
                p.strong(),
                p.alerts.len() - p.strong()
            ));
            let classes: Vec<String> = p
                .per_class()
                .iter()
                .map(|(c, n)| format!("{} {n}", c.label()))
                .collect();
            if !classes.is_empty() {
                s.push_str(&format!(": {}", classes.join(", ")));
            }
            s.push('\n');
            for a in p.alerts.iter().take(examples) {
                s.push_str(&format!(
                    "    {} [{}] -> {}:{} \"{}\" {:.3} {} ({}): {}\n",
                    a.name,
                    a.country.as_deref().unwrap_or("-"),
                    a.hit.source,
                    a.hit.entity_id,
                    a.hit.name,
                    a.hit.score,
                    a.hit.strength,
                    a.class.label(),
                    a.hit.explanation.summary()
                ));
            }
        }
        s
    }
}
