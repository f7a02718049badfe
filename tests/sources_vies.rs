//! VIES client against a local server serving the fixture payloads.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

mod support;
use support::common;

use common::{Reply, Server, config, fixture, max_in_window};
use kontra::domain::check::{Answer, Outcome, Unavailable};
use kontra::domain::vat::{self, VatNumber};
use kontra::sources::Sources;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

fn vat(s: &str) -> VatNumber {
    vat::validate(s).unwrap()
}

fn sources(server: &Server, extra: &str) -> Sources {
    let mut text = format!(
        "[vies]\nbase_url = \"{}\"\n{extra}",
        server.url("/rest-api")
    );
    if !extra.contains("timeout_secs") {
        text.push_str("timeout_secs = 10\n");
    }
    if !extra.contains("retry") {
        text.push_str(
            "retry = { max_attempts = 1, backoff_base_ms = 1000, backoff_max_ms = 8000 }\n",
        );
    }
    Sources::new(&config(&text)).unwrap()
}

/// A VIES whose documented POST route is refused as a route (HTTP 405), so that the client
/// falls back to the web UI's GET, which `handler` serves: for the tests of GET answers.
async fn start_get(handler: impl Fn(&common::Req) -> Reply + Send + Sync + 'static) -> Server {
    Server::start(move |req| {
        if req.method == "POST" && req.path.ends_with("/check-vat-number") {
            Reply::html(405, "<html>Method Not Allowed</html>")
        } else {
            handler(req)
        }
    })
    .await
}

/// The GET requests a [`start_get`] server saw (each follows its refused POST).
fn gets(server: &Server) -> Vec<common::Req> {
    server
        .requests()
        .into_iter()
        .filter(|r| r.method == "GET")
        .collect()
}

fn reason(o: &Outcome) -> Option<Unavailable> {
    match o {
        Outcome::CouldNotAsk { reason, .. } => Some(*reason),
        Outcome::Answer(_) => None,
    }
}

/// A GET answer with `code`, naming the number the request asked (as VIES does).
fn get_body(code: &str, req: &common::Req) -> String {
    let number = req.path.rsplit('/').next().unwrap_or_default();
    format!(
        r#"{{"isValid":{},"requestDate":"2026-03-10T09:12:05.000Z","userError":"{code}","name":"---","address":"---","requestIdentifier":"","vatNumber":"{number}"}}"#,
        code == "VALID"
    )
}

#[tokio::test]
async fn valid_answer_with_disclosed_name_and_address() {
    let server =
        start_get(|_| Reply::json(200, fixture("vies", "rest_get_ms_vat_valid_pl.json"))).await;
    let r = sources(&server, "").vies(&vat("PL7740001454")).await;
    let Outcome::Answer(Answer::Vat(a)) = &r.outcome else {
        panic!("{r:?}")
    };
    assert!(a.valid);
    assert_eq!(a.vat, "PL7740001454");
    assert_eq!(a.name.as_deref(), Some("ORLEN SPÓŁKA AKCYJNA"));
    assert_eq!(a.address.as_deref(), Some("CHEMIKÓW 7\n09-411 PŁOCK"));
    assert_eq!(r.evidence.code.as_deref(), Some("VALID"));
    assert_eq!(
        r.evidence.registry_time.as_deref(),
        Some("2026-10-08T04:42:27.326Z")
    );
    assert_eq!(
        r.evidence.reference, None,
        "anonymous GET has no consultation number"
    );
    assert_eq!(r.evidence.http_status, Some(200));
    assert_eq!(r.evidence.sha256.as_ref().map(String::len), Some(64));
    assert!(r.evidence.raw.as_deref().unwrap().contains("ORLEN"));
    let reqs = gets(&server);
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].method, "GET");
    assert_eq!(reqs[0].path, "/rest-api/ms/PL/vat/7740001454");
    assert!(reqs[0].header("user-agent").unwrap().starts_with("Kontra/"));
}

