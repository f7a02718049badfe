//! Checks now (`kontra check`): carried out by the monitor running in this process when there
//! is one, so a shared Kontra never runs two checkers over one store; otherwise by a runner of
//! their own, as the command always did. Either way the answer is what was stored: each
//! counterparty's run with the alerts it raised, or why there is none.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::ask::{Heard, Step, ask};
use crate::app::events::Event;
use crate::app::local::Local;
use crate::domain::{Alert, CheckRun, Counterparty};
use crate::exit::{self, Failure};
use crate::monitor::check::CheckOutcome;
use crate::monitor::{MonitorEvent, Request as MonitorRequest};

/// What a check of one counterparty came to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Checked {
    /// The run as stored, with the alerts it raised.
    Done {
        /// The stored check run.
        run: CheckRun,
        /// The new alerts of the run.
        alerts: Vec<Alert>,
    },
    /// Another check of the counterparty was under way; it was not checked twice.
    UnderWay,
    /// The check could not be stored (the message says why).
    Failed(String),
}

/// One counterparty asked for and what its check came to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckAnswer {
    /// The counterparty as it was when the check was asked for.
    pub counterparty: Counterparty,
    /// What the check came to.
    pub checked: Checked,
}

/// A runtime for the operation's own waiting (this runs on a plain or a blocking thread).
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::new(exit::ERROR, format!("cannot start the async runtime: {e}")))
}

/// Checks `ids` (every counterparty with `all`) now, for the caller.
pub(crate) fn check(local: &Local, ids: Vec<u64>, all: bool) -> Result<Vec<CheckAnswer>, Failure> {
    let cps = if all {
        local
            .store()
            .counterparties()
            .map_err(Failure::from_error)?
    } else {
        local.get_all(&ids)?
    };
    local.permit_each("check", &cps)?;
    let actor = crate::app::Api::identity(local).analyst.clone();
    let checked = match local.instance().monitor() {
        Some(monitor) => through_monitor(local, monitor, &cps, &actor)?,
        None => runtime()?.block_on(in_process(local, cps.clone(), &actor))?,
    };
    Ok(cps
        .into_iter()
        .zip(checked)
        .map(|(counterparty, checked)| CheckAnswer {
            counterparty,
            checked,
        })
        .collect())
}

/// A runner of the caller's own, for when no monitor runs in this process, and the token
/// Ctrl-C cancels it with (call inside a runtime).
pub(crate) fn own_runner(
    local: &Local,
) -> Result<
    (
        crate::monitor::runner::Runner<crate::monitor::live::Live>,
        CancellationToken,
    ),
    Failure,
> {
    let instance = local.instance();
    let runner = crate::background::live_runner(
        instance.config(),
        instance.store().clone(),
        instance.data_dir(),
    )
    .map_err(Failure::from_error)?;
    let cancel = CancellationToken::new();
    let t = cancel.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            t.cancel();
        }
    });
    Ok((runner, cancel))
}

/// No monitor runs here: a runner of its own checks, and Ctrl-C stops the questions.
async fn in_process(
    local: &Local,
    cps: Vec<Counterparty>,
    actor: &str,
) -> Result<Vec<Checked>, Failure> {
    let (runner, cancel) = own_runner(local)?;
    let outcomes = runner.check_now(cps, actor, &cancel).await;
    Ok(outcomes
        .into_iter()
        .map(|(_, r)| match r {
            Ok(Some(CheckOutcome { run, alerts })) => Checked::Done { run, alerts },
            Ok(None) => Checked::UnderWay,
            Err(e) => Checked::Failed(e.to_string()),
        })
        .collect())
}

/// The running monitor checks: the batch is asked for under the caller's name and followed
/// until it ends; then the runs it stored are read back.
fn through_monitor(
    local: &Local,
    monitor: mpsc::Sender<MonitorRequest>,
    cps: &[Counterparty],
    actor: &str,
) -> Result<Vec<Checked>, Failure> {
    let asked_at = Utc::now();
    let ids: Vec<u64> = cps.iter().map(|c| c.id).collect();
    let stopped = || {
        Failure::new(
            exit::ERROR,
            "the monitor stopped before the checks finished; `kontra history` shows what was stored",
        )
    };
    let mut batch = None;
    let mut failed: HashMap<u64, String> = HashMap::new();
    let mut lost_events = false;
    let request = MonitorRequest::CheckAs(ids.clone(), actor.to_string());
    ask(local, monitor, request, None, stopped, |heard| {
        Ok(match heard {
            // Events were dropped (a slow reader): the store says when every run is there.
            Heard::Quiet if lost_events && all_stored(local, &ids, actor, asked_at)? => {
                Step::Done(())
            }
            Heard::Event(Event::Missed(_)) => {
                lost_events = true;
                Step::Wait
            }
            Heard::Event(Event::Monitor(MonitorEvent::ChecksStarted { batch: b, ids: got }))
                if batch.is_none() && got == ids =>
            {
                batch = Some(b);
                Step::Wait
            }
            Heard::Event(Event::Monitor(MonitorEvent::CheckFailed {
                counterparty_id,
                error,
            })) if batch.is_some() => {
                failed.insert(counterparty_id, error);
                Step::Wait
            }
            Heard::Event(Event::Monitor(MonitorEvent::ChecksFinished { batch: b, .. }))
                if Some(b) == batch =>
            {
                Step::Done(())
            }
            _ => Step::Wait,
        })
    })?;
    ids.iter()
        .map(|&id| match stored_run(local, id, actor, asked_at)? {
            Some(run) => {
                let alerts = local
                    .store()
                    .alerts_for(id)
                    .map_err(Failure::from_error)?
                    .into_iter()
                    .filter(|a| a.check_run_id == Some(run.id))
                    .collect();
                Ok(Checked::Done { run, alerts })
            }
            None => Ok(match failed.remove(&id) {
                Some(e) => Checked::Failed(e),
                None => Checked::UnderWay,
            }),
        })
        .collect()
}

/// How many of a counterparty's newest runs are searched for the one just asked for: a
/// cycle's runs may be stored after it, and a few are, never a hundred.
const RUNS_SEARCHED: usize = 100;

/// The newest run of `id` the caller's check stored since `since`.
fn stored_run(
    local: &Local,
    id: u64,
    actor: &str,
    since: DateTime<Utc>,
) -> Result<Option<CheckRun>, Failure> {
    for run in local
        .store()
        .check_runs_newest_first(id)
        .take(RUNS_SEARCHED)
    {
        let run = run.map_err(Failure::from_error)?;
        if run.trigger == actor && run.started_at >= since {
            return Ok(Some(run));
        }
    }
    Ok(None)
}

/// Whether every counterparty of `ids` has the run the caller's check stores.
fn all_stored(
    local: &Local,
    ids: &[u64],
    actor: &str,
    since: DateTime<Utc>,
) -> Result<bool, Failure> {
    for &id in ids {
        if stored_run(local, id, actor, since)?.is_none() {
            return Ok(false);
        }
    }
    Ok(true)
}
