//! A registry paused for this machine: after VIES said `IP_BLOCKED`, nothing is sent to it from
//! this address until an operator lifts the pause. The block concerns the machine's address,
//! not one process, so the pause is kept in the data directory (see `Store::source_pause`).

use super::check::Source;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Traffic to one registry stopped until an operator resumes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourcePause {
    /// The registry paused.
    pub source: Source,
    /// When the registry said so.
    pub since: DateTime<Utc>,
    /// The registry's code (`IP_BLOCKED`).
    pub code: String,
    /// What to tell the operator.
    pub message: String,
}

impl SourcePause {
    /// "could not ask" text: since when, why, and how to lift it.
    pub fn describe(&self) -> String {
        format!(
            "{} paused since {} because {}: {}; nothing is sent to it from this machine until an operator lifts the pause with `kontra sources resume {}`",
            self.source.as_str().to_uppercase(),
            self.since.format("%Y-%m-%d %H:%M UTC"),
            self.code,
            self.message,
            self.source.as_str()
        )
    }
}
