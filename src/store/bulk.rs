//! The bulk write of counterparties (imports): all or nothing through a journal in `meta`
//! instead of one huge sled transaction, the free-space check before it, and the roll-back of a
//! write a killed process left half done.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::audit::{AuditAction, AuditEvent};
use super::counterparties::{Write, changed_fields};
use super::{Result, Store, StoreError, dec, encode_plain, keys};
use crate::domain::Counterparty;

/// Bytes a bulk write needs free beyond its records: sled writes each record to its log, then
/// again when it rewrites segments and snapshots, and the indexes and audit entries come on top.
const BULK_SPACE_FACTOR: u64 = 4;

/// Room kept free in any case (segments are preallocated in 8 MB steps, snapshots beside them).
const BULK_SPACE_MARGIN: u64 = 64 * 1024 * 1024;

/// Whether a write of `payload` bytes fits in `available` free bytes; the refusal in words.
pub(crate) fn space_for_bulk_write(
    payload: u64,
    available: u64,
) -> std::result::Result<(), String> {
    let needed = payload
        .saturating_mul(BULK_SPACE_FACTOR)
        .saturating_add(BULK_SPACE_MARGIN);
    if available >= needed {
        Ok(())
    } else {
        Err(format!(
            "an import of {:.1} MB needs about {:.1} MB free, the disk has {:.1} MB",
            payload as f64 / 1e6,
            needed as f64 / 1e6,
            available as f64 / 1e6
        ))
    }
}

pub(super) const BULK_JOURNAL: &str = "bulk_journal";

/// The tree batches of a bulk write: records, VAT, owner and country indexes, audit, audit index.
const ALL_BULK_STEPS: [usize; 6] = [0, 1, 2, 3, 4, 5];

/// Records per sled batch in a bulk write. sled's peak memory grows steeply with batch size:
/// importing 100,000 rows peaked at 2.0 GB with one batch per tree, 0.9 GB with 4,096 and
/// 0.2 GB with 1,024 records per batch (`scripts/measure-register.sh`), at the same speed.
const BULK_CHUNK: usize = 1024;

/// What a bulk write is about to do, kept in `meta` until it is complete, so that an open after
/// a crash can undo a partial write.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct BulkJournal {
    /// First id given to an inserted counterparty.
    pub(super) first_new: u64,
    /// Last id given to an inserted counterparty (first - 1 when none).
    pub(super) last_new: u64,
    /// The updated counterparties as they were before.
    pub(super) replaced: Vec<Counterparty>,
    /// The time stamp of the write's audit entries.
    pub(super) at: DateTime<Utc>,
}

