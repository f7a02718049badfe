//! Giving freed memory back to the system. A bulk import or a check batch allocates tens of
//! megabytes that are freed when it ends, but glibc's allocator keeps freed pages in its
//! arenas for reuse, so a Kontra that serves a team for weeks would hold its busiest moment's
//! memory forever. The server therefore returns free pages after work, at most once a
//! second, and on a slow tick for work nobody asked for (scheduled cycles).

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How often work may trigger a release: a release walks the allocator's free lists, which is
/// cheap but not free, and requests can come by the hundred per second.
const AT_MOST_EVERY: Duration = Duration::from_secs(1);

/// The slow tick for memory freed by the monitor's own cycles.
pub const TICK: Duration = Duration::from_secs(30);

/// Returns the allocator's free pages to the system (glibc only; elsewhere nothing to do).
pub fn release_freed() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only rearranges the allocator's own free lists; it takes no
    // pointers of ours and is thread-safe.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Decides when finished work should release memory: at most once per [`AT_MOST_EVERY`].
#[derive(Debug)]
pub struct Releaser {
    last: Mutex<Option<Instant>>,
}

impl Default for Releaser {
    fn default() -> Self {
        Releaser::new()
    }
}

impl Releaser {
    /// A releaser that has not released yet.
    pub fn new() -> Releaser {
        Releaser {
            last: Mutex::new(None),
        }
    }

    /// Whether work that ended at `now` should release (and, if so, notes it as done).
    pub fn due(&self, now: Instant) -> bool {
        let Ok(mut last) = self.last.lock() else {
            return false;
        };
        if last.is_some_and(|l| now.saturating_duration_since(l) < AT_MOST_EVERY) {
            return false;
        }
        *last = Some(now);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn work_releases_at_most_once_a_second() {
        let r = Releaser::new();
        let t = Instant::now();
        assert!(r.due(t));
        assert!(!r.due(t + Duration::from_millis(500)));
        assert!(r.due(t + Duration::from_millis(1000)));
        assert!(!r.due(t + Duration::from_millis(1999)));
    }
}
