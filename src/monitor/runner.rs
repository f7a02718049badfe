//! Check cycles: plan which counterparties to check, check them with bounded concurrency,
//! report progress, stop on cancellation, and resume an interrupted cycle after a restart with
//! no duplicate check runs and no duplicate alerts.
//!
//! A cycle is persisted (`monitor/cycle`: id, start, planned ids, done ids) before its first
//! check. The done set is written every few seconds, but the truth is in the check runs: on
//! resume, a planned counterparty whose last check started after the cycle started is done.

use super::check::{
    CheckError, CheckOutcome, CheckSettings, Checker, Reporting, check_counterparty, screen_delta,
};
use super::delta::ListDelta;
use super::events::{ChecksSummary, MonitorEvent};
use super::schedule::{Due, Schedule};
use crate::domain::health::SourceHealth;
use crate::domain::{Counterparty, Source};
use crate::store::{Store, StoreError};
use chrono::{DateTime, Utc};
use futures::StreamExt;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration as StdDuration, Instant};
use tokio::sync::{Semaphore, broadcast};
use tokio_util::sync::CancellationToken;

/// State key of the current (or last) cycle.
pub const CYCLE_KEY: &str = "monitor/cycle";
/// State key of the last scheduled slot a cycle was started for.
pub(crate) const LAST_SLOT_KEY: &str = "monitor/last_slot";
const CYCLE_SEQ_KEY: &str = "monitor/cycle_seq";
/// State key of the report of the last cycle that ended, so that whoever asked for a cycle
/// and missed its end on the event hub can still read what it did.
const LAST_REPORT_KEY: &str = "monitor/last_report";
/// The reason of a sanctions-delta cycle.
pub(crate) const DELTA_REASON: &str = "sanctions-delta";
/// How often the done set is persisted during a cycle.
/// Most runs read back for the health the monitor reports after a cycle or a manual batch: a
/// source down for longer reads "unavailable since" the oldest failure among them.
const HEALTH_RUNS: u64 = 2_000;
const PERSIST_EVERY: StdDuration = StdDuration::from_secs(2);

/// Why the runner failed as a whole (single checks fail individually, see events).
#[derive(Debug, thiserror::Error)]
pub enum RunnerError {
    /// The store failed.
    #[error("monitor: {0}")]
    Store(#[from] StoreError),
    /// A blocking store task failed.
    #[error("monitor: store task failed: {0}")]
    Task(String),
}

/// A cycle as persisted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CycleState {
    /// Sequential id.
    pub(crate) id: u64,
    /// Why it runs (`scheduled`, `manual`, `all`, `sanctions-delta`).
    pub(crate) reason: String,
    /// The trigger recorded with each check run.
    pub(crate) trigger: String,
    /// When the cycle started.
    pub(crate) started_at: DateTime<Utc>,
    /// Counterparty ids planned, in order.
    pub(crate) planned: Vec<u64>,
    /// Counterparty ids done (sorted).
    pub done: Vec<u64>,
    /// Whether the cycle came to its end (not cancelled, not killed).
    pub finished: bool,
    /// For a sanctions-delta cycle: the list changes screened against.
    pub(crate) deltas: Vec<ListDelta>,
}

/// What a cycle did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CycleReport {
    /// The cycle's id.
    pub(crate) cycle_id: u64,
    /// Why it ran (`scheduled`, `manual`, `all`, `sanctions-delta`).
    pub(crate) reason: String,
    /// Whether this start finished a cycle interrupted earlier.
    pub(crate) resumed: bool,
    /// Counterparties planned.
    pub total: usize,
    /// Counterparties done (including those done before a restart).
    pub done: usize,
    /// Check runs stored in this start of the cycle.
    pub checked: usize,
    /// Checks that failed to store (retried on a later cycle).
    pub failed: usize,
    /// New alerts raised in this start of the cycle.
    pub new_alerts: usize,
    /// Whether the cycle was cancelled before its end.
    pub cancelled: bool,
}

/// The number of the last cycle started (0: none yet); a cycle started later has a higher one.
pub(crate) fn cycles_started(store: &Store) -> Result<u64, RunnerError> {
    Ok(store.get_state::<u64>(CYCLE_SEQ_KEY)?.unwrap_or(0))
}

/// The report of the last cycle that ended, if any (stored by the runner at each cycle's end).
pub(crate) fn last_report(store: &Store) -> Result<Option<CycleReport>, RunnerError> {
    Ok(store.get_state(LAST_REPORT_KEY)?)
}

