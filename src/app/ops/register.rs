//! Importing a CSV file into the register: the plan (every row validated against the field
//! rules and the register, nothing written), the role checks on what the plan would write, and
//! the write itself, all or nothing. The file's bytes come from the caller, who may not share
//! the server's file system; the server remembers each imported file by its SHA-256.
//! Exporting: the register with each counterparty's last check; the caller writes the file.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::Digest as _;

use crate::app::access::Need;
use crate::app::api::Api as _;
use crate::app::events::Event;
use crate::app::local::Local;
use crate::domain::Counterparty;
use crate::domain::last_check::LastCheck;
use crate::exit::{self, Failure};
use crate::register::config::RegisterConfig;
use crate::register::csv_io::{self, RowError, UnknownColumn};
use crate::register::export::ExportRow;
use crate::register::filter::Filter;
use crate::store::{Store, StoreError, Write as StoreWrite};

/// The largest CSV file an import takes.
pub const MAX_IMPORT_BYTES: u64 = 256 * 1024 * 1024;

/// A CSV file to import, as the caller read it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ImportFile {
    /// The file as named on the caller's command line, for messages.
    pub name: String,
    /// Its bytes.
    pub bytes: Vec<u8>,
    /// Merge rows into counterparties already registered under the same VAT number.
    pub update: bool,
}

/// A file imported before, by the SHA-256 of its bytes (persisted under [`import_key`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportRecord {
    /// When it was imported.
    pub at: DateTime<Utc>,
    /// How many new counterparties it added.
    pub inserted: u64,
}

/// What an import did (or, planned only, would do).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ImportReport {
    /// The SHA-256 of the file, hex.
    pub sha256: String,
    /// The earlier import of a file with the same bytes, as it stood before this one.
    pub seen: Option<ImportRecord>,
    /// Rejected lines and cells, by line.
    pub errors: Vec<RowError>,
    /// (line, VAT number, existing id) of skipped duplicates.
    pub duplicates: Vec<(u64, String, u64)>,
    /// New counterparties.
    pub inserted: usize,
    /// Existing counterparties with merged fields.
    pub updated: usize,
    /// `--update` rows that would change nothing.
    pub unchanged: usize,
    /// Detected encoding and separator.
    pub detected: String,
    /// Header columns Kontra does not know, skipped.
    #[serde(default)]
    pub unknown_columns: Vec<UnknownColumn>,
    /// For a dry run: why the import itself would be refused to the caller (their role), if
    /// it would; the plan is shown all the same.
    #[serde(default)]
    pub refused: Option<String>,
}

/// What an import will do, decided before anything is written.
pub struct ImportPlan {
    /// New counterparties.
    pub inserts: Vec<Counterparty>,
    /// Existing counterparties with merged fields.
    pub updates: Vec<Counterparty>,
    /// `--update` rows that would change nothing (not written, no audit entry).
    pub unchanged: usize,
    /// (line, VAT number, existing id) of skipped duplicates.
    pub duplicates: Vec<(u64, String, u64)>,
    /// Rejected lines and cells.
    pub errors: Vec<RowError>,
    /// Detected encoding and separator.
    pub detected: String,
    /// Header columns Kontra does not know, skipped.
    pub unknown_columns: Vec<UnknownColumn>,
}

/// The state key under which an imported file is remembered.
fn import_key(sha256: &str) -> String {
    format!("import.file.{sha256}")
}

/// Parses and plans `file` and reads what the store remembers of the same bytes.
fn prepare(
    local: &Local,
    file: &ImportFile,
) -> Result<(ImportPlan, String, Option<ImportRecord>), Failure> {
    if file.bytes.len() as u64 > MAX_IMPORT_BYTES {
        // The client refuses such a file itself; this guards the server against any other.
        return Err(Failure::new(
            exit::INVALID,
            format!(
                "{}: larger than {} MB; split it into smaller files",
                file.name,
                MAX_IMPORT_BYTES / (1024 * 1024)
            ),
        ));
    }
    let parsed = csv_io::parse(&file.bytes)
        .map_err(|e| Failure::new(exit::INVALID, format!("{}: {e}", file.name)))?;
    let store = local.store();
    let defaults = &local.instance().config().register;
    let plan = plan_import(store, parsed, file.update, defaults).map_err(Failure::from_error)?;
    // Rows without a VAT number cannot be recognised as already registered, so a second run of
    // the same file adds them all again: the caller warns about that.
    let sha256 = hex::encode(sha2::Sha256::digest(&file.bytes));
    let seen = store
        .get_state(&import_key(&sha256))
        .map_err(Failure::from_error)?;
    Ok((plan, sha256, seen))
}

