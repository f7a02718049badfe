//! `[register]`: what a new counterparty gets when whoever adds it does not say.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::domain::counterparty::FieldError;
use crate::domain::{Counterparty, CounterpartyDraft};

/// `[register]` in the config.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct RegisterConfig {
    /// Whether a new counterparty is monitored when its form, `kontra add` or its CSV row does
    /// not say (default true: a partner nobody watches is the risk the tool exists for).
    pub monitor_new: bool,
}

impl Default for RegisterConfig {
    fn default() -> Self {
        RegisterConfig { monitor_new: true }
    }
}

impl RegisterConfig {
    /// The counterparty `draft` creates, with this register's defaults where it is silent.
    /// The one place new counterparties get their defaults: the form, `add` and each CSV row.
    pub fn new_counterparty(
        &self,
        draft: &CounterpartyDraft,
        now: DateTime<Utc>,
    ) -> Result<Counterparty, Vec<FieldError>> {
        let mut cp = draft.apply(None, now)?;
        if draft.monitor.is_none() {
            cp.monitor = self.monitor_new;
        }
        Ok(cp)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: panics are failures

    use super::*;

    fn draft(monitor: Option<bool>) -> CounterpartyDraft {
        CounterpartyDraft {
            name: Some("Alpha GmbH".into()),
            country: Some("DE".into()),
            monitor,
            ..Default::default()
        }
    }

    #[test]
    fn a_silent_draft_gets_the_register_default_and_a_stated_choice_wins() {
        let on = RegisterConfig::default();
        let off = RegisterConfig { monitor_new: false };
        let now = Utc::now();
        assert!(on.new_counterparty(&draft(None), now).unwrap().monitor);
        assert!(!off.new_counterparty(&draft(None), now).unwrap().monitor);
        assert!(
            !on.new_counterparty(&draft(Some(false)), now)
                .unwrap()
                .monitor
        );
        assert!(
            off.new_counterparty(&draft(Some(true)), now)
                .unwrap()
                .monitor
        );
    }
}
