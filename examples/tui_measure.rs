//! Release-mode measurement of the UI with a large register:
//! `cargo run --release --example tui_measure -- [ROWS] [DIR]`.
//!
//! Builds (or reuses) a store with ROWS counterparties in DIR, then measures in-process: store
//! open, the chunked background load (first frame with data, all rows, everything; TestBackend
//! 200x50), the one-go load for comparison, selection moves and filter characters (update +
//! render, per key), and peak memory. Keep DIR to run the real binary on it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kontra::app::{Instance, Local, identity};
use kontra::config::Config;
use kontra::demo::{self, DemoSpec};
use kontra::store::Store;
use kontra::tui::event::{Done, Event};
use kontra::tui::{self, data};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn key(code: KeyCode) -> Event {
    Event::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

fn stats(label: &str, mut d: Vec<Duration>) {
    d.sort();
    let mean = d.iter().sum::<Duration>() / d.len().max(1) as u32;
    let p99 = d[(d.len() * 99 / 100).min(d.len() - 1)];
    let max = d[d.len() - 1];
    println!(
        "{label}: n={} mean={:.2} ms p99={:.2} ms max={:.2} ms",
        d.len(),
        mean.as_secs_f64() * 1e3,
        p99.as_secs_f64() * 1e3,
        max.as_secs_f64() * 1e3
    );
}

fn main() {
    let mut args = std::env::args().skip(1);
    let rows: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let dir = args
        .next()
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join(format!("kontra-measure-{rows}")));
    if !dir.join("db").exists() {
        let t = Instant::now();
        let store = Store::open(&dir, "measure").expect("open store");
        let spec = DemoSpec {
            counterparties: rows,
            history_days: 10,
            history_for: 1000,
            seed: 11,
            now: Utc::now(),
        };
        let s = demo::populate(&store, &spec).expect("populate");
        println!(
            "built {} counterparties, {} check runs, {} alerts in {:.1} s at {}",
            s.counterparties,
            s.check_runs,
            s.alerts,
            t.elapsed().as_secs_f64(),
            dir.display()
        );
    }
    let config = Config::default();
    let t = Instant::now();
    let store = Arc::new(Store::open(&dir, "measure").expect("open store"));
    let instance = Arc::new(Instance::new(
        store.clone(),
        Arc::new(config.clone()),
        &dir,
        std::path::Path::new("measure.toml"),
    ));
    let who = instance.identify(identity::own_uid()).expect("identity");
    let api = Local::new(instance, who, true);
    let opened = t.elapsed();
    let mut app = tui::app(config.tui_settings(), false, true, (200, 50)).expect("app");
    let mut term = Terminal::new(TestBackend::new(200, 50)).expect("terminal");
    term.draw(|f| app.render(f)).expect("draw");
    // The app's path: the loader runs on its own thread and sends steps; this thread takes each
    // in and draws, like the event loop does.
    let mut first_data = None;
    let mut all_rows = None;
    let mut step_times = Vec::new();
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel(64);
        let api = &api;
        scope.spawn(move || {
            data::load_in_steps(api, Utc::now(), data::ChunkPlan::DEFAULT, &mut |s| {
                tx.send(s).is_ok()
            })
            .expect("load");
        });
        for step in rx {
            let ts = Instant::now();
            let rows_done = matches!(step, data::LoadStep::Rows { done: true, .. });
            app.handle(Event::Done(Done::Step(Box::new(step))));
            term.draw(|f| app.render(f)).expect("draw");
            step_times.push(ts.elapsed());
            if first_data.is_none() && !app.state.rows.is_empty() {
                first_data = Some((t.elapsed(), app.state.rows.len()));
            }
            if rows_done {
                all_rows = Some(t.elapsed());
            }
        }
    });
    let everything = t.elapsed();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let (first, first_rows) = first_data.expect("rows");
    println!(
        "chunked load: open={:.0} ms, first frame with data ({first_rows} rows)={:.0} ms, \
         all {} rows={:.0} ms, everything (last checks, alerts, stats)={:.0} ms after opening began",
        ms(opened),
        ms(first),
        app.state.rows.len(),
        ms(all_rows.expect("all rows")),
        ms(everything)
    );
    stats("UI thread per load step (take in + render)", step_times);
    let t2 = Instant::now();
    let n = store.counterparties().expect("read").len();
    println!("decode {n} counterparties: {:.0} ms", ms(t2.elapsed()));
    let t2 = Instant::now();
    let _ = kontra::app::ops::ui::run_stats(&store, Utc::now(), chrono_tz::UTC).expect("runs");
    println!("run stats: {:.0} ms", ms(t2.elapsed()));
    let t2 = Instant::now();
    let snap = data::load_snapshot(&api, Utc::now()).expect("load");
    let loaded = t2.elapsed();
    let mut one_go = tui::app(config.tui_settings(), false, true, (200, 50)).expect("app");
    one_go.handle(Event::Done(Done::Loaded(Box::new(snap))));
    term.draw(|f| one_go.render(f)).expect("draw");
    println!(
        "one-go load (warm): load={:.0} ms, install + first frame={:.0} ms",
        ms(loaded),
        ms(t2.elapsed() - loaded)
    );
    drop(one_go);
    let mut moves = Vec::new();
    for i in 0..2000 {
        let k = if i % 500 < 400 {
            KeyCode::Char('j')
        } else {
            KeyCode::PageDown
        };
        let t = Instant::now();
        app.handle(key(k));
        term.draw(|f| app.render(f)).expect("draw");
        moves.push(t.elapsed());
    }
    stats("selection move (j/PageDown) + render", moves);
    app.handle(key(KeyCode::Char('/')));
    let mut chars = Vec::new();
    for round in 0..10 {
        for c in "adler e".chars() {
            let t = Instant::now();
            app.handle(key(KeyCode::Char(c)));
            term.draw(|f| app.render(f)).expect("draw");
            chars.push(t.elapsed());
        }
        let mut backs = Vec::new();
        for _ in 0..7 {
            let t = Instant::now();
            app.handle(key(KeyCode::Backspace));
            term.draw(|f| app.render(f)).expect("draw");
            backs.push(t.elapsed());
        }
        if round == 9 {
            stats("filter backspace (full refilter) + render", backs);
        }
    }
    stats("filter character + render", chars);
    app.handle(key(KeyCode::Esc));
    app.handle(key(KeyCode::Char('1')));
    let mut st = Vec::new();
    for _ in 0..50 {
        let t = Instant::now();
        term.draw(|f| app.render(f)).expect("draw");
        st.push(t.elapsed());
    }
    stats("stats tab render", st);
    println!("peak RSS {:.0} MB", peak_rss_mb());
}
