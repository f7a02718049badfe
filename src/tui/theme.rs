//! The colour theme: 16 named ANSI colours (readable on dark and light terminals), selection by
//! reverse video so it survives `NO_COLOR`, and a monochrome variant that uses only modifiers.

use ratatui::style::{Color, Modifier, Style};

use crate::domain::Severity;

/// How to colour: `--color auto|always|never`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ColorChoice {
    /// Colours unless `NO_COLOR` is set (to anything non-empty) or `TERM` is `dumb`.
    #[default]
    Auto,
    /// Always the 16-colour theme.
    Always,
    /// No colours: bold, underline and reverse video only.
    Never,
}

impl ColorChoice {
    /// Whether to use colours, given the environment.
    pub fn use_color(self, no_color: Option<&str>, term: Option<&str>) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => no_color.is_none_or(|v| v.is_empty()) && term != Some("dumb"),
        }
    }

    /// Whether to use colours in this process's environment.
    pub fn use_color_from_env(self) -> bool {
        let no_color = std::env::var("NO_COLOR").ok();
        let term = std::env::var("TERM").ok();
        self.use_color(no_color.as_deref(), term.as_deref())
    }
}

/// The styles the views use.
#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    /// Whether colours are on.
    pub color: bool,
    /// Plain text.
    pub base: Style,
    /// Dimmed text (hints, secondary columns).
    pub dim: Style,
    /// Titles and headers.
    pub title: Style,
    /// The active tab.
    pub tab_active: Style,
    /// The selected row.
    pub selected: Style,
    /// A row marked for a bulk action.
    pub marked: Style,
    /// Keys in the footer and help.
    pub key: Style,
    /// Good news (valid, answered).
    pub ok: Style,
    /// Warnings (could not ask, partial).
    pub warn: Style,
    /// Bad news (invalid, sanctions, errors).
    pub bad: Style,
    /// Informational status line.
    pub info: Style,
    /// Field with a validation error.
    pub error_field: Style,
    /// The focused form field's border.
    pub focus: Style,
}

impl Theme {
    /// The default theme, with or without colours.
    pub fn new(color: bool) -> Theme {
        let fg = |c: Color| {
            if color {
                Style::new().fg(c)
            } else {
                Style::new()
            }
        };
        Theme {
            color,
            base: Style::new(),
            dim: if color {
                Style::new().fg(Color::DarkGray)
            } else {
                Style::new().add_modifier(Modifier::DIM)
            },
            title: Style::new().add_modifier(Modifier::BOLD),
            tab_active: Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD),
            selected: Style::new().add_modifier(Modifier::REVERSED),
            marked: fg(Color::Magenta).add_modifier(Modifier::BOLD),
            key: fg(Color::Cyan).add_modifier(Modifier::BOLD),
            ok: fg(Color::Green),
            warn: fg(Color::Yellow).add_modifier(if color {
                Modifier::empty()
            } else {
                Modifier::ITALIC
            }),
            bad: fg(Color::Red).add_modifier(Modifier::BOLD),
            info: fg(Color::Blue),
            error_field: fg(Color::Red).add_modifier(Modifier::UNDERLINED),
            focus: fg(Color::Cyan).add_modifier(Modifier::BOLD),
        }
    }

    /// The style of a severity.
    pub fn severity(&self, s: Severity) -> Style {
        match s {
            Severity::Critical => self.bad,
            Severity::High => self.warn.add_modifier(Modifier::BOLD),
            Severity::Medium => self.warn,
            Severity::Low => self.dim,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_color_and_dumb_terminals_switch_colours_off() {
        assert!(ColorChoice::Auto.use_color(None, Some("xterm-256color")));
        assert!(!ColorChoice::Auto.use_color(Some("1"), Some("xterm")));
        assert!(ColorChoice::Auto.use_color(Some(""), Some("xterm")));
        assert!(!ColorChoice::Auto.use_color(None, Some("dumb")));
        assert!(ColorChoice::Always.use_color(Some("1"), None));
        assert!(!ColorChoice::Never.use_color(None, None));
        let mono = Theme::new(false);
        assert_eq!(mono.ok.fg, None);
        assert!(mono.selected.add_modifier.contains(Modifier::REVERSED));
    }
}
