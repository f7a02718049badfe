//! EU VIES REST client: the documented POST `check-vat-number` (with our requester number when
//! configured: consultation number as evidence), the web UI's GET per member state only when
//! the POST route itself is refused, `check-status`, every error code mapped, and the
//! `IP_BLOCKED` pause.

use super::budget::ViesBudgets;
use super::config::ViesConfig;
use super::http::Request;
use super::{Attempt, NotAsked, Parsed, Registry, Shared};
use crate::domain::check::{Answer, Source, SourceResult, Unavailable, VatAnswer};
use crate::domain::vat::VatNumber;
use crate::http::retry::{Retry, RetryPolicy, with_retry};
use chrono::Utc;
use serde::Deserialize;
use std::sync::{Arc, Mutex};
use tokio::time::Instant;

/// VIES traffic stopped after `IP_BLOCKED`, until an operator resumes it (kept in the data
/// directory by the processes that hold the store; see `Store::source_pause`).
pub(crate) type ViesPause = crate::domain::pause::SourcePause;

/// Member-state availability from `check-status`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ViesStatus {
    /// Whether VIES itself is up.
    pub vow_available: bool,
    /// (code, availability as VIES says it: `Available`, `Unavailable`, `Monitoring Disabled`).
    pub(crate) member_states: Vec<(String, String)>,
}

impl ViesStatus {
    /// Member states reported as `Unavailable`.
    pub fn down(&self) -> Vec<String> {
        self.member_states
            .iter()
            .filter(|(_, a)| a.eq_ignore_ascii_case("unavailable"))
            .map(|(c, _)| c.clone())
            .collect()
    }
}

/// The VIES client.
#[derive(Debug)]
pub(crate) struct ViesClient {
    shared: Arc<Shared>,
    cfg: ViesConfig,
    budgets: ViesBudgets,
    policy: RetryPolicy,
    pause: Mutex<Option<ViesPause>>,
    status: Mutex<Option<(Instant, ViesStatus)>>,
}

impl ViesClient {
    pub(crate) fn new(shared: Arc<Shared>, cfg: &ViesConfig) -> ViesClient {
        ViesClient {
            shared,
            budgets: ViesBudgets::new(cfg),
            policy: cfg.retry.policy(),
            cfg: cfg.clone(),
            pause: Mutex::new(None),
            status: Mutex::new(None),
        }
    }

