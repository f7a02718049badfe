//! The listed-entity model shared by every list parser, the index and the snapshots.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;

/// One of the sanctions lists Kontra reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ListSource {
    /// EU Financial Sanctions Files (consolidated list).
    Eu,
    /// US Treasury OFAC SDN list.
    Ofac,
    /// FCDO UK Sanctions List.
    Uk,
    /// UN Security Council consolidated list.
    Un,
}

impl ListSource {
    /// Every list, in display order.
    pub const ALL: [ListSource; 4] = [
        ListSource::Eu,
        ListSource::Ofac,
        ListSource::Uk,
        ListSource::Un,
    ];

    /// The lower-case name used in config, JSON and the CLI.
    pub fn as_str(self) -> &'static str {
        match self {
            ListSource::Eu => "eu",
            ListSource::Ofac => "ofac",
            ListSource::Uk => "uk",
            ListSource::Un => "un",
        }
    }

    /// Parses `eu`, `ofac`, `uk` or `un` (any case).
    pub fn parse(s: &str) -> Option<ListSource> {
        ListSource::ALL
            .into_iter()
            .find(|l| l.as_str().eq_ignore_ascii_case(s.trim()))
    }
}

impl fmt::Display for ListSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a listed entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EntityKind {
    /// A natural person.
    Person,
    /// A company, organisation or group.
    Organisation,
    /// A ship.
    Vessel,
    /// An aircraft.
    Aircraft,
    /// Anything the list calls something else.
    Other,
}

impl EntityKind {
    /// The lower-case name used in JSON and status output.
    pub fn as_str(self) -> &'static str {
        match self {
            EntityKind::Person => "person",
            EntityKind::Organisation => "organisation",
            EntityKind::Vessel => "vessel",
            EntityKind::Aircraft => "aircraft",
            EntityKind::Other => "other",
        }
    }
}

/// How much a name of an entity counts when matching.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NameKind {
    /// The list's main name.
    Primary,
    /// A good-quality alias (a.k.a., f.k.a., language variant).
    StrongAlias,
    /// A low-quality alias; matched exactly only, at a reduced score.
    WeakAlias,
    /// The name in its original (non-Latin) script.
    OriginalScript,
}

impl NameKind {
    /// The snake_case name used in explanations.
    pub fn as_str(self) -> &'static str {
        match self {
            NameKind::Primary => "primary",
            NameKind::StrongAlias => "strong_alias",
            NameKind::WeakAlias => "weak_alias",
            NameKind::OriginalScript => "original_script",
        }
    }
}

/// One name of a listed entity.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ListedName {
    /// The name as the list writes it (trimmed).
    pub text: String,
    /// Its kind.
    pub kind: NameKind,
    /// Language or script code when the list gives one (EU `nameLanguage`, UK script type).
    pub lang: Option<String>,
}

/// An identifier of a listed entity (registration number, tax number, LEI, IMO, ...).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Identifier {
    /// The list's type label, lower case (e.g. `regnumber`, `registration number`, `lei`).
    pub kind: String,
    /// The value as the list writes it.
    pub value: String,
    /// ISO country code when known.
    pub country: Option<String>,
}

impl Identifier {
    /// The value for comparison: letters and digits only, upper case.
    pub fn compact(&self) -> String {
        compact_identifier(&self.value)
    }
}

/// Letters and digits only, upper case: how identifiers are compared.
pub fn compact_identifier(value: &str) -> String {
    value
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_uppercase)
        .collect()
}

/// One entry of a sanctions list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListedEntity {
    /// The list it comes from.
    pub source: ListSource,
    /// The list's stable id (OFAC `ent_num`, EU `logicalId`, UK `Unique ID`, UN `DATAID`).
    pub id: String,
    /// Person, organisation, vessel or aircraft.
    pub kind: EntityKind,
    /// All names, the primary one first.
    pub names: Vec<ListedName>,
    /// ISO country codes (nationality, citizenship, address countries), deduplicated.
    pub countries: Vec<String>,
    /// Addresses, one line each.
    pub addresses: Vec<String>,
    /// Identifiers.
    pub identifiers: Vec<Identifier>,
    /// Sanctions programmes or regimes.
    pub programmes: Vec<String>,
    /// Listing (designation) date as the list gives it, ISO when possible.
    pub listed_on: Option<String>,
    /// SHA-256 (hex, 16 bytes) of everything above, to tell any change.
    pub content_hash: String,
}

