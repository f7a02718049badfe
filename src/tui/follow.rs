//! How the UI follows the monitor: the reducer for the monitor's own events
//! ([`MonitorEvent`]) and for the store reads they lead to. Cycle progress shows in the tab bar,
//! manual checks (`c`) in the status line with a summary at their end, and a new critical alert
//! as a status message, a badge on the Alerts tab and, when configured, the terminal bell.

use super::data::Row;
use super::effects::Effect;
use super::state::{AppState, Current, Level, ManualChecks, Progress, SortColumn, Tab};
use super::text::Tr;
use super::update::flash;
use crate::domain::{Alert, CheckRun, Severity};
use crate::monitor::MonitorEvent;
use crate::monitor::events::ChecksSummary;

/// Applies one monitor event; store reads it needs come back as effects.
pub fn on_monitor(state: &mut AppState, ev: MonitorEvent) -> Vec<Effect> {
    match ev {
        MonitorEvent::CycleStarted { total, done, .. } => {
            state.progress = Some(Progress {
                done,
                total,
                current: None,
            });
        }
        MonitorEvent::Progress { done, total, .. } => {
            let current = state.progress.take().and_then(|p| p.current);
            state.progress = Some(Progress {
                done,
                total,
                current,
            });
        }
        MonitorEvent::SourceStarted {
            counterparty_id,
            source,
        } => {
            let current = Some(Current {
                counterparty_id,
                source,
            });
            match (&mut state.manual, &mut state.progress) {
                (Some(m), _) if m.ids.contains(&counterparty_id) => m.current = current,
                (_, Some(p)) => p.current = current,
                _ => {}
            }
        }
        MonitorEvent::CheckStarted { .. } | MonitorEvent::SourceFinished { .. } => {}
        MonitorEvent::CheckFinished { run_id, alerts, .. } => {
            return vec![Effect::LoadCheck {
                run_id,
                alert_ids: alerts.iter().map(|a| a.id).collect(),
            }];
        }
        MonitorEvent::CheckFailed { error, .. } => return flash(state, Level::Error, error),
        ev @ (MonitorEvent::SourcePaused(_)
        | MonitorEvent::SourceResumed { .. }
        | MonitorEvent::ResumeFailed { .. }) => return super::pause::on_monitor(state, ev),
        MonitorEvent::Health(list) => {
            let down: Vec<String> = list
                .iter()
                .filter(|h| h.is_down())
                .map(|h| {
                    let tr = state.tr();
                    tr.source_could_not_be_asked(
                        h.source,
                        h.last_failure.as_deref().unwrap_or(tr.unknown_reason()),
                    )
                })
                .collect();
            if !down.is_empty() {
                return flash(state, Level::Warn, down.join("; "));
            }
        }
        MonitorEvent::CycleFinished {
            done,
            new_alerts,
            cancelled,
            next,
            ..
        } => {
            state.progress = None;
            if next.is_some() {
                state.next_cycle = next;
            }
            let text = if cancelled {
                state.tr().cycle_stopped(done)
            } else {
                let tr = state.tr();
                tr.cycle_finished(done, tr.new_alerts(new_alerts))
            };
            return flash(state, Level::Info, text);
        }
        MonitorEvent::ChecksStarted { batch, ids } => {
            state.manual = Some(ManualChecks {
                batch,
                total: ids.len(),
                ids: ids.into_iter().collect(),
                done: 0,
                current: None,
            });
            // The progress takes the status line the "check requested" message held.
            state.flash = None;
        }
        MonitorEvent::ChecksProgress { batch, done, total } => {
            if let Some(m) = state.manual.as_mut().filter(|m| m.batch == batch) {
                m.done = done;
                m.total = total;
            }
        }
        MonitorEvent::ChecksFinished { batch, summary } => {
            if state.manual.as_ref().is_some_and(|m| m.batch == batch) {
                state.manual = None;
            }
            let level = if summary.critical > 0 || summary.failed > 0 {
                Level::Error
            } else if summary.could_not_ask > 0 || summary.new_alerts > 0 {
                Level::Warn
            } else {
                Level::Info
            };
            return flash(state, level, summary_text(state.tr(), &summary));
        }
    }
    Vec::new()
}

/// The status line at the end of a manual check: what was asked, what could not be, what it
/// found.
pub fn summary_text(tr: Tr, s: &ChecksSummary) -> String {
    let mut text = tr.check_finished(
        s.checked,
        s.total,
        tr.answers(s.answers),
        s.could_not_ask,
        tr.new_alerts(s.new_alerts),
    );
    if s.critical > 0 {
        text.push_str(&tr.summary_critical(s.critical));
    }
    if s.skipped > 0 {
        text.push_str(&tr.summary_under_way(s.skipped));
    }
    if s.failed > 0 {
        text.push_str(&tr.summary_failed(s.failed));
    }
    text
}

/// Takes in a run the monitor stored and the alerts it raised.
pub fn on_check_loaded(state: &mut AppState, run: CheckRun, alerts: Vec<Alert>) -> Vec<Effect> {
    record_run(state, run);
    if alerts.is_empty() {
        Vec::new()
    } else {
        new_alerts(state, alerts)
    }
}

fn record_run(state: &mut AppState, run: CheckRun) {
    if let Some(&i) = state.index.get(&run.counterparty_id) {
        let cp = state.rows[i].cp.clone();
        state.rows[i] = Row::new(cp, Some(&run));
    }
    for r in &run.results {
        if let Some(slot) = crate::domain::health::day_slot(state.now, r.at, state.tz) {
            let per_day = if r.outcome.answer().is_some() {
                &mut state.runs.answers_per_day
            } else {
                &mut state.runs.failures_per_day
            };
            if let Some(v) = per_day.get_mut(slot) {
                *v += 1;
            }
        }
    }
    state.runs.health.add_newer(&run);
    if state.table.sort == SortColumn::LastCheck || state.table.sort == SortColumn::Status {
        let selected = state.selected_row().map(|r| r.cp.id);
        state.resort(selected);
    } else {
        state.refilter(false);
    }
    if state.details.id == Some(run.counterparty_id)
        && let Some(d) = &mut state.details.data
    {
        d.runs.insert(0, run);
    }
}

fn new_alerts(state: &mut AppState, alerts: Vec<Alert>) -> Vec<Effect> {
    let n = alerts.len();
    let critical = alerts
        .iter()
        .filter(|a| a.severity == Severity::Critical)
        .count();
    for a in alerts {
        if state.details.id == Some(a.counterparty_id)
            && let Some(d) = &mut state.details.data
        {
            d.alerts.insert(0, a.clone());
        }
        state.alerts.push(a);
    }
    state.refilter_alerts();
    if critical == 0 {
        return flash(state, Level::Warn, state.tr().new_alerts(n));
    }
    // Seen at once when the Alerts tab is open; otherwise its badge counts them.
    if state.tab != Tab::Alerts {
        state.unseen_critical += critical;
    }
    let mut effects = flash(
        state,
        Level::Error,
        state
            .tr()
            .new_critical_alerts(state.tr().new_alerts(n), critical),
    );
    if state.bell_on_critical {
        effects.push(Effect::Bell);
    }
    effects
}
