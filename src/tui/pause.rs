//! A registry paused for this machine (VIES `IP_BLOCKED`) in the UI: the reducer for the key
//! that lifts it, the monitor's pause events, and the text the tab bar, the status line and the
//! Stats tab show. Lifting goes through the monitor (its live client keeps a copy of the pause
//! and would write it back otherwise); without a monitor in this process the store is the only
//! copy and the effect lifts it there.

use super::effects::Effect;
use super::state::{AppState, Level};
use super::update::flash;
use crate::domain::Source;
use crate::domain::pause::SourcePause;
use crate::monitor::MonitorEvent;

/// The reducer for `resume_vies`: asks for the pause to be lifted when one is in force.
pub fn resume(state: &mut AppState) -> Vec<Effect> {
    if state.runs.pause.is_none() {
        let text = state.tr().vies_not_paused();
        return flash(state, Level::Info, text);
    }
    vec![Effect::ResumeSource(Source::Vies)]
}

/// Applies the monitor's pause events.
pub fn on_monitor(state: &mut AppState, ev: MonitorEvent) -> Vec<Effect> {
    match ev {
        MonitorEvent::SourcePaused(p) => {
            let news = state.runs.pause.is_none();
            state.runs.pause = Some(p);
            if news {
                let text = state.tr().source_paused(name(Source::Vies), why(state));
                return flash(state, Level::Error, text);
            }
        }
        MonitorEvent::SourceResumed { source, by, was } => {
            state.runs.pause = None;
            let text = match was {
                Some(p) => state.tr().source_resumed(
                    name(source),
                    by,
                    super::ui::time(state, p.since),
                    p.code,
                ),
                None => state.tr().source_was_not_paused(name(source)),
            };
            return flash(state, Level::Info, text);
        }
        MonitorEvent::ResumeFailed { source, error } => {
            let text = state.tr().source_resume_failed(name(source), error);
            return flash(state, Level::Error, text);
        }
        _ => {}
    }
    Vec::new()
}

fn name(source: Source) -> String {
    source.as_str().to_uppercase()
}

fn why(state: &AppState) -> String {
    state
        .runs
        .pause
        .as_ref()
        .map(|p| format!("{}: {}", p.code, p.message))
        .unwrap_or_default()
}

/// "VIES paused since … because IP_BLOCKED": since when and why, in the configured zone.
pub fn text(state: &AppState, p: &SourcePause) -> String {
    state
        .tr()
        .source_paused_since(name(p.source), super::ui::time(state, p.since), &p.code)
}

/// The status line's short form: "VIES paused since … (IP_BLOCKED)".
pub fn short_text(state: &AppState, p: &SourcePause) -> String {
    state
        .tr()
        .source_paused_short(name(p.source), super::ui::time(state, p.since), &p.code)
}

/// How to lift it: the key when the keymap has one (not in `--read-only`), else the command.
pub fn how_to_lift(state: &AppState, key: Option<String>, p: &SourcePause) -> String {
    match key {
        Some(k) => state.tr().lift_with_key(k),
        None => state.tr().lift_with_command(p.source.as_str()),
    }
}
