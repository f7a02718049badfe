//! The monitor service as `kontra daemon` runs it (scheduler loop, runner, the production checker
//! with the real VIES client, check runs in sled) on paused tokio time with a clock that follows
//! it, against a fake VIES on 127.0.0.1: the spring-forward gap, the autumn fold, and a run missed
//! while the process was down. Each test counts the cycles that actually ran, by their stored
//! check runs and by the requests the registry received.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

mod support;
use support::common;

use chrono::{DateTime, TimeZone, Utc};
use common::{Reply, Server};
use kontra::config::Config;
use kontra::domain::check::{Answer, Outcome};
use kontra::domain::{CounterpartyDraft, Source};
use kontra::monitor::MonitorEvent;
use kontra::monitor::check::CheckSettings;
use kontra::monitor::clock::{Clock, TokioClock};
use kontra::monitor::live::Live;
use kontra::monitor::runner::Runner;
use kontra::monitor::schedule::Schedule;
use kontra::monitor::service;
use kontra::store::Store;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
}

/// One installation: a store, the fake VIES, the configuration and a clock on tokio time.
struct Installation {
    dir: tempfile::TempDir,
    store: Arc<Store>,
    config: Config,
    clock: Arc<dyn Clock>,
    vies: Server,
    counterparty: u64,
}

impl Installation {
    /// A store with one monitored German counterparty, a VIES that answers VALID after 20 ms,
    /// and a clock reading `start` now. The schedule is the default one with `run_at` 02:30.
    async fn new(start: DateTime<Utc>) -> Installation {
        // Kontra asks the documented POST; the body is the POST shape naming the number.
        let vies = Server::start(|_| {
            Reply::json(
                200,
                r#"{"countryCode":"DE","vatNumber":"136695976","requestDate":"2026-03-10T09:12:00.000Z","valid":true,"requestIdentifier":"","name":"---","address":"---"}"#,
            )
            .delayed(Duration::from_millis(20))
        })
        .await;
        let dir = tempfile::tempdir().unwrap();
        let config = Config::parse(
            &format!(
                r#"
[monitor]
timezone = "Europe/Berlin"
run_at = ["02:30"]
[sources.vies]
base_url = "{}"
retry = {{ max_attempts = 1, backoff_base_ms = 10, backoff_max_ms = 10 }}
[sources.evatr]
enabled = false
[sources.gleif]
enabled = false
[sources.handelsregister]
enabled = false
[sources.insolvency]
enabled = false
[sanctions.eu]
enabled = false
[sanctions.ofac]
enabled = false
[sanctions.uk]
enabled = false
[sanctions.un]
enabled = false
"#,
                vies.url("/rest-api")
            ),
            Path::new("monitor_schedule.toml"),
        )
        .unwrap();
        let store = Arc::new(Store::open(dir.path(), "test").unwrap());
        let cp = CounterpartyDraft {
            name: Some("Alpha GmbH".into()),
            country: Some("DE".into()),
            vat: Some("DE136695976".into()),
            monitor: Some(true),
            ..Default::default()
        }
        .apply(None, Utc::now())
        .unwrap();
        let counterparty = store.add_counterparty(cp, "test").unwrap().id;
        Installation {
            dir,
            store,
            config,
            clock: Arc::new(TokioClock::starting_at(start)),
            vies,
            counterparty,
        }
    }

    /// How long from the clock's now until `t`, as tokio time.
    fn until(&self, t: DateTime<Utc>) -> tokio::time::Instant {
        tokio::time::Instant::now() + (t - self.clock.now()).to_std().unwrap_or_default()
    }

    /// Starts the monitor as a process start would (fresh checker, runner and scheduler over
    /// the persisted store), lets it run until `stop`, then shuts it down.
    async fn run_until(&self, stop: DateTime<Utc>) {
        let handle = self.start();
        tokio::time::sleep_until(self.until(stop)).await;
        handle.shutdown().await.unwrap();
    }

    /// Starts the monitor as a process start would.
    fn start(&self) -> service::MonitorHandle {
        let checker = Arc::new(Live::new(&self.config, &self.store, self.dir.path()).unwrap());
        let runner = Runner::new(
            self.store.clone(),
            checker,
            CheckSettings::from_config(&self.config, self.clock.clone()),
            self.config.monitor.concurrency.get() as usize,
        )
        .unwrap();
        let schedule = Schedule::from_config(&self.config.monitor);
        service::spawn(runner, schedule, self.clock.clone())
    }

    /// No process runs until `t`.
    async fn down_until(&self, t: DateTime<Utc>) {
        tokio::time::sleep_until(self.until(t)).await;
    }

    /// When the stored check runs started, each checked that VIES answered.
    fn runs(&self) -> Vec<DateTime<Utc>> {
        self.store
            .check_runs(self.counterparty)
            .unwrap()
            .iter()
            .map(|r| {
                let vies = r.results.iter().find(|x| x.source == Source::Vies).unwrap();
                assert!(
                    matches!(&vies.outcome, Outcome::Answer(Answer::Vat(a)) if a.valid),
                    "{vies:?}"
                );
                r.started_at
            })
            .collect()
    }
}

