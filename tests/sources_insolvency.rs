//! Insolvency-portal client against a local server that plays the JSF search form the way the
//! live portal behaves (see `common::insolvency_portal`) and serves the composed result pages.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

mod support;
use support::common;

use common::insolvency_portal::{
    COURT_FIELD, LAND_FIELD, Notice, Results, WILDCARD_FIELD, Wildcard, form, law_abiding, portal,
};
use common::{Reply, Req, Server, config, fixture};
use kontra::domain::check::{Answer, Outcome, Unavailable};
use kontra::sources::{InsolvencyQuery, Sources};
use std::sync::{Arc, Mutex};

fn sources(server: &Server, extra: &str) -> Sources {
    let text = format!("[insolvency]\nbase_url = \"{}\"\n{extra}", server.url(""));
    Sources::new(&config(&text)).unwrap()
}

fn reason(o: &Outcome) -> Option<Unavailable> {
    match o {
        Outcome::CouldNotAsk { reason, .. } => Some(*reason),
        Outcome::Answer(_) => None,
    }
}

fn query(name: &str, seat: Option<&str>) -> InsolvencyQuery {
    InsolvencyQuery {
        name: name.into(),
        seat: seat.map(str::to_string),
        ..InsolvencyQuery::default()
    }
}

#[tokio::test(start_paused = true)]
async fn publications_are_read_from_the_result_table() {
    let server = Server::start(portal(
        form(Wildcard::Stars),
        Arc::new(|_| fixture("insolvency", "search_results.sample.COMPOSED.html")),
    ))
    .await;
    let s = sources(&server, "");
    let r = s.insolvency(&query("Musterbau", None)).await;
    let Outcome::Answer(Answer::Insolvency(a)) = &r.outcome else {
        panic!("{r:?}")
    };
    assert_eq!(a.publications.len(), 2);
    let p = &a.publications[0];
    assert_eq!(p.date, "09.03.2026");
    assert_eq!(p.case_number, "36a IN 1234/26");
    assert_eq!(p.court, "Amtsgericht Charlottenburg");
    assert_eq!(p.debtor, "Musterbau GmbH");
    assert_eq!(p.seat, "Berlin");
    assert_eq!(
        p.register.as_deref(),
        Some("Amtsgericht Charlottenburg, HRB 999999 B")
    );
    assert_eq!(a.publications[1].debtor, "Musterbau Nord GmbH & Co. KG");
    assert_eq!(
        r.evidence.code.as_deref(),
        Some("LAST_14_DAYS"),
        "no seat, no court: the answer says how little was searched"
    );
    let post = server
        .requests()
        .into_iter()
        .find(|r| r.method == "POST")
        .unwrap();
    assert_eq!(
        post.form_value("frm_suche:litx_firmaNachName:text")
            .as_deref(),
        Some("*Musterbau*")
    );
    assert_eq!(
        post.form_value("frm_suche:lsom_wildcard:lsom").as_deref(),
        Some("0")
    );
    assert_eq!(
        post.form_value("frm_suche:cbt_suchen").as_deref(),
        Some("Suchen")
    );
    assert_eq!(
        post.form_value("frm_suche:lsom_bundesland:codelist:scl_bundesland:mysom")
            .as_deref(),
        Some("NO_CODE")
    );

    let r = s.insolvency(&query("Musterbau", Some("Berlin"))).await;
    let Outcome::Answer(Answer::Insolvency(a)) = &r.outcome else {
        panic!("{r:?}")
    };
    assert_eq!(a.publications.len(), 1, "seat filters the rows");
    assert_eq!(r.evidence.code, None, "the court was in the query");
    let post = server
        .requests()
        .into_iter()
        .rfind(|r| r.method == "POST")
        .unwrap();
    // The seat derives the court; sent as text it would drop spellings the portal differs in.
    assert_eq!(
        post.form_value("frm_suche:litx_sitzWohnsitz:text")
            .as_deref(),
        Some("")
    );
    assert_eq!(post.form_value(COURT_FIELD).as_deref(), Some("X101"));
    assert_eq!(post.form_value(LAND_FIELD).as_deref(), Some("BE"));
}

