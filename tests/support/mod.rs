//! The one home of test support, included by every integration test as `mod support;`:
//! here a real SMTP server (mailin-embedded), an HTTP server (hyper) on 127.0.0.1 and a store
//! with counterparties and alerts for the delivery tests; `common` the registry fakes (local
//! VIES, eVatR, GLEIF, Handelsregister and insolvency servers), fixtures and CLI helpers;
//! `tui` the UI harness on ratatui's TestBackend.
#![allow(dead_code)]

pub mod common;
pub mod tui;

use chrono::{DateTime, TimeZone, Utc};
use kontra::config::Config;
use kontra::domain::alert::Bilingual;
use kontra::domain::{Alert, AlertKind, CheckRun, CounterpartyDraft};
use kontra::store::Store;
use mailin_embedded::{Handler, Response, Server, SslConfig, response};
use std::net::{IpAddr, TcpListener};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How the SMTP server treats the next transactions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Accept everything.
    Accept,
    /// 550 on RCPT TO.
    RefuseRcpt,
    /// 554 after the message body.
    RefuseData,
    /// Read the body, then wait this long before accepting (client timeouts).
    SlowAccept(Duration),
}

/// One message the server accepted.
#[derive(Debug, Clone, Default)]
pub struct Received {
    pub from: String,
    pub to: Vec<String>,
    pub data: Vec<u8>,
}

#[derive(Clone)]
struct SmtpHandler {
    mode: Arc<Mutex<Mode>>,
    inbox: Arc<Mutex<Vec<Received>>>,
    current: Received,
    /// (user, password) the server accepts with AUTH PLAIN.
    login: Option<(String, String)>,
    authenticated: Arc<Mutex<Vec<String>>>,
}

impl Handler for SmtpHandler {
    fn mail(&mut self, _ip: IpAddr, _domain: &str, from: &str) -> Response {
        self.current = Received {
            from: from.to_string(),
            ..Received::default()
        };
        response::OK
    }

    fn rcpt(&mut self, to: &str) -> Response {
        if *self.mode.lock().unwrap() == Mode::RefuseRcpt {
            return response::NO_MAILBOX;
        }
        self.current.to.push(to.to_string());
        response::OK
    }

    fn auth_plain(&mut self, _authz: &str, user: &str, password: &str) -> Response {
        match &self.login {
            Some((u, p)) if u == user && p == password => {
                self.authenticated.lock().unwrap().push(user.to_string());
                response::AUTH_OK
            }
            _ => response::INVALID_CREDENTIALS,
        }
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.current.data.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        let mode = *self.mode.lock().unwrap();
        match mode {
            Mode::RefuseData => response::TRANSACTION_FAILED,
            Mode::SlowAccept(d) => {
                std::thread::sleep(d);
                self.inbox.lock().unwrap().push(self.current.clone());
                response::OK
            }
            _ => {
                self.inbox.lock().unwrap().push(self.current.clone());
                response::OK
            }
        }
    }
}

/// A real SMTP server on 127.0.0.1 (runs on its own threads until the test process ends).
pub struct SmtpServer {
    pub port: u16,
    mode: Arc<Mutex<Mode>>,
    inbox: Arc<Mutex<Vec<Received>>>,
    authenticated: Arc<Mutex<Vec<String>>>,
}

/// STARTTLS and AUTH PLAIN settings of a test server.
pub struct Secure {
    pub cert_path: String,
    pub key_path: String,
    pub login: (String, String),
}

impl SmtpServer {
    pub fn start(mode: Mode) -> SmtpServer {
        Self::start_with(mode, None)
    }

