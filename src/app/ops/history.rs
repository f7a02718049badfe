//! A counterparty's history: its check runs, its audit trail and its alerts, read together so
//! that `kontra history` and the UI show one consistent picture.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::app::local::Local;
use crate::domain::{Alert, CheckRun, Counterparty, DeliveryUnknown};
use crate::exit::Failure;
use crate::store::AuditEvent;

/// Everything recorded about one counterparty.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct History {
    /// The counterparty.
    pub counterparty: Counterparty,
    /// Its check runs, oldest first.
    pub runs: Vec<CheckRun>,
    /// Its audit trail, oldest first.
    pub events: Vec<AuditEvent>,
    /// Its alerts.
    pub alerts: Vec<Alert>,
    /// Hand-overs of those alerts whose outcome is unknown, by alert id.
    pub unknown: BTreeMap<u64, Vec<DeliveryUnknown>>,
    /// The accepted list snapshots still known (current and kept history), so that each stored
    /// screening can say which lists it used and how old they were then
    /// ([`crate::sanctions::health::lists_used`], as the Details tab does).
    pub snapshots: Vec<crate::sanctions::snapshot::SnapshotMeta>,
}

/// The history of counterparty `id` (exit 6 when there is none).
pub(crate) fn history(local: &Local, id: u64) -> Result<Box<History>, Failure> {
    let counterparty = local.get(id)?;
    let store = local.store();
    let runs = store.check_runs(id).map_err(Failure::from_error)?;
    let events = store.audit_for(id).map_err(Failure::from_error)?;
    let alerts = store.alerts_for(id).map_err(Failure::from_error)?;
    let mut unknown = store.deliveries_unknown().map_err(Failure::from_error)?;
    // Only this counterparty's hand-overs cross the socket.
    let ids: BTreeSet<u64> = alerts.iter().map(|a| a.id).collect();
    unknown.retain(|alert_id, _| ids.contains(alert_id));
    let snapshots =
        crate::sanctions::snapshot::known_snapshots(store).map_err(Failure::from_error)?;
    Ok(Box::new(History {
        snapshots,
        counterparty,
        runs,
        events,
        alerts,
        unknown,
    }))
}
