//! The `[ui]` section of the configuration: how the full-screen UI gets attention.

use serde::Deserialize;

/// `[ui]`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct UiConfig {
    /// Ring the terminal bell when a new critical alert arrives (tmux shows it on the window).
    pub bell_on_critical: bool,
}

#[cfg(test)]
mod tests {
    use crate::config::Config;
    use std::path::Path;

    #[test]
    fn the_bell_is_off_by_default_and_reaches_the_ui_when_configured() {
        let off = Config::parse("", Path::new("k.toml")).unwrap();
        assert!(!off.ui.bell_on_critical);
        let on = Config::parse("[ui]\nbell_on_critical = true\n", Path::new("k.toml")).unwrap();
        assert!(on.ui.bell_on_critical);
        let app = crate::tui::app(&on, false, false, (80, 24)).unwrap();
        assert!(app.state.bell_on_critical);
        let err = Config::parse("[ui]\nbell = true\n", Path::new("k.toml"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("bell") && err.contains("line 2"), "{err}");
    }
}
