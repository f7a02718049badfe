//! What a running Kontra tells everyone attached: the monitor's own events and what anyone
//! changed, so a second UI sees a colleague's edit, check or acknowledgement within a second.
//!
//! Events go out on a broadcast channel: a subscriber that falls behind loses old events
//! instead of slowing the writers down, and is told so with [`Event::Reload`], after which it
//! reads everything again. Nothing is lost that way, only replaced by a fresh read.

use serde::{Deserialize, Serialize};
use tokio::sync::{broadcast, mpsc};

use crate::monitor::MonitorEvent;

/// How many events a slow subscriber may fall behind before it is told to reload.
const BACKLOG: usize = 4096;

/// Something that happened in the running Kontra.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Event {
    /// The monitor reported progress, a check, new alerts or source health.
    Monitor(MonitorEvent),
    /// These counterparties were added or changed.
    Changed(Vec<u64>),
    /// These counterparties were deleted.
    Deleted(Vec<u64>),
    /// These alerts changed (acknowledged).
    Alerts(Vec<u64>),
    /// Much changed at once (an import, a list update, a decision) or events were missed:
    /// read everything again.
    Reload,
    /// How many clients are attached now.
    Clients(usize),
    /// The running Kontra is stopping; clients end.
    Stopping,
}

/// Where events are published; cheap to clone.
#[derive(Debug, Clone)]
pub struct Hub {
    tx: broadcast::Sender<Event>,
}

impl Default for Hub {
    fn default() -> Self {
        Hub::new()
    }
}

impl Hub {
    /// A hub nobody listens to yet.
    pub fn new() -> Hub {
        let (tx, _) = broadcast::channel(BACKLOG);
        Hub { tx }
    }

    /// Tells every subscriber; nobody listening is fine.
    pub fn publish(&self, event: Event) {
        let _ = self.tx.send(event);
    }

    /// Events from now on.
    pub fn subscribe(&self) -> Subscription {
        Subscription {
            inner: Inner::Local(self.tx.subscribe()),
        }
    }
}

/// A stream of events, from this process or from the running Kontra over its socket.
#[derive(Debug)]
pub struct Subscription {
    inner: Inner,
}

#[derive(Debug)]
enum Inner {
    Local(broadcast::Receiver<Event>),
    Remote(mpsc::Receiver<Event>),
}

impl Subscription {
    /// Events a client reads off its socket.
    pub fn from_channel(rx: mpsc::Receiver<Event>) -> Subscription {
        Subscription {
            inner: Inner::Remote(rx),
        }
    }

    /// The next event; `None` when the source has gone (the server stopped or died).
    pub async fn recv(&mut self) -> Option<Event> {
        match &mut self.inner {
            Inner::Local(rx) => match rx.recv().await {
                Ok(e) => Some(e),
                Err(broadcast::error::RecvError::Lagged(_)) => Some(Event::Reload),
                Err(broadcast::error::RecvError::Closed) => None,
            },
            Inner::Remote(rx) => rx.recv().await,
        }
    }
}
