//! The fields of a counterparty, named once: the CSV header and its accepted spellings, the
//! command-line flag, the form label and whether the field is required. The CSV reader and
//! writer, the form, the field errors and the audit trail's change list all go through it.
//! ERP files split the address into street, postcode and city: those columns are
//! [`AddressPart`]s here, next to the fields, so every header spelling has one home.

use std::fmt;

use super::counterparty::{Counterparty, CounterpartyDraft, FieldError, parse_bool};

/// One field of a counterparty as the analyst edits it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    /// Registered name.
    Name,
    /// Country code.
    Country,
    /// VAT number.
    Vat,
    /// Contact e-mail address.
    Email,
    /// Postal address.
    Address,
    /// Web domain.
    Domain,
    /// Contact person.
    Contact,
    /// Owning analyst.
    Owner,
    /// Legal Entity Identifier.
    Lei,
    /// Commercial register entry.
    Register,
    /// Check priority.
    Priority,
    /// Whether the monitor re-checks it.
    Monitor,
    /// How often the monitor re-checks it.
    Frequency,
    /// Free tags.
    Tags,
    /// Free notes.
    Notes,
    /// Organisation, person, vessel or aircraft.
    Kind,
}

impl Field {
    /// Every field in the CSV export order (after `id`). `kind` came last so that the columns
    /// of files exported before it keep their places.
    pub const ALL: [Field; 16] = [
        Field::Name,
        Field::Country,
        Field::Vat,
        Field::Email,
        Field::Address,
        Field::Domain,
        Field::Contact,
        Field::Owner,
        Field::Lei,
        Field::Register,
        Field::Priority,
        Field::Monitor,
        Field::Frequency,
        Field::Tags,
        Field::Notes,
        Field::Kind,
    ];

