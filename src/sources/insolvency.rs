//! Insolvency publications client (neu.insolvenzbekanntmachungen.de): the JSF search form seeded
//! from the served page and sent like a browser (with `Origin`/`Referer`), the insolvency court
//! derived from the debtor's seat or register court (without it InsBekV § 2 limits the portal to
//! the last 14 days, and the answer says so), an explicit date range, the wildcard mode chosen by
//! the served option text, "no hits" read from the portal's own element, "too many hits"
//! narrowed by date range, and layout changes reported as "source changed".

use super::budget::Budget;
use super::config::InsolvencyConfig;
use super::courts::{self, InsolvencyCourt};
use super::html::{self, Form};
use super::http::{CookieJar, Request, Response};
use super::{Attempt, Parsed, Registry, Shared};
use crate::domain::check::{
    Answer, InsolvencyAnswer, Publication, Source, SourceResult, Unavailable,
};
use crate::domain::cosmetic;
use crate::http::retry::{Retry, RetryPolicy, Retryable, with_retry};
use chrono::NaiveDate;
use scraper::Html;
use std::collections::BTreeSet;
use std::sync::Arc;

/// Without the insolvency court in the query the portal shows publications of this many days
/// only (InsBekV § 2 Abs. 1 Nr. 3: two weeks from the first publication).
pub(crate) const LIMITED_DAYS: u64 = 14;

/// Evidence code of a search that could only see the last [`LIMITED_DAYS`] days.
pub(crate) const LIMITED_CODE: &str = "LAST_14_DAYS";

/// A search for a debtor's publications.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct InsolvencyQuery {
    /// Debtor name (company name or surname); searched without its legal form.
    pub name: String,
    /// Debtor seat: derives the insolvency court and filters the rows by its words.
    pub seat: Option<String>,
    /// Register number of the debtor (e.g. `HRB 999999 B`); used to filter the rows.
    pub register: Option<String>,
    /// Register court of the debtor (e.g. `Berlin (Charlottenburg)`): derives the insolvency
    /// court when the seat does not.
    pub register_court: Option<String>,
    /// Subject code such as `EROEFF` (opening); becomes the notice type of each publication.
    pub subject: Option<String>,
}

/// What a result page says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Page {
    /// The publications listed (possibly none).
    Rows(Vec<Publication>),
    /// More than the portal lists ("Ihre Suche ergab zu viele Treffer").
    TooMany,
}

/// The portal marks an empty result with this element; free text such as "es wurden keine ..."
/// also appears on validation pages and is no evidence of "no publications".
const NO_HITS: &str = "[id$='otx_keineTreffer']";

/// Reads a result page; `Err` means the page is not one the client understands.
pub(crate) fn parse_page(text: &str) -> Result<Page, String> {
    if !html::is_complete(text) {
        return Err("the result page is incomplete (no closing </html>)".to_string());
    }
    let doc = Html::parse_document(text);
    let root = doc.root_element();
    let lower = html::text_of(root).to_lowercase();
    if lower.contains("zu viele treffer") {
        return Ok(Page::TooMany);
    }
    let no_hits = html::first(root, NO_HITS).is_some();
    let Some(table) = html::first(root, "table#tbl_ergebnis") else {
        if no_hits {
            return Ok(Page::Rows(Vec::new()));
        }
        return Err(
            "the page has neither the result table nor the portal's no-hits element".to_string(),
        );
    };
    let mut rows = Vec::new();
    for tr in html::select(table, "tr") {
        let spans = html::select(tr, "span[id*=':otx_']");
        if spans.is_empty() {
            if !html::select(tr, "td").is_empty() && html::first(tr, NO_HITS).is_none() {
                // A data row without the known spans: the ids were renamed.
                let t = html::text_of(tr);
                if !t.is_empty() {
                    return Err(format!("result row without the known fields: \"{t}\""));
                }
            }
            continue;
        }
        let field = |suffix: &str| {
            spans
                .iter()
                .find(|s| s.value().id().is_some_and(|id| id.ends_with(suffix)))
                .map(|s| html::text_of(*s))
        };
        let (Some(date), Some(case_number), Some(court), Some(debtor)) = (
            field(":otx_datum"),
            field(":otx_azAkt"),
            field(":otx_Gericht"),
            field(":otx_schuldner"),
        ) else {
            return Err("result row lacks date, case number, court or debtor".to_string());
        };
        if date.is_empty() || debtor.is_empty() {
            return Err("result row with an empty date or debtor".to_string());
        }
        rows.push(Publication {
            date,
            court,
            case_number,
            debtor,
            seat: field(":otx_Sitz").unwrap_or_default(),
            register: field(":otx_register").filter(|r| !r.is_empty()),
            notice: String::new(),
        });
    }
    if rows.is_empty() && !no_hits {
        // An empty table without the portal's marker is not evidence of "no publications".
        return Err("the result table is empty and there is no no-hits element".to_string());
    }
    Ok(Page::Rows(rows))
}

