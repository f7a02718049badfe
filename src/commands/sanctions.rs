//! `kontra sanctions ...`: import, update, status and screen (plus hidden eval and bench;
//! decisions live in `sanctions_decide`).

use crate::app::Access;
use crate::app::ops::sanctions::{Accepted, ListFile};
use crate::commands::Ctx;
use crate::domain::counterparty::CounterpartyKind;
use crate::domain::screening::reasons_text;
use crate::exit::{self, Failure};
use crate::sanctions::health::{self, ListHealth};
use crate::sanctions::snapshot::{self, RefreshError};
use crate::sanctions::{self, ListSource, ScreenQuery, Screener};
use clap::{Args, Subcommand, ValueEnum};
use color_eyre::Result;
use color_eyre::eyre::WrapErr;
use serde_json::json;
use std::io::{BufRead, Write};
use std::path::PathBuf;

/// A list as named on the command line.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ListArg {
    /// EU consolidated list (FSF XML 1.1).
    Eu,
    /// OFAC SDN (CSV set directory or SDN.XML).
    Ofac,
    /// UK Sanctions List (CSV).
    Uk,
    /// UN consolidated list (XML).
    Un,
}

impl From<ListArg> for ListSource {
    fn from(a: ListArg) -> ListSource {
        match a {
            ListArg::Eu => ListSource::Eu,
            ListArg::Ofac => ListSource::Ofac,
            ListArg::Uk => ListSource::Uk,
            ListArg::Un => ListSource::Un,
        }
    }
}

/// `kontra sanctions ...`
#[derive(Debug, Subcommand)]
pub enum SanctionsCommand {
    /// Load a local list file exactly as a download would (OFAC: CSV directory or SDN.XML).
    Import {
        /// Which list.
        #[arg(long, value_enum)]
        source: ListArg,
        /// The file (or OFAC CSV directory).
        path: PathBuf,
    },
    /// Download the enabled lists (or one) from their configured addresses.
    Update {
        /// Only this list.
        #[arg(long, value_enum)]
        source: Option<ListArg>,
    },
    /// Show each list's publication date, size, entities, age, skipped rows and staleness; exits
    /// 8 when a configured list was never loaded or is stale.
    Status {
        /// Print one JSON array.
        #[arg(long)]
        json: bool,
    },
    /// Screen names against the loaded lists.
    Screen(ScreenArgs),
    /// Record that a counterparty is not a listed entity ("not this"), with the reason.
    Decide(crate::commands::sanctions_decide::DecideArgs),
    /// List "not this entity" decisions (all, or one counterparty's).
    Decisions(crate::commands::sanctions_decide::ListDecisionsArgs),
    /// Withdraw a "not this entity" decision.
    UndoDecision(crate::commands::sanctions_decide::UndoArgs),
}

/// `kontra sanctions screen`.
#[derive(Debug, Args)]
pub struct ScreenArgs {
    /// Print one JSON object per query, in input order.
    #[arg(long)]
    pub json: bool,
    /// Alert threshold (default: `[sanctions] threshold`).
    #[arg(long)]
    pub threshold: Option<f64>,
    /// Country of every query (ISO code or name), for the country adjustment.
    #[arg(long)]
    pub country: Option<String>,
    /// What every query is: it is matched only against listed entities of that kind.
    #[arg(long, value_enum, default_value_t = ScreenKind::Organisation)]
    pub kind: ScreenKind,
    /// File with one name per line.
    #[arg(long, conflicts_with = "names")]
    pub input: Option<PathBuf>,
    /// Names to screen.
    #[arg(required_unless_present = "input")]
    pub names: Vec<String>,
}

/// The kind of counterparty screened (`any` matches every listed kind).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ScreenKind {
    /// A company or other organisation: never matched with persons, vessels or aircraft.
    Organisation,
    /// A natural person (e.g. a sole trader).
    Person,
    /// A ship.
    Vessel,
    /// An aircraft.
    Aircraft,
    /// Every listed kind.
    Any,
}

