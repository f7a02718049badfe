//! Load on a shared Kontra: attached clients that subscribe to its events while commands run
//! through it (an import, a check cycle), and how long an event takes to reach every client.
//!
//! Each client counts the new alerts the monitor's events announce; at the end that count is
//! compared with the store's own growth, so a lost event shows as a difference (a client that
//! fell behind is told how many events it missed and reads again; that is counted too).

use kontra::app::{Api, Event, Remote};
use kontra::domain::CounterpartyDraft;
use kontra::monitor::MonitorEvent;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What one attached client saw.
#[derive(Debug, Default, Clone)]
pub struct Seen {
    /// New alerts announced by check events.
    pub new_alerts: usize,
    /// Times the server asked to read everything again because much changed (an import).
    pub reloads: usize,
    /// Events dropped because the client fell behind (each time it is told to read again).
    pub missed: u64,
    /// When each changed counterparty id was first announced.
    pub changed_at: HashMap<u64, Instant>,
    /// Cycles and manual batches that ended.
    pub finished: usize,
    /// All events.
    pub events: usize,
}

/// The figures of one run.
#[derive(Debug)]
pub struct Report {
    /// Per client.
    pub clients: Vec<Seen>,
    /// Exit codes of the commands run during the load, with their arguments.
    pub commands: Vec<(String, Option<i32>)>,
    /// Event latency (add → every client saw it), one per probe.
    pub latencies: Vec<Duration>,
    /// The store's alert count before and after.
    pub alerts: (usize, usize),
    /// The server's resident memory before and after, in kB.
    pub rss_kb: (u64, u64),
}

/// The serving process's id, from the lock file.
fn server_pid(data_dir: &Path) -> Option<u32> {
    let text = std::fs::read_to_string(data_dir.join("kontra.lock")).ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix("pid="))
        .and_then(|v| v.trim().parse().ok())
}

fn rss_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.split_whitespace().next().map(str::to_string))
        })
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// How the load is run.
#[derive(Debug, Clone)]
pub struct Load {
    /// The `kontra` binary.
    pub kontra: PathBuf,
    /// The served data directory.
    pub data_dir: PathBuf,
    /// Attached clients.
    pub clients: usize,
    /// Commands run side by side during the load (arguments to `kontra`).
    pub during: Vec<Vec<String>>,
    /// Event probes after the commands.
    pub probes: usize,
    /// How long to wait for the cycles/batches to end.
    pub settle: Duration,
}

fn alert_count(kontra: &Path) -> Result<usize, String> {
    let out = Command::new(kontra)
        .args(["alerts", "--json"])
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).map_err(|e| e.to_string())?;
    Ok(v.as_array().map(Vec::len).unwrap_or(0))
}

/// Runs the load against the Kontra serving `load.data_dir`.
pub fn run(load: &Load) -> Result<Report, String> {
    let pid = server_pid(&load.data_dir).ok_or("no server pid in the lock file")?;
    let rss_before = rss_kb(pid);
    let alerts_before = alert_count(&load.kontra)?;
    let seen: Vec<Arc<Mutex<Seen>>> = (0..load.clients)
        .map(|_| Arc::new(Mutex::new(Seen::default())))
        .collect();
    let mut readers = Vec::new();
    for s in &seen {
        let api = Remote::connect(&load.data_dir, false)
            .map_err(|e| e.message)?
            .ok_or("nothing serves the data directory")?;
        let mut sub = api.subscribe().map_err(|e| e.message)?;
        let s = s.clone();
        readers.push(std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread().build() else {
                return;
            };
            rt.block_on(async move {
                // The connection stays open as long as the reader runs.
                let _api = api;
                while let Some(e) = sub.recv().await {
                    let Ok(mut s) = s.lock() else { return };
                    s.events += 1;
                    match e {
                        Event::Monitor(MonitorEvent::CheckFinished { alerts, .. }) => {
                            s.new_alerts += alerts.len()
                        }
                        Event::Monitor(
                            MonitorEvent::CycleFinished { .. }
                            | MonitorEvent::ChecksFinished { .. },
                        ) => s.finished += 1,
                        Event::Changed(ids) => {
                            let now = Instant::now();
                            for id in ids {
                                s.changed_at.entry(id).or_insert(now);
                            }
                        }
                        Event::Reload => s.reloads += 1,
                        Event::Missed(n) => s.missed += n,
                        Event::Stopping => return,
                        _ => {}
                    }
                }
            });
        }));
    }
    // The commands, side by side.
    let spawned: Vec<_> = load
        .during
        .iter()
        .map(|args| {
            let child = Command::new(&load.kontra)
                .args(args)
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn();
            (args.join(" "), child)
        })
        .collect();
    let mut commands = Vec::new();
    for (label, child) in spawned {
        let code = match child {
            Ok(c) => c.wait_with_output().ok().and_then(|o| {
                if !o.status.success() {
                    eprintln!("{label}: {}", String::from_utf8_lossy(&o.stderr));
                }
                o.status.code()
            }),
            Err(e) => {
                eprintln!("{label}: {e}");
                None
            }
        };
        commands.push((label, code));
    }
    // Let the cycle or batch end.
    let deadline = Instant::now() + load.settle;
    while Instant::now() < deadline {
        let done = seen
            .iter()
            .all(|s| s.lock().map(|s| s.finished > 0).unwrap_or(true));
        if done {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    // Probes: an add through another client, until every client saw it.
    let prober = Remote::connect(&load.data_dir, false)
        .map_err(|e| e.message)?
        .ok_or("nothing serves the data directory")?;
    let mut latencies = Vec::new();
    for i in 0..load.probes {
        let start = Instant::now();
        let draft = CounterpartyDraft {
            name: Some(format!("Latenzprobe {i} GmbH")),
            country: Some("DE".into()),
            ..Default::default()
        };
        let id = prober.add(draft).map_err(|e| e.message)?.id;
        let deadline = start + Duration::from_secs(5);
        loop {
            let arrivals: Vec<Option<Instant>> = seen
                .iter()
                .map(|s| s.lock().ok().and_then(|s| s.changed_at.get(&id).copied()))
                .collect();
            if arrivals.iter().all(Option::is_some) {
                let last = arrivals.into_iter().flatten().max().unwrap_or(start);
                latencies.push(last.saturating_duration_since(start));
                break;
            }
            if Instant::now() > deadline {
                latencies.push(Duration::from_secs(5));
                break;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    }
    let alerts_after = alert_count(&load.kontra)?;
    let rss_after = rss_kb(pid);
    let clients = seen
        .iter()
        .map(|s| s.lock().map(|s| s.clone()).unwrap_or_default())
        .collect();
    Ok(Report {
        clients,
        commands,
        latencies,
        alerts: (alerts_before, alerts_after),
        rss_kb: (rss_before, rss_after),
    })
}