#[tokio::test(start_paused = true)]
async fn too_many_hits_is_narrowed_by_date() {
    let results: Results = Arc::new(|post: &Req| {
        let from = post
            .form_value("frm_suche:ldi_datumVon:datumHtml5")
            .unwrap_or_default();
        let to = post
            .form_value("frm_suche:ldi_datumBis:datumHtml5")
            .unwrap_or_default();
        let days = match (
            chrono::NaiveDate::parse_from_str(&from, "%Y-%m-%d"),
            chrono::NaiveDate::parse_from_str(&to, "%Y-%m-%d"),
        ) {
            (Ok(a), Ok(b)) => (b - a).num_days(),
            _ => i64::MAX,
        };
        if days > 400 {
            fixture("insolvency", "too_many_hits.sample.COMPOSED.html")
        } else {
            fixture("insolvency", "search_results.sample.COMPOSED.html")
        }
    });
    let server = Server::start(portal(form(Wildcard::Stars), results.clone())).await;
    let r = sources(&server, "")
        .insolvency(&query("Bau", Some("Berlin")))
        .await;
    let Outcome::Answer(Answer::Insolvency(a)) = &r.outcome else {
        panic!("{r:?}")
    };
    assert_eq!(
        a.publications.len(),
        1,
        "rows found in several ranges are kept once (the Musterstadt row is another seat)"
    );
    let posts = server
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST")
        .count();
    // Full range, two halves, four quarters.
    assert_eq!(posts, 7);

    let server = Server::start(portal(form(Wildcard::Stars), results)).await;
    let r = sources(&server, "max_narrowing_searches = 3\n")
        .insolvency(&query("Bau", Some("Berlin")))
        .await;
    assert_eq!(reason(&r.outcome), Some(Unavailable::Rejected), "{r:?}");
    assert_eq!(r.evidence.code.as_deref(), Some("TOO_MANY_HITS"));
}

#[tokio::test(start_paused = true)]
async fn changed_layout_and_broken_pages_are_never_an_empty_answer() {
    let body = Arc::new(Mutex::new(Vec::new()));
    let b = body.clone();
    let server = Server::start(portal(
        form(Wildcard::Stars),
        Arc::new(move |_| b.lock().unwrap().clone()),
    ))
    .await;
    let s = sources(
        &server,
        "retry = { max_attempts = 1, backoff_base_ms = 1, backoff_max_ms = 1 }\n",
    );
    let renamed = String::from_utf8(fixture("insolvency", "search_results.sample.COMPOSED.html"))
        .unwrap()
        .replace("otx_", "out_");
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("renamed span ids", renamed.into_bytes()),
        (
            "maintenance page",
            b"<html><body>Wartungsarbeiten</body></html>".to_vec(),
        ),
        ("non-UTF-8", vec![0xff, 0xfe, b'<', 0x90]),
        (
            "truncated",
            fixture("insolvency", "search_results.sample.COMPOSED.html")[..700].to_vec(),
        ),
        (
            "no-hits words without the portal's element",
            b"<html><body><p>Es wurden keine Treffer gefunden.</p></body></html>".to_vec(),
        ),
        (
            "a re-rendered search page",
            b"<html><body><p>Es wurden keine Suchkriterien eingegeben.</p></body></html>".to_vec(),
        ),
    ];
    for (what, page) in cases {
        *body.lock().unwrap() = page;
        let r = s.insolvency(&query("Musterbau", Some("Berlin"))).await;
        assert_eq!(
            reason(&r.outcome),
            Some(Unavailable::SourceChanged),
            "{what}: {r:?}"
        );
    }
    *body.lock().unwrap() = common::insolvency_portal::result_page(&[]);
    let r = s.insolvency(&query("Musterbau", Some("Berlin"))).await;
    assert!(
        matches!(&r.outcome, Outcome::Answer(Answer::Insolvency(a)) if a.publications.is_empty()),
        "{r:?}"
    );

    let server =
        Server::start(|_| Reply::html(200, "<html><body><form id='other'></form></body></html>"))
            .await;
    let r = sources(&server, "")
        .insolvency(&query("Musterbau", None))
        .await;
    assert_eq!(reason(&r.outcome), Some(Unavailable::SourceChanged));
}

#[tokio::test(start_paused = true)]
async fn outages_are_retried_with_backoff_and_paced() {
    let server = Server::start(|_| Reply::html(503, "<html>Service Unavailable</html>")).await;
    let s = sources(
        &server,
        "retry = { max_attempts = 3, backoff_base_ms = 5000, backoff_max_ms = 60000 }\n",
    );
    let r = s.insolvency(&query("Musterbau", None)).await;
    assert_eq!(reason(&r.outcome), Some(Unavailable::ServiceUnavailable));
    let reqs = server.requests();
    assert_eq!(reqs.len(), 3);
    assert!(reqs[1].at - reqs[0].at >= std::time::Duration::from_millis(2500));
    let r = s.insolvency(&query("M", None)).await;
    assert_eq!(reason(&r.outcome), Some(Unavailable::Rejected));
    assert_eq!(server.count(), 3);
}