    pub fn start_with(mode: Mode, secure: Option<Secure>) -> SmtpServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let mode = Arc::new(Mutex::new(mode));
        let inbox = Arc::new(Mutex::new(Vec::new()));
        let authenticated = Arc::new(Mutex::new(Vec::new()));
        let handler = SmtpHandler {
            mode: mode.clone(),
            inbox: inbox.clone(),
            current: Received::default(),
            login: secure.as_ref().map(|s| s.login.clone()),
            authenticated: authenticated.clone(),
        };
        let mut server = Server::new(handler);
        server.with_name("mx.test.local");
        match secure {
            Some(s) => {
                server
                    .with_ssl(SslConfig::SelfSigned {
                        cert_path: s.cert_path,
                        key_path: s.key_path,
                    })
                    .unwrap()
                    .with_auth(mailin_embedded::AuthMechanism::Plain);
            }
            None => {
                server.with_ssl(SslConfig::None).unwrap();
            }
        }
        server.with_num_threads(2).with_tcp_listener(listener);
        std::thread::spawn(move || {
            let _ = server.serve();
        });
        SmtpServer {
            port,
            mode,
            inbox,
            authenticated,
        }
    }

    pub fn authenticated(&self) -> Vec<String> {
        self.authenticated.lock().unwrap().clone()
    }

    pub fn set_mode(&self, mode: Mode) {
        *self.mode.lock().unwrap() = mode;
    }

    pub fn received(&self) -> Vec<Received> {
        self.inbox.lock().unwrap().clone()
    }
}

/// A port on 127.0.0.1 where nothing listens.
pub fn closed_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

pub fn t(h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, h, m, 0).unwrap()
}

/// Config text for a mail server on 127.0.0.1:`port`; `extra` is appended to `[mail]`.
pub fn config_text(port: u16, language: &str, extra: &str) -> String {
    format!(
        r#"language = "{language}"

[[analysts]]
name = "anna"
email = "anna@example.de"

[[analysts]]
name = "Bernd"
email = "bernd@example.de"

[monitor]
timezone = "Europe/Berlin"

[mail]
host = "127.0.0.1"
port = {port}
security = "none"
from = "Kontra <kontra@example.de>"
to = "team@example.de"
timeout_secs = 5
{extra}
"#
    )
}

pub fn config(port: u16, language: &str, extra: &str) -> Config {
    Config::parse(&config_text(port, language, extra), Path::new("test.toml")).unwrap()
}

fn alert(cp: u64, kind: AlertKind, at: DateTime<Utc>, de: &str, en: &str) -> Alert {
    Alert {
        id: 0,
        kind,
        severity: kind.default_severity(),
        counterparty_id: cp,
        check_run_id: None,
        message: Bilingual {
            de: de.to_string(),
            en: en.to_string(),
        },
        dedup_key: format!("{cp}:{kind}:{at}"),
        created_at: at,
        sent_at: None,
        acknowledged_by: None,
        acknowledged_at: None,
        subject: None,
    }
}

/// Stores alerts for one counterparty the way the monitor does (a check run with its alerts).
pub fn raise(
    store: &Store,
    cp: u64,
    alerts: Vec<(AlertKind, DateTime<Utc>, &str, &str)>,
) -> Vec<u64> {
    let run = CheckRun {
        id: 0,
        counterparty_id: cp,
        started_at: alerts.first().map(|a| a.1).unwrap_or_else(Utc::now),
        finished_at: alerts.first().map(|a| a.1).unwrap_or_else(Utc::now),
        trigger: "monitor".into(),
        results: vec![],
    };
    let alerts = alerts
        .into_iter()
        .map(|(k, at, de, en)| alert(cp, k, at, de, en))
        .collect();
    let (_, fresh) = store.record_check(run, alerts).unwrap();
    fresh.into_iter().map(|a| a.id).collect()
}

fn add(store: &Store, name: &str, vat: &str, owner: Option<&str>) -> u64 {
    let cp = CounterpartyDraft {
        name: Some(name.into()),
        country: Some("DE".into()),
        vat: Some(vat.into()),
        owner: owner.map(str::to_string),
        monitor: Some(true),
        ..CounterpartyDraft::default()
    }
    .apply(None, t(0, 0))
    .unwrap();
    store.add_counterparty(cp, "test").unwrap().id
}

