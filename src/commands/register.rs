//! Register commands: add, list, show, edit, rm, monitor on/off, import, export.

use super::Ctx;
use crate::cli::{
    AddArgs, EditArgs, ExportArgs, ExportFormat, FieldArgs, ImportArgs, ListArgs, OnOff,
};
use crate::domain::counterparty::FieldError;
use crate::domain::{Counterparty, CounterpartyDraft};
use crate::exit::{self, Failure};
use crate::local_time;
use crate::register::filter::{Filter, ListOrder};
use crate::register::{self, csv_io};
use crate::store::{Store, StoreError, Write as StoreWrite};
use chrono::Utc;
use color_eyre::Result;
use color_eyre::eyre::WrapErr;
use sha2::Digest as _;
use std::collections::HashMap;
use std::io::Write;

fn draft_from(f: FieldArgs, monitor: Option<bool>) -> CounterpartyDraft {
    CounterpartyDraft {
        name: f.name,
        country: f.country,
        vat: f.vat,
        email: f.email,
        address: f.address,
        domain: f.domain,
        contact: f.contact,
        owner: f.owner,
        lei: f.lei,
        register: f.register,
        priority: f.priority,
        monitor,
        frequency: f.frequency,
        tags: f.tags,
        notes: f.notes,
        kind: f.kind,
    }
}

fn field_failure(errors: &[FieldError]) -> Failure {
    let lines: Vec<String> = errors
        .iter()
        .map(|e| format!("--{}: {}", e.field, e.reason))
        .collect();
    Failure::new(exit::INVALID, lines.join("\n"))
}

/// `kontra add`.
pub fn add(ctx: &Ctx, a: AddArgs) -> Result<u8> {
    let draft = draft_from(a.fields, Some(a.monitor));
    let cp = draft
        .apply(None, Utc::now())
        .map_err(|e| field_failure(&e))?;
    let store = ctx.store("kontra add")?;
    let cp = store.add_counterparty(cp, &ctx.actor)?;
    println!("{}", cp.id);
    Ok(exit::OK)
}

fn get(store: &Store, id: u64) -> Result<Counterparty> {
    store.counterparty(id)?.ok_or_else(|| {
        Failure::new(exit::NOT_FOUND, format!("no counterparty with id {id}")).into()
    })
}

/// `kontra list`.
pub fn list(ctx: &Ctx, a: ListArgs) -> Result<u8> {
    let store = ctx.store_read("kontra list")?;
    let country = match a.country.as_deref() {
        Some(c) => Some(
            crate::domain::country::normalise(c)
                .ok_or_else(|| {
                    Failure::new(
                        exit::INVALID,
                        format!("--country: \"{c}\" is not a known country code"),
                    )
                })?
                .to_string(),
        ),
        None => None,
    };
    let filter = Filter::new(country, a.search, a.owner.clone(), a.monitored);
    // With an owner filter the index narrows the scan; otherwise one pass over the tree.
    // Records are decoded and printed one at a time so memory stays flat for any size.
    let source: Box<dyn Iterator<Item = Result<Counterparty, StoreError>>> = match &a.owner {
        Some(o) => Box::new(
            store
                .ids_by_owner(o)?
                .into_iter()
                .filter_map(|id| store.counterparty(id).transpose()),
        ),
        None => Box::new(store.iter_counterparties()),
    };
    let mut failed = None;
    let rows = source
        .map_while(|r| r.map_err(|e| failed = Some(e)).ok())
        .filter(|cp| filter.matches(cp));
    // Another order than the store's needs the matching rows in memory.
    let rows: Box<dyn Iterator<Item = Counterparty>> = match a.sort {
        ListOrder::Id => Box::new(rows),
        order => {
            let mut all: Vec<Counterparty> = rows.collect();
            all.sort_by(|x, y| order.cmp(x, y));
            Box::new(all.into_iter())
        }
    };
    let mut out: Box<dyn std::io::Write> = if a.json {
        Box::new(std::io::BufWriter::new(std::io::stdout().lock()))
    } else {
        Box::new(super::text_out())
    };
    if a.json {
        register::write_json_array(&mut out, rows, false)?;
    } else {
        for cp in rows {
            writeln!(
                out,
                "{:>6}  {:<14} {:<2}  {:<3} {:<12} {}",
                cp.id,
                cp.vat.as_deref().unwrap_or("-"),
                cp.country,
                if cp.monitor { "on" } else { "off" },
                cp.owner.as_deref().unwrap_or("-"),
                cp.name
            )?;
        }
    }
    out.flush()?;
    if let Some(e) = failed {
        return Err(e.into());
    }
    Ok(exit::OK)
}

