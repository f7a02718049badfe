//! handelsregister.de client: the extended search scraped through the portal's JSF forms (deleted
//! entries included, the register court sent when the form lists it), at most 60 retrievals an
//! hour counted by the requests actually made (redirect hops included), cached, with "too many
//! hits" for a result that spans pages and layout-change detection that reports "source
//! changed" and never an empty register.

use super::budget::{HourlyStatus, WindowLimiter};
use super::config::HandelsregisterConfig;
use super::html::{self, Form};
use super::http::{CookieJar, Request, Response};
use super::{Attempt, Parsed, Registry, Shared};
use crate::domain::check::{
    Answer, Outcome, RegisterAnswer, RegisterRecord, Source, SourceResult, Unavailable,
};
use scraper::{ElementRef, Html};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;

/// Requests one search makes on the portal as it behaves today (start page and its redirect,
/// navigation POST and its redirect, search POST): a search starts only with this much allowance
/// left, and every request it actually makes is counted.
pub(crate) const RETRIEVALS_PER_SEARCH: u32 = 5;

const REGISTER_KINDS: [&str; 6] = ["HRA", "HRB", "GnR", "PR", "VR", "GsR"];

/// A Handelsregister search.
#[derive(Debug, Clone, PartialEq, Eq, Default, Hash)]
pub struct RegisterQuery {
    /// Keywords of the company name.
    pub name: Option<String>,
    /// Register type: HRA, HRB, GnR, PR, VR.
    pub kind: Option<String>,
    /// Register number (digits; a court suffix like ` B` is ignored for the search).
    pub number: Option<String>,
    /// Register court, matched against the results (e.g. `Berlin (Charlottenburg)`).
    pub court: Option<String>,
}

impl RegisterQuery {
    /// A search for a register entry such as `HRB 44343 B` at a court.
    pub fn register(entry: &str, court: Option<&str>) -> Option<RegisterQuery> {
        let tokens: Vec<&str> = entry.split_whitespace().collect();
        let kind_at = tokens
            .iter()
            .position(|t| REGISTER_KINDS.iter().any(|k| k.eq_ignore_ascii_case(t)))?;
        let kind = REGISTER_KINDS
            .iter()
            .find(|k| k.eq_ignore_ascii_case(tokens[kind_at]))?;
        let number = tokens.get(kind_at + 1)?.trim_matches(',');
        if number.is_empty() || !number.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
        Some(RegisterQuery {
            name: None,
            kind: Some((*kind).to_string()),
            number: Some(number.to_string()),
            court: court.map(str::to_string).filter(|c| !c.trim().is_empty()),
        })
    }

    fn cache_key(&self) -> String {
        let norm = |o: &Option<String>| {
            o.as_deref()
                .map(|s| {
                    s.split_whitespace()
                        .collect::<Vec<_>>()
                        .join(" ")
                        .to_lowercase()
                })
                .unwrap_or_default()
        };
        format!(
            "{}|{}|{}|{}",
            norm(&self.name),
            norm(&self.kind),
            norm(&self.number),
            norm(&self.court)
        )
    }
}

/// Splits `District court Berlin (Charlottenburg) HRB 44343` into court, type and number.
pub(crate) fn split_court_line(line: &str) -> Option<(String, String, String)> {
    let tokens: Vec<&str> = line.split_whitespace().collect();
    let kind_at = tokens
        .iter()
        .rposition(|t| REGISTER_KINDS.iter().any(|k| k.eq_ignore_ascii_case(t)))?;
    let kind = REGISTER_KINDS
        .iter()
        .find(|k| k.eq_ignore_ascii_case(tokens[kind_at]))?
        .to_string();
    let number = tokens[kind_at + 1..].join(" ");
    if !number.chars().next().is_some_and(|c| c.is_ascii_digit()) {
        return None;
    }
    let mut court = tokens[..kind_at].join(" ");
    for prefix in ["District court ", "Amtsgericht ", "Registergericht "] {
        if court.len() >= prefix.len() && court[..prefix.len()].eq_ignore_ascii_case(prefix) {
            court = court[prefix.len()..].to_string();
            break;
        }
    }
    if court.is_empty() {
        return None;
    }
    // Berlin and Bremen numbers carry a court letter that the result line leaves out.
    let mut number = number;
    let lower = court.to_lowercase();
    if lower.starts_with("berlin") && !number.ends_with(" B") {
        number.push_str(" B");
    } else if lower.starts_with("bremen") && !number.ends_with(" HB") {
        number.push_str(" HB");
    }
    Some((court, kind, number))
}

