//! The full-screen terminal UI: terminal guard, events, actions, keymap, theme, state and
//! reducers, effects, and one view per tab. See DESIGN.md sections 3 and 4.
//!
//! Flow: terminal input, signals, the running Kontra's events ([`crate::app::Event`]: the
//! monitor's own, what others changed, the server's end) and effect results all arrive as
//! [`event::Event`]s on one bounded channel; [`update::on_event`] maps keys to [`action::Action`]s through the
//! [`keymap::Keymap`] and returns [`effects::Effect`]s, which run as tasks and report back as
//! events. The screen is redrawn only after something happened, at most ~30 times a second.

pub mod action;
pub mod config;
pub mod data;
pub mod effects;
pub mod event;
pub mod export;
pub mod follow;
pub mod form;
pub mod keymap;
pub mod pause;
pub mod search;
pub mod shared;
pub mod state;
pub mod terminal;
pub mod text;
pub mod theme;
pub mod ui;
pub mod update;

use std::io;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use crossterm::event::{Event as TermEvent, EventStream, KeyEventKind};
use futures::StreamExt;
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use tokio::sync::mpsc;

use self::effects::{Effect, EffectEnv};
use self::event::{Event, SignalKind};
use self::keymap::Keymap;
use self::state::AppState;
use self::theme::Theme;
use crate::app::{Api, Subscription};
use crate::exit::Failure;

/// Shortest time between two frames (about 30 per second).
pub const FRAME: Duration = Duration::from_millis(33);

/// The app without a terminal: state, keymap and theme. Tests drive it with events.
#[derive(Debug, Clone)]
pub struct App {
    /// The state.
    pub state: AppState,
    /// The live keymap.
    pub keymap: Keymap,
    /// The theme.
    pub theme: Theme,
}

impl App {
    /// Handles one event and returns the effects to run.
    pub fn handle(&mut self, event: Event) -> Vec<Effect> {
        update::on_event(&mut self.state, &self.keymap, event)
    }

    /// Draws the current state.
    pub fn render(&self, frame: &mut ratatui::Frame) {
        ui::render(&self.state, &self.theme, &self.keymap, frame);
    }
}

/// Errors that end the UI.
#[derive(Debug, thiserror::Error)]
pub enum TuiError {
    /// The terminal could not be set up or written.
    #[error("terminal: {0}")]
    Terminal(#[from] io::Error),
    /// The running Kontra's events could not be subscribed to.
    #[error("{0}")]
    Api(#[from] Failure),
}

/// How this UI takes part in the running Kontra.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Session {
    /// Whether it is a client of a Kontra that another process runs (its own tabs, filters and
    /// selection; quitting it stops nothing).
    pub client: bool,
    /// Whether a monitor runs in the running Kontra (cycle progress, checks now).
    pub monitor: bool,
}

/// How the UI ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// The user quit, the terminal went away or a signal arrived.
    Quit,
    /// The running Kontra this client was attached to stopped or died.
    ServerGone,
}

