//! List snapshots: a publication is validated before it replaces anything (right format,
//! declared counts, not empty, not shrunk suspiciously); the last good one stays on disk under
//! `<data>/sanctions/<list>/` (raw files plus the parsed entities), its metadata, the last
//! attempt and the diff against the previous snapshot live in the store.

use super::config::SanctionsConfig;
use super::health::{FailureKind, ListReport};
use super::model::{ListSource, ListedEntity, ParseError, SkippedRows};
use super::{RawList, parse_with};
use crate::store::{StateBatch, Store, StoreError, codec};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Metadata of the current (last good) snapshot of one list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotMeta {
    /// The list.
    pub source: ListSource,
    /// The publication date the file states.
    pub published: Option<String>,
    /// SHA-256 of the raw files, hex.
    pub sha256: String,
    /// Size of the raw files in bytes.
    pub bytes: u64,
    /// Number of entities.
    pub entities: u64,
    /// When it was accepted (the last successful refresh).
    pub accepted_at: DateTime<Utc>,
    /// Where it came from (URL or path).
    pub origin: String,
}

/// Everything known about one list: the current snapshot and the last attempt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListState {
    /// The list.
    pub source: ListSource,
    /// The last good snapshot, if any.
    pub current: Option<SnapshotMeta>,
    /// When a refresh was last attempted.
    pub last_attempt: Option<DateTime<Utc>>,
    /// Why the last attempt failed; None when it succeeded.
    pub last_error: Option<String>,
}

impl ListState {
    /// Whether the list is stale: its last refresh failed, or it is older than `max_age`.
    pub fn is_stale(&self, now: DateTime<Utc>, max_age: chrono::Duration) -> bool {
        match &self.current {
            None => true,
            Some(c) => self.last_error.is_some() || now - c.accepted_at > max_age,
        }
    }
}

/// Entities added, changed and removed by a refresh, by list id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Delta {
    /// The list.
    pub source: Option<ListSource>,
    /// Hash of the previous snapshot (None for the first).
    pub from: Option<String>,
    /// Hash of the new snapshot.
    pub to: String,
    /// When the new snapshot was accepted.
    pub at: Option<DateTime<Utc>>,
    /// Ids new in this snapshot.
    pub added: Vec<String>,
    /// Ids whose content changed.
    pub changed: Vec<String>,
    /// Ids no longer listed.
    pub removed: Vec<String>,
    /// Of `changed`, the ids whose names or identifiers changed.
    pub changed_material: Vec<String>,
}

/// Why a publication was refused (the previous snapshot stays).
#[derive(Debug, thiserror::Error)]
pub enum RefreshError {
    /// The file did not parse or is the wrong format.
    #[error(transparent)]
    Invalid(#[from] ParseError),
    /// It parsed to nothing.
    #[error("{0}: the publication lists no entities")]
    Empty(ListSource),
    /// The file's own record count disagrees with what was read.
    #[error("{list}: the file declares {declared} records but {found} were read (truncated?)")]
    CountMismatch {
        /// The list.
        list: ListSource,
        /// Declared.
        declared: usize,
        /// Read.
        found: usize,
    },
    /// Far fewer entities than the current snapshot.
    #[error(
        "{list}: {found} entities against {previous} in the current snapshot; refused as a suspicious shrink"
    )]
    Shrunk {
        /// The list.
        list: ListSource,
        /// Current count.
        previous: u64,
        /// New count.
        found: usize,
    },
    /// The download failed (status, timeout, connection).
    #[error("{list}: download failed: {message}")]
    Download {
        /// The list.
        list: ListSource,
        /// The HTTP status, when the host answered with an error status.
        status: Option<u16>,
        /// What happened.
        message: String,
    },
    /// Files could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The entity file could not be encoded or decoded.
    #[error("{path}: {source}")]
    Codec {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: codec::CodecError,
    },
}

impl RefreshError {
    /// The class of the failure, as list health reports it.
    pub fn kind(&self) -> FailureKind {
        match self {
            RefreshError::Download {
                status: Some(403), ..
            } => FailureKind::Blocked,
            RefreshError::Download {
                status: Some(s), ..
            } => FailureKind::HttpStatus(*s),
            RefreshError::Download { status: None, .. } => FailureKind::Download,
            RefreshError::Invalid(ParseError::TooManyMalformed { .. }) => {
                FailureKind::TooManyMalformed
            }
            RefreshError::Invalid(_)
            | RefreshError::Empty(_)
            | RefreshError::CountMismatch { .. }
            | RefreshError::Shrunk { .. } => FailureKind::Refused,
            RefreshError::Io { .. } | RefreshError::Store(_) | RefreshError::Codec { .. } => {
                FailureKind::Local
            }
        }
    }
}

