//! The counterparty record and the validation of its fields.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

use super::field::Field;
use super::{country, vat};

/// A business partner in the register.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counterparty {
    /// Store-assigned id, stable for the life of the record.
    pub id: u64,
    /// Registered name as the analyst entered it.
    pub name: String,
    /// ISO 3166-1 alpha-2 country code, upper case.
    pub country: String,
    /// Normalised VAT number (e.g. `DE136695976`), validated when it was entered.
    pub vat: Option<vat::VatNumber>,
    /// Contact e-mail address.
    pub email: Option<String>,
    /// Web domain.
    pub domain: Option<String>,
    /// Postal address, free text.
    pub address: Option<String>,
    /// Contact person.
    pub contact: Option<String>,
    /// The analyst who receives this counterparty's alerts.
    pub owner: Option<String>,
    /// Legal Entity Identifier (20 characters).
    pub lei: Option<String>,
    /// Commercial register entry (court, register type and number).
    pub register: Option<RegisterEntry>,
    /// Check priority.
    pub priority: Priority,
    /// Whether the monitor re-checks this counterparty on schedule.
    pub monitor: bool,
    /// How often the monitor re-checks it.
    pub frequency: Frequency,
    /// Free tags.
    pub tags: Vec<String>,
    /// Free notes.
    pub notes: String,
    /// When the record was created.
    pub created_at: DateTime<Utc>,
    /// When the record was last changed.
    pub updated_at: DateTime<Utc>,
    /// What it is (organisation, person, vessel, aircraft): screening matches only listed
    /// entities of a compatible kind. Last, so that older records' shape is a prefix of it
    /// (the store migrates them; see `store::migrate`).
    pub kind: CounterpartyKind,
}

/// Priority of a counterparty; high ones get an extra daily run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, Hash)]
#[serde(rename_all = "lowercase")]
pub enum Priority {
    /// Checked on the normal schedule.
    #[default]
    Normal,
    /// Checked also at the high-priority run times.
    High,
}

impl Priority {
    /// Every priority, in the order a choice offers them.
    pub const ALL: [Priority; 2] = [Priority::Normal, Priority::High];
}

impl fmt::Display for Priority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Priority::Normal => "normal",
            Priority::High => "high",
        })
    }
}

impl FromStr for Priority {
    type Err = FieldError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "" | "normal" | "n" => Ok(Priority::Normal),
            "high" | "hoch" | "h" => Ok(Priority::High),
            other => Err(FieldError::new(
                Field::Priority,
                Refusal::Priority(other.to_string()),
            )),
        }
    }
}

/// What a counterparty is, for sanctions screening: it is matched only against listed entities
/// of a compatible kind, so that a company is never alerted on a ship or a person of its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, Hash)]
#[serde(rename_all = "lowercase")]
pub enum CounterpartyKind {
    /// A company, partnership, authority or other organisation (the default).
    #[default]
    Organisation,
    /// A natural person, e.g. a sole trader (Einzelkaufmann).
    Person,
    /// A ship.
    Vessel,
    /// An aircraft.
    Aircraft,
}

impl CounterpartyKind {
    /// Every kind, in the order forms and help list them.
    pub const ALL: [CounterpartyKind; 4] = [
        CounterpartyKind::Organisation,
        CounterpartyKind::Person,
        CounterpartyKind::Vessel,
        CounterpartyKind::Aircraft,
    ];

    /// The lower-case name used in CSV, JSON and the CLI.
    pub fn as_str(self) -> &'static str {
        match self {
            CounterpartyKind::Organisation => "organisation",
            CounterpartyKind::Person => "person",
            CounterpartyKind::Vessel => "vessel",
            CounterpartyKind::Aircraft => "aircraft",
        }
    }
}

