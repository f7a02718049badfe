//! Insolvency-portal client against a local server that plays the JSF search form and serves
//! the composed result pages.

mod common;

use common::{Reply, Req, Server, config, fixture};
use kontra::domain::check::{Answer, Outcome, Unavailable};
use kontra::sources::{InsolvencyQuery, Sources};
use std::sync::{Arc, Mutex};

const FORM: &str = r#"<html><body><form id="frm_suche" name="frm_suche" method="post" action="/ap/suche.jsf;jsessionid=xyz">
<input type="hidden" name="frm_suche" value="frm_suche">
<select name="frm_suche:lsom_bundesland:codelist:scl_bundesland:mysom"><option value="NO_CODE" selected>alle</option><option value="BE">Berlin</option></select>
<input type="date" name="frm_suche:ldi_datumVon:datumHtml5" value="">
<input type="date" name="frm_suche:ldi_datumBis:datumHtml5" value="">
<select name="frm_suche:lsom_gegenstand:codelist:mysom"><option value="">alle</option><option value="EROEFF">Eröffnungen</option></select>
<select name="frm_suche:lsom_wildcard:lsom"><option value="1">?</option><option value="0">*</option></select>
<input type="text" name="frm_suche:litx_firmaNachName:text" value="">
<input type="text" name="frm_suche:litx_sitzWohnsitz:text" value="">
<input type="submit" name="frm_suche:cbt_suchen" value="Suchen">
<input type="hidden" name="jakarta.faces.ViewState" value="-123:456"></form></body></html>"#;

/// Decides the result page from the posted form.
type Results = Arc<dyn Fn(&Req) -> Vec<u8> + Send + Sync>;

/// The portal: the form page sets a session cookie; the POST redirects to the result page,
/// whose content `results` decides from the posted fields.
fn portal(results: Results) -> impl Fn(&Req) -> Reply {
    let last_post: Arc<Mutex<Option<Req>>> = Arc::new(Mutex::new(None));
    move |req| match (
        req.method.as_str(),
        req.path.split(';').next().unwrap_or_default(),
    ) {
        ("GET", "/ap/suche.jsf") => {
            Reply::html(200, FORM).header("Set-Cookie", "JSESSIONID=xyz; Path=/ap")
        }
        ("POST", "/ap/suche.jsf")
            if req.header("cookie") == Some("JSESSIONID=xyz")
                && req.form_value("jakarta.faces.ViewState").as_deref() == Some("-123:456") =>
        {
            *last_post.lock().unwrap() = Some(req.clone());
            Reply::html(302, "").header("Location", "/ap/ergebnis.jsf")
        }
        ("GET", "/ap/ergebnis.jsf") => match last_post.lock().unwrap().as_ref() {
            Some(post) => Reply::html(200, results(post)),
            None => Reply::html(500, ""),
        },
        _ => Reply::html(500, "<html>Fehler</html>"),
    }
}

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
    let server = Server::start(portal(Arc::new(|_| {
        fixture("insolvency", "search_results.sample.COMPOSED.html")
    })))
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
    let post = server
        .requests()
        .into_iter()
        .rfind(|r| r.method == "POST")
        .unwrap();
    assert_eq!(
        post.form_value("frm_suche:litx_sitzWohnsitz:text")
            .as_deref(),
        Some("Berlin")
    );
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
    let server = Server::start(portal(results.clone())).await;
    let r = sources(&server, "").insolvency(&query("Bau", None)).await;
    let Outcome::Answer(Answer::Insolvency(a)) = &r.outcome else {
        panic!("{r:?}")
    };
    assert_eq!(
        a.publications.len(),
        2,
        "rows found in several ranges are kept once"
    );
    let posts = server
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST")
        .count();
    // Undated search, full range, two halves, four quarters.
    assert_eq!(posts, 8);

    let server = Server::start(portal(results)).await;
    let r = sources(&server, "max_narrowing_searches = 3\n")
        .insolvency(&query("Bau", None))
        .await;
    assert_eq!(reason(&r.outcome), Some(Unavailable::Rejected), "{r:?}");
    assert_eq!(r.evidence.code.as_deref(), Some("TOO_MANY_HITS"));
}

#[tokio::test(start_paused = true)]
async fn changed_layout_and_broken_pages_are_never_an_empty_answer() {
    let body = Arc::new(Mutex::new(Vec::new()));
    let b = body.clone();
    let server = Server::start(portal(Arc::new(move |_| b.lock().unwrap().clone()))).await;
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
    ];
    for (what, page) in cases {
        *body.lock().unwrap() = page;
        let r = s.insolvency(&query("Musterbau", None)).await;
        assert_eq!(
            reason(&r.outcome),
            Some(Unavailable::SourceChanged),
            "{what}: {r:?}"
        );
    }
    *body.lock().unwrap() =
        b"<html><body><p>Es wurden keine Treffer gefunden.</p></body></html>".to_vec();
    let r = s.insolvency(&query("Musterbau", None)).await;
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
