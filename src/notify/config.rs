//! The `[mail]` and `[[webhooks]]` configuration: typed, checked when the file is read.

use crate::domain::Severity;
use crate::domain::analyst::Email;
use crate::values::{Language, TimeOfDay};
use lettre::message::Mailbox;
use serde::{Deserialize, Deserializer};
use std::path::PathBuf;

/// The largest `[mail] timeout_secs`, the same as for every other timeout (7 days).
pub(crate) const MAX_TIMEOUT_SECS: u64 = 7 * 24 * 3600;

/// How the connection to the mail server is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Security {
    /// Plain connection upgraded with STARTTLS (port 587); refuses to send if the upgrade fails.
    #[default]
    Starttls,
    /// TLS from the first byte ("SMTPS", port 465).
    Tls,
    /// No encryption (a relay on localhost or in a trusted network, port 25).
    None,
}

impl Security {
    /// The port used when `port` is not set.
    pub(crate) fn default_port(self) -> u16 {
        match self {
            Security::Starttls => 587,
            Security::Tls => 465,
            Security::None => 25,
        }
    }
}

impl<'de> Deserialize<'de> for Security {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        match s.to_ascii_lowercase().as_str() {
            "starttls" => Ok(Security::Starttls),
            "tls" | "smtps" => Ok(Security::Tls),
            "none" => Ok(Security::None),
            other => Err(serde::de::Error::custom(format!(
                "security \"{other}\" is not supported; use \"starttls\", \"tls\" or \"none\""
            ))),
        }
    }
}

/// A mailbox such as `Kontra <kontra@example.de>`, checked when the config is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MailboxValue(pub Mailbox);

impl<'de> Deserialize<'de> for MailboxValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.trim().parse::<Mailbox>().map(MailboxValue).map_err(|e| {
            serde::de::Error::custom(format!(
                "\"{s}\" is not a mail address (e.g. \"Kontra <kontra@example.de>\"): {e}"
            ))
        })
    }
}

/// The `[mail]` section: where and how digests are delivered.
#[derive(Debug, Clone, PartialEq)]
pub struct MailConfig {
    /// SMTP server host name.
    pub(crate) host: String,
    /// SMTP port; defaults to the port of `security`.
    pub(crate) port: u16,
    /// Transport security.
    pub(crate) security: Security,
    /// User name for SMTP AUTH; no AUTH when absent.
    pub(crate) username: Option<String>,
    /// Environment variable holding the SMTP password.
    pub(crate) password_env: Option<String>,
    /// File holding the SMTP password (first line).
    pub(crate) password_file: Option<PathBuf>,
    /// Extra CA certificate (PEM) to trust, for servers with a company CA.
    pub(crate) ca_file: Option<PathBuf>,
    /// Sender of the digests.
    pub(crate) from: MailboxValue,
    /// Fallback recipient for alerts of counterparties without a known owner.
    pub(crate) to: Option<Email>,
    /// Time of day of the digest, in the monitor's time zone.
    pub(crate) digest_at: TimeOfDay,
    /// Language of the mails; defaults to the top-level `language`.
    pub(crate) language: Option<Language>,
    /// Send critical alerts at once instead of waiting for the digest.
    pub(crate) critical_immediately: bool,
    /// Send the digest also when there is nothing new, so a missing mail stands out.
    pub(crate) send_empty: bool,
    /// Seconds to wait for the server at each step.
    pub timeout_secs: u64,
    /// Minutes to wait before a failed digest is tried again.
    pub(crate) retry_minutes: u32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMail {
    host: String,
    port: Option<u16>,
    #[serde(default)]
    security: Security,
    username: Option<String>,
    password_env: Option<String>,
    password_file: Option<PathBuf>,
    ca_file: Option<PathBuf>,
    from: MailboxValue,
    to: Option<Email>,
    digest_at: Option<TimeOfDay>,
    language: Option<Language>,
    #[serde(default)]
    critical_immediately: bool,
    #[serde(default)]
    send_empty: bool,
    timeout_secs: Option<u64>,
    retry_minutes: Option<u32>,
}

impl<'de> Deserialize<'de> for MailConfig {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let r = RawMail::deserialize(d)?;
        let err = |m: &str| Err(serde::de::Error::custom(format!("[mail]: {m}")));
        if r.host.trim().is_empty() {
            return err("host must not be empty");
        }
        if r.port == Some(0) {
            return err("port 0 is not a port");
        }
        if r.password_env.is_some() && r.password_file.is_some() {
            return err("set password_env or password_file, not both");
        }
        if r.username.is_none() && (r.password_env.is_some() || r.password_file.is_some()) {
            return err("a password needs a username");
        }
        // The same range as every other timeout (see `sources::config::Seconds`): a larger
        // value would only hide a hung mail server.
        if let Some(t) = r.timeout_secs
            && !(1..=MAX_TIMEOUT_SECS).contains(&t)
        {
            return err(&format!(
                "timeout_secs = {t} is out of range (1 to {MAX_TIMEOUT_SECS})"
            ));
        }
        Ok(MailConfig {
            host: r.host.trim().to_string(),
            port: r.port.unwrap_or(r.security.default_port()),
            security: r.security,
            username: r.username,
            password_env: r.password_env,
            password_file: r.password_file,
            ca_file: r.ca_file,
            from: r.from,
            to: r.to,
            digest_at: r.digest_at.unwrap_or(TimeOfDay(
                chrono::NaiveTime::MIN + chrono::Duration::hours(8),
            )),
            language: r.language,
            critical_immediately: r.critical_immediately,
            send_empty: r.send_empty,
            timeout_secs: r.timeout_secs.unwrap_or(30),
            retry_minutes: r.retry_minutes.unwrap_or(15),
        })
    }
}