#[tokio::test]
async fn hidden_german_data_is_not_a_name() {
    let server = start_get(|_| {
        Reply::json(
            200,
            fixture("vies", "rest_get_ms_vat_valid_de_hidden.COMPOSED.json"),
        )
    })
    .await;
    let r = sources(&server, "").vies(&vat("DE136695976")).await;
    let Outcome::Answer(Answer::Vat(a)) = &r.outcome else {
        panic!("{r:?}")
    };
    assert!(a.valid);
    assert_eq!(a.name, None);
    assert_eq!(a.address, None);
}

#[tokio::test]
async fn greece_is_asked_as_el() {
    let server = start_get(|req| Reply::json(200, get_body("INVALID", req))).await;
    // 094259216 is a syntactically valid Greek number; VIES says INVALID here.
    let n = vat("EL094259216");
    let r = sources(&server, "").vies(&n).await;
    assert!(gets(&server)[0].path.starts_with("/rest-api/ms/EL/vat/"));
    let Outcome::Answer(Answer::Vat(a)) = &r.outcome else {
        panic!("{r:?}")
    };
    assert!(!a.valid, "INVALID is a definite answer");
    assert_eq!(r.evidence.code.as_deref(), Some("INVALID"));
}

#[tokio::test]
async fn every_error_code_is_could_not_ask() {
    let csv = String::from_utf8(fixture("vies", "test_service_vat_numbers.csv")).unwrap();
    let codes: Vec<String> = csv
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').nth(1))
        .map(|c| c.split_whitespace().next().unwrap().to_string())
        .filter(|c| c.chars().all(|ch| ch.is_ascii_uppercase() || ch == '_'))
        .collect();
    assert!(codes.len() >= 12, "{codes:?}");
    let current = Arc::new(std::sync::Mutex::new(String::new()));
    let c2 = current.clone();
    let server = start_get(move |req| Reply::json(200, get_body(&c2.lock().unwrap(), req))).await;
    for code in codes
        .iter()
        .chain(["SERVER_BUSY".to_string(), "SOMETHING_NEW".to_string()].iter())
    {
        *current.lock().unwrap() = code.clone();
        // A fresh client each time, so that IP_BLOCKED's pause does not leak into the next code.
        let r = sources(&server, "").vies(&vat("DE136695976")).await;
        let expected = match code.as_str() {
            "VALID" | "INVALID" => None,
            "INVALID_INPUT" | "INVALID_REQUESTER_INFO" | "VAT_BLOCKED" => {
                Some(Unavailable::Rejected)
            }
            "IP_BLOCKED" => Some(Unavailable::Blocked),
            "TIMEOUT" => Some(Unavailable::Timeout),
            "GLOBAL_MAX_CONCURRENT_REQ"
            | "GLOBAL_MAX_CONCURRENT_REQ_TIME"
            | "MS_MAX_CONCURRENT_REQ"
            | "MS_MAX_CONCURRENT_REQ_TIME"
            | "SERVER_BUSY" => Some(Unavailable::Throttled),
            _ => Some(Unavailable::ServiceUnavailable),
        };
        assert_eq!(reason(&r.outcome), expected, "{code}: {r:?}");
        assert_eq!(r.evidence.code.as_deref(), Some(code.as_str()), "{code}");
        match code.as_str() {
            "VALID" => assert!(matches!(&r.outcome, Outcome::Answer(Answer::Vat(a)) if a.valid)),
            "INVALID" => {
                assert!(matches!(&r.outcome, Outcome::Answer(Answer::Vat(a)) if !a.valid))
            }
            _ => {}
        }
    }
}

