//! Registry clients (VIES, eVatR, GLEIF, Handelsregister, insolvency publications) behind one
//! shape: every call returns a [`SourceResult`] that is either an answer or "could not ask".
//!
//! # API for callers (the monitor, the TUI, `kontra lookup`)
//!
//! ```text
//! let sources = Sources::new(&config.sources)?;            // one per process; Clone is cheap
//! sources.vies(&vat).await                                 -> SourceResult (Answer::Vat)
//! sources.vies_check_status().await                        -> Result<ViesStatus, NotAsked>
//! sources.evatr(&vat, Some(&QualifiedRequest{..})).await   -> SourceResult (Answer::Qualified)
//! sources.gleif_lei("HWUPKR0MPOU8FGXBT394").await          -> SourceResult (Answer::Lei | LeiNotFound)
//! sources.gleif_search(&GleifSearch::Name{..}).await       -> SourceResult (Answer::LeiSearch)
//! sources.handelsregister(&RegisterQuery{..}).await        -> SourceResult (Answer::Register)
//! sources.insolvency(&InsolvencyQuery{..}).await           -> SourceResult (Answer::Insolvency)
//! sources.status()                                         -> SourcesStatus (VIES pause, budgets)
//! sources.handelsregister_budget()                         -> HourlyStatus (remaining this hour)
//! sources.vies_pause() / resume_vies() / pause_vies(..)    operator control of IP_BLOCKED
//! ```
//!
//! Rules every client keeps:
//! - Only a definite statement of the registry is an `Outcome::Answer`; errors delivered as
//!   HTTP 200 (VIES `userError`), throttling, outages, unreadable or changed pages are
//!   `Outcome::CouldNotAsk` with the registry's code in `evidence.code`.
//! - Transient failures are retried with exponential backoff and jitter ([`retry`]); every
//!   attempt waits for its source's budget ([`budget`]). All waiting is tokio time.
//! - The raw body's SHA-256 and (a bounded prefix of) the body are kept as evidence with the
//!   registry's reference (VIES `requestIdentifier`, eVatR `id`) and timestamp.
//! - Parsers are pure functions from status and bytes to [`Parsed`] and never panic.
//! - VIES `IP_BLOCKED` pauses all VIES traffic until [`Sources::resume_vies`] is called;
//!   Handelsregister never makes more than 60 retrievals an hour, whatever the config says.

// `Parsed` is the currency of every parser and pre-check and travels once per request; boxing it
// in `Err` would buy nothing measurable.
#![allow(clippy::result_large_err)]

pub(crate) mod budget;
pub mod config;
pub(crate) mod courts;
pub(crate) mod evatr;
pub(crate) mod gleif;
pub(crate) mod gleif_courts;
pub(crate) mod handelsregister;
pub(crate) mod html;
pub mod http;
pub(crate) mod insolvency;
pub(crate) mod vies;

use crate::domain::check::{Answer, Evidence, Outcome, Source, SourceResult, Unavailable};
use crate::domain::vat::VatNumber;
use crate::http::retry::{Retry, Retryable};
use chrono::Utc;
use config::SourcesConfig;
use http::{Http, Response, TransportError};
use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;

pub(crate) use budget::HourlyStatus;
pub use evatr::QualifiedRequest;
pub use gleif::GleifSearch;
pub use handelsregister::RegisterQuery;
pub use insolvency::InsolvencyQuery;
pub(crate) use vies::{ViesPause, ViesStatus};

/// One registry client: asks its registry and always returns a result, never an error.
pub trait Registry: Send + Sync {
    /// What the registry is asked.
    type Query: ?Sized + Sync;
    /// Which source this client asks.
    fn source(&self) -> Source;
    /// Asks (waiting for the budget, retrying transient failures) and returns the result.
    fn ask(&self, query: &Self::Query) -> impl Future<Output = SourceResult> + Send;
}

/// What a parser makes of one response: the outcome plus what the registry said about it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Parsed {
    /// The answer, or why there is none.
    pub(crate) outcome: Outcome,
    /// The registry's own status or error code.
    pub(crate) code: Option<String>,
    /// The registry's reference for this query.
    pub(crate) reference: Option<String>,
    /// The registry's timestamp.
    pub(crate) registry_time: Option<String>,
    /// Whether asking again may help.
    pub(crate) retry: Retry,
}

