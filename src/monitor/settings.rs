//! The monitor's config section (`[monitor]`: when it runs, how many at once, the change
//! thresholds) and the rules derived from it.

use crate::domain::changes::ChangeRules;
use crate::values::{TimeOfDay, TimeZone, Within};
use serde::Deserialize;

/// When the monitor runs.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct MonitorConfig {
    /// Time zone of every configured time of day (run times, digest hour).
    pub(crate) timezone: TimeZone,
    /// Times of day of the regular runs.
    pub(crate) run_at: Vec<TimeOfDay>,
    /// Extra times of day at which high-priority counterparties run.
    pub(crate) high_priority_run_at: Vec<TimeOfDay>,
    /// How many counterparties a cycle asks the registries about at the same time (sources keep
    /// their own budgets).
    pub concurrency: Within<1, 256>,
    /// Consecutive definite INVALID answers before `vat_invalid` is raised.
    pub(crate) vat_invalid_after: Within<1, 10>,
    /// Days without any answer from a source before `source_unverifiable` is raised.
    pub(crate) unverifiable_after_days: Within<1, 90>,
    /// Days between Handelsregister look-ups of one counterparty (its budget is 60 an hour).
    pub(crate) register_every_days: Within<1, 365>,
}

impl Default for MonitorConfig {
    fn default() -> Self {
        MonitorConfig {
            timezone: TimeZone(chrono_tz::Europe::Berlin),
            run_at: vec![TimeOfDay(
                chrono::NaiveTime::MIN + chrono::Duration::hours(2),
            )],
            high_priority_run_at: vec![TimeOfDay(
                chrono::NaiveTime::MIN + chrono::Duration::hours(14),
            )],
            concurrency: Within(8),
            vat_invalid_after: Within(2),
            unverifiable_after_days: Within(3),
            register_every_days: Within(7),
        }
    }
}

/// The change-detection thresholds the config sets.
pub(crate) fn change_rules(c: &MonitorConfig) -> ChangeRules {
    ChangeRules {
        vat_invalid_after: c.vat_invalid_after.get(),
        unverifiable_after: chrono::Duration::days(i64::from(c.unverifiable_after_days.get())),
    }
}
