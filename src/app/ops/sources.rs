//! Registry pauses (`kontra sources`): reading the pause in force and lifting it, which is a
//! lead's decision and audited under the analyst who lifted it.

use super::ask::{Heard, Step, ask};
use crate::app::access::Need;
use crate::app::local::Local;
use crate::domain::check::Source;
use crate::domain::pause::SourcePause;
use crate::exit::{self, Failure};
use crate::monitor::Request as MonitorRequest;

/// How long lifting waits for a running monitor's answer.
const MONITOR_ANSWER: std::time::Duration = std::time::Duration::from_secs(10);

/// Lifts the pause of `source`; returns the pause that was in force (None: nothing lifted).
/// With a monitor in the serving process the monitor lifts it (its live client keeps a copy it
/// would otherwise write back) and its answer is awaited; else the store's pause is lifted.
pub(crate) fn resume(local: &Local, source: Source) -> Result<Option<SourcePause>, Failure> {
    local.permit(&format!("resume {}", source.as_str()), None, Need::Lead)?;
    let actor = crate::app::Api::identity(local).analyst.clone();
    let was = match local.instance().monitor() {
        None => local
            .store()
            .resume_source(source, &actor)
            .map_err(Failure::from_error)?,
        Some(monitor) => through_monitor(local, monitor, source, actor)?,
    };
    local.instance().hub().publish(crate::app::Event::Reload);
    Ok(was)
}

/// Asks the monitor to lift the pause and waits for its `SourceResumed` or `ResumeFailed`.
fn through_monitor(
    local: &Local,
    monitor: tokio::sync::mpsc::Sender<MonitorRequest>,
    source: Source,
    actor: String,
) -> Result<Option<SourcePause>, Failure> {
    use crate::app::Event;
    use crate::monitor::MonitorEvent;
    let stopped = || {
        Failure::new(
            exit::UNAVAILABLE,
            "the monitor stopped before it lifted the pause; nothing was changed in it: run the command again",
        )
    };
    let request = MonitorRequest::Resume { source, actor };
    ask(
        local,
        monitor,
        request,
        Some(MONITOR_ANSWER),
        stopped,
        |heard| match heard {
            Heard::Event(Event::Monitor(MonitorEvent::SourceResumed {
                source: s, was, ..
            })) if s == source => Ok(Step::Done(was)),
            Heard::Event(Event::Monitor(MonitorEvent::ResumeFailed { source: s, error }))
                if s == source =>
            {
                Err(Failure::new(
                    exit::ERROR,
                    format!("lifting the {} pause: {error}", source.as_str()),
                ))
            }
            _ => Ok(Step::Wait),
        },
    )
}