fn strip_counter(s: &str) -> String {
    // History entries are numbered "1.) Name".
    let t = s.trim();
    match t.split_once(".)") {
        Some((n, rest)) if !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()) => {
            rest.trim().to_string()
        }
        _ => t.to_string(),
    }
}

fn parse_row(row: ElementRef<'_>) -> Result<RegisterRecord, String> {
    let header = html::first(row, "td.fontTableNameSize").ok_or("result row without court line")?;
    let court_line = html::first(header, "span")
        .map(html::text_of)
        .unwrap_or_else(|| html::text_of(header));
    let (court, kind, number) = split_court_line(&court_line)
        .ok_or_else(|| format!("court line \"{court_line}\" has no register number"))?;
    let name = html::first(row, "td.paddingBottom20Px span")
        .map(html::text_of)
        .filter(|n| !n.is_empty())
        .ok_or("result row without company name")?;
    let vertical: Vec<String> = html::select(row, "span.verticalText")
        .into_iter()
        .map(html::text_of)
        .collect();
    let seat = vertical.first().cloned().unwrap_or_default();
    let status = vertical.get(1).cloned().unwrap_or_default();
    if status.is_empty() {
        return Err("result row without status".to_string());
    }
    let history = html::select(row, "td.RegPortErg_HistorieZn")
        .into_iter()
        .map(|td| strip_counter(&html::text_of(td)))
        .filter(|h| !h.is_empty())
        .collect();
    Ok(RegisterRecord {
        court,
        kind,
        number,
        name,
        seat,
        status,
        history,
    })
}

/// Parses a result page. Rows that cannot be read, or a page that is neither a result table nor
/// PrimeFaces' "no records" row, mean the layout changed: never an empty answer.
pub(crate) fn parse_results(status: u16, body: &[u8], content_type: Option<&str>) -> Parsed {
    if status != 200 {
        return super::http_status_parsed(status, "Handelsregister");
    }
    let text = super::http::decode_text(body, content_type);
    if !html::is_complete(&text) {
        return Parsed::not_asked(
            Unavailable::SourceChanged,
            "Handelsregister result page is incomplete (no closing </html>)",
        )
        .with_code("LAYOUT");
    }
    let doc = Html::parse_document(&text);
    let root = doc.root_element();
    if spans_pages(root) {
        return Parsed::not_asked(
            Unavailable::Rejected,
            "Handelsregister lists more hits than fit on one page; a partial list is no answer. \
             Search by register number and court, or by a more specific name",
        )
        .with_code("TOO_MANY_HITS");
    }
    let rows = html::select(root, "tr[data-ri]");
    if rows.is_empty() {
        let table = html::first(root, "tbody[id$='_data']");
        let empty_row = table.and_then(|t| html::first(t, "tr.ui-datatable-empty-message"));
        if empty_row.is_some() {
            return Parsed::answer(Answer::Register(RegisterAnswer::default()))
                .with_code("NO_RESULTS");
        }
        if let Some(err) = html::first(root, ".ui-messages-error") {
            return Parsed::not_asked(
                Unavailable::Rejected,
                format!("Handelsregister refused the search: {}", html::text_of(err)),
            );
        }
        return Parsed::not_asked(
            Unavailable::SourceChanged,
            "Handelsregister result page has neither results nor the empty-result row; the \
             portal layout has changed",
        )
        .with_code("LAYOUT");
    }
    let mut records = Vec::with_capacity(rows.len());
    for row in rows {
        match parse_row(row) {
            Ok(r) => records.push(r),
            Err(e) => {
                return Parsed::not_asked(
                    Unavailable::SourceChanged,
                    format!(
                        "Handelsregister result row unreadable ({e}); the portal layout has changed"
                    ),
                )
                .with_code("LAYOUT");
            }
        }
    }
    Parsed::answer(Answer::Register(RegisterAnswer { records }))
}

