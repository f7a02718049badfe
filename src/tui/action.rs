//! The `Action` vocabulary: every key binding names one, and each variant's doc line is its
//! help text. Keeping names, help and the "changes data" mark in one table means the keymap,
//! the help screen, the footer and `--read-only` can never disagree.

/// Whether an action only looks at data or changes or sends something.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Navigation and views; always available.
    View,
    /// Changes data or sends something; removed by `--read-only`.
    Write,
}

macro_rules! actions {
    ($( $(#[doc = $doc:literal])+ $variant:ident = $name:literal, $label:literal, $kind:ident; )*) => {
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

            /// The help text: the variant's doc line.
            pub fn help(self) -> &'static str {
                match self { $(Action::$variant => concat!($($doc),+).trim()),* }
            }

            /// A one- or two-word label for the footer.
            pub fn label(self) -> &'static str {
                match self { $(Action::$variant => $label),* }
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
    /// Show this help, generated from the live keymap
    Help = "help", "help", View;
    /// Go to the next tab
    NextTab = "next_tab", "next tab", View;
    /// Go to the previous tab
    PrevTab = "prev_tab", "prev tab", View;
    /// Show the stats tab
    TabStats = "tab_stats", "stats", View;
    /// Show the counterparties tab
    TabCounterparties = "tab_counterparties", "counterparties", View;
    /// Show the details and history of the selected counterparty
    TabDetails = "tab_details", "details", View;
    /// Show the alerts tab
    TabAlerts = "tab_alerts", "alerts", View;
    /// Suspend to the shell (resume with fg)
    Suspend = "suspend", "suspend", View;
    /// Redraw the whole screen
    Redraw = "redraw", "redraw", View;
    /// Move the selection down
    SelectNext = "select_next", "down", View;
    /// Move the selection up
    SelectPrev = "select_prev", "up", View;
    /// Move the selection down one page
    PageDown = "page_down", "page down", View;
    /// Move the selection up one page
    PageUp = "page_up", "page up", View;
    /// Select the first row
    SelectFirst = "select_first", "first", View;
    /// Select the last row
    SelectLast = "select_last", "last", View;
    /// Open the selection: details, expand a check run, or the alert's counterparty
    Open = "open", "open", View;
    /// Go back to the counterparty table
    Back = "back", "back", View;
    /// Filter as you type: text in any field, country:de,at owner:anna (alerts: since:/until: days)
    Filter = "filter", "filter", View;
    /// Clear every filter of the table or of the alerts
    ClearFilters = "clear_filters", "clear filters", View;
    /// Show only monitored counterparties, or all again
    ToggleMonitoredOnly = "toggle_monitored_only", "monitored", View;
    /// Cycle the status filter: all, ok, problems, no answer, unchecked
    CycleStatusFilter = "cycle_status_filter", "status", View;
    /// Sort by the next column
    SortNext = "sort_next", "sort", View;
    /// Reverse the sort order
    SortReverse = "sort_reverse", "reverse", View;
    /// Mark or unmark the row for bulk actions
    ToggleMark = "toggle_mark", "mark", View;
    /// Mark every shown row, or clear all marks
    MarkAll = "mark_all", "mark all", View;
    /// Export the shown (filtered) rows to a CSV file
    Export = "export", "export", View;
    /// Add a counterparty
    Add = "add", "add", Write;
    /// Edit the selected counterparty
    Edit = "edit", "edit", Write;
    /// Delete the selected or marked counterparties (asks first)
    Delete = "delete", "delete", Write;
    /// Switch monitoring on or off for the selected or marked counterparties
    ToggleMonitoring = "toggle_monitoring", "monitor", Write;
    /// Check the selected or marked counterparties now
    CheckNow = "check_now", "check", Write;
    /// Lift the VIES pause (IP_BLOCKED) once the block is gone, through the monitor (audited)
    ResumeVies = "resume_vies", "resume VIES", Write;
    /// Cycle the severity filter: all, critical, high, medium, low
    CycleSeverityFilter = "cycle_severity_filter", "severity", View;
    /// Cycle the owner filter through the owners of the shown alerts
    CycleOwnerFilter = "cycle_owner_filter", "owner", View;
    /// Show only unacknowledged alerts, or all again
    ToggleUnacknowledged = "toggle_unacknowledged", "unacked", View;
    /// Read the selected alert: full message, what changed, evidence, the listed entity
    ViewAlert = "view_alert", "read", View;
    /// Close the alert and go back to the list
    CloseAlert = "close_alert", "close", View;
    /// Acknowledge the selected alert (asks first; in the alert view with an optional comment)
    Acknowledge = "acknowledge", "ack", Write;
    /// Acknowledge every alert shown (asks first)
    AcknowledgeAll = "acknowledge_all", "ack all", Write;
    /// Record that a sanctions alert's counterparty is not the listed entity (asks why)
    NotThisEntity = "not_this_entity", "not this", Write;
    /// Accept the filter text and go back to the table
    FilterAccept = "filter_accept", "accept", View;
    /// Clear the filter text and go back to the table
    FilterCancel = "filter_cancel", "cancel", View;
    /// Move to the next form field
    NextField = "next_field", "next field", View;
    /// Move to the previous form field
    PrevField = "prev_field", "prev field", View;
    /// Save the form
    Save = "save", "save", View;
    /// Close without doing anything
    Cancel = "cancel", "cancel", View;
    /// Answer yes to the question
    Confirm = "confirm", "yes", View;
    /// Close the help
    CloseHelp = "close_help", "close", View;
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
            assert!(!a.help().is_empty() && !a.help().starts_with(' '));
        }
        assert_eq!(
            Action::Quit.help(),
            "Quit Kontra (asks first while a check cycle runs)"
        );
        assert_eq!(Action::Delete.kind(), Kind::Write);
        assert_eq!(Action::Export.kind(), Kind::View);
    }
}
