//! The keymap as data: key chords, contexts, the embedded defaults, the user's `[keymap]`
//! overrides merged over them, and the lookups the event loop, footer and help use.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::{Deserialize, Deserializer};

use super::action::{Action, Kind};

/// The embedded default keymap (TOML, same shape as the `[keymap]` config section).
pub const DEFAULT_KEYMAP: &str = include_str!("keymap.default.toml");

/// One key with its modifiers, normalised so that `G` and `shift-g` are the same chord.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyChord {
    /// The key.
    pub code: KeyCode,
    /// Ctrl and Alt (Shift is folded into the character or BackTab).
    pub mods: KeyModifiers,
}

impl KeyChord {
    /// Builds a normalised chord.
    pub fn new(code: KeyCode, mods: KeyModifiers) -> KeyChord {
        let mut mods = mods & (KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT);
        let code = match code {
            // Terminals report Shift-Tab as BackTab, sometimes with SHIFT set as well.
            KeyCode::Tab if mods.contains(KeyModifiers::SHIFT) => KeyCode::BackTab,
            other => other,
        };
        if matches!(code, KeyCode::Char(_) | KeyCode::BackTab) {
            mods.remove(KeyModifiers::SHIFT);
        }
        let code = match code {
            // Ctrl-letters arrive lower-case from most terminals; fold for stable lookups.
            KeyCode::Char(c) if mods.contains(KeyModifiers::CONTROL) => {
                KeyCode::Char(c.to_ascii_lowercase())
            }
            other => other,
        };
        KeyChord { code, mods }
    }

    /// The chord of a key event.
    pub fn from_event(ev: &KeyEvent) -> KeyChord {
        KeyChord::new(ev.code, ev.modifiers)
    }
}

impl PartialOrd for KeyChord {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for KeyChord {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.to_string().cmp(&other.to_string())
    }
}

const NAMED: &[(&str, KeyCode)] = &[
    ("enter", KeyCode::Enter),
    ("esc", KeyCode::Esc),
    ("tab", KeyCode::Tab),
    ("backtab", KeyCode::BackTab),
    ("space", KeyCode::Char(' ')),
    ("backspace", KeyCode::Backspace),
    ("delete", KeyCode::Delete),
    ("insert", KeyCode::Insert),
    ("up", KeyCode::Up),
    ("down", KeyCode::Down),
    ("left", KeyCode::Left),
    ("right", KeyCode::Right),
    ("home", KeyCode::Home),
    ("end", KeyCode::End),
    ("pageup", KeyCode::PageUp),
    ("pagedown", KeyCode::PageDown),
];

impl FromStr for KeyChord {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || {
            format!(
                "\"{s}\" is not a key (examples: \"j\", \"G\", \"ctrl-d\", \"alt-x\", \"enter\", \"f1\", \"shift-tab\")"
            )
        };
        if s.is_empty() {
            return Err(bad());
        }
        let mut mods = KeyModifiers::NONE;
        let mut rest = s;
        // A lone "-" is the minus key, so only strip prefixes that leave something behind.
        loop {
            let lower = rest.to_ascii_lowercase();
            let (prefix_len, m) = if lower.starts_with("ctrl-") && rest.len() > 5 {
                (5, KeyModifiers::CONTROL)
            } else if lower.starts_with("alt-") && rest.len() > 4 {
                (4, KeyModifiers::ALT)
            } else if lower.starts_with("shift-") && rest.len() > 6 {
                (6, KeyModifiers::SHIFT)
            } else {
                break;
            };
            mods |= m;
            rest = &rest[prefix_len..];
        }
        let lower = rest.to_ascii_lowercase();
        let code = if let Some((_, code)) = NAMED.iter().find(|(n, _)| *n == lower) {
            *code
        } else if let Some(n) = lower.strip_prefix('f').and_then(|n| n.parse::<u8>().ok()) {
            if !(1..=12).contains(&n) {
                return Err(bad());
            }
            KeyCode::F(n)
        } else {
            let mut chars = rest.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) => {
                    if mods.contains(KeyModifiers::SHIFT) && c.is_ascii_alphabetic() {
                        KeyCode::Char(c.to_ascii_uppercase())
                    } else {
                        KeyCode::Char(c)
                    }
                }
                _ => return Err(bad()),
            }
        };
        Ok(KeyChord::new(code, mods))
    }
}