/// Ids of the seeded alerts, by meaning.
#[derive(Debug, Clone, Copy)]
pub struct Seeded {
    pub mueller: u64,
    pub beta: u64,
    pub gamma: u64,
    /// Müller: VAT invalid (critical), name changed (medium).
    pub vat_invalid: u64,
    pub name_changed: u64,
    /// Beta: sanctions removed (low), register status (high).
    pub sanctions_removed: u64,
    pub register_status: u64,
    /// Gamma (no owner): insolvency (critical).
    pub insolvency: u64,
}

/// Three counterparties (owners anna, bernd, none) with five alerts.
pub fn seed(store: &Store) -> Seeded {
    let mueller = add(store, "Müller & Söhne GmbH", "DE136695976", Some("Anna"));
    let beta = add(store, "Beta Handels AG", "DE123456788", Some("bernd"));
    let gamma = add(store, "Gamma Bau KG", "DE811128135", None);
    let m = raise(
        store,
        mueller,
        vec![
            (
                AlertKind::CompanyNameChanged,
                t(2, 5),
                "Name im Handelsregister: „Müller & Söhne GmbH“ → „Müller Holding GmbH“",
                "Name in the commercial register: \"Müller & Söhne GmbH\" -> \"Müller Holding GmbH\"",
            ),
            (
                AlertKind::VatInvalid,
                t(2, 10),
                "VIES meldet die USt-IdNr. DE136695976 als ungültig",
                "VIES reports VAT number DE136695976 as invalid",
            ),
        ],
    );
    let b = raise(
        store,
        beta,
        vec![
            (
                AlertKind::SanctionsRemoved,
                t(2, 1),
                "Treffer auf der EU-Liste entfallen",
                "EU list match removed",
            ),
            (
                AlertKind::RegisterStatusChanged,
                t(2, 2),
                "Registerstatus: aktuell → in Liquidation",
                "Register status: current -> in liquidation",
            ),
        ],
    );
    let g = raise(
        store,
        gamma,
        vec![(
            AlertKind::InsolvencyStarted,
            t(2, 3),
            "Eröffnung des Insolvenzverfahrens, AG Charlottenburg 36a IN 1234/26",
            "Insolvency proceedings opened, AG Charlottenburg 36a IN 1234/26",
        )],
    );
    Seeded {
        mueller,
        beta,
        gamma,
        name_changed: m[0],
        vat_invalid: m[1],
        sanctions_removed: b[0],
        register_status: b[1],
        insolvency: g[0],
    }
}

/// A parsed received mail: headers and the decoded text and HTML parts.
#[derive(Debug)]
pub struct Mail {
    pub envelope_to: Vec<String>,
    pub subject: String,
    pub to: String,
    pub message_id: String,
    pub auto_submitted: String,
    pub top_type: String,
    pub part_types: Vec<String>,
    pub text: String,
    pub html: String,
}

pub fn parse(r: &Received) -> Mail {
    let m = mailparse::parse_mail(&r.data).unwrap();
    let header = |name: &str| {
        m.headers
            .iter()
            .find(|h| h.get_key().eq_ignore_ascii_case(name))
            .map(|h| h.get_value())
            .unwrap_or_default()
    };
    let part_types: Vec<String> = m
        .subparts
        .iter()
        .map(|p| p.ctype.mimetype.clone())
        .collect();
    let body_of = |ty: &str| {
        m.subparts
            .iter()
            .find(|p| p.ctype.mimetype == ty)
            .map(|p| p.get_body().unwrap())
            .unwrap_or_default()
    };
    Mail {
        envelope_to: r.to.clone(),
        subject: header("Subject"),
        to: header("To"),
        message_id: header("Message-ID"),
        auto_submitted: header("Auto-Submitted"),
        top_type: m.ctype.mimetype.clone(),
        part_types,
        text: body_of("text/plain"),
        html: body_of("text/html"),
    }
}

