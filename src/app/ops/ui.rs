//! The full-screen UI's operations: the paged register load, details, alerts, statistics and
//! last checks it reads, and the writes only it makes (acknowledging with a comment, "not this
//! entity" from an alert, checking now through the serving Kontra's monitor). The UI's other
//! writes are the register's own operations (add, edit, delete, monitoring).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::app::access::Need;
use crate::app::api::Api;
use crate::app::events::Event;
use crate::app::local::Local;
use crate::domain::alert::MAIL_CHANNEL;
use crate::domain::check::{Answer, Outcome};
use crate::domain::health::{Health, MAX_RUNS, WINDOW_DAYS, day_slot};
use crate::domain::last_check::{LastCheck, VatStatus};
use crate::domain::pause::SourcePause;
use crate::domain::{Alert, CheckRun, Counterparty};
use crate::exit::{self, Failure};
use crate::monitor::{Request as MonitorRequest, Schedule};
use crate::sanctions::decisions;
use crate::sanctions::health;
use crate::sanctions::health::ListHealth;
use crate::sanctions::model::ListSource;
use crate::sanctions::snapshot::{self, SnapshotMeta};
use crate::store::{Store, StoreError};

/// Last checks of a page of counterparties: id, the check, and the VAT status it gives.
pub type LastChecks = Vec<(u64, LastCheck, VatStatus)>;

/// The Stats tab's figures and the next scheduled cycle.
pub type Stats = (RunStats, Option<DateTime<Utc>>);

/// All alerts, oldest first, with the ids of those whose mail's delivery is unknown.
pub type Alerts = (Vec<Alert>, BTreeSet<u64>);

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

/// What became of a request to check counterparties now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CheckAsked {
    /// The monitor took the request for this many counterparties.
    Sent(usize),
    /// No monitor runs in the serving Kontra (demo, read-only or not configured).
    NoMonitor,
    /// The monitor's queue is full.
    Busy,
    /// The monitor has stopped.
    Stopped,
}

/// Up to `limit` counterparties with ids from `from` on, in id order.
pub(crate) fn register_page(
    local: &Local,
    from: u64,
    limit: usize,
) -> Result<Vec<Counterparty>, Failure> {
    local
        .store()
        .iter_counterparties_from(from)
        .take(limit)
        .collect::<Result<_, _>>()
        .map_err(Failure::from_error)
}

/// Every alert with the ids of those whose delivery is unknown.
pub(crate) fn alerts(local: &Local) -> Result<Alerts, Failure> {
    let store = local.store();
    let all = store.alerts().map_err(Failure::from_error)?;
    Ok((all, delivery_unknown(store).map_err(Failure::from_error)?))
}

/// These alerts as stored now, leaving out those that no longer exist.
pub(crate) fn alerts_by_id(local: &Local, ids: &[u64]) -> Result<Vec<Alert>, Failure> {
    let mut out = Vec::with_capacity(ids.len());
    for &id in ids {
        if let Some(a) = local.store().alert(id).map_err(Failure::from_error)? {
            out.push(a);
        }
    }
    Ok(out)
}

/// These counterparties as stored now, leaving out those that no longer exist.
pub(crate) fn counterparties_by_id(
    local: &Local,
    ids: &[u64],
) -> Result<Vec<Counterparty>, Failure> {
    let mut out = Vec::with_capacity(ids.len());
    for &id in ids {
        if let Some(cp) = local
            .store()
            .counterparty(id)
            .map_err(Failure::from_error)?
        {
            out.push(cp);
        }
    }
    Ok(out)
}

/// The statistics at `now`, with the lists' health and the next cycle by the instance's
/// configuration; the charts' days are those of its time zone, the one the UI shows times in.
pub(crate) fn stats(local: &Local, now: DateTime<Utc>) -> Result<Stats, Failure> {
    let store = local.store();
    let config = local.instance().config();
    let mut runs = run_stats(store, now, config.monitor.timezone.0).map_err(Failure::from_error)?;
    runs.list_health = health::load(store, &config.sanctions, now).map_err(Failure::from_error)?;
    runs.pause = store
        .source_pause(crate::domain::Source::Vies)
        .map_err(Failure::from_error)?;
    let next_cycle = Schedule::from_config(&config.monitor)
        .next_after(now)
        .map(|slot| slot.at);
    Ok((runs, next_cycle))
}

