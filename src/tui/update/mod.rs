//! The reducers: events become actions through the keymap, and `update` routes an action to the
//! reducer of the layer that owns it (as yazi routes by layer): the app itself, the counterparty
//! table, the counterparty commands, the details tab, the alerts, the prompts. Each returns the
//! effects to run. Synchronous and pure apart from the state: no store, no network, no clock
//! (the loop sets `state.now`).

mod alerts;
mod app;
mod details;
mod done;
mod prompts;
mod records;
mod table;

use crate::tui::text::Tr;
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::action::{Action, Kind};
use super::effects::Effect;
use super::event::{Event, SignalKind};
use super::follow;
use super::keymap::{Context, KeyChord, Keymap};
use super::shared;
use super::state::{AppState, Flash, Level, Popup, Tab};

/// The keymap context for the current state.
pub fn context(state: &AppState) -> Context {
    match &state.popup {
        Some(Popup::Help(_)) => Context::Help,
        Some(Popup::Confirm { .. }) => Context::Confirm,
        // A reason is a one-field form: typed text, save or cancel.
        Some(Popup::Form(_) | Popup::Reason { .. }) => Context::Form,
        None if state.typing() => Context::Filter,
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
            if state.popup.is_none() {
                state.edit_query(true, |q| q.push_str(text.trim()));
                return Vec::new();
            }
            match &mut state.popup {
                Some(Popup::Form(f)) => f.paste(&text, now),
                Some(Popup::Reason { text: t, .. }) => t.push_str(text.trim()),
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
        Event::Signal(SignalKind::Stop) => vec![Effect::Suspend],
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
        Event::Done(d) => done::on_done(state, d),
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
        let effects = update(state, action);
        // The help scrolls no further than its last screenful.
        if let Some(Popup::Help(scroll)) = &mut state.popup {
            let page = usize::from(state.size.1.saturating_sub(4));
            *scroll = (*scroll).min(keymap.help_lines().saturating_sub(page));
        }
        return effects;
    }
    if let Some(action) = keymap.refused(ctx, chord) {
        return refuse_read_only(state, action);
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
                state.edit_query(true, |q| q.push(c));
            }
            KeyCode::Backspace => state.edit_query(false, |q| {
                q.pop();
            }),
            _ => {}
        },
        _ => {}
    }
    Vec::new()
}

/// Says why a write action does nothing in `--read-only`.
fn refuse_read_only(state: &mut AppState, action: Action) -> Vec<Effect> {
    let text = state.tr().refused_read_only(action.label(state.tr()));
    flash(state, Level::Warn, text)
}

/// The reducer that owns an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layer {
    /// Quitting, help, tabs, the terminal.
    App,
    /// The counterparty table: filters, sorting, marks, export, its selection.
    Table,
    /// Adding, editing, deleting, monitoring and checking counterparties.
    Records,
    /// The details tab: its run list.
    Details,
    /// The alerts tab and the alert view.
    Alerts,
    /// The popups: help, form, reason, confirmation.
    Prompts,
    /// Moving the current tab's selection (or scrolling the alert view).
    Move(isize),
    /// Nothing to do (opening on the stats tab).
    Nothing,
}

/// The tab's own layer, for actions (moving, opening) whose meaning depends on the tab.
fn tab_layer(tab: Tab) -> Layer {
    match tab {
        Tab::Stats => Layer::Nothing,
        Tab::Counterparties => Layer::Table,
        Tab::Details => Layer::Details,
        Tab::Alerts => Layer::Alerts,
    }
}