impl Parsed {
    /// A definite answer.
    pub(crate) fn answer(answer: Answer) -> Parsed {
        Parsed {
            outcome: Outcome::Answer(answer),
            code: None,
            reference: None,
            registry_time: None,
            retry: Retry::No,
        }
    }

    /// No answer, and asking again now will not help.
    pub(crate) fn not_asked(reason: Unavailable, message: impl Into<String>) -> Parsed {
        Parsed {
            outcome: Outcome::CouldNotAsk {
                reason,
                message: message.into(),
            },
            code: None,
            reference: None,
            registry_time: None,
            retry: Retry::No,
        }
    }

    /// No answer this time; asking again later may help.
    pub(crate) fn transient(reason: Unavailable, message: impl Into<String>) -> Parsed {
        Parsed {
            retry: Retry::Transient,
            ..Parsed::not_asked(reason, message)
        }
    }

    /// Sets the registry's code.
    pub(crate) fn with_code(mut self, code: impl Into<String>) -> Parsed {
        self.code = Some(code.into());
        self
    }

    /// The reason, when there is no answer.
    pub(crate) fn reason(&self) -> Option<Unavailable> {
        match &self.outcome {
            Outcome::CouldNotAsk { reason, .. } => Some(*reason),
            Outcome::Answer(_) => None,
        }
    }
}

/// Why a call that does not produce a `SourceResult` (such as `check-status`) got no answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct NotAsked {
    /// The class of failure.
    pub reason: Unavailable,
    /// Detail for the operator.
    pub(crate) message: String,
}

/// Why [`Sources::new`] failed.
#[derive(Debug, thiserror::Error)]
pub enum SourcesError {
    /// The HTTP client could not be built.
    #[error("cannot build the HTTP client: {0}")]
    Http(#[from] TransportError),
}

/// One attempt: what was parsed plus the HTTP facts for the evidence.
#[derive(Debug, Clone)]
pub(crate) struct Attempt {
    pub(crate) parsed: Parsed,
    pub(crate) http_status: Option<u16>,
    pub(crate) body: Option<Vec<u8>>,
}

impl Retryable for Attempt {
    fn retry(&self) -> Retry {
        self.parsed.retry
    }
}

impl Attempt {
    /// A result decided before any request (disabled, paused, refused locally).
    pub(crate) fn local(parsed: Parsed) -> Attempt {
        Attempt {
            parsed,
            http_status: None,
            body: None,
        }
    }

    /// A parsed response.
    pub(crate) fn of(resp: &Response, mut parsed: Parsed) -> Attempt {
        if parsed.retry == Retry::Transient
            && let Some(after) = resp.retry_after
        {
            parsed.retry = Retry::After(after);
        }
        Attempt {
            parsed,
            http_status: Some(resp.status),
            body: Some(resp.body.clone()),
        }
    }

    /// A request that got no complete response.
    pub(crate) fn transport(e: &TransportError) -> Attempt {
        Attempt::local(transport_parsed(e))
    }
}

/// Maps a transport failure: timeouts and broken connections are transient.
pub(crate) fn transport_parsed(e: &TransportError) -> Parsed {
    let msg = e.to_string();
    match e {
        TransportError::Timeout(_) => Parsed::transient(Unavailable::Timeout, msg),
        TransportError::Connection(_) | TransportError::Body(_) => {
            Parsed::transient(Unavailable::Connection, msg)
        }
        TransportError::TooLarge => Parsed::not_asked(Unavailable::Parse, msg),
        TransportError::Build(_) => Parsed::not_asked(Unavailable::Rejected, msg),
        // A registry that sends us elsewhere is not answering; asking again would go the same way.
        TransportError::Redirect(_) => Parsed::not_asked(Unavailable::SourceChanged, msg),
        TransportError::Allowance(_) => {
            Parsed::not_asked(Unavailable::Disabled, msg).with_code("BUDGET")
        }
    }
}

/// What this process's clients hold beside the answers: which sources are switched on, the
/// VIES pause and member states, the Handelsregister allowance. (How each source fared is the
/// stored runs' business: `crate::domain::health`.)
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SourcesStatus {
    /// Whether each source is enabled in config.
    pub enabled: BTreeMap<Source, bool>,
    /// Set while VIES traffic is stopped after `IP_BLOCKED`.
    pub vies_paused: Option<ViesPause>,
    /// Member states VIES `check-status` last reported as not available.
    pub vies_member_states_down: Vec<String>,
    /// Handelsregister allowance left this hour.
    pub handelsregister: HourlyStatus,
}

/// What every client shares: the HTTP client, evidence size and health bookkeeping.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) http: Http,
    pub(crate) evidence_max: usize,
}