impl fmt::Display for KeyChord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.mods.contains(KeyModifiers::CONTROL) {
            f.write_str("ctrl-")?;
        }
        if self.mods.contains(KeyModifiers::ALT) {
            f.write_str("alt-")?;
        }
        if self.mods.contains(KeyModifiers::SHIFT) {
            f.write_str("shift-")?;
        }
        if let Some((name, _)) = NAMED.iter().find(|(_, c)| *c == self.code) {
            return f.write_str(name);
        }
        match self.code {
            KeyCode::F(n) => write!(f, "f{n}"),
            KeyCode::Char(c) => write!(f, "{c}"),
            other => write!(f, "{other:?}"),
        }
    }
}

impl<'de> Deserialize<'de> for KeyChord {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// What a key is bound to in the config: an action, or `noop` to remove a default binding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Binding(pub Option<Action>);

impl<'de> Deserialize<'de> for Binding {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        if s == "noop" {
            return Ok(Binding(None));
        }
        Action::from_name(&s).map(|a| Binding(Some(a))).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "\"{s}\" is not an action; see the help screen (?) for their names, or use \"noop\""
            ))
        })
    }
}

/// Where keys are looked up; the views and popups each have one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Context {
    /// Keys that work on every tab.
    Global,
    /// The stats tab.
    Stats,
    /// The counterparty table.
    Counterparties,
    /// The details and history tab.
    Details,
    /// The alerts tab.
    Alerts,
    /// One alert read in full (the alerts tab's detail view).
    Alert,
    /// Typing a table filter.
    Filter,
    /// The add/edit form.
    Form,
    /// A yes/no question.
    Confirm,
    /// The help popup.
    Help,
}

impl Context {
    /// Every context, in help order.
    pub const ALL: [Context; 10] = [
        Context::Global,
        Context::Stats,
        Context::Counterparties,
        Context::Details,
        Context::Alerts,
        Context::Alert,
        Context::Filter,
        Context::Form,
        Context::Confirm,
        Context::Help,
    ];

    /// The config table name.
    pub fn name(self) -> &'static str {
        match self {
            Context::Global => "global",
            Context::Stats => "stats",
            Context::Counterparties => "counterparties",
            Context::Details => "details",
            Context::Alerts => "alerts",
            Context::Alert => "alert",
            Context::Filter => "filter",
            Context::Form => "form",
            Context::Confirm => "confirm",
            Context::Help => "help",
        }
    }

    /// Whether global keys also apply (tabs yes; text input and popups no, so typing `q`
    /// into a form never quits).
    pub fn falls_back_to_global(self) -> bool {
        matches!(
            self,
            Context::Stats
                | Context::Counterparties
                | Context::Details
                | Context::Alerts
                | Context::Alert
        )
    }
}

/// The `[keymap]` config section: one table per context, key = action (or "noop").
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct KeymapConfig {
    /// Keys on every tab.
    pub global: BTreeMap<KeyChord, Binding>,
    /// Stats tab.
    pub stats: BTreeMap<KeyChord, Binding>,
    /// Counterparty table.
    pub counterparties: BTreeMap<KeyChord, Binding>,
    /// Details tab.
    pub details: BTreeMap<KeyChord, Binding>,
    /// Alerts tab.
    pub alerts: BTreeMap<KeyChord, Binding>,
    /// One alert read in full.
    pub alert: BTreeMap<KeyChord, Binding>,
    /// While typing a filter.
    pub filter: BTreeMap<KeyChord, Binding>,
    /// The add/edit form.
    pub form: BTreeMap<KeyChord, Binding>,
    /// Yes/no questions.
    pub confirm: BTreeMap<KeyChord, Binding>,
    /// The help popup.
    pub help: BTreeMap<KeyChord, Binding>,
}

impl KeymapConfig {
    fn table(&self, c: Context) -> &BTreeMap<KeyChord, Binding> {
        match c {
            Context::Global => &self.global,
            Context::Stats => &self.stats,
            Context::Counterparties => &self.counterparties,
            Context::Details => &self.details,
            Context::Alerts => &self.alerts,
            Context::Alert => &self.alert,
            Context::Filter => &self.filter,
            Context::Form => &self.form,
            Context::Confirm => &self.confirm,
            Context::Help => &self.help,
        }
    }
}

/// The live keymap: defaults with the user's overrides, minus write actions when read-only.
#[derive(Debug, Clone)]
pub struct Keymap {
    // Per context, in the order the defaults list them (the footer shows the first ones).
    bindings: BTreeMap<Context, Vec<(KeyChord, Action)>>,
    // Keys whose action `--read-only` removed, so that pressing one can say why nothing happens.
    refused: BTreeMap<Context, Vec<(KeyChord, Action)>>,
}