    /// The current pause, if any.
    pub(crate) fn pause(&self) -> Option<ViesPause> {
        self.pause.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Sets or clears the pause.
    pub(crate) fn set_pause(&self, pause: Option<ViesPause>) {
        if pause.is_none() {
            tracing::info!("VIES traffic resumed");
        }
        *self.pause.lock().unwrap_or_else(|e| e.into_inner()) = pause;
    }

    /// Member states the last fresh `check-status` reported down.
    pub(crate) fn member_states_down(&self) -> Vec<String> {
        let status = self.status.lock().unwrap_or_else(|e| e.into_inner());
        match &*status {
            Some((at, s)) if at.elapsed() < self.cfg.status_ttl_secs.duration() => s.down(),
            _ => Vec::new(),
        }
    }

    fn paused_result(&self) -> Option<Parsed> {
        self.pause().map(|p| {
            Parsed::not_asked(Unavailable::Blocked, p.describe()).with_code(p.code.clone())
        })
    }

    /// `GET /check-status`.
    pub(crate) async fn check_status(&self) -> Result<ViesStatus, NotAsked> {
        if !self.cfg.enabled {
            return Err(to_not_asked(super::disabled(Source::Vies)));
        }
        if let Some(p) = self.paused_result() {
            return Err(to_not_asked(p));
        }
        let url = self.cfg.base_url.join("/check-status");
        let req = Request::get(url, "application/json", self.cfg.timeout_secs.duration());
        let _permit = self.budgets.acquire("status").await;
        let resp = self
            .shared
            .http
            .send(&req, None)
            .await
            .map_err(|e| to_not_asked(super::transport_parsed(&e)))?;
        let status = parse_check_status(resp.status, &resp.body).map_err(to_not_asked)?;
        *self.status.lock().unwrap_or_else(|e| e.into_inner()) =
            Some((Instant::now(), status.clone()));
        Ok(status)
    }

    async fn attempt(&self, vat: &VatNumber) -> Attempt {
        if let Some(p) = self.paused_result() {
            return Attempt::local(p);
        }
        let cc = vat.prefix();
        if self.member_states_down().iter().any(|d| d == cc) {
            return Attempt::local(
                Parsed::not_asked(
                    Unavailable::ServiceUnavailable,
                    format!("VIES check-status reports member state {cc} unavailable"),
                )
                .with_code("MS_UNAVAILABLE"),
            );
        }
        let timeout = self.cfg.timeout_secs.duration();
        // The documented endpoint, with or without a requester (without one there is no
        // consultation number, as with the GET).
        let mut body = serde_json::json!({
            "countryCode": cc,
            "vatNumber": vat.national(),
        });
        if let Some(requester) = &self.cfg.requester_vat {
            body["requesterMemberStateCode"] = requester.0.prefix().into();
            body["requesterNumber"] = requester.0.national().into();
        }
        let post = Request::post_json(
            self.cfg.base_url.join("/check-vat-number"),
            body.to_string().into_bytes(),
            timeout,
        );
        let _permits = self.budgets.acquire(cc).await;
        // Another caller may have been told IP_BLOCKED while this one waited for its slot.
        if let Some(p) = self.paused_result() {
            return Attempt::local(p);
        }
        let resp = match self.shared.http.send(&post, None).await {
            Ok(r) => r,
            Err(e) => return Attempt::transport(&e),
        };
        let mut parsed = parse_post(resp.status, &resp.body, vat.as_str());
        let mut resp = resp;
        if self.cfg.requester_vat.is_none() && post_route_refused(resp.status, &parsed) {
            let url = match super::url_with_segments(
                self.cfg.base_url.as_str(),
                &["ms", cc, "vat", vat.national()],
            ) {
                Ok(u) => u,
                Err(e) => return Attempt::transport(&e),
            };
            tracing::warn!(
                status = resp.status,
                "VIES refused POST check-vat-number itself; asking the web UI's GET instead"
            );
            resp = match self
                .shared
                .http
                .send(&Request::get(url, "application/json", timeout), None)
                .await
            {
                Ok(r) => r,
                Err(e) => return Attempt::transport(&e),
            };
            parsed = parse_get(resp.status, &resp.body, vat.as_str());
        }
        if parsed.code.as_deref() == Some("IP_BLOCKED") {
            tracing::error!("VIES answered IP_BLOCKED; all VIES traffic is paused");
            self.set_pause(Some(ViesPause {
                source: Source::Vies,
                since: Utc::now(),
                code: "IP_BLOCKED".to_string(),
                message: "VIES answered IP_BLOCKED for this machine's address".to_string(),
            }));
        }
        Attempt::of(&resp, parsed)
    }
}

/// Whether POST `check-vat-number` was refused as a route (HTTP 404, 405, 415 or 501 without a
/// VIES error code): the documented endpoint missing or refusing the request shape, the one
/// case where the web UI's GET, a different route, may still answer. Every VIES error code
/// (`IP_BLOCKED`, the concurrency limits, `MS_UNAVAILABLE`) concerns the member state or this
/// machine's address and would come back on the GET too, which is also the route reported
/// blocked (review of 2026-12-04, §1.1).
fn post_route_refused(status: u16, parsed: &Parsed) -> bool {
    matches!(status, 404 | 405 | 415 | 501) && parsed.code.is_none()
}

fn to_not_asked(p: Parsed) -> NotAsked {
    match p.outcome {
        crate::domain::check::Outcome::CouldNotAsk { reason, message } => {
            NotAsked { reason, message }
        }
        crate::domain::check::Outcome::Answer(_) => NotAsked {
            reason: Unavailable::Parse,
            message: "unexpected answer".to_string(),
        },
    }
}

impl Registry for ViesClient {
    type Query = VatNumber;

    fn source(&self) -> Source {
        Source::Vies
    }

