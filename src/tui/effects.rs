//! Effects: the I/O a reducer asks for (reads and writes through the application API, exports,
//! check requests, timers), and `execute`, which performs one on a blocking task and reports
//! back as events. The API is in-process or the running Kontra's; effects do not know which.

use std::path::PathBuf;
use std::time::Duration;

use chrono::Utc;

use super::data;
use super::event::{Done, Event};
use super::state::{Level, ReasonFor};
use super::text::Tr;
use crate::app::Api;
use crate::app::ops::ui::CheckAsked;
use crate::domain::{CounterpartyDraft, Source};
use crate::exit::{self, Failure};
use crate::monitor::MonitorEvent;

/// How long a status message stays.
pub const FLASH_FOR: Duration = Duration::from_secs(6);

/// Something a reducer wants done outside itself.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Leave the app.
    Quit,
    /// Suspend the process (Ctrl-z) and redraw on resume.
    Suspend,
    /// Clear and redraw the whole screen.
    Redraw,
    /// Load the register, alerts and statistics.
    LoadAll,
    /// Load one counterparty's details and history.
    LoadDetails(u64),
    /// Reload these counterparties (changed outside the UI).
    Reload(Vec<u64>),
    /// Reload these alerts (acknowledged outside the UI).
    ReloadAlerts(Vec<u64>),
    /// Read the register, alerts and statistics again in one go, keeping filters and selection
    /// (much changed elsewhere, or events were missed).
    ReloadAll,
    /// Save the form: a new counterparty (None) or an edit.
    Save {
        /// The id edited, or None to add.
        id: Option<u64>,
        /// The field values.
        draft: Box<CounterpartyDraft>,
    },
    /// Delete counterparties.
    Delete(Vec<u64>),
    /// Switch monitoring on or off.
    SetMonitoring(Vec<u64>, bool),
    /// Acknowledge alerts, with the analyst's comment (may be empty) for the audit trail.
    Acknowledge {
        /// The alerts.
        ids: Vec<u64>,
        /// The comment.
        comment: String,
    },
    /// Record a "not this entity" decision and acknowledge its alert.
    NotThisEntity {
        /// What the decision is about.
        about: ReasonFor,
        /// The analyst's reason.
        reason: String,
    },
    /// Write these counterparties to a CSV file.
    Export {
        /// The file to create (a `~` at its start is the home directory).
        path: PathBuf,
        /// The rows, with their last checks.
        rows: Vec<crate::register::export::ExportRow>,
    },
    /// Ask the monitor to check these counterparties now.
    CheckNow(Vec<u64>),
    /// Read a check run the monitor stored and its new alerts.
    LoadCheck {
        /// The run.
        run_id: u64,
        /// The alerts it raised.
        alert_ids: Vec<u64>,
    },
    /// Clear the status message `seq` after a while.
    ExpireFlash(u64),
    /// Ring the terminal bell (a new critical alert, when configured).
    Bell,
    /// Lift a registry's pause: through the monitor when one runs in this process (its client
    /// keeps a copy), else in the store, audited by the analyst either way.
    ResumeSource(Source),
}

/// What effects need besides the application API.
#[derive(Debug, Clone, Default)]
pub struct EffectEnv {
    /// The user's home directory, for `~` in an export path (an attached UI exports on its
    /// own side).
    pub home: Option<PathBuf>,
    /// The language of the messages the effects report.
    pub tr: Tr,
}

/// `what` (an operation, in the UI's language) failed: the status line says so with the reason.
fn failed(tr: Tr, what: &str, e: &Failure) -> Vec<Event> {
    tracing::warn!(error = %e.message, operation = what, "a UI operation failed");
    vec![Event::Done(Done::Status(
        Level::Error,
        tr.failed(what, &e.message),
    ))]
}

/// Performs an effect through the application API (or on a file) and returns the events to
/// feed back.
///
/// `Quit`, `Suspend`, `Redraw`, `ExpireFlash` and `Bell` belong to the terminal loop and return
/// nothing here.
pub fn execute(api: &dyn Api, env: &EffectEnv, effect: Effect) -> Vec<Event> {
    let mut out = Vec::new();
    execute_into(api, env, effect, &mut |ev| {
        out.push(ev);
        true
    });
    out
}