impl Store {
    /// Rolls back a bulk write that a killed process left half-done (see [`BulkJournal`]).
    pub(super) fn recover_bulk(&self) -> Result<()> {
        let Some(bytes) = self.sled(self.t.meta.get(BULK_JOURNAL))? else {
            return Ok(());
        };
        let j: BulkJournal = dec("bulk journal", &bytes)?;
        tracing::warn!(
            "rolling back an interrupted bulk write of counterparties {}..={}",
            j.first_new,
            j.last_new
        );
        let t = &self.t;
        let drop_indexes = |cp: &Counterparty| -> Result<()> {
            if let Some(v) = &cp.vat
                && self
                    .sled(t.idx_vat.get(v.as_bytes()))?
                    .and_then(|b| keys::read_id(&b))
                    == Some(cp.id)
            {
                self.sled(t.idx_vat.remove(v.as_bytes()))?;
            }
            if let Some(o) = &cp.owner {
                self.sled(
                    t.idx_owner
                        .remove(keys::text_then_id(&o.to_lowercase(), cp.id)),
                )?;
            }
            self.sled(t.idx_country.remove(keys::text_then_id(&cp.country, cp.id)))?;
            Ok(())
        };
        let mut affected: Vec<u64> = (j.first_new..=j.last_new).collect();
        for id in j.first_new..=j.last_new {
            if let Some(cp) = self.counterparty(id)? {
                drop_indexes(&cp)?;
                self.sled(t.counterparties.remove(keys::id(id)))?;
            }
        }
        for old in &j.replaced {
            if let Some(cp) = self.counterparty(old.id)? {
                drop_indexes(&cp)?;
            }
            self.sled(
                t.counterparties
                    .insert(keys::id(old.id), encode_plain(old)?),
            )?;
            if let Some(v) = &old.vat {
                self.sled(t.idx_vat.insert(v.as_bytes(), &keys::id(old.id)))?;
            }
            if let Some(o) = &old.owner {
                self.sled(
                    t.idx_owner
                        .insert(keys::text_then_id(&o.to_lowercase(), old.id), &[]),
                )?;
            }
            self.sled(
                t.idx_country
                    .insert(keys::text_then_id(&old.country, old.id), &[]),
            )?;
            affected.push(old.id);
        }
        let at = keys::time(j.at);
        for &id in &affected {
            let prefix = keys::join(&[&keys::id(id), &at]);
            for item in t.idx_audit_cp.scan_prefix(&prefix) {
                let (k, _) = self.sled(item)?;
                self.sled(t.audit.remove(&k[8..]))?;
                self.sled(t.idx_audit_cp.remove(&k))?;
            }
        }
        // Audit entries whose index entry was never written: every event of the write carries
        // the journal's time, which starts its key.
        let affected: std::collections::HashSet<u64> = affected.into_iter().collect();
        for item in t.audit.scan_prefix(at) {
            let (k, v) = self.sled(item)?;
            let event: AuditEvent = dec("audit event", &v)?;
            if event
                .counterparty_id
                .is_some_and(|id| affected.contains(&id))
            {
                self.sled(t.audit.remove(&k))?;
            }
        }
        let seq = self
            .sled(t.meta.get("seq/counterparties"))?
            .and_then(|b| keys::read_id(&b));
        if seq == Some(j.last_new) && j.first_new <= j.last_new {
            self.sled(
                t.meta
                    .insert("seq/counterparties", &keys::id(j.first_new - 1)),
            )?;
        }
        self.sled(t.meta.remove(BULK_JOURNAL))?;
        self.flush()
    }

    /// Refuses a bulk write the disk has no room for, before anything is written: sled stopped
    /// by a full disk halfway can leave files it cannot open again.
    fn check_space(&self, writes: &[Write]) -> Result<()> {
        let mut payload = 0u64;
        for w in writes {
            let (Write::Insert(cp) | Write::Update(cp)) = w;
            payload = payload.saturating_add(encode_plain(cp)?.len() as u64);
        }
        let available = fs4::available_space(&self.dir).map_err(|e| StoreError::DiskFull {
            dir: self.dir.clone(),
            message: format!("the free space cannot be measured: {e}"),
        })?;
        space_for_bulk_write(payload, available).map_err(|message| StoreError::DiskFull {
            dir: self.dir.clone(),
            message,
        })
    }

    /// Applies many inserts and updates all or nothing, without one huge sled transaction.
    ///
    /// sled keeps a transaction's whole write set with per-key bookkeeping in memory, which for
    /// 100,000 rows costs gigabytes. Instead this checks everything first (this process is the
    /// only writer: it holds the directory lock), records a [`BulkJournal`] in `meta`, applies one
    /// atomic batch per tree, and removes the journal. A process killed in between leaves the
    /// journal behind, and the next open rolls the partial write back.
    pub(crate) fn bulk_write_counterparties(
        &self,
        writes: Vec<Write>,
        actor: &str,
    ) -> Result<Vec<u64>> {
        self.bulk_write_stopping(writes, actor, &ALL_BULK_STEPS)
    }

