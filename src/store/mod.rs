//! The store: sled behind one `Store` type, with typed trees, secondary indexes kept in the same
//! transaction as their record, a schema version with migrations, and the process lock.
//!
//! Nothing outside this module sees sled, the value encoding or the key layouts: every record
//! type has named, typed methods on [`Store`], spread over one file per concept:
//! `open` (directory, lock, sled, read copy), `migrate` (schema version and migrations),
//! `counterparties`, `bulk` (the journalled bulk write), `checks`, `alerts` (with the
//! "delivery unknown" marks), `audit`, `state` (small typed values), `outbox`, `webhooks` and
//! `decisions` (the trees of the notifier and the sanctions screening).

mod alerts;
mod audit;
mod bulk;
mod checks;
pub(crate) mod codec;
mod counterparties;
mod decisions;
mod keys;
pub(crate) mod lock;
mod migrate;
mod open;
mod outbox;
mod pause;
mod state;
mod v1;
mod v2;
mod webhooks;

use serde::Serialize;
use sled::Tree;
use sled::transaction::{ConflictableTransactionError, TransactionError, TransactionalTree};
use std::path::{Path, PathBuf};

pub use audit::{AuditAction, AuditEvent};
pub use counterparties::{Write, changed_fields};
pub use lock::{DirLock, Holder, LockError};
use open::CopyGuard;
pub(crate) use state::StateBatch;

/// The schema this build writes. Bump it and add a step to `Store::migrate` when records change
/// shape. Version 2 added the counterparty's `kind` and a sanctions hit's `strength` and
/// `reasons`; version 3 the alert's typed `subject`.
pub const SCHEMA_VERSION: u32 = 3;