impl Shared {
    /// Turns the last attempt into the result callers see.
    pub(crate) fn finish(&self, source: Source, attempt: Attempt, attempts: u32) -> SourceResult {
        let Attempt {
            parsed,
            http_status,
            body,
        } = attempt;
        let outcome = match parsed.outcome {
            Outcome::CouldNotAsk { reason, message } if attempts > 1 => Outcome::CouldNotAsk {
                reason,
                message: format!("{message} (after {attempts} attempts)"),
            },
            other => other,
        };
        let at = Utc::now();
        SourceResult {
            source,
            at,
            outcome,
            evidence: Evidence {
                reference: parsed.reference.filter(|r| !r.is_empty()),
                registry_time: parsed.registry_time,
                code: parsed.code,
                http_status,
                sha256: body.as_deref().map(http::sha256_hex),
                raw: body
                    .as_deref()
                    .map(|b| http::evidence_text(b, self.evidence_max)),
            },
        }
    }
}

/// Every registry client, sharing one HTTP client; cheap to clone and share between tasks.
#[derive(Debug, Clone)]
pub struct Sources {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    cfg: SourcesConfig,
    vies: vies::ViesClient,
    evatr: evatr::EvatrClient,
    gleif: gleif::GleifClient,
    handelsregister: handelsregister::HandelsregisterClient,
    insolvency: insolvency::InsolvencyClient,
}

impl Sources {
    /// Builds every client from `[sources]`.
    pub fn new(cfg: &SourcesConfig) -> Result<Sources, SourcesError> {
        let shared = Arc::new(Shared {
            http: Http::new(cfg)?,
            evidence_max: cfg.evidence_max_bytes.0 as usize,
        });
        Ok(Sources {
            inner: Arc::new(Inner {
                cfg: cfg.clone(),
                vies: vies::ViesClient::new(shared.clone(), &cfg.vies),
                evatr: evatr::EvatrClient::new(shared.clone(), &cfg.evatr),
                gleif: gleif::GleifClient::new(shared.clone(), &cfg.gleif),
                handelsregister: handelsregister::HandelsregisterClient::new(
                    shared.clone(),
                    &cfg.handelsregister,
                ),
                insolvency: insolvency::InsolvencyClient::new(shared, &cfg.insolvency),
            }),
        })
    }

    /// VIES check of one VAT number (POST with requester when configured, else GET).
    pub async fn vies(&self, vat: &VatNumber) -> SourceResult {
        self.inner.vies.ask(vat).await
    }

    /// VIES `check-status`: which member states are up; remembered to skip states that are down.
    pub async fn vies_check_status(&self) -> Result<ViesStatus, NotAsked> {
        self.inner.vies.check_status().await
    }

    /// The VIES pause after `IP_BLOCKED`, if any.
    pub fn vies_pause(&self) -> Option<ViesPause> {
        self.inner.vies.pause()
    }

    /// Pauses VIES traffic (e.g. restoring a pause the monitor persisted).
    pub(crate) fn pause_vies(&self, pause: ViesPause) {
        self.inner.vies.set_pause(Some(pause));
    }

    /// Resumes VIES traffic after an operator dealt with `IP_BLOCKED`.
    pub fn resume_vies(&self) {
        self.inner.vies.set_pause(None);
    }

    /// eVatR confirmation of a foreign VAT number; qualified when `qualified` is given.
    pub async fn evatr(
        &self,
        vat: &VatNumber,
        qualified: Option<&QualifiedRequest>,
    ) -> SourceResult {
        let q = evatr::EvatrQuery {
            vat: vat.clone(),
            qualified: qualified.cloned(),
        };
        self.inner.evatr.ask(&q).await
    }

