//! eVatR client against a local server serving the fixture payloads.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

mod support;
use support::common;

use common::{Reply, Server, config, fixture};
use kontra::domain::check::{Answer, FieldMatch, Outcome, Unavailable};
use kontra::domain::vat::{self, VatNumber};
use kontra::sources::{QualifiedRequest, Sources};

fn vat(s: &str) -> VatNumber {
    vat::validate(s).unwrap()
}

fn sources(server: &Server, extra: &str) -> Sources {
    let mut text = format!("[evatr]\nbase_url = \"{}\"\n{extra}", server.url("/app/v1"));
    if !extra.contains("requester_vat") {
        text.push_str("requester_vat = \"DE136695976\"\n");
    }
    if !extra.contains("retry") {
        text.push_str(
            "retry = { max_attempts = 1, backoff_base_ms = 1000, backoff_max_ms = 8000 }\n",
        );
    }
    Sources::new(&config(&text)).unwrap()
}

fn reason(o: &Outcome) -> Option<Unavailable> {
    match o {
        Outcome::CouldNotAsk { reason, .. } => Some(*reason),
        Outcome::Answer(_) => None,
    }
}

fn qualified() -> QualifiedRequest {
    QualifiedRequest {
        name: "Musterhaus GmbH & Co KG".into(),
        city: "musterort".into(),
        street: Some("Musterstrasse 22".into()),
        postcode: Some("12345".into()),
    }
}

#[tokio::test]
async fn simple_confirmation_keeps_id_and_time() {
    let server =
        Server::start(|_| Reply::json(200, fixture("evatr", "rest_response_simple_ok.json"))).await;
    let r = sources(&server, "").evatr(&vat("ATU13585627"), None).await;
    let Outcome::Answer(Answer::Qualified(q)) = &r.outcome else {
        panic!("{r:?}")
    };
    assert!(q.valid);
    assert_eq!(q.status, "evatr-0000");
    assert_eq!(q.name, FieldMatch::NotRequested);
    assert_eq!(r.evidence.reference.as_deref(), Some("c4e53ec694b7c2a6"));
    assert_eq!(
        r.evidence.registry_time.as_deref(),
        Some("2025-09-22T18:33:04.392335063+02:00")
    );
    let req = &server.requests()[0];
    assert_eq!(req.method, "POST");
    assert_eq!(req.path, "/app/v1/abfrage");
    assert_eq!(
        req.json(),
        serde_json::json!({"anfragendeUstid": "DE136695976", "angefragteUstid": "ATU13585627"})
    );
}

#[tokio::test]
async fn qualified_confirmation_sends_all_fields() {
    let server =
        Server::start(|_| Reply::json(200, fixture("evatr", "rest_response_qualified_ok.json")))
            .await;
    let r = sources(&server, "")
        .evatr(&vat("ATU13585627"), Some(&qualified()))
        .await;
    let Outcome::Answer(Answer::Qualified(q)) = &r.outcome else {
        panic!("{r:?}")
    };
    assert_eq!(
        (q.name, q.street, q.postcode, q.city),
        (
            FieldMatch::Match,
            FieldMatch::Match,
            FieldMatch::Match,
            FieldMatch::Match
        )
    );
    let mut expected: serde_json::Value =
        serde_json::from_slice(&fixture("evatr", "rest_request_qualified.json")).unwrap();
    expected["anfragendeUstid"] = "DE136695976".into();
    expected["angefragteUstid"] = "ATU13585627".into();
    assert_eq!(server.requests()[0].json(), expected);
}

#[tokio::test]
async fn qualified_mismatch_is_an_answer_with_field_results() {
    let server = Server::start(|_| {
        Reply::json(
            200,
            fixture("evatr", "rest_response_qualified_mismatch.COMPOSED.json"),
        )
    })
    .await;
    let r = sources(&server, "")
        .evatr(&vat("ATU13585627"), Some(&qualified()))
        .await;
    let Outcome::Answer(Answer::Qualified(q)) = &r.outcome else {
        panic!("{r:?}")
    };
    assert!(q.valid);
    assert_eq!(q.name, FieldMatch::Mismatch);
    assert_eq!(q.street, FieldMatch::NotProvided);
    assert_eq!(q.city, FieldMatch::Match);
}

