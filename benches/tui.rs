//! Render and update paths of the UI with 100,000 counterparties: selection move, a filter
//! character, and drawing the counterparty and stats tabs (TestBackend, 200x50).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

use chrono::Utc;
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kontra::app::{Instance, Local};
use kontra::config::Config;
use kontra::demo::{self, DemoSpec};
use kontra::store::Store;
use kontra::tui::event::{Done, Event};
use kontra::tui::{self, App, data};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::path::Path;
use std::sync::Arc;

/// 100,000 rows under `cargo bench`; a small register when `cargo test --all-targets` runs
/// the benchmarks once as a smoke test, so the test suite stays fast.
fn rows() -> usize {
    if std::env::args().any(|a| a == "--bench") {
        100_000
    } else {
        1_000
    }
}

fn key(c: char) -> Event {
    Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

fn setup() -> (tempfile::TempDir, App) {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("data");
    let store = Arc::new(Store::open(&data_dir, "bench").unwrap());
    let spec = DemoSpec {
        counterparties: rows(),
        history_days: 5,
        history_for: 500,
        seed: 11,
        now: Utc::now(),
    };
    demo::populate(&store, &spec).unwrap();
    let config = Config::default();
    let mut app = tui::app(config.tui_settings(), false, true, (200, 50)).unwrap();
    let instance = Arc::new(Instance::new(
        store,
        Arc::new(config),
        &data_dir,
        Path::new("bench.toml"),
    ));
    let who = instance.identify(kontra::app::identity::own_uid()).unwrap();
    let snap = data::load_snapshot(&Local::new(instance, who, true), Utc::now()).unwrap();
    app.handle(Event::Done(Done::Loaded(Box::new(snap))));
    (dir, app)
}

fn bench(c: &mut Criterion) {
    let (_dir, mut app) = setup();
    let mut term = Terminal::new(TestBackend::new(200, 50)).unwrap();
    c.bench_function("render counterparties tab (100k rows)", |b| {
        b.iter(|| term.draw(|f| app.render(f)).unwrap().area)
    });
    c.bench_function("key j: select next + render (100k rows)", |b| {
        b.iter(|| {
            app.handle(key('j'));
            term.draw(|f| app.render(f)).unwrap().area
        })
    });
    app.handle(key('/'));
    c.bench_function("filter: first character + render (100k rows)", |b| {
        b.iter_batched(
            || app.clone(),
            |mut a| {
                a.handle(key('e'));
                let area = term.draw(|f| a.render(f)).unwrap().area;
                // Returned, so dropping the 100,000-row clone is not timed.
                (a, area)
            },
            BatchSize::LargeInput,
        )
    });
    app.handle(key('a'));
    c.bench_function("filter: second character (narrowing) + render", |b| {
        b.iter_batched(
            || app.clone(),
            |mut a| {
                a.handle(key('d'));
                let area = term.draw(|f| a.render(f)).unwrap().area;
                // Returned, so dropping the 100,000-row clone is not timed.
                (a, area)
            },
            BatchSize::LargeInput,
        )
    });
    c.bench_function("filter: backspace (full refilter) + render", |b| {
        b.iter_batched(
            || app.clone(),
            |mut a| {
                a.handle(Event::Key(KeyEvent::new(
                    KeyCode::Backspace,
                    KeyModifiers::NONE,
                )));
                let area = term.draw(|f| a.render(f)).unwrap().area;
                // Returned, so dropping the 100,000-row clone is not timed.
                (a, area)
            },
            BatchSize::LargeInput,
        )
    });
    app.handle(Event::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)));
    app.handle(key('1'));
    c.bench_function("render stats tab (100k rows)", |b| {
        b.iter(|| term.draw(|f| app.render(f)).unwrap().area)
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench
}
criterion_main!(benches);
