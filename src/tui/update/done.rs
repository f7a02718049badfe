//! The effects' results: loads, saves, deletions, acknowledgements and exports coming back.

use std::collections::HashSet;

use super::{flash, select_id};
use crate::tui::effects::Effect;
use crate::tui::event::Done;
use crate::tui::follow;
use crate::tui::state::{AppState, Level, Popup, Tab};

/// Takes in an effect's result.
pub(super) fn on_done(state: &mut AppState, done: Done) -> Vec<Effect> {
    match done {
        Done::Loaded(snap) => {
            state.install(*snap);
            Vec::new()
        }
        Done::Step(step) => {
            state.apply_step(*step);
            Vec::new()
        }
        Done::LoadFailed(text) => {
            state.load = None;
            flash(state, Level::Error, text)
        }
        Done::DetailsLoaded(d) => {
            if state.details.id == Some(d.cp.id) {
                state.details.loading = false;
                state.details.selected = state.details.selected.min(d.runs.len().saturating_sub(1));
                state.details.data = Some(*d);
            }
            Vec::new()
        }
        Done::Saved { cp, created } => {
            let (id, name) = (cp.id, cp.name.clone());
            if matches!(state.popup, Some(Popup::Form(_))) {
                state.popup = None;
            }
            state.upsert(vec![*cp]);
            select_id(state, id);
            let text = if created {
                state.tr().added(name, id)
            } else {
                state.tr().saved(name, id)
            };
            flash(state, Level::Info, text)
        }
        Done::SaveRefused(errors) => {
            if let Some(Popup::Form(f)) = &mut state.popup {
                f.set_store_errors(&errors);
            }
            let text = errors
                .iter()
                .map(|(f, r)| format!("{}: {r}", state.tr().field(*f)))
                .collect::<Vec<_>>()
                .join("; ");
            flash(state, Level::Error, text)
        }
        Done::Upserted { cps, message } => {
            state.upsert(cps);
            if message.is_empty() {
                Vec::new()
            } else {
                flash(state, Level::Info, message)
            }
        }
        Done::Deleted(ids) => {
            let gone: HashSet<u64> = ids.iter().copied().collect();
            state.remove(&gone);
            state.refilter_alerts();
            if state.details.id.is_some_and(|id| gone.contains(&id)) {
                state.details = Default::default();
                if state.tab == Tab::Details {
                    state.tab = Tab::Counterparties;
                }
            }
            let text = state.tr().deleted(ids.len());
            flash(state, Level::Info, text)
        }
        Done::AlertsUpdated { alerts, message } => {
            for a in alerts {
                if let Some(old) = state.alerts.iter_mut().find(|x| x.id == a.id) {
                    *old = a.clone();
                }
                if let Some(d) = &mut state.details.data
                    && let Some(old) = d.alerts.iter_mut().find(|x| x.id == a.id)
                {
                    *old = a;
                }
            }
            state.refilter_alerts();
            // Alerts read again after someone else acknowledged them change quietly.
            if message.is_empty() {
                return Vec::new();
            }
            flash(state, Level::Info, message)
        }
        Done::Exported { path, rows } => {
            let text = state.tr().exported(rows, path.display());
            flash(state, Level::Info, text)
        }
        Done::CheckLoaded { run, alerts } => follow::on_check_loaded(state, *run, alerts),
        Done::Status(level, text) => flash(state, level, text),
    }
}
