//! `[sources]` configuration: base URLs, switches, timeouts, retry and budgets per registry.
//!
//! Every value is checked while the file is read, so a wrong value is reported with its key and
//! line. Defaults are safe for production: they follow the published limits (GLEIF 60/min,
//! Handelsregister 60/h) and pace the registries without published limits gently.

use crate::domain::vat::{self, VatNumber};
use crate::http::retry::RetryPolicy;
use crate::values::{Millis, Seconds};
use serde::{Deserialize, Deserializer};
use std::collections::BTreeMap;

/// The terms of use of handelsregister.de allow at most this many retrievals per hour.
pub(crate) const HANDELSREGISTER_MAX_PER_HOUR: u32 = 60;

/// All registry clients.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct SourcesConfig {
    /// User-Agent sent with every request; a contact address in it is good manners.
    pub(crate) user_agent: UserAgent,
    /// Connection set-up timeout for every source, in seconds.
    pub(crate) connect_timeout_secs: Seconds<1, 604_800>,
    /// How much of each raw response is kept as evidence (the SHA-256 covers the whole body).
    pub(crate) evidence_max_bytes: Count,
    /// EU VIES.
    pub(crate) vies: ViesConfig,
    /// BZSt eVatR.
    pub(crate) evatr: EvatrConfig,
    /// GLEIF LEI API.
    pub(crate) gleif: GleifConfig,
    /// handelsregister.de.
    pub(crate) handelsregister: HandelsregisterConfig,
    /// neu.insolvenzbekanntmachungen.de.
    pub(crate) insolvency: InsolvencyConfig,
}

impl Default for SourcesConfig {
    fn default() -> Self {
        SourcesConfig {
            user_agent: UserAgent(format!(
                "Kontra/{} (counterparty due diligence)",
                env!("CARGO_PKG_VERSION")
            )),
            connect_timeout_secs: Seconds(10),
            evidence_max_bytes: Count(256 * 1024),
            vies: ViesConfig::default(),
            evatr: EvatrConfig::default(),
            gleif: GleifConfig::default(),
            handelsregister: HandelsregisterConfig::default(),
            insolvency: InsolvencyConfig::default(),
        }
    }
}

/// Retry settings shared by every source.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct RetryConfig {
    /// Attempts in total, the first included (1 = no retry).
    pub(crate) max_attempts: Count,
    /// Delay before the first retry, in milliseconds; doubles with each retry.
    pub(crate) backoff_base_ms: Millis<0, 3_600_000>,
    /// Upper bound of one delay, in milliseconds.
    pub(crate) backoff_max_ms: Millis<0, 3_600_000>,
}

impl RetryConfig {
    /// The retry policy these settings describe (at least one attempt).
    pub(crate) fn policy(&self) -> RetryPolicy {
        RetryPolicy {
            max_attempts: self.max_attempts.0.max(1),
            base: self.backoff_base_ms.duration(),
            max: self.backoff_max_ms.duration(),
        }
    }

    fn new(max_attempts: u32, base_ms: u64, max_ms: u64) -> RetryConfig {
        RetryConfig {
            max_attempts: Count(max_attempts),
            backoff_base_ms: Millis(base_ms),
            backoff_max_ms: Millis(max_ms),
        }
    }
}

impl Default for RetryConfig {
    fn default() -> Self {
        RetryConfig::new(3, 1000, 30_000)
    }
}

/// A rate limit and a concurrency cap.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub(crate) struct BudgetConfig {
    /// Requests started per minute at most.
    pub(crate) requests_per_minute: Count,
    /// Requests in flight at most.
    pub(crate) concurrency: Count,
}

impl BudgetConfig {
    fn new(per_minute: u32, concurrency: u32) -> BudgetConfig {
        BudgetConfig {
            requests_per_minute: Count(per_minute),
            concurrency: Count(concurrency),
        }
    }
}

/// `[sources.vies]`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct ViesConfig {
    /// Ask this source at all.
    pub(crate) enabled: bool,
    /// REST base URL.
    pub(crate) base_url: BaseUrl,
    /// Our own VAT number: when set, checks use the POST with the requester, which returns a
    /// consultation number (`requestIdentifier`) kept as evidence.
    pub(crate) requester_vat: Option<RequesterVat>,
    /// Whole-request timeout, in seconds.
    pub(crate) timeout_secs: Seconds<1, 604_800>,
    /// Retry of transient failures (throttling, member state down).
    pub(crate) retry: RetryConfig,
    /// Budget for all of VIES.
    pub(crate) budget: BudgetConfig,
    /// Budget per member state unless overridden below.
    pub(crate) member_state_budget: BudgetConfig,
    /// Budgets for single member states, keyed by VIES code (`DE`, `EL`, `XI`).
    pub(crate) member_states: BTreeMap<MemberState, BudgetConfig>,
    /// How long a `check-status` report of a member state being down is trusted, in seconds.
    pub(crate) status_ttl_secs: Seconds<1, 604_800>,
}

