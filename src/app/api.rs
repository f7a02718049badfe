//! The application API: every operation of the CLI and the UI as one typed interface, [`Api`],
//! with two implementations, in-process ([`super::Local`], over the store) and remote
//! ([`super::Remote`], a client of the running Kontra). Commands and the UI hold a
//! `dyn Api` and do not know which they have.
//!
//! The operations are listed once, in the `operations!` invocation below; the macro derives
//! from that list the trait, the request and response messages that cross the socket, the
//! server's dispatch and the remote implementation, so the four cannot drift apart.

use serde::{Deserialize, Serialize};

use super::events::Subscription;
use super::identity::Identity;
use crate::domain::{Counterparty, CounterpartyDraft};
use crate::exit::Failure;
use crate::register::filter::Filter;

/// Whether an operation only reads (runs beside others on the server) or writes (runs in
/// turn on the server's one writer, so writes are ordered).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Reads only.
    Read,
    /// Changes data or sends something.
    Write,
}

/// The answer to an edit: the counterparty as stored and the fields that changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Edited {
    /// The counterparty after the edit.
    pub counterparty: Counterparty,
    /// Names of the fields that changed (empty: nothing changed).
    pub changed: Vec<String>,
}

macro_rules! access {
    (read) => {
        Access::Read
    };
    (write) => {
        Access::Write
    };
}