    async fn ask(&self, vat: &VatNumber) -> SourceResult {
        if !self.cfg.enabled {
            return self.shared.finish(
                Source::Vies,
                Attempt::local(super::disabled(Source::Vies)),
                1,
            );
        }
        let (attempt, n) = with_retry(&self.policy, |_| self.attempt(vat)).await;
        self.shared.finish(Source::Vies, attempt, n)
    }
}

/// What a VIES code means: no code but VALID/INVALID is an answer.
pub(crate) fn code_meaning(code: &str) -> (Unavailable, Retry, &'static str) {
    match code {
        "INVALID_INPUT" => (
            Unavailable::Rejected,
            Retry::No,
            "VIES refused the input (country code or number malformed)",
        ),
        "INVALID_REQUESTER_INFO" => (
            Unavailable::Rejected,
            Retry::No,
            "VIES refused our requester number; check [sources.vies] requester_vat",
        ),
        "VAT_BLOCKED" => (
            Unavailable::Rejected,
            Retry::No,
            "this VAT number is blocked from validation in VIES",
        ),
        "IP_BLOCKED" => (
            Unavailable::Blocked,
            Retry::No,
            "VIES blocked this machine's IP address; all VIES traffic is paused",
        ),
        "SERVICE_UNAVAILABLE" => (
            Unavailable::ServiceUnavailable,
            Retry::Transient,
            "VIES is unavailable",
        ),
        "MS_UNAVAILABLE" => (
            Unavailable::ServiceUnavailable,
            Retry::Transient,
            "the member state's service is unavailable",
        ),
        "TIMEOUT" => (
            Unavailable::Timeout,
            Retry::Transient,
            "the member state did not reply in time",
        ),
        "GLOBAL_MAX_CONCURRENT_REQ" | "GLOBAL_MAX_CONCURRENT_REQ_TIME" => (
            Unavailable::Throttled,
            Retry::Transient,
            "VIES is at its overall request limit",
        ),
        "MS_MAX_CONCURRENT_REQ" | "MS_MAX_CONCURRENT_REQ_TIME" => (
            Unavailable::Throttled,
            Retry::Transient,
            "the member state is at its request limit",
        ),
        "SERVER_BUSY" => (Unavailable::Throttled, Retry::Transient, "VIES is busy"),
        _ => (
            Unavailable::ServiceUnavailable,
            Retry::No,
            "VIES answered with an unknown code",
        ),
    }
}

fn code_parsed(code: &str, message: Option<&str>) -> Parsed {
    let (reason, retry, text) = code_meaning(code);
    let detail = match message.filter(|m| !m.trim().is_empty()) {
        Some(m) => format!("{text} ({code}: {})", m.trim()),
        None => format!("{text} ({code})"),
    };
    Parsed {
        retry,
        ..Parsed::not_asked(reason, detail).with_code(code)
    }
}

/// `---` (not disclosed), empty and whitespace mean "no value".
pub(crate) fn disclosed(value: Option<&str>) -> Option<String> {
    let v = value?.trim();
    if v.is_empty() || v.chars().all(|c| c == '-') {
        return None;
    }
    Some(v.to_string())
}

/// Address lines as VIES sends them (`\n`-separated, sometimes trailing), tidied.
pub(crate) fn disclosed_address(value: Option<&str>) -> Option<String> {
    let v = disclosed(value)?;
    let joined = v
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n");
    (!joined.is_empty()).then_some(joined)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ErrorBody {
    action_succeed: Option<bool>,
    #[serde(default)]
    error_wrappers: Vec<ErrorWrapper>,
}

#[derive(Deserialize)]
struct ErrorWrapper {
    error: Option<String>,
    message: Option<String>,
}

fn error_wrappers(body: &[u8]) -> Option<Parsed> {
    let e: ErrorBody = serde_json::from_slice(body).ok()?;
    if e.action_succeed != Some(false) {
        return None;
    }
    let first = e.error_wrappers.first();
    let code = first
        .and_then(|w| w.error.as_deref())
        .unwrap_or("SERVICE_UNAVAILABLE");
    Some(code_parsed(code, first.and_then(|w| w.message.as_deref())))
}

/// Whether the number a body names (`country` when given, `number` with or without its prefix)
/// is the one asked; an answer about another number, or one that names none, is not definite.
fn names_asked(country: Option<&str>, number: Option<&str>, vat: &str) -> bool {
    let norm = |s: &str| -> String {
        s.chars()
            .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '*'))
            .map(|c| c.to_ascii_uppercase())
            .collect()
    };
    let asked = norm(vat);
    let (prefix, national) = asked.split_at(asked.len().min(2));
    let Some(named) = number.map(norm).filter(|n| !n.is_empty()) else {
        return false;
    };
    let country_ok = country.is_none_or(|c| norm(c) == prefix);
    country_ok && (named == national || named == asked)
}

