//! The prompts layer: the help's scrolling and closing, the form's fields and saving, the
//! reason popup's saving, and answering or cancelling a confirmation.

use super::flash;
use crate::tui::action::Action;
use crate::tui::effects::Effect;
use crate::tui::state::{AppState, Level, Pending, Popup, ReasonFor};

/// Applies a prompt action.
pub(super) fn update(state: &mut AppState, action: Action) -> Vec<Effect> {
    match action {
        Action::SelectNext | Action::SelectPrev => {
            let d = if action == Action::SelectNext { 1 } else { -1 };
            if let Some(Popup::Help(scroll)) = &mut state.popup {
                *scroll = (*scroll as isize + d).max(0) as usize;
            }
        }
        Action::CloseHelp | Action::Cancel => state.popup = None,
        Action::NextField | Action::PrevField => {
            if let Some(Popup::Form(f)) = &mut state.popup {
                f.move_focus(if action == Action::NextField { 1 } else { -1 });
            }
        }
        Action::Save => return save(state),
        Action::Confirm => return confirm(state),
        _ => {}
    }
    Vec::new()
}

/// Saves the reason popup or the form (after validating it).
fn save(state: &mut AppState) -> Vec<Effect> {
    if let Some(Popup::Reason { text, pending, .. }) = &state.popup {
        if text.trim().is_empty() && !pending.optional() {
            let missing = pending.missing(state.tr());
            return flash(state, Level::Warn, missing);
        }
        if let Some(Popup::Reason { text, pending, .. }) = state.popup.take() {
            let text = text.trim().to_string();
            return vec![match pending {
                ReasonFor::Acknowledge { alert_id } => Effect::Acknowledge {
                    ids: vec![alert_id],
                    comment: text,
                },
                about @ ReasonFor::NotThisEntity { .. } => Effect::NotThisEntity {
                    about,
                    reason: text,
                },
                ReasonFor::ExportTo => crate::tui::export::effect(state, &text),
            }];
        }
    }
    if let Some(Popup::Form(f)) = &mut state.popup {
        f.submitted = true;
        f.validate(state.now);
        if f.has_errors() {
            if let Some(i) = (0..f.errors.len()).find(|&i| f.errors[i].is_some()) {
                f.focus = i;
            }
            let text = state.tr().fix_marked_fields();
            return flash(state, Level::Warn, text);
        }
        return vec![Effect::Save {
            id: f.editing,
            draft: Box::new(f.draft()),
        }];
    }
    Vec::new()
}

/// Answers yes to the open confirmation.
fn confirm(state: &mut AppState) -> Vec<Effect> {
    let Some(Popup::Confirm { pending, .. }) = state.popup.take() else {
        return Vec::new();
    };
    match pending {
        Pending::Delete(ids) => {
            state.table.marks.clear();
            vec![Effect::Delete(ids)]
        }
        Pending::Acknowledge(ids) => vec![Effect::Acknowledge {
            ids,
            comment: String::new(),
        }],
        Pending::Quit => {
            state.quit = true;
            vec![Effect::Quit]
        }
    }
}
