//! How a time is written for a person: in the configured zone with its abbreviation
//! ("2026-03-14 10:30 CET"). One home, so the UI, the CLI's text output, mail and webhooks
//! show one clock; JSON output keeps RFC 3339 with its offset and does not come through here.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;

use crate::values::Language;

/// Date, hours and minutes in `tz` with the zone's abbreviation: `2026-03-14 10:30 CET`.
pub fn minutes(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz).format("%Y-%m-%d %H:%M %Z").to_string()
}

/// The most of [`minutes`] that fits in `width` characters: the full form, then without the
/// year (`03-14 10:30 CET`), then without the zone, then the time alone — a narrow card drops
/// the year before it cuts the zone's abbreviation.
pub fn fitting(t: DateTime<Utc>, tz: Tz, width: usize) -> String {
    let local = t.with_timezone(&tz);
    [
        "%Y-%m-%d %H:%M %Z",
        "%m-%d %H:%M %Z",
        "%m-%d %H:%M",
        "%H:%M",
    ]
    .iter()
    .map(|f| local.format(f).to_string())
    .find(|s| s.chars().count() <= width)
    .unwrap_or_else(|| local.format("%H:%M").to_string())
}

/// Like [`minutes`] with seconds: `2026-03-14 10:30:05 CET` (history lines).
pub fn seconds(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz)
        .format("%Y-%m-%d %H:%M:%S %Z")
        .to_string()
}

/// Like [`minutes`], with the date written the way the language expects (mail and webhooks):
/// `14.03.2026 10:30 CET` in German.
pub fn in_language(t: DateTime<Utc>, tz: Tz, l: Language) -> String {
    match l {
        Language::De => t.with_timezone(&tz).format("%d.%m.%Y %H:%M %Z").to_string(),
        Language::En => minutes(t, tz),
    }
}

/// A time a registry wrote in its answer (RFC 3339, in its own zone: UTC for VIES, +02:00 for
/// the BZSt), as [`seconds`] in `tz`, so the evidence reads on the same clock as the rest; text
/// that is not RFC 3339 is shown as the registry sent it (evidence is never dropped).
pub fn registry(raw: &str, tz: Tz) -> String {
    DateTime::parse_from_rfc3339(raw.trim())
        .map(|t| seconds(t.with_timezone(&Utc), tz))
        .unwrap_or_else(|_| raw.to_string())
}

/// How many days before `now`'s day `t`'s day is, both taken in `tz` (0 = the same day), so a
/// run at 00:30 CET counts on the local day it happened, not on the UTC day before.
pub fn days_ago(now: DateTime<Utc>, t: DateTime<Utc>, tz: Tz) -> i64 {
    (now.with_timezone(&tz).date_naive() - t.with_timezone(&tz).date_naive()).num_days()
}

/// Parses a date as a person types it: `2026-03-14` or `14.03.2026`.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(s, "%d.%m.%Y"))
        .ok()
}

/// Whole days in the configured zone, both ends included: `since` from its midnight, `until` to
/// the next midnight (so `--until 2026-03-14` keeps everything of the 14th).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DayRange {
    /// First day, if bounded.
    pub since: Option<NaiveDate>,
    /// Last day, if bounded.
    pub until: Option<NaiveDate>,
}

/// The instant a day begins in `tz` (the first valid local time where DST skips midnight).
fn day_start(d: NaiveDate, tz: Tz) -> DateTime<Utc> {
    let mut t = d.and_time(chrono::NaiveTime::MIN);
    for _ in 0..4 {
        if let Some(x) = tz.from_local_datetime(&t).earliest() {
            return x.with_timezone(&Utc);
        }
        t += chrono::Duration::hours(1);
    }
    t.and_utc()
}

impl DayRange {
    /// Whether the range is unbounded on both sides.
    pub fn is_all(&self) -> bool {
        self.since.is_none() && self.until.is_none()
    }

