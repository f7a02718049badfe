//! Source health as the digest reads it: which sources answered, which were unavailable and since
//! when, stored by the monitor under the state key [`SOURCE_HEALTH_KEY`].
//!
//! Contract with the monitor: after every check cycle it writes one [`SourceHealth`] with
//! `store.set_state(SOURCE_HEALTH_KEY, &health)`. When the key is absent the digest says that no
//! check has run yet, so "no alerts" is never read as "all is well" when nothing was checked.

use crate::domain::Source;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The `state` tree key under which the monitor stores [`SourceHealth`].
pub const SOURCE_HEALTH_KEY: &str = "source_health";

/// The health of every source after the most recent check cycle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct SourceHealth {
    /// When the monitor last finished a check cycle.
    pub updated_at: Option<DateTime<Utc>>,
    /// One entry per source the monitor asks (sources it does not ask are left out).
    pub sources: Vec<SourceStatus>,
}

/// The health of one source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceStatus {
    /// Which source.
    pub source: Source,
    /// When the source last gave a definite answer.
    pub last_answer_at: Option<DateTime<Utc>>,
    /// Since when every attempt failed; `None` while the source answers.
    pub unavailable_since: Option<DateTime<Utc>>,
    /// The most recent "could not ask" message, for the analyst.
    pub last_error: Option<String>,
}

impl SourceStatus {
    /// Whether the source answered on its most recent attempt.
    pub fn is_available(&self) -> bool {
        self.unavailable_since.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn round_trips_through_the_store_codec() {
        let h = SourceHealth {
            updated_at: Some(Utc.with_ymd_and_hms(2026, 3, 2, 2, 10, 0).unwrap()),
            sources: vec![SourceStatus {
                source: Source::Vies,
                last_answer_at: None,
                unavailable_since: Some(Utc.with_ymd_and_hms(2026, 3, 1, 2, 0, 0).unwrap()),
                last_error: Some("MS_UNAVAILABLE".into()),
            }],
        };
        let bytes = crate::store::codec::encode(&h).unwrap();
        let back: SourceHealth = crate::store::codec::decode(&bytes).unwrap();
        assert_eq!(back, h);
        assert!(!back.sources[0].is_available());
    }
}
