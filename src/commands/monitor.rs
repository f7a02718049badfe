//! Monitoring commands: `check`, `monitor on|off|run`, `daemon`, `alerts`, `alerts ack`, `history`.

use super::Ctx;
use super::register::OnOff;
use crate::app::ops::checks::Checked;
use crate::background::Background;
use crate::domain::alert::MAIL_CHANNEL;
use crate::domain::changes::source_label;
use crate::domain::check::{Answer, Outcome, SourceResult};
use crate::domain::{Alert, Counterparty, DeliveryUnknown, Severity};
use crate::exit::{self, Failure};
use crate::store::AuditEvent;
use chrono::{DateTime, Utc};
use clap::{Args, Subcommand};
use color_eyre::Result;
use color_eyre::eyre::WrapErr;
use serde_json::{Value, json};
use std::io::Write;
use std::sync::Arc;

/// `kontra monitor ...`
#[derive(Debug, Subcommand)]
pub enum MonitorCommand {
    /// Switch monitoring on for counterparties.
    On {
        /// Counterparty ids.
        ids: Vec<u64>,
        /// Which counterparties, instead of ids.
        #[command(flatten)]
        select: Selection,
    },
    /// Switch monitoring off for counterparties.
    Off {
        /// Counterparty ids.
        ids: Vec<u64>,
        /// Which counterparties, instead of ids.
        #[command(flatten)]
        select: Selection,
    },
    /// Run one check cycle of what is due now (an interrupted cycle is finished instead).
    Run {
        /// Check every monitored counterparty, due or not.
        #[arg(long)]
        all: bool,
    },
}

/// `kontra check`.
#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("which").required(true).args(["ids", "all"]))]
pub struct CheckArgs {
    /// Counterparty ids.
    pub ids: Vec<u64>,
    /// Check every counterparty in the register.
    #[arg(long)]
    pub all: bool,
    /// Print one JSON array with one object per counterparty.
    #[arg(long)]
    pub json: bool,
}

/// `kontra alerts`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct AlertsArgs {
    /// Acknowledge alerts instead of listing them.
    #[command(subcommand)]
    pub command: Option<AlertsCommand>,
    /// Print one JSON array.
    #[arg(long)]
    pub json: bool,
    /// Only alerts not yet mailed.
    #[arg(long)]
    pub unsent: bool,
    /// Only alerts of this severity or higher (low, medium, high, critical).
    #[arg(long, value_name = "S")]
    pub severity: Option<Severity>,
    /// Only alerts of counterparties this analyst owns.
    #[arg(long, value_name = "O")]
    pub owner: Option<String>,
    /// Only alerts not yet acknowledged.
    #[arg(long)]
    pub open: bool,
    /// Only alerts raised on or after this day in the configured zone (2026-03-14 or 14.03.2026).
    #[arg(long, value_name = "DATE", value_parser = parse_day)]
    pub since: Option<chrono::NaiveDate>,
    /// Only alerts raised on or before this day in the configured zone.
    #[arg(long, value_name = "DATE", value_parser = parse_day)]
    pub until: Option<chrono::NaiveDate>,
}

/// A day for `--since`/`--until`.
fn parse_day(s: &str) -> Result<chrono::NaiveDate, String> {
    crate::local_time::parse_date(s)
        .ok_or_else(|| format!("\"{s}\" is not a date (write 2026-03-14 or 14.03.2026)"))
}

/// `kontra alerts ack`.
#[derive(Debug, Subcommand)]
pub enum AlertsCommand {
    /// Acknowledge alerts (recorded with your name in the audit trail).
    Ack {
        /// Alert ids.
        #[arg(required = true)]
        ids: Vec<u64>,
        /// A comment recorded with the acknowledgement in the audit trail.
        #[arg(long, value_name = "TEXT")]
        comment: Option<String>,
    },
}