#[tokio::test(start_paused = true)]
async fn throttling_is_retried_with_backoff() {
    let hits = Arc::new(AtomicUsize::new(0));
    let h = hits.clone();
    let server = Server::start(move |_| {
        if h.fetch_add(1, Ordering::SeqCst) < 2 {
            Reply::json(
                500,
                fixture("vies", "rest_post_error_ms_max_concurrent_req.json"),
            )
        } else {
            Reply::json(
                200,
                fixture(
                    "vies",
                    "rest_post_check_vat_number_response_valid.COMPOSED.json",
                ),
            )
        }
    })
    .await;
    let s = sources(
        &server,
        "requester_vat = \"DE136695976\"\nretry = { max_attempts = 4, backoff_base_ms = 2000, backoff_max_ms = 60000 }\n",
    );
    let start = tokio::time::Instant::now();
    let r = s.vies(&vat("ESB83891812")).await;
    let elapsed = start.elapsed();
    let Outcome::Answer(Answer::Vat(a)) = &r.outcome else {
        panic!("{r:?}")
    };
    assert!(a.valid);
    assert_eq!(a.name, None, "--- is not disclosed");
    assert_eq!(r.evidence.reference.as_deref(), Some("WAPIAAAAWjJ2rWvJ"));
    let reqs = server.requests();
    assert_eq!(reqs.len(), 3);
    // Equal jitter: at least half of 2 s, then half of 4 s; at most 2 s + 4 s.
    let gap1 = reqs[1].at - reqs[0].at;
    let gap2 = reqs[2].at - reqs[1].at;
    assert!(
        gap1 >= Duration::from_secs(1) && gap1 <= Duration::from_millis(2100),
        "{gap1:?}"
    );
    assert!(
        gap2 >= Duration::from_secs(2) && gap2 <= Duration::from_millis(4100),
        "{gap2:?}"
    );
    assert!(elapsed >= Duration::from_secs(3), "{elapsed:?}");
    let body = reqs[0].json();
    assert_eq!(body["countryCode"], "ES");
    assert_eq!(body["vatNumber"], "B83891812");
    assert_eq!(body["requesterMemberStateCode"], "DE");
    assert_eq!(body["requesterNumber"], "136695976");
    assert_eq!(reqs[0].path, "/rest-api/check-vat-number");
}

#[tokio::test(start_paused = true)]
async fn member_state_down_after_all_retries_is_could_not_ask() {
    let server = start_get(|_| {
        Reply::json(
            200,
            fixture("vies", "rest_get_ms_vat_ms_unavailable.COMPOSED.json"),
        )
    })
    .await;
    let s = sources(
        &server,
        "retry = { max_attempts = 3, backoff_base_ms = 1000, backoff_max_ms = 8000 }\n",
    );
    let r = s.vies(&vat("DE136695976")).await;
    assert_eq!(reason(&r.outcome), Some(Unavailable::ServiceUnavailable));
    assert_eq!(r.evidence.code.as_deref(), Some("MS_UNAVAILABLE"));
    assert_eq!(gets(&server).len(), 3);
    let Outcome::CouldNotAsk { message, .. } = &r.outcome else {
        unreachable!()
    };
    assert!(message.contains("after 3 attempts"), "{message}");
    // Permanent errors are not retried.
    let server = start_get(|req| Reply::json(200, get_body("INVALID_INPUT", req))).await;
    let s = sources(
        &server,
        "retry = { max_attempts = 3, backoff_base_ms = 1000, backoff_max_ms = 8000 }\n",
    );
    let r = s.vies(&vat("DE136695976")).await;
    assert_eq!(reason(&r.outcome), Some(Unavailable::Rejected));
    assert_eq!(gets(&server).len(), 1);
}

#[tokio::test]
async fn real_post_error_bodies_are_mapped() {
    let server =
        Server::start(|_| Reply::json(500, fixture("vies", "rest_post_error_ms_unavailable.json")))
            .await;
    let r = sources(&server, "requester_vat = \"DE136695976\"\n")
        .vies(&vat("ESB83891812"))
        .await;
    assert_eq!(reason(&r.outcome), Some(Unavailable::ServiceUnavailable));
    assert_eq!(r.evidence.code.as_deref(), Some("MS_UNAVAILABLE"));
    assert_eq!(r.evidence.http_status, Some(500));
}

