//! When the digest is due: one slot per day at `digest_at` in the monitor's time zone, DST-safe,
//! with a retry interval after a failed attempt. Pure: the caller passes the clock.

use chrono::{DateTime, Duration, LocalResult, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// The `state` tree key under which the digest bookkeeping is kept.
pub const DIGEST_STATE_KEY: &str = "notify.digest";

/// What the scheduler remembers about earlier digests.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct DigestState {
    /// When a digest run last delivered everything it had to deliver.
    pub last_success: Option<DateTime<Utc>>,
    /// When a digest run was last attempted, successful or not.
    pub last_attempt: Option<DateTime<Utc>>,
    /// Whether that last attempt left something undelivered.
    pub last_failed: bool,
    /// Recipients whose digest was delivered in the slot of `last_attempt`, so that a retry
    /// in the same slot does not send them a second empty digest.
    pub reached: Vec<String>,
}

impl DigestState {
    /// The state after a run at `at` that delivered everything (`ok`) or not.
    pub(crate) fn after_run(self, at: DateTime<Utc>, ok: bool) -> DigestState {
        DigestState {
            last_success: if ok { Some(at) } else { self.last_success },
            last_attempt: Some(at),
            last_failed: !ok,
            reached: self.reached,
        }
    }

    /// Recipients already served since `slot` (empty when the last run was before it).
    pub(crate) fn reached_since(&self, slot: DateTime<Utc>) -> &[String] {
        if self.last_attempt.is_some_and(|t| t >= slot) {
            &self.reached
        } else {
            &[]
        }
    }

    /// The state after a run at `at` in the slot starting at `slot` that delivered to
    /// `delivered` and delivered everything (`ok`) or not.
    pub(crate) fn record(
        self,
        at: DateTime<Utc>,
        ok: bool,
        slot: DateTime<Utc>,
        delivered: impl IntoIterator<Item = String>,
    ) -> DigestState {
        let mut reached = self.reached_since(slot).to_vec();
        reached.extend(delivered);
        reached.sort();
        reached.dedup();
        DigestState {
            reached,
            ..self.after_run(at, ok)
        }
    }
}

/// The instant of the digest slot on a local `date`.
///
/// A time inside a spring-forward gap (e.g. 02:30 on the last Sunday of March in Berlin) moves
/// to the first minute after the gap; a time that occurs twice in autumn uses the first
/// occurrence. Either way each local day has exactly one slot.
pub(crate) fn slot_on(date: NaiveDate, at: NaiveTime, tz: Tz) -> DateTime<Utc> {
    let mut local = date.and_time(at);
    // A gap is at most a few hours long; a day bounds the walk for any zone rule.
    for _ in 0..(24 * 60) {
        match tz.from_local_datetime(&local) {
            LocalResult::Single(t) => return t.with_timezone(&Utc),
            LocalResult::Ambiguous(first, _) => return first.with_timezone(&Utc),
            LocalResult::None => local += Duration::minutes(1),
        }
    }
    // Unreachable for real zone data; fall back to reading the time as UTC.
    Utc.from_utc_datetime(&date.and_time(at))
}

/// The most recent slot at or before `now`.
pub(crate) fn latest_slot(now: DateTime<Utc>, at: NaiveTime, tz: Tz) -> DateTime<Utc> {
    let today = now.with_timezone(&tz).date_naive();
    let slot = slot_on(today, at, tz);
    if slot <= now {
        slot
    } else {
        slot_on(today.pred_opt().unwrap_or(today), at, tz)
    }
}

/// The first slot strictly after `now`.
pub(crate) fn next_slot(now: DateTime<Utc>, at: NaiveTime, tz: Tz) -> DateTime<Utc> {
    let today = now.with_timezone(&tz).date_naive();
    let slot = slot_on(today, at, tz);
    if slot > now {
        slot
    } else {
        slot_on(today.succ_opt().unwrap_or(today), at, tz)
    }
}

/// Whether a digest run is due at `now`.
///
/// Due when no run delivered everything since the latest slot, unless a run since that slot
/// failed less than `retry` ago (so a server that is down is not hammered).
pub fn is_due(
    state: &DigestState,
    now: DateTime<Utc>,
    at: NaiveTime,
    tz: Tz,
    retry: Duration,
) -> bool {
    next_due(state, now, at, tz, retry) <= now
}