impl ScreenKind {
    fn query_kind(self) -> Option<CounterpartyKind> {
        match self {
            ScreenKind::Organisation => Some(CounterpartyKind::Organisation),
            ScreenKind::Person => Some(CounterpartyKind::Person),
            ScreenKind::Vessel => Some(CounterpartyKind::Vessel),
            ScreenKind::Aircraft => Some(CounterpartyKind::Aircraft),
            ScreenKind::Any => None,
        }
    }
}

/// Runs a `sanctions` subcommand.
pub fn run(ctx: &Ctx, cmd: SanctionsCommand) -> Result<u8> {
    match cmd {
        SanctionsCommand::Import { source, path } => import(ctx, source.into(), &path),
        SanctionsCommand::Update { source } => update_lists(ctx, source.map(Into::into)),
        SanctionsCommand::Status { json } => status(ctx, json),
        SanctionsCommand::Screen(a) => screen(ctx, a),
        SanctionsCommand::Decide(a) => crate::commands::sanctions_decide::decide(ctx, a),
        SanctionsCommand::Decisions(a) => crate::commands::sanctions_decide::list(ctx, a),
        SanctionsCommand::UndoDecision(a) => crate::commands::sanctions_decide::undo(ctx, a),
    }
}

fn print_accepted(a: &Accepted) {
    let (meta, delta) = (&a.meta, &a.delta);
    println!(
        "{}: {} entities, published {}, sha256 {:.12}; {} added, {} changed ({} in names/identifiers), {} removed{}",
        meta.source,
        meta.entities,
        meta.published.as_deref().unwrap_or("(not stated)"),
        meta.sha256,
        delta.added.len(),
        delta.changed.len(),
        delta.changed_material.len(),
        delta.removed.len(),
        if a.skipped.malformed > 0 {
            format!("; malformed rows left out: {}", a.skipped.describe())
        } else {
            String::new()
        }
    );
}

fn import(ctx: &Ctx, source: ListSource, path: &std::path::Path) -> Result<u8> {
    let api = ctx.api("sanctions import", Access::Write)?;
    // The caller's file is read here: a running Kontra may not be able to open it.
    let file = match snapshot::read_local(source, path) {
        Ok(raw) => ListFile::Read {
            raw,
            origin: path.display().to_string(),
        },
        Err(RefreshError::Io { path, source }) => ListFile::Unreadable {
            path,
            error: source.to_string(),
        },
        Err(e) => ListFile::Unreadable {
            path: path.to_path_buf(),
            error: e.to_string(),
        },
    };
    print_accepted(&api.sanctions_import(source, file)?);
    Ok(exit::OK)
}

fn update_lists(ctx: &Ctx, only: Option<ListSource>) -> Result<u8> {
    let api = ctx.api("sanctions update", Access::Write)?;
    let mut failed = 0;
    for answer in api.sanctions_update(only)? {
        match answer {
            Ok(a) => print_accepted(&a),
            Err(e) => {
                failed += 1;
                eprintln!("{e}; keeping the previous snapshot, list marked stale");
            }
        }
    }
    Ok(if failed > 0 {
        exit::UNAVAILABLE
    } else {
        exit::OK
    })
}

/// Every list's health now, from what the store (here or in the running Kontra) holds.
fn list_health(ctx: &Ctx, role: &str) -> Result<Vec<ListHealth>> {
    let reports = ctx.api(role, Access::Read)?.sanctions_reports()?;
    Ok(health::assess_all(
        &reports,
        &ctx.config.sanctions,
        chrono::Utc::now(),
    ))
}

