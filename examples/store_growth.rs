//! Release-mode measurement of the store alone: resident memory while N check runs (one VIES
//! answer each, with its evidence, the shape `monitor_bench` stores) are written one transaction
//! at a time, without the runner or HTTP. It tells the store's share of a cycle's memory apart
//! from the runner's.
//!
//! `cargo run --release --example store_growth -- [N=100000] [EVERY=10000]`
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

use kontra::domain::check::{Answer, Evidence, Outcome, SourceResult, VatAnswer};
use kontra::domain::{CheckRun, Source};
use kontra::store::Store;

/// Kilobytes of the `VmRSS:` line of /proc/self/status.
fn rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let arg = |i: usize, d: u64| args.get(i).and_then(|s| s.parse().ok()).unwrap_or(d);
    let n = arg(1, 100_000);
    let every = arg(2, 10_000).max(1);
    let dir = tempfile::tempdir()?;
    let store = Store::open(dir.path(), "bench")?;
    let body = r#"{"isValid":true,"requestDate":"2026-10-08T04:42:27.326Z","userError":"VALID","name":"BENCH GMBH","address":"HAUPTSTR. 1\n10117 BERLIN","requestIdentifier":"","vatNumber":"1"}"#;
    println!("RSS with the store open: {} MB", rss_kb() / 1024);
    for i in 1..=n {
        let now = chrono::Utc::now();
        let answer = VatAnswer {
            vat: format!("DE{i}"),
            valid: true,
            name: Some("BENCH GMBH".into()),
            address: Some("HAUPTSTR. 1\n10117 BERLIN".into()),
        };
        let run = CheckRun {
            id: 0,
            counterparty_id: i,
            started_at: now,
            finished_at: now,
            trigger: "monitor".into(),
            results: vec![SourceResult {
                source: Source::Vies,
                at: now,
                outcome: Outcome::Answer(Answer::Vat(answer)),
                evidence: Evidence {
                    http_status: Some(200),
                    sha256: Some(kontra::sources::http::sha256_hex(body.as_bytes())),
                    raw: Some(body.into()),
                    ..Default::default()
                },
            }],
        };
        store.record_check_deferred(run, Vec::new())?;
        if i % every == 0 {
            println!("RSS after {i:>7} check runs: {} MB", rss_kb() / 1024);
        }
    }
    store.flush()?;
    Ok(())
}