/// `kontra show`.
pub fn show(ctx: &Ctx, id: u64, json: bool) -> Result<u8> {
    let store = ctx.store_read("kontra show")?;
    let cp = get(&store, id)?;
    if json {
        let mut out = std::io::stdout().lock();
        writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&register::CounterpartyJson::from(&cp))?
        )?;
        return Ok(exit::OK);
    }
    let o = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
    let mut out = super::text_out();
    writeln!(out, "id:        {}", cp.id)?;
    writeln!(out, "name:      {}", cp.name)?;
    writeln!(out, "country:   {}", cp.country)?;
    writeln!(out, "kind:      {}", cp.kind)?;
    writeln!(out, "vat:       {}", o(&cp.vat))?;
    writeln!(out, "email:     {}", o(&cp.email))?;
    writeln!(out, "address:   {}", o(&cp.address))?;
    writeln!(out, "domain:    {}", o(&cp.domain))?;
    writeln!(out, "contact:   {}", o(&cp.contact))?;
    writeln!(out, "owner:     {}", o(&cp.owner))?;
    writeln!(out, "lei:       {}", o(&cp.lei))?;
    writeln!(
        out,
        "register:  {}",
        cp.register
            .as_ref()
            .map(|r| r.to_string())
            .unwrap_or_else(|| "-".into())
    )?;
    writeln!(out, "priority:  {}", cp.priority)?;
    writeln!(
        out,
        "monitor:   {} ({})",
        if cp.monitor { "on" } else { "off" },
        cp.frequency
    )?;
    writeln!(out, "tags:      {}", cp.tags.join(", "))?;
    writeln!(out, "notes:     {}", cp.notes)?;
    let tz = ctx.config.monitor.timezone.0;
    writeln!(out, "created:   {}", local_time::seconds(cp.created_at, tz))?;
    writeln!(out, "updated:   {}", local_time::seconds(cp.updated_at, tz))?;
    out.flush()?;
    Ok(exit::OK)
}

/// `kontra edit`.
pub fn edit(ctx: &Ctx, a: EditArgs) -> Result<u8> {
    let store = ctx.store("kontra edit")?;
    let old = get(&store, a.id)?;
    let draft = draft_from(a.fields, a.monitor);
    if draft == CounterpartyDraft::default() {
        return Err(Failure::new(
            exit::USAGE,
            "nothing to change: give at least one --FIELD VALUE",
        )
        .into());
    }
    let cp = draft
        .apply(Some(&old), Utc::now())
        .map_err(|e| field_failure(&e))?;
    store.update_counterparty(&cp, &ctx.actor)?;
    let changed = crate::store::changed_fields(&old, &cp);
    if changed.is_empty() {
        println!("{}: nothing changed", cp.id);
    } else {
        println!("{}: changed {}", cp.id, changed.join(", "));
    }
    Ok(exit::OK)
}

/// `kontra rm`.
pub fn remove(ctx: &Ctx, ids: &[u64]) -> Result<u8> {
    let store = ctx.store("kontra rm")?;
    for &id in ids {
        get(&store, id)?;
    }
    let gone = store.delete_counterparties(ids, &ctx.actor)?;
    for cp in gone {
        println!("deleted {} {}", cp.id, cp.name);
    }
    Ok(exit::OK)
}