impl Default for ViesConfig {
    fn default() -> Self {
        ViesConfig {
            enabled: true,
            base_url: BaseUrl::fixed("https://ec.europa.eu/taxation_customs/vies/rest-api"),
            requester_vat: None,
            timeout_secs: Seconds(30),
            retry: RetryConfig::new(4, 2000, 60_000),
            budget: BudgetConfig::new(120, 4),
            member_state_budget: BudgetConfig::new(30, 2),
            member_states: BTreeMap::new(),
            status_ttl_secs: Seconds(300),
        }
    }
}

impl ViesConfig {
    /// The budget that applies to one member state: its own entry, else the built-in one for
    /// Germany, else `member_state_budget`.
    pub(crate) fn member_state(&self, code: &str) -> BudgetConfig {
        if let Some(b) = self.member_states.get(&MemberState(code.to_string())) {
            return b.clone();
        }
        if code == "DE" {
            // Germany answers MS_MAX_CONCURRENT_REQ more than any other member state.
            return BudgetConfig::new(10, 1);
        }
        self.member_state_budget.clone()
    }
}

/// `[sources.evatr]`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct EvatrConfig {
    /// Ask this source at all.
    pub(crate) enabled: bool,
    /// REST base URL.
    pub(crate) base_url: BaseUrl,
    /// Our own German VAT number; eVatR answers only German requesters.
    pub(crate) requester_vat: Option<GermanVat>,
    /// Whole-request timeout, in seconds.
    pub(crate) timeout_secs: Seconds<1, 604_800>,
    /// Retry of transient failures.
    pub(crate) retry: RetryConfig,
    /// Budget (no published limit; eVatR asks VIES behind the scenes, so pace it like VIES).
    pub(crate) budget: BudgetConfig,
}

impl Default for EvatrConfig {
    fn default() -> Self {
        EvatrConfig {
            enabled: true,
            base_url: BaseUrl::fixed("https://api.evatr.vies.bzst.de/app/v1"),
            requester_vat: None,
            timeout_secs: Seconds(30),
            retry: RetryConfig::new(3, 2000, 60_000),
            budget: BudgetConfig::new(20, 2),
        }
    }
}

/// `[sources.gleif]`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct GleifConfig {
    /// Ask this source at all.
    pub(crate) enabled: bool,
    /// API base URL.
    pub(crate) base_url: BaseUrl,
    /// Whole-request timeout, in seconds.
    pub(crate) timeout_secs: Seconds<1, 604_800>,
    /// Retry of transient failures.
    pub(crate) retry: RetryConfig,
    /// Budget (GLEIF allows 60 requests per minute).
    pub(crate) budget: BudgetConfig,
    /// Results per search page.
    pub(crate) page_size: Count,
}

impl Default for GleifConfig {
    fn default() -> Self {
        GleifConfig {
            enabled: true,
            base_url: BaseUrl::fixed("https://api.gleif.org/api/v1"),
            timeout_secs: Seconds(20),
            retry: RetryConfig::default(),
            budget: BudgetConfig::new(60, 4),
            page_size: Count(20),
        }
    }
}

/// `[sources.handelsregister]`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct HandelsregisterConfig {
    /// Ask this source at all.
    pub(crate) enabled: bool,
    /// Portal base URL.
    pub(crate) base_url: BaseUrl,
    /// Whole-request timeout, in seconds.
    pub(crate) timeout_secs: Seconds<1, 604_800>,
    /// Retrievals per hour (every page counts); at most 60, the portal's terms of use.
    pub(crate) retrievals_per_hour: HourlyCap,
    /// How long a search result is reused, in seconds.
    pub(crate) cache_ttl_secs: Seconds<1, 604_800>,
    /// Results per page requested from the portal (10, 25, 50 or 100).
    pub(crate) results_per_page: Count,
}

impl Default for HandelsregisterConfig {
    fn default() -> Self {
        HandelsregisterConfig {
            enabled: true,
            base_url: BaseUrl::fixed("https://www.handelsregister.de"),
            timeout_secs: Seconds(60),
            retrievals_per_hour: HourlyCap(HANDELSREGISTER_MAX_PER_HOUR),
            cache_ttl_secs: Seconds(24 * 3600),
            results_per_page: Count(100),
        }
    }
}

