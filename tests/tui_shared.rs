//! Two UIs on one running Kontra: the serving UI's API (`Served`, writes through the server's
//! writer) and a second UI's (`Remote`, over the Unix socket of a real server on a temporary
//! data directory). What one adds, deletes or acknowledges reaches the other's state through
//! the server's events within a second; a client ends when the server stops; the serving UI
//! asks before quitting while clients are attached, a client never does.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

mod support;
use support::tui as tui_support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use crossterm::event::KeyCode;
use kontra::app::{self, Api, Remote, Server, Subscription};
use kontra::config::Config;
use kontra::demo::{self, DemoSpec};
use kontra::domain::CounterpartyDraft;
use kontra::monitor::MonitorEvent;
use kontra::store::Store;
use kontra::tui::effects::{self, Effect, EffectEnv};
use kontra::tui::event::{Done, Event};
use kontra::tui::state::Popup;
use kontra::tui::{self, App, data};
use tui_support::{Harness, now};

/// How soon another UI must see a change (the target).
const WITHIN: Duration = Duration::from_secs(1);

fn config() -> Config {
    Config {
        language: kontra::values::Language::En,
        ..Config::default()
    }
}

/// One UI: its app, the API its effects go through and its subscription to the server's events.
struct Peer {
    app: App,
    api: Arc<dyn Api>,
    events: Subscription,
    env: EffectEnv,
}

impl Peer {
    fn new(api: Arc<dyn Api>, client: bool, export_dir: &std::path::Path) -> Peer {
        let mut app = tui::app(config().tui_settings(), false, false, (100, 30)).unwrap();
        app.state.now = now();
        app.state.client = client;
        app.state.export_dir = export_dir.to_path_buf();
        let events = api.subscribe().unwrap();
        let snap = data::load_snapshot(&*api, now()).unwrap();
        app.handle(Event::Done(Done::Loaded(Box::new(snap))));
        Peer {
            app,
            api,
            events,
            env: EffectEnv {
                tr: kontra::tui::text::Tr::EN,
                ..EffectEnv::default()
            },
        }
    }

    /// Feeds an event and runs every effect it causes, like the loop does.
    fn send(&mut self, event: Event) {
        let mut queue = vec![event];
        while let Some(ev) = queue.pop() {
            for effect in self.app.handle(ev) {
                let mut evs = effects::execute(&*self.api, &self.env, effect);
                evs.reverse();
                queue.extend(evs);
            }
        }
    }

    fn run(&mut self, effect: Effect) {
        for ev in effects::execute(&*self.api, &self.env, effect) {
            self.send(ev);
        }
    }

    /// Takes in the server's events until `done` holds; false when `within` passes first.
    fn follow_until(
        &mut self,
        rt: &tokio::runtime::Runtime,
        within: Duration,
        done: impl Fn(&App) -> bool,
    ) -> bool {
        let deadline = Instant::now() + within;
        while !done(&self.app) {
            let left = deadline.saturating_duration_since(Instant::now());
            let events = &mut self.events;
            match rt.block_on(async { tokio::time::timeout(left, events.recv()).await }) {
                Ok(Some(ev)) => self.send(Event::Shared(ev)),
                Ok(None) => {
                    self.send(Event::Shared(app::Event::Stopping));
                    return done(&self.app);
                }
                Err(_) => return false,
            }
        }
        true
    }

    fn has(&self, id: u64) -> bool {
        self.app.state.index.contains_key(&id)
    }

    fn id_of(&self, name: &str) -> Option<u64> {
        let rows = &self.app.state.rows;
        rows.iter().find(|r| r.cp.name == name).map(|r| r.cp.id)
    }
}

/// A demo register in a temporary data directory, served by a real server.
struct Shared {
    rt: tokio::runtime::Runtime,
    server: Option<Server>,
    dir: tempfile::TempDir,
}

impl Shared {
    fn start() -> Shared {
        let dir = tempfile::tempdir().unwrap();
        let data_dir = dir.path().join("data");
        let store = Arc::new(Store::open(&data_dir, "test").unwrap());
        let spec = DemoSpec {
            counterparties: 12,
            history_days: 5,
            history_for: usize::MAX,
            seed: 7,
            now: now(),
        };
        demo::populate(&store, &spec).unwrap();
        let instance = tui_support::instance(store, config(), &data_dir);
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let server = rt.block_on(async { Server::start(instance, "kontra tui").unwrap() });
        Shared {
            rt,
            server: Some(server),
            dir,
        }
    }

    fn server(&self) -> &Server {
        self.server.as_ref().unwrap()
    }

    /// The serving UI and a second UI attached over the socket.
    fn peers(&self) -> (Peer, Peer) {
        let served: Arc<dyn Api> = Arc::new(self.server().own_api(false).unwrap());
        // The serving UI runs before anyone attaches, as `kontra` starts it.
        let serving = Peer::new(served, false, self.dir.path());
        let remote = Remote::connect(&self.dir.path().join("data"), false)
            .unwrap()
            .expect("the server answers on its socket");
        let client = Peer::new(Arc::new(remote), true, self.dir.path());
        (serving, client)
    }
}