/// `kontra monitor on|off`.
pub fn monitor(ctx: &Ctx, state: OnOff, ids: &[u64]) -> Result<u8> {
    let store = ctx.store("kontra monitor")?;
    for &id in ids {
        get(&store, id)?;
    }
    let n = store.set_monitoring(ids, state == OnOff::On, &ctx.actor)?;
    println!(
        "monitoring {} for {} counterparties ({} changed)",
        if state == OnOff::On { "on" } else { "off" },
        ids.len(),
        n
    );
    Ok(exit::OK)
}

/// `kontra import`.
pub fn import(ctx: &Ctx, a: ImportArgs) -> Result<u8> {
    if !a.dry_run {
        ctx.writable("kontra import")?;
    }
    let bytes = read_capped(&a.file)?;
    let parsed = csv_io::parse(&bytes)
        .map_err(|e| Failure::new(exit::INVALID, format!("{}: {e}", a.file.display())))?;
    let store = if a.dry_run {
        ctx.store_read("kontra import --dry-run")?
    } else {
        ctx.store("kontra import")?
    };
    let plan = plan_import(&store, parsed, a.update)?;
    // Rows without a VAT number cannot be recognised as already registered, so a second run of
    // the same file would add them all again: say so before writing.
    let sha256 = hex::encode(sha2::Sha256::digest(&bytes));
    let seen: Option<ImportRecord> = store.get_state(&import_key(&sha256))?;
    if let Some(prev) = &seen {
        eprintln!(
            "kontra: warning: {} has the same content (SHA-256 {}) as a file imported on {} ({} new counterparties); its rows without a VAT number are added again{}",
            a.file.display(),
            &sha256[..16],
            local_time::minutes(prev.at, ctx.config.monitor.timezone.0),
            prev.inserted,
            if a.dry_run {
                ""
            } else {
                " (check with kontra list, remove with kontra rm)"
            }
        );
    }
    let mut err = std::io::stderr().lock();
    for e in &plan.errors {
        writeln!(err, "{}: {e}", a.file.display())?;
    }
    for (line, vat, existing) in &plan.duplicates {
        writeln!(
            err,
            "{}: line {line}, column vat: duplicate: {vat} is already registered as counterparty {existing}; skipped (use --update to merge)",
            a.file.display()
        )?;
    }
    let (inserts, updates) = (plan.inserts.len(), plan.updates.len());
    if !a.dry_run && (inserts > 0 || updates > 0) {
        let mut writes: Vec<StoreWrite> =
            plan.inserts.into_iter().map(StoreWrite::Insert).collect();
        writes.extend(plan.updates.into_iter().map(StoreWrite::Update));
        store.bulk_write_counterparties(writes, &ctx.actor)?;
        store.set_state(
            &import_key(&sha256),
            &ImportRecord {
                at: Utc::now(),
                inserted: inserts as u64,
            },
        )?;
    }
    let verb = if a.dry_run {
        "would import"
    } else {
        "imported"
    };
    println!(
        "{verb} {inserts} new, {} {updates} updated, {} unchanged, {} duplicates skipped, {} rejected ({})",
        if a.dry_run { "would have" } else { "" }.trim(),
        plan.unchanged,
        plan.duplicates.len(),
        plan.errors.len(),
        plan.detected
    );
    Ok(if plan.errors.is_empty() && plan.duplicates.is_empty() {
        exit::OK
    } else {
        exit::INVALID
    })
}

/// The largest CSV file `kontra import` reads.
pub const MAX_IMPORT_BYTES: u64 = 256 * 1024 * 1024;

