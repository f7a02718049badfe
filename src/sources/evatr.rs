//! BZSt eVatR REST client: simple and qualified confirmation of foreign VAT numbers for a German
//! requester, the `evatr-NNNN` status catalogue, and the response `id` kept as evidence.

use super::budget::Budget;
use super::config::EvatrConfig;
use super::http::Request;
use super::{Attempt, NotAsked, Parsed, Registry, Shared};
use crate::domain::check::{
    Answer, FieldMatch, QualifiedAnswer, Source, SourceResult, Unavailable,
};
use crate::domain::vat::VatNumber;
use crate::http::retry::{RetryPolicy, with_retry};
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// The status catalogue as published at `/info/statusmeldungen` (copy of 2025).
pub(crate) const BUNDLED_CATALOGUE: &str =
    include_str!("../../assets/sources/evatr_statusmeldungen.json");

/// The data a qualified confirmation compares (name and city are required by eVatR).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct QualifiedRequest {
    /// Company name including legal form.
    pub name: String,
    /// City.
    pub city: String,
    /// Street, optional.
    pub street: Option<String>,
    /// Postcode, optional.
    pub postcode: Option<String>,
}

/// One eVatR question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct EvatrQuery {
    /// The foreign VAT number to confirm.
    pub(crate) vat: VatNumber,
    /// The data to compare, for a qualified confirmation.
    pub(crate) qualified: Option<QualifiedRequest>,
}

/// One entry of the status catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub(crate) struct StatusEntry {
    /// `evatr-NNNN`.
    pub(crate) status: String,
    /// `Ergebnis`, `Hinweis` or `Fehler`.
    #[serde(default)]
    pub(crate) kategorie: String,
    /// The HTTP status that comes with it.
    pub(crate) httpcode: Option<u16>,
    /// The German message.
    #[serde(default)]
    pub(crate) meldung: String,
}

/// The status catalogue, keyed by code.
#[derive(Debug, Clone, Default)]
pub(crate) struct Catalogue {
    entries: HashMap<String, StatusEntry>,
}

impl Catalogue {
    /// Parses the `/info/statusmeldungen` body.
    pub(crate) fn parse(body: &[u8]) -> Option<Catalogue> {
        let list: Vec<StatusEntry> = serde_json::from_slice(body).ok()?;
        if list.is_empty() {
            return None;
        }
        Some(Catalogue {
            entries: list.into_iter().map(|e| (e.status.clone(), e)).collect(),
        })
    }

    /// The bundled copy.
    pub(crate) fn bundled() -> Catalogue {
        Catalogue::parse(BUNDLED_CATALOGUE.as_bytes()).unwrap_or_default()
    }

    /// The entry for a code.
    pub(crate) fn get(&self, code: &str) -> Option<&StatusEntry> {
        self.entries.get(code)
    }

    /// Number of codes known.
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }
}

/// How Kontra treats an eVatR status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StatusClass {
    /// The number is valid now (0000, 2008; 0003 = valid but the qualified part was incomplete).
    Valid,
    /// The number is not valid now (2001 not assigned, 2002 not yet valid, 2006 no longer valid).
    NotValid,
    /// Our request or configuration was refused; nothing is said about the number.
    Refused,
    /// The per-session cap on qualified queries was reached.
    Throttled,
    /// eVatR or the member state behind it cannot answer now; retry later.
    Unavailable,
    /// A code we do not know.
    Unknown,
}

/// Classifies a status code; unknown codes fall back to the catalogue's HTTP code.
pub(crate) fn classify(code: &str, catalogue: &Catalogue) -> StatusClass {
    match code {
        "evatr-0000" | "evatr-2008" | "evatr-0003" => StatusClass::Valid,
        "evatr-2001" | "evatr-2002" | "evatr-2006" => StatusClass::NotValid,
        "evatr-0001" | "evatr-0002" | "evatr-0004" | "evatr-0005" | "evatr-0006" | "evatr-0007"
        | "evatr-0012" | "evatr-2003" | "evatr-2005" => StatusClass::Refused,
        "evatr-0008" => StatusClass::Throttled,
        "evatr-0011" | "evatr-0013" | "evatr-1001" | "evatr-1002" | "evatr-1003" | "evatr-1004"
        | "evatr-2004" | "evatr-2007" | "evatr-2011" | "evatr-3011" => StatusClass::Unavailable,
        _ => match catalogue.get(code).and_then(|e| e.httpcode) {
            Some(500..=599) => StatusClass::Unavailable,
            _ => StatusClass::Unknown,
        },
    }
}

