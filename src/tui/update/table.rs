//! The counterparty table layer: moving and opening, the filters, sorting, marks and export.

use super::{move_selection, open_details};
use crate::tui::action::Action;
use crate::tui::effects::Effect;
use crate::tui::state::{AppState, SortColumn, Tab};

/// Moves the table's selection.
pub(super) fn move_by(state: &mut AppState, delta: isize) {
    let rows = state.page_rows();
    let len = state.table.visible.len();
    state.table.cursor.shift(delta, len, rows);
}

/// Applies a table action.
pub(super) fn update(state: &mut AppState, action: Action) -> Vec<Effect> {
    match action {
        Action::Open => {
            if let Some(id) = state.selected_row().map(|r| r.cp.id) {
                let fx = open_details(state, id);
                state.details.from_alert = false;
                return fx;
            }
        }
        // Only the table's own tab has a filter line to type into.
        Action::Filter if state.tab == Tab::Counterparties => state.table.typing = true,
        Action::FilterAccept => state.table.typing = false,
        Action::FilterCancel => {
            state.table.typing = false;
            state.table.query.clear();
            state.refilter(false);
        }
        Action::ClearFilters => {
            let t = &mut state.table;
            t.query.clear();
            t.monitored_only = false;
            t.status = Default::default();
            state.refilter(false);
        }
        Action::ToggleMonitoredOnly => {
            state.table.monitored_only = !state.table.monitored_only;
            state.refilter(false);
        }
        Action::CycleStatusFilter => {
            state.table.status = state.table.status.next();
            state.refilter(false);
        }
        Action::SortNext => {
            let i = SortColumn::ALL
                .iter()
                .position(|c| *c == state.table.sort)
                .unwrap_or(0);
            state.table.sort = SortColumn::ALL[(i + 1) % SortColumn::ALL.len()];
            state.table.descending = false;
            let selected = state.selected_row().map(|r| r.cp.id);
            state.resort(selected);
        }
        Action::SortReverse => {
            state.table.descending = !state.table.descending;
            let selected = state.selected_row().map(|r| r.cp.id);
            state.resort(selected);
        }
        Action::ToggleMark => {
            if let Some(id) = state.selected_row().map(|r| r.cp.id) {
                if !state.table.marks.remove(&id) {
                    state.table.marks.insert(id);
                }
                move_selection(state, 1);
            }
        }
        Action::MarkAll => {
            if state.table.marks.is_empty() {
                let ids: Vec<u64> = state
                    .table
                    .visible
                    .iter()
                    .map(|&i| state.rows[i as usize].cp.id)
                    .collect();
                state.table.marks.extend(ids);
            } else {
                state.table.marks.clear();
            }
        }
        Action::Export => state.popup = Some(crate::tui::export::prompt(state)),
        _ => {}
    }
    Vec::new()
}
