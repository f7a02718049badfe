//! The schedule: which run is due when, in the configured time zone, and which counterparties a
//! run covers. Pure: the caller supplies "now" and the persisted time of the last run.
//!
//! Daylight saving: a run time that falls into the spring-forward gap (02:30 on the last Sunday
//! of March in Berlin) runs at the first minute that exists after it (03:00); a run time that
//! happens twice in the autumn fold runs once, at its first occurrence.

use crate::domain::{Counterparty, Frequency, Priority};
use crate::monitor::settings::MonitorConfig;
use chrono::{DateTime, Duration, LocalResult, Months, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// How far back a missed run is still made up for; older ones collapse into one run anyway.
const MAX_CATCH_UP_DAYS: i64 = 40;

/// Tolerance for weekly and monthly counterparties: a check that ran a few hours late last time
/// still makes this week's run due.
const SLACK: Duration = Duration::hours(12);

/// One scheduled run time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Slot {
    /// When it is due.
    pub at: DateTime<Utc>,
    /// A regular run (`run_at`): every monitored counterparty by its frequency.
    pub(crate) regular: bool,
    /// A high-priority run (`high_priority_run_at`): high-priority counterparties.
    pub(crate) high: bool,
}

/// The configured run times in their time zone.
#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    tz: Tz,
    run_at: Vec<NaiveTime>,
    high_at: Vec<NaiveTime>,
}

impl Schedule {
    /// A schedule from explicit times.
    pub fn new(tz: Tz, run_at: Vec<NaiveTime>, high_at: Vec<NaiveTime>) -> Schedule {
        Schedule {
            tz,
            run_at,
            high_at,
        }
    }

    /// The schedule `[monitor]` configures.
    pub fn from_config(c: &MonitorConfig) -> Schedule {
        Schedule::new(
            c.timezone.0,
            c.run_at.iter().map(|t| t.0).collect(),
            c.high_priority_run_at.iter().map(|t| t.0).collect(),
        )
    }

    /// The instant of a local date and time: gaps move forward to the first existing minute,
    /// folds take the earlier instant.
    pub(crate) fn resolve(&self, date: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
        let naive = date.and_time(time);
        // Gaps are at most a few hours in every zone; step minute by minute past them.
        for minutes in 0..=(24 * 60) {
            let candidate = naive + Duration::minutes(minutes);
            match self.tz.from_local_datetime(&candidate) {
                LocalResult::Single(t) => return t.with_timezone(&Utc),
                LocalResult::Ambiguous(early, _) => return early.with_timezone(&Utc),
                LocalResult::None => continue,
            }
        }
        // Unreachable for real zones; fall back to reading the wall time as UTC.
        naive.and_utc()
    }

    /// All slots of one local date, in time order, with coinciding instants merged.
    pub(crate) fn slots_on(&self, date: NaiveDate) -> Vec<Slot> {
        let mut slots: Vec<Slot> = Vec::new();
        let times = self
            .run_at
            .iter()
            .map(|t| (*t, true))
            .chain(self.high_at.iter().map(|t| (*t, false)));
        for (t, regular) in times {
            let at = self.resolve(date, t);
            match slots.iter_mut().find(|s| s.at == at) {
                Some(s) => {
                    s.regular |= regular;
                    s.high |= !regular;
                }
                None => slots.push(Slot {
                    at,
                    regular,
                    high: !regular,
                }),
            }
        }
        slots.sort_by_key(|s| s.at);
        slots
    }

    fn local_date(&self, t: DateTime<Utc>) -> NaiveDate {
        t.with_timezone(&self.tz).date_naive()
    }

    /// The first slot strictly after `t`, or None when no run time is configured.
    pub fn next_after(&self, t: DateTime<Utc>) -> Option<Slot> {
        let day = self.local_date(t);
        (-1..=2)
            .filter_map(|d| day.checked_add_signed(Duration::days(d)))
            .flat_map(|d| self.slots_on(d))
            .find(|s| s.at > t)
    }

