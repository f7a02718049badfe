//! "Not this entity" decisions, per counterparty and listed entity. A decision suppresses the
//! hit until the entity's names or identifiers change (its match hash), not on other list edits.

use super::matcher::Hit;
use super::model::ListSource;
use super::snapshot::{self, RefreshError};
use crate::store::{AuditAction, AuditEvent, Store, StoreError};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// A reviewer's decision that a hit is not the counterparty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    /// The counterparty.
    pub counterparty_id: u64,
    /// The list.
    pub source: ListSource,
    /// The list's id of the entity.
    pub entity_id: String,
    /// The entity's match hash (names and identifiers) when the decision was taken.
    pub entity_hash: String,
    /// Who decided.
    pub decided_by: String,
    /// When.
    pub at: DateTime<Utc>,
    /// Why, in the reviewer's words.
    pub reason: String,
}

/// Why a decision could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum DecideError {
    /// The entity is not on the loaded snapshot of its list.
    #[error("no entity {entity_id} on the loaded {list} list; import or update it first")]
    NoEntity {
        /// The list.
        list: ListSource,
        /// The id asked for.
        entity_id: String,
    },
    /// The snapshot could not be read.
    #[error(transparent)]
    Snapshot(#[from] RefreshError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Takes a "not this entity" decision against the entity as it stands in the loaded snapshot
/// (its match hash), records it and its audit entry, and returns the decision and the entity's
/// primary name. Shared by `kontra sanctions decide` and the alerts tab.
pub fn decide(
    store: &Store,
    data_dir: &Path,
    counterparty_id: u64,
    (source, entity_id): (ListSource, &str),
    reason: &str,
    actor: &str,
    at: DateTime<Utc>,
) -> Result<(Decision, String), DecideError> {
    let entities = snapshot::load_entities(data_dir, source)?;
    let Some(entity) = entities.iter().find(|e| e.id == entity_id) else {
        return Err(DecideError::NoEntity {
            list: source,
            entity_id: entity_id.to_string(),
        });
    };
    let d = Decision {
        counterparty_id,
        source,
        entity_id: entity.id.clone(),
        entity_hash: entity.match_hash(),
        decided_by: actor.to_string(),
        at,
        reason: reason.to_string(),
    };
    record(store, &d)?;
    store.append_audit(&AuditEvent {
        at,
        actor: actor.to_string(),
        counterparty_id: Some(counterparty_id),
        action: AuditAction::Decision,
        detail: format!(
            "not this entity: {source}:{} ({}): {reason}",
            entity.id,
            entity.primary_name()
        ),
    })?;
    Ok((d, entity.primary_name().to_string()))
}

/// Records a decision (replacing an earlier one for the same pair).
pub fn record(store: &Store, d: &Decision) -> Result<(), StoreError> {
    store.put_sanctions_decision((d.counterparty_id, d.source.as_str(), &d.entity_id), d)
}

/// The decision for a counterparty and entity, if any.
pub fn get(
    store: &Store,
    counterparty_id: u64,
    source: ListSource,
    entity_id: &str,
) -> Result<Option<Decision>, StoreError> {
    store.sanctions_decision((counterparty_id, source.as_str(), entity_id))
}

/// Drops the hits a decision suppresses: same counterparty and entity, and the entity's names
/// and identifiers unchanged since the decision.
pub fn filter_hits(
    store: &Store,
    counterparty_id: u64,
    hits: Vec<Hit>,
) -> Result<Vec<Hit>, StoreError> {
    let mut out = Vec::with_capacity(hits.len());
    for h in hits {
        match get(store, counterparty_id, h.source, &h.entity_id)? {
            Some(d) if d.entity_hash == h.entity_hash => {}
            _ => out.push(h),
        }
    }
    Ok(out)
}

/// Removes a decision; returns it if there was one.
pub fn remove(
    store: &Store,
    counterparty_id: u64,
    source: ListSource,
    entity_id: &str,
) -> Result<Option<Decision>, StoreError> {
    store.remove_sanctions_decision((counterparty_id, source.as_str(), entity_id))
}

/// The decisions for one counterparty (all when `None`), ordered by counterparty, list and id.
pub fn list(store: &Store, counterparty_id: Option<u64>) -> Result<Vec<Decision>, StoreError> {
    store.sanctions_decisions(counterparty_id)
}
