//! The store on a real sled directory: reopen, indexes, dedup, audit, the lock, and a kill -9.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

mod support;
use chrono::Utc;
use common::{Env, stderr};
use kontra::domain::alert::Bilingual;
use kontra::domain::check::{Answer, Evidence, Outcome, SourceResult, VatAnswer};
use kontra::domain::{Alert, AlertKind, CheckRun, CounterpartyDraft, Source};
use kontra::store::{AuditAction, LockError, Store, StoreError};
use std::io::Write as _;
use std::process::Stdio;
use support::common;

fn draft(
    name: &str,
    country: &str,
    vat: Option<&str>,
    owner: Option<&str>,
) -> kontra::domain::Counterparty {
    CounterpartyDraft {
        name: Some(name.into()),
        country: Some(country.into()),
        vat: vat.map(Into::into),
        owner: owner.map(Into::into),
        ..Default::default()
    }
    .apply(None, Utc::now())
    .unwrap()
}

#[test]
fn records_and_indexes_survive_reopen() {
    let dir = tempfile::tempdir().unwrap();
    {
        let s = Store::open(dir.path(), "test").unwrap();
        let a = s
            .add_counterparty(
                draft("A GmbH", "DE", Some("DE136695976"), Some("Anna")),
                "t",
            )
            .unwrap();
        s.add_counterparty(draft("B SARL", "FR", None, Some("anna")), "t")
            .unwrap();
        s.add_counterparty(draft("C BV", "NL", None, None), "t")
            .unwrap();
        let mut a2 = a.clone();
        a2.owner = Some("bob".into());
        a2.vat = None;
        s.update_counterparty(&a2, "t").unwrap();
        assert_eq!(s.schema_version().unwrap(), kontra::store::SCHEMA_VERSION);
    }
    let s = Store::open(dir.path(), "test").unwrap();
    assert_eq!(s.counterparty_count(), 3);
    assert_eq!(
        s.ids_by_owner("ANNA").unwrap(),
        vec![2],
        "old index entries are removed on update"
    );
    assert_eq!(s.ids_by_owner("bob").unwrap(), vec![1]);
    assert_eq!(s.ids_by_country("NL").unwrap(), vec![3]);
    assert_eq!(s.find_by_vat("DE136695976").unwrap(), None);
    let ids: Vec<u64> = s.counterparties().unwrap().iter().map(|c| c.id).collect();
    assert_eq!(ids, vec![1, 2, 3]);
    let d = s
        .add_counterparty(draft("D", "DE", Some("DE136695976"), None), "t")
        .unwrap();
    assert_eq!(d.id, 4, "ids stay dense across restarts");
    let audit = s.audit_for(1).unwrap();
    assert_eq!(
        audit.iter().map(|e| e.action).collect::<Vec<_>>(),
        vec![AuditAction::Added, AuditAction::Edited]
    );
    assert_eq!(audit[1].detail, "vat, owner");
}

#[test]
fn duplicate_vat_aborts_the_whole_batch() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(dir.path(), "test").unwrap();
    s.add_counterparty(draft("A", "DE", Some("DE136695976"), None), "t")
        .unwrap();
    let err = s
        .write_counterparties(
            vec![
                kontra::store::Write::Insert(draft("B", "FR", None, None)),
                kontra::store::Write::Insert(draft("C", "DE", Some("DE136695976"), None)),
            ],
            "t",
        )
        .unwrap_err();
    assert!(
        matches!(err, StoreError::DuplicateVat { existing: 1, .. }),
        "{err}"
    );
    assert_eq!(s.counterparty_count(), 1);
}

fn run(cp: u64) -> CheckRun {
    CheckRun {
        id: 0,
        counterparty_id: cp,
        started_at: Utc::now(),
        finished_at: Utc::now(),
        trigger: "monitor".into(),
        results: vec![SourceResult {
            source: Source::Vies,
            at: Utc::now(),
            outcome: Outcome::Answer(Answer::Vat(VatAnswer {
                vat: "DE136695976".into(),
                valid: false,
                name: None,
                address: None,
            })),
            evidence: Evidence {
                reference: Some("WAPIAAAAY".into()),
                ..Default::default()
            },
        }],
    }
}

fn alert(cp: u64, key: &str) -> Alert {
    Alert {
        id: 0,
        kind: AlertKind::VatInvalid,
        severity: AlertKind::VatInvalid.default_severity(),
        counterparty_id: cp,
        check_run_id: None,
        message: Bilingual {
            de: "ungültig".into(),
            en: "invalid".into(),
        },
        dedup_key: key.into(),
        created_at: Utc::now(),
        sent_at: None,
        acknowledged_by: None,
        acknowledged_at: None,
        subject: None,
    }
}

