//! Check runs with their index by counterparty and time, stored in one transaction with the
//! alerts they raised, and the queries the UI and the monitor scan them with.

use sled::Transactional;

use super::audit::{AuditAction, AuditEvent, audit_put};
use super::{Result, Store, StoreError, dec, enc, keys, next_id, unwrap_tx};
use crate::domain::health::{Health, HealthTally};
use crate::domain::{Alert, CheckRun};
use chrono::{DateTime, Utc};

impl Store {
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
    pub(crate) fn check_runs_newest_first(
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

    /// Like [`Store::last_check_per_counterparty`], from counterparty `first` on (a page of the
    /// UI's load through the application API).
    pub(crate) fn last_check_per_counterparty_from(
        &self,
        first: u64,
    ) -> impl Iterator<Item = Result<(u64, CheckRun)>> + '_ {
        let mut from = Some(keys::id(first));
        std::iter::from_fn(move || {
            loop {
                let start = from.take()?;
                let (key, _) = match self.sled(self.t.idx_check_cp.range(start..).next()?) {
                    Ok(entry) => entry,
                    Err(e) => return Some(Err(e)),
                };
                let id = keys::read_id(&key)?;
                from = id.checked_add(1).map(keys::id);
                match self.last_check(id) {
                    Ok(Some(run)) => return Some(Ok((id, run))),
                    Ok(None) => continue,
                    Err(e) => return Some(Err(e)),
                }
            }
        })
    }

    /// Every check run, newest first (keys are big-endian ids and ids grow with time), decoded
    /// lazily so callers stop when they have seen enough.
    pub(crate) fn all_check_runs_newest_first(
        &self,
    ) -> impl Iterator<Item = Result<CheckRun>> + '_ {
        self.t.checks.iter().rev().map(move |item| {
            let (_, v) = self.sled(item)?;
            dec("check run", &v)
        })
    }

    /// The health of every source (see [`crate::domain::health`]), from the runs read newest
    /// first until older ones cannot change it or `max_runs` were read; `each` sees every run
    /// read too, so a caller that draws more from the same runs (the Stats charts) reads them
    /// once. Returns the health and the number of runs read.
    pub fn source_health(
        &self,
        now: DateTime<Utc>,
        max_runs: u64,
        each: &mut dyn FnMut(&CheckRun),
    ) -> Result<(Health, u64)> {
        let mut tally = HealthTally::new(now);
        let mut read = 0;
        for run in self.all_check_runs_newest_first() {
            if read >= max_runs {
                break;
            }
            let run = run?;
            read += 1;
            tally.add(&run);
            each(&run);
            if tally.settled_after(&run) {
                break;
            }
        }
        Ok((tally.finish(), read))
    }
}