impl ListedEntity {
    /// A new entity with empty fields; call [`ListedEntity::finish`] after filling it.
    pub fn new(source: ListSource, id: impl Into<String>, kind: EntityKind) -> ListedEntity {
        ListedEntity {
            source,
            id: id.into(),
            kind,
            names: Vec::new(),
            countries: Vec::new(),
            addresses: Vec::new(),
            identifiers: Vec::new(),
            programmes: Vec::new(),
            listed_on: None,
            content_hash: String::new(),
        }
    }

    /// The primary name (the first name, whatever its kind).
    pub fn primary_name(&self) -> &str {
        self.names
            .iter()
            .find(|n| n.kind == NameKind::Primary)
            .or_else(|| self.names.first())
            .map(|n| n.text.as_str())
            .unwrap_or("")
    }

    /// Adds a name unless it is empty or already present.
    pub fn add_name(&mut self, text: &str, kind: NameKind, lang: Option<String>) {
        let text = clean_text(text);
        if text.is_empty() || self.names.iter().any(|n| n.text == text && n.kind == kind) {
            return;
        }
        self.names.push(ListedName { text, kind, lang });
    }

    /// Adds an ISO country code (or a country name that can be mapped to one).
    pub fn add_country(&mut self, country: &str) {
        if let Some(code) = super::countries::to_iso(country)
            && !self.countries.iter().any(|c| c == code)
        {
            self.countries.push(code.to_string());
        }
    }

    /// Adds an address line unless empty or present.
    pub fn add_address(&mut self, parts: &[&str]) {
        let line = parts
            .iter()
            .map(|p| clean_text(p))
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join(", ");
        if !line.is_empty() && !self.addresses.contains(&line) {
            self.addresses.push(line);
        }
    }

    /// Adds an identifier unless its value is empty or it is present.
    pub fn add_identifier(&mut self, kind: &str, value: &str, country: Option<&str>) {
        let value = clean_text(value);
        if compact_identifier(&value).is_empty() {
            return;
        }
        let id = Identifier {
            kind: clean_text(kind).to_lowercase(),
            value,
            country: country
                .and_then(super::countries::to_iso)
                .map(str::to_string),
        };
        if !self.identifiers.contains(&id) {
            self.identifiers.push(id);
        }
    }

    /// Adds a programme unless empty or present.
    pub fn add_programme(&mut self, p: &str) {
        let p = clean_text(p);
        if !p.is_empty() && !self.programmes.contains(&p) {
            self.programmes.push(p);
        }
    }

    /// Puts the primary name first and computes the content hash.
    pub fn finish(mut self) -> ListedEntity {
        self.names.sort_by_key(|n| n.kind);
        self.content_hash = self.compute_content_hash();
        self
    }

    fn compute_content_hash(&self) -> String {
        let mut h = Sha256::new();
        h.update(self.source.as_str());
        h.update([0]);
        h.update(self.id.as_bytes());
        h.update([0]);
        h.update(self.kind.as_str());
        feed_material(&mut h, self);
        for c in &self.countries {
            h.update([1]);
            h.update(c.as_bytes());
        }
        for a in &self.addresses {
            h.update([2]);
            h.update(a.as_bytes());
        }
        for p in &self.programmes {
            h.update([3]);
            h.update(p.as_bytes());
        }
        if let Some(d) = &self.listed_on {
            h.update([4]);
            h.update(d.as_bytes());
        }
        hex::encode(&h.finalize()[..16])
    }

    /// Hash of the names and identifiers only: a "not this entity" decision stays valid until it
    /// changes, whatever else the list edits.
    pub fn match_hash(&self) -> String {
        let mut h = Sha256::new();
        feed_material(&mut h, self);
        hex::encode(&h.finalize()[..16])
    }
}

fn feed_material(h: &mut Sha256, e: &ListedEntity) {
    let mut names: Vec<String> = e
        .names
        .iter()
        .map(|n| format!("{}\u{1}{}", n.kind.as_str(), n.text))
        .collect();
    names.sort();
    for n in names {
        h.update([5]);
        h.update(n.as_bytes());
    }
    let mut ids: Vec<String> = e
        .identifiers
        .iter()
        .map(|i| format!("{}\u{1}{}", i.kind, i.compact()))
        .collect();
    ids.sort();
    for i in ids {
        h.update([6]);
        h.update(i.as_bytes());
    }
}

