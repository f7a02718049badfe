//! `kontra sources ...`: the registry pauses kept in the data directory (VIES `IP_BLOCKED`).
//! Exit codes: 0 the pause was lifted (or none was in force: said so), 9 lifting needs the role
//! lead, 2 usage. With a Kontra running on the data directory the command is its client, and
//! the pause is lifted in its monitor too.

use super::Ctx;
use crate::app::Access;
use crate::domain::check::Source;
use crate::exit;
use clap::{Subcommand, ValueEnum};
use color_eyre::Result;

/// A registry that can be paused.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum Pausable {
    /// EU VIES (paused after `IP_BLOCKED`).
    Vies,
}

impl Pausable {
    fn source(self) -> Source {
        match self {
            Pausable::Vies => Source::Vies,
        }
    }
}

/// `kontra sources ...`
#[derive(Debug, Subcommand)]
pub enum SourcesCommand {
    /// Lift the pause of a registry once its block is lifted (audited as `source_resumed`).
    Resume {
        /// The registry.
        source: Pausable,
    },
    /// Show the pauses in force (exit 0 either way).
    Status,
}

/// Runs `kontra sources ...`.
pub fn run(ctx: &Ctx, cmd: SourcesCommand) -> Result<u8> {
    match cmd {
        SourcesCommand::Resume { source } => {
            let api = ctx.api("sources resume", Access::Write)?;
            let source = source.source();
            match api.resume_source(source)? {
                Some(p) => println!(
                    "{} resumed (it was paused since {} because {}); the next check asks it again",
                    source.as_str(),
                    crate::local_time::minutes(p.since, ctx.config.monitor.timezone.0),
                    p.code
                ),
                None => println!("{} was not paused; nothing changed", source.as_str()),
            }
            Ok(exit::OK)
        }
        SourcesCommand::Status => {
            let api = ctx.api("sources status", Access::Read)?;
            match api.source_pause(Source::Vies)? {
                Some(p) => println!("{}", p.describe()),
                None => println!("no registry is paused"),
            }
            Ok(exit::OK)
        }
    }
}
