//! Handelsregister client against a local server that plays the portal's JSF pages and serves
//! the real result-table fixture.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

mod support;
use support::common;

use common::{Reply, Req, Server, config, fixture};
use kontra::domain::check::{Answer, Outcome, RegisterRecord, Unavailable};
use kontra::sources::{RegisterQuery, Sources};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const NAVI: &str = r#"<html><body><form id="naviForm" name="naviForm" method="post" action="/rp_web/start.xhtml;jsessionid=abc">
<input type="hidden" name="naviForm" value="naviForm"><input type="hidden" name="javax.faces.ViewState" value="vs1"></form></body></html>"#;

const SEARCH: &str = r#"<html><body><form id="form" name="form" method="post" action="/rp_web/erweitertesuche.xhtml">
<input type="hidden" name="form" value="form"><textarea name="form:schlagwoerter"></textarea>
<select name="form:schlagwortOptionen"><option value="1">alle</option><option value="2">min. eins</option><option value="3" selected>exakt</option></select>
<input type="checkbox" name="form:auchGeloeschte_input">
<select name="form:registerGericht_input"><option value="">alle</option><option value="D3201">Ansbach</option><option value="F1103">Berlin (Charlottenburg)</option><option value="D2601">München</option></select>
<select name="form:registerArt_input"><option value="">alle</option><option value="HRB">HRB</option></select>
<input type="text" name="form:registerNummer" value="">
<select name="form:ergebnisseProSeite_input"><option value="10">10</option><option value="100">100</option></select>
<button name="form:btnSuche" type="submit" value="">Suchen</button>
<input type="hidden" name="javax.faces.ViewState" value="vs2"></form></body></html>"#;

const EMPTY: &str = r#"<html><body><form id="ergebnissForm"><table role="grid"><tbody id="ergebnissForm:selectedSuchErgebnisFormTable_data" class="ui-datatable-data"><tr class="ui-widget-content ui-datatable-empty-message"><td colspan="9">Keine Suchergebnisse</td></tr></tbody></table></form></body></html>"#;

/// The portal: redirect and cookie on the start page, navigation POST, search POST.
fn portal(results: Arc<Mutex<Vec<u8>>>) -> impl Fn(&Req) -> Reply {
    portal_with(Arc::new(move |_| results.lock().unwrap().clone()))
}

/// Decides the result page from the posted search form.
type Results = Arc<dyn Fn(&Req) -> Vec<u8> + Send + Sync>;

/// The portal, answering each search POST with what `results` makes of its fields.
fn portal_with(results: Results) -> impl Fn(&Req) -> Reply {
    move |req| {
        let cookie = req.header("cookie").unwrap_or_default().to_string();
        match (
            req.method.as_str(),
            req.path.split(';').next().unwrap_or_default(),
        ) {
            ("GET", "/rp_web/welcome.xhtml") => Reply::html(302, "")
                .header("Location", "/rp_web/start.xhtml")
                .header("Set-Cookie", "JSESSIONID=abc; Path=/rp_web; HttpOnly"),
            ("GET", "/rp_web/start.xhtml") if cookie.contains("JSESSIONID=abc") => {
                Reply::html(200, NAVI)
            }
            ("POST", "/rp_web/start.xhtml")
                if req.form_value("naviForm:erweiterteSucheLink").is_some()
                    && req.form_value("javax.faces.ViewState").as_deref() == Some("vs1") =>
            {
                Reply::html(303, "").header("Location", "/rp_web/erweitertesuche.xhtml")
            }
            ("GET", "/rp_web/erweitertesuche.xhtml") => Reply::html(200, SEARCH),
            ("POST", "/rp_web/erweitertesuche.xhtml")
                if cookie.contains("JSESSIONID=abc")
                    && req.form_value("javax.faces.ViewState").as_deref() == Some("vs2") =>
            {
                Reply::html(200, results(req))
            }
            _ => Reply::html(500, "<html>Fehler</html>"),
        }
    }
}

fn sources(server: &Server, extra: &str) -> Sources {
    let text = format!(
        "[handelsregister]\nbase_url = \"{}\"\n{extra}",
        server.url("")
    );
    Sources::new(&config(&text)).unwrap()
}

fn reason(o: &Outcome) -> Option<Unavailable> {
    match o {
        Outcome::CouldNotAsk { reason, .. } => Some(*reason),
        Outcome::Answer(_) => None,
    }
}

fn by_name(name: &str) -> RegisterQuery {
    RegisterQuery {
        name: Some(name.into()),
        ..RegisterQuery::default()
    }
}

