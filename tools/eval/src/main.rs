//! `kontra-eval`: the measurement commands for sanctions screening, `eval` (quality) and
//! `bench` (speed), both over full lists read from files. Run from a checkout:
//! `cargo run --release -p kontra-eval -- eval` (or `-- bench`).

use clap::{Args, Parser, Subcommand};
use color_eyre::Result;
use color_eyre::eyre::eyre;
use kontra::sanctions::snapshot;
use kontra::sanctions::{self, ListSource, ListedEntity, RawList, ScreenQuery, Screener};
use kontra_eval::generate as eval;
use kontra_eval::{real_names, self_recall};
use std::path::PathBuf;
use std::time::Instant;

/// Where the full lists are: arguments, else environment variables, else the copies committed
/// under `tests/fixtures/sanctions_full/` (relative to the working directory: run it from the
/// root of a checkout).
#[derive(Debug, Args)]
struct ListPaths {
    /// OFAC CSV directory (sdn.csv, alt.csv, add.csv).
    #[arg(
        long,
        env = "KONTRA_EVAL_OFAC",
        default_value = "tests/fixtures/sanctions_full/ofac_2021"
    )]
    ofac: PathBuf,
    /// UN consolidated XML.
    #[arg(
        long,
        env = "KONTRA_EVAL_UN",
        default_value = "tests/fixtures/sanctions_full/un_consolidated_2026-02-27.xml"
    )]
    un: PathBuf,
}

/// `kontra-eval eval`.
#[derive(Debug, Args)]
struct EvalArgs {
    /// The lists.
    #[command(flatten)]
    lists: ListPaths,
    /// Generator seed.
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// Number of target entities.
    #[arg(long, default_value_t = 400)]
    targets: usize,
    /// Number of clean synthetic company names.
    #[arg(long, default_value_t = 5000)]
    clean: usize,
    /// Alert threshold to report at.
    #[arg(long, default_value_t = kontra::sanctions::matcher::DEFAULT_THRESHOLD)]
    threshold: f64,
    /// Print up to this many misses and false alerts per class.
    #[arg(long, default_value_t = 0)]
    examples: usize,
    /// Write a small deterministic sample (entities + queries) into this directory.
    #[arg(long)]
    write_sample: Option<PathBuf>,
    /// Write the whole generated set into this directory, to compare matcher versions on the
    /// same queries (the generator itself reads the normalisation tables).
    #[arg(long)]
    save_set: Option<PathBuf>,
    /// Evaluate a set written by `--save-set` instead of generating one.
    #[arg(long)]
    load_set: Option<PathBuf>,
    /// Real, unsanctioned company names (JSON lines: name, country) screened against the full
    /// lists; every alert on them is false.
    #[arg(
        long,
        env = "KONTRA_EVAL_REAL_COMPANIES",
        default_value = "tests/fixtures/screening/real_companies_dev.jsonl"
    )]
    real_companies: PathBuf,
    /// Skip the full-list passes (self-recall and real company names).
    #[arg(long)]
    no_full: bool,
}

/// `kontra-eval bench`.
#[derive(Debug, Args)]
struct BenchArgs {
    /// The lists.
    #[command(flatten)]
    lists: ListPaths,
    /// Number of counterparty names to screen.
    #[arg(long, default_value_t = 100_000)]
    queries: usize,
    /// Queries for the brute-force baseline (it is slow; the rate is extrapolated).
    #[arg(long, default_value_t = 300)]
    baseline_queries: usize,
    /// Worker threads (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
}

fn load_full(lists: &ListPaths) -> Result<Vec<ListedEntity>> {
    let mut all = Vec::new();
    for (s, p) in [(ListSource::Ofac, &lists.ofac), (ListSource::Un, &lists.un)] {
        let raw: RawList = snapshot::read_local(s, p).map_err(|e| eyre!("{e}"))?;
        let parsed = sanctions::parse(s, &raw).map_err(|e| eyre!("{e}"))?;
        all.extend(parsed.entities);
    }
    Ok(all)
}

