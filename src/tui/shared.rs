//! How the UI follows the running Kontra it is part of: the reducer for the application's
//! events ([`crate::app::Event`]) that every attached UI receives. The monitor's events go to
//! [`super::follow`]; what someone else changed is read again; the number of attached clients
//! is kept for the serving UI's quit question; the end of the server ends a client.

use super::effects::Effect;
use super::follow;
use super::state::AppState;
use crate::app::Event;

/// Applies one event of the running Kontra; the reads it needs come back as effects.
pub fn on_event(state: &mut AppState, event: Event) -> Vec<Effect> {
    match event {
        Event::Monitor(ev) => follow::on_monitor(state, ev),
        Event::Changed(ids) => vec![Effect::Reload(ids)],
        Event::Deleted(ids) => {
            // This UI's own deletes are gone already; read again only what it still shows.
            let shown: Vec<u64> = ids
                .into_iter()
                .filter(|id| state.index.contains_key(id) || state.details.id == Some(*id))
                .collect();
            if shown.is_empty() {
                Vec::new()
            } else {
                vec![Effect::Reload(shown)]
            }
        }
        Event::Alerts(ids) => vec![Effect::ReloadAlerts(ids)],
        Event::Reload | Event::Missed(_) => vec![Effect::ReloadAll],
        Event::Clients(n) => {
            state.clients = n;
            Vec::new()
        }
        Event::Stopping => {
            tracing::info!("the running Kontra stopped: leaving");
            state.server_gone = true;
            state.quit = true;
            vec![Effect::Quit]
        }
    }
}

/// The serving UI's quit question when clients are attached: quitting stops the server they
/// use (and the monitor). A client's quit asks nothing of the kind: the server runs on.
pub fn quit_question(state: &AppState, running: Option<String>) -> Option<String> {
    if state.client {
        return None;
    }
    if state.clients == 0 {
        return running;
    }
    let tr = state.tr();
    let attached = tr.clients_attached(state.clients);
    Some(match running {
        Some(q) => format!("{attached} {q}"),
        None => format!("{attached} {}", tr.quit_anyway()),
    })
}
