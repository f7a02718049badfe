//! GLEIF client against a local server serving the fixture payloads.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

mod common;

use common::{Reply, Server, config, fixture, max_in_window};
use kontra::domain::check::{Answer, Outcome, Unavailable};
use kontra::sources::{GleifSearch, Sources};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

fn sources(server: &Server, extra: &str) -> Sources {
    let mut text = format!("[gleif]\nbase_url = \"{}\"\n{extra}", server.url("/api/v1"));
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

fn record_server() -> impl Fn(&common::Req) -> Reply {
    |req| {
        if req.path.ends_with("/lei-records/HWUPKR0MPOU8FGXBT394") {
            Reply::new(
                200,
                "application/vnd.api+json",
                fixture("gleif", "lei-record_HWUPKR0MPOU8FGXBT394.json"),
            )
        } else if req.path.ends_with("/lei-records/254900OPPU84GM83MG36") {
            Reply::new(
                200,
                "application/vnd.api+json",
                fixture("gleif", "lei-record_254900OPPU84GM83MG36.json"),
            )
        } else if req.path.contains("/lei-records?") && req.path.contains("0450486330") {
            Reply::new(
                200,
                "application/vnd.api+json",
                fixture("gleif", "lei-records_search_by_registeredAs.COMPOSED.json"),
            )
        } else if req.path.contains("/lei-records?") {
            Reply::new(
                200,
                "application/vnd.api+json",
                fixture("gleif", "lei-records_search_empty.COMPOSED.json"),
            )
        } else {
            // An unknown LEI: the error names it. The shape of GLEIF's real answer is not
            // confirmed (no capture found); a generic "Resource not found" is tested below.
            let lei = req.path.rsplit('/').next().unwrap_or_default().to_string();
            Reply::new(
                404,
                "application/vnd.api+json",
                serde_json::json!({"errors": [{"status": "404", "title": "Not Found",
                    "detail": format!("Record {lei} not found")}]})
                .to_string(),
            )
        }
    }
}

#[tokio::test]
async fn lei_record_is_normalised() {
    let server = Server::start(record_server()).await;
    let s = sources(&server, "");
    let r = s.gleif_lei("HWUPKR0MPOU8FGXBT394").await;
    let Outcome::Answer(Answer::Lei(a)) = &r.outcome else {
        panic!("{r:?}")
    };
    assert_eq!(a.lei, "HWUPKR0MPOU8FGXBT394");
    assert_eq!(a.legal_name, "Apple Inc.");
    assert_eq!(
        a.legal_address,
        "C/O C T Corporation System, 330 N. Brand Blvd, Suite 700, 91203 Glendale, US"
    );
    assert_eq!(a.legal_form_code.as_deref(), Some("H1UM"));
    assert_eq!(a.entity_status, "ACTIVE");
    assert_eq!(a.registration_status, "ISSUED");
    assert_eq!(a.successor, None);
    assert_eq!(a.registered_as.as_deref(), Some("806592"));
    assert_eq!(a.registered_at.as_deref(), Some("RA000598"));
    assert_eq!(r.evidence.code.as_deref(), Some("ISSUED"));
    let req = &server.requests()[0];
    assert_eq!(req.path, "/api/v1/lei-records/HWUPKR0MPOU8FGXBT394");
    assert_eq!(req.header("accept"), Some("application/vnd.api+json"));

    let r = s.gleif_lei("254900oppu84gm83mg36").await;
    let Outcome::Answer(Answer::Lei(a)) = &r.outcome else {
        panic!("{r:?}")
    };
    assert_eq!(a.legal_name, "GLEIF Americas A NJ Nonprofit Corporation");
    assert_eq!(a.legal_form_code.as_deref(), Some("T4M6"));
}

#[tokio::test]
async fn unknown_lei_is_an_answer_and_bad_lei_is_refused() {
    let server = Server::start(record_server()).await;
    let s = sources(&server, "");
    // Valid check digits, not served by the fixture server.
    let r = s.gleif_lei("529900T8BM49AURSDO55").await;
    assert!(
        matches!(&r.outcome, Outcome::Answer(Answer::LeiNotFound(n)) if n.lei == "529900T8BM49AURSDO55"),
        "{r:?}"
    );
    let r = s.gleif_lei("HWUPKR0MPOU8FGXBT395").await;
    assert_eq!(reason(&r.outcome), Some(Unavailable::Rejected));
    assert_eq!(server.count(), 1);
    // A 404 that is not GLEIF's JSON:API (a proxy page) is not "no such LEI".
    let server = Server::start(|_| Reply::html(404, "<html>Not Found</html>")).await;
    let r = sources(&server, "").gleif_lei("529900T8BM49AURSDO55").await;
    assert!(r.outcome.answer().is_none(), "{r:?}");
    // Nor is a generic JSON:API 404 that does not name the LEI, as a wrong path gives.
    let server = Server::start(|_| {
        Reply::new(
            404,
            "application/vnd.api+json",
            fixture("gleif", "error_404_direct_parent.COMPOSED.json"),
        )
    })
    .await;
    let r = sources(&server, "").gleif_lei("529900T8BM49AURSDO55").await;
    assert!(r.outcome.answer().is_none(), "{r:?}");
}

#[tokio::test]
async fn search_by_register_and_court() {
    let server = Server::start(record_server()).await;
    let s = sources(&server, "");
    let q = GleifSearch::Register {
        number: "0450486330".into(),
        court: Some("RA000625".into()),
        country: Some("us".into()),
    };
    let r = s.gleif_search(&q).await;
    let Outcome::Answer(Answer::LeiSearch(found)) = &r.outcome else {
        panic!("{r:?}")
    };
    assert_eq!(found.total, 1);
    assert_eq!(found.records[0].lei, "254900OPPU84GM83MG36");
    let path = &server.requests()[0].path;
    let url = url::Url::parse(&format!("http://x{path}")).unwrap();
    let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    assert!(
        pairs.contains(&("filter[entity.registeredAs]".into(), "0450486330".into())),
        "{pairs:?}"
    );
    assert!(pairs.contains(&("filter[entity.legalAddress.country]".into(), "US".into())));
    assert!(pairs.contains(&("page[size]".into(), "20".into())));

    // Same number, other court: German numbers are unique only with the court.
    let q = GleifSearch::Register {
        number: "0450486330".into(),
        court: Some("RA000999".into()),
        country: None,
    };
    let r = s.gleif_search(&q).await;
    assert!(
        matches!(&r.outcome, Outcome::Answer(Answer::LeiSearch(f)) if f.records.is_empty() && f.total == 0)
    );

    let r = s
        .gleif_search(&GleifSearch::Name {
            name: "Nobody GmbH".into(),
            country: Some("DE".into()),
        })
        .await;
    assert!(matches!(&r.outcome, Outcome::Answer(Answer::LeiSearch(f)) if f.records.is_empty()));
    let path = &server.requests()[2].path;
    assert!(
        path.contains("filter%5Bentity.legalName%5D=Nobody+GmbH"),
        "{path}"
    );
}

#[tokio::test(start_paused = true)]
async fn http_429_is_retried_after_retry_after() {
    let hits = Arc::new(AtomicUsize::new(0));
    let h = hits.clone();
    let server = Server::start(move |req| {
        if h.fetch_add(1, Ordering::SeqCst) == 0 {
            Reply::json(
                429,
                r#"{"errors":[{"status":"429","title":"Too Many Requests"}]}"#,
            )
            .header("Retry-After", "7")
        } else {
            record_server()(req)
        }
    })
    .await;
    let s = sources(
        &server,
        "retry = { max_attempts = 3, backoff_base_ms = 1000, backoff_max_ms = 30000 }\n",
    );
    let r = s.gleif_lei("HWUPKR0MPOU8FGXBT394").await;
    assert!(r.outcome.answer().is_some(), "{r:?}");
    let reqs = server.requests();
    assert_eq!(reqs.len(), 2);
    assert!(reqs[1].at - reqs[0].at >= Duration::from_secs(7));
    // A Retry-After beyond the configured patience ends the retries at once.
    let server = Server::start(|_| Reply::json(429, "{}").header("Retry-After", "3600")).await;
    let r = sources(
        &server,
        "retry = { max_attempts = 3, backoff_base_ms = 1000, backoff_max_ms = 30000 }\n",
    )
    .gleif_lei("HWUPKR0MPOU8FGXBT394")
    .await;
    assert_eq!(reason(&r.outcome), Some(Unavailable::Throttled));
    assert_eq!(server.count(), 1);
}

#[tokio::test(start_paused = true)]
async fn sixty_per_minute_holds_under_many_concurrent_callers() {
    let server =
        Server::start(|req| record_server()(req).delayed(Duration::from_millis(200))).await;
    let s = sources(&server, "");
    let start = tokio::time::Instant::now();
    let tasks: Vec<_> = (0..130)
        .map(|_| {
            let s = s.clone();
            tokio::spawn(async move { s.gleif_lei("HWUPKR0MPOU8FGXBT394").await })
        })
        .collect();
    for t in tasks {
        assert!(t.await.unwrap().outcome.answer().is_some());
    }
    let reqs = server.requests();
    assert_eq!(reqs.len(), 130);
    assert!(max_in_window(&reqs, Duration::from_secs(60)) <= 60);
    assert!(server.inflight_max.load(Ordering::SeqCst) <= 4);
    assert!(start.elapsed() >= Duration::from_secs(120));
}

#[tokio::test]
async fn broken_bodies_are_never_answers() {
    let body = fixture("gleif", "lei-record_HWUPKR0MPOU8FGXBT394.json");
    let half = body[..body.len() / 2].to_vec();
    let server = Server::start(move |_| Reply::json(200, half.clone())).await;
    let r = sources(&server, "").gleif_lei("HWUPKR0MPOU8FGXBT394").await;
    assert_eq!(reason(&r.outcome), Some(Unavailable::Parse));
    let server = Server::start(move |_| Reply::json(200, body.clone()).cut(100)).await;
    let r = sources(&server, "").gleif_lei("HWUPKR0MPOU8FGXBT394").await;
    assert_eq!(reason(&r.outcome), Some(Unavailable::Connection));
    let server = Server::start(|_| Reply::json(200, vec![b'{', 0xc3, 0x28, b'}'])).await;
    let r = sources(&server, "").gleif_lei("HWUPKR0MPOU8FGXBT394").await;
    assert!(r.outcome.answer().is_none());
    // A record for another LEI is not this LEI's answer.
    let server = Server::start(|_| {
        Reply::json(
            200,
            fixture("gleif", "lei-record_254900OPPU84GM83MG36.json"),
        )
    })
    .await;
    let r = sources(&server, "").gleif_lei("HWUPKR0MPOU8FGXBT394").await;
    assert_eq!(reason(&r.outcome), Some(Unavailable::Parse));
}
