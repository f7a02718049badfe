//! Sanctions lists (`kontra sanctions status|import|update`): what the store holds about each
//! list, and accepting a new publication, read by the caller or downloaded here. Accepting is
//! a lead's action; a monitor running here reloads its screener afterwards.

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::app::access::Need;
use crate::app::events::Event;
use crate::app::local::Local;
use crate::exit::{self, Failure};
use crate::monitor::Request as MonitorRequest;
use crate::sanctions::health::ListReport;
use crate::sanctions::model::SkippedRows;
use crate::sanctions::snapshot::{self, Delta, RefreshError, SnapshotMeta};
use crate::sanctions::{ListSource, RawList, update};

/// A list publication as the caller read it from their disk, or why it could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ListFile {
    /// The files' bytes and where they came from (the path as given).
    Read {
        /// The publication.
        raw: RawList,
        /// The path as given, recorded as the snapshot's origin.
        origin: String,
    },
    /// Reading failed: the failure is recorded like any other attempt.
    Unreadable {
        /// The file that could not be read.
        path: PathBuf,
        /// Why.
        error: String,
    },
}

/// A publication accepted as the list's current snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Accepted {
    /// The new snapshot.
    pub meta: SnapshotMeta,
    /// What changed against the previous one.
    pub delta: Delta,
    /// Malformed rows left out of it.
    pub skipped: SkippedRows,
}

/// What the store holds about every list, in display order.
pub(crate) fn reports(local: &Local) -> Result<Vec<ListReport>, Failure> {
    crate::sanctions::health::reports(local.store()).map_err(Failure::from_error)
}

fn accepted(local: &Local, meta: SnapshotMeta, delta: Delta) -> Result<Accepted, Failure> {
    let skipped = snapshot::list_report(local.store(), meta.source)
        .map_err(Failure::from_error)?
        .skipped;
    Ok(Accepted {
        meta,
        delta,
        skipped,
    })
}

/// Tells those who screen with the lists that they changed.
fn lists_changed(local: &Local) {
    if let Some(monitor) = local.instance().monitor()
        && monitor.blocking_send(MonitorRequest::ReloadLists).is_err()
    {
        tracing::warn!("the monitor stopped before it reloaded the sanctions lists");
    }
    local.instance().hub().publish(Event::Reload);
}

/// Accepts a publication the caller read (exit 5 when it is refused; the failure is recorded
/// and the previous snapshot stays).
pub(crate) fn import(
    local: &Local,
    source: ListSource,
    file: ListFile,
) -> Result<Accepted, Failure> {
    local.permit(
        &format!("import the {} sanctions list", source.as_str()),
        None,
        Need::Lead,
    )?;
    let instance = local.instance();
    let now = chrono::Utc::now();
    let result = match file {
        ListFile::Read { raw, origin } => snapshot::accept(
            local.store(),
            instance.data_dir(),
            source,
            &raw,
            &origin,
            snapshot::Limits::of(&instance.config().sanctions),
            now,
        ),
        ListFile::Unreadable { path, error } => Err(RefreshError::Io {
            path,
            source: std::io::Error::other(error),
        }),
    };
    match result {
        Ok((meta, delta)) => {
            lists_changed(local);
            accepted(local, meta, delta)
        }
        Err(e) => {
            snapshot::record_failure(local.store(), source, &e, now)
                .map_err(Failure::from_error)?;
            Err(Failure::new(
                exit::INVALID,
                format!("{e}; the previous snapshot (if any) stays in use"),
            ))
        }
    }
}

/// Downloads the enabled lists (or only `only`) here; one answer per list tried, a failure
/// as its message (the list keeps its previous snapshot and is marked stale).
pub(crate) fn update(
    local: &Local,
    only: Option<ListSource>,
) -> Result<Vec<Result<Accepted, String>>, Failure> {
    local.permit("update the sanctions lists", None, Need::Lead)?;
    let instance = local.instance();
    let cfg = &instance.config().sanctions;
    let rt = super::checks::runtime()?;
    let client = update::client(
        Duration::from_secs(cfg.timeout_seconds.0),
        &cfg.user_agent.0,
    )
    .map_err(Failure::from_error)?;
    let mut out = Vec::new();
    for s in ListSource::ALL {
        if only.is_some_and(|o| o != s) || (only.is_none() && !cfg.list(s).enabled) {
            continue;
        }
        match rt.block_on(update::refresh(
            local.store(),
            instance.data_dir(),
            cfg,
            &client,
            s,
        )) {
            Ok((meta, delta)) => out.push(Ok(accepted(local, meta, delta)?)),
            Err(e) => out.push(Err(e.to_string())),
        }
    }
    if out.iter().any(Result::is_ok) {
        lists_changed(local);
    }
    Ok(out)
}
