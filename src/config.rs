//! Typed configuration: defaults, paths, and validation with messages naming file, key and line.

use crate::domain::analyst::Analyst;
use crate::monitor::settings::MonitorConfig;
use crate::values::Language;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The documented example configuration, embedded so tests and `kontra config example` use it.
pub const EXAMPLE: &str = include_str!("../config.example.toml");

/// Why the configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file exists but could not be read.
    #[error("config file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The file is not valid TOML, has an unknown key, or a value out of range.
    #[error("config file {path}: {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// toml's message: line, column, key and reason.
        message: String,
    },
    /// A secret named in the config could not be read.
    #[error("config file {path}: key {key}: {message}")]
    Secret {
        /// The file.
        path: PathBuf,
        /// The key naming the secret's location.
        key: String,
        /// What went wrong (never the secret itself).
        message: String,
    },
}

/// The whole configuration.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Language of alert messages and mails: `de` or `en`.
    pub language: Language,
    /// The analyst name recorded in the audit trail for actions from this installation.
    pub user: Option<String>,
    /// Data directory; `--data-dir` and `KONTRA_DATA_DIR` take precedence.
    pub data_dir: Option<PathBuf>,
    /// Logging.
    pub log: LogConfig,
    /// Analysts: who receives the alerts of the counterparties they own.
    pub analysts: Vec<Analyst>,
    /// The schedule of the monitor.
    pub monitor: MonitorConfig,
    /// Alert rules per analyst (`[alert_rules.<owner>]`): muted kinds and severity overrides.
    pub alert_rules: crate::monitor::rules::AlertRules,
    /// The registry clients.
    pub sources: crate::sources::config::SourcesConfig,
    /// Digest delivery by mail; no mail is sent when absent.
    pub mail: Option<crate::notify::config::MailConfig>,
    /// Webhooks that get a POST per new alert.
    pub webhooks: Vec<crate::notify::config::WebhookConfig>,
    /// Sanctions lists and screening.
    pub sanctions: crate::sanctions::config::SanctionsConfig,
    /// Key bindings of the terminal UI, merged over the defaults.
    pub keymap: crate::tui::keymap::KeymapConfig,
    /// The terminal UI's notices.
    pub ui: crate::tui::config::UiConfig,
    /// Sharing the running Kontra with the team over its socket.
    pub server: crate::app::config::ServerConfig,
    /// Defaults of new counterparties.
    pub register: crate::register::config::RegisterConfig,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            language: Language::De,
            user: None,
            data_dir: None,
            log: LogConfig::default(),
            analysts: Vec::new(),
            monitor: MonitorConfig::default(),
            alert_rules: Default::default(),
            sources: crate::sources::config::SourcesConfig::default(),
            mail: None,
            webhooks: Vec::new(),
            sanctions: crate::sanctions::config::SanctionsConfig::default(),
            keymap: Default::default(),
            ui: Default::default(),
            server: Default::default(),
            register: Default::default(),
        }
    }
}

/// Logging settings.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct LogConfig {
    /// Filter in `tracing` syntax, e.g. `info` or `kontra=debug`.
    pub level: String,
    /// Directory for the rotating log files; default: the user's state directory.
    pub dir: Option<PathBuf>,
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig {
            level: "info".to_string(),
            dir: None,
        }
    }
}

impl Config {
    /// Parses configuration text; `path` is only used in messages.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        toml::from_str::<Config>(text)
            .map(|mut c| {
                c.sanctions = c.sanctions.with_defaults();
                c
            })
            .map_err(|e| ConfigError::Invalid {
                path: path.to_path_buf(),
                message: one_line_toml_error(&e),
            })
    }

    /// Loads the file at `path`; a missing file means defaults.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        Self::load_file(path, false)
    }

    /// Reads a config file named on the command line: there a missing file is a mistake (a
    /// typo would otherwise silently run on defaults), not "use the defaults".
    pub fn load_named(path: &Path) -> Result<Config, ConfigError> {
        Self::load_file(path, true)
    }

    fn load_file(path: &Path, must_exist: bool) -> Result<Config, ConfigError> {
        use std::io::Read;
        let read = |source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        };
        let file = match std::fs::File::open(path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !must_exist => {
                return Ok(Config::default());
            }
            Err(source) => return Err(read(source)),
        };
        // A config is a few kilobytes; reading /dev/zero or a log by mistake must not take the
        // memory of the machine.
        let mut bytes = Vec::new();
        file.take(MAX_CONFIG_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(read)?;
        if bytes.len() as u64 > MAX_CONFIG_BYTES {
            return Err(ConfigError::Invalid {
                path: path.to_path_buf(),
                message: format!(
                    "larger than {} KB; is this the config file?",
                    MAX_CONFIG_BYTES / 1024
                ),
            });
        }
        let text = String::from_utf8(bytes).map_err(|e| ConfigError::Invalid {
            path: path.to_path_buf(),
            message: format!("not UTF-8 text (byte {})", e.utf8_error().valid_up_to()),
        })?;
        Config::parse(&text, path)
    }

    /// The analyst name for the audit trail: config `user`, else `$USER`, else `analyst`.
    pub fn actor(&self) -> String {
        self.user
            .clone()
            .or_else(|| std::env::var("USER").ok())
            .unwrap_or_else(|| "analyst".to_string())
    }

    /// What the full-screen UI takes from this configuration.
    pub fn tui_settings(&self) -> crate::tui::Settings<'_> {
        crate::tui::Settings {
            language: self.language,
            timezone: self.monitor.timezone.0,
            ui: &self.ui,
            keymap: &self.keymap,
            monitor_new: self.register.monitor_new,
        }
    }
}

