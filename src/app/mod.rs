//! One running Kontra for the whole team: the application API every command and the UI use,
//! in-process or through the running instance, and the server that shares that instance over
//! a Unix socket in the data directory.
//!
//! ```text
//!  kontra list / add / check …     second `kontra` UI        scripts (ERP export)
//!            \                          |                        /
//!             \__ Remote (client) ______|_______________________/
//!                         | Unix socket <data>/kontra.sock, framed bincode,
//!                         | greeting with version, peer credentials → Identity
//!                         v
//!   Server (in `kontra` UI or `kontra daemon`): reads side by side, writes in turn
//!                         |
//!                 Local (per caller, role checks) ──> Store   Hub ──> events
//!                         |                                   ^   (batched per client,
//!                         | ops::ask: checks now, a cycle,    |    moot steps coalesced,
//!                         v lifting a pause                   |    Missed(n) on lag)
//!                 the monitor of the serving process ─────────┘
//! ```
//!
//! Work the monitor does (checks, cycles, lifting a registry pause) is asked of the monitor of
//! the serving process and followed on the hub, so one checker writes a store. Without a
//! running instance a command opens the store itself and uses [`Local`] directly: the same
//! operations, the same role checks, the same messages, with a runner of its own.

pub mod access;
pub mod api;
pub mod config;
pub mod events;
pub mod identity;
pub mod local;
pub mod memory;
pub mod ops;
pub mod permissions;
pub mod remote;
pub mod server;
pub mod wire;

pub use api::{Access, Api, Edited};
pub use events::{Event, Hub, Subscription};
pub use identity::Identity;
pub use local::{Instance, Local};
pub use remote::Remote;
pub use server::Server;