fn status(ctx: &Ctx, json_out: bool) -> Result<u8> {
    let lists = list_health(ctx, "sanctions status")?;
    if json_out {
        let rows: Vec<_> = lists.iter().map(status_json).collect();
        println!("{}", serde_json::Value::Array(rows));
    } else {
        for h in &lists {
            println!("{}", status_line(h, ctx.config.monitor.timezone.0));
        }
    }
    let unhealthy: Vec<&str> = lists
        .iter()
        .filter(|h| h.is_unhealthy())
        .map(|h| h.source.as_str())
        .collect();
    if unhealthy.is_empty() {
        return Ok(exit::OK);
    }
    // The report is on stdout; the exit code and this line tell scripts and cron.
    eprintln!(
        "kontra: sanctions list{} never loaded or stale: {}",
        if unhealthy.len() == 1 { "" } else { "s" },
        unhealthy.join(", ")
    );
    Ok(exit::STALE_LIST)
}

fn status_line(h: &ListHealth, tz: chrono_tz::Tz) -> String {
    // `as_str`: the list's Display ignores padding.
    let s = h.source.as_str();
    let enabled = if h.enabled { "enabled " } else { "disabled" };
    let last_error = h
        .problems
        .iter()
        .find_map(|p| match p {
            health::Problem::RefreshFailed { message, .. } => {
                Some(format!("; last attempt failed: {message}"))
            }
            _ => None,
        })
        .unwrap_or_default();
    let reasons = if h.is_unhealthy() {
        format!("  STALE: {}", h.problems_text("en"))
    } else {
        String::new()
    };
    let skipped = if h.skipped.malformed > 0 {
        format!("  malformed rows left out: {}", h.skipped.describe())
    } else {
        String::new()
    };
    match (&h.current, h.age) {
        (Some(c), Some(age)) => format!(
            "{s:<5} {enabled}  published {}  {} entities  {:.1} MB  last success {} ({} ago){skipped}{reasons}{last_error}",
            c.published.as_deref().unwrap_or("?"),
            c.entities,
            c.bytes as f64 / 1_000_000.0,
            crate::local_time::minutes(c.accepted_at, tz),
            health::age_text(age),
        ),
        _ => format!("{s:<5} {enabled}  no snapshot{reasons}{last_error}"),
    }
}

fn status_json(h: &ListHealth) -> serde_json::Value {
    let c = h.current.as_ref();
    let last_error = h.problems.iter().find_map(|p| match p {
        health::Problem::RefreshFailed { message, .. } => Some(message.clone()),
        _ => None,
    });
    let failure = h.problems.iter().find_map(|p| match p {
        health::Problem::RefreshFailed { kind, .. } => kind.map(|k| k.as_str()),
        _ => None,
    });
    json!({
        "source": h.source.as_str(),
        "enabled": h.enabled,
        "published": c.and_then(|c| c.published.clone()),
        "entities": c.map(|c| c.entities),
        "bytes": c.map(|c| c.bytes),
        "sha256": c.map(|c| c.sha256.clone()),
        "last_success": c.map(|c| c.accepted_at.to_rfc3339()),
        "age_seconds": h.age.map(|a| a.num_seconds()),
        "last_attempt": h.last_attempt.map(|t| t.to_rfc3339()),
        "last_error": last_error,
        "failure": failure,
        "stale": h.is_unhealthy(),
        "reasons": h.problems.iter().map(|p| json!({
            "code": p.as_str(),
            "text": p.text("en"),
        })).collect::<Vec<_>>(),
        "skipped_rows": {
            "rows": h.skipped.rows,
            "malformed": h.skipped.malformed,
            "lines": h.skipped.lines,
        },
    })
}

/// The configured lists a screening now uses, with their age and problems (from the running
/// Kontra when there is one); empty (said on stderr) when the store cannot be read: screening
/// goes on.
fn screened_lists(ctx: &Ctx) -> Vec<ListHealth> {
    match list_health(ctx, "sanctions screen") {
        Ok(l) => l.into_iter().filter(|h| h.enabled).collect(),
        Err(e) => {
            eprintln!("kontra: the lists' age is unknown: {e}");
            Vec::new()
        }
    }
}