/// Asserts that each run started at its expected instant (plus the moments the service needs
/// to notice and start it) and that the registry was asked once per run.
fn assert_runs_at(i: &Installation, expected: &[DateTime<Utc>]) {
    let runs = i.runs();
    assert_eq!(
        runs.len(),
        expected.len(),
        "runs {runs:?}, expected {expected:?}"
    );
    for (run, want) in runs.iter().zip(expected) {
        let late = *run - *want;
        assert!(
            late >= chrono::Duration::zero() && late < chrono::Duration::seconds(5),
            "run at {run}, expected at {want} (runs {runs:?})"
        );
    }
    assert_eq!(i.vies.count(), expected.len(), "one VIES request per run");
}

#[tokio::test(start_paused = true)]
async fn spring_gap_runs_once_at_the_shifted_time_and_a_missed_run_happens_at_start() {
    // Thursday 26 March 2026, 13:00 in Berlin (CET, UTC+1); a fresh installation waits for its
    // first slot.
    let i = Installation::new(utc(2026, 3, 26, 12, 0)).await;
    i.run_until(utc(2026, 3, 27, 12, 0)).await;
    // Friday 02:30 CET = 01:30 UTC.
    assert_runs_at(&i, &[utc(2026, 3, 27, 1, 30)]);

    // The process is down across Saturday's 02:30 (01:30 UTC) and starts again at 13:00.
    i.down_until(utc(2026, 3, 28, 12, 0)).await;
    i.run_until(utc(2026, 3, 30, 12, 0)).await;
    assert_runs_at(
        &i,
        &[
            utc(2026, 3, 27, 1, 30),
            // The missed Saturday run, right after the start (once, not per missed slot).
            utc(2026, 3, 28, 12, 0),
            // Sunday 29 March: clocks go from 02:00 to 03:00, 02:30 does not exist; the run is
            // at 03:00 CEST = 01:00 UTC, and only then.
            utc(2026, 3, 29, 1, 0),
            // Monday 02:30 CEST = 00:30 UTC.
            utc(2026, 3, 30, 0, 30),
        ],
    );
}

#[tokio::test(start_paused = true)]
async fn autumn_fold_runs_once_while_the_process_runs_through_it() {
    // Saturday 24 October 2026, 14:00 in Berlin (CEST, UTC+2).
    let i = Installation::new(utc(2026, 10, 24, 12, 0)).await;
    i.run_until(utc(2026, 10, 26, 12, 0)).await;
    assert_runs_at(
        &i,
        &[
            // Sunday 25 October: 02:30 happens twice, at 00:30 UTC (CEST) and at 01:30 UTC
            // (CET, after the clocks went back from 03:00 to 02:00). One run, at the first.
            utc(2026, 10, 25, 0, 30),
            // Monday 02:30 CET = 01:30 UTC.
            utc(2026, 10, 26, 1, 30),
        ],
    );
}

#[tokio::test(start_paused = true)]
async fn a_restart_inside_the_autumn_fold_does_not_run_the_repeated_hour_again() {
    let i = Installation::new(utc(2026, 10, 24, 12, 0)).await;
    // Runs the first 02:30 (00:30 UTC), stops at 02:45 CEST.
    i.run_until(utc(2026, 10, 25, 0, 45)).await;
    assert_runs_at(&i, &[utc(2026, 10, 25, 0, 30)]);
    // Down while the clocks go back and 02:30 comes round again (01:30 UTC); started at
    // 02:45 CET. That 02:30 was run already: nothing is made up.
    i.down_until(utc(2026, 10, 25, 1, 45)).await;
    i.run_until(utc(2026, 10, 26, 12, 0)).await;
    assert_runs_at(&i, &[utc(2026, 10, 25, 0, 30), utc(2026, 10, 26, 1, 30)]);
}

#[tokio::test(start_paused = true)]
async fn an_idle_monitor_is_silent_and_a_cycle_reports_the_next_run() {
    // Saturday 28 March 2026, 15:00 in Berlin (after the default 14:00 high-priority run); the
    // next 02:30 falls into the spring-forward gap.
    let i = Installation::new(utc(2026, 3, 28, 14, 0)).await;
    let handle = i.start();
    let mut events = handle.subscribe();
    // Ten idle hours: nothing to report (the UI used to flash "next check run" every minute).
    tokio::time::sleep_until(i.until(utc(2026, 3, 29, 0, 0))).await;
    let mut idle = Vec::new();
    while let Ok(ev) = events.try_recv() {
        idle.push(ev);
    }
    assert!(idle.is_empty(), "an idle monitor sent {idle:?}");
    // The run at 03:00 CEST (01:00 UTC) reports, when it ends, the next one: the 14:00 CEST
    // high-priority run, as the scheduler computes it (the UI has no schedule of its own).
    tokio::time::sleep_until(i.until(utc(2026, 3, 29, 2, 0))).await;
    let mut finished = None;
    while let Ok(ev) = events.try_recv() {
        if let MonitorEvent::CycleFinished { next, .. } = ev {
            finished = Some(next);
        }
    }
    handle.shutdown().await.unwrap();
    assert_runs_at(&i, &[utc(2026, 3, 29, 1, 0)]);
    let next = finished.expect("the cycle ended");
    assert_eq!(next, Some(utc(2026, 3, 29, 12, 0)));
    assert_eq!(
        next,
        Schedule::from_config(&i.config.monitor)
            .next_after(utc(2026, 3, 29, 1, 0))
            .map(|s| s.at)
    );
}