impl fmt::Display for CounterpartyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for CounterpartyKind {
    type Err = FieldError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_lowercase().as_str() {
            ""
            | "organisation"
            | "organization"
            | "org"
            | "company"
            | "unternehmen"
            | "organisation/unternehmen" => Ok(CounterpartyKind::Organisation),
            "person" | "sole trader" | "natural person" | "einzelkaufmann"
            | "einzelunternehmer" | "natürliche person" => Ok(CounterpartyKind::Person),
            "vessel" | "ship" | "schiff" => Ok(CounterpartyKind::Vessel),
            "aircraft" | "plane" | "flugzeug" | "luftfahrzeug" => Ok(CounterpartyKind::Aircraft),
            other => Err(FieldError::new(
                Field::Kind,
                Refusal::Kind(other.to_string()),
            )),
        }
    }
}

/// How often a monitored counterparty is re-checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, Hash)]
#[serde(rename_all = "lowercase")]
pub enum Frequency {
    /// Every scheduled run.
    #[default]
    Daily,
    /// At most once in seven days.
    Weekly,
    /// At most once a month.
    Monthly,
}

impl Frequency {
    /// Every frequency, in the order a choice offers them.
    pub const ALL: [Frequency; 3] = [Frequency::Daily, Frequency::Weekly, Frequency::Monthly];
}

impl fmt::Display for Frequency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Frequency::Daily => "daily",
            Frequency::Weekly => "weekly",
            Frequency::Monthly => "monthly",
        })
    }
}

impl FromStr for Frequency {
    type Err = FieldError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "" | "daily" | "täglich" => Ok(Frequency::Daily),
            "weekly" | "wöchentlich" => Ok(Frequency::Weekly),
            "monthly" | "monatlich" => Ok(Frequency::Monthly),
            other => Err(FieldError::new(
                Field::Frequency,
                Refusal::Frequency(other.to_string()),
            )),
        }
    }
}

/// A German-style commercial register entry: court, register type and number.
///
/// Entries that do not follow the German pattern keep their text in `number` with an empty
/// `kind`, so that nothing the analyst typed is lost.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Hash)]
pub struct RegisterEntry {
    /// Register court, without the word "Amtsgericht" (e.g. `Berlin (Charlottenburg)`).
    pub court: String,
    /// Register type: HRA, HRB, GnR, PR, VR, GsR; empty for other registers.
    pub kind: String,
    /// Register number including a letter suffix (e.g. `44343 B`).
    pub number: String,
}

const REGISTER_KINDS: [&str; 6] = ["HRA", "HRB", "GnR", "PR", "VR", "GsR"];

impl RegisterEntry {
    /// Parses `HRB 44343 B, Berlin (Charlottenburg)`, `Amtsgericht München HRB 12345` and similar.
    pub fn parse(input: &str) -> Option<RegisterEntry> {
        let text = input.split_whitespace().collect::<Vec<_>>().join(" ");
        if text.is_empty() {
            return None;
        }
        let tokens: Vec<&str> = text.split(' ').collect();
        let kind_at = tokens.iter().position(|t| {
            let t = t.trim_matches(|c: char| c == ',' || c == ':');
            REGISTER_KINDS.iter().any(|k| k.eq_ignore_ascii_case(t))
        });
        let Some(kind_at) = kind_at else {
            return Some(RegisterEntry {
                court: String::new(),
                kind: String::new(),
                number: text,
            });
        };
        let raw_kind = tokens[kind_at].trim_matches(|c: char| c == ',' || c == ':');
        let kind = REGISTER_KINDS
            .iter()
            .find(|k| k.eq_ignore_ascii_case(raw_kind))
            .map(|k| (*k).to_string())
            .unwrap_or_default();
        // The number is the digits after the type, plus an optional one- or two-letter suffix
        // ("HRB 44343 B") that some courts use; anything after a comma is the court.
        let mut number = String::new();
        let mut rest_from = kind_at + 1;
        if let Some(tok) = tokens.get(kind_at + 1) {
            let digits = tok.trim_end_matches(',');
            if !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()) {
                number.push_str(digits);
                rest_from += 1;
                if !tok.ends_with(',')
                    && let Some(suffix) = tokens.get(kind_at + 2)
                {
                    let s = suffix.trim_end_matches(',');
                    let is_suffix = (1..=2).contains(&s.len())
                        && s.chars().all(|c| c.is_ascii_uppercase())
                        && s != "AG";
                    if is_suffix {
                        number.push(' ');
                        number.push_str(s);
                        rest_from += 1;
                    }
                }
            }
        }
        let mut court_tokens: Vec<&str> = tokens[..kind_at].to_vec();
        court_tokens.extend_from_slice(&tokens[rest_from.min(tokens.len())..]);
        let court = court_tokens
            .join(" ")
            .trim_matches(|c: char| c == ',' || c == ';' || c.is_whitespace())
            .to_string();
        let court = strip_court_prefix(&court);
        Some(RegisterEntry {
            court,
            kind,
            number,
        })
    }
}

