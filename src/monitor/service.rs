//! The monitor service: the scheduler loop that runs due cycles until shut down, and the handle
//! through which the UI (or the daemon) asks for checks and cycles and receives events.
//!
//! The same service runs inside the TUI process and in `kontra daemon`.

use super::check::Checker;
use super::clock::Clock;
use super::events::MonitorEvent;
use super::runner::{CycleReport, LAST_SLOT_KEY, Runner, RunnerError};
use super::schedule::Schedule;
use chrono::{DateTime, Utc};
use std::sync::{Arc, Mutex};
use std::time::Duration as StdDuration;
use tokio::sync::{broadcast, mpsc};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// The longest the scheduler sleeps before looking at the clock again, so that wall-clock
/// jumps (suspend, NTP) delay a run by at most this much.
const MAX_SLEEP: StdDuration = StdDuration::from_secs(60);

/// Requests to the running service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// Check these counterparties now, next to any running cycle.
    CheckNow(Vec<u64>),
    /// Like `CheckNow`, recording `actor` (the analyst) as the runs' trigger.
    CheckAs(Vec<u64>, String),
    /// Run a cycle of what is due now (after the running one).
    RunDue,
    /// Run a cycle over every monitored counterparty (after the running one).
    RunAll,
    /// Cancel the running cycle; it resumes before the next cycle starts.
    CancelCycle,
    /// Lift the pause of a registry (VIES `IP_BLOCKED`) once an operator dealt with the block,
    /// audited as `source_resumed` by `actor`: through the monitor, so the checker's own copy of
    /// the pause is lifted too and not written back. Answered by
    /// [`MonitorEvent::SourceResumed`] or [`MonitorEvent::ResumeFailed`].
    Resume {
        /// The registry.
        source: crate::domain::Source,
        /// Who lifts it.
        actor: String,
    },
    /// The sanctions lists in the data directory changed (an import or update through the
    /// running Kontra): the checker screens with the new ones.
    ReloadLists,
}

/// A running service: send requests, subscribe to events, shut it down.
pub struct MonitorHandle {
    requests: mpsc::Sender<Request>,
    events: broadcast::Sender<MonitorEvent>,
    shutdown: CancellationToken,
    task: JoinHandle<Result<(), RunnerError>>,
}

impl MonitorHandle {
    /// A receiver of every event from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<MonitorEvent> {
        self.events.subscribe()
    }

    /// Sends a request; false when the service has stopped.
    pub async fn request(&self, r: Request) -> bool {
        self.requests.send(r).await.is_ok()
    }

    /// A sender for requests, for UI effects that run as their own tasks.
    pub fn requester(&self) -> mpsc::Sender<Request> {
        self.requests.clone()
    }

    /// Runs until `stop` completes (then shuts down as [`MonitorHandle::shutdown`]) or until the
    /// service ends by itself with an error.
    pub async fn run_until(
        mut self,
        stop: impl std::future::Future<Output = ()>,
    ) -> Result<(), RunnerError> {
        tokio::select! {
            _ = stop => self.shutdown().await,
            r = &mut self.task => r.map_err(|e| RunnerError::Task(e.to_string()))?,
        }
    }

    /// Stops the service: questions in flight are dropped, writes under way are finished, the
    /// running cycle stays resumable. Waits until it has stopped.
    pub async fn shutdown(self) -> Result<(), RunnerError> {
        self.shutdown.cancel();
        self.task
            .await
            .map_err(|e| RunnerError::Task(e.to_string()))?
    }
}

/// Starts the service on the current tokio runtime.
pub fn spawn<C: Checker>(
    runner: Runner<C>,
    schedule: Schedule,
    clock: Arc<dyn Clock>,
) -> MonitorHandle {
    let (tx, rx) = mpsc::channel(64);
    let shutdown = CancellationToken::new();
    let runner = runner.with_schedule(schedule.clone());
    let events = runner.events().clone();
    let task = tokio::spawn(run(runner, schedule, clock, shutdown.clone(), rx));
    MonitorHandle {
        requests: tx,
        events,
        shutdown,
        task,
    }
}

fn set_last_slot<C: Checker>(runner: &Runner<C>, at: DateTime<Utc>) -> Result<(), RunnerError> {
    Ok(runner.store().set_state(LAST_SLOT_KEY, &at)?)
}

