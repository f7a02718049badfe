//! The background work of a running Kontra, started and stopped in one place for `kontra
//! daemon` and the full-screen UI alike: the monitor service (scheduler, cycles, manual checks),
//! the sanctions upkeep (list downloads) and the deliveries (critical alerts by mail at once,
//! webhooks, the daily digest).
//!
//! Everything here listens to the monitor's own events ([`MonitorEvent`]); the UI subscribes to
//! the same events through [`Background::monitor`].

use crate::config::Config;
use crate::monitor::check::{CheckSettings, Checker};
use crate::monitor::clock::{Clock, SystemClock};
use crate::monitor::live::{Live, LiveError};
use crate::monitor::runner::{Runner, RunnerError};
use crate::monitor::service::{self, MonitorHandle};
use crate::monitor::{MonitorEvent, Schedule};
use crate::notify::{Notifier, NotifyError};
use crate::store::Store;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast;
use tokio::sync::broadcast::error::RecvError;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// How long the upkeep and the deliveries wait before looking again (the digest's hour, a
/// list's refresh interval) when nothing happened.
const IDLE: Duration = Duration::from_secs(60);

/// Why the background work could not start.
#[derive(Debug, thiserror::Error)]
pub enum BackgroundError {
    /// The registry clients or the sanctions lists could not be set up.
    #[error(transparent)]
    Live(#[from] LiveError),
    /// The runner could not read its state.
    #[error(transparent)]
    Runner(#[from] RunnerError),
    /// Mail or webhooks are misconfigured.
    #[error(transparent)]
    Notify(#[from] NotifyError),
}

/// The production runner: the live registry clients and the sanctions lists in `data_dir`.
pub fn live_runner(
    config: &Config,
    store: Arc<Store>,
    data_dir: &Path,
) -> Result<Runner<Live>, BackgroundError> {
    let checker = Arc::new(Live::new(config, &store, data_dir)?);
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let settings = CheckSettings::from_config(config, clock);
    Ok(Runner::new(
        store,
        checker,
        settings,
        config.monitor.concurrency.get() as usize,
    )?)
}

/// The running background work; stop it with [`Background::stop`] or
/// [`Background::run_until`].
pub struct Background {
    monitor: MonitorHandle,
    upkeep: JoinHandle<()>,
    deliveries: JoinHandle<()>,
    stop: CancellationToken,
}

impl Background {
    /// Starts the production background work as configured, on the current tokio runtime.
    pub fn start_live(
        config: &Config,
        config_path: &Path,
        store: Arc<Store>,
        data_dir: &Path,
    ) -> Result<Background, BackgroundError> {
        let runner = live_runner(config, store, data_dir)?;
        let notifier = Notifier::new(config, config_path)?;
        Ok(Background::start(
            runner,
            Schedule::from_config(&config.monitor),
            Arc::new(SystemClock),
            notifier,
        ))
    }

    /// Starts the monitor service over `runner`, its upkeep, and the deliveries of `notifier`
    /// on the current tokio runtime.
    pub fn start<C: Checker>(
        runner: Runner<C>,
        schedule: Schedule,
        clock: Arc<dyn Clock>,
        notifier: Notifier,
    ) -> Background {
        let stop = CancellationToken::new();
        let upkeep = tokio::spawn(upkeep(runner.clone(), stop.clone()));
        let deliveries = tokio::spawn(deliver(
            notifier,
            runner.store().clone(),
            runner.subscribe(),
        ));
        let monitor = service::spawn(runner, schedule, clock);
        Background {
            monitor,
            upkeep,
            deliveries,
            stop,
        }
    }

    /// The monitor: subscribe to its events, send it requests.
    pub fn monitor(&self) -> &MonitorHandle {
        &self.monitor
    }

    /// Runs until `stop` completes or the monitor ends by itself with an error, then stops
    /// everything as [`Background::stop`] does.
    pub async fn run_until(
        self,
        stop: impl std::future::Future<Output = ()>,
    ) -> Result<(), RunnerError> {
        let Background {
            monitor,
            upkeep,
            deliveries,
            stop: token,
        } = self;
        let result = monitor
            .run_until(async {
                stop.await;
                stop_helpers(&deliveries, &token);
            })
            .await;
        stop_helpers(&deliveries, &token);
        let _ = upkeep.await;
        result
    }

    /// Stops the background work: deliveries end where they are (the outbox resolves an
    /// interrupted hand-over at the next start), the upkeep stops, and the monitor finishes
    /// the writes under way (the running cycle resumes at the next start).
    pub async fn stop(self) -> Result<(), RunnerError> {
        stop_helpers(&self.deliveries, &self.stop);
        let result = self.monitor.shutdown().await;
        let _ = self.upkeep.await;
        result
    }
}

/// Stops what runs beside the monitor, before the monitor's own shutdown reports its last
/// events (a cancelled cycle's end must not start a delivery that is cut off at once).
fn stop_helpers(deliveries: &JoinHandle<()>, upkeep: &CancellationToken) {
    deliveries.abort();
    upkeep.cancel();
}

/// Sanctions list downloads beside the cycles, so a slow download delays neither a scheduled
/// run nor a shutdown.
async fn upkeep<C: Checker>(runner: Runner<C>, stop: CancellationToken) {
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = runner.maintain() => {}
        }
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(IDLE) => {}
        }
    }
}

/// Whether an event ends work that may have raised alerts worth delivering at once: a cycle or
/// a manual check with new alerts.
fn raised_alerts(event: &MonitorEvent) -> bool {
    match event {
        MonitorEvent::CycleFinished { new_alerts, .. } => *new_alerts > 0,
        MonitorEvent::ChecksFinished { summary, .. } => summary.new_alerts > 0,
        _ => false,
    }
}

/// Mail and webhooks beside the monitor: new alerts after each cycle or manual check that raised
/// some (critical ones by mail at once when configured), and the daily digest when it is due.
async fn deliver(
    notifier: Notifier,
    store: Arc<Store>,
    mut events: broadcast::Receiver<MonitorEvent>,
) {
    loop {
        let new_alerts = tokio::select! {
            e = events.recv() => match e {
                Ok(e) => raised_alerts(&e),
                // A missed event may have been such an end; delivering finds nothing new if not.
                Err(RecvError::Lagged(_)) => true,
                Err(RecvError::Closed) => return,
            },
            _ = tokio::time::sleep(IDLE) => false,
        };
        let now = chrono::Utc::now();
        if new_alerts && let Err(e) = notifier.deliver_new(&store, now).await {
            tracing::warn!("alert delivery: {e}");
        }
        if let Err(e) = notifier.run_digest_if_due(&store, now).await {
            tracing::warn!("digest: {e}");
        }
    }
}
