//! `kontra` without a subcommand: opens the store (or a throwaway demo store) and runs the
//! full-screen UI on a tokio runtime.

use color_eyre::Result;
use color_eyre::eyre::WrapErr;

use super::Ctx;
use crate::background::Background;
use crate::cli::Cli;
use crate::demo::{self, DemoSpec};
use crate::exit;
use crate::store::Store;
use crate::tui::{self, effects::EffectEnv};
use std::sync::Arc;

/// The tmux session this process runs in, so a second instance can say where to attach.
fn tmux_session() -> Option<String> {
    std::env::var_os("TMUX")?;
    let out = std::process::Command::new("tmux")
        .args(["display-message", "-p", "#S"])
        .output()
        .ok()?;
    let name = String::from_utf8_lossy(&out.stdout).trim().to_string();
    (out.status.success() && !name.is_empty()).then_some(name)
}

/// Runs the UI; returns the exit code.
pub fn run(ctx: &Ctx, cli: &Cli) -> Result<u8> {
    let demo_dir = if cli.demo {
        let dir = std::env::temp_dir().join(format!("kontra-demo-{}", std::process::id()));
        Some(dir)
    } else {
        None
    };
    let data_dir = demo_dir.clone().unwrap_or_else(|| ctx.paths.data.clone());
    let result = run_on(ctx, cli, &data_dir, demo_dir.is_some());
    if let Some(dir) = demo_dir
        && let Err(e) = std::fs::remove_dir_all(&dir)
    {
        tracing::warn!(dir = %dir.display(), error = %e, "removing the demo directory");
    }
    result
}

fn run_on(ctx: &Ctx, cli: &Cli, data_dir: &std::path::Path, demo: bool) -> Result<u8> {
    let store = Arc::new(Store::open_as(data_dir, "kontra tui", tmux_session())?);
    crate::sanctions::snapshot::recover(&store, data_dir)?;
    // After the store, so a second instance is told first who holds the directory.
    use std::io::IsTerminal;
    if !std::io::stdin().is_terminal() || !std::io::stdout().is_terminal() {
        return Err(crate::exit::Failure::new(
            crate::exit::USAGE,
            "the full-screen UI needs a terminal on standard input and output: start it in a terminal or tmux, or run a command (kontra --help)",
        )
        .into());
    }
    if demo {
        eprintln!(
            "kontra: building the demo register in {} …",
            data_dir.display()
        );
        let s = demo::populate(&store, &DemoSpec::standard(chrono::Utc::now()))
            .wrap_err("building the demo register")?;
        tracing::info!(?s, "demo register built");
    }
    let color = cli.color.use_color_from_env();
    let mut app = tui::app(&ctx.config, cli.read_only, color, (80, 24))?;
    app.state.demo = demo;
    let env = EffectEnv {
        actor: ctx.actor.clone(),
        monitor: ctx.config.monitor.clone(),
        sanctions: ctx.config.sanctions.clone(),
        export_dir: std::env::current_dir().unwrap_or_else(|_| std::env::temp_dir()),
        data_dir: data_dir.to_path_buf(),
        checks: None,
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .wrap_err("starting the async runtime")?;
    // The demo register is made up, so its numbers must never reach the real registries; and
    // a read-only session neither writes check runs nor sends mail. Every other session runs
    // the same monitor and digest schedulers as `kontra daemon`, so tmux is the deployment.
    let with_monitor = !demo && !cli.read_only;
    rt.block_on(async {
        if !with_monitor {
            return tui::run(store.clone(), app, env, None)
                .await
                .map_err(color_eyre::Report::from);
        }
        let background =
            Background::start_live(&ctx.config, &ctx.paths.config, store.clone(), data_dir)?;
        let ui = tui::run(store.clone(), app, env, Some(background.monitor())).await;
        // Finish the current writes of a running cycle or check before the process ends; the
        // cycle resumes at the next start.
        if let Err(e) = background.stop().await {
            tracing::warn!("stopping the monitor: {e}");
        }
        ui.map_err(color_eyre::Report::from)
    })?;
    store.flush()?;
    Ok(exit::OK)
}