#[tokio::test]
async fn no_longer_valid_and_not_assigned_are_answers() {
    let server = Server::start(|_| {
        Reply::json(
            200,
            fixture("evatr", "rest_response_2006_was_valid.COMPOSED.json"),
        )
    })
    .await;
    let r = sources(&server, "").evatr(&vat("ATU13585627"), None).await;
    let Outcome::Answer(Answer::Qualified(q)) = &r.outcome else {
        panic!("{r:?}")
    };
    assert!(!q.valid);
    assert_eq!(q.valid_from.as_deref(), Some("01.01.2024"));
    assert_eq!(q.valid_until.as_deref(), Some("31.12.2024"));

    // 404 with a body is the registry's answer, not a transport failure.
    let server = Server::start(|_| {
        Reply::json(
            404,
            fixture(
                "evatr",
                "rest_response_http404_2001_not_assigned.COMPOSED.json",
            ),
        )
    })
    .await;
    let r = sources(&server, "").evatr(&vat("ATU13585627"), None).await;
    let Outcome::Answer(Answer::Qualified(q)) = &r.outcome else {
        panic!("{r:?}")
    };
    assert!(!q.valid);
    assert_eq!(r.evidence.code.as_deref(), Some("evatr-2001"));
    assert_eq!(r.evidence.http_status, Some(404));
    assert_eq!(r.evidence.reference.as_deref(), Some("0123456789abcdf0"));
}

#[tokio::test]
async fn every_catalogue_status_is_mapped() {
    let catalogue: Vec<serde_json::Value> =
        serde_json::from_slice(&fixture("evatr", "rest_info_statusmeldungen.json")).unwrap();
    for entry in catalogue {
        let code = entry["status"].as_str().unwrap().to_string();
        let http = entry["httpcode"].as_u64().unwrap_or(200) as u16;
        let body = format!(
            r#"{{"id":"00000000000000aa","anfrageZeitpunkt":"2026-01-01T00:00:00+01:00","status":"{code}"}}"#
        );
        let server = Server::start(move |_| Reply::json(http, body.clone())).await;
        let r = sources(&server, "").evatr(&vat("ATU13585627"), None).await;
        let n: u32 = code.trim_start_matches("evatr-").parse().unwrap();
        match n {
            0 | 2008 | 3 => assert!(
                matches!(&r.outcome, Outcome::Answer(Answer::Qualified(q)) if q.valid),
                "{code}: {r:?}"
            ),
            2001 | 2002 | 2006 => assert!(
                matches!(&r.outcome, Outcome::Answer(Answer::Qualified(q)) if !q.valid),
                "{code}: {r:?}"
            ),
            8 => assert_eq!(reason(&r.outcome), Some(Unavailable::Throttled), "{code}"),
            11 | 13 | 1001..=1004 | 2004 | 2007 | 2011 | 3011 => {
                assert_eq!(
                    reason(&r.outcome),
                    Some(Unavailable::ServiceUnavailable),
                    "{code}"
                )
            }
            _ => assert_eq!(reason(&r.outcome), Some(Unavailable::Rejected), "{code}"),
        }
        assert_eq!(r.evidence.code.as_deref(), Some(code.as_str()));
        assert_eq!(r.evidence.http_status, Some(http));
    }
}

#[tokio::test]
async fn syntax_error_with_http_400_is_refused_not_invalid() {
    let server = Server::start(|_| {
        Reply::json(
            400,
            fixture("evatr", "rest_response_http400_0005_syntax.COMPOSED.json"),
        )
    })
    .await;
    let r = sources(&server, "").evatr(&vat("ATU13585627"), None).await;
    assert_eq!(reason(&r.outcome), Some(Unavailable::Rejected));
    let Outcome::CouldNotAsk { message, .. } = &r.outcome else {
        unreachable!()
    };
    assert!(message.contains("syntaktisch falsch"), "{message}");
}

