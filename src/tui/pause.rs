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
        return flash(state, Level::Info, "VIES is not paused; nothing to lift");
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
                let text = format!("{} paused: {}", name(Source::Vies), why(state));
                return flash(state, Level::Error, text);
            }
        }
        MonitorEvent::SourceResumed { source, by, was } => {
            state.runs.pause = None;
            let text = match was {
                Some(p) => format!(
                    "{} resumed by {by} (paused since {} because {}); the next check asks it again",
                    name(source),
                    super::ui::time(state, p.since),
                    p.code
                ),
                None => format!("{} was not paused; nothing changed", name(source)),
            };
            return flash(state, Level::Info, text);
        }
        MonitorEvent::ResumeFailed { source, error } => {
            let text = format!("{} could not be resumed: {error}", name(source));
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
    format!(
        "{} paused since {} because {}; nothing is sent to it from this machine",
        name(p.source),
        super::ui::time(state, p.since),
        p.code
    )
}

/// The status line's short form: "VIES paused since … (IP_BLOCKED)".
pub fn short_text(state: &AppState, p: &SourcePause) -> String {
    format!(
        "{} paused since {} ({})",
        name(p.source),
        super::ui::time(state, p.since),
        p.code
    )
}

/// How to lift it: the key when the keymap has one (not in `--read-only`), else the command.
pub fn how_to_lift(key: Option<String>, p: &SourcePause) -> String {
    match key {
        Some(k) => format!("{k} lifts the pause once the block is gone (audited)"),
        None => format!("lift with `kontra sources resume {}`", p.source.as_str()),
    }
}
