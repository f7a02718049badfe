//! The outbox: a durable record, written just before a message is handed over, of which alerts
//! it carries, so that a process that dies mid-delivery never sends them a second time.
//!
//! Lifecycle of an entry (one per mail or webhook POST):
//! 1. written (and flushed) right before the point of no return: after the SMTP server answered
//!    `DATA` with 354, or right before the webhook request is sent;
//! 2. on acceptance the alerts are marked delivered first, then the entry is removed;
//! 3. on a definite refusal the entry is removed and the alerts stay pending;
//! 4. an entry still present when a run starts, or after an answer that never came, means
//!    "handed over, outcome unknown". Its alerts become "delivery unknown": not sent, shown as
//!    such, and carried again by the next message, which names the earlier one (a lost alert is
//!    the failure the design rules out; a repeat that says it is one is the price). The audit
//!    trail and the log name the message so an operator can check the server's log.

use crate::store::{Store, StoreError, codec};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The sled tree holding outbox entries, keyed by the message or delivery id.
pub const OUTBOX_TREE: &str = "notify_outbox";

/// Where an outbox entry was going.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Channel {
    /// A mail to this address.
    Mail {
        /// Recipient address.
        recipient: String,
    },
    /// A webhook POST.
    Webhook {
        /// The webhook's key (see `webhook::hook_key`).
        hook: String,
    },
}

/// A message that was handed over (or was about to be) and whose outcome is being recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxEntry {
    /// The mail's Message-ID or the webhook delivery id.
    pub id: String,
    /// Where it went.
    pub channel: Channel,
    /// The alerts it carries.
    pub alert_ids: Vec<u64>,
    /// When it was handed over.
    pub handed_over_at: DateTime<Utc>,
}

/// Access to the outbox tree of a store.
pub struct Outbox<'a> {
    store: &'a Store,
    tree: sled::Tree,
}

fn sled_err(store: &Store, source: sled::Error) -> StoreError {
    StoreError::Sled {
        dir: store.dir().to_path_buf(),
        source,
    }
}

impl<'a> Outbox<'a> {
    /// Opens the outbox of a store.
    pub fn open(store: &'a Store) -> Result<Outbox<'a>, StoreError> {
        Ok(Outbox {
            store,
            tree: store.tree(OUTBOX_TREE)?,
        })
    }

    /// Records an entry durably (flushed before returning).
    pub fn put(&self, e: &OutboxEntry) -> Result<(), StoreError> {
        let bytes = codec::encode(e).map_err(|source| StoreError::Codec {
            what: "outbox entry".into(),
            source,
        })?;
        self.tree
            .insert(e.id.as_bytes(), bytes)
            .map_err(|s| sled_err(self.store, s))?;
        self.store.flush()
    }

    /// Removes an entry durably.
    pub fn remove(&self, id: &str) -> Result<(), StoreError> {
        self.tree
            .remove(id.as_bytes())
            .map_err(|s| sled_err(self.store, s))?;
        self.store.flush()
    }

    /// Every entry still present.
    pub fn entries(&self) -> Result<Vec<OutboxEntry>, StoreError> {
        let mut out = Vec::new();
        for item in self.tree.iter() {
            let (_, v) = item.map_err(|s| sled_err(self.store, s))?;
            out.push(codec::decode(&v).map_err(|source| StoreError::Codec {
                what: "outbox entry".into(),
                source,
            })?);
        }
        Ok(out)
    }
}