macro_rules! operations {
    ($(
        $(#[doc = $doc:literal])*
        $access:ident $variant:ident => fn $method:ident($($arg:ident: $ty:ty),*) -> $ret:ty;
    )*) => {
        /// One call of the application API, as it crosses the socket.
        #[derive(Debug, Clone, Serialize, Deserialize)]
        pub enum Request {
            $(
                $(#[doc = $doc])*
                $variant { $(
                    #[allow(missing_docs)]
                    $arg: $ty
                ),* },
            )*
        }

        /// The answer to a [`Request`], variant for variant.
        #[derive(Debug, Clone, Serialize, Deserialize)]
        pub enum Response {
            $(
                $(#[doc = $doc])*
                $variant($ret),
            )*
        }

        /// Every operation of Kontra, in-process or through the running instance.
        pub trait Api: Send + Sync {
            /// Who the implementation acts for (the audit trail's analyst and their role).
            fn identity(&self) -> &Identity;

            /// Events from now on: monitor progress and what others change.
            fn subscribe(&self) -> Result<Subscription, Failure>;

            $(
                $(#[doc = $doc])*
                fn $method(&self, $($arg: $ty),*) -> Result<$ret, Failure>;
            )*
        }

        impl Request {
            /// Whether the request only reads or writes.
            pub fn access(&self) -> Access {
                match self {
                    $(Request::$variant { .. } => access!($access),)*
                }
            }

            /// The operation's name, for logs and the audit trail.
            pub fn name(&self) -> &'static str {
                match self {
                    $(Request::$variant { .. } => stringify!($method),)*
                }
            }
        }

        /// Carries out `request` on `api`: the server's side of a call.
        pub fn dispatch(api: &dyn Api, request: Request) -> Result<Response, Failure> {
            match request {
                $(Request::$variant { $($arg),* } => api.$method($($arg),*).map(Response::$variant),)*
            }
        }

        /// An implementation that carries requests somewhere (over the socket, or in turn to
        /// the server's writer) instead of carrying them out itself: it gets the typed API
        /// from the macro, method for method.
        pub trait Caller: Send + Sync {
            /// Who the calls are made for.
            fn who(&self) -> &Identity;
            /// Events from now on.
            fn open_subscription(&self) -> Result<Subscription, Failure>;
            /// Carries one request and returns its answer.
            fn call(&self, request: Request) -> Result<Response, Failure>;
        }

        impl<T: Caller> Api for T {
            fn identity(&self) -> &Identity {
                self.who()
            }

            fn subscribe(&self) -> Result<Subscription, Failure> {
                self.open_subscription()
            }

            $(
                fn $method(&self, $($arg: $ty),*) -> Result<$ret, Failure> {
                    match self.call(Request::$variant { $($arg),* })? {
                        Response::$variant(v) => Ok(v),
                        other => Err(Failure::new(
                            crate::exit::ERROR,
                            format!("`{}` was answered as `{}`", stringify!($method), other.name()),
                        )),
                    }
                }
            )*
        }

        impl Response {
            /// The operation this answers, for messages about a mismatched answer.
            pub fn name(&self) -> &'static str {
                match self {
                    $(Response::$variant(_) => stringify!($method),)*
                }
            }
        }
    };
}

operations! {
    /// The counterparty with this id (exit 6 when there is none).
    read Counterparty => fn counterparty(id: u64) -> Counterparty;
    /// The counterparties that pass the filter, in the order asked for (by id, by name …).
    read Counterparties => fn counterparties(filter: Filter, order: crate::register::filter::ListOrder) -> Vec<Counterparty>;
    /// The counterparties that pass the filter, by id, each with its last check: an export.
    read Export => fn export(filter: Filter) -> Vec<crate::register::export::ExportRow>;
    /// Adds a counterparty; returns it as stored, with its id.
    write Add => fn add(draft: CounterpartyDraft) -> Counterparty;
    /// Changes fields of a counterparty.
    write Edit => fn edit(id: u64, draft: CounterpartyDraft) -> Edited;
    /// Deletes counterparties with their history; returns those deleted.
    write Delete => fn delete(ids: Vec<u64>) -> Vec<Counterparty>;
    /// Switches monitoring on or off; returns how many changed.
    write SetMonitoring => fn set_monitoring(ids: Vec<u64>, on: bool) -> usize;
    /// Checks counterparties now (every one with `all`), by the running monitor when there is one; runs beside other calls, as the monitor stores its checks itself.
    read Check => fn check(ids: Vec<u64>, all: bool) -> Vec<crate::app::ops::checks::CheckAnswer>;
    /// Runs a monitoring cycle now (of every monitored counterparty with `all`, else of what is due), by the running monitor when there is one; the reports of the cycles it carried out, in order.
    read RunCycle => fn run_cycle(all: bool) -> Vec<crate::monitor::runner::CycleReport>;
    /// The digests of the pending alerts (one owner's with `owner`), without sending.
    read DigestPreview => fn digest_preview(owner: Option<String>) -> Vec<crate::app::ops::digest::Mail>;
    /// The mails a delivery run would send now, without sending.
    read DigestDryRun => fn digest_dry_run() -> crate::app::ops::digest::DryRun;
    /// Sends the pending alerts now, from the running Kontra.
    write DigestSend => fn digest_send() -> crate::app::ops::digest::Sent;
    /// What the store holds about each sanctions list, in display order.
    read SanctionsReports => fn sanctions_reports() -> Vec<crate::sanctions::health::ListReport>;
    /// Accepts a list publication the caller read.
    write SanctionsImport => fn sanctions_import(source: crate::sanctions::ListSource, file: crate::app::ops::sanctions::ListFile) -> crate::app::ops::sanctions::Accepted;
    /// Downloads the enabled lists (or one) here; one answer per list.
    write SanctionsUpdate => fn sanctions_update(only: Option<crate::sanctions::ListSource>) -> Vec<Result<crate::app::ops::sanctions::Accepted, String>>;
    /// The pause of a registry in force, if any.
    read SourcePause => fn source_pause(source: crate::domain::Source) -> Option<crate::domain::pause::SourcePause>;
    /// Lifts a registry's pause; returns the pause that was in force.
    write ResumeSource => fn resume_source(source: crate::domain::Source) -> Option<crate::domain::pause::SourcePause>;
    /// The UI's register load: up to `limit` counterparties with ids from `from` on, in id order.
    read RegisterPage => fn register_page(from: u64, limit: usize) -> Vec<Counterparty>;
    /// How many counterparties the register holds.
    read CounterpartyCount => fn counterparty_count() -> usize;
    /// These counterparties as stored now (those that still exist).
    read CounterpartiesById => fn counterparties_by_id(ids: Vec<u64>) -> Vec<Counterparty>;
    /// Every alert, oldest first, with the ids of those whose mail's delivery is unknown.
    read UiAlerts => fn ui_alerts() -> super::ops::ui::Alerts;
    /// These alerts as stored now (those that still exist).
    read AlertsById => fn alerts_by_id(ids: Vec<u64>) -> Vec<crate::domain::Alert>;
    /// The last checks of up to `limit` counterparties with ids from `from` on.
    read LastChecks => fn last_checks(from: u64, limit: usize) -> super::ops::ui::LastChecks;
    /// The Stats tab's figures at `now` and the next scheduled cycle.
    read UiStats => fn ui_stats(now: chrono::DateTime<chrono::Utc>) -> super::ops::ui::Stats;
    /// One counterparty with its check runs and alerts, newest first; None when it is gone.
    read UiDetails => fn ui_details(id: u64) -> Option<Box<super::ops::ui::Details>>;
    /// A check run the monitor stored, with the alerts it raised; None when it is gone.
    read UiCheckRun => fn ui_check_run(run_id: u64, alert_ids: Vec<u64>) -> Option<(crate::domain::CheckRun, Vec<crate::domain::Alert>)>;
    /// Whether a monitor runs in the serving Kontra, so checks can be asked for now.
    read MonitorRunning => fn monitor_running() -> bool;
    /// Acknowledges alerts with a comment (may be empty) for the audit trail; returns them.
    write Acknowledge => fn acknowledge(ids: Vec<u64>, comment: String) -> Vec<crate::domain::Alert>;
    /// "Not this entity": records the decision and acknowledges the alert; returns the entity's name and the alert.
    write NotThisEntity => fn not_this_entity(alert_id: u64, counterparty_id: u64, list: crate::sanctions::model::ListSource, entity_id: String, reason: String) -> (String, Option<crate::domain::Alert>);
    /// Asks the serving Kontra's monitor to check these counterparties now, for the caller.
    write CheckNow => fn check_now(ids: Vec<u64>) -> super::ops::ui::CheckAsked;
    /// What importing a CSV file would do, writing nothing (`kontra import --dry-run`).
    read PlanImport => fn plan_import(file: super::ops::register::ImportFile) -> super::ops::register::ImportReport;
    /// Imports a CSV file, all or nothing.
    write Import => fn import(file: super::ops::register::ImportFile) -> super::ops::register::ImportReport;
    /// The alerts that pass the query, by id.
    read Alerts => fn alerts(query: super::ops::alerts::AlertQuery) -> Vec<super::ops::alerts::AlertRow>;
    /// Acknowledges alerts with an optional comment; returns those not acknowledged before.
    write AcknowledgeIds => fn acknowledge_ids(ids: Vec<u64>, comment: String) -> Vec<u64>;
    /// A counterparty's checks, audit trail and alerts (exit 6 when there is none); boxed, as
    /// it is the largest answer.
    read History => fn history(id: u64) -> Box<super::ops::history::History>;
    /// Records a "not this entity" decision on a sanctions hit (lead only).
    write Decide => fn decide(counterparty_id: u64, source: crate::sanctions::ListSource, entity: String, reason: String) -> super::ops::decisions::Decided;
    /// The screening decisions, of one counterparty or all.
    read Decisions => fn decisions(counterparty_id: Option<u64>) -> Vec<crate::sanctions::decisions::Decision>;
    /// Withdraws a screening decision (lead only); returns it.
    write UndoDecision => fn undo_decision(counterparty_id: u64, source: crate::sanctions::ListSource, entity: String) -> crate::sanctions::decisions::Decision;
}
