//! Check runs: one counterparty at one point in time, with one result per source.
//!
//! A result is either an answer (the registry said something definite) or "could not ask".
//! Only answers may ever be compared to raise alerts.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

use super::screening::{HitReason, HitStrength};

/// A registry or list Kontra asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// EU VIES VAT number validation.
    Vies,
    /// BZSt eVatR (German qualified confirmation).
    Evatr,
    /// GLEIF LEI records.
    Gleif,
    /// German Handelsregister.
    Handelsregister,
    /// German insolvency publications.
    Insolvency,
    /// Sanctions screening against the loaded lists.
    Sanctions,
}

impl Source {
    /// Every source, in display order.
    pub const ALL: [Source; 6] = [
        Source::Vies,
        Source::Evatr,
        Source::Gleif,
        Source::Handelsregister,
        Source::Insolvency,
        Source::Sanctions,
    ];

    /// The lower-case name used in config, JSON and the CLI.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Vies => "vies",
            Source::Evatr => "evatr",
            Source::Gleif => "gleif",
            Source::Handelsregister => "handelsregister",
            Source::Insolvency => "insolvency",
            Source::Sanctions => "sanctions",
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a source could not be asked. None of these says anything about the counterparty.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unavailable {
    /// The request timed out.
    Timeout,
    /// The connection failed (refused, reset, DNS).
    Connection,
    /// The registry throttled us (rate or concurrency cap).
    Throttled,
    /// The registry (or a member state behind it) reported itself unavailable.
    ServiceUnavailable,
    /// Our IP was blocked; traffic to the source is paused until an operator resumes it.
    Blocked,
    /// The response could not be parsed.
    Parse,
    /// The page layout changed so that it can no longer be read.
    SourceChanged,
    /// The source is disabled in config or its budget is exhausted.
    Disabled,
    /// The request was refused as malformed or not allowed (our configuration or input).
    Rejected,
    /// The registry can only be asked about a limited window (insolvency publications of the last
    /// 14 days when no insolvency court is known), so its silence proves nothing.
    Limited,
}

/// Evidence kept with a result: the registry's reference and the raw response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Evidence {
    /// The registry's own reference (VIES request identifier, eVatR `id`).
    pub reference: Option<String>,
    /// The registry's timestamp for the answer, as it gave it.
    pub registry_time: Option<String>,
    /// The registry's own status or error code (e.g. `MS_UNAVAILABLE`, `evatr-2001`).
    pub code: Option<String>,
    /// HTTP status, when the source speaks HTTP.
    pub http_status: Option<u16>,
    /// SHA-256 of the raw response body, hex.
    pub sha256: Option<String>,
    /// The raw response body (possibly truncated to a configured size).
    pub raw: Option<String>,
}

/// One source's result within a check run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceResult {
    /// Which source.
    pub source: Source,
    /// When the result was obtained.
    pub at: DateTime<Utc>,
    /// The answer or the reason there is none.
    pub outcome: Outcome,
    /// What the registry gave as proof.
    pub evidence: Evidence,
}

/// Either the registry's definite answer, or the reason it could not be asked.
// Boxing the answer would make every caller's pattern match clumsier for a value that is created
// once per registry call; the size does not matter at that rate.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// A definite answer.
    Answer(Answer),
    /// No answer; says nothing about the counterparty.
    CouldNotAsk {
        /// The class of failure.
        reason: Unavailable,
        /// A human-readable detail.
        message: String,
    },
}

impl Outcome {
    /// The answer, if there is one.
    pub fn answer(&self) -> Option<&Answer> {
        match self {
            Outcome::Answer(a) => Some(a),
            Outcome::CouldNotAsk { .. } => None,
        }
    }
}

/// A definite answer from one source, normalised.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    /// VIES: valid or invalid, with the trader data the member state disclosed.
    Vat(VatAnswer),
    /// eVatR: validity and per-field qualified-confirmation results.
    Qualified(QualifiedAnswer),
    /// GLEIF: the LEI record.
    Lei(LeiAnswer),
    /// Handelsregister: the matching register entries.
    Register(RegisterAnswer),
    /// Insolvency publications found for the debtor.
    Insolvency(InsolvencyAnswer),
    /// Sanctions screening hits at or above the threshold.
    Sanctions(SanctionsAnswer),
    /// GLEIF: the records a search found (possibly none).
    LeiSearch(LeiSearchAnswer),
    /// GLEIF: the registry has no record of this LEI.
    LeiNotFound(LeiNotFound),
    /// GLEIF: no record under any of the forms searched; not "no LEI exists" (GLEIF holds
    /// register numbers in forms of its own). Appended last so stored answers keep their tags.
    LeiNoMatch(LeiNoMatch),
}

/// VIES answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct VatAnswer {
    /// The number that was asked, normalised.
    pub vat: String,
    /// Whether the member state says the number is valid.
    pub valid: bool,
    /// Registered name, when disclosed (`---` is mapped to None).
    pub name: Option<String>,
    /// Registered address, when disclosed.
    pub address: Option<String>,
}

/// Result of comparing one field in an eVatR qualified confirmation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum FieldMatch {
    /// A: matches.
    Match,
    /// B: does not match.
    Mismatch,
    /// C: not requested.
    #[default]
    NotRequested,
    /// D: not provided by the member state.
    NotProvided,
}