/// One request the HTTP server received.
#[derive(Debug, Clone)]
pub struct HttpRequest {
    pub path: String,
    pub headers: std::collections::HashMap<String, String>,
    pub body: Vec<u8>,
}

impl HttpRequest {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

/// A real HTTP/1.1 server (hyper) on 127.0.0.1 that answers with scripted statuses (then 200)
/// and records every request.
pub struct HttpServer {
    pub port: u16,
    requests: Arc<Mutex<Vec<HttpRequest>>>,
    script: Arc<Mutex<std::collections::VecDeque<u16>>>,
    headers: Arc<Mutex<Vec<(&'static str, String)>>>,
}

impl HttpServer {
    pub async fn start(statuses: Vec<u16>) -> HttpServer {
        use http_body_util::{BodyExt, Full};
        use hyper::body::Bytes;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let script = Arc::new(Mutex::new(
            statuses
                .into_iter()
                .collect::<std::collections::VecDeque<u16>>(),
        ));
        let headers: Arc<Mutex<Vec<(&'static str, String)>>> = Arc::new(Mutex::new(Vec::new()));
        let (reqs, scr, loc) = (requests.clone(), script.clone(), headers.clone());
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let (reqs, scr, loc) = (reqs.clone(), scr.clone(), loc.clone());
                tokio::spawn(async move {
                    let svc = hyper::service::service_fn(
                        move |req: hyper::Request<hyper::body::Incoming>| {
                            let (reqs, scr, loc) = (reqs.clone(), scr.clone(), loc.clone());
                            async move {
                                let (parts, body) = req.into_parts();
                                let body = body.collect().await?.to_bytes().to_vec();
                                let headers = parts
                                    .headers
                                    .iter()
                                    .map(|(k, v)| {
                                        (
                                            k.as_str().to_ascii_lowercase(),
                                            v.to_str().unwrap_or_default().to_string(),
                                        )
                                    })
                                    .collect();
                                reqs.lock().unwrap().push(HttpRequest {
                                    path: parts.uri.path().to_string(),
                                    headers,
                                    body,
                                });
                                let status: u16 = scr.lock().unwrap().pop_front().unwrap_or(200);
                                let mut resp = hyper::Response::builder().status(status);
                                for (name, value) in loc.lock().unwrap().iter() {
                                    resp = resp.header(*name, value);
                                }
                                Ok::<_, hyper::Error>(
                                    resp.body(Full::new(Bytes::from_static(b"ok"))).unwrap(),
                                )
                            }
                        },
                    );
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(hyper_util::rt::TokioIo::new(stream), svc)
                        .await;
                });
            }
        });
        HttpServer {
            port,
            requests,
            script,
            headers,
        }
    }

    /// Every answer from now on carries this `Location` header (for redirects).
    pub fn set_location(&self, to: &str) {
        self.set_header("location", to);
    }

    /// Every answer from now on carries this header (such as `retry-after`).
    pub fn set_header(&self, name: &'static str, value: &str) {
        self.headers.lock().unwrap().push((name, value.to_string()));
    }

    pub fn requests(&self) -> Vec<HttpRequest> {
        self.requests.lock().unwrap().clone()
    }

    pub fn push_statuses(&self, statuses: &[u16]) {
        self.script.lock().unwrap().extend(statuses.iter().copied());
    }
}

