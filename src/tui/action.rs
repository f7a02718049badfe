//! The `Action` vocabulary: every key binding names one, and each variant's doc line is its
//! help text. Keeping names, help and the "changes data" mark in one table means the keymap,
//! the help screen, the footer and `--read-only` can never disagree. Each action's footer label
//! and help are written in English (the doc line) and German (the `de` line) side by side.

use super::text::Tr;

/// Whether an action only looks at data or changes or sends something.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Navigation and views; always available.
    View,
    /// Changes data or sends something; removed by `--read-only`.
    Write,
}

macro_rules! actions {
    ($( $(#[doc = $doc:literal])+ $variant:ident = $name:literal, $label:literal, $kind:ident;
        de $label_de:literal, $help_de:literal; )*) => {
        /// Something the user can ask for; the keymap maps keys to these.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Action {
            $( $(#[doc = $doc])+ $variant, )*
        }

        impl Action {
            /// Every action, in help order.
            pub const ALL: &'static [Action] = &[$(Action::$variant),*];

            /// The snake_case name used in the `[keymap]` config.
            pub fn name(self) -> &'static str {
                match self { $(Action::$variant => $name),* }
            }

            /// The help text: the variant's doc line, or its German.
            pub fn help(self, tr: Tr) -> &'static str {
                match (self, tr.is_de()) {
                    $((Action::$variant, false) => concat!($($doc),+).trim(),
                      (Action::$variant, true) => $help_de,)*
                }
            }

            /// A one- or two-word label for the footer.
            pub fn label(self, tr: Tr) -> &'static str {
                match (self, tr.is_de()) {
                    $((Action::$variant, false) => $label,
                      (Action::$variant, true) => $label_de,)*
                }
            }

            /// Whether the action changes data or sends something.
            pub fn kind(self) -> Kind {
                match self { $(Action::$variant => Kind::$kind),* }
            }
        }
    };
}