#[tokio::test]
async fn search_walks_the_forms_and_parses_the_real_result_row() {
    let results = Arc::new(Mutex::new(fixture(
        "handelsregister",
        "search_results_gasag.html",
    )));
    let server = Server::start(portal(results)).await;
    let s = sources(&server, "");
    let q = RegisterQuery::register("HRB 44343 B", Some("Berlin (Charlottenburg)")).unwrap();
    let r = s.handelsregister(&q).await;
    let Outcome::Answer(Answer::Register(reg)) = &r.outcome else {
        panic!("{r:?}")
    };
    let expected: serde_json::Value = serde_json::from_slice(&fixture(
        "handelsregister",
        "search_results_gasag.parsed.json",
    ))
    .unwrap();
    assert_eq!(expected[0]["name"], "GASAG AG");
    assert_eq!(
        reg.records,
        vec![RegisterRecord {
            court: "Berlin (Charlottenburg)".into(),
            kind: "HRB".into(),
            number: "44343 B".into(),
            name: expected[0]["name"].as_str().unwrap().into(),
            seat: "Berlin".into(),
            status: expected[0]["status"].as_str().unwrap().into(),
            history: vec!["Gasag Berliner Gaswerke Aktiengesellschaft".into()],
        }]
    );
    let reqs = server.requests();
    let search = reqs.last().unwrap();
    assert_eq!(
        search.form_value("form:registerNummer").as_deref(),
        Some("44343")
    );
    assert_eq!(
        search.form_value("form:registerArt_input").as_deref(),
        Some("HRB")
    );
    assert_eq!(
        search.form_value("form:schlagwortOptionen").as_deref(),
        Some("1")
    );
    assert_eq!(
        search
            .form_value("form:ergebnisseProSeite_input")
            .as_deref(),
        Some("100")
    );
    assert!(search.form_value("form:btnSuche").is_some());
    assert_eq!(
        search.form_value("form:auchGeloeschte_input").as_deref(),
        Some("on"),
        "deleted entries are searched"
    );
    assert_eq!(
        search.form_value("form:registerGericht_input").as_deref(),
        Some("F1103"),
        "the court is chosen by its option text"
    );
    // Start page, its redirect, navigation POST, its redirect, search POST.
    assert_eq!(server.count(), 5);
    assert_eq!(s.handelsregister_budget().remaining, 55);

    // Another court: the row is filtered out (numbers are unique only per court).
    let q = RegisterQuery::register("HRB 44343", Some("München")).unwrap();
    let r = s.handelsregister(&q).await;
    assert!(matches!(&r.outcome, Outcome::Answer(Answer::Register(reg)) if reg.records.is_empty()));
}

#[tokio::test]
async fn results_are_cached() {
    let results = Arc::new(Mutex::new(fixture(
        "handelsregister",
        "search_results_gasag.html",
    )));
    let server = Server::start(portal(results)).await;
    let s = sources(&server, "");
    let first = s.handelsregister(&by_name("GASAG")).await;
    assert!(first.outcome.answer().is_some(), "{first:?}");
    let n = server.count();
    let again = s.handelsregister(&by_name("  gasag ")).await;
    assert_eq!(again, first);
    assert_eq!(server.count(), n);
    assert_eq!(s.handelsregister_budget().remaining, 60 - n as u32);
}

#[tokio::test(start_paused = true)]
async fn hourly_allowance_is_never_exceeded() {
    let results = Arc::new(Mutex::new(fixture(
        "handelsregister",
        "search_results_gasag.html",
    )));
    let server = Server::start(portal(results)).await;
    let s = sources(&server, "retrievals_per_hour = 10\n");
    let tasks: Vec<_> = ["A", "B", "C", "D"]
        .iter()
        .map(|n| {
            let s = s.clone();
            let q = by_name(n);
            tokio::spawn(async move { s.handelsregister(&q).await })
        })
        .collect();
    let mut answers = 0;
    let mut refused = 0;
    for t in tasks {
        let r = t.await.unwrap();
        match &r.outcome {
            Outcome::Answer(_) => answers += 1,
            Outcome::CouldNotAsk { reason, message } => {
                assert_eq!(*reason, Unavailable::Disabled);
                assert_eq!(r.evidence.code.as_deref(), Some("BUDGET"));
                assert!(message.contains("allowance"), "{message}");
                refused += 1;
            }
        }
    }
    assert_eq!((answers, refused), (2, 2));
    let b = s.handelsregister_budget();
    assert_eq!((b.limit, b.remaining), (10, 0));
    assert_eq!(
        server.count(),
        10,
        "every request counted, none beyond the allowance"
    );
    assert!(b.next_in_secs.unwrap() <= 3600);
    let sent = server.count();
    tokio::time::advance(Duration::from_secs(3600)).await;
    assert_eq!(s.handelsregister_budget().remaining, 10);
    assert!(
        s.handelsregister(&by_name("E"))
            .await
            .outcome
            .answer()
            .is_some()
    );
    assert!(server.count() > sent);
    assert_eq!(s.status().handelsregister.remaining, 5);
}

