//! The server: the long-running Kontra (the UI or `kontra daemon`) that holds the data
//! directory listens on a Unix socket inside it, as tmux's server does, and every other
//! `kontra` attaches as a client.
//!
//! Who is on the other end is the kernel's word (the socket's peer credentials), never what the
//! client says. Reads run side by side on blocking tasks; writes, from clients and from the
//! serving UI alike, go to one writer task in turn, so they are ordered. A client that dies
//! mid-request changes nothing: its request finishes or never starts, each write being one
//! store transaction.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use futures::{SinkExt, StreamExt};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio_util::codec::{Framed, LengthDelimitedCodec};
use tokio_util::sync::CancellationToken;

use super::api::{Access, Caller, Request, Response, dispatch};
use super::events::{self, Event, Subscription};
use super::identity::Identity;
use super::local::{Instance, Local};
use super::memory::{self, Releaser};
use super::permissions;
use super::wire::{self, Hello, ToClient, Welcome};
use crate::exit::{self, Failure};

/// How long a client has to greet before the connection is dropped.
const GREETING_TIMEOUT: Duration = Duration::from_secs(10);

/// Writes waiting for the writer.
const WRITE_QUEUE: usize = 256;

/// At most this many waiting events go to a client in one write.
const FORWARD_BATCH: usize = 512;

/// One write waiting its turn.
struct WriteJob {
    api: Arc<Local>,
    request: Request,
    reply: oneshot::Sender<Result<Response, Failure>>,
}

/// The one writer: hands each write to it and waits for the answer.
#[derive(Clone)]
pub struct Writer {
    jobs: mpsc::Sender<WriteJob>,
}

fn stopped() -> Failure {
    Failure::new(
        exit::LOCKED,
        "the running Kontra is stopping; run the command again in a moment",
    )
}

fn join_failure(e: tokio::task::JoinError) -> Failure {
    Failure::new(
        exit::ERROR,
        format!("the request failed inside the server: {e}"),
    )
}

impl Writer {
    fn start() -> Writer {
        let (jobs, mut rx) = mpsc::channel::<WriteJob>(WRITE_QUEUE);
        tokio::spawn(async move {
            while let Some(WriteJob {
                api,
                request,
                reply,
            }) = rx.recv().await
            {
                let done = tokio::task::spawn_blocking(move || dispatch(&*api, request))
                    .await
                    .unwrap_or_else(|e| Err(join_failure(e)));
                let _ = reply.send(done);
            }
        });
        Writer { jobs }
    }

    /// Runs a write in turn and waits for it.
    async fn write(&self, api: Arc<Local>, request: Request) -> Result<Response, Failure> {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send(WriteJob {
                api,
                request,
                reply,
            })
            .await
            .map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }

    /// Like [`Writer::write`], from a thread outside the runtime (the UI's blocking effects).
    fn write_blocking(&self, api: Arc<Local>, request: Request) -> Result<Response, Failure> {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .blocking_send(WriteJob {
                api,
                request,
                reply,
            })
            .map_err(|_| stopped())?;
        answer.blocking_recv().map_err(|_| stopped())?
    }
}

/// The serving process's own API: reads at once, writes in turn on the writer like every
/// client's, so the serving UI's edits are ordered with the others.
pub struct Served {
    local: Arc<Local>,
    writer: Writer,
}

impl Caller for Served {
    fn who(&self) -> &Identity {
        use super::api::Api;
        self.local.identity()
    }

    fn open_subscription(&self) -> Result<Subscription, Failure> {
        Ok(self.local.instance().hub().subscribe())
    }

    fn call(&self, request: Request) -> Result<Response, Failure> {
        match request.access() {
            Access::Read => dispatch(&*self.local, request),
            Access::Write => self.writer.write_blocking(self.local.clone(), request),
        }
    }
}

/// A running server; stop it with [`Server::stop`].
pub struct Server {
    instance: Arc<Instance>,
    socket: PathBuf,
    writer: Writer,
    stop: CancellationToken,
    accept: JoinHandle<()>,
    clients: Arc<AtomicUsize>,
}

