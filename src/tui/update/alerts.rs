//! The alerts layer: the list (moving, filters, opening the counterparty) and the alert view
//! (scrolling, acknowledging with a comment, "not this entity").

use super::{flash, load_details, names_of, open_details, select_id};
use crate::domain::Severity;
use crate::sanctions::ListSource;
use crate::tui::action::Action;
use crate::tui::effects::Effect;
use crate::tui::state::{AlertDetail, AppState, Level, Pending, Popup, ReasonFor};

/// Moves the list's selection, or scrolls the alert view when it is open.
pub(super) fn move_by(state: &mut AppState, delta: isize) {
    if let Some(d) = &mut state.alert_view.detail {
        // The view clamps to its content; keep the number from running away.
        d.scroll = (d.scroll as isize + delta).clamp(0, 10_000) as usize;
        return;
    }
    let rows = state.page_rows();
    let len = state.alert_view.visible.len();
    state.alert_view.cursor.shift(delta, len, rows);
}

/// Applies an alerts action.
pub(super) fn update(state: &mut AppState, action: Action) -> Vec<Effect> {
    match action {
        Action::Open => {
            if let Some(id) = state.current_alert().map(|a| a.counterparty_id) {
                if !state.index.contains_key(&id) {
                    return flash(state, Level::Warn, "this counterparty was deleted");
                }
                select_id(state, id);
                let fx = open_details(state, id);
                state.details.from_alert = true;
                return fx;
            }
        }
        Action::Filter => state.alert_view.typing = true,
        Action::FilterAccept => state.alert_view.typing = false,
        Action::FilterCancel => {
            state.alert_view.typing = false;
            state.alert_view.query.clear();
            state.refilter_alerts();
        }
        Action::ClearFilters => {
            let v = &mut state.alert_view;
            v.query.clear();
            v.typing = false;
            v.severity = None;
            v.owner = None;
            v.unacked_only = false;
            state.refilter_alerts();
        }
        Action::CycleSeverityFilter => {
            let v = &mut state.alert_view;
            v.severity = match v.severity {
                None => Some(Severity::Critical),
                Some(Severity::Critical) => Some(Severity::High),
                Some(Severity::High) => Some(Severity::Medium),
                Some(Severity::Medium) => Some(Severity::Low),
                Some(Severity::Low) => None,
            };
            state.refilter_alerts();
        }
        Action::CycleOwnerFilter => {
            let owners = state.alert_owners();
            let next = match &state.alert_view.owner {
                None => owners.first().cloned(),
                Some(o) => owners
                    .iter()
                    .position(|x| x == o)
                    .and_then(|i| owners.get(i + 1).cloned()),
            };
            state.alert_view.owner = next;
            state.refilter_alerts();
        }
        Action::ToggleUnacknowledged => {
            state.alert_view.unacked_only = !state.alert_view.unacked_only;
            state.refilter_alerts();
        }
        Action::ViewAlert => {
            let Some((id, cp)) = state.selected_alert().map(|a| (a.id, a.counterparty_id)) else {
                return flash(state, Level::Warn, "no alert selected");
            };
            state.alert_view.detail = Some(AlertDetail { id, scroll: 0 });
            if state.index.contains_key(&cp) {
                return load_details(state, cp);
            }
        }
        Action::CloseAlert => state.alert_view.detail = None,
        Action::Acknowledge => return acknowledge(state),
        Action::AcknowledgeAll => {
            let ids: Vec<u64> = state
                .alert_view
                .visible
                .iter()
                .map(|&i| &state.alerts[i as usize])
                .filter(|a| a.acknowledged_at.is_none())
                .map(|a| a.id)
                .collect();
            if ids.is_empty() {
                return flash(state, Level::Info, "no unacknowledged alerts shown");
            }
            let names = names_of(
                state.tr(),
                state
                    .alert_view
                    .visible
                    .iter()
                    .map(|&i| &state.alerts[i as usize])
                    .filter(|a| a.acknowledged_at.is_none())
                    .map(|a| state.alert_name(a)),
            );
            let question = if let [id] = ids[..] {
                format!("Acknowledge alert #{id} ({names})?")
            } else {
                format!(
                    "Acknowledge all {} unacknowledged alerts shown ({names})?",
                    ids.len()
                )
            };
            state.popup = Some(Popup::Confirm {
                question,
                pending: Pending::Acknowledge(ids),
            });
        }
        Action::NotThisEntity => return not_this_entity(state),
        _ => {}
    }
    Vec::new()
}

/// Asks to acknowledge the current alert: a yes/no from the list, an optional comment from the
/// alert view.
fn acknowledge(state: &mut AppState) -> Vec<Effect> {
    let Some(a) = state.current_alert() else {
        return flash(state, Level::Warn, "no alert selected");
    };
    if a.acknowledged_at.is_some() {
        return flash(state, Level::Info, "already acknowledged");
    }
    if state.alert_view.detail.is_some() {
        let question = format!(
            "Acknowledge alert #{} ({}, {})? A comment is optional; it goes to the audit trail with your name.",
            a.id,
            a.kind,
            state.alert_name(a)
        );
        let pending = ReasonFor::Acknowledge { alert_id: a.id };
        state.popup = Some(Popup::Reason {
            question,
            text: String::new(),
            pending,
        });
        return Vec::new();
    }
    let question = format!(
        "Acknowledge alert #{} ({}, {})?",
        a.id,
        a.kind,
        state.alert_name(a)
    );
    state.popup = Some(Popup::Confirm {
        question,
        pending: Pending::Acknowledge(vec![a.id]),
    });
    Vec::new()
}

/// Asks why a sanctions alert's counterparty is not the listed entity.
fn not_this_entity(state: &mut AppState) -> Vec<Effect> {
    let Some(a) = state.current_alert() else {
        return flash(state, Level::Warn, "no alert selected");
    };
    let Some((list, entity)) = a
        .hit_entity()
        .and_then(|(l, e)| Some((ListSource::parse(l)?, e)))
    else {
        return flash(
            state,
            Level::Info,
            "\"not this entity\" applies to sanctions_found and sanctions_possible alerts",
        );
    };
    let question = format!(
        "{} is not {} entry {}: why? (recorded with your name; the hit stays suppressed until the entry's names or identifiers change)",
        state.alert_name(a),
        list.as_str().to_uppercase(),
        entity
    );
    let pending = ReasonFor::NotThisEntity {
        alert_id: a.id,
        counterparty_id: a.counterparty_id,
        list,
        entity_id: entity.to_string(),
    };
    state.popup = Some(Popup::Reason {
        question,
        text: String::new(),
        pending,
    });
    Vec::new()
}