/// Runs checks and cycles for one store; cheap to clone.
pub struct Runner<C: Checker> {
    store: Arc<Store>,
    checker: Arc<C>,
    settings: Arc<CheckSettings>,
    concurrency: usize,
    events: broadcast::Sender<MonitorEvent>,
    in_flight: Arc<Mutex<HashSet<u64>>>,
    slots: Arc<Semaphore>,
    /// The schedule whose next run a finished cycle reports; None outside the scheduler.
    schedule: Option<Arc<Schedule>>,
    /// The last manual batch handed out (see [`MonitorEvent::ChecksStarted`]).
    batches: Arc<AtomicU64>,
}

impl<C: Checker> Clone for Runner<C> {
    fn clone(&self) -> Self {
        Runner {
            store: self.store.clone(),
            checker: self.checker.clone(),
            settings: self.settings.clone(),
            concurrency: self.concurrency,
            events: self.events.clone(),
            in_flight: self.in_flight.clone(),
            slots: self.slots.clone(),
            schedule: self.schedule.clone(),
            batches: self.batches.clone(),
        }
    }
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, RunnerError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| RunnerError::Task(e.to_string()))?
        .map_err(RunnerError::from)
}

enum Step {
    Checked(u64, CheckOutcome),
    AlreadyDone(u64),
    Failed(u64, CheckError),
    Skipped,
}

impl<C: Checker> Runner<C> {
    /// A runner asking the registries about at most `concurrency` counterparties at a time.
    pub fn new(
        store: Arc<Store>,
        checker: Arc<C>,
        settings: CheckSettings,
        concurrency: usize,
    ) -> Result<Runner<C>, RunnerError> {
        let (events, _) = broadcast::channel(1024);
        Ok(Runner {
            store,
            checker,
            settings: Arc::new(settings),
            concurrency: concurrency.max(1),
            events,
            in_flight: Arc::new(Mutex::new(HashSet::new())),
            slots: Arc::new(Semaphore::new(concurrency.max(1))),
            schedule: None,
            batches: Arc::new(AtomicU64::new(0)),
        })
    }

    /// The same runner, reporting with each finished cycle when `schedule` runs next.
    pub(crate) fn with_schedule(mut self, schedule: Schedule) -> Runner<C> {
        self.schedule = Some(Arc::new(schedule));
        self
    }

    /// How many checks a cycle keeps under way: twice the registry slots, so that while
    /// `concurrency` checks ask their registries, as many more read their history or store
    /// their results and the slots never wait for local work.
    fn pipeline_width(&self) -> usize {
        self.concurrency.saturating_mul(2)
    }

