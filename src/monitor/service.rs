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
use tokio::task::{JoinHandle, JoinSet};
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
    pub(crate) fn requester(&self) -> mpsc::Sender<Request> {
        self.requests.clone()
    }

    /// Runs until `stop` completes (then shuts down as [`MonitorHandle::shutdown`]) or until the
    /// service ends by itself with an error.
    pub(crate) async fn run_until(
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

/// Records `at` (the slot a manual cycle runs) as the last slot, unless a later one is.
pub(crate) fn mark_slot<C: Checker>(
    runner: &Runner<C>,
    at: Option<DateTime<Utc>>,
) -> Result<(), RunnerError> {
    let Some(at) = at else { return Ok(()) };
    let last: Option<DateTime<Utc>> = runner.store().get_state(LAST_SLOT_KEY)?;
    if last.is_none_or(|l| l < at) {
        set_last_slot(runner, at)?;
    }
    Ok(())
}

/// The scheduler loop: runs until `shutdown` is cancelled.
pub(crate) async fn run<C: Checker>(
    runner: Runner<C>,
    schedule: Schedule,
    clock: Arc<dyn Clock>,
    shutdown: CancellationToken,
    requests: mpsc::Receiver<Request>,
) -> Result<(), RunnerError> {
    let current = CurrentCycle::default();
    // Requests are read by their own task so that checks-now and cancels work during a cycle;
    // cycle requests are handed to the loop below.
    let (cycle_tx, mut cycle_rx) = mpsc::channel::<CycleRequest>(8);
    let reader = tokio::spawn(read_requests(
        runner.clone(),
        current.clone(),
        shutdown.clone(),
        requests,
        cycle_tx,
    ));
    let scheduler = Scheduler {
        runner,
        schedule,
        clock,
        shutdown,
        current,
    };
    // A cycle interrupted by a crash or shutdown completes first.
    scheduler.resume_interrupted().await?;
    while !scheduler.shutdown.is_cancelled() && scheduler.turn(&mut cycle_rx).await? {}
    // The reader ends with the shutdown and waits for the manual checks it started.
    if let Err(e) = reader.await {
        tracing::warn!("monitor: request reader: {e}");
    }
    scheduler.runner.store().flush()?;
    Ok(())
}

/// The cycle requests the reader hands to the scheduler loop (cycles run one after another).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CycleRequest {
    /// [`Request::RunDue`].
    Due,
    /// [`Request::RunAll`].
    All,
}

/// The token of the cycle under way, shared with the reader so that [`Request::CancelCycle`]
/// reaches it while the loop is busy running it.
#[derive(Debug, Clone, Default)]
struct CurrentCycle(Arc<Mutex<Option<CancellationToken>>>);

impl CurrentCycle {
    /// A token for the cycle about to start (cancelled with `shutdown`), recorded as the current
    /// one.
    fn begin(&self, shutdown: &CancellationToken) -> CancellationToken {
        let token = shutdown.child_token();
        if let Ok(mut c) = self.0.lock() {
            *c = Some(token.clone());
        }
        token
    }

    /// Cancels the current cycle; it resumes before the next cycle starts.
    fn cancel(&self) {
        if let Ok(c) = self.0.lock()
            && let Some(t) = c.as_ref()
        {
            t.cancel();
        }
    }
}

/// Answers requests until shutdown or until every sender is gone: checks and resumes run as
/// tasks of their own, cancels and list reloads at once, cycle requests go to `cycles`.
async fn read_requests<C: Checker>(
    runner: Runner<C>,
    current: CurrentCycle,
    shutdown: CancellationToken,
    mut requests: mpsc::Receiver<Request>,
    cycles: mpsc::Sender<CycleRequest>,
) {
    // Manual checks run as tasks of their own; on shutdown they are cancelled and awaited, so
    // that a check that began storing finishes before the store closes.
    let mut checks = JoinSet::new();
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
        match r {
            Request::CheckNow(ids) => {
                spawn_check(&mut checks, &runner, &shutdown, ids, "manual".to_string());
            }
            Request::CheckAs(ids, actor) => {
                spawn_check(&mut checks, &runner, &shutdown, ids, actor)
            }
            Request::Resume { source, actor } => {
                let runner = runner.clone();
                checks.spawn(async move { runner.resume_source(source, actor).await });
            }
            Request::ReloadLists => runner.lists_changed(),
            Request::CancelCycle => current.cancel(),
            Request::RunDue => {
                let _ = cycles.send(CycleRequest::Due).await;
            }
            Request::RunAll => {
                let _ = cycles.send(CycleRequest::All).await;
            }
        }
    }
    while checks.join_next().await.is_some() {}
}

