//! The audit trail: who did what to which counterparty, oldest first, with an index by
//! counterparty. Record writes put their audit entry in their own transaction (`audit_put`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sled::Transactional;
use sled::transaction::TransactionalTree;

use super::{Result, Store, TxResult, dec, enc, keys, unwrap_tx};

/// An audit-trail entry: a user action or a check, with time and analyst.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEvent {
    /// When it happened.
    pub(crate) at: DateTime<Utc>,
    /// The analyst (or `monitor`).
    pub actor: String,
    /// The counterparty concerned, if any.
    pub(crate) counterparty_id: Option<u64>,
    /// What happened.
    pub action: AuditAction,
    /// A human-readable detail (changed fields, alert id, decision reason).
    pub detail: String,
}

/// The kinds of audited events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    /// Counterparty created.
    Added,
    /// Counterparty fields changed.
    Edited,
    /// Counterparty deleted.
    Deleted,
    /// Monitoring switched on.
    MonitoringOn,
    /// Monitoring switched off.
    MonitoringOff,
    /// Alert acknowledged.
    AlertAcknowledged,
    /// A screening decision was taken.
    Decision,
    /// A check run was stored.
    Checked,
    /// Alerts were mailed.
    AlertSent,
    /// An operator lifted a registry pause (VIES `IP_BLOCKED`); appended last so stored
    /// events keep their tags.
    SourceResumed,
    /// An action was refused to an analyst whose role does not allow it (a shared Kontra);
    /// appended last so stored events keep their tags.
    Refused,
}

impl AuditAction {
    /// The snake_case name used in JSON and the history view.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            AuditAction::Added => "added",
            AuditAction::Edited => "edited",
            AuditAction::Deleted => "deleted",
            AuditAction::MonitoringOn => "monitoring_on",
            AuditAction::MonitoringOff => "monitoring_off",
            AuditAction::AlertAcknowledged => "alert_acknowledged",
            AuditAction::Decision => "decision",
            AuditAction::Checked => "checked",
            AuditAction::AlertSent => "alert_sent",
            AuditAction::SourceResumed => "source_resumed",
            AuditAction::Refused => "refused",
        }
    }
}

pub(super) fn audit_put(
    audit: &TransactionalTree,
    idx: &TransactionalTree,
    event: &AuditEvent,
) -> TxResult<()> {
    let seq = audit.generate_id()?;
    let key = keys::join(&[&keys::time(event.at), &keys::id(seq)]);
    audit.insert(key.clone(), enc("audit event", event)?)?;
    if let Some(cp) = event.counterparty_id {
        idx.insert(keys::join(&[&keys::id(cp), &key]), &[])?;
    }
    Ok(())
}

impl Store {
    /// Appends an audit event on its own (for actions outside the record transactions).
    pub(crate) fn append_audit(&self, event: &AuditEvent) -> Result<()> {
        let t = &self.t;
        let r =
            (&t.audit, &t.idx_audit_cp).transaction(|(audit, idx)| audit_put(audit, idx, event));
        unwrap_tx(r, &self.dir)?;
        self.flush()
    }

    /// A counterparty's audit events, oldest first.
    pub fn audit_for(&self, counterparty_id: u64) -> Result<Vec<AuditEvent>> {
        let prefix = keys::id(counterparty_id);
        let mut out = Vec::new();
        for item in self.t.idx_audit_cp.scan_prefix(prefix) {
            let (k, _) = self.sled(item)?;
            if let Some(v) = self.sled(self.t.audit.get(&k[8..]))? {
                out.push(dec("audit event", &v)?);
            }
        }
        Ok(out)
    }

    /// The whole audit trail, oldest first.
    pub fn audit_all(&self) -> Result<Vec<AuditEvent>> {
        self.all_records(&self.t.audit, "audit event")
    }
}
