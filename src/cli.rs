//! The command line: global flags and subcommands.

use clap::{Parser, Subcommand};
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
    Vat(crate::commands::vat::VatCommand),
    /// Add a counterparty; prints its id.
    Add(crate::commands::register::AddArgs),
    /// List counterparties.
    List(crate::commands::register::ListArgs),
    /// Show one counterparty.
    Show {
        /// Counterparty id.
        id: u64,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Change fields of a counterparty.
    Edit(crate::commands::register::EditArgs),
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
    Import(crate::commands::register::ImportArgs),
    /// Export the register.
    Export(crate::commands::register::ExportArgs),
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