    /// The bulk write, applying only these of its six tree batches unless all are given: tests
    /// stop it part way to play a crash. Three steps: plan (everything that can refuse the
    /// write, before anything is written), journal, then one tree after the other.
    fn bulk_write_stopping(
        &self,
        writes: Vec<Write>,
        actor: &str,
        steps: &[usize],
    ) -> Result<Vec<u64>> {
        let now = Utc::now();
        let plan = self.plan_bulk(writes)?;
        self.begin_bulk(&plan, now)?;
        let ctx = BulkContext {
            old_by_id: plan.replaced.iter().map(|c| (c.id, c)).collect(),
            audit_keys: self.audit_keys(plan.records.len(), now)?,
            actor,
            now,
        };
        // One tree after the other: two trees in flight were 10-15% faster on two cores but
        // took 140 MB more memory (sled keeps each tree's pages), over the 300 MB target.
        steps
            .iter()
            .try_for_each(|&step| self.apply_bulk_step(step, &plan, &ctx))?;
        self.flush()?;
        if steps == ALL_BULK_STEPS {
            self.sled(self.t.meta.remove(BULK_JOURNAL))?;
            self.flush()?;
        }
        Ok(plan.ids)
    }

    /// Checks everything that can refuse a bulk write (space, missing records, VAT numbers
    /// taken twice or already registered) and numbers the new records; writes nothing.
    fn plan_bulk(&self, writes: Vec<Write>) -> Result<BulkPlan> {
        self.check_space(&writes)?;
        let mut replaced = Vec::new();
        let mut inserts = 0u64;
        for w in &writes {
            match w {
                Write::Insert(_) => inserts += 1,
                Write::Update(cp) => match self.counterparty(cp.id)? {
                    Some(old) => replaced.push(old),
                    None => {
                        return Err(StoreError::NotFound {
                            what: "counterparty",
                            id: cp.id,
                        });
                    }
                },
            }
        }
        let released: std::collections::HashSet<&str> =
            replaced.iter().filter_map(|c| c.vat.as_deref()).collect();
        let seq = self
            .sled(self.t.meta.get("seq/counterparties"))?
            .and_then(|b| keys::read_id(&b))
            .unwrap_or(0);
        let (first_new, last_new) = (seq + 1, seq + inserts);
        let mut seen_vat: std::collections::HashMap<crate::domain::vat::VatNumber, u64> =
            std::collections::HashMap::new();
        let mut next = first_new;
        let mut ids = Vec::with_capacity(writes.len());
        let mut records = Vec::with_capacity(writes.len());
        for w in writes {
            let (cp, action) = match w {
                Write::Insert(mut cp) => {
                    cp.id = next;
                    next += 1;
                    (cp, AuditAction::Added)
                }
                Write::Update(cp) => (cp, AuditAction::Edited),
            };
            if let Some(v) = &cp.vat {
                if let Some(other) = seen_vat.insert(v.clone(), cp.id) {
                    return Err(StoreError::DuplicateVat {
                        vat: v.clone(),
                        existing: other,
                    });
                }
                if let Some(existing) = self.find_by_vat(v)?
                    && existing != cp.id
                    && !released.contains(v.as_str())
                {
                    return Err(StoreError::DuplicateVat {
                        vat: v.clone(),
                        existing,
                    });
                }
            }
            ids.push(cp.id);
            records.push((cp, action));
        }
        Ok(BulkPlan {
            seq,
            first_new,
            last_new,
            replaced,
            ids,
            records,
        })
    }

    /// Records the journal (and the new id sequence) durably before the first tree is touched,
    /// so that a crash from here on is rolled back at the next open.
    fn begin_bulk(&self, plan: &BulkPlan, now: DateTime<Utc>) -> Result<()> {
        let journal = BulkJournal {
            first_new: plan.first_new,
            last_new: plan.last_new,
            replaced: plan.replaced.clone(),
            at: now,
        };
        let mut meta = sled::Batch::default();
        meta.insert(BULK_JOURNAL, encode_plain(&journal)?);
        meta.insert("seq/counterparties", &keys::id(plan.last_new.max(plan.seq)));
        self.sled(self.t.meta.apply_batch(meta))?;
        self.flush()
    }

