//! Test support: a small HTTP/1.1 server on 127.0.0.1 that serves fixture payloads, records
//! every request (with its tokio time) and can delay, truncate or garble replies; and a
//! throwaway installation (config and data directory) for running the binary.

#![allow(dead_code)]

pub mod gleif_api;
pub mod insolvency_portal;
pub mod server;

use kontra::sources::config::SourcesConfig;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::Instant;

/// A recorded request.
#[derive(Debug, Clone)]
pub struct Req {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub at: Instant,
}

impl Req {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// Decoded form fields of an urlencoded body.
    pub fn form(&self) -> Vec<(String, String)> {
        url::form_urlencoded::parse(&self.body)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    }

    pub fn form_value(&self, name: &str) -> Option<String> {
        self.form()
            .into_iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }
}

/// What to answer.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub delay: Duration,
    /// Announce the full length but send only this many bytes, then close.
    pub cut_after: Option<usize>,
}

impl Reply {
    pub fn new(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Reply {
        Reply {
            status,
            headers: vec![("Content-Type".to_string(), content_type.to_string())],
            body: body.into(),
            delay: Duration::ZERO,
            cut_after: None,
        }
    }

    pub fn json(status: u16, body: impl Into<Vec<u8>>) -> Reply {
        Reply::new(status, "application/json", body)
    }

    pub fn html(status: u16, body: impl Into<Vec<u8>>) -> Reply {
        Reply::new(status, "text/html; charset=UTF-8", body)
    }

    pub fn header(mut self, k: &str, v: &str) -> Reply {
        self.headers.push((k.to_string(), v.to_string()));
        self
    }

    pub fn delayed(mut self, d: Duration) -> Reply {
        self.delay = d;
        self
    }

    pub fn cut(mut self, n: usize) -> Reply {
        self.cut_after = Some(n);
        self
    }
}

type Handler = dyn Fn(&Req) -> Reply + Send + Sync;

/// A running server.
#[derive(Clone)]
pub struct Server {
    pub addr: SocketAddr,
    pub requests: Arc<Mutex<Vec<Req>>>,
    pub inflight_max: Arc<AtomicUsize>,
}

impl Server {
    /// Starts the server on the current tokio runtime.
    pub async fn start(handler: impl Fn(&Req) -> Reply + Send + Sync + 'static) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let inflight = Arc::new(AtomicUsize::new(0));
        let inflight_max = Arc::new(AtomicUsize::new(0));
        let handler: Arc<Handler> = Arc::new(handler);
        let server = Server {
            addr,
            requests: requests.clone(),
            inflight_max: inflight_max.clone(),
        };
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let (handler, requests, inflight, inflight_max) = (
                    handler.clone(),
                    requests.clone(),
                    inflight.clone(),
                    inflight_max.clone(),
                );
                tokio::spawn(async move {
                    let _ = serve(stream, handler, requests, inflight, inflight_max).await;
                });
            }
        });
        server
    }

    /// Starts the server on a runtime in its own thread (for tests that run the binary).
    pub fn start_in_thread(handler: impl Fn(&Req) -> Reply + Send + Sync + 'static) -> Server {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let server = Server::start(handler).await;
                tx.send(server).unwrap();
                std::future::pending::<()>().await;
            });
        });
        rx.recv().unwrap()
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub fn requests(&self) -> Vec<Req> {
        self.requests.lock().unwrap().clone()
    }

    pub fn count(&self) -> usize {
        self.requests.lock().unwrap().len()
    }
}

async fn serve(
    mut stream: TcpStream,
    handler: Arc<Handler>,
    requests: Arc<Mutex<Vec<Req>>>,
    inflight: Arc<AtomicUsize>,
    inflight_max: Arc<AtomicUsize>,
) -> std::io::Result<()> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break p;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let first = lines.next().unwrap_or_default();
    let mut parts = first.split(' ');
    let method = parts.next().unwrap_or_default().to_string();
    let path = parts.next().unwrap_or_default().to_string();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let len: usize = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < len {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    let req = Req {
        method,
        path,
        headers,
        body,
        at: Instant::now(),
    };
    let now = inflight.fetch_add(1, Ordering::SeqCst) + 1;
    inflight_max.fetch_max(now, Ordering::SeqCst);
    requests.lock().unwrap().push(req.clone());
    let reply = handler(&req);
    if !reply.delay.is_zero() {
        tokio::time::sleep(reply.delay).await;
    }
    let mut out = format!(
        "HTTP/1.1 {} X\r\nContent-Length: {}\r\nConnection: close\r\n",
        reply.status,
        reply.body.len()
    );
    for (k, v) in &reply.headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str("\r\n");
    let mut bytes = out.into_bytes();
    let body = match reply.cut_after {
        Some(n) => &reply.body[..n.min(reply.body.len())],
        None => &reply.body[..],
    };
    bytes.extend_from_slice(body);
    let r = stream.write_all(&bytes).await;
    inflight.fetch_sub(1, Ordering::SeqCst);
    r?;
    stream.flush().await?;
    let _ = stream.shutdown().await;
    Ok(())
}

/// A fixture file's bytes.
pub fn fixture(source: &str, name: &str) -> Vec<u8> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(source)
        .join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// A `[sources]` config from TOML text (the same parser the app uses).
pub fn config(toml_text: &str) -> SourcesConfig {
    toml::from_str(toml_text).unwrap_or_else(|e| panic!("test config: {e}"))
}

/// Largest number of request starts inside any window of `window`.
pub fn max_in_window(reqs: &[Req], window: Duration) -> usize {
    let mut times: Vec<Instant> = reqs.iter().map(|r| r.at).collect();
    times.sort();
    let mut best = 0;
    for (i, t) in times.iter().enumerate() {
        let n = times[i..]
            .iter()
            .take_while(|u| u.duration_since(*t) < window)
            .count();
        best = best.max(n);
    }
    best
}

// ----- a throwaway installation for driving the binary -----

use assert_cmd::Command;
use std::path::Path;
use tempfile::TempDir;

/// A throwaway installation: config file path and data directory inside one temp dir.
pub struct Env {
    pub dir: TempDir,
}

impl Env {
    pub fn new() -> Env {
        Env {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    pub fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    pub fn config(&self) -> PathBuf {
        self.dir.path().join("config.toml")
    }

    pub fn write(&self, name: &str, body: impl AsRef<[u8]>) -> PathBuf {
        let p = self.dir.path().join(name);
        std::fs::write(&p, body).expect("write");
        p
    }

    /// `kontra` with this installation's config and data directory, and a fixed analyst name.
    pub fn kontra(&self) -> Command {
        let mut c = Command::cargo_bin("kontra").expect("binary");
        c.env("KONTRA_CONFIG", self.config())
            .env("KONTRA_DATA_DIR", self.data())
            .env("USER", "tester")
            .env("HOME", self.dir.path())
            .env("XDG_STATE_HOME", self.dir.path().join("state"))
            .env_remove("NO_COLOR");
        c
    }

    pub fn list_json(&self) -> Vec<serde_json::Value> {
        let out = self
            .kontra()
            .args(["list", "--json"])
            .output()
            .expect("run");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).expect("json")
    }
}

pub fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

pub fn fixture_path(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(path)
}