fn report(plan: &ImportPlan, sha256: String, seen: Option<ImportRecord>) -> ImportReport {
    ImportReport {
        sha256,
        seen,
        errors: plan.errors.clone(),
        duplicates: plan.duplicates.clone(),
        inserted: plan.inserts.len(),
        updated: plan.updates.len(),
        unchanged: plan.unchanged,
        detected: plan.detected.clone(),
        unknown_columns: plan.unknown_columns.clone(),
        refused: None,
    }
}

/// What importing `file` would do, writing nothing, and whether the import would be refused
/// to the caller (so that a dry run never promises what the import will not do).
pub(crate) fn plan(local: &Local, file: ImportFile) -> Result<ImportReport, Failure> {
    let (plan, sha256, seen) = prepare(local, &file)?;
    let refused = match permit_plan(local, &plan, true) {
        Ok(()) => None,
        Err(f) if f.code == exit::REFUSED => Some(f.message),
        Err(f) => return Err(f),
    };
    Ok(ImportReport {
        refused,
        ..report(&plan, sha256, seen)
    })
}

/// Imports `file`: refused as a whole unless the caller may add every new row (by its owner)
/// and change every counterparty an `--update` row merges into.
pub(crate) fn import(local: &Local, file: ImportFile) -> Result<ImportReport, Failure> {
    let (plan, sha256, seen) = prepare(local, &file)?;
    permit_plan(local, &plan, false)?;
    let out = report(&plan, sha256.clone(), seen);
    if plan.inserts.is_empty() && plan.updates.is_empty() {
        return Ok(out);
    }
    let store = local.store();
    let mut writes: Vec<StoreWrite> = plan.inserts.into_iter().map(StoreWrite::Insert).collect();
    writes.extend(plan.updates.into_iter().map(StoreWrite::Update));
    store
        .bulk_write_counterparties(writes, &local.identity().analyst)
        .map_err(Failure::from_error)?;
    store
        .set_state(
            &import_key(&sha256),
            &ImportRecord {
                at: Utc::now(),
                inserted: out.inserted as u64,
            },
        )
        .map_err(Failure::from_error)?;
    // Many rows at once: attached UIs read the register again.
    local.instance().hub().publish(Event::Reload);
    Ok(out)
}

/// The counterparties that pass `filter`, each with its last check.
pub(crate) fn export(local: &Local, filter: Filter) -> Result<Vec<ExportRow>, Failure> {
    let store = local.store();
    local
        .counterparties(filter, crate::register::filter::ListOrder::Id)?
        .into_iter()
        .map(|cp| {
            let last = store.last_check(cp.id).map_err(Failure::from_error)?;
            Ok(ExportRow {
                last: last.as_ref().map(LastCheck::of),
                cp,
            })
        })
        .collect()
}

/// Asks the role rules once per owner of the new rows, and for each merged counterparty as
/// for an edit (its owner, and the new owner when the row gives it away). A real import asks
/// [`Local::permit`] (a refusal is audited); a dry run asks the same rules and records nothing,
/// so that it never promises an import the caller may not make.
fn permit_plan(local: &Local, plan: &ImportPlan, dry_run: bool) -> Result<(), Failure> {
    let permit = |action: &str, id: Option<u64>, need: Need<'_>| {
        if dry_run {
            crate::app::access::permit(local.identity(), action, need).map_err(|f| {
                Failure::new(
                    f.code,
                    format!("the import would be refused: {}", f.message),
                )
            })
        } else {
            local.permit(action, id, need)
        }
    };
    let mut owners: Vec<Option<&str>> = Vec::new();
    for cp in &plan.inserts {
        let o = cp.owner.as_deref();
        if !owners.contains(&o) {
            owners.push(o);
        }
    }
    for owner in owners {
        let action = match owner {
            Some(o) => format!("import counterparties owned by {o}"),
            None => "import counterparties without an owner".to_string(),
        };
        permit(&action, None, Need::Counterparty(owner))?;
    }
    for cp in &plan.updates {
        let old = local.get(cp.id)?;
        for owner in [&old.owner, &cp.owner] {
            permit(
                &format!("change counterparty {}", cp.id),
                Some(cp.id),
                Need::Counterparty(owner.as_deref()),
            )?;
        }
    }
    Ok(())
}