    /// The field's name: the CSV header an export writes, the command-line flag without its
    /// dashes (`--vat`) and the name field errors carry.
    pub const fn name(self) -> &'static str {
        match self {
            Field::Name => "name",
            Field::Country => "country",
            Field::Vat => "vat",
            Field::Email => "email",
            Field::Address => "address",
            Field::Domain => "domain",
            Field::Contact => "contact",
            Field::Owner => "owner",
            Field::Lei => "lei",
            Field::Register => "register",
            Field::Priority => "priority",
            Field::Monitor => "monitor",
            Field::Frequency => "frequency",
            Field::Tags => "tags",
            Field::Notes => "notes",
            Field::Kind => "kind",
        }
    }

    /// The header spellings an import accepts, lower case without spaces, hyphens, underscores
    /// and dots (German Excel exports use German names); the first is [`Field::name`].
    pub const fn headers(self) -> &'static [&'static str] {
        match self {
            Field::Name => &["name", "firma", "firmenname", "company"],
            Field::Country => &["country", "land", "countrycode"],
            Field::Vat => &[
                "vat",
                "vatid",
                "vatnumber",
                "ustidnr",
                "ustid",
                "ustidnummer",
            ],
            Field::Email => &["email", "mail"],
            Field::Address => &["address", "adresse", "anschrift"],
            Field::Domain => &["domain", "website", "web"],
            Field::Contact => &["contact", "kontakt", "ansprechpartner"],
            Field::Owner => &["owner", "analyst", "verantwortlich"],
            Field::Lei => &["lei"],
            Field::Register => &["register", "handelsregister", "registernumber"],
            Field::Priority => &["priority", "priorität", "prioritaet"],
            Field::Monitor => &["monitor", "monitoring", "überwachung"],
            Field::Frequency => &["frequency", "frequenz", "häufigkeit"],
            Field::Tags => &["tags"],
            Field::Notes => &["notes", "notizen", "bemerkung"],
            Field::Kind => &["kind", "type", "art", "typ", "partnerart", "partnertyp"],
        }
    }

    /// The field a CSV header names, in any accepted spelling and case.
    pub fn from_header(header: &str) -> Option<Field> {
        let n = normalise_header(header);
        Field::ALL
            .into_iter()
            .find(|f| f.headers().contains(&n.as_str()))
    }

    /// The label the form shows.
    pub const fn label(self) -> &'static str {
        match self {
            Field::Name => "Name",
            Field::Country => "Country",
            Field::Vat => "VAT number",
            Field::Email => "E-mail",
            Field::Address => "Address",
            Field::Domain => "Domain",
            Field::Contact => "Contact",
            Field::Owner => "Owner",
            Field::Lei => "LEI",
            Field::Register => "Register",
            Field::Priority => "Priority",
            Field::Monitor => "Monitor",
            Field::Frequency => "Frequency",
            Field::Tags => "Tags",
            Field::Notes => "Notes",
            Field::Kind => "Kind",
        }
    }

    /// Whether every counterparty has it (a CSV file without its column is refused).
    pub const fn required(self) -> bool {
        matches!(self, Field::Name | Field::Country)
    }

    /// Whether the field differs between two versions of a counterparty.
    pub fn differs(self, old: &Counterparty, new: &Counterparty) -> bool {
        match self {
            Field::Name => old.name != new.name,
            Field::Country => old.country != new.country,
            Field::Vat => old.vat != new.vat,
            Field::Email => old.email != new.email,
            Field::Address => old.address != new.address,
            Field::Domain => old.domain != new.domain,
            Field::Contact => old.contact != new.contact,
            Field::Owner => old.owner != new.owner,
            Field::Lei => old.lei != new.lei,
            Field::Register => old.register != new.register,
            Field::Priority => old.priority != new.priority,
            Field::Monitor => old.monitor != new.monitor,
            Field::Frequency => old.frequency != new.frequency,
            Field::Tags => old.tags != new.tags,
            Field::Notes => old.notes != new.notes,
            Field::Kind => old.kind != new.kind,
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A header in the form [`Field::headers`] lists it.
fn normalise_header(header: &str) -> String {
    header
        .trim()
        .to_lowercase()
        .replace([' ', '-', '_', '.'], "")
}

/// Whether a header names the `id` column, which exports write first and imports ignore.
pub fn is_id_header(header: &str) -> bool {
    normalise_header(header) == "id"
}

/// The columns an export writes after the fields (the last check's time and status): facts
/// of the register, not of the counterparty, so an import of an export skips them silently.
pub const EXPORT_ONLY_HEADERS: [&str; 2] = ["last_check", "last_check_status"];

/// Whether a header names one of the [`EXPORT_ONLY_HEADERS`].
pub fn is_export_only_header(header: &str) -> bool {
    let n = normalise_header(header);
    EXPORT_ONLY_HEADERS.iter().any(|h| normalise_header(h) == n)
}

/// A part of the postal address that ERP files keep in a column of its own; an import joins
/// the parts into [`Field::Address`] (see [`AddressParts::join`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AddressPart {
    /// Street (with or without the house number).
    Street,
    /// House number, when the file keeps it apart from the street.
    HouseNumber,
    /// Postcode.
    Postcode,
    /// City.
    City,
}

impl AddressPart {
    /// Every part, in the order the address writes them.
    pub const ALL: [AddressPart; 4] = [
        AddressPart::Street,
        AddressPart::HouseNumber,
        AddressPart::Postcode,
        AddressPart::City,
    ];

    /// The part's name in messages.
    pub const fn name(self) -> &'static str {
        match self {
            AddressPart::Street => "street",
            AddressPart::HouseNumber => "house number",
            AddressPart::Postcode => "postcode",
            AddressPart::City => "city",
        }
    }

    /// The header spellings an import accepts, normalised as for [`Field::headers`].
    pub const fn headers(self) -> &'static [&'static str] {
        match self {
            AddressPart::Street => &["street", "straße", "strasse", "str"],
            // Not a bare "Nr.": ERP files use it for the customer's number.
            AddressPart::HouseNumber => &["housenumber", "hausnummer", "hausnr"],
            AddressPart::Postcode => &[
                "postcode",
                "postalcode",
                "zip",
                "zipcode",
                "plz",
                "postleitzahl",
            ],
            AddressPart::City => &["city", "town", "ort", "stadt", "wohnort"],
        }
    }

    /// The part a CSV header names, in any accepted spelling and case.
    pub fn from_header(header: &str) -> Option<AddressPart> {
        let n = normalise_header(header);
        AddressPart::ALL
            .into_iter()
            .find(|p| p.headers().contains(&n.as_str()))
    }
}

/// The address cells of one row of a file with address parts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AddressParts<'a> {
    /// The `address` column's cell, when the file has one besides the parts.
    pub address: &'a str,
    /// Street.
    pub street: &'a str,
    /// House number.
    pub house_number: &'a str,
    /// Postcode.
    pub postcode: &'a str,
    /// City.
    pub city: &'a str,
}

impl<'a> AddressParts<'a> {
    /// Puts a part's cell in its place.
    pub fn set(&mut self, part: AddressPart, cell: &'a str) {
        let slot = match part {
            AddressPart::Street => &mut self.street,
            AddressPart::HouseNumber => &mut self.house_number,
            AddressPart::Postcode => &mut self.postcode,
            AddressPart::City => &mut self.city,
        };
        *slot = cell;
    }

