//! SMTP delivery with lettre's async tokio/rustls connection, driven step by step so the caller
//! can record the hand-over (the outbox entry) at the last moment before the message body goes
//! out: everything before that point provably delivered nothing.
//!
//! Where a failure happened decides what it means, and lettre's `message` reports a lost
//! connection the same way whether it broke while the body was being written or while waiting
//! for the reply. So lettre talks over a [`Watched`] TCP stream of ours (STARTTLS and implicit
//! TLS run on top of it): once the server said 354, every write first checks whether the server
//! already closed the connection or spoke (it must stay silent until the final `.`), and fails
//! instead of writing; and since lettre reads the reply only after the whole body and the final
//! `.` were written and flushed, the first read tells that the message is complete. A failure
//! before that read is "not sent" (the server cannot have accepted a message without its final
//! `.`); only a missing reply after it is "uncertain".

use super::NotifyError;
use super::config::{MailConfig, Security};
use super::digest::Rendered;
use lettre::address::Envelope;
use lettre::message::header::{Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, Message, MultiPart};
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
#[allow(deprecated)]
use lettre::transport::smtp::client::AsyncNetworkStream;
use lettre::transport::smtp::client::{
    AsyncSmtpConnection, AsyncTokioStream, Certificate, TlsParameters,
};
use lettre::transport::smtp::commands::{Data, Mail, Rcpt};
use lettre::transport::smtp::extension::ClientId;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

