//! The full-screen UI's operations: the paged register load, details, alerts, statistics and
//! last checks it reads, and the writes only it makes (acknowledging with a comment, "not this
//! entity" from an alert, checking now through the serving Kontra's monitor). The UI's other
//! writes are the register's own operations (add, edit, delete, monitoring).

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::app::access::Need;
use crate::app::api::Api;
use crate::app::events::Event;
use crate::app::local::Local;
use crate::domain::{Alert, CheckRun, Counterparty};
use crate::exit::{self, Failure};
use crate::monitor::{Request as MonitorRequest, Schedule};
use crate::sanctions::decisions;
use crate::sanctions::health;
use crate::sanctions::model::ListSource;
use crate::tui::data::{self, LastCheck, RunStats, VatStatus};

/// Last checks of a page of counterparties: id, the check, and the VAT status it gives.
pub type LastChecks = Vec<(u64, LastCheck, VatStatus)>;

/// The Stats tab's figures and the next scheduled cycle.
pub type Stats = (RunStats, Option<DateTime<Utc>>);

/// All alerts, oldest first, with the ids of those whose mail's delivery is unknown.
pub type Alerts = (Vec<Alert>, BTreeSet<u64>);

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
    Ok((
        all,
        data::delivery_unknown(store).map_err(Failure::from_error)?,
    ))
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
/// configuration.
pub(crate) fn stats(local: &Local, now: DateTime<Utc>) -> Result<Stats, Failure> {
    let store = local.store();
    let config = local.instance().config();
    let mut runs = data::run_stats(store, now).map_err(Failure::from_error)?;
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
