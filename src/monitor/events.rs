//! Events the monitor reports while it works: cycle progress, the source being asked, results,
//! new alerts and source health. Sent on a `tokio::sync::broadcast` channel so that a slow
//! subscriber (the UI) loses old progress events instead of slowing the checks down.

use super::health::SourceHealth;
use crate::domain::{AlertKind, Severity, Source};
use chrono::{DateTime, Utc};

/// A new alert, as events carry it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertNote {
    /// Store id.
    pub id: u64,
    /// Kind.
    pub kind: AlertKind,
    /// Severity after the owner's rules.
    pub severity: Severity,
}

/// Something the monitor did.
#[derive(Debug, Clone, PartialEq)]
pub enum MonitorEvent {
    /// A cycle started (or resumed after a restart).
    CycleStarted {
        /// The cycle's id.
        cycle_id: u64,
        /// Counterparties planned in the cycle.
        total: usize,
        /// Of those, already done before this start (resumed cycles).
        done: usize,
        /// Why it runs (`scheduled`, `manual`, `all`, `sanctions-delta`).
        reason: String,
    },
    /// A counterparty's check began.
    CheckStarted {
        /// The counterparty.
        counterparty_id: u64,
    },
    /// A source is being asked about a counterparty.
    SourceStarted {
        /// The counterparty.
        counterparty_id: u64,
        /// The source.
        source: Source,
    },
    /// A source returned.
    SourceFinished {
        /// The counterparty.
        counterparty_id: u64,
        /// The source.
        source: Source,
        /// Whether it answered (false: could not ask).
        answered: bool,
    },
    /// A counterparty's check was stored.
    CheckFinished {
        /// The counterparty.
        counterparty_id: u64,
        /// The stored check run.
        run_id: u64,
        /// Alerts that were new.
        alerts: Vec<AlertNote>,
    },
    /// A counterparty's check could not be stored (store error); it is retried next cycle.
    CheckFailed {
        /// The counterparty.
        counterparty_id: u64,
        /// What went wrong.
        error: String,
    },
    /// Cycle progress.
    Progress {
        /// The cycle's id.
        cycle_id: u64,
        /// Counterparties done.
        done: usize,
        /// Counterparties planned.
        total: usize,
    },
    /// Per-source health changed.
    Health(Vec<SourceHealth>),
    /// A cycle ended.
    CycleFinished {
        /// The cycle's id.
        cycle_id: u64,
        /// Counterparties done.
        done: usize,
        /// Counterparties planned.
        total: usize,
        /// Whether it was cancelled before the end (it resumes on the next start).
        cancelled: bool,
        /// New alerts raised in this start of the cycle.
        new_alerts: usize,
    },
    /// The scheduler is waiting for its next slot.
    NextRun {
        /// When.
        at: DateTime<Utc>,
    },
}
