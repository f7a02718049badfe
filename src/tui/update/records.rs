//! The counterparty commands, from the table (selection or marks) or the details tab (the one
//! shown): add, edit, delete, monitoring on/off, check now.

use super::{flash, names_of};
use crate::tui::action::Action;
use crate::tui::effects::Effect;
use crate::tui::form::FormState;
use crate::tui::state::{AppState, Level, Pending, Popup, Tab};

/// The counterparty the current tab is about (details: the one shown; table: the selection).
fn focused_id(state: &AppState) -> Option<u64> {
    match state.tab {
        Tab::Details => state.details.id,
        _ => state.selected_row().map(|r| r.cp.id),
    }
}

/// Ids for a bulk action from the current tab.
fn bulk_ids(state: &AppState) -> Vec<u64> {
    match state.tab {
        Tab::Details => state.details.id.into_iter().collect(),
        _ => state.target_ids(),
    }
}

/// Clears the marks once a bulk action from the table took them (the details tab acts on its
/// one counterparty and leaves them).
fn clear_marks(state: &mut AppState) {
    if state.tab != Tab::Details {
        state.table.marks.clear();
    }
}

/// Applies a counterparty command.
pub(super) fn update(state: &mut AppState, action: Action) -> Vec<Effect> {
    match action {
        Action::Add => {
            let form = FormState::add(state.now, &state.new_defaults);
            state.popup = Some(Popup::Form(Box::new(form)));
        }
        Action::Edit => {
            let cp = focused_id(state)
                .and_then(|id| state.index.get(&id))
                .map(|&i| state.rows[i].cp.clone());
            match cp {
                Some(cp) => {
                    state.popup = Some(Popup::Form(Box::new(FormState::edit(&cp, state.now))))
                }
                None => {
                    let text = state.tr().select_first();
                    return flash(state, Level::Warn, text);
                }
            }
        }
        Action::Delete => {
            let ids = bulk_ids(state);
            if ids.is_empty() {
                let text = state.tr().select_first();
                return flash(state, Level::Warn, text);
            }
            let question = if let [id] = ids[..] {
                let name = state
                    .index
                    .get(&id)
                    .map(|&i| state.rows[i].cp.name.clone())
                    .unwrap_or_default();
                state.tr().confirm_delete_one(name, id)
            } else {
                let names = names_of(
                    state.tr(),
                    ids.iter()
                        .filter_map(|id| state.index.get(id))
                        .map(|&i| state.rows[i].cp.name.clone()),
                );
                state.tr().confirm_delete_marked(ids.len(), names)
            };
            state.popup = Some(Popup::Confirm {
                question,
                pending: Pending::Delete(ids),
            });
        }
        Action::ToggleMonitoring => {
            let ids = bulk_ids(state);
            if ids.is_empty() {
                let text = state.tr().select_first();
                return flash(state, Level::Warn, text);
            }
            let all_on = ids.iter().all(|id| {
                state
                    .index
                    .get(id)
                    .is_some_and(|&i| state.rows[i].cp.monitor)
            });
            clear_marks(state);
            return vec![Effect::SetMonitoring(ids, !all_on)];
        }
        Action::CheckNow => {
            if state.demo {
                let text = state.tr().demo_checks_off();
                return flash(state, Level::Info, text);
            }
            let ids = bulk_ids(state);
            if ids.is_empty() {
                let text = state.tr().select_first();
                return flash(state, Level::Warn, text);
            }
            clear_marks(state);
            return vec![Effect::CheckNow(ids)];
        }
        _ => {}
    }
    Vec::new()
}