impl Server {
    /// Starts serving `instance` on the socket in its data directory; `name` says what serves
    /// (`kontra tui`, `kontra daemon`). Must run inside the tokio runtime, and only in the
    /// process that holds the data directory's lock.
    pub fn start(instance: Arc<Instance>, name: &str) -> Result<Server, Failure> {
        let socket = wire::socket_path(instance.data_dir());
        // This process holds the lock, so a socket file found here was left by a Kontra that
        // died: it is replaced.
        match std::fs::remove_file(&socket) {
            Ok(()) => tracing::info!(socket = %socket.display(), "replaced a stale socket"),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(Failure::new(
                    exit::ERROR,
                    format!("removing the stale socket {}: {e}", socket.display()),
                ));
            }
        }
        let listener = UnixListener::bind(&socket).map_err(|e| {
            Failure::new(
                exit::ERROR,
                format!("listening on {}: {e}", socket.display()),
            )
        })?;
        permissions::apply(&socket, instance.data_dir(), &instance.config().server)?;
        let stop = CancellationToken::new();
        let clients = Arc::new(AtomicUsize::new(0));
        let writer = Writer::start();
        let server = format!("{name} (pid {})", std::process::id());
        let accept = tokio::spawn(accept_loop(Accepting {
            listener,
            instance: instance.clone(),
            server,
            writer: writer.clone(),
            stop: stop.clone(),
            clients: clients.clone(),
            releaser: Arc::new(Releaser::new()),
        }));
        tokio::spawn(release_on_tick(stop.clone()));
        tracing::info!(socket = %socket.display(), "serving");
        Ok(Server {
            instance,
            socket,
            writer,
            stop,
            accept,
            clients,
        })
    }

    /// The API for this process's own user interface, identified like any client.
    pub fn own_api(&self, read_only: bool) -> Result<Served, Failure> {
        let who = self.instance.identify(super::identity::own_uid())?;
        Ok(Served {
            local: Arc::new(Local::new(self.instance.clone(), who, read_only)),
            writer: self.writer.clone(),
        })
    }

    /// How many clients are attached now (each `kontra` command or UI counts once).
    pub fn clients(&self) -> usize {
        self.clients.load(Ordering::SeqCst)
    }

    /// Tells clients the server stops, closes their connections and removes the socket.
    pub async fn stop(self) {
        self.instance.hub().publish(Event::Stopping);
        self.stop.cancel();
        let _ = self.accept.await;
        if let Err(e) = std::fs::remove_file(&self.socket) {
            tracing::warn!(socket = %self.socket.display(), "removing the socket: {e}");
        }
    }
}

/// Returns memory the monitor's own cycles freed (nobody's request ends them), until stopped.
async fn release_on_tick(stop: CancellationToken) {
    let mut tick = tokio::time::interval(memory::TICK);
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tick.tick() => {
                tokio::task::spawn_blocking(memory::release_freed);
            }
        }
    }
}

struct Accepting {
    listener: UnixListener,
    instance: Arc<Instance>,
    server: String,
    writer: Writer,
    stop: CancellationToken,
    clients: Arc<AtomicUsize>,
    releaser: Arc<Releaser>,
}

