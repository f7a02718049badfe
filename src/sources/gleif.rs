//! GLEIF LEI API client: a record by LEI, search by register number (with the registration
//! authority of the court) or by name and country, normalised into `LeiAnswer`s.

use super::budget::Budget;
use super::config::GleifConfig;
use super::http::Request;
use super::retry::{RetryPolicy, with_retry};
use super::{Attempt, Parsed, Registry, Shared};
use crate::domain::check::{
    Answer, LeiAnswer, LeiNotFound, LeiSearchAnswer, Source, SourceResult, Unavailable,
};
use crate::domain::counterparty::validate_lei;
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
        /// The register number as GLEIF holds it (German records carry the type: `HRB 12345`).
        number: String,
        /// Registration authority code of the court.
        court: Option<String>,
        /// ISO country of the legal address.
        country: Option<String>,
    },
    /// Records by legal name, optionally in one country.
    Name {
        /// Legal name (GLEIF matches it loosely).
        name: String,
        /// ISO country of the legal address.
        country: Option<String>,
    },
}

/// ELF codes confirmed in our reference material, with their names.
const ELF_NAMES: [(&str, &str); 2] = [
    ("2HBR", "Gesellschaft mit beschränkter Haftung (GmbH)"),
    ("6QQB", "Aktiengesellschaft (AG)"),
];

/// The name of an ELF code, when we know it.
pub fn elf_name(code: &str) -> Option<&'static str> {
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
pub fn parse_record(status: u16, body: &[u8], lei: &str) -> Parsed {
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
pub fn parse_search(status: u16, body: &[u8], court: Option<&str>) -> Parsed {
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
pub struct GleifClient {
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
            policy: RetryPolicy::from_config(&cfg.retry),
            cfg: cfg.clone(),
        }
    }

    fn url(&self, q: &GleifSearch) -> Result<String, Parsed> {
        let bad = |e: super::http::TransportError| {
            Parsed::not_asked(Unavailable::Rejected, e.to_string())
        };
        let filters: Vec<(&str, String)> = match q {
            GleifSearch::Lei(lei) => {
                return super::url_with_segments(self.cfg.base_url.as_str(), &["lei-records", lei])
                    .map_err(bad);
            }
            GleifSearch::Register {
                number, country, ..
            } => {
                let mut f = vec![("filter[entity.registeredAs]", number.trim().to_string())];
                if let Some(c) = country {
                    f.push((
                        "filter[entity.legalAddress.country]",
                        c.trim().to_uppercase(),
                    ));
                }
                f
            }
            GleifSearch::Name { name, country } => {
                let mut f = vec![("filter[entity.legalName]", name.trim().to_string())];
                if let Some(c) = country {
                    f.push((
                        "filter[entity.legalAddress.country]",
                        c.trim().to_uppercase(),
                    ));
                }
                f
            }
        };
        let base =
            super::url_with_segments(self.cfg.base_url.as_str(), &["lei-records"]).map_err(bad)?;
        let mut url = url::Url::parse(&base)
            .map_err(|e| Parsed::not_asked(Unavailable::Rejected, e.to_string()))?;
        {
            let mut pairs = url.query_pairs_mut();
            for (k, v) in &filters {
                pairs.append_pair(k, v);
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
            GleifSearch::Name { name, .. } if name.trim().is_empty() => {
                Err(rejected("a name search needs a name".into()))
            }
            other => Ok(other.clone()),
        }
    }

    async fn attempt(&self, q: &GleifSearch) -> Attempt {
        let url = match self.url(q) {
            Ok(u) => u,
            Err(p) => return Attempt::local(p),
        };
        let req = Request::get(url, ACCEPT, self.cfg.timeout_secs.duration());
        let _permit = self.budget.acquire().await;
        let resp = match self.shared.http.send(&req, None).await {
            Ok(r) => r,
            Err(e) => return Attempt::transport(&e),
        };
        let parsed = match q {
            GleifSearch::Lei(lei) => parse_record(resp.status, &resp.body, lei),
            GleifSearch::Register { court, .. } => {
                parse_search(resp.status, &resp.body, court.as_deref())
            }
            GleifSearch::Name { .. } => parse_search(resp.status, &resp.body, None),
        };
        Attempt::of(&resp, parsed)
    }
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
        let (attempt, n) = with_retry(&self.policy, |_| self.attempt(&q)).await;
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

    proptest! {
        #[test]
        fn parsers_never_panic(status in 0u16..1000, body in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = parse_record(status, &body, "HWUPKR0MPOU8FGXBT394");
            let _ = parse_search(status, &body, Some("RA000598"));
        }
    }
}
