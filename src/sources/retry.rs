//! Retry with exponential backoff and jitter: transient failures are tried again, permanent
//! ones and answers are returned at once. Sleeps use tokio time, so tests run on paused time.

use super::config::RetryConfig;
use std::future::Future;
use std::time::Duration;

/// Whether a failed attempt is worth repeating.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    /// An answer, or a failure that repeating cannot fix.
    No,
    /// A transient failure: try again after the backoff.
    Transient,
    /// A transient failure with the registry's own `Retry-After`.
    After(Duration),
}

/// How often and how patiently to retry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in total, the first included.
    pub max_attempts: u32,
    /// Delay before the first retry.
    pub base: Duration,
    /// Upper bound of one delay; a `Retry-After` beyond it ends the retries.
    pub max: Duration,
}

impl RetryPolicy {
    /// From `[sources.<name>.retry]`.
    pub fn from_config(cfg: &RetryConfig) -> RetryPolicy {
        RetryPolicy {
            max_attempts: cfg.max_attempts.0.max(1),
            base: cfg.backoff_base_ms.duration(),
            max: cfg.backoff_max_ms.duration(),
        }
    }

    /// The delay before retry number `retry` (0 for the first retry), given `jitter` in [0, 1].
    ///
    /// "Equal jitter": half of the exponential delay is fixed, the other half random, so callers
    /// that failed together spread out while each still waits at least half the backoff.
    pub fn delay(&self, retry: u32, jitter: f64) -> Duration {
        let exp = self
            .base
            .saturating_mul(2u32.saturating_pow(retry.min(20)))
            .min(self.max);
        let half = exp / 2;
        let jitter = if jitter.is_finite() {
            jitter.clamp(0.0, 1.0)
        } else {
            0.0
        };
        half + half.mul_f64(jitter)
    }

    /// The wait before the next attempt, or None when the retries are over.
    pub fn next_wait(&self, attempt: u32, retry: Retry, jitter: f64) -> Option<Duration> {
        if attempt >= self.max_attempts {
            return None;
        }
        match retry {
            Retry::No => None,
            Retry::Transient => Some(self.delay(attempt.saturating_sub(1), jitter)),
            // A registry that asks for more patience than we have is not asked again now.
            Retry::After(after) if after > self.max => None,
            Retry::After(after) => Some(after.max(self.delay(attempt.saturating_sub(1), jitter))),
        }
    }
}

/// Anything an attempt yields that says whether to try again.
pub trait Retryable {
    /// This attempt's verdict.
    fn retry(&self) -> Retry;
}

/// Runs `attempt(n)` for n = 1, 2, ... until it is not transient or the attempts are used up.
/// Returns the last attempt's value and the number of attempts made.
pub async fn with_retry<T, F, Fut>(policy: &RetryPolicy, mut attempt: F) -> (T, u32)
where
    T: Retryable,
    F: FnMut(u32) -> Fut,
    Fut: Future<Output = T>,
{
    let mut n = 1;
    loop {
        let value = attempt(n).await;
        let jitter: f64 = rand::random();
        match policy.next_wait(n, value.retry(), jitter) {
            None => return (value, n),
            Some(wait) => {
                tracing::debug!(attempt = n, ?wait, "transient failure, retrying");
                tokio::time::sleep(wait).await;
                n += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn policy() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 4,
            base: Duration::from_secs(2),
            max: Duration::from_secs(10),
        }
    }

    #[test]
    fn delays_double_and_are_capped() {
        let p = policy();
        assert_eq!(p.delay(0, 0.0), Duration::from_secs(1));
        assert_eq!(p.delay(0, 1.0), Duration::from_secs(2));
        assert_eq!(p.delay(1, 0.0), Duration::from_secs(2));
        assert_eq!(p.delay(2, 1.0), Duration::from_secs(8));
        assert_eq!(p.delay(3, 1.0), Duration::from_secs(10));
        assert_eq!(p.delay(40, 1.0), Duration::from_secs(10));
        assert_eq!(p.delay(0, f64::NAN), Duration::from_secs(1));
    }

    #[test]
    fn permanent_and_exhausted_stop() {
        let p = policy();
        assert_eq!(p.next_wait(1, Retry::No, 0.5), None);
        assert_eq!(p.next_wait(4, Retry::Transient, 0.5), None);
        assert_eq!(
            p.next_wait(1, Retry::After(Duration::from_secs(7)), 0.0),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            p.next_wait(1, Retry::After(Duration::from_secs(3600)), 0.0),
            None
        );
    }

    proptest! {
        #[test]
        fn delay_within_bounds(retry in 0u32..100, jitter in proptest::num::f64::ANY) {
            let p = policy();
            let d = p.delay(retry, jitter);
            prop_assert!(d <= p.max);
            prop_assert!(d >= p.base.min(p.max) / 2);
        }
    }
}
