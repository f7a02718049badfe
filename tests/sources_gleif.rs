//! GLEIF client against a local server serving the fixture payloads.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

mod support;
use support::common;

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
        court_name: None,
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

    // Same number, other court: German numbers are unique only with the court. Every form
    // was searched and none carried that court: no match listed with the forms, not "no LEI".
    let q = GleifSearch::Register {
        number: "0450486330".into(),
        court: Some("RA000999".into()),
        court_name: None,
        country: None,
    };
    let r = s.gleif_search(&q).await;
    let Outcome::Answer(Answer::LeiNoMatch(m)) = &r.outcome else {
        panic!("{r:?}")
    };
    assert_eq!(m.variants, ["0450486330", "450486330"]);
    assert_eq!(m.court.as_deref(), Some("RA000999"));

    let r = s
        .gleif_search(&GleifSearch::Name {
            name: "Nobody GmbH".into(),
            country: Some("DE".into()),
        })
        .await;
    assert!(
        matches!(&r.outcome, Outcome::Answer(Answer::LeiNoMatch(m)) if m.variants == ["Nobody GmbH"] && m.field == "fulltext"),
        "{r:?}"
    );
    let path = server.requests().last().unwrap().path.clone();
    assert!(path.contains("filter%5Bfulltext%5D=Nobody+GmbH"), "{path}");
}

/// The local GLEIF stores "HRB 12345 B" (Berlin) and matches only that exact text, as live
/// GLEIF's `registeredAs` filter does; the old client searched only the form it was given.
#[tokio::test]
async fn register_number_forms_are_searched_until_gleif_s_own_form_matches() {
    let records = vec![common::gleif_api::berlin_record()];
    let server = Server::start(move |req| common::gleif_api::answer(req, &records)).await;
    let s = sources(&server, "");
    let q = GleifSearch::Register {
        number: "HRB 12345".into(),
        court: Some("RA000999".into()),
        court_name: Some("Berlin (Charlottenburg)".into()),
        country: Some("DE".into()),
    };
    let r = s.gleif_search(&q).await;
    let Outcome::Answer(Answer::LeiSearch(found)) = &r.outcome else {
        panic!("{r:?}")
    };
    assert_eq!(
        found.records[0].registered_as.as_deref(),
        Some("HRB 12345 B")
    );
    assert_eq!(
        r.evidence.code.as_deref(),
        Some("entity.registeredAs=HRB 12345 B")
    );
    let asked: Vec<String> = server
        .requests()
        .iter()
        .map(|req| {
            let url = url::Url::parse(&format!("http://x{}", req.path)).unwrap();
            let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
            // GLEIF is never asked to filter by the court (the local GLEIF refuses unknown
            // filters with 400, as a JSON:API server does).
            assert!(
                pairs.iter().all(|(k, _)| !k.contains("registeredAt")),
                "{pairs:?}"
            );
            pairs
                .into_iter()
                .find(|(k, _)| k == "filter[entity.registeredAs]")
                .unwrap()
                .1
        })
        .collect();
    assert_eq!(asked, ["HRB 12345", "HRB 12345 B"]);

    // The right number at another registration authority is not this company.
    let q = GleifSearch::Register {
        number: "HRB 12345 B".into(),
        court: Some("RA000131".into()),
        court_name: None,
        country: Some("DE".into()),
    };
    let before = server.count();
    let r = s.gleif_search(&q).await;
    let Outcome::Answer(Answer::LeiNoMatch(m)) = &r.outcome else {
        panic!("{r:?}")
    };
    assert_eq!(
        m.variants,
        ["HRB 12345 B", "HRB 12345", "HRB12345B", "HRB12345", "12345"]
    );
    assert_eq!(server.count() - before, 5);
    let text = m.describe();
    assert!(
        text.starts_with("no LEI found for these variants: \"HRB 12345 B\""),
        "{text}"
    );
    assert!(text.contains("not \"no LEI exists\""), "{text}");

    // A court given as a name is not an RA code and is refused before any request.
    let q = GleifSearch::Register {
        number: "HRB 12345".into(),
        court: Some("Berlin".into()),
        court_name: None,
        country: None,
    };
    let before = server.count();
    let r = s.gleif_search(&q).await;
    assert_eq!(reason(&r.outcome), Some(Unavailable::Rejected));
    assert_eq!(server.count(), before);

    // A failure on one form is that failure, never a no-match.
    let server = Server::start(|req: &common::Req| {
        if req.path.contains("HRB12345") {
            Reply::json(503, "{}")
        } else {
            common::gleif_api::answer(req, &[])
        }
    })
    .await;
    let r = sources(&server, "")
        .gleif_search(&GleifSearch::Register {
            number: "HRB 12345".into(),
            court: None,
            court_name: None,
            country: None,
        })
        .await;
    assert_eq!(reason(&r.outcome), Some(Unavailable::ServiceUnavailable));
}