fn strip_court_prefix(court: &str) -> String {
    let lower = court.to_lowercase();
    for prefix in ["amtsgericht ", "ag ", "registergericht "] {
        if lower.starts_with(prefix) {
            return court[prefix.len()..].trim().to_string();
        }
    }
    court.trim().to_string()
}

impl fmt::Display for RegisterEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.kind.is_empty() {
            return f.write_str(&self.number);
        }
        write!(f, "{} {}", self.kind, self.number)?;
        if !self.court.is_empty() {
            write!(f, ", {}", self.court)?;
        }
        Ok(())
    }
}

/// A field that failed validation, with the field's name and the reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct FieldError {
    /// The field; it displays as its name on the command line and in CSV headers.
    pub field: Field,
    /// Why the value was refused.
    pub reason: Refusal,
}

impl FieldError {
    /// Builds a field error.
    pub fn new(field: Field, reason: Refusal) -> Self {
        FieldError { field, reason }
    }
}

/// Why a field's value was refused: a closed list, so each reason can be said in the UI's
/// language; `Display` is the English the command line and import reports write.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// Not `normal` or `high`.
    #[error("\"{0}\" is not a priority (normal or high)")]
    Priority(String),
    /// Not one of the counterparty kinds.
    #[error("\"{0}\" is not a kind (organisation, person, vessel or aircraft)")]
    Kind(String),
    /// Not a check frequency.
    #[error("\"{0}\" is not a frequency (daily, weekly or monthly)")]
    Frequency(String),
    /// Not an e-mail address.
    #[error("\"{0}\" is not an e-mail address")]
    Email(String),
    /// Not 20 letters and digits.
    #[error("\"{0}\" is not a LEI (20 letters and digits)")]
    LeiFormat(String),
    /// A LEI whose ISO 17442 check digits do not match.
    #[error("\"{0}\" has wrong LEI check digits")]
    LeiCheckDigits(String),
    /// Not a domain name.
    #[error("\"{0}\" is not a domain name")]
    Domain(String),
    /// A control character (it would reach terminals as an escape sequence).
    #[error("contains the control character U+{:04X}; remove it", u32::from(*.0))]
    ControlCharacter(char),
    /// The name is empty.
    #[error("a name is required")]
    NameRequired,
    /// The country is empty.
    #[error("a country is required")]
    CountryRequired,
    /// Not a country code or name Kontra knows.
    #[error("\"{0}\" is not a known country code")]
    UnknownCountry(String),
    /// The VAT number's format or check digits.
    #[error("{0}")]
    Vat(#[from] vat::VatError),
    /// The VAT number is from another country than the one recorded.
    #[error("VAT number {number} belongs to {belongs}, not to {country}")]
    VatCountry {
        /// The number.
        number: String,
        /// Its country.
        belongs: String,
        /// The recorded country.
        country: String,
    },
    /// Not a yes/no spelling.
    #[error("\"{0}\" is not true/false, yes/no, ja/nein or 1/0")]
    Bool(String),
}