fn another_number(country: Option<&str>, number: Option<&str>, vat: &str) -> Parsed {
    Parsed::not_asked(
        Unavailable::Parse,
        format!(
            "VIES answer names {}{} instead of the number asked, {vat}; not an answer about it",
            country.unwrap_or(""),
            number.unwrap_or("no number")
        ),
    )
    .with_code("OTHER_NUMBER")
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GetBody {
    is_valid: Option<bool>,
    user_error: Option<String>,
    country_code: Option<String>,
    vat_number: Option<String>,
    request_date: Option<String>,
    name: Option<String>,
    address: Option<String>,
    request_identifier: Option<String>,
}

/// Parses the body of `GET /ms/{cc}/vat/{n}`; `vat` is the number asked (with prefix).
pub(crate) fn parse_get(status: u16, body: &[u8], vat: &str) -> Parsed {
    if let Some(p) = error_wrappers(body) {
        return p;
    }
    if !(200..300).contains(&status) {
        // Whatever the body says, an error status is no definite answer.
        return super::http_status_parsed(status, "VIES");
    }
    let parsed: GetBody = match serde_json::from_slice(body) {
        Ok(b) if super::looks_like_json(body) => b,
        _ => return unreadable(status, body),
    };
    let code = parsed.user_error.as_deref().map(str::trim);
    let valid = match (code, parsed.is_valid) {
        (Some("VALID"), Some(true)) => true,
        (Some("INVALID"), Some(false)) => false,
        (Some(c @ ("VALID" | "INVALID")), v) => {
            return Parsed::not_asked(
                Unavailable::Parse,
                format!("VIES answer contradicts itself: userError {c}, isValid {v:?}"),
            )
            .with_code(c);
        }
        (Some(c), _) if !c.is_empty() => {
            let mut p = code_parsed(c, None);
            p.registry_time = parsed.request_date;
            return p;
        }
        _ => {
            // isValid:false without a code is how errors look in some clients' captures; it is
            // not a definite "invalid".
            return Parsed::not_asked(
                Unavailable::Parse,
                "VIES answer has no userError code; isValid alone is not an answer",
            );
        }
    };
    let (cc, number) = (parsed.country_code.as_deref(), parsed.vat_number.as_deref());
    if !names_asked(cc, number, vat) {
        return another_number(cc, number, vat);
    }
    let mut p = Parsed::answer(Answer::Vat(VatAnswer {
        vat: vat.to_string(),
        valid,
        name: disclosed(parsed.name.as_deref()),
        address: disclosed_address(parsed.address.as_deref()),
    }))
    .with_code(if valid { "VALID" } else { "INVALID" });
    p.reference = parsed.request_identifier.filter(|r| !r.is_empty());
    p.registry_time = parsed.request_date;
    p
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PostBody {
    valid: Option<bool>,
    country_code: Option<String>,
    vat_number: Option<String>,
    request_date: Option<String>,
    request_identifier: Option<String>,
    name: Option<String>,
    address: Option<String>,
}

/// Parses the body of `POST /check-vat-number`; `vat` is the number asked (with prefix).
pub(crate) fn parse_post(status: u16, body: &[u8], vat: &str) -> Parsed {
    if let Some(p) = error_wrappers(body) {
        return p;
    }
    if status != 200 {
        return unreadable(status, body);
    }
    let parsed: PostBody = match serde_json::from_slice(body) {
        Ok(b) if super::looks_like_json(body) => b,
        _ => return unreadable(status, body),
    };
    let Some(valid) = parsed.valid else {
        return Parsed::not_asked(
            Unavailable::Parse,
            "VIES check-vat-number answer has no `valid` field",
        );
    };
    let (cc, number) = (parsed.country_code.as_deref(), parsed.vat_number.as_deref());
    if !names_asked(cc, number, vat) {
        return another_number(cc, number, vat);
    }
    let mut p = Parsed::answer(Answer::Vat(VatAnswer {
        vat: vat.to_string(),
        valid,
        name: disclosed(parsed.name.as_deref()),
        address: disclosed_address(parsed.address.as_deref()),
    }))
    .with_code(if valid { "VALID" } else { "INVALID" });
    p.reference = parsed.request_identifier.filter(|r| !r.is_empty());
    p.registry_time = parsed.request_date;
    p
}

fn unreadable(status: u16, body: &[u8]) -> Parsed {
    if status == 200 {
        let what = if super::looks_like_json(body) {
            "VIES answer is not the expected JSON"
        } else {
            "VIES answer is not JSON"
        };
        return Parsed::not_asked(Unavailable::Parse, what);
    }
    super::http_status_parsed(status, "VIES")
}

#[derive(Deserialize)]
struct StatusBody {
    vow: Option<Vow>,
    #[serde(default)]
    countries: Vec<Country>,
}

#[derive(Deserialize)]
struct Vow {
    available: Option<bool>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Country {
    country_code: Option<String>,
    availability: Option<String>,
}

/// Parses `GET /check-status`.
pub(crate) fn parse_check_status(status: u16, body: &[u8]) -> Result<ViesStatus, Parsed> {
    if status != 200 {
        return Err(super::http_status_parsed(status, "VIES check-status"));
    }
    let b: StatusBody = serde_json::from_slice(body)
        .map_err(|_| Parsed::not_asked(Unavailable::Parse, "VIES check-status is not JSON"))?;
    Ok(ViesStatus {
        vow_available: b.vow.and_then(|v| v.available).unwrap_or(false),
        member_states: b
            .countries
            .into_iter()
            .filter_map(|c| Some((c.country_code?, c.availability.unwrap_or_default())))
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::check::Outcome;
    use proptest::prelude::*;

    #[test]
    fn hidden_values_are_not_names() {
        assert_eq!(disclosed(Some("---")), None);
        assert_eq!(disclosed(Some(" ")), None);
        assert_eq!(disclosed(None), None);
        assert_eq!(disclosed(Some("ACME")), Some("ACME".to_string()));
        assert_eq!(
            disclosed_address(Some("CHEMIKÓW 7\n09-411 PŁOCK\n")),
            Some("CHEMIKÓW 7\n09-411 PŁOCK".to_string())
        );
    }

    #[test]
    fn error_200_is_never_invalid() {
        let body = br#"{"isValid":false,"userError":"MS_MAX_CONCURRENT_REQ","name":"---"}"#;
        let p = parse_get(200, body, "DE123456789");
        assert!(matches!(
            p.outcome,
            Outcome::CouldNotAsk {
                reason: Unavailable::Throttled,
                ..
            }
        ));
        assert_eq!(p.retry, Retry::Transient);
        let p = parse_get(200, br#"{"isValid":false}"#, "DE1");
        assert!(p.outcome.answer().is_none());
        let p = parse_get(200, br#"{"isValid":false,"userError":"VALID"}"#, "DE1");
        assert!(p.outcome.answer().is_none());
    }

    #[test]
    fn only_a_success_naming_the_number_asked_is_an_answer() {
        let ok = br#"{"isValid":true,"userError":"VALID","vatNumber":"136695976"}"#;
        assert!(parse_get(200, ok, "DE136695976").outcome.answer().is_some());
        // isValid without userError.
        let p = parse_get(
            200,
            br#"{"isValid":true,"vatNumber":"136695976"}"#,
            "DE136695976",
        );
        assert!(p.outcome.answer().is_none());
        // INVALID carried by an error status.
        for status in [404, 500] {
            let body = br#"{"isValid":false,"userError":"INVALID","vatNumber":"136695976"}"#;
            let p = parse_get(status, body, "DE136695976");
            assert!(p.outcome.answer().is_none(), "{status}");
        }
        // An answer about another number, or about none.
        let other =
            br#"{"countryCode":"FR","vatNumber":"999999999","valid":true,"name":"OTHER SA"}"#;
        let p = parse_post(200, other, "DE136695976");
        assert!(p.outcome.answer().is_none());
        assert_eq!(p.code.as_deref(), Some("OTHER_NUMBER"));
        let p = parse_post(200, br#"{"valid":false}"#, "DE136695976");
        assert!(p.outcome.answer().is_none());
        let p = parse_get(
            200,
            br#"{"isValid":false,"userError":"INVALID","vatNumber":"999999999"}"#,
            "DE136695976",
        );
        assert!(p.outcome.answer().is_none());
        let same = br#"{"countryCode":"DE","vatNumber":"DE136695976","valid":false}"#;
        assert!(
            parse_post(200, same, "DE136695976")
                .outcome
                .answer()
                .is_some()
        );
    }

    proptest! {
        #[test]
        fn parsers_never_panic(status in 0u16..1000, body in proptest::collection::vec(any::<u8>(), 0..400)) {
            let _ = parse_get(status, &body, "DE1");
            let _ = parse_post(status, &body, "DE1");
            let _ = parse_check_status(status, &body);
        }

        #[test]
        fn json_shaped_inputs_never_panic(valid in any::<Option<bool>>(), code in "[A-Z_]{0,12}", name in ".{0,20}") {
            let body = serde_json::json!({"isValid": valid, "userError": code, "name": name, "address": name, "vatNumber": "1"}).to_string();
            let p = parse_get(200, body.as_bytes(), "DE1");
            if let Outcome::Answer(Answer::Vat(a)) = &p.outcome {
                prop_assert!(code == "VALID" || code == "INVALID");
                prop_assert_eq!(a.valid, code != "INVALID");
            }
        }
    }
}
