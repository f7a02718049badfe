//! The form part of the UI catalog: the notes the form writes under its fields.

use super::texts;

texts! { ENTRIES;
    form_vat_ok(number) => "{number}: check digits ok", "{number}: Prüfziffer ok";
    form_vat_from_elsewhere(number, country) => "{number}: check digits ok, but the number is from {country}",
        "{number}: Prüfziffer ok, aber die Nummer ist aus {country}";
}