/// Why the keymap could not be built.
#[derive(Debug, thiserror::Error)]
#[error("default keymap: {0}")]
pub struct KeymapError(String);

impl Keymap {
    /// Builds the keymap from the embedded defaults and the user's config.
    pub fn new(user: &KeymapConfig, read_only: bool) -> Result<Keymap, KeymapError> {
        let defaults: KeymapConfig =
            toml::from_str(DEFAULT_KEYMAP).map_err(|e| KeymapError(e.to_string()))?;
        let order = default_order()?;
        let mut bindings = BTreeMap::new();
        let mut refused = BTreeMap::new();
        for ctx in Context::ALL {
            let mut list: Vec<(KeyChord, Action)> = Vec::new();
            let mut off: Vec<(KeyChord, Action)> = Vec::new();
            let user_table = user.table(ctx);
            let mut keys: Vec<KeyChord> = order
                .iter()
                .filter(|(c, _)| *c == ctx)
                .map(|(_, k)| *k)
                .collect();
            for k in user_table.keys() {
                if !keys.contains(k) {
                    keys.push(*k);
                }
            }
            for k in keys {
                let binding = user_table
                    .get(&k)
                    .or_else(|| defaults.table(ctx).get(&k))
                    .and_then(|b| b.0);
                match binding {
                    Some(a) if read_only && a.kind() == Kind::Write => off.push((k, a)),
                    Some(a) => list.push((k, a)),
                    None => {}
                }
            }
            bindings.insert(ctx, list);
            refused.insert(ctx, off);
        }
        Ok(Keymap { bindings, refused })
    }

    /// The defaults alone (tests, and when the config has no `[keymap]`).
    pub fn defaults(read_only: bool) -> Result<Keymap, KeymapError> {
        Keymap::new(&KeymapConfig::default(), read_only)
    }

    /// The action bound to a key in a context (tabs fall back to global keys).
    pub fn lookup(&self, ctx: Context, chord: KeyChord) -> Option<Action> {
        Self::find_in(&self.bindings, ctx, chord)
    }

    /// The action `--read-only` removed from this key, if any (to say why the key does nothing).
    pub fn refused(&self, ctx: Context, chord: KeyChord) -> Option<Action> {
        Self::find_in(&self.refused, ctx, chord)
    }

    /// Lines the help screen has: a heading and a blank line per context with keys, one line
    /// per action (to keep its scrolling within them).
    pub fn help_lines(&self) -> usize {
        Context::ALL
            .iter()
            .map(|c| self.bindings_for(*c).len())
            .filter(|n| *n > 0)
            .map(|n| n + 2)
            .sum()
    }

    fn find_in(
        map: &BTreeMap<Context, Vec<(KeyChord, Action)>>,
        ctx: Context,
        chord: KeyChord,
    ) -> Option<Action> {
        let find = |c: Context| {
            map.get(&c)
                .and_then(|l| l.iter().find(|(k, _)| *k == chord).map(|(_, a)| *a))
        };
        find(ctx).or_else(|| {
            if ctx.falls_back_to_global() {
                find(Context::Global)
            } else {
                None
            }
        })
    }

    /// The bindings of one context, grouped per action: (keys, action), in keymap order.
    pub fn bindings_for(&self, ctx: Context) -> Vec<(Vec<KeyChord>, Action)> {
        let mut out: Vec<(Vec<KeyChord>, Action)> = Vec::new();
        for (k, a) in self.bindings.get(&ctx).into_iter().flatten() {
            match out.iter_mut().find(|(_, b)| b == a) {
                Some((keys, _)) => keys.push(*k),
                None => out.push((vec![*k], *a)),
            }
        }
        out
    }

    /// The first key bound to an action in a context (or globally), for hints in the UI.
    pub fn key_for(&self, ctx: Context, action: Action) -> Option<KeyChord> {
        let find = |c: Context| {
            self.bindings
                .get(&c)
                .and_then(|l| l.iter().find(|(_, a)| *a == action).map(|(k, _)| *k))
        };
        find(ctx).or_else(|| find(Context::Global))
    }

    /// Whether any context binds the action (read-only mode removes write actions).
    pub fn has(&self, action: Action) -> bool {
        self.bindings.values().flatten().any(|(_, a)| *a == action)
    }
}

