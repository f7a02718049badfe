//! The `[ui]` section of the configuration: how the full-screen UI gets attention.

use serde::Deserialize;

/// `[ui]`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct UiConfig {
    /// Ring the terminal bell when a new critical alert arrives (tmux shows it on the window).
    pub bell_on_critical: bool,
}