/// Runs the UI until the user quits, the input ends, a signal arrives or (for a client) the
/// running Kontra goes away.
///
/// `api` carries every read and write; its events ([`Api::subscribe`]) bring the monitor's
/// progress and what others change, so the screen follows within a second.
pub async fn run(
    api: Arc<dyn Api>,
    mut app: App,
    env: EffectEnv,
    session: Session,
) -> Result<Ended, TuiError> {
    let started = Instant::now();
    // The effects report in the UI's language.
    let env = EffectEnv {
        tr: app.state.tr(),
        ..env
    };
    let (tx, mut rx) = mpsc::channel::<Event>(1024);
    spawn_shared(api.subscribe()?, tx.clone());
    spawn_input(tx.clone());
    spawn_signals(tx.clone());
    app.state.monitor_attached = session.monitor;
    app.state.client = session.client;
    // New counterparties are the adding analyst's: the one the server knows this UI as.
    app.state.new_defaults.owner = Some(api.identity().analyst.clone());
    let env = Arc::new(env);
    let guard = terminal::TerminalGuard::enter()?;
    let mut term = Terminal::new(CrosstermBackend::new(io::stdout()))?;
    let size = term.size()?;
    app.state.size = (size.width, size.height);
    spawn_effect(Effect::LoadAll, &api, &env, &tx);

    let mut buf: Vec<Event> = Vec::with_capacity(64);
    let mut dirty = true;
    let mut last_draw: Option<Instant> = None;
    let mut first_with_data = false;
    let mut fully_loaded = false;
    loop {
        if dirty {
            let wait = last_draw.map_or(Duration::ZERO, |t| FRAME.saturating_sub(t.elapsed()));
            if wait.is_zero() {
                app.state.now = Utc::now();
                draw(&mut term, &app)?;
                if last_draw.is_none() {
                    tracing::info!(ms = started.elapsed().as_millis() as u64, "first frame");
                }
                if !first_with_data && (!app.state.rows.is_empty() || !app.state.loading()) {
                    first_with_data = true;
                    tracing::info!(
                        ms = started.elapsed().as_millis() as u64,
                        rows = app.state.rows.len(),
                        "first frame with data"
                    );
                }
                if !fully_loaded && !app.state.loading() {
                    fully_loaded = true;
                    tracing::info!(
                        ms = started.elapsed().as_millis() as u64,
                        rows = app.state.rows.len(),
                        "first frame with everything loaded"
                    );
                }
                last_draw = Some(Instant::now());
                dirty = false;
            }
        }
        let wait = last_draw.map_or(Duration::ZERO, |t| FRAME.saturating_sub(t.elapsed()));
        tokio::select! {
            n = rx.recv_many(&mut buf, 256) => if n == 0 { break },
            _ = tokio::time::sleep(wait), if dirty => continue,
        }
        for ev in buf.drain(..) {
            app.state.now = Utc::now();
            for effect in app.handle(ev) {
                match effect {
                    Effect::Quit => {}
                    Effect::Suspend => {
                        terminal::suspend()?;
                        let (w, h) = repaint(&mut term)?;
                        // The terminal may have been resized while stopped.
                        app.handle(Event::Resize(w, h));
                    }
                    Effect::Redraw => {
                        repaint(&mut term)?;
                    }
                    Effect::Bell => {
                        use std::io::Write;
                        let mut out = io::stdout();
                        out.write_all(b"\x07")?;
                        out.flush()?;
                    }
                    Effect::ExpireFlash(seq) => {
                        let tx = tx.clone();
                        tokio::spawn(async move {
                            tokio::time::sleep(effects::FLASH_FOR).await;
                            let _ = tx.send(Event::FlashExpired(seq)).await;
                        });
                    }
                    other => spawn_effect(other, &api, &env, &tx),
                }
            }
            dirty = true;
        }
        if app.state.quit {
            break;
        }
    }
    drop(guard);
    Ok(if app.state.server_gone {
        Ended::ServerGone
    } else {
        Ended::Quit
    })
}

fn draw(term: &mut Terminal<CrosstermBackend<io::Stdout>>, app: &App) -> io::Result<()> {
    use crossterm::terminal::{BeginSynchronizedUpdate, EndSynchronizedUpdate};
    crossterm::queue!(term.backend_mut(), BeginSynchronizedUpdate)?;
    term.draw(|f| app.render(f))?;
    crossterm::execute!(term.backend_mut(), EndSynchronizedUpdate)?;
    Ok(())
}

/// Clears the screen and forgets what is on it, so the next draw paints every cell; returns
/// the terminal's size. `Terminal::clear` would ask the terminal for the cursor position, and
/// the answer never arrives while the input task's reader holds crossterm's event lock: after
/// two seconds crossterm gives up and the app ended with "The cursor position could not be
/// read". Resizing to the current size clears without asking anything.
fn repaint(term: &mut Terminal<CrosstermBackend<io::Stdout>>) -> io::Result<(u16, u16)> {
    let size = term.size()?;
    term.resize(ratatui::layout::Rect::new(0, 0, size.width, size.height))?;
    Ok((size.width, size.height))
}

fn spawn_effect(
    effect: Effect,
    api: &Arc<dyn Api>,
    env: &Arc<EffectEnv>,
    tx: &mpsc::Sender<Event>,
) {
    let (api, env, tx) = (api.clone(), env.clone(), tx.clone());
    tokio::task::spawn_blocking(move || {
        effects::execute_into(&*api, &env, effect, &mut |ev| tx.blocking_send(ev).is_ok());
    });
}