/// Runs the quality evaluation and prints the report.
fn eval(a: EvalArgs) -> Result<()> {
    let set = match &a.load_set {
        Some(dir) => {
            let saved = eval::Sample::read(dir)
                .map_err(|e| eyre!("evaluation set in {}: {e}", dir.display()))?;
            eval::EvalSet {
                entities: saved.entities,
                queries: saved.queries,
            }
        }
        None => eval::generate(&load_full(&a.lists)?, a.seed, a.targets, a.clean),
    };
    if let Some(dir) = &a.save_set {
        eval::Sample {
            entities: set.entities.clone(),
            queries: set.queries.clone(),
        }
        .write(dir)?;
    }
    if let Some(dir) = &a.write_sample {
        let sample = eval::sample(&set, &set.entities, 150, 500, a.seed);
        sample.write(dir)?;
        println!(
            "wrote {} entities and {} queries to {}",
            sample.entities.len(),
            sample.queries.len(),
            dir.display()
        );
    }
    let report = eval::evaluate(&set, a.threshold);
    println!("{}", report.render());
    if !a.no_full {
        let full = Screener::new(load_full(&a.lists)?);
        let recall = self_recall::measure(&full, a.threshold);
        println!("{}", recall.render());
        for m in recall.misses.iter().take(a.examples.max(20)) {
            println!(
                "  miss\t{}\t{}\t{}\tbest {}",
                m.mode.label(),
                m.entity,
                m.name,
                m.best.map_or("-".to_string(), |b| format!("{b:.3}"))
            );
        }
        let companies = real_names::read(&a.real_companies).map_err(|e| eyre!(e))?;
        let real = real_names::measure(&full, &companies, a.threshold);
        println!("{}", real.render(a.examples.max(30)));
    }
    let mut per: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for (class, q, k, top) in &report.examples {
        let n = per.entry(class.as_str()).or_default();
        if *n < a.examples {
            *n += 1;
            println!("{class}\t{q}\t{k}\t{top}");
        }
    }
    Ok(())
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// Runs the speed benchmark and prints the figures.
fn bench(a: BenchArgs) -> Result<()> {
    let threads = a
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let t0 = Instant::now();
    let entities = load_full(&a.lists)?;
    let parse_s = t0.elapsed().as_secs_f64();
    // Snapshot reload: what opening Kontra costs (bincode entities, no XML/CSV parsing).
    let dir = tempfile_dir()?;
    let path = dir.join("entities.bin");
    let config = bincode::config::standard();
    std::fs::write(&path, bincode::serde::encode_to_vec(&entities, config)?)?;
    let t1 = Instant::now();
    let (reloaded, _): (Vec<ListedEntity>, usize) =
        bincode::serde::decode_from_slice(&std::fs::read(&path)?, config)?;
    let reload_s = t1.elapsed().as_secs_f64();
    let _ = std::fs::remove_dir_all(&dir);
    let t2 = Instant::now();
    let screener = Screener::new(reloaded);
    let build_s = t2.elapsed().as_secs_f64();
    let ix = screener.index();
    println!(
        "lists: OFAC {} + UN {}: {} entities, {} names, {} tokens",
        a.lists.ofac.display(),
        a.lists.un.display(),
        ix.entity_count(),
        ix.name_count(),
        ix.token_count()
    );
    println!("parse raw files: {parse_s:.2} s; reload parsed snapshot: {reload_s:.3} s");
    println!("index build: {build_s:.2} s");
    let queries = eval::counterparty_names(&entities, a.queries, 11);
    let threshold = kontra::sanctions::matcher::DEFAULT_THRESHOLD;
    // Per-query latency, one thread.
    let mut lat: Vec<f64> = Vec::with_capacity(queries.len().min(20_000));
    for q in queries.iter().take(20_000) {
        let t = Instant::now();
        let _ = screener.screen(&ScreenQuery::name(q.clone()), threshold);
        lat.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    lat.sort_by(f64::total_cmp);
    println!(
        "latency over {} queries (1 thread): p50 {:.3} ms, p95 {:.3} ms, p99 {:.3} ms, max {:.3} ms",
        lat.len(),
        percentile(&lat, 0.5),
        percentile(&lat, 0.95),
        percentile(&lat, 0.99),
        lat.last().copied().unwrap_or(0.0)
    );
    let t3 = Instant::now();
    let hits = batch(&screener, &queries, threshold, threads, false);
    let batch_s = t3.elapsed().as_secs_f64();
    println!(
        "batch: {} names on {threads} threads in {batch_s:.2} s ({:.0} names/s), {hits} hits",
        queries.len(),
        queries.len() as f64 / batch_s
    );
    let n = a.baseline_queries.min(queries.len());
    let t4 = Instant::now();
    let bhits = batch(&screener, &queries[..n], threshold, threads, true);
    let bs = t4.elapsed().as_secs_f64();
    let rate = n as f64 / bs;
    println!(
        "brute-force baseline (same scorer, every name, no index): {n} names in {bs:.2} s ({rate:.0} names/s, {bhits} hits) -> {} names would take {:.0} s",
        queries.len(),
        queries.len() as f64 / rate
    );
    Ok(())
}

fn tempfile_dir() -> Result<PathBuf> {
    let d = std::env::temp_dir().join(format!("kontra-bench-{}", std::process::id()));
    std::fs::create_dir_all(&d)?;
    Ok(d)
}

fn batch(
    screener: &Screener,
    names: &[String],
    threshold: f64,
    threads: usize,
    brute: bool,
) -> usize {
    let chunk = names.len().div_ceil(threads.max(1)).max(1);
    std::thread::scope(|s| {
        let handles: Vec<_> = names
            .chunks(chunk)
            .map(|part| {
                s.spawn(move || {
                    part.iter()
                        .map(|n| {
                            let q = ScreenQuery::name(n.clone());
                            if brute {
                                screener.screen_brute_force(&q, threshold).len()
                            } else {
                                screener.screen(&q, threshold).len()
                            }
                        })
                        .sum::<usize>()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or(0)).sum()
    })
}

/// The measurement commands.
#[derive(Debug, Parser)]
#[command(
    name = "kontra-eval",
    version,
    about = "Measure Kontra's sanctions screening"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Recall and false alerts on a generated set, self-recall and real company names.
    Eval(EvalArgs),
    /// Screening speed: index build, per-query latency, batch throughput.
    Bench(BenchArgs),
    /// Load on a running, serving Kontra: attached clients, commands side by side, event
    /// latency, server memory (`scripts/measure-server-load.sh` sets it up).
    ServerLoad(ServerLoadArgs),
}

/// `kontra-eval server-load`.
#[derive(Debug, Args)]
struct ServerLoadArgs {
    /// The `kontra` binary.
    #[arg(long, default_value = "target/release/kontra")]
    kontra: PathBuf,
    /// The data directory a Kontra serves ($KONTRA_DATA_DIR).
    #[arg(long, env = "KONTRA_DATA_DIR")]
    data_dir: PathBuf,
    /// Attached clients subscribing to events.
    #[arg(long, default_value_t = 10)]
    clients: usize,
    /// A `kontra` command run during the load (repeat for several, run side by side), e.g.
    /// --during "import big.csv" --during "monitor run --all".
    #[arg(long)]
    during: Vec<String>,
    /// Event probes (adds whose arrival at every client is timed).
    #[arg(long, default_value_t = 20)]
    probes: usize,
    /// Seconds to wait for the cycle or check batch to end.
    #[arg(long, default_value_t = 900)]
    settle: u64,
}

fn server_load(a: ServerLoadArgs) -> Result<()> {
    use kontra_eval::server_load::{self, Load};
    let load = Load {
        kontra: a.kontra,
        data_dir: a.data_dir,
        clients: a.clients,
        during: a
            .during
            .iter()
            .map(|c| c.split_whitespace().map(str::to_string).collect())
            .collect(),
        probes: a.probes,
        settle: std::time::Duration::from_secs(a.settle),
    };
    let r = server_load::run(&load).map_err(|e| eyre!(e))?;
    for (cmd, code) in &r.commands {
        println!("command `kontra {cmd}`: exit {code:?}");
    }
    let grown = r.alerts.1.saturating_sub(r.alerts.0);
    println!(
        "store alerts: {} before, {} after (+{grown})",
        r.alerts.0, r.alerts.1
    );
    for (i, c) in r.clients.iter().enumerate() {
        println!(
            "client {i}: {} events, {} new alerts announced{}, {} missed, {} reloads asked, {} cycles/batches ended",
            c.events,
            c.new_alerts,
            if c.new_alerts == grown {
                " (= store)"
            } else {
                " (differs from the store)"
            },
            c.missed,
            c.reloads,
            c.finished
        );
    }
    let mut l = r.latencies.clone();
    l.sort();
    if let (Some(first), Some(last)) = (l.first(), l.last()) {
        println!(
            "event latency (add → all {} clients), {} probes: min {:.1} ms, median {:.1} ms, max {:.1} ms",
            load.clients,
            l.len(),
            first.as_secs_f64() * 1e3,
            l[l.len() / 2].as_secs_f64() * 1e3,
            last.as_secs_f64() * 1e3
        );
    }
    println!(
        "server resident memory: {} MB before, {} MB after (+{} MB)",
        r.rss_kb.0 / 1024,
        r.rss_kb.1 / 1024,
        r.rss_kb.1.saturating_sub(r.rss_kb.0) / 1024
    );
    Ok(())
}

fn main() -> Result<()> {
    color_eyre::install()?;
    match Cli::parse().command {
        Command::Eval(a) => eval(a),
        Command::Bench(a) => bench(a),
        Command::ServerLoad(a) => server_load(a),
    }
}