/// `[sources.insolvency]`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct InsolvencyConfig {
    /// Ask this source at all.
    pub(crate) enabled: bool,
    /// Portal base URL.
    pub(crate) base_url: BaseUrl,
    /// Whole-request timeout, in seconds.
    pub(crate) timeout_secs: Seconds<1, 604_800>,
    /// Retry of transient failures.
    pub(crate) retry: RetryConfig,
    /// Budget: the portal throttles bursts, so pages are fetched slowly and one at a time.
    pub(crate) budget: BudgetConfig,
    /// Searches narrowed after "too many hits" may split the date range into at most this many
    /// searches.
    pub(crate) max_narrowing_searches: Count,
    /// How far back a narrowed search reaches, in days.
    pub(crate) lookback_days: Count,
}

impl Default for InsolvencyConfig {
    fn default() -> Self {
        InsolvencyConfig {
            enabled: true,
            base_url: BaseUrl::fixed("https://neu.insolvenzbekanntmachungen.de"),
            timeout_secs: Seconds(60),
            retry: RetryConfig::new(3, 5000, 120_000),
            budget: BudgetConfig::new(6, 1),
            max_narrowing_searches: Count(8),
            lookback_days: Count(3 * 365),
        }
    }
}

/// An http(s) base URL without a trailing slash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BaseUrl(String);

impl BaseUrl {
    fn fixed(s: &str) -> BaseUrl {
        BaseUrl(s.to_string())
    }

    /// Checks and normalises a base URL.
    pub(crate) fn parse(s: &str) -> Result<BaseUrl, String> {
        let u = url::Url::parse(s.trim())
            .map_err(|e| format!("\"{s}\" is not a URL ({e}); e.g. \"https://host/path\""))?;
        if u.scheme() != "http" && u.scheme() != "https" {
            return Err(format!("\"{s}\" must start with http:// or https://"));
        }
        if u.query().is_some() || u.fragment().is_some() {
            return Err(format!("\"{s}\" must not have a query or fragment"));
        }
        Ok(BaseUrl(u.as_str().trim_end_matches('/').to_string()))
    }

    /// The URL text, without a trailing slash.
    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }

    /// Joins a path that starts with `/`.
    pub(crate) fn join(&self, path: &str) -> String {
        format!("{}{}", self.0, path)
    }
}

impl<'de> Deserialize<'de> for BaseUrl {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        BaseUrl::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// A VIES member-state code (`DE`, `EL` for Greece, `XI` for Northern Ireland).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct MemberState(pub String);

impl<'de> Deserialize<'de> for MemberState {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        let code = s.trim().to_ascii_uppercase();
        if vat::PREFIXES.contains(&code.as_str()) {
            Ok(MemberState(code))
        } else {
            Err(serde::de::Error::custom(format!(
                "\"{s}\" is not a VIES member-state code (e.g. \"DE\", \"EL\" for Greece, \"XI\")"
            )))
        }
    }
}

/// A VAT number of ours (the requester), checked like any other.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RequesterVat(pub VatNumber);

impl<'de> Deserialize<'de> for RequesterVat {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        vat::validate(&s)
            .map(RequesterVat)
            .map_err(|e| serde::de::Error::custom(format!("\"{s}\" is not a VAT number: {e}")))
    }
}

/// A German VAT number (`DE` + 9 digits), the only kind eVatR accepts as requester.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GermanVat(pub VatNumber);

impl<'de> Deserialize<'de> for GermanVat {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        let n = vat::validate(&s)
            .map_err(|e| serde::de::Error::custom(format!("\"{s}\" is not a VAT number: {e}")))?;
        if n.prefix() != "DE" {
            return Err(serde::de::Error::custom(format!(
                "\"{s}\" is not a German VAT number; eVatR only answers German requesters"
            )));
        }
        Ok(GermanVat(n))
    }
}

/// A User-Agent header value: printable ASCII, not empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserAgent(pub String);

impl<'de> Deserialize<'de> for UserAgent {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        let ok = !s.trim().is_empty() && s.chars().all(|c| c.is_ascii() && !c.is_ascii_control());
        if ok {
            Ok(UserAgent(s.trim().to_string()))
        } else {
            Err(serde::de::Error::custom(format!(
                "\"{s}\" is not a usable User-Agent (printable ASCII, not empty)"
            )))
        }
    }
}

/// A positive count (at least 1, at most 10 million).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Count(pub u32);

impl<'de> Deserialize<'de> for Count {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = u64::deserialize(d)?;
        match u32::try_from(v) {
            Ok(n) if (1..=10_000_000).contains(&n) => Ok(Count(n)),
            _ => Err(serde::de::Error::custom(format!(
                "{v} is out of range (1 to 10000000)"
            ))),
        }
    }
}

/// Handelsregister retrievals per hour: 1 to 60, never more (the portal's terms of use).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct HourlyCap(pub u32);

impl HourlyCap {
    /// The cap, clamped to the legal maximum even if constructed directly.
    pub(crate) fn get(self) -> u32 {
        self.0.clamp(1, HANDELSREGISTER_MAX_PER_HOUR)
    }
}