/// Unvalidated input for creating or editing a counterparty; `None` leaves a field unchanged.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CounterpartyDraft {
    /// Name.
    pub name: Option<String>,
    /// Country code or name.
    pub country: Option<String>,
    /// VAT number in any spelling; empty clears it.
    pub vat: Option<String>,
    /// E-mail; empty clears it.
    pub email: Option<String>,
    /// Address; empty clears it.
    pub address: Option<String>,
    /// Web domain; empty clears it.
    pub domain: Option<String>,
    /// Contact person; empty clears it.
    pub contact: Option<String>,
    /// Owning analyst; empty clears it.
    pub owner: Option<String>,
    /// LEI; empty clears it.
    pub lei: Option<String>,
    /// Register entry; empty clears it.
    pub register: Option<String>,
    /// `normal` or `high`.
    pub priority: Option<String>,
    /// Monitoring on or off.
    pub monitor: Option<bool>,
    /// `daily`, `weekly` or `monthly`.
    pub frequency: Option<String>,
    /// Comma-separated tags.
    pub tags: Option<String>,
    /// Notes.
    pub notes: Option<String>,
    /// `organisation`, `person`, `vessel` or `aircraft` (German names too); empty means
    /// organisation.
    pub kind: Option<String>,
}

fn opt(value: &str) -> Option<String> {
    let v = value.trim();
    (!v.is_empty()).then(|| v.to_string())
}

/// Validates an e-mail address loosely: one `@`, a non-empty local part, a dotted domain.
pub fn validate_email(input: &str) -> Result<String, FieldError> {
    let s = input.trim();
    let bad = || FieldError::new(Field::Email, Refusal::Email(s.to_string()));
    let (local, domain) = s.split_once('@').ok_or_else(bad)?;
    let ok = !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s.chars().any(|c| c.is_whitespace() || c == ',' || c == ';');
    if ok { Ok(s.to_string()) } else { Err(bad()) }
}

/// Validates a LEI: 20 alphanumeric characters with ISO 17442 (mod 97) check digits.
pub fn validate_lei(input: &str) -> Result<String, FieldError> {
    let s: String = input
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_uppercase();
    if s.len() != 20 || !s.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(FieldError::new(
            Field::Lei,
            Refusal::LeiFormat(input.to_string()),
        ));
    }
    let mut rem: u32 = 0;
    for c in s.chars() {
        let v = c.to_digit(36).unwrap_or(0);
        rem = if v >= 10 {
            (rem * 100 + v) % 97
        } else {
            (rem * 10 + v) % 97
        };
    }
    if rem == 1 {
        Ok(s)
    } else {
        Err(FieldError::new(
            Field::Lei,
            Refusal::LeiCheckDigits(input.to_string()),
        ))
    }
}

/// Validates a web domain: dotted labels of letters, digits and hyphens (scheme and path dropped).
pub fn validate_domain(input: &str) -> Result<String, FieldError> {
    let s = input.trim().to_lowercase();
    let s = s
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .trim_start_matches("www.");
    let s = s.split('/').next().unwrap_or_default();
    let ok = s.contains('.')
        && s.split('.').all(|l| {
            !l.is_empty()
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        });
    if ok {
        Ok(s.to_string())
    } else {
        Err(FieldError::new(
            Field::Domain,
            Refusal::Domain(input.to_string()),
        ))
    }
}

