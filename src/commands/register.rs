//! Register commands: add, list, show, edit, rm, monitor on/off, import, export.

use super::Ctx;
use crate::app::Access;
use crate::app::local::field_failure;
use crate::app::ops::register::{ImportFile, MAX_IMPORT_BYTES};
use crate::domain::CounterpartyDraft;
use crate::exit::{self, Failure};
use crate::local_time;
use crate::register::export::{self, CsvStyle};
use crate::register::{self, filter::Filter};
use chrono::Utc;
use clap::{Args, ValueEnum};
use color_eyre::Result;
use color_eyre::eyre::WrapErr;
use std::io::Write;
use std::path::PathBuf;

/// Monitoring `on` or `off` (`kontra monitor on|off`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnOff {
    /// Switch on.
    On,
    /// Switch off.
    Off,
}

/// Fields a counterparty can be given on the command line.
#[derive(Debug, Args, Default)]
pub struct FieldArgs {
    /// Registered name.
    #[arg(long)]
    pub name: Option<String>,
    /// Country (ISO code such as DE, or a name).
    #[arg(long)]
    pub country: Option<String>,
    /// VAT number (any spelling; normalised and checked).
    #[arg(long)]
    pub vat: Option<String>,
    /// E-mail address.
    #[arg(long)]
    pub email: Option<String>,
    /// Postal address.
    #[arg(long)]
    pub address: Option<String>,
    /// Web domain.
    #[arg(long)]
    pub domain: Option<String>,
    /// Contact person.
    #[arg(long)]
    pub contact: Option<String>,
    /// Owning analyst.
    #[arg(long)]
    pub owner: Option<String>,
    /// Legal Entity Identifier.
    #[arg(long)]
    pub lei: Option<String>,
    /// Register entry, e.g. "HRB 44343 B, Berlin (Charlottenburg)".
    #[arg(long)]
    pub register: Option<String>,
    /// normal or high.
    #[arg(long)]
    pub priority: Option<String>,
    /// daily, weekly or monthly.
    #[arg(long)]
    pub frequency: Option<String>,
    /// Comma-separated tags.
    #[arg(long)]
    pub tags: Option<String>,
    /// Notes.
    #[arg(long)]
    pub notes: Option<String>,
    /// What it is, for sanctions screening: organisation (default), person (sole trader),
    /// vessel or aircraft.
    #[arg(long)]
    pub kind: Option<String>,
}

/// `kontra add`.
#[derive(Debug, Args)]
pub struct AddArgs {
    /// The fields.
    #[command(flatten)]
    pub fields: FieldArgs,
    /// Monitor it from now on (without --monitor or --no-monitor: `[register] monitor_new`,
    /// on unless configured otherwise).
    #[arg(long, conflicts_with = "no_monitor")]
    pub monitor: bool,
    /// Do not monitor it.
    #[arg(long)]
    pub no_monitor: bool,
}

/// `kontra edit`.
#[derive(Debug, Args)]
pub struct EditArgs {
    /// Counterparty id.
    pub id: u64,
    /// Fields to change; an empty value clears an optional field.
    #[command(flatten)]
    pub fields: FieldArgs,
    /// Monitoring: true or false.
    #[arg(long, value_name = "BOOL")]
    pub monitor: Option<bool>,
}

/// `kontra list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Print one JSON array.
    #[arg(long)]
    pub json: bool,
    /// Only this country.
    #[arg(long)]
    pub country: Option<String>,
    /// Text in name, VAT number, country, owner, e-mail or domain.
    #[arg(long)]
    pub search: Option<String>,
    /// Only this owner.
    #[arg(long)]
    pub owner: Option<String>,
    /// Only monitored counterparties.
    #[arg(long)]
    pub monitored: bool,
    /// Order: id (default), name, country or owner; names sort as people read them ("Ö" with
    /// "O", "ß" with "ss").
    #[arg(long, value_enum, default_value_t)]
    pub sort: crate::register::filter::ListOrder,
}

