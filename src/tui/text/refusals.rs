//! Why a field's value was refused (`domain::counterparty::Refusal`), in the UI's language: the
//! form shows these under the field, the status line after a refused save.

use crate::domain::counterparty::Refusal;
use crate::domain::vat::VatError;
use crate::values::Language;

impl super::Tr {
    /// The reason in words.
    pub fn refusal(self, r: &Refusal) -> String {
        if self.0 == Language::En {
            return r.to_string();
        }
        match r {
            Refusal::Priority(v) => format!("„{v}“ ist keine Priorität (normal oder hoch)"),
            Refusal::Kind(v) => {
                format!("„{v}“ ist keine Art (Organisation, Person, Schiff oder Luftfahrzeug)")
            }
            Refusal::Frequency(v) => {
                format!("„{v}“ ist keine Häufigkeit (täglich, wöchentlich oder monatlich)")
            }
            Refusal::Email(v) => format!("„{v}“ ist keine E-Mail-Adresse"),
            Refusal::LeiFormat(v) => format!("„{v}“ ist kein LEI (20 Buchstaben und Ziffern)"),
            Refusal::LeiCheckDigits(v) => format!("„{v}“ hat falsche LEI-Prüfziffern"),
            Refusal::Domain(v) => format!("„{v}“ ist kein Domainname"),
            Refusal::ControlCharacter(c) => format!(
                "enthält das Steuerzeichen U+{:04X}; bitte entfernen",
                u32::from(*c)
            ),
            Refusal::NameRequired => "ein Name ist nötig".to_string(),
            Refusal::CountryRequired => "ein Land ist nötig".to_string(),
            Refusal::UnknownCountry(v) => format!("„{v}“ ist kein bekannter Ländercode"),
            Refusal::Vat(e) => self.vat_error(e),
            Refusal::VatCountry {
                number,
                belongs,
                country,
            } => format!("USt-IdNr. {number} gehört zu {belongs}, nicht zu {country}"),
            Refusal::Bool(v) => {
                format!("„{v}“ ist nicht wahr/falsch, ja/nein, yes/no oder 1/0")
            }
        }
    }

    /// A VAT number's format error in words.
    pub fn vat_error(self, e: &VatError) -> String {
        if self.0 == Language::En {
            return e.to_string();
        }
        match e {
            VatError::Empty => "leere USt-IdNr.".to_string(),
            VatError::UnknownCountry(p) => format!("unbekanntes Länderkürzel „{p}“"),
            VatError::Length { country, len } => {
                format!("falsche Länge für {country}: {len} Zeichen")
            }
            VatError::Characters { country } => {
                format!("Zeichen, die in einer USt-IdNr. aus {country} nicht vorkommen")
            }
            VatError::CheckDigit { country } => {
                format!("Prüfziffer passt nicht für {country}")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::domain::counterparty::CounterpartyDraft;
    use crate::tui::text::Tr;

    /// Each refusal the draft can give reads in German in a German UI and as the command line
    /// writes it in an English one.
    #[test]
    fn refusals_are_said_in_the_uis_language() {
        let draft = CounterpartyDraft {
            name: Some(" ".into()),
            country: Some("Atlantis".into()),
            vat: Some("DE123".into()),
            email: Some("nobody".into()),
            lei: Some("X".into()),
            ..Default::default()
        };
        let errors = draft.apply(None, chrono::Utc::now()).unwrap_err();
        assert!(errors.len() >= 5, "{errors:?}");
        for e in &errors {
            assert_eq!(Tr::EN.refusal(&e.reason), e.reason.to_string());
            let de = Tr::DE.refusal(&e.reason);
            assert_ne!(de, e.reason.to_string(), "{de}");
        }
        let de: Vec<String> = errors.iter().map(|e| Tr::DE.refusal(&e.reason)).collect();
        assert!(de.iter().any(|t| t == "ein Name ist nötig"), "{de:?}");
        assert!(
            de.iter()
                .any(|t| t.contains("„Atlantis“ ist kein bekannter Ländercode")),
            "{de:?}"
        );
        assert!(
            de.iter().any(|t| t.contains("falsche Länge für DE")),
            "{de:?}"
        );
    }
}