#[tokio::test]
async fn ip_blocked_pauses_all_vies_traffic_until_resumed() {
    let server = start_get(|req| {
        if req.path.contains("/ms/IT/") {
            Reply::json(200, fixture("vies", "rest_get_ms_vat_ip_blocked.json"))
        } else {
            Reply::json(200, fixture("vies", "rest_get_ms_vat_valid_pl.json"))
        }
    })
    .await;
    let s = sources(&server, "");
    let r = s.vies(&vat("IT00743110157")).await;
    assert_eq!(reason(&r.outcome), Some(Unavailable::Blocked));
    assert!(s.vies_pause().is_some());
    assert!(s.status().vies_paused.is_some());
    // Another member state: no request is sent while paused.
    let r = s.vies(&vat("PL7740001454")).await;
    assert_eq!(reason(&r.outcome), Some(Unavailable::Blocked));
    assert_eq!(gets(&server).len(), 1);
    let status = s.vies_check_status().await;
    assert_eq!(status.unwrap_err().reason, Unavailable::Blocked);
    assert_eq!(gets(&server).len(), 1);
    s.resume_vies();
    let r = s.vies(&vat("PL7740001454")).await;
    assert!(r.outcome.answer().is_some(), "{r:?}");
    assert_eq!(gets(&server).len(), 2);
}

#[tokio::test]
async fn check_status_marks_member_states_down() {
    let server = start_get(|req| {
        if req.path.ends_with("/check-status") {
            Reply::json(
                200,
                fixture("vies", "rest_check_status_response.COMPOSED.json"),
            )
        } else {
            Reply::json(200, fixture("vies", "rest_get_ms_vat_valid_pl.json"))
        }
    })
    .await;
    let s = sources(&server, "");
    let status = s.vies_check_status().await.unwrap();
    assert!(status.vow_available);
    assert_eq!(status.down(), vec!["DE".to_string()]);
    assert_eq!(s.status().vies_member_states_down, vec!["DE".to_string()]);
    let r = s.vies(&vat("DE136695976")).await;
    assert_eq!(reason(&r.outcome), Some(Unavailable::ServiceUnavailable));
    assert_eq!(
        gets(&server).len(),
        1,
        "DE is not asked while reported down"
    );
    let r = s.vies(&vat("PL7740001454")).await;
    assert!(r.outcome.answer().is_some());
}

#[tokio::test(start_paused = true)]
async fn german_budget_holds_under_many_concurrent_callers() {
    let server = start_get(|_| {
        Reply::json(
            200,
            fixture("vies", "rest_get_ms_vat_valid_de_hidden.COMPOSED.json"),
        )
        .delayed(Duration::from_millis(300))
    })
    .await;
    let s = sources(&server, "");
    let start = tokio::time::Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..25 {
        let s = s.clone();
        tasks.push(tokio::spawn(
            async move { s.vies(&vat("DE136695976")).await },
        ));
    }
    for t in tasks {
        assert!(t.await.unwrap().outcome.answer().is_some());
    }
    let reqs = gets(&server);
    assert_eq!(reqs.len(), 25);
    // Built-in DE budget: 10 per minute, one at a time.
    assert!(max_in_window(&reqs, Duration::from_secs(60)) <= 10);
    assert_eq!(server.inflight_max.load(Ordering::SeqCst), 1);
    assert!(
        start.elapsed() >= Duration::from_secs(120),
        "{:?}",
        start.elapsed()
    );
}

#[tokio::test(start_paused = true)]
async fn timeouts_and_refused_connections_are_could_not_ask() {
    let server = start_get(|_| {
        Reply::json(200, fixture("vies", "rest_get_ms_vat_valid_pl.json"))
            .delayed(Duration::from_secs(100))
    })
    .await;
    let s = sources(
        &server,
        "timeout_secs = 5\nretry = { max_attempts = 2, backoff_base_ms = 100, backoff_max_ms = 100 }\n",
    );
    let r = s.vies(&vat("PL7740001454")).await;
    assert_eq!(reason(&r.outcome), Some(Unavailable::Timeout), "{r:?}");
    assert_eq!(gets(&server).len(), 2);

    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let cfg = config(&format!(
        "[vies]\nbase_url = \"http://127.0.0.1:{port}/rest-api\"\nretry = {{ max_attempts = 1, backoff_base_ms = 1, backoff_max_ms = 1 }}\n"
    ));
    let r = Sources::new(&cfg).unwrap().vies(&vat("PL7740001454")).await;
    assert_eq!(reason(&r.outcome), Some(Unavailable::Connection), "{r:?}");
    assert_eq!(r.evidence.http_status, None);
}

