//! Release-mode measurement of one check cycle: N counterparties against a fake VIES on
//! 127.0.0.1 that answers every request after a fixed latency. Prints throughput against what the
//! configured concurrency allows (concurrency / latency), the latency the fake registry actually
//! achieved, and resident memory every 1000 counterparties.
//!
//! `cargo run --release --example monitor_bench -- [N=10000] [CONCURRENCY=32] [LATENCY_MS=20]
//! [CYCLES=1]`: more than one cycle over the same store shows memory over a longer run.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

use kontra::config::Config;
use kontra::domain::{CounterpartyDraft, vat};
use kontra::monitor::check::CheckSettings;
use kontra::monitor::clock::{Clock, SystemClock};
use kontra::monitor::events::MonitorEvent;
use kontra::monitor::live::Live;
use kontra::monitor::runner::Runner;
use kontra::store::{Store, Write};
use std::io::{Read, Write as _};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

/// Kilobytes of a `VmRSS:`/`VmHWM:` line of /proc/self/status.
fn status_kb(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

/// What the fake registry measured: how long it took from a request's last byte to its answer's
/// last byte, summed over all answers (microseconds), and how many answers.
#[derive(Default)]
struct Served {
    micros: AtomicU64,
    count: AtomicU64,
    max_micros: AtomicU64,
}

/// A keep-alive HTTP/1.1 server answering every request with a VALID VIES answer `latency` after
/// the request arrived. One thread per connection sleeping until the answer is due: a tokio timer
/// rounds up to the next millisecond tick and would make the registry itself ~1 ms slower than
/// configured, which is not what is being measured.
fn fake_vies(latency: Duration, served: Arc<Served>) -> std::io::Result<String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    let body = r#"{"isValid":true,"requestDate":"2026-10-08T04:42:27.326Z","userError":"VALID","name":"BENCH GMBH","address":"HAUPTSTR. 1\n10117 BERLIN","requestIdentifier":"","vatNumber":"1"}"#;
    let response: Arc<[u8]> = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
    .into();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let (response, served) = (response.clone(), served.clone());
            std::thread::spawn(move || {
                let _ = stream.set_nodelay(true);
                let mut buf = Vec::with_capacity(2048);
                let mut chunk = [0u8; 2048];
                loop {
                    // One request head (GET, no body) per answer.
                    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                        match stream.read(&mut chunk) {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                    }
                    let arrived = Instant::now();
                    let end = buf.windows(4).position(|w| w == b"\r\n\r\n").unwrap_or(0) + 4;
                    buf.drain(..end);
                    std::thread::sleep(
                        (arrived + latency).saturating_duration_since(Instant::now()),
                    );
                    if stream.write_all(&response).is_err() {
                        return;
                    }
                    let took = arrived.elapsed().as_micros() as u64;
                    served.micros.fetch_add(took, Ordering::Relaxed);
                    served.count.fetch_add(1, Ordering::Relaxed);
                    served.max_micros.fetch_max(took, Ordering::Relaxed);
                }
            });
        }
    });
    Ok(format!("http://{addr}"))
}

/// The first `n` valid German VAT numbers from a fixed start.
fn vat_numbers(n: usize) -> Vec<String> {
    let mut out = Vec::with_capacity(n);
    let mut base = 10_000_000u64;
    while out.len() < n {
        for d in 0..10 {
            let candidate = format!("DE{base}{d}");
            if vat::validate(&candidate).is_ok() {
                out.push(candidate);
                break;
            }
        }
        base += 1;
    }
    out
}

