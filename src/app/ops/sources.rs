//! Registry pauses (`kontra sources`): reading the pause in force and lifting it, which is a
//! lead's decision and audited under the analyst who lifted it.

use crate::app::access::Need;
use crate::app::local::Local;
use crate::domain::check::Source;
use crate::domain::pause::SourcePause;
use crate::exit::Failure;
use crate::monitor::Request as MonitorRequest;

/// Lifts the pause of `source`; returns the pause that was in force (None: nothing lifted).
pub(crate) fn resume(local: &Local, source: Source) -> Result<Option<SourcePause>, Failure> {
    local.permit(&format!("resume {}", source.as_str()), None, Need::Lead)?;
    let actor = crate::app::Api::identity(local).analyst.clone();
    let was = local
        .store()
        .resume_source(source, &actor)
        .map_err(Failure::from_error)?;
    // A running checker keeps its own copy of the pause; it lifts that too (and, should it
    // have written the pause back meanwhile, the store's again, audited under the same name).
    if let Some(monitor) = local.instance().monitor()
        && monitor
            .blocking_send(MonitorRequest::Resume { source, actor })
            .is_err()
    {
        tracing::warn!("the monitor stopped before the pause was lifted in it");
    }
    local.instance().hub().publish(crate::app::Event::Reload);
    Ok(was)
}
