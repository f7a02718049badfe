//! Registry pauses kept in the `state` tree under `source_pause.<source>`: written by the
//! process that met the block, honoured by every process started on the same data directory,
//! lifted by an operator.

use super::{Result, StateBatch, Store, StoreError};
use crate::domain::check::Source;
use crate::domain::pause::SourcePause;
use std::path::Path;

fn key(source: Source) -> String {
    format!("source_pause.{}", source.as_str())
}

impl Store {
    /// The pause of `source`, if one is in force.
    pub fn source_pause(&self, source: Source) -> Result<Option<SourcePause>> {
        self.get_state(&key(source))
    }

    /// Records a pause (durably; an existing pause keeps its original time).
    pub fn set_source_pause(&self, pause: &SourcePause) -> Result<()> {
        if self.source_pause(pause.source)?.is_some() {
            return Ok(());
        }
        self.set_state(&key(pause.source), pause)
    }

    /// Lifts the pause of `source`; returns the pause that was in force.
    pub(crate) fn clear_source_pause(&self, source: Source) -> Result<Option<SourcePause>> {
        let was = self.source_pause(source)?;
        if was.is_some() {
            let mut batch = StateBatch::default();
            batch.remove(&key(source));
            self.apply_state(batch)?;
        }
        Ok(was)
    }

    /// Lifts the pause of `source` and audits it (`source_resumed`, by `actor`); returns the
    /// pause that was in force (None: nothing to lift, nothing audited). A process that asks the
    /// registry itself must also lift its client's copy (`Checker::resume` does both).
    pub(crate) fn resume_source(&self, source: Source, actor: &str) -> Result<Option<SourcePause>> {
        let was = self.clear_source_pause(source)?;
        if let Some(p) = &was {
            self.append_audit(&super::AuditEvent {
                at: chrono::Utc::now(),
                actor: actor.to_string(),
                counterparty_id: None,
                action: super::AuditAction::SourceResumed,
                detail: format!(
                    "{} resumed; paused since {} because {}",
                    source.as_str(),
                    p.since.format("%Y-%m-%d %H:%M UTC"),
                    p.code
                ),
            })?;
        }
        Ok(was)
    }

    /// The pause of `source` in the data directory `dir`, for a process that does not keep the
    /// store open (a lookup): read under the lock when it is free, else from a private copy of
    /// the store while the holder (the monitor or the UI) runs. No data directory yet: no pause.
    pub(crate) fn read_source_pause(dir: &Path, source: Source) -> Result<Option<SourcePause>> {
        if !dir.join("db").exists() {
            return Ok(None);
        }
        let store = match Store::open(dir, "lookup") {
            Ok(s) => s,
            Err(StoreError::Locked(_)) => Store::open_copy(dir)?,
            Err(e) => return Err(e),
        };
        store.source_pause(source)
    }
}
