//! What a running Kontra tells everyone attached: the monitor's own events and what anyone
//! changed, so a second UI sees a colleague's edit, check or acknowledgement within a second.
//!
//! Events go out on a broadcast channel: a subscriber that falls behind loses old events
//! instead of slowing the writers down, and is told so with [`Event::Missed`], after which it
//! reads everything again. Nothing is lost that way, only replaced by a fresh read. Forwarders
//! take what waits in one go and leave out steps that later events make moot ([`coalesce`]),
//! so falling behind takes a client far slower than the monitor.

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
    /// Much changed at once (an import, a list update, a decision): read everything again.
    Reload,
    /// This subscriber fell behind and this many events were dropped for it: read everything
    /// again.
    Missed(u64),
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
                Err(broadcast::error::RecvError::Lagged(n)) => Some(Event::Missed(n)),
                Err(broadcast::error::RecvError::Closed) => None,
            },
            Inner::Remote(rx) => rx.recv().await,
        }
    }

    /// The next event and those already waiting behind it (at most `max` in all), so a
    /// forwarder writes them in one go; `None` when the source has gone.
    pub async fn recv_ready(&mut self, max: usize) -> Option<Vec<Event>> {
        let mut batch = vec![self.recv().await?];
        while batch.len() < max {
            let next = match &mut self.inner {
                Inner::Local(rx) => match rx.try_recv() {
                    Ok(e) => e,
                    Err(broadcast::error::TryRecvError::Lagged(n)) => Event::Missed(n),
                    Err(_) => break,
                },
                Inner::Remote(rx) => match rx.try_recv() {
                    Ok(e) => e,
                    Err(_) => break,
                },
            };
            batch.push(next);
        }
        Some(batch)
    }
}

/// Leaves out of a run of events those a later one in the same run makes moot, so a client
/// that reads slower than a check batch runs is sent what it shows, not every step:
/// - cycle or batch progress: only the last of each cycle or batch counts;
/// - a check's start and its sources' start and end: moot once the check's end (stored or
///   failed) follows, which the client reads as a whole.
///
/// Everything else (stored checks with their alerts, changes, reloads, health, pauses, ends)
/// is kept, in order.
pub fn coalesce(events: Vec<Event>) -> Vec<Event> {
    use std::collections::HashSet;
    let mut later_progress: HashSet<(bool, u64)> = HashSet::new();
    let mut later_end: HashSet<u64> = HashSet::new();
    let mut kept: Vec<Event> = Vec::with_capacity(events.len());
    for e in events.into_iter().rev() {
        let keep = match &e {
            Event::Monitor(m) => match m {
                MonitorEvent::Progress { cycle_id, .. } => later_progress.insert((true, *cycle_id)),
                MonitorEvent::ChecksProgress { batch, .. } => {
                    later_progress.insert((false, *batch))
                }
                MonitorEvent::CheckFinished {
                    counterparty_id, ..
                }
                | MonitorEvent::CheckFailed {
                    counterparty_id, ..
                } => {
                    later_end.insert(*counterparty_id);
                    true
                }
                MonitorEvent::CheckStarted { counterparty_id }
                | MonitorEvent::SourceStarted {
                    counterparty_id, ..
                }
                | MonitorEvent::SourceFinished {
                    counterparty_id, ..
                } => !later_end.contains(counterparty_id),
                // A new cycle or batch starts counting afresh.
                _ => true,
            },
            _ => true,
        };
        if keep {
            kept.push(e);
        }
    }
    kept.reverse();
    kept
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Source;

    fn m(e: MonitorEvent) -> Event {
        Event::Monitor(e)
    }

    fn progress(cycle_id: u64, done: usize) -> Event {
        m(MonitorEvent::Progress {
            cycle_id,
            done,
            total: 9,
        })
    }

    fn source_started(counterparty_id: u64) -> Event {
        m(MonitorEvent::SourceStarted {
            counterparty_id,
            source: Source::Vies,
        })
    }

    fn finished(counterparty_id: u64, run_id: u64) -> Event {
        m(MonitorEvent::CheckFinished {
            counterparty_id,
            run_id,
            alerts: vec![],
        })
    }

    #[test]
    fn steps_of_a_finished_check_and_old_progress_are_left_out() {
        let run = vec![
            m(MonitorEvent::CheckStarted { counterparty_id: 1 }),
            source_started(1),
            progress(7, 0),
            m(MonitorEvent::SourceFinished {
                counterparty_id: 1,
                source: Source::Vies,
                answered: true,
            }),
            finished(1, 10),
            progress(7, 1),
            Event::Changed(vec![5]),
            source_started(2),
            progress(7, 2),
        ];
        assert_eq!(
            coalesce(run),
            vec![
                finished(1, 10),
                Event::Changed(vec![5]),
                // The check of 2 is still running: the client shows which source it asks.
                source_started(2),
                progress(7, 2),
            ]
        );
    }

    #[test]
    fn a_second_check_of_the_same_counterparty_keeps_its_own_steps() {
        let run = vec![
            source_started(1),
            finished(1, 10),
            source_started(1),
            m(MonitorEvent::ChecksProgress {
                batch: 1,
                done: 1,
                total: 2,
            }),
            progress(3, 1),
        ];
        assert_eq!(
            coalesce(run),
            vec![
                finished(1, 10),
                source_started(1),
                m(MonitorEvent::ChecksProgress {
                    batch: 1,
                    done: 1,
                    total: 2,
                }),
                progress(3, 1),
            ]
        );
    }

    #[tokio::test]
    async fn a_forwarder_gets_what_is_waiting_in_one_go() {
        let hub = Hub::new();
        let mut sub = hub.subscribe();
        for i in 0..5 {
            hub.publish(Event::Changed(vec![i]));
        }
        let first = sub.recv_ready(3).await.unwrap_or_default();
        assert_eq!(first.len(), 3);
        let rest = sub.recv_ready(100).await.unwrap_or_default();
        assert_eq!(rest, vec![Event::Changed(vec![3]), Event::Changed(vec![4])]);
    }

    #[tokio::test]
    async fn a_subscriber_that_fell_behind_is_told_how_much_it_missed() {
        let hub = Hub::new();
        let mut sub = hub.subscribe();
        for i in 0..(BACKLOG as u64 + 3) {
            hub.publish(Event::Changed(vec![i]));
        }
        assert_eq!(sub.recv().await, Some(Event::Missed(3)));
        assert_eq!(sub.recv().await, Some(Event::Changed(vec![3])));
    }
}
