//! Whole cycles on a real sled store with a scripted `Checker` (the registries' answers change
//! between cycles), the bound on concurrent questions, cancellation and resume without
//! duplicates, owner rules, and the UI's check requests. The scheduler on paused time (DST
//! changes, missed runs) is in `monitor_schedule.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

use chrono::{DateTime, TimeZone, Utc};
use kontra::domain::check::{
    Answer, CheckRun, Evidence, Outcome, RegisterAnswer, RegisterRecord, SanctionsAnswer,
    SanctionsHit, SourceResult, Unavailable, VatAnswer,
};
use kontra::domain::screening::{HitReason, HitStrength};
mod support;

use kontra::background::Background;
use kontra::domain::{AlertKind, Counterparty, CounterpartyDraft, Severity, Source};
use kontra::monitor::check::{CheckSettings, Checker};
use kontra::monitor::clock::{Clock, SystemClock, TokioClock};
use kontra::monitor::events::{ChecksSummary, MonitorEvent};
use kontra::monitor::rules::{AlertRules, OwnerRules};
use kontra::monitor::runner::{CYCLE_KEY, CycleState, Runner};
use kontra::monitor::schedule::Schedule;
use kontra::monitor::service::Request;
use kontra::notify::Notifier;
use kontra::notify::schedule::{DIGEST_STATE_KEY, DigestState};
use kontra::store::Store;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use support::{Mail, Mode, SmtpServer, parse};
use tokio_util::sync::CancellationToken;

/// Answers from a script the test changes between cycles; answers after `delay`.
struct Scripted {
    answers: Mutex<HashMap<(u64, Source), Outcome>>,
    delay: Duration,
    calls: AtomicUsize,
    /// Counterparties being screened right now, and the most at once.
    screening: AtomicUsize,
    screening_max: AtomicUsize,
    clock: Arc<dyn Clock>,
}

impl Scripted {
    fn new(delay: Duration, clock: Arc<dyn Clock>) -> Scripted {
        Scripted {
            answers: Mutex::new(HashMap::new()),
            delay,
            calls: AtomicUsize::new(0),
            screening: AtomicUsize::new(0),
            screening_max: AtomicUsize::new(0),
            clock,
        }
    }

    fn set(&self, cp: u64, source: Source, outcome: Outcome) {
        self.answers.lock().unwrap().insert((cp, source), outcome);
    }
}

impl Checker for Scripted {
    fn enabled(&self, source: Source) -> bool {
        // VIES and screening always; another source when a test scripts it.
        matches!(source, Source::Vies | Source::Sanctions)
            || self
                .answers
                .lock()
                .unwrap()
                .keys()
                .any(|(_, s)| *s == source)
    }

    async fn ask(&self, source: Source, cp: &Counterparty) -> SourceResult {
        self.calls.fetch_add(1, Ordering::SeqCst);
        // Every counterparty is screened, so concurrent screenings count concurrent checks.
        if source == Source::Sanctions {
            let now = self.screening.fetch_add(1, Ordering::SeqCst) + 1;
            self.screening_max.fetch_max(now, Ordering::SeqCst);
        }
        tokio::time::sleep(self.delay).await;
        if source == Source::Sanctions {
            self.screening.fetch_sub(1, Ordering::SeqCst);
        }
        let outcome = self
            .answers
            .lock()
            .unwrap()
            .get(&(cp.id, source))
            .cloned()
            .unwrap_or(Outcome::CouldNotAsk {
                reason: Unavailable::Connection,
                message: "not scripted".into(),
            });
        SourceResult {
            source,
            at: self.clock.now(),
            outcome,
            evidence: Evidence {
                reference: Some(format!("WAPIAAAAW{}", cp.id)),
                ..Default::default()
            },
        }
    }
}

fn vat(vat: &str, valid: bool, name: &str) -> Outcome {
    Outcome::Answer(Answer::Vat(VatAnswer {
        vat: vat.into(),
        valid,
        name: Some(name.into()),
        address: Some("Hauptstr. 1, 10117 Berlin".into()),
    }))
}

