//! What the UI shows: the register with each row's last check, the alerts, run statistics for
//! the stats tab, and one counterparty's details. The UI loads them through the application
//! API ([`load_in_steps`], in pages, so a second UI attached to the running Kontra loads the
//! same way); the readers over the store ([`run_stats`], [`load_details`]) are the server's
//! side of those operations. Loading runs on a blocking task, never inside a reducer or a view.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::app::Api;
use crate::domain::alert::MAIL_CHANNEL;
use crate::domain::check::{Answer, Outcome};
use crate::domain::health::Health;
use crate::domain::pause::SourcePause;
use crate::domain::{Alert, CheckRun, Counterparty, Source};
use crate::exit::Failure;
use crate::sanctions::health::ListHealth;
use crate::sanctions::snapshot::{self, SnapshotMeta};
use crate::store::{Store, StoreError};

/// Days of history the stats charts cover: the health window, so that the charts and the
/// health table count the same runs.
pub const CHART_DAYS: usize = crate::domain::health::WINDOW_DAYS;

/// Most check runs the stats loader reads (the digest reads as many).
pub const MAX_RUNS_SCANNED: u64 = crate::domain::health::MAX_RUNS;

/// The overall result of a check run, as the table's status column shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum CheckStatus {
    /// Every source answered and nothing is wrong.
    Ok,
    /// Some sources could not be asked; the others found nothing wrong.
    Partial,
    /// No source could be asked.
    NoAnswer,
    /// The VAT number was reported invalid.
    Invalid,
    /// Insolvency publications name the counterparty.
    Insolvency,
    /// Sanctions screening found hits.
    Sanctions,
}

impl CheckStatus {
    /// The word the table shows.
    pub fn label(self) -> &'static str {
        match self {
            CheckStatus::Ok => "ok",
            CheckStatus::Partial => "partial",
            CheckStatus::NoAnswer => "no answer",
            CheckStatus::Invalid => "invalid",
            CheckStatus::Insolvency => "insolvency",
            CheckStatus::Sanctions => "sanctions",
        }
    }

    /// Whether this is bad news about the counterparty (not about the registries).
    pub fn is_problem(self) -> bool {
        matches!(
            self,
            CheckStatus::Invalid | CheckStatus::Insolvency | CheckStatus::Sanctions
        )
    }

    /// Summarises a run: the worst finding wins, then how much could be asked.
    pub fn of(run: &CheckRun) -> CheckStatus {
        let mut answered = 0;
        let mut status = CheckStatus::Ok;
        for r in &run.results {
            let Outcome::Answer(a) = &r.outcome else {
                continue;
            };
            answered += 1;
            let finding = match a {
                Answer::Vat(v) if !v.valid => Some(CheckStatus::Invalid),
                Answer::Qualified(q) if !q.valid => Some(CheckStatus::Invalid),
                Answer::Sanctions(s) if !s.hits.is_empty() => Some(CheckStatus::Sanctions),
                Answer::Insolvency(i) if !i.publications.is_empty() => {
                    Some(CheckStatus::Insolvency)
                }
                _ => None,
            };
            if let Some(f) = finding {
                status = status.max(f);
            }
        }
        if status != CheckStatus::Ok {
            status
        } else if answered == 0 {
            CheckStatus::NoAnswer
        } else if answered < run.results.len() {
            CheckStatus::Partial
        } else {
            CheckStatus::Ok
        }
    }
}

/// What the last check said about the VAT number (for the stats distribution).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum VatStatus {
    /// A registry said valid.
    Valid,
    /// A registry said invalid.
    Invalid,
    /// The VAT registries could not be asked.
    CouldNotAsk,
    /// Never checked.
    Unchecked,
    /// The counterparty has no VAT number.
    NoNumber,
}

impl VatStatus {
    /// Every value, in chart order.
    pub const ALL: [VatStatus; 5] = [
        VatStatus::Valid,
        VatStatus::Invalid,
        VatStatus::CouldNotAsk,
        VatStatus::Unchecked,
        VatStatus::NoNumber,
    ];

    /// The chart label.
    pub fn label(self) -> &'static str {
        match self {
            VatStatus::Valid => "valid",
            VatStatus::Invalid => "invalid",
            VatStatus::CouldNotAsk => "no answer",
            VatStatus::Unchecked => "unchecked",
            VatStatus::NoNumber => "no number",
        }
    }

    /// From a counterparty and its last run.
    pub fn of(cp: &Counterparty, run: Option<&CheckRun>) -> VatStatus {
        if cp.vat.is_none() {
            return VatStatus::NoNumber;
        }
        match run {
            Some(run) => VatStatus::of_run(run),
            None => VatStatus::Unchecked,
        }
    }

    /// From the last run of a counterparty that has a VAT number.
    pub fn of_run(run: &CheckRun) -> VatStatus {
        let mut asked = false;
        for r in &run.results {
            match &r.outcome {
                Outcome::Answer(Answer::Vat(v)) => {
                    return if v.valid {
                        VatStatus::Valid
                    } else {
                        VatStatus::Invalid
                    };
                }
                Outcome::Answer(Answer::Qualified(q)) => {
                    return if q.valid {
                        VatStatus::Valid
                    } else {
                        VatStatus::Invalid
                    };
                }
                Outcome::CouldNotAsk { .. } if matches!(r.source, Source::Vies | Source::Evatr) => {
                    asked = true;
                }
                _ => {}
            }
        }
        if asked {
            VatStatus::CouldNotAsk
        } else {
            VatStatus::Unchecked
        }
    }
}