actions! {
    /// Quit Kontra (asks first while a check cycle runs)
    Quit = "quit", "quit", View;
        de "beenden", "Kontra beenden (fragt erst, solange ein Prüflauf läuft)";
    /// Show this help, generated from the live keymap
    Help = "help", "help", View;
        de "Hilfe", "Diese Hilfe zeigen, erzeugt aus der geltenden Tastenbelegung";
    /// Go to the next tab
    NextTab = "next_tab", "next tab", View;
        de "nächster Reiter", "Zum nächsten Reiter";
    /// Go to the previous tab
    PrevTab = "prev_tab", "prev tab", View;
        de "voriger Reiter", "Zum vorigen Reiter";
    /// Show the stats tab
    TabStats = "tab_stats", "stats", View;
        de "Übersicht", "Den Reiter Übersicht zeigen";
    /// Show the counterparties tab
    TabCounterparties = "tab_counterparties", "counterparties", View;
        de "Geschäftspartner", "Den Reiter Geschäftspartner zeigen";
    /// Show the details and history of the selected counterparty
    TabDetails = "tab_details", "details", View;
        de "Details", "Details und Verlauf des gewählten Geschäftspartners zeigen";
    /// Show the alerts tab
    TabAlerts = "tab_alerts", "alerts", View;
        de "Alerts", "Den Reiter Alerts zeigen";
    /// Suspend to the shell (resume with fg)
    Suspend = "suspend", "suspend", View;
        de "anhalten", "In die Shell wechseln (weiter mit fg)";
    /// Redraw the whole screen
    Redraw = "redraw", "redraw", View;
        de "neu zeichnen", "Den ganzen Bildschirm neu zeichnen";
    /// Move the selection down
    SelectNext = "select_next", "down", View;
        de "runter", "Auswahl eine Zeile nach unten";
    /// Move the selection up
    SelectPrev = "select_prev", "up", View;
        de "hoch", "Auswahl eine Zeile nach oben";
    /// Move the selection down one page
    PageDown = "page_down", "page down", View;
        de "Seite runter", "Auswahl eine Seite nach unten";
    /// Move the selection up one page
    PageUp = "page_up", "page up", View;
        de "Seite hoch", "Auswahl eine Seite nach oben";
    /// Select the first row
    SelectFirst = "select_first", "first", View;
        de "erste", "Die erste Zeile wählen";
    /// Select the last row
    SelectLast = "select_last", "last", View;
        de "letzte", "Die letzte Zeile wählen";
    /// Open the selection: details, expand a check run, or the alert's counterparty
    Open = "open", "open", View;
        de "öffnen", "Auswahl öffnen: Details, einen Prüflauf aufklappen oder den Geschäftspartner des Alerts";
    /// Go back to the counterparty table
    Back = "back", "back", View;
        de "zurück", "Zurück zur Geschäftspartner-Tabelle";
    /// Filter as you type: text in any field, country:de,at owner:anna (alerts: since:/until: days)
    Filter = "filter", "filter", View;
        de "filtern", "Beim Tippen filtern: Text in jedem Feld, land:de,at zuständig:anna (Alerts: seit:/bis: Tage)";
    /// Clear every filter of the table or of the alerts
    ClearFilters = "clear_filters", "clear filters", View;
        de "Filter leeren", "Alle Filter der Tabelle oder der Alerts aufheben";
    /// Show only monitored counterparties, or all again
    ToggleMonitoredOnly = "toggle_monitored_only", "monitored", View;
        de "überwachte", "Nur überwachte Geschäftspartner zeigen oder wieder alle";
    /// Cycle the status filter: all, ok, problems, no answer, unchecked
    CycleStatusFilter = "cycle_status_filter", "status", View;
        de "Status", "Statusfilter weiterschalten: alle, ok, Probleme, keine Antwort, ungeprüft";
    /// Sort by the next column
    SortNext = "sort_next", "sort", View;
        de "sortieren", "Nach der nächsten Spalte sortieren";
    /// Reverse the sort order
    SortReverse = "sort_reverse", "reverse", View;
        de "umkehren", "Sortierung umkehren";
    /// Mark or unmark the row for bulk actions
    ToggleMark = "toggle_mark", "mark", View;
        de "markieren", "Zeile für Sammelaktionen markieren oder Markierung aufheben";
    /// Mark every shown row, or clear all marks
    MarkAll = "mark_all", "mark all", View;
        de "alle markieren", "Alle gezeigten Zeilen markieren oder alle Markierungen aufheben";
    /// Export the shown (filtered) rows to a CSV file
    Export = "export", "export", View;
        de "exportieren", "Die gezeigten (gefilterten) Zeilen in eine CSV-Datei exportieren";
    /// Add a counterparty
    Add = "add", "add", Write;
        de "anlegen", "Einen Geschäftspartner anlegen";
    /// Edit the selected counterparty
    Edit = "edit", "edit", Write;
        de "bearbeiten", "Den gewählten Geschäftspartner bearbeiten";
    /// Delete the selected or marked counterparties (asks first)
    Delete = "delete", "delete", Write;
        de "löschen", "Die gewählten oder markierten Geschäftspartner löschen (fragt erst)";
    /// Switch monitoring on or off for the selected or marked counterparties
    ToggleMonitoring = "toggle_monitoring", "monitor", Write;
        de "überwachen", "Überwachung der gewählten oder markierten Geschäftspartner ein- oder ausschalten";
    /// Check the selected or marked counterparties now
    CheckNow = "check_now", "check", Write;
        de "prüfen", "Die gewählten oder markierten Geschäftspartner jetzt prüfen";
    /// Lift the VIES pause (IP_BLOCKED) once the block is gone, through the monitor (audited)
    ResumeVies = "resume_vies", "resume VIES", Write;
        de "VIES fortsetzen", "Die VIES-Pause (IP_BLOCKED) aufheben, sobald die Sperre weg ist, über den Monitor (protokolliert)";
    /// Cycle the severity filter: all, critical, high, medium, low
    CycleSeverityFilter = "cycle_severity_filter", "severity", View;
        de "Schwere", "Schwerefilter weiterschalten: alle, kritisch, hoch, mittel, niedrig";
    /// Cycle the owner filter through the owners of the shown alerts
    CycleOwnerFilter = "cycle_owner_filter", "owner", View;
        de "Zuständig", "Zuständigenfilter durch die Zuständigen der gezeigten Alerts schalten";
    /// Show only unacknowledged alerts, or all again
    ToggleUnacknowledged = "toggle_unacknowledged", "unacked", View;
        de "offene", "Nur nicht quittierte Alerts zeigen oder wieder alle";
    /// Read the selected alert: full message, what changed, evidence, the listed entity
    ViewAlert = "view_alert", "read", View;
        de "lesen", "Den gewählten Alert lesen: ganze Meldung, was sich geändert hat, Nachweis, gelisteter Eintrag";
    /// Close the alert and go back to the list
    CloseAlert = "close_alert", "close", View;
        de "schließen", "Den Alert schließen und zurück zur Liste";
    /// Acknowledge the selected alert (asks first; in the alert view with an optional comment)
    Acknowledge = "acknowledge", "ack", Write;
        de "quittieren", "Den gewählten Alert quittieren (fragt erst; in der Alert-Ansicht mit optionalem Kommentar)";
    /// Acknowledge every alert shown (asks first)
    AcknowledgeAll = "acknowledge_all", "ack all", Write;
        de "alle quittieren", "Alle gezeigten Alerts quittieren (fragt erst)";
    /// Record that a sanctions alert's counterparty is not the listed entity (asks why)
    NotThisEntity = "not_this_entity", "not this", Write;
        de "nicht dieser", "Festhalten, dass der Geschäftspartner eines Sanktions-Alerts nicht der gelistete Eintrag ist (fragt nach dem Grund)";
    /// Accept the filter text and go back to the table
    FilterAccept = "filter_accept", "accept", View;
        de "übernehmen", "Filtertext übernehmen und zurück zur Tabelle";
    /// Clear the filter text and go back to the table
    FilterCancel = "filter_cancel", "cancel", View;
        de "abbrechen", "Filtertext leeren und zurück zur Tabelle";
    /// Move to the next form field
    NextField = "next_field", "next field", View;
        de "nächstes Feld", "Zum nächsten Formularfeld";
    /// Move to the previous form field
    PrevField = "prev_field", "prev field", View;
        de "voriges Feld", "Zum vorigen Formularfeld";
    /// Save the form
    Save = "save", "save", View;
        de "speichern", "Formular speichern";
    /// Close without doing anything
    Cancel = "cancel", "cancel", View;
        de "abbrechen", "Schließen, ohne etwas zu tun";
    /// Answer yes to the question
    Confirm = "confirm", "yes", View;
        de "ja", "Die Frage mit Ja beantworten";
    /// Close the help
    CloseHelp = "close_help", "close", View;
        de "schließen", "Hilfe schließen";
}

impl Action {
    /// Finds an action by its config name.
    pub fn from_name(name: &str) -> Option<Action> {
        Action::ALL.iter().copied().find(|a| a.name() == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_round_trip() {
        let mut seen = std::collections::HashSet::new();
        for a in Action::ALL {
            assert!(seen.insert(a.name()), "duplicate {}", a.name());
            assert_eq!(Action::from_name(a.name()), Some(*a));
            for tr in [Tr::EN, Tr::DE] {
                assert!(!a.help(tr).is_empty() && !a.help(tr).starts_with(' '));
                assert!(!a.label(tr).is_empty());
            }
            assert_ne!(
                a.help(Tr::EN),
                a.help(Tr::DE),
                "{} has no German help",
                a.name()
            );
        }
        assert_eq!(
            Action::Quit.help(Tr::EN),
            "Quit Kontra (asks first while a check cycle runs)"
        );
        assert_eq!(Action::Delete.kind(), Kind::Write);
        assert_eq!(Action::Export.kind(), Kind::View);
    }
}
