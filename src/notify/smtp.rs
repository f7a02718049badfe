//! SMTP delivery with lettre's async tokio/rustls connection, driven step by step so the caller
//! can record the hand-over (the outbox entry) at the last moment before the message body goes
//! out: everything before that point provably delivered nothing.

use super::NotifyError;
use super::config::{MailConfig, Security};
use super::digest::Rendered;
use lettre::address::Envelope;
use lettre::message::header::{Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, Message, MultiPart};
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, Certificate, TlsParameters};
use lettre::transport::smtp::commands::{Data, Mail, Rcpt};
use lettre::transport::smtp::extension::ClientId;
use std::future::Future;
use std::path::Path;
use std::time::Duration;

/// Everything needed to reach the mail server, with secrets already read.
#[derive(Clone)]
pub struct SmtpSettings {
    /// Server host name.
    pub host: String,
    /// Server port.
    pub port: u16,
    /// Transport security.
    pub security: Security,
    /// AUTH credentials, when configured.
    credentials: Option<Credentials>,
    /// Extra trusted CA certificate (PEM).
    ca_pem: Option<Vec<u8>>,
    /// Per-step timeout.
    pub timeout: Duration,
}

impl std::fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the credentials.
        f.debug_struct("SmtpSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("auth", &self.credentials.is_some())
            .finish()
    }
}

impl SmtpSettings {
    /// Reads the `[mail]` section and the password it points to.
    pub fn from_config(mail: &MailConfig, config_path: &Path) -> Result<SmtpSettings, NotifyError> {
        let password = crate::config::read_secret(
            config_path,
            ("mail.password_env", mail.password_env.as_deref()),
            ("mail.password_file", mail.password_file.as_deref()),
        )?;
        let credentials = mail
            .username
            .as_ref()
            .map(|u| Credentials::new(u.clone(), password.unwrap_or_default()));
        if credentials.is_some() && mail.security == Security::None {
            tracing::warn!(
                host = %mail.host,
                "mail: security = \"none\" sends the SMTP password unencrypted"
            );
        }
        let ca_pem = match &mail.ca_file {
            Some(p) => Some(std::fs::read(p).map_err(|e| NotifyError::Tls {
                message: format!("mail.ca_file {}: {e}", p.display()),
            })?),
            None => None,
        };
        Ok(SmtpSettings {
            host: mail.host.clone(),
            port: mail.port,
            security: mail.security,
            credentials,
            ca_pem,
            timeout: Duration::from_secs(mail.timeout_secs),
        })
    }

    fn tls(&self) -> Result<TlsParameters, SendError> {
        let mut b = TlsParameters::builder(self.host.clone());
        if let Some(pem) = &self.ca_pem {
            let cert = Certificate::from_pem(pem).map_err(|e| SendError::NotSent {
                reason: format!("mail.ca_file is not a PEM certificate: {e}"),
            })?;
            b = b.add_root_certificate(cert);
        }
        b.build().map_err(|e| SendError::NotSent {
            reason: format!("TLS setup: {e}"),
        })
    }
}

/// Why a message was not (or not provably) delivered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// The server was unreachable or refused before the body was handed over: nothing was
    /// delivered, and the alerts can be sent again later.
    #[error("{reason}")]
    NotSent {
        /// What happened (server reply or network error).
        reason: String,
    },
    /// The server answered the body with a refusal: nothing was delivered.
    #[error("{reason}")]
    Refused {
        /// The server's reply.
        reason: String,
    },
    /// The body was handed over but no reply came: the server may or may not have accepted it.
    #[error("{reason}")]
    Uncertain {
        /// What happened.
        reason: String,
    },
}

/// `Auto-Submitted: auto-generated` (RFC 3834), so vacation responders do not answer digests.
#[derive(Debug, Clone, Copy)]
struct AutoSubmitted;

impl Header for AutoSubmitted {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Auto-Submitted")
    }

    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(AutoSubmitted)
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "auto-generated".to_string())
    }
}

/// Builds the MIME message: multipart/alternative with the plain text first, then HTML.
pub fn build_message(
    from: &Mailbox,
    to: &str,
    rendered: &Rendered,
    message_id: &str,
) -> Result<Message, NotifyError> {
    let to: Mailbox = to.parse().map_err(|e| NotifyError::Message {
        message: format!("recipient \"{to}\": {e}"),
    })?;
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(rendered.subject.clone())
        .message_id(Some(message_id.to_string()))
        .date_now()
        .header(AutoSubmitted)
        .multipart(MultiPart::alternative_plain_html(
            rendered.text.clone(),
            rendered.html.clone(),
        ))
        .map_err(|e| NotifyError::Message {
            message: e.to_string(),
        })
}

