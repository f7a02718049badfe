//! The remote implementation of the application API: a client of the Kontra running on the
//! data directory, over its Unix socket. Calls are blocking (a command makes them one after
//! the other; the UI makes them on blocking tasks); events arrive on a second connection read
//! by a thread of its own.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use tokio::sync::mpsc;

use super::api::{Caller, Request, Response};
use super::events::{Event, Subscription};
use super::identity::Identity;
use super::wire::{self, Conn, Hello, ToClient, Welcome};
use crate::exit::{self, Failure};

/// How many events may wait for a slow reader before the reading thread waits too.
const EVENT_QUEUE: usize = 1024;

/// A client of the running Kontra.
#[derive(Debug)]
pub struct Remote {
    conn: Mutex<Conn>,
    who: Identity,
    socket: PathBuf,
    server: String,
    read_only: bool,
}

/// The server closed the connection or the socket failed: it stopped or died.
fn gone(server: &str, e: Option<std::io::Error>) -> Failure {
    let why = e.map(|e| format!(" ({e})")).unwrap_or_default();
    Failure::new(
        exit::LOCKED,
        format!(
            "the running Kontra ({server}) went away before it answered{why}; whatever was asked may or may not have been done: run `kontra` again (the next one takes over the data directory) and check"
        ),
    )
}

/// Opens a connection and greets; `Ok(None)` when nothing listens on the socket (no server,
/// or a stale socket of one that died).
fn greet(socket: &Path, hello: &Hello) -> Result<Option<(Conn, Identity, String)>, Failure> {
    let mut conn = match Conn::connect(socket) {
        Ok(c) => c,
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::NotFound | std::io::ErrorKind::ConnectionRefused
            ) =>
        {
            return Ok(None);
        }
        Err(e) => {
            return Err(Failure::new(
                exit::LOCKED,
                format!(
                    "cannot reach the running Kontra at {}: {e}",
                    socket.display()
                ),
            ));
        }
    };
    let server = "kontra";
    conn.send(hello).map_err(|e| gone(server, Some(e)))?;
    match conn.recv::<Welcome>().map_err(|e| gone(server, Some(e)))? {
        Some(Welcome::Accepted { identity, server }) => Ok(Some((conn, identity, server))),
        Some(Welcome::Refused(f)) => Err(f),
        None => Err(gone(server, None)),
    }
}

impl Remote {
    /// Attaches to the Kontra running on `data_dir`; `Ok(None)` when none is running there.
    pub fn connect(data_dir: &Path, read_only: bool) -> Result<Option<Remote>, Failure> {
        let socket = wire::socket_path(data_dir);
        let Some((conn, who, server)) = greet(&socket, &Hello::new(false, read_only))? else {
            return Ok(None);
        };
        Ok(Some(Remote {
            conn: Mutex::new(conn),
            who,
            socket,
            server,
            read_only,
        }))
    }

    /// The serving process, e.g. `kontra tui (pid 4711)`.
    pub fn server(&self) -> &str {
        &self.server
    }
}

impl Caller for Remote {
    fn who(&self) -> &Identity {
        &self.who
    }

    /// One call: the request out, its answer in.
    fn call(&self, request: Request) -> Result<Response, Failure> {
        let mut conn = self
            .conn
            .lock()
            .map_err(|_| Failure::new(exit::ERROR, "the connection was poisoned"))?;
        conn.send(&request)
            .map_err(|e| gone(&self.server, Some(e)))?;
        loop {
            match conn.recv::<ToClient>() {
                Ok(Some(ToClient::Reply(r))) => return r,
                // Calls never carry events; skip one should a server send it.
                Ok(Some(ToClient::Event(_))) => continue,
                Ok(None) => return Err(gone(&self.server, None)),
                Err(e) => return Err(gone(&self.server, Some(e))),
            }
        }
    }

    /// A second connection that only receives events, read by a thread of its own. The
    /// stream ends (`recv` gives `None`) when the server stops or dies.
    fn open_subscription(&self) -> Result<Subscription, Failure> {
        let Some((mut conn, _, _)) = greet(&self.socket, &Hello::new(true, self.read_only))? else {
            return Err(gone(&self.server, None));
        };
        let (tx, rx) = mpsc::channel(EVENT_QUEUE);
        std::thread::Builder::new()
            .name("kontra-events".into())
            .spawn(move || {
                while let Ok(Some(ToClient::Event(e))) = conn.recv::<ToClient>() {
                    let stop = e == Event::Stopping;
                    if tx.blocking_send(e).is_err() || stop {
                        break;
                    }
                }
            })
            .map_err(|e| Failure::new(exit::ERROR, format!("starting the event reader: {e}")))?;
        Ok(Subscription::from_channel(rx))
    }
}