/// The largest config file Kontra reads.
pub const MAX_CONFIG_BYTES: u64 = 1024 * 1024;

/// Key names whose values are secrets: never echoed in an error.
fn secret_key(key: &str) -> bool {
    let k = key.trim().to_ascii_lowercase();
    [
        "password",
        "passwd",
        "secret",
        "token",
        "apikey",
        "api_key",
        "credential",
    ]
    .iter()
    .any(|w| k.contains(w))
        && !k.ends_with("_env")
        && !k.ends_with("_file")
}

/// The excerpt of a config line with a secret-looking value replaced by `"***"`.
fn mask_secret(excerpt: &str) -> String {
    match excerpt.split_once('=') {
        Some((key, _)) if secret_key(key) => format!("{}= \"***\"", key),
        _ => excerpt.to_string(),
    }
}

/// toml's messages span several lines with a source excerpt; keep them, but start with the
/// position and reason so the first line alone is useful in logs.
fn one_line_toml_error(e: &toml::de::Error) -> String {
    let msg = e.message().trim().to_string();
    match e.span() {
        Some(span) => format!("{msg} ({})", position_hint(e, span)),
        None => msg,
    }
}

fn position_hint(e: &toml::de::Error, _span: std::ops::Range<usize>) -> String {
    // The Display form starts with "TOML parse error at line L, column C"; reuse it rather than
    // recomputing line numbers from the span.
    let full = e.to_string();
    let first = full.lines().next().unwrap_or_default();
    let pos = first.trim_start_matches("TOML parse error at ").to_string();
    let excerpt = full
        .lines()
        .find(|l| l.contains(" | ") && !l.trim_end().ends_with('|'))
        .map(|l| l.split_once(" | ").map(|x| x.1.trim()).unwrap_or_default())
        .unwrap_or_default();
    if excerpt.is_empty() {
        pos
    } else {
        format!("{pos}: `{}`", mask_secret(excerpt))
    }
}

/// Reads a secret from the environment variable or the file a config key names.
///
/// The value is never logged; messages name the key and the variable or file only.
pub fn read_secret(
    config_path: &Path,
    env_key: (&str, Option<&str>),
    file_key: (&str, Option<&Path>),
) -> Result<Option<String>, ConfigError> {
    if let (key, Some(var)) = env_key {
        return match std::env::var(var) {
            Ok(v) => Ok(Some(v)),
            Err(_) => Err(ConfigError::Secret {
                path: config_path.to_path_buf(),
                key: key.to_string(),
                message: format!("environment variable {var} is not set"),
            }),
        };
    }
    if let (key, Some(file)) = file_key {
        warn_if_readable_by_others(key, file);
        return match std::fs::read_to_string(file) {
            Ok(v) => Ok(Some(v.trim_end_matches(['\r', '\n']).to_string())),
            Err(e) => Err(ConfigError::Secret {
                path: config_path.to_path_buf(),
                key: key.to_string(),
                message: format!("cannot read {}: {e}", file.display()),
            }),
        };
    }
    Ok(None)
}

/// Warns (log and stderr) when a secret file can be read by its group or by everyone: the
/// password should be the owner's alone.
fn warn_if_readable_by_others(key: &str, file: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let Ok(meta) = std::fs::metadata(file) else {
        return;
    };
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o044 != 0 {
        let who = if mode & 0o004 != 0 {
            "everyone"
        } else {
            "its group"
        };
        tracing::warn!(
            file = %file.display(),
            "{key}: the secret file can be read by {who} (mode {mode:o}); chmod 600 it"
        );
        eprintln!(
            "kontra: warning: {key} {} can be read by {who} (mode {mode:o}); chmod 600 it",
            file.display()
        );
    }
}