/// Whether the result table has a PrimeFaces paginator with more than one page (page links, or a
/// "next" link that is not disabled): then the rows shown are only part of the hits.
fn spans_pages(root: ElementRef<'_>) -> bool {
    let pages = html::select(root, ".ui-paginator .ui-paginator-page").len();
    let next_open = html::select(root, ".ui-paginator .ui-paginator-next")
        .into_iter()
        .any(|n| !n.value().classes().any(|c| c == "ui-state-disabled"));
    pages > 1 || next_open
}

/// Words of a court name, for matching option texts ("Berlin (Charlottenburg)" and
/// "Charlottenburg (Berlin)" are the same court).
fn court_words(s: &str) -> Vec<String> {
    let mut w: Vec<String> = super::courts::place_key(s)
        .split(' ')
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect();
    w.sort();
    w
}

/// Selects the register court in the served form by its option text; false when the form has no
/// court list or no option for this court (the results are still filtered by court).
fn choose_register_court(form: &mut Form, court: &str) -> bool {
    let Some(select) = form
        .selects
        .iter()
        .map(|(n, _)| n.clone())
        .find(|n| n.to_lowercase().contains("registergericht"))
    else {
        return false;
    };
    let wanted = court_words(court);
    !wanted.is_empty()
        && form
            .choose(&select, |v, t| !v.is_empty() && court_words(t) == wanted)
            .is_some()
}

fn court_matches(record_court: &str, wanted: &str) -> bool {
    // By words, so that "Charlottenburg (Berlin)" finds "Berlin (Charlottenburg)".
    let (have, want) = (court_words(record_court), court_words(wanted));
    !want.is_empty() && want.iter().all(|w| have.contains(w))
}

/// The Handelsregister client.
#[derive(Debug)]
pub(crate) struct HandelsregisterClient {
    shared: Arc<Shared>,
    cfg: HandelsregisterConfig,
    allowance: WindowLimiter,
    session: tokio::sync::Mutex<()>,
    cache: Mutex<HashMap<String, (Instant, SourceResult)>>,
}

// A step lives for one page fetch; its size is irrelevant next to the network round trip.
#[allow(clippy::large_enum_variant)]
enum Step {
    Page(Response),
    Done(Attempt),
}

