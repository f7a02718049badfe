//! The command line: global flags and subcommands.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Kontra: counterparty due diligence in the terminal.
#[derive(Debug, Parser)]
#[command(name = "kontra", version, about, long_about = None)]
pub struct Cli {
    /// Config file; must exist when named here (default: $KONTRA_CONFIG, else
    /// ~/.config/kontra/config.toml, where a missing file means defaults).
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Data directory (default: ~/.local/share/kontra).
    #[arg(long, global = true, env = "KONTRA_DATA_DIR", value_name = "PATH")]
    pub data_dir: Option<PathBuf>,
    /// Open the UI on a throwaway data directory filled with a generated register (offline).
    #[arg(long)]
    pub demo: bool,
    /// Remove every action that changes data or sends something from the UI.
    #[arg(long)]
    pub read_only: bool,
    /// Colours in the UI: auto (off when NO_COLOR is set), always, never.
    #[arg(long, value_enum, default_value_t, value_name = "WHEN")]
    pub color: crate::tui::theme::ColorChoice,
    /// What to do; without a subcommand the full-screen UI opens.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// VAT number tools.
    #[command(subcommand)]
    Vat(VatCommand),
    /// Add a counterparty; prints its id.
    Add(AddArgs),
    /// List counterparties.
    List(ListArgs),
    /// Show one counterparty.
    Show {
        /// Counterparty id.
        id: u64,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Change fields of a counterparty.
    Edit(EditArgs),
    /// Delete counterparties.
    Rm {
        /// Counterparty ids.
        #[arg(required = true)]
        ids: Vec<u64>,
    },
    /// Monitoring: switch it on or off for counterparties, or run a check cycle now.
    #[command(subcommand)]
    Monitor(crate::commands::monitor::MonitorCommand),
    /// Import counterparties from CSV.
    Import(ImportArgs),
    /// Export the register.
    Export(ExportArgs),
    /// Check counterparties against every registry and list now; print what was found.
    Check(crate::commands::monitor::CheckArgs),
    /// Run the monitor's schedule without a UI until SIGTERM or SIGINT.
    Daemon,
    /// List alerts, or acknowledge them (`alerts ack ID...`).
    Alerts(crate::commands::monitor::AlertsArgs),
    /// A counterparty's check runs (with the registries' evidence) and audit events.
    History {
        /// Counterparty id.
        id: u64,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Ask one registry now (VIES, eVatR, GLEIF, Handelsregister, insolvency publications).
    #[command(subcommand)]
    Lookup(crate::commands::lookup::LookupCommand),
    /// Alert digests: send what is pending, or preview it.
    #[command(subcommand)]
    Digest(crate::commands::digest::DigestCommand),
    /// Sanctions lists: import, update, status, screen.
    #[command(subcommand)]
    Sanctions(crate::commands::sanctions::SanctionsCommand),
    /// Registry pauses: show them, or lift one (`sources resume vies`).
    #[command(subcommand)]
    Sources(crate::commands::sources::SourcesCommand),
}

/// `on` or `off`.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum OnOff {
    /// Switch on.
    On,
    /// Switch off.
    Off,
}

/// `kontra vat ...`
#[derive(Debug, Subcommand)]
pub enum VatCommand {
    /// Validate syntax and check digits offline.
    Validate {
        /// Print one JSON object per number.
        #[arg(long)]
        json: bool,
        /// VAT numbers (spaces inside a number need quoting).
        #[arg(required = true)]
        numbers: Vec<String>,
    },
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
