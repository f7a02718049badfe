//! The form part of the UI catalog: the notes the form writes under its fields, and the labels of
//! the counterparty kinds it offers.

use super::texts;
use crate::domain::CounterpartyKind;

texts! { ENTRIES;
    form_vat_ok(number) => "{number}: check digits ok", "{number}: Prüfziffer ok";
    form_vat_from_elsewhere(number, country) => "{number}: check digits ok, but the number is from {country}",
        "{number}: Prüfziffer ok, aber die Nummer ist aus {country}";
}

impl super::Tr {
    /// What a counterparty is (organisation, person, vessel, aircraft).
    pub fn form_kind(self, k: CounterpartyKind) -> &'static str {
        let de = match k {
            CounterpartyKind::Organisation => "Organisation",
            CounterpartyKind::Person => "Person",
            CounterpartyKind::Vessel => "Schiff",
            CounterpartyKind::Aircraft => "Luftfahrzeug",
        };
        self.pick(k.as_str(), de)
    }
}