/// Trims and collapses whitespace (lists have trailing spaces and hard line breaks).
pub fn clean_text(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// One parsed list publication.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParsedList {
    /// The list.
    pub source: ListSource,
    /// The publication date or generation time the file states, as written.
    pub published: Option<String>,
    /// The record count the file declares about itself, when the format has one.
    pub declared_count: Option<usize>,
    /// The entities in file order.
    pub entities: Vec<ListedEntity>,
    /// Rows that could not be read and were left out (only the UK CSV skips rows).
    pub skipped: SkippedRows,
}

/// How many rows of a publication were malformed and left out, with the first few line numbers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct SkippedRows {
    /// Data rows in the file, malformed ones included.
    pub rows: u64,
    /// Rows left out as malformed.
    pub malformed: u64,
    /// Line numbers in the file of the first [`SkippedRows::KEPT_LINES`] malformed rows.
    pub lines: Vec<u64>,
}

impl SkippedRows {
    /// How many line numbers are kept for the message.
    pub const KEPT_LINES: usize = 5;

    /// Counts one read row.
    pub fn read(&mut self) {
        self.rows += 1;
    }

    /// Counts one malformed row at `line`.
    pub fn skip(&mut self, line: u64) {
        self.rows += 1;
        self.malformed += 1;
        if self.lines.len() < Self::KEPT_LINES {
            self.lines.push(line);
        }
    }

    /// The malformed share of all rows, 0 for an empty file.
    pub fn share(&self) -> f64 {
        if self.rows == 0 {
            0.0
        } else {
            self.malformed as f64 / self.rows as f64
        }
    }

    /// E.g. `1 of 150 rows (0.67%) at line 57` or `8 of 150 rows (5.33%) at lines 3, 9, 12, 15, 20 and 3 more`.
    pub fn describe(&self) -> String {
        let mut lines = self
            .lines
            .iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        let more = self.malformed.saturating_sub(self.lines.len() as u64);
        if more > 0 {
            lines.push_str(&format!(" and {more} more"));
        }
        format!(
            "{} of {} rows ({:.2}%) at line{} {lines}",
            self.malformed,
            self.rows,
            self.share() * 100.0,
            if self.malformed == 1 { "" } else { "s" }
        )
    }
}

/// Why a list file could not be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ParseError {
    /// The file is not the expected format (e.g. HTML instead of XML, wrong root or header).
    #[error("{list}: not a {expected} file: {detail}")]
    WrongFormat {
        /// The list.
        list: ListSource,
        /// What was expected.
        expected: &'static str,
        /// What was found.
        detail: String,
    },
    /// The file is broken or cut off.
    #[error("{list}: malformed file: {detail}")]
    Malformed {
        /// The list.
        list: ListSource,
        /// Where and what.
        detail: String,
    },
    /// More rows were malformed than the configured share allows.
    #[error(
        "{list}: too many malformed rows: {}, more than the allowed {:.2}% ([sanctions] max_malformed_share = {max_share})",
        skipped.describe(),
        max_share * 100.0
    )]
    TooManyMalformed {
        /// The list.
        list: ListSource,
        /// The malformed rows.
        skipped: SkippedRows,
        /// The configured largest share.
        max_share: f64,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_tell_material_from_other_changes() {
        let mut a = ListedEntity::new(ListSource::Ofac, "1", EntityKind::Organisation);
        a.add_name("ACME  TRADING ", NameKind::Primary, None);
        a.add_identifier("Registration Number", "12-34", Some("Iran"));
        let a = a.finish();
        assert_eq!(a.names[0].text, "ACME TRADING");
        assert_eq!(a.identifiers[0].country.as_deref(), Some("IR"));
        let mut b = a.clone();
        b.add_address(&["Street 1", "", "Tehran"]);
        let b = b.finish();
        assert_ne!(a.content_hash, b.content_hash);
        assert_eq!(a.match_hash(), b.match_hash());
        let mut c = b.clone();
        c.add_name("ACME CO", NameKind::StrongAlias, None);
        let c = c.finish();
        assert_ne!(c.match_hash(), b.match_hash());
        assert_eq!(compact_identifier(" de-123 456 "), "DE123456");
        assert_eq!(ListSource::parse("OFAC"), Some(ListSource::Ofac));
    }
}