/// `monitor on|off` selecting counterparties as `kontra list` does, instead of by id.
#[derive(Debug, Args)]
pub struct Selection {
    /// Every counterparty (narrowed by the filters given with it).
    #[arg(long)]
    all: bool,
    /// Only this country.
    #[arg(long)]
    country: Option<String>,
    /// Text in name, VAT number, country, owner, e-mail or domain.
    #[arg(long)]
    search: Option<String>,
    /// Only this owner.
    #[arg(long)]
    owner: Option<String>,
}

impl Selection {
    /// The filter to select by (None: the ids given); exit 2 when both or neither are given.
    fn filter(self, ids: &[u64]) -> Result<Option<crate::register::filter::Filter>, Failure> {
        let filters = self.country.is_some() || self.search.is_some() || self.owner.is_some();
        match (ids.is_empty(), self.all || filters) {
            (false, false) => Ok(None),
            (true, true) => Ok(Some(super::register::filter_from(
                self.country.as_deref(),
                self.search,
                self.owner,
                false,
            )?)),
            (false, true) => Err(Failure::new(
                exit::USAGE,
                "give counterparty ids or --all/--country/--search/--owner, not both",
            )),
            (true, false) => Err(Failure::new(
                exit::USAGE,
                "name the counterparties: ids, or --all (narrowed by --country, --search, --owner)",
            )),
        }
    }
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .wrap_err("cannot start the async runtime")
}

/// `kontra monitor on|off|run`.
pub fn monitor(ctx: &Ctx, c: MonitorCommand) -> Result<u8> {
    match c {
        MonitorCommand::On { ids, select } => {
            super::register::monitor(ctx, OnOff::On, &ids, select.filter(&ids)?)
        }
        MonitorCommand::Off { ids, select } => {
            super::register::monitor(ctx, OnOff::Off, &ids, select.filter(&ids)?)
        }
        MonitorCommand::Run { all } => run_cycle(ctx, all),
    }
}

/// `kontra monitor run [--all]`: through the running Kontra's monitor when one serves the data
/// directory, else here; the earlier cycles it carried out (an interrupted one finished, the
/// register screened against list changes) are named on stderr, the last is the result line.
fn run_cycle(ctx: &Ctx, all: bool) -> Result<u8> {
    let reports = ctx
        .api("kontra monitor run", crate::app::Access::Write)?
        .run_cycle(all)?;
    let mut code = exit::OK;
    for (i, report) in reports.iter().enumerate() {
        if report.resumed {
            eprintln!(
                "finished interrupted cycle {} ({})",
                report.cycle_id, report.done
            );
        } else if report.reason == crate::monitor::runner::DELTA_REASON {
            eprintln!(
                "screened {} counterparties against the sanctions list changes: {} new alerts",
                report.done, report.new_alerts
            );
        }
        if report.cancelled || report.failed > 0 {
            code = exit::ERROR;
        }
        if i + 1 < reports.len() {
            continue;
        }
        println!(
            "cycle {}: {}/{} done, {} checked, {} failed, {} new alerts{}",
            report.cycle_id,
            report.done,
            report.total,
            report.checked,
            report.failed,
            report.new_alerts,
            if report.cancelled {
                " (cancelled; `kontra monitor run` finishes it)"
            } else {
                ""
            }
        );
    }
    Ok(code)
}

