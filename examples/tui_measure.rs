//! Release-mode measurement of the UI with a large register:
//! `cargo run --release --example tui_measure -- [ROWS] [DIR]`.
//!
//! Builds (or reuses) a store with ROWS counterparties in DIR, then measures in-process: store
//! open + load + first frame (TestBackend 200x50), selection moves and filter characters
//! (update + render, per key), and peak memory. Keep DIR to run the real binary on it.

use std::time::{Duration, Instant};

use chrono::Utc;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
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
    let store = Store::open(&dir, "measure").expect("open store");
    let opened = t.elapsed();
    let t2 = Instant::now();
    let n = store.counterparties().expect("read").len();
    println!(
        "decode {n} counterparties: {:.0} ms",
        t2.elapsed().as_secs_f64() * 1e3
    );
    let t2 = Instant::now();
    let _ = data::run_stats(&store, Utc::now()).expect("runs");
    println!("run stats: {:.0} ms", t2.elapsed().as_secs_f64() * 1e3);
    let t = Instant::now();
    let snap = data::load_snapshot(&store, &config.monitor, Utc::now()).expect("load");
    let loaded = t.elapsed();
    let mut app = tui::app(&config, false, true, (200, 50)).expect("app");
    app.handle(Event::Done(Done::Loaded(Box::new(snap))));
    let mut term = Terminal::new(TestBackend::new(200, 50)).expect("terminal");
    term.draw(|f| app.render(f)).expect("draw");
    let first = t.elapsed();
    println!(
        "rows={} open={:.0} ms load={:.0} ms first frame with data={:.0} ms",
        app.state.rows.len(),
        opened.as_secs_f64() * 1e3,
        loaded.as_secs_f64() * 1e3,
        first.as_secs_f64() * 1e3
    );
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