fn draft(name: &str) -> Box<CounterpartyDraft> {
    Box::new(CounterpartyDraft {
        name: Some(name.into()),
        country: Some("DE".into()),
        ..CounterpartyDraft::default()
    })
}

#[test]
fn an_add_in_one_ui_reaches_the_other_within_a_second_both_ways() {
    let shared = Shared::start();
    let (mut serving, mut client) = shared.peers();
    let rt = &shared.rt;

    serving.run(Effect::Save {
        id: None,
        draft: draft("Serverseite GmbH"),
    });
    let id = serving
        .id_of("Serverseite GmbH")
        .expect("saved in the serving UI");
    assert!(
        client.follow_until(rt, WITHIN, |app| app.state.index.contains_key(&id)),
        "the client did not see the serving UI's add within a second"
    );

    client.run(Effect::Save {
        id: None,
        draft: draft("Clientseite AG"),
    });
    let id2 = client
        .id_of("Clientseite AG")
        .expect("saved through the socket");
    assert!(
        serving.follow_until(rt, WITHIN, |app| app.state.index.contains_key(&id2)),
        "the serving UI did not see the client's add within a second"
    );
    // Each keeps its own selection: the adder selected its new row, the other did not move.
    assert_eq!(client.app.state.selected_row().unwrap().cp.id, id2);
    assert_ne!(serving.app.state.selected_row().unwrap().cp.id, id2);
}

#[test]
fn deletes_and_acknowledgements_in_the_client_reach_the_serving_ui() {
    let shared = Shared::start();
    let (mut serving, mut client) = shared.peers();
    let rt = &shared.rt;
    let gone = serving.app.state.rows[0].cp.id;
    assert!(client.has(gone));
    client.run(Effect::Delete(vec![gone]));
    assert!(!client.has(gone));
    assert!(
        serving.follow_until(rt, WITHIN, |app| !app.state.index.contains_key(&gone)),
        "the delete did not reach the serving UI within a second"
    );

    let alert = serving
        .app
        .state
        .alerts
        .iter()
        .find(|a| a.acknowledged_at.is_none())
        .expect("the demo has open alerts")
        .id;
    client.run(Effect::Acknowledge {
        ids: vec![alert],
        comment: "checked by phone".into(),
    });
    let acked = |app: &App| {
        app.state
            .alerts
            .iter()
            .any(|a| a.id == alert && a.acknowledged_at.is_some())
    };
    assert!(acked(&client.app));
    assert!(
        serving.follow_until(rt, WITHIN, acked),
        "the acknowledgement did not reach the serving UI within a second"
    );
    // The serving UI's status line is not overwritten by a colleague's acknowledgement.
    assert!(
        serving
            .app
            .state
            .flash
            .as_ref()
            .is_none_or(|f| !f.text.is_empty())
    );
}

#[test]
fn the_serving_ui_counts_attached_clients_and_a_client_ends_when_the_server_stops() {
    let mut shared = Shared::start();
    let (mut serving, mut client) = shared.peers();
    let rt = &shared.rt;
    assert!(
        serving.follow_until(rt, WITHIN, |app| app.state.clients == 1),
        "the serving UI was not told a client attached"
    );
    assert_eq!(shared.server().clients(), 1);
    let server = shared.server.take().unwrap();
    shared.rt.block_on(server.stop());
    assert!(
        client.follow_until(&shared.rt, WITHIN, |app| app.state.quit),
        "the client did not end when the server stopped"
    );
    assert!(client.app.state.server_gone);
}

#[test]
fn quitting_the_serving_ui_with_clients_attached_asks_and_says_how_many() {
    let mut h = Harness::new((100, 30));
    h.send(Event::Shared(app::Event::Clients(2)));
    h.ch('q');
    assert!(!h.app.state.quit);
    let Some(Popup::Confirm { question, .. }) = &h.app.state.popup else {
        panic!("no question: {:?}", h.app.state.popup);
    };
    assert!(question.contains("2 clients are attached"), "{question}");
    h.key(KeyCode::Esc);
    h.send(Event::Shared(app::Event::Clients(0)));
    h.ch('q');
    assert!(h.app.state.quit, "nobody attached: quits at once");
}

#[test]
fn a_client_quits_at_once_even_while_a_cycle_runs_on_the_server() {
    let mut h = Harness::new((100, 30));
    h.app.state.client = true;
    h.send(Event::Shared(app::Event::Clients(3)));
    h.send(Event::Monitor(MonitorEvent::CycleStarted {
        cycle_id: 1,
        total: 12,
        done: 0,
        reason: "scheduled".into(),
    }));
    h.ch('q');
    assert!(h.app.state.quit, "popup: {:?}", h.app.state.popup);
    assert!(!h.app.state.server_gone);
}
