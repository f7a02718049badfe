//! The store: sled behind one `Store` type, with typed trees, secondary indexes kept in the same
//! transaction as their record, a schema version with migrations, and the process lock.

pub mod codec;
pub mod keys;
pub mod lock;
mod v1;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sled::transaction::{ConflictableTransactionError, TransactionError, TransactionalTree, abort};
use sled::{Transactional, Tree};
use std::path::{Path, PathBuf};

use crate::domain::alert::MAIL_CHANNEL;
use crate::domain::{Alert, CheckRun, Counterparty, DeliveryUnknown};
pub use lock::{DirLock, Holder, LockError};

/// The schema this build writes. Bump it and add a step to `Store::migrate` when records change
/// shape. Version 2 added the counterparty's `kind` and a sanctions hit's `strength` and
/// `reasons`.
pub const SCHEMA_VERSION: u32 = 2;

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
        vat: String,
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

/// An audit-trail entry: a user action or a check, with time and analyst.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEvent {
    /// When it happened.
    pub at: DateTime<Utc>,
    /// The analyst (or `monitor`).
    pub actor: String,
    /// The counterparty concerned, if any.
    pub counterparty_id: Option<u64>,
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
}

impl AuditAction {
    /// The snake_case name used in JSON and the history view.
    pub fn as_str(self) -> &'static str {
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
        }
    }
}

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

fn index_put(
    cp: &Counterparty,
    vat: &TransactionalTree,
    owner: &TransactionalTree,
    country: &TransactionalTree,
) -> TxResult<()> {
    if let Some(v) = &cp.vat {
        if let Some(existing) = vat.get(v.as_bytes())? {
            let existing = keys::read_id(&existing).unwrap_or(0);
            if existing != cp.id {
                return abort(StoreError::DuplicateVat {
                    vat: v.clone(),
                    existing,
                });
            }
        }
        vat.insert(v.as_bytes(), &keys::id(cp.id))?;
    }
    if let Some(o) = &cp.owner {
        owner.insert(keys::text_then_id(&o.to_lowercase(), cp.id), &[])?;
    }
    country.insert(keys::text_then_id(&cp.country, cp.id), &[])?;
    Ok(())
}

fn index_remove(
    cp: &Counterparty,
    vat: &TransactionalTree,
    owner: &TransactionalTree,
    country: &TransactionalTree,
) -> TxResult<()> {
    if let Some(v) = &cp.vat {
        vat.remove(v.as_bytes())?;
    }
    if let Some(o) = &cp.owner {
        owner.remove(keys::text_then_id(&o.to_lowercase(), cp.id))?;
    }
    country.remove(keys::text_then_id(&cp.country, cp.id))?;
    Ok(())
}

fn audit_put(
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

/// Bytes a bulk write needs free beyond its records: sled writes each record to its log, then
/// again when it rewrites segments and snapshots, and the indexes and audit entries come on top.
const BULK_SPACE_FACTOR: u64 = 4;
/// Room kept free in any case (segments are preallocated in 8 MB steps, snapshots beside them).
const BULK_SPACE_MARGIN: u64 = 64 * 1024 * 1024;

/// Whether a write of `payload` bytes fits in `available` free bytes; the refusal in words.
pub fn space_for_bulk_write(payload: u64, available: u64) -> std::result::Result<(), String> {
    let needed = payload
        .saturating_mul(BULK_SPACE_FACTOR)
        .saturating_add(BULK_SPACE_MARGIN);
    if available >= needed {
        Ok(())
    } else {
        Err(format!(
            "an import of {:.1} MB needs about {:.1} MB free, the disk has {:.1} MB",
            payload as f64 / 1e6,
            needed as f64 / 1e6,
            available as f64 / 1e6
        ))
    }
}

/// Creates the data directory readable by the owner alone (0700), and tightens an existing one
/// that group or others can read: it holds personal data.
fn create_private_dir(dir: &Path) -> Result<()> {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    let err = |source| StoreError::CreateDir {
        dir: dir.to_path_buf(),
        source,
    };
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(err)?;
    let mode = std::fs::metadata(dir).map_err(err)?.permissions().mode();
    if mode & 0o077 != 0 {
        tracing::warn!(dir = %dir.display(), "data directory was mode {:o}; setting 0700", mode & 0o777);
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).map_err(err)?;
    }
    Ok(())
}

/// Whether an open failed because the data directory cannot be written.
fn unwritable(e: &StoreError) -> bool {
    let io_unwritable = |e: &std::io::Error| {
        matches!(
            e.raw_os_error(),
            Some(libc::EROFS | libc::EACCES | libc::ENOSPC)
        ) || e.kind() == std::io::ErrorKind::PermissionDenied
    };
    match e {
        StoreError::DiskFull { .. } => true,
        StoreError::CreateDir { source, .. } => io_unwritable(source),
        StoreError::Locked(LockError::Io { source, .. }) => io_unwritable(source),
        StoreError::Sled {
            source: sled::Error::Io(io),
            ..
        } => io_unwritable(io),
        _ => false,
    }
}

/// A temporary directory removed when dropped.
struct CopyGuard(PathBuf);

impl Drop for CopyGuard {
    fn drop(&mut self) {
        if let Err(e) = std::fs::remove_dir_all(&self.0) {
            tracing::warn!(dir = %self.0.display(), "removing the read copy of the store: {e}");
        }
    }
}

fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}

/// Removes snapshot files sled never finished. sled writes `snap.<lsn>.generating`, syncs it
/// and only then renames it; a file still so named is a write that did not complete (a full
/// disk leaves it empty), and sled would take it as the newest snapshot and refuse to open
/// ("Read corrupted data"). The log and the previous snapshot still hold everything.
fn remove_unfinished_snapshots(db: &Path) -> Result<()> {
    let entries = match std::fs::read_dir(db) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(source) => {
            return Err(StoreError::CreateDir {
                dir: db.to_path_buf(),
                source,
            });
        }
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with("snap.") && name.ends_with(".generating") {
            tracing::warn!(file = %entry.path().display(), "removing an unfinished sled snapshot");
            std::fs::remove_file(entry.path()).map_err(|source| StoreError::CreateDir {
                dir: entry.path(),
                source,
            })?;
        }
    }
    Ok(())
}

const BULK_JOURNAL: &str = "bulk_journal";
/// The tree batches of a bulk write: records, VAT, owner and country indexes, audit, audit index.
const ALL_BULK_STEPS: [usize; 6] = [0, 1, 2, 3, 4, 5];

/// Records per sled batch in a bulk write. sled's peak memory grows steeply with batch size:
/// importing 100,000 rows peaked at 2.0 GB with one batch per tree, 0.9 GB with 4,096 and
/// 0.2 GB with 1,024 records per batch (`scripts/measure-register.sh`), at the same speed.
const BULK_CHUNK: usize = 1024;

/// What a bulk write is about to do, kept in `meta` until it is complete, so that an open after
/// a crash can undo a partial write.
#[derive(Debug, Serialize, Deserialize)]
struct BulkJournal {
    /// First id given to an inserted counterparty.
    first_new: u64,
    /// Last id given to an inserted counterparty (first - 1 when none).
    last_new: u64,
    /// The updated counterparties as they were before.
    replaced: Vec<Counterparty>,
    /// The time stamp of the write's audit entries.
    at: DateTime<Utc>,
}

const MIGRATION_PROGRESS: &str = "migration_progress";

