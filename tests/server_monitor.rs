//! `check`, `digest`, `sanctions` and `sources` through a serving `kontra daemon` give exactly
//! what they give in-process: two installations with identical data, one used directly and one
//! through its daemon, answer every command with the same stdout, stderr and exit code
//! (paths of the installation aside), failures included. A check through the daemon is carried
//! out by the daemon's monitor against a local VIES, and its alerts are in `kontra alerts`; a
//! VIES pause lifted through the daemon is lifted in its running checker too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod support;
use support::common;

use common::server::Daemon;
use common::{Env, Reply, Req, Server};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// A local VIES: DE136695976 valid (invalid once `alpha_gone`), any other number invalid;
/// `IP_BLOCKED` while `blocked`.
fn vies(blocked: Arc<AtomicBool>, alpha_gone: Arc<AtomicBool>) -> Server {
    Server::start_in_thread(move |req: &Req| {
        if blocked.load(Ordering::SeqCst) {
            return Reply::json(
                200,
                r#"{"actionSucceed":false,"errorWrappers":[{"error":"IP_BLOCKED"}]}"#,
            );
        }
        let body = req.json();
        let number = body["vatNumber"].as_str().unwrap_or_default().to_string();
        let valid = number == "136695976" && !alpha_gone.load(Ordering::SeqCst);
        Reply::json(
            200,
            serde_json::json!({
                "countryCode": body["countryCode"], "vatNumber": number,
                "requestDate": "2026-11-21T10:00:00.000Z", "valid": valid,
                "requestIdentifier": format!("WAPI{number}"),
                "name": if valid { "Alpha GmbH" } else { "---" },
                "address": if valid { "Hauptstr. 1\n10117 Berlin" } else { "---" },
            })
            .to_string(),
        )
    })
}

/// An installation asking only the local VIES (and, with `un`, the UN list at that address).
fn installation(vies_url: &str, un: Option<&str>) -> Env {
    let env = Env::new();
    let un = match un {
        Some(url) => format!("url = \"{url}\"\n"),
        None => "enabled = false\n".to_string(),
    };
    env.write(
        "config.toml",
        format!(
            r#"language = "en"
[sources.vies]
base_url = "{vies_url}"
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
{un}"#
        ),
    );
    for (name, vat) in [("Alpha GmbH", "DE136695976"), ("Beta GmbH", "DE129273398")] {
        let out = env
            .kontra()
            .args(["add", "--name", name, "--country", "DE", "--vat", vat])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", common::stderr(&out));
    }
    env
}

/// What a command printed and how it ended, with the installation's own paths made neutral.
fn outcome(env: &Env, args: &[&str]) -> (String, String, Option<i32>) {
    let out = env
        .kontra()
        .current_dir(env.dir.path())
        .args(args)
        .output()
        .unwrap();
    let here = env.dir.path().display().to_string();
    (
        common::stdout(&out).replace(&here, "<env>"),
        common::stderr(&out).replace(&here, "<env>"),
        out.status.code(),
    )
}

/// Blanks the moments (`at`, `…_at`) in a JSON answer: they differ by milliseconds.
fn untimed(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, x) in m.iter_mut() {
                if k == "at" || k.ends_with("_at") || k == "last_attempt" {
                    *x = serde_json::Value::Null;
                } else {
                    untimed(x);
                }
            }
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(untimed),
        _ => {}
    }
}

/// Runs `args` on both installations and asserts the same outcome; returns it.
fn same(direct: &Env, served: &Env, args: &[&str]) -> (String, String, Option<i32>) {
    let a = outcome(direct, args);
    let b = outcome(served, args);
    assert_eq!(
        a,
        b,
        "`kontra {}`: in-process vs through the daemon",
        args.join(" ")
    );
    a
}