impl HandelsregisterClient {
    pub(crate) fn new(shared: Arc<Shared>, cfg: &HandelsregisterConfig) -> HandelsregisterClient {
        HandelsregisterClient {
            shared,
            allowance: WindowLimiter::new(cfg.retrievals_per_hour.get(), Duration::from_secs(3600)),
            cfg: cfg.clone(),
            session: tokio::sync::Mutex::new(()),
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// The allowance left this hour.
    pub(crate) fn budget(&self) -> HourlyStatus {
        self.allowance.hourly_status()
    }

    fn cached(&self, key: &str) -> Option<SourceResult> {
        let cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        let (at, r) = cache.get(key)?;
        (at.elapsed() < self.cfg.cache_ttl_secs.duration()).then(|| r.clone())
    }

    async fn fetch(&self, req: &Request, jar: &mut CookieJar, what: &str) -> Step {
        // Every request counts against the allowance, redirect hops included.
        let mut permit = || self.allowance.try_take(1).is_ok();
        match self
            .shared
            .http
            .send_following_counted(req, jar, &mut permit)
            .await
        {
            Ok(resp) if resp.status == 200 => Step::Page(resp),
            Ok(resp) => {
                let parsed =
                    super::http_status_parsed(resp.status, &format!("Handelsregister {what}"));
                Step::Done(Attempt::of(&resp, parsed))
            }
            Err(e) => Step::Done(Attempt::transport(&e)),
        }
    }

    fn changed(resp: &Response, what: &str) -> Step {
        Step::Done(Attempt::of(
            resp,
            Parsed::not_asked(
                Unavailable::SourceChanged,
                format!("Handelsregister {what}; the portal layout has changed"),
            )
            .with_code("LAYOUT"),
        ))
    }

    fn form_of(resp: &Response, id: &str) -> Option<(Form, String)> {
        let doc = Html::parse_document(&resp.text());
        let form = html::find_form(&doc, id)?;
        let action = html::resolve(&resp.url, &form.action)?;
        Some((form, action))
    }

    async fn search(&self, q: &RegisterQuery) -> Attempt {
        let timeout = self.cfg.timeout_secs.duration();
        let mut jar = CookieJar::default();
        let welcome = Request::get(
            self.cfg.base_url.join("/rp_web/welcome.xhtml"),
            "text/html",
            timeout,
        );
        let page = match self.fetch(&welcome, &mut jar, "start page").await {
            Step::Page(p) => p,
            Step::Done(a) => return a,
        };
        let Some((mut navi, action)) = Self::form_of(&page, "naviForm") else {
            return done(Self::changed(&page, "start page has no navigation form"));
        };
        navi.set(
            "naviForm:erweiterteSucheLink",
            "naviForm:erweiterteSucheLink",
        );
        navi.set("target", "erweiterteSucheLink");
        let to_search = Request::post_form(action, &navi.fields, timeout).sent_from(&page.url);
        let page = match self.fetch(&to_search, &mut jar, "search page").await {
            Step::Page(p) => p,
            Step::Done(a) => return a,
        };
        let Some((mut form, action)) = Self::form_of(&page, "form") else {
            return done(Self::changed(
                &page,
                "extended search page has no search form",
            ));
        };
        if !form.has_suffix("schlagwoerter") || !form.has_suffix("registerNummer") {
            return done(Self::changed(
                &page,
                "search form lacks the keyword or number field",
            ));
        }
        form.set_suffix("schlagwoerter", q.name.as_deref().unwrap_or("").trim());
        form.set_suffix("schlagwortOptionen", "1");
        form.set_suffix("registerArt_input", q.kind.as_deref().unwrap_or(""));
        form.set_suffix("registerNummer", q.number.as_deref().unwrap_or(""));
        form.set_suffix(
            "ergebnisseProSeite_input",
            &self.cfg.results_per_page.0.to_string(),
        );
        // Without deleted entries a deletion would make the company vanish from the results
        // instead of showing its new status.
        form.set("form:auchGeloeschte_input", "on");
        if let Some(court) = q.court.as_deref() {
            choose_register_court(&mut form, court);
        }
        form.press("btnSuche");
        let submit = Request::post_form(action, &form.fields, timeout).sent_from(&page.url);
        match self.fetch(&submit, &mut jar, "result page").await {
            Step::Page(resp) => {
                let mut parsed =
                    parse_results(resp.status, &resp.body, resp.content_type.as_deref());
                if let (Some(court), Outcome::Answer(Answer::Register(a))) =
                    (q.court.as_deref(), &mut parsed.outcome)
                {
                    a.records.retain(|r| court_matches(&r.court, court));
                }
                Attempt::of(&resp, parsed)
            }
            Step::Done(a) => a,
        }
    }
}

fn done(step: Step) -> Attempt {
    match step {
        Step::Done(a) => a,
        Step::Page(resp) => Attempt::of(
            &resp,
            Parsed::not_asked(Unavailable::SourceChanged, "unexpected page"),
        ),
    }
}

impl Registry for HandelsregisterClient {
    type Query = RegisterQuery;

    fn source(&self) -> Source {
        Source::Handelsregister
    }

    async fn ask(&self, q: &RegisterQuery) -> SourceResult {
        let finish = |p: Parsed| {
            self.shared
                .finish(Source::Handelsregister, Attempt::local(p), 1)
        };
        if !self.cfg.enabled {
            return finish(super::disabled(Source::Handelsregister));
        }
        let has_name = q.name.as_deref().is_some_and(|n| !n.trim().is_empty());
        let has_number = q.number.as_deref().is_some_and(|n| !n.trim().is_empty());
        if !has_name && !has_number {
            return finish(Parsed::not_asked(
                Unavailable::Rejected,
                "a Handelsregister search needs a name or a register number",
            ));
        }
        let key = q.cache_key();
        if let Some(hit) = self.cached(&key) {
            return hit;
        }
        // One portal session at a time: the allowance is small and the portal is fragile.
        let _session = self.session.lock().await;
        if let Some(hit) = self.cached(&key) {
            return hit;
        }
        if let Some(wait) = self.allowance.free_in(RETRIEVALS_PER_SEARCH) {
            let status = self.allowance.hourly_status();
            return finish(
                Parsed::not_asked(
                    Unavailable::Disabled,
                    format!(
                        "Handelsregister allowance used up ({} of {} retrievals left this hour; \
                         a search needs {RETRIEVALS_PER_SEARCH}); next search possible in {} min",
                        status.remaining,
                        status.limit,
                        wait.as_secs().div_ceil(60).max(1)
                    ),
                )
                .with_code("BUDGET"),
            );
        }
        let attempt = self.search(q).await;
        let result = self.shared.finish(Source::Handelsregister, attempt, 1);
        if result.outcome.answer().is_some() {
            self.cache
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(key, (Instant::now(), result.clone()));
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn court_lines_split_with_court_letters() {
        assert_eq!(
            split_court_line("District court Berlin (Charlottenburg) HRB 44343"),
            Some((
                "Berlin (Charlottenburg)".to_string(),
                "HRB".to_string(),
                "44343 B".to_string()
            ))
        );
        assert_eq!(
            split_court_line("Amtsgericht Bremen HRA 12"),
            Some(("Bremen".to_string(), "HRA".to_string(), "12 HB".to_string()))
        );
        assert_eq!(
            split_court_line("Amtsgericht München HRB 1"),
            Some(("München".to_string(), "HRB".to_string(), "1".to_string()))
        );
        assert_eq!(split_court_line("Amtsgericht München"), None);
        assert_eq!(split_court_line("HRB 12"), None);
    }

    #[test]
    fn register_queries_parse() {
        let q = RegisterQuery::register("HRB 44343 B", Some("Berlin (Charlottenburg)")).unwrap();
        assert_eq!(q.kind.as_deref(), Some("HRB"));
        assert_eq!(q.number.as_deref(), Some("44343"));
        assert!(RegisterQuery::register("44343", None).is_none());
        assert!(court_matches("Berlin (Charlottenburg)", "charlottenburg"));
        assert!(court_matches(
            "Berlin (Charlottenburg)",
            "Amtsgericht Charlottenburg (Berlin)"
        ));
        assert!(!court_matches("München", "Berlin"));
        assert!(!court_matches("Frankfurt am Main", "Frankfurt (Oder)"));
    }

    proptest! {
        #[test]
        fn parser_never_panics(status in 0u16..600, body in proptest::collection::vec(any::<u8>(), 0..400)) {
            let _ = parse_results(status, &body, None);
        }

        #[test]
        fn html_like_input_never_panics(s in "(<tr data-ri=\"0\">|<td class=\"fontTableNameSize\">|<span class=\"verticalText\">|</td>|</tr>|HRB|[ a-z0-9]){0,60}") {
            let _ = parse_results(200, s.as_bytes(), None);
        }
    }
}
