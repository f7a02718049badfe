//! The process lock: one process owns a data directory, and others are told which one.

use fs4::fs_std::FileExt;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// Holds the exclusive lock on a data directory until dropped.
#[derive(Debug)]
pub struct DirLock {
    file: File,
}

/// What the lock file says about the process holding it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    /// Process id.
    pub pid: u32,
    /// What the process is (`kontra tui`, `kontra daemon`, ...).
    pub role: String,
    /// When it took the lock (RFC 3339).
    pub(crate) since: String,
    /// The tmux session it runs in, when known, so the user can attach to it.
    pub(crate) tmux_session: Option<String>,
}

impl std::fmt::Display for Holder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.pid == 0 {
            // Nothing is known about the holder but that it exists.
            write!(f, "{}", self.role)?;
        } else {
            write!(f, "{} (pid {}, since {})", self.role, self.pid, self.since)?;
        }
        if let Some(s) = &self.tmux_session {
            write!(f, "; attach to it with `tmux attach -t {s}`")?;
        }
        Ok(())
    }
}

/// Why the lock could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another process holds it.
    #[error("data directory {dir} is in use by {holder}")]
    Held {
        /// The data directory.
        dir: PathBuf,
        /// The process holding it.
        holder: Holder,
    },
    /// The lock file could not be opened or written.
    #[error("cannot lock {path}: {source}")]
    Io {
        /// The lock file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

impl DirLock {
    /// Takes the lock on `dir`, recording this process as the holder.
    pub(crate) fn acquire(
        dir: &Path,
        role: &str,
        tmux_session: Option<String>,
    ) -> Result<DirLock, LockError> {
        let path = dir.join("kontra.lock");
        let io = |source| LockError::Io {
            path: path.clone(),
            source,
        };
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(&path)
            .map_err(io)?;
        match file.try_lock_exclusive() {
            Ok(true) => {}
            Ok(false) => {
                let mut text = String::new();
                let _ = file.read_to_string(&mut text);
                return Err(LockError::Held {
                    dir: dir.to_path_buf(),
                    holder: parse_holder(&text),
                });
            }
            Err(e) => return Err(io(e)),
        }
        let since = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let mut body = format!("pid={}\nrole={role}\nsince={since}\n", std::process::id());
        if let Some(s) = &tmux_session {
            body.push_str(&format!("tmux={s}\n"));
        }
        file.set_len(0).map_err(io)?;
        file.seek(SeekFrom::Start(0)).map_err(io)?;
        file.write_all(body.as_bytes()).map_err(io)?;
        file.sync_all().map_err(io)?;
        Ok(DirLock { file })
    }
}

impl Drop for DirLock {
    fn drop(&mut self) {
        // Leave the file in place (another process may already be waiting on it); the OS drops
        // the lock with the descriptor anyway, this only makes it prompt.
        let _ = FileExt::unlock(&self.file);
    }
}

fn parse_holder(text: &str) -> Holder {
    let mut h = Holder {
        pid: 0,
        role: "another kontra process".to_string(),
        since: "an unknown time".to_string(),
        tmux_session: None,
    };
    for line in text.lines() {
        match line.split_once('=') {
            Some(("pid", v)) => h.pid = v.trim().parse().unwrap_or(0),
            Some(("role", v)) => h.role = v.trim().to_string(),
            Some(("since", v)) => h.since = v.trim().to_string(),
            Some(("tmux", v)) => h.tmux_session = Some(v.trim().to_string()),
            _ => {}
        }
    }
    h
}
