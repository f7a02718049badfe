//! Alerts: the list with its filters (each alert with its counterparty and its open "delivery
//! unknown" hand-overs) and acknowledgement, which an analyst may give for alerts of the
//! counterparties they own or that have no owner.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::app::access::Need;
use crate::app::api::Api as _;
use crate::app::events::Event;
use crate::app::local::Local;
use crate::domain::{Alert, Counterparty, DeliveryUnknown, Severity};
use crate::exit::{self, Failure};

/// Which alerts to list; the default lists all.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertQuery {
    /// Only alerts not yet mailed.
    pub unsent: bool,
    /// Only alerts not yet acknowledged.
    pub open: bool,
    /// Only alerts of this severity or higher.
    pub severity: Option<Severity>,
    /// Only alerts of counterparties this analyst owns.
    pub owner: Option<String>,
    /// Only alerts raised at or after this instant (the caller turns its days into instants in
    /// its zone, see [`crate::local_time::DayRange::instants`]).
    pub raised_from: Option<DateTime<Utc>>,
    /// Only alerts raised before this instant.
    pub raised_before: Option<DateTime<Utc>>,
}

/// One listed alert.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertRow {
    /// The alert.
    pub alert: Alert,
    /// Its counterparty (`None` when it has been deleted since).
    pub counterparty: Option<Counterparty>,
    /// Hand-overs of it whose outcome is unknown.
    pub unknown: Vec<DeliveryUnknown>,
}

/// The alerts that pass `query`, by id.
pub(crate) fn list(local: &Local, query: AlertQuery) -> Result<Vec<AlertRow>, Failure> {
    let store = local.store();
    let owned: Option<BTreeSet<u64>> = match &query.owner {
        Some(o) => Some(
            store
                .ids_by_owner(o)
                .map_err(Failure::from_error)?
                .into_iter()
                .collect(),
        ),
        None => None,
    };
    let mut unknown = store.deliveries_unknown().map_err(Failure::from_error)?;
    let mut counterparties: HashMap<u64, Option<Counterparty>> = HashMap::new();
    let mut rows = Vec::new();
    for alert in store.alerts().map_err(Failure::from_error)? {
        if (query.unsent && alert.sent_at.is_some())
            || (query.open && alert.acknowledged_at.is_some())
            || query.severity.is_some_and(|s| alert.severity < s)
            || query.raised_from.is_some_and(|t| alert.created_at < t)
            || query.raised_before.is_some_and(|t| alert.created_at >= t)
            || owned
                .as_ref()
                .is_some_and(|o| !o.contains(&alert.counterparty_id))
        {
            continue;
        }
        let counterparty = match counterparties.get(&alert.counterparty_id) {
            Some(cp) => cp.clone(),
            None => {
                let cp = store
                    .counterparty(alert.counterparty_id)
                    .map_err(Failure::from_error)?;
                counterparties.insert(alert.counterparty_id, cp.clone());
                cp
            }
        };
        rows.push(AlertRow {
            unknown: unknown.remove(&alert.id).unwrap_or_default(),
            alert,
            counterparty,
        });
    }
    Ok(rows)
}

/// Acknowledges alerts (all must exist, and the caller may acknowledge each) with an optional
/// comment in the audit trail; returns the ids that were not acknowledged before.
pub(crate) fn acknowledge(
    local: &Local,
    ids: Vec<u64>,
    comment: String,
) -> Result<Vec<u64>, Failure> {
    let store = local.store();
    let mut alerts = Vec::with_capacity(ids.len());
    for &id in &ids {
        match store.alert(id).map_err(Failure::from_error)? {
            Some(a) => alerts.push(a),
            None => {
                return Err(Failure::new(
                    exit::NOT_FOUND,
                    format!("no alert with id {id}"),
                ));
            }
        }
    }
    for a in &alerts {
        let owner = store
            .counterparty(a.counterparty_id)
            .map_err(Failure::from_error)?
            .and_then(|cp| cp.owner);
        local.permit(
            &format!("acknowledge alert {}", a.id),
            Some(a.counterparty_id),
            Need::Alert(owner.as_deref()),
        )?;
    }
    let changed = store
        .acknowledge_with_comment(&ids, &local.identity().analyst, comment.trim())
        .map_err(Failure::from_error)?;
    local
        .instance()
        .hub()
        .publish(Event::Alerts(changed.clone()));
    Ok(changed)
}