#[test]
fn check_runs_and_alerts_dedup_ack_and_sent() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(dir.path(), "test").unwrap();
    let cp = s
        .add_counterparty(draft("A", "DE", Some("DE136695976"), None), "t")
        .unwrap();
    let (r1, fresh) = s
        .record_check(run(cp.id), vec![alert(cp.id, "vat_invalid:1:DE136695976")])
        .unwrap();
    assert_eq!((r1.id, fresh.len()), (1, 1));
    assert_eq!(fresh[0].check_run_id, Some(1));
    let (r2, fresh) = s
        .record_check(run(cp.id), vec![alert(cp.id, "vat_invalid:1:DE136695976")])
        .unwrap();
    assert_eq!(
        (r2.id, fresh.len()),
        (2, 0),
        "the same change never alerts twice"
    );
    assert_eq!(s.check_runs(cp.id).unwrap().len(), 2);
    assert_eq!(s.last_check(cp.id).unwrap().unwrap().id, 2);
    assert_eq!(s.alerts_for(cp.id).unwrap().len(), 1);
    assert_eq!(s.acknowledge(&[1], "anna").unwrap(), vec![1]);
    assert_eq!(s.acknowledge(&[1], "bob").unwrap(), Vec::<u64>::new());
    let at = Utc::now();
    s.mark_sent(&[1], at).unwrap();
    let a = s.alert(1).unwrap().unwrap();
    assert_eq!(
        (a.acknowledged_by.as_deref(), a.sent_at),
        (Some("anna"), Some(at))
    );
    assert!(matches!(
        s.acknowledge(&[9], "x"),
        Err(StoreError::NotFound {
            what: "alert",
            id: 9
        })
    ));
}

#[test]
fn a_second_process_is_told_who_holds_the_directory() {
    let env = Env::new();
    std::fs::create_dir_all(env.data()).unwrap();
    let held = Store::open_as(&env.data(), "kontra tui", Some("kontra-main".into())).unwrap();
    let err = Store::open(&env.data(), "again").err().unwrap();
    match err {
        StoreError::Locked(LockError::Held { holder, .. }) => {
            assert_eq!(holder.pid, std::process::id());
            assert_eq!(holder.role, "kontra tui");
        }
        other => panic!("unexpected {other}"),
    }
    let out = env.kontra().args(["list"]).output().unwrap();
    assert_eq!(out.status.code(), Some(4));
    let msg = stderr(&out);
    assert!(
        msg.contains(&format!("pid {}", std::process::id())),
        "{msg}"
    );
    assert!(msg.contains("tmux attach -t kontra-main"), "{msg}");
    drop(held);
    env.kontra().args(["list"]).assert().success();
}