async fn accept_loop(a: Accepting) {
    let mut connections = tokio::task::JoinSet::new();
    loop {
        let stream = tokio::select! {
            _ = a.stop.cancelled() => break,
            accepted = a.listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    tracing::warn!("accepting a client: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        let conn = Connection {
            instance: a.instance.clone(),
            server: a.server.clone(),
            writer: a.writer.clone(),
            stop: a.stop.clone(),
            clients: a.clients.clone(),
            releaser: a.releaser.clone(),
        };
        connections.spawn(conn.serve(stream));
        // Reap finished connections so the set does not grow over weeks.
        while connections.try_join_next().is_some() {}
    }
    // The connections see the same cancellation; wait for their last replies.
    while connections.join_next().await.is_some() {}
}

struct Connection {
    instance: Arc<Instance>,
    server: String,
    writer: Writer,
    stop: CancellationToken,
    clients: Arc<AtomicUsize>,
    releaser: Arc<Releaser>,
}

type Frames = Framed<UnixStream, LengthDelimitedCodec>;

async fn send(frames: &mut Frames, msg: &impl serde::Serialize) -> bool {
    match wire::encode(msg) {
        Ok(body) => frames.send(body).await.is_ok(),
        Err(e) => {
            tracing::warn!("encoding an answer: {e}");
            false
        }
    }
}

/// Writes events to a client and flushes once.
async fn send_events(frames: &mut Frames, batch: Vec<Event>) -> bool {
    for event in batch {
        match wire::encode(&ToClient::Event(event)) {
            Ok(body) => {
                if frames.feed(body).await.is_err() {
                    return false;
                }
            }
            Err(e) => {
                tracing::warn!("encoding an event: {e}");
                return false;
            }
        }
    }
    SinkExt::<tokio_util::bytes::Bytes>::flush(frames)
        .await
        .is_ok()
}

impl Connection {
    async fn serve(self, stream: UnixStream) {
        let uid = match stream.peer_cred() {
            Ok(c) => c.uid(),
            Err(e) => {
                tracing::warn!("a client without peer credentials was turned away: {e}");
                return;
            }
        };
        let mut frames = Framed::new(stream, wire::codec());
        let hello = match tokio::time::timeout(GREETING_TIMEOUT, frames.next()).await {
            Ok(Some(Ok(frame))) => wire::decode::<Hello>(&frame),
            _ => return,
        };
        let admitted = hello.and_then(|h| self.admit(uid, &h).map(|who| (h, who)));
        let (hello, who) = match admitted {
            Ok(v) => v,
            Err(refusal) => {
                tracing::info!(uid, "client refused: {}", refusal.message);
                send(&mut frames, &Welcome::Refused(refusal)).await;
                return;
            }
        };
        let welcome = Welcome::Accepted {
            identity: who.clone(),
            server: self.server.clone(),
        };
        if !send(&mut frames, &welcome).await {
            return;
        }
        if hello.events {
            self.stream_events(frames).await;
        } else {
            let n = self.clients.fetch_add(1, Ordering::SeqCst) + 1;
            self.instance.hub().publish(Event::Clients(n));
            let api = Arc::new(Local::new(self.instance.clone(), who, hello.read_only));
            self.serve_calls(frames, api).await;
            let n = self.clients.fetch_sub(1, Ordering::SeqCst) - 1;
            self.instance.hub().publish(Event::Clients(n));
        }
    }

    /// Checks the greeting's version and identifies the caller.
    fn admit(&self, uid: u32, hello: &Hello) -> Result<Identity, Failure> {
        if hello.protocol != wire::PROTOCOL || hello.version != wire::VERSION {
            return Err(Failure::new(
                exit::LOCKED,
                format!(
                    "this kontra is version {} (protocol {}) but the running Kontra, {}, is version {} (protocol {}): use the same kontra binary as the server, or stop it first",
                    hello.version,
                    hello.protocol,
                    self.server,
                    wire::VERSION,
                    wire::PROTOCOL
                ),
            ));
        }
        self.instance.identify(uid)
    }

    async fn serve_calls(&self, mut frames: Frames, api: Arc<Local>) {
        loop {
            let frame = tokio::select! {
                _ = self.stop.cancelled() => break,
                f = frames.next() => match f {
                    Some(Ok(f)) => f,
                    // The client left (or sent garbage framing): end quietly.
                    _ => break,
                },
            };
            let reply = match wire::decode::<Request>(&frame) {
                Err(e) => Err(e),
                Ok(request) => match request.access() {
                    Access::Read => {
                        let api = api.clone();
                        tokio::task::spawn_blocking(move || dispatch(&*api, request))
                            .await
                            .unwrap_or_else(|e| Err(join_failure(e)))
                    }
                    Access::Write => self.writer.write(api.clone(), request).await,
                },
            };
            if !send(&mut frames, &ToClient::Reply(reply)).await {
                break;
            }
            if self.releaser.due(Instant::now()) {
                tokio::task::spawn_blocking(memory::release_freed);
            }
        }
    }

    async fn stream_events(&self, mut frames: Frames) {
        let mut events = self.instance.hub().subscribe();
        // Tell the new subscriber how many are attached, so a UI can show it at once.
        let attached = Event::Clients(self.clients.load(Ordering::SeqCst));
        if !send(&mut frames, &ToClient::Event(attached)).await {
            return;
        }
        loop {
            let batch = tokio::select! {
                _ = self.stop.cancelled() => vec![Event::Stopping],
                // What waits is sent in one write, without the steps later events make moot,
                // so a busy check batch does not outrun a client.
                e = events.recv_ready(FORWARD_BATCH) => match e {
                    Some(batch) => events::coalesce(batch),
                    None => vec![Event::Stopping],
                },
                // A client that hangs up is noticed here, not only at the next event.
                f = frames.next() => match f {
                    Some(Ok(_)) => continue,
                    _ => return,
                },
            };
            let last = batch.contains(&Event::Stopping);
            if !send_events(&mut frames, batch).await || last {
                return;
            }
        }
    }
}