    /// Loads the eVatR status catalogue from the registry (the bundled copy is used until then).
    pub async fn evatr_refresh_catalogue(&self) -> Result<usize, NotAsked> {
        self.inner.evatr.refresh_catalogue().await
    }

    /// GLEIF record of one LEI.
    pub async fn gleif_lei(&self, lei: &str) -> SourceResult {
        self.inner
            .gleif
            .ask(&GleifSearch::Lei(lei.to_string()))
            .await
    }

    /// GLEIF search by register number (and court) or by name and country.
    pub async fn gleif_search(&self, query: &GleifSearch) -> SourceResult {
        self.inner.gleif.ask(query).await
    }

    /// Handelsregister search (cached; counted against the hourly allowance).
    pub async fn handelsregister(&self, query: &RegisterQuery) -> SourceResult {
        self.inner.handelsregister.ask(query).await
    }

    /// What is left of the Handelsregister allowance this hour.
    pub fn handelsregister_budget(&self) -> HourlyStatus {
        self.inner.handelsregister.budget()
    }

    /// Insolvency publications for a debtor.
    pub async fn insolvency(&self, query: &InsolvencyQuery) -> SourceResult {
        self.inner.insolvency.ask(query).await
    }

    /// Which sources are on, the VIES pause and member states, the Handelsregister allowance.
    pub fn status(&self) -> SourcesStatus {
        let cfg = &self.inner.cfg;
        SourcesStatus {
            enabled: BTreeMap::from([
                (Source::Vies, cfg.vies.enabled),
                (Source::Evatr, cfg.evatr.enabled),
                (Source::Gleif, cfg.gleif.enabled),
                (Source::Handelsregister, cfg.handelsregister.enabled),
                (Source::Insolvency, cfg.insolvency.enabled),
            ]),
            vies_paused: self.inner.vies.pause(),
            vies_member_states_down: self.inner.vies.member_states_down(),
            handelsregister: self.handelsregister_budget(),
        }
    }
}

/// `source disabled` result, shared by every client.
pub(crate) fn disabled(source: Source) -> Parsed {
    Parsed::not_asked(
        Unavailable::Disabled,
        format!("{source} is disabled in the configuration ([sources.{source}] enabled = false)"),
    )
}

/// Joins path segments to a base URL, percent-encoding each segment.
pub(crate) fn url_with_segments(base: &str, segments: &[&str]) -> Result<String, TransportError> {
    let mut url =
        url::Url::parse(base).map_err(|e| TransportError::Build(format!("{base}: {e}")))?;
    url.path_segments_mut()
        .map_err(|()| TransportError::Build(format!("{base} cannot take a path")))?
        .pop_if_empty()
        .extend(segments);
    Ok(url.to_string())
}

/// Text of a JSON body for parsers: None when it is not JSON at all (HTML error pages).
pub(crate) fn looks_like_json(body: &[u8]) -> bool {
    body.iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|b| *b == b'{' || *b == b'[')
}

/// The generic meaning of an HTTP status when the body says nothing we understand.
pub(crate) fn http_status_parsed(status: u16, what: &str) -> Parsed {
    match status {
        429 => Parsed::transient(
            Unavailable::Throttled,
            format!("{what}: HTTP 429 (throttled)"),
        ),
        500 | 502 | 503 | 504 => Parsed::transient(
            Unavailable::ServiceUnavailable,
            format!("{what}: HTTP {status} (service unavailable)"),
        ),
        401 | 403 => Parsed::not_asked(
            Unavailable::Rejected,
            format!("{what}: HTTP {status} (access refused)"),
        ),
        _ => Parsed::not_asked(
            Unavailable::Parse,
            format!("{what}: unexpected HTTP {status} with a body that cannot be read"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_are_encoded() {
        assert_eq!(
            url_with_segments("http://127.0.0.1:1/rest-api", &["ms", "DE", "vat", "1 2/3"])
                .unwrap(),
            "http://127.0.0.1:1/rest-api/ms/DE/vat/1%202%2F3"
        );
        assert!(url_with_segments("mailto:x", &["a"]).is_err());
    }

    #[test]
    fn json_sniffing() {
        assert!(looks_like_json(b"  {\"a\":1}"));
        assert!(!looks_like_json(b"<html>"));
        assert!(!looks_like_json(b""));
    }
}
