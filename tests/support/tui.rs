//! Shared test harness for the UI tests: a demo store in a temporary directory, an app with a
//! fixed clock, and a driver that runs effects through the in-process application API over the
//! real store like the event loop does.

#![allow(dead_code)]

use chrono::{DateTime, TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kontra::app::{Api, Identity, Instance, Local};
use kontra::config::Config;
use kontra::demo::{self, DemoSpec};
use kontra::domain::analyst::Role;
use kontra::store::Store;
use kontra::tui::effects::{self, Effect, EffectEnv};
use kontra::tui::event::{Done, Event};
use kontra::tui::{self, App, data};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::path::Path;
use std::sync::Arc;

/// The fixed "now" of every UI test.
pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 14, 9, 30, 0).unwrap()
}

/// The in-process API over `store` for the analyst "tester" (a lead), as the serving UI has it.
pub fn instance(store: Arc<Store>, config: Config, data_dir: &Path) -> Arc<Instance> {
    Arc::new(Instance::new(
        store,
        Arc::new(config),
        data_dir,
        Path::new("test.toml"),
    ))
}

/// The in-process API of `instance` for the analyst "tester" (a lead).
pub fn tester(instance: &Arc<Instance>, read_only: bool) -> Arc<dyn Api> {
    let who = Identity {
        uid: 0,
        unix_user: "tester".into(),
        analyst: "tester".into(),
        role: Role::Lead,
    };
    Arc::new(Local::new(instance.clone(), who, read_only))
}

/// A store with a small demo register, an app showing it, and the effect environment.
pub struct Harness {
    pub app: App,
    pub store: Arc<Store>,
    /// The running Kontra the harness's API serves (its hub, its monitor channel).
    pub instance: Arc<Instance>,
    /// What the effects go through.
    pub api: Arc<dyn Api>,
    pub env: EffectEnv,
    /// Effects the loop would handle itself (quit, suspend, redraw, flash timers, bell).
    pub loop_effects: Vec<Effect>,
    pub dir: tempfile::TempDir,
}

impl Harness {
    /// 40 counterparties with 20 days of history.
    pub fn new(size: (u16, u16)) -> Harness {
        Harness::with(size, false, 40, 20)
    }

    pub fn with(size: (u16, u16), read_only: bool, n: usize, days: u32) -> Harness {
        Harness::in_language(size, read_only, n, days, kontra::values::Language::En)
    }

    /// As [`Harness::with`], the UI in `language`.
    pub fn in_language(
        size: (u16, u16),
        read_only: bool,
        n: usize,
        days: u32,
        language: kontra::values::Language,
    ) -> Harness {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(Store::open(&dir.path().join("data"), "test").unwrap());
        let spec = DemoSpec {
            counterparties: n,
            history_days: days,
            history_for: usize::MAX,
            seed: 7,
            now: now(),
        };
        demo::populate(&store, &spec).unwrap();
        let config = Config {
            language,
            ..Config::default()
        };
        let mut app = tui::app(config.tui_settings(), read_only, false, size).unwrap();
        app.state.now = now();
        let instance = instance(store.clone(), config, &dir.path().join("data"));
        let api = tester(&instance, read_only);
        let snap = data::load_snapshot(&*api, now()).unwrap();
        app.handle(Event::Done(Done::Loaded(Box::new(snap))));
        app.state.export_dir = dir.path().to_path_buf();
        let env = EffectEnv {
            tr: app.state.tr(),
            ..EffectEnv::default()
        };
        Harness {
            app,
            store,
            instance,
            api,
            env,
            loop_effects: Vec::new(),
            dir,
        }
    }

    /// Opens the Alerts tab and selects the newest shown alert of one of `kinds`.
    pub fn select_alert(&mut self, kinds: &[kontra::domain::AlertKind]) {
        self.ch('4');
        let state = &self.app.state;
        let at = state
            .alert_view
            .visible
            .iter()
            .position(|&i| kinds.contains(&state.alerts[i as usize].kind))
            .expect("the demo has such an alert");
        self.app.state.alert_view.cursor.selected = at;
    }

    /// Opens the counterparty of the newest alert of `kind` and expands the check run that
    /// raised it in the history.
    pub fn expand_run_of_alert(&mut self, kind: kontra::domain::AlertKind) {
        self.select_alert(&[kind]);
        let run_id = self.app.state.selected_alert().unwrap().check_run_id;
        self.ch('l');
        let data = self
            .app
            .state
            .details
            .data
            .as_ref()
            .expect("details loaded");
        let i = data
            .runs
            .iter()
            .position(|r| Some(r.id) == run_id)
            .expect("the alert's run is in the history");
        self.app.state.details.selected = i;
        self.key(KeyCode::Enter);
    }

    /// Loads everything from the store again, as at start.
    pub fn reload(&mut self) {
        let snap = data::load_snapshot(self.api.as_ref(), now()).unwrap();
        self.send(Event::Done(Done::Loaded(Box::new(snap))));
    }

    /// Pauses VIES in the store (as after `IP_BLOCKED`) and reloads.
    pub fn pause_vies(&mut self) -> kontra::domain::pause::SourcePause {
        let pause = kontra::domain::pause::SourcePause {
            source: kontra::domain::Source::Vies,
            since: now() - chrono::Duration::hours(3),
            code: "IP_BLOCKED".into(),
            message: "VIES answered IP_BLOCKED for this machine's address".into(),
        };
        self.store.set_source_pause(&pause).unwrap();
        self.reload();
        pause
    }

    /// Feeds an event and runs every effect it causes, like the loop does.
    pub fn send(&mut self, event: Event) {
        let mut queue = vec![event];
        while let Some(ev) = queue.pop() {
            for effect in self.app.handle(ev) {
                match effect {
                    Effect::Quit
                    | Effect::Suspend
                    | Effect::Redraw
                    | Effect::ExpireFlash(_)
                    | Effect::Bell => self.loop_effects.push(effect),
                    other => {
                        let mut evs = effects::execute(&*self.api, &self.env, other);
                        evs.reverse();
                        queue.extend(evs);
                    }
                }
            }
        }
    }

    pub fn key(&mut self, code: KeyCode) {
        self.send(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)));
    }

    pub fn ch(&mut self, c: char) {
        self.key(KeyCode::Char(c));
    }

    pub fn shift_tab(&mut self) {
        self.send(Event::Key(KeyEvent::new(
            KeyCode::BackTab,
            KeyModifiers::SHIFT,
        )));
    }

    pub fn typ(&mut self, text: &str) {
        for c in text.chars() {
            self.ch(c);
        }
    }

    /// Renders the app on a TestBackend of its size.
    pub fn render(&self) -> Terminal<TestBackend> {
        let (w, h) = self.app.state.size;
        let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
        t.draw(|f| self.app.render(f)).unwrap();
        t
    }

    /// The rendered screen as text.
    pub fn screen(&self) -> String {
        self.render().backend().to_string()
    }

    /// The flash message, if any.
    pub fn flash(&self) -> String {
        self.app
            .state
            .flash
            .as_ref()
            .map(|f| f.text.clone())
            .unwrap_or_default()
    }
}
