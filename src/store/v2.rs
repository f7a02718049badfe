//! The record shapes of schema version 2 that version 3 changed, kept only to read a version-2
//! store once and rewrite it in the current shape (see `Store::migrate`).
//!
//! Version 3 appended the typed `subject` to the alert; every other record kept its shape. As
//! in `v1`, only field order and enum variant order matter to bincode, and this mirror keeps
//! them.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::domain::alert::{Alert, AlertKind, Bilingual, Severity};
use crate::domain::changes::subject_of_key;

/// A version-2 alert: the current one without `subject`.
#[derive(Debug, Deserialize)]
pub(super) struct AlertV2 {
    id: u64,
    kind: AlertKind,
    severity: Severity,
    counterparty_id: u64,
    check_run_id: Option<u64>,
    message: Bilingual,
    dedup_key: String,
    created_at: DateTime<Utc>,
    sent_at: Option<DateTime<Utc>>,
    acknowledged_by: Option<String>,
    acknowledged_at: Option<DateTime<Utc>>,
}

impl AlertV2 {
    /// The subject is read back from the dedup key the detector wrote; an alert whose key has
    /// another shape gets none.
    pub(super) fn upgrade(self) -> Alert {
        Alert {
            subject: subject_of_key(self.kind, &self.dedup_key),
            id: self.id,
            kind: self.kind,
            severity: self.severity,
            counterparty_id: self.counterparty_id,
            check_run_id: self.check_run_id,
            message: self.message,
            dedup_key: self.dedup_key,
            created_at: self.created_at,
            sent_at: self.sent_at,
            acknowledged_by: self.acknowledged_by,
            acknowledged_at: self.acknowledged_at,
        }
    }
}
