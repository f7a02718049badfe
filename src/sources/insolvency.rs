//! Insolvency publications client (neu.insolvenzbekanntmachungen.de): the JSF search form seeded
//! from the served page, result rows read by span id, "too many hits" narrowed by date range,
//! and layout changes reported as "source changed".

use super::budget::Budget;
use super::config::InsolvencyConfig;
use super::html;
use super::http::{CookieJar, Request, Response};
use super::retry::{Retry, RetryPolicy, Retryable, with_retry};
use super::{Attempt, Parsed, Registry, Shared};
use crate::domain::check::{
    Answer, InsolvencyAnswer, Publication, Source, SourceResult, Unavailable,
};
use chrono::NaiveDate;
use scraper::Html;
use std::sync::Arc;

/// A search for a debtor's publications.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct InsolvencyQuery {
    /// Debtor name (company name or surname).
    pub name: String,
    /// Debtor seat; sent when the form has a seat field, always used to filter the rows.
    pub seat: Option<String>,
    /// Register number of the debtor (e.g. `HRB 999999 B`); used to filter the rows.
    pub register: Option<String>,
    /// Subject code such as `EROEFF` (opening); becomes the notice type of each publication.
    pub subject: Option<String>,
}

/// What a result page says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Page {
    /// The publications listed (possibly none).
    Rows(Vec<Publication>),
    /// More than the portal lists ("Ihre Suche ergab zu viele Treffer").
    TooMany,
}

const NO_HITS: [&str; 3] = ["keine treffer", "keine bekanntmachungen", "es wurden keine"];

