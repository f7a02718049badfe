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

use crate::store::{Store, StoreError};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

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

/// Access to the outbox of a store (entries are keyed by the message or delivery id).
pub struct Outbox<'a> {
    store: &'a Store,
}

impl<'a> Outbox<'a> {
    /// Opens the outbox of a store.
    pub fn open(store: &'a Store) -> Result<Outbox<'a>, StoreError> {
        Ok(Outbox { store })
    }

    /// Records an entry durably (flushed before returning).
    pub fn put(&self, e: &OutboxEntry) -> Result<(), StoreError> {
        self.store.put_outbox_entry(&e.id, e)
    }

    /// Removes an entry durably.
    pub(crate) fn remove(&self, id: &str) -> Result<(), StoreError> {
        self.store.remove_outbox_entry(id)
    }

    /// Every entry still present.
    pub fn entries(&self) -> Result<Vec<OutboxEntry>, StoreError> {
        self.store.outbox_entries()
    }
}