/// Errors from the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Another process owns the data directory.
    #[error(transparent)]
    Locked(#[from] LockError),
    /// sled failed.
    #[error("store at {dir}: {source}")]
    Sled {
        /// The data directory.
        dir: PathBuf,
        /// The cause.
        source: sled::Error,
    },
    /// A value could not be decoded or encoded.
    #[error("store record {what}: {source}")]
    Codec {
        /// Which record.
        what: String,
        /// The cause.
        source: codec::CodecError,
    },
    /// The data was written by a newer Kontra.
    #[error(
        "data directory {dir} has schema version {found}; this build knows up to {SCHEMA_VERSION}: update Kontra"
    )]
    NewerSchema {
        /// The data directory.
        dir: PathBuf,
        /// The version found.
        found: u32,
    },
    /// Another counterparty already has this VAT number.
    #[error("VAT number {vat} is already registered for counterparty {existing}")]
    DuplicateVat {
        /// The VAT number.
        vat: crate::domain::vat::VatNumber,
        /// The id that has it.
        existing: u64,
    },
    /// No record with this id.
    #[error("no {what} with id {id}")]
    NotFound {
        /// Record type.
        what: &'static str,
        /// The id.
        id: u64,
    },
    /// The file system of the data directory is full, or has too little room for a write that
    /// was asked for (then nothing of it was written).
    #[error(
        "disk full: {message} (data directory {dir}); free some space and try again; read-only commands (list, show, export, alerts) keep working"
    )]
    DiskFull {
        /// The data directory.
        dir: PathBuf,
        /// What was being done and how much room there is.
        message: String,
    },
    /// The data directory could not be created.
    #[error("cannot create data directory {dir}: {source}")]
    CreateDir {
        /// The directory.
        dir: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

type Result<T> = std::result::Result<T, StoreError>;
type TxResult<T> = std::result::Result<T, ConflictableTransactionError<StoreError>>;

/// The typed trees. Cloning is cheap (sled trees are reference-counted).
#[derive(Clone)]
struct Trees {
    counterparties: Tree,
    idx_vat: Tree,
    idx_owner: Tree,
    idx_country: Tree,
    checks: Tree,
    idx_check_cp: Tree,
    alerts: Tree,
    idx_alert_cp: Tree,
    alert_dedup: Tree,
    delivery_unknown: Tree,
    audit: Tree,
    idx_audit_cp: Tree,
    meta: Tree,
    state: Tree,
    outbox: Tree,
    webhook_sent: Tree,
    webhook_since: Tree,
    decisions: Tree,
}

/// The embedded store. One process owns it; see [`lock`].
pub struct Store {
    db: sled::Db,
    t: Trees,
    dir: PathBuf,
    _lock: Option<DirLock>,
    /// The private copy this store reads, removed on drop (declared after `db`, so sled is
    /// closed first).
    _copy: Option<CopyGuard>,
}

fn enc<T: Serialize>(what: &str, v: &T) -> TxResult<Vec<u8>> {
    codec::encode(v).map_err(|source| {
        ConflictableTransactionError::Abort(StoreError::Codec {
            what: what.to_string(),
            source,
        })
    })
}

fn dec<T: serde::de::DeserializeOwned>(what: &str, bytes: &[u8]) -> Result<T> {
    codec::decode(bytes).map_err(|source| StoreError::Codec {
        what: what.to_string(),
        source,
    })
}

/// Encodes a value outside a transaction; `what` names the record in an error.
fn encode_as<T: Serialize>(what: &str, v: &T) -> Result<Vec<u8>> {
    codec::encode(v).map_err(|source| StoreError::Codec {
        what: what.to_string(),
        source,
    })
}

fn encode_plain<T: Serialize>(v: &T) -> Result<Vec<u8>> {
    encode_as("record", v)
}

/// Next id of a record type: dense and human-friendly (sled's `generate_id` skips a million
/// after every restart), kept in `meta` inside the caller's transaction.
fn next_id(meta: &TransactionalTree, name: &str) -> TxResult<u64> {
    let key = format!("seq/{name}");
    let current = meta
        .get(key.as_bytes())?
        .and_then(|b| keys::read_id(&b))
        .unwrap_or(0);
    let next = current + 1;
    meta.insert(key.as_bytes(), &keys::id(next))?;
    Ok(next)
}

fn unwrap_tx<T>(r: std::result::Result<T, TransactionError<StoreError>>, dir: &Path) -> Result<T> {
    r.map_err(|e| match e {
        TransactionError::Abort(e) => e,
        TransactionError::Storage(source) => sled_error(dir, source),
    })
}

/// A sled error in words: a full disk says so rather than showing the raw I/O error.
fn sled_error(dir: &Path, source: sled::Error) -> StoreError {
    match &source {
        sled::Error::Io(e) if e.raw_os_error() == Some(libc::ENOSPC) => StoreError::DiskFull {
            dir: dir.to_path_buf(),
            message: format!("writing to the store failed: {e}"),
        },
        _ => StoreError::Sled {
            dir: dir.to_path_buf(),
            source,
        },
    }
}

impl Store {
    fn sled<T>(&self, r: std::result::Result<T, sled::Error>) -> Result<T> {
        r.map_err(|source| sled_error(&self.dir, source))
    }

    fn get_record<T: serde::de::DeserializeOwned>(
        &self,
        tree: &Tree,
        what: &str,
        id: u64,
    ) -> Result<Option<T>> {
        match self.sled(tree.get(keys::id(id)))? {
            Some(b) => Ok(Some(dec(what, &b)?)),
            None => Ok(None),
        }
    }

    fn all_records<T: serde::de::DeserializeOwned>(
        &self,
        tree: &Tree,
        what: &str,
    ) -> Result<Vec<T>> {
        let mut out = Vec::with_capacity(tree.len());
        for item in tree.iter() {
            let (_, v) = self.sled(item)?;
            out.push(dec(what, &v)?);
        }
        Ok(out)
    }

    /// Makes every write so far durable; called at the end of each command.
    pub fn flush(&self) -> Result<()> {
        self.sled(self.db.flush()).map(|_| ())
    }

    fn ids_with_prefix(&self, tree: &Tree, prefix: &[u8]) -> Result<Vec<u64>> {
        let mut ids = Vec::new();
        for item in tree.scan_prefix(prefix) {
            let (k, _) = self.sled(item)?;
            if let Some(id) = keys::read_id(&k[prefix.len()..]) {
                ids.push(id);
            }
        }
        Ok(ids)
    }
}

#[cfg(test)]
mod test_support {
    use crate::domain::{Counterparty, CounterpartyDraft};
    use chrono::Utc;

    /// A German counterparty with a name, an optional VAT number and an owner.
    pub(super) fn cp(name: &str, vat: Option<&str>, owner: &str) -> Counterparty {
        CounterpartyDraft {
            name: Some(name.into()),
            country: Some("DE".into()),
            vat: vat.map(Into::into),
            owner: Some(owner.into()),
            ..Default::default()
        }
        .apply(None, Utc::now())
        .unwrap()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    /// The trees the notifier and the screening used to open by name keep their names and key
    /// layouts, so data directories written before the store owned them read the same.
    #[test]
    fn subsystem_trees_keep_their_names_and_key_layouts() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(dir.path(), "t").unwrap();
        let at = Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap();
        s.put_outbox_entry("<m1@kontra>", &("entry", 7u64)).unwrap();
        s.record_webhook_delivered("hook1", &[5], at).unwrap();
        s.set_webhook_since("hook1", at).unwrap();
        s.put_sanctions_decision((3, "ofac", "28603"), &"decision")
            .unwrap();
        let raw = |tree: &str, key: &[u8]| {
            s.db.open_tree(tree)
                .unwrap()
                .get(key)
                .unwrap()
                .map(|v| v.to_vec())
        };
        assert_eq!(
            raw("notify_outbox", b"<m1@kontra>"),
            Some(codec::encode(&("entry", 7u64)).unwrap())
        );
        let mut sent = b"hook1\0".to_vec();
        sent.extend_from_slice(&5u64.to_be_bytes());
        assert_eq!(
            raw("notify_webhook_sent", &sent),
            Some(codec::encode(&at).unwrap())
        );
        assert_eq!(
            raw("notify_webhook_since", b"hook1"),
            Some(codec::encode(&at).unwrap())
        );
        let mut decision = 3u64.to_be_bytes().to_vec();
        decision.extend_from_slice(b"ofac\x0028603");
        assert_eq!(
            raw("sanctions_decisions", &decision),
            Some(codec::encode(&"decision").unwrap())
        );
        let back: Option<String> = s.sanctions_decision((3, "ofac", "28603")).unwrap();
        assert_eq!(back.as_deref(), Some("decision"));
    }
}
