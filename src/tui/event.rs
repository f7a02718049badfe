//! Events the app loop consumes: terminal input, signals, monitor reports and effect results.

use std::path::PathBuf;

use crossterm::event::KeyEvent;

use super::data::{LoadStep, Snapshot};
use super::state::Level;
use crate::app::ops::ui::Details;
use crate::domain::{Alert, CheckRun, Counterparty};
use crate::monitor::MonitorEvent;

/// Signals that end or pause the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignalKind {
    /// SIGTERM: someone asked us to stop.
    Terminate,
    /// SIGHUP: the terminal went away (lost SSH).
    Hangup,
    /// SIGINT from outside (raw mode turns Ctrl-c into a key).
    Interrupt,
    /// SIGTSTP from outside (`kill -TSTP`): suspend as Ctrl-z does, so the shell gets its
    /// terminal back and `fg` or SIGCONT finds the screen restored.
    Stop,
}

/// Everything that can happen to the app.
#[derive(Debug)]
pub enum Event {
    /// A key press.
    Key(KeyEvent),
    /// Text pasted (bracketed paste).
    Paste(String),
    /// The terminal was resized.
    Resize(u16, u16),
    /// The input stream ended or failed: the terminal is gone.
    InputClosed,
    /// A signal arrived.
    Signal(SignalKind),
    /// The monitor reported something (its own events, as the daemon's deliveries see them).
    Monitor(MonitorEvent),
    /// The running Kontra reported something: what others changed, attached clients, its end.
    Shared(crate::app::Event),
    /// An effect finished.
    Done(Done),
    /// The status message with this sequence number has been shown long enough.
    FlashExpired(u64),
}

/// Results of effects.
#[derive(Debug)]
pub enum Done {
    /// The register, alerts and run statistics were (re)loaded in one go.
    Loaded(Box<Snapshot>),
    /// One step of the background load (a chunk of rows, the alerts, last checks, statistics).
    Step(Box<LoadStep>),
    /// The background load stopped with this error.
    LoadFailed(String),
    /// A counterparty's details and history were loaded.
    DetailsLoaded(Box<Details>),
    /// The form was saved.
    Saved {
        /// The stored counterparty.
        cp: Box<Counterparty>,
        /// Whether it was new.
        created: bool,
    },
    /// The form could not be saved: per-field errors (e.g. a duplicate VAT number).
    SaveRefused(Vec<(crate::domain::Field, String)>),
    /// Counterparties changed (monitoring switched); the new versions.
    Upserted {
        /// The changed records.
        cps: Vec<Counterparty>,
        /// What to tell the user.
        message: String,
    },
    /// Counterparties were deleted.
    Deleted(Vec<u64>),
    /// Alerts changed (acknowledged); the new versions.
    AlertsUpdated {
        /// The changed alerts.
        alerts: Vec<Alert>,
        /// What to tell the user.
        message: String,
    },
    /// The table was exported.
    Exported {
        /// Where.
        path: PathBuf,
        /// How many rows.
        rows: usize,
    },
    /// A check run the monitor stored, with the alerts it raised (read after
    /// [`MonitorEvent::CheckFinished`]).
    CheckLoaded {
        /// The stored run.
        run: Box<CheckRun>,
        /// Its new alerts.
        alerts: Vec<Alert>,
    },
    /// A message for the status line.
    Status(Level, String),
}
