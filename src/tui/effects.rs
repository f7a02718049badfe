//! Effects: the I/O a reducer asks for (store reads and writes, exports, check requests,
//! timers), and `execute`, which performs one on a blocking task and reports back as events.

use std::path::PathBuf;
use std::time::Duration;

use chrono::Utc;
use tokio::sync::mpsc;

use super::data;
use super::event::{Done, Event};
use super::state::{Level, ReasonFor, counted};
use crate::domain::{Counterparty, CounterpartyDraft};
use crate::monitor::Request;
use crate::monitor::settings::MonitorConfig;
use crate::sanctions::decisions::{self, DecideError};
use crate::store::{Store, StoreError};

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
    Export(Vec<Counterparty>),
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
}

/// What effects need besides the store.
#[derive(Debug, Clone)]
pub struct EffectEnv {
    /// The analyst, for the audit trail.
    pub actor: String,
    /// The schedule, for "next cycle".
    pub monitor: MonitorConfig,
    /// The sanctions lists, for their health on the stats tab.
    pub sanctions: crate::sanctions::config::SanctionsConfig,
    /// Where exports go.
    pub export_dir: PathBuf,
    /// The data directory, whose sanctions snapshots decisions are taken against.
    pub data_dir: PathBuf,
    /// Where check requests go, when a monitor is attached.
    pub checks: Option<mpsc::Sender<Request>>,
}

fn failed(what: &str, e: &StoreError) -> Vec<Event> {
    tracing::warn!(error = %e, "{what} failed");
    vec![Event::Done(Done::Status(
        Level::Error,
        format!("{what} failed: {e}"),
    ))]
}

/// Performs a store, file or channel effect and returns the events to feed back.
///
/// `Quit`, `Suspend`, `Redraw`, `ExpireFlash` and `Bell` belong to the terminal loop and return
/// nothing here.
pub fn execute(store: &Store, env: &EffectEnv, effect: Effect) -> Vec<Event> {
    let mut out = Vec::new();
    execute_into(store, env, effect, &mut |ev| {
        out.push(ev);
        true
    });
    out
}

/// Like [`execute`], but hands each event to `send` as soon as it exists, so a long effect (the
/// chunked load) reports progress; stops early when `send` returns false (nobody listens).
pub fn execute_into(
    store: &Store,
    env: &EffectEnv,
    effect: Effect,
    send: &mut dyn FnMut(Event) -> bool,
) {
    match effect {
        Effect::LoadAll => {
            let mut emit = |step| send(Event::Done(Done::Step(Box::new(step))));
            let result = data::load_in_steps(
                store,
                &env.monitor,
                &env.sanctions,
                Utc::now(),
                data::ChunkPlan::DEFAULT,
                &mut emit,
            );
            if let Err(e) = result {
                tracing::warn!(error = %e, "loading the register failed");
                send(Event::Done(Done::LoadFailed(format!(
                    "loading the register failed: {e}"
                ))));
            }
        }
        other => {
            for ev in execute_one(store, env, other) {
                if !send(ev) {
                    break;
                }
            }
        }
    }
}

