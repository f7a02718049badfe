//! Request budgets: sliding-window rate limits, concurrency caps, the VIES member-state budgets
//! and the Handelsregister hourly allowance. Time is tokio time, so tests run on paused time.

use super::config::{BudgetConfig, ViesConfig};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock leaves only timestamps behind; they stay usable.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// At most `limit` starts in any window of length `window`.
#[derive(Debug)]
pub(crate) struct WindowLimiter {
    limit: u32,
    window: Duration,
    starts: Mutex<VecDeque<Instant>>,
}

impl WindowLimiter {
    /// A limiter allowing `limit` (at least 1) starts per `window`.
    pub(crate) fn new(limit: u32, window: Duration) -> WindowLimiter {
        WindowLimiter {
            limit: limit.max(1),
            window,
            starts: Mutex::new(VecDeque::new()),
        }
    }

    fn prune(&self, starts: &mut VecDeque<Instant>, now: Instant) {
        while let Some(&first) = starts.front() {
            if now.duration_since(first) >= self.window {
                starts.pop_front();
            } else {
                break;
            }
        }
    }

    /// Takes `n` slots now, or says how long until `n` slots are free (all or nothing).
    pub(crate) fn try_take(&self, n: u32) -> Result<(), Duration> {
        let now = Instant::now();
        let mut starts = lock(&self.starts);
        self.prune(&mut starts, now);
        let used = u32::try_from(starts.len()).unwrap_or(u32::MAX);
        if n > self.limit {
            return Err(self.window);
        }
        if used.saturating_add(n) <= self.limit {
            for _ in 0..n {
                starts.push_back(now);
            }
            return Ok(());
        }
        // The slot that frees up last among those needed.
        let must_expire = (used + n - self.limit) as usize;
        let wait = starts
            .get(must_expire - 1)
            .map(|t| (*t + self.window).saturating_duration_since(now))
            .unwrap_or(self.window);
        Err(wait.max(Duration::from_millis(1)))
    }

    /// How long until `n` slots are free, without taking any (None when they are free now).
    pub(crate) fn free_in(&self, n: u32) -> Option<Duration> {
        let now = Instant::now();
        let mut starts = lock(&self.starts);
        self.prune(&mut starts, now);
        let used = u32::try_from(starts.len()).unwrap_or(u32::MAX);
        if n > self.limit {
            return Some(self.window);
        }
        if used.saturating_add(n) <= self.limit {
            return None;
        }
        let must_expire = (used + n - self.limit) as usize;
        let wait = starts
            .get(must_expire - 1)
            .map(|t| (*t + self.window).saturating_duration_since(now))
            .unwrap_or(self.window);
        Some(wait.max(Duration::from_millis(1)))
    }

    /// Waits for one slot and takes it.
    pub(crate) async fn take(&self) {
        loop {
            match self.try_take(1) {
                Ok(()) => return,
                Err(wait) => tokio::time::sleep(wait).await,
            }
        }
    }

    /// Slots free right now.
    pub fn remaining(&self) -> u32 {
        let mut starts = lock(&self.starts);
        self.prune(&mut starts, Instant::now());
        self.limit
            .saturating_sub(u32::try_from(starts.len()).unwrap_or(u32::MAX))
    }

    /// Time until the next slot frees up, when none is free now.
    pub(crate) fn next_free_in(&self) -> Option<Duration> {
        match self.remaining() {
            0 => self.try_take(1).err(),
            _ => None,
        }
    }
}

/// A rate limit plus a concurrency cap for one source (or one VIES member state).
#[derive(Debug)]
pub(crate) struct Budget {
    rate: WindowLimiter,
    inflight: Arc<Semaphore>,
}

/// Held while a request is in flight; dropping it frees the concurrency slot.
#[derive(Debug)]
pub(crate) struct Permit {
    _inflight: Option<OwnedSemaphorePermit>,
}

impl Budget {
    /// From a `BudgetConfig`.
    pub(crate) fn new(cfg: &BudgetConfig) -> Budget {
        Budget::with(
            cfg.requests_per_minute.0,
            Duration::from_secs(60),
            cfg.concurrency.0,
        )
    }

    /// `limit` starts per `window`, `concurrency` in flight.
    pub(crate) fn with(limit: u32, window: Duration, concurrency: u32) -> Budget {
        Budget {
            rate: WindowLimiter::new(limit, window),
            inflight: Arc::new(Semaphore::new(concurrency.max(1) as usize)),
        }
    }

    /// Waits for a concurrency slot, then for a rate slot.
    pub(crate) async fn acquire(&self) -> Permit {
        // The semaphore is never closed; if it were, going on without the permit is safer than
        // failing every request.
        let permit = self.inflight.clone().acquire_owned().await.ok();
        self.rate.take().await;
        Permit { _inflight: permit }
    }
}

/// VIES: one budget for the whole service and one per member state, created on first use.
#[derive(Debug)]
pub(crate) struct ViesBudgets {
    global: Budget,
    cfg: ViesConfig,
    member_states: Mutex<HashMap<String, Arc<Budget>>>,
}

impl ViesBudgets {
    /// From `[sources.vies]`.
    pub(crate) fn new(cfg: &ViesConfig) -> ViesBudgets {
        ViesBudgets {
            global: Budget::new(&cfg.budget),
            cfg: cfg.clone(),
            member_states: Mutex::new(HashMap::new()),
        }
    }

    /// The member state's budget.
    pub(crate) fn member_state(&self, code: &str) -> Arc<Budget> {
        let mut map = lock(&self.member_states);
        map.entry(code.to_string())
            .or_insert_with(|| Arc::new(Budget::new(&self.cfg.member_state(code))))
            .clone()
    }

    /// Waits for the member state's slots, then the global ones.
    pub(crate) async fn acquire(&self, code: &str) -> (Permit, Permit) {
        let ms = self.member_state(code);
        let a = ms.acquire().await;
        let b = self.global.acquire().await;
        (a, b)
    }
}

/// What is left of the Handelsregister allowance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct HourlyStatus {
    /// Retrievals allowed per hour.
    pub limit: u32,
    /// Retrievals still allowed now.
    pub remaining: u32,
    /// Seconds until the next retrieval is allowed, when none is.
    pub next_in_secs: Option<u64>,
}

impl WindowLimiter {
    /// The allowance as a status for display.
    pub(crate) fn hourly_status(&self) -> HourlyStatus {
        HourlyStatus {
            limit: self.limit,
            remaining: self.remaining(),
            next_in_secs: self.next_free_in().map(|d| d.as_secs().max(1)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn window_never_exceeds_limit() {
        let l = WindowLimiter::new(3, Duration::from_secs(60));
        assert!(l.try_take(2).is_ok());
        assert_eq!(l.remaining(), 1);
        assert!(l.try_take(2).is_err(), "all or nothing");
        assert!(l.try_take(1).is_ok());
        let wait = l.try_take(1).unwrap_err();
        assert_eq!(wait, Duration::from_secs(60));
        assert_eq!(l.try_take(4).unwrap_err(), Duration::from_secs(60));
        tokio::time::advance(Duration::from_secs(60)).await;
        assert_eq!(l.remaining(), 3);
        assert_eq!(l.next_free_in(), None);
    }

    #[tokio::test(start_paused = true)]
    async fn take_waits_for_the_window() {
        let l = WindowLimiter::new(2, Duration::from_secs(10));
        let start = Instant::now();
        for _ in 0..5 {
            l.take().await;
        }
        // 2 at t=0, 2 at t=10, 1 at t=20.
        assert_eq!(start.elapsed(), Duration::from_secs(20));
    }
}
