//! The schema version and the migrations that bring an older data directory up to
//! [`SCHEMA_VERSION`], resumable after a kill (see `MigrationProgress`).

use serde::{Deserialize, Serialize};
use sled::Transactional;

use super::bulk::{BULK_JOURNAL, BulkJournal};
use super::{Result, SCHEMA_VERSION, Store, StoreError, dec, encode_plain, unwrap_tx, v1, v2};

const MIGRATION_PROGRESS: &str = "migration_progress";

/// Records rewritten per transaction when migrating: bounded like [`BULK_CHUNK`], because sled
/// keeps a transaction's whole write set in memory.
const MIGRATE_CHUNK: usize = 1024;

/// Where a migration step stands, kept in `meta` and written in the same transaction as each
/// chunk of rewritten records: a process killed part way resumes exactly after the last chunk
/// it wrote, so no record is skipped and none is converted twice (a version-2 record read as
/// version 1 would be garbage). Removed with the step's end, so each step starts afresh.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct MigrationProgress {
    /// The version being migrated to.
    to: u32,
    /// The step's phase: for 1 -> 2, 0 = bulk journal, 1 = counterparties, 2 = check runs,
    /// 3 = done; for 2 -> 3, 0 = alerts, 1 = done.
    phase: u8,
    /// The last key rewritten in this phase; none when the phase has not started.
    after: Option<Vec<u8>>,
}

impl Store {
    /// The schema version recorded in the `meta` tree.
    pub fn schema_version(&self) -> Result<u32> {
        let v = self.sled(self.t.meta.get("schema_version"))?;
        Ok(
            v.and_then(|b| b.as_ref().try_into().ok().map(u32::from_be_bytes))
                .unwrap_or(0),
        )
    }

    /// Brings an older schema up to [`SCHEMA_VERSION`], one step at a time.
    pub(super) fn migrate(&self) -> Result<()> {
        self.migrate_stopping(MIGRATE_CHUNK, None).map(|_| ())
    }

    /// The migration, rewriting `chunk` records per transaction and, when `budget` is given,
    /// stopping after that many transactions (tests play a kill that way). Returns whether it
    /// came to the end.
    fn migrate_stopping(&self, chunk: usize, mut budget: Option<usize>) -> Result<bool> {
        let found = self.schema_version()?;
        if found > SCHEMA_VERSION {
            return Err(StoreError::NewerSchema {
                dir: self.dir.clone(),
                found,
            });
        }
        let mut v = found;
        while v < SCHEMA_VERSION {
            // Version 0 is a fresh directory: nothing to convert.
            let done = match v {
                1 => self.migrate_1_to_2(chunk, &mut budget)?,
                2 => self.migrate_2_to_3(chunk, &mut budget)?,
                _ => true,
            };
            if !done {
                self.flush()?;
                return Ok(false);
            }
            v += 1;
            // The new version and the end of the step's progress record in one atomic batch.
            let mut done = sled::Batch::default();
            done.insert("schema_version", &v.to_be_bytes());
            done.remove(MIGRATION_PROGRESS);
            self.sled(self.t.meta.apply_batch(done))?;
        }
        self.recover_bulk()?;
        self.flush()?;
        Ok(true)
    }

