//! Monitoring: the schedule, check cycles with change detection and alerts, per-source health,
//! and the service that runs them in the TUI process and in `kontra daemon`.

pub mod check;
pub mod clock;
pub(crate) mod delta;
pub mod events;
pub mod live;
pub mod rules;
pub mod runner;
pub mod schedule;
pub mod service;
pub(crate) mod settings;

pub use check::{CheckOutcome, CheckSettings, Checker};
pub use events::MonitorEvent;
pub use runner::{CycleReport, Runner};
pub use schedule::Schedule;
pub(crate) use service::Request;