fn config(
    base_url: &str,
    concurrency: usize,
    data: &Path,
) -> Result<Config, Box<dyn std::error::Error>> {
    let text = format!(
        r#"
data_dir = "{data}"
[monitor]
concurrency = {concurrency}
[sources.vies]
base_url = "{base_url}"
budget = {{ requests_per_minute = 1000000, concurrency = 1000 }}
member_state_budget = {{ requests_per_minute = 1000000, concurrency = 1000 }}
[sources.vies.member_states.DE]
requests_per_minute = 1000000
concurrency = 1000
[sources.evatr]
enabled = false
[sources.gleif]
enabled = false
[sources.handelsregister]
enabled = false
[sources.insolvency]
enabled = false
[sanctions.eu]
enabled = false
[sanctions.ofac]
enabled = false
[sanctions.uk]
enabled = false
[sanctions.un]
enabled = false
"#,
        data = data.display()
    );
    Ok(Config::parse(&text, Path::new("bench.toml"))?)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let arg = |i: usize, d: u64| args.get(i).and_then(|s| s.parse().ok()).unwrap_or(d);
    let n = arg(1, 10_000) as usize;
    let concurrency = arg(2, 32) as usize;
    let latency = Duration::from_millis(arg(3, 20));
    let cycles = arg(4, 1);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let served = Arc::new(Served::default());
        let url = fake_vies(latency, served.clone())?;
        let dir = tempfile::tempdir()?;
        let config = config(&url, concurrency, dir.path())?;
        let store = Arc::new(Store::open(dir.path(), "bench")?);
        let now = chrono::Utc::now();
        let writes: Vec<Write> = vat_numbers(n)
            .into_iter()
            .enumerate()
            .map(|(i, v)| {
                CounterpartyDraft {
                    name: Some(format!("Bench {i} GmbH")),
                    country: Some("DE".into()),
                    vat: Some(v),
                    monitor: Some(true),
                    ..Default::default()
                }
                .apply(None, now)
                .map(Write::Insert)
                .map_err(|e| format!("{e:?}"))
            })
            .collect::<Result<_, _>>()?;
        store.write_counterparties(writes, "bench")?;
        let checker = Arc::new(Live::new(&config, &store, dir.path())?);
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let runner = Runner::new(
            store.clone(),
            checker,
            CheckSettings::from_config(&config, clock),
            concurrency,
        )?;
        let ids = runner.plan_all_monitored()?;
        println!(
            "counterparties {n}, concurrency {concurrency}, registry latency {} ms",
            latency.as_millis()
        );
        for cycle in 1..=cycles {
            let mut events = runner.subscribe();
            let sampler = tokio::spawn(async move {
                let mut samples = Vec::new();
                loop {
                    match events.recv().await {
                        Ok(MonitorEvent::Progress { done, total, .. })
                            if done % (total / 10).clamp(1, 1000) == 0 =>
                        {
                            samples.push((done, status_kb("VmRSS:")));
                        }
                        Ok(MonitorEvent::CycleFinished { .. }) => return samples,
                        Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                        Err(_) => return samples,
                    }
                }
            });
            served.micros.store(0, Ordering::Relaxed);
            served.count.store(0, Ordering::Relaxed);
            served.max_micros.store(0, Ordering::Relaxed);
            let rss_before = status_kb("VmRSS:");
            let t0 = Instant::now();
            let report = runner
                .run_cycle("bench", ids.clone(), &CancellationToken::new())
                .await?;
            let elapsed = t0.elapsed().as_secs_f64();
            let samples = sampler.await.unwrap_or_default();
            let throughput = report.checked as f64 / elapsed;
            let allowed = concurrency as f64 / latency.as_secs_f64();
            println!(
                "cycle {cycle}: checked {} in {elapsed:.2} s: {throughput:.0}/s of {allowed:.0}/s allowed = {:.1}%",
                report.checked,
                100.0 * throughput / allowed
            );
            let answers = served.count.load(Ordering::Relaxed).max(1);
            let registry_ms =
                served.micros.load(Ordering::Relaxed) as f64 / answers as f64 / 1000.0;
            println!(
                "registry answered {answers} requests in {registry_ms:.2} ms on average (max {:.2} ms); \
                 at that latency the concurrency allows {:.0}/s, of which this is {:.1}%",
                served.max_micros.load(Ordering::Relaxed) as f64 / 1000.0,
                concurrency as f64 / registry_ms * 1000.0,
                100.0 * throughput * registry_ms / 1000.0 / concurrency as f64
            );
            println!(
                "check runs stored {}, failed {}, alerts {}",
                store.check_run_count(),
                report.failed,
                report.new_alerts
            );
            println!("RSS before cycle {} MB", rss_before / 1024);
            for (done, kb) in samples {
                println!("RSS at {done:>6} done: {} MB", kb / 1024);
            }
        }
        println!("peak RSS (VmHWM) {} MB", status_kb("VmHWM:") / 1024);
        Ok::<_, Box<dyn std::error::Error>>(())
    })
}
