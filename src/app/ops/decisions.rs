//! "Not this entity" screening decisions: taking and withdrawing one is a lead's call, and
//! each is recorded in the audit trail; anyone may read them.

use serde::{Deserialize, Serialize};

use crate::app::access::Need;
use crate::app::api::Api as _;
use crate::app::events::Event;
use crate::app::local::Local;
use crate::exit::{self, Failure};
use crate::sanctions::ListSource;
use crate::sanctions::decisions::{self, DecideError, Decision};
use crate::store::{AuditAction, AuditEvent};

/// A decision taken.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Decided {
    /// The decision as recorded.
    pub decision: Decision,
    /// The counterparty's name.
    pub counterparty_name: String,
    /// The entity's primary name on its list.
    pub entity_name: String,
}

/// Records that counterparty `counterparty_id` is not `entity` of `source`, against the
/// entity as it stands in the loaded snapshot.
pub(crate) fn decide(
    local: &Local,
    counterparty_id: u64,
    source: ListSource,
    entity: String,
    reason: String,
) -> Result<Decided, Failure> {
    let cp = local.get(counterparty_id)?;
    local.permit(
        &format!("decide on a sanctions hit of counterparty {counterparty_id}"),
        Some(counterparty_id),
        Need::Lead,
    )?;
    let (decision, entity_name) = decisions::decide(
        local.store(),
        local.instance().data_dir(),
        counterparty_id,
        (source, &entity),
        reason.trim(),
        &local.identity().analyst,
        chrono::Utc::now(),
    )
    .map_err(|e| match e {
        e @ DecideError::NoEntity { .. } => Failure::new(exit::NOT_FOUND, e.to_string()),
        e => Failure::from_error(e),
    })?;
    local
        .instance()
        .hub()
        .publish(Event::Changed(vec![counterparty_id]));
    Ok(Decided {
        decision,
        counterparty_name: cp.name,
        entity_name,
    })
}

/// The decisions for one counterparty (all when `None`).
pub(crate) fn list(local: &Local, counterparty_id: Option<u64>) -> Result<Vec<Decision>, Failure> {
    decisions::list(local.store(), counterparty_id).map_err(Failure::from_error)
}

/// Withdraws a decision, so the hit alerts again; returns the decision withdrawn.
pub(crate) fn undo(
    local: &Local,
    counterparty_id: u64,
    source: ListSource,
    entity: String,
) -> Result<Decision, Failure> {
    local.get(counterparty_id)?;
    local.permit(
        &format!("withdraw a sanctions decision of counterparty {counterparty_id}"),
        Some(counterparty_id),
        Need::Lead,
    )?;
    let store = local.store();
    let Some(old) =
        decisions::remove(store, counterparty_id, source, &entity).map_err(Failure::from_error)?
    else {
        return Err(Failure::new(
            exit::NOT_FOUND,
            format!("no decision for counterparty {counterparty_id} and {source}:{entity}"),
        ));
    };
    store
        .append_audit(&AuditEvent {
            at: chrono::Utc::now(),
            actor: local.identity().analyst.clone(),
            counterparty_id: Some(counterparty_id),
            action: AuditAction::Decision,
            detail: format!(
                "decision withdrawn: {source}:{} (was: not this entity, {}, by {})",
                old.entity_id, old.reason, old.decided_by
            ),
        })
        .map_err(Failure::from_error)?;
    local
        .instance()
        .hub()
        .publish(Event::Changed(vec![counterparty_id]));
    Ok(old)
}