/// Records rewritten per transaction when migrating: bounded like [`BULK_CHUNK`], because sled
/// keeps a transaction's whole write set in memory.
const MIGRATE_CHUNK: usize = 1024;

/// Where a migration step stands, kept in `meta` and written in the same transaction as each
/// chunk of rewritten records: a process killed part way resumes exactly after the last chunk
/// it wrote, so no record is skipped and none is converted twice (a version-2 record read as
/// version 1 would be garbage).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct MigrationProgress {
    /// The version being migrated to.
    to: u32,
    /// The step's phase: for 1 -> 2, 0 = bulk journal, 1 = counterparties, 2 = check runs,
    /// 3 = done.
    phase: u8,
    /// The last key rewritten in this phase; none when the phase has not started.
    after: Option<Vec<u8>>,
}

fn encode_plain<T: Serialize>(v: &T) -> Result<Vec<u8>> {
    codec::encode(v).map_err(|source| StoreError::Codec {
        what: "record".to_string(),
        source,
    })
}

/// A change to apply to a counterparty together with its audit entry.
pub enum Write {
    /// Insert a new counterparty (its id is assigned).
    Insert(Counterparty),
    /// Replace an existing counterparty.
    Update(Counterparty),
}

impl Store {
    /// Opens (creating if needed) the store in `dir`, taking the process lock as `role`.
    pub fn open(dir: &Path, role: &str) -> Result<Store> {
        Self::open_as(dir, role, None)
    }

    /// Like [`Store::open`], recording the tmux session the process runs in.
    pub fn open_as(dir: &Path, role: &str, tmux_session: Option<String>) -> Result<Store> {
        create_private_dir(dir)?;
        let lock_existed = dir.join("kontra.lock").exists();
        let lock = DirLock::acquire(dir, role, tmux_session)?;
        remove_unfinished_snapshots(&dir.join("db"))?;
        match Self::open_db(dir, &dir.join("db"), Some(lock), None) {
            // sled's own lock on its files is held although ours was free: the lock file was
            // deleted under a running process, which still owns the store. Leave no lock file
            // naming this (about to exit) process, and say what happened.
            Err(StoreError::Sled {
                source: sled::Error::Io(e),
                ..
            }) if e.to_string().contains("could not acquire lock") => {
                if !lock_existed {
                    let _ = std::fs::remove_file(dir.join("kontra.lock"));
                }
                Err(StoreError::Locked(LockError::Held {
                    dir: dir.to_path_buf(),
                    holder: Holder {
                        pid: 0,
                        role: format!(
                            "another kontra process whose lock file kontra.lock was deleted (`fuser -v {}` names it; stop it, then start Kontra again)",
                            dir.join("db").join("db").display()
                        ),
                        since: "an unknown time".into(),
                        tmux_session: None,
                    },
                }))
            }
            other => other,
        }
    }

    /// Opens the store for a command that only reads. When the data directory cannot be
    /// written (a read-only mount, or a full disk: sled writes even when it opens), the
    /// database is copied to a private temporary directory and read there; the copy is removed
    /// when the store is dropped, and nothing is ever written back. [`Store::is_copy`] tells.
    pub fn open_for_reading(dir: &Path, role: &str) -> Result<Store> {
        match Self::open(dir, role) {
            Err(e) if unwritable(&e) => {
                tracing::warn!(dir = %dir.display(), "{e}; reading a private copy of the store");
                Self::open_copy(dir).map_err(|copy_err| {
                    tracing::warn!("copying the store failed: {copy_err}");
                    e
                })
            }
            other => other,
        }
    }

    fn open_copy(dir: &Path) -> Result<Store> {
        let copy = std::env::temp_dir().join(format!(
            "kontra-read-{}-{:016x}",
            std::process::id(),
            rand::random::<u64>()
        ));
        let guard = CopyGuard(copy.clone());
        copy_dir(&dir.join("db"), &copy.join("db")).map_err(|source| StoreError::CreateDir {
            dir: copy.clone(),
            source,
        })?;
        remove_unfinished_snapshots(&copy.join("db"))?;
        Self::open_db(dir, &copy.join("db"), None, Some(guard))
    }

    /// Whether this store is a private read-only copy (see [`Store::open_for_reading`]).
    pub fn is_copy(&self) -> bool {
        self._copy.is_some()
    }

    fn open_db(
        dir: &Path,
        db_path: &Path,
        lock: Option<DirLock>,
        copy: Option<CopyGuard>,
    ) -> Result<Store> {
        let store = Self::open_db_unmigrated(dir, db_path, lock, copy)?;
        store.migrate()?;
        Ok(store)
    }

    /// Opens the trees without bringing the schema up to date (tests open a store this way to
    /// stop a migration part way).
    #[cfg(test)]
    fn open_unmigrated(dir: &Path, role: &str, tmux_session: Option<String>) -> Result<Store> {
        create_private_dir(dir)?;
        let lock = DirLock::acquire(dir, role, tmux_session)?;
        Self::open_db_unmigrated(dir, &dir.join("db"), Some(lock), None)
    }

    fn open_db_unmigrated(
        dir: &Path,
        db_path: &Path,
        lock: Option<DirLock>,
        copy: Option<CopyGuard>,
    ) -> Result<Store> {
        let sled_err = |source| sled_error(dir, source);
        // 16 MB of cache (on-disk bytes; several times that in memory): memory levels off lower
        // than with 64 MB and reads measured no slower (README, Monitoring).
        let db = sled::Config::new()
            .path(db_path)
            .cache_capacity(16 * 1024 * 1024)
            .open()
            .map_err(sled_err)?;
        let tree = |name: &str| db.open_tree(name).map_err(sled_err);
        let t = Trees {
            counterparties: tree("counterparties")?,
            idx_vat: tree("idx_vat")?,
            idx_owner: tree("idx_owner")?,
            idx_country: tree("idx_country")?,
            checks: tree("checks")?,
            idx_check_cp: tree("idx_check_cp")?,
            alerts: tree("alerts")?,
            idx_alert_cp: tree("idx_alert_cp")?,
            alert_dedup: tree("alert_dedup")?,
            delivery_unknown: tree("alert_delivery_unknown")?,
            audit: tree("audit")?,
            idx_audit_cp: tree("idx_audit_cp")?,
            meta: tree("meta")?,
            state: tree("state")?,
        };
        let store = Store {
            db,
            t,
            dir: dir.to_path_buf(),
            _lock: lock,
            _copy: copy,
        };
        Ok(store)
    }

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

    /// The data directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The schema version recorded in the `meta` tree.
    pub fn schema_version(&self) -> Result<u32> {
        let v = self.sled(self.t.meta.get("schema_version"))?;
        Ok(
            v.and_then(|b| b.as_ref().try_into().ok().map(u32::from_be_bytes))
                .unwrap_or(0),
        )
    }

    /// Brings an older schema up to [`SCHEMA_VERSION`], one step at a time.
    fn migrate(&self) -> Result<()> {
        self.migrate_stopping(MIGRATE_CHUNK, None).map(|_| ())
    }

