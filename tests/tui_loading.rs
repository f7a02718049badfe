//! The chunked background load: rows show after the first chunk, everything after the last,
//! filtering, selection, sorting and deletes work while chunks arrive, and the result equals
//! the one-go load.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

mod support;
use support::tui as tui_support;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kontra::config::Config;
use kontra::tui::data::{self, ChunkPlan, LoadStep};
use kontra::tui::effects::{self, Effect};
use kontra::tui::event::{Done, Event};
use kontra::tui::{self, App};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tui_support::{Harness, now};

const PLAN: ChunkPlan = ChunkPlan { first: 5, rest: 10 };

fn config() -> Config {
    Config {
        language: kontra::values::Language::En,
        ..Config::default()
    }
}

fn fresh_app() -> App {
    let mut app = tui::app(config().tui_settings(), false, false, (100, 30)).unwrap();
    app.state.now = now();
    app
}

fn steps(h: &Harness) -> Vec<LoadStep> {
    let mut out = Vec::new();
    let finished = data::load_in_steps(&*h.api, now(), PLAN, &mut |s| {
        out.push(s);
        true
    })
    .unwrap();
    assert!(finished);
    out
}

fn feed(app: &mut App, step: LoadStep) {
    app.handle(Event::Done(Done::Step(Box::new(step))));
}

