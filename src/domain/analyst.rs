//! The team: an analyst who owns counterparties and receives their alerts (`[[analysts]]` in
//! the config), with the e-mail address the digest goes to, the OS account they log in with and
//! the role that says what they may do through a shared Kontra.

use serde::{Deserialize, Deserializer, Serialize};

/// An analyst who owns counterparties and gets their alerts.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Analyst {
    /// Name as used in the counterparty `owner` field.
    pub name: String,
    /// Where the digest goes.
    pub email: Email,
    /// The OS account this analyst logs in with; a shared Kontra knows who is asking from the
    /// socket's peer credentials and finds the analyst by this name.
    #[serde(default)]
    pub unix_user: Option<String>,
    /// What the analyst may do (default: `analyst`).
    #[serde(default)]
    pub role: Role,
}

/// What an analyst may do. Ordered: each role may do everything the one before may.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Reads everything, changes nothing.
    Viewer,
    /// Adds counterparties and changes, checks and switches the monitoring of those they own
    /// or that have no owner; acknowledges the alerts of those.
    #[default]
    Analyst,
    /// Everything, including deletes, screening decisions, list updates and lifting pauses.
    Lead,
}

impl Role {
    /// The name used in the config and in messages.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Analyst => "analyst",
            Role::Lead => "lead",
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
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
