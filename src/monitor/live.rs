//! The production [`Checker`]: the registry clients of `crate::sources` and the sanctions
//! screener of `crate::sanctions`, with the counterparty's data turned into their queries.

use super::check::Checker;
use super::delta::ListDelta;
use crate::config::Config;
use crate::domain::Counterparty;
use crate::domain::check::{
    Answer, Evidence, Outcome, SanctionsAnswer, SanctionsHit, Source, SourceResult, Unavailable,
};
use crate::domain::pause::SourcePause;
use crate::sanctions::{self, ListSource, ScreenQuery, Screener, decisions, snapshot};
use crate::sources::{GleifSearch, InsolvencyQuery, QualifiedRequest, RegisterQuery, Sources};
use crate::store::{Store, StoreError};
use chrono::Utc;
use std::collections::{BTreeSet, HashSet};
use std::path::Path;
use std::sync::{Arc, RwLock};

/// State key prefix of the last list snapshot screened against the whole register.
const DELTA_DONE_KEY: &str = "monitor/sanctions_screened";

/// Why the live checker could not be built.
#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    /// The registry clients could not be built.
    #[error(transparent)]
    Sources(#[from] crate::sources::SourcesError),
    /// The sanctions snapshots could not be read.
    #[error("sanctions lists: {0}")]
    Sanctions(#[from] snapshot::RefreshError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The loaded lists: the screener and each list's snapshot hash.
struct Lists {
    screener: Option<Screener>,
    snapshots: Vec<(String, String)>,
}

/// Asks the real registries and screens against the loaded sanctions lists.
pub struct Live {
    sources: Sources,
    store: Arc<Store>,
    data_dir: std::path::PathBuf,
    sanctions: crate::sanctions::config::SanctionsConfig,
    lists: RwLock<Lists>,
    enabled: Vec<Source>,
}

fn load_lists(
    store: &Store,
    data_dir: &Path,
    cfg: &crate::sanctions::config::SanctionsConfig,
) -> Result<Lists, LiveError> {
    let mut snapshots = Vec::new();
    for s in ListSource::ALL {
        if !cfg.list(s).enabled {
            continue;
        }
        if let Some(meta) = snapshot::list_state(store, s)?.current {
            snapshots.push((s.as_str().to_string(), meta.sha256));
        }
    }
    let screener = if snapshots.is_empty() {
        None
    } else {
        Some(sanctions::open_screener(data_dir, cfg)?)
    };
    Ok(Lists {
        screener,
        snapshots,
    })
}

impl Live {
    /// Builds the clients from `[sources]` and loads the sanctions lists of `[sanctions]`.
    pub fn new(config: &Config, store: &Arc<Store>, data_dir: &Path) -> Result<Live, LiveError> {
        let sources = Sources::new(&config.sources)?;
        let s = &config.sources;
        let enabled = [
            (Source::Vies, s.vies.enabled),
            (
                Source::Evatr,
                s.evatr.enabled && s.evatr.requester_vat.is_some(),
            ),
            (Source::Gleif, s.gleif.enabled),
            (Source::Handelsregister, s.handelsregister.enabled),
            (Source::Insolvency, s.insolvency.enabled),
            (Source::Sanctions, true),
        ]
        .into_iter()
        .filter(|(_, on)| *on)
        .map(|(s, _)| s)
        .collect();
        let lists = load_lists(store, data_dir, &config.sanctions)?;
        // A pause an earlier process met still holds: the block is on this machine's address.
        if let Some(p) = store.source_pause(Source::Vies)? {
            sources.pause_vies(p);
        }
        Ok(Live {
            sources,
            store: store.clone(),
            data_dir: data_dir.to_path_buf(),
            sanctions: config.sanctions.clone(),
            lists: RwLock::new(lists),
            enabled,
        })
    }

    /// The registry clients (for health and operator controls).
    pub fn sources(&self) -> &Sources {
        &self.sources
    }

    /// Makes the VIES client and the data directory agree on the `IP_BLOCKED` pause: a pause
    /// the store holds (met by this or an earlier process) stops the client; a pause the client
    /// just met is written to the store. Lifting goes through [`Live::resume_vies`], which
    /// clears both. A store that cannot be read or written leaves the client paused as it is.
    pub fn sync_vies_pause(&self) {
        match (
            self.store.source_pause(Source::Vies),
            self.sources.vies_pause(),
        ) {
            (Ok(Some(p)), None) => self.sources.pause_vies(p),
            (Ok(None), Some(p)) => {
                if let Err(e) = self.store.set_source_pause(&p) {
                    tracing::error!("the VIES pause could not be stored: {e}");
                }
            }
            (Err(e), _) => tracing::warn!("the VIES pause could not be read: {e}"),
            _ => {}
        }
    }

    /// Lifts the VIES pause in the client and the data directory, with an audit entry by
    /// `actor`; returns the pause that was in force.
    pub(crate) fn resume_vies(&self, actor: &str) -> Result<Option<SourcePause>, StoreError> {
        let was = self.store.resume_source(Source::Vies, actor)?;
        self.sources.resume_vies();
        Ok(was)
    }

    /// Reloads the sanctions lists after a refresh.
    pub(crate) fn reload_lists(&self) -> Result<(), LiveError> {
        let lists = load_lists(&self.store, &self.data_dir, &self.sanctions)?;
        if let Ok(mut l) = self.lists.write() {
            *l = lists;
        }
        Ok(())
    }

    /// What the lists are screened for: everything known about the counterparty.
    pub(crate) fn screen_query(cp: &Counterparty) -> ScreenQuery {
        ScreenQuery {
            name: cp.name.clone(),
            country: Some(cp.country.clone()),
            vat: cp.vat.as_deref().map(str::to_string),
            lei: cp.lei.clone(),
            register: cp
                .register
                .as_ref()
                .map(|r| format!("{} {}", r.kind, r.number)),
            kind: Some(cp.kind),
        }
    }

    fn screen(&self, cp: &Counterparty, only: Option<&HashSet<(ListSource, String)>>) -> Outcome {
        let lists = match self.lists.read() {
            Ok(l) => l,
            Err(p) => p.into_inner(),
        };
        let Some(screener) = &lists.screener else {
            return Outcome::CouldNotAsk {
                reason: Unavailable::ServiceUnavailable,
                message: "no sanctions list is loaded (run `kontra sanctions update`)".into(),
            };
        };
        let q = Self::screen_query(cp);
        let threshold = self.sanctions.threshold.0;
        let hits = match only {
            Some(only) => screener.screen_only(&q, threshold, only),
            None => screener.screen(&q, threshold),
        };
        match decisions::filter_hits(&self.store, cp.id, hits) {
            Ok(hits) => Outcome::Answer(Answer::Sanctions(SanctionsAnswer {
                hits: hits.iter().map(|h| h.to_stored()).collect(),
                lists: lists.snapshots.clone(),
            })),
            Err(e) => Outcome::CouldNotAsk {
                reason: Unavailable::Parse,
                message: format!("screening decisions could not be read: {e}"),
            },
        }
    }

    fn pending_deltas(&self) -> Result<Vec<ListDelta>, LiveError> {
        let mut out = Vec::new();
        for s in ListSource::ALL {
            if !self.sanctions.list(s).enabled {
                continue;
            }
            let Some(d) = snapshot::last_delta(&self.store, s)? else {
                continue;
            };
            let key = format!("{DELTA_DONE_KEY}/{}", s.as_str());
            let done: Option<String> = self.store.get_state(&key)?;
            // The very first snapshot of a list is screened by the next full check, not here.
            if d.from.is_none() || done.as_deref() == Some(d.to.as_str()) {
                continue;
            }
            out.push(ListDelta {
                list: s.as_str().to_string(),
                snapshot: d.to.clone(),
                touched: d.added.iter().chain(&d.changed).cloned().collect(),
                removed: d.removed.iter().cloned().collect(),
            });
        }
        Ok(out)
    }

    fn record_screened(&self, deltas: &[ListDelta]) -> Result<(), LiveError> {
        for d in deltas {
            self.store
                .set_state(&format!("{DELTA_DONE_KEY}/{}", d.list), &d.snapshot)?;
        }
        Ok(())
    }
}

fn not_asked(source: Source, reason: Unavailable, message: String) -> SourceResult {
    SourceResult {
        source,
        at: Utc::now(),
        outcome: Outcome::CouldNotAsk { reason, message },
        evidence: Evidence::default(),
    }
}

/// Postcode and city from a free-text address such as `Hauptstr. 5, 10117 Berlin`.
pub(crate) fn postcode_and_city(address: &str) -> (Option<String>, Option<String>) {
    let last = address
        .rsplit([',', '\n'])
        .map(str::trim)
        .find(|s| !s.is_empty())
        .unwrap_or_default();
    let mut words = last.split_whitespace().peekable();
    let postcode = match words.peek() {
        Some(w) if w.chars().any(|c| c.is_ascii_digit()) => words.next().map(str::to_string),
        _ => None,
    };
    let city = words.collect::<Vec<_>>().join(" ");
    (postcode, (!city.is_empty()).then_some(city))
}

/// The street line of a free-text address (its first part), when it has more than one part.
fn street(address: &str) -> Option<String> {
    let mut parts = address
        .split([',', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty());
    let first = parts.next()?;
    parts.next().map(|_| first.to_string())
}

impl Checker for Live {
    fn enabled(&self, source: Source) -> bool {
        self.enabled.contains(&source)
    }

    fn resume(
        &self,
        store: &Store,
        source: Source,
        actor: &str,
    ) -> Result<Option<SourcePause>, StoreError> {
        match source {
            Source::Vies => self.resume_vies(actor),
            _ => store.resume_source(source, actor),
        }
    }

    async fn ask(&self, source: Source, cp: &Counterparty) -> SourceResult {
        let vat_number = || cp.vat.clone();
        match source {
            Source::Vies => match vat_number() {
                Some(v) => {
                    self.sync_vies_pause();
                    let r = self.sources.vies(&v).await;
                    self.sync_vies_pause();
                    r
                }
                None => not_asked(source, Unavailable::Rejected, "no valid VAT number".into()),
            },
            Source::Evatr => match vat_number() {
                Some(v) => {
                    let (postcode, city) = cp
                        .address
                        .as_deref()
                        .map(postcode_and_city)
                        .unwrap_or((None, None));
                    let qualified = city.map(|city| QualifiedRequest {
                        name: cp.name.clone(),
                        city,
                        street: cp.address.as_deref().and_then(street),
                        postcode,
                    });
                    self.sources.evatr(&v, qualified.as_ref()).await
                }
                None => not_asked(source, Unavailable::Rejected, "no valid VAT number".into()),
            },
            Source::Gleif => match (&cp.lei, &cp.register) {
                (Some(lei), _) => self.sources.gleif_lei(lei).await,
                (None, Some(r)) => {
                    let number = if r.kind.is_empty() {
                        r.number.clone()
                    } else {
                        format!("{} {}", r.kind, r.number)
                    };
                    // A court written as its RA code is used as one; a court name is looked up
                    // in the GLEIF client's court table.
                    let court = r.court.trim();
                    self.sources
                        .gleif_search(&GleifSearch::Register {
                            number,
                            court: crate::sources::gleif::is_ra_code(court)
                                .then(|| court.to_string()),
                            court_name: (!court.is_empty()).then(|| court.to_string()),
                            country: Some(cp.country.clone()),
                        })
                        .await
                }
                (None, None) => not_asked(
                    source,
                    Unavailable::Rejected,
                    "no LEI or register entry".into(),
                ),
            },
            Source::Handelsregister => {
                let query = cp
                    .register
                    .as_ref()
                    .filter(|r| !r.kind.is_empty())
                    .and_then(|r| {
                        RegisterQuery::register(
                            &format!("{} {}", r.kind, r.number),
                            (!r.court.is_empty()).then_some(r.court.as_str()),
                        )
                    })
                    .unwrap_or(RegisterQuery {
                        name: Some(cp.name.clone()),
                        kind: None,
                        number: None,
                        court: None,
                    });
                self.sources.handelsregister(&query).await
            }
            Source::Insolvency => {
                let seat = cp.address.as_deref().and_then(|a| postcode_and_city(a).1);
                let q = InsolvencyQuery {
                    name: cp.name.clone(),
                    seat,
                    register: cp
                        .register
                        .as_ref()
                        .filter(|r| !r.kind.is_empty())
                        .map(|r| format!("{} {}", r.kind, r.number)),
                    register_court: cp
                        .register
                        .as_ref()
                        .map(|r| r.court.clone())
                        .filter(|c| !c.trim().is_empty()),
                    subject: None,
                };
                self.sources.insolvency(&q).await
            }
            Source::Sanctions => SourceResult {
                source,
                at: Utc::now(),
                outcome: self.screen(cp, None),
                evidence: Evidence::default(),
            },
        }
    }

    fn list_changes(&self) -> Vec<ListDelta> {
        self.pending_deltas().unwrap_or_else(|e| {
            tracing::warn!("sanctions deltas cannot be read: {e}");
            Vec::new()
        })
    }

    fn screen_delta(&self, cp: &Counterparty, deltas: &[ListDelta]) -> Option<Vec<SanctionsHit>> {
        let only: HashSet<(ListSource, String)> = deltas
            .iter()
            .filter_map(|d| ListSource::parse(&d.list).map(|l| (l, d)))
            .flat_map(|(l, d)| d.touched.iter().map(move |id| (l, id.clone())))
            .collect();
        match self.screen(cp, Some(&only)) {
            Outcome::Answer(Answer::Sanctions(a)) => Some(a.hits),
            _ => None,
        }
    }

    fn mark_screened(&self, deltas: &[ListDelta]) {
        if let Err(e) = self.record_screened(deltas) {
            tracing::warn!("cannot record screened list snapshots: {e}");
        }
    }

    fn lists_changed(&self) {
        if let Err(e) = self.reload_lists() {
            tracing::error!("reloading the sanctions lists: {e}");
        }
    }

    async fn maintain(&self) {
        // Lists older than the refresh interval are downloaded again; a change reloads the
        // screener, and the register is then screened against the delta.
        let now = Utc::now();
        let max_age = chrono::Duration::hours(i64::from(self.sanctions.refresh_hours.0));
        let due: Vec<ListSource> = ListSource::ALL
            .into_iter()
            .filter(|&s| self.sanctions.list(s).enabled)
            .filter(|&s| match snapshot::list_state(&self.store, s) {
                Ok(st) => {
                    let last = st
                        .last_attempt
                        .or(st.current.as_ref().map(|c| c.accepted_at));
                    last.is_none_or(|t| now - t >= max_age)
                }
                Err(_) => true,
            })
            .collect();
        // Most calls find nothing due: building an HTTP client (TLS roots) every minute of a
        // weeks-long run would be work for nothing.
        if due.is_empty() {
            return;
        }
        let client = match sanctions::update::client(
            std::time::Duration::from_secs(self.sanctions.timeout_seconds.0),
            &self.sanctions.user_agent.0,
        ) {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!("sanctions refresh: {e}");
                return;
            }
        };
        let mut changed = false;
        for s in due {
            if sanctions::update::refresh(&self.store, &self.data_dir, &self.sanctions, &client, s)
                .await
                .is_ok()
            {
                changed = true;
            }
        }
        if changed && let Err(e) = self.reload_lists() {
            tracing::warn!("sanctions lists cannot be reloaded: {e}");
        }
    }

    fn dismissed(&self, cp: &Counterparty) -> BTreeSet<(String, String)> {
        // Hits of the last screenings that a decision now covers: their disappearance is the
        // decision, not a delisting.
        let mut out = BTreeSet::new();
        for run in self.store.check_runs_newest_first(cp.id).take(3).flatten() {
            for r in &run.results {
                let Outcome::Answer(Answer::Sanctions(a)) = &r.outcome else {
                    continue;
                };
                for h in &a.hits {
                    let Ok(list) = ListSource::parse(&h.list).ok_or(()) else {
                        continue;
                    };
                    if let Ok(Some(d)) = decisions::get(&self.store, cp.id, list, &h.entity_id)
                        && d.entity_hash == h.entity_hash
                    {
                        out.insert((h.list.clone(), h.entity_id.clone()));
                    }
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn address_parts() {
        assert_eq!(
            postcode_and_city("Hauptstr. 5, 10117 Berlin"),
            (Some("10117".into()), Some("Berlin".into()))
        );
        assert_eq!(
            postcode_and_city("Via Roma 1\n00100 Roma RM"),
            (Some("00100".into()), Some("Roma RM".into()))
        );
        assert_eq!(postcode_and_city("Wien"), (None, Some("Wien".into())));
        assert_eq!(
            street("Hauptstr. 5, 10117 Berlin").as_deref(),
            Some("Hauptstr. 5")
        );
        assert_eq!(street("Wien"), None);
    }
}
