//! Alerts: what changed about a counterparty, how serious it is, and whether it was sent and seen.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

use super::check::Source;

/// How serious an alert is; ordered from low to critical.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing.
    #[default]
    Low,
    /// Needs a look this week.
    Medium,
    /// Needs a look today.
    High,
    /// Stop business until reviewed.
    Critical,
}

impl Severity {
    /// All severities, most serious first (the order digests and the UI use).
    pub const DESCENDING: [Severity; 4] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
    ];

    /// The lower-case name used in config, JSON and CLI flags.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "low" => Ok(Severity::Low),
            "medium" => Ok(Severity::Medium),
            "high" => Ok(Severity::High),
            "critical" => Ok(Severity::Critical),
            other => Err(format!(
                "\"{other}\" is not a severity (low, medium, high, critical)"
            )),
        }
    }
}

/// What an alert is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    /// VIES answered INVALID (twice in a row) for a number that was valid.
    VatInvalid,
    /// The VAT status changed in another way (e.g. valid again, eVatR validity dates).
    VatStatusChanged,
    /// A sanctions list entity matches the counterparty strongly (exact listed name, an
    /// identifier, or a name corroborated by the country), or a possible hit became strong.
    SanctionsFound,
    /// A previously matching sanctions entity no longer matches or was delisted.
    SanctionsRemoved,
    /// An insolvency publication names the counterparty.
    InsolvencyStarted,
    /// The registered name changed.
    CompanyNameChanged,
    /// The registered address changed.
    CompanyAddressChanged,
    /// The legal form changed.
    CompanyLegalFormChanged,
    /// eVatR qualified confirmation: name or address did not match.
    QualifiedMismatch,
    /// The commercial register status changed (e.g. deleted, in liquidation).
    RegisterStatusChanged,
    /// The LEI was not renewed (GLEIF registration status LAPSED).
    LeiLapsed,
    /// A source could not be asked for several days in a row.
    SourceUnverifiable,
    /// A sanctions list entity possibly matches the counterparty (name similarity alone, a
    /// namesake, a country conflict): an analyst reviews it. Last, because the store keeps the
    /// variant's index and the older ones must not move.
    SanctionsPossible,
}

impl AlertKind {
    /// Every kind, in the order of DESIGN.md.
    pub const ALL: [AlertKind; 13] = [
        AlertKind::VatInvalid,
        AlertKind::VatStatusChanged,
        AlertKind::SanctionsFound,
        AlertKind::SanctionsPossible,
        AlertKind::SanctionsRemoved,
        AlertKind::InsolvencyStarted,
        AlertKind::CompanyNameChanged,
        AlertKind::CompanyAddressChanged,
        AlertKind::CompanyLegalFormChanged,
        AlertKind::QualifiedMismatch,
        AlertKind::RegisterStatusChanged,
        AlertKind::LeiLapsed,
        AlertKind::SourceUnverifiable,
    ];

    /// The snake_case name used in config and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            AlertKind::VatInvalid => "vat_invalid",
            AlertKind::VatStatusChanged => "vat_status_changed",
            AlertKind::SanctionsFound => "sanctions_found",
            AlertKind::SanctionsRemoved => "sanctions_removed",
            AlertKind::InsolvencyStarted => "insolvency_started",
            AlertKind::CompanyNameChanged => "company_name_changed",
            AlertKind::CompanyAddressChanged => "company_address_changed",
            AlertKind::CompanyLegalFormChanged => "company_legal_form_changed",
            AlertKind::QualifiedMismatch => "qualified_mismatch",
            AlertKind::RegisterStatusChanged => "register_status_changed",
            AlertKind::LeiLapsed => "lei_lapsed",
            AlertKind::SourceUnverifiable => "source_unverifiable",
            AlertKind::SanctionsPossible => "sanctions_possible",
        }
    }

    /// Whether an alert of this kind says that a listed entity matches (strongly or possibly),
    /// so that a "not this entity" decision can be taken on it.
    pub fn is_sanctions_hit(self) -> bool {
        matches!(
            self,
            AlertKind::SanctionsFound | AlertKind::SanctionsPossible
        )
    }

    /// The severity a kind gets unless an analyst's rules override it.
    pub fn default_severity(self) -> Severity {
        match self {
            AlertKind::VatInvalid | AlertKind::SanctionsFound | AlertKind::InsolvencyStarted => {
                Severity::Critical
            }
            AlertKind::VatStatusChanged
            | AlertKind::SanctionsPossible
            | AlertKind::QualifiedMismatch
            | AlertKind::RegisterStatusChanged => Severity::High,
            AlertKind::CompanyNameChanged
            | AlertKind::CompanyAddressChanged
            | AlertKind::CompanyLegalFormChanged
            | AlertKind::LeiLapsed
            | AlertKind::SourceUnverifiable => Severity::Medium,
            AlertKind::SanctionsRemoved => Severity::Low,
        }
    }
}

