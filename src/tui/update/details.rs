//! The details tab layer: moving through the check runs, expanding one, going back.

use crate::tui::action::Action;
use crate::tui::effects::Effect;
use crate::tui::state::{AppState, Tab};

/// Moves the selected check run.
pub(super) fn move_by(state: &mut AppState, delta: isize) {
    let len = state.details.data.as_ref().map_or(0, |d| d.runs.len());
    let target = (state.details.selected as isize + delta).clamp(0, len as isize - 1);
    state.details.selected = target.max(0) as usize;
}

/// Applies a details action.
pub(super) fn update(state: &mut AppState, action: Action) -> Vec<Effect> {
    match action {
        Action::Open => {
            let run_id = state
                .details
                .data
                .as_ref()
                .and_then(|d| d.runs.get(state.details.selected))
                .map(|r| r.id);
            if let Some(id) = run_id
                && !state.details.expanded.remove(&id)
            {
                state.details.expanded.insert(id);
            }
        }
        Action::Back => {
            // Back to where the counterparty was opened from.
            state.tab = if state.details.from_alert {
                Tab::Alerts
            } else {
                Tab::Counterparties
            };
        }
        _ => {}
    }
    Vec::new()
}