fn squash(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Words of a place name that tell places apart ("Frankfurt am Main" -> frankfurt, main).
fn place_words(s: &str) -> BTreeSet<String> {
    const FILLERS: [&str; 8] = ["am", "an", "der", "die", "im", "in", "bei", "ob"];
    cosmetic::name_key(s)
        .split(' ')
        .filter(|w| w.chars().count() > 1 && !FILLERS.contains(w))
        .map(str::to_string)
        .collect()
}

/// Whether two seats name the same place: the words of the shorter are all in the longer
/// ("Frankfurt" and "Frankfurt am Main" are, "Frankfurt (Oder)" and "Frankfurt am Main" are
/// not). An empty seat cannot exclude anything.
pub(crate) fn same_seat(a: &str, b: &str) -> bool {
    let (x, y) = (place_words(a), place_words(b));
    if x.is_empty() || y.is_empty() {
        return true;
    }
    let (small, big) = if x.len() <= y.len() { (x, y) } else { (y, x) };
    small.is_subset(&big)
}

/// Keeps the publications that fit the seat and register number asked for.
pub(crate) fn filter(rows: Vec<Publication>, q: &InsolvencyQuery) -> Vec<Publication> {
    rows.into_iter()
        .filter(|p| q.seat.as_deref().is_none_or(|s| same_seat(s, &p.seat)))
        .filter(|p| {
            let wanted = q.register.as_deref().map(squash).filter(|s| !s.is_empty());
            match (wanted, &p.register) {
                (None, _) => true,
                (Some(w), Some(r)) => squash(r).contains(&w),
                // A publication without register (a person, or an omission) cannot be excluded.
                (Some(_), None) => true,
            }
        })
        .collect()
}

/// How the served name field is to be filled so that it matches names containing the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NameMode {
    /// An option says "contains": the text as it is.
    Contains,
    /// An option is the wildcard `*` itself: the text between asterisks.
    Star,
}

/// Chooses the wildcard mode by what the served options say: the values differ between reports
/// (one client saw `0` = `*`, another `0` = exact), so a number proves nothing.
fn choose_wildcard(form: &mut Form) -> Option<NameMode> {
    let contains = |_: &str, t: &str| {
        let k = cosmetic::name_key(t);
        ["enthalt", "beinhalt", "contains", "teilwort"]
            .iter()
            .any(|w| k.contains(w))
    };
    if form.choose("lsom_wildcard:lsom", contains).is_some() {
        return Some(NameMode::Contains);
    }
    let star = |_: &str, t: &str| t.trim() == "*" || t.trim() == "*text*";
    form.choose("lsom_wildcard:lsom", star)
        .map(|_| NameMode::Star)
}

fn select_named(form: &Form, part: &str) -> Option<String> {
    form.selects
        .iter()
        .map(|(n, _)| n)
        .find(|n| n.to_lowercase().contains(part))
        .cloned()
}

/// Puts the Land and the insolvency court into the form, chosen by the served option texts;
/// `Err` says why the court cannot be sent.
fn choose_court(form: &mut Form, court: &InsolvencyCourt) -> Result<(), String> {
    let Some(court_select) = select_named(form, "insolvenzgericht") else {
        return Err("the search form has no insolvency-court list".to_string());
    };
    let wanted = courts::place_key(&court.court);
    let fits = |_: &str, t: &str| courts::place_key(t) == wanted;
    if form.choose(&court_select, fits).is_none() {
        return Err(format!(
            "the portal's insolvency-court list has no entry \"{}\"",
            court.court
        ));
    }
    if let Some(land_select) = select_named(form, "bundesland") {
        let land = courts::place_key(&court.land_name);
        let code = court.land_code.clone();
        let fits = move |v: &str, t: &str| v == code || courts::place_key(t) == land;
        if form.choose(&land_select, fits).is_none() {
            return Err(format!(
                "the portal's Land list has no entry \"{}\"",
                court.land_name
            ));
        }
    }
    Ok(())
}