/// Like [`execute`], but hands each event to `send` as soon as it exists, so a long effect (the
/// chunked load) reports progress; stops early when `send` returns false (nobody listens).
pub fn execute_into(
    api: &dyn Api,
    env: &EffectEnv,
    effect: Effect,
    send: &mut dyn FnMut(Event) -> bool,
) {
    match effect {
        Effect::LoadAll => {
            let mut emit = |step| send(Event::Done(Done::Step(Box::new(step))));
            let result = data::load_in_steps(api, Utc::now(), data::ChunkPlan::DEFAULT, &mut emit);
            if let Err(e) = result {
                tracing::warn!(error = %e.message, "loading the register failed");
                send(Event::Done(Done::LoadFailed(
                    env.tr.failed(env.tr.op_load_register(), &e.message),
                )));
            }
        }
        other => {
            for ev in execute_one(api, env, other) {
                if !send(ev) {
                    break;
                }
            }
        }
    }
}

fn execute_one(api: &dyn Api, env: &EffectEnv, effect: Effect) -> Vec<Event> {
    match effect {
        Effect::Quit | Effect::Suspend | Effect::Redraw | Effect::ExpireFlash(_) | Effect::Bell => {
            Vec::new()
        }
        Effect::LoadAll => execute(api, env, effect),
        Effect::ReloadAll => match data::load_snapshot(api, Utc::now()) {
            Ok(snap) => vec![Event::Done(Done::Loaded(Box::new(snap)))],
            Err(e) => failed(env.tr, env.tr.op_reload_register(), &e),
        },
        Effect::LoadDetails(id) => match api.ui_details(id) {
            Ok(Some(d)) => vec![Event::Done(Done::DetailsLoaded(d))],
            Ok(None) => vec![Event::Done(Done::Deleted(vec![id]))],
            Err(e) => failed(env.tr, env.tr.op_load_history(), &e),
        },
        Effect::Reload(ids) => {
            let cps = match api.counterparties_by_id(ids.clone()) {
                Ok(cps) => cps,
                Err(e) => return failed(env.tr, env.tr.op_reload_counterparties(), &e),
            };
            let gone: Vec<u64> = ids
                .into_iter()
                .filter(|id| !cps.iter().any(|cp| cp.id == *id))
                .collect();
            let mut out = Vec::new();
            if !gone.is_empty() {
                out.push(Event::Done(Done::Deleted(gone)));
            }
            if !cps.is_empty() {
                out.push(Event::Done(Done::Upserted {
                    cps,
                    message: String::new(),
                }));
            }
            out
        }
        Effect::ReloadAlerts(ids) => match api.alerts_by_id(ids) {
            Ok(alerts) => vec![Event::Done(Done::AlertsUpdated {
                alerts,
                message: String::new(),
            })],
            Err(e) => failed(env.tr, env.tr.op_reload_alerts(), &e),
        },
        Effect::Save { id, draft } => save(api, env.tr, id, *draft),
        Effect::Delete(ids) => match api.delete(ids) {
            Ok(gone) => {
                tracing::info!(count = gone.len(), "counterparties deleted from the UI");
                vec![Event::Done(Done::Deleted(
                    gone.into_iter().map(|c| c.id).collect(),
                ))]
            }
            Err(e) => failed(env.tr, env.tr.op_delete(), &e),
        },
        Effect::SetMonitoring(ids, on) => {
            let changed = match api.set_monitoring(ids.clone(), on) {
                Ok(n) => n,
                Err(e) => return failed(env.tr, env.tr.op_switch_monitoring(), &e),
            };
            let cps = match api.counterparties_by_id(ids) {
                Ok(cps) => cps,
                Err(e) => return failed(env.tr, env.tr.op_switch_monitoring(), &e),
            };
            let message = if on {
                env.tr.monitoring_on_for(env.tr.counterparties(changed))
            } else {
                env.tr.monitoring_off_for(env.tr.counterparties(changed))
            };
            vec![Event::Done(Done::Upserted { cps, message })]
        }
        Effect::Acknowledge { ids, comment } => match api.acknowledge(ids, comment) {
            Ok(alerts) => vec![Event::Done(Done::AlertsUpdated {
                message: env.tr.acknowledged(env.tr.alerts(alerts.len())),
                alerts,
            })],
            Err(e) => failed(env.tr, env.tr.op_acknowledge(), &e),
        },
        Effect::NotThisEntity { about, reason } => not_this_entity(api, env.tr, about, reason),
        Effect::Export { path, rows } => export(env, &path, &rows),
        Effect::LoadCheck { run_id, alert_ids } => match api.ui_check_run(run_id, alert_ids) {
            // A run gone meanwhile (its counterparty deleted) is no news.
            Ok(None) => Vec::new(),
            Ok(Some((run, alerts))) => vec![Event::Done(Done::CheckLoaded {
                run: Box::new(run),
                alerts,
            })],
            Err(e) => failed(env.tr, env.tr.op_read_check_run(), &e),
        },
        Effect::CheckNow(ids) => check_now(api, env.tr, ids),
        Effect::ResumeSource(source) => resume_source(api, source),
    }
}