    /// The migration, rewriting `chunk` records per transaction and, when `budget` is given,
    /// stopping after that many transactions (tests play a kill that way). Returns whether it
    /// came to the end.
    fn migrate_stopping(&self, chunk: usize, mut budget: Option<usize>) -> Result<bool> {
        let found = self.schema_version()?;
        if found > SCHEMA_VERSION {
            return Err(StoreError::NewerSchema {
                dir: self.dir.clone(),
                found,
            });
        }
        let mut v = found;
        while v < SCHEMA_VERSION {
            // Version 0 is a fresh directory: nothing to convert.
            if v == 1 && !self.migrate_1_to_2(chunk, &mut budget)? {
                self.flush()?;
                return Ok(false);
            }
            v += 1;
            // The new version and the end of the step's progress record in one atomic batch.
            let mut done = sled::Batch::default();
            done.insert("schema_version", &v.to_be_bytes());
            done.remove(MIGRATION_PROGRESS);
            self.sled(self.t.meta.apply_batch(done))?;
        }
        self.recover_bulk()?;
        self.flush()?;
        Ok(true)
    }

    /// Schema 1 -> 2: every counterparty gets `kind` = organisation, every stored sanctions hit
    /// `strength` = strong with no reasons, and a bulk journal left by a killed version-1 import
    /// is rewritten so that [`Store::recover_bulk`] can still undo that import.
    fn migrate_1_to_2(&self, chunk: usize, budget: &mut Option<usize>) -> Result<bool> {
        let t = &self.t;
        let mut p = match self.sled(t.meta.get(MIGRATION_PROGRESS))? {
            Some(b) => dec("migration progress", &b)?,
            None => MigrationProgress {
                to: 2,
                phase: 0,
                after: None,
            },
        };
        loop {
            match p.phase {
                0 => {
                    let mut batch = sled::Batch::default();
                    if let Some(bytes) = self.sled(t.meta.get(BULK_JOURNAL))? {
                        let old: v1::BulkJournalV1 = dec("bulk journal (version 1)", &bytes)?;
                        let journal = BulkJournal {
                            first_new: old.first_new,
                            last_new: old.last_new,
                            replaced: old.replaced.into_iter().map(|c| c.upgrade()).collect(),
                            at: old.at,
                        };
                        batch.insert(BULK_JOURNAL, encode_plain(&journal)?);
                    }
                    p.phase = 1;
                    batch.insert(MIGRATION_PROGRESS, encode_plain(&p)?);
                    self.sled(t.meta.apply_batch(batch))?;
                }
                1 | 2 => {
                    let tree = if p.phase == 1 {
                        &t.counterparties
                    } else {
                        &t.checks
                    };
                    let from = match &p.after {
                        Some(k) => std::ops::Bound::Excluded(k.clone()),
                        None => std::ops::Bound::Unbounded,
                    };
                    let mut rewrites: Vec<(sled::IVec, Vec<u8>)> = Vec::new();
                    let mut last = None;
                    for item in tree
                        .range::<Vec<u8>, _>((from, std::ops::Bound::Unbounded))
                        .take(chunk)
                    {
                        let (k, v) = self.sled(item)?;
                        if p.phase == 1 {
                            let cp: v1::CounterpartyV1 = dec("counterparty (version 1)", &v)?;
                            rewrites.push((k.clone(), encode_plain(&cp.upgrade())?));
                        } else {
                            let run: v1::CheckRunV1 = dec("check run (version 1)", &v)?;
                            // Runs without hits are stored alike in both versions.
                            if run.has_hits() {
                                rewrites.push((k.clone(), encode_plain(&run.upgrade())?));
                            }
                        }
                        last = Some(k.to_vec());
                    }
                    match last {
                        None => {
                            p.phase += 1;
                            p.after = None;
                            self.sled(t.meta.insert(MIGRATION_PROGRESS, encode_plain(&p)?))?;
                        }
                        Some(k) => {
                            p.after = Some(k);
                            let progress = encode_plain(&p)?;
                            let r = (tree, &t.meta).transaction(|(tree, meta)| {
                                for (k, v) in &rewrites {
                                    tree.insert(k, v.as_slice())?;
                                }
                                meta.insert(MIGRATION_PROGRESS, progress.as_slice())?;
                                Ok(())
                            });
                            unwrap_tx::<()>(r, &self.dir)?;
                        }
                    }
                }
                _ => return Ok(true),
            }
            if let Some(left) = budget {
                *left = left.saturating_sub(1);
                if *left == 0 {
                    return Ok(false);
                }
            }
        }
    }

    /// Rolls back a bulk write that a killed process left half-done (see [`BulkJournal`]).
    fn recover_bulk(&self) -> Result<()> {
        let Some(bytes) = self.sled(self.t.meta.get(BULK_JOURNAL))? else {
            return Ok(());
        };
        let j: BulkJournal = dec("bulk journal", &bytes)?;
        tracing::warn!(
            "rolling back an interrupted bulk write of counterparties {}..={}",
            j.first_new,
            j.last_new
        );
        let t = &self.t;
        let drop_indexes = |cp: &Counterparty| -> Result<()> {
            if let Some(v) = &cp.vat
                && self
                    .sled(t.idx_vat.get(v.as_bytes()))?
                    .and_then(|b| keys::read_id(&b))
                    == Some(cp.id)
            {
                self.sled(t.idx_vat.remove(v.as_bytes()))?;
            }
            if let Some(o) = &cp.owner {
                self.sled(
                    t.idx_owner
                        .remove(keys::text_then_id(&o.to_lowercase(), cp.id)),
                )?;
            }
            self.sled(t.idx_country.remove(keys::text_then_id(&cp.country, cp.id)))?;
            Ok(())
        };
        let mut affected: Vec<u64> = (j.first_new..=j.last_new).collect();
        for id in j.first_new..=j.last_new {
            if let Some(cp) = self.counterparty(id)? {
                drop_indexes(&cp)?;
                self.sled(t.counterparties.remove(keys::id(id)))?;
            }
        }
        for old in &j.replaced {
            if let Some(cp) = self.counterparty(old.id)? {
                drop_indexes(&cp)?;
            }
            self.sled(
                t.counterparties
                    .insert(keys::id(old.id), encode_plain(old)?),
            )?;
            if let Some(v) = &old.vat {
                self.sled(t.idx_vat.insert(v.as_bytes(), &keys::id(old.id)))?;
            }
            if let Some(o) = &old.owner {
                self.sled(
                    t.idx_owner
                        .insert(keys::text_then_id(&o.to_lowercase(), old.id), &[]),
                )?;
            }
            self.sled(
                t.idx_country
                    .insert(keys::text_then_id(&old.country, old.id), &[]),
            )?;
            affected.push(old.id);
        }
        let at = keys::time(j.at);
        for &id in &affected {
            let prefix = keys::join(&[&keys::id(id), &at]);
            for item in t.idx_audit_cp.scan_prefix(&prefix) {
                let (k, _) = self.sled(item)?;
                self.sled(t.audit.remove(&k[8..]))?;
                self.sled(t.idx_audit_cp.remove(&k))?;
            }
        }
        // Audit entries whose index entry was never written: every event of the write carries
        // the journal's time, which starts its key.
        let affected: std::collections::HashSet<u64> = affected.into_iter().collect();
        for item in t.audit.scan_prefix(at) {
            let (k, v) = self.sled(item)?;
            let event: AuditEvent = dec("audit event", &v)?;
            if event
                .counterparty_id
                .is_some_and(|id| affected.contains(&id))
            {
                self.sled(t.audit.remove(&k))?;
            }
        }
        let seq = self
            .sled(t.meta.get("seq/counterparties"))?
            .and_then(|b| keys::read_id(&b));
        if seq == Some(j.last_new) && j.first_new <= j.last_new {
            self.sled(
                t.meta
                    .insert("seq/counterparties", &keys::id(j.first_new - 1)),
            )?;
        }
        self.sled(t.meta.remove(BULK_JOURNAL))?;
        self.flush()
    }