/// Names are searched with GLEIF's `filter[fulltext]`, which finds a word of the legal name.
#[tokio::test]
async fn names_are_searched_in_fulltext() {
    let records = vec![common::gleif_api::berlin_record()];
    let server = Server::start(move |req| common::gleif_api::answer(req, &records)).await;
    let r = sources(&server, "")
        .gleif_search(&GleifSearch::Name {
            name: " apple ".into(),
            country: Some("de".into()),
        })
        .await;
    let Outcome::Answer(Answer::LeiSearch(found)) = &r.outcome else {
        panic!("{r:?}")
    };
    assert_eq!(found.records[0].lei, "HWUPKR0MPOU8FGXBT394");
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

/// A counterparty's court written as a name ("Amtsgericht München") is turned into München's RA
/// code from the court table: the record registered there is found, a record with the same number
/// at another court is not this company. GLEIF is still never asked to filter by the court.
#[tokio::test]
async fn a_court_written_by_name_is_checked_by_its_ra_code() {
    const MUNICH: &str = "RA000304"; // assets/sources/gleif_register_courts.tsv
    let records = vec![
        common::gleif_api::german_record("529900AAAAAAAAAAAA01", "HRB 42243", "RA000351"),
        common::gleif_api::german_record("529900MUNICHMUNICH02", "HRB 42243", MUNICH),
    ];
    let server = Server::start(move |req| common::gleif_api::answer(req, &records)).await;
    let s = sources(&server, "");
    let ask = |court: &str| GleifSearch::Register {
        number: "HRB 42243".into(),
        court: None,
        court_name: Some(court.into()),
        country: Some("DE".into()),
    };
    for court in ["Amtsgericht München", "AG Muenchen"] {
        let r = s.gleif_search(&ask(court)).await;
        let Outcome::Answer(Answer::LeiSearch(found)) = &r.outcome else {
            panic!("{court}: {r:?}")
        };
        let leis: Vec<&str> = found.records.iter().map(|x| x.lei.as_str()).collect();
        assert_eq!(leis, ["529900MUNICHMUNICH02"], "{court}");
        assert_eq!(found.total, 1);
        assert_eq!(
            r.evidence.code.as_deref(),
            Some("entity.registeredAs=HRB 42243")
        );
    }

    // Only the Stuttgart record holds the number: München's code rejects it.
    let records = vec![common::gleif_api::german_record(
        "529900AAAAAAAAAAAA01",
        "HRB 42243",
        "RA000351",
    )];
    let server = Server::start(move |req| common::gleif_api::answer(req, &records)).await;
    let s = sources(&server, "");
    let r = s.gleif_search(&ask("Amtsgericht München")).await;
    let Outcome::Answer(Answer::LeiNoMatch(m)) = &r.outcome else {
        panic!("{r:?}")
    };
    assert_eq!(m.court.as_deref(), Some(MUNICH));
    for req in server.requests() {
        assert!(!req.path.contains("registeredAt"), "{}", req.path);
    }

    // A court the table does not know: every record of the number is kept, as before, and the
    // answer says the authority was not checked.
    let r = s.gleif_search(&ask("Amtsgericht Musterstadt")).await;
    let Outcome::Answer(Answer::LeiSearch(found)) = &r.outcome else {
        panic!("{r:?}")
    };
    assert_eq!(found.records.len(), 1);
    let code = r.evidence.code.as_deref().unwrap();
    assert!(
        code.starts_with("entity.registeredAs=HRB 42243;")
            && code.contains("registration authority not checked")
            && code.contains("Amtsgericht Musterstadt"),
        "{code}"
    );
}