/// Writes a self-signed certificate for 127.0.0.1 and localhost (P-256) and its key as PEM;
/// returns (certificate path, key path).
pub fn self_signed_cert(dir: &Path) -> (String, String) {
    use openssl::asn1::Asn1Time;
    use openssl::bn::BigNum;
    use openssl::ec::{EcGroup, EcKey};
    use openssl::hash::MessageDigest;
    use openssl::nid::Nid;
    use openssl::pkey::PKey;
    use openssl::x509::extension::SubjectAlternativeName;
    use openssl::x509::{X509Builder, X509NameBuilder};
    let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap();
    let key = PKey::from_ec_key(EcKey::generate(&group).unwrap()).unwrap();
    let mut name = X509NameBuilder::new().unwrap();
    name.append_entry_by_text("CN", "mx.test.local").unwrap();
    let name = name.build();
    let mut b = X509Builder::new().unwrap();
    b.set_version(2).unwrap();
    b.set_serial_number(&BigNum::from_u32(7).unwrap().to_asn1_integer().unwrap())
        .unwrap();
    b.set_subject_name(&name).unwrap();
    b.set_issuer_name(&name).unwrap();
    b.set_pubkey(&key).unwrap();
    b.set_not_before(&Asn1Time::days_from_now(0).unwrap())
        .unwrap();
    b.set_not_after(&Asn1Time::days_from_now(2).unwrap())
        .unwrap();
    let san = SubjectAlternativeName::new()
        .ip("127.0.0.1")
        .dns("localhost")
        .build(&b.x509v3_context(None, None))
        .unwrap();
    b.append_extension(san).unwrap();
    b.sign(&key, MessageDigest::sha256()).unwrap();
    let cert = b.build();
    let cert_path = dir.join("cert.pem");
    let key_path = dir.join("key.pem");
    std::fs::write(&cert_path, cert.to_pem().unwrap()).unwrap();
    std::fs::write(&key_path, key.private_key_to_pem_pkcs8().unwrap()).unwrap();
    (
        cert_path.display().to_string(),
        key_path.display().to_string(),
    )
}

/// How the hand-rolled SMTP peer ([`RawSmtp`]) ends each transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RawMode {
    /// Answer the body with 250 and keep the message.
    Accept,
    /// Close the connection right after answering DATA with 354.
    CloseAfter354,
    /// Read the first line of the body, then close (the rest stays unread).
    CloseMidBody,
    /// Read the whole body up to the final `.`, then close without a reply.
    CloseAfterDot,
}

/// A plain SMTP server on 127.0.0.1, written by hand so that it can break a transaction at an
/// exact point, which a real server library does not offer. One thread per connection.
pub struct RawSmtp {
    pub port: u16,
    mode: Arc<Mutex<RawMode>>,
    /// Messages answered with 250 (raw DATA, dot-stuffing removed).
    accepted: Arc<Mutex<Vec<Vec<u8>>>>,
    /// Messages whose final `.` arrived, whatever the answer.
    complete: Arc<Mutex<usize>>,
}

impl RawSmtp {
    pub fn start(mode: RawMode) -> RawSmtp {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let mode = Arc::new(Mutex::new(mode));
        let accepted = Arc::new(Mutex::new(Vec::new()));
        let complete = Arc::new(Mutex::new(0));
        let (m, a, c) = (mode.clone(), accepted.clone(), complete.clone());
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(conn) = conn else { continue };
                let (m, a, c) = (m.clone(), a.clone(), c.clone());
                std::thread::spawn(move || {
                    let _ = raw_session(conn, &m, &a, &c);
                });
            }
        });
        RawSmtp {
            port,
            mode,
            accepted,
            complete,
        }
    }

    pub fn set_mode(&self, mode: RawMode) {
        *self.mode.lock().unwrap() = mode;
    }

    /// Messages the server accepted (250 after the final `.`).
    pub fn accepted(&self) -> Vec<Vec<u8>> {
        self.accepted.lock().unwrap().clone()
    }

    /// Messages whose final `.` reached the server.
    pub fn complete(&self) -> usize {
        *self.complete.lock().unwrap()
    }
}