    /// Refuses a bulk write the disk has no room for, before anything is written: sled stopped
    /// by a full disk halfway can leave files it cannot open again.
    fn check_space(&self, writes: &[Write]) -> Result<()> {
        let mut payload = 0u64;
        for w in writes {
            let (Write::Insert(cp) | Write::Update(cp)) = w;
            payload = payload.saturating_add(encode_plain(cp)?.len() as u64);
        }
        let available = fs4::available_space(&self.dir).map_err(|e| StoreError::DiskFull {
            dir: self.dir.clone(),
            message: format!("the free space cannot be measured: {e}"),
        })?;
        space_for_bulk_write(payload, available).map_err(|message| StoreError::DiskFull {
            dir: self.dir.clone(),
            message,
        })
    }

    /// Makes every write so far durable; called at the end of each command.
    pub fn flush(&self) -> Result<()> {
        self.sled(self.db.flush()).map(|_| ())
    }

    // ----- counterparties -----

    /// Applies inserts and updates in one transaction, with their indexes and audit entries.
    ///
    /// Returns the ids in the order of `writes`. Fails as a whole (nothing written) when any
    /// write fails, e.g. on a duplicate VAT number.
    pub fn write_counterparties(&self, writes: Vec<Write>, actor: &str) -> Result<Vec<u64>> {
        let now = Utc::now();
        let t = &self.t;
        let r = (
            &t.counterparties,
            &t.idx_vat,
            &t.idx_owner,
            &t.idx_country,
            &t.audit,
            &t.idx_audit_cp,
            &t.meta,
        )
            .transaction(|(cps, vat, owner, country, audit, audit_idx, meta)| {
                let mut ids = Vec::with_capacity(writes.len());
                for w in &writes {
                    let (mut cp, action) = match w {
                        Write::Insert(cp) => (cp.clone(), AuditAction::Added),
                        Write::Update(cp) => (cp.clone(), AuditAction::Edited),
                    };
                    let detail;
                    if action == AuditAction::Added {
                        cp.id = next_id(meta, "counterparties")?;
                        detail = cp.name.clone();
                    } else {
                        let Some(old) = cps.get(keys::id(cp.id))? else {
                            return abort(StoreError::NotFound {
                                what: "counterparty",
                                id: cp.id,
                            });
                        };
                        let old: Counterparty = dec("counterparty", &old)
                            .map_err(ConflictableTransactionError::Abort)?;
                        index_remove(&old, vat, owner, country)?;
                        detail = changed_fields(&old, &cp).join(", ");
                    }
                    index_put(&cp, vat, owner, country)?;
                    cps.insert(&keys::id(cp.id), enc("counterparty", &cp)?)?;
                    audit_put(
                        audit,
                        audit_idx,
                        &AuditEvent {
                            at: now,
                            actor: actor.to_string(),
                            counterparty_id: Some(cp.id),
                            action,
                            detail,
                        },
                    )?;
                    ids.push(cp.id);
                }
                Ok(ids)
            });
        let ids = unwrap_tx(r, &self.dir)?;
        self.flush()?;
        Ok(ids)
    }

    /// Applies many inserts and updates all or nothing, without one huge sled transaction.
    ///
    /// sled keeps a transaction's whole write set with per-key bookkeeping in memory, which for
    /// 100,000 rows costs gigabytes. Instead this checks everything first (this process is the
    /// only writer: it holds the directory lock), records a [`BulkJournal`] in `meta`, applies one
    /// atomic batch per tree, and removes the journal. A process killed in between leaves the
    /// journal behind, and the next open rolls the partial write back.
    pub fn bulk_write_counterparties(&self, writes: Vec<Write>, actor: &str) -> Result<Vec<u64>> {
        self.bulk_write_stopping(writes, actor, &ALL_BULK_STEPS)
    }

    /// The bulk write, applying only these of its six tree batches unless all are given: tests
    /// stop it part way to play a crash.
    fn bulk_write_stopping(
        &self,
        writes: Vec<Write>,
        actor: &str,
        steps: &[usize],
    ) -> Result<Vec<u64>> {
        let now = Utc::now();
        let t = &self.t;
        // Check first, so that a refused write leaves no journal and nothing else behind.
        self.check_space(&writes)?;
        let mut seen_vat: std::collections::HashMap<String, u64> = std::collections::HashMap::new();
        let mut replaced = Vec::new();
        let mut inserts = 0u64;
        for w in &writes {
            match w {
                Write::Insert(_) => inserts += 1,
                Write::Update(cp) => match self.counterparty(cp.id)? {
                    Some(old) => replaced.push(old),
                    None => {
                        return Err(StoreError::NotFound {
                            what: "counterparty",
                            id: cp.id,
                        });
                    }
                },
            }
        }
        let released: std::collections::HashSet<&str> =
            replaced.iter().filter_map(|c| c.vat.as_deref()).collect();
        let seq = self
            .sled(t.meta.get("seq/counterparties"))?
            .and_then(|b| keys::read_id(&b))
            .unwrap_or(0);
        let first_new = seq + 1;
        let last_new = seq + inserts;
        let mut next = first_new;
        let mut ids = Vec::with_capacity(writes.len());
        let mut records = Vec::with_capacity(writes.len());
        for w in writes {
            let (cp, action) = match w {
                Write::Insert(mut cp) => {
                    cp.id = next;
                    next += 1;
                    (cp, AuditAction::Added)
                }
                Write::Update(cp) => (cp, AuditAction::Edited),
            };
            if let Some(v) = &cp.vat {
                if let Some(other) = seen_vat.insert(v.clone(), cp.id) {
                    return Err(StoreError::DuplicateVat {
                        vat: v.clone(),
                        existing: other,
                    });
                }
                if let Some(existing) = self.find_by_vat(v)?
                    && existing != cp.id
                    && !released.contains(v.as_str())
                {
                    return Err(StoreError::DuplicateVat {
                        vat: v.clone(),
                        existing,
                    });
                }
            }
            ids.push(cp.id);
            records.push((cp, action));
        }
        let journal = BulkJournal {
            first_new,
            last_new,
            replaced: replaced.clone(),
            at: now,
        };
        let mut meta = sled::Batch::default();
        meta.insert(BULK_JOURNAL, encode_plain(&journal)?);
        meta.insert("seq/counterparties", &keys::id(last_new.max(seq)));
        self.sled(t.meta.apply_batch(meta))?;
        self.flush()?;

        let old_by_id: std::collections::HashMap<u64, &Counterparty> =
            replaced.iter().map(|c| (c.id, c)).collect();
        // Audit keys are fixed up front so that the audit tree and its index agree.
        let mut audit_keys = Vec::with_capacity(records.len());
        for _ in &records {
            let seq = self.sled(self.db.generate_id())?;
            audit_keys.push(keys::join(&[&keys::time(now), &keys::id(seq)]));
        }
        // Records first: recovery finds the index entries to undo through the records present.
        let trees = [
            &t.counterparties,
            &t.idx_vat,
            &t.idx_owner,
            &t.idx_country,
            &t.audit,
            &t.idx_audit_cp,
        ];
        let apply_step = |step: usize| -> Result<()> {
            let tree = trees[step];
            let mut batch = sled::Batch::default();
            // Old index entries of updated records go first; batches apply in order, so a
            // record that keeps its VAT number gets the entry back below.
            for old in &replaced {
                match step {
                    1 => {
                        if let Some(v) = &old.vat {
                            batch.remove(v.as_bytes());
                        }
                    }
                    2 => {
                        if let Some(o) = &old.owner {
                            batch.remove(keys::text_then_id(&o.to_lowercase(), old.id));
                        }
                    }
                    3 => batch.remove(keys::text_then_id(&old.country, old.id)),
                    _ => {}
                }
            }
            for (i, (cp, action)) in records.iter().enumerate() {
                let id = &keys::id(cp.id)[..];
                match step {
                    0 => batch.insert(id, encode_plain(cp)?),
                    1 => {
                        if let Some(v) = &cp.vat {
                            batch.insert(v.as_bytes(), id);
                        }
                    }
                    2 => {
                        if let Some(o) = &cp.owner {
                            batch.insert(keys::text_then_id(&o.to_lowercase(), cp.id), &[][..]);
                        }
                    }
                    3 => batch.insert(keys::text_then_id(&cp.country, cp.id), &[][..]),
                    4 => {
                        let detail = match old_by_id.get(&cp.id) {
                            Some(old) => changed_fields(old, cp).join(", "),
                            None => cp.name.clone(),
                        };
                        let event = AuditEvent {
                            at: now,
                            actor: actor.to_string(),
                            counterparty_id: Some(cp.id),
                            action: *action,
                            detail,
                        };
                        batch.insert(audit_keys[i].as_slice(), encode_plain(&event)?);
                    }
                    _ => batch.insert(keys::join(&[id, &audit_keys[i]]), &[][..]),
                }
                // Bounded batches (see BULK_CHUNK); the journal makes the whole write atomic.
                if (i + 1) % BULK_CHUNK == 0 {
                    self.sled(tree.apply_batch(std::mem::take(&mut batch)))?;
                }
            }
            self.sled(tree.apply_batch(batch))
        };
        // One tree after the other: two trees in flight were 10-15% faster on two cores but
        // took 140 MB more memory (sled keeps each tree's pages), over the 300 MB target.
        steps.iter().try_for_each(|&step| apply_step(step))?;
        let complete = steps == ALL_BULK_STEPS;
        self.flush()?;
        if !complete {
            return Ok(ids);
        }
        self.sled(t.meta.remove(BULK_JOURNAL))?;
        self.flush()?;
        Ok(ids)
    }