impl<'de> Deserialize<'de> for HourlyCap {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = u64::deserialize(d)?;
        match u32::try_from(v) {
            Ok(n) if (1..=HANDELSREGISTER_MAX_PER_HOUR).contains(&n) => Ok(HourlyCap(n)),
            _ => Err(serde::de::Error::custom(format!(
                "{v} retrievals per hour is not allowed: the Handelsregister terms of use permit \
                 at most {HANDELSREGISTER_MAX_PER_HOUR}"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<SourcesConfig, String> {
        toml::from_str::<SourcesConfig>(text).map_err(|e| e.to_string())
    }

    #[test]
    fn defaults_follow_the_issue() {
        let c = SourcesConfig::default();
        assert_eq!(
            c.vies.base_url.as_str(),
            "https://ec.europa.eu/taxation_customs/vies/rest-api"
        );
        assert_eq!(
            c.evatr.base_url.as_str(),
            "https://api.evatr.vies.bzst.de/app/v1"
        );
        assert_eq!(c.gleif.base_url.as_str(), "https://api.gleif.org/api/v1");
        assert_eq!(
            c.handelsregister.base_url.as_str(),
            "https://www.handelsregister.de"
        );
        assert_eq!(
            c.insolvency.base_url.as_str(),
            "https://neu.insolvenzbekanntmachungen.de"
        );
        assert_eq!(c.gleif.budget.requests_per_minute, Count(60));
        assert_eq!(c.handelsregister.retrievals_per_hour.get(), 60);
        assert_eq!(c.vies.member_state("DE").concurrency, Count(1));
        assert_eq!(c.vies.member_state("FR"), c.vies.member_state_budget);
    }

    #[test]
    fn handelsregister_cap_above_sixty_is_refused_with_line() {
        let err =
            parse("[handelsregister]\nenabled = true\nretrievals_per_hour = 61\n").unwrap_err();
        assert!(
            err.contains("line 3") && err.contains("at most 60"),
            "{err}"
        );
        let ok = parse("[handelsregister]\nretrievals_per_hour = 12\n").unwrap();
        assert_eq!(ok.handelsregister.retrievals_per_hour.get(), 12);
        assert_eq!(HourlyCap(500).get(), 60);
    }

    #[test]
    fn bad_values_are_named_with_line() {
        let err = parse("[vies]\nbase_url = \"ftp://x\"\n").unwrap_err();
        assert!(err.contains("line 2") && err.contains("http"), "{err}");
        let err = parse("[evatr]\nrequester_vat = \"ATU13585627\"\n").unwrap_err();
        assert!(err.contains("line 2") && err.contains("German"), "{err}");
        let err = parse("[vies]\nrequester_vat = \"DE123\"\n").unwrap_err();
        assert!(err.contains("line 2") && err.contains("DE123"), "{err}");
        let err = parse("[gleif.budget]\nrequests_per_minute = 0\nconcurrency = 1\n").unwrap_err();
        assert!(
            err.contains("line 2") && err.contains("out of range"),
            "{err}"
        );
        let err = parse("[gleif]\ntimeout = 3\n").unwrap_err();
        assert!(err.contains("line 2") && err.contains("timeout"), "{err}");
        let err = parse("[vies.member_states.GR]\nrequests_per_minute = 1\nconcurrency = 1\n")
            .unwrap_err();
        assert!(err.contains("GR") && err.contains("EL"), "{err}");
        let err = parse("user_agent = \"\"\n").unwrap_err();
        assert!(
            err.contains("line 1") && err.contains("User-Agent"),
            "{err}"
        );
    }

    #[test]
    fn member_state_overrides_and_requesters_parse() {
        let c = parse(
            "[vies]\nrequester_vat = \"DE 136 695 976\"\n[vies.member_states.ES]\n\
             requests_per_minute = 5\nconcurrency = 1\n[evatr]\nrequester_vat = \"DE136695976\"\n",
        )
        .unwrap();
        assert_eq!(c.vies.member_state("ES").requests_per_minute, Count(5));
        assert_eq!(
            c.vies
                .requester_vat
                .as_ref()
                .map(|r| r.0.to_string())
                .as_deref(),
            Some("DE136695976")
        );
        assert!(c.evatr.requester_vat.is_some());
        // Overriding one member state keeps Germany's built-in budget.
        assert_eq!(c.vies.member_state("DE").concurrency, Count(1));
    }

    #[test]
    fn base_url_loses_trailing_slash() {
        assert_eq!(
            BaseUrl::parse("http://127.0.0.1:8080/x/")
                .unwrap()
                .join("/y"),
            "http://127.0.0.1:8080/x/y"
        );
    }
}