/// Where things live: config file, data directory and log directory, after flags and env.
#[derive(Debug, Clone)]
pub struct Paths {
    /// The config file (may not exist).
    pub config: PathBuf,
    /// The data directory.
    pub data: PathBuf,
    /// The log directory.
    pub logs: PathBuf,
}

impl Paths {
    /// Resolves paths: explicit flag, then environment (handled by clap), then config, then the
    /// user's standard directories.
    pub fn resolve(
        config_flag: Option<PathBuf>,
        data_flag: Option<PathBuf>,
        config: Option<&Config>,
    ) -> Paths {
        let dirs = directories::ProjectDirs::from("", "", "kontra");
        let config_path = config_flag
            .or_else(|| std::env::var_os("KONTRA_CONFIG").map(PathBuf::from))
            .unwrap_or_else(|| {
                dirs.as_ref()
                    .map(|d| d.config_dir().join("config.toml"))
                    .unwrap_or_else(|| PathBuf::from("kontra.toml"))
            });
        let data = data_flag
            .or_else(|| config.and_then(|c| c.data_dir.clone()))
            .unwrap_or_else(|| {
                dirs.as_ref()
                    .map(|d| d.data_dir().to_path_buf())
                    .unwrap_or_else(|| PathBuf::from("kontra-data"))
            });
        let logs = config
            .and_then(|c| c.log.dir.clone())
            .or_else(|| {
                dirs.as_ref()
                    .and_then(|d| d.state_dir().map(|p| p.join("logs")))
            })
            .unwrap_or_else(|| data.join("logs"));
        Paths {
            config: config_path,
            data,
            logs,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mistaken_inline_password_is_not_echoed() {
        let text = "[mail]\nhost = \"h\"\nfrom = \"k@example.de\"\npassword = \"hunter2 sekrit\"\n";
        let err = Config::parse(text, Path::new("c.toml"))
            .unwrap_err()
            .to_string();
        assert!(!err.contains("hunter2"), "{err}");
        assert!(err.contains("`password = \"***\"`"), "{err}");
        let err = Config::parse("[log]\nlevle = \"debug\"\n", Path::new("c.toml"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("`levle = \"debug\"`"), "{err}");
    }

    #[test]
    fn a_named_config_must_exist_and_no_config_is_read_past_its_limit() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope.toml");
        assert!(Config::load(&missing).is_ok());
        let err = Config::load_named(&missing).unwrap_err().to_string();
        assert!(
            err.contains("nope.toml") && err.contains("No such file"),
            "{err}"
        );
        let big = dir.path().join("big.toml");
        std::fs::write(&big, vec![b'#'; MAX_CONFIG_BYTES as usize + 10]).unwrap();
        let err = Config::load(&big).unwrap_err().to_string();
        assert!(err.contains("larger than 1024 KB"), "{err}");
        let err = Config::load(Path::new("/dev/zero"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("larger than 1024 KB"), "{err}");
    }

    #[test]
    fn example_parses() {
        let c = Config::parse(EXAMPLE, Path::new("config.example.toml")).unwrap();
        assert_eq!(c.language, Language::De);
        // The example documents the defaults; it must not drift from them.
        assert_eq!(c.sources, crate::sources::config::SourcesConfig::default());
        assert_eq!(c.ui, crate::tui::config::UiConfig::default());
        assert_eq!(
            c.register,
            crate::register::config::RegisterConfig::default()
        );
        assert_eq!(
            c.sanctions,
            crate::sanctions::config::SanctionsConfig::default(),
            "the list User-Agent and ceilings of the example are the defaults"
        );
    }

    #[test]
    fn unknown_key_is_named_with_line() {
        let err = Config::parse(
            "language = \"de\"\n\n[log]\nlevle = \"debug\"\n",
            Path::new("k.toml"),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("k.toml"), "{err}");
        assert!(err.contains("levle"), "{err}");
        assert!(err.contains("line 4"), "{err}");
    }

    #[test]
    fn bad_value_is_named_with_line() {
        let err = Config::parse("\nlanguage = \"fr\"\n", Path::new("k.toml"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 2"), "{err}");
        assert!(err.contains("\"fr\""), "{err}");
        let err = Config::parse(
            "[[analysts]]\nname = \"A\"\nemail = \"nope\"\n",
            Path::new("k.toml"),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("line 3") && err.contains("nope"), "{err}");
    }

    #[test]
    fn monitor_times_and_zone_are_checked() {
        let c = Config::parse(
            "[monitor]\ntimezone = \"Europe/Vienna\"\nrun_at = [\"03:30\"]\n",
            Path::new("k.toml"),
        )
        .unwrap();
        assert_eq!(c.monitor.timezone.0, chrono_tz::Europe::Vienna);
        let err = Config::parse("[monitor]\nrun_at = [\"25:00\"]\n", Path::new("k.toml"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 2") && err.contains("25:00"), "{err}");
        let err = Config::parse(
            "[monitor]\ntimezone = \"Mars/Olympus\"\n",
            Path::new("k.toml"),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("Mars/Olympus"), "{err}");
    }

    #[test]
    fn monitor_numbers_and_alert_rules_are_checked_with_their_line() {
        let c = Config::parse(
            "[monitor]\nconcurrency = 16\nvat_invalid_after = 3\n\n[alert_rules.anna]\nmuted = [\"lei_lapsed\"]\nseverity = { company_address_changed = \"low\" }\n",
            Path::new("k.toml"),
        )
        .unwrap();
        assert_eq!(c.monitor.concurrency.get(), 16);
        assert_eq!(c.monitor.vat_invalid_after.get(), 3);
        assert!(c.alert_rules.for_owner(Some("Anna")).is_some());
        let err = Config::parse("[monitor]\n\nconcurrency = 0\n", Path::new("k.toml"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 3") && err.contains("1 to 256"), "{err}");
        let err = Config::parse(
            "[alert_rules.anna]\nmuted = [\"vat_gone\"]\n",
            Path::new("k.toml"),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("line 2") && err.contains("vat_gone"), "{err}");
        let err = Config::parse(
            "[alert_rules.anna]\nseverity = { vat_invalid = \"urgent\" }\n",
            Path::new("k.toml"),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("line 2") && err.contains("urgent"), "{err}");
        let err = Config::parse("[alert_rules.anna]\nmute = []\n", Path::new("k.toml"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 2") && err.contains("mute"), "{err}");
    }

    #[test]
    fn alert_rules_name_the_possible_sanctions_kind() {
        let c = Config::parse(
            "[alert_rules.anna]\nmuted = [\"sanctions_possible\"]\n\n[alert_rules.bob]\nseverity = { sanctions_possible = \"critical\" }\n",
            Path::new("k.toml"),
        )
        .unwrap();
        let anna = c.alert_rules.for_owner(Some("anna")).unwrap();
        assert_eq!(
            anna.muted,
            vec![crate::domain::AlertKind::SanctionsPossible]
        );
        let bob = c.alert_rules.for_owner(Some("bob")).unwrap();
        assert_eq!(
            bob.severity
                .get(&crate::domain::AlertKind::SanctionsPossible),
            Some(&crate::domain::Severity::Critical)
        );
    }

    #[test]
    fn sanctions_section_is_checked() {
        let c = Config::parse(
            "[sanctions]\nthreshold = 0.9\n[sanctions.ofac]\nenabled = false\n",
            Path::new("k.toml"),
        )
        .unwrap();
        assert_eq!(c.sanctions.threshold.0, 0.9);
        assert!(!c.sanctions.ofac.enabled);
        assert!(
            c.sanctions
                .ofac
                .url
                .starts_with("https://sanctionslistservice")
        );
        assert!(c.sanctions.eu.enabled);
        let err = Config::parse("[sanctions]\n\nthreshold = 1.5\n", Path::new("k.toml"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 3") && err.contains("1.5"), "{err}");
        let err = Config::parse("[sanctions.un]\nurl = \"ftp://x\"\n", Path::new("k.toml"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 2") && err.contains("ftp://x"), "{err}");
        let err = Config::parse("[sanctions.uk]\nenable = true\n", Path::new("k.toml"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("enable"), "{err}");
    }

    #[test]
    fn the_bell_is_off_by_default_and_reaches_the_ui_when_configured() {
        let off = Config::parse("", Path::new("k.toml")).unwrap();
        assert!(!off.ui.bell_on_critical);
        let on = Config::parse("[ui]\nbell_on_critical = true\n", Path::new("k.toml")).unwrap();
        assert!(on.ui.bell_on_critical);
        let app = crate::tui::app(on.tui_settings(), false, false, (80, 24)).unwrap();
        assert!(app.state.bell_on_critical);
        let err = Config::parse("[ui]\nbell = true\n", Path::new("k.toml"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("bell") && err.contains("line 2"), "{err}");
    }

    #[test]
    fn missing_file_means_defaults() {
        let c = Config::load(Path::new("/nonexistent/kontra/config.toml")).unwrap();
        assert_eq!(c, Config::default());
    }
}
