//! The alerts part of the UI catalog: the alerts table, the alert view and the alerts' questions
//! and messages.

use super::texts;
use crate::domain::AlertKind;

texts! { ENTRIES;
    // The alerts table (its counterparty and message columns are headed like the alert view's
    // lines).
    alerts_title(shown, total, open) => " Alerts {shown}/{total} · {open} open ", " Alerts {shown}/{total} · {open} offen ";
    alerts_filter(filters) => "filter: {filters} ", "Filter: {filters} ";
    alerts_filter_severity(severity) => "severity {severity}", "Schwere {severity}";
    alerts_filter_owner(owner) => "owner {owner}", "zuständig {owner}";
    alerts_filter_unacknowledged => "unacknowledged", "offen";
    alerts_column_severity => "Severity", "Schwere";
    alerts_column_when => "When", "Wann";
    alerts_column_kind => "Kind", "Art";
    alerts_column_sent => "Sent", "Gesendet";
    alerts_column_ack => "Ack", "Quitt.";
    alerts_delivery_unknown => "unknown", "unbekannt";
    alerts_unsent => "unsent", "nein";

    // The alert view.
    alerts_gone => "this alert is gone", "dieser Alert ist nicht mehr da";
    alerts_counterparty => "Counterparty", "Geschäftspartner";
    alerts_owner(owner) => " · owner {owner}", " · zuständig {owner}";
    alerts_raised => "Raised", "Festgestellt";
    alerts_acknowledged_by(by, at) => "acknowledged by {by}, {at}", "quittiert von {by}, {at}";
    alerts_open => "open", "offen";
    alerts_delivery => "Delivery", "Zustellung";
    alerts_mail_sent(at) => "mail sent {at}", "Mail gesendet {at}";
    alerts_handed_over => "handed over, delivery unknown", "übergeben, Zustellung unbekannt";
    alerts_not_sent => "not sent", "nicht gesendet";
    alerts_message => "Message", "Meldung";
    alerts_what_changed => "What changed", "Was sich geändert hat";
    alerts_before => "  Before", "  Vorher";
    alerts_now => "  Now", "  Jetzt";
    alerts_answer_of_run(answer, run, at) => "{answer} (run #{run}, {at})", "{answer} (Prüfung #{run}, {at})";
    alerts_no_earlier_answer => "no earlier answer from this source", "keine frühere Antwort dieser Quelle";
    alerts_loading_history => "loading the check history…", "Prüfverlauf wird geladen…";
    alerts_names_no_run => "this alert names no check run; the message above says what changed",
        "dieser Alert nennt keine Prüfung; die Meldung oben sagt, was sich geändert hat";
    alerts_run_not_stored => "its check run is not in the stored history", "seine Prüfung ist nicht im gespeicherten Verlauf";
    alerts_evidence => "Evidence", "Nachweis";
    alerts_registry => "  Registry", "  Quelle";
    alerts_reference => "  Reference", "  Referenz";
    alerts_received(at) => "received {at}", "empfangen {at}";
    alerts_time => "  Time", "  Zeit";
    alerts_proof => "  Proof", "  Beleg";
    alerts_listed_entity => "Listed entity", "Gelisteter Eintrag";
    alerts_entry => "  Entry", "  Eintrag";
    alerts_hit_not_stored => "  the hit is not in the stored check run", "  der Treffer ist nicht in der gespeicherten Prüfung";
    alerts_match => "  Match", "  Treffer";
    alerts_score(score, strength) => "score {score:.2} · {strength}", "Score {score:.2} · {strength}";
    alerts_explanation => "  Explanation", "  Erklärung";

    // Questions and messages.
    alerts_counterparty_deleted => "this counterparty was deleted", "dieser Geschäftspartner wurde gelöscht";
    alerts_none_selected => "no alert selected", "kein Alert gewählt";
    alerts_none_open_shown => "no unacknowledged alerts shown", "keine offenen Alerts angezeigt";
    alerts_ack_one(id, names) => "Acknowledge alert #{id} ({names})?", "Alert #{id} quittieren ({names})?";
    alerts_ack_all(n, names) => "Acknowledge all {n} unacknowledged alerts shown ({names})?",
        "Alle {n} angezeigten offenen Alerts quittieren ({names})?";
    alerts_already_acknowledged => "already acknowledged", "schon quittiert";
    alerts_ack_with_comment(id, kind, name) =>
        "Acknowledge alert #{id} ({kind}, {name})? A comment is optional; it goes to the audit trail with your name.",
        "Alert #{id} quittieren ({kind}, {name})? Ein Kommentar ist freiwillig; er kommt mit dem eigenen Namen ins Audit-Protokoll.";
    alerts_ack_question(id, kind, name) => "Acknowledge alert #{id} ({kind}, {name})?", "Alert #{id} quittieren ({kind}, {name})?";
    alerts_not_this_entity_applies => "\"not this entity\" applies to sanctions_found and sanctions_possible alerts",
        "„Nicht dieser Eintrag“ gilt nur für Treffer auf Sanktionslisten";
    alerts_not_this_entity_question(name, list, entity) =>
        "{name} is not {list} entry {entity}: why? (recorded with your name; the hit stays suppressed until the entry's names or identifiers change)",
        "{name} ist nicht {list}-Eintrag {entity}: warum? (wird mit dem eigenen Namen festgehalten; der Treffer bleibt unterdrückt, bis sich Namen oder Kennungen des Eintrags ändern)";
}

impl super::Tr {
    /// The word "Alert" on its own (the alert view's title): the glossary's German is the same.
    pub fn alerts_alert(self) -> &'static str {
        self.pick("Alert", "Alert")
    }

    /// An alert kind named in a question: English keeps the kind's token (what the command line
    /// takes), German says what it means.
    pub fn alerts_kind_named(self, k: AlertKind) -> &'static str {
        self.pick(k.as_str(), self.alert_kind(k))
    }

    /// A short label for an alert kind that fits the table's column (the alert view gives the
    /// full one from [`Tr::alert_kind`]).
    pub fn alerts_kind_short(self, k: AlertKind) -> &'static str {
        let (en, de) = match k {
            AlertKind::VatInvalid => ("VAT invalid", "USt-Id ungültig"),
            AlertKind::VatStatusChanged => ("VAT status", "USt-Id-Status"),
            AlertKind::SanctionsFound => ("Sanctions hit", "Treffer"),
            AlertKind::SanctionsPossible => ("Possible hit", "Mögl. Treffer"),
            AlertKind::SanctionsRemoved => ("Hit removed", "Treffer entfiel"),
            AlertKind::InsolvencyStarted => ("Insolvency", "Insolvenz"),
            AlertKind::CompanyNameChanged => ("Name changed", "Neuer Name"),
            AlertKind::CompanyAddressChanged => ("Address changed", "Neue Anschrift"),
            AlertKind::CompanyLegalFormChanged => ("Legal form", "Neue Rechtsform"),
            AlertKind::QualifiedMismatch => ("eVatR mismatch", "eVatR-Differenz"),
            AlertKind::RegisterStatusChanged => ("Register status", "Registerstatus"),
            AlertKind::LeiLapsed => ("LEI lapsed", "LEI abgelaufen"),
            AlertKind::SourceUnverifiable => ("Unverifiable", "Nicht prüfbar"),
        };
        self.pick(en, de)
    }
}
