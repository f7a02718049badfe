//! Events the monitor reports while it works: cycle progress, manual checks, the source being
//! asked, results, new alerts and source health. The one vocabulary of the monitor's seam: the
//! UI and the deliveries consume these events as they are. Sent on a `tokio::sync::broadcast`
//! channel so that a slow subscriber (the UI) loses old progress events instead of slowing the
//! checks down.

use super::check::CheckOutcome;
use crate::domain::health::SourceHealth;
use crate::domain::pause::SourcePause;
use crate::domain::{AlertKind, Severity, Source};
use chrono::{DateTime, Utc};

/// A new alert, as events carry it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AlertNote {
    /// Store id.
    pub id: u64,
    /// Kind.
    pub kind: AlertKind,
    /// Severity after the owner's rules.
    pub severity: Severity,
}

/// Something the monitor did. Serializable: a shared Kontra sends it to attached clients.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
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
    /// A registry is paused for this machine (VIES `IP_BLOCKED`), as the store holds it after a
    /// cycle or a manual batch; sent while the pause is in force.
    SourcePaused(SourcePause),
    /// An operator lifted a registry's pause through the monitor (audited as `source_resumed`).
    SourceResumed {
        /// The registry.
        source: Source,
        /// Who lifted it.
        by: String,
        /// The pause that was in force; None when there was none.
        was: Option<SourcePause>,
    },
    /// Lifting a pause failed (the store could not be written); the pause stays.
    ResumeFailed {
        /// The registry.
        source: Source,
        /// What went wrong.
        error: String,
    },
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
        /// Check runs stored in this start of the cycle.
        checked: usize,
        /// Checks that could not be stored (retried on a later cycle).
        failed: usize,
        /// When the next scheduled cycle is due ([`super::Schedule::next_after`] the end of
        /// this one); None outside the scheduler (`kontra monitor run`) or without run times.
        next: Option<DateTime<Utc>>,
    },
    /// A check of some counterparties asked for by hand (the UI's `c`) began, beside any cycle.
    ChecksStarted {
        /// The batch, so that its progress and end can be told from another batch's.
        batch: u64,
        /// The counterparties to check, in order.
        ids: Vec<u64>,
    },
    /// A counterparty of a manual batch is done (checked, skipped or failed).
    ChecksProgress {
        /// The batch.
        batch: u64,
        /// Counterparties done.
        done: usize,
        /// Counterparties in the batch.
        total: usize,
    },
    /// A manual batch ended.
    ChecksFinished {
        /// The batch.
        batch: u64,
        /// What it found.
        summary: ChecksSummary,
    },
}

/// What a batch of manual checks did, for the status line and for the deliveries.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ChecksSummary {
    /// Counterparties asked for.
    pub total: usize,
    /// Check runs stored.
    pub checked: usize,
    /// Counterparties whose check was already under way (not checked twice).
    pub skipped: usize,
    /// Checks that could not be stored or were stopped.
    pub failed: usize,
    /// Source results that were answers.
    pub answers: usize,
    /// Source results that were "could not ask".
    pub could_not_ask: usize,
    /// New alerts raised.
    pub new_alerts: usize,
    /// Of those, critical.
    pub critical: usize,
}

impl ChecksSummary {
    /// Counts what the checks of a batch returned.
    pub(crate) fn of<'a, E: 'a>(
        outcomes: impl IntoIterator<Item = &'a Result<Option<CheckOutcome>, E>>,
    ) -> ChecksSummary {
        let mut s = ChecksSummary::default();
        for o in outcomes {
            s.total += 1;
            match o {
                Ok(Some(outcome)) => {
                    s.checked += 1;
                    for r in &outcome.run.results {
                        if r.outcome.answer().is_some() {
                            s.answers += 1;
                        } else {
                            s.could_not_ask += 1;
                        }
                    }
                    s.new_alerts += outcome.alerts.len();
                    s.critical += outcome
                        .alerts
                        .iter()
                        .filter(|a| a.severity == Severity::Critical)
                        .count();
                }
                Ok(None) => s.skipped += 1,
                Err(_) => s.failed += 1,
            }
        }
        s
    }
}