fn field(letter: Option<&str>) -> Result<FieldMatch, String> {
    match letter.map(str::trim) {
        None | Some("") => Ok(FieldMatch::NotRequested),
        Some("A") => Ok(FieldMatch::Match),
        Some("B") => Ok(FieldMatch::Mismatch),
        Some("C") => Ok(FieldMatch::NotRequested),
        Some("D") => Ok(FieldMatch::NotProvided),
        Some(other) => Err(other.chars().take(8).collect()),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ResponseBody {
    id: Option<String>,
    anfrage_zeitpunkt: Option<String>,
    status: Option<String>,
    gueltig_ab: Option<String>,
    gueltig_bis: Option<String>,
    erg_firmenname: Option<String>,
    erg_strasse: Option<String>,
    erg_plz: Option<String>,
    erg_ort: Option<String>,
}

/// Parses an `/abfrage` response of any HTTP status; `vat` is the number asked.
pub(crate) fn parse_response(status: u16, body: &[u8], vat: &str, catalogue: &Catalogue) -> Parsed {
    let parsed: Option<ResponseBody> = super::looks_like_json(body)
        .then(|| serde_json::from_slice(body).ok())
        .flatten();
    let Some(b) = parsed else {
        return if status == 200 {
            Parsed::not_asked(Unavailable::Parse, "eVatR answer is not the expected JSON")
        } else {
            super::http_status_parsed(status, "eVatR")
        };
    };
    let Some(code) = b.status.clone().filter(|s| !s.trim().is_empty()) else {
        return if status == 200 {
            Parsed::not_asked(Unavailable::Parse, "eVatR answer has no status")
        } else {
            super::http_status_parsed(status, "eVatR")
        };
    };
    let code = code.trim().to_string();
    let meldung = catalogue
        .get(&code)
        .map(|e| e.meldung.clone())
        .unwrap_or_default();
    let describe = |text: &str| {
        if meldung.is_empty() {
            format!("{text} ({code})")
        } else {
            format!("{text} ({code}: {meldung})")
        }
    };
    // The catalogue gives each result code its HTTP status (2001 comes with 404, the others with
    // 200); a result code under another status (2001 with 503) is no answer about the number.
    let expected = catalogue.get(&code).and_then(|e| e.httpcode).unwrap_or(200);
    let class = match classify(&code, catalogue) {
        StatusClass::Valid | StatusClass::NotValid if status != expected => {
            StatusClass::Unavailable
        }
        c => c,
    };
    let mut p = match class {
        StatusClass::Valid | StatusClass::NotValid => {
            let fields = (
                field(b.erg_firmenname.as_deref()),
                field(b.erg_strasse.as_deref()),
                field(b.erg_plz.as_deref()),
                field(b.erg_ort.as_deref()),
            );
            match fields {
                (Ok(name), Ok(street), Ok(postcode), Ok(city)) => {
                    Parsed::answer(Answer::Qualified(QualifiedAnswer {
                        vat: vat.to_string(),
                        status: code.clone(),
                        valid: classify(&code, catalogue) == StatusClass::Valid,
                        valid_from: b.gueltig_ab.clone().filter(|s| !s.trim().is_empty()),
                        valid_until: b.gueltig_bis.clone().filter(|s| !s.trim().is_empty()),
                        name,
                        street,
                        postcode,
                        city,
                    }))
                }
                (a, b2, c, d) => {
                    let bad = [a, b2, c, d]
                        .into_iter()
                        .find_map(Result::err)
                        .unwrap_or_default();
                    Parsed::not_asked(
                        Unavailable::Parse,
                        format!("eVatR field result \"{bad}\" is not A, B, C or D"),
                    )
                }
            }
        }
        StatusClass::Refused => {
            Parsed::not_asked(Unavailable::Rejected, describe("eVatR refused the request"))
        }
        StatusClass::Throttled => Parsed::not_asked(
            Unavailable::Throttled,
            describe("eVatR limit of qualified queries reached"),
        ),
        StatusClass::Unavailable if class != classify(&code, catalogue) => Parsed::transient(
            Unavailable::ServiceUnavailable,
            describe(&format!(
                "eVatR sent a result code with HTTP {status} instead of {expected}; not an answer"
            )),
        ),
        StatusClass::Unavailable => Parsed::transient(
            Unavailable::ServiceUnavailable,
            describe("eVatR cannot answer now"),
        ),
        StatusClass::Unknown => Parsed::not_asked(
            Unavailable::ServiceUnavailable,
            describe("eVatR answered with an unknown status"),
        ),
    };
    p.code = Some(code);
    p.reference = b.id;
    p.registry_time = b.anfrage_zeitpunkt;
    p
}

/// The eVatR client.
#[derive(Debug)]
pub(crate) struct EvatrClient {
    shared: Arc<Shared>,
    cfg: EvatrConfig,
    budget: Budget,
    policy: RetryPolicy,
    catalogue: RwLock<Catalogue>,
}

impl EvatrClient {
    pub(crate) fn new(shared: Arc<Shared>, cfg: &EvatrConfig) -> EvatrClient {
        EvatrClient {
            shared,
            budget: Budget::new(&cfg.budget),
            policy: cfg.retry.policy(),
            cfg: cfg.clone(),
            catalogue: RwLock::new(Catalogue::bundled()),
        }
    }

    fn catalogue(&self) -> Catalogue {
        self.catalogue
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Loads `/info/statusmeldungen`; keeps the bundled copy when that fails.
    pub(crate) async fn refresh_catalogue(&self) -> Result<usize, NotAsked> {
        let url = self.cfg.base_url.join("/info/statusmeldungen");
        let req = Request::get(url, "application/json", self.cfg.timeout_secs.duration());
        let _permit = self.budget.acquire().await;
        let resp = self.shared.http.send(&req, None).await.map_err(|e| {
            let p = super::transport_parsed(&e);
            NotAsked {
                reason: p.reason().unwrap_or(Unavailable::Connection),
                message: e.to_string(),
            }
        })?;
        let cat = (resp.status == 200)
            .then(|| Catalogue::parse(&resp.body))
            .flatten()
            .ok_or_else(|| NotAsked {
                reason: Unavailable::Parse,
                message: format!(
                    "eVatR status catalogue unreadable (HTTP {}); keeping the bundled copy",
                    resp.status
                ),
            })?;
        let n = cat.len();
        *self.catalogue.write().unwrap_or_else(|e| e.into_inner()) = cat;
        Ok(n)
    }

    fn precheck(&self, q: &EvatrQuery) -> Result<String, Parsed> {
        if !self.cfg.enabled {
            return Err(super::disabled(Source::Evatr));
        }
        let Some(requester) = &self.cfg.requester_vat else {
            return Err(Parsed::not_asked(
                Unavailable::Disabled,
                "eVatR needs our own German VAT number: set [sources.evatr] requester_vat",
            ));
        };
        if q.vat.prefix() == "DE" {
            return Err(Parsed::not_asked(
                Unavailable::Rejected,
                format!(
                    "eVatR confirms only foreign VAT numbers; {} is German (ask VIES instead)",
                    q.vat
                ),
            )
            .with_code("evatr-0006"));
        }
        if let Some(qr) = &q.qualified
            && (qr.name.trim().is_empty() || qr.city.trim().is_empty())
        {
            return Err(Parsed::not_asked(
                Unavailable::Rejected,
                "a qualified confirmation needs both the company name and the city",
            ));
        }
        Ok(requester.0.to_string())
    }

    async fn attempt(&self, q: &EvatrQuery, requester: &str) -> Attempt {
        let mut body = serde_json::json!({
            "anfragendeUstid": requester,
            "angefragteUstid": q.vat.as_str(),
        });
        if let (Some(qr), Some(obj)) = (&q.qualified, body.as_object_mut()) {
            obj.insert("firmenname".into(), qr.name.trim().into());
            obj.insert("ort".into(), qr.city.trim().into());
            if let Some(s) = qr.street.as_deref().filter(|s| !s.trim().is_empty()) {
                obj.insert("strasse".into(), s.trim().into());
            }
            if let Some(s) = qr.postcode.as_deref().filter(|s| !s.trim().is_empty()) {
                obj.insert("plz".into(), s.trim().into());
            }
        }
        let req = Request::post_json(
            self.cfg.base_url.join("/abfrage"),
            body.to_string().into_bytes(),
            self.cfg.timeout_secs.duration(),
        );
        let _permit = self.budget.acquire().await;
        match self.shared.http.send(&req, None).await {
            Ok(resp) => {
                let parsed =
                    parse_response(resp.status, &resp.body, q.vat.as_str(), &self.catalogue());
                Attempt::of(&resp, parsed)
            }
            Err(e) => Attempt::transport(&e),
        }
    }
}

impl Registry for EvatrClient {
    type Query = EvatrQuery;

    fn source(&self) -> Source {
        Source::Evatr
    }

    async fn ask(&self, q: &EvatrQuery) -> SourceResult {
        let requester = match self.precheck(q) {
            Ok(r) => r,
            Err(p) => return self.shared.finish(Source::Evatr, Attempt::local(p), 1),
        };
        let (attempt, n) = with_retry(&self.policy, |_| self.attempt(q, &requester)).await;
        self.shared.finish(Source::Evatr, attempt, n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::retry::Retry;
    use proptest::prelude::*;

    #[test]
    fn bundled_catalogue_covers_every_classified_code() {
        let cat = Catalogue::bundled();
        assert_eq!(cat.len(), 26);
        for code in cat.entries.keys() {
            assert_ne!(classify(code, &cat), StatusClass::Unknown, "{code}");
        }
        assert_eq!(classify("evatr-9999", &cat), StatusClass::Unknown);
    }

    #[test]
    fn a_result_code_under_another_http_status_is_no_answer() {
        let cat = Catalogue::bundled();
        let body = br#"{"id":"x","status":"evatr-2001"}"#;
        assert!(
            parse_response(404, body, "ATU1", &cat)
                .outcome
                .answer()
                .is_some()
        );
        let p = parse_response(503, body, "ATU1", &cat);
        assert!(p.outcome.answer().is_none(), "{p:?}");
        assert_eq!(p.retry, Retry::Transient);
        assert_eq!(p.code.as_deref(), Some("evatr-2001"));
        let ok = br#"{"id":"x","status":"evatr-0000"}"#;
        assert!(
            parse_response(200, ok, "ATU1", &cat)
                .outcome
                .answer()
                .is_some()
        );
        assert!(
            parse_response(500, ok, "ATU1", &cat)
                .outcome
                .answer()
                .is_none()
        );
    }

    #[test]
    fn unknown_code_with_5xx_in_a_fresh_catalogue_is_unavailable() {
        let cat = Catalogue::parse(
            br#"[{"status":"evatr-4711","kategorie":"Fehler","httpcode":503,"meldung":"x"}]"#,
        )
        .unwrap();
        assert_eq!(classify("evatr-4711", &cat), StatusClass::Unavailable);
    }

    proptest! {
        #[test]
        fn parser_never_panics(status in 0u16..1000, body in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = parse_response(status, &body, "ATU1", &Catalogue::bundled());
        }

        #[test]
        fn only_result_codes_are_answers(code in "evatr-[0-9]{4}", letter in "[A-F]?") {
            let body = serde_json::json!({"id":"x","status":code,"ergOrt":letter}).to_string();
            let p = parse_response(200, body.as_bytes(), "ATU1", &Catalogue::bundled());
            if p.outcome.answer().is_some() {
                let class = classify(&code, &Catalogue::bundled());
                prop_assert!(class == StatusClass::Valid || class == StatusClass::NotValid);
            }
        }
    }
}