    /// One audit key per record, fixed up front so that the audit tree and its index agree.
    fn audit_keys(&self, n: usize, now: DateTime<Utc>) -> Result<Vec<Vec<u8>>> {
        (0..n)
            .map(|_| {
                let seq = self.sled(self.db.generate_id())?;
                Ok(keys::join(&[&keys::time(now), &keys::id(seq)]))
            })
            .collect()
    }

    /// Applies one tree's part of the bulk write (`step` indexes the trees in the order
    /// recovery needs: records first, so it finds the index entries to undo through them).
    fn apply_bulk_step(&self, step: usize, plan: &BulkPlan, ctx: &BulkContext<'_>) -> Result<()> {
        let t = &self.t;
        let trees = [
            &t.counterparties,
            &t.idx_vat,
            &t.idx_owner,
            &t.idx_country,
            &t.audit,
            &t.idx_audit_cp,
        ];
        let tree = trees[step];
        let mut batch = sled::Batch::default();
        // Old index entries of updated records go first; batches apply in order, so a record
        // that keeps its VAT number gets the entry back below.
        for old in &plan.replaced {
            match step {
                1 => {
                    if let Some(v) = &old.vat {
                        batch.remove(v.as_bytes());
                    }
                }
                2 => {
                    if let Some(o) = &old.owner {
                        batch.remove(keys::text_then_id(&o.to_lowercase(), old.id));
                    }
                }
                3 => batch.remove(keys::text_then_id(&old.country, old.id)),
                _ => {}
            }
        }
        for (i, (cp, action)) in plan.records.iter().enumerate() {
            let id = &keys::id(cp.id)[..];
            match step {
                0 => batch.insert(id, encode_plain(cp)?),
                1 => {
                    if let Some(v) = &cp.vat {
                        batch.insert(v.as_bytes(), id);
                    }
                }
                2 => {
                    if let Some(o) = &cp.owner {
                        batch.insert(keys::text_then_id(&o.to_lowercase(), cp.id), &[][..]);
                    }
                }
                3 => batch.insert(keys::text_then_id(&cp.country, cp.id), &[][..]),
                4 => {
                    let detail = match ctx.old_by_id.get(&cp.id) {
                        Some(old) => changed_fields(old, cp).join(", "),
                        None => cp.name.clone(),
                    };
                    let event = AuditEvent {
                        at: ctx.now,
                        actor: ctx.actor.to_string(),
                        counterparty_id: Some(cp.id),
                        action: *action,
                        detail,
                    };
                    batch.insert(ctx.audit_keys[i].as_slice(), encode_plain(&event)?);
                }
                _ => batch.insert(keys::join(&[id, &ctx.audit_keys[i]]), &[][..]),
            }
            // Bounded batches (see BULK_CHUNK); the journal makes the whole write atomic.
            if (i + 1) % BULK_CHUNK == 0 {
                self.sled(tree.apply_batch(std::mem::take(&mut batch)))?;
            }
        }
        self.sled(tree.apply_batch(batch))
    }
}

/// A bulk write checked and numbered, not yet written.
struct BulkPlan {
    /// The id sequence before the write.
    seq: u64,
    /// The first and last id given to new records (last < first: none).
    first_new: u64,
    last_new: u64,
    /// The stored versions of the records the write replaces.
    replaced: Vec<Counterparty>,
    /// The ids written, in the order of the writes.
    ids: Vec<u64>,
    /// Each record to store with its audit action.
    records: Vec<(Counterparty, AuditAction)>,
}

