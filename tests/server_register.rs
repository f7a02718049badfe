//! Import, export, alerts (with acknowledgement), history and screening decisions through a
//! running `kontra daemon`: each command runs once in-process and once as a client of a daemon
//! serving an identical copy of the data directory, and both runs must print the same stdout and
//! stderr and exit with the same code, refusals and failures included.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

mod support;
use common::server::{Daemon, OFFLINE};
use common::{Env, fixture_path as fixture, stderr, stdout};
use kontra::store::Store;
use serde_json::Value;
use std::path::Path;
use std::process::Output;
use support::common;

/// Two installations with the same config and, at the start, the same data directory: `local`
/// is used in-process, `served` through a daemon.
struct Pair {
    local: Env,
    served: Env,
    daemon: Option<Daemon>,
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

impl Pair {
    /// Writes `config`, lets `setup` fill the data directory in-process, copies it, and starts
    /// a daemon on the copy.
    fn new(config: &str, setup: impl FnOnce(&Env)) -> Pair {
        let local = Env::new();
        std::fs::write(local.config(), config).unwrap();
        std::fs::create_dir_all(local.data()).unwrap();
        setup(&local);
        let served = Env::new();
        std::fs::write(served.config(), config).unwrap();
        copy_dir(&local.data(), &served.data());
        let daemon = Daemon::start(&served);
        Pair {
            local,
            served,
            daemon: Some(daemon),
        }
    }

    /// Runs `kontra ARGS` (in each installation's directory, so relative paths name the same
    /// file) in-process and through the daemon; asserts both runs alike and returns one.
    fn run(&self, args: &[&str]) -> Output {
        let run = |env: &Env| {
            env.kontra()
                .current_dir(env.dir.path())
                .args(args)
                .output()
                .unwrap()
        };
        let here = run(&self.local);
        let there = run(&self.served);
        assert_eq!(
            stderr(&here),
            stderr(&there),
            "stderr of kontra {args:?} (in-process, then through the daemon)"
        );
        assert_eq!(
            stdout(&here),
            stdout(&there),
            "stdout of kontra {args:?} (in-process, then through the daemon)"
        );
        assert_eq!(
            here.status.code(),
            there.status.code(),
            "exit code of kontra {args:?}"
        );
        here
    }

    /// Like [`Pair::run`], for JSON output whose `drop` keys hold times of writes made after the
    /// copy (they differ between the two runs by the time between them).
    fn run_json(&self, args: &[&str], drop: &[&str]) -> Value {
        let run = |env: &Env| {
            let out = env.kontra().args(args).output().unwrap();
            assert!(out.status.success(), "{}", stderr(&out));
            let mut v: Value = serde_json::from_slice(&out.stdout).unwrap();
            strip(&mut v, drop);
            v
        };
        let here = run(&self.local);
        assert_eq!(here, run(&self.served), "kontra {args:?}");
        here
    }

