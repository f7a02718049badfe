//! The counterparties part of the UI catalog.

use super::texts;

texts! { ENTRIES;
    column_vat => "VAT number", "USt-IdNr.";
    column_name => "Name", "Name";
    column_country => "CC", "LK";
    column_owner => "Owner", "Zuständig";
    column_monitoring => "Mon", "Üb.";
    column_last_check => "Last check", "Geprüft";
    column_status => "Status", "Status";
    filter_all => "all", "alle";
    filter_ok => "ok", "ok";
    filter_problems => "problems", "Probleme";
    filter_no_answer => "no answer", "keine Antwort";
    filter_unchecked => "unchecked", "ungeprüft";
    table_title(shown, total) => " Counterparties {shown}/{total} ", " Geschäftspartner {shown}/{total} ";
    table_loading_of(n, total) => "loading {n}/{total} ", "lädt {n}/{total} ";
    table_loading(n) => "loading {n}… ", "lädt {n}… ";
    table_loading_last_checks => "loading last checks… ", "lädt letzte Prüfungen… ";
    table_filter_monitored => "monitored", "überwacht";
    table_filter_status(status) => "status {status}", "Status {status}";
    table_filters(filters) => "filter: {filters} ", "Filter: {filters} ";
    table_marked(n) => "{n} marked ", "{n} markiert ";
    table_empty => "The register is empty: press a to add a counterparty, or run `kontra import FILE`.", "Das Register ist leer: mit a einen Geschäftspartner anlegen oder `kontra import DATEI` ausführen.";
}