/// `kontra check`.
pub fn check(ctx: &Ctx, a: CheckArgs) -> Result<u8> {
    let api = ctx.api("kontra check", crate::app::Access::Write)?;
    let answers = api.check(a.ids.clone(), a.all)?;
    let lang = ctx.config.language.as_str();
    let mut out: Box<dyn std::io::Write> = if a.json {
        Box::new(std::io::BufWriter::new(std::io::stdout().lock()))
    } else {
        Box::new(super::text_out())
    };
    let mut json_items = Vec::new();
    let mut unanswered = false;
    let mut failed = false;
    for answer in &answers {
        let cp = &answer.counterparty;
        match &answer.checked {
            Checked::Done { run, alerts } => {
                unanswered |= run.results.iter().any(|r| {
                    matches!(&r.outcome, Outcome::CouldNotAsk { reason, .. }
                        if *reason != crate::domain::check::Unavailable::Disabled)
                });
                if a.json {
                    json_items.push(json!({
                        "counterparty_id": cp.id,
                        "name": cp.name,
                        "check_run_id": run.id,
                        "started_at": run.started_at.to_rfc3339(),
                        "results": run.results.iter().map(result_json).collect::<Vec<_>>(),
                        "alerts": alerts.iter().map(|al| alert_json(al, lang, Some(cp), &[])).collect::<Vec<_>>(),
                    }));
                } else {
                    writeln!(out, "#{} {} — check run {}", cp.id, cp.name, run.id)?;
                    for r in &run.results {
                        writeln!(out, "  {:<16} {}", r.source.as_str(), summary(r))?;
                    }
                    for al in alerts {
                        writeln!(
                            out,
                            "  ALERT {} [{}] {}: {}",
                            al.id,
                            al.severity,
                            al.kind,
                            al.message.get(lang)
                        )?;
                    }
                }
            }
            Checked::UnderWay => {
                writeln!(
                    std::io::stderr(),
                    "#{}: a check of this counterparty is already under way",
                    cp.id
                )?;
            }
            Checked::Failed(e) => {
                failed = true;
                writeln!(std::io::stderr(), "{e}")?;
            }
        }
    }
    if a.json {
        serde_json::to_writer(&mut out, &json_items)?;
        writeln!(out)?;
    }
    out.flush()?;
    Ok(if failed {
        exit::ERROR
    } else if unanswered {
        exit::UNAVAILABLE
    } else {
        exit::OK
    })
}