/// The scheduler loop: runs until `shutdown` is cancelled.
pub async fn run<C: Checker>(
    runner: Runner<C>,
    schedule: Schedule,
    clock: Arc<dyn Clock>,
    shutdown: CancellationToken,
    mut requests: mpsc::Receiver<Request>,
) -> Result<(), RunnerError> {
    let current_cycle: Arc<Mutex<Option<CancellationToken>>> = Arc::new(Mutex::new(None));
    // Requests are read by their own task so that checks-now and cancels work during a cycle;
    // cycle requests are handed to the loop below.
    let (cycle_tx, mut cycle_rx) = mpsc::channel::<Request>(8);
    let reader = {
        let runner = runner.clone();
        let current = current_cycle.clone();
        let shutdown = shutdown.clone();
        tokio::spawn(async move {
            // Manual checks run as tasks of their own; on shutdown they are cancelled and
            // awaited, so that a check that began storing finishes before the store closes.
            let mut checks = tokio::task::JoinSet::new();
            loop {
                let r = tokio::select! {
                    _ = shutdown.cancelled() => break,
                    r = requests.recv() => match r {
                        Some(r) => r,
                        None => break,
                    },
                    // Reaps finished checks so the set does not grow with the session.
                    Some(_) = checks.join_next(), if !checks.is_empty() => continue,
                };
                let r = match r {
                    Request::CheckNow(ids) => Request::CheckAs(ids, "manual".to_string()),
                    other => other,
                };
                match r {
                    Request::CheckAs(ids, actor) => {
                        let runner = runner.clone();
                        let token = shutdown.child_token();
                        checks.spawn(async move {
                            let store = runner.store().clone();
                            let cps = tokio::task::spawn_blocking(move || {
                                ids.iter()
                                    .filter_map(|id| store.counterparty(*id).ok().flatten())
                                    .collect::<Vec<_>>()
                            })
                            .await
                            .unwrap_or_default();
                            runner.check_now(cps, &actor, &token).await;
                        });
                    }
                    Request::Resume { source, actor } => {
                        let runner = runner.clone();
                        checks.spawn(async move { runner.resume_source(source, actor).await });
                    }
                    Request::ReloadLists => runner.lists_changed(),
                    Request::CancelCycle => {
                        if let Ok(c) = current.lock()
                            && let Some(t) = c.as_ref()
                        {
                            t.cancel();
                        }
                    }
                    other => {
                        let _ = cycle_tx.send(other).await;
                    }
                }
            }
            while checks.join_next().await.is_some() {}
        })
    };

    let run_cycle = |reason: &'static str, ids: Vec<u64>| {
        let token = shutdown.child_token();
        if let Ok(mut c) = current_cycle.lock() {
            *c = Some(token.clone());
        }
        let runner = runner.clone();
        async move { runner.run_cycle(reason, ids, &token).await }
    };

    // A cycle interrupted by a crash or shutdown completes first.
    {
        let token = shutdown.child_token();
        if let Ok(mut c) = current_cycle.lock() {
            *c = Some(token.clone());
        }
        runner.resume(&token).await?;
    }
    let result = loop {
        if shutdown.is_cancelled() {
            break Ok(());
        }
        let deltas = runner.list_changes();
        if !deltas.is_empty() {
            let token = shutdown.child_token();
            if let Ok(mut c) = current_cycle.lock() {
                *c = Some(token.clone());
            }
            runner.run_sanctions_delta(deltas, &token).await?;
            continue;
        }
        let now = clock.now();
        let last: Option<DateTime<Utc>> = runner.store().get_state(LAST_SLOT_KEY)?;
        if last.is_none() {
            // A fresh installation starts counting from now instead of making up the past.
            set_last_slot(&runner, now)?;
        }
        if let Some(due) = schedule.due(last, now) {
            let ids = runner.plan_due(&schedule, &due)?;
            let report: CycleReport = run_cycle("scheduled", ids).await?;
            if !report.cancelled
                && let Some(at) = due.at()
            {
                set_last_slot(&runner, at)?;
            }
            continue;
        }
        let next = schedule.next_after(now).map(|s| s.at);
        let wait = next
            .and_then(|at| (at - now).to_std().ok())
            .unwrap_or(MAX_SLEEP)
            .min(MAX_SLEEP);
        tokio::select! {
            _ = shutdown.cancelled() => break Ok(()),
            _ = tokio::time::sleep(wait) => {}
            r = cycle_rx.recv() => match r {
                Some(Request::RunAll) => {
                    let ids = runner.plan_all_monitored()?;
                    run_cycle("all", ids).await?;
                }
                Some(Request::RunDue) => {
                    let due = schedule.current(clock.now());
                    let ids = runner.plan_due(&schedule, &due)?;
                    run_cycle("manual", ids).await?;
                }
                Some(_) | None => {}
            },
        }
    };
    // The reader ends with the shutdown and waits for the manual checks it started.
    if let Err(e) = reader.await {
        tracing::warn!("monitor: request reader: {e}");
    }
    runner.store().flush()?;
    result
}
