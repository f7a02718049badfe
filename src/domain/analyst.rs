//! The team: an analyst who owns counterparties and receives their alerts (`[[analysts]]` in
//! the config), with the e-mail address the digest goes to.

use serde::{Deserialize, Deserializer};

/// An analyst who owns counterparties and gets their alerts.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Analyst {
    /// Name as used in the counterparty `owner` field.
    pub name: String,
    /// Where the digest goes.
    pub email: Email,
}

/// An e-mail address checked when the config is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(pub String);

impl<'de> Deserialize<'de> for Email {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        super::counterparty::validate_email(&s)
            .map(Email)
            .map_err(|e| serde::de::Error::custom(e.reason))
    }
}