/// Everything needed to reach the mail server, with secrets already read.
#[derive(Clone)]
pub(crate) struct SmtpSettings {
    /// Server host name.
    pub(crate) host: String,
    /// Server port.
    pub(crate) port: u16,
    /// Transport security.
    pub(crate) security: Security,
    /// AUTH credentials, when configured.
    credentials: Option<Credentials>,
    /// Extra trusted CA certificate (PEM).
    ca_pem: Option<Vec<u8>>,
    /// Per-step timeout.
    pub(crate) timeout: Duration,
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
    pub(crate) fn from_config(
        mail: &MailConfig,
        config_path: &Path,
    ) -> Result<SmtpSettings, NotifyError> {
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
pub(crate) enum SendError {
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
    /// The whole message, final `.` included, was written and flushed, and no reply came: the
    /// server may or may not have accepted it.
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
pub(crate) fn build_message(
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
pub(crate) fn new_message_id(from: &Mailbox) -> String {
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

/// `Watch::early`: the server closed the connection before the end of the message.
const EARLY_CLOSED: u8 = 1;
/// `Watch::early`: the server sent something before the end of the message.
const EARLY_SPOKE: u8 = 2;

/// What the [`Watched`] stream saw of one transaction's message phase.
#[derive(Debug, Default)]
struct Watch {
    /// Set after the server's 354: from then on the server must stay silent until the final `.`.
    armed: AtomicBool,
    /// Set by the first read after arming. lettre reads the reply only after the body and the
    /// final `.` were written and flushed, so this means "the whole message went out".
    reading: AtomicBool,
    /// Why a write of the message was refused (`EARLY_*`; 0 while nothing unusual was seen).
    early: AtomicU8,
}

impl Watch {
    fn complete(&self) -> bool {
        self.reading.load(Ordering::SeqCst)
    }
}

/// The TCP stream lettre talks over, watching the message phase (see the module doc).
#[derive(Debug)]
struct Watched {
    tcp: TcpStream,
    watch: Arc<Watch>,
}

impl Watched {
    /// Before writing part of the message: fails when the server already closed the
    /// connection or said something, so that the final `.` is never written after that.
    fn check_silent(&mut self, cx: &mut Context<'_>) -> io::Result<()> {
        let mut byte = [0u8; 1];
        let mut peek = ReadBuf::new(&mut byte);
        match self.tcp.poll_peek(cx, &mut peek) {
            Poll::Pending => Ok(()),
            Poll::Ready(Ok(0)) => {
                self.watch.early.store(EARLY_CLOSED, Ordering::SeqCst);
                Err(io::Error::new(
                    io::ErrorKind::ConnectionAborted,
                    "the server closed the connection before the end of the message",
                ))
            }
            Poll::Ready(Ok(_)) => {
                self.watch.early.store(EARLY_SPOKE, Ordering::SeqCst);
                Err(io::Error::new(
                    io::ErrorKind::ConnectionAborted,
                    "the server answered before the end of the message",
                ))
            }
            Poll::Ready(Err(e)) => Err(e),
        }
    }
}

impl AsyncRead for Watched {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.watch.armed.load(Ordering::SeqCst) {
            this.watch.reading.store(true, Ordering::SeqCst);
        }
        Pin::new(&mut this.tcp).poll_read(cx, buf)
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.watch.armed.load(Ordering::SeqCst)
            && !this.watch.reading.load(Ordering::SeqCst)
            && let Err(e) = this.check_silent(cx)
        {
            return Poll::Ready(Err(e));
        }
        Pin::new(&mut this.tcp).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().tcp).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().tcp).poll_shutdown(cx)
    }
}

impl AsyncTokioStream for Watched {
    fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.tcp.peer_addr()
    }
}

/// lettre's TLS stream over a [`Watched`] one, for implicit TLS: lettre's own implicit-TLS
/// connect opens its own socket, so the handshake is done here and the SMTP session runs on top.
#[allow(deprecated)]
#[derive(Debug)]
struct ImplicitTls(AsyncNetworkStream);

impl AsyncRead for ImplicitTls {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let unfilled = buf.initialize_unfilled();
        match futures::io::AsyncRead::poll_read(Pin::new(&mut this.0), cx, unfilled) {
            Poll::Ready(Ok(n)) => {
                buf.advance(n);
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl AsyncWrite for ImplicitTls {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        futures::io::AsyncWrite::poll_write(Pin::new(&mut self.get_mut().0), cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        futures::io::AsyncWrite::poll_flush(Pin::new(&mut self.get_mut().0), cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        futures::io::AsyncWrite::poll_close(Pin::new(&mut self.get_mut().0), cx)
    }
}

impl AsyncTokioStream for ImplicitTls {
    fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.0.peer_addr()
    }
}

/// Connects over a [`Watched`] stream (TLS first for implicit TLS) and greets the server.
async fn connect(
    s: &SmtpSettings,
    hello: &ClientId,
    watch: Arc<Watch>,
) -> Result<AsyncSmtpConnection, SendError> {
    let not_sent = |reason: String| SendError::NotSent { reason };
    let what = format!("connect to {}:{}", s.host, s.port);
    let tcp = match tokio::time::timeout(s.timeout, TcpStream::connect((s.host.as_str(), s.port)))
        .await
    {
        Ok(Ok(t)) => t,
        Ok(Err(e)) => return Err(not_sent(format!("{what}: {e}"))),
        Err(_) => {
            return Err(not_sent(format!(
                "{what}: no answer within {}s",
                s.timeout.as_secs()
            )));
        }
    };
    let watched = Box::new(Watched { tcp, watch });
    let transport: Box<dyn AsyncTokioStream> = match s.security {
        Security::Tls => {
            let tls = s.tls()?;
            #[allow(deprecated)]
            let mut stream = AsyncNetworkStream::use_existing_tokio1(watched);
            step(s.timeout, &format!("{what}: TLS"), stream.upgrade_tls(tls))
                .await
                .map_err(not_sent)?;
            Box::new(ImplicitTls(stream))
        }
        Security::Starttls | Security::None => watched,
    };
    step(
        s.timeout,
        &what,
        AsyncSmtpConnection::connect_with_transport(transport, hello),
    )
    .await
    .map_err(not_sent)
}

/// Sends one message, calling `handing_over` after the server agreed to take the body (354)
/// and before the body is written.
///
/// `Ok` means the server accepted the message (2xx after the body). If `handing_over` fails the
/// transaction is abandoned and nothing is sent. [`SendError::Uncertain`] only when the whole
/// message, final `.` included, was written and flushed and no reply came.
pub(crate) async fn send<E: std::fmt::Display>(
    s: &SmtpSettings,
    envelope: &Envelope,
    body: &[u8],
    handing_over: impl FnOnce() -> Result<(), E>,
) -> Result<String, SendError> {
    let not_sent = |reason: String| SendError::NotSent { reason };
    let hello = ClientId::default();
    let watch = Arc::new(Watch::default());
    let mut conn = connect(s, &hello, watch.clone()).await?;
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
    let result = transact(s, &mut conn, envelope, body, handing_over, &watch).await;
    match &result {
        Ok(_) => {
            let _ = tokio::time::timeout(s.timeout, conn.quit()).await;
        }
        // Before the 354 the session is in a known state and QUIT ends it politely.
        Err(SendError::NotSent { .. }) if !watch.armed.load(Ordering::SeqCst) => {
            let _ = tokio::time::timeout(s.timeout, conn.abort()).await;
        }
        // Inside or after the data phase servers disagree on the session state (some keep
        // reading a QUIT as message text); closing the connection is the unambiguous end, and
        // a message without its final `.` is discarded.
        Err(_) => drop(conn),
    }
    result
}

async fn transact<E: std::fmt::Display>(
    s: &SmtpSettings,
    conn: &mut AsyncSmtpConnection,
    envelope: &Envelope,
    body: &[u8],
    handing_over: impl FnOnce() -> Result<(), E>,
    watch: &Watch,
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
    watch.armed.store(true, Ordering::SeqCst);
    let outcome = tokio::time::timeout(s.timeout, conn.message(body)).await;
    let incomplete = |what: String| {
        let why = match watch.early.load(Ordering::SeqCst) {
            EARLY_CLOSED => "the server closed the connection",
            EARLY_SPOKE => "the server answered early",
            _ => "the connection failed",
        };
        SendError::NotSent {
            reason: format!(
                "message not completely handed over ({why}; the final \".\" was not sent): {what}"
            ),
        }
    };
    match outcome {
        Ok(Ok(resp)) => Ok(resp.message().collect::<Vec<_>>().join(" ")),
        // A reply with a negative code is a definite refusal.
        Ok(Err(e)) if e.status().is_some() => Err(SendError::Refused {
            reason: format!("message refused: {e}"),
        }),
        Ok(Err(e)) if !watch.complete() => Err(incomplete(e.to_string())),
        Err(_) if !watch.complete() => Err(incomplete(format!(
            "writing did not finish within {}s",
            s.timeout.as_secs()
        ))),
        // The whole message went out and then the reply was lost or never came: the server
        // may or may not have taken it.
        Ok(Err(e)) => Err(SendError::Uncertain {
            reason: format!("no reply after the whole message was handed over: {e}"),
        }),
        Err(_) => Err(SendError::Uncertain {
            reason: format!(
                "no reply within {}s after the whole message was handed over",
                s.timeout.as_secs()
            ),
        }),
    }
}