    /// Inserts one counterparty and returns it with its new id.
    pub fn add_counterparty(&self, cp: Counterparty, actor: &str) -> Result<Counterparty> {
        let ids = self.write_counterparties(vec![Write::Insert(cp.clone())], actor)?;
        Ok(Counterparty { id: ids[0], ..cp })
    }

    /// Replaces a counterparty (matched by id).
    pub fn update_counterparty(&self, cp: &Counterparty, actor: &str) -> Result<()> {
        self.write_counterparties(vec![Write::Update(cp.clone())], actor)
            .map(|_| ())
    }

    /// Switches monitoring for several counterparties in one transaction; returns how many changed.
    pub fn set_monitoring(&self, ids: &[u64], on: bool, actor: &str) -> Result<usize> {
        let now = Utc::now();
        let t = &self.t;
        let r = (&t.counterparties, &t.audit, &t.idx_audit_cp).transaction(|(cps, audit, idx)| {
            let mut changed = 0;
            for &id in ids {
                let Some(bytes) = cps.get(keys::id(id))? else {
                    return abort(StoreError::NotFound {
                        what: "counterparty",
                        id,
                    });
                };
                let mut cp: Counterparty =
                    dec("counterparty", &bytes).map_err(ConflictableTransactionError::Abort)?;
                if cp.monitor == on {
                    continue;
                }
                cp.monitor = on;
                cp.updated_at = now;
                cps.insert(&keys::id(id), enc("counterparty", &cp)?)?;
                audit_put(
                    audit,
                    idx,
                    &AuditEvent {
                        at: now,
                        actor: actor.to_string(),
                        counterparty_id: Some(id),
                        action: if on {
                            AuditAction::MonitoringOn
                        } else {
                            AuditAction::MonitoringOff
                        },
                        detail: String::new(),
                    },
                )?;
                changed += 1;
            }
            Ok(changed)
        });
        let n = unwrap_tx(r, &self.dir)?;
        self.flush()?;
        Ok(n)
    }

    /// Deletes counterparties with their indexes; check runs and alerts stay for the audit trail.
    pub fn delete_counterparties(&self, ids: &[u64], actor: &str) -> Result<Vec<Counterparty>> {
        let now = Utc::now();
        let t = &self.t;
        let r = (
            &t.counterparties,
            &t.idx_vat,
            &t.idx_owner,
            &t.idx_country,
            &t.audit,
            &t.idx_audit_cp,
        )
            .transaction(|(cps, vat, owner, country, audit, idx)| {
                let mut gone = Vec::new();
                for &id in ids {
                    let Some(bytes) = cps.remove(&keys::id(id))? else {
                        return abort(StoreError::NotFound {
                            what: "counterparty",
                            id,
                        });
                    };
                    let cp: Counterparty =
                        dec("counterparty", &bytes).map_err(ConflictableTransactionError::Abort)?;
                    index_remove(&cp, vat, owner, country)?;
                    audit_put(
                        audit,
                        idx,
                        &AuditEvent {
                            at: now,
                            actor: actor.to_string(),
                            counterparty_id: Some(id),
                            action: AuditAction::Deleted,
                            detail: format!("{} ({})", cp.name, cp.vat.as_deref().unwrap_or("-")),
                        },
                    )?;
                    gone.push(cp);
                }
                Ok(gone)
            });
        let gone = unwrap_tx(r, &self.dir)?;
        self.flush()?;
        Ok(gone)
    }

    /// One counterparty by id.
    pub fn counterparty(&self, id: u64) -> Result<Option<Counterparty>> {
        self.get_record(&self.t.counterparties, "counterparty", id)
    }

    /// All counterparties in id order.
    pub fn counterparties(&self) -> Result<Vec<Counterparty>> {
        self.all_records(&self.t.counterparties, "counterparty")
    }

