//! `[sanctions]` configuration: alert threshold, refresh interval, download limits, and per list
//! `url` and `enabled` with the official download addresses as defaults.

use super::model::ListSource;
use crate::values::{Hours, Seconds};
use serde::{Deserialize, Deserializer};

/// The official download address of each list.
pub fn default_url(source: ListSource) -> &'static str {
    match source {
        ListSource::Eu => {
            "https://webgate.ec.europa.eu/fsd/fsf/public/files/xmlFullSanctionsList_1_1/content?token=dG9rZW4tMjAxNw"
        }
        ListSource::Ofac => {
            "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/SDN.XML"
        }
        ListSource::Uk => "https://sanctionslist.fcdo.gov.uk/docs/UK-Sanctions-List.csv",
        ListSource::Un => "https://scsanctions.un.org/resources/xml/en/consolidated.xml",
    }
}

/// The largest publication accepted from each list by default, in MB of inflated bytes: several
/// times today's sizes (EU XML and UK CSV tens of MB, OFAC SDN.XML about 10 MB, UN about 2 MB), far
/// below what would endanger a monitor that refreshes in-process.
pub fn default_max_mb(source: ListSource) -> u32 {
    match source {
        ListSource::Eu | ListSource::Ofac => 200,
        ListSource::Uk => 100,
        ListSource::Un => 50,
    }
}

/// The default User-Agent of list downloads: browser-shaped, because OFAC's firewall (since
/// 2026-07-30, opensanctions#5237) refuses User-Agents that do not start with `Mozilla/<digit>`
/// or are shorter than 40 characters, and still naming Kontra and what it does.
pub const DEFAULT_USER_AGENT: &str = concat!(
    "Mozilla/5.0 (compatible; Kontra/",
    env!("CARGO_PKG_VERSION"),
    "; +sanctions list refresh, counterparty due diligence)"
);

/// The default largest share of malformed rows a list file may have before it is refused: the
/// live UK file has tens of thousands of rows, so one ragged row is far below it, while a file
/// whose layout changed (most rows ragged) is still refused.
pub const DEFAULT_MAX_MALFORMED_SHARE: f64 = 0.01;

/// The `[sanctions]` section.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct SanctionsConfig {
    /// Hits at or above this score alert.
    pub threshold: Threshold,
    /// Hours between list refreshes; a list older than twice this is reported stale.
    pub refresh_hours: Hours<1, 720>,
    /// Seconds a download may take.
    pub timeout_seconds: Seconds<1, 3600>,
    /// A new publication with fewer entities than this share of the previous one is refused.
    pub min_keep_ratio: Threshold,
    /// A file with more than this share of malformed rows is refused; fewer are left out and
    /// reported.
    pub max_malformed_share: Share,
    /// User-Agent of list downloads.
    pub user_agent: UserAgent,
    /// EU consolidated list.
    pub eu: ListConfig,
    /// OFAC SDN list.
    pub ofac: ListConfig,
    /// UK Sanctions List.
    pub uk: ListConfig,
    /// UN consolidated list.
    pub un: ListConfig,
}

impl Default for SanctionsConfig {
    fn default() -> Self {
        SanctionsConfig {
            threshold: Threshold(super::matcher::DEFAULT_THRESHOLD),
            refresh_hours: Hours(12),
            timeout_seconds: Seconds(120),
            min_keep_ratio: Threshold(0.9),
            max_malformed_share: Share(DEFAULT_MAX_MALFORMED_SHARE),
            user_agent: UserAgent(DEFAULT_USER_AGENT.to_string()),
            eu: ListConfig::new(ListSource::Eu),
            ofac: ListConfig::new(ListSource::Ofac),
            uk: ListConfig::new(ListSource::Uk),
            un: ListConfig::new(ListSource::Un),
        }
    }
}

impl SanctionsConfig {
    /// The settings of one list.
    pub fn list(&self, source: ListSource) -> &ListConfig {
        match source {
            ListSource::Eu => &self.eu,
            ListSource::Ofac => &self.ofac,
            ListSource::Uk => &self.uk,
            ListSource::Un => &self.un,
        }
    }