/// The insolvency portal client.
#[derive(Debug)]
pub(crate) struct InsolvencyClient {
    shared: Arc<Shared>,
    cfg: InsolvencyConfig,
    budget: Budget,
    policy: RetryPolicy,
}

/// What one search (GET form + POST) came to.
// Lives for one search; its size is irrelevant next to the network round trip.
#[allow(clippy::large_enum_variant)]
enum Found {
    /// The result page was read.
    Page(Page),
    /// The court could not be put into the served form (why).
    CourtNotOffered(String),
    /// No readable result.
    Failed(Attempt),
}

/// One search and the last response, for the evidence.
struct Search {
    found: Found,
    last: Option<Response>,
}

impl Retryable for Search {
    fn retry(&self) -> Retry {
        match &self.found {
            Found::Failed(a) => a.parsed.retry,
            _ => Retry::No,
        }
    }
}

fn layout_changed(resp: &Response, why: &str) -> Attempt {
    Attempt::of(
        resp,
        Parsed::not_asked(
            Unavailable::SourceChanged,
            format!("insolvency portal: {why}; the portal layout has changed"),
        )
        .with_code("LAYOUT"),
    )
}

fn failed(found: Attempt, last: Option<Response>) -> Search {
    Search {
        found: Found::Failed(found),
        last,
    }
}

impl InsolvencyClient {
    pub(crate) fn new(shared: Arc<Shared>, cfg: &InsolvencyConfig) -> InsolvencyClient {
        InsolvencyClient {
            shared,
            budget: Budget::new(&cfg.budget),
            policy: cfg.retry.policy(),
            cfg: cfg.clone(),
        }
    }

    async fn fetch(&self, req: &Request, jar: &mut CookieJar) -> Result<Response, Attempt> {
        let _permit = self.budget.acquire().await;
        match self.shared.http.send_following(req, jar).await {
            Ok(r) if r.status == 200 => Ok(r),
            Ok(r) => {
                let p = super::http_status_parsed(r.status, "insolvency portal");
                Err(Attempt::of(&r, p))
            }
            Err(e) => Err(Attempt::transport(&e)),
        }
    }

    async fn search_once(
        &self,
        q: &InsolvencyQuery,
        court: Option<&InsolvencyCourt>,
        (from, to): (NaiveDate, NaiveDate),
    ) -> Search {
        let timeout = self.cfg.timeout_secs.duration();
        let mut jar = CookieJar::default();
        let get = Request::get(
            self.cfg.base_url.join("/ap/suche.jsf"),
            "text/html",
            timeout,
        );
        let page = match self.fetch(&get, &mut jar).await {
            Ok(p) => p,
            Err(a) => return failed(a, None),
        };
        // The parsed document is not Send; keep it out of the await points.
        let form = {
            let doc = Html::parse_document(&page.text());
            html::find_form(&doc, "frm_suche")
        };
        let Some(mut form) = form else {
            let a = layout_changed(&page, "search page has no form frm_suche");
            return failed(a, Some(page));
        };
        let Some(action) = html::resolve(&page.url, &form.action) else {
            let a = layout_changed(&page, "search form has no usable action");
            return failed(a, Some(page));
        };
        let Some(mode) = choose_wildcard(&mut form) else {
            let a = layout_changed(
                &page,
                "the wildcard list offers no option that reads as \"contains\" or \"*\"",
            );
            return failed(a, Some(page));
        };
        // Publications write the legal form in many ways; the name alone finds all of them.
        let name = cosmetic::without_legal_form(&q.name);
        let name = match mode {
            NameMode::Contains => name,
            NameMode::Star => format!("*{name}*"),
        };
        // Field ids were renamed once; the form is seeded from the page and overridden by suffix.
        if !form.set_suffix("litx_firmaNachName:text", &name) {
            let a = layout_changed(&page, "search form has no name field");
            return failed(a, Some(page));
        }
        if let Some(court) = court
            && let Err(why) = choose_court(&mut form, court)
        {
            return Search {
                found: Found::CourtNotOffered(why),
                last: Some(page),
            };
        }
        if let Some(subject) = q.subject.as_deref() {
            form.set_suffix("lsom_gegenstand:codelist:mysom", subject);
        }
        // The served form's own dates are unknown; an explicit range says what was searched.
        let dates = form.set_suffix(
            "ldi_datumVon:datumHtml5",
            &from.format("%Y-%m-%d").to_string(),
        ) & form.set_suffix(
            "ldi_datumBis:datumHtml5",
            &to.format("%Y-%m-%d").to_string(),
        );
        if !dates {
            let a = layout_changed(&page, "search form has no publication-date fields");
            return failed(a, Some(page));
        }
        if !form.press("cbt_suchen") {
            form.set("frm_suche:cbt_suchen", "Suchen");
        }
        let post = Request::post_form(action, &form.fields, timeout).sent_from(&page.url);
        let resp = match self.fetch(&post, &mut jar).await {
            Ok(r) => r,
            Err(a) => return failed(a, Some(page)),
        };
        match parse_page(&resp.text()) {
            Ok(p) => Search {
                found: Found::Page(p),
                last: Some(resp),
            },
            Err(why) => failed(layout_changed(&resp, &why), Some(resp)),
        }
    }

