//! The app layer: quitting (asking while checks run or clients are attached), help, tabs,
//! suspend and redraw, and lifting a source's pause.

use super::open_details;
use crate::tui::action::Action;
use crate::tui::effects::Effect;
use crate::tui::state::{AppState, Pending, Popup, Tab};
use crate::tui::{pause, shared};

/// Applies an app-level action.
pub(super) fn update(state: &mut AppState, action: Action) -> Vec<Effect> {
    match action {
        Action::Quit => return quit(state),
        Action::Help => state.popup = Some(Popup::Help(0)),
        Action::NextTab | Action::PrevTab => {
            let i = state.tab.index() as isize + if action == Action::NextTab { 1 } else { -1 };
            let next = Tab::ALL[i.rem_euclid(Tab::ALL.len() as isize) as usize];
            return switch_tab(state, next);
        }
        Action::TabStats => return switch_tab(state, Tab::Stats),
        Action::TabCounterparties => return switch_tab(state, Tab::Counterparties),
        Action::TabDetails => return switch_tab(state, Tab::Details),
        Action::TabAlerts => return switch_tab(state, Tab::Alerts),
        Action::Suspend => return vec![Effect::Suspend],
        Action::Redraw => return vec![Effect::Redraw],
        Action::ResumeVies => return pause::resume(state),
        _ => {}
    }
    Vec::new()
}

/// Quits, or asks first while a cycle or a manual check would be cut short or clients of this
/// (serving) UI would be disconnected.
fn quit(state: &mut AppState) -> Vec<Effect> {
    let question = match (&state.progress, &state.manual) {
        (Some(_), _) => Some(state.tr().quit_during_cycle().to_string()),
        (None, Some(m)) => Some(
            state
                .tr()
                .quit_during_check(state.tr().counterparties(m.total), m.done),
        ),
        (None, None) => None,
    };
    if let Some(question) = shared::quit_question(state, question) {
        state.popup = Some(Popup::Confirm {
            question,
            pending: Pending::Quit,
        });
        return Vec::new();
    }
    state.quit = true;
    vec![Effect::Quit]
}

/// Shows a tab; the details tab follows the table's selection.
fn switch_tab(state: &mut AppState, tab: Tab) -> Vec<Effect> {
    state.table.typing = false;
    state.alert_view.typing = false;
    if tab == Tab::Details {
        state.details.from_alert = false;
        let want = state.selected_row().map(|r| r.cp.id).or(state.details.id);
        return match want {
            Some(id) => open_details(state, id),
            None => {
                state.tab = Tab::Details;
                Vec::new()
            }
        };
    }
    state.tab = tab;
    Vec::new()
}
