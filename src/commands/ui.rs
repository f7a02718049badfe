//! `kontra` without a subcommand: the full-screen UI on a tokio runtime. When a Kontra already
//! serves the data directory, the UI attaches to it as a client (its own tabs, filters and
//! selection; no monitor and no server of its own; quitting it stops nothing). Otherwise it
//! opens the store (or a throwaway demo store), runs the monitor and serves the directory to
//! every other `kontra`, its own effects going through the same writer as theirs.

use color_eyre::Result;
use color_eyre::eyre::WrapErr;

use super::Ctx;
use crate::app::{Api, Remote};
use crate::background::Background;
use crate::cli::Cli;
use crate::demo::{self, DemoSpec};
use crate::exit;
use crate::store::Store;
use crate::tui::{self, Ended, Session, effects::EffectEnv};
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

/// Refuses to start the full-screen UI without a terminal.
fn require_terminal() -> Result<()> {
    use std::io::IsTerminal;
    if !std::io::stdin().is_terminal() || !std::io::stdout().is_terminal() {
        return Err(crate::exit::Failure::new(
            crate::exit::USAGE,
            "the full-screen UI needs a terminal on standard input and output: start it in a terminal or tmux, or run a command (kontra --help)",
        )
        .into());
    }
    Ok(())
}

/// The async runtime the UI runs on.
fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .wrap_err("starting the async runtime")
}

/// What the UI's effects read from the environment.
fn effect_env() -> EffectEnv {
    EffectEnv {
        home: tui::export::home_dir(),
        // `tui::run` sets the language of the app it runs.
        tr: Default::default(),
    }
}

/// The UI's state and keys, its export prompt offering the user's documents directory, else
/// `data_dir` (a demo's throwaway directory is removed at exit, so the demo offers the
/// system's temporary directory instead). A demo session says so where it matters (`c`).
fn ui_app(ctx: &Ctx, cli: &Cli, data_dir: &std::path::Path, demo: bool) -> Result<tui::App> {
    let mut app = tui::app(
        ctx.config.tui_settings(),
        cli.read_only,
        cli.color.use_color_from_env(),
        (80, 24),
    )?;
    let fallback = if demo {
        std::env::temp_dir()
    } else {
        data_dir.to_path_buf()
    };
    app.state.export_dir = tui::export::default_dir_from_env(&fallback);
    app.state.demo = demo;
    Ok(app)
}

/// Runs the UI as a client of the Kontra that serves the data directory.
fn run_client(ctx: &Ctx, cli: &Cli, remote: Remote, data_dir: &std::path::Path) -> Result<u8> {
    require_terminal()?;
    let server = remote.server().to_string();
    let session = Session {
        client: true,
        monitor: remote.monitor_running()?,
    };
    tracing::info!(server, "attached to the running Kontra");
    let api: Arc<dyn Api> = Arc::new(remote);
    let app = ui_app(ctx, cli, data_dir, false)?;
    let ended = runtime()?.block_on(tui::run(api, app, effect_env(), session))?;
    match ended {
        Ended::Quit => Ok(exit::OK),
        Ended::ServerGone => {
            eprintln!(
                "kontra: the running Kontra ({server}) stopped; run `kontra` again (the next one takes over the data directory)"
            );
            Ok(exit::LOCKED)
        }
    }
}

fn run_on(ctx: &Ctx, cli: &Cli, data_dir: &std::path::Path, demo: bool) -> Result<u8> {
    // A throwaway demo directory has no server; any other may have one to attach to.
    if !demo && let Some(remote) = Remote::connect(data_dir, cli.read_only)? {
        return run_client(ctx, cli, remote, data_dir);
    }
    let store = Arc::new(Store::open_as(data_dir, "kontra tui", tmux_session())?);
    crate::sanctions::snapshot::recover(&store, data_dir)?;
    // After the store, so a second instance is told first who holds the directory.
    require_terminal()?;
    if demo {
        eprintln!(
            "kontra: building the demo register in {} …",
            data_dir.display()
        );
        let s = demo::populate(&store, &DemoSpec::standard(chrono::Utc::now()))
            .wrap_err("building the demo register")?;
        tracing::info!(?s, "demo register built");
    }
    let app = ui_app(ctx, cli, data_dir, demo)?;
    let rt = runtime()?;
    // The demo register is made up, so its numbers must never reach the real registries; and
    // a read-only session neither writes check runs nor sends mail. Every other session runs
    // the same monitor and digest schedulers as `kontra daemon`, so tmux is the deployment.
    let with_monitor = !demo && !cli.read_only;
    let instance = Arc::new(crate::app::Instance::new(
        store.clone(),
        Arc::new(ctx.config.clone()),
        data_dir,
        &ctx.paths.config,
    ));
    rt.block_on(async {
        // Every other `kontra` on this data directory attaches to this one as a client; this
        // UI's own writes go through the server's writer too, so all are ordered and every
        // attached UI hears of them.
        let server = crate::app::Server::start(instance.clone(), "kontra tui")?;
        let api: Arc<dyn Api> = Arc::new(server.own_api(cli.read_only)?);
        let session = Session {
            client: false,
            monitor: with_monitor,
        };
        let ui = if with_monitor {
            let background =
                Background::start_live(&ctx.config, &ctx.paths.config, store.clone(), data_dir)?;
            instance.attach_monitor(background.monitor());
            let ui = tui::run(api, app, effect_env(), session).await;
            // Finish the current writes of a running cycle or check before the process ends;
            // the cycle resumes at the next start.
            if let Err(e) = background.stop().await {
                tracing::warn!("stopping the monitor: {e}");
            }
            ui
        } else {
            tui::run(api, app, effect_env(), session).await
        };
        server.stop().await;
        ui.map_err(color_eyre::Report::from)
    })?;
    store.flush()?;
    Ok(exit::OK)
}