/// Lifts a registry's pause through the API (a lead's action; the serving Kontra's monitor
/// lifts its own copy too) and answers as the monitor would.
fn resume_source(api: &dyn Api, source: Source) -> Vec<Event> {
    let ev = match api.resume_source(source) {
        Ok(was) => MonitorEvent::SourceResumed {
            source,
            by: api.identity().analyst.clone(),
            was,
        },
        Err(e) => MonitorEvent::ResumeFailed {
            source,
            error: e.message,
        },
    };
    vec![Event::Monitor(ev)]
}

fn check_now(api: &dyn Api, tr: Tr, ids: Vec<u64>) -> Vec<Event> {
    let (level, text) = match api.check_now(ids) {
        // The monitor's ChecksStarted replaces this with the progress at once.
        Ok(CheckAsked::Sent(n)) => (Level::Info, tr.check_requested_for(tr.counterparties(n))),
        Ok(CheckAsked::NoMonitor) => (Level::Info, tr.checks_need_a_monitor().to_string()),
        Ok(CheckAsked::Busy) => (Level::Warn, tr.monitor_busy().to_string()),
        Ok(CheckAsked::Stopped) => (Level::Error, tr.monitor_stopped().to_string()),
        Err(e) => return failed(tr, tr.op_check_request(), &e),
    };
    vec![Event::Done(Done::Status(level, text))]
}

fn save(api: &dyn Api, tr: Tr, id: Option<u64>, draft: CounterpartyDraft) -> Vec<Event> {
    // The base is read first so the form shows its field errors itself, as the server would
    // refuse them; only a duplicate VAT number can be refused after that.
    let base = match id.map(|id| api.counterparty(id)).transpose() {
        Ok(b) => b,
        Err(e) if e.code == exit::NOT_FOUND => {
            return vec![Event::Done(Done::Status(
                Level::Error,
                tr.deleted_meanwhile().to_string(),
            ))];
        }
        Err(e) => return failed(tr, tr.op_save(), &e),
    };
    if let Err(errors) = draft.apply(base.as_ref(), Utc::now()) {
        return vec![Event::Done(Done::SaveRefused(
            errors
                .into_iter()
                .map(|e| (e.field, tr.refusal(&e.reason)))
                .collect(),
        ))];
    }
    let result = match id {
        Some(id) => api.edit(id, draft).map(|e| e.counterparty),
        None => api.add(draft),
    };
    match result {
        Ok(cp) => {
            tracing::info!(counterparty_id = cp.id, "counterparty saved from the UI");
            vec![Event::Done(Done::Saved {
                cp: Box::new(cp),
                created: id.is_none(),
            })]
        }
        Err(e) if e.code == exit::INVALID => {
            vec![Event::Done(Done::SaveRefused(vec![(
                crate::domain::Field::Vat,
                e.message,
            )]))]
        }
        Err(e) => failed(tr, tr.op_save(), &e),
    }
}

fn export(
    env: &EffectEnv,
    path: &std::path::Path,
    rows: &[crate::register::export::ExportRow],
) -> Vec<Event> {
    use crate::register::export::{CsvStyle, write_csv};
    let path = super::export::expand_home(path, env.home.as_deref());
    // A file that exists is kept: the analyst types another name.
    let result = match std::fs::File::create_new(&path) {
        Ok(f) => {
            write_csv(std::io::BufWriter::new(f), rows, CsvStyle::Excel).map_err(|e| e.to_string())
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            Err(env.tr.export_file_exists().to_string())
        }
        Err(e) => Err(e.to_string()),
    };
    match result {
        Ok(()) => vec![Event::Done(Done::Exported {
            path,
            rows: rows.len(),
        })],
        Err(e) => {
            tracing::warn!(path = %path.display(), error = %e, "export failed");
            vec![Event::Done(Done::Status(
                Level::Error,
                env.tr.export_failed(path.display(), e),
            ))]
        }
    }
}

fn not_this_entity(api: &dyn Api, tr: Tr, about: ReasonFor, reason: String) -> Vec<Event> {
    let ReasonFor::NotThisEntity {
        alert_id,
        counterparty_id,
        list,
        entity_id,
    } = about
    else {
        return Vec::new();
    };
    match api.not_this_entity(alert_id, counterparty_id, list, entity_id.clone(), reason) {
        Ok((name, alert)) => vec![Event::Done(Done::AlertsUpdated {
            alerts: alert.into_iter().collect(),
            message: tr.not_this_entity_recorded(counterparty_id, list, entity_id, name),
        })],
        Err(e) => {
            tracing::warn!(error = %e.message, "decision refused");
            vec![Event::Done(Done::Status(Level::Error, e.message))]
        }
    }
}
