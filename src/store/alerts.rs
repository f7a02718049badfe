//! Alerts: their index by counterparty, the dedup keys that keep a change from alerting twice,
//! acknowledgement, the sent mark, and the "delivery unknown" marks per channel.

use chrono::{DateTime, Utc};
use sled::Transactional;
use sled::transaction::{ConflictableTransactionError, abort};

use super::audit::{AuditAction, AuditEvent, audit_put};
use super::{Result, Store, StoreError, dec, enc, encode_plain, keys, unwrap_tx};
use crate::domain::alert::MAIL_CHANNEL;
use crate::domain::{Alert, DeliveryUnknown};

impl Store {
    /// All alerts, oldest first.
    pub fn alerts(&self) -> Result<Vec<Alert>> {
        self.all_records(&self.t.alerts, "alert")
    }

    /// One alert by id.
    pub fn alert(&self, id: u64) -> Result<Option<Alert>> {
        self.get_record(&self.t.alerts, "alert", id)
    }

    /// A counterparty's alerts, oldest first.
    pub fn alerts_for(&self, counterparty_id: u64) -> Result<Vec<Alert>> {
        let ids = self.ids_with_prefix(&self.t.idx_alert_cp, &keys::id(counterparty_id))?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(a) = self.alert(id)? {
                out.push(a);
            }
        }
        Ok(out)
    }

    /// Marks alerts acknowledged by `actor`; already acknowledged ones stay as they were.
    /// Returns the ids that changed.
    pub fn acknowledge(&self, ids: &[u64], actor: &str) -> Result<Vec<u64>> {
        self.acknowledge_with_comment(ids, actor, "")
    }

    /// Like [`Store::acknowledge`], with the analyst's comment (if not empty) in the same audit
    /// event.
    pub(crate) fn acknowledge_with_comment(
        &self,
        ids: &[u64],
        actor: &str,
        comment: &str,
    ) -> Result<Vec<u64>> {
        let now = Utc::now();
        let t = &self.t;
        let r = (&t.alerts, &t.audit, &t.idx_audit_cp).transaction(|(alerts, audit, idx)| {
            let mut changed = Vec::new();
            for &id in ids {
                let Some(b) = alerts.get(keys::id(id))? else {
                    return abort(StoreError::NotFound { what: "alert", id });
                };
                let mut a: Alert = dec("alert", &b).map_err(ConflictableTransactionError::Abort)?;
                if a.acknowledged_at.is_some() {
                    continue;
                }
                a.acknowledged_at = Some(now);
                a.acknowledged_by = Some(actor.to_string());
                alerts.insert(&keys::id(id), enc("alert", &a)?)?;
                audit_put(
                    audit,
                    idx,
                    &AuditEvent {
                        at: now,
                        actor: actor.to_string(),
                        counterparty_id: Some(a.counterparty_id),
                        action: AuditAction::AlertAcknowledged,
                        detail: if comment.is_empty() {
                            format!("alert {id} ({})", a.kind)
                        } else {
                            format!("alert {id} ({}): {comment}", a.kind)
                        },
                    },
                )?;
                changed.push(id);
            }
            Ok(changed)
        });
        let changed = unwrap_tx(r, &self.dir)?;
        self.flush()?;
        Ok(changed)
    }

    /// Marks alerts sent at `at`; alerts already marked keep their first time. A "delivery
    /// unknown" mark of the mail channel goes in the same transaction: the mail is now certain.
    pub fn mark_sent(&self, ids: &[u64], at: DateTime<Utc>) -> Result<()> {
        let t = &self.t;
        let r = (&t.alerts, &t.delivery_unknown).transaction(|(alerts, unknown)| {
            for &id in ids {
                unknown.remove(unknown_key(id, MAIL_CHANNEL))?;
                let Some(b) = alerts.get(keys::id(id))? else {
                    continue;
                };
                let mut a: Alert = dec("alert", &b).map_err(ConflictableTransactionError::Abort)?;
                if a.sent_at.is_none() {
                    a.sent_at = Some(at);
                    alerts.insert(&keys::id(id), enc("alert", &a)?)?;
                }
            }
            Ok(())
        });
        unwrap_tx(r, &self.dir)?;
        self.flush()
    }

    /// Records that messages carrying these alerts were handed over on `d.channel` without an
    /// answer. Alerts already sent (mail channel) are left as they are.
    pub fn record_delivery_unknown(&self, ids: &[u64], d: &DeliveryUnknown) -> Result<()> {
        let bytes = encode_plain(d)?;
        for &id in ids {
            if d.channel == MAIL_CHANNEL && self.alert(id)?.is_some_and(|a| a.sent_at.is_some()) {
                continue;
            }
            self.sled(
                self.t
                    .delivery_unknown
                    .insert(unknown_key(id, &d.channel), bytes.clone()),
            )?;
        }
        self.flush()
    }

    /// Clears the "delivery unknown" mark of alerts on one channel (delivered after all).
    pub(crate) fn clear_delivery_unknown(&self, ids: &[u64], channel: &str) -> Result<()> {
        for &id in ids {
            self.sled(self.t.delivery_unknown.remove(unknown_key(id, channel)))?;
        }
        self.flush()
    }

    /// Every "delivery unknown" mark, by alert id (an alert may have one per channel).
    pub fn deliveries_unknown(
        &self,
    ) -> Result<std::collections::BTreeMap<u64, Vec<DeliveryUnknown>>> {
        let mut out: std::collections::BTreeMap<u64, Vec<DeliveryUnknown>> = Default::default();
        for item in self.t.delivery_unknown.iter() {
            let (k, v) = self.sled(item)?;
            let Some(id) = keys::read_id(&k) else {
                continue;
            };
            out.entry(id)
                .or_default()
                .push(dec("delivery unknown", &v)?);
        }
        Ok(out)
    }
}

/// Key of a "delivery unknown" mark: the alert id, then the channel.
fn unknown_key(id: u64, channel: &str) -> Vec<u8> {
    keys::join(&[&keys::id(id), channel.as_bytes()])
}
