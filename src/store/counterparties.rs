//! Counterparties with their VAT, owner and country indexes, written in one transaction with
//! their audit entries.

use chrono::Utc;
use sled::Transactional;
use sled::transaction::{ConflictableTransactionError, TransactionalTree, abort};

use super::audit::{AuditAction, AuditEvent, audit_put};
use super::{Result, Store, StoreError, TxResult, dec, enc, keys, next_id, unwrap_tx};
use crate::domain::{Counterparty, Field};

/// A change to apply to a counterparty together with its audit entry.
pub enum Write {
    /// Insert a new counterparty (its id is assigned).
    Insert(Counterparty),
    /// Replace an existing counterparty.
    Update(Counterparty),
}

fn index_put(
    cp: &Counterparty,
    vat: &TransactionalTree,
    owner: &TransactionalTree,
    country: &TransactionalTree,
) -> TxResult<()> {
    if let Some(v) = &cp.vat {
        if let Some(existing) = vat.get(v.as_bytes())? {
            let existing = keys::read_id(&existing).unwrap_or(0);
            if existing != cp.id {
                return abort(StoreError::DuplicateVat {
                    vat: v.clone(),
                    existing,
                });
            }
        }
        vat.insert(v.as_bytes(), &keys::id(cp.id))?;
    }
    if let Some(o) = &cp.owner {
        owner.insert(keys::text_then_id(&o.to_lowercase(), cp.id), &[])?;
    }
    country.insert(keys::text_then_id(&cp.country, cp.id), &[])?;
    Ok(())
}

fn index_remove(
    cp: &Counterparty,
    vat: &TransactionalTree,
    owner: &TransactionalTree,
    country: &TransactionalTree,
) -> TxResult<()> {
    if let Some(v) = &cp.vat {
        vat.remove(v.as_bytes())?;
    }
    if let Some(o) = &cp.owner {
        owner.remove(keys::text_then_id(&o.to_lowercase(), cp.id))?;
    }
    country.remove(keys::text_then_id(&cp.country, cp.id))?;
    Ok(())
}

impl Store {
    /// Applies inserts and updates in one transaction, with their indexes and audit entries.
    ///
    /// Returns the ids in the order of `writes`. Fails as a whole (nothing written) when any
    /// write fails, e.g. on a duplicate VAT number.
    pub fn write_counterparties(&self, writes: Vec<Write>, actor: &str) -> Result<Vec<u64>> {
        let now = Utc::now();
        let t = &self.t;
        let r = (
            &t.counterparties,
            &t.idx_vat,
            &t.idx_owner,
            &t.idx_country,
            &t.audit,
            &t.idx_audit_cp,
            &t.meta,
        )
            .transaction(|(cps, vat, owner, country, audit, audit_idx, meta)| {
                let mut ids = Vec::with_capacity(writes.len());
                for w in &writes {
                    let (mut cp, action) = match w {
                        Write::Insert(cp) => (cp.clone(), AuditAction::Added),
                        Write::Update(cp) => (cp.clone(), AuditAction::Edited),
                    };
                    let detail;
                    if action == AuditAction::Added {
                        cp.id = next_id(meta, "counterparties")?;
                        detail = cp.name.clone();
                    } else {
                        let Some(old) = cps.get(keys::id(cp.id))? else {
                            return abort(StoreError::NotFound {
                                what: "counterparty",
                                id: cp.id,
                            });
                        };
                        let old: Counterparty = dec("counterparty", &old)
                            .map_err(ConflictableTransactionError::Abort)?;
                        index_remove(&old, vat, owner, country)?;
                        detail = changed_fields(&old, &cp).join(", ");
                    }
                    index_put(&cp, vat, owner, country)?;
                    cps.insert(&keys::id(cp.id), enc("counterparty", &cp)?)?;
                    audit_put(
                        audit,
                        audit_idx,
                        &AuditEvent {
                            at: now,
                            actor: actor.to_string(),
                            counterparty_id: Some(cp.id),
                            action,
                            detail,
                        },
                    )?;
                    ids.push(cp.id);
                }
                Ok(ids)
            });
        let ids = unwrap_tx(r, &self.dir)?;
        self.flush()?;
        Ok(ids)
    }

    /// Inserts one counterparty and returns it with its new id.
    pub fn add_counterparty(&self, cp: Counterparty, actor: &str) -> Result<Counterparty> {
        let ids = self.write_counterparties(vec![Write::Insert(cp.clone())], actor)?;
        Ok(Counterparty { id: ids[0], ..cp })
    }

    /// Replaces a counterparty (matched by id).
    pub fn update_counterparty(&self, cp: &Counterparty, actor: &str) -> Result<()> {
        self.write_counterparties(vec![Write::Update(cp.clone())], actor)
            .map(|_| ())
    }

