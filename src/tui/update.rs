//! The reducers: events become actions through the keymap, and `update` applies an action to
//! the state and returns the effects to run. Synchronous and pure apart from the state: no
//! store, no network, no clock (the loop sets `state.now`).

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::action::{Action, Kind};
use super::effects::Effect;
use super::event::{Done, Event};
use super::follow;
use super::form::FormState;
use super::keymap::{Context, KeyChord, Keymap};
use super::shared;
use super::state::{
    AlertDetail, AppState, Flash, Level, Pending, Popup, ReasonFor, SortColumn, Tab,
};
use crate::domain::Severity;
use crate::domain::changes::sanctions_entity;
use crate::sanctions::ListSource;

/// The keymap context for the current state.
pub fn context(state: &AppState) -> Context {
    match &state.popup {
        Some(Popup::Help(_)) => Context::Help,
        Some(Popup::Confirm { .. }) => Context::Confirm,
        // A reason is a one-field form: typed text, save or cancel.
        Some(Popup::Form(_) | Popup::Reason { .. }) => Context::Form,
        None if state.tab == Tab::Counterparties && state.table.typing => Context::Filter,
        None if state.tab == Tab::Alerts && state.alert_view.detail.is_some() => Context::Alert,
        None => match state.tab {
            Tab::Stats => Context::Stats,
            Tab::Counterparties => Context::Counterparties,
            Tab::Details => Context::Details,
            Tab::Alerts => Context::Alerts,
        },
    }
}

/// Shows a status message and asks for it to be cleared later.
pub fn flash(state: &mut AppState, level: Level, text: impl Into<String>) -> Vec<Effect> {
    state.flash_seq += 1;
    state.flash = Some(Flash {
        level,
        text: text.into(),
        seq: state.flash_seq,
    });
    vec![Effect::ExpireFlash(state.flash_seq)]
}

/// Handles one event; returns the effects to run.
pub fn on_event(state: &mut AppState, keymap: &Keymap, event: Event) -> Vec<Effect> {
    let effects = on_event_inner(state, keymap, event);
    // Critical alerts are seen once the Alerts tab shows them; its badge counts the others.
    if state.tab == Tab::Alerts {
        state.unseen_critical = 0;
    }
    effects
}

fn on_event_inner(state: &mut AppState, keymap: &Keymap, event: Event) -> Vec<Effect> {
    match event {
        Event::Key(key) => on_key(state, keymap, key),
        Event::Paste(text) => {
            let now = state.now;
            match &mut state.popup {
                Some(Popup::Form(f)) => f.paste(&text, now),
                Some(Popup::Reason { text: t, .. }) => t.push_str(text.trim()),
                None if state.table.typing => {
                    state.table.query.push_str(text.trim());
                    state.refilter(true);
                }
                _ => {}
            }
            Vec::new()
        }
        Event::Resize(w, h) => {
            state.size = (w, h);
            state.fit_table();
            let rows = state.page_rows();
            state
                .alert_view
                .cursor
                .fit(state.alert_view.visible.len(), rows);
            Vec::new()
        }
        Event::InputClosed | Event::Signal(_) => {
            if let Event::Signal(kind) = event {
                tracing::info!(?kind, "signal: leaving");
            } else {
                tracing::info!("terminal input closed: leaving");
            }
            state.quit = true;
            vec![Effect::Quit]
        }
        Event::Monitor(ev) => follow::on_monitor(state, ev),
        Event::Shared(ev) => shared::on_event(state, ev),
        Event::Done(done) => on_done(state, done),
        Event::FlashExpired(seq) => {
            if state.flash.as_ref().is_some_and(|f| f.seq == seq) {
                state.flash = None;
            }
            Vec::new()
        }
    }
}

fn on_key(state: &mut AppState, keymap: &Keymap, key: KeyEvent) -> Vec<Effect> {
    if key.kind == KeyEventKind::Release {
        return Vec::new();
    }
    let ctx = context(state);
    let chord = KeyChord::from_event(&key);
    if let Some(action) = keymap.lookup(ctx, chord) {
        return update(state, action);
    }
    // Unbound keys are text in the text contexts.
    match ctx {
        Context::Form => {
            let now = state.now;
            match &mut state.popup {
                Some(Popup::Form(f)) if key.code != KeyCode::Enter => {
                    f.input(key, now);
                }
                Some(Popup::Reason { text, .. }) => match key.code {
                    KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
                        text.push(c);
                    }
                    KeyCode::Backspace => {
                        text.pop();
                    }
                    _ => {}
                },
                _ => {}
            }
        }
        Context::Filter => match key.code {
            KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
                state.table.query.push(c);
                state.refilter(true);
            }
            KeyCode::Backspace => {
                state.table.query.pop();
                state.refilter(false);
            }
            _ => {}
        },
        _ => {}
    }
    Vec::new()
}