/// A counterparty's last check, summarised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LastCheck {
    /// When it finished.
    pub at: DateTime<Utc>,
    /// What it found.
    pub status: CheckStatus,
}

impl LastCheck {
    /// The summary of a check run.
    pub fn of(run: &CheckRun) -> LastCheck {
        LastCheck {
            at: run.finished_at,
            status: CheckStatus::of(run),
        }
    }
}

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

/// Statistics over the recent check runs.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RunStats {
    /// Every source's health and the last cycle, by the one function the digest uses too.
    pub health: Health,
    /// Answers per day, oldest first, ending today.
    pub answers_per_day: Vec<u64>,
    /// "Could not ask" results per day, oldest first, ending today.
    pub failures_per_day: Vec<u64>,
    /// When the sanctions lists were last screened against, and which snapshots.
    pub lists: BTreeMap<String, DateTime<Utc>>,
    /// The health of every sanctions list, configured or not, in display order.
    pub list_health: Vec<ListHealth>,
    /// Runs read for these figures.
    pub runs_scanned: u64,
    /// The VIES pause (`IP_BLOCKED`) in force, kept current by the monitor's pause events.
    pub pause: Option<SourcePause>,
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

/// One counterparty with its history, for the details tab.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Details {
    /// The counterparty.
    pub cp: Counterparty,
    /// Its check runs, newest first.
    pub runs: Vec<CheckRun>,
    /// Its alerts, newest first.
    pub alerts: Vec<Alert>,
    /// Every list snapshot still known, so a stored screening can say how old its lists were.
    pub snapshots: Vec<SnapshotMeta>,
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

/// The last check of each counterparty from id `from` on, at most `limit`: the id, the check,
/// and the VAT status it gives a counterparty that has a VAT number.
pub fn last_checks(
    store: &Store,
    from: u64,
    limit: usize,
) -> Result<Vec<(u64, LastCheck, VatStatus)>, StoreError> {
    let mut batch = Vec::new();
    for item in store.last_check_per_counterparty_from(from).take(limit) {
        let (id, run) = item?;
        batch.push((id, LastCheck::of(&run), VatStatus::of_run(&run)));
    }
    Ok(batch)
}

/// Ids of the unsent alerts whose mail went out without an answer.
pub fn delivery_unknown(store: &Store) -> Result<BTreeSet<u64>, StoreError> {
    Ok(store
        .deliveries_unknown()?
        .into_iter()
        .filter(|(_, ds)| ds.iter().any(|d| d.channel == MAIL_CHANNEL))
        .map(|(id, _)| id)
        .collect())
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

/// Day index (0 = oldest, CHART_DAYS-1 = today) of a time, or None outside the window.
pub fn day_slot(now: DateTime<Utc>, at: DateTime<Utc>) -> Option<usize> {
    let today = now.date_naive();
    let days = (today - at.date_naive()).num_days();
    (0..CHART_DAYS as i64)
        .contains(&days)
        .then(|| CHART_DAYS - 1 - days as usize)
}

/// Reads runs newest first (ids grow with time) until the chart window is covered: the
/// sources' health by the store's one health query, the charts and the lists screened from the
/// same runs.
pub fn run_stats(store: &Store, now: DateTime<Utc>) -> Result<RunStats, StoreError> {
    let mut answers_per_day = vec![0; CHART_DAYS];
    let mut failures_per_day = vec![0; CHART_DAYS];
    let mut lists: BTreeMap<String, DateTime<Utc>> = BTreeMap::new();
    let (health, runs_scanned) = store.source_health(now, MAX_RUNS_SCANNED, &mut |run| {
        let slot = day_slot(now, run.finished_at);
        for r in &run.results {
            let per_day = match &r.outcome {
                Outcome::Answer(a) => {
                    if let Answer::Sanctions(s) = a {
                        for (list, _) in &s.lists {
                            let e = lists.entry(list.clone()).or_insert(r.at);
                            if r.at > *e {
                                *e = r.at;
                            }
                        }
                    }
                    &mut answers_per_day
                }
                Outcome::CouldNotAsk { .. } => &mut failures_per_day,
            };
            if let Some(v) = slot.and_then(|s| per_day.get_mut(s)) {
                *v += 1;
            }
        }
    })?;
    Ok(RunStats {
        health,
        answers_per_day,
        failures_per_day,
        lists,
        runs_scanned,
        ..RunStats::default()
    })
}

/// Loads one counterparty's details; None when it no longer exists.
pub fn load_details(store: &Store, id: u64) -> Result<Option<Details>, StoreError> {
    let Some(cp) = store.counterparty(id)? else {
        return Ok(None);
    };
    let mut runs = store.check_runs(id)?;
    runs.reverse();
    let mut alerts = store.alerts_for(id)?;
    alerts.reverse();
    Ok(Some(Details {
        cp,
        runs,
        alerts,
        snapshots: snapshot::known_snapshots(store)?,
    }))
}