impl CounterpartyDraft {
    /// Applies the draft to an existing record (or a fresh one) and validates every field.
    ///
    /// All field errors are collected, so a form or an import row can show them together.
    pub fn apply(
        &self,
        base: Option<&Counterparty>,
        now: DateTime<Utc>,
    ) -> Result<Counterparty, Vec<FieldError>> {
        let mut errors = Vec::new();
        // Control characters in stored text reach terminals (lists, digests, the UI) as escape
        // sequences. Line breaks and tabs are whitespace (names fold them into spaces).
        // The kind is a closed choice: a bad one is refused by its own rule below.
        for field in Field::ALL.into_iter().filter(|f| *f != Field::Kind) {
            if let Some(bad) = self.text(field).and_then(|v| {
                v.chars()
                    .find(|&c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
            }) {
                errors.push(FieldError::new(field, Refusal::ControlCharacter(bad)));
            }
        }
        let mut cp = base.cloned().unwrap_or_else(|| Counterparty {
            id: 0,
            name: String::new(),
            country: String::new(),
            vat: None,
            email: None,
            domain: None,
            address: None,
            contact: None,
            owner: None,
            lei: None,
            register: None,
            priority: Priority::Normal,
            monitor: false,
            frequency: Frequency::Daily,
            tags: Vec::new(),
            notes: String::new(),
            created_at: now,
            updated_at: now,
            kind: CounterpartyKind::Organisation,
        });
        if let Some(name) = &self.name {
            cp.name = name.split_whitespace().collect::<Vec<_>>().join(" ");
        }
        if cp.name.is_empty() {
            errors.push(FieldError::new(Field::Name, Refusal::NameRequired));
        }
        if let Some(c) = &self.country {
            match country::normalise(c) {
                Some(code) => cp.country = code.to_string(),
                None if c.trim().is_empty() => cp.country = String::new(),
                None => errors.push(FieldError::new(
                    Field::Country,
                    Refusal::UnknownCountry(c.trim().to_string()),
                )),
            }
        }
        if cp.country.is_empty() && !errors.iter().any(|e| e.field == Field::Country) {
            errors.push(FieldError::new(Field::Country, Refusal::CountryRequired));
        }
        if let Some(v) = &self.vat {
            cp.vat = None;
            if !v.trim().is_empty() {
                match vat::validate(v) {
                    Ok(n) => cp.vat = Some(n),
                    Err(e) => errors.push(FieldError::new(Field::Vat, Refusal::Vat(e))),
                }
            }
        }
        if let Some(e) = &self.email {
            cp.email = None;
            if !e.trim().is_empty() {
                match validate_email(e) {
                    Ok(v) => cp.email = Some(v),
                    Err(err) => errors.push(err),
                }
            }
        }
        if let Some(d) = &self.domain {
            cp.domain = None;
            if !d.trim().is_empty() {
                match validate_domain(d) {
                    Ok(v) => cp.domain = Some(v),
                    Err(err) => errors.push(err),
                }
            }
        }
        if let Some(l) = &self.lei {
            cp.lei = None;
            if !l.trim().is_empty() {
                match validate_lei(l) {
                    Ok(v) => cp.lei = Some(v),
                    Err(err) => errors.push(err),
                }
            }
        }
        if let Some(a) = &self.address {
            cp.address = opt(a);
        }
        if let Some(c) = &self.contact {
            cp.contact = opt(c);
        }
        if let Some(o) = &self.owner {
            cp.owner = opt(o);
        }
        if let Some(r) = &self.register {
            cp.register = RegisterEntry::parse(r);
        }
        if let Some(p) = &self.priority {
            match p.parse() {
                Ok(p) => cp.priority = p,
                Err(e) => errors.push(e),
            }
        }
        if let Some(f) = &self.frequency {
            match f.parse() {
                Ok(f) => cp.frequency = f,
                Err(e) => errors.push(e),
            }
        }
        if let Some(k) = &self.kind {
            match k.parse() {
                Ok(k) => cp.kind = k,
                Err(e) => errors.push(e),
            }
        }
        if let Some(m) = self.monitor {
            cp.monitor = m;
        }
        if let Some(t) = &self.tags {
            cp.tags = t
                .split(',')
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_string)
                .collect();
        }
        if let Some(n) = &self.notes {
            cp.notes = n.clone();
        }
        // A VAT number from another country than the one recorded is almost always a typo in
        // one of the two fields; Northern Ireland (XI) belongs to GB and Greece's EL to GR.
        if let (Some(n), false) = (&cp.vat, cp.country.is_empty())
            && n.iso_country() != cp.country
        {
            errors.push(FieldError::new(
                Field::Vat,
                Refusal::VatCountry {
                    number: n.as_str().to_string(),
                    belongs: n.iso_country().to_string(),
                    country: cp.country.clone(),
                },
            ));
        }
        cp.updated_at = now;
        if errors.is_empty() {
            Ok(cp)
        } else {
            Err(errors)
        }
    }
}

