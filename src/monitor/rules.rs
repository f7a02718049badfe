//! Alert rules per analyst: severity overrides and muted kinds, from `[alert_rules.<owner>]`.

use crate::domain::changes::AlertDraft;
use crate::domain::{AlertKind, Severity};
use serde::Deserialize;
use std::collections::BTreeMap;

/// The owner name whose rules apply to everyone without rules of their own.
pub(crate) const EVERYONE: &str = "*";

/// One analyst's rules.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct OwnerRules {
    /// Kinds this analyst never wants raised.
    pub muted: Vec<AlertKind>,
    /// Severity per kind, replacing the default.
    pub severity: BTreeMap<AlertKind, Severity>,
}

/// Rules per owner (matched case-insensitively), with `"*"` for everyone else.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AlertRules {
    by_owner: BTreeMap<String, OwnerRules>,
}

impl<'de> Deserialize<'de> for AlertRules {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = BTreeMap::<String, OwnerRules>::deserialize(d)?;
        let mut by_owner = BTreeMap::new();
        for (owner, rules) in raw {
            let key = owner.trim().to_lowercase();
            if key.is_empty() {
                return Err(serde::de::Error::custom("an owner name must not be empty"));
            }
            if by_owner.insert(key, rules).is_some() {
                return Err(serde::de::Error::custom(format!(
                    "rules for owner \"{owner}\" are given twice (names are case-insensitive)"
                )));
            }
        }
        Ok(AlertRules { by_owner })
    }
}

impl AlertRules {
    /// Rules from a map of owner name to rules.
    pub fn new(rules: impl IntoIterator<Item = (String, OwnerRules)>) -> AlertRules {
        AlertRules {
            by_owner: rules
                .into_iter()
                .map(|(k, v)| (k.trim().to_lowercase(), v))
                .collect(),
        }
    }

    /// The rules that apply to a counterparty's owner.
    pub(crate) fn for_owner(&self, owner: Option<&str>) -> Option<&OwnerRules> {
        owner
            .and_then(|o| self.by_owner.get(&o.trim().to_lowercase()))
            .or_else(|| self.by_owner.get(EVERYONE))
    }

    /// Drops muted kinds and applies severity overrides for the given owner.
    pub(crate) fn apply(&self, owner: Option<&str>, drafts: Vec<AlertDraft>) -> Vec<AlertDraft> {
        let Some(rules) = self.for_owner(owner) else {
            return drafts;
        };
        drafts
            .into_iter()
            .filter(|d| !rules.muted.contains(&d.kind))
            .map(|mut d| {
                if let Some(s) = rules.severity.get(&d.kind) {
                    d.severity = *s;
                }
                d
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Source;
    use crate::domain::alert::Bilingual;

    fn draft(kind: AlertKind) -> AlertDraft {
        AlertDraft {
            kind,
            severity: kind.default_severity(),
            source: Source::Vies,
            entity: None,
            message: Bilingual::default(),
            dedup_key: kind.to_string(),
        }
    }

    #[test]
    fn owner_rules_mute_and_override_with_a_default_for_everyone() {
        let rules: AlertRules = toml::from_str(
            r#"
            [anna]
            muted = ["sanctions_removed"]
            severity = { company_address_changed = "low", vat_invalid = "high" }
            ["*"]
            muted = ["lei_lapsed"]
            "#,
        )
        .unwrap();
        let all = || {
            vec![
                draft(AlertKind::SanctionsRemoved),
                draft(AlertKind::CompanyAddressChanged),
                draft(AlertKind::VatInvalid),
                draft(AlertKind::LeiLapsed),
            ]
        };
        let anna = rules.apply(Some("ANNA"), all());
        let got: Vec<_> = anna.iter().map(|d| (d.kind, d.severity)).collect();
        assert_eq!(
            got,
            vec![
                (AlertKind::CompanyAddressChanged, Severity::Low),
                (AlertKind::VatInvalid, Severity::High),
                (AlertKind::LeiLapsed, Severity::Medium),
            ]
        );
        let bob = rules.apply(Some("bob"), all());
        assert_eq!(bob.len(), 3);
        assert!(bob.iter().all(|d| d.kind != AlertKind::LeiLapsed));
        assert_eq!(rules.apply(None, all()).len(), 3);
        assert_eq!(AlertRules::default().apply(Some("anna"), all()).len(), 4);
    }
}
