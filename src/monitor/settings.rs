//! Checked numeric settings of the monitor (`[monitor]` in the config) and the derived rules.

use crate::config::MonitorConfig;
use crate::domain::changes::ChangeRules;
use serde::{Deserialize, Deserializer};

/// A whole number that must lie in `LO..=HI`; checked when the config is read, so the error
/// names the key and line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Within<const LO: u32, const HI: u32>(pub u32);

impl<'de, const LO: u32, const HI: u32> Deserialize<'de> for Within<LO, HI> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = i64::deserialize(d)?;
        if v < i64::from(LO) || v > i64::from(HI) {
            return Err(serde::de::Error::custom(format!(
                "{v} is out of range: use a whole number from {LO} to {HI}"
            )));
        }
        Ok(Within(v as u32))
    }
}

impl<const LO: u32, const HI: u32> Within<LO, HI> {
    /// The value.
    pub fn get(self) -> u32 {
        self.0
    }
}

/// The change-detection thresholds the config sets.
pub fn change_rules(c: &MonitorConfig) -> ChangeRules {
    ChangeRules {
        vat_invalid_after: c.vat_invalid_after.get(),
        unverifiable_after: chrono::Duration::days(i64::from(c.unverifiable_after_days.get())),
    }
}