impl fmt::Display for AlertKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for AlertKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim().to_ascii_lowercase();
        AlertKind::ALL
            .into_iter()
            .find(|k| k.as_str() == t)
            .ok_or_else(|| format!("\"{t}\" is not an alert kind"))
    }
}

/// A text in both languages Kontra speaks, so the language can be switched after the fact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Bilingual {
    /// German text.
    pub de: String,
    /// English text.
    pub en: String,
}

impl Bilingual {
    /// The text in the given language (`de` or anything else for English).
    pub fn get(&self, language: &str) -> &str {
        if language.eq_ignore_ascii_case("de") {
            &self.de
        } else {
            &self.en
        }
    }
}

/// An alert raised for a counterparty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alert {
    /// Store-assigned id.
    pub id: u64,
    /// What the alert is about.
    pub kind: AlertKind,
    /// How serious it is (after the owner's overrides).
    pub severity: Severity,
    /// The counterparty concerned.
    pub counterparty_id: u64,
    /// The check run whose answer caused it, if any.
    pub check_run_id: Option<u64>,
    /// What changed, from what to what, and where the answer came from.
    pub message: Bilingual,
    /// Identity of the change, so the same change never alerts twice.
    pub dedup_key: String,
    /// When the alert was raised.
    pub created_at: DateTime<Utc>,
    /// When a mail server accepted a message carrying it.
    pub sent_at: Option<DateTime<Utc>>,
    /// Who acknowledged it.
    pub acknowledged_by: Option<String>,
    /// When it was acknowledged.
    pub acknowledged_at: Option<DateTime<Utc>>,
    /// What it is about besides the counterparty; None when not known (alerts not raised by the
    /// detector). Last, so that older records' shape is a prefix of it (the store migrates
    /// them; see `store::migrate`).
    #[serde(default)]
    pub subject: Option<AlertSubject>,
}

impl Alert {
    /// The source whose answer raised the alert.
    pub fn source(&self) -> Option<Source> {
        self.subject.as_ref().map(|s| s.source)
    }

    /// The listed entity `(list, entity id)` a `sanctions_found` or `sanctions_possible` alert
    /// says matches, so that a "not this entity" decision can be taken on it.
    pub fn hit_entity(&self) -> Option<(&str, &str)> {
        if !self.kind.is_sanctions_hit() {
            return None;
        }
        let e = self.subject.as_ref()?.entity.as_ref()?;
        Some((e.list.as_str(), e.entity_id.as_str()))
    }
}

/// What an alert is about besides its counterparty and kind, typed so that no reader has to
/// take the dedup key apart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertSubject {
    /// The source whose answer raised it.
    pub source: Source,
    /// The listed entity, for the sanctions kinds (found, possible, removed).
    pub entity: Option<ListedEntity>,
}

/// An entity on a sanctions list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListedEntity {
    /// The list's short name (`eu`, `ofac`, `un`, `uk`, ...).
    pub list: String,
    /// The entity's id on that list (may contain '/').
    pub entity_id: String,
}

/// The channel name of mail in [`DeliveryUnknown::channel`].
pub const MAIL_CHANNEL: &str = "mail";

/// A hand-over whose outcome is unknown: the whole message (or webhook request) went out but no
/// answer came, so the alert is neither "sent" nor plainly pending.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryUnknown {
    /// [`MAIL_CHANNEL`] or a webhook's key.
    pub channel: String,
    /// Where it went: the recipient address, or the webhook URL without its path.
    pub to: String,
    /// The mail's Message-ID or the webhook delivery id, to look up in the receiver's log.
    pub reference: String,
    /// When it was handed over.
    pub at: DateTime<Utc>,
    /// What happened instead of an answer.
    pub reason: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_and_default_severities() {
        for k in AlertKind::ALL {
            assert_eq!(k.as_str().parse::<AlertKind>().unwrap(), k);
            assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
        }
        assert_eq!(AlertKind::VatInvalid.default_severity(), Severity::Critical);
        assert_eq!(
            AlertKind::SanctionsRemoved.default_severity(),
            Severity::Low
        );
        assert!(Severity::Critical > Severity::High);
        assert_eq!(
            AlertKind::SanctionsPossible.default_severity(),
            Severity::High
        );
    }

    #[test]
    fn stored_variant_indexes_do_not_move() {
        // bincode stores the variant index: alerts written before a kind was added must read
        // back as the kind they were.
        let index = |k: AlertKind| crate::store::codec::encode(&k).unwrap()[1];
        assert_eq!(index(AlertKind::VatInvalid), 0);
        assert_eq!(index(AlertKind::SanctionsFound), 2);
        assert_eq!(index(AlertKind::SourceUnverifiable), 11);
        assert_eq!(index(AlertKind::SanctionsPossible), 12);
    }
}