/// One line saying what a source said.
pub fn summary(r: &SourceResult) -> String {
    let reference = r
        .evidence
        .reference
        .as_ref()
        .map(|x| format!(" (ref {x})"))
        .unwrap_or_default();
    match &r.outcome {
        Outcome::CouldNotAsk { reason, message } => format!(
            "could not ask: {} — {message}",
            serde_json::to_value(reason)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default()
        ),
        Outcome::Answer(a) => {
            let s = match a {
                Answer::Vat(v) => format!(
                    "{} {}{}",
                    v.vat,
                    if v.valid { "VALID" } else { "INVALID" },
                    v.name
                        .as_ref()
                        .map(|n| format!(", {n}"))
                        .unwrap_or_default()
                ),
                Answer::Qualified(q) => format!(
                    "{} {} ({}), name {:?}, street {:?}, postcode {:?}, city {:?}",
                    q.vat,
                    if q.valid { "VALID" } else { "INVALID" },
                    q.status,
                    q.name,
                    q.street,
                    q.postcode,
                    q.city
                ),
                Answer::Lei(l) => format!(
                    "{} {} ({}, {})",
                    l.lei, l.legal_name, l.entity_status, l.registration_status
                ),
                Answer::Register(reg) => match reg.records.as_slice() {
                    [] => "no register entry found".to_string(),
                    recs => recs
                        .iter()
                        .map(|x| format!("{} {} {} ({})", x.kind, x.number, x.name, x.status))
                        .collect::<Vec<_>>()
                        .join("; "),
                },
                Answer::Insolvency(i) => match i.publications.len() {
                    0 => "no publications".to_string(),
                    n => format!(
                        "{n} publication(s): {}",
                        i.publications
                            .iter()
                            .map(|p| format!("{} {} {}", p.court, p.case_number, p.notice))
                            .collect::<Vec<_>>()
                            .join("; ")
                    ),
                },
                Answer::Sanctions(s) => match s.hits.len() {
                    0 => format!(
                        "no hits ({})",
                        s.lists
                            .iter()
                            .map(|(l, _)| l.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    _ => s
                        .hits
                        .iter()
                        .map(|h| {
                            format!(
                                "HIT {} {} {} ({}, {:.2})",
                                h.list, h.entity_id, h.name, h.strength, h.score
                            )
                        })
                        .collect::<Vec<_>>()
                        .join("; "),
                },
                #[allow(unreachable_patterns)]
                _ => "answer".to_string(),
            };
            format!("{s}{reference}")
        }
    }
}

fn result_json(r: &SourceResult) -> Value {
    let (outcome, answer, reason, message) = match &r.outcome {
        Outcome::Answer(a) => (
            "answer",
            serde_json::to_value(a).unwrap_or(Value::Null),
            None,
            None,
        ),
        Outcome::CouldNotAsk { reason, message } => (
            "unavailable",
            Value::Null,
            serde_json::to_value(reason).ok(),
            Some(message.clone()),
        ),
    };
    json!({
        "source": r.source.as_str(),
        "source_label": source_label(r.source).1,
        "at": r.at.to_rfc3339(),
        "outcome": outcome,
        "answer": answer,
        "reason": reason,
        "message": message,
        "summary": summary(r),
        "evidence": {
            "reference": r.evidence.reference,
            "registry_time": r.evidence.registry_time,
            "code": r.evidence.code,
            "http_status": r.evidence.http_status,
            "sha256": r.evidence.sha256,
        },
    })
}

/// Where an alert's mail stands: `sent` (a server accepted it), `unknown` (handed over
/// completely without an answer) or `pending`.
pub fn delivery_state(a: &Alert, unknown: &[DeliveryUnknown]) -> &'static str {
    if a.sent_at.is_some() {
        "sent"
    } else if unknown.iter().any(|d| d.channel == MAIL_CHANNEL) {
        "unknown"
    } else {
        "pending"
    }
}

/// The JSON object of an alert, with the message in `language` and its open "delivery
/// unknown" hand-overs (mail or webhook).
pub fn alert_json(
    a: &Alert,
    language: &str,
    cp: Option<&Counterparty>,
    unknown: &[DeliveryUnknown],
) -> Value {
    json!({
        "id": a.id,
        "kind": a.kind.as_str(),
        "severity": a.severity.as_str(),
        "counterparty_id": a.counterparty_id,
        "counterparty_name": cp.map(|c| c.name.clone()),
        "owner": cp.and_then(|c| c.owner.clone()),
        "check_run_id": a.check_run_id,
        "message": a.message.get(language),
        "message_de": a.message.de,
        "message_en": a.message.en,
        "created_at": a.created_at.to_rfc3339(),
        "sent_at": a.sent_at.map(|t| t.to_rfc3339()),
        "delivery": delivery_state(a, unknown),
        "delivery_unknown": unknown.iter().map(|d| json!({
            "channel": d.channel,
            "to": d.to,
            "reference": d.reference,
            "at": d.at.to_rfc3339(),
            "reason": d.reason,
        })).collect::<Vec<_>>(),
        "acknowledged_at": a.acknowledged_at.map(|t| t.to_rfc3339()),
        "acknowledged_by": a.acknowledged_by,
    })
}

/// `kontra alerts [ack]`.
pub fn alerts(ctx: &Ctx, a: AlertsArgs) -> Result<u8> {
    if let Some(AlertsCommand::Ack { ids, comment }) = a.command {
        return acknowledge(ctx, &ids, comment.unwrap_or_default());
    }
    let tz = ctx.config.monitor.timezone.0;
    // Whole days in this Kontra's configured zone.
    let (raised_from, raised_before) = crate::local_time::DayRange {
        since: a.since,
        until: a.until,
    }
    .instants(tz);
    let query = crate::app::ops::alerts::AlertQuery {
        unsent: a.unsent,
        open: a.open,
        severity: a.severity,
        owner: a.owner.clone(),
        raised_from,
        raised_before,
    };
    let rows = ctx
        .api("kontra alerts", crate::app::Access::Read)?
        .alerts(query)?;
    let lang = ctx.config.language.as_str();
    let mut out: Box<dyn std::io::Write> = if a.json {
        Box::new(std::io::BufWriter::new(std::io::stdout().lock()))
    } else {
        Box::new(super::text_out())
    };
    let mut items = Vec::new();
    for row in &rows {
        let (al, open) = (&row.alert, row.unknown.as_slice());
        if a.json {
            items.push(alert_json(al, lang, row.counterparty.as_ref(), open));
        } else {
            writeln!(
                out,
                "{:>6}  {}  {:<8} {:<26} #{:<5} {}{}{}",
                al.id,
                crate::local_time::minutes(al.created_at, tz),
                al.severity.as_str(),
                al.kind.as_str(),
                al.counterparty_id,
                al.message.get(lang),
                if delivery_state(al, open) == "unknown" {
                    "  [delivery unknown]"
                } else {
                    ""
                },
                if al.acknowledged_at.is_some() {
                    "  [ack]"
                } else {
                    ""
                }
            )?;
        }
    }
    if a.json {
        serde_json::to_writer(&mut out, &items)?;
        writeln!(out)?;
    }
    out.flush()?;
    Ok(exit::OK)
}

fn acknowledge(ctx: &Ctx, ids: &[u64], comment: String) -> Result<u8> {
    let changed = ctx
        .api("kontra alerts ack", crate::app::Access::Write)?
        .acknowledge_ids(ids.to_vec(), comment)?;
    println!(
        "acknowledged {} of {} alerts ({} already acknowledged)",
        changed.len(),
        ids.len(),
        ids.len() - changed.len()
    );
    Ok(exit::OK)
}

fn event_json(e: &AuditEvent) -> Value {
    json!({
        "at": e.at.to_rfc3339(),
        "actor": e.actor,
        "action": e.action.as_str(),
        "detail": e.detail,
    })
}

/// The sanctions lists a stored run's screening used, each with its snapshot and how old it was
/// then (the Details tab's `lists:` line, from the same pure function); empty without screening.
fn lists_json(
    run: &crate::domain::CheckRun,
    snapshots: &[crate::sanctions::snapshot::SnapshotMeta],
    lang: &str,
) -> Vec<serde_json::Value> {
    use crate::domain::check::{Answer, Outcome};
    run.results
        .iter()
        .filter_map(|r| match &r.outcome {
            Outcome::Answer(Answer::Sanctions(s)) => Some((r.at, s)),
            _ => None,
        })
        .flat_map(|(at, s)| crate::sanctions::health::lists_used(&s.lists, at, snapshots))
        .map(|u| {
            json!({
                "list": u.list,
                "sha256": u.sha256,
                "published": u.snapshot.as_ref().and_then(|m| m.published.clone()),
                "accepted_at": u.snapshot.as_ref().map(|m| m.accepted_at.to_rfc3339()),
                "age_seconds": u.age.map(|a| a.num_seconds()),
                "text": u.text(lang),
            })
        })
        .collect()
}

/// `kontra history`.
pub fn history(ctx: &Ctx, id: u64, as_json: bool) -> Result<u8> {
    let crate::app::ops::history::History {
        counterparty: cp,
        runs,
        events,
        alerts,
        unknown,
        snapshots,
    } = *ctx
        .api("kontra history", crate::app::Access::Read)?
        .history(id)?;
    let lang = ctx.config.language.as_str();
    let tz = ctx.config.monitor.timezone.0;
    let mut out: Box<dyn std::io::Write> = if as_json {
        Box::new(std::io::BufWriter::new(std::io::stdout().lock()))
    } else {
        Box::new(super::text_out())
    };
    if as_json {
        let v = json!({
            "counterparty_id": cp.id,
            "name": cp.name,
            "checks": runs.iter().map(|r| json!({
                "id": r.id,
                "started_at": r.started_at.to_rfc3339(),
                "finished_at": r.finished_at.to_rfc3339(),
                "trigger": r.trigger,
                "results": r.results.iter().map(result_json).collect::<Vec<_>>(),
                "lists": lists_json(r, &snapshots, lang),
            })).collect::<Vec<_>>(),
            "events": events.iter().map(event_json).collect::<Vec<_>>(),
            "alerts": alerts.iter().map(|a| alert_json(a, lang, Some(&cp), unknown.get(&a.id).map_or(&[][..], Vec::as_slice))).collect::<Vec<_>>(),
        });
        serde_json::to_writer(&mut out, &v)?;
        writeln!(out)?;
        out.flush()?;
        return Ok(exit::OK);
    }
    writeln!(out, "#{} {}", cp.id, cp.name)?;
    // Checks and events interleaved in time order.
    enum Item<'a> {
        Run(&'a crate::domain::CheckRun),
        Event(&'a AuditEvent),
    }
    let mut items: Vec<(DateTime<Utc>, Item)> = runs
        .iter()
        .map(|r| (r.started_at, Item::Run(r)))
        .chain(events.iter().map(|e| (e.at, Item::Event(e))))
        .collect();
    items.sort_by_key(|(t, _)| *t);
    for (t, item) in items {
        match item {
            Item::Run(r) => {
                writeln!(
                    out,
                    "{}  check run {} ({})",
                    crate::local_time::seconds(t, tz),
                    r.id,
                    r.trigger
                )?;
                for res in &r.results {
                    let mut line = format!("    {:<16} {}", res.source.as_str(), summary(res));
                    if let Some(rt) = &res.evidence.registry_time {
                        line.push_str(&format!(" [registry time {rt}]"));
                    }
                    writeln!(out, "{line}")?;
                }
                for al in alerts.iter().filter(|a| a.check_run_id == Some(r.id)) {
                    writeln!(
                        out,
                        "    ALERT {} [{}] {}: {}",
                        al.id,
                        al.severity,
                        al.kind,
                        al.message.get(lang)
                    )?;
                }
            }
            Item::Event(e) => {
                writeln!(
                    out,
                    "{}  {} by {}{}",
                    crate::local_time::seconds(t, tz),
                    e.action.as_str(),
                    e.actor,
                    if e.detail.is_empty() {
                        String::new()
                    } else {
                        format!(": {}", e.detail)
                    }
                )?;
            }
        }
    }
    out.flush()?;
    Ok(exit::OK)
}

/// `kontra daemon`: the scheduler without a UI until SIGTERM or SIGINT.
pub fn daemon(ctx: &Ctx) -> Result<u8> {
    let store = Arc::new(ctx.store("kontra daemon")?);
    let rt = runtime()?;
    rt.block_on(async {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .wrap_err("cannot listen for SIGTERM")?;
        let background = Background::start_live(
            &ctx.config,
            &ctx.paths.config,
            store.clone(),
            &ctx.paths.data,
        )?;
        let instance = Arc::new(crate::app::Instance::new(
            store.clone(),
            Arc::new(ctx.config.clone()),
            &ctx.paths.data,
            &ctx.paths.config,
        ));
        instance.attach_monitor(background.monitor());
        let server = crate::app::Server::start(instance, "kontra daemon")?;
        eprintln!(
            "kontra daemon: monitoring (pid {}); serving {}; stop with SIGTERM or Ctrl-C",
            std::process::id(),
            crate::app::wire::socket_path(&ctx.paths.data).display()
        );
        tracing::info!("daemon started");
        let stop = async move {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            tracing::info!("daemon stopping");
        };
        let stopped = background.run_until(stop).await;
        server.stop().await;
        stopped?;
        Ok::<_, color_eyre::Report>(())
    })?;
    store.flush()?;
    eprintln!("kontra daemon: stopped");
    Ok(exit::OK)
}