fn down() -> Outcome {
    Outcome::CouldNotAsk {
        reason: Unavailable::ServiceUnavailable,
        message: "MS_UNAVAILABLE".into(),
    }
}

/// A screening with strong hits on these `(list, entity id)` pairs.
fn screened(hits: &[(&str, &str)]) -> Outcome {
    screened_as(HitStrength::Strong, hits)
}

fn screened_as(strength: HitStrength, hits: &[(&str, &str)]) -> Outcome {
    Outcome::Answer(Answer::Sanctions(SanctionsAnswer {
        hits: hits
            .iter()
            .map(|(list, id)| SanctionsHit {
                list: list.to_string(),
                entity_id: id.to_string(),
                name: "ACME TRADING".into(),
                score: 0.95,
                strength,
                reasons: vec![HitReason::CountryDiffers {
                    ours: "US".into(),
                    listed: vec!["IR".into()],
                }],
                ..Default::default()
            })
            .collect(),
        lists: vec![("eu".into(), "s".into()), ("ofac".into(), "s".into())],
    }))
}

fn add(store: &Store, name: &str, country: &str, vat: Option<&str>, owner: &str) -> u64 {
    let cp = CounterpartyDraft {
        name: Some(name.into()),
        country: Some(country.into()),
        vat: vat.map(Into::into),
        owner: Some(owner.into()),
        monitor: Some(true),
        ..Default::default()
    }
    .apply(None, Utc::now())
    .unwrap();
    store.add_counterparty(cp, "test").unwrap().id
}

fn settings(clock: Arc<dyn Clock>, rules: AlertRules) -> CheckSettings {
    CheckSettings {
        change: Default::default(),
        alert_rules: rules,
        register_every: chrono::Duration::days(7),
        clock,
    }
}

fn kinds(store: &Store, cp: u64) -> Vec<AlertKind> {
    store
        .alerts_for(cp)
        .unwrap()
        .into_iter()
        .map(|a| a.kind)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cycles_with_changing_answers_raise_only_true_alerts() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Store::open(dir.path(), "test").unwrap());
    let a = add(&store, "Alpha GmbH", "DE", Some("DE136695976"), "anna");
    let b = add(&store, "Beta SA", "FR", Some("FR40303265045"), "bob");
    let c = add(&store, "Acme Trading", "US", None, "anna");
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let checker = Arc::new(Scripted::new(Duration::from_millis(1), clock.clone()));
    let runner = Runner::new(
        store.clone(),
        checker.clone(),
        settings(clock, AlertRules::default()),
        4,
    )
    .unwrap();
    let mut events = runner.subscribe();
    let cancel = CancellationToken::new();
    // (VIES for a, VIES for b, sanctions for c) per cycle.
    let script = [
        (
            vat("DE136695976", true, "Alpha GmbH"),
            vat("FR40303265045", true, "BETA SA"),
            screened(&[]),
        ),
        (
            down(),
            vat("FR40303265045", true, "Beta S.A."),
            screened(&[]),
        ),
        (
            vat("DE136695976", false, ""),
            vat("FR40303265045", true, "Gamma SA"),
            screened(&[("ofac", "306")]),
        ),
        (
            vat("DE136695976", false, ""),
            vat("FR40303265045", true, "Gamma SA"),
            screened(&[("ofac", "306")]),
        ),
    ];
    let mut expected_runs = 0;
    for (i, (va, vb, sc)) in script.into_iter().enumerate() {
        checker.set(a, Source::Vies, va);
        checker.set(b, Source::Vies, vb);
        for id in [a, b, c] {
            let s = if id == c { sc.clone() } else { screened(&[]) };
            checker.set(id, Source::Sanctions, s);
        }
        let report = runner
            .run_cycle("test", vec![a, b, c], &cancel)
            .await
            .unwrap();
        expected_runs += 3;
        assert_eq!(
            (report.total, report.done, report.checked),
            (3, 3, 3),
            "cycle {i}"
        );
        assert!(!report.cancelled);
        assert_eq!(store.check_run_count(), expected_runs);
        // Runs of one cycle start after the previous cycle's: keep them apart in time.
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(kinds(&store, a), vec![AlertKind::VatInvalid]);
    assert_eq!(kinds(&store, b), vec![AlertKind::CompanyNameChanged]);
    assert_eq!(kinds(&store, c), vec![AlertKind::SanctionsFound]);
    let invalid = &store.alerts_for(a).unwrap()[0];
    assert!(invalid.message.en.contains("DE136695976") && invalid.message.en.contains("VIES"));
    assert!(invalid.message.de.contains("UNGÜLTIG"));
    let renamed = &store.alerts_for(b).unwrap()[0];
    assert!(
        renamed.message.en.contains("\"Beta S.A.\"") && renamed.message.en.contains("\"Gamma SA\""),
        "{}",
        renamed.message.en
    );
    // Progress events arrived, ending with a finished cycle of 3.
    let mut seen = Vec::new();
    while let Ok(e) = events.try_recv() {
        seen.push(e);
    }
    assert!(seen.iter().any(|e| matches!(
        e,
        MonitorEvent::SourceStarted {
            source: Source::Vies,
            ..
        }
    )));
    assert!(seen.iter().any(
        |e| matches!(e, MonitorEvent::Health(h) if h.iter().any(|x| x.source == Source::Vies))
    ));
    assert!(matches!(
        seen.iter()
            .rev()
            .find(|e| matches!(e, MonitorEvent::CycleFinished { .. })),
        Some(MonitorEvent::CycleFinished {
            done: 3,
            total: 3,
            cancelled: false,
            new_alerts: 1,
            ..
        })
    ));
    // The digest reads the same health from the stored runs.
    let (health, _) = store
        .source_health(chrono::Utc::now(), 1_000, &mut |_| {})
        .unwrap();
    assert!(health.last_cycle.is_some());
    let vies = health
        .sources
        .iter()
        .find(|h| h.source == Source::Vies)
        .unwrap();
    assert!(vies.last_answer_at.is_some() && vies.unavailable_since.is_none());
}

