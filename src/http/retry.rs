//! The one retry policy: exponential backoff with equal jitter, a server's `Retry-After` honoured
//! up to the longest wait, and the loop that runs attempts until one is final. Sleeps use tokio
//! time, so tests run on paused time.

use chrono::{DateTime, NaiveDateTime, Utc};
use std::future::Future;
use std::time::Duration;

/// Whether a failed attempt is worth repeating.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    /// An answer, or a failure that repeating cannot fix.
    No,
    /// A transient failure: try again after the backoff.
    Transient,
    /// A transient failure with the server's own `Retry-After`.
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
            // A server that asks for more patience than we have is not asked again now.
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

/// The `Retry-After` of a response's headers, as a wait from now.
pub fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let value = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?;
    parse_retry_after(value, Utc::now())
}

/// A `Retry-After` value as a wait from `now`: delay seconds, or an HTTP-date (IMF-fixdate, and
/// the obsolete RFC 850 and asctime forms RFC 9110 asks recipients to accept); a date in the past
/// is no wait. None when the value is neither.
pub fn parse_retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = DateTime::parse_from_rfc2822(value)
        .map(|t| t.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            ["%A, %d-%b-%y %H:%M:%S GMT", "%a %b %e %H:%M:%S %Y"]
                .iter()
                .find_map(|f| NaiveDateTime::parse_from_str(value, f).ok())
                .map(|t| t.and_utc())
        })?;
    Some((at - now).to_std().unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
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

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        let now = Utc.with_ymd_and_hms(1994, 11, 6, 8, 49, 0).unwrap();
        let secs = |v| parse_retry_after(v, now).map(|d| d.as_secs());
        assert_eq!(secs(" 120 "), Some(120));
        assert_eq!(secs("Sun, 06 Nov 1994 08:49:37 GMT"), Some(37));
        assert_eq!(secs("Sunday, 06-Nov-94 08:49:37 GMT"), Some(37));
        assert_eq!(secs("Sun Nov  6 08:49:37 1994"), Some(37));
        assert_eq!(secs("Sun, 06 Nov 1994 08:00:00 GMT"), Some(0));
        assert_eq!(secs("soon"), None);
        assert_eq!(secs("-5"), None);
    }

    #[tokio::test(start_paused = true)]
    async fn loop_waits_the_backoff_and_stops_at_the_limit() {
        #[derive(Debug, PartialEq)]
        struct Verdict(Retry);
        impl Retryable for Verdict {
            fn retry(&self) -> Retry {
                self.0
            }
        }
        let start = tokio::time::Instant::now();
        let mut seen = Vec::new();
        let (last, n) = with_retry(&policy(), |_| {
            seen.push(start.elapsed());
            async { Verdict(Retry::Transient) }
        })
        .await;
        assert_eq!((last, n), (Verdict(Retry::Transient), 4));
        // Waits of [1, 2], [2, 4] and [4, 8] seconds: half fixed, half jitter.
        let waits: Vec<Duration> = seen.windows(2).map(|w| w[1] - w[0]).collect();
        for (wait, full) in waits.iter().zip([2u64, 4, 8]) {
            let full = Duration::from_secs(full);
            assert!(*wait >= full / 2 && *wait <= full, "{waits:?}");
        }

        let again = tokio::time::Instant::now();
        let (last, n) = with_retry(&policy(), |n| async move {
            Verdict(if n < 3 {
                Retry::After(Duration::from_secs(5))
            } else {
                Retry::No
            })
        })
        .await;
        assert_eq!((last, n), (Verdict(Retry::No), 3));
        // The server's 5 s are longer than the backoff of the first two retries.
        assert_eq!(again.elapsed(), Duration::from_secs(10));
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