/// Which reducer handles `action` in this state.
fn layer(state: &AppState, action: Action) -> Layer {
    use Action as A;
    match action {
        A::Quit
        | A::Help
        | A::NextTab
        | A::PrevTab
        | A::TabStats
        | A::TabCounterparties
        | A::TabDetails
        | A::TabAlerts
        | A::Suspend
        | A::Redraw
        | A::ResumeVies => Layer::App,
        A::SelectNext | A::SelectPrev if matches!(state.popup, Some(Popup::Help(_))) => {
            Layer::Prompts
        }
        A::SelectNext
        | A::SelectPrev
        | A::PageDown
        | A::PageUp
        | A::SelectFirst
        | A::SelectLast => Layer::Move(movement(state, action)),
        A::Open => tab_layer(state.tab),
        A::Back => Layer::Details,
        // The alerts tab has its own filter line.
        A::Filter | A::FilterAccept | A::FilterCancel | A::ClearFilters
            if state.tab == Tab::Alerts =>
        {
            Layer::Alerts
        }
        A::Filter
        | A::FilterAccept
        | A::FilterCancel
        | A::ClearFilters
        | A::ToggleMonitoredOnly
        | A::CycleStatusFilter
        | A::SortNext
        | A::SortReverse
        | A::ToggleMark
        | A::MarkAll
        | A::Export => Layer::Table,
        A::Add | A::Edit | A::Delete | A::ToggleMonitoring | A::CheckNow => Layer::Records,
        A::CycleSeverityFilter
        | A::CycleOwnerFilter
        | A::ToggleUnacknowledged
        | A::ViewAlert
        | A::CloseAlert
        | A::Acknowledge
        | A::AcknowledgeAll
        | A::NotThisEntity => Layer::Alerts,
        A::NextField | A::PrevField | A::Save | A::Cancel | A::Confirm | A::CloseHelp => {
            Layer::Prompts
        }
    }
}

/// Applies an action: refuses writes in `--read-only`, then hands it to its layer's reducer.
pub fn update(state: &mut AppState, action: Action) -> Vec<Effect> {
    if state.read_only && action.kind() == Kind::Write {
        return refuse_read_only(state, action);
    }
    match layer(state, action) {
        Layer::App => app::update(state, action),
        Layer::Table => table::update(state, action),
        Layer::Records => records::update(state, action),
        Layer::Details => details::update(state, action),
        Layer::Alerts => alerts::update(state, action),
        Layer::Prompts => prompts::update(state, action),
        Layer::Move(delta) => {
            move_selection(state, delta);
            Vec::new()
        }
        Layer::Nothing => Vec::new(),
    }
}

/// How far a movement action moves: one row, a page, or to either end.
fn movement(state: &AppState, action: Action) -> isize {
    let page = state.page_rows() as isize;
    match action {
        Action::SelectNext => 1,
        Action::SelectPrev => -1,
        Action::PageDown => page,
        Action::PageUp => -page,
        Action::SelectFirst => isize::MIN / 2,
        Action::SelectLast => isize::MAX / 2,
        _ => 0,
    }
}

/// Moves the current tab's selection.
fn move_selection(state: &mut AppState, delta: isize) {
    match state.tab {
        Tab::Counterparties => table::move_by(state, delta),
        Tab::Alerts => alerts::move_by(state, delta),
        Tab::Details => details::move_by(state, delta),
        Tab::Stats => {}
    }
}

/// Shows a counterparty's details tab.
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

/// What a bulk prompt touches, by name: "Alpha, Beta, Gamma and 4 more" (distinct names, in
/// order).
fn names_of(tr: Tr, names: impl Iterator<Item = String>) -> String {
    let mut seen = std::collections::HashSet::new();
    let mut shown: Vec<String> = Vec::new();
    let mut more = 0usize;
    for n in names {
        if seen.insert(n.clone()) {
            if shown.len() < 3 {
                shown.push(n);
            } else {
                more += 1;
            }
        }
    }
    let mut text = shown.join(", ");
    if more > 0 {
        text.push_str(&tr.and_more(more));
    }
    text
}

/// Selects the counterparty in the table and keeps it on screen.
fn select_id(state: &mut AppState, id: u64) {
    if let Some(&i) = state.index.get(&id) {
        state.table.select_row(i);
        state.fit_table();
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
    fn a_stop_signal_suspends_and_does_not_quit() {
        let km = Keymap::defaults(false).unwrap();
        let mut s = AppState::new(chrono::Utc::now(), (80, 24), false, Default::default());
        let fx = on_event(&mut s, &km, Event::Signal(SignalKind::Stop));
        assert_eq!(fx, vec![Effect::Suspend]);
        assert!(!s.quit);
    }

    #[test]
    fn read_only_refuses_write_actions_even_when_called_directly() {
        let mut s = AppState::new(chrono::Utc::now(), (80, 24), true, Default::default());
        let fx = update(&mut s, Action::Add);
        assert!(s.popup.is_none());
        assert!(matches!(fx[..], [Effect::ExpireFlash(_)]));
    }
}