#[tokio::test(start_paused = true)]
async fn a_cycle_asks_about_at_most_concurrency_counterparties_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Store::open(dir.path(), "test").unwrap());
    let ids: Vec<u64> = (0..24)
        .map(|i| add(&store, &format!("Firm {i}"), "US", None, "anna"))
        .collect();
    let clock: Arc<dyn Clock> = Arc::new(TokioClock::starting_at(utc(2026, 5, 4, 10, 0)));
    let checker = Arc::new(Scripted::new(Duration::from_millis(20), clock.clone()));
    for &id in &ids {
        checker.set(id, Source::Sanctions, screened(&[]));
    }
    let runner = Runner::new(
        store.clone(),
        checker.clone(),
        settings(clock, AlertRules::default()),
        3,
    )
    .unwrap();
    let report = runner
        .run_cycle("test", ids, &CancellationToken::new())
        .await
        .unwrap();
    assert_eq!((report.done, report.checked), (24, 24));
    // More checks are under way than registry slots (history and storing overlap), but never
    // more than `concurrency` ask at once, and the slots are used.
    assert_eq!(checker.screening_max.load(Ordering::SeqCst), 3);
    assert_eq!(checker.calls.load(Ordering::SeqCst), 24);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_cycle_resumes_without_duplicate_runs_or_alerts() {
    let dir = tempfile::tempdir().unwrap();
    let ids: Vec<u64>;
    {
        let store = Arc::new(Store::open(dir.path(), "test").unwrap());
        ids = (0..40)
            .map(|i| add(&store, &format!("Firma {i} GmbH"), "US", None, "anna"))
            .collect();
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let checker = Arc::new(Scripted::new(Duration::from_millis(20), clock.clone()));
        for &id in &ids {
            checker.set(id, Source::Sanctions, screened(&[("eu", "EU.9.1")]));
        }
        let runner = Runner::new(
            store.clone(),
            checker,
            settings(clock, AlertRules::default()),
            4,
        )
        .unwrap();
        let mut events = runner.subscribe();
        let cancel = CancellationToken::new();
        let c2 = cancel.clone();
        tokio::spawn(async move {
            let mut finished = 0;
            while let Ok(e) = events.recv().await {
                if matches!(e, MonitorEvent::CheckFinished { .. }) {
                    finished += 1;
                    if finished == 10 {
                        c2.cancel();
                    }
                }
            }
        });
        let report = runner
            .run_cycle("test", ids.clone(), &cancel)
            .await
            .unwrap();
        assert!(report.cancelled);
        assert!(report.done >= 10 && report.done < 40, "{report:?}");
        let state: CycleState = store.get_state(CYCLE_KEY).unwrap().unwrap();
        assert!(!state.finished);
        // Forget part of the done set, as if the process died before persisting it: the
        // check runs themselves must keep those counterparties from being checked twice.
        let mut forgetful = state.clone();
        forgetful.done.truncate(2);
        store.set_state(CYCLE_KEY, &forgetful).unwrap();
    }
    // "Restart": a new store handle and runner on the same directory.
    let store = Arc::new(Store::open(dir.path(), "test").unwrap());
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let checker = Arc::new(Scripted::new(Duration::from_millis(1), clock.clone()));
    for &id in &ids {
        checker.set(id, Source::Sanctions, screened(&[("eu", "EU.9.1")]));
    }
    let runner = Runner::new(
        store.clone(),
        checker.clone(),
        settings(clock, AlertRules::default()),
        4,
    )
    .unwrap();
    let report = runner
        .resume(&CancellationToken::new())
        .await
        .unwrap()
        .unwrap();
    assert!(!report.cancelled);
    assert_eq!((report.done, report.total), (40, 40));
    assert_eq!(store.check_run_count(), 40, "one run per counterparty");
    for &id in &ids {
        assert_eq!(store.check_runs(id).unwrap().len(), 1, "counterparty {id}");
        assert_eq!(kinds(&store, id), vec![AlertKind::SanctionsFound]);
    }
    assert!(runner.unfinished().unwrap().is_none());
    assert!(
        runner
            .resume(&CancellationToken::new())
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn owner_rules_mute_and_override_severity() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Store::open(dir.path(), "test").unwrap());
    let anna = add(&store, "Acme One", "US", None, "Anna");
    let bob = add(&store, "Acme Two", "US", None, "bob");
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let checker = Arc::new(Scripted::new(Duration::ZERO, clock.clone()));
    let rules = AlertRules::new([
        (
            "anna".to_string(),
            OwnerRules {
                severity: [(AlertKind::SanctionsFound, Severity::High)].into(),
                ..Default::default()
            },
        ),
        (
            "bob".to_string(),
            OwnerRules {
                muted: vec![AlertKind::SanctionsFound],
                ..Default::default()
            },
        ),
    ]);
    let runner = Runner::new(store.clone(), checker.clone(), settings(clock, rules), 2).unwrap();
    for id in [anna, bob] {
        checker.set(id, Source::Sanctions, screened(&[("un", "QDe.1")]));
    }
    let cps = vec![
        store.counterparty(anna).unwrap().unwrap(),
        store.counterparty(bob).unwrap().unwrap(),
    ];
    let out = runner
        .check_now(cps, "anna", &CancellationToken::new())
        .await;
    assert_eq!(out.len(), 2);
    let a = store.alerts_for(anna).unwrap();
    assert_eq!(a.len(), 1);
    assert_eq!(a[0].severity, Severity::High);
    assert!(store.alerts_for(bob).unwrap().is_empty());
    assert_eq!(store.check_runs(anna).unwrap()[0].trigger, "anna");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_possible_hit_goes_to_review_and_alerts_again_only_when_it_turns_strong() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Store::open(dir.path(), "test").unwrap());
    let anna = add(&store, "Acme One", "US", None, "anna");
    let bob = add(&store, "Acme Two", "US", None, "bob");
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let checker = Arc::new(Scripted::new(Duration::ZERO, clock.clone()));
    // Owner rules name the new kind like any other.
    let rules = AlertRules::new([(
        "bob".to_string(),
        OwnerRules {
            severity: [(AlertKind::SanctionsPossible, Severity::Critical)].into(),
            ..Default::default()
        },
    )]);
    let runner = Runner::new(store.clone(), checker.clone(), settings(clock, rules), 2).unwrap();
    let cancel = CancellationToken::new();
    let script = [
        HitStrength::Possible,
        HitStrength::Possible,
        HitStrength::Strong,
        HitStrength::Strong,
    ];
    for (i, strength) in script.into_iter().enumerate() {
        for id in [anna, bob] {
            checker.set(
                id,
                Source::Sanctions,
                screened_as(strength, &[("ofac", "306")]),
            );
        }
        runner
            .run_cycle("test", vec![anna, bob], &cancel)
            .await
            .unwrap();
        let expected: &[AlertKind] = if i < 2 {
            &[AlertKind::SanctionsPossible]
        } else {
            &[AlertKind::SanctionsPossible, AlertKind::SanctionsFound]
        };
        assert_eq!(kinds(&store, anna), expected, "cycle {i}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let a = store.alerts_for(anna).unwrap();
    assert_eq!(
        a[0].severity,
        Severity::High,
        "possible hits are high by default"
    );
    assert!(
        a[0].message.en.contains("possible hit"),
        "{}",
        a[0].message.en
    );
    assert!(a[0].message.en.contains("listed in IR, you have US"));
    assert_eq!(a[1].severity, Severity::Critical);
    assert!(a[1].message.en.contains("previously a possible hit"));
    let b = store.alerts_for(bob).unwrap();
    assert_eq!(b[0].severity, Severity::Critical, "bob's rule raises it");
}

fn register_status(status: &str) -> Outcome {
    Outcome::Answer(Answer::Register(RegisterAnswer {
        records: vec![RegisterRecord {
            court: "Berlin (Charlottenburg)".into(),
            kind: "HRB".into(),
            number: "12345 B".into(),
            name: "Acme GmbH".into(),
            seat: "Berlin".into(),
            status: status.into(),
            history: vec![],
        }],
    }))
}

/// The register is asked once a week, the other sources daily: its last answer lies further
/// back than the few runs the VAT rule needs. A deletion must still be compared with it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_register_deletion_is_compared_with_the_last_register_answer_however_far_back() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Store::open(dir.path(), "test").unwrap());
    let id = add(&store, "Acme GmbH", "DE", Some("DE811907980"), "anna");
    let result = |source, days_ago: i64, outcome| SourceResult {
        source,
        at: Utc::now() - chrono::Duration::days(days_ago),
        outcome,
        evidence: Evidence::default(),
    };
    let valid = || vat("DE811907980", true, "Acme GmbH");
    // Eight days ago with the register ("aktuell"), then five daily runs without it.
    for days_ago in [8, 6, 5, 4, 3, 2] {
        let mut results = vec![
            result(Source::Vies, days_ago, valid()),
            result(Source::Sanctions, days_ago, screened(&[])),
        ];
        if days_ago == 8 {
            results.push(result(
                Source::Handelsregister,
                days_ago,
                register_status("aktuell"),
            ));
        }
        let at = Utc::now() - chrono::Duration::days(days_ago);
        let run = CheckRun {
            id: 0,
            counterparty_id: id,
            started_at: at,
            finished_at: at,
            trigger: "monitor".into(),
            results,
        };
        store.record_check(run, vec![]).unwrap();
    }
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let checker = Arc::new(Scripted::new(Duration::ZERO, clock.clone()));
    checker.set(id, Source::Vies, valid());
    checker.set(id, Source::Sanctions, screened(&[]));
    checker.set(id, Source::Handelsregister, register_status("gelöscht"));
    let runner = Runner::new(
        store.clone(),
        checker.clone(),
        settings(clock, AlertRules::default()),
        1,
    )
    .unwrap();
    runner
        .run_cycle("test", vec![id], &CancellationToken::new())
        .await
        .unwrap();
    let last = store.last_check(id).unwrap().unwrap();
    assert!(
        last.results
            .iter()
            .any(|r| r.source == Source::Handelsregister),
        "the register was due (last asked 8 days ago)"
    );
    assert_eq!(kinds(&store, id), vec![AlertKind::RegisterStatusChanged]);
}

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
}