/// eVatR answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct QualifiedAnswer {
    /// The number that was asked.
    pub vat: String,
    /// The eVatR status code (e.g. `evatr-0000`).
    pub status: String,
    /// Whether the number is valid now.
    pub valid: bool,
    /// Valid from (as eVatR gives it), for numbers not yet or no longer valid.
    pub valid_from: Option<String>,
    /// Valid until, for numbers no longer valid.
    pub valid_until: Option<String>,
    /// Name comparison.
    pub name: FieldMatch,
    /// Street comparison.
    pub street: FieldMatch,
    /// Postcode comparison.
    pub postcode: FieldMatch,
    /// City comparison.
    pub city: FieldMatch,
}

/// GLEIF answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct LeiAnswer {
    /// The LEI.
    pub lei: String,
    /// Legal name.
    pub legal_name: String,
    /// Legal address, one line.
    pub legal_address: String,
    /// ISO 20275 ELF code.
    pub legal_form_code: Option<String>,
    /// Legal form name, when known.
    pub legal_form_name: Option<String>,
    /// Entity status (ACTIVE, INACTIVE).
    pub entity_status: String,
    /// Registration status (ISSUED, LAPSED, RETIRED, ...).
    pub registration_status: String,
    /// Successor LEI, when the entity merged.
    pub successor: Option<String>,
    /// Register number as GLEIF holds it.
    pub registered_as: Option<String>,
    /// Registration authority code of that register (`RA000xxx`; for Germany the court).
    pub registered_at: Option<String>,
}

/// GLEIF search answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct LeiSearchAnswer {
    /// How many records GLEIF reports in total (the records may be one page of them).
    pub total: u64,
    /// The records found, in GLEIF's order.
    pub records: Vec<LeiAnswer>,
}

/// GLEIF's answer that an LEI does not exist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct LeiNotFound {
    /// The LEI asked for.
    pub lei: String,
}

/// GLEIF found nothing under any of the forms searched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct LeiNoMatch {
    /// The GLEIF filter searched (`entity.registeredAs` or `fulltext`).
    pub field: String,
    /// Every form searched, in the order asked.
    pub variants: Vec<String>,
    /// The registration authority records had to carry, when known.
    pub court: Option<String>,
    /// The country of the legal address searched, when given.
    pub country: Option<String>,
}

impl LeiNoMatch {
    /// One line: what was searched and that it is not a definite "no LEI".
    pub fn describe(&self) -> String {
        let variants = self
            .variants
            .iter()
            .map(|v| format!("\"{v}\""))
            .collect::<Vec<_>>()
            .join(", ");
        let mut scope = vec![self.field.clone()];
        if let Some(c) = &self.country {
            scope.push(format!("country {c}"));
        }
        if let Some(c) = &self.court {
            scope.push(format!("registration authority {c}"));
        }
        format!(
            "no LEI found for these variants: {variants} ({}); GLEIF may hold the entity in another form, so this is not \"no LEI exists\"",
            scope.join(", ")
        )
    }
}

/// One Handelsregister entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct RegisterRecord {
    /// Register court.
    pub court: String,
    /// Register type (HRA, HRB, ...).
    pub kind: String,
    /// Register number.
    pub number: String,
    /// Current name.
    pub name: String,
    /// Seat.
    pub seat: String,
    /// Status (e.g. `aktuell`, `gelöscht`).
    pub status: String,
    /// Earlier names, oldest first.
    pub history: Vec<String>,
}

/// Handelsregister answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct RegisterAnswer {
    /// Entries that matched the search.
    pub records: Vec<RegisterRecord>,
}

/// One insolvency publication.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Publication {
    /// Publication date as given.
    pub date: String,
    /// Insolvency court.
    pub court: String,
    /// Case number (Aktenzeichen).
    pub case_number: String,
    /// Debtor name.
    pub debtor: String,
    /// Debtor seat.
    pub seat: String,
    /// Register entry of the debtor, when published.
    pub register: Option<String>,
    /// Type of notice (e.g. Eröffnungen, Sicherungsmaßnahmen).
    pub notice: String,
}

/// Insolvency publications answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct InsolvencyAnswer {
    /// Publications that name the debtor.
    pub publications: Vec<Publication>,
}

/// One sanctions screening hit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct SanctionsHit {
    /// List: eu, ofac, uk or un.
    pub list: String,
    /// The list's stable id of the entity.
    pub entity_id: String,
    /// The entity's primary name.
    pub name: String,
    /// Match score in [0, 1].
    pub score: f64,
    /// Hash of the entity's names and identifiers, to tell material list edits.
    pub entity_hash: String,
    /// Why it matched: the listed name, token pairs and adjustments, in one line.
    pub explanation: String,
    /// Strong or possible: decides between `sanctions_found` and `sanctions_possible`.
    /// (Hits stored before strengths existed were migrated as strong: they had alerted.)
    pub strength: HitStrength,
    /// Why it has that strength, for the analyst (empty on migrated hits).
    pub reasons: Vec<HitReason>,
}

/// Sanctions screening answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct SanctionsAnswer {
    /// Hits at or above the threshold without a "not this entity" decision.
    pub hits: Vec<SanctionsHit>,
    /// The list snapshots screened against: (list, snapshot hash).
    pub lists: Vec<(String, String)>,
}

/// A check of one counterparty at one point in time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckRun {
    /// Store-assigned id.
    pub id: u64,
    /// The counterparty checked.
    pub counterparty_id: u64,
    /// When the run started.
    pub started_at: DateTime<Utc>,
    /// When the last result came in.
    pub finished_at: DateTime<Utc>,
    /// Who or what started it (`monitor`, or the analyst's name).
    pub trigger: String,
    /// One result per source asked.
    pub results: Vec<SourceResult>,
}