#[test]
fn kill_during_import_loses_nothing_stored_before() {
    let env = Env::new();
    env.kontra()
        .args([
            "add",
            "--name",
            "Kept GmbH",
            "--country",
            "DE",
            "--vat",
            "DE136695976",
        ])
        .assert()
        .success();
    let mut csv = String::from("name,country,address\n");
    for i in 0..30_000 {
        csv.push_str(&format!("Firma {i} GmbH,DE,Straße {i}\n"));
    }
    let path = env.write("big.csv", csv);
    let spawn = || {
        std::process::Command::new(assert_cmd::cargo::cargo_bin("kontra"))
            .envs(
                env.kontra()
                    .get_envs()
                    .filter_map(|(k, v)| v.map(|v| (k.to_owned(), v.to_owned()))),
            )
            .arg("import")
            .arg(&path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };
    // One complete import tells how long it takes in this build, so the kills below land
    // before, inside and after the write whatever the machine's speed.
    let started = std::time::Instant::now();
    assert!(spawn().wait().unwrap().success());
    let full = started.elapsed();
    assert_eq!(env.list_json().len(), 30_001);
    for fraction in [0.1, 0.5, 0.8, 0.95] {
        let mut child = spawn();
        std::thread::sleep(full.mul_f64(fraction));
        let _ = child.kill();
        let _ = child.wait();
        let all = env.list_json();
        assert_eq!(all[0]["name"], "Kept GmbH");
        let n = all.len() - 1;
        eprintln!("after kill at {fraction} of {full:?}: {n} imported rows");
        assert!(
            n.is_multiple_of(30_000),
            "an import is all or nothing, found {n} rows"
        );
    }
    let _ = std::io::stdout().flush();
}

/// Copies a directory tree (the fixture is opened only as a copy: opening writes to it).
fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

#[test]
fn a_data_directory_written_by_version_1_is_migrated_and_screens_without_realerting() {
    let env = Env::new();
    copy_dir(&common::fixture_path("store_v1"), &env.data());
    // As when the fixture was made: only the sanctions lists are asked.
    env.write(
        "config.toml",
        "[sources.vies]\nenabled = false\n[sources.evatr]\nenabled = false\n\
         [sources.gleif]\nenabled = false\n[sources.handelsregister]\nenabled = false\n\
         [sources.insolvency]\nenabled = false\n",
    );
    let all = env.list_json();
    let got: Vec<(&str, &str, &str)> = all
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap(),
                c["country"].as_str().unwrap(),
                c["kind"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("TNK Trading International S.A.", "CH", "organisation"),
            (
                "Korea Mining Development Trading Corporation",
                "KP",
                "organisation"
            ),
            ("Beispiel GmbH", "DE", "organisation"),
            ("Acme SARL", "FR", "organisation"),
            ("Nordlicht Oy", "FI", "organisation"),
        ]
    );
    assert_eq!(all[2]["register"], "HRB 12345, München");
    assert_eq!(all[2]["contact"], "Jana Keller");
    assert_eq!(all[1]["priority"], "high");

    let history = |id: &str| -> serde_json::Value {
        let out = env
            .kontra()
            .args(["history", id, "--json"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let h = history("1");
    let hit = &h["checks"][0]["results"][0]["answer"]["sanctions"]["hits"][0];
    assert_eq!(hit["entity_id"], "28603");
    assert_eq!(hit["strength"], "strong");
    assert_eq!(hit["reasons"], serde_json::json!([]));
    assert_eq!(h["alerts"][0]["kind"], "sanctions_found");
    assert_eq!(h["alerts"][0]["acknowledged_by"], "analyst");

    // Screening again with this build finds the same entities; they were strong hits that had
    // alerted, so nothing new is raised.
    let out = env.kontra().args(["check", "1", "2"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let alerts = env.kontra().args(["alerts", "--json"]).output().unwrap();
    let alerts: Vec<serde_json::Value> = serde_json::from_slice(&alerts.stdout).unwrap();
    assert_eq!(alerts.len(), 2, "{alerts:#?}");
    let h = history("2");
    assert_eq!(h["checks"].as_array().unwrap().len(), 2);
    let hit = &h["checks"][1]["results"][0]["answer"]["sanctions"]["hits"][0];
    assert_eq!(hit["entity_id"], "690735");
    assert!(
        hit["reasons"].as_array().is_some_and(|r| !r.is_empty()),
        "{hit}"
    );

    // The migrated directory takes the new field.
    env.kontra()
        .args(["edit", "5", "--kind", "vessel"])
        .assert()
        .success();
    assert_eq!(env.list_json()[4]["kind"], "vessel");
    let s = Store::open(&env.data(), "test").unwrap();
    assert_eq!(s.schema_version().unwrap(), kontra::store::SCHEMA_VERSION);
}

#[test]
fn a_zero_byte_snapshot_left_by_a_full_disk_does_not_make_the_store_unopenable() {
    let env = Env::new();
    env.kontra()
        .args(["add", "--name", "Kept GmbH", "--country", "DE"])
        .assert()
        .success();
    // What sled leaves when the disk fills while it writes a snapshot: the file is created,
    // nothing gets into it, and it is never renamed.
    let db = env.data().join("db");
    std::fs::write(db.join("snap.FFFFFFFFFFFFFFF0.generating"), b"").unwrap();
    let out = env.kontra().args(["list", "--json"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let all: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0]["name"], "Kept GmbH");
    assert!(!db.join("snap.FFFFFFFFFFFFFFF0.generating").exists());
}

#[test]
fn a_deleted_lock_file_under_a_running_process_is_exit_4_and_leaves_no_dead_pid() {
    let env = Env::new();
    env.kontra()
        .args(["add", "--name", "Kept GmbH", "--country", "DE"])
        .assert()
        .success();
    let running = Store::open_as(&env.data(), "kontra daemon", None).unwrap();
    std::fs::remove_file(env.data().join("kontra.lock")).unwrap();
    let out = env
        .kontra()
        .args(["add", "--name", "X", "--country", "DE"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    let msg = stderr(&out);
    assert!(
        msg.contains("lock file kontra.lock was deleted") && msg.contains("fuser -v"),
        "{msg}"
    );
    assert!(!msg.contains("could not acquire lock"), "{msg}");
    assert!(!env.data().join("kontra.lock").exists());
    assert_eq!(running.counterparty_count(), 1);
    drop(running);
    assert_eq!(env.list_json().len(), 1);
}
