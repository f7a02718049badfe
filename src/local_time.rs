//! How a time is written for a person: in the configured zone with its abbreviation
//! ("2026-03-14 10:30 CET"). One home, so the UI, the CLI's text output, mail and webhooks
//! show one clock; JSON output keeps RFC 3339 with its offset and does not come through here.

use chrono::{DateTime, Utc};
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
}