    /// The daemon stops cleanly (exit 0).
    fn stop(mut self) {
        if let Some(d) = self.daemon.take() {
            d.stop();
        }
    }
}

fn strip(v: &mut Value, keys: &[&str]) {
    match v {
        Value::Object(o) => {
            for k in keys {
                o.remove(*k);
            }
            for x in o.values_mut() {
                strip(x, keys);
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| strip(x, keys)),
        _ => {}
    }
}

/// This OS account's name, for `[[analysts]] unix_user`.
fn me() -> String {
    kontra::app::identity::account_name(kontra::app::identity::own_uid())
}

/// The offline config with this OS account as the analyst Anna (role analyst).
fn analyst_config() -> String {
    format!(
        "{OFFLINE}\n[[analysts]]\nname = \"Anna\"\nemail = \"anna@example.de\"\nunix_user = \"{}\"\nrole = \"analyst\"\n",
        me()
    )
}

fn seed_alerts(env: &Env) -> support::Seeded {
    let store = Store::open(&env.data(), "test").unwrap();
    let seeded = support::seed(&store);
    store.flush().unwrap();
    seeded
}

#[test]
fn export_and_import_print_and_exit_alike_through_the_daemon() {
    let shared = tempfile::tempdir().unwrap();
    let excel = fixture("import/excel_de_cp1252.csv");
    let excel = excel.to_str().unwrap();
    let bad = fixture("import/mixed_bad_rows.csv");
    let bad = bad.to_str().unwrap();
    // Imported once before the copy, so the "same content" warning names the same time.
    let pair = Pair::new(OFFLINE, |env| {
        let out = env.kontra().args(["import", excel]).output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
    });
    // Export: stdout in both formats, and a file the client writes.
    let csv = pair.run(&["export"]);
    assert!(stdout(&csv).contains("Café Crème SARL"), "{}", stdout(&csv));
    pair.run(&["export", "--format", "json"]);
    let out = pair.run(&["export", "--format", "json", "--out", "out.json"]);
    assert!(stderr(&out).contains("exported 2 counterparties to out.json"));
    assert_eq!(
        std::fs::read(pair.local.dir.path().join("out.json")).unwrap(),
        std::fs::read(pair.served.dir.path().join("out.json")).unwrap()
    );
    // German Excel's form, with the last check's columns.
    let out = pair.run(&["export", "--excel"]);
    assert!(
        stdout(&out).starts_with("\u{feff}id;name;country;"),
        "{}",
        stdout(&out)
    );
    assert!(stdout(&out).contains(";last_check;last_check_status\r\n"));
    // A file the client cannot create fails alike.
    let out = pair.run(&["export", "--out", "no/such/dir/out.csv"]);
    assert_eq!(out.status.code(), Some(1));

    // The same file again: warned by what the store remembers, rows without VAT added again.
    let out = pair.run(&["import", "--dry-run", excel]);
    assert!(
        stderr(&out).contains("has the same content"),
        "{}",
        stderr(&out)
    );
    assert!(
        stdout(&out).contains("would import 1 new"),
        "{}",
        stdout(&out)
    );
    // A dry run through the daemon stores nothing.
    assert_eq!(pair.served.list_json().len(), 2);

    // An ERP file: its unknown columns are named alike, in the JSON report too.
    let erp = fixture("import/erp_debitoren_utf8_bom.csv");
    let out = pair.run(&["import", "--dry-run", "--json", erp.to_str().unwrap()]);
    assert!(
        stdout(&out).contains("\"Kundennummer\""),
        "{}",
        stdout(&out)
    );
    // Bad lines: the same messages naming the lines, exit 5, good rows stored.
    let out = pair.run(&["import", "--dry-run", bad]);
    assert_eq!(out.status.code(), Some(5));
    assert!(
        stderr(&out).contains("line 7: malformed line"),
        "{}",
        stderr(&out)
    );
    assert_eq!(pair.served.list_json().len(), 2);
    let out = pair.run(&["import", bad]);
    assert_eq!(out.status.code(), Some(5));
    assert!(
        stdout(&out).starts_with(
            "imported 1 new,  0 updated, 0 unchanged, 1 duplicates skipped, 7 rejected"
        ),
        "{}",
        stdout(&out)
    );

    // A file that is no CSV register at all, and one that does not exist.
    let junk = shared.path().join("junk.csv");
    std::fs::write(&junk, "just,some\nwords,here\n").unwrap();
    let out = pair.run(&["import", junk.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(5));
    let out = pair.run(&["import", "/no/such/file.csv"]);
    assert_eq!(out.status.code(), Some(1));

    // --update merges into the registered counterparty; duplicates without it are skipped.
    let update = shared.path().join("update.csv");
    std::fs::write(
        &update,
        "name,country,vat,notes\nMüller & Söhne GmbH,DE,DE136695976,called 2026-03-02\n",
    )
    .unwrap();
    let update = update.to_str().unwrap();
    let out = pair.run(&["import", update]);
    assert_eq!(out.status.code(), Some(5));
    assert!(stderr(&out).contains("is already registered as counterparty 1"));
    let out = pair.run(&["import", "--update", update]);
    assert!(stdout(&out).contains("1 updated"), "{}", stdout(&out));
    let out = pair.run(&["import", "--update", update]);
    assert!(
        stdout(&out).contains("0 updated, 1 unchanged"),
        "{}",
        stdout(&out)
    );
    let listed = pair.run_json(&["list", "--json"], &["created_at", "updated_at"]);
    assert_eq!(listed.as_array().unwrap().len(), 3);
    assert_eq!(listed[0]["notes"], "called 2026-03-02");
    // Sorted by the server as people read: "Café" before "Müller".
    pair.run(&["list", "--sort", "name"]);
    let by_name = pair.run_json(
        &["list", "--json", "--sort", "name"],
        &["created_at", "updated_at"],
    );
    let names: Vec<String> = by_name
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_string())
        .collect();
    let mut sorted = names.clone();
    sorted.sort_by_key(|n| kontra::domain::collate::fold(n));
    assert_eq!(names, sorted);
    assert_ne!(names[0], listed[0]["name"], "not the id order");
    pair.run(&["list", "--sort", "owner", "--search", "cafe"]);
    pair.stop();
}

#[test]
fn alerts_history_and_acknowledgement_alike_through_the_daemon() {
    let mut seeded = None;
    let pair = Pair::new(OFFLINE, |env| seeded = Some(seed_alerts(env)));
    let s = seeded.unwrap();
    let m = s.mueller.to_string();
    pair.run(&["alerts"]);
    let all = pair.run(&["alerts", "--json"]);
    let all: Value = serde_json::from_slice(&all.stdout).unwrap();
    assert_eq!(all.as_array().unwrap().len(), 5);
    pair.run(&["alerts", "--open", "--severity", "high"]);
    let owned = pair.run(&["alerts", "--owner", "bernd", "--json"]);
    let owned: Value = serde_json::from_slice(&owned.stdout).unwrap();
    assert_eq!(owned.as_array().unwrap().len(), 2);
    pair.run(&["alerts", "--unsent", "--severity", "critical"]);
    // Whole days in the configured zone, turned into instants by the client.
    let count = |args: &[&str]| {
        let out = pair.run(&[&["alerts", "--json"], args].concat());
        serde_json::from_slice::<Value>(&out.stdout)
            .unwrap()
            .as_array()
            .unwrap()
            .len()
    };
    assert_eq!(
        count(&["--since", "2026-03-02", "--until", "02.03.2026"]),
        5
    );
    assert_eq!(count(&["--until", "2026-03-01"]), 0);
    assert_eq!(count(&["--since", "2026-03-03"]), 0);
    let h = pair.run(&["history", &m]);
    assert!(stdout(&h).contains("ALERT"), "{}", stdout(&h));
    pair.run(&["history", &m, "--json"]);
    let out = pair.run(&["history", "999"]);
    assert_eq!(out.status.code(), Some(6));
    assert!(stderr(&out).contains("no counterparty with id 999"));

    let out = pair.run(&["alerts", "ack", "999"]);
    assert_eq!(out.status.code(), Some(6));
    assert!(stderr(&out).contains("no alert with id 999"));
    let (a, b) = (s.vat_invalid.to_string(), s.register_status.to_string());
    let out = pair.run(&["alerts", "ack", &a, &b, "--comment", "called them"]);
    assert_eq!(
        stdout(&out),
        "acknowledged 2 of 2 alerts (0 already acknowledged)\n"
    );
    let out = pair.run(&["alerts", "ack", &a]);
    assert_eq!(
        stdout(&out),
        "acknowledged 0 of 1 alerts (1 already acknowledged)\n"
    );
    let open = pair.run(&["alerts", "--open"]);
    assert_eq!(stdout(&open).lines().count(), 3);
    pair.run(&["alerts"]);
    // The acknowledgement is recorded under the caller's name, with the comment.
    let history = pair.run_json(&["history", &m, "--json"], &["at", "acknowledged_at"]);
    let events = history["events"].as_array().unwrap();
    let ack = events.last().unwrap();
    assert_eq!(ack["action"], "alert_acknowledged", "{ack}");
    assert_eq!(ack["actor"], "tester");
    assert!(
        ack["detail"].as_str().unwrap().ends_with(": called them"),
        "{ack}"
    );
    pair.stop();
}

#[test]
fn an_analyst_is_refused_alike_for_others_alerts_and_imports_and_for_decisions() {
    let mut seeded = None;
    let pair = Pair::new(&analyst_config(), |env| seeded = Some(seed_alerts(env)));
    let s = seeded.unwrap();
    // Bernd's alert: refused, naming who asks and what it needs.
    let out = pair.run(&["alerts", "ack", &s.sanctions_removed.to_string()]);
    assert_eq!(out.status.code(), Some(9));
    assert!(
        stderr(&out).contains("you are Anna") && stderr(&out).contains("owner (bernd)"),
        "{}",
        stderr(&out)
    );
    // Anna's own and the unowned counterparty's alerts.
    let (own, unowned) = (s.name_changed.to_string(), s.insolvency.to_string());
    let out = pair.run(&["alerts", "ack", &own, &unowned]);
    assert_eq!(
        stdout(&out),
        "acknowledged 2 of 2 alerts (0 already acknowledged)\n"
    );

    // Rows owned by Bernd: the whole import is refused, nothing stored.
    let shared = tempfile::tempdir().unwrap();
    let theirs = shared.path().join("bernd.csv");
    std::fs::write(
        &theirs,
        "name,country,owner\nDelta GmbH,DE,bernd\nEpsilon AG,DE,\n",
    )
    .unwrap();
    let out = pair.run(&["import", theirs.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(9), "{}", stderr(&out));
    assert!(stderr(&out).contains("owned by bernd"), "{}", stderr(&out));
    // Looking is allowed, and says the import itself would be refused (exit 9).
    let out = pair.run(&["import", "--dry-run", theirs.to_str().unwrap()]);
    assert!(
        stdout(&out).contains("would import 2 new"),
        "{}",
        stdout(&out)
    );
    assert_eq!(out.status.code(), Some(9));
    assert!(
        stderr(&out).contains("the import would be refused") && stderr(&out).contains("bernd"),
        "{}",
        stderr(&out)
    );
    assert_eq!(pair.served.list_json().len(), 3);
    // Merging into Bernd's counterparty is changing it.
    let merge = shared.path().join("merge.csv");
    std::fs::write(
        &merge,
        "name,country,vat,notes\nBeta Handels AG,DE,DE123456788,x\n",
    )
    .unwrap();
    let out = pair.run(&["import", "--update", merge.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(9), "{}", stderr(&out));
    assert!(stderr(&out).contains(&format!("change counterparty {}", s.beta)));
    // Own rows and rows without an owner are imported.
    let out = pair.run(&[
        "import",
        fixture("import/excel_de_cp1252.csv").to_str().unwrap(),
    ]);
    assert!(stdout(&out).contains("imported 1 new"), "{}", stdout(&out));

    // Screening decisions are a lead's.
    let out = pair.run(&[
        "sanctions",
        "decide",
        &s.gamma.to_string(),
        "--source",
        "ofac",
        "--entity",
        "11195",
        "--not-this",
        "different company",
    ]);
    assert_eq!(out.status.code(), Some(9), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("needs the role lead"),
        "{}",
        stderr(&out)
    );
    let out = pair.run(&[
        "sanctions",
        "undo-decision",
        &s.gamma.to_string(),
        "--source",
        "ofac",
        "--entity",
        "11195",
    ]);
    assert_eq!(out.status.code(), Some(9), "{}", stderr(&out));
    pair.run(&["sanctions", "decisions"]);
    pair.stop();
}

#[test]
fn screening_decisions_alike_through_the_daemon() {
    let mut cp = 0;
    let pair = Pair::new(OFFLINE, |env| {
        let out = env
            .kontra()
            .args(["add", "--name", "Iran Aircraft Manufacturing Industries"])
            .args(["--country", "IR"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        cp = stdout(&out).trim().parse().unwrap();
        let out = env
            .kontra()
            .args(["sanctions", "import", "--source", "ofac"])
            .arg(fixture("sanctions_ofac"))
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
    });
    let id = cp.to_string();
    let decide = |cp: &str, entity: &str| {
        pair.run(&[
            "sanctions",
            "decide",
            cp,
            "--source",
            "ofac",
            "--entity",
            entity,
            "--not-this",
            "different company, Tehran vs Shiraz",
        ])
    };
    assert_eq!(
        stdout(&pair.run(&["sanctions", "decisions"])),
        "no decisions\n"
    );
    assert_eq!(decide("999", "11195").status.code(), Some(6));
    assert_eq!(decide(&id, "999999").status.code(), Some(6));
    let out = decide(&id, "11195");
    assert!(
        stdout(&out).contains("is not ofac:11195"),
        "{}",
        stdout(&out)
    );
    let list = pair.run_json(&["sanctions", "decisions", "--json"], &["at"]);
    assert_eq!(list[0]["entity_id"], "11195");
    assert_eq!(list[0]["decided_by"], "tester");
    let undo = [
        "sanctions",
        "undo-decision",
        &id,
        "--source",
        "ofac",
        "--entity",
        "11195",
    ];
    let out = pair.run(&undo);
    assert!(stdout(&out).starts_with("withdrew the decision"));
    assert_eq!(pair.run(&undo).status.code(), Some(6));
    pair.stop();
}

/// The daemon's peak resident memory, in kB.
fn peak_kb(daemon: &Daemon) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{}/status", daemon.child.id())).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[test]
fn ten_thousand_rows_import_through_the_daemon() {
    let shared = tempfile::tempdir().unwrap();
    let file = shared.path().join("erp.csv");
    let mut csv = String::from("name,country,owner,notes\n");
    for i in 0..10_000 {
        csv.push_str(&format!(
            "Lieferant {i} GmbH,DE,Anna,nightly ERP export row {i}\n"
        ));
    }
    std::fs::write(&file, csv).unwrap();
    let file = file.to_str().unwrap();
    let pair = Pair::new(OFFLINE, |_| {});
    let before = peak_kb(pair.daemon.as_ref().unwrap());
    let out = pair.run(&["import", "--dry-run", file]);
    assert!(
        stdout(&out).starts_with("would import 10000 new"),
        "{}",
        stdout(&out)
    );
    assert!(pair.served.list_json().is_empty());
    let t = std::time::Instant::now();
    let out = pair.run(&["import", file]);
    assert!(
        stdout(&out).starts_with("imported 10000 new"),
        "{}",
        stdout(&out)
    );
    assert_eq!(pair.served.list_json().len(), 10_000);
    let after = peak_kb(pair.daemon.as_ref().unwrap());
    eprintln!(
        "10,000 rows twice (in-process and through the daemon) in {:?}; daemon peak RSS {} MB -> {} MB",
        t.elapsed(),
        before / 1024,
        after / 1024
    );
    // Generous: the file and its plan are a few MB; a copy per row would be far more.
    assert!(
        after - before < 200 * 1024,
        "daemon grew by {} kB",
        after - before
    );
    pair.stop();
}