fn move_selection(state: &mut AppState, delta: isize) {
    let rows = state.page_rows();
    match state.tab {
        Tab::Counterparties => {
            let len = state.table.visible.len();
            state.table.cursor.shift(delta, len, rows);
        }
        Tab::Alerts => {
            if let Some(d) = &mut state.alert_view.detail {
                // The view clamps to its content; keep the number from running away.
                d.scroll = (d.scroll as isize + delta).clamp(0, 10_000) as usize;
                return;
            }
            let len = state.alert_view.visible.len();
            state.alert_view.cursor.shift(delta, len, rows);
        }
        Tab::Details => {
            let len = state.details.data.as_ref().map_or(0, |d| d.runs.len());
            let target = (state.details.selected as isize + delta).clamp(0, len as isize - 1);
            state.details.selected = target.max(0) as usize;
        }
        Tab::Stats => {}
    }
}

fn open_details(state: &mut AppState, id: u64) -> Vec<Effect> {
    state.tab = Tab::Details;
    load_details(state, id)
}

/// Loads a counterparty's details and history unless they are loaded (the details tab and the
/// alert view, which finds its evidence in the history, share them).
fn load_details(state: &mut AppState, id: u64) -> Vec<Effect> {
    if state.details.id == Some(id) && state.details.data.is_some() {
        return Vec::new();
    }
    state.details.id = Some(id);
    state.details.data = None;
    state.details.loading = true;
    state.details.selected = 0;
    state.details.expanded.clear();
    vec![Effect::LoadDetails(id)]
}

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