/// Checks the counterparties `ids` now on a task in `checks`, recording `actor` as the runs'
/// trigger; shutdown cancels it.
fn spawn_check<C: Checker>(
    checks: &mut JoinSet<()>,
    runner: &Runner<C>,
    shutdown: &CancellationToken,
    ids: Vec<u64>,
    actor: String,
) {
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

/// What the scheduler loop works with.
struct Scheduler<C: Checker> {
    runner: Runner<C>,
    schedule: Schedule,
    clock: Arc<dyn Clock>,
    shutdown: CancellationToken,
    current: CurrentCycle,
}

impl<C: Checker> Scheduler<C> {
    /// Completes a cycle that a crash or shutdown interrupted, if there is one.
    async fn resume_interrupted(&self) -> Result<(), RunnerError> {
        let token = self.current.begin(&self.shutdown);
        self.runner.resume(&token).await?;
        Ok(())
    }

    /// One turn of the loop, in order of precedence: screen what changed sanctions lists
    /// concern, else run the due slot, else wait for the next slot (at most [`MAX_SLEEP`]), a
    /// cycle request or shutdown. False when shutdown ended the wait.
    async fn turn(&self, cycles: &mut mpsc::Receiver<CycleRequest>) -> Result<bool, RunnerError> {
        if self.screen_list_changes().await? {
            return Ok(true);
        }
        let now = self.clock.now();
        if self.run_due_slot(now).await? {
            return Ok(true);
        }
        tokio::select! {
            _ = self.shutdown.cancelled() => return Ok(false),
            _ = tokio::time::sleep(self.wait(now)) => {}
            // With every sender gone `recv` answers None at once; the pattern disables the branch
            // for this turn, so the loop waits for its schedule instead of spinning.
            Some(r) = cycles.recv() => match r {
                CycleRequest::All => self.run_all().await?,
                CycleRequest::Due => self.run_due_now().await?,
            },
        }
        Ok(true)
    }

    /// Screens the counterparties that changed sanctions lists concern; false when no list
    /// changed.
    async fn screen_list_changes(&self) -> Result<bool, RunnerError> {
        let deltas = self.runner.list_changes();
        if deltas.is_empty() {
            return Ok(false);
        }
        let token = self.current.begin(&self.shutdown);
        self.runner.run_sanctions_delta(deltas, &token).await?;
        Ok(true)
    }

    /// Runs the slot that is due at `now`, then records it as the last slot unless the cycle
    /// was cancelled (it resumes later); false when no slot is due.
    async fn run_due_slot(&self, now: DateTime<Utc>) -> Result<bool, RunnerError> {
        let last: Option<DateTime<Utc>> = self.runner.store().get_state(LAST_SLOT_KEY)?;
        if last.is_none() {
            // A fresh installation starts counting from now instead of making up the past.
            set_last_slot(&self.runner, now)?;
        }
        let Some(due) = self.schedule.due(last, now) else {
            return Ok(false);
        };
        let ids = self.runner.plan_due(&self.schedule, &due)?;
        let report = self.run_cycle("scheduled", ids).await?;
        if !report.cancelled
            && let Some(at) = due.at()
        {
            set_last_slot(&self.runner, at)?;
        }
        Ok(true)
    }

    /// [`Request::RunAll`]: a cycle over every monitored counterparty.
    async fn run_all(&self) -> Result<(), RunnerError> {
        let ids = self.runner.plan_all_monitored()?;
        self.run_cycle("all", ids).await?;
        Ok(())
    }

    /// [`Request::RunDue`]: a cycle of the current slot, run by hand now, so the scheduler
    /// does not run it again.
    async fn run_due_now(&self) -> Result<(), RunnerError> {
        let due = self.schedule.current(self.clock.now());
        let ids = self.runner.plan_due(&self.schedule, &due)?;
        mark_slot(&self.runner, due.at())?;
        self.run_cycle("manual", ids).await?;
        Ok(())
    }

    /// Runs one cycle as the current one (so that [`Request::CancelCycle`] reaches it).
    async fn run_cycle(&self, reason: &str, ids: Vec<u64>) -> Result<CycleReport, RunnerError> {
        let token = self.current.begin(&self.shutdown);
        self.runner.run_cycle(reason, ids, &token).await
    }

    /// How long to sleep from `now`: until the next slot, at most [`MAX_SLEEP`].
    fn wait(&self, now: DateTime<Utc>) -> StdDuration {
        let next = self.schedule.next_after(now).map(|s| s.at);
        next.and_then(|at| (at - now).to_std().ok())
            .unwrap_or(MAX_SLEEP)
            .min(MAX_SLEEP)
    }
}