/// The format a webhook receiver expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WebhookKind {
    /// Slack incoming webhook (`{"text": ...}`).
    Slack,
    /// Microsoft Teams workflow webhook (an Adaptive Card message).
    Teams,
    /// Kontra's own JSON document, optionally signed with HMAC-SHA256.
    Json,
}

impl WebhookKind {}

impl<'de> Deserialize<'de> for WebhookKind {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        match s.to_ascii_lowercase().as_str() {
            "slack" => Ok(WebhookKind::Slack),
            "teams" => Ok(WebhookKind::Teams),
            "json" => Ok(WebhookKind::Json),
            other => Err(serde::de::Error::custom(format!(
                "webhook kind \"{other}\" is not supported; use \"slack\", \"teams\" or \"json\""
            ))),
        }
    }
}

/// An http(s) URL, checked when the config is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HttpUrl(pub url::Url);

impl<'de> Deserialize<'de> for HttpUrl {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        match url::Url::parse(s.trim()) {
            Ok(u) if (u.scheme() == "https" || u.scheme() == "http") && u.host().is_some() => {
                Ok(HttpUrl(u))
            }
            Ok(_) => Err(serde::de::Error::custom(format!(
                "\"{s}\" is not an http(s) URL"
            ))),
            Err(e) => Err(serde::de::Error::custom(format!(
                "\"{s}\" is not a URL: {e}"
            ))),
        }
    }
}

/// A minimum severity written `low`, `medium`, `high` or `critical`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SeverityValue(pub Severity);

impl<'de> Deserialize<'de> for SeverityValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse::<Severity>()
            .map(SeverityValue)
            .map_err(serde::de::Error::custom)
    }
}