    /// What is due at `now` when the last run was for `last`: the latest regular and the latest
    /// high-priority slot in `(last, now]`, so that any number of missed slots make up one run.
    /// None when nothing is due or when there was no earlier run (a fresh installation waits
    /// for its first slot).
    pub(crate) fn due(&self, last: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Option<Due> {
        let last = last?.max(now - Duration::days(MAX_CATCH_UP_DAYS));
        let due = self.latest_in(last, now);
        (due.regular.is_some() || due.high.is_some()).then_some(due)
    }

    /// The latest slots at or before `now` (looking back two days): what a manual
    /// `monitor run` catches up on.
    pub(crate) fn current(&self, now: DateTime<Utc>) -> Due {
        self.latest_in(now - Duration::days(2), now)
    }

    fn latest_in(&self, after: DateTime<Utc>, upto: DateTime<Utc>) -> Due {
        let mut due = Due::default();
        let (Some(mut day), Some(end)) = (
            self.local_date(after).pred_opt(),
            self.local_date(upto).succ_opt(),
        ) else {
            return due;
        };
        while day <= end {
            for s in self.slots_on(day) {
                if s.at > after && s.at <= upto {
                    if s.regular {
                        due.regular = Some(s.at);
                    }
                    if s.high {
                        due.high = Some(s.at);
                    }
                }
            }
            let Some(next) = day.succ_opt() else { break };
            day = next;
        }
        due
    }

    /// Whether a counterparty is due, given when it was last checked.
    pub(crate) fn is_due(
        &self,
        cp: &Counterparty,
        due: &Due,
        last_checked: Option<DateTime<Utc>>,
    ) -> bool {
        if !cp.monitor {
            return false;
        }
        if let Some(h) = due.high
            && cp.priority == Priority::High
            && last_checked.is_none_or(|l| l < h)
        {
            return true;
        }
        let Some(r) = due.regular else {
            return false;
        };
        let Some(last) = last_checked else {
            return true;
        };
        // Already checked at or after this slot (a resumed cycle, or a manual check).
        if last >= r {
            return false;
        }
        match cp.frequency {
            Frequency::Daily => true,
            Frequency::Weekly => last + Duration::days(7) - SLACK <= r,
            Frequency::Monthly => {
                let local = last.with_timezone(&self.tz).naive_local();
                let next = local
                    .checked_add_months(Months::new(1))
                    .map(|n| self.resolve(n.date(), n.time()))
                    .unwrap_or(last + Duration::days(30));
                next - SLACK <= r
            }
        }
    }
}

/// The slots a run covers: the latest regular and the latest high-priority slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub(crate) struct Due {
    /// The regular slot, if one is covered.
    pub(crate) regular: Option<DateTime<Utc>>,
    /// The high-priority slot, if one is covered.
    pub(crate) high: Option<DateTime<Utc>>,
}

impl Due {
    /// The later of the two slots: the mark to persist as "last run".
    pub(crate) fn at(&self) -> Option<DateTime<Utc>> {
        self.regular.max(self.high)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::CounterpartyDraft;

    fn t(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
    }

    fn berlin(run: &[(u32, u32)], high: &[(u32, u32)]) -> Schedule {
        Schedule::new(
            chrono_tz::Europe::Berlin,
            run.iter().map(|(h, m)| t(*h, *m)).collect(),
            high.iter().map(|(h, m)| t(*h, *m)).collect(),
        )
    }

    fn cp(freq: Frequency, priority: Priority) -> Counterparty {
        let mut c = CounterpartyDraft {
            name: Some("A".into()),
            country: Some("DE".into()),
            monitor: Some(true),
            ..Default::default()
        }
        .apply(None, utc(2026, 1, 1, 0, 0))
        .unwrap();
        c.frequency = freq;
        c.priority = priority;
        c
    }

    #[test]
    fn next_slots_across_dst_changes() {
        let s = berlin(&[(2, 30)], &[(14, 0)]);
        // (after, expected next slot in UTC, regular?)
        let table = [
            // Winter: 02:30 CET is 01:30 UTC.
            (utc(2026, 3, 27, 12, 0), utc(2026, 3, 27, 13, 0), false),
            (utc(2026, 3, 27, 13, 0), utc(2026, 3, 28, 1, 30), true),
            // 29 March 2026: 02:30 does not exist; it runs at 03:00 CEST = 01:00 UTC.
            (utc(2026, 3, 28, 13, 0), utc(2026, 3, 29, 1, 0), true),
            // Summer: 14:00 CEST is 12:00 UTC, 02:30 CEST is 00:30 UTC.
            (utc(2026, 3, 29, 1, 0), utc(2026, 3, 29, 12, 0), false),
            (utc(2026, 3, 29, 12, 0), utc(2026, 3, 30, 0, 30), true),
            // 25 October 2026: 02:30 happens twice; it runs once, at the first (00:30 UTC).
            (utc(2026, 10, 24, 12, 0), utc(2026, 10, 25, 0, 30), true),
            (utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 13, 0), false),
            (utc(2026, 10, 25, 13, 0), utc(2026, 10, 26, 1, 30), true),
        ];
        for (after, expected, regular) in table {
            let next = s.next_after(after).unwrap();
            assert_eq!(
                (next.at, next.regular),
                (expected, regular),
                "after {after}"
            );
        }
        assert_eq!(berlin(&[], &[]).next_after(utc(2026, 1, 1, 0, 0)), None);
    }