/// What a publication must pass to be accepted, from `[sanctions]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// A publication with fewer entities than this share of the current one is refused.
    pub min_keep_ratio: f64,
    /// A publication with more than this share of malformed rows is refused.
    pub max_malformed_share: f64,
}

impl Limits {
    /// The limits the configuration sets.
    pub fn of(config: &SanctionsConfig) -> Limits {
        Limits {
            min_keep_ratio: config.min_keep_ratio.0,
            max_malformed_share: config.max_malformed_share.0,
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits::of(&SanctionsConfig::default())
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> RefreshError + '_ {
    move |source| RefreshError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn state_key(source: ListSource) -> String {
    format!("sanctions.list.{source}")
}

fn delta_key(source: ListSource) -> String {
    format!("sanctions.delta.{source}")
}

/// The class of the last failure ([`FailureKind`]); removed by a successful refresh. A key of its
/// own, so that [`ListState`]'s stored shape stays as it was.
fn failure_key(source: ListSource) -> String {
    format!("sanctions.failure.{source}")
}

/// The rows the current snapshot's file had malformed ([`SkippedRows`]).
fn skipped_key(source: ListSource) -> String {
    format!("sanctions.skipped.{source}")
}

/// The skipped rows of a staged acceptance, moved to [`skipped_key`] by [`commit`].
fn staged_skipped_key(source: ListSource) -> String {
    format!("sanctions.accepting_skipped.{source}")
}

/// The metadata of the last [`HISTORY_KEPT`] accepted snapshots, oldest first, so that a stored
/// screening (which names its snapshots by hash) can say how old its lists were.
fn history_key(source: ListSource) -> String {
    format!("sanctions.history.{source}")
}

/// How many accepted snapshots per list the history keeps (two years of daily refreshes).
const HISTORY_KEPT: usize = 730;

/// The directory of one list's snapshot.
pub fn list_dir(data_dir: &Path, source: ListSource) -> PathBuf {
    data_dir.join("sanctions").join(source.as_str())
}

fn entities_path(data_dir: &Path, source: ListSource) -> PathBuf {
    list_dir(data_dir, source).join("entities.bin")
}

/// SHA-256 over the files (names and bytes), hex.
pub fn raw_hash(raw: &RawList) -> String {
    let mut h = Sha256::new();
    for (name, bytes) in &raw.files {
        h.update(name.to_lowercase().as_bytes());
        h.update([0]);
        h.update((bytes.len() as u64).to_be_bytes());
        h.update(bytes);
    }
    hex::encode(h.finalize())
}

/// The state of one list (a default "never loaded" state when unknown).
pub fn list_state(store: &Store, source: ListSource) -> Result<ListState, RefreshError> {
    Ok(read_state(store, source)?)
}

fn read_state(store: &Store, source: ListSource) -> Result<ListState, StoreError> {
    Ok(store
        .get_state::<ListState>(&state_key(source))?
        .unwrap_or(ListState {
            source,
            current: None,
            last_attempt: None,
            last_error: None,
        }))
}

/// Everything list health needs about one list: state, class of the last failure, skipped rows.
pub fn list_report(store: &Store, source: ListSource) -> Result<ListReport, StoreError> {
    Ok(ListReport {
        state: read_state(store, source)?,
        failure: store.get_state(&failure_key(source))?,
        skipped: store.get_state(&skipped_key(source))?.unwrap_or_default(),
    })
}

/// The metadata of every snapshot still known: each list's history and its current snapshot.
pub fn known_snapshots(store: &Store) -> Result<Vec<SnapshotMeta>, StoreError> {
    let mut out = Vec::new();
    for source in ListSource::ALL {
        out.extend(
            store
                .get_state::<Vec<SnapshotMeta>>(&history_key(source))?
                .unwrap_or_default(),
        );
        if let Some(c) = read_state(store, source)?.current
            && !out.contains(&c)
        {
            out.push(c);
        }
    }
    Ok(out)
}

/// The delta of the last accepted refresh of one list.
pub fn last_delta(store: &Store, source: ListSource) -> Result<Option<Delta>, RefreshError> {
    Ok(store.get_state(&delta_key(source))?)
}

/// Loads the entities of the current snapshot of one list (empty when there is none).
pub fn load_entities(
    data_dir: &Path,
    source: ListSource,
) -> Result<Vec<ListedEntity>, RefreshError> {
    let path = entities_path(data_dir, source);
    match std::fs::read(&path) {
        Ok(bytes) => codec::decode(&bytes).map_err(|source| RefreshError::Codec { path, source }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(io(&path)(e)),
    }
}

/// Records a failed refresh: the snapshot stays, the list is marked stale with the reason.
pub fn record_failure(
    store: &Store,
    source: ListSource,
    error: &RefreshError,
    now: DateTime<Utc>,
) -> Result<(), RefreshError> {
    let mut st = list_state(store, source)?;
    st.last_attempt = Some(now);
    st.last_error = Some(error.to_string());
    let mut changes = StateBatch::default();
    changes.put(&state_key(source), &st)?;
    changes.put(&failure_key(source), &error.kind())?;
    store.apply_state(changes)?;
    Ok(())
}

/// Computes the delta between two entity sets.
pub fn diff(previous: &[ListedEntity], next: &[ListedEntity]) -> Delta {
    let old: HashMap<&str, &ListedEntity> = previous.iter().map(|e| (e.id.as_str(), e)).collect();
    let new: HashMap<&str, &ListedEntity> = next.iter().map(|e| (e.id.as_str(), e)).collect();
    let mut d = Delta::default();
    for e in next {
        match old.get(e.id.as_str()) {
            None => d.added.push(e.id.clone()),
            Some(o) if o.content_hash != e.content_hash => {
                d.changed.push(e.id.clone());
                if o.match_hash() != e.match_hash() {
                    d.changed_material.push(e.id.clone());
                }
            }
            Some(_) => {}
        }
    }
    for e in previous {
        if !new.contains_key(e.id.as_str()) {
            d.removed.push(e.id.clone());
        }
    }
    d
}

/// Validates a publication and, when it passes, makes it the current snapshot; returns the
/// delta against the previous one. On any error nothing on disk or in the store changes
/// (call [`record_failure`] to mark the list stale).
///
/// Acceptance is [`stage`], [`install`], [`commit`]: a process killed anywhere in between
/// leaves either the old snapshot (files and store) or a journal from which [`recover`] finishes
/// the acceptance, so the files the screener reads and the store's state and delta never part.
pub fn accept(
    store: &Store,
    data_dir: &Path,
    source: ListSource,
    raw: &RawList,
    origin: &str,
    limits: Limits,
    now: DateTime<Utc>,
) -> Result<(SnapshotMeta, Delta), RefreshError> {
    let staged = stage(store, data_dir, source, raw, origin, limits, now)?;
    install(data_dir, source)?;
    commit(store, &staged)?;
    Ok((staged.meta, staged.delta))
}

/// An acceptance written beside the current snapshot and journalled in the store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Staged {
    /// The list.
    pub source: ListSource,
    /// Metadata of the new snapshot.
    pub meta: SnapshotMeta,
    /// The delta against the previous snapshot.
    pub delta: Delta,
    /// The list state to store once the files are in place.
    pub state: ListState,
    /// SHA-256 of the new entity file, hex: tells after a crash whether it was put in place.
    pub entities_sha256: String,
}

fn journal_key(source: ListSource) -> String {
    format!("sanctions.accepting.{source}")
}

/// Writes `bytes` to `path` and makes them durable before returning.
fn write_synced(path: &Path, bytes: &[u8]) -> Result<(), RefreshError> {
    use std::io::Write;
    let mut f = std::fs::File::create(path).map_err(io(path))?;
    f.write_all(bytes).map_err(io(path))?;
    f.sync_all().map_err(io(path))
}

/// Makes a directory's entries (creations, renames) durable.
fn sync_dir(dir: &Path) -> Result<(), RefreshError> {
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io(dir))
}

fn hash_file(path: &Path) -> Result<Option<String>, RefreshError> {
    match std::fs::read(path) {
        Ok(b) => Ok(Some(hex::encode(Sha256::digest(&b)))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io(path)(e)),
    }
}

/// Step 1 of [`accept`]: validates the publication, writes the raw files and the entity file
/// beside the current ones (`raw.new/`, `entities.bin.new`, synced), and journals the
/// acceptance in the store. Nothing the screener or `sanctions status` read has changed yet.
pub fn stage(
    store: &Store,
    data_dir: &Path,
    source: ListSource,
    raw: &RawList,
    origin: &str,
    limits: Limits,
    now: DateTime<Utc>,
) -> Result<Staged, RefreshError> {
    // An earlier acceptance that was cut short is finished first, so the delta below is taken
    // against the snapshot that is really in place.
    recover_list(store, data_dir, source)?;
    let parsed = parse_with(source, raw, limits.max_malformed_share)?;
    if parsed.entities.is_empty() {
        return Err(RefreshError::Empty(source));
    }
    if let Some(declared) = parsed.declared_count
        && declared != parsed.entities.len()
    {
        return Err(RefreshError::CountMismatch {
            list: source,
            declared,
            found: parsed.entities.len(),
        });
    }
    let mut state = list_state(store, source)?;
    if let Some(cur) = &state.current
        && (parsed.entities.len() as f64) < cur.entities as f64 * limits.min_keep_ratio
    {
        return Err(RefreshError::Shrunk {
            list: source,
            previous: cur.entities,
            found: parsed.entities.len(),
        });
    }
    let previous = load_entities(data_dir, source)?;
    let sha256 = raw_hash(raw);
    let mut delta = diff(&previous, &parsed.entities);
    delta.source = Some(source);
    delta.from = state.current.as_ref().map(|c| c.sha256.clone());
    delta.to = sha256.clone();
    delta.at = Some(now);

    let dir = list_dir(data_dir, source);
    std::fs::create_dir_all(&dir).map_err(io(&dir))?;
    let raw_new = dir.join("raw.new");
    if raw_new.exists() {
        std::fs::remove_dir_all(&raw_new).map_err(io(&raw_new))?;
    }
    std::fs::create_dir_all(&raw_new).map_err(io(&raw_new))?;
    for (name, bytes) in &raw.files {
        let safe: String = name
            .chars()
            .map(|c| {
                if c.is_alphanumeric() || c == '.' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        write_synced(&raw_new.join(safe), bytes)?;
    }
    sync_dir(&raw_new)?;
    let ent_tmp = entities_path(data_dir, source).with_extension("bin.new");
    let encoded = codec::encode(&parsed.entities).map_err(|source| RefreshError::Codec {
        path: ent_tmp.clone(),
        source,
    })?;
    write_synced(&ent_tmp, &encoded)?;
    sync_dir(&dir)?;

    let meta = SnapshotMeta {
        source,
        published: parsed.published.clone(),
        sha256,
        bytes: raw.len() as u64,
        entities: parsed.entities.len() as u64,
        accepted_at: now,
        origin: origin.to_string(),
    };
    state.current = Some(meta.clone());
    state.last_attempt = Some(now);
    state.last_error = None;
    let staged = Staged {
        source,
        meta,
        delta,
        state,
        entities_sha256: hex::encode(Sha256::digest(&encoded)),
    };
    if parsed.skipped.malformed > 0 {
        tracing::warn!(
            list = %source,
            "malformed rows left out: {}",
            parsed.skipped.describe()
        );
    }
    // From here on the acceptance is decided: a crash is finished by `recover`. The skipped rows
    // travel beside the journal (its stored shape stays as it was).
    let mut changes = StateBatch::default();
    changes.put(&journal_key(source), &staged)?;
    changes.put(&staged_skipped_key(source), &parsed.skipped)?;
    store.apply_state(changes)?;
    Ok(staged)
}

/// Step 2 of [`accept`]: puts the staged files in place (renames, then syncs the directory).
/// Repeatable: a step already done is skipped.
pub fn install(data_dir: &Path, source: ListSource) -> Result<(), RefreshError> {
    let dir = list_dir(data_dir, source);
    let raw_new = dir.join("raw.new");
    let raw_cur = dir.join("raw");
    let ent_path = entities_path(data_dir, source);
    let ent_tmp = ent_path.with_extension("bin.new");
    if raw_new.exists() {
        if raw_cur.exists() {
            std::fs::remove_dir_all(&raw_cur).map_err(io(&raw_cur))?;
        }
        std::fs::rename(&raw_new, &raw_cur).map_err(io(&raw_cur))?;
    }
    if ent_tmp.exists() {
        std::fs::rename(&ent_tmp, &ent_path).map_err(io(&ent_path))?;
    }
    sync_dir(&dir)
}

/// Step 3 of [`accept`]: records the new state, delta, skipped rows and history entry and drops
/// the journal and the last failure, in one atomic write of the store.
pub fn commit(store: &Store, staged: &Staged) -> Result<(), RefreshError> {
    let source = staged.source;
    let skipped: SkippedRows = store
        .get_state(&staged_skipped_key(source))?
        .unwrap_or_default();
    let mut history: Vec<SnapshotMeta> = store.get_state(&history_key(source))?.unwrap_or_default();
    // A commit repeated by `recover` adds its snapshot once.
    if history.last() != Some(&staged.meta) {
        history.push(staged.meta.clone());
    }
    let excess = history.len().saturating_sub(HISTORY_KEPT);
    history.drain(..excess);
    let mut changes = StateBatch::default();
    changes.put(&delta_key(source), &staged.delta)?;
    changes.put(&state_key(source), &staged.state)?;
    changes.put(&skipped_key(source), &skipped)?;
    changes.put(&history_key(source), &history)?;
    changes.remove(&journal_key(source));
    changes.remove(&staged_skipped_key(source));
    changes.remove(&failure_key(source));
    store.apply_state(changes)?;
    Ok(())
}

/// Finishes or discards an acceptance a killed process left behind, for every list. Called
/// whenever the store is opened for work.
pub fn recover(store: &Store, data_dir: &Path) -> Result<(), RefreshError> {
    for source in ListSource::ALL {
        recover_list(store, data_dir, source)?;
    }
    Ok(())
}

fn recover_list(store: &Store, data_dir: &Path, source: ListSource) -> Result<(), RefreshError> {
    let Some(staged) = store.get_state::<Staged>(&journal_key(source))? else {
        return Ok(());
    };
    let ent_path = entities_path(data_dir, source);
    let ent_tmp = ent_path.with_extension("bin.new");
    // The journal is written only after both staged files were synced, so a staged entity
    // file beside the journal is complete; without one, the rename already happened if the
    // file in place is the staged one.
    let complete = hash_file(&ent_tmp)?.as_deref() == Some(staged.entities_sha256.as_str())
        || hash_file(&ent_path)?.as_deref() == Some(staged.entities_sha256.as_str());
    if complete {
        tracing::warn!(
            list = %source,
            sha256 = %staged.meta.sha256,
            "finishing a sanctions list acceptance that was interrupted"
        );
        install(data_dir, source)?;
        commit(store, &staged)?;
    } else {
        tracing::warn!(
            list = %source,
            "discarding an interrupted sanctions list acceptance whose files are incomplete; the previous snapshot stays"
        );
        let mut changes = StateBatch::default();
        changes.remove(&journal_key(source));
        changes.remove(&staged_skipped_key(source));
        store.apply_state(changes)?;
    }
    Ok(())
}

/// Reads a local publication as a download would deliver it: one file, or for OFAC a
/// directory holding the CSV set.
pub fn read_local(source: ListSource, path: &Path) -> Result<RawList, RefreshError> {
    if path.is_dir() {
        if source != ListSource::Ofac {
            return Err(RefreshError::Io {
                path: path.to_path_buf(),
                source: std::io::Error::other("expected a file (only OFAC takes a directory)"),
            });
        }
        let mut raw = RawList::default();
        for name in ["sdn.csv", "alt.csv", "add.csv", "sdn_comments.csv"] {
            let found = std::fs::read_dir(path)
                .map_err(io(path))?
                .filter_map(Result::ok)
                .find(|e| e.file_name().to_string_lossy().eq_ignore_ascii_case(name));
            if let Some(entry) = found {
                let p = entry.path();
                raw.files
                    .push((name.to_string(), std::fs::read(&p).map_err(io(&p))?));
            }
        }
        if raw.file("sdn.csv").is_none() {
            return Err(RefreshError::Io {
                path: path.join("sdn.csv"),
                source: std::io::Error::new(std::io::ErrorKind::NotFound, "no sdn.csv"),
            });
        }
        return Ok(raw);
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "list".into());
    Ok(RawList::single(
        &name,
        std::fs::read(path).map_err(io(path))?,
    ))
}
