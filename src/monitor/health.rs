//! Per-source health: when each registry last answered or failed, kept in the store's state
//! under [`STATE_KEY`] so digests and the UI can say which results are unconfirmed.
//!
//! The stored form is the digest's own type (`notify::health::SourceHealth`): after every cycle,
//! `updated_at` plus one entry per source asked, with `unavailable_since` set while every attempt
//! since the last answer failed.

use crate::domain::Source;
use crate::domain::check::{Outcome, SourceResult};
use crate::notify::health::{SourceHealth as DigestHealth, SourceStatus};
use crate::store::{Store, StoreError};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The state key the digest reads health from.
pub const STATE_KEY: &str = crate::notify::health::SOURCE_HEALTH_KEY;

/// How one source has been doing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceHealth {
    /// The source.
    pub source: Source,
    /// When it last gave an answer.
    pub last_answer_at: Option<DateTime<Utc>>,
    /// When it last could not be asked.
    pub last_failure_at: Option<DateTime<Utc>>,
    /// Why it last could not be asked (class and detail).
    pub last_failure: Option<String>,
    /// Failures since the last answer.
    pub consecutive_failures: u32,
    /// Since when every attempt failed (the first failure after the last answer).
    pub unavailable_since: Option<DateTime<Utc>>,
    /// Answers counted since the book was started.
    pub answers: u64,
    /// Failures counted since the book was started.
    pub failures: u64,
}

impl SourceHealth {
    fn new(source: Source) -> SourceHealth {
        SourceHealth {
            source,
            last_answer_at: None,
            last_failure_at: None,
            last_failure: None,
            consecutive_failures: 0,
            unavailable_since: None,
            answers: 0,
            failures: 0,
        }
    }

    /// Whether the last attempt failed.
    pub fn is_down(&self) -> bool {
        self.consecutive_failures > 0
    }
}

/// Health of every source, updated with each result.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HealthBook {
    by_source: BTreeMap<Source, SourceHealth>,
}

impl HealthBook {
    /// Continues from what the store holds (an empty book when nothing is stored).
    pub fn load(store: &Store) -> Result<HealthBook, StoreError> {
        let stored: DigestHealth = store.get_state(STATE_KEY)?.unwrap_or_default();
        let by_source = stored
            .sources
            .into_iter()
            .map(|s| {
                let mut h = SourceHealth::new(s.source);
                h.last_answer_at = s.last_answer_at;
                h.unavailable_since = s.unavailable_since;
                h.last_failure_at = s.unavailable_since;
                h.last_failure = s.last_error;
                h.consecutive_failures = u32::from(s.unavailable_since.is_some());
                (h.source, h)
            })
            .collect();
        Ok(HealthBook { by_source })
    }

    /// Writes the book to the store, stamped `now`.
    pub fn save(&self, store: &Store, now: DateTime<Utc>) -> Result<(), StoreError> {
        store.set_state(STATE_KEY, &self.stored(now))
    }

    /// The form the digest reads.
    pub fn stored(&self, now: DateTime<Utc>) -> DigestHealth {
        DigestHealth {
            updated_at: Some(now),
            sources: self
                .by_source
                .values()
                .map(|h| SourceStatus {
                    source: h.source,
                    last_answer_at: h.last_answer_at,
                    unavailable_since: h.unavailable_since,
                    last_error: if h.unavailable_since.is_some() {
                        h.last_failure.clone()
                    } else {
                        None
                    },
                })
                .collect(),
        }
    }

    /// Counts one result.
    pub fn record(&mut self, r: &SourceResult) {
        let h = self
            .by_source
            .entry(r.source)
            .or_insert_with(|| SourceHealth::new(r.source));
        match &r.outcome {
            Outcome::Answer(_) => {
                h.answers += 1;
                h.consecutive_failures = 0;
                h.unavailable_since = None;
                h.last_answer_at = Some(h.last_answer_at.map_or(r.at, |t| t.max(r.at)));
            }
            Outcome::CouldNotAsk { reason, message } => {
                h.failures += 1;
                h.consecutive_failures = h.consecutive_failures.saturating_add(1);
                if h.unavailable_since.is_none() {
                    h.unavailable_since = Some(r.at);
                }
                h.last_failure_at = Some(h.last_failure_at.map_or(r.at, |t| t.max(r.at)));
                h.last_failure = Some(format!(
                    "{}: {message}",
                    serde_json::to_value(reason)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_string))
                        .unwrap_or_default()
                ));
            }
        }
    }

    /// The health of every source seen, in source order.
    pub fn snapshot(&self) -> Vec<SourceHealth> {
        self.by_source.values().cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::check::{Answer, Evidence, SanctionsAnswer, Unavailable};

    #[test]
    fn failures_count_until_the_next_answer_and_survive_the_store() {
        let t0 = Utc::now();
        let r = |outcome| SourceResult {
            source: Source::Vies,
            at: t0,
            outcome,
            evidence: Evidence::default(),
        };
        let mut book = HealthBook::default();
        let down = Outcome::CouldNotAsk {
            reason: Unavailable::ServiceUnavailable,
            message: "MS_UNAVAILABLE".into(),
        };
        book.record(&r(down.clone()));
        book.record(&r(down));
        let h = &book.snapshot()[0];
        assert_eq!((h.consecutive_failures, h.failures, h.answers), (2, 2, 0));
        assert_eq!(h.unavailable_since, Some(t0));
        assert_eq!(
            book.stored(t0).sources[0].last_error.as_deref(),
            Some("service_unavailable: MS_UNAVAILABLE")
        );
        assert!(h.is_down());
        assert_eq!(
            h.last_failure.as_deref(),
            Some("service_unavailable: MS_UNAVAILABLE")
        );
        book.record(&r(Outcome::Answer(Answer::Sanctions(
            SanctionsAnswer::default(),
        ))));
        assert!(!book.snapshot()[0].is_down());
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), "test").unwrap();
        book.save(&store, t0).unwrap();
        let stored: DigestHealth = store.get_state(STATE_KEY).unwrap().unwrap();
        assert_eq!(stored.updated_at, Some(t0));
        assert_eq!(stored.sources[0].unavailable_since, None);
        assert_eq!(stored.sources[0].last_answer_at, Some(t0));
        let loaded = HealthBook::load(&store).unwrap();
        assert_eq!(loaded.snapshot()[0].last_answer_at, Some(t0));
        assert!(!loaded.snapshot()[0].is_down());
    }
}
