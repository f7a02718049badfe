//! Opening a data directory: the private directory, the process lock, sled and its trees, a
//! read-only copy for commands that only read, and the schema migration on open.

use std::path::{Path, PathBuf};

use super::decisions::DECISIONS_TREE;
use super::outbox::OUTBOX_TREE;
use super::webhooks::{WEBHOOK_SENT_TREE, WEBHOOK_SINCE_TREE};
use super::{DirLock, Holder, LockError, Result, Store, StoreError, Trees, sled_error};

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
pub(super) struct CopyGuard(pub(super) PathBuf);

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

/// How often opening retries while sled's lock is busy and ours is free (50 ms apart: 2 s).
const SLED_LOCK_ATTEMPTS: u32 = 40;

/// Whether opening failed because sled's own file lock is held by someone.
fn sled_lock_busy(e: &StoreError) -> bool {
    matches!(e, StoreError::Sled { source: sled::Error::Io(io), .. }
        if io.to_string().contains("could not acquire lock"))
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
        // sled's own lock on its files outlives our lock by the moment its background thread
        // takes to stop when the previous holder closes the store (the next command right after
        // an exit, a test reopening): ours free and sled's busy is first that, and is retried.
        let mut attempts = 0;
        let opened = loop {
            let lock = DirLock::acquire(dir, role, tmux_session.clone())?;
            remove_unfinished_snapshots(&dir.join("db"))?;
            match Self::open_db(dir, &dir.join("db"), Some(lock), None) {
                Err(e) if sled_lock_busy(&e) && attempts < SLED_LOCK_ATTEMPTS => {
                    attempts += 1;
                    std::thread::sleep(std::time::Duration::from_millis(50));
                }
                other => break other,
            }
        };
        match opened {
            // sled's own lock is still held although ours was free: the lock file was deleted
            // under a running process, which still owns the store. Leave no lock file naming
            // this (about to exit) process, and say what happened.
            Err(e) if sled_lock_busy(&e) => {
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
    pub(crate) fn open_for_reading(dir: &Path, role: &str) -> Result<Store> {
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

    pub(crate) fn open_copy(dir: &Path) -> Result<Store> {
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
    pub(crate) fn is_copy(&self) -> bool {
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
    pub(super) fn open_unmigrated(
        dir: &Path,
        role: &str,
        tmux_session: Option<String>,
    ) -> Result<Store> {
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
            outbox: tree(OUTBOX_TREE)?,
            webhook_sent: tree(WEBHOOK_SENT_TREE)?,
            webhook_since: tree(WEBHOOK_SINCE_TREE)?,
            decisions: tree(DECISIONS_TREE)?,
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
}
#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::test_support::cp;

    /// The previous holder's sled still closing (its lock on the files a moment longer than
    /// ours) is waited for, not reported as a deleted lock file; a sled lock that stays is.
    #[test]
    fn a_sled_lock_released_a_moment_after_ours_is_waited_for() {
        let dir = tempfile::tempdir().unwrap();
        drop(Store::open(dir.path(), "first").unwrap());
        let held = sled::open(dir.path().join("db")).unwrap();
        let closer = std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(300));
            drop(held);
        });
        let s = Store::open(dir.path(), "second");
        closer.join().unwrap();
        assert!(s.is_ok(), "{:?}", s.err());
        drop(s);
        let _held = sled::open(dir.path().join("db")).unwrap();
        let err = Store::open(dir.path(), "third").err().unwrap().to_string();
        assert!(err.contains("kontra.lock was deleted"), "{err}");
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
}