/// Reads an import file, refusing one larger than [`MAX_IMPORT_BYTES`] (or endless, such as
/// `/dev/zero`) before it takes the machine's memory.
fn read_capped(path: &std::path::Path) -> Result<Vec<u8>> {
    use std::io::Read;
    let file =
        std::fs::File::open(path).wrap_err_with(|| format!("cannot read {}", path.display()))?;
    let mut bytes = Vec::new();
    file.take(MAX_IMPORT_BYTES + 1)
        .read_to_end(&mut bytes)
        .wrap_err_with(|| format!("cannot read {}", path.display()))?;
    if bytes.len() as u64 > MAX_IMPORT_BYTES {
        return Err(Failure::new(
            exit::INVALID,
            format!(
                "{}: larger than {} MB; split it into smaller files",
                path.display(),
                MAX_IMPORT_BYTES / (1024 * 1024)
            ),
        )
        .into());
    }
    Ok(bytes)
}

/// A file imported before, by the SHA-256 of its bytes.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct ImportRecord {
    /// When it was imported.
    at: chrono::DateTime<Utc>,
    /// How many new counterparties it added.
    inserted: u64,
}

fn import_key(sha256: &str) -> String {
    format!("import.file.{sha256}")
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
    pub errors: Vec<csv_io::RowError>,
    /// Detected encoding and separator.
    pub detected: String,
}

/// Validates every row against the field rules and the register, without writing.
pub fn plan_import(
    store: &Store,
    parsed: csv_io::Parsed,
    update: bool,
) -> Result<ImportPlan, StoreError> {
    let now = Utc::now();
    let mut plan = ImportPlan {
        inserts: Vec::new(),
        updates: Vec::new(),
        unchanged: 0,
        duplicates: Vec::new(),
        errors: parsed.errors,
        detected: parsed.detected,
    };
    // VAT numbers seen earlier in this file: a second row with the same number is a duplicate
    // of that row, not of the register.
    let mut in_file: HashMap<String, u64> = HashMap::new();
    let mut updated: HashMap<u64, usize> = HashMap::new();
    for row in parsed.rows {
        let fresh = match row.draft.apply(None, now) {
            Ok(cp) => cp,
            Err(errs) => {
                plan.errors
                    .extend(errs.into_iter().map(|e| csv_io::RowError {
                        line: row.line,
                        column: Some(e.field.to_string()),
                        reason: e.reason,
                    }));
                continue;
            }
        };
        let Some(vat) = fresh.vat.clone() else {
            plan.inserts.push(fresh);
            continue;
        };
        if let Some(first) = in_file.get(&vat) {
            plan.errors.push(csv_io::RowError {
                line: row.line,
                column: Some("vat".into()),
                reason: format!("duplicate: {vat} already appears on line {first}"),
            });
            continue;
        }
        in_file.insert(vat.clone(), row.line);
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
                    Err(errs) => plan
                        .errors
                        .extend(errs.into_iter().map(|e| csv_io::RowError {
                            line: row.line,
                            column: Some(e.field.to_string()),
                            reason: e.reason,
                        })),
                }
            }
            Some(existing) => plan.duplicates.push((row.line, vat, existing)),
        }
    }
    plan.errors.sort_by_key(|e| e.line);
    Ok(plan)
}

/// `kontra export`.
pub fn export(ctx: &Ctx, a: ExportArgs) -> Result<u8> {
    let store = ctx.store_read("kontra export")?;
    let cps = store.counterparties()?;
    let sink: Box<dyn Write> = match &a.out {
        Some(p) => Box::new(
            std::fs::File::create(p).wrap_err_with(|| format!("cannot create {}", p.display()))?,
        ),
        None => Box::new(std::io::stdout().lock()),
    };
    let mut sink = std::io::BufWriter::new(sink);
    match a.format {
        ExportFormat::Csv => csv_io::write(&mut sink, &cps)?,
        ExportFormat::Json => register::write_json_array(&mut sink, cps.iter(), true)?,
    }
    sink.flush()?;
    if let Some(p) = &a.out {
        eprintln!("exported {} counterparties to {}", cps.len(), p.display());
    }
    Ok(exit::OK)
}