    /// Switches monitoring for several counterparties in one transaction; returns how many changed.
    pub(crate) fn set_monitoring(&self, ids: &[u64], on: bool, actor: &str) -> Result<usize> {
        let now = Utc::now();
        let t = &self.t;
        let r = (&t.counterparties, &t.audit, &t.idx_audit_cp).transaction(|(cps, audit, idx)| {
            let mut changed = 0;
            for &id in ids {
                let Some(bytes) = cps.get(keys::id(id))? else {
                    return abort(StoreError::NotFound {
                        what: "counterparty",
                        id,
                    });
                };
                let mut cp: Counterparty =
                    dec("counterparty", &bytes).map_err(ConflictableTransactionError::Abort)?;
                if cp.monitor == on {
                    continue;
                }
                cp.monitor = on;
                cp.updated_at = now;
                cps.insert(&keys::id(id), enc("counterparty", &cp)?)?;
                audit_put(
                    audit,
                    idx,
                    &AuditEvent {
                        at: now,
                        actor: actor.to_string(),
                        counterparty_id: Some(id),
                        action: if on {
                            AuditAction::MonitoringOn
                        } else {
                            AuditAction::MonitoringOff
                        },
                        detail: String::new(),
                    },
                )?;
                changed += 1;
            }
            Ok(changed)
        });
        let n = unwrap_tx(r, &self.dir)?;
        self.flush()?;
        Ok(n)
    }

    /// Deletes counterparties with their indexes; check runs and alerts stay for the audit trail.
    pub(crate) fn delete_counterparties(
        &self,
        ids: &[u64],
        actor: &str,
    ) -> Result<Vec<Counterparty>> {
        let now = Utc::now();
        let t = &self.t;
        let r = (
            &t.counterparties,
            &t.idx_vat,
            &t.idx_owner,
            &t.idx_country,
            &t.audit,
            &t.idx_audit_cp,
        )
            .transaction(|(cps, vat, owner, country, audit, idx)| {
                let mut gone = Vec::new();
                for &id in ids {
                    let Some(bytes) = cps.remove(&keys::id(id))? else {
                        return abort(StoreError::NotFound {
                            what: "counterparty",
                            id,
                        });
                    };
                    let cp: Counterparty =
                        dec("counterparty", &bytes).map_err(ConflictableTransactionError::Abort)?;
                    index_remove(&cp, vat, owner, country)?;
                    audit_put(
                        audit,
                        idx,
                        &AuditEvent {
                            at: now,
                            actor: actor.to_string(),
                            counterparty_id: Some(id),
                            action: AuditAction::Deleted,
                            detail: format!("{} ({})", cp.name, cp.vat.as_deref().unwrap_or("-")),
                        },
                    )?;
                    gone.push(cp);
                }
                Ok(gone)
            });
        let gone = unwrap_tx(r, &self.dir)?;
        self.flush()?;
        Ok(gone)
    }

    /// One counterparty by id.
    pub fn counterparty(&self, id: u64) -> Result<Option<Counterparty>> {
        self.get_record(&self.t.counterparties, "counterparty", id)
    }

    /// All counterparties in id order.
    pub fn counterparties(&self) -> Result<Vec<Counterparty>> {
        self.all_records(&self.t.counterparties, "counterparty")
    }

    /// Like [`Store::iter_counterparties`], from id `first` on (a page of the UI's load).
    pub(crate) fn iter_counterparties_from(
        &self,
        first: u64,
    ) -> impl Iterator<Item = Result<Counterparty>> + '_ {
        self.t
            .counterparties
            .range(keys::id(first)..)
            .map(move |item| {
                let (_, v) = self.sled(item)?;
                dec("counterparty", &v)
            })
    }

    /// Number of counterparties.
    pub fn counterparty_count(&self) -> usize {
        self.t.counterparties.len()
    }

    /// The id of the counterparty with this (normalised) VAT number.
    pub fn find_by_vat(&self, vat: &str) -> Result<Option<u64>> {
        Ok(self
            .sled(self.t.idx_vat.get(vat.as_bytes()))?
            .and_then(|b| keys::read_id(&b)))
    }

    /// Ids of the counterparties an owner is responsible for (case-insensitive).
    pub fn ids_by_owner(&self, owner: &str) -> Result<Vec<u64>> {
        self.ids_with_prefix(&self.t.idx_owner, &keys::text_prefix(&owner.to_lowercase()))
    }

    /// Ids of the counterparties in a country (ISO code).
    pub fn ids_by_country(&self, country: &str) -> Result<Vec<u64>> {
        self.ids_with_prefix(&self.t.idx_country, &keys::text_prefix(country))
    }
}

/// Names of the fields that differ between two versions of a counterparty.
pub fn changed_fields(old: &Counterparty, new: &Counterparty) -> Vec<&'static str> {
    Field::ALL
        .into_iter()
        .filter(|f| f.differs(old, new))
        .map(Field::name)
        .collect()
}