#[tokio::test(start_paused = true)]
async fn outages_are_retried_then_could_not_ask() {
    let server = Server::start(|_| {
        Reply::json(
            503,
            r#"{"id":"00000000000000ab","anfrageZeitpunkt":"x","status":"evatr-0011"}"#,
        )
    })
    .await;
    let s = sources(
        &server,
        "retry = { max_attempts = 3, backoff_base_ms = 1000, backoff_max_ms = 4000 }\n",
    );
    let r = s.evatr(&vat("ATU13585627"), None).await;
    assert_eq!(reason(&r.outcome), Some(Unavailable::ServiceUnavailable));
    assert_eq!(server.count(), 3);
    // HTML from a gateway without a status body.
    let server = Server::start(|_| Reply::html(502, "<html>Bad Gateway</html>")).await;
    let r = sources(&server, "").evatr(&vat("ATU13585627"), None).await;
    assert_eq!(reason(&r.outcome), Some(Unavailable::ServiceUnavailable));
    // Truncated and non-UTF-8 bodies.
    let server = Server::start(|_| {
        Reply::json(200, fixture("evatr", "rest_response_simple_ok.json")).cut(20)
    })
    .await;
    let r = sources(&server, "").evatr(&vat("ATU13585627"), None).await;
    assert_eq!(reason(&r.outcome), Some(Unavailable::Connection), "{r:?}");
    let server =
        Server::start(|_| Reply::json(200, b"{\"status\":\"evatr-\xff\xfe\"".to_vec())).await;
    let r = sources(&server, "").evatr(&vat("ATU13585627"), None).await;
    assert_eq!(reason(&r.outcome), Some(Unavailable::Parse), "{r:?}");
}

#[tokio::test]
async fn german_numbers_and_missing_requester_are_refused_locally() {
    let server =
        Server::start(|_| Reply::json(200, fixture("evatr", "rest_response_simple_ok.json"))).await;
    let r = sources(&server, "").evatr(&vat("DE136695976"), None).await;
    assert_eq!(reason(&r.outcome), Some(Unavailable::Rejected));
    let Outcome::CouldNotAsk { message, .. } = &r.outcome else {
        unreachable!()
    };
    assert!(
        message.contains("foreign") && message.contains("VIES"),
        "{message}"
    );
    let text = format!("[evatr]\nbase_url = \"{}\"\n", server.url("/app/v1"));
    let r = Sources::new(&config(&text))
        .unwrap()
        .evatr(&vat("ATU13585627"), None)
        .await;
    assert_eq!(reason(&r.outcome), Some(Unavailable::Disabled));
    let r = sources(&server, "")
        .evatr(
            &vat("ATU13585627"),
            Some(&QualifiedRequest {
                name: "X".into(),
                city: " ".into(),
                ..QualifiedRequest::default()
            }),
        )
        .await;
    assert_eq!(reason(&r.outcome), Some(Unavailable::Rejected));
    assert_eq!(server.count(), 0);
}

#[tokio::test]
async fn catalogue_is_refreshed_from_the_registry() {
    let server = Server::start(|req| {
        if req.path.ends_with("/info/statusmeldungen") {
            Reply::json(
                200,
                r#"[{"status":"evatr-4711","kategorie":"Fehler","httpcode":503,"meldung":"Neu"}]"#,
            )
        } else {
            Reply::json(503, r#"{"id":"00000000000000ac","status":"evatr-4711"}"#)
        }
    })
    .await;
    let s = sources(&server, "");
    let r = s.evatr(&vat("ATU13585627"), None).await;
    let Outcome::CouldNotAsk { message, .. } = &r.outcome else {
        panic!("{r:?}")
    };
    assert!(message.contains("unknown status"), "{message}");
    assert_eq!(s.evatr_refresh_catalogue().await, Ok(1));
    let r = s.evatr(&vat("ATU13585627"), None).await;
    let Outcome::CouldNotAsk { reason, message } = &r.outcome else {
        panic!("{r:?}")
    };
    assert_eq!(*reason, Unavailable::ServiceUnavailable);
    assert!(message.contains("Neu"), "{message}");
}
