//! Small typed values in the `state` tree: scheduler marks, sanctions list state and journals.

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{Result, Store, dec, encode_as};

/// Changes to the `state` tree that [`Store::apply_state`] applies all at once.
#[derive(Default)]
pub(crate) struct StateBatch {
    batch: sled::Batch,
}

impl StateBatch {
    /// Sets `key` to a typed value.
    pub(crate) fn put<T: Serialize>(&mut self, key: &str, value: &T) -> Result<()> {
        self.batch.insert(key.as_bytes(), encode_as(key, value)?);
        Ok(())
    }

    /// Removes `key`.
    pub(crate) fn remove(&mut self, key: &str) {
        self.batch.remove(key.as_bytes());
    }
}

impl Store {
    /// Reads a typed value from the `state` tree.
    pub fn get_state<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>> {
        match self.sled(self.t.state.get(key.as_bytes()))? {
            Some(b) => Ok(Some(dec(key, &b)?)),
            None => Ok(None),
        }
    }

    /// Writes a typed value to the `state` tree, durably.
    pub fn set_state<T: Serialize>(&self, key: &str, value: &T) -> Result<()> {
        let bytes = encode_as(key, value)?;
        self.sled(self.t.state.insert(key.as_bytes(), bytes))?;
        self.flush()
    }

    /// Applies a [`StateBatch`] to the `state` tree in one atomic batch, durably: for
    /// bookkeeping that must never be seen half done.
    pub(crate) fn apply_state(&self, changes: StateBatch) -> Result<()> {
        self.sled(self.t.state.apply_batch(changes.batch))?;
        self.flush()
    }
}