    async fn search(
        &self,
        q: &InsolvencyQuery,
        court: Option<&InsolvencyCourt>,
        range: (NaiveDate, NaiveDate),
    ) -> (Search, u32) {
        with_retry(&self.policy, |_| self.search_once(q, court, range)).await
    }

    async fn run(&self, q: &InsolvencyQuery) -> (Attempt, u32) {
        let mut court = courts::derive(q.seat.as_deref(), q.register_court.as_deref());
        let mut why_limited =
            String::from("no insolvency court could be derived from the seat or register court");
        let mut tries = 0u32;
        let mut last: Option<Response> = None;
        // Once without a court when the portal's form cannot take the derived one.
        let rows = 'outer: loop {
            let today = chrono::Utc::now().date_naive();
            let days = if court.is_some() {
                u64::from(self.cfg.lookback_days.0)
            } else {
                LIMITED_DAYS
            };
            let mut pending = vec![(today - chrono::Days::new(days), today)];
            let mut rows = Vec::new();
            let mut searches = 0u32;
            while let Some((a, b)) = pending.pop() {
                // The first search is not a narrowing one.
                if searches > self.cfg.max_narrowing_searches.0 {
                    return (too_many(last.as_ref(), searches), tries);
                }
                searches += 1;
                let (s, n) = self.search(q, court.as_ref(), (a, b)).await;
                tries += n;
                last = s.last.or(last);
                match s.found {
                    Found::Failed(at) => return (at, tries),
                    Found::CourtNotOffered(why) => {
                        why_limited = why;
                        court = None;
                        continue 'outer;
                    }
                    Found::Page(Page::Rows(mut r)) => rows.append(&mut r),
                    Found::Page(Page::TooMany) if a < b => {
                        // Narrow by halving the publication date range until every part lists
                        // its hits.
                        let mid = a + chrono::Days::new(((b - a).num_days() / 2).max(0) as u64);
                        pending.push((mid + chrono::Days::new(1), b));
                        pending.push((a, mid));
                    }
                    Found::Page(Page::TooMany) => {
                        return (too_many(last.as_ref(), searches), tries);
                    }
                }
            }
            break rows;
        };
        let mut rows = filter(rows, q);
        rows.sort_by(|a, b| {
            (&a.court, &a.case_number, &a.date).cmp(&(&b.court, &b.case_number, &b.date))
        });
        rows.dedup();
        if let Some(subject) = &q.subject {
            for r in &mut rows {
                r.notice = subject.clone();
            }
        }
        let parsed = match (&court, rows.is_empty()) {
            (Some(_), _) => {
                Parsed::answer(Answer::Insolvency(InsolvencyAnswer { publications: rows }))
            }
            // What was found is real, but the window is not the whole story.
            (None, false) => {
                Parsed::answer(Answer::Insolvency(InsolvencyAnswer { publications: rows }))
                    .with_code(LIMITED_CODE)
            }
            // Silence about 14 days is not "no insolvency".
            (None, true) => Parsed::not_asked(
                Unavailable::Limited,
                format!(
                    "insolvency portal searched the last {LIMITED_DAYS} days only ({why_limited}; \
                     older publications are shown only to a query naming the insolvency court, \
                     InsBekV § 2): no publication in that window, which is not \"no insolvency\""
                ),
            )
            .with_code(LIMITED_CODE),
        };
        let attempt = match &last {
            Some(resp) => Attempt::of(resp, parsed),
            None => Attempt::local(parsed),
        };
        (attempt, tries)
    }
}