/// A stored check run with the alerts it raised; None when it is gone (its counterparty was
/// deleted meanwhile).
pub(crate) fn check_run(
    local: &Local,
    run_id: u64,
    alert_ids: &[u64],
) -> Result<Option<(CheckRun, Vec<Alert>)>, Failure> {
    let Some(run) = local
        .store()
        .check_run(run_id)
        .map_err(Failure::from_error)?
    else {
        return Ok(None);
    };
    Ok(Some((run, alerts_by_id(local, alert_ids)?)))
}

/// Acknowledges alerts with a comment (may be empty) in the audit entry; each alert needs the
/// right to acknowledge alerts of its counterparty.
pub(crate) fn acknowledge(
    local: &Local,
    ids: &[u64],
    comment: &str,
) -> Result<Vec<Alert>, Failure> {
    let store = local.store();
    for &id in ids {
        let alert = store
            .alert(id)
            .map_err(Failure::from_error)?
            .ok_or_else(|| Failure::new(exit::NOT_FOUND, format!("no alert with id {id}")))?;
        let owner = store
            .counterparty(alert.counterparty_id)
            .map_err(Failure::from_error)?
            .and_then(|cp| cp.owner);
        local.permit(
            &format!("acknowledge alert {id}"),
            Some(alert.counterparty_id),
            Need::Alert(owner.as_deref()),
        )?;
    }
    let changed = store
        .acknowledge_with_comment(ids, &local.identity().analyst.clone(), comment)
        .map_err(Failure::from_error)?;
    local
        .instance()
        .hub()
        .publish(Event::Alerts(changed.clone()));
    alerts_by_id(local, &changed)
}

/// Records that counterparty `counterparty_id` is not the listed entity of alert `alert_id`
/// and acknowledges the alert; returns the entity's name and the alert as stored.
pub(crate) fn not_this_entity(
    local: &Local,
    (alert_id, counterparty_id): (u64, u64),
    (list, entity_id): (ListSource, &str),
    reason: &str,
) -> Result<(String, Option<Alert>), Failure> {
    local.permit(
        &format!("record a screening decision for counterparty {counterparty_id}"),
        Some(counterparty_id),
        Need::Lead,
    )?;
    let actor = local.identity().analyst.clone();
    let (_, name) = decisions::decide(
        local.store(),
        local.instance().data_dir(),
        counterparty_id,
        (list, entity_id),
        reason,
        &actor,
        Utc::now(),
    )
    .map_err(Failure::from_error)?;
    local
        .store()
        .acknowledge(&[alert_id], &actor)
        .map_err(Failure::from_error)?;
    local
        .instance()
        .hub()
        .publish(Event::Alerts(vec![alert_id]));
    let alert = local.store().alert(alert_id).map_err(Failure::from_error)?;
    Ok((name, alert))
}

/// Hands counterparties to the monitor of the serving Kontra for a check now, recorded under
/// the caller's name.
pub(crate) fn check_now(local: &Local, ids: Vec<u64>) -> Result<CheckAsked, Failure> {
    let cps = local.get_all(&ids)?;
    local.permit_each("check", &cps)?;
    let Some(monitor) = local.instance().monitor() else {
        return Ok(CheckAsked::NoMonitor);
    };
    let n = ids.len();
    Ok(
        match monitor.try_send(MonitorRequest::CheckAs(
            ids,
            local.identity().analyst.clone(),
        )) {
            Ok(()) => CheckAsked::Sent(n),
            Err(tokio::sync::mpsc::error::TrySendError::Full(_)) => CheckAsked::Busy,
            Err(tokio::sync::mpsc::error::TrySendError::Closed(_)) => {
                tracing::warn!("check request: monitor channel closed");
                CheckAsked::Stopped
            }
        },
    )
}