fn execute_one(store: &Store, env: &EffectEnv, effect: Effect) -> Vec<Event> {
    match effect {
        Effect::Quit | Effect::Suspend | Effect::Redraw | Effect::ExpireFlash(_) | Effect::Bell => {
            Vec::new()
        }
        Effect::LoadAll => execute(store, env, effect),
        Effect::LoadDetails(id) => match data::load_details(store, id) {
            Ok(Some(d)) => vec![Event::Done(Done::DetailsLoaded(Box::new(d)))],
            Ok(None) => vec![Event::Done(Done::Deleted(vec![id]))],
            Err(e) => failed("loading the history", &e),
        },
        Effect::Reload(ids) => {
            let mut cps = Vec::new();
            let mut gone = Vec::new();
            for id in ids {
                match store.counterparty(id) {
                    Ok(Some(cp)) => cps.push(cp),
                    Ok(None) => gone.push(id),
                    Err(e) => return failed("reloading counterparties", &e),
                }
            }
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
        Effect::Save { id, draft } => save(store, env, id, &draft),
        Effect::Delete(ids) => match store.delete_counterparties(&ids, &env.actor) {
            Ok(gone) => {
                tracing::info!(count = gone.len(), "counterparties deleted from the UI");
                vec![Event::Done(Done::Deleted(
                    gone.into_iter().map(|c| c.id).collect(),
                ))]
            }
            Err(e) => failed("delete", &e),
        },
        Effect::SetMonitoring(ids, on) => {
            let changed = match store.set_monitoring(&ids, on, &env.actor) {
                Ok(n) => n,
                Err(e) => return failed("switching monitoring", &e),
            };
            let mut cps = Vec::new();
            for id in &ids {
                match store.counterparty(*id) {
                    Ok(Some(cp)) => cps.push(cp),
                    Ok(None) => {}
                    Err(e) => return failed("switching monitoring", &e),
                }
            }
            let state = if on { "on" } else { "off" };
            vec![Event::Done(Done::Upserted {
                cps,
                message: format!(
                    "monitoring {state} for {}",
                    counted(changed, "counterparty", "counterparties")
                ),
            })]
        }
        Effect::Acknowledge { ids, comment } => {
            match store.acknowledge_with_comment(&ids, &env.actor, &comment) {
                Ok(changed) => {
                    let mut alerts = Vec::new();
                    for id in &changed {
                        match store.alert(*id) {
                            Ok(Some(a)) => alerts.push(a),
                            Ok(None) => {}
                            Err(e) => return failed("acknowledge", &e),
                        }
                    }
                    vec![Event::Done(Done::AlertsUpdated {
                        message: format!(
                            "{} acknowledged",
                            counted(alerts.len(), "alert", "alerts")
                        ),
                        alerts,
                    })]
                }
                Err(e) => failed("acknowledge", &e),
            }
        }
        Effect::NotThisEntity { about, reason } => not_this_entity(store, env, about, &reason),
        Effect::Export(cps) => export(env, &cps),
        Effect::LoadCheck { run_id, alert_ids } => load_check(store, run_id, &alert_ids),
        Effect::CheckNow(ids) => match &env.checks {
            None => vec![Event::Done(Done::Status(
                Level::Info,
                "checks become available when the monitor is configured".to_string(),
            ))],
            Some(tx) => {
                let n = ids.len();
                match tx.try_send(Request::CheckAs(ids, env.actor.clone())) {
                    // The monitor's ChecksStarted replaces this with the progress at once.
                    Ok(()) => vec![Event::Done(Done::Status(
                        Level::Info,
                        format!(
                            "check requested for {}",
                            counted(n, "counterparty", "counterparties")
                        ),
                    ))],
                    Err(mpsc::error::TrySendError::Full(_)) => vec![Event::Done(Done::Status(
                        Level::Warn,
                        "the monitor is busy; try again in a moment".to_string(),
                    ))],
                    Err(mpsc::error::TrySendError::Closed(_)) => {
                        tracing::warn!("check request: monitor channel closed");
                        vec![Event::Done(Done::Status(
                            Level::Error,
                            "the monitor has stopped; see the log".to_string(),
                        ))]
                    }
                }
            }
        },
    }
}

/// Reads a stored run and its alerts; a run gone meanwhile (its counterparty deleted) is no
/// news.
fn load_check(store: &Store, run_id: u64, alert_ids: &[u64]) -> Vec<Event> {
    let run = match store.check_run(run_id) {
        Ok(Some(run)) => run,
        Ok(None) => return Vec::new(),
        Err(e) => return failed("reading a check run", &e),
    };
    let mut alerts = Vec::with_capacity(alert_ids.len());
    for id in alert_ids {
        match store.alert(*id) {
            Ok(Some(a)) => alerts.push(a),
            Ok(None) => {}
            Err(e) => return failed("reading new alerts", &e),
        }
    }
    vec![Event::Done(Done::CheckLoaded {
        run: Box::new(run),
        alerts,
    })]
}

fn save(store: &Store, env: &EffectEnv, id: Option<u64>, draft: &CounterpartyDraft) -> Vec<Event> {
    let base = match id.map(|id| store.counterparty(id)).transpose() {
        Ok(b) => b.flatten(),
        Err(e) => return failed("save", &e),
    };
    if id.is_some() && base.is_none() {
        return vec![Event::Done(Done::Status(
            Level::Error,
            "this counterparty was deleted meanwhile".to_string(),
        ))];
    }
    let cp = match draft.apply(base.as_ref(), Utc::now()) {
        Ok(cp) => cp,
        Err(errors) => {
            return vec![Event::Done(Done::SaveRefused(
                errors.into_iter().map(|e| (e.field, e.reason)).collect(),
            ))];
        }
    };
    let result = if id.is_some() {
        store.update_counterparty(&cp, &env.actor).map(|_| cp)
    } else {
        store.add_counterparty(cp, &env.actor)
    };
    match result {
        Ok(cp) => {
            tracing::info!(counterparty_id = cp.id, "counterparty saved from the UI");
            vec![Event::Done(Done::Saved {
                cp: Box::new(cp),
                created: id.is_none(),
            })]
        }
        Err(e @ StoreError::DuplicateVat { .. }) => {
            vec![Event::Done(Done::SaveRefused(vec![("vat", e.to_string())]))]
        }
        Err(e) => failed("save", &e),
    }
}

fn export(env: &EffectEnv, cps: &[Counterparty]) -> Vec<Event> {
    let name = format!("kontra-export-{}.csv", Utc::now().format("%Y%m%d-%H%M%S"));
    let path = env.export_dir.join(name);
    let result = std::fs::File::create(&path)
        .map_err(|e| e.to_string())
        .and_then(|f| {
            crate::register::csv_io::write(std::io::BufWriter::new(f), cps)
                .map_err(|e| e.to_string())
        });
    match result {
        Ok(()) => vec![Event::Done(Done::Exported {
            path,
            rows: cps.len(),
        })],
        Err(e) => {
            tracing::warn!(path = %path.display(), error = %e, "export failed");
            vec![Event::Done(Done::Status(
                Level::Error,
                format!("export to {} failed: {e}", path.display()),
            ))]
        }
    }
}

fn not_this_entity(store: &Store, env: &EffectEnv, about: ReasonFor, reason: &str) -> Vec<Event> {
    let ReasonFor::NotThisEntity {
        alert_id,
        counterparty_id,
        list,
        entity_id,
    } = about
    else {
        return Vec::new();
    };
    let decided = decisions::decide(
        store,
        &env.data_dir,
        counterparty_id,
        (list, &entity_id),
        reason,
        &env.actor,
        Utc::now(),
    );
    let name = match decided {
        Ok((_, name)) => name,
        Err(DecideError::Store(e)) => return failed("decision", &e),
        Err(e) => {
            tracing::warn!(error = %e, "decision refused");
            return vec![Event::Done(Done::Status(Level::Error, e.to_string()))];
        }
    };
    let message = format!(
        "#{counterparty_id} is not {list}:{entity_id} ({name}); suppressed until its names or identifiers change"
    );
    match store.acknowledge(&[alert_id], &env.actor) {
        Ok(_) => match store.alert(alert_id) {
            Ok(a) => vec![Event::Done(Done::AlertsUpdated {
                alerts: a.into_iter().collect(),
                message,
            })],
            Err(e) => failed("acknowledge", &e),
        },
        Err(e) => failed("acknowledge", &e),
    }
}