    /// Schema 1 -> 2: every counterparty gets `kind` = organisation, every stored sanctions hit
    /// `strength` = strong with no reasons, and a bulk journal left by a killed version-1 import
    /// is rewritten so that [`Store::recover_bulk`] can still undo that import.
    fn migrate_1_to_2(&self, chunk: usize, budget: &mut Option<usize>) -> Result<bool> {
        let t = &self.t;
        let mut p = match self.sled(t.meta.get(MIGRATION_PROGRESS))? {
            Some(b) => dec("migration progress", &b)?,
            None => MigrationProgress {
                to: 2,
                phase: 0,
                after: None,
            },
        };
        loop {
            match p.phase {
                0 => {
                    let mut batch = sled::Batch::default();
                    if let Some(bytes) = self.sled(t.meta.get(BULK_JOURNAL))? {
                        let old: v1::BulkJournalV1 = dec("bulk journal (version 1)", &bytes)?;
                        let journal = BulkJournal {
                            first_new: old.first_new,
                            last_new: old.last_new,
                            replaced: old.replaced.into_iter().map(|c| c.upgrade()).collect(),
                            at: old.at,
                        };
                        batch.insert(BULK_JOURNAL, encode_plain(&journal)?);
                    }
                    p.phase = 1;
                    batch.insert(MIGRATION_PROGRESS, encode_plain(&p)?);
                    self.sled(t.meta.apply_batch(batch))?;
                }
                1 | 2 => {
                    let tree = if p.phase == 1 {
                        &t.counterparties
                    } else {
                        &t.checks
                    };
                    let phase = p.phase;
                    self.rewrite_chunk(tree, &mut p, chunk, |v| {
                        if phase == 1 {
                            let cp: v1::CounterpartyV1 = dec("counterparty (version 1)", v)?;
                            return encode_plain(&cp.upgrade()).map(Some);
                        }
                        let run: v1::CheckRunV1 = dec("check run (version 1)", v)?;
                        // Runs without hits are stored alike in both versions.
                        if run.has_hits() {
                            encode_plain(&run.upgrade()).map(Some)
                        } else {
                            Ok(None)
                        }
                    })?;
                }
                _ => return Ok(true),
            }
            if spent(budget) {
                return Ok(false);
            }
        }
    }