/// Reads a result page; `Err` means the page is not one the client understands.
pub fn parse_page(text: &str) -> Result<Page, String> {
    if !html::is_complete(text) {
        return Err("the result page is incomplete (no closing </html>)".to_string());
    }
    let doc = Html::parse_document(text);
    let root = doc.root_element();
    let lower = html::text_of(root).to_lowercase();
    if lower.contains("zu viele treffer") {
        return Ok(Page::TooMany);
    }
    let no_hits = NO_HITS.iter().any(|m| lower.contains(m));
    let Some(table) = html::first(root, "table#tbl_ergebnis") else {
        if no_hits {
            return Ok(Page::Rows(Vec::new()));
        }
        return Err("the page has neither the result table nor a no-hits message".to_string());
    };
    let mut rows = Vec::new();
    for tr in html::select(table, "tr") {
        let spans = html::select(tr, "span[id*=':otx_']");
        if spans.is_empty() {
            if !html::select(tr, "td").is_empty() {
                // A data row without the known spans: the ids were renamed.
                let t = html::text_of(tr);
                if !t.is_empty() && !NO_HITS.iter().any(|m| t.to_lowercase().contains(m)) {
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
        // An empty table without the portal's message is not evidence of "no publications".
        return Err("the result table is empty and there is no no-hits message".to_string());
    }
    Ok(Page::Rows(rows))
}

fn squash(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Keeps the publications that fit the seat and register number asked for.
pub fn filter(rows: Vec<Publication>, q: &InsolvencyQuery) -> Vec<Publication> {
    rows.into_iter()
        .filter(|p| {
            q.seat
                .as_deref()
                .map(squash)
                .filter(|s| !s.is_empty())
                .is_none_or(|s| squash(&p.seat).contains(&s))
        })
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

/// The insolvency portal client.
#[derive(Debug)]
pub struct InsolvencyClient {
    shared: Arc<Shared>,
    cfg: InsolvencyConfig,
    budget: Budget,
    policy: RetryPolicy,
}

/// One search (GET form + POST) and what came of it.
struct Search {
    page: Result<Page, Attempt>,
    last: Option<Response>,
}

impl Retryable for Search {
    fn retry(&self) -> Retry {
        match &self.page {
            Ok(_) => Retry::No,
            Err(a) => a.parsed.retry,
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

impl InsolvencyClient {
    pub(crate) fn new(shared: Arc<Shared>, cfg: &InsolvencyConfig) -> InsolvencyClient {
        InsolvencyClient {
            shared,
            budget: Budget::new(&cfg.budget),
            policy: RetryPolicy::from_config(&cfg.retry),
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
        range: Option<(NaiveDate, NaiveDate)>,
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
            Err(a) => {
                return Search {
                    page: Err(a),
                    last: None,
                };
            }
        };
        // The parsed document is not Send; keep it out of the await points.
        let form = {
            let doc = Html::parse_document(&page.text());
            html::find_form(&doc, "frm_suche")
        };
        let Some(mut form) = form else {
            return Search {
                page: Err(layout_changed(&page, "search page has no form frm_suche")),
                last: Some(page),
            };
        };
        let Some(action) = html::resolve(&page.url, &form.action) else {
            return Search {
                page: Err(layout_changed(&page, "search form has no usable action")),
                last: Some(page),
            };
        };
        // Field ids were renamed once; the form is seeded from the page and overridden by suffix.
        if !form.set_suffix("litx_firmaNachName:text", &format!("*{}*", q.name.trim())) {
            return Search {
                page: Err(layout_changed(&page, "search form has no name field")),
                last: Some(page),
            };
        }
        form.set_suffix("lsom_wildcard:lsom", "0");
        if let Some(seat) = q.seat.as_deref().filter(|s| !s.trim().is_empty()) {
            let seat_field = form
                .fields
                .iter()
                .map(|(n, _)| n.clone())
                .find(|n| n.to_lowercase().contains("sitz") && n.ends_with(":text"));
            if let Some(name) = seat_field {
                form.set(&name, seat.trim());
            }
        }
        if let Some(subject) = q.subject.as_deref() {
            form.set_suffix("lsom_gegenstand:codelist:mysom", subject);
        }
        if let Some((from, to)) = range {
            form.set_suffix(
                "ldi_datumVon:datumHtml5",
                &from.format("%Y-%m-%d").to_string(),
            );
            form.set_suffix(
                "ldi_datumBis:datumHtml5",
                &to.format("%Y-%m-%d").to_string(),
            );
        }
        if !form.press("cbt_suchen") {
            form.set("frm_suche:cbt_suchen", "Suchen");
        }
        let post = Request::post_form(action, &form.fields, timeout);
        let resp = match self.fetch(&post, &mut jar).await {
            Ok(r) => r,
            Err(a) => {
                return Search {
                    page: Err(a),
                    last: Some(page),
                };
            }
        };
        match parse_page(&resp.text()) {
            Ok(p) => Search {
                page: Ok(p),
                last: Some(resp),
            },
            Err(why) => Search {
                page: Err(layout_changed(&resp, &why)),
                last: Some(resp),
            },
        }
    }

    async fn search(
        &self,
        q: &InsolvencyQuery,
        range: Option<(NaiveDate, NaiveDate)>,
    ) -> (Search, u32) {
        with_retry(&self.policy, |_| self.search_once(q, range)).await
    }

    async fn run(&self, q: &InsolvencyQuery) -> (Attempt, u32) {
        let (first, mut tries) = self.search(q, None).await;
        let mut last = first.last;
        let mut found = match first.page {
            Err(a) => return (a, tries),
            Ok(Page::Rows(rows)) => Some(rows),
            Ok(Page::TooMany) => None,
        };
        if found.is_none() {
            // Narrow by halving the publication date range until every part lists its hits.
            let today = chrono::Utc::now().date_naive();
            let from = today - chrono::Days::new(u64::from(self.cfg.lookback_days.0));
            let mut pending = vec![(from, today)];
            let mut rows = Vec::new();
            let mut searches = 0u32;
            while let Some((a, b)) = pending.pop() {
                if searches >= self.cfg.max_narrowing_searches.0 {
                    return (too_many(last.as_ref(), searches), tries);
                }
                searches += 1;
                let (s, n) = self.search(q, Some((a, b))).await;
                tries += n;
                last = s.last.or(last);
                match s.page {
                    Err(at) => return (at, tries),
                    Ok(Page::Rows(mut r)) => rows.append(&mut r),
                    Ok(Page::TooMany) if a < b => {
                        let mid = a + chrono::Days::new(((b - a).num_days() / 2).max(0) as u64);
                        pending.push((mid + chrono::Days::new(1), b));
                        pending.push((a, mid));
                    }
                    Ok(Page::TooMany) => return (too_many(last.as_ref(), searches), tries),
                }
            }
            found = Some(rows);
        }
        let mut rows = filter(found.unwrap_or_default(), q);
        rows.sort_by(|a, b| {
            (&a.court, &a.case_number, &a.date).cmp(&(&b.court, &b.case_number, &b.date))
        });
        rows.dedup();
        if let Some(subject) = &q.subject {
            for r in &mut rows {
                r.notice = subject.clone();
            }
        }
        let parsed = Parsed::answer(Answer::Insolvency(InsolvencyAnswer { publications: rows }));
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
        if q.name
            .trim()
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
            parse_page("<html><p>Es wurden keine Treffer gefunden</p></html>"),
            Ok(Page::Rows(vec![]))
        );
        assert!(parse_page("<p>Es wurden keine Treffer gefunden</p>").is_err());
        assert!(parse_page("<html><body>Wartungsarbeiten</body></html>").is_err());
        assert!(parse_page("<html><table id='tbl_ergebnis'></table></html>").is_err());
        assert!(
            parse_page(
                "<html><table id='tbl_ergebnis'><tr><td>Musterbau GmbH</td></tr></table></html>"
            )
            .is_err()
        );
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
