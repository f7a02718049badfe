//! The register from the command line: add, list, show, edit, rm, monitor, import, export.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

mod support;
use common::{Env, stderr, stdout};
use serde_json::Value;
use support::common;

fn add(env: &Env, args: &[&str]) -> u64 {
    let out = env.kontra().arg("add").args(args).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out).trim().parse().unwrap()
}

#[test]
fn add_list_show_edit_monitor_rm() {
    let env = Env::new();
    let a = add(
        &env,
        &[
            "--name",
            "Beispiel GmbH",
            "--country",
            "de",
            "--vat",
            "de 136.695-976",
            "--owner",
            "anna",
            "--monitor",
            "--register",
            "Amtsgericht München HRB 12345",
            "--lei",
            "254900OPPU84GM83MG36",
            "--priority",
            "high",
        ],
    );
    let b = add(
        &env,
        &[
            "--name",
            "Acme SARL",
            "--country",
            "FR",
            "--email",
            "x@acme.fr",
            "--no-monitor",
        ],
    );
    assert_eq!((a, b), (1, 2));

    let all = env.list_json();
    assert_eq!(all.len(), 2);
    let first = &all[0];
    for key in [
        "id", "name", "country", "vat", "email", "address", "domain", "contact", "owner", "lei",
        "register", "priority", "monitor", "kind",
    ] {
        assert!(first.get(key).is_some(), "missing {key}");
    }
    assert_eq!(first["vat"], "DE136695976");
    assert_eq!(first["register"], "HRB 12345, München");
    assert_eq!(first["priority"], "high");
    assert_eq!(first["monitor"], true);

    let filtered: Vec<Value> = serde_json::from_slice(
        &env.kontra()
            .args(["list", "--json", "--country", "FR"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    assert_eq!(filtered.len(), 1);
    assert_eq!(filtered[0]["name"], "Acme SARL");
    let by_owner: Vec<Value> = serde_json::from_slice(
        &env.kontra()
            .args(["list", "--json", "--owner", "ANNA"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    assert_eq!(by_owner.len(), 1);
    let searched: Vec<Value> = serde_json::from_slice(
        &env.kontra()
            .args(["list", "--json", "--search", "136695"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    assert_eq!(searched.len(), 1);
    let monitored: Vec<Value> = serde_json::from_slice(
        &env.kontra()
            .args(["list", "--json", "--monitored"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    assert_eq!(monitored.len(), 1);

    let out = env
        .kontra()
        .args(["edit", "2", "--address", "1 Rue X, Paris", "--email", ""])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("changed email, address"),
        "{}",
        stdout(&out)
    );
    let show: Value = serde_json::from_slice(
        &env.kontra()
            .args(["show", "2", "--json"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    assert_eq!(show["address"], "1 Rue X, Paris");
    assert_eq!(show["email"], Value::Null);

    env.kontra().args(["monitor", "on", "2"]).assert().success();
    assert_eq!(env.list_json()[1]["monitor"], true);
    env.kontra()
        .args(["monitor", "off", "1", "2"])
        .assert()
        .success();
    assert!(env.list_json().iter().all(|c| c["monitor"] == false));
    // The list filters select instead of ids.
    let out = env
        .kontra()
        .args(["monitor", "on", "--all", "--country", "FR"])
        .output()
        .unwrap();
    assert_eq!(
        stdout(&out),
        "monitoring on for 1 counterparty (1 changed)\n",
        "{}",
        stderr(&out)
    );
    let on: Vec<bool> = env
        .list_json()
        .iter()
        .map(|c| c["monitor"].as_bool().unwrap())
        .collect();
    assert_eq!(on, [false, true]);
    let out = env
        .kontra()
        .args(["monitor", "on", "--all"])
        .output()
        .unwrap();
    assert_eq!(
        stdout(&out),
        "monitoring on for 2 counterparties (1 changed)\n"
    );
    // Ids and a selection together, or neither, is a usage error that changes nothing.
    for args in [
        &["monitor", "off", "1", "--all"][..],
        &["monitor", "off"][..],
    ] {
        let out = env.kontra().args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(stderr(&out).contains("--all"), "{}", stderr(&out));
    }
    assert!(env.list_json().iter().all(|c| c["monitor"] == true));

    env.kontra().args(["rm", "1"]).assert().success();
    let all = env.list_json();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0]["id"], 2);
}

/// A new counterparty is monitored unless it says otherwise or `[register] monitor_new = false`;
/// the same default holds for CSV rows without a monitor column.
#[test]
fn new_counterparties_are_monitored_by_default_as_configured() {
    let env = Env::new();
    let b = add(&env, &["--name", "Silent GmbH", "--country", "DE"]);
    let c = add(
        &env,
        &["--name", "Quiet GmbH", "--country", "DE", "--no-monitor"],
    );
    let csv = env.dir.path().join("rows.csv");
    std::fs::write(&csv, "name,country\nRow GmbH,AT\n").unwrap();
    env.kontra()
        .args(["import", csv.to_str().unwrap()])
        .assert()
        .success();
    let monitor = |env: &Env| -> Vec<bool> {
        env.list_json()
            .iter()
            .map(|c| c["monitor"].as_bool().unwrap())
            .collect()
    };
    assert_eq!((b, c), (1, 2));
    assert_eq!(monitor(&env), [true, false, true]);

    let off = Env::new();
    off.write("config.toml", "[register]\nmonitor_new = false\n");
    add(&off, &["--name", "Silent GmbH", "--country", "DE"]);
    add(
        &off,
        &["--name", "Loud GmbH", "--country", "DE", "--monitor"],
    );
    off.kontra()
        .args(["import", csv.to_str().unwrap()])
        .assert()
        .success();
    assert_eq!(monitor(&off), [false, true, false]);
}

#[test]
fn bad_input_is_named_and_has_exit_codes() {
    let env = Env::new();
    let out = env
        .kontra()
        .args([
            "add",
            "--name",
            "X",
            "--country",
            "DE",
            "--vat",
            "DE136695977",
            "--email",
            "nope",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5));
    let err = stderr(&out);
    assert!(err.contains("--vat: check digit"), "{err}");
    assert!(err.contains("--email"), "{err}");
    assert!(env.list_json().is_empty());

    let out = env
        .kontra()
        .args([
            "add",
            "--name",
            "X",
            "--country",
            "FR",
            "--vat",
            "DE136695976",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5));
    assert!(stderr(&out).contains("belongs to DE"), "{}", stderr(&out));

    add(
        &env,
        &["--name", "X", "--country", "DE", "--vat", "DE136695976"],
    );
    let out = env
        .kontra()
        .args([
            "add",
            "--name",
            "Y",
            "--country",
            "DE",
            "--vat",
            "DE 136695976",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5));
    assert!(
        stderr(&out).contains("already registered for counterparty 1"),
        "{}",
        stderr(&out)
    );

    let out = env.kontra().args(["show", "99"]).output().unwrap();
    assert_eq!(out.status.code(), Some(6));
    let out = env.kontra().args(["edit", "1"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(env.list_json().len(), 1, "nothing stored was lost");
}

#[test]
fn vat_validate_json_lines_in_input_order() {
    let env = Env::new();
    let out = env
        .kontra()
        .args([
            "vat",
            "validate",
            "--json",
            "de 136.695-976",
            "GR094259216",
            "DE136695977",
            "US123",
            "ATU1234",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(5),
        "an invalid number makes the exit code non-zero"
    );
    let lines: Vec<Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 5);
    assert_eq!(
        lines[0],
        serde_json::json!({"input": "de 136.695-976", "valid": true, "country": "DE", "number": "DE136695976", "error": null})
    );
    assert_eq!(lines[1]["number"], "EL094259216");
    assert_eq!(lines[2]["valid"], false);
    assert_eq!(lines[2]["country"], "DE");
    assert!(lines[2]["error"].as_str().unwrap().contains("check digit"));
    assert_eq!(lines[3]["country"], Value::Null);
    assert!(
        lines[3]["error"]
            .as_str()
            .unwrap()
            .contains("unknown country")
    );
    assert!(lines[4]["error"].as_str().unwrap().contains("length"));

    env.kontra()
        .args(["vat", "validate", "DE136695976"])
        .assert()
        .success();
}

#[test]
fn config_errors_name_file_key_and_line() {
    let env = Env::new();
    env.write(
        "config.toml",
        "language = \"de\"\n[log]\nlevle = \"debug\"\n",
    );
    let out = env.kontra().args(["list"]).output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    let err = stderr(&out);
    assert!(
        err.contains("config.toml") && err.contains("levle") && err.contains("line 3"),
        "{err}"
    );

    env.write(
        "config.toml",
        "[monitor]\ntimezone = \"Europe/Berlin\"\nrun_at = [\"2:61\"]\n",
    );
    let out = env.kontra().args(["list"]).output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(stderr(&out).contains("line 3"), "{}", stderr(&out));
}

#[test]
fn kind_is_given_shown_edited_and_refused_when_unknown() {
    let env = Env::new();
    let id = add(
        &env,
        &[
            "--name",
            "MV Nordlicht",
            "--country",
            "MT",
            "--kind",
            "vessel",
        ],
    );
    let org = add(&env, &["--name", "Plain GmbH", "--country", "DE"]);
    let all = env.list_json();
    assert_eq!(all[0]["kind"], "vessel");
    assert_eq!(all[1]["kind"], "organisation", "organisation unless told");
    let out = env
        .kontra()
        .args(["show", &id.to_string()])
        .output()
        .unwrap();
    assert!(
        stdout(&out).contains("kind:      vessel"),
        "{}",
        stdout(&out)
    );
    let out = env
        .kontra()
        .args(["show", &id.to_string(), "--json"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["kind"], "vessel");

    let out = env
        .kontra()
        .args(["edit", &org.to_string(), "--kind", "Einzelkaufmann"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).trim(), format!("{org}: changed kind"));
    assert_eq!(env.list_json()[1]["kind"], "person");

    let out = env
        .kontra()
        .args(["edit", &org.to_string(), "--kind", "submarine"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5));
    assert!(
        stderr(&out).contains(
            "--kind: \"submarine\" is not a kind (organisation, person, vessel or aircraft)"
        ),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        env.list_json()[1]["kind"],
        "person",
        "a refused edit changes nothing"
    );
}

/// One clock: the text of `show`, `history` and `alerts` gives times in the configured zone with
/// its abbreviation; `--json` keeps RFC 3339 with the offset.
#[test]
fn text_times_are_in_the_configured_zone_and_json_keeps_rfc3339() {
    use chrono::{DateTime, TimeZone, Utc};
    let env = Env::new();
    env.write("config.toml", "[monitor]\ntimezone = \"Europe/Berlin\"\n");
    {
        let store = kontra::store::Store::open(&env.data(), "test").unwrap();
        let spec = kontra::demo::DemoSpec {
            counterparties: 5,
            history_days: 3,
            history_for: usize::MAX,
            seed: 7,
            now: Utc.with_ymd_and_hms(2026, 1, 15, 17, 2, 48).unwrap(),
        };
        kontra::demo::populate(&store, &spec).unwrap();
        store.flush().unwrap();
    }
    let run = |args: &[&str]| -> String {
        let out = env.kontra().args(args).output().unwrap();
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        stdout(&out)
    };
    let berlin = |rfc: &str| -> DateTime<chrono_tz::Tz> {
        DateTime::parse_from_rfc3339(rfc)
            .unwrap_or_else(|e| panic!("{rfc:?} is not RFC 3339: {e}"))
            .with_timezone(&chrono_tz::Europe::Berlin)
    };

    let h: Value = serde_json::from_str(&run(&["history", "1", "--json"])).unwrap();
    let started = h["checks"][0]["started_at"].as_str().expect("a check run");
    let local = berlin(started);
    let text = run(&["history", "1"]);
    let want = local.format("%Y-%m-%d %H:%M:%S %Z").to_string();
    assert!(want.ends_with(" CET") || want.ends_with(" CEST"), "{want}");
    assert!(
        text.lines()
            .any(|l| l.starts_with(&want) && l.contains("check run")),
        "history shows {want} for the run that JSON gives as {started}:\n{text}"
    );
    let utc = DateTime::parse_from_rfc3339(started)
        .unwrap()
        .with_timezone(&Utc)
        .format("%Y-%m-%d %H:%M:%S")
        .to_string();
    assert!(
        !text.contains(&utc),
        "no UTC wall time in the text:\n{text}"
    );

    let alerts: Vec<Value> = serde_json::from_str(&run(&["alerts", "--json"])).unwrap();
    let first = alerts.first().expect("the demo has alerts");
    let created = first["created_at"].as_str().unwrap();
    assert!(created.contains('T') && (created.ends_with('Z') || created.contains("+00:00")));
    let text = run(&["alerts"]);
    let want = berlin(created).format("%Y-%m-%d %H:%M %Z").to_string();
    assert!(text.contains(&want), "alerts shows {want}:\n{text}");

    let shown = run(&["show", "1"]);
    let cp: Value = serde_json::from_str(&run(&["show", "1", "--json"])).unwrap();
    let want = berlin(cp["created_at"].as_str().unwrap())
        .format("%Y-%m-%d %H:%M:%S %Z")
        .to_string();
    assert!(
        shown.contains(&format!("created:   {want}")),
        "show gives {want}:\n{shown}"
    );
}

#[test]
fn list_sorts_as_people_read_and_search_ignores_accents() {
    let env = Env::new();
    for name in [
        "Zeta GmbH",
        "Österreichische Post AG",
        "Oase KG",
        "Ozean SE",
        "Straße AG",
    ] {
        add(&env, &["--name", name, "--country", "AT"]);
    }
    let names = |args: &[&str]| -> Vec<String> {
        let out = env
            .kontra()
            .arg("list")
            .args(args)
            .arg("--json")
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        let v: Vec<Value> = serde_json::from_str(&stdout(&out)).unwrap();
        v.iter()
            .map(|c| c["name"].as_str().unwrap().to_string())
            .collect()
    };
    // By id (the default) as before; by name "Ö" sorts with "O", not after "Z".
    assert_eq!(names(&[])[0], "Zeta GmbH");
    assert_eq!(
        names(&["--sort", "name"]),
        [
            "Oase KG",
            "Österreichische Post AG",
            "Ozean SE",
            "Straße AG",
            "Zeta GmbH"
        ]
    );
    assert_eq!(names(&["--search", "oster"]), ["Österreichische Post AG"]);
    assert_eq!(names(&["--search", "strasse"]), ["Straße AG"]);
}

/// `history --json` names, for each stored screening, the lists it used and how old each was
/// then (the Details tab's `lists:` line), from the kept snapshot history.
#[test]
fn history_json_gives_the_lists_each_screening_used() {
    use chrono::{TimeZone, Utc};
    let env = Env::new();
    {
        let store = kontra::store::Store::open(&env.data(), "test").unwrap();
        let spec = kontra::demo::DemoSpec {
            counterparties: 5,
            history_days: 3,
            history_for: usize::MAX,
            seed: 7,
            now: Utc.with_ymd_and_hms(2026, 1, 15, 17, 2, 48).unwrap(),
        };
        kontra::demo::populate(&store, &spec).unwrap();
        store.flush().unwrap();
    }
    let out = env
        .kontra()
        .args(["history", "1", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let h: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let lists: Vec<&Value> = h["checks"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["lists"].as_array().unwrap().iter())
        .collect();
    assert!(!lists.is_empty(), "{h}");
    for l in lists {
        assert!(l["list"].is_string() && l["sha256"].is_string(), "{l}");
        assert!(
            l["text"]
                .as_str()
                .unwrap()
                .starts_with(l["list"].as_str().unwrap()),
            "{l}"
        );
    }
}
