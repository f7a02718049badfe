//! The `kontra` binary: errors, logging, config, store, then a subcommand or the full-screen UI.

use clap::Parser;
use kontra::cli::Cli;
use kontra::commands::{self, Ctx};
use kontra::exit;
use std::process::ExitCode;

fn main() -> ExitCode {
    // Everything Kontra creates (store, lock, logs, exports, list snapshots) holds personal
    // data: readable by the user alone, whatever the login's umask.
    // SAFETY: umask only sets this process's file-creation mask; no other thread runs yet.
    unsafe { libc::umask(0o077) };
    let _ = color_eyre::config::HookBuilder::default()
        .display_env_section(false)
        .install();
    let mut cli = Cli::parse();
    let ctx = match Ctx::load(&cli) {
        Ok(c) => c,
        Err(e) => return report(&e),
    };
    let _log = kontra::logging::init(&ctx.paths.logs, &ctx.config.log.level);
    let Some(command) = cli.command.take() else {
        return match commands::ui::run(&ctx, &cli) {
            Ok(code) => ExitCode::from(code),
            Err(e) => report(&e),
        };
    };
    match commands::run(&ctx, command) {
        Ok(code) => ExitCode::from(code),
        Err(e) => report(&e),
    }
}

fn report(e: &color_eyre::Report) -> ExitCode {
    let code = exit::code_for(e);
    tracing::error!("{e:#}");
    eprintln!("kontra: {e:#}");
    ExitCode::from(code)
}