    /// One address in German order, "Straße 1, 12345 Ort": the street line (an `address`
    /// cell first, then street and house number), then postcode and city; empty parts are left
    /// out, so a row without any gives an empty text.
    pub fn join(&self) -> String {
        let words = |parts: &[&str]| {
            parts
                .iter()
                .map(|p| p.trim())
                .filter(|p| !p.is_empty())
                .collect::<Vec<_>>()
                .join(" ")
        };
        let street = words(&[self.street, self.house_number]);
        let lines = [
            self.address.trim(),
            &street,
            &words(&[self.postcode, self.city]),
        ];
        lines
            .iter()
            .filter(|l| !l.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl CounterpartyDraft {
    /// The text the draft holds for a field; `None` when it leaves the field unchanged or the
    /// field is not text (monitoring is a switch).
    pub fn text(&self, field: Field) -> Option<&str> {
        self.text_slot(field).and_then(|s| s.as_deref())
    }

    /// Sets a field from its text, as a CSV cell or a form input spells it; only monitoring is
    /// parsed here (the rest is validated by `apply`).
    pub fn set(&mut self, field: Field, value: &str) -> Result<(), FieldError> {
        match self.text_slot_mut(field) {
            Some(slot) => *slot = Some(value.to_string()),
            None => self.monitor = Some(parse_bool(field, value)?),
        }
        Ok(())
    }

    fn text_slot(&self, field: Field) -> Option<&Option<String>> {
        Some(match field {
            Field::Name => &self.name,
            Field::Country => &self.country,
            Field::Vat => &self.vat,
            Field::Email => &self.email,
            Field::Address => &self.address,
            Field::Domain => &self.domain,
            Field::Contact => &self.contact,
            Field::Owner => &self.owner,
            Field::Lei => &self.lei,
            Field::Register => &self.register,
            Field::Priority => &self.priority,
            Field::Frequency => &self.frequency,
            Field::Tags => &self.tags,
            Field::Notes => &self.notes,
            Field::Kind => &self.kind,
            Field::Monitor => return None,
        })
    }

    fn text_slot_mut(&mut self, field: Field) -> Option<&mut Option<String>> {
        Some(match field {
            Field::Name => &mut self.name,
            Field::Country => &mut self.country,
            Field::Vat => &mut self.vat,
            Field::Email => &mut self.email,
            Field::Address => &mut self.address,
            Field::Domain => &mut self.domain,
            Field::Contact => &mut self.contact,
            Field::Owner => &mut self.owner,
            Field::Lei => &mut self.lei,
            Field::Register => &mut self.register,
            Field::Priority => &mut self.priority,
            Field::Frequency => &mut self.frequency,
            Field::Tags => &mut self.tags,
            Field::Notes => &mut self.notes,
            Field::Kind => &mut self.kind,
            Field::Monitor => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_is_found_by_its_name_and_by_each_spelling() {
        for f in Field::ALL {
            assert_eq!(f.headers()[0], f.name());
            for h in f.headers() {
                assert_eq!(Field::from_header(h), Some(f), "{h}");
            }
        }
        assert_eq!(Field::from_header(" USt-IdNr. "), Some(Field::Vat));
        assert_eq!(Field::from_header("colour"), None);
        assert!(is_id_header("ID") && Field::from_header("id").is_none());
    }

    #[test]
    fn address_parts_are_found_by_german_and_english_headers_and_joined_in_german_order() {
        for (header, part) in [
            ("Straße", AddressPart::Street),
            ("STRASSE", AddressPart::Street),
            ("Street", AddressPart::Street),
            ("Haus-Nr.", AddressPart::HouseNumber),
            ("PLZ", AddressPart::Postcode),
            ("Postcode", AddressPart::Postcode),
            ("ZIP code", AddressPart::Postcode),
            ("Ort", AddressPart::City),
            ("stadt", AddressPart::City),
            ("City", AddressPart::City),
        ] {
            assert_eq!(AddressPart::from_header(header), Some(part), "{header}");
            assert_eq!(Field::from_header(header), None, "{header}");
        }
        // No spelling is both a field and a part, nor two parts.
        for p in AddressPart::ALL {
            for h in p.headers() {
                assert_eq!(Field::from_header(h), None, "{h}");
                assert_eq!(AddressPart::from_header(h), Some(p), "{h}");
            }
        }
        let mut a = AddressParts::default();
        a.set(AddressPart::Street, " Hauptstraße ");
        a.set(AddressPart::HouseNumber, "1a");
        a.set(AddressPart::Postcode, "80331");
        a.set(AddressPart::City, "München");
        assert_eq!(a.join(), "Hauptstraße 1a, 80331 München");
        a.street = "";
        a.house_number = "";
        assert_eq!(a.join(), "80331 München");
        a.address = "c/o Empfang";
        a.postcode = "";
        assert_eq!(a.join(), "c/o Empfang, München");
        assert_eq!(AddressParts::default().join(), "");
        assert!(is_export_only_header("Last Check") && is_export_only_header("last_check_status"));
    }

    #[test]
    fn a_draft_field_set_is_read_back() {
        let mut d = CounterpartyDraft::default();
        for f in Field::ALL {
            d.set(f, "yes").unwrap();
        }
        assert_eq!(d.monitor, Some(true));
        for f in Field::ALL {
            let want = (f != Field::Monitor).then_some("yes");
            assert_eq!(d.text(f), want, "{f}");
        }
        let err = d.set(Field::Monitor, "maybe").unwrap_err();
        assert_eq!(err.field, Field::Monitor);
    }
}
