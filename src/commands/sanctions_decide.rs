//! `kontra sanctions decide | decisions | undo-decision`: record, list and withdraw "not this
//! entity" decisions for a counterparty, each recorded in the audit trail.

use crate::app::Access;
use crate::commands::Ctx;
use crate::commands::sanctions::ListArg;
use crate::exit::{self, Failure};
use crate::sanctions::ListSource;
use clap::Args;
use color_eyre::Result;
use serde_json::json;

/// `kontra sanctions decide`.
#[derive(Debug, Args)]
pub struct DecideArgs {
    /// The counterparty the hit was raised for.
    pub counterparty_id: u64,
    /// The list of the entity.
    #[arg(long, value_enum)]
    pub source: ListArg,
    /// The list's id of the entity.
    #[arg(long)]
    pub entity: String,
    /// Record that the counterparty is not this entity, with the reason.
    #[arg(long, value_name = "REASON")]
    pub not_this: String,
}

/// `kontra sanctions decisions`.
#[derive(Debug, Args)]
pub struct ListDecisionsArgs {
    /// Only this counterparty's decisions.
    pub counterparty_id: Option<u64>,
    /// Print one JSON array.
    #[arg(long)]
    pub json: bool,
}

/// `kontra sanctions undo-decision`.
#[derive(Debug, Args)]
pub struct UndoArgs {
    /// The counterparty.
    pub counterparty_id: u64,
    /// The list of the entity.
    #[arg(long, value_enum)]
    pub source: ListArg,
    /// The list's id of the entity.
    #[arg(long)]
    pub entity: String,
}

/// Records a "not this entity" decision against the entity as it stands in the current snapshot.
pub fn decide(ctx: &Ctx, a: DecideArgs) -> Result<u8> {
    let reason = a.not_this.trim();
    if reason.is_empty() {
        return Err(Failure::new(exit::USAGE, "--not-this needs a reason").into());
    }
    let source: ListSource = a.source.into();
    let done = ctx.api("sanctions decide", Access::Write)?.decide(
        a.counterparty_id,
        source,
        a.entity,
        reason.to_string(),
    )?;
    println!(
        "{} ({}) is not {source}:{} ({}); this hit stays suppressed until the entity's names or identifiers change",
        a.counterparty_id, done.counterparty_name, done.decision.entity_id, done.entity_name
    );
    Ok(exit::OK)
}

/// Lists decisions, for one counterparty or all.
pub fn list(ctx: &Ctx, a: ListDecisionsArgs) -> Result<u8> {
    let all = ctx
        .api("sanctions decisions", Access::Read)?
        .decisions(a.counterparty_id)?;
    if a.json {
        let rows: Vec<_> = all
            .iter()
            .map(|d| {
                json!({
                    "counterparty_id": d.counterparty_id,
                    "source": d.source.as_str(),
                    "entity_id": d.entity_id,
                    "entity_hash": d.entity_hash,
                    "decided_by": d.decided_by,
                    "at": d.at.to_rfc3339(),
                    "reason": d.reason,
                })
            })
            .collect();
        println!("{}", serde_json::Value::Array(rows));
    } else if all.is_empty() {
        println!("no decisions");
    } else {
        for d in &all {
            println!(
                "{}\t{}:{}\tnot this entity\t{}\t{}\t{}",
                d.counterparty_id,
                d.source,
                d.entity_id,
                d.decided_by,
                crate::local_time::minutes(d.at, ctx.config.monitor.timezone.0),
                d.reason
            );
        }
    }
    Ok(exit::OK)
}

/// Withdraws a decision, so the hit alerts again.
pub fn undo(ctx: &Ctx, a: UndoArgs) -> Result<u8> {
    let source: ListSource = a.source.into();
    ctx.api("sanctions undo-decision", Access::Write)?
        .undo_decision(a.counterparty_id, source, a.entity.clone())?;
    println!(
        "withdrew the decision for counterparty {} and {source}:{}",
        a.counterparty_id, a.entity
    );
    Ok(exit::OK)
}