/// The last check of each counterparty from id `from` on, at most `limit`: the id, the check,
/// and the VAT status it gives a counterparty that has a VAT number.
pub(crate) fn last_checks(
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
pub(crate) fn delivery_unknown(store: &Store) -> Result<BTreeSet<u64>, StoreError> {
    Ok(store
        .deliveries_unknown()?
        .into_iter()
        .filter(|(_, ds)| ds.iter().any(|d| d.channel == MAIL_CHANNEL))
        .map(|(id, _)| id)
        .collect())
}

/// The Stats figures: reads runs newest first (ids grow with time) until the chart window is
/// covered: the sources' health by the store's one health query, the charts (days of `tz`) and
/// the lists screened from the same runs.
pub fn run_stats(store: &Store, now: DateTime<Utc>, tz: Tz) -> Result<RunStats, StoreError> {
    let mut answers_per_day = vec![0; WINDOW_DAYS];
    let mut failures_per_day = vec![0; WINDOW_DAYS];
    let mut lists: BTreeMap<String, DateTime<Utc>> = BTreeMap::new();
    let (health, runs_scanned) = store.source_health(now, MAX_RUNS, &mut |run| {
        let slot = day_slot(now, run.finished_at, tz);
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
pub(crate) fn load_details(store: &Store, id: u64) -> Result<Option<Details>, StoreError> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::SourceResult;
    use crate::domain::check::{Evidence, Source, VatAnswer};
    use chrono::TimeZone;
    use chrono_tz::Europe::Berlin;

    /// 23:30 UTC on a winter day is 00:30 CET the next day: the charts label days in Berlin
    /// time, so that is where it counts.
    fn late_evening() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, 14, 23, 30, 0).unwrap()
    }

    #[test]
    fn an_alert_just_before_utc_midnight_counts_for_the_next_local_day() {
        let now = Utc.with_ymd_and_hms(2026, 1, 15, 10, 0, 0).unwrap();
        let today = WINDOW_DAYS - 1;
        assert_eq!(day_slot(now, late_evening(), Berlin), Some(today));
        assert_eq!(
            day_slot(now, late_evening(), chrono_tz::UTC),
            Some(today - 1)
        );
        // The window's ends: the oldest day shown, and one day older is out.
        let oldest = now - chrono::Duration::days(WINDOW_DAYS as i64 - 1);
        assert_eq!(day_slot(now, oldest, Berlin), Some(0));
        assert_eq!(
            day_slot(now, oldest - chrono::Duration::days(1), Berlin),
            None
        );
    }

    #[test]
    fn results_per_day_follow_the_zone() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), "test").unwrap();
        let t = late_evening();
        let run = CheckRun {
            id: 0,
            counterparty_id: 1,
            started_at: t,
            finished_at: t,
            trigger: "anna".into(),
            results: vec![SourceResult {
                source: Source::Vies,
                at: t,
                outcome: Outcome::Answer(Answer::Vat(VatAnswer {
                    vat: "DE123456789".into(),
                    valid: true,
                    name: None,
                    address: None,
                })),
                evidence: Evidence::default(),
            }],
        };
        store.record_check(run, vec![]).unwrap();
        let now = Utc.with_ymd_and_hms(2026, 1, 15, 10, 0, 0).unwrap();
        let berlin = run_stats(&store, now, Berlin).unwrap();
        assert_eq!(
            berlin.answers_per_day[WINDOW_DAYS - 1],
            1,
            "today in Berlin"
        );
        assert_eq!(berlin.answers_per_day.iter().sum::<u64>(), 1);
        let utc = run_stats(&store, now, chrono_tz::UTC).unwrap();
        assert_eq!(utc.answers_per_day[WINDOW_DAYS - 2], 1, "yesterday in UTC");
    }
}