    /// The instants the range spans in `tz`: from the start of its first day (inclusive) to
    /// the start of the day after its last (exclusive); `None` where it is unbounded.
    pub fn instants(&self, tz: Tz) -> (Option<DateTime<Utc>>, Option<DateTime<Utc>>) {
        (
            self.since.map(|d| day_start(d, tz)),
            self.until
                .and_then(|d| d.succ_opt())
                .map(|d| day_start(d, tz)),
        )
    }

    /// Whether `t` falls on one of the range's days in `tz`.
    pub fn contains(&self, t: DateTime<Utc>, tz: Tz) -> bool {
        let (from, before) = self.instants(tz);
        from.is_none_or(|f| t >= f) && before.is_none_or(|b| t < b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use chrono_tz::Europe::Berlin;

    #[test]
    fn a_narrow_place_drops_the_year_before_the_zone() {
        let t = Utc.with_ymd_and_hms(2026, 7, 15, 17, 2, 48).unwrap();
        assert_eq!(fitting(t, Berlin, 30), "2026-07-15 19:02 CEST");
        assert_eq!(fitting(t, Berlin, 16), "07-15 19:02 CEST");
        assert_eq!(fitting(t, Berlin, 12), "07-15 19:02");
        assert_eq!(fitting(t, Berlin, 3), "19:02");
    }

    #[test]
    fn winter_and_summer_carry_their_abbreviation() {
        let winter = Utc.with_ymd_and_hms(2026, 1, 15, 17, 2, 48).unwrap();
        let summer = Utc.with_ymd_and_hms(2026, 7, 15, 17, 2, 48).unwrap();
        assert_eq!(minutes(winter, Berlin), "2026-01-15 18:02 CET");
        assert_eq!(seconds(summer, Berlin), "2026-07-15 19:02:48 CEST");
        assert_eq!(minutes(winter, chrono_tz::UTC), "2026-01-15 17:02 UTC");
        assert_eq!(
            in_language(winter, Berlin, Language::De),
            "15.01.2026 18:02 CET"
        );
    }

    #[test]
    fn registry_times_are_read_on_the_configured_clock() {
        // VIES answers in UTC, the BZSt with its own offset: both read as Berlin time.
        assert_eq!(
            registry("2025-03-11T01:14:02Z", Berlin),
            "2025-03-11 02:14:02 CET"
        );
        assert_eq!(
            registry("2025-09-22T18:33:04.564553064+02:00", Berlin),
            "2025-09-22 18:33:04 CEST"
        );
        assert_eq!(registry("2025-03-11+01:00", Berlin), "2025-03-11+01:00");
    }

    #[test]
    fn days_ago_counts_local_days() {
        let now = Utc.with_ymd_and_hms(2026, 3, 14, 10, 0, 0).unwrap();
        // 23:30 UTC on the 13th is 00:30 CET on the 14th: today in Berlin, yesterday in UTC.
        let t = Utc.with_ymd_and_hms(2026, 3, 13, 23, 30, 0).unwrap();
        assert_eq!(days_ago(now, t, Berlin), 0);
        assert_eq!(days_ago(now, t, chrono_tz::UTC), 1);
    }

    #[test]
    fn day_ranges_are_whole_local_days() {
        let r = DayRange {
            since: parse_date("2026-03-14"),
            until: parse_date("15.03.2026"),
        };
        // Midnight in Berlin (CET, UTC+1) is 23:00 UTC the day before.
        let at = |d, h, m| Utc.with_ymd_and_hms(2026, 3, d, h, m, 0).unwrap();
        assert!(!r.contains(at(13, 22, 59), Berlin));
        assert!(r.contains(at(13, 23, 0), Berlin));
        assert!(r.contains(at(15, 22, 59), Berlin));
        assert!(!r.contains(at(15, 23, 0), Berlin));
        assert!(DayRange::default().contains(at(1, 0, 0), Berlin));
        assert_eq!(parse_date("14/03/2026"), None);
    }
}
