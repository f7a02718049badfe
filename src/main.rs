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
    // An error report resolves a backtrace against this large binary when RUST_BACKTRACE is
    // set (about 150 MB and 0.4 s per error exit, measured), and the one-line message never
    // shows it. Error backtraces are therefore taken only when asked for by name with
    // RUST_LIB_BACKTRACE (then the report prints them); RUST_BACKTRACE still applies to panics.
    let lib_backtrace = std::env::var("RUST_LIB_BACKTRACE").is_ok_and(|v| v != "0");
    if !lib_backtrace {
        // SAFETY: no other thread exists yet, so nothing reads the environment concurrently.
        unsafe { std::env::set_var("RUST_LIB_BACKTRACE", "0") };
    }
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
    // A command whose reader went away (`kontra list | head`) ends quietly, as Unix tools do,
    // instead of panicking on the broken pipe. Not the daemon: it must outlive any reader, and
    // its sockets are written without SIGPIPE anyway.
    if !matches!(command, kontra::cli::Command::Daemon) {
        // SAFETY: restores the default disposition of one signal before any thread starts.
        unsafe { libc::signal(libc::SIGPIPE, libc::SIG_DFL) };
    }
    match commands::run(&ctx, command) {
        Ok(code) => ExitCode::from(code),
        Err(e) => report(&e),
    }
}

fn report(e: &color_eyre::Report) -> ExitCode {
    let code = exit::code_for(e);
    tracing::error!("{e:#}");
    if std::env::var("RUST_LIB_BACKTRACE").is_ok_and(|v| v != "0") {
        eprintln!("kontra: {e:?}");
    } else {
        eprintln!("kontra: {e:#}");
    }
    ExitCode::from(code)
}
