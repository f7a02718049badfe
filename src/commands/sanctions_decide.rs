//! `kontra sanctions decide | decisions | undo-decision`: record, list and withdraw "not this
//! entity" decisions for a counterparty, each recorded in the audit trail.

use crate::commands::Ctx;
use crate::commands::sanctions::ListArg;
use crate::exit::{self, Failure};
use crate::sanctions::ListSource;
use crate::sanctions::decisions::{self, DecideError};
use crate::store::{AuditAction, AuditEvent, Store};
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

fn require_counterparty(store: &Store, id: u64) -> Result<String> {
    match store.counterparty(id)? {
        Some(cp) => Ok(cp.name),
        None => Err(Failure::new(exit::NOT_FOUND, format!("no counterparty with id {id}")).into()),
    }
}

/// Records a "not this entity" decision against the entity as it stands in the current snapshot.
pub fn decide(ctx: &Ctx, a: DecideArgs) -> Result<u8> {
    let reason = a.not_this.trim();
    if reason.is_empty() {
        return Err(Failure::new(exit::USAGE, "--not-this needs a reason").into());
    }
    let source: ListSource = a.source.into();
    let store = ctx.store("sanctions decide")?;
    let cp_name = require_counterparty(&store, a.counterparty_id)?;
    let (d, entity_name) = match decisions::decide(
        &store,
        &ctx.paths.data,
        a.counterparty_id,
        (source, &a.entity),
        reason,
        &ctx.actor,
        chrono::Utc::now(),
    ) {
        Ok(done) => done,
        Err(e @ DecideError::NoEntity { .. }) => {
            return Err(Failure::new(exit::NOT_FOUND, e.to_string()).into());
        }
        Err(e) => return Err(e.into()),
    };
    println!(
        "{} ({}) is not {source}:{} ({}); this hit stays suppressed until the entity's names or identifiers change",
        a.counterparty_id, cp_name, d.entity_id, entity_name
    );
    Ok(exit::OK)
}

/// Lists decisions, for one counterparty or all.
pub fn list(ctx: &Ctx, a: ListDecisionsArgs) -> Result<u8> {
    let store = ctx.store_read("sanctions decisions")?;
    let all = decisions::list(&store, a.counterparty_id)?;
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
    let store = ctx.store("sanctions undo-decision")?;
    require_counterparty(&store, a.counterparty_id)?;
    let Some(old) = decisions::remove(&store, a.counterparty_id, source, &a.entity)? else {
        return Err(Failure::new(
            exit::NOT_FOUND,
            format!(
                "no decision for counterparty {} and {source}:{}",
                a.counterparty_id, a.entity
            ),
        )
        .into());
    };
    store.append_audit(&AuditEvent {
        at: chrono::Utc::now(),
        actor: ctx.actor.clone(),
        counterparty_id: Some(a.counterparty_id),
        action: AuditAction::Decision,
        detail: format!(
            "decision withdrawn: {source}:{} (was: not this entity, {}, by {})",
            old.entity_id, old.reason, old.decided_by
        ),
    })?;
    println!(
        "withdrew the decision for counterparty {} and {source}:{}",
        a.counterparty_id, a.entity
    );
    Ok(exit::OK)
}
