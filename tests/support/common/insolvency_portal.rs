//! A local insolvency portal (neu.insolvenzbekanntmachungen.de) that behaves as the evidence in
//! the live-registries review says the live one does: a form POST without `Origin`/`Referer` of
//! its own host gets HTTP 500; without an insolvency court in the query only publications of the
//! last 14 days are visible (InsBekV § 2); the wildcard option values mean what their texts say;
//! "no hits" is the `otx_keineTreffer` element; a search without dates gets a validation page.

use super::{Reply, Req};
use chrono::{Days, NaiveDate, Utc};
use std::sync::{Arc, Mutex};

/// Name of the insolvency-court select (the id reported in the review; option values made up).
pub const COURT_FIELD: &str = "frm_suche:lsi_insolvenzgerichte:codelist:scl_insolvenzgericht:mysom";
/// Name of the Land select.
pub const LAND_FIELD: &str = "frm_suche:lsom_bundesland:codelist:scl_bundesland:mysom";
/// Name of the wildcard select.
pub const WILDCARD_FIELD: &str = "frm_suche:lsom_wildcard:lsom";

/// Which wildcard option list the portal serves: the two that public clients report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wildcard {
    /// `0` = exact, `1` = starts with, `2` = contains (one scraper's reading of the live DOM).
    Words,
    /// `1` = `?`, `0` = `*` (two other clients' reading).
    Stars,
}

/// The search form as served.
pub fn form(wildcard: Wildcard) -> String {
    let wildcard_options = match wildcard {
        Wildcard::Words => {
            r#"<option value="0" selected>genau</option><option value="1">beginnt mit</option><option value="2">enthält</option>"#
        }
        Wildcard::Stars => r#"<option value="1" selected>?</option><option value="0">*</option>"#,
    };
    format!(
        r#"<html><body><form id="frm_suche" name="frm_suche" method="post" action="/ap/suche.jsf;jsessionid=xyz">
<input type="hidden" name="frm_suche" value="frm_suche">
<select name="{LAND_FIELD}"><option value="NO_CODE" selected>-- Alle Bundesländer --</option><option value="BE">Berlin</option><option value="BY">Bayern</option><option value="HE">Hessen</option></select>
<select name="{COURT_FIELD}"><option value="" selected>-- Alle Insolvenzgerichte --</option><option value="X101">Charlottenburg</option><option value="X202">München</option><option value="X303">Frankfurt am Main</option></select>
<input type="date" name="frm_suche:ldi_datumVon:datumHtml5" value="">
<input type="date" name="frm_suche:ldi_datumBis:datumHtml5" value="">
<select name="frm_suche:lsom_gegenstand:codelist:mysom"><option value="">alle</option><option value="EROEFF">Eröffnungen</option></select>
<select name="{WILDCARD_FIELD}">{wildcard_options}</select>
<input type="text" name="frm_suche:litx_firmaNachName:text" value="">
<input type="text" name="frm_suche:litx_sitzWohnsitz:text" value="">
<input type="submit" name="frm_suche:cbt_suchen" value="Suchen">
<input type="hidden" name="jakarta.faces.ViewState" value="-123:456"></form></body></html>"#
    )
}

/// One publication the portal holds.
#[derive(Debug, Clone)]
pub struct Notice {
    pub days_ago: u64,
    /// Value of its court in the court select.
    pub court_code: &'static str,
    pub court: &'static str,
    pub case: &'static str,
    pub debtor: &'static str,
    pub seat: &'static str,
    pub register: &'static str,
}

impl Notice {
    fn date(&self) -> NaiveDate {
        Utc::now().date_naive() - Days::new(self.days_ago)
    }
}

/// The result page listing `rows`, or the portal's no-hits element.
pub fn result_page(rows: &[&Notice]) -> Vec<u8> {
    if rows.is_empty() {
        return br#"<html><body><h1>Suchergebnis</h1><span id="frm_ergebnis:otx_keineTreffer">Es wurden keine Treffer gefunden.</span></body></html>"#.to_vec();
    }
    let mut out =
        String::from("<html><body><h1>Suchergebnis</h1><table id=\"tbl_ergebnis\"><tbody>");
    for (i, n) in rows.iter().enumerate() {
        out.push_str(&format!(
            "<tr><td><span id=\"tbl_ergebnis:{i}:otx_datum\">{}</span></td>\
             <td><span id=\"tbl_ergebnis:{i}:otx_azAkt\">{}</span></td>\
             <td><span id=\"tbl_ergebnis:{i}:otx_Gericht\">Amtsgericht {}</span></td>\
             <td><span id=\"tbl_ergebnis:{i}:otx_schuldner\">{}</span></td>\
             <td><span id=\"tbl_ergebnis:{i}:otx_Sitz\">{}</span></td>\
             <td><span id=\"tbl_ergebnis:{i}:otx_register\">{}</span></td></tr>",
            n.date().format("%d.%m.%Y"),
            n.case,
            n.court,
            n.debtor,
            n.seat,
            n.register
        ));
    }
    out.push_str("</tbody></table></body></html>");
    out.into_bytes()
}