fn notices() -> Vec<Notice> {
    vec![
        // Opened 40 days ago: only a query naming the court sees it.
        Notice {
            days_ago: 40,
            court_code: "X101",
            court: "Charlottenburg",
            case: "36a IN 1234/26",
            debtor: "Musterbau Gesellschaft mit beschränkter Haftung",
            seat: "Berlin",
            register: "Amtsgericht Charlottenburg, HRB 999999 B",
        },
        Notice {
            days_ago: 3,
            court_code: "X303",
            court: "Frankfurt am Main",
            case: "810 IN 55/26",
            debtor: "Beispiel Handel GmbH",
            seat: "Frankfurt am Main",
            register: "Amtsgericht Frankfurt am Main, HRB 1234",
        },
        Notice {
            days_ago: 5,
            court_code: "X909",
            court: "Frankfurt (Oder)",
            case: "3 IN 9/26",
            debtor: "Beispiel Handel GmbH & Co. KG",
            seat: "Frankfurt (Oder)",
            register: "Amtsgericht Frankfurt (Oder), HRA 77",
        },
    ]
}

fn publications(r: &kontra::domain::check::SourceResult) -> Vec<String> {
    match &r.outcome {
        Outcome::Answer(Answer::Insolvency(a)) => a
            .publications
            .iter()
            .map(|p| p.case_number.clone())
            .collect(),
        o => panic!("no answer: {o:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn every_form_post_carries_origin_and_referer_of_the_portal() {
    let server = Server::start(law_abiding(notices(), Wildcard::Words)).await;
    let s = sources(&server, "");
    let r = s.insolvency(&query("Musterbau GmbH", Some("Berlin"))).await;
    assert_eq!(publications(&r), vec!["36a IN 1234/26"], "{r:?}");
    let post = server
        .requests()
        .into_iter()
        .find(|r| r.method == "POST")
        .unwrap();
    assert_eq!(post.header("origin"), Some(server.url("").as_str()));
    assert_eq!(
        post.header("referer"),
        Some(server.url("/ap/suche.jsf").as_str())
    );
}

#[tokio::test(start_paused = true)]
async fn the_court_derived_from_seat_or_register_court_reaches_older_publications() {
    let server = Server::start(law_abiding(notices(), Wildcard::Words)).await;
    let s = sources(&server, "");
    // The legal form is written out in the publication; the name is searched without it.
    let r = s.insolvency(&query("Musterbau GmbH", Some("Berlin"))).await;
    assert_eq!(publications(&r), vec!["36a IN 1234/26"], "{r:?}");
    assert_eq!(r.evidence.code, None);
    let post = server
        .requests()
        .into_iter()
        .rfind(|r| r.method == "POST")
        .unwrap();
    assert_eq!(post.form_value(COURT_FIELD).as_deref(), Some("X101"));
    assert_eq!(post.form_value(LAND_FIELD).as_deref(), Some("BE"));
    assert_eq!(
        post.form_value("frm_suche:litx_firmaNachName:text")
            .as_deref(),
        Some("Musterbau"),
        "searched without the legal form, in the contains mode"
    );
    assert_eq!(post.form_value(WILDCARD_FIELD).as_deref(), Some("2"));
    let today = chrono::Utc::now().date_naive();
    assert_eq!(
        post.form_value("frm_suche:ldi_datumBis:datumHtml5"),
        Some(today.format("%Y-%m-%d").to_string())
    );
    assert_eq!(
        post.form_value("frm_suche:ldi_datumVon:datumHtml5"),
        Some(
            (today - chrono::Days::new(3 * 365))
                .format("%Y-%m-%d")
                .to_string()
        ),
        "the whole look-back range, sent explicitly"
    );

    let by_register = InsolvencyQuery {
        name: "Musterbau GmbH".into(),
        register_court: Some("Berlin (Charlottenburg)".into()),
        ..InsolvencyQuery::default()
    };
    let r = s.insolvency(&by_register).await;
    assert_eq!(publications(&r), vec!["36a IN 1234/26"], "{r:?}");
}

#[tokio::test(start_paused = true)]
async fn without_a_court_the_answer_is_last_14_days_only_never_no_insolvency() {
    let server = Server::start(law_abiding(notices(), Wildcard::Words)).await;
    let s = sources(&server, "");
    // Musterstadt is not in the court table: the 40-day-old opening is invisible to the portal.
    let r = s
        .insolvency(&query("Musterbau GmbH", Some("Musterstadt")))
        .await;
    assert_eq!(reason(&r.outcome), Some(Unavailable::Limited), "{r:?}");
    assert_eq!(r.evidence.code.as_deref(), Some("LAST_14_DAYS"));
    let Outcome::CouldNotAsk { message, .. } = &r.outcome else {
        unreachable!()
    };
    assert!(message.contains("last 14 days only"), "{message}");
    let post = server
        .requests()
        .into_iter()
        .rfind(|r| r.method == "POST")
        .unwrap();
    let today = chrono::Utc::now().date_naive();
    assert_eq!(
        post.form_value("frm_suche:ldi_datumVon:datumHtml5"),
        Some(
            (today - chrono::Days::new(14))
                .format("%Y-%m-%d")
                .to_string()
        )
    );
    assert_eq!(post.form_value(COURT_FIELD).as_deref(), Some(""));

    // A recent publication is found, and the answer still says how little was searched; seats
    // compare by words: "Frankfurt (Oder)" is not "Frankfurt am Main".
    let r = s
        .insolvency(&query("Beispiel Handel", Some("Frankfurt (Oder)")))
        .await;
    assert_eq!(publications(&r), vec!["3 IN 9/26"], "{r:?}");
    assert_eq!(r.evidence.code.as_deref(), Some("LAST_14_DAYS"));
}

#[tokio::test(start_paused = true)]
async fn a_court_the_portal_does_not_list_falls_back_to_the_labelled_14_day_search() {
    let html = form(Wildcard::Words).replace(r#"<option value="X101">Charlottenburg</option>"#, "");
    let served = html.clone();
    let all = notices();
    let results: Results =
        Arc::new(move |post| common::insolvency_portal::search(&all, &served, post));
    let server = Server::start(portal(html, results)).await;
    let r = sources(&server, "")
        .insolvency(&query("Musterbau GmbH", Some("Berlin")))
        .await;
    assert_eq!(reason(&r.outcome), Some(Unavailable::Limited), "{r:?}");
    let Outcome::CouldNotAsk { message, .. } = &r.outcome else {
        unreachable!()
    };
    assert!(message.contains("Charlottenburg"), "{message}");
}

#[tokio::test(start_paused = true)]
async fn the_wildcard_mode_is_chosen_by_option_text_not_by_number() {
    for wildcard in [Wildcard::Words, Wildcard::Stars] {
        let server = Server::start(law_abiding(notices(), wildcard)).await;
        let r = sources(&server, "")
            .insolvency(&query("Musterbau", Some("Berlin")))
            .await;
        assert_eq!(
            publications(&r),
            vec!["36a IN 1234/26"],
            "{wildcard:?}: {r:?}"
        );
    }
    // Options that say neither "contains" nor "*" are not guessed at.
    let html = form(Wildcard::Words).replace("enthält", "ähnlich");
    let server = Server::start(portal(html, Arc::new(|_| Vec::new()))).await;
    let r = sources(&server, "")
        .insolvency(&query("Musterbau", Some("Berlin")))
        .await;
    assert_eq!(
        reason(&r.outcome),
        Some(Unavailable::SourceChanged),
        "{r:?}"
    );
    assert!(server.requests().iter().all(|r| r.method == "GET"));
}

#[tokio::test(start_paused = true)]
async fn a_redirect_to_another_host_is_not_followed_with_the_session() {
    let server = Server::start(|req: &common::Req| match req.method.as_str() {
        "GET" if req.path.starts_with("/ap/suche.jsf") => {
            Reply::html(200, form(Wildcard::Words)).header("Set-Cookie", "JSESSIONID=xyz; Path=/ap")
        }
        // "localhost" is another host name than the 127.0.0.1 the client asked.
        "POST" => {
            let port = req
                .header("host")
                .and_then(|h| h.rsplit(':').next())
                .unwrap_or_default()
                .to_string();
            Reply::html(302, "").header(
                "Location",
                &format!("http://localhost:{port}/ap/ergebnis.jsf"),
            )
        }
        _ => Reply::html(200, common::insolvency_portal::result_page(&[])),
    })
    .await;
    let r = sources(&server, "")
        .insolvency(&query("Musterbau", Some("Berlin")))
        .await;
    assert_eq!(
        reason(&r.outcome),
        Some(Unavailable::SourceChanged),
        "{r:?}"
    );
    assert!(
        !server
            .requests()
            .iter()
            .any(|r| r.path.contains("ergebnis")),
        "the redirect target was asked"
    );
}
