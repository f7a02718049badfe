//! "Not this entity" decisions, per counterparty and listed entity. A decision suppresses the
//! hit until the entity's names or identifiers change (its match hash), not on other list edits.

use super::matcher::Hit;
use super::model::ListSource;
use super::snapshot::{self, RefreshError};
use crate::store::{AuditAction, AuditEvent, Store, StoreError, codec};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::path::Path;

const TREE: &str = "sanctions_decisions";

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

fn key(counterparty_id: u64, source: ListSource, entity_id: &str) -> Vec<u8> {
    let mut k = counterparty_id.to_be_bytes().to_vec();
    k.extend_from_slice(source.as_str().as_bytes());
    k.push(0);
    k.extend_from_slice(entity_id.as_bytes());
    k
}

fn codec_err(what: &str) -> impl FnOnce(codec::CodecError) -> StoreError + '_ {
    move |source| StoreError::Codec {
        what: what.to_string(),
        source,
    }
}

fn sled_err(store: &Store) -> impl FnOnce(sled::Error) -> StoreError + '_ {
    move |source| StoreError::Sled {
        dir: store.dir().to_path_buf(),
        source,
    }
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
    let tree = store.tree(TREE)?;
    let bytes = codec::encode(d).map_err(codec_err("sanctions decision"))?;
    tree.insert(key(d.counterparty_id, d.source, &d.entity_id), bytes)
        .map_err(sled_err(store))?;
    tree.flush().map_err(sled_err(store))?;
    Ok(())
}

/// The decision for a counterparty and entity, if any.
pub fn get(
    store: &Store,
    counterparty_id: u64,
    source: ListSource,
    entity_id: &str,
) -> Result<Option<Decision>, StoreError> {
    let tree = store.tree(TREE)?;
    match tree
        .get(key(counterparty_id, source, entity_id))
        .map_err(sled_err(store))?
    {
        Some(b) => Ok(Some(
            codec::decode(&b).map_err(codec_err("sanctions decision"))?,
        )),
        None => Ok(None),
    }
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
    let tree = store.tree(TREE)?;
    let old = tree
        .remove(key(counterparty_id, source, entity_id))
        .map_err(sled_err(store))?;
    tree.flush().map_err(sled_err(store))?;
    old.map(|b| codec::decode(&b).map_err(codec_err("sanctions decision")))
        .transpose()
}

/// The decisions for one counterparty (all when `None`), ordered by counterparty, list and id.
pub fn list(store: &Store, counterparty_id: Option<u64>) -> Result<Vec<Decision>, StoreError> {
    let tree = store.tree(TREE)?;
    let prefix = counterparty_id
        .map(|c| c.to_be_bytes().to_vec())
        .unwrap_or_default();
    let mut out = Vec::new();
    for item in tree.scan_prefix(prefix) {
        let (_, v) = item.map_err(sled_err(store))?;
        out.push(codec::decode(&v).map_err(codec_err("sanctions decision"))?);
    }
    Ok(out)
}