fn too_many(last: Option<&Response>, searches: u32) -> Attempt {
    let parsed = Parsed::not_asked(
        Unavailable::Rejected,
        format!(
            "the insolvency portal reports too many hits even after {searches} narrowed searches; \
             give the seat or a more specific name"
        ),
    )
    .with_code("TOO_MANY_HITS");
    match last {
        Some(r) => Attempt::of(r, parsed),
        None => Attempt::local(parsed),
    }
}

impl Registry for InsolvencyClient {
    type Query = InsolvencyQuery;

    fn source(&self) -> Source {
        Source::Insolvency
    }

    async fn ask(&self, q: &InsolvencyQuery) -> SourceResult {
        if !self.cfg.enabled {
            return self.shared.finish(
                Source::Insolvency,
                Attempt::local(super::disabled(Source::Insolvency)),
                1,
            );
        }
        if cosmetic::without_legal_form(&q.name)
            .chars()
            .filter(|c| c.is_alphanumeric())
            .count()
            < 2
        {
            return self.shared.finish(
                Source::Insolvency,
                Attempt::local(Parsed::not_asked(
                    Unavailable::Rejected,
                    "an insolvency search needs a debtor name of at least two letters",
                )),
                1,
            );
        }
        let (attempt, n) = self.run(q).await;
        self.shared.finish(Source::Insolvency, attempt, n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn messages_are_recognised() {
        assert_eq!(
            parse_page("<html><div>Ihre Suche ergab zu viele Treffer</div></html>"),
            Ok(Page::TooMany)
        );
        assert_eq!(
            parse_page(
                "<html><span id='frm_ergebnis:otx_keineTreffer'>Keine Treffer</span></html>"
            ),
            Ok(Page::Rows(vec![]))
        );
        // Free text is no evidence: a validation page says "es wurden keine ..." too.
        assert!(parse_page("<html><p>Es wurden keine Treffer gefunden</p></html>").is_err());
        assert!(
            parse_page("<html><p>Es wurden keine Suchkriterien eingegeben</p></html>").is_err()
        );
        assert!(parse_page("<span id='otx_keineTreffer'>Keine Treffer</span>").is_err());
        assert!(parse_page("<html><body>Wartungsarbeiten</body></html>").is_err());
        assert!(parse_page("<html><table id='tbl_ergebnis'></table></html>").is_err());
        assert!(
            parse_page(
                "<html><table id='tbl_ergebnis'><tr><td>Musterbau GmbH</td></tr></table></html>"
            )
            .is_err()
        );
    }

    #[test]
    fn seats_compare_by_words() {
        assert!(same_seat("Frankfurt am Main", "Frankfurt"));
        assert!(same_seat("Frankfurt a.M.", "FRANKFURT AM MAIN"));
        assert!(same_seat("Halle (Saale)", "Halle/Saale"));
        assert!(!same_seat("Frankfurt (Oder)", "Frankfurt am Main"));
        assert!(!same_seat("Berlin", "Musterstadt"));
        assert!(same_seat("Berlin", ""));
    }

    proptest! {
        #[test]
        fn parser_never_panics(body in proptest::collection::vec(any::<u8>(), 0..400)) {
            let _ = parse_page(&String::from_utf8_lossy(&body));
        }

        #[test]
        fn html_like_input_never_panics(s in "(<table id=\"tbl_ergebnis\">|<tr>|<td>|<span id=\"tbl_ergebnis:0:otx_datum\">|<span id=\"x:otx_schuldner\">|</span>|</td>|</tr>|[ a-z0-9]){0,60}") {
            let _ = parse_page(&s);
        }
    }
}
