//! GLEIF LEI API client: a record by LEI, search by register number (with the registration
//! authority of the court) or by name and country, normalised into `LeiAnswer`s.

use super::budget::Budget;
use super::config::GleifConfig;
use super::gleif_courts;
use super::http::Request;
use super::{Attempt, Parsed, Registry, Shared};
use crate::domain::check::{
    Answer, LeiAnswer, LeiNoMatch, LeiNotFound, LeiSearchAnswer, Source, SourceResult, Unavailable,
};
use crate::domain::counterparty::validate_lei;
use crate::http::retry::{RetryPolicy, with_retry};
use serde::Deserialize;
use std::sync::Arc;

const ACCEPT: &str = "application/vnd.api+json";

/// What to ask GLEIF.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GleifSearch {
    /// One record by LEI.
    Lei(String),
    /// Records registered under a number, optionally only those of one registration authority
    /// (`RA000xxx`; German numbers are unique only together with the court) and country.
    Register {
        /// The register number as the counterparty gives it (`HRB 12345 B`); every form of it
        /// in [`register_variants`] is searched until one finds records.
        number: String,
        /// Registration authority code of the court (`RA000xxx`), when known: records of
        /// other authorities are dropped (GLEIF is not asked to filter by it). Without it, the
        /// code is looked up from `court_name` in [`gleif_courts`].
        court: Option<String>,
        /// The register court's name (`Amtsgericht München`): its RA code when `court` is
        /// None, and Berlin's `B` suffix.
        court_name: Option<String>,
        /// ISO country of the legal address.
        country: Option<String>,
    },
    /// Records by name, optionally in one country (GLEIF's `filter[fulltext]`).
    Name {
        /// Name of the entity.
        name: String,
        /// ISO country of the legal address.
        country: Option<String>,
    },
}

/// The GLEIF filter for register numbers.
pub(crate) const REGISTERED_AS: &str = "entity.registeredAs";
/// The GLEIF filter for name searches.
pub(crate) const FULLTEXT: &str = "fulltext";
/// At most this many forms of one number are searched (GLEIF allows 60 requests a minute).
const MAX_VARIANTS: usize = 8;

/// Whether `s` is a GLEIF registration authority code (`RA` and six digits).
pub(crate) fn is_ra_code(s: &str) -> bool {
    // Checked as ASCII first: slicing by bytes would split a multi-byte letter ("München" is
    // eight bytes too).
    let s = s.trim();
    s.is_ascii()
        && s.len() == 8
        && s[..2].eq_ignore_ascii_case("RA")
        && s[2..].chars().all(|c| c.is_ascii_digit())
}

/// The forms a register number may have in GLEIF, most likely first: as written; register type
/// and number with and without a space, with and without the letter suffix (Berlin's `B`, added
/// when the court is Berlin), with leading zeros kept and stripped; the bare number. GLEIF's
/// `registeredAs` filter matches only the exact stored text (`HRB 12345`, `HRB123456` and
/// `HRB 000001 B` all occur), so each form is a separate search.
pub(crate) fn register_variants(number: &str, court_name: Option<&str>) -> Vec<String> {
    let written = number.split_whitespace().collect::<Vec<_>>().join(" ");
    let compact: String = written.chars().filter(|c| !c.is_whitespace()).collect();
    let kind: String = compact
        .chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .collect();
    let rest = &compact[kind.len()..];
    let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
    let suffix = &rest[digits.len()..];
    let mut out = vec![written.clone()];
    if digits.is_empty() || !suffix.chars().all(|c| c.is_ascii_alphabetic()) {
        return out;
    }
    let berlin = court_name.is_some_and(|c| {
        let c = c.to_lowercase();
        c.contains("berlin") || c.contains("charlottenburg")
    });
    let suffix = if suffix.is_empty() && berlin && kind.starts_with("HR") {
        "B".to_string()
    } else {
        suffix.to_string()
    };
    let stripped = digits.trim_start_matches('0');
    let mut numbers = vec![digits.as_str()];
    if !stripped.is_empty() && stripped != digits {
        numbers.push(stripped);
    }
    let suffixes: Vec<&str> = if suffix.is_empty() {
        vec![""]
    } else {
        vec![suffix.as_str(), ""]
    };
    for n in &numbers {
        if !kind.is_empty() {
            for sep in [" ", ""] {
                for s in &suffixes {
                    let s = if s.is_empty() {
                        String::new()
                    } else {
                        format!("{sep}{s}")
                    };
                    out.push(format!("{kind}{sep}{n}{s}"));
                }
            }
        }
        out.push((*n).to_string());
    }
    let mut seen = std::collections::HashSet::new();
    out.retain(|v| !v.is_empty() && seen.insert(v.clone()));
    out.truncate(MAX_VARIANTS);
    out
}

