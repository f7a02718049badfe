//! What the UI shows: the register with each row's last check, the alerts, run statistics for
//! the stats tab, and one counterparty's details. The UI loads them through the application
//! API ([`load_in_steps`], in pages, so a second UI attached to the running Kontra loads the
//! same way); the readers over the store are the server's side of those operations
//! (`app::ops::ui`). Loading runs on a blocking task, never inside a reducer or a view.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

use crate::app::Api;
use crate::app::ops::ui::RunStats;
use crate::domain::last_check::{LastCheck, VatStatus};
use crate::domain::{Alert, CheckRun, Counterparty};
use crate::exit::Failure;

/// Days of history the stats charts cover: the health window, so that the charts and the
/// health table count the same runs.
pub const CHART_DAYS: usize = crate::domain::health::WINDOW_DAYS;

/// One row of the register.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The counterparty.
    pub cp: Counterparty,
    /// Its last check, if any.
    pub last: Option<LastCheck>,
    /// Its VAT status from the last check.
    pub vat: VatStatus,
}

impl Row {
    /// Builds a row from a counterparty and its last run.
    pub fn new(cp: Counterparty, run: Option<&CheckRun>) -> Row {
        let vat = VatStatus::of(&cp, run);
        Row {
            last: run.map(LastCheck::of),
            vat,
            cp,
        }
    }

    /// Replaces the counterparty, keeping the last check.
    pub fn set_cp(&mut self, cp: Counterparty) {
        if cp.vat.is_none() {
            self.vat = VatStatus::NoNumber;
        } else if self.vat == VatStatus::NoNumber {
            self.vat = VatStatus::Unchecked;
        }
        self.cp = cp;
    }

    /// Sets the last check found by the background pass of the load.
    pub fn set_last(&mut self, last: LastCheck, vat: VatStatus) {
        // A check the monitor reported while the load ran may be newer than the scan.
        if self.last.is_some_and(|l| l.at > last.at) {
            return;
        }
        self.last = Some(last);
        self.vat = if self.cp.vat.is_none() {
            VatStatus::NoNumber
        } else {
            vat
        };
    }
}

/// Everything the tabs need, loaded in one go.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    /// The register, in id order.
    pub rows: Vec<Row>,
    /// All alerts, oldest first.
    pub alerts: Vec<Alert>,
    /// Alerts whose mail was handed over without an answer ("delivery unknown").
    pub delivery_unknown: BTreeSet<u64>,
    /// Run statistics.
    pub runs: RunStats,
    /// The next scheduled cycle according to the config.
    pub next_cycle: Option<DateTime<Utc>>,
}

/// How the register is loaded in the background: a small first chunk so the first screenful
/// shows at once, then bigger chunks so the UI thread merges few times.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkPlan {
    /// Counterparties in the first chunk.
    pub first: usize,
    /// Counterparties (and last checks) in each further chunk.
    pub rest: usize,
}

impl ChunkPlan {
    /// The plan the app uses: about 10 ms of decoding for the first screenful.
    pub const DEFAULT: ChunkPlan = ChunkPlan {
        first: 1_000,
        rest: 10_000,
    };
}

/// One step of the background load; steps come in this order.
#[derive(Debug, Clone, PartialEq)]
pub enum LoadStep {
    /// The next counterparties in id order, without their last checks.
    Rows {
        /// The rows.
        rows: Vec<Row>,
        /// Counterparties in the store once counted; the last `Rows` step always has it.
        total: Option<usize>,
        /// Whether every counterparty has now been sent.
        done: bool,
    },
    /// All alerts, oldest first.
    Alerts(Vec<Alert>, BTreeSet<u64>),
    /// Last checks of loaded counterparties: id, the check, and the VAT status it gives a
    /// counterparty that has a VAT number.
    LastChecks(Vec<(u64, LastCheck, VatStatus)>),
    /// The last step: run statistics and the next cycle.
    Finished {
        /// Run statistics.
        runs: RunStats,
        /// The next scheduled cycle.
        next_cycle: Option<DateTime<Utc>>,
    },
}

/// Loads everything the tabs need step by step through `api`, handing each step to `emit` as
/// soon as it is ready; stops early (returning `Ok(false)`) when `emit` returns false (nobody
/// listens). Each page is one call, so a load through the running Kontra never holds it long.
pub fn load_in_steps(
    api: &dyn Api,
    now: DateTime<Utc>,
    plan: ChunkPlan,
    emit: &mut dyn FnMut(LoadStep) -> bool,
) -> Result<bool, Failure> {
    let mut limit = plan.first.max(1);
    let mut total = None;
    let mut seen = 0;
    let mut from = 0;
    loop {
        let page = api.register_page(from, limit)?;
        let last_page = page.len() < limit;
        seen += page.len();
        if let Some(cp) = page.last() {
            from = cp.id.saturating_add(1);
        }
        let rows: Vec<Row> = page.into_iter().map(|cp| Row::new(cp, None)).collect();
        if last_page {
            if !emit(LoadStep::Rows {
                rows,
                total: Some(seen),
                done: true,
            }) {
                return Ok(false);
            }
            break;
        }
        if !emit(LoadStep::Rows {
            rows,
            total,
            done: false,
        }) {
            return Ok(false);
        }
        limit = plan.rest.max(1);
        // Counting is a scan of its own, so it waits until the first screenful is out.
        if total.is_none() {
            total = Some(api.counterparty_count()?);
        }
    }
    let (alerts, unknown) = api.ui_alerts()?;
    if !emit(LoadStep::Alerts(alerts, unknown)) {
        return Ok(false);
    }
    let mut from = 0;
    loop {
        let batch = api.last_checks(from, plan.rest.max(1))?;
        let Some(&(last_id, ..)) = batch.last() else {
            break;
        };
        let full = batch.len() >= plan.rest.max(1);
        from = last_id.saturating_add(1);
        if !emit(LoadStep::LastChecks(batch)) {
            return Ok(false);
        }
        if !full {
            break;
        }
    }
    let (runs, next_cycle) = api.ui_stats(now)?;
    Ok(emit(LoadStep::Finished { runs, next_cycle }))
}

/// Loads the whole snapshot in one go (the steps of [`load_in_steps`], assembled).
pub fn load_snapshot(api: &dyn Api, now: DateTime<Utc>) -> Result<Snapshot, Failure> {
    let mut snap = Snapshot {
        rows: Vec::new(),
        alerts: Vec::new(),
        delivery_unknown: BTreeSet::new(),
        runs: RunStats::default(),
        next_cycle: None,
    };
    load_in_steps(api, now, ChunkPlan::DEFAULT, &mut |step| {
        match step {
            LoadStep::Rows { rows, .. } => snap.rows.extend(rows),
            LoadStep::Alerts(a, unknown) => {
                snap.alerts = a;
                snap.delivery_unknown = unknown;
            }
            LoadStep::LastChecks(checks) => {
                for (id, last, vat) in checks {
                    // Rows come in id order.
                    if let Ok(i) = snap.rows.binary_search_by_key(&id, |r| r.cp.id) {
                        snap.rows[i].set_last(last, vat);
                    }
                }
            }
            LoadStep::Finished { runs, next_cycle } => {
                snap.runs = runs;
                snap.next_cycle = next_cycle;
            }
        }
        true
    })?;
    Ok(snap)
}