/// What every tree step of one bulk write shares.
struct BulkContext<'a> {
    old_by_id: std::collections::HashMap<u64, &'a Counterparty>,
    audit_keys: Vec<Vec<u8>>,
    actor: &'a str,
    now: DateTime<Utc>,
}
#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::sled_error;
    use crate::store::test_support::cp;
    use std::path::Path;

    #[test]
    fn bulk_writes_need_four_times_their_size_plus_a_margin_and_say_disk_full() {
        assert!(space_for_bulk_write(1_000_000, 71_108_864).is_ok());
        let refused = space_for_bulk_write(1_000_000, 71_108_863).unwrap_err();
        assert!(refused.contains("needs about 71.1 MB free"), "{refused}");
        assert!(space_for_bulk_write(u64::MAX, u64::MAX - 1).is_err());
        let full = sled_error(
            Path::new("/data"),
            sled::Error::Io(std::io::Error::from_raw_os_error(libc::ENOSPC)),
        );
        assert!(matches!(full, StoreError::DiskFull { .. }));
        assert!(full.to_string().starts_with("disk full: "), "{full}");
    }

    #[test]
    fn an_interrupted_bulk_write_is_rolled_back_on_open() {
        let dir = tempfile::tempdir().unwrap();
        {
            let s = Store::open(dir.path(), "t").unwrap();
            s.add_counterparty(cp("Kept", Some("DE136695976"), "anna"), "t")
                .unwrap();
            let mut changed = s.counterparty(1).unwrap().unwrap();
            changed.name = "Renamed".into();
            changed.owner = Some("bob".into());
            changed.vat = None;
            // Every prefix of the six batches (where a crash can stop the write), and every set
            // of the five batches after the records: recovery must not depend on their order.
            let prefixes = (0..6).map(|n| ALL_BULK_STEPS[..n].to_vec());
            let parallel = (0..32u32).map(|mask| {
                let mut steps = vec![0];
                steps.extend((1..6).filter(|b| mask & (1 << (b - 1)) != 0));
                steps
            });
            for steps in prefixes.chain(parallel).filter(|s| s[..] != ALL_BULK_STEPS) {
                let writes = vec![
                    Write::Insert(cp("New A", None, "carl")),
                    Write::Insert(cp("New B", Some("DE136695976"), "carl")),
                    Write::Update(changed.clone()),
                ];
                s.bulk_write_stopping(writes, "t", &steps).unwrap();
                drop(s.recover_bulk());
                assert_eq!(
                    s.counterparty_count(),
                    1,
                    "rolled back after batches {steps:?}"
                );
                let kept = s.counterparty(1).unwrap().unwrap();
                assert_eq!(kept.name, "Kept");
                assert_eq!(s.find_by_vat("DE136695976").unwrap(), Some(1));
                assert_eq!(s.ids_by_owner("anna").unwrap(), vec![1]);
                assert!(s.ids_by_owner("bob").unwrap().is_empty());
                assert!(s.ids_by_owner("carl").unwrap().is_empty());
                assert_eq!(s.audit_for(1).unwrap().len(), 1);
                assert_eq!(s.t.audit.len(), 1, "no audit entry left after {steps:?}");
                assert_eq!(s.t.idx_audit_cp.len(), 1, "after {steps:?}");
            }
            // The interrupted write below is undone by the next open, not by this process.
            s.bulk_write_stopping(
                vec![Write::Insert(cp("Half", None, "dora"))],
                "t",
                &[0, 1, 2, 3],
            )
            .unwrap();
        }
        let s = Store::open(dir.path(), "t").unwrap();
        assert_eq!(s.counterparty_count(), 1);
        assert!(s.ids_by_owner("dora").unwrap().is_empty());
        let ids = s
            .bulk_write_counterparties(vec![Write::Insert(cp("Whole", None, "dora"))], "t")
            .unwrap();
        assert_eq!(ids, vec![2], "ids of a rolled-back write are reused");
        assert_eq!(s.audit_for(2).unwrap().len(), 1);
    }

    #[test]
    fn bulk_write_refuses_duplicates_before_writing() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(dir.path(), "t").unwrap();
        s.add_counterparty(cp("Kept", Some("DE136695976"), "anna"), "t")
            .unwrap();
        let err = s
            .bulk_write_counterparties(
                vec![
                    Write::Insert(cp("X", None, "a")),
                    Write::Insert(cp("Y", Some("DE136695976"), "a")),
                ],
                "t",
            )
            .unwrap_err();
        assert!(matches!(err, StoreError::DuplicateVat { existing: 1, .. }));
        assert_eq!(s.counterparty_count(), 1);
        assert!(s.sled(s.t.meta.get(BULK_JOURNAL)).unwrap().is_none());
    }
}