    #[test]
    fn gap_resolves_forward_and_fold_to_the_first() {
        let s = berlin(&[], &[]);
        let spring = NaiveDate::from_ymd_opt(2026, 3, 29).unwrap();
        assert_eq!(s.resolve(spring, t(2, 0)), utc(2026, 3, 29, 1, 0));
        assert_eq!(s.resolve(spring, t(2, 59)), utc(2026, 3, 29, 1, 0));
        assert_eq!(s.resolve(spring, t(3, 0)), utc(2026, 3, 29, 1, 0));
        let autumn = NaiveDate::from_ymd_opt(2026, 10, 25).unwrap();
        assert_eq!(s.resolve(autumn, t(2, 30)), utc(2026, 10, 25, 0, 30));
        // 02:30 and 03:00 on the spring day are one instant: one slot, not two.
        let both = berlin(&[(2, 30), (3, 0)], &[]);
        assert_eq!(both.slots_on(spring).len(), 1);
    }

    #[test]
    fn missed_runs_are_made_up_once_right_after_start() {
        let s = berlin(&[(2, 0)], &[(14, 0)]);
        // Down from Friday 10:00 to Sunday 09:00: Saturday's and Sunday's 02:00 runs and
        // Saturday's 14:00 run were missed; one run makes up for all of them.
        let last = utc(2026, 6, 5, 8, 0);
        let now = utc(2026, 6, 7, 7, 0);
        let due = s.due(Some(last), now).unwrap();
        assert_eq!(due.regular, Some(utc(2026, 6, 7, 0, 0)));
        assert_eq!(due.high, Some(utc(2026, 6, 6, 12, 0)));
        assert_eq!(due.at(), Some(utc(2026, 6, 7, 0, 0)));
        // After that run nothing more is due until the next slot.
        let mark = due.at().unwrap();
        assert_eq!(s.due(Some(mark), now), None);
        assert_eq!(
            s.due(Some(mark), utc(2026, 6, 7, 12, 0)),
            Some(Due {
                regular: None,
                high: Some(utc(2026, 6, 7, 12, 0))
            })
        );
        // A fresh installation waits for its first slot.
        assert_eq!(s.due(None, now), None);
        // Years of downtime still make up one run, not thousands.
        let d = s.due(Some(utc(2020, 1, 1, 0, 0)), now).unwrap();
        assert_eq!(d.regular, Some(utc(2026, 6, 7, 0, 0)));
        // A manual run catches up on the latest slots.
        assert_eq!(
            s.current(utc(2026, 6, 7, 13, 0)),
            Due {
                regular: Some(utc(2026, 6, 7, 0, 0)),
                high: Some(utc(2026, 6, 7, 12, 0))
            }
        );
    }

    #[test]
    fn counterparties_due_by_frequency_and_priority() {
        let s = berlin(&[(2, 0)], &[(14, 0)]);
        let at = utc(2026, 6, 10, 0, 0);
        let regular = Due {
            regular: Some(at),
            high: None,
        };
        let high = Due {
            regular: None,
            high: Some(utc(2026, 6, 10, 12, 0)),
        };
        let day = Duration::days(1);
        let checked = |d: Duration| Some(at - d + Duration::minutes(5));
        use Frequency::*;
        use Priority::*;
        let table = [
            (Daily, Normal, &regular, checked(day), true),
            (Daily, Normal, &regular, None, true),
            (
                Daily,
                Normal,
                &regular,
                Some(at + Duration::minutes(1)),
                false,
            ),
            (Daily, Normal, &high, checked(day), false),
            (Daily, High, &high, Some(at + Duration::minutes(3)), true),
            (Daily, High, &high, None, true),
            (Weekly, Normal, &regular, checked(day * 6), false),
            (Weekly, Normal, &regular, checked(day * 7), true),
            (Weekly, High, &regular, checked(day), false),
            (Monthly, Normal, &regular, checked(day * 20), false),
            (Monthly, Normal, &regular, checked(day * 31), true),
        ];
        for (i, (f, p, slot, last, expected)) in table.into_iter().enumerate() {
            assert_eq!(s.is_due(&cp(f, p), slot, last), expected, "row {i}");
        }
        let mut off = cp(Daily, High);
        off.monitor = false;
        assert!(!s.is_due(&off, &regular, None));
    }
}