/// The order keys appear in the embedded defaults, which is the order the footer shows them.
fn default_order() -> Result<Vec<(Context, KeyChord)>, KeymapError> {
    let mut out = Vec::new();
    let mut ctx = None;
    for line in DEFAULT_KEYMAP.lines() {
        let line = line.trim();
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            ctx = Context::ALL.into_iter().find(|c| c.name() == name);
            continue;
        }
        let (key, _) = line
            .split_once(" = ")
            .ok_or_else(|| KeymapError(format!("line without ` = `: {line}")))?;
        let key = key.trim().trim_matches('"');
        let chord: KeyChord = key.parse().map_err(KeymapError)?;
        let c = ctx.ok_or_else(|| KeymapError(format!("key outside a table: {line}")))?;
        out.push((c, chord));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chord(s: &str) -> KeyChord {
        s.parse().unwrap()
    }

    #[test]
    fn chords_parse_print_and_normalise() {
        for s in [
            "j", "G", "ctrl-d", "alt-x", "enter", "f1", "backtab", "space", "?", "/", "-",
        ] {
            assert_eq!(chord(s).to_string(), s, "{s}");
        }
        assert_eq!(chord("shift-tab"), chord("backtab"));
        assert_eq!(chord("shift-g"), chord("G"));
        assert_eq!(chord("CTRL-D"), chord("ctrl-d"));
        let ev = KeyEvent::new(KeyCode::Char('G'), KeyModifiers::SHIFT);
        assert_eq!(KeyChord::from_event(&ev), chord("G"));
        let ev = KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT);
        assert_eq!(KeyChord::from_event(&ev), chord("backtab"));
        assert!("ctrl-".parse::<KeyChord>().is_err());
        assert!("f13".parse::<KeyChord>().is_err());
        assert!("jk".parse::<KeyChord>().is_err());
    }

    #[test]
    fn defaults_parse_and_reach_every_action() {
        let km = Keymap::defaults(false).unwrap();
        for a in Action::ALL {
            assert!(km.has(*a), "no default key for {}", a.name());
        }
        assert_eq!(
            km.lookup(Context::Counterparties, chord("q")),
            Some(Action::Quit)
        );
        assert_eq!(km.lookup(Context::Form, chord("q")), None);
        assert_eq!(
            km.lookup(Context::Counterparties, chord("down")),
            Some(Action::SelectNext)
        );
        assert_eq!(
            km.lookup(Context::Counterparties, chord("j")),
            Some(Action::SelectNext)
        );
    }

    #[test]
    fn no_default_collides_with_tmux() {
        let km = Keymap::defaults(false).unwrap();
        for ctx in Context::ALL {
            for (keys, a) in km.bindings_for(ctx) {
                for k in keys {
                    let s = k.to_string();
                    assert!(
                        ![
                            "ctrl-a",
                            "ctrl-b",
                            "ctrl-h",
                            "ctrl-j",
                            "ctrl-k",
                            "ctrl-l",
                            "ctrl-space"
                        ]
                        .contains(&s.as_str())
                            || (s == "ctrl-l" && a == Action::Redraw),
                        "{s} bound to {} in {}",
                        a.name(),
                        ctx.name()
                    );
                }
            }
        }
    }

    #[test]
    fn user_overrides_win_and_noop_unbinds() {
        let cfg: KeymapConfig = toml::from_str(
            "[counterparties]\nn = \"select_next\"\nj = \"noop\"\n[global]\nq = \"noop\"\nctrl-q = \"quit\"\n",
        )
        .unwrap();
        let km = Keymap::new(&cfg, false).unwrap();
        assert_eq!(
            km.lookup(Context::Counterparties, chord("n")),
            Some(Action::SelectNext)
        );
        assert_eq!(km.lookup(Context::Counterparties, chord("j")), None);
        assert_eq!(km.lookup(Context::Counterparties, chord("q")), None);
        assert_eq!(
            km.lookup(Context::Alerts, chord("ctrl-q")),
            Some(Action::Quit)
        );
        assert_eq!(
            km.lookup(Context::Counterparties, chord("down")),
            Some(Action::SelectNext)
        );
    }

    #[test]
    fn read_only_drops_write_actions() {
        let km = Keymap::defaults(true).unwrap();
        for a in Action::ALL {
            assert_eq!(km.has(*a), a.kind() == Kind::View, "{}", a.name());
        }
        assert_eq!(km.lookup(Context::Counterparties, chord("d")), None);
    }

    #[test]
    fn bad_keys_and_actions_are_reported() {
        let err = toml::from_str::<KeymapConfig>("[alerts]\nctrl-foo = \"quit\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("ctrl-foo"), "{err}");
        let err = toml::from_str::<KeymapConfig>("[alerts]\nx = \"fly\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("fly") && err.contains("line 2"), "{err}");
        let err = toml::from_str::<KeymapConfig>("[tables]\nx = \"quit\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("tables"), "{err}");
    }
}
