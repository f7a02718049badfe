//! The webhooks' two trees: which alerts each hook delivered, and since when each hook exists.
//! What they mean (a new hook gets alerts from the day before) is `notify::webhook`'s.

use chrono::{DateTime, Utc};

use super::{Result, Store, dec, encode_as, keys};

/// Tree of `hook ++ 0x00 ++ alert id` -> delivery time.
pub(super) const WEBHOOK_SENT_TREE: &str = "notify_webhook_sent";
/// Tree of `hook` -> the time from which the hook takes alerts.
pub(super) const WEBHOOK_SINCE_TREE: &str = "notify_webhook_since";

fn sent_key(hook: &str, alert: u64) -> Vec<u8> {
    keys::text_then_id(hook, alert)
}

impl Store {
    /// Records that a hook delivered alerts at `at` (idempotent), durably.
    pub(crate) fn record_webhook_delivered(
        &self,
        hook: &str,
        alert_ids: &[u64],
        at: DateTime<Utc>,
    ) -> Result<()> {
        let value = encode_as("webhook delivery", &at)?;
        for &id in alert_ids {
            self.sled(
                self.t
                    .webhook_sent
                    .insert(sent_key(hook, id), value.clone()),
            )?;
        }
        self.flush()
    }

    /// Whether a hook delivered an alert.
    pub(crate) fn webhook_delivered(&self, hook: &str, alert: u64) -> Result<bool> {
        self.sled(self.t.webhook_sent.contains_key(sent_key(hook, alert)))
    }

    /// The time from which a hook takes alerts, if it was recorded.
    pub(crate) fn webhook_since(&self, hook: &str) -> Result<Option<DateTime<Utc>>> {
        match self.sled(self.t.webhook_since.get(hook.as_bytes()))? {
            Some(v) => Ok(Some(dec("webhook first use", &v)?)),
            None => Ok(None),
        }
    }

    /// Records the time from which a hook takes alerts, durably.
    pub(crate) fn set_webhook_since(&self, hook: &str, since: DateTime<Utc>) -> Result<()> {
        let value = encode_as("webhook first use", &since)?;
        self.sled(self.t.webhook_since.insert(hook.as_bytes(), value))?;
        self.flush()
    }
}