fn option_text(form_html: &str, field: &str, value: &str) -> Option<String> {
    let doc = scraper::Html::parse_document(form_html);
    let sel = scraper::Selector::parse(&format!("select[name='{field}'] option")).ok()?;
    doc.select(&sel)
        .find(|o| o.value().attr("value") == Some(value))
        .map(|o| o.text().collect::<String>())
}

/// Answers a posted search the way the portal's rules say.
pub fn search(notices: &[Notice], form_html: &str, post: &Req) -> Vec<u8> {
    let date = |f: &str| {
        post.form_value(f)
            .and_then(|v| NaiveDate::parse_from_str(&v, "%Y-%m-%d").ok())
    };
    let (Some(from), Some(to)) = (
        date("frm_suche:ldi_datumVon:datumHtml5"),
        date("frm_suche:ldi_datumBis:datumHtml5"),
    ) else {
        // What a re-rendered search page says; it is no result.
        return b"<html><body><form id='frm_suche'></form><p>Es wurden keine gueltigen Suchkriterien eingegeben.</p></body></html>".to_vec();
    };
    let court = post.form_value(COURT_FIELD).unwrap_or_default();
    let name = post
        .form_value("frm_suche:litx_firmaNachName:text")
        .unwrap_or_default()
        .to_lowercase();
    let mode = post
        .form_value(WILDCARD_FIELD)
        .and_then(|v| option_text(form_html, WILDCARD_FIELD, &v))
        .unwrap_or_default();
    let matches = |debtor: &str| {
        let d = debtor.to_lowercase();
        match mode.as_str() {
            "genau" => d == name,
            "beginnt mit" => d.starts_with(&name),
            "enthält" => d.contains(&name),
            "*" => match name.strip_prefix('*').and_then(|n| n.strip_suffix('*')) {
                Some(inner) => d.contains(inner),
                None => d == name,
            },
            _ => d == name,
        }
    };
    let rows: Vec<&Notice> = notices
        .iter()
        .filter(|n| n.date() >= from && n.date() <= to)
        // InsBekV § 2: after two weeks only a query naming the insolvency court sees it.
        .filter(|n| {
            if court.is_empty() {
                n.days_ago <= 14
            } else {
                n.court_code == court
            }
        })
        .filter(|n| matches(n.debtor))
        .collect();
    result_page(&rows)
}

/// Decides the result page from the posted form.
pub type Results = Arc<dyn Fn(&Req) -> Vec<u8> + Send + Sync>;

/// The portal: the form page sets a session cookie; a POST without `Origin` and `Referer` of the
/// portal's own host gets HTTP 500, as the live portal answers; a good POST redirects to the
/// result page, whose content `results` decides from the posted fields.
pub fn portal(form_html: String, results: Results) -> impl Fn(&Req) -> Reply {
    let last_post: Arc<Mutex<Option<Req>>> = Arc::new(Mutex::new(None));
    move |req| {
        let host = req.header("host").unwrap_or_default().to_string();
        let own = format!("http://{host}");
        match (
            req.method.as_str(),
            req.path.split(';').next().unwrap_or_default(),
        ) {
            ("GET", "/ap/suche.jsf") => {
                Reply::html(200, form_html.clone()).header("Set-Cookie", "JSESSIONID=xyz; Path=/ap")
            }
            ("POST", "/ap/suche.jsf")
                if req.header("origin") != Some(own.as_str())
                    || !req
                        .header("referer")
                        .is_some_and(|r| r.starts_with(&format!("{own}/"))) =>
            {
                Reply::html(500, "<html><body>Internal Server Error</body></html>")
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
}

/// A portal holding `notices` that applies the portal's rules to every search.
pub fn law_abiding(notices: Vec<Notice>, wildcard: Wildcard) -> impl Fn(&Req) -> Reply {
    let html = form(wildcard);
    let served = html.clone();
    portal(
        html,
        Arc::new(move |post: &Req| search(&notices, &served, post)),
    )
}