    /// Schema 2 -> 3: every alert gets its typed `subject`, read back from its dedup key.
    fn migrate_2_to_3(&self, chunk: usize, budget: &mut Option<usize>) -> Result<bool> {
        let t = &self.t;
        let mut p = match self.sled(t.meta.get(MIGRATION_PROGRESS))? {
            Some(b) => dec("migration progress", &b)?,
            None => MigrationProgress {
                to: 3,
                phase: 0,
                after: None,
            },
        };
        while p.phase == 0 {
            self.rewrite_chunk(&t.alerts, &mut p, chunk, |v| {
                let alert: v2::AlertV2 = dec("alert (version 2)", v)?;
                encode_plain(&alert.upgrade()).map(Some)
            })?;
            if spent(budget) {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Rewrites the next `chunk` records of `tree` after `p.after` by `convert` (None leaves a
    /// record as it is), in one transaction with the progress; when none are left, moves `p` to
    /// the next phase.
    fn rewrite_chunk(
        &self,
        tree: &sled::Tree,
        p: &mut MigrationProgress,
        chunk: usize,
        convert: impl Fn(&[u8]) -> Result<Option<Vec<u8>>>,
    ) -> Result<()> {
        let t = &self.t;
        let from = match &p.after {
            Some(k) => std::ops::Bound::Excluded(k.clone()),
            None => std::ops::Bound::Unbounded,
        };
        let mut rewrites: Vec<(sled::IVec, Vec<u8>)> = Vec::new();
        let mut last = None;
        for item in tree
            .range::<Vec<u8>, _>((from, std::ops::Bound::Unbounded))
            .take(chunk)
        {
            let (k, v) = self.sled(item)?;
            if let Some(new) = convert(&v)? {
                rewrites.push((k.clone(), new));
            }
            last = Some(k.to_vec());
        }
        match last {
            None => {
                p.phase += 1;
                p.after = None;
                self.sled(t.meta.insert(MIGRATION_PROGRESS, encode_plain(&*p)?))?;
            }
            Some(k) => {
                p.after = Some(k);
                let progress = encode_plain(&*p)?;
                let r = (tree, &t.meta).transaction(|(tree, meta)| {
                    for (k, v) in &rewrites {
                        tree.insert(k, v.as_slice())?;
                    }
                    meta.insert(MIGRATION_PROGRESS, progress.as_slice())?;
                    Ok(())
                });
                unwrap_tx::<()>(r, &self.dir)?;
            }
        }
        Ok(())
    }
}

/// Counts one transaction against the budget a test gave; true when it is used up.
fn spent(budget: &mut Option<usize>) -> bool {
    match budget {
        Some(left) => {
            *left = left.saturating_sub(1);
            *left == 0
        }
        None => false,
    }
}
#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::screening::HitStrength;
    use crate::domain::{Alert, CheckRun, Counterparty, CounterpartyKind, Source};
    use crate::store::test_support::cp;
    use crate::store::{codec, keys};
    use chrono::Utc;
    use std::path::Path;

    /// A copy of the version-1 data directory under `tests/fixtures` (see its README).
    fn v1_copy() -> tempfile::TempDir {
        fn copy(from: &Path, to: &Path) {
            std::fs::create_dir_all(to).unwrap();
            for e in std::fs::read_dir(from).unwrap() {
                let e = e.unwrap();
                if e.file_type().unwrap().is_dir() {
                    copy(&e.path(), &to.join(e.file_name()));
                } else {
                    std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
                }
            }
        }
        let dir = tempfile::tempdir().unwrap();
        copy(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/store_v1"),
            dir.path(),
        );
        dir
    }

    /// Everything a migrated copy of the fixture holds, in comparable form.
    fn contents(s: &Store) -> (Vec<Counterparty>, Vec<CheckRun>, Vec<Alert>) {
        let runs = (1..=5).filter_map(|id| s.check_run(id).unwrap()).collect();
        (s.counterparties().unwrap(), runs, s.alerts().unwrap())
    }

    fn sanctions_hits(run: &CheckRun) -> Vec<crate::domain::check::SanctionsHit> {
        run.results
            .iter()
            .filter_map(|r| match r.outcome.answer() {
                Some(crate::domain::check::Answer::Sanctions(a)) => Some(a.hits.clone()),
                _ => None,
            })
            .flatten()
            .collect()
    }

    #[test]
    fn a_version_1_store_is_migrated_on_open() {
        let dir = v1_copy();
        {
            let raw = Store::open_unmigrated(dir.path(), "t", None).unwrap();
            assert_eq!(raw.schema_version().unwrap(), 1, "the fixture is version 1");
            assert!(
                raw.counterparties().is_err(),
                "version-1 counterparties do not read as version 2"
            );
        }
        let s = Store::open(dir.path(), "t").unwrap();
        assert_eq!(s.schema_version().unwrap(), SCHEMA_VERSION);
        let (cps, runs, alerts) = contents(&s);
        let names: Vec<&str> = cps.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "TNK Trading International S.A.",
                "Korea Mining Development Trading Corporation",
                "Beispiel GmbH",
                "Acme SARL",
                "Nordlicht Oy"
            ]
        );
        assert!(cps.iter().all(|c| c.kind == CounterpartyKind::Organisation));
        let b = &cps[2];
        assert_eq!(b.vat.as_deref(), Some("DE136695976"));
        assert_eq!(b.lei.as_deref(), Some("254900OPPU84GM83MG36"));
        assert_eq!(
            b.register.as_ref().map(|r| r.to_string()).as_deref(),
            Some("HRB 12345, München")
        );
        assert_eq!(b.tags, ["key", "eu"]);
        assert_eq!(b.notes, "Fixture written by schema version 1");
        assert_eq!(b.frequency, crate::domain::Frequency::Weekly);
        assert_eq!(s.find_by_vat("DE136695976").unwrap(), Some(3));
        assert_eq!(s.ids_by_owner("carl").unwrap(), vec![4, 5]);
        assert_eq!(runs.len(), 5);
        let hits: Vec<_> = runs.iter().flat_map(sanctions_hits).collect();
        let ids: Vec<(&str, &str)> = hits
            .iter()
            .map(|h| (h.list.as_str(), h.entity_id.as_str()))
            .collect();
        assert_eq!(ids, [("ofac", "28603"), ("un", "690735")]);
        for h in &hits {
            assert_eq!(h.strength, HitStrength::Strong, "old hits had alerted");
            assert!(h.reasons.is_empty());
            assert_eq!(h.score, 1.0);
            assert!(h.explanation.starts_with("primary"), "{}", h.explanation);
        }
        assert_eq!(alerts.len(), 2);
        assert_eq!(alerts[0].acknowledged_by.as_deref(), Some("analyst"));
        // Schema 3: the subject read back from the key the version-1 detector wrote.
        let subjects: Vec<_> = alerts
            .iter()
            .map(|a| (a.source(), a.hit_entity()))
            .collect();
        assert_eq!(
            subjects,
            [
                (Some(Source::Sanctions), Some(("ofac", "28603"))),
                (Some(Source::Sanctions), Some(("un", "690735")))
            ]
        );
        assert!(s.sled(s.t.meta.get(MIGRATION_PROGRESS)).unwrap().is_none());
        // The migrated store takes new records and opens again without migrating twice.
        let mut v = cps[3].clone();
        v.kind = CounterpartyKind::Vessel;
        s.update_counterparty(&v, "t").unwrap();
        drop(s);
        let s = Store::open(dir.path(), "t").unwrap();
        assert_eq!(
            s.counterparty(4).unwrap().unwrap().kind,
            CounterpartyKind::Vessel
        );
        assert_eq!(contents(&s).1, runs);
    }

    #[test]
    fn a_migration_killed_part_way_resumes_without_loss_or_double_conversion() {
        let whole = v1_copy();
        let expected = contents(&Store::open(whole.path(), "t").unwrap());
        let dir = v1_copy();
        // One record per transaction, one transaction per open: every place a kill can stop
        // the migration is visited, and each open resumes where the last one stopped.
        let mut opens = 0;
        loop {
            let s = Store::open_unmigrated(dir.path(), "t", None).unwrap();
            opens += 1;
            if s.migrate_stopping(1, Some(1)).unwrap() {
                break;
            }
            assert!(
                s.schema_version().unwrap() < SCHEMA_VERSION,
                "not done after open {opens}"
            );
            assert!(opens < 50, "the migration does not advance");
        }
        // Journal, 5 counterparties, 5 check runs, 2 alerts, and each phase's end.
        assert!(opens >= 16, "{opens} opens");
        let s = Store::open(dir.path(), "t").unwrap();
        assert_eq!(s.schema_version().unwrap(), SCHEMA_VERSION);
        assert_eq!(contents(&s), expected);
    }

    #[test]
    fn a_version_1_bulk_journal_is_still_rolled_back_after_the_migration() {
        let dir = v1_copy();
        {
            // Play a version-1 import killed after its journal was written: it was replacing
            // counterparty 4 and inserting 6. The journal holds counterparty 4 as version 1
            // wrote it, which is what the stored record's bytes are.
            let raw = Store::open_unmigrated(dir.path(), "t", None).unwrap();
            let old_cp = raw
                .sled(raw.t.counterparties.get(keys::id(4)))
                .unwrap()
                .unwrap();
            let at = Utc::now();
            let mut journal = codec::encode(&(6u64, 6u64, 1u64)).unwrap();
            journal.extend_from_slice(&old_cp[1..]);
            journal.extend_from_slice(&codec::encode(&at).unwrap()[1..]);
            raw.sled(raw.t.meta.insert(BULK_JOURNAL, journal)).unwrap();
            raw.sled(raw.t.meta.insert("seq/counterparties", &keys::id(6)))
                .unwrap();
            raw.flush().unwrap();
        }
        let s = Store::open(dir.path(), "t").unwrap();
        assert!(s.sled(s.t.meta.get(BULK_JOURNAL)).unwrap().is_none());
        assert_eq!(s.counterparty_count(), 5);
        let acme = s.counterparty(4).unwrap().unwrap();
        assert_eq!(acme.name, "Acme SARL");
        assert_eq!(acme.kind, CounterpartyKind::Organisation);
        assert_eq!(s.ids_by_owner("carl").unwrap(), vec![4, 5]);
        let next = s.add_counterparty(cp("Next", None, "dora"), "t").unwrap();
        assert_eq!(next.id, 6, "the rolled-back id is given again");
    }
}
