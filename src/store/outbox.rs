//! The notifier's outbox tree: one entry per message handed over (or about to be), keyed by the
//! mail's Message-ID or the webhook delivery id. What an entry means is `notify::outbox`'s.

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{Result, Store, encode_as};

/// The tree's name (unchanged since the outbox lived in `notify`).
pub(super) const OUTBOX_TREE: &str = "notify_outbox";

const WHAT: &str = "outbox entry";

impl Store {
    /// Records an outbox entry under its message id, durably (flushed before returning).
    pub(crate) fn put_outbox_entry<E: Serialize>(&self, id: &str, entry: &E) -> Result<()> {
        let bytes = encode_as(WHAT, entry)?;
        self.sled(self.t.outbox.insert(id.as_bytes(), bytes))?;
        self.flush()
    }

    /// Removes an outbox entry, durably.
    pub(crate) fn remove_outbox_entry(&self, id: &str) -> Result<()> {
        self.sled(self.t.outbox.remove(id.as_bytes()))?;
        self.flush()
    }

    /// Every outbox entry still present, in message-id order.
    pub(crate) fn outbox_entries<E: DeserializeOwned>(&self) -> Result<Vec<E>> {
        self.all_records(&self.t.outbox, WHAT)
    }
}
