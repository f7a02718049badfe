//! Connects a running monitor service to the full-screen UI's monitor seam
//! (`tui::monitor::link`): monitor events become UI events, UI check requests become
//! [`Request::CheckAs`].

use super::events::MonitorEvent;
use super::service::{MonitorHandle, Request};
use crate::store::Store;
use crate::tui::monitor::{self as ui, CheckRequest, Current, Level};
use chrono::Utc;
use std::sync::Arc;
use tokio::sync::broadcast::error::RecvError;

/// Spawns the two forwarding tasks; they end when either side goes away.
pub fn attach(service: &MonitorHandle, store: Arc<Store>, link: ui::MonitorHandle) {
    let ui::MonitorHandle {
        events: to_ui,
        mut requests,
    } = link;
    let requester = service.requester();
    tokio::spawn(async move {
        while let Some(CheckRequest { ids, actor }) = requests.recv().await {
            if requester.send(Request::CheckAs(ids, actor)).await.is_err() {
                return;
            }
        }
    });
    let mut events = service.subscribe();
    tokio::spawn(async move {
        let mut current: Option<Current> = None;
        loop {
            let ev = match events.recv().await {
                Ok(ev) => ev,
                Err(RecvError::Lagged(_)) => continue,
                Err(RecvError::Closed) => return,
            };
            for out in translate(ev, &mut current, &store).await {
                if to_ui.send(out).await.is_err() {
                    return;
                }
            }
        }
    });
}

async fn translate(
    ev: MonitorEvent,
    current: &mut Option<Current>,
    store: &Arc<Store>,
) -> Vec<ui::MonitorEvent> {
    match ev {
        MonitorEvent::CycleStarted { total, .. } => vec![ui::MonitorEvent::CycleStarted {
            total,
            at: Utc::now(),
        }],
        MonitorEvent::SourceStarted {
            counterparty_id,
            source,
        } => {
            *current = Some(Current {
                counterparty_id,
                source,
            });
            Vec::new()
        }
        MonitorEvent::Progress { done, total, .. } => vec![ui::MonitorEvent::Progress {
            done,
            total,
            current: current.clone(),
        }],
        MonitorEvent::CheckFinished { run_id, alerts, .. } => {
            let store = store.clone();
            let ids: Vec<u64> = alerts.iter().map(|a| a.id).collect();
            let loaded = tokio::task::spawn_blocking(move || {
                let run = store.check_run(run_id).ok().flatten();
                let alerts: Vec<_> = ids
                    .iter()
                    .filter_map(|id| store.alert(*id).ok().flatten())
                    .collect();
                (run, alerts)
            })
            .await;
            let Ok((run, alerts)) = loaded else {
                return Vec::new();
            };
            let mut out = Vec::new();
            if let Some(run) = run {
                out.push(ui::MonitorEvent::CheckRecorded(Box::new(run)));
            }
            if !alerts.is_empty() {
                out.push(ui::MonitorEvent::NewAlerts(alerts));
            }
            out
        }
        MonitorEvent::CheckFailed { error, .. } => vec![ui::MonitorEvent::Status {
            level: Level::Error,
            message: error,
        }],
        MonitorEvent::CycleFinished {
            done, new_alerts, ..
        } => {
            *current = None;
            vec![ui::MonitorEvent::CycleFinished {
                checked: done,
                new_alerts,
                at: Utc::now(),
                next: None,
            }]
        }
        MonitorEvent::Health(list) => list
            .iter()
            .filter(|h| h.is_down())
            .map(|h| ui::MonitorEvent::Status {
                level: Level::Warn,
                message: format!(
                    "{} could not be asked: {}",
                    h.source,
                    h.last_failure.as_deref().unwrap_or("unknown")
                ),
            })
            .collect(),
        MonitorEvent::SourceFinished { .. } | MonitorEvent::CheckStarted { .. } => Vec::new(),
        MonitorEvent::NextRun { at } => vec![ui::MonitorEvent::NextRun { at }],
    }
}