/// Forwards the running Kontra's events; the monitor's that the UI does not show are left
/// out. The end of the stream is the end of the server (it stopped or died).
fn spawn_shared(mut events: Subscription, tx: mpsc::Sender<Event>) {
    use crate::app::Event as Shared;
    use crate::monitor::MonitorEvent;
    tokio::spawn(async move {
        loop {
            let ev = match events.recv().await {
                Some(Shared::Monitor(
                    MonitorEvent::SourceFinished { .. } | MonitorEvent::CheckStarted { .. },
                )) => continue,
                Some(ev) => ev,
                None => Shared::Stopping,
            };
            let last = ev == Shared::Stopping;
            if tx.send(Event::Shared(ev)).await.is_err() || last {
                break;
            }
        }
    });
}

fn spawn_input(tx: mpsc::Sender<Event>) {
    tokio::spawn(async move {
        let mut stream = EventStream::new();
        loop {
            let ev = match stream.next().await {
                Some(Ok(TermEvent::Key(k))) if k.kind != KeyEventKind::Release => Event::Key(k),
                Some(Ok(TermEvent::Resize(w, h))) => Event::Resize(w, h),
                Some(Ok(TermEvent::Paste(s))) => Event::Paste(s),
                Some(Ok(_)) => continue,
                // The terminal is gone (lost SSH, closed pane): leave instead of spinning.
                Some(Err(e)) => {
                    tracing::info!(error = %e, "terminal input failed");
                    let _ = tx.send(Event::InputClosed).await;
                    break;
                }
                None => {
                    let _ = tx.send(Event::InputClosed).await;
                    break;
                }
            };
            if tx.send(ev).await.is_err() {
                break;
            }
        }
    });
}

fn spawn_signals(tx: mpsc::Sender<Event>) {
    use tokio::signal::unix::{SignalKind as Sk, signal};
    let on_stop = tx.clone();
    tokio::spawn(async move {
        let (Ok(mut term), Ok(mut hup), Ok(mut int)) = (
            signal(Sk::terminate()),
            signal(Sk::hangup()),
            signal(Sk::interrupt()),
        ) else {
            tracing::warn!("cannot listen for signals");
            return;
        };
        let kind = tokio::select! {
            _ = term.recv() => SignalKind::Terminate,
            _ = hup.recv() => SignalKind::Hangup,
            _ = int.recv() => SignalKind::Interrupt,
        };
        let _ = tx.send(Event::Signal(kind)).await;
    });
    // A handler for SIGTSTP replaces its default (stopping at once, raw mode and alternate
    // screen left on): the loop suspends as for Ctrl-z, which restores the terminal first.
    tokio::spawn(async move {
        let Ok(mut stop) = signal(Sk::from_raw(libc::SIGTSTP)) else {
            tracing::warn!("cannot listen for SIGTSTP");
            return;
        };
        while stop.recv().await.is_some() {
            if on_stop.send(Event::Signal(SignalKind::Stop)).await.is_err() {
                break;
            }
        }
    });
}

/// What the UI takes from the configuration. The composition root builds it from the config
/// (`Config::tui_settings`), so the UI depends only on its own sections, not the whole config.
#[derive(Debug, Clone, Copy)]
pub struct Settings<'a> {
    /// The language of the UI's texts.
    pub language: crate::values::Language,
    /// The zone dates and times are shown in (the monitor's).
    pub timezone: chrono_tz::Tz,
    /// The `[ui]` section.
    pub ui: &'a config::UiConfig,
    /// The user's key bindings, merged over the defaults.
    pub keymap: &'a keymap::KeymapConfig,
    /// Whether a new counterparty is monitored unless the form says otherwise.
    pub monitor_new: bool,
}

/// Builds the app for a terminal of `size`.
pub fn app(
    settings: Settings<'_>,
    read_only: bool,
    color: bool,
    size: (u16, u16),
) -> Result<App, keymap::KeymapError> {
    let mut state = AppState::new(Utc::now(), size, read_only, settings.language);
    state.tz = settings.timezone;
    state.bell_on_critical = settings.ui.bell_on_critical;
    state.new_defaults.monitor = settings.monitor_new;
    Ok(App {
        state,
        keymap: Keymap::new(settings.keymap, read_only)?,
        theme: Theme::new(color),
    })
}