#[tokio::test]
async fn changed_layout_is_source_changed_never_an_empty_register() {
    let results = Arc::new(Mutex::new(Vec::new()));
    let server = Server::start(portal(results.clone())).await;
    let s = sources(&server, "cache_ttl_secs = 1\n");
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("div layout", br#"<html><body><div class="result"><span>GASAG AG</span> Berlin HRB 44343</div></body></html>"#.to_vec()),
        ("row without status", br#"<html><body><table><tr data-ri="0"><td class="fontTableNameSize">Berlin <span>District court Berlin (Charlottenburg) HRB 44343</span></td><td class="paddingBottom20Px"><span>GASAG AG</span></td></tr></table></body></html>"#.to_vec()),
        ("row without number", br#"<html><body><table><tr data-ri="0"><td class="fontTableNameSize">Berlin <span>District court Berlin</span></td></tr></table></body></html>"#.to_vec()),
        ("empty table without the empty-row", br#"<html><body><table role="grid"><tbody id="ergebnissForm:selectedSuchErgebnisFormTable_data"></tbody></table></body></html>"#.to_vec()),
        ("non-UTF-8 garbage", vec![0xff, 0xfe, 0xfd, b'<', 0x80, 0x81]),
        ("truncated page", fixture("handelsregister", "search_results_gasag.html")[..900].to_vec()),
    ];
    for (i, (what, body)) in cases.into_iter().enumerate() {
        *results.lock().unwrap() = body;
        let r = s.handelsregister(&by_name(&format!("case {i}"))).await;
        assert_eq!(
            reason(&r.outcome),
            Some(Unavailable::SourceChanged),
            "{what}: {r:?}"
        );
        assert_eq!(r.evidence.code.as_deref(), Some("LAYOUT"), "{what}");
    }
    *results.lock().unwrap() = EMPTY.as_bytes().to_vec();
    let r = s.handelsregister(&by_name("nobody")).await;
    assert!(
        matches!(&r.outcome, Outcome::Answer(Answer::Register(reg)) if reg.records.is_empty()),
        "{r:?}"
    );
}

#[tokio::test]
async fn missing_forms_and_outages_are_could_not_ask() {
    let server = Server::start(|req| {
        if req.path.contains("welcome") {
            Reply::html(200, "<html><body>Neues Portal</body></html>")
        } else {
            Reply::html(500, "")
        }
    })
    .await;
    let r = sources(&server, "")
        .handelsregister(&by_name("GASAG"))
        .await;
    assert_eq!(
        reason(&r.outcome),
        Some(Unavailable::SourceChanged),
        "{r:?}"
    );

    let server = Server::start(|_| Reply::html(503, "<html>Wartung</html>")).await;
    let r = sources(&server, "")
        .handelsregister(&by_name("GASAG"))
        .await;
    assert_eq!(
        reason(&r.outcome),
        Some(Unavailable::ServiceUnavailable),
        "{r:?}"
    );

    let r = sources(&server, "")
        .handelsregister(&RegisterQuery::default())
        .await;
    assert_eq!(reason(&r.outcome), Some(Unavailable::Rejected));
    let r = sources(&server, "enabled = false\n")
        .handelsregister(&by_name("GASAG"))
        .await;
    assert_eq!(reason(&r.outcome), Some(Unavailable::Disabled));
    assert_eq!(server.count(), 1);
}

const PAGINATOR: &str = r##"<div id="ergebnissForm:selectedSuchErgebnisFormTable_paginator_bottom" class="ui-paginator ui-paginator-bottom ui-widget-header"><span class="ui-paginator-current">(1 of 3)</span><span class="ui-paginator-pages"><a class="ui-paginator-page ui-state-default ui-state-active" href="#">1</a><a class="ui-paginator-page ui-state-default" href="#">2</a><a class="ui-paginator-page ui-state-default" href="#">3</a></span><a href="#" class="ui-paginator-next ui-state-default">N</a></div></body>"##;

const ONE_PAGE: &str = r##"<div class="ui-paginator ui-paginator-bottom"><span class="ui-paginator-pages"><a class="ui-paginator-page ui-state-active" href="#">1</a></span><a href="#" class="ui-paginator-next ui-state-default ui-state-disabled">N</a></div></body>"##;

fn gasag_with(tail: &str) -> Vec<u8> {
    String::from_utf8(fixture("handelsregister", "search_results_gasag.html"))
        .unwrap()
        .replace("</body>", tail)
        .into_bytes()
}

#[tokio::test]
async fn a_result_spanning_pages_is_too_many_hits_and_the_court_narrows_it() {
    // A number alone matches entries at many courts: the portal pages them; with the court it
    // lists the one entry.
    let results: Results =
        Arc::new(
            |req: &Req| match req.form_value("form:registerGericht_input").as_deref() {
                Some("F1103") => gasag_with(ONE_PAGE),
                _ => gasag_with(PAGINATOR),
            },
        );
    let server = Server::start(portal_with(results)).await;
    let s = sources(&server, "");
    let r = s
        .handelsregister(&RegisterQuery::register("HRB 44343", None).unwrap())
        .await;
    assert_eq!(reason(&r.outcome), Some(Unavailable::Rejected), "{r:?}");
    assert_eq!(r.evidence.code.as_deref(), Some("TOO_MANY_HITS"));
    let r = s
        .handelsregister(
            &RegisterQuery::register("HRB 44343 B", Some("Charlottenburg (Berlin)")).unwrap(),
        )
        .await;
    let Outcome::Answer(Answer::Register(reg)) = &r.outcome else {
        panic!("{r:?}")
    };
    assert_eq!(reg.records.len(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_deletion_is_found_with_deleted_entries_and_raises_register_status_changed() {
    use kontra::domain::changes::{self, ChangeRules, History};
    use kontra::domain::{AlertKind, CheckRun, CounterpartyDraft};
    use std::sync::atomic::{AtomicBool, Ordering};
    let deleted = Arc::new(AtomicBool::new(false));
    let d = deleted.clone();
    // After the deletion the portal lists the entry only to searches that include deleted ones
    // (status text composed; the real fixture shows the English "currently registered").
    let results: Results = Arc::new(move |req: &Req| {
        let page =
            String::from_utf8(fixture("handelsregister", "search_results_gasag.html")).unwrap();
        if !d.load(Ordering::SeqCst) {
            return page.into_bytes();
        }
        if req.form_value("form:auchGeloeschte_input").as_deref() == Some("on") {
            page.replace("currently registered", "deleted").into_bytes()
        } else {
            EMPTY.as_bytes().to_vec()
        }
    });
    let server = Server::start(portal_with(results)).await;
    let s = sources(&server, "cache_ttl_secs = 1\n");
    let q = RegisterQuery::register("HRB 44343 B", Some("Berlin (Charlottenburg)")).unwrap();
    let before = s.handelsregister(&q).await;
    assert!(before.outcome.answer().is_some(), "{before:?}");
    deleted.store(true, Ordering::SeqCst);
    tokio::time::advance(Duration::from_secs(2)).await;
    let after = s.handelsregister(&q).await;
    let Outcome::Answer(Answer::Register(reg)) = &after.outcome else {
        panic!("{after:?}")
    };
    assert_eq!(reg.records[0].status, "deleted");

    let now = chrono::Utc::now();
    let mut cp = CounterpartyDraft {
        name: Some("GASAG AG".into()),
        country: Some("DE".into()),
        register: Some("HRB 44343 B, Berlin (Charlottenburg)".into()),
        ..CounterpartyDraft::default()
    }
    .apply(None, now)
    .unwrap();
    cp.id = 1;
    let run = CheckRun {
        id: 1,
        counterparty_id: 1,
        started_at: now,
        finished_at: now,
        trigger: "monitor".into(),
        results: vec![before],
    };
    let alerts = changes::detect(
        &cp,
        &History::from_runs([&run]),
        &[after],
        &ChangeRules::default(),
        &Default::default(),
    );
    let kinds: Vec<AlertKind> = alerts.iter().map(|a| a.kind).collect();
    assert_eq!(kinds, vec![AlertKind::RegisterStatusChanged], "{alerts:?}");
}

#[tokio::test]
async fn the_allowance_counts_every_request_made_redirect_hops_included() {
    // A portal that bounces the start page once more than today's does.
    let inner = portal(Arc::new(Mutex::new(fixture(
        "handelsregister",
        "search_results_gasag.html",
    ))));
    let server = Server::start(move |req: &Req| {
        if req.path == "/rp_web/welcome.xhtml" {
            return Reply::html(302, "").header("Location", "/rp_web/welcome2.xhtml");
        }
        if req.path == "/rp_web/welcome2.xhtml" {
            let mut r = inner(&Req {
                path: "/rp_web/welcome.xhtml".into(),
                ..req.clone()
            });
            r.status = 302;
            return r;
        }
        inner(req)
    })
    .await;
    let s = sources(&server, "");
    let r = s.handelsregister(&by_name("GASAG")).await;
    assert!(r.outcome.answer().is_some(), "{r:?}");
    assert_eq!(server.count(), 6);
    assert_eq!(s.handelsregister_budget().remaining, 54);
}