/// One `[[webhooks]]` entry: a POST per new alert at or above `min_severity`.
#[derive(Debug, Clone, PartialEq)]
pub struct WebhookConfig {
    /// Where to POST.
    pub(crate) url: HttpUrl,
    /// Payload format.
    pub(crate) kind: WebhookKind,
    /// Alerts below this severity are not posted.
    pub(crate) min_severity: Severity,
    /// Environment variable holding the HMAC-SHA256 key (json kind only).
    pub(crate) secret_env: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWebhook {
    url: HttpUrl,
    kind: WebhookKind,
    min_severity: Option<SeverityValue>,
    secret_env: Option<String>,
}

impl<'de> Deserialize<'de> for WebhookConfig {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let r = RawWebhook::deserialize(d)?;
        if r.secret_env.is_some() && r.kind != WebhookKind::Json {
            return Err(serde::de::Error::custom(format!(
                "[[webhooks]] {}: secret_env is only supported for kind = \"json\"",
                r.url.0
            )));
        }
        Ok(WebhookConfig {
            url: r.url,
            kind: r.kind,
            min_severity: r.min_severity.map(|s| s.0).unwrap_or(Severity::High),
            secret_env: r.secret_env,
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::config::Config;
    use std::path::Path;

    fn parse(text: &str) -> Result<Config, String> {
        Config::parse(text, Path::new("k.toml")).map_err(|e| e.to_string())
    }

    #[test]
    fn mail_defaults_follow_security() {
        let c = parse("[mail]\nhost = \"smtp.example.de\"\nfrom = \"Kontra <k@example.de>\"\n")
            .unwrap();
        let m = c.mail.unwrap();
        assert_eq!(m.port, 587);
        assert_eq!(m.security, super::Security::Starttls);
        assert_eq!(m.digest_at.0.format("%H:%M").to_string(), "08:00");
        assert_eq!(m.from.0.email.to_string(), "k@example.de");
        let c = parse(
            "[mail]\nhost = \"h\"\nfrom = \"k@example.de\"\nsecurity = \"tls\"\ndigest_at = \"07:15\"\n",
        )
        .unwrap();
        let m = c.mail.unwrap();
        assert_eq!(m.port, 465);
        assert_eq!(m.digest_at.0.format("%H:%M").to_string(), "07:15");
    }

    #[test]
    fn bad_mail_values_are_named_with_line() {
        let err = parse("[mail]\nhost = \"h\"\nfrom = \"k@example.de\"\nsecurity = \"ssl3\"\n")
            .unwrap_err();
        assert!(err.contains("line 4") && err.contains("ssl3"), "{err}");
        let err = parse(
            "[mail]\nhost = \"h\"\nfrom = \"k@example.de\"\ntimeout_secs = 18446744073709551615\n",
        )
        .unwrap_err();
        assert!(
            err.contains("timeout_secs = 18446744073709551615 is out of range (1 to 604800)"),
            "{err}"
        );
        assert!(
            parse("[mail]\nhost = \"h\"\nfrom = \"k@example.de\"\ntimeout_secs = 604800\n").is_ok()
        );
        let err = parse("[mail]\nhost = \"h\"\nfrom = \"not an address\"\n").unwrap_err();
        assert!(
            err.contains("line 3") && err.contains("not an address"),
            "{err}"
        );
        let err = parse("[mail]\nhost = \"h\"\nfrom = \"k@example.de\"\ndigest_at = \"8 Uhr\"\n")
            .unwrap_err();
        assert!(err.contains("line 4") && err.contains("8 Uhr"), "{err}");
        let err = parse("[mail]\nhost = \"h\"\nfrom = \"k@example.de\"\nportt = 25\n").unwrap_err();
        assert!(err.contains("line 4") && err.contains("portt"), "{err}");
        let err = parse(
            "[mail]\nhost = \"h\"\nfrom = \"k@example.de\"\nusername = \"u\"\npassword_env = \"A\"\npassword_file = \"/p\"\n",
        )
        .unwrap_err();
        assert!(err.contains("not both") && err.contains("line"), "{err}");
    }

    #[test]
    fn commented_example_sections_parse_when_uncommented() {
        let example = crate::config::EXAMPLE;
        let start = example.find("# [mail]").unwrap();
        let key = regex::Regex::new(r"^# (\[\[?[a-z]+\]\]?$|[a-z_]+ = |# )").unwrap();
        let mut text = example[..start].to_string();
        for line in example[start..].lines() {
            if key.is_match(line) {
                text.push_str(&line[2..]);
            } else {
                text.push_str(line);
            }
            text.push('\n');
        }
        let c = parse(&text).unwrap();
        let m = c.mail.unwrap();
        assert_eq!(m.host, "smtp.example.de");
        assert_eq!(m.password_env.as_deref(), Some("KONTRA_SMTP_PASSWORD"));
        assert_eq!(m.to.unwrap().0, "compliance@example.de");
        assert_eq!(c.webhooks.len(), 2);
        assert_eq!(c.webhooks[1].kind, super::WebhookKind::Json);
    }

    #[test]
    fn webhooks_are_checked() {
        let c = parse(
            "[[webhooks]]\nurl = \"https://hooks.example/x\"\nkind = \"json\"\nsecret_env = \"S\"\n\n[[webhooks]]\nurl = \"https://hooks.slack.example/y\"\nkind = \"slack\"\nmin_severity = \"critical\"\n",
        )
        .unwrap();
        assert_eq!(c.webhooks.len(), 2);
        assert_eq!(c.webhooks[0].min_severity, crate::domain::Severity::High);
        assert_eq!(
            c.webhooks[1].min_severity,
            crate::domain::Severity::Critical
        );
        let err = parse("[[webhooks]]\nurl = \"ftp://x\"\nkind = \"json\"\n").unwrap_err();
        assert!(err.contains("line 2") && err.contains("ftp://x"), "{err}");
        let err =
            parse("[[webhooks]]\nurl = \"https://x.example\"\nkind = \"json\"\nmin_severity = \"urgent\"\n")
                .unwrap_err();
        assert!(err.contains("line 4") && err.contains("urgent"), "{err}");
        let err = parse(
            "[[webhooks]]\nurl = \"https://x.example\"\nkind = \"slack\"\nsecret_env = \"S\"\n",
        )
        .unwrap_err();
        assert!(err.contains("secret_env") && err.contains("line"), "{err}");
    }
}
