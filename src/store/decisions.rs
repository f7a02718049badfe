//! The sanctions screening's decisions tree, keyed by counterparty, list and the list's entity
//! id, so that one counterparty's decisions are one prefix scan. What a decision suppresses is
//! `sanctions::decisions`'s.

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{Result, Store, dec, encode_as, keys};

/// The tree's name (unchanged since the decisions lived in `sanctions`).
pub(super) const DECISIONS_TREE: &str = "sanctions_decisions";

const WHAT: &str = "sanctions decision";

/// `counterparty id ++ list ++ 0x00 ++ entity id`.
fn key(counterparty_id: u64, list: &str, entity_id: &str) -> Vec<u8> {
    keys::join(&[
        &keys::id(counterparty_id),
        &keys::text_prefix(list),
        entity_id.as_bytes(),
    ])
}

impl Store {
    /// Records a decision for a counterparty and a list's entity (replacing an earlier one),
    /// durably.
    pub(crate) fn put_sanctions_decision<D: Serialize>(
        &self,
        (counterparty_id, list, entity_id): (u64, &str, &str),
        decision: &D,
    ) -> Result<()> {
        let bytes = encode_as(WHAT, decision)?;
        self.sled(
            self.t
                .decisions
                .insert(key(counterparty_id, list, entity_id), bytes),
        )?;
        self.flush()
    }

    /// The decision for a counterparty and a list's entity, if any.
    pub(crate) fn sanctions_decision<D: DeserializeOwned>(
        &self,
        (counterparty_id, list, entity_id): (u64, &str, &str),
    ) -> Result<Option<D>> {
        match self.sled(self.t.decisions.get(key(counterparty_id, list, entity_id)))? {
            Some(b) => Ok(Some(dec(WHAT, &b)?)),
            None => Ok(None),
        }
    }

    /// Removes a decision, durably; returns it if there was one.
    pub(crate) fn remove_sanctions_decision<D: DeserializeOwned>(
        &self,
        (counterparty_id, list, entity_id): (u64, &str, &str),
    ) -> Result<Option<D>> {
        let old = self.sled(
            self.t
                .decisions
                .remove(key(counterparty_id, list, entity_id)),
        )?;
        self.flush()?;
        old.map(|b| dec(WHAT, &b)).transpose()
    }

    /// The decisions of one counterparty (all when `None`), ordered by counterparty, list and
    /// entity id.
    pub(crate) fn sanctions_decisions<D: DeserializeOwned>(
        &self,
        counterparty_id: Option<u64>,
    ) -> Result<Vec<D>> {
        let prefix = counterparty_id
            .map(|c| keys::id(c).to_vec())
            .unwrap_or_default();
        let mut out = Vec::new();
        for item in self.t.decisions.scan_prefix(prefix) {
            let (_, v) = self.sled(item)?;
            out.push(dec(WHAT, &v)?);
        }
        Ok(out)
    }
}