/// ELF codes confirmed in our reference material, with their names.
const ELF_NAMES: [(&str, &str); 2] = [
    ("2HBR", "Gesellschaft mit beschränkter Haftung (GmbH)"),
    ("6QQB", "Aktiengesellschaft (AG)"),
];

/// The name of an ELF code, when we know it.
pub(crate) fn elf_name(code: &str) -> Option<&'static str> {
    ELF_NAMES.iter().find(|(c, _)| *c == code).map(|(_, n)| *n)
}

#[derive(Deserialize)]
struct One {
    data: Option<Record>,
    #[serde(default)]
    errors: Vec<ApiError>,
}

#[derive(Deserialize)]
struct Many {
    data: Option<Vec<Record>>,
    meta: Option<Meta>,
    #[serde(default)]
    errors: Vec<ApiError>,
}

#[derive(Deserialize)]
struct ApiError {
    status: Option<String>,
    title: Option<String>,
    detail: Option<String>,
}

#[derive(Deserialize)]
struct Meta {
    pagination: Option<Pagination>,
}

#[derive(Deserialize)]
struct Pagination {
    total: Option<u64>,
}

#[derive(Deserialize)]
struct Record {
    id: Option<String>,
    attributes: Option<Attributes>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Attributes {
    lei: Option<String>,
    entity: Option<Entity>,
    registration: Option<Registration>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Entity {
    legal_name: Option<Named>,
    legal_address: Option<Address>,
    registered_at: Option<IdOther>,
    registered_as: Option<String>,
    legal_form: Option<IdOther>,
    status: Option<String>,
    successor_entity: Option<Successor>,
    #[serde(default)]
    successor_entities: Option<Vec<Successor>>,
}

#[derive(Deserialize)]
struct Named {
    name: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Address {
    #[serde(default)]
    address_lines: Option<Vec<Option<String>>>,
    city: Option<String>,
    country: Option<String>,
    postal_code: Option<String>,
}

#[derive(Deserialize)]
struct IdOther {
    id: Option<String>,
    other: Option<String>,
}

#[derive(Deserialize)]
struct Successor {
    lei: Option<String>,
}

#[derive(Deserialize)]
struct Registration {
    status: Option<String>,
}

fn non_empty(s: Option<String>) -> Option<String> {
    s.map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
}

/// One line: address lines, postcode and city, country.
fn one_line(a: Option<Address>) -> String {
    let Some(a) = a else {
        return String::new();
    };
    let mut parts: Vec<String> = a
        .address_lines
        .unwrap_or_default()
        .into_iter()
        .filter_map(non_empty)
        .collect();
    let town = [non_empty(a.postal_code), non_empty(a.city)]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    if !town.is_empty() {
        parts.push(town);
    }
    if let Some(c) = non_empty(a.country) {
        parts.push(c);
    }
    parts.join(", ")
}

fn normalise(r: Record) -> Result<LeiAnswer, String> {
    let attrs = r.attributes.ok_or("record without attributes")?;
    let lei = non_empty(attrs.lei)
        .or(non_empty(r.id))
        .ok_or("record without LEI")?;
    let entity = attrs.entity.ok_or("record without entity")?;
    let legal_name = non_empty(entity.legal_name.and_then(|n| n.name))
        .ok_or_else(|| format!("record {lei} without legal name"))?;
    let (legal_form_code, legal_form_other) = match entity.legal_form {
        Some(f) => (non_empty(f.id), non_empty(f.other)),
        None => (None, None),
    };
    let legal_form_name = legal_form_other.or_else(|| {
        legal_form_code
            .as_deref()
            .and_then(elf_name)
            .map(str::to_string)
    });
    let successor = non_empty(entity.successor_entity.and_then(|s| s.lei)).or_else(|| {
        entity
            .successor_entities
            .unwrap_or_default()
            .into_iter()
            .find_map(|s| non_empty(s.lei))
    });
    Ok(LeiAnswer {
        lei,
        legal_name,
        legal_address: one_line(entity.legal_address),
        legal_form_code,
        legal_form_name,
        entity_status: non_empty(entity.status).unwrap_or_default(),
        registration_status: non_empty(attrs.registration.and_then(|r| r.status))
            .unwrap_or_default(),
        successor,
        registered_as: non_empty(entity.registered_as),
        registered_at: non_empty(entity.registered_at.and_then(|r| r.id)),
    })
}

fn api_errors(errors: &[ApiError]) -> String {
    errors
        .iter()
        .map(|e| {
            [e.status.as_deref(), e.title.as_deref(), e.detail.as_deref()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Parses `GET /lei-records/{lei}`; a JSON:API 404 whose error names the LEI asked is the answer
/// "no such LEI" (a generic "resource not found", as a wrong path also gives, is not).
pub(crate) fn parse_record(status: u16, body: &[u8], lei: &str) -> Parsed {
    let doc: Option<One> = super::looks_like_json(body)
        .then(|| serde_json::from_slice(body).ok())
        .flatten();
    let Some(doc) = doc else {
        return super::http_status_parsed(status, "GLEIF");
    };
    let names_lei = |e: &ApiError| {
        [e.title.as_deref(), e.detail.as_deref()]
            .into_iter()
            .flatten()
            .any(|t| t.to_ascii_uppercase().contains(&lei.to_ascii_uppercase()))
    };
    if status == 404
        && doc
            .errors
            .iter()
            .any(|e| e.status.as_deref() == Some("404") && names_lei(e))
    {
        return Parsed::answer(Answer::LeiNotFound(LeiNotFound {
            lei: lei.to_string(),
        }))
        .with_code("404");
    }
    if status != 200 {
        let mut p = super::http_status_parsed(status, "GLEIF");
        if !doc.errors.is_empty()
            && let crate::domain::check::Outcome::CouldNotAsk { message, .. } = &mut p.outcome
        {
            message.push_str(": ");
            message.push_str(&api_errors(&doc.errors));
        }
        return p;
    }
    let Some(record) = doc.data else {
        return Parsed::not_asked(Unavailable::Parse, "GLEIF answer has no record");
    };
    match normalise(record) {
        Ok(a) if a.lei.eq_ignore_ascii_case(lei) => {
            let status = a.registration_status.clone();
            Parsed::answer(Answer::Lei(a)).with_code(status)
        }
        Ok(a) => Parsed::not_asked(
            Unavailable::Parse,
            format!("GLEIF answered with record {} for {lei}", a.lei),
        ),
        Err(e) => Parsed::not_asked(Unavailable::Parse, format!("GLEIF record unreadable: {e}")),
    }
}

/// Parses `GET /lei-records?filter...`; keeps only records of `court` when given.
pub(crate) fn parse_search(status: u16, body: &[u8], court: Option<&str>) -> Parsed {
    let doc: Option<Many> = super::looks_like_json(body)
        .then(|| serde_json::from_slice(body).ok())
        .flatten();
    let Some(doc) = doc else {
        return super::http_status_parsed(status, "GLEIF");
    };
    if status != 200 || !doc.errors.is_empty() {
        let mut p = super::http_status_parsed(status, "GLEIF search");
        if let crate::domain::check::Outcome::CouldNotAsk { message, .. } = &mut p.outcome {
            message.push_str(": ");
            message.push_str(&api_errors(&doc.errors));
        }
        return p;
    }
    let Some(data) = doc.data else {
        return Parsed::not_asked(Unavailable::Parse, "GLEIF search answer has no data");
    };
    let mut records = Vec::with_capacity(data.len());
    for r in data {
        match normalise(r) {
            Ok(a) => records.push(a),
            Err(e) => {
                return Parsed::not_asked(
                    Unavailable::Parse,
                    format!("GLEIF search record unreadable: {e}"),
                );
            }
        }
    }
    let mut total = doc
        .meta
        .and_then(|m| m.pagination)
        .and_then(|p| p.total)
        .unwrap_or(records.len() as u64);
    if let Some(court) = court.map(str::trim).filter(|c| !c.is_empty()) {
        records.retain(|r| {
            r.registered_at
                .as_deref()
                .is_some_and(|ra| ra.eq_ignore_ascii_case(court))
        });
        total = records.len() as u64;
    }
    Parsed::answer(Answer::LeiSearch(LeiSearchAnswer { total, records }))
}

/// The GLEIF client.
#[derive(Debug)]
pub(crate) struct GleifClient {
    shared: Arc<Shared>,
    cfg: GleifConfig,
    budget: Budget,
    policy: RetryPolicy,
}

impl GleifClient {
    pub(crate) fn new(shared: Arc<Shared>, cfg: &GleifConfig) -> GleifClient {
        GleifClient {
            shared,
            budget: Budget::new(&cfg.budget),
            policy: cfg.retry.policy(),
            cfg: cfg.clone(),
        }
    }

    /// The URL of one record, or of one filtered search (`field` = `value`, in `country`).
    fn url(&self, ask: &Ask) -> Result<String, Parsed> {
        let bad = |e: super::http::TransportError| {
            Parsed::not_asked(Unavailable::Rejected, e.to_string())
        };
        let (field, value, country) = match ask {
            Ask::Lei(lei) => {
                return super::url_with_segments(self.cfg.base_url.as_str(), &["lei-records", lei])
                    .map_err(bad);
            }
            Ask::Filter {
                field,
                value,
                country,
            } => (field, value, country),
        };
        let base =
            super::url_with_segments(self.cfg.base_url.as_str(), &["lei-records"]).map_err(bad)?;
        let mut url = url::Url::parse(&base)
            .map_err(|e| Parsed::not_asked(Unavailable::Rejected, e.to_string()))?;
        {
            let mut pairs = url.query_pairs_mut();
            pairs.append_pair(&format!("filter[{field}]"), value);
            if let Some(c) = country {
                pairs.append_pair("filter[entity.legalAddress.country]", c);
            }
            pairs.append_pair("page[size]", &self.cfg.page_size.0.min(200).to_string());
            pairs.append_pair("page[number]", "1");
        }
        Ok(url.to_string())
    }

    fn precheck(&self, q: &GleifSearch) -> Result<GleifSearch, Parsed> {
        if !self.cfg.enabled {
            return Err(super::disabled(Source::Gleif));
        }
        let rejected = |m: String| Parsed::not_asked(Unavailable::Rejected, m);
        match q {
            GleifSearch::Lei(lei) => validate_lei(lei)
                .map(GleifSearch::Lei)
                .map_err(|e| rejected(e.to_string())),
            GleifSearch::Register { number, .. } if number.trim().is_empty() => Err(rejected(
                "a register search needs the register number".into(),
            )),
            GleifSearch::Register { court: Some(c), .. } if !is_ra_code(c) => Err(rejected(
                format!("\"{c}\" is not a GLEIF registration authority code such as RA000131"),
            )),
            GleifSearch::Name { name, .. } if name.trim().is_empty() => {
                Err(rejected("a name search needs a name".into()))
            }
            other => Ok(other.clone()),
        }
    }

    async fn attempt(&self, ask: &Ask, court: Option<&str>) -> Attempt {
        let url = match self.url(ask) {
            Ok(u) => u,
            Err(p) => return Attempt::local(p),
        };
        let req = Request::get(url, ACCEPT, self.cfg.timeout_secs.duration());
        let _permit = self.budget.acquire().await;
        let resp = match self.shared.http.send(&req, None).await {
            Ok(r) => r,
            Err(e) => return Attempt::transport(&e),
        };
        let parsed = match ask {
            Ask::Lei(lei) => parse_record(resp.status, &resp.body, lei),
            Ask::Filter { .. } => parse_search(resp.status, &resp.body, court),
        };
        Attempt::of(&resp, parsed)
    }

    /// Searches `field` for each value in turn until one finds records; none found after all
    /// is [`LeiNoMatch`] listing them, and a failure on any is that failure (never a no-match).
    async fn search(
        &self,
        field: &'static str,
        values: Vec<String>,
        court: Option<&str>,
        country: Option<String>,
    ) -> (Attempt, u32) {
        let mut total = 0;
        let mut last = None;
        for value in &values {
            let ask = Ask::Filter {
                field,
                value: value.clone(),
                country: country.clone(),
            };
            let (attempt, n) = with_retry(&self.policy, |_| self.attempt(&ask, court)).await;
            total += n;
            match &attempt.parsed.outcome {
                crate::domain::check::Outcome::Answer(Answer::LeiSearch(found))
                    if found.records.is_empty() =>
                {
                    last = Some(attempt);
                }
                crate::domain::check::Outcome::Answer(_) => {
                    let mut attempt = attempt;
                    attempt.parsed = attempt.parsed.with_code(format!("{field}={value}"));
                    return (attempt, total);
                }
                crate::domain::check::Outcome::CouldNotAsk { .. } => return (attempt, total),
            }
        }
        let no_match = Answer::LeiNoMatch(LeiNoMatch {
            field: field.to_string(),
            variants: values,
            court: court.map(str::to_string),
            country,
        });
        let attempt = match last {
            Some(mut a) => {
                a.parsed = Parsed::answer(no_match).with_code("NO_MATCH");
                a
            }
            None => Attempt::local(Parsed::answer(no_match).with_code("NO_MATCH")),
        };
        (attempt, total.max(1))
    }
}

/// The note a register search carries when no court code was known, so the records found were
/// not checked against the court: the number may belong to a company at another court.
fn authority_not_checked(court_name: &Option<String>) -> String {
    match court_name
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        Some(c) => {
            format!("; registration authority not checked: no GLEIF code known for court \"{c}\"")
        }
        None => "; registration authority not checked: no court given".to_string(),
    }
}

/// One request to GLEIF.
enum Ask {
    Lei(String),
    Filter {
        field: &'static str,
        value: String,
        country: Option<String>,
    },
}

impl Registry for GleifClient {
    type Query = GleifSearch;

    fn source(&self) -> Source {
        Source::Gleif
    }

    async fn ask(&self, q: &GleifSearch) -> SourceResult {
        let q = match self.precheck(q) {
            Ok(q) => q,
            Err(p) => return self.shared.finish(Source::Gleif, Attempt::local(p), 1),
        };
        let country = |c: &Option<String>| {
            c.as_deref()
                .map(|c| c.trim().to_uppercase())
                .filter(|c| !c.is_empty())
        };
        let (attempt, n) = match &q {
            GleifSearch::Lei(lei) => {
                let ask = Ask::Lei(lei.clone());
                with_retry(&self.policy, |_| self.attempt(&ask, None)).await
            }
            GleifSearch::Register {
                number,
                court,
                court_name,
                country: c,
            } => {
                // The court's code: as given, else from the table of court names.
                let court = court
                    .as_deref()
                    .map(|c| c.trim().to_uppercase())
                    .or_else(|| court_name.as_deref().and_then(gleif_courts::ra_code));
                let unchecked = court.is_none().then(|| authority_not_checked(court_name));
                let values = register_variants(number, court_name.as_deref());
                let (mut attempt, n) = self
                    .search(REGISTERED_AS, values, court.as_deref(), country(c))
                    .await;
                if let (Some(note), Some(code)) = (unchecked, attempt.parsed.code.as_mut())
                    && matches!(
                        attempt.parsed.outcome,
                        crate::domain::check::Outcome::Answer(Answer::LeiSearch(_))
                    )
                {
                    code.push_str(&note);
                }
                (attempt, n)
            }
            GleifSearch::Name { name, country: c } => {
                let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
                self.search(FULLTEXT, vec![name], None, country(c)).await
            }
        };
        self.shared.finish(Source::Gleif, attempt, n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn address_is_one_line() {
        let a = Address {
            address_lines: Some(vec![
                Some("One Apple Park Way".into()),
                None,
                Some(" ".into()),
            ]),
            city: Some("Cupertino".into()),
            country: Some("US".into()),
            postal_code: Some("95014".into()),
        };
        assert_eq!(one_line(Some(a)), "One Apple Park Way, 95014 Cupertino, US");
        assert_eq!(one_line(None), "");
    }

    #[test]
    fn register_numbers_have_their_gleif_forms() {
        assert_eq!(
            register_variants("HRB 12345", Some("Berlin (Charlottenburg)")),
            ["HRB 12345", "HRB 12345 B", "HRB12345B", "HRB12345", "12345"]
        );
        assert_eq!(
            register_variants("HRB 12345 B", None),
            ["HRB 12345 B", "HRB 12345", "HRB12345B", "HRB12345", "12345"]
        );
        assert_eq!(
            register_variants("HRB 000001", Some("München")),
            ["HRB 000001", "HRB000001", "000001", "HRB 1", "HRB1", "1"]
        );
        // Not a register number we can take apart: only as written.
        assert_eq!(
            register_variants(" 0450486330 ", None),
            ["0450486330", "450486330"]
        );
        assert_eq!(register_variants("A-12 / 7", None), ["A-12 / 7"]);
        assert!(is_ra_code("RA000131") && is_ra_code("ra000131"));
        assert!(!is_ra_code("Berlin") && !is_ra_code("RA00013"));
        // Eight bytes, not ASCII: once a panic on a court written by name.
        assert!(!is_ra_code("München") && !is_ra_code("RAÄ00013"));
    }

    proptest! {
        #[test]
        fn parsers_never_panic(status in 0u16..1000, body in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = parse_record(status, &body, "HWUPKR0MPOU8FGXBT394");
            let _ = parse_search(status, &body, Some("RA000598"));
        }
    }
}
