//! `kontra lookup ...` run as a binary against local fixture servers.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

mod support;
use support::common;

use assert_cmd::Command;
use common::{Reply, Server, fixture};

fn lookup(config_text: &str, args: &[&str]) -> (i32, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("config.toml");
    std::fs::write(&cfg, config_text).unwrap();
    let out = Command::cargo_bin("kontra")
        .unwrap()
        .arg("--config")
        .arg(&cfg)
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .env("XDG_STATE_HOME", dir.path().join("state"))
        .arg("lookup")
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn json(s: &str) -> serde_json::Value {
    serde_json::from_str(s.trim()).unwrap_or_else(|e| panic!("{e}: {s}"))
}

#[test]
fn vies_answer_unavailable_and_bad_input() {
    // The documented POST route refused (405): the client falls back to the GET bodies served
    // here (the POST path itself is tested in sources_pause.rs).
    let server = Server::start_in_thread(|req| {
        if req.method == "POST" {
            Reply::html(405, "<html>Method Not Allowed</html>")
        } else if req.path.contains("/ms/DE/") {
            Reply::json(
                200,
                fixture("vies", "rest_get_ms_vat_ms_unavailable.COMPOSED.json"),
            )
        } else {
            Reply::json(200, fixture("vies", "rest_get_ms_vat_valid_pl.json"))
        }
    });
    let cfg = format!(
        "[sources.vies]\nbase_url = \"{}\"\nretry = {{ max_attempts = 1, backoff_base_ms = 1, backoff_max_ms = 1 }}\n",
        server.url("/rest-api")
    );
    let (code, out, err) = lookup(&cfg, &["vies", "PL 774-000-14-54", "--json"]);
    assert_eq!(code, 0, "{err}");
    let v = json(&out);
    assert_eq!(v["outcome"], "answer");
    assert_eq!(v["valid"], true);
    assert_eq!(v["name"], "ORLEN SPÓŁKA AKCYJNA");
    assert_eq!(v["code"], "VALID");
    assert_eq!(v["source"], "vies");

    let (code, out, _) = lookup(&cfg, &["vies", "DE136695976", "--json"]);
    assert_eq!(code, 7);
    let v = json(&out);
    assert_eq!(v["outcome"], "unavailable");
    assert_eq!(v["reason"], "service_unavailable");
    assert_eq!(v["code"], "MS_UNAVAILABLE");

    let (code, out, _) = lookup(&cfg, &["vies", "DE123456789", "--json"]);
    assert_eq!(code, 5);
    assert_eq!(json(&out)["outcome"], "error");

    let (code, out, _) = lookup(&cfg, &["vies", "PL7740001454"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("ORLEN") && out.contains("CHEMIKÓW 7, 09-411 PŁOCK"),
        "{out}"
    );
    // The registry's time (VIES answers in UTC) is read on the configured clock; JSON keeps it.
    let berlin = format!("[monitor]\ntimezone = \"Europe/Berlin\"\n{cfg}");
    let (code, out, _) = lookup(&berlin, &["vies", "PL7740001454"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("registry time  2026-10-08 06:42:27 CEST"),
        "{out}"
    );
    let (_, out, _) = lookup(&berlin, &["vies", "PL7740001454", "--json"]);
    assert_eq!(json(&out)["registry_time"], "2026-10-08T04:42:27.326Z");
}

#[test]
fn evatr_gleif_and_handelsregister_lookups() {
    let server = Server::start_in_thread(|req| {
        if req.path.ends_with("/abfrage") {
            Reply::json(
                200,
                fixture("evatr", "rest_response_qualified_mismatch.COMPOSED.json"),
            )
        } else if req.path.contains("/lei-records/") {
            Reply::json(
                200,
                fixture("gleif", "lei-record_HWUPKR0MPOU8FGXBT394.json"),
            )
        } else {
            Reply::html(200, "<html><body>Neues Portal</body></html>")
        }
    });
    let cfg = format!(
        "[sources.evatr]\nbase_url = \"{0}/evatr\"\nrequester_vat = \"DE136695976\"\n\
         [sources.gleif]\nbase_url = \"{0}/gleif\"\n[sources.handelsregister]\nbase_url = \"{0}\"\n",
        server.url("")
    );
    let (code, out, err) = lookup(
        &cfg,
        &[
            "evatr",
            "ATU13585627",
            "--name",
            "Musterhaus GmbH",
            "--city",
            "Wien",
            "--json",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let v = json(&out);
    assert_eq!(
        (v["outcome"].as_str(), v["name"].as_str()),
        (Some("answer"), Some("mismatch"))
    );
    assert_eq!(v["reference"], "0123456789abcdf2");
    assert_eq!(v["code"], "evatr-0000");

    let (code, out, _) = lookup(&cfg, &["evatr", "DE136695976", "--json"]);
    assert_eq!(code, 5);
    assert_eq!(json(&out)["outcome"], "error");

    let (code, out, err) = lookup(&cfg, &["gleif", "HWUPKR0MPOU8FGXBT394", "--json"]);
    assert_eq!(code, 0, "{err}");
    let v = json(&out);
    assert_eq!(v["legal_name"], "Apple Inc.");
    assert_eq!(v["kind"], "lei");

    let (code, _, err) = lookup(&cfg, &["gleif", "--court", "RA000598"]);
    assert_eq!(code, 2, "{err}");

    let (code, out, _) = lookup(&cfg, &["handelsregister", "--name", "GASAG", "--json"]);
    assert_eq!(code, 7);
    let v = json(&out);
    assert_eq!(v["outcome"], "unavailable");
    assert_eq!(v["reason"], "source_changed");
}

#[test]
fn lookups_run_while_another_process_holds_the_data_directory() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let _store = kontra::store::Store::open(&data, "test").unwrap();
    let server = Server::start_in_thread(|_| {
        Reply::json(
            200,
            fixture("gleif", "lei-record_HWUPKR0MPOU8FGXBT394.json"),
        )
    });
    let cfg = dir.path().join("config.toml");
    std::fs::write(
        &cfg,
        format!("[sources.gleif]\nbase_url = \"{}\"\n", server.url("")),
    )
    .unwrap();
    let out = Command::cargo_bin("kontra")
        .unwrap()
        .args(["--config"])
        .arg(&cfg)
        .arg("--data-dir")
        .arg(&data)
        .env("XDG_STATE_HOME", dir.path().join("state"))
        .args(["lookup", "gleif", "HWUPKR0MPOU8FGXBT394"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("Apple Inc."));
}

#[test]
fn insolvency_lookup_is_complete_with_a_court_and_labelled_without() {
    use common::insolvency_portal::{Notice, Wildcard, law_abiding};
    let opened = Notice {
        days_ago: 40,
        court_code: "X101",
        court: "Charlottenburg",
        case: "36a IN 1234/26",
        debtor: "Musterbau Gesellschaft mit beschränkter Haftung",
        seat: "Berlin",
        register: "Amtsgericht Charlottenburg, HRB 999999 B",
    };
    let server = Server::start_in_thread(law_abiding(vec![opened], Wildcard::Words));
    let cfg = format!("[sources.insolvency]\nbase_url = \"{}\"\n", server.url(""));
    let (code, out, err) = lookup(
        &cfg,
        &[
            "insolvency",
            "--name",
            "Musterbau GmbH",
            "--court",
            "Berlin (Charlottenburg)",
            "--json",
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    let v = json(&out);
    assert_eq!(v["outcome"], "answer");
    assert_eq!(v["publications"][0]["case_number"], "36a IN 1234/26");

    // Without a court the portal shows 14 days: "unavailable" (exit 7), never "no publications".
    let (code, out, err) = lookup(
        &cfg,
        &[
            "insolvency",
            "--name",
            "Musterbau GmbH",
            "--seat",
            "Musterstadt",
        ],
    );
    assert_eq!(code, 7, "{out}{err}");
    assert!(
        out.contains("limited")
            && out.contains("last 14 days only")
            && out.contains("LAST_14_DAYS"),
        "{out}"
    );
}
