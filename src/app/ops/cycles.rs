//! A monitoring cycle now (`kontra monitor run [--all]`): run by the monitor of the serving
//! process when there is one (one checker per store, its writes ordered by it), followed on the
//! event hub until it ends; otherwise by a runner of its own, as the command always did. Either
//! way the answer is the report of every cycle the request carried out, in order.

use std::collections::HashMap;

use super::ask::{Heard, Step, ask};
use crate::app::access::Need;
use crate::app::events::Event;
use crate::app::local::Local;
use crate::exit::{self, Failure};
use crate::monitor::clock::{Clock, SystemClock};
use crate::monitor::runner::{self, CycleReport};
use crate::monitor::schedule::Schedule;
use crate::monitor::{MonitorEvent, Request as MonitorRequest};

/// The reason a cycle asked for by hand runs under (`all`: every monitored counterparty;
/// `manual`: what is due in the current slot).
fn reason(all: bool) -> &'static str {
    if all { "all" } else { "manual" }
}

/// Runs a cycle now: of every monitored counterparty with `all`, else of what is due. A cycle
/// interrupted earlier is finished first. Checking the whole register at once is a lead's call.
pub(crate) fn run_cycle(local: &Local, all: bool) -> Result<Vec<CycleReport>, Failure> {
    let what = if all {
        "run a cycle over every monitored counterparty"
    } else {
        "run the due monitoring cycle"
    };
    local.permit(what, None, Need::Lead)?;
    match local.instance().monitor() {
        Some(monitor) => through_monitor(local, monitor, all),
        None => super::checks::runtime()?.block_on(in_process(local, all)),
    }
}

/// No monitor runs here: a runner of its own finishes an interrupted cycle (and stops there),
/// screens the register against list changes not yet screened, then runs the cycle asked for.
/// Ctrl-C cancels; the cycle stays resumable.
async fn in_process(local: &Local, all: bool) -> Result<Vec<CycleReport>, Failure> {
    let instance = local.instance();
    let (runner, cancel) = super::checks::own_runner(local)?;
    if let Some(r) = runner.resume(&cancel).await.map_err(Failure::from_error)? {
        return Ok(vec![r]);
    }
    let mut reports = Vec::new();
    let deltas = runner.list_changes();
    if !deltas.is_empty() {
        let r = runner
            .run_sanctions_delta(deltas, &cancel)
            .await
            .map_err(Failure::from_error)?;
        let stop = r.cancelled;
        reports.push(r);
        if stop {
            return Ok(reports);
        }
    }
    let ids = if all {
        runner.plan_all_monitored().map_err(Failure::from_error)?
    } else {
        let schedule = Schedule::from_config(&instance.config().monitor);
        let due = schedule.current(SystemClock.now());
        let ids = runner
            .plan_due(&schedule, &due)
            .map_err(Failure::from_error)?;
        crate::monitor::service::mark_slot(&runner, due.at()).map_err(Failure::from_error)?;
        ids
    };
    reports.push(
        runner
            .run_cycle(reason(all), ids, &cancel)
            .await
            .map_err(Failure::from_error)?,
    );
    Ok(reports)
}

/// The running monitor runs the cycle (after the one it may be running) and its events are
/// followed: a cycle it resumes first is reported too. A follower that missed events reads the
/// report the runner stores at each cycle's end.
fn through_monitor(
    local: &Local,
    monitor: tokio::sync::mpsc::Sender<MonitorRequest>,
    all: bool,
) -> Result<Vec<CycleReport>, Failure> {
    let wanted = reason(all);
    let store = local.store();
    let before = runner::cycles_started(store).map_err(Failure::from_error)?;
    let stopped = || {
        Failure::new(
            exit::ERROR,
            "the monitor stopped before the cycle ended; it resumes at its next start",
        )
    };
    let request = if all {
        MonitorRequest::RunAll
    } else {
        MonitorRequest::RunDue
    };
    // Cycles started after the request that are this request's: the one asked for, or one
    // it resumes first. Scheduled cycles in between are not.
    let mut started: HashMap<u64, (String, bool)> = HashMap::new();
    let mut reports = Vec::new();
    let mut lost = false;
    ask(local, monitor, request, None, stopped, |heard| {
        match heard {
            Heard::Event(Event::Missed(_)) => lost = true,
            Heard::Event(Event::Monitor(MonitorEvent::CycleStarted {
                cycle_id, reason, ..
            })) if cycle_id > before => {
                let (base, resumed) = match reason.strip_suffix(" (resumed)") {
                    Some(base) => (base.to_string(), true),
                    None => (reason, false),
                };
                if resumed || base == wanted {
                    started.insert(cycle_id, (base, resumed));
                }
            }
            Heard::Event(Event::Monitor(MonitorEvent::CycleFinished {
                cycle_id,
                done,
                total,
                cancelled,
                new_alerts,
                checked,
                failed,
                ..
            })) => {
                if let Some((reason, resumed)) = started.remove(&cycle_id) {
                    let ends = !resumed || cancelled;
                    reports.push(CycleReport {
                        cycle_id,
                        reason,
                        resumed,
                        total,
                        done,
                        checked,
                        failed,
                        new_alerts,
                        cancelled,
                    });
                    // A resumed cycle that was cancelled means the one asked for never starts.
                    if ends {
                        return Ok(Step::Done(std::mem::take(&mut reports)));
                    }
                }
            }
            Heard::Quiet if lost => {
                let last = runner::last_report(store).map_err(Failure::from_error)?;
                if let Some(r) = last
                    && r.cycle_id > before
                    && !r.resumed
                    && r.reason == wanted
                {
                    reports.push(r);
                    return Ok(Step::Done(std::mem::take(&mut reports)));
                }
            }
            _ => {}
        }
        Ok(Step::Wait)
    })
}