/// What a manual check reports until its batch ends.
async fn batch_events(
    events: &mut tokio::sync::broadcast::Receiver<MonitorEvent>,
) -> Vec<MonitorEvent> {
    let mut seen = Vec::new();
    loop {
        let ev = tokio::time::timeout(Duration::from_secs(10), events.recv())
            .await
            .expect("event in time")
            .expect("channel open");
        let end = matches!(ev, MonitorEvent::ChecksFinished { .. });
        seen.push(ev);
        if end {
            return seen;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manual_check_reports_its_batch_and_mails_a_critical_alert_at_once() {
    let smtp = SmtpServer::start(Mode::Accept);
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Store::open(dir.path(), "test").unwrap());
    let id = add(&store, "Acme", "US", None, "anna");
    // Today's digest already went out: only the immediate delivery can mail the alert now.
    store
        .set_state(
            DIGEST_STATE_KEY,
            &DigestState {
                last_success: Some(Utc::now()),
                last_attempt: Some(Utc::now()),
                ..Default::default()
            },
        )
        .unwrap();
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let checker = Arc::new(Scripted::new(Duration::ZERO, clock.clone()));
    checker.set(id, Source::Sanctions, screened(&[("un", "KPe.1")]));
    let runner = Runner::new(
        store.clone(),
        checker,
        settings(clock.clone(), AlertRules::default()),
        2,
    )
    .unwrap();
    let notifier = Notifier::new(
        &support::config(smtp.port, "en", "critical_immediately = true"),
        std::path::Path::new("test.toml"),
    )
    .unwrap();
    // No run times: nothing but the manual check runs.
    let schedule = Schedule::new(chrono_tz::Europe::Berlin, vec![], vec![]);
    let background = Background::start(runner, schedule, clock, notifier);
    let mut events = background.monitor().subscribe();
    assert!(
        background
            .monitor()
            .request(Request::CheckAs(vec![id], "anna".into()))
            .await
    );
    let seen = batch_events(&mut events).await;
    let batch = match &seen[0] {
        MonitorEvent::ChecksStarted { batch, ids } => {
            assert_eq!(ids, &vec![id]);
            *batch
        }
        other => panic!("the batch starts first, got {other:?}"),
    };
    assert!(seen.contains(&MonitorEvent::ChecksProgress {
        batch,
        done: 1,
        total: 1
    }));
    let (run_id, note) = seen
        .iter()
        .find_map(|e| match e {
            MonitorEvent::CheckFinished { run_id, alerts, .. } => {
                Some((*run_id, alerts[0].clone()))
            }
            _ => None,
        })
        .expect("the check was stored");
    assert_eq!(
        (note.kind, note.severity),
        (AlertKind::SanctionsFound, Severity::Critical)
    );
    let run = store.check_run(run_id).unwrap().unwrap();
    assert_eq!((run.counterparty_id, run.trigger.as_str()), (id, "anna"));
    assert_eq!(
        seen.last(),
        Some(&MonitorEvent::ChecksFinished {
            batch,
            summary: ChecksSummary {
                total: 1,
                checked: 1,
                answers: 1,
                new_alerts: 1,
                critical: 1,
                ..Default::default()
            }
        })
    );
    // critical_immediately: mailed right after the manual check, not with the next cycle.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while smtp.received().is_empty() && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mails: Vec<Mail> = smtp.received().iter().map(parse).collect();
    assert_eq!(mails.len(), 1, "one immediate mail");
    assert_eq!(mails[0].envelope_to, vec!["anna@example.de".to_string()]);
    assert!(mails[0].text.contains("Acme"), "{}", mails[0].text);
    assert!(store.alert(note.id).unwrap().unwrap().sent_at.is_some());
    background.stop().await.unwrap();
}