    /// All counterparties in id order, decoded one at a time.
    pub fn iter_counterparties(&self) -> impl Iterator<Item = Result<Counterparty>> + '_ {
        self.t.counterparties.iter().map(move |item| {
            let (_, v) = self.sled(item)?;
            dec("counterparty", &v)
        })
    }

    /// Number of counterparties.
    pub fn counterparty_count(&self) -> usize {
        self.t.counterparties.len()
    }

    /// The id of the counterparty with this (normalised) VAT number.
    pub fn find_by_vat(&self, vat: &str) -> Result<Option<u64>> {
        Ok(self
            .sled(self.t.idx_vat.get(vat.as_bytes()))?
            .and_then(|b| keys::read_id(&b)))
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

    /// Ids of the counterparties an owner is responsible for (case-insensitive).
    pub fn ids_by_owner(&self, owner: &str) -> Result<Vec<u64>> {
        self.ids_with_prefix(&self.t.idx_owner, &keys::text_prefix(&owner.to_lowercase()))
    }

    /// Ids of the counterparties in a country (ISO code).
    pub fn ids_by_country(&self, country: &str) -> Result<Vec<u64>> {
        self.ids_with_prefix(&self.t.idx_country, &keys::text_prefix(country))
    }

    // ----- check runs and alerts -----

    /// Stores a check run and the alerts it raised in one transaction, with an audit entry.
    ///
    /// An alert whose `dedup_key` was already stored is skipped, so a cycle that runs again
    /// after a crash never raises the same change twice. Returns the run with its id and the
    /// alerts that were new.
    pub fn record_check(
        &self,
        run: CheckRun,
        alerts: Vec<Alert>,
    ) -> Result<(CheckRun, Vec<Alert>)> {
        let out = self.record_check_deferred(run, alerts)?;
        self.flush()?;
        Ok(out)
    }

    /// Like [`Store::record_check`] without waiting for the disk: the transaction is atomic
    /// and becomes durable with the next [`Store::flush`] (or sled's periodic flush). A crash
    /// before that loses whole check runs (with their alerts), never parts of one, so a resumed
    /// cycle simply checks those counterparties again. Used by the monitor's cycles, which
    /// flush when they persist their progress.
    pub fn record_check_deferred(
        &self,
        run: CheckRun,
        alerts: Vec<Alert>,
    ) -> Result<(CheckRun, Vec<Alert>)> {
        let t = &self.t;
        let r = (
            &t.checks,
            &t.idx_check_cp,
            &t.alerts,
            &t.idx_alert_cp,
            &t.alert_dedup,
            &t.audit,
            &t.idx_audit_cp,
            &t.meta,
        )
            .transaction(
                |(checks, check_idx, alerts_t, alert_idx, dedup, audit, audit_idx, meta)| {
                    let mut run = run.clone();
                    run.id = next_id(meta, "checks")?;
                    checks.insert(&keys::id(run.id), enc("check run", &run)?)?;
                    check_idx.insert(
                        keys::join(&[
                            &keys::id(run.counterparty_id),
                            &keys::time(run.started_at),
                            &keys::id(run.id),
                        ]),
                        &[],
                    )?;
                    let mut fresh = Vec::new();
                    for a in &alerts {
                        if dedup.get(a.dedup_key.as_bytes())?.is_some() {
                            continue;
                        }
                        let mut a = a.clone();
                        a.id = next_id(meta, "alerts")?;
                        a.check_run_id = Some(run.id);
                        alerts_t.insert(&keys::id(a.id), enc("alert", &a)?)?;
                        alert_idx.insert(
                            keys::join(&[&keys::id(a.counterparty_id), &keys::id(a.id)]),
                            &[],
                        )?;
                        dedup.insert(a.dedup_key.as_bytes(), &keys::id(a.id))?;
                        fresh.push(a);
                    }
                    audit_put(
                        audit,
                        audit_idx,
                        &AuditEvent {
                            at: run.finished_at,
                            actor: run.trigger.clone(),
                            counterparty_id: Some(run.counterparty_id),
                            action: AuditAction::Checked,
                            detail: format!("check run {} ({} new alerts)", run.id, fresh.len()),
                        },
                    )?;
                    Ok((run, fresh))
                },
            );
        unwrap_tx(r, &self.dir)
    }

    /// One check run by id.
    pub fn check_run(&self, id: u64) -> Result<Option<CheckRun>> {
        self.get_record(&self.t.checks, "check run", id)
    }

    /// A counterparty's check runs, oldest first.
    pub fn check_runs(&self, counterparty_id: u64) -> Result<Vec<CheckRun>> {
        let prefix = keys::id(counterparty_id);
        let mut out = Vec::new();
        for item in self.t.idx_check_cp.scan_prefix(prefix) {
            let (k, _) = self.sled(item)?;
            if let Some(id) = keys::read_id(&k[16..])
                && let Some(run) = self.check_run(id)?
            {
                out.push(run);
            }
        }
        Ok(out)
    }

    /// A counterparty's check runs, newest first, read lazily (so callers stop when they have
    /// seen enough).
    pub fn check_runs_newest_first(
        &self,
        counterparty_id: u64,
    ) -> impl Iterator<Item = Result<CheckRun>> + '_ {
        self.t
            .idx_check_cp
            .scan_prefix(keys::id(counterparty_id))
            .rev()
            .map(move |item| {
                let (k, _) = self.sled(item)?;
                let id = keys::read_id(&k[16..]).unwrap_or(0);
                self.check_run(id)?.ok_or(StoreError::NotFound {
                    what: "check run",
                    id,
                })
            })
    }

    /// A counterparty's most recent check run.
    pub fn last_check(&self, counterparty_id: u64) -> Result<Option<CheckRun>> {
        let prefix = keys::id(counterparty_id);
        match self.t.idx_check_cp.scan_prefix(prefix).next_back() {
            Some(item) => {
                let (k, _) = self.sled(item)?;
                match keys::read_id(&k[16..]) {
                    Some(id) => self.check_run(id),
                    None => Ok(None),
                }
            }
            None => Ok(None),
        }
    }

    /// Number of stored check runs.
    pub fn check_run_count(&self) -> usize {
        self.t.checks.len()
    }

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

    /// Whether an alert with this dedup key was ever stored.
    pub fn alert_exists(&self, dedup_key: &str) -> Result<bool> {
        Ok(self
            .sled(self.t.alert_dedup.get(dedup_key.as_bytes()))?
            .is_some())
    }

    /// Marks alerts acknowledged by `actor`; already acknowledged ones stay as they were.
    /// Returns the ids that changed.
    pub fn acknowledge(&self, ids: &[u64], actor: &str) -> Result<Vec<u64>> {
        self.acknowledge_with_comment(ids, actor, "")
    }

    /// Like [`Store::acknowledge`], with the analyst's comment (if not empty) in the same audit
    /// event.
    pub fn acknowledge_with_comment(
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
    pub fn clear_delivery_unknown(&self, ids: &[u64], channel: &str) -> Result<()> {
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

    // ----- audit trail -----

    /// Appends an audit event on its own (for actions outside the record transactions).
    pub fn append_audit(&self, event: &AuditEvent) -> Result<()> {
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

    // ----- small typed state (scheduler marks, list snapshots metadata, decisions) -----

    /// Reads a typed value from the `state` tree.
    pub fn get_state<T: serde::de::DeserializeOwned>(&self, key: &str) -> Result<Option<T>> {
        match self.sled(self.t.state.get(key.as_bytes()))? {
            Some(b) => Ok(Some(dec(key, &b)?)),
            None => Ok(None),
        }
    }

    /// Writes a typed value to the `state` tree, durably.
    pub fn set_state<T: Serialize>(&self, key: &str, value: &T) -> Result<()> {
        let bytes = codec::encode(value).map_err(|source| StoreError::Codec {
            what: key.to_string(),
            source,
        })?;
        self.sled(self.t.state.insert(key.as_bytes(), bytes))?;
        self.flush()
    }

    /// Writes encoded values (see [`codec::encode`]) to the `state` tree and removes keys, all
    /// in one atomic batch, durably: for bookkeeping that must never be seen half done.
    pub fn apply_state(&self, puts: Vec<(String, Vec<u8>)>, removes: Vec<String>) -> Result<()> {
        let mut batch = sled::Batch::default();
        for (k, v) in puts {
            batch.insert(k.as_bytes(), v);
        }
        for k in removes {
            batch.remove(k.as_bytes());
        }
        self.sled(self.t.state.apply_batch(batch))?;
        self.flush()
    }

    /// Opens an extra named tree for a subsystem (e.g. sanctions snapshots).
    pub fn tree(&self, name: &str) -> Result<Tree> {
        self.sled(self.db.open_tree(name))
    }
}

/// Key of a "delivery unknown" mark: the alert id, then the channel.
fn unknown_key(id: u64, channel: &str) -> Vec<u8> {
    keys::join(&[&keys::id(id), channel.as_bytes()])
}

/// Names of the fields that differ between two versions of a counterparty.
pub fn changed_fields(old: &Counterparty, new: &Counterparty) -> Vec<&'static str> {
    let mut f = Vec::new();
    let mut check = |name, differs: bool| {
        if differs {
            f.push(name);
        }
    };
    check("name", old.name != new.name);
    check("country", old.country != new.country);
    check("vat", old.vat != new.vat);
    check("email", old.email != new.email);
    check("address", old.address != new.address);
    check("domain", old.domain != new.domain);
    check("contact", old.contact != new.contact);
    check("owner", old.owner != new.owner);
    check("lei", old.lei != new.lei);
    check("register", old.register != new.register);
    check("priority", old.priority != new.priority);
    check("monitor", old.monitor != new.monitor);
    check("frequency", old.frequency != new.frequency);
    check("tags", old.tags != new.tags);
    check("notes", old.notes != new.notes);
    check("kind", old.kind != new.kind);
    f
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::screening::HitStrength;
    use crate::domain::{CounterpartyDraft, CounterpartyKind};

    fn cp(name: &str, vat: Option<&str>, owner: &str) -> Counterparty {
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

    #[test]
    fn bulk_writes_need_four_times_their_size_plus_a_margin_and_say_disk_full() {
        assert!(space_for_bulk_write(1_000_000, 71_108_864).is_ok());
        let refused = space_for_bulk_write(1_000_000, 71_108_863).unwrap_err();
        assert!(refused.contains("needs about 71.1 MB free"), "{refused}");
        assert!(space_for_bulk_write(u64::MAX, u64::MAX - 1).is_err());
        let full = sled_error(
            Path::new("/data"),
            sled::Error::Io(std::io::Error::from_raw_os_error(libc::ENOSPC)),
        );
        assert!(matches!(full, StoreError::DiskFull { .. }));
        assert!(full.to_string().starts_with("disk full: "), "{full}");
    }

    #[test]
    fn a_read_copy_shows_the_data_writes_nothing_back_and_is_removed() {
        let dir = tempfile::tempdir().unwrap();
        {
            let s = Store::open(dir.path(), "test").unwrap();
            s.add_counterparty(cp("A GmbH", None, "anna"), "t").unwrap();
        }
        let before: Vec<_> = std::fs::read_dir(dir.path().join("db"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        let copy_path;
        {
            let s = Store::open_copy(dir.path()).unwrap();
            assert!(s.is_copy());
            assert_eq!(s.counterparties().unwrap()[0].name, "A GmbH");
            copy_path = s._copy.as_ref().unwrap().0.clone();
            assert!(copy_path.exists());
            let after: Vec<_> = std::fs::read_dir(dir.path().join("db"))
                .unwrap()
                .map(|e| e.unwrap().file_name())
                .collect();
            assert_eq!(before, after);
            // No lock is taken on the original: a writer can still open it.
            assert!(Store::open(dir.path(), "writer").is_ok());
        }
        assert!(!copy_path.exists());
        for e in [
            StoreError::DiskFull {
                dir: "/d".into(),
                message: String::new(),
            },
            StoreError::CreateDir {
                dir: "/d".into(),
                source: std::io::Error::from_raw_os_error(libc::EROFS),
            },
            StoreError::Locked(LockError::Io {
                path: "/d".into(),
                source: std::io::Error::from_raw_os_error(libc::EACCES),
            }),
        ] {
            assert!(unwritable(&e), "{e}");
        }
        assert!(!unwritable(&StoreError::NotFound {
            what: "counterparty",
            id: 1
        }));
    }

    #[test]
    fn an_interrupted_bulk_write_is_rolled_back_on_open() {
        let dir = tempfile::tempdir().unwrap();
        {
            let s = Store::open(dir.path(), "t").unwrap();
            s.add_counterparty(cp("Kept", Some("DE136695976"), "anna"), "t")
                .unwrap();
            let mut changed = s.counterparty(1).unwrap().unwrap();
            changed.name = "Renamed".into();
            changed.owner = Some("bob".into());
            changed.vat = None;
            // Every prefix of the six batches (where a crash can stop the write), and every set
            // of the five batches after the records: recovery must not depend on their order.
            let prefixes = (0..6).map(|n| ALL_BULK_STEPS[..n].to_vec());
            let parallel = (0..32u32).map(|mask| {
                let mut steps = vec![0];
                steps.extend((1..6).filter(|b| mask & (1 << (b - 1)) != 0));
                steps
            });
            for steps in prefixes.chain(parallel).filter(|s| s[..] != ALL_BULK_STEPS) {
                let writes = vec![
                    Write::Insert(cp("New A", None, "carl")),
                    Write::Insert(cp("New B", Some("DE136695976"), "carl")),
                    Write::Update(changed.clone()),
                ];
                s.bulk_write_stopping(writes, "t", &steps).unwrap();
                drop(s.recover_bulk());
                assert_eq!(
                    s.counterparty_count(),
                    1,
                    "rolled back after batches {steps:?}"
                );
                let kept = s.counterparty(1).unwrap().unwrap();
                assert_eq!(kept.name, "Kept");
                assert_eq!(s.find_by_vat("DE136695976").unwrap(), Some(1));
                assert_eq!(s.ids_by_owner("anna").unwrap(), vec![1]);
                assert!(s.ids_by_owner("bob").unwrap().is_empty());
                assert!(s.ids_by_owner("carl").unwrap().is_empty());
                assert_eq!(s.audit_for(1).unwrap().len(), 1);
                assert_eq!(s.t.audit.len(), 1, "no audit entry left after {steps:?}");
                assert_eq!(s.t.idx_audit_cp.len(), 1, "after {steps:?}");
            }
            // The interrupted write below is undone by the next open, not by this process.
            s.bulk_write_stopping(
                vec![Write::Insert(cp("Half", None, "dora"))],
                "t",
                &[0, 1, 2, 3],
            )
            .unwrap();
        }
        let s = Store::open(dir.path(), "t").unwrap();
        assert_eq!(s.counterparty_count(), 1);
        assert!(s.ids_by_owner("dora").unwrap().is_empty());
        let ids = s
            .bulk_write_counterparties(vec![Write::Insert(cp("Whole", None, "dora"))], "t")
            .unwrap();
        assert_eq!(ids, vec![2], "ids of a rolled-back write are reused");
        assert_eq!(s.audit_for(2).unwrap().len(), 1);
    }

    /// A copy of the version-1 data directory under `tests/fixtures` (see its README).
    fn v1_copy() -> tempfile::TempDir {
        fn copy(from: &Path, to: &Path) {
            std::fs::create_dir_all(to).unwrap();
            for e in std::fs::read_dir(from).unwrap() {
                let e = e.unwrap();
                if e.file_type().unwrap().is_dir() {
                    copy(&e.path(), &to.join(e.file_name()));
                } else {
                    std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
                }
            }
        }
        let dir = tempfile::tempdir().unwrap();
        copy(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/store_v1"),
            dir.path(),
        );
        dir
    }

    /// Everything a migrated copy of the fixture holds, in comparable form.
    fn contents(s: &Store) -> (Vec<Counterparty>, Vec<CheckRun>, Vec<Alert>) {
        let runs = (1..=5).filter_map(|id| s.check_run(id).unwrap()).collect();
        (s.counterparties().unwrap(), runs, s.alerts().unwrap())
    }

    fn sanctions_hits(run: &CheckRun) -> Vec<crate::domain::check::SanctionsHit> {
        run.results
            .iter()
            .filter_map(|r| match r.outcome.answer() {
                Some(crate::domain::check::Answer::Sanctions(a)) => Some(a.hits.clone()),
                _ => None,
            })
            .flatten()
            .collect()
    }

    #[test]
    fn a_version_1_store_is_migrated_on_open() {
        let dir = v1_copy();
        {
            let raw = Store::open_unmigrated(dir.path(), "t", None).unwrap();
            assert_eq!(raw.schema_version().unwrap(), 1, "the fixture is version 1");
            assert!(
                raw.counterparties().is_err(),
                "version-1 counterparties do not read as version 2"
            );
        }
        let s = Store::open(dir.path(), "t").unwrap();
        assert_eq!(s.schema_version().unwrap(), SCHEMA_VERSION);
        let (cps, runs, alerts) = contents(&s);
        let names: Vec<&str> = cps.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "TNK Trading International S.A.",
                "Korea Mining Development Trading Corporation",
                "Beispiel GmbH",
                "Acme SARL",
                "Nordlicht Oy"
            ]
        );
        assert!(cps.iter().all(|c| c.kind == CounterpartyKind::Organisation));
        let b = &cps[2];
        assert_eq!(b.vat.as_deref(), Some("DE136695976"));
        assert_eq!(b.lei.as_deref(), Some("254900OPPU84GM83MG36"));
        assert_eq!(
            b.register.as_ref().map(|r| r.to_string()).as_deref(),
            Some("HRB 12345, München")
        );
        assert_eq!(b.tags, ["key", "eu"]);
        assert_eq!(b.notes, "Fixture written by schema version 1");
        assert_eq!(b.frequency, crate::domain::Frequency::Weekly);
        assert_eq!(s.find_by_vat("DE136695976").unwrap(), Some(3));
        assert_eq!(s.ids_by_owner("carl").unwrap(), vec![4, 5]);
        assert_eq!(runs.len(), 5);
        let hits: Vec<_> = runs.iter().flat_map(sanctions_hits).collect();
        let ids: Vec<(&str, &str)> = hits
            .iter()
            .map(|h| (h.list.as_str(), h.entity_id.as_str()))
            .collect();
        assert_eq!(ids, [("ofac", "28603"), ("un", "690735")]);
        for h in &hits {
            assert_eq!(h.strength, HitStrength::Strong, "old hits had alerted");
            assert!(h.reasons.is_empty());
            assert_eq!(h.score, 1.0);
            assert!(h.explanation.starts_with("primary"), "{}", h.explanation);
        }
        assert_eq!(alerts.len(), 2);
        assert_eq!(alerts[0].acknowledged_by.as_deref(), Some("analyst"));
        assert!(s.sled(s.t.meta.get(MIGRATION_PROGRESS)).unwrap().is_none());
        // The migrated store takes new records and opens again without migrating twice.
        let mut v = cps[3].clone();
        v.kind = CounterpartyKind::Vessel;
        s.update_counterparty(&v, "t").unwrap();
        drop(s);
        let s = Store::open(dir.path(), "t").unwrap();
        assert_eq!(
            s.counterparty(4).unwrap().unwrap().kind,
            CounterpartyKind::Vessel
        );
        assert_eq!(contents(&s).1, runs);
    }

    #[test]
    fn a_migration_killed_part_way_resumes_without_loss_or_double_conversion() {
        let whole = v1_copy();
        let expected = contents(&Store::open(whole.path(), "t").unwrap());
        let dir = v1_copy();
        // One record per transaction, one transaction per open: every place a kill can stop
        // the migration is visited, and each open resumes where the last one stopped.
        let mut opens = 0;
        loop {
            let s = Store::open_unmigrated(dir.path(), "t", None).unwrap();
            opens += 1;
            if s.migrate_stopping(1, Some(1)).unwrap() {
                break;
            }
            assert_eq!(
                s.schema_version().unwrap(),
                1,
                "not done after open {opens}"
            );
            assert!(opens < 50, "the migration does not advance");
        }
        // Journal, 5 counterparties, 5 check runs, and each phase's end.
        assert!(opens >= 11, "{opens} opens");
        let s = Store::open(dir.path(), "t").unwrap();
        assert_eq!(s.schema_version().unwrap(), SCHEMA_VERSION);
        assert_eq!(contents(&s), expected);
    }

    #[test]
    fn a_version_1_bulk_journal_is_still_rolled_back_after_the_migration() {
        let dir = v1_copy();
        {
            // Play a version-1 import killed after its journal was written: it was replacing
            // counterparty 4 and inserting 6. The journal holds counterparty 4 as version 1
            // wrote it, which is what the stored record's bytes are.
            let raw = Store::open_unmigrated(dir.path(), "t", None).unwrap();
            let old_cp = raw
                .sled(raw.t.counterparties.get(keys::id(4)))
                .unwrap()
                .unwrap();
            let at = Utc::now();
            let mut journal = codec::encode(&(6u64, 6u64, 1u64)).unwrap();
            journal.extend_from_slice(&old_cp[1..]);
            journal.extend_from_slice(&codec::encode(&at).unwrap()[1..]);
            raw.sled(raw.t.meta.insert(BULK_JOURNAL, journal)).unwrap();
            raw.sled(raw.t.meta.insert("seq/counterparties", &keys::id(6)))
                .unwrap();
            raw.flush().unwrap();
        }
        let s = Store::open(dir.path(), "t").unwrap();
        assert!(s.sled(s.t.meta.get(BULK_JOURNAL)).unwrap().is_none());
        assert_eq!(s.counterparty_count(), 5);
        let acme = s.counterparty(4).unwrap().unwrap();
        assert_eq!(acme.name, "Acme SARL");
        assert_eq!(acme.kind, CounterpartyKind::Organisation);
        assert_eq!(s.ids_by_owner("carl").unwrap(), vec![4, 5]);
        let next = s.add_counterparty(cp("Next", None, "dora"), "t").unwrap();
        assert_eq!(next.id, 6, "the rolled-back id is given again");
    }

    #[test]
    fn bulk_write_refuses_duplicates_before_writing() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(dir.path(), "t").unwrap();
        s.add_counterparty(cp("Kept", Some("DE136695976"), "anna"), "t")
            .unwrap();
        let err = s
            .bulk_write_counterparties(
                vec![
                    Write::Insert(cp("X", None, "a")),
                    Write::Insert(cp("Y", Some("DE136695976"), "a")),
                ],
                "t",
            )
            .unwrap_err();
        assert!(matches!(err, StoreError::DuplicateVat { existing: 1, .. }));
        assert_eq!(s.counterparty_count(), 1);
        assert!(s.sled(s.t.meta.get(BULK_JOURNAL)).unwrap().is_none());
    }
}