#[tokio::test]
async fn truncated_garbled_and_html_bodies_are_never_answers() {
    let body = fixture("vies", "rest_get_ms_vat_valid_pl.json");
    let b = body.clone();
    let server = start_get(move |_| Reply::json(200, b.clone()).cut(60)).await;
    let r = sources(&server, "").vies(&vat("PL7740001454")).await;
    assert_eq!(reason(&r.outcome), Some(Unavailable::Connection), "{r:?}");

    // Complete response, but the JSON itself is cut off.
    let cut = body[..body.len() / 2].to_vec();
    let server = start_get(move |_| Reply::json(200, cut.clone())).await;
    let r = sources(&server, "").vies(&vat("PL7740001454")).await;
    assert_eq!(reason(&r.outcome), Some(Unavailable::Parse), "{r:?}");
    assert!(r.evidence.sha256.is_some());

    let server = start_get(|_| Reply::json(200, vec![0xff, 0xfe, 0x00, 0x80, b'{'])).await;
    let r = sources(&server, "").vies(&vat("PL7740001454")).await;
    assert_eq!(reason(&r.outcome), Some(Unavailable::Parse), "{r:?}");
    assert!(r.evidence.raw.as_deref().unwrap().contains('\u{fffd}'));

    let server = start_get(|_| Reply::html(503, "<html><body>Maintenance</body></html>")).await;
    let r = sources(&server, "").vies(&vat("PL7740001454")).await;
    assert_eq!(
        reason(&r.outcome),
        Some(Unavailable::ServiceUnavailable),
        "{r:?}"
    );

    let server =
        start_get(|_| Reply::html(301, "").header("Location", "https://elsewhere.example/")).await;
    let r = sources(&server, "").vies(&vat("PL7740001454")).await;
    assert!(r.outcome.answer().is_none(), "{r:?}");
}

#[tokio::test]
async fn disabled_source_sends_nothing() {
    let server =
        start_get(|_| Reply::json(200, fixture("vies", "rest_get_ms_vat_valid_pl.json"))).await;
    let s = sources(&server, "enabled = false\n");
    let r = s.vies(&vat("PL7740001454")).await;
    assert_eq!(reason(&r.outcome), Some(Unavailable::Disabled));
    assert_eq!(gets(&server).len(), 0);
    assert!(!s.status().enabled[&kontra::domain::check::Source::Vies]);
}

#[tokio::test]
async fn only_a_success_about_the_number_asked_is_an_answer() {
    // The hostile answers the hardening review saw accepted: another number's answer, INVALID
    // under an error status, isValid without userError.
    let bodies: Vec<(u16, &str, String)> = vec![
        (
            200,
            "requester",
            r#"{"countryCode":"FR","vatNumber":"999999999","valid":true,"name":"OTHER SA","address":"---"}"#
                .to_string(),
        ),
        (
            500,
            "",
            r#"{"isValid":false,"userError":"INVALID","vatNumber":"136695976"}"#.to_string(),
        ),
        (
            404,
            "",
            r#"{"isValid":false,"userError":"INVALID","vatNumber":"136695976"}"#.to_string(),
        ),
        (
            200,
            "",
            r#"{"isValid":true,"vatNumber":"136695976","name":"---"}"#.to_string(),
        ),
    ];
    for (status, mode, body) in bodies {
        let b = body.clone();
        let server = Server::start(move |_| Reply::json(status, b.clone())).await;
        let extra = if mode == "requester" {
            "requester_vat = \"DE136695976\"\n"
        } else {
            ""
        };
        let r = sources(&server, extra).vies(&vat("DE136695976")).await;
        assert!(r.outcome.answer().is_none(), "{status} {body}: {r:?}");
    }
}