/// When the next digest run is due: `now` or earlier if it is due already.
pub(crate) fn next_due(
    state: &DigestState,
    now: DateTime<Utc>,
    at: NaiveTime,
    tz: Tz,
    retry: Duration,
) -> DateTime<Utc> {
    let slot = latest_slot(now, at, tz);
    if state.last_success.is_some_and(|t| t >= slot) {
        return next_slot(now, at, tz);
    }
    match state.last_attempt {
        Some(t) if state.last_failed && t >= slot => t + retry,
        _ => slot,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Europe::Berlin;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }
    fn hm(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }
    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn slots_in_winter_summer_and_across_dst() {
        assert_eq!(
            slot_on(day(2026, 1, 15), hm(8, 0), Berlin),
            utc("2026-01-15T07:00:00Z")
        );
        assert_eq!(
            slot_on(day(2026, 7, 15), hm(8, 0), Berlin),
            utc("2026-07-15T06:00:00Z")
        );
        // 2026-03-29 02:00 local jumps to 03:00: 02:30 does not exist.
        assert_eq!(
            slot_on(day(2026, 3, 29), hm(2, 30), Berlin),
            utc("2026-03-29T01:00:00Z")
        );
        // 2026-10-25 03:00 local falls back to 02:00: 02:30 happens twice; the first counts.
        assert_eq!(
            slot_on(day(2026, 10, 25), hm(2, 30), Berlin),
            utc("2026-10-25T00:30:00Z")
        );
    }

    #[test]
    fn due_once_after_the_slot_and_not_again() {
        let retry = Duration::minutes(15);
        let at = hm(8, 0);
        let s = DigestState::default();
        // Never ran: due.
        assert!(is_due(&s, utc("2026-01-15T06:59:00Z"), at, Berlin, retry));
        // Ran at 07:00 local (before the 08:00 slot): due at 08:00 local, not at 07:59.
        let s = s.after_run(utc("2026-01-15T06:00:00Z"), true);
        assert!(!is_due(&s, utc("2026-01-15T06:59:59Z"), at, Berlin, retry));
        assert!(is_due(&s, utc("2026-01-15T07:00:00Z"), at, Berlin, retry));
        let s = s.after_run(utc("2026-01-15T07:00:05Z"), true);
        assert!(!is_due(&s, utc("2026-01-15T18:00:00Z"), at, Berlin, retry));
        assert_eq!(
            next_due(&s, utc("2026-01-15T18:00:00Z"), at, Berlin, retry),
            utc("2026-01-16T07:00:00Z")
        );
    }

    #[test]
    fn a_failed_run_is_retried_after_the_interval() {
        let retry = Duration::minutes(15);
        let at = hm(8, 0);
        let s = DigestState::default()
            .after_run(utc("2026-01-14T07:00:00Z"), true)
            .after_run(utc("2026-01-15T07:00:00Z"), false);
        assert!(!is_due(&s, utc("2026-01-15T07:14:00Z"), at, Berlin, retry));
        assert!(is_due(&s, utc("2026-01-15T07:15:00Z"), at, Berlin, retry));
        assert_eq!(
            next_due(&s, utc("2026-01-15T07:01:00Z"), at, Berlin, retry),
            utc("2026-01-15T07:15:00Z")
        );
        // A failure before today's slot does not delay today's slot.
        let s = DigestState::default().after_run(utc("2026-01-15T06:55:00Z"), false);
        assert!(is_due(&s, utc("2026-01-15T07:00:00Z"), at, Berlin, retry));
    }

    #[test]
    fn recipients_reached_are_remembered_within_a_slot_only() {
        let slot1 = utc("2026-01-15T07:00:00Z");
        let s = DigestState::default().record(
            utc("2026-01-15T07:00:00Z"),
            false,
            slot1,
            ["a@x.de".to_string()],
        );
        assert_eq!(s.reached_since(slot1), ["a@x.de".to_string()]);
        let s = s.record(
            utc("2026-01-15T07:15:00Z"),
            true,
            slot1,
            ["b@x.de".to_string()],
        );
        assert_eq!(s.reached_since(slot1).len(), 2);
        let slot2 = utc("2026-01-16T07:00:00Z");
        assert!(s.reached_since(slot2).is_empty());
        let s = s.record(slot2, true, slot2, []);
        assert!(s.reached.is_empty());
    }

    #[test]
    fn exactly_one_digest_per_local_day_across_both_dst_changes() {
        for at in [hm(2, 30), hm(8, 0), hm(0, 0), hm(23, 59)] {
            let mut s = DigestState::default().after_run(utc("2026-03-25T23:00:00Z"), true);
            let mut sent: Vec<NaiveDate> = Vec::new();
            let mut now = utc("2026-03-26T00:00:00Z");
            let end = utc("2026-11-01T00:00:00Z");
            while now < end {
                if is_due(&s, now, at, Berlin, Duration::minutes(15)) {
                    sent.push(now.with_timezone(&Berlin).date_naive());
                    s = s.after_run(now, true);
                }
                now += Duration::minutes(5);
            }
            for pair in sent.windows(2) {
                assert_eq!(
                    pair[1],
                    pair[0].succ_opt().unwrap(),
                    "{at}: digest days must follow each other without gaps or repeats"
                );
            }
            let days = (day(2026, 11, 1) - day(2026, 3, 26)).num_days() as usize;
            assert!(
                sent.len() + 1 >= days,
                "{at}: {} digests for {days} days",
                sent.len()
            );
        }
    }
}