/// Applies an action.
pub fn update(state: &mut AppState, action: Action) -> Vec<Effect> {
    if state.read_only && action.kind() == Kind::Write {
        return flash(state, Level::Warn, "read-only: nothing can be changed");
    }
    let page = state.page_rows() as isize;
    match action {
        Action::Quit => {
            let question = match (&state.progress, &state.manual) {
                (Some(_), _) => Some(
                    "A check cycle is running. Quit anyway? It resumes at the next start."
                        .to_string(),
                ),
                (None, Some(m)) => Some(format!(
                    "A check of {} counterparties is running ({} done). Quit anyway? \
                     Checks not yet stored are dropped.",
                    m.total, m.done
                )),
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
            return vec![Effect::Quit];
        }
        Action::Help => state.popup = Some(Popup::Help(0)),
        Action::CloseHelp => state.popup = None,
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
        Action::SelectNext | Action::SelectPrev => {
            let d = if action == Action::SelectNext { 1 } else { -1 };
            if let Some(Popup::Help(scroll)) = &mut state.popup {
                *scroll = (*scroll as isize + d).max(0) as usize;
            } else {
                move_selection(state, d);
            }
        }
        Action::PageDown => move_selection(state, page),
        Action::PageUp => move_selection(state, -page),
        Action::SelectFirst => move_selection(state, isize::MIN / 2),
        Action::SelectLast => move_selection(state, isize::MAX / 2),
        Action::Open => match state.tab {
            Tab::Counterparties => {
                if let Some(id) = state.selected_row().map(|r| r.cp.id) {
                    return open_details(state, id);
                }
            }
            Tab::Details => {
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
            Tab::Alerts => {
                if let Some(id) = state.current_alert().map(|a| a.counterparty_id) {
                    if !state.index.contains_key(&id) {
                        return flash(state, Level::Warn, "this counterparty was deleted");
                    }
                    select_id(state, id);
                    return open_details(state, id);
                }
            }
            Tab::Stats => {}
        },
        Action::Back => state.tab = Tab::Counterparties,
        Action::Filter => {
            if state.tab == Tab::Counterparties {
                state.table.typing = true;
            }
        }
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
        Action::Export => state.popup = Some(super::export::prompt(state)),
        Action::Add => state.popup = Some(Popup::Form(Box::new(FormState::add(state.now)))),
        Action::Edit => {
            let cp = focused_id(state)
                .and_then(|id| state.index.get(&id))
                .map(|&i| state.rows[i].cp.clone());
            match cp {
                Some(cp) => {
                    state.popup = Some(Popup::Form(Box::new(FormState::edit(&cp, state.now))))
                }
                None => return flash(state, Level::Warn, "select a counterparty first"),
            }
        }
        Action::Delete => {
            let ids = bulk_ids(state);
            if ids.is_empty() {
                return flash(state, Level::Warn, "select a counterparty first");
            }
            let question = if let [id] = ids[..] {
                let name = state
                    .index
                    .get(&id)
                    .map(|&i| state.rows[i].cp.name.clone())
                    .unwrap_or_default();
                format!("Delete {name} (#{id})? Its checks and alerts stay in the audit trail.")
            } else {
                format!(
                    "Delete {} marked counterparties? Their checks and alerts stay in the audit trail.",
                    ids.len()
                )
            };
            state.popup = Some(Popup::Confirm {
                question,
                pending: Pending::Delete(ids),
            });
        }
        Action::ToggleMonitoring => {
            let ids = bulk_ids(state);
            if ids.is_empty() {
                return flash(state, Level::Warn, "select a counterparty first");
            }
            let all_on = ids.iter().all(|id| {
                state
                    .index
                    .get(id)
                    .is_some_and(|&i| state.rows[i].cp.monitor)
            });
            return vec![Effect::SetMonitoring(ids, !all_on)];
        }
        Action::ResumeVies => return super::pause::resume(state),
        Action::CheckNow => {
            let ids = bulk_ids(state);
            if ids.is_empty() {
                return flash(state, Level::Warn, "select a counterparty first");
            }
            return vec![Effect::CheckNow(ids)];
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
        Action::Acknowledge => {
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
        }
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
            state.popup = Some(Popup::Confirm {
                question: format!("Acknowledge all {} unacknowledged alerts shown?", ids.len()),
                pending: Pending::Acknowledge(ids),
            });
        }
        Action::NotThisEntity => {
            let Some(a) = state.current_alert() else {
                return flash(state, Level::Warn, "no alert selected");
            };
            let Some((list, entity)) = sanctions_entity(a.kind, &a.dedup_key)
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
        }
        Action::NextField | Action::PrevField => {
            if let Some(Popup::Form(f)) = &mut state.popup {
                f.move_focus(if action == Action::NextField { 1 } else { -1 });
            }
        }
        Action::Save => {
            if let Some(Popup::Reason { text, pending, .. }) = &state.popup {
                if text.trim().is_empty() && !pending.optional() {
                    let missing = pending.missing();
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
                        ReasonFor::ExportTo => super::export::effect(state, &text),
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
                    return flash(state, Level::Warn, "fix the marked fields first");
                }
                return vec![Effect::Save {
                    id: f.editing,
                    draft: Box::new(f.draft()),
                }];
            }
        }
        Action::Cancel => state.popup = None,
        Action::Confirm => {
            if let Some(Popup::Confirm { pending, .. }) = state.popup.take() {
                return match pending {
                    Pending::Delete(ids) => vec![Effect::Delete(ids)],
                    Pending::Acknowledge(ids) => vec![Effect::Acknowledge {
                        ids,
                        comment: String::new(),
                    }],
                    Pending::Quit => {
                        state.quit = true;
                        vec![Effect::Quit]
                    }
                };
            }
        }
    }
    Vec::new()
}

fn switch_tab(state: &mut AppState, tab: Tab) -> Vec<Effect> {
    state.table.typing = false;
    if tab == Tab::Details {
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

fn select_id(state: &mut AppState, id: u64) {
    if let Some(&i) = state.index.get(&id) {
        state.table.select_row(i);
        state.fit_table();
    }
}

fn on_done(state: &mut AppState, done: Done) -> Vec<Effect> {
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
            let verb = if created { "added" } else { "saved" };
            flash(state, Level::Info, format!("{verb} {name} (#{id})"))
        }
        Done::SaveRefused(errors) => {
            if let Some(Popup::Form(f)) = &mut state.popup {
                f.set_store_errors(&errors);
            }
            let text = errors
                .iter()
                .map(|(f, r)| format!("{f}: {r}"))
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
            let gone: std::collections::HashSet<u64> = ids.iter().copied().collect();
            state.remove(&gone);
            state.refilter_alerts();
            if state.details.id.is_some_and(|id| gone.contains(&id)) {
                state.details = Default::default();
                if state.tab == Tab::Details {
                    state.tab = Tab::Counterparties;
                }
            }
            flash(state, Level::Info, format!("{} deleted", ids.len()))
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
        Done::Exported { path, rows } => flash(
            state,
            Level::Info,
            format!("exported {rows} rows to {}", path.display()),
        ),
        Done::CheckLoaded { run, alerts } => follow::on_check_loaded(state, *run, alerts),
        Done::Status(level, text) => flash(state, level, text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::event::SignalKind;

    #[test]
    fn signals_and_closed_input_quit() {
        let km = Keymap::defaults(false).unwrap();
        for ev in [Event::InputClosed, Event::Signal(SignalKind::Hangup)] {
            let mut s = AppState::new(chrono::Utc::now(), (80, 24), false, Default::default());
            assert_eq!(on_event(&mut s, &km, ev), vec![Effect::Quit]);
            assert!(s.quit);
        }
    }

    #[test]
    fn read_only_refuses_write_actions_even_when_called_directly() {
        let mut s = AppState::new(chrono::Utc::now(), (80, 24), true, Default::default());
        let fx = update(&mut s, Action::Add);
        assert!(s.popup.is_none());
        assert!(matches!(fx[..], [Effect::ExpireFlash(_)]));
    }
}