/// A fresh `<random@domain>` Message-ID, with the sender's domain.
pub fn new_message_id(from: &Mailbox) -> String {
    let bytes: [u8; 16] = rand::random();
    format!("<kontra.{}@{}>", hex::encode(bytes), from.email.domain())
}

async fn step<T>(
    timeout: Duration,
    what: &str,
    f: impl Future<Output = Result<T, lettre::transport::smtp::Error>>,
) -> Result<T, String> {
    match tokio::time::timeout(timeout, f).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(format!("{what}: {e}")),
        Err(_) => Err(format!("{what}: no answer within {}s", timeout.as_secs())),
    }
}

/// Sends one message, calling `handing_over` after the server agreed to take the body (354)
/// and before the body is written.
///
/// `Ok` means the server accepted the message (2xx after the body). If `handing_over` fails the
/// transaction is abandoned and nothing is sent.
pub async fn send<E: std::fmt::Display>(
    s: &SmtpSettings,
    envelope: &Envelope,
    body: &[u8],
    handing_over: impl FnOnce() -> Result<(), E>,
) -> Result<String, SendError> {
    let not_sent = |reason: String| SendError::NotSent { reason };
    let hello = ClientId::default();
    let implicit_tls = match s.security {
        Security::Tls => Some(s.tls()?),
        Security::Starttls | Security::None => None,
    };
    let mut conn = step(
        s.timeout,
        &format!("connect to {}:{}", s.host, s.port),
        AsyncSmtpConnection::connect_tokio1(
            (s.host.as_str(), s.port),
            Some(s.timeout),
            &hello,
            implicit_tls,
            None,
        ),
    )
    .await
    .map_err(not_sent)?;
    if s.security == Security::Starttls {
        if !conn.can_starttls() {
            let _ = tokio::time::timeout(s.timeout, conn.abort()).await;
            return Err(not_sent(format!(
                "{} does not offer STARTTLS; refusing to send unencrypted (set security = \"none\" to allow)",
                s.host
            )));
        }
        let tls = match s.tls() {
            Ok(t) => t,
            Err(e) => {
                let _ = tokio::time::timeout(s.timeout, conn.abort()).await;
                return Err(e);
            }
        };
        // After a failed handshake the connection is unusable, even for QUIT: just drop it.
        step(s.timeout, "STARTTLS", conn.starttls(tls, &hello))
            .await
            .map_err(not_sent)?;
    }
    let result = transact(s, &mut conn, envelope, body, handing_over).await;
    match &result {
        Ok(_) => {
            let _ = tokio::time::timeout(s.timeout, conn.quit()).await;
        }
        Err(SendError::NotSent { .. }) => {
            let _ = tokio::time::timeout(s.timeout, conn.abort()).await;
        }
        // After a failed data phase servers disagree on the session state (some keep reading
        // the QUIT as message text); closing the connection is the unambiguous end.
        Err(SendError::Refused { .. } | SendError::Uncertain { .. }) => drop(conn),
    }
    result
}

async fn transact<E: std::fmt::Display>(
    s: &SmtpSettings,
    conn: &mut AsyncSmtpConnection,
    envelope: &Envelope,
    body: &[u8],
    handing_over: impl FnOnce() -> Result<(), E>,
) -> Result<String, SendError> {
    let not_sent = |reason: String| SendError::NotSent { reason };
    if let Some(c) = &s.credentials {
        step(
            s.timeout,
            "AUTH",
            conn.auth(&[Mechanism::Plain, Mechanism::Login], c),
        )
        .await
        .map_err(not_sent)?;
    }
    step(
        s.timeout,
        "MAIL FROM",
        conn.command(Mail::new(envelope.from().cloned(), vec![])),
    )
    .await
    .map_err(not_sent)?;
    for to in envelope.to() {
        step(
            s.timeout,
            &format!("RCPT TO {to}"),
            conn.command(Rcpt::new(to.clone(), vec![])),
        )
        .await
        .map_err(not_sent)?;
    }
    step(s.timeout, "DATA", conn.command(Data))
        .await
        .map_err(not_sent)?;
    handing_over().map_err(|e| not_sent(format!("recording the hand-over failed: {e}")))?;
    match tokio::time::timeout(s.timeout, conn.message(body)).await {
        Ok(Ok(resp)) => Ok(resp.message().collect::<Vec<_>>().join(" ")),
        // A reply with a negative code is a definite refusal; anything else (connection lost,
        // unparseable reply, timeout) leaves it open whether the server took the message.
        Ok(Err(e)) if e.status().is_some() => Err(SendError::Refused {
            reason: format!("message refused: {e}"),
        }),
        Ok(Err(e)) => Err(SendError::Uncertain {
            reason: format!("after the message was handed over: {e}"),
        }),
        Err(_) => Err(SendError::Uncertain {
            reason: format!(
                "no reply within {}s after the message was handed over",
                s.timeout.as_secs()
            ),
        }),
    }
}