    /// A receiver of everything the runner reports from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<MonitorEvent> {
        self.events.subscribe()
    }

    /// The sender side, for components (the scheduler) that report on the same channel.
    pub(crate) fn events(&self) -> &broadcast::Sender<MonitorEvent> {
        &self.events
    }

    /// Tells the checker the sanctions lists changed.
    pub(crate) fn lists_changed(&self) {
        self.checker.lists_changed();
    }

    /// The store.
    pub(crate) fn store(&self) -> &Arc<Store> {
        &self.store
    }

    /// The ids of the monitored counterparties due for `due`, in id order.
    pub(crate) fn plan_due(&self, schedule: &Schedule, due: &Due) -> Result<Vec<u64>, RunnerError> {
        let mut ids = Vec::new();
        for cp in self.store.counterparties()? {
            let last = self.store.last_check(cp.id)?.map(|r| r.started_at);
            if schedule.is_due(&cp, due, last) {
                ids.push(cp.id);
            }
        }
        Ok(ids)
    }

    /// The ids of every monitored counterparty.
    pub fn plan_all_monitored(&self) -> Result<Vec<u64>, RunnerError> {
        Ok(self
            .store
            .counterparties()?
            .into_iter()
            .filter(|c| c.monitor)
            .map(|c| c.id)
            .collect())
    }

    /// The cycle that was interrupted (killed or cancelled), if any.
    pub fn unfinished(&self) -> Result<Option<CycleState>, RunnerError> {
        let c: Option<CycleState> = self.store.get_state(CYCLE_KEY)?;
        Ok(c.filter(|c| !c.finished))
    }

    /// Starts and runs a new cycle over `ids`. An interrupted cycle is finished first.
    pub async fn run_cycle(
        &self,
        reason: &str,
        ids: Vec<u64>,
        cancel: &CancellationToken,
    ) -> Result<CycleReport, RunnerError> {
        self.start(reason, ids, Vec::new(), cancel).await
    }

    /// Screens every counterparty against only what changed in the sanctions lists (a cycle
    /// of its own, resumable like the others), then records the deltas as screened.
    pub(crate) async fn run_sanctions_delta(
        &self,
        deltas: Vec<ListDelta>,
        cancel: &CancellationToken,
    ) -> Result<CycleReport, RunnerError> {
        let store = self.store.clone();
        let ids = blocking(move || Ok(store.counterparties()?.into_iter().map(|c| c.id).collect()))
            .await?;
        self.start(DELTA_REASON, ids, deltas, cancel).await
    }

    /// Sanctions list changes the register has not been screened against yet.
    pub(crate) fn list_changes(&self) -> Vec<ListDelta> {
        self.checker.list_changes()
    }

    /// Lets the checker do its periodic upkeep (list refreshes).
    pub(crate) async fn maintain(&self) {
        self.checker.maintain().await;
    }

    async fn start(
        &self,
        reason: &str,
        ids: Vec<u64>,
        deltas: Vec<ListDelta>,
        cancel: &CancellationToken,
    ) -> Result<CycleReport, RunnerError> {
        if let Some(report) = self.resume(cancel).await?
            && report.cancelled
        {
            return Ok(report);
        }
        let store = self.store.clone();
        let now = self.settings.clock.now();
        let reason_s = reason.to_string();
        let state = blocking(move || {
            let id = store.get_state::<u64>(CYCLE_SEQ_KEY)?.unwrap_or(0) + 1;
            store.set_state(CYCLE_SEQ_KEY, &id)?;
            let state = CycleState {
                id,
                reason: reason_s,
                trigger: crate::domain::health::CYCLE_TRIGGER.to_string(),
                started_at: now,
                planned: ids,
                done: Vec::new(),
                finished: false,
                deltas,
            };
            store.set_state(CYCLE_KEY, &state)?;
            Ok(state)
        })
        .await?;
        self.run(state, cancel, false).await
    }

    /// Finishes an interrupted cycle, if there is one.
    pub async fn resume(
        &self,
        cancel: &CancellationToken,
    ) -> Result<Option<CycleReport>, RunnerError> {
        match self.unfinished()? {
            Some(state) => Ok(Some(self.run(state, cancel, true).await?)),
            None => Ok(None),
        }
    }

    async fn run(
        &self,
        mut state: CycleState,
        cancel: &CancellationToken,
        resumed: bool,
    ) -> Result<CycleReport, RunnerError> {
        let total = state.planned.len();
        let mut done: BTreeSet<u64> = state.done.iter().copied().collect();
        let todo: Vec<u64> = state
            .planned
            .iter()
            .copied()
            .filter(|id| !done.contains(id))
            .collect();
        let _ = self.events.send(MonitorEvent::CycleStarted {
            cycle_id: state.id,
            total,
            done: done.len(),
            reason: if resumed {
                format!("{} (resumed)", state.reason)
            } else {
                state.reason.clone()
            },
        });
        tracing::info!(
            cycle = state.id,
            total,
            already_done = done.len(),
            resumed,
            "cycle started"
        );
        let started_at = state.started_at;
        let trigger = state.trigger.clone();
        let deltas = state.deltas.clone();
        let deltas = &deltas;
        let mut steps = futures::stream::iter(todo)
            .map(|id| {
                let trigger = trigger.clone();
                async move { self.step(id, started_at, &trigger, deltas, cancel).await }
            })
            .buffer_unordered(self.pipeline_width());
        let (mut checked, mut failed, mut new_alerts) = (0, 0, 0);
        let mut last_persist = Instant::now();
        while let Some(step) = steps.next().await {
            match step {
                Step::Checked(id, outcome) => {
                    checked += 1;
                    new_alerts += outcome.alerts.len();
                    done.insert(id);
                }
                Step::AlreadyDone(id) => {
                    done.insert(id);
                }
                Step::Failed(id, e) => {
                    failed += 1;
                    tracing::warn!("check failed: {e}");
                    let _ = self.events.send(MonitorEvent::CheckFailed {
                        counterparty_id: id,
                        error: e.to_string(),
                    });
                }
                Step::Skipped => {}
            }
            let _ = self.events.send(MonitorEvent::Progress {
                cycle_id: state.id,
                done: done.len(),
                total,
            });
            if last_persist.elapsed() >= PERSIST_EVERY {
                last_persist = Instant::now();
                state.done = done.iter().copied().collect();
                self.persist(&state).await?;
            }
        }
        drop(steps);
        let cancelled = cancel.is_cancelled() && done.len() + failed < total;
        state.done = done.iter().copied().collect();
        state.finished = !cancelled;
        self.persist(&state).await?;
        if state.finished && !state.deltas.is_empty() {
            self.checker.mark_screened(&state.deltas);
        }
        let report = CycleReport {
            cycle_id: state.id,
            reason: state.reason.clone(),
            resumed,
            total,
            done: done.len(),
            checked,
            failed,
            new_alerts,
            cancelled,
        };
        let (store, kept) = (self.store.clone(), report.clone());
        blocking(move || store.set_state(LAST_REPORT_KEY, &kept)).await?;
        let snapshot = self.source_health().await?;
        let _ = self.events.send(MonitorEvent::Health(snapshot));
        self.report_pause().await;
        let next = self
            .schedule
            .as_ref()
            .and_then(|s| s.next_after(self.settings.clock.now()))
            .map(|slot| slot.at);
        let _ = self.events.send(MonitorEvent::CycleFinished {
            cycle_id: state.id,
            done: done.len(),
            total,
            cancelled,
            new_alerts,
            checked,
            failed,
            next,
        });
        tracing::info!(
            cycle = state.id,
            done = done.len(),
            total,
            checked,
            failed,
            new_alerts,
            cancelled,
            "cycle ended"
        );
        Ok(report)
    }

    async fn persist(&self, state: &CycleState) -> Result<(), RunnerError> {
        let store = self.store.clone();
        let state = state.clone();
        blocking(move || store.set_state(CYCLE_KEY, &state)).await
    }

    /// Lifts the pause of `source` through the checker (store and its own copy), audited by
    /// `actor`, and reports it as an event.
    pub(crate) async fn resume_source(&self, source: Source, actor: String) {
        let (store, checker) = (self.store.clone(), self.checker.clone());
        let by = actor.clone();
        let r = tokio::task::spawn_blocking(move || checker.resume(&store, source, &by)).await;
        let event = match r {
            Ok(Ok(was)) => {
                tracing::info!(%source, %actor, lifted = was.is_some(), "pause lifted");
                MonitorEvent::SourceResumed {
                    source,
                    by: actor,
                    was,
                }
            }
            Ok(Err(e)) => MonitorEvent::ResumeFailed {
                source,
                error: e.to_string(),
            },
            Err(e) => MonitorEvent::ResumeFailed {
                source,
                error: e.to_string(),
            },
        };
        let _ = self.events.send(event);
    }

    /// Reports the VIES pause the store holds, so a pause met during a cycle or a batch shows.
    async fn report_pause(&self) {
        let store = self.store.clone();
        match blocking(move || store.source_pause(Source::Vies)).await {
            Ok(Some(p)) => {
                let _ = self.events.send(MonitorEvent::SourcePaused(p));
            }
            Ok(None) => {}
            Err(e) => tracing::warn!("the VIES pause could not be read: {e}"),
        }
    }

    /// Every source's health, from the stored runs by the function the digest and the Stats
    /// tab use (so the monitor's warning and their figures agree).
    pub(crate) async fn source_health(&self) -> Result<Vec<SourceHealth>, RunnerError> {
        let store = self.store.clone();
        let now = self.settings.clock.now();
        blocking(move || {
            store
                .source_health(now, HEALTH_RUNS, &mut |_| {})
                .map(|(h, _)| h.sources)
        })
        .await
    }

    async fn step(
        &self,
        id: u64,
        cycle_started: DateTime<Utc>,
        trigger: &str,
        deltas: &[ListDelta],
        cancel: &CancellationToken,
    ) -> Step {
        if cancel.is_cancelled() {
            return Step::Skipped;
        }
        let store = self.store.clone();
        let rules = self.settings.change;
        // One trip to the blocking pool for the counterparty and its history.
        let enabled: Vec<Source> = Source::ALL
            .into_iter()
            .filter(|&s| self.checker.enabled(s))
            .collect();
        let loaded = blocking(move || {
            let cp = store.counterparty(id)?;
            let wanted = cp.as_ref().map_or_else(Vec::new, |cp| {
                super::check::compared_sources(cp, |s| enabled.contains(&s))
            });
            let history = super::check::load_history(&store, id, &rules, &wanted)?;
            Ok((cp, history))
        })
        .await;
        let (cp, history) = match loaded {
            Ok(v) => v,
            Err(e) => {
                return Step::Failed(
                    id,
                    CheckError::Task {
                        id,
                        message: e.to_string(),
                    },
                );
            }
        };
        // Deleted since planning: nothing to check. Checked since the cycle began (before a
        // crash, or by hand): done, without a second run.
        let Some(cp) = cp else {
            return Step::AlreadyDone(id);
        };
        if history.newest_run_at().is_some_and(|t| t >= cycle_started) {
            return Step::AlreadyDone(id);
        }
        if !deltas.is_empty() {
            let report = Reporting {
                events: &self.events,
                cancel,
                slots: &self.slots,
            };
            return match screen_delta(
                &self.store,
                &*self.checker,
                &self.settings,
                &cp,
                deltas,
                &report,
            )
            .await
            {
                Ok(Some(outcome)) => Step::Checked(id, outcome),
                Ok(None) => Step::AlreadyDone(id),
                Err(e) => Step::Failed(id, e),
            };
        }
        match self
            .check_guarded(&cp, trigger, cancel, Some(history))
            .await
        {
            Ok(Some(outcome)) => Step::Checked(id, outcome),
            Ok(None) => Step::AlreadyDone(id),
            Err(CheckError::Cancelled { .. }) => Step::Skipped,
            Err(e) => Step::Failed(id, e),
        }
    }

    /// Checks a counterparty unless another check of it is under way (then None).
    async fn check_guarded(
        &self,
        cp: &Counterparty,
        trigger: &str,
        cancel: &CancellationToken,
        history: Option<crate::domain::changes::History>,
    ) -> Result<Option<CheckOutcome>, CheckError> {
        let claimed = self
            .in_flight
            .lock()
            .map(|mut s| s.insert(cp.id))
            .unwrap_or(false);
        if !claimed {
            return Ok(None);
        }
        let report = Reporting {
            events: &self.events,
            cancel,
            slots: &self.slots,
        };
        let r = check_counterparty(
            &self.store,
            &*self.checker,
            &self.settings,
            cp,
            trigger,
            &report,
            history,
        )
        .await;
        if let Ok(mut s) = self.in_flight.lock() {
            s.remove(&cp.id);
        }
        r.map(Some)
    }

    /// Checks the given counterparties now (outside any cycle), `concurrency` at a time, in
    /// the order given. A counterparty whose check is already under way is skipped (None).
    /// Reports the batch as [`MonitorEvent::ChecksStarted`], `ChecksProgress` and
    /// `ChecksFinished`.
    pub async fn check_now(
        &self,
        cps: Vec<Counterparty>,
        trigger: &str,
        cancel: &CancellationToken,
    ) -> Vec<(u64, Result<Option<CheckOutcome>, CheckError>)> {
        let batch = self.batches.fetch_add(1, Ordering::Relaxed) + 1;
        let total = cps.len();
        let _ = self.events.send(MonitorEvent::ChecksStarted {
            batch,
            ids: cps.iter().map(|c| c.id).collect(),
        });
        let mut steps = futures::stream::iter(cps)
            .map(|cp| async move {
                let r = self.check_guarded(&cp, trigger, cancel, None).await;
                (cp.id, r)
            })
            .buffered(self.pipeline_width());
        let mut out = Vec::with_capacity(total);
        while let Some(step) = steps.next().await {
            // Said per counterparty, as in a cycle, so whoever asked learns which one failed.
            if let (id, Err(e)) = &step {
                let _ = self.events.send(MonitorEvent::CheckFailed {
                    counterparty_id: *id,
                    error: e.to_string(),
                });
            }
            out.push(step);
            let _ = self.events.send(MonitorEvent::ChecksProgress {
                batch,
                done: out.len(),
                total,
            });
        }
        drop(steps);
        if let Ok(snapshot) = self.source_health().await {
            let _ = self.events.send(MonitorEvent::Health(snapshot));
        }
        self.report_pause().await;
        let summary = ChecksSummary::of(out.iter().map(|(_, r)| r));
        let _ = self
            .events
            .send(MonitorEvent::ChecksFinished { batch, summary });
        out
    }
}
