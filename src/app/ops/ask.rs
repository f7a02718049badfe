//! Asking the monitor that runs in the serving process and waiting for its answer on the event
//! hub: checks now, a cycle now, lifting a registry's pause. The monitor orders its own store
//! writes, so an operation does not write behind its back; it asks and follows.

use std::time::Duration;

use tokio::sync::mpsc;

use crate::app::events::Event;
use crate::app::local::Local;
use crate::exit::Failure;
use crate::monitor::Request as MonitorRequest;

/// What the follower is shown while it waits.
#[derive(Debug)]
pub(crate) enum Heard {
    /// An event of the hub.
    Event(Event),
    /// A second passed without events (a follower that missed events looks at the store).
    Quiet,
}

/// Whether the answer is in.
#[derive(Debug)]
pub(crate) enum Step<T> {
    /// Keep waiting.
    Wait,
    /// The answer.
    Done(T),
}

/// How long a quiet hub waits before the follower is asked to look elsewhere.
const QUIET: Duration = Duration::from_secs(1);

/// Sends `request` to `monitor` and hands what the hub says to `follow` until it has the
/// answer. The hub is subscribed before asking, so the answer cannot come before the wait.
/// `stopped` is the failure when the monitor or the server stops first, or when `limit`
/// passes (None: as long as the work takes; a cycle may take hours).
pub(crate) fn ask<T>(
    local: &Local,
    monitor: mpsc::Sender<MonitorRequest>,
    request: MonitorRequest,
    limit: Option<Duration>,
    stopped: impl Fn() -> Failure,
    mut follow: impl FnMut(Heard) -> Result<Step<T>, Failure>,
) -> Result<T, Failure> {
    let rt = super::checks::runtime()?;
    rt.block_on(async {
        let mut events = local.instance().hub().subscribe();
        monitor.send(request).await.map_err(|_| stopped())?;
        let answer = async {
            loop {
                let heard = match tokio::time::timeout(QUIET, events.recv()).await {
                    Err(_) => Heard::Quiet,
                    Ok(None | Some(Event::Stopping)) => return Err(stopped()),
                    Ok(Some(e)) => Heard::Event(e),
                };
                if let Step::Done(v) = follow(heard)? {
                    return Ok(v);
                }
            }
        };
        match limit {
            None => answer.await,
            Some(limit) => tokio::time::timeout(limit, answer)
                .await
                .map_err(|_| stopped())?,
        }
    })
}