fn key(app: &mut App, code: KeyCode) {
    app.handle(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

fn screen(app: &App) -> String {
    let mut t = Terminal::new(TestBackend::new(100, 30)).unwrap();
    t.draw(|f| app.render(f)).unwrap();
    t.backend().to_string()
}

fn visible_ids(app: &App) -> Vec<u64> {
    let s = &app.state;
    s.table
        .visible
        .iter()
        .map(|&i| s.rows[i as usize].cp.id)
        .collect()
}

fn selected_id(app: &App) -> Option<u64> {
    app.state.selected_row().map(|r| r.cp.id)
}

#[test]
fn steps_come_in_order_and_chunks_have_the_planned_sizes() {
    let h = Harness::new((100, 30));
    let steps = steps(&h);
    let sizes: Vec<(usize, Option<usize>, bool)> = steps
        .iter()
        .filter_map(|s| match s {
            LoadStep::Rows { rows, total, done } => Some((rows.len(), *total, *done)),
            _ => None,
        })
        .collect();
    assert_eq!(
        sizes,
        vec![
            (5, None, false),
            (10, Some(40), false),
            (10, Some(40), false),
            (10, Some(40), false),
            (5, Some(40), true),
        ]
    );
    let kinds: Vec<&str> = steps
        .iter()
        .map(|s| match s {
            LoadStep::Rows { .. } => "rows",
            LoadStep::Alerts(..) => "alerts",
            LoadStep::LastChecks(_) => "checks",
            LoadStep::Finished { .. } => "finished",
        })
        .collect();
    let first_alerts = kinds.iter().position(|k| *k == "alerts").unwrap();
    assert!(kinds[..first_alerts].iter().all(|k| *k == "rows"));
    assert!(
        kinds[first_alerts + 1..kinds.len() - 1]
            .iter()
            .all(|k| *k == "checks")
    );
    assert_eq!(kinds.last(), Some(&"finished"));
    // Exactly the counterparties with history get their last check.
    let with_history = h
        .store
        .counterparties()
        .unwrap()
        .iter()
        .filter(|c| h.store.last_check(c.id).unwrap().is_some())
        .count();
    assert!(with_history > 0);
    let checks: usize = steps
        .iter()
        .map(|s| match s {
            LoadStep::LastChecks(c) => c.len(),
            _ => 0,
        })
        .sum();
    assert_eq!(checks, with_history);
}

#[test]
fn rows_show_after_the_first_chunk_and_all_rows_after_the_last() {
    let h = Harness::new((100, 30));
    let mut app = fresh_app();
    let mut steps = steps(&h).into_iter();

    let before = screen(&app);
    assert!(before.contains("Counterparties 0/0"), "{before}");
    assert!(before.contains("loading the register"), "{before}");

    feed(&mut app, steps.next().unwrap());
    let first = screen(&app);
    assert_eq!(app.state.rows.len(), 5);
    assert!(first.contains("Counterparties 5/5"), "{first}");
    assert!(first.contains("loading 5…"), "{first}");
    // The last checks are not in yet: shown as pending, not as "never".
    assert!(first.contains('…'));
    assert!(!first.contains("never"), "{first}");
    let name = &app.state.rows[0].cp.name;
    assert!(first.contains(name.as_str()), "{first}");

    feed(&mut app, steps.next().unwrap());
    assert!(screen(&app).contains("loading 15/40"));

    for step in steps {
        feed(&mut app, step);
    }
    assert!(!app.state.loading());
    let done = screen(&app);
    assert!(done.contains("Counterparties 40/40"), "{done}");
    assert!(!done.contains("loading"), "{done}");

    // The same table as the one-go load: rows, order, last checks, alerts and statistics.
    assert_eq!(visible_ids(&app), visible_ids(&h.app));
    let mut a = app.state.rows.clone();
    let mut b = h.app.state.rows.clone();
    a.sort_by_key(|r| r.cp.id);
    b.sort_by_key(|r| r.cp.id);
    assert_eq!(a, b);
    assert_eq!(app.state.alerts, h.app.state.alerts);
    assert_eq!(app.state.runs, h.app.state.runs);
    assert_eq!(app.state.search, h.app.state.search);
    assert_eq!(done, h.screen());
}

#[test]
fn filtering_and_selection_work_while_chunks_arrive() {
    let mut h = Harness::new((100, 30));
    let mut app = fresh_app();
    let mut steps = steps(&h).into_iter();
    feed(&mut app, steps.next().unwrap());
    feed(&mut app, steps.next().unwrap());

    // Filter on what is loaded so far.
    key(&mut app, KeyCode::Char('/'));
    for c in "gmbh".chars() {
        key(&mut app, KeyCode::Char(c));
    }
    let partial = visible_ids(&app);
    assert!(!partial.is_empty());
    for &i in &app.state.table.visible {
        let r = &app.state.rows[i as usize];
        assert!(r.cp.name.to_lowercase().contains("gmbh"), "{}", r.cp.name);
    }
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Down);
    assert_eq!(app.state.table.cursor.selected, 1);
    let chosen = selected_id(&app).unwrap();

    for step in steps {
        feed(&mut app, step);
        // Later chunks never move the selection to another counterparty.
        assert_eq!(selected_id(&app), Some(chosen));
        assert_eq!(app.state.search.len(), app.state.rows.len());
    }
    // More rows matched once everything was in, and exactly those the one-go app finds.
    h.ch('/');
    h.typ("gmbh");
    assert_eq!(visible_ids(&app), visible_ids(&h.app));
    assert!(visible_ids(&app).len() >= partial.len());

    // Backspace to an empty query shows every row again.
    key(&mut app, KeyCode::Char('/'));
    for _ in 0..4 {
        key(&mut app, KeyCode::Backspace);
    }
    assert_eq!(app.state.table.visible.len(), 40);
    assert_eq!(selected_id(&app), Some(chosen));
}

#[test]
fn sorting_by_status_during_the_load_resorts_when_last_checks_arrive() {
    let mut h = Harness::new((100, 30));
    let mut app = fresh_app();
    let steps = steps(&h);
    let rows_steps = steps
        .iter()
        .filter(|s| matches!(s, LoadStep::Rows { .. }))
        .count();
    let mut it = steps.into_iter();
    feed(&mut app, it.next().unwrap());
    // `o` cycles the sort column: name → monitoring → … ; go to "Status" on both apps.
    while app.state.table.sort != kontra::tui::state::SortColumn::Status {
        key(&mut app, KeyCode::Char('o'));
        h.ch('o');
    }
    for step in it.by_ref().take(rows_steps - 1) {
        feed(&mut app, step);
    }
    assert_eq!(app.state.rows.len(), 40);
    for step in it {
        feed(&mut app, step);
    }
    assert_eq!(visible_ids(&app), visible_ids(&h.app));
}

#[test]
fn a_counterparty_deleted_during_the_load_does_not_come_back() {
    let h = Harness::new((100, 30));
    let mut app = fresh_app();
    let steps = steps(&h);
    // The last row of the last chunk: not loaded yet when it is deleted.
    let last_id = steps
        .iter()
        .filter_map(|s| match s {
            LoadStep::Rows { rows, .. } => rows.last().map(|r| r.cp.id),
            _ => None,
        })
        .next_back()
        .unwrap();
    let first_id = match &steps[0] {
        LoadStep::Rows { rows, .. } => rows[0].cp.id,
        _ => unreachable!(),
    };
    let mut it = steps.into_iter();
    feed(&mut app, it.next().unwrap());
    app.handle(Event::Done(Done::Deleted(vec![first_id, last_id])));
    for step in it {
        feed(&mut app, step);
    }
    assert_eq!(app.state.rows.len(), 38);
    assert!(!app.state.index.contains_key(&first_id));
    assert!(!app.state.index.contains_key(&last_id));
    assert_eq!(app.state.search.len(), 38);
    assert!(!app.state.loading());
}

#[test]
fn the_load_effect_reports_steps_and_ends_loaded() {
    let h = Harness::new((100, 30));
    let mut app = fresh_app();
    let events = effects::execute(&*h.api, &h.env, Effect::LoadAll);
    assert!(
        events
            .iter()
            .all(|e| matches!(e, Event::Done(Done::Step(_))))
    );
    assert!(events.len() >= 4);
    for ev in events {
        app.handle(ev);
    }
    assert!(!app.state.loading());
    assert_eq!(visible_ids(&app), visible_ids(&h.app));
}
