//! Typed configuration values every config section shares: bounded numbers and durations,
//! time zones, times of day and the language. A leaf: it depends on nothing else in the crate,
//! so each subsystem can own its own config section without depending on the others.
//!
//! Every value is checked when the config is read, so an error names the key and the line.

use serde::{Deserialize, Deserializer};
use std::time::Duration;

/// Defines a whole-number newtype that must lie in `LO..=HI`, with the unit named in its error.
macro_rules! bounded {
    ($(#[$doc:meta])* $name:ident, $int:ty, $unit:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
        pub struct $name<const LO: $int, const HI: $int>(pub $int);

        impl<'de, const LO: $int, const HI: $int> Deserialize<'de> for $name<LO, HI> {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let v = i64::deserialize(d)?;
                <$int>::try_from(v)
                    .ok()
                    .filter(|n| (LO..=HI).contains(n))
                    .map($name)
                    .ok_or_else(|| {
                        serde::de::Error::custom(format!(
                            "{v}{} is out of range: use a whole number from {LO} to {HI}",
                            $unit
                        ))
                    })
            }
        }

        impl<const LO: $int, const HI: $int> $name<LO, HI> {
            /// The number as written.
            pub fn get(self) -> $int {
                self.0
            }
        }
    };
}

bounded!(
    /// A count that must lie in `LO..=HI`.
    Within,
    u32,
    ""
);
bounded!(
    /// Whole seconds in `LO..=HI`.
    Seconds,
    u64,
    " seconds"
);
bounded!(
    /// Milliseconds in `LO..=HI`.
    Millis,
    u64,
    " ms"
);
bounded!(
    /// Whole hours in `LO..=HI`.
    Hours,
    u32,
    " hours"
);

impl<const LO: u64, const HI: u64> Seconds<LO, HI> {
    /// As a duration.
    pub fn duration(self) -> Duration {
        Duration::from_secs(self.0)
    }
}

impl<const LO: u64, const HI: u64> Millis<LO, HI> {
    /// As a duration.
    pub fn duration(self) -> Duration {
        Duration::from_millis(self.0)
    }
}

/// Languages Kontra writes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Language {
    /// German (default: most users are German analysts).
    #[default]
    De,
    /// English.
    En,
}

impl Language {
    /// `de` or `en`.
    pub fn as_str(self) -> &'static str {
        match self {
            Language::De => "de",
            Language::En => "en",
        }
    }
}

impl<'de> Deserialize<'de> for Language {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        match s.to_ascii_lowercase().as_str() {
            "de" => Ok(Language::De),
            "en" => Ok(Language::En),
            other => Err(serde::de::Error::custom(format!(
                "language \"{other}\" is not supported; use \"de\" or \"en\""
            ))),
        }
    }
}

/// An IANA time zone name, checked when the config is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeZone(pub chrono_tz::Tz);

impl<'de> Deserialize<'de> for TimeZone {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse::<chrono_tz::Tz>().map(TimeZone).map_err(|_| {
            serde::de::Error::custom(format!(
                "\"{s}\" is not an IANA time zone (e.g. \"Europe/Berlin\")"
            ))
        })
    }
}

/// A time of day written `HH:MM`, checked when the config is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct TimeOfDay(pub chrono::NaiveTime);

impl<'de> Deserialize<'de> for TimeOfDay {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        chrono::NaiveTime::parse_from_str(s.trim(), "%H:%M")
            .map(TimeOfDay)
            .map_err(|_| {
                serde::de::Error::custom(format!(
                    "\"{s}\" is not a time of day (HH:MM, e.g. \"02:00\")"
                ))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    struct T {
        n: Seconds<1, 3600>,
    }

    #[test]
    fn bounded_values_name_their_range_and_unit() {
        let ok: T = toml::from_str("n = 120").unwrap();
        assert_eq!(ok.n.duration(), Duration::from_secs(120));
        let e = toml::from_str::<T>("n = 0").unwrap_err().to_string();
        assert!(
            e.contains("0 seconds is out of range: use a whole number from 1 to 3600"),
            "{e}"
        );
        let e = toml::from_str::<T>("n = -5").unwrap_err().to_string();
        assert!(e.contains("-5 seconds is out of range"), "{e}");
    }
}
