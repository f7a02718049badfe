//! Subcommand handlers: each reads its arguments, calls the library and prints the result.

pub mod digest;
pub mod lookup;
pub mod monitor;
pub mod register;
pub mod sanctions;
pub mod sanctions_decide;
pub mod sanctions_eval;
pub mod ui;
pub mod vat;

use crate::cli::{Cli, Command};
use crate::config::{Config, Paths};
use crate::exit::{self, Failure};
use crate::store::Store;
use color_eyre::Result;

/// What every command needs: the configuration, the resolved paths, and who is acting.
pub struct Ctx {
    /// The loaded configuration.
    pub config: Config,
    /// Config, data and log paths.
    pub paths: Paths,
    /// The analyst name for the audit trail.
    pub actor: String,
    /// `--read-only`: commands that change data or send something are refused.
    pub read_only: bool,
}

impl Ctx {
    /// Loads the configuration and resolves paths from the parsed command line.
    pub fn load(cli: &Cli) -> Result<Ctx> {
        let initial = Paths::resolve(cli.config.clone(), cli.data_dir.clone(), None);
        let config = Config::load(&initial.config)?;
        let paths = Paths::resolve(cli.config.clone(), cli.data_dir.clone(), Some(&config));
        let actor = config.actor();
        Ok(Ctx {
            config,
            paths,
            actor,
            read_only: cli.read_only,
        })
    }

    /// Refuses a command that changes data or sends something when `--read-only` was given.
    pub fn writable(&self, role: &str) -> Result<()> {
        if self.read_only {
            return Err(Failure::new(
                exit::USAGE,
                format!(
                    "--read-only was given and `{role}` changes data or sends something; run it without --read-only"
                ),
            )
            .into());
        }
        Ok(())
    }

    /// Opens the store for a command-line action that writes, finishing first what a killed
    /// process left half done (see [`crate::sanctions::snapshot::recover`]). Refused under
    /// `--read-only`.
    pub fn store(&self, role: &str) -> Result<Store> {
        self.writable(role)?;
        let store = Store::open(&self.paths.data, role)?;
        crate::sanctions::snapshot::recover(&store, &self.paths.data)?;
        Ok(store)
    }

    /// Opens the store for a command that only reads: it also works on a read-only mount and
    /// on a full disk, by reading a private copy (said on stderr).
    pub fn store_read(&self, role: &str) -> Result<Store> {
        let store = Store::open_for_reading(&self.paths.data, role)?;
        if store.is_copy() {
            eprintln!(
                "kontra: the data directory {} cannot be written (read-only or full); showing a read-only copy",
                self.paths.data.display()
            );
        } else if !self.read_only {
            crate::sanctions::snapshot::recover(&store, &self.paths.data)?;
        }
        Ok(store)
    }
}

/// Runs a subcommand and returns the process exit code.
pub fn run(ctx: &Ctx, command: Command) -> Result<u8> {
    match command {
        Command::Vat(c) => vat::run(c),
        Command::Add(a) => register::add(ctx, a),
        Command::List(a) => register::list(ctx, a),
        Command::Show { id, json } => register::show(ctx, id, json),
        Command::Edit(a) => register::edit(ctx, a),
        Command::Rm { ids } => register::remove(ctx, &ids),
        Command::Monitor(c) => monitor::monitor(ctx, c),
        Command::Import(a) => register::import(ctx, a),
        Command::Export(a) => register::export(ctx, a),
        Command::Check(a) => monitor::check(ctx, a),
        Command::Daemon => monitor::daemon(ctx),
        Command::Alerts(a) => monitor::alerts(ctx, a),
        Command::History { id, json } => monitor::history(ctx, id, json),
        Command::Lookup(c) => lookup::run(ctx, c),
        Command::Digest(c) => digest::run(ctx, c),
        Command::Sanctions(c) => sanctions::run(ctx, c),
    }
}