#[test]
fn check_through_the_daemon_is_done_by_its_monitor_and_prints_the_same() {
    let alpha_gone = Arc::new(AtomicBool::new(false));
    let registry = vies(Arc::new(AtomicBool::new(false)), alpha_gone.clone());
    let url = registry.url("");
    let direct = installation(&url, None);
    let served = installation(&url, None);
    let daemon = Daemon::start(&served);

    // No sanctions list is loaded: could not ask, exit 7, in both. One at a time: two checks
    // run side by side and store in either order, in-process as well.
    let (out, _, code) = same(&direct, &served, &["check", "1"]);
    assert_eq!(code, Some(7), "{out}");
    assert!(out.contains("#1 Alpha GmbH — check run 1"), "{out}");
    same(&direct, &served, &["check", "2"]);
    alpha_gone.store(true, Ordering::SeqCst);
    // A first INVALID is confirmed by the next check before it alerts.
    same(&direct, &served, &["check", "1"]);
    let (out, _, _) = same(&direct, &served, &["check", "1"]);
    assert!(
        out.contains("ALERT"),
        "a number that became invalid raises an alert: {out}"
    );
    let json_of = |env: &Env| {
        let (out, err, code) = outcome(env, &["check", "--json", "1"]);
        let mut v: serde_json::Value = serde_json::from_str(&out).unwrap();
        untimed(&mut v);
        (v, err, code)
    };
    assert_eq!(json_of(&direct), json_of(&served));
    let (_, err, code) = same(&direct, &served, &["check", "1", "99"]);
    assert_eq!(
        (code, err.as_str()),
        (Some(6), "kontra: no counterparty with id 99\n")
    );
    same(&direct, &served, &["digest", "preview"]);
    same(&direct, &served, &["digest", "preview", "--html"]);
    same(&direct, &served, &["digest", "send", "--dry-run"]);
    let (_, err, code) = same(&direct, &served, &["digest", "send"]);
    assert_eq!(code, Some(3), "no [mail]: {err}");
    daemon.stop();
    // `history` and `alerts` are read once the daemon stopped (they are not its clients yet):
    // the daemon's monitor stored the runs, under the analyst, with the same alerts.
    let h: serde_json::Value =
        serde_json::from_str(&outcome(&served, &["history", "1", "--json"]).0).unwrap();
    assert_eq!(h["checks"][0]["trigger"], "tester", "{h}");
    let alerts = |env: &Env| -> Vec<(String, u64)> {
        let v: Vec<serde_json::Value> =
            serde_json::from_str(&outcome(env, &["alerts", "--json"]).0).unwrap();
        v.iter()
            .map(|a| {
                (
                    a["kind"].as_str().unwrap().to_string(),
                    a["counterparty_id"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    assert!(!alerts(&served).is_empty());
    assert_eq!(alerts(&direct), alerts(&served));
}

#[test]
fn a_vies_pause_lifted_through_the_daemon_is_lifted_in_its_monitor() {
    let blocked = Arc::new(AtomicBool::new(true));
    let registry = vies(blocked.clone(), Arc::new(AtomicBool::new(false)));
    let url = registry.url("");
    let direct = installation(&url, None);
    let served = installation(&url, None);
    let daemon = Daemon::start(&served);

    same(&direct, &served, &["sources", "status"]);
    let (_, _, code) = same(&direct, &served, &["check", "1"]);
    assert_eq!(code, Some(7), "IP_BLOCKED is could-not-ask");
    let (status, _, _) = same(&direct, &served, &["sources", "status"]);
    assert!(status.starts_with("VIES paused since"), "{status}");

    blocked.store(false, Ordering::SeqCst);
    let (resumed, _, code) = same(&direct, &served, &["sources", "resume", "vies"]);
    assert_eq!(code, Some(0));
    assert!(resumed.starts_with("vies resumed"), "{resumed}");
    same(&direct, &served, &["sources", "status"]);
    let asked = registry.count();
    // The daemon's checker asks VIES again: its own copy of the pause is gone too.
    let (out, _, code) = same(&direct, &served, &["check", "1"]);
    assert_eq!(code, Some(7), "no sanctions list: {out}");
    assert!(out.contains("VALID, Alpha GmbH"), "{out}");
    assert_eq!(
        registry.count(),
        asked + 2,
        "each installation asked VIES once"
    );
    let (_, _, code) = same(&direct, &served, &["sources", "resume", "vies"]);
    assert_eq!(code, Some(0));
    daemon.stop();
}

#[test]
fn sanctions_status_import_and_update_through_the_daemon_match_in_process() {
    // The UN list's address refuses every download, for both installations alike.
    let refusing = Server::start_in_thread(|_: &Req| Reply::new(503, "text/plain", "down"));
    let registry = vies(
        Arc::new(AtomicBool::new(false)),
        Arc::new(AtomicBool::new(false)),
    );
    let un_url = refusing.url("/un.xml");
    let direct = installation(&registry.url(""), Some(&un_url));
    let served = installation(&registry.url(""), Some(&un_url));
    // Both tried and failed once before the daemon starts (so its upkeep has nothing due).
    for env in [&direct, &served] {
        let (_, _, code) = outcome(env, &["sanctions", "update"]);
        assert_eq!(code, Some(7));
    }
    let daemon = Daemon::start(&served);

    let (_, err, code) = same(&direct, &served, &["sanctions", "status"]);
    assert_eq!(code, Some(8), "{err}");
    // The JSON carries the attempt's time, which differs by milliseconds.
    let timeless = |env: &Env| {
        let (out, err, code) = outcome(env, &["sanctions", "status", "--json"]);
        let mut v: serde_json::Value = serde_json::from_str(&out).unwrap();
        untimed(&mut v);
        (v, err, code)
    };
    assert_eq!(timeless(&direct), timeless(&served));
    let (_, err, code) = same(&direct, &served, &["sanctions", "update", "--source", "un"]);
    assert_eq!(code, Some(7), "{err}");

    let un = common::fixture("sanctions_un", "consolidated.sample.xml");
    for env in [&direct, &served] {
        env.write("broken.xml", "<CONSOLIDATED_LIST>");
        env.write("un.xml", &un);
    }
    // Files are read by the command (paths relative to the installation): unreadable,
    // refused, accepted.
    let (_, err, code) = same(
        &direct,
        &served,
        &["sanctions", "import", "--source", "un", "missing.xml"],
    );
    assert_eq!(code, Some(5), "{err}");
    assert!(err.contains("missing.xml"), "{err}");
    let (_, err, code) = same(
        &direct,
        &served,
        &["sanctions", "import", "--source", "un", "broken.xml"],
    );
    assert_eq!(code, Some(5), "{err}");
    let (out, err, code) = same(
        &direct,
        &served,
        &["sanctions", "import", "--source", "un", "un.xml"],
    );
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.starts_with("un: "), "{out}");
    let (_, err, code) = same(&direct, &served, &["sanctions", "status"]);
    assert_eq!(code, Some(0), "{err}");
    same(&direct, &served, &["sanctions", "screen", "Alpha GmbH"]);
    daemon.stop();
}