/// Parses the boolean spellings analysts use in spreadsheets: true/false, yes/no, ja/nein, 1/0, x.
pub fn parse_bool(field: Field, input: &str) -> Result<bool, FieldError> {
    match input.trim().to_lowercase().as_str() {
        "true" | "yes" | "ja" | "j" | "y" | "1" | "x" | "on" | "wahr" => Ok(true),
        "false" | "no" | "nein" | "n" | "0" | "" | "off" | "falsch" => Ok(false),
        other => Err(FieldError::new(field, Refusal::Bool(other.to_string()))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_refused_naming_the_field() {
        let d = CounterpartyDraft {
            name: Some("Evil\u{1b}]2;pwned\u{7} GmbH".into()),
            country: Some("DE".into()),
            notes: Some("two\nlines\tand a tab".into()),
            contact: Some("C1 \u{9b}31m".into()),
            ..Default::default()
        };
        let errs = d.apply(None, Utc::now()).unwrap_err();
        let fields: Vec<Field> = errs.iter().map(|e| e.field).collect();
        assert_eq!(fields, [Field::Name, Field::Contact], "{errs:?}");
        assert!(errs[0].to_string().contains("U+001B"), "{}", errs[0]);
        assert!(errs[1].to_string().contains("U+009B"), "{}", errs[1]);
    }

    #[test]
    fn register_entry_forms() {
        let r = RegisterEntry::parse("HRB 44343 B, Berlin (Charlottenburg)").unwrap();
        assert_eq!(r.kind, "HRB");
        assert_eq!(r.number, "44343 B");
        assert_eq!(r.court, "Berlin (Charlottenburg)");
        let r2 = RegisterEntry::parse(&r.to_string()).unwrap();
        assert_eq!(r, r2);
        let r = RegisterEntry::parse("Amtsgericht München HRB 12345").unwrap();
        assert_eq!(
            (r.court.as_str(), r.kind.as_str(), r.number.as_str()),
            ("München", "HRB", "12345")
        );
        let r = RegisterEntry::parse("RCS Paris 552 081 317").unwrap();
        assert_eq!(r.kind, "");
        assert_eq!(r.to_string(), "RCS Paris 552 081 317");
    }

    #[test]
    fn lei_check_digits() {
        assert!(validate_lei("254900OPPU84GM83MG36").is_ok());
        assert!(validate_lei("HWUPKR0MPOU8FGXBT394").is_ok());
        assert!(validate_lei("254900OPPU84GM83MG37").is_err());
    }

    #[test]
    fn email_and_domain() {
        assert!(validate_email("a.b@example.de").is_ok());
        assert!(validate_email("a.b@example").is_err());
        assert!(validate_email("ab example.de").is_err());
        assert_eq!(
            validate_domain("https://www.Example.de/x").unwrap(),
            "example.de"
        );
        assert!(validate_domain("no_domain").is_err());
    }

    #[test]
    fn draft_collects_all_errors() {
        let d = CounterpartyDraft {
            name: Some(" ".into()),
            country: Some("XX".into()),
            email: Some("nope".into()),
            ..Default::default()
        };
        let errs = d.apply(None, Utc::now()).unwrap_err();
        let fields: Vec<_> = errs.iter().map(|e| e.field).collect();
        assert_eq!(fields, vec![Field::Name, Field::Country, Field::Email]);
    }

    #[test]
    fn kind_defaults_to_organisation_and_is_validated() {
        let base = CounterpartyDraft {
            name: Some("MV Aurora".into()),
            country: Some("PA".into()),
            ..Default::default()
        };
        let cp = base.apply(None, Utc::now()).unwrap();
        assert_eq!(cp.kind, CounterpartyKind::Organisation);
        let vessel = CounterpartyDraft {
            kind: Some("Schiff".into()),
            ..base.clone()
        }
        .apply(None, Utc::now())
        .unwrap();
        assert_eq!(vessel.kind, CounterpartyKind::Vessel);
        // An edit that does not name the kind keeps it.
        let renamed = CounterpartyDraft {
            name: Some("MV Aurora II".into()),
            ..Default::default()
        }
        .apply(Some(&vessel), Utc::now())
        .unwrap();
        assert_eq!(renamed.kind, CounterpartyKind::Vessel);
        let errs = CounterpartyDraft {
            kind: Some("boat".into()),
            ..base
        }
        .apply(None, Utc::now())
        .unwrap_err();
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].field, Field::Kind);
        assert!(
            errs[0]
                .reason
                .to_string()
                .contains("\"boat\" is not a kind"),
            "{}",
            errs[0]
        );
    }
}