/// One list a screening used, for `--json`.
fn list_used_json(h: &ListHealth) -> serde_json::Value {
    let c = h.current.as_ref();
    json!({
        "source": h.source.as_str(),
        "used": c.is_some(),
        "sha256": c.map(|c| c.sha256.clone()),
        "published": c.and_then(|c| c.published.clone()),
        "loaded_at": c.map(|c| c.accepted_at.to_rfc3339()),
        "age_seconds": h.age.map(|a| a.num_seconds()),
        "stale": h.is_unhealthy(),
        "reasons": h.problems.iter().map(|p| p.text("en")).collect::<Vec<_>>(),
    })
}

/// Loads the screener from the snapshots; an empty index is an error worth telling.
pub fn load_screener(ctx: &Ctx) -> Result<Screener> {
    let screener = sanctions::open_screener(&ctx.paths.data, &ctx.config.sanctions)
        .map_err(|e: RefreshError| color_eyre::eyre::eyre!(e))?;
    if screener.index().entity_count() == 0 {
        return Err(Failure::new(
            exit::UNAVAILABLE,
            "no sanctions list is loaded; run `kontra sanctions import` or `kontra sanctions update`",
        )
        .into());
    }
    Ok(screener)
}

fn screen(ctx: &Ctx, a: ScreenArgs) -> Result<u8> {
    let threshold = a.threshold.unwrap_or(ctx.config.sanctions.threshold.0);
    if !(0.0..=1.0).contains(&threshold) {
        return Err(Failure::new(exit::USAGE, "--threshold must be between 0 and 1").into());
    }
    let names: Vec<String> = match &a.input {
        Some(p) => {
            let f = std::fs::File::open(p).wrap_err_with(|| format!("{}", p.display()))?;
            std::io::BufReader::new(f)
                .lines()
                .collect::<std::io::Result<Vec<_>>>()
                .wrap_err_with(|| format!("{}", p.display()))?
                .into_iter()
                .map(|l| l.trim().to_string())
                .filter(|l| !l.is_empty())
                .collect()
        }
        None => a.names.clone(),
    };
    let screener = load_screener(ctx)?;
    let lists = screened_lists(ctx);
    let lists_json: Vec<serde_json::Value> = lists.iter().map(list_used_json).collect();
    let mut out = std::io::stdout().lock();
    if !a.json {
        let text = if lists.is_empty() {
            "unknown (the store could not be read)".to_string()
        } else {
            lists
                .iter()
                .map(|h| h.line("en"))
                .collect::<Vec<_>>()
                .join(" | ")
        };
        writeln!(out, "# lists: {text}")?;
    }
    for name in names {
        let q = ScreenQuery {
            name: name.clone(),
            country: a.country.clone(),
            kind: a.kind.query_kind(),
            ..ScreenQuery::default()
        };
        let hits = screener.screen(&q, threshold);
        if a.json {
            let hits: Vec<_> = hits
                .iter()
                .map(|h| {
                    json!({
                        "source": h.source.as_str(),
                        "id": h.entity_id,
                        "name": h.name,
                        "kind": h.kind.as_str(),
                        "score": h.score,
                        "strength": h.strength.as_str(),
                        "reasons": h.reasons.iter().map(|r| r.text("en")).collect::<Vec<_>>(),
                        "entity_hash": h.entity_hash,
                        "explanation": h.explanation,
                    })
                })
                .collect();
            writeln!(
                out,
                "{}",
                json!({"query": name, "hits": hits, "lists": lists_json})
            )?;
        } else if hits.is_empty() {
            writeln!(out, "{name}\tno hit")?;
        } else {
            for h in &hits {
                writeln!(
                    out,
                    "{name}\t{:.3}\t{}\t{}:{}\t{}\t{}\t{}",
                    h.score,
                    h.strength,
                    h.source,
                    h.entity_id,
                    h.name,
                    reasons_text(&h.reasons, "en"),
                    h.explanation.summary()
                )?;
            }
        }
    }
    Ok(exit::OK)
}
