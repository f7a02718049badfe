//! The seam between the monitor and the UI: the events a running monitor reports, the check
//! requests the UI sends, and the bounded channels that carry both.
//!
//! The monitor owns the store writes; it only *tells* the UI what happened. The UI never waits
//! on the monitor and the monitor never waits on the UI beyond a bounded queue, so a stalled
//! screen cannot grow memory or block a cycle for long.

use chrono::{DateTime, Utc};
use tokio::sync::mpsc;

use crate::domain::{Alert, CheckRun, Source};

/// How many monitor events may queue before the monitor's `send` waits.
pub const EVENT_CAPACITY: usize = 256;

/// How serious a status message is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Progress and confirmations.
    Info,
    /// Something did not work but nothing is lost (a source is down).
    Warn,
    /// Something failed.
    Error,
}

/// What the monitor is doing right now.
#[derive(Debug, Clone, PartialEq)]
pub struct Current {
    /// The counterparty being checked.
    pub counterparty_id: u64,
    /// The source being asked.
    pub source: Source,
}

/// What a running monitor reports to the UI.
#[derive(Debug, Clone, PartialEq)]
pub enum MonitorEvent {
    /// A cycle started with this many counterparties due.
    CycleStarted {
        /// Counterparties in the cycle.
        total: usize,
        /// When it started.
        at: DateTime<Utc>,
    },
    /// Progress within the running cycle.
    Progress {
        /// Counterparties finished.
        done: usize,
        /// Counterparties in the cycle.
        total: usize,
        /// What is being asked now, if anything.
        current: Option<Current>,
    },
    /// A check run was stored (the UI updates that row's last check and, if open, its history).
    CheckRecorded(Box<CheckRun>),
    /// Alerts were stored (already deduplicated).
    NewAlerts(Vec<Alert>),
    /// Counterparties changed in the store outside the UI (the UI reloads them).
    CounterpartiesChanged(Vec<u64>),
    /// A sanctions list was refreshed.
    ListRefreshed {
        /// The list (`eu`, `ofac`, `uk`, `un`).
        list: String,
        /// Entries in the new snapshot.
        entries: usize,
        /// When it was fetched.
        at: DateTime<Utc>,
    },
    /// The cycle finished.
    CycleFinished {
        /// Counterparties checked.
        checked: usize,
        /// Alerts raised.
        new_alerts: usize,
        /// When it finished.
        at: DateTime<Utc>,
        /// When the next cycle is due, if scheduled.
        next: Option<DateTime<Utc>>,
    },
    /// The next scheduled cycle (the UI shows it in the configured zone).
    NextRun {
        /// When it is due.
        at: DateTime<Utc>,
    },
    /// A message for the status line (also logged by the monitor).
    Status {
        /// How serious.
        level: Level,
        /// The text.
        message: String,
    },
}

/// A request from the UI to check counterparties now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckRequest {
    /// The counterparties to check.
    pub ids: Vec<u64>,
    /// The analyst who asked (recorded as the run's trigger).
    pub actor: String,
}

/// The monitor's end of the link: send events, receive check requests.
#[derive(Debug)]
pub struct MonitorHandle {
    /// Where to send events; clone it into the runner's tasks.
    pub events: mpsc::Sender<MonitorEvent>,
    /// Check requests from the UI.
    pub requests: mpsc::Receiver<CheckRequest>,
}

/// The UI's end of the link: receive events, send check requests.
#[derive(Debug)]
pub struct MonitorPort {
    /// Events from the monitor.
    pub events: mpsc::Receiver<MonitorEvent>,
    /// Where check requests go.
    pub requests: mpsc::Sender<CheckRequest>,
}

/// Creates a connected pair: give the handle to the monitor and the port to [`super::run`].
pub fn link() -> (MonitorHandle, MonitorPort) {
    let (etx, erx) = mpsc::channel(EVENT_CAPACITY);
    let (rtx, rrx) = mpsc::channel(64);
    (
        MonitorHandle {
            events: etx,
            requests: rrx,
        },
        MonitorPort {
            events: erx,
            requests: rtx,
        },
    )
}
