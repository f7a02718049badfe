//! The counterparties part of the UI catalog.

use super::texts;

texts! { ENTRIES;
    column_vat => "VAT number", "USt-IdNr.";
    column_name => "Name", "Name";
    column_country => "CC", "LK";
    column_owner => "Owner", "Zuständig";
    column_monitoring => "Mon", "Üb.";
    column_last_check => "Last check", "Letzte Prüfung";
    column_status => "Status", "Status";
    filter_all => "all", "alle";
    filter_ok => "ok", "ok";
    filter_problems => "problems", "Probleme";
    filter_no_answer => "no answer", "keine Antwort";
    filter_unchecked => "unchecked", "ungeprüft";
}
