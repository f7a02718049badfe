//! `[server]`: how a running Kontra shares itself with the team over its socket.

use serde::Deserialize;

/// `[server]` in the config.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    /// What an OS user gets who is not the data directory's owner and not tied to an analyst
    /// by `unix_user`: `refuse` (default) or `viewer` (read only).
    pub allow_unlisted: Unlisted,
    /// The OS group that may use the running Kontra: the socket and the data directory become
    /// group-accessible. Without it only the owner may connect.
    pub group: Option<String>,
}

/// `[server] allow_unlisted`.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Unlisted {
    /// Unknown OS users are turned away.
    #[default]
    Refuse,
    /// Unknown OS users may read.
    Viewer,
}