fn raw_session(
    conn: std::net::TcpStream,
    mode: &Mutex<RawMode>,
    accepted: &Mutex<Vec<Vec<u8>>>,
    complete: &Mutex<usize>,
) -> std::io::Result<()> {
    use std::io::{BufRead, BufReader, Write};
    let mut w = conn.try_clone()?;
    let mut r = BufReader::new(conn);
    w.write_all(b"220 raw.test.local ESMTP\r\n")?;
    let mut line = String::new();
    loop {
        line.clear();
        if r.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let verb = line.get(..4).unwrap_or("").to_ascii_uppercase();
        match verb.as_str() {
            "EHLO" => w.write_all(b"250-raw.test.local\r\n250 8BITMIME\r\n")?,
            "HELO" | "MAIL" | "RCPT" | "RSET" | "NOOP" => w.write_all(b"250 OK\r\n")?,
            "QUIT" => {
                w.write_all(b"221 bye\r\n")?;
                return Ok(());
            }
            "DATA" => {
                let m = *mode.lock().unwrap();
                w.write_all(b"354 go ahead\r\n")?;
                w.flush()?;
                if m == RawMode::CloseAfter354 {
                    return Ok(());
                }
                let mut data = Vec::new();
                let mut first = true;
                loop {
                    let mut l = Vec::new();
                    if r.read_until(b'\n', &mut l)? == 0 {
                        return Ok(());
                    }
                    if first && m == RawMode::CloseMidBody {
                        return Ok(());
                    }
                    first = false;
                    if l == b".\r\n" {
                        break;
                    }
                    let l = if l.starts_with(b"..") {
                        &l[1..]
                    } else {
                        &l[..]
                    };
                    data.extend_from_slice(l);
                }
                *complete.lock().unwrap() += 1;
                if m == RawMode::CloseAfterDot {
                    return Ok(());
                }
                accepted.lock().unwrap().push(data);
                w.write_all(b"250 queued\r\n")?;
            }
            _ => w.write_all(b"502 not implemented\r\n")?,
        }
    }
}

/// An HTTP endpoint on 127.0.0.1 that reads each request whole and then either answers 200 or,
/// while `silent`, never answers (holding the connection open). Records each request's
/// `X-Kontra-Delivery` header.
pub struct SilentHttp {
    pub port: u16,
    silent: Arc<Mutex<bool>>,
    deliveries: Arc<Mutex<Vec<String>>>,
}

impl SilentHttp {
    pub fn start(silent: bool) -> SilentHttp {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let silent = Arc::new(Mutex::new(silent));
        let deliveries = Arc::new(Mutex::new(Vec::new()));
        let (s, d) = (silent.clone(), deliveries.clone());
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(conn) = conn else { continue };
                let (s, d) = (s.clone(), d.clone());
                std::thread::spawn(move || {
                    let _ = silent_session(conn, &s, &d);
                });
            }
        });
        SilentHttp {
            port,
            silent,
            deliveries,
        }
    }

    pub fn set_silent(&self, silent: bool) {
        *self.silent.lock().unwrap() = silent;
    }

    /// The delivery ids of the requests received, in order.
    pub fn deliveries(&self) -> Vec<String> {
        self.deliveries.lock().unwrap().clone()
    }
}

fn silent_session(
    conn: std::net::TcpStream,
    silent: &Mutex<bool>,
    deliveries: &Mutex<Vec<String>>,
) -> std::io::Result<()> {
    use std::io::{BufRead, BufReader, Read, Write};
    let mut w = conn.try_clone()?;
    let mut r = BufReader::new(conn);
    loop {
        let mut length = 0usize;
        let mut delivery = String::new();
        let mut line = String::new();
        if r.read_line(&mut line)? == 0 {
            return Ok(());
        }
        loop {
            let mut h = String::new();
            if r.read_line(&mut h)? == 0 {
                return Ok(());
            }
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((k, v)) = h.split_once(':') {
                if k.eq_ignore_ascii_case("content-length") {
                    length = v.trim().parse().unwrap_or(0);
                }
                if k.eq_ignore_ascii_case("x-kontra-delivery") {
                    delivery = v.trim().to_string();
                }
            }
        }
        let mut body = vec![0u8; length];
        r.read_exact(&mut body)?;
        deliveries.lock().unwrap().push(delivery);
        if *silent.lock().unwrap() {
            std::thread::sleep(Duration::from_secs(30));
            return Ok(());
        }
        w.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")?;
    }
}
