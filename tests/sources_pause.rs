//! The VIES `IP_BLOCKED` pause is kept in the data directory: a local VIES that blocks this
//! machine (the live answer shapes from the fixtures) pauses VIES; a second `kontra` process
//! honours the pause without sending anything (the server counts requests) until
//! `kontra sources resume vies` lifts it. And the documented POST is used without a requester,
//! against a VIES that refuses the web UI's GET (as seen live).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

mod support;
use support::common;

use common::{Env, Reply, Server, fixture};
use kontra::domain::check::Source;
use kontra::store::{AuditAction, Store};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// A POST answer naming the number asked (as VIES does).
fn post_valid(req: &common::Req) -> Reply {
    let asked = req.json();
    Reply::json(
        200,
        serde_json::json!({"countryCode": asked["countryCode"], "vatNumber": asked["vatNumber"],
            "requestDate": "2026-12-04T10:00:00.000Z", "valid": true, "requestIdentifier": "",
            "name": "---", "address": "---"})
        .to_string(),
    )
}

/// While `blocked`: the GET gets the real `IP_BLOCKED` capture and the POST the same code in
/// the real error-wrapper shape; afterwards the POST answers. The GET is always refused.
fn vies(blocked: Arc<AtomicBool>) -> impl Fn(&common::Req) -> Reply {
    move |req| {
        if req.method == "GET" {
            return Reply::json(200, fixture("vies", "rest_get_ms_vat_ip_blocked.json"));
        }
        if blocked.load(Ordering::SeqCst) {
            return Reply::json(
                500,
                r#"{"actionSucceed":false,"errorWrappers":[{"error":"IP_BLOCKED"}]}"#,
            );
        }
        post_valid(req)
    }
}

fn env(server: &Server) -> Env {
    let env = Env::new();
    env.write(
        "config.toml",
        format!(
            "[sources.vies]\nbase_url = \"{}\"\nretry = {{ max_attempts = 1, backoff_base_ms = 1, backoff_max_ms = 1 }}\n\
             [sources.gleif]\nenabled = false\n[sources.handelsregister]\nenabled = false\n\
             [sources.insolvency]\nenabled = false\n",
            server.url("/rest-api")
        ),
    );
    env
}

fn run(env: &Env, args: &[&str]) -> (i32, String, String) {
    let out = env.kontra().args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn ip_blocked_pause_outlives_the_process_and_is_lifted_by_the_operator() {
    let blocked = Arc::new(AtomicBool::new(true));
    let server = Server::start_in_thread(vies(blocked.clone()));
    let env = env(&server);
    let (code, id, err) = run(
        &env,
        &[
            "add",
            "--name",
            "Italia SpA",
            "--country",
            "IT",
            "--vat",
            "IT00743110157",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let id = id.trim().to_string();

    // A check meets IP_BLOCKED: one request, and the pause is in the data directory.
    let _ = run(&env, &["check", &id]);
    assert_eq!(server.count(), 1);
    {
        let store = Store::open(&env.data(), "test").unwrap();
        let p = store
            .source_pause(Source::Vies)
            .unwrap()
            .expect("pause stored");
        assert_eq!(p.code, "IP_BLOCKED");
    }

    // A new process: the lookup sends nothing, says why and how to lift it, exit 7.
    let (code, out, err) = run(&env, &["lookup", "vies", "PL7740001454"]);
    assert_eq!(code, 7, "{out}{err}");
    assert!(out.contains("could not ask: VIES paused since"), "{out}");
    assert!(out.contains("because IP_BLOCKED"), "{out}");
    assert!(out.contains("kontra sources resume vies"), "{out}");
    // A new check honours it too.
    let _ = run(&env, &["check", &id]);
    assert_eq!(server.count(), 1, "nothing is sent while paused");
    let (_, history, _) = run(&env, &["history", &id, "--json"]);
    assert!(history.contains("VIES paused since"), "{history}");

    // The operator lifts it once VIES lifted the block; audited.
    blocked.store(false, Ordering::SeqCst);
    let (code, out, err) = run(&env, &["sources", "resume", "vies"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("vies resumed"), "{out}");
    {
        let store = Store::open(&env.data(), "test").unwrap();
        assert!(store.source_pause(Source::Vies).unwrap().is_none());
        assert!(
            store
                .audit_all()
                .unwrap()
                .iter()
                .any(|e| e.action == AuditAction::SourceResumed && e.actor == "tester")
        );
    }
    let (code, out, _) = run(&env, &["sources", "resume", "vies"]);
    assert_eq!(code, 0);
    assert!(out.contains("was not paused"), "{out}");

    // The next lookup asks again, with the documented POST.
    let (code, out, err) = run(&env, &["lookup", "vies", "PL7740001454", "--json"]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(server.count(), 2);
    let last = server.requests().pop().unwrap();
    assert_eq!(last.method, "POST");
}

/// Without a requester number the documented POST is sent (only `countryCode` and
/// `vatNumber`); the GET, refused here as seen live, is not used.
#[test]
fn post_is_used_without_a_requester_and_the_refused_get_is_not_asked() {
    let server = Server::start_in_thread(vies(Arc::new(AtomicBool::new(false))));
    let env = env(&server);
    let (code, out, err) = run(&env, &["lookup", "vies", "PL7740001454", "--json"]);
    assert_eq!(code, 0, "{out}{err}");
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(v["valid"], true);
    let reqs = server.requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].method, "POST");
    assert_eq!(reqs[0].path, "/rest-api/check-vat-number");
    let body = reqs[0].json();
    assert_eq!(body["countryCode"], "PL");
    assert_eq!(body["vatNumber"], "7740001454");
    assert!(body.get("requesterNumber").is_none(), "{body}");
}

/// The web UI's GET is asked only when the POST route itself is refused (405 here).
#[test]
fn get_is_the_fallback_when_the_post_route_is_refused() {
    let server = Server::start_in_thread(|req: &common::Req| {
        if req.method == "POST" {
            Reply::html(405, "<html>Method Not Allowed</html>")
        } else {
            Reply::json(200, fixture("vies", "rest_get_ms_vat_valid_pl.json"))
        }
    });
    let env = env(&server);
    let (code, out, err) = run(&env, &["lookup", "vies", "PL7740001454", "--json"]);
    assert_eq!(code, 0, "{out}{err}");
    let methods: Vec<String> = server.requests().into_iter().map(|r| r.method).collect();
    assert_eq!(methods, ["POST", "GET"]);
}