/// Validates every row against the field rules and the register, without writing. New rows get
/// the register's defaults (`defaults`); a row merged into a stored counterparty keeps what is
/// stored where it is silent.
pub fn plan_import(
    store: &Store,
    parsed: csv_io::Parsed,
    update: bool,
    defaults: &RegisterConfig,
) -> Result<ImportPlan, StoreError> {
    let now = Utc::now();
    let mut plan = ImportPlan {
        inserts: Vec::new(),
        updates: Vec::new(),
        unchanged: 0,
        duplicates: Vec::new(),
        errors: parsed.errors,
        detected: parsed.detected,
        unknown_columns: parsed.unknown_columns,
    };
    // VAT numbers seen earlier in this file: a second row with the same number is a duplicate
    // of that row, not of the register.
    let mut in_file: HashMap<String, u64> = HashMap::new();
    let mut updated: HashMap<u64, usize> = HashMap::new();
    for row in parsed.rows {
        let fresh = match defaults.new_counterparty(&row.draft, now) {
            Ok(cp) => cp,
            Err(errs) => {
                plan.errors.extend(errs.into_iter().map(|e| RowError {
                    line: row.line,
                    column: Some(e.field.to_string()),
                    reason: e.reason.to_string(),
                }));
                continue;
            }
        };
        let Some(vat) = fresh.vat.clone() else {
            plan.inserts.push(fresh);
            continue;
        };
        if let Some(first) = in_file.get(vat.as_str()) {
            plan.errors.push(RowError {
                line: row.line,
                column: Some(crate::domain::Field::Vat.to_string()),
                reason: format!("duplicate: {vat} already appears on line {first}"),
            });
            continue;
        }
        in_file.insert(vat.to_string(), row.line);
        match store.find_by_vat(&vat)? {
            None => plan.inserts.push(fresh),
            Some(existing) if update => {
                let Some(old) = store.counterparty(existing)? else {
                    plan.inserts.push(fresh);
                    continue;
                };
                // Merge: cells that are present and non-empty win; empty cells keep what is stored.
                let mut d = row.draft.clone();
                for f in [
                    &mut d.email,
                    &mut d.address,
                    &mut d.domain,
                    &mut d.contact,
                    &mut d.owner,
                    &mut d.lei,
                    &mut d.register,
                    &mut d.priority,
                    &mut d.frequency,
                    &mut d.tags,
                    &mut d.notes,
                    &mut d.kind,
                ] {
                    if f.as_deref().is_some_and(|v| v.trim().is_empty()) {
                        *f = None;
                    }
                }
                match d.apply(Some(&old), now) {
                    Ok(cp)
                        if Counterparty {
                            updated_at: old.updated_at,
                            ..cp.clone()
                        } == old
                            && !updated.contains_key(&existing) =>
                    {
                        plan.unchanged += 1;
                    }
                    Ok(cp) => {
                        if let Some(&i) = updated.get(&existing) {
                            plan.updates[i] = cp;
                        } else {
                            updated.insert(existing, plan.updates.len());
                            plan.updates.push(cp);
                        }
                    }
                    Err(errs) => plan.errors.extend(errs.into_iter().map(|e| RowError {
                        line: row.line,
                        column: Some(e.field.to_string()),
                        reason: e.reason.to_string(),
                    })),
                }
            }
            Some(existing) => plan.duplicates.push((row.line, vat.to_string(), existing)),
        }
    }
    plan.errors.sort_by_key(|e| e.line);
    Ok(plan)
}