    /// How old a list may get before it is reported stale: twice the refresh interval.
    pub fn max_age(&self) -> chrono::Duration {
        chrono::Duration::hours(2 * i64::from(self.refresh_hours.0))
    }
}

/// `[sanctions.<list>]`.
#[derive(Debug, Clone, PartialEq)]
pub struct ListConfig {
    /// Download address.
    pub url: String,
    /// Whether `sanctions update` downloads it and screening uses it.
    pub enabled: bool,
    /// The largest publication accepted, in MB (10^6 bytes) after decompression; 0 until
    /// [`SanctionsConfig::with_defaults`] fills in the list's default.
    pub max_mb: u32,
}

impl ListConfig {
    fn new(source: ListSource) -> ListConfig {
        ListConfig {
            url: default_url(source).to_string(),
            enabled: true,
            max_mb: default_max_mb(source),
        }
    }

    /// The ceiling in bytes (the built-in default when none was filled in).
    pub fn max_bytes(&self, source: ListSource) -> u64 {
        let mb = if self.max_mb == 0 {
            default_max_mb(source)
        } else {
            self.max_mb
        };
        u64::from(mb) * 1_000_000
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawListConfig {
    url: Option<Url>,
    enabled: Option<bool>,
    max_mb: Option<Megabytes>,
}

/// A list ceiling in MB, 1 to 2000.
struct Megabytes(u32);

impl<'de> Deserialize<'de> for Megabytes {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = i64::deserialize(d)?;
        u32::try_from(v)
            .ok()
            .filter(|m| (1..=2000).contains(m))
            .map(Megabytes)
            .ok_or_else(|| {
                serde::de::Error::custom(format!("{v} MB is out of range; use 1 to 2000"))
            })
    }
}

/// The registry clients' User-Agent type: one validation for every header Kontra sends.
pub use crate::sources::config::UserAgent;

/// An http(s) URL, checked when the config is read.
struct Url(String);

impl<'de> Deserialize<'de> for Url {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        match url::Url::parse(&s) {
            Ok(u) if matches!(u.scheme(), "http" | "https") => Ok(Url(s)),
            _ => Err(serde::de::Error::custom(format!(
                "\"{s}\" is not an http(s) URL"
            ))),
        }
    }
}

// Each list section falls back to its own official URL, which a derived Default cannot know;
// the owning field name is not visible here, so the URL default is filled in by the parent.
impl<'de> Deserialize<'de> for ListConfig {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = RawListConfig::deserialize(d)?;
        Ok(ListConfig {
            url: raw.url.map(|u| u.0).unwrap_or_default(),
            enabled: raw.enabled.unwrap_or(true),
            max_mb: raw.max_mb.map(|m| m.0).unwrap_or(0),
        })
    }
}

impl SanctionsConfig {
    /// Fills empty list URLs with the official defaults (after deserialising).
    pub fn with_defaults(mut self) -> SanctionsConfig {
        for s in ListSource::ALL {
            let l = match s {
                ListSource::Eu => &mut self.eu,
                ListSource::Ofac => &mut self.ofac,
                ListSource::Uk => &mut self.uk,
                ListSource::Un => &mut self.un,
            };
            if l.url.is_empty() {
                l.url = default_url(s).to_string();
            }
            if l.max_mb == 0 {
                l.max_mb = default_max_mb(s);
            }
        }
        self
    }
}

/// A number in (0, 1].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Threshold(pub f64);

impl<'de> Deserialize<'de> for Threshold {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = f64::deserialize(d)?;
        if v > 0.0 && v <= 1.0 {
            Ok(Threshold(v))
        } else {
            Err(serde::de::Error::custom(format!(
                "{v} is out of range; use a number above 0 and at most 1 (e.g. 0.85)"
            )))
        }
    }
}

/// A share from 0 to 0.5 (more than half of a file malformed is never a usable list).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Share(pub f64);

impl<'de> Deserialize<'de> for Share {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = f64::deserialize(d)?;
        if (0.0..=0.5).contains(&v) {
            Ok(Share(v))
        } else {
            Err(serde::de::Error::custom(format!(
                "{v} is out of range; use a share from 0 to 0.5 (e.g. 0.01 for 1%)"
            )))
        }
    }
}