/// `kontra import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// CSV file with a header line.
    pub file: PathBuf,
    /// Validate only; store nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Merge rows whose VAT number is already registered into the existing counterparty.
    #[arg(long)]
    pub update: bool,
    /// Print the report (counts, rejected lines, skipped columns) as one JSON object.
    #[arg(long)]
    pub json: bool,
}

/// Export formats.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq, Default)]
pub enum ExportFormat {
    /// CSV with the import header plus id, last check and its status.
    #[default]
    Csv,
    /// One JSON array.
    Json,
}

/// `kontra export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: ExportFormat,
    /// CSV for German Excel: UTF-8 with byte-order mark, `;` between cells.
    #[arg(long, conflicts_with = "format")]
    pub excel: bool,
    /// Output file (default: standard output).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

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

/// The list filter the command-line flags `--country`, `--search`, `--owner` and `--monitored`
/// give (exit 5 for a country that is no country code).
pub(crate) fn filter_from(
    country: Option<&str>,
    search: Option<String>,
    owner: Option<String>,
    monitored: bool,
) -> Result<Filter, Failure> {
    let country = match country {
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
    Ok(Filter::new(country, search, owner, monitored))
}

/// `kontra add`.
pub fn add(ctx: &Ctx, a: AddArgs) -> Result<u8> {
    let monitor = match (a.monitor, a.no_monitor) {
        (true, _) => Some(true),
        (_, true) => Some(false),
        _ => None,
    };
    let draft = draft_from(a.fields, monitor);
    // Refuse invalid input before asking for the data directory, as a typo needs no store.
    draft
        .apply(None, Utc::now())
        .map_err(|e| field_failure(&e))?;
    let api = ctx.api("kontra add", Access::Write)?;
    let cp = api.add(draft)?;
    println!("{}", cp.id);
    Ok(exit::OK)
}

/// `kontra list`.
pub fn list(ctx: &Ctx, a: ListArgs) -> Result<u8> {
    let filter = filter_from(a.country.as_deref(), a.search, a.owner.clone(), a.monitored)?;
    let api = ctx.api("kontra list", Access::Read)?;
    let rows = api.counterparties(filter, a.sort)?.into_iter();
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
    Ok(exit::OK)
}

/// `kontra show`.
pub fn show(ctx: &Ctx, id: u64, json: bool) -> Result<u8> {
    let cp = ctx.api("kontra show", Access::Read)?.counterparty(id)?;
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
    writeln!(out, "vat:       {}", cp.vat.as_deref().unwrap_or("-"))?;
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
    let draft = draft_from(a.fields, a.monitor);
    if draft == CounterpartyDraft::default() {
        return Err(Failure::new(
            exit::USAGE,
            "nothing to change: give at least one --FIELD VALUE",
        )
        .into());
    }
    let edited = ctx.api("kontra edit", Access::Write)?.edit(a.id, draft)?;
    let id = edited.counterparty.id;
    if edited.changed.is_empty() {
        println!("{id}: nothing changed");
    } else {
        println!("{id}: changed {}", edited.changed.join(", "));
    }
    Ok(exit::OK)
}

/// `kontra rm`.
pub fn remove(ctx: &Ctx, ids: &[u64]) -> Result<u8> {
    let gone = ctx.api("kontra rm", Access::Write)?.delete(ids.to_vec())?;
    for cp in gone {
        println!("deleted {} {}", cp.id, cp.name);
    }
    Ok(exit::OK)
}

/// `kontra monitor on|off`.
/// `kontra monitor on|off`: the counterparties named by id, or those `filter` selects (every
/// one for `--all` without filters).
pub fn monitor(ctx: &Ctx, state: OnOff, ids: &[u64], filter: Option<Filter>) -> Result<u8> {
    let api = ctx.api("kontra monitor", Access::Write)?;
    let ids = match filter {
        None => ids.to_vec(),
        Some(filter) => api
            .counterparties(filter, crate::register::filter::ListOrder::Id)?
            .iter()
            .map(|c| c.id)
            .collect(),
    };
    let n = if ids.is_empty() {
        0
    } else {
        api.set_monitoring(ids.clone(), state == OnOff::On)?
    };
    println!(
        "monitoring {} for {} {} ({} changed)",
        if state == OnOff::On { "on" } else { "off" },
        ids.len(),
        if ids.len() == 1 {
            "counterparty"
        } else {
            "counterparties"
        },
        n
    );
    Ok(exit::OK)
}

/// `kontra import`: the file is read here and its bytes sent, so the command works the same
/// against a running Kontra that cannot open the caller's files.
pub fn import(ctx: &Ctx, a: ImportArgs) -> Result<u8> {
    if !a.dry_run {
        ctx.writable("kontra import")?;
    }
    let file = ImportFile {
        name: a.file.display().to_string(),
        bytes: read_capped(&a.file)?,
        update: a.update,
    };
    let r = if a.dry_run {
        ctx.api("kontra import --dry-run", Access::Read)?
            .plan_import(file)?
    } else {
        ctx.api("kontra import", Access::Write)?.import(file)?
    };
    let code = if r.refused.is_some() {
        exit::REFUSED
    } else if r.errors.is_empty() && r.duplicates.is_empty() {
        exit::OK
    } else {
        exit::INVALID
    };
    if a.json {
        let mut v = serde_json::to_value(&r)?;
        if let Some(o) = v.as_object_mut() {
            o.insert("dry_run".into(), a.dry_run.into());
        }
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(code);
    }
    if !r.unknown_columns.is_empty() {
        let names: Vec<String> = r.unknown_columns.iter().map(|c| c.to_string()).collect();
        eprintln!(
            "{}: skipped {} {} Kontra does not know: {} (rename a column to a known header to import it)",
            a.file.display(),
            names.len(),
            if names.len() == 1 {
                "column"
            } else {
                "columns"
            },
            names.join(", ")
        );
    }
    if let Some(prev) = &r.seen {
        eprintln!(
            "kontra: warning: {} has the same content (SHA-256 {}) as a file imported on {} ({} new counterparties); its rows without a VAT number are added again{}",
            a.file.display(),
            r.sha256.get(..16).unwrap_or(&r.sha256),
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
    for e in &r.errors {
        writeln!(err, "{}: {e}", a.file.display())?;
    }
    for (line, vat, existing) in &r.duplicates {
        writeln!(
            err,
            "{}: line {line}, column vat: duplicate: {vat} is already registered as counterparty {existing}; skipped (use --update to merge)",
            a.file.display()
        )?;
    }
    let verb = if a.dry_run {
        "would import"
    } else {
        "imported"
    };
    println!(
        "{verb} {} new, {} {} updated, {} unchanged, {} duplicates skipped, {} rejected ({})",
        r.inserted,
        if a.dry_run { "would have" } else { "" }.trim(),
        r.updated,
        r.unchanged,
        r.duplicates.len(),
        r.errors.len(),
        r.detected
    );
    if let Some(why) = &r.refused {
        eprintln!("kontra: {why}");
    }
    Ok(code)
}

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

/// `kontra export`: the file named with `-o` is written here, by the caller.
pub fn export(ctx: &Ctx, a: ExportArgs) -> Result<u8> {
    let rows = ctx
        .api("kontra export", Access::Read)?
        .export(Filter::default())?;
    let sink: Box<dyn Write> = match &a.out {
        Some(p) => Box::new(
            std::fs::File::create(p).wrap_err_with(|| format!("cannot create {}", p.display()))?,
        ),
        None => Box::new(std::io::stdout().lock()),
    };
    let mut sink = std::io::BufWriter::new(sink);
    match a.format {
        ExportFormat::Csv if a.excel => export::write_csv(&mut sink, &rows, CsvStyle::Excel)?,
        ExportFormat::Csv => export::write_csv(&mut sink, &rows, CsvStyle::Plain)?,
        ExportFormat::Json => export::write_json(&mut sink, &rows)?,
    }
    sink.flush()?;
    if let Some(p) = &a.out {
        eprintln!("exported {} counterparties to {}", rows.len(), p.display());
    }
    Ok(exit::OK)
}
