//! The socket's format: length-delimited frames (tokio-util's codec) carrying bincode-encoded
//! messages, and the greeting that opens every connection. The greeting names the protocol
//! and the version, and the server refuses a client of another version in words, because the
//! typed messages after it are only understood by the same build.

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use tokio_util::bytes::{Bytes, BytesMut};
use tokio_util::codec::{Decoder, Encoder, LengthDelimitedCodec};

use super::api::Response;
use super::events::Event;
use super::identity::Identity;
use crate::exit::{self, Failure};

/// Bumped whenever a message changes shape.
pub const PROTOCOL: u32 = 2;

/// This build's version, compared in the greeting.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The socket's file name inside the data directory.
pub const SOCKET_NAME: &str = "kontra.sock";

/// The largest frame: a whole register of 100,000 counterparties fits with room to spare.
const MAX_FRAME: usize = 1 << 30;

/// The socket of the Kontra running on `data_dir`.
pub fn socket_path(data_dir: &Path) -> PathBuf {
    data_dir.join(SOCKET_NAME)
}

/// The first message of every connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hello {
    /// [`PROTOCOL`] of the client.
    pub protocol: u32,
    /// [`VERSION`] of the client.
    pub version: String,
    /// True: this connection only receives events; false: it makes calls.
    pub events: bool,
    /// The client was started with `--read-only`: every write is refused.
    pub read_only: bool,
}

impl Hello {
    /// This build's greeting.
    pub fn new(events: bool, read_only: bool) -> Hello {
        Hello {
            protocol: PROTOCOL,
            version: VERSION.to_string(),
            events,
            read_only,
        }
    }
}

/// The server's answer to [`Hello`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Welcome {
    /// Go ahead: this is who you are to the server, and who the server is.
    Accepted {
        /// The caller, as the server identified them.
        identity: Identity,
        /// The serving process, e.g. `kontra tui (pid 4711)`.
        server: String,
    },
    /// Not accepted, and why (another version, an unknown OS user).
    Refused(Failure),
}

/// What the server sends after the greeting.
// One message lives at a time per connection, on its way to or from the socket: a box per
// reply would cost more than the bytes a small event leaves unused.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum ToClient {
    /// The answer to the last call.
    Reply(Result<Response, Failure>),
    /// Something happened (event connections only).
    Event(Event),
}

/// The frame codec both ends use.
pub fn codec() -> LengthDelimitedCodec {
    LengthDelimitedCodec::builder()
        .max_frame_length(MAX_FRAME)
        .new_codec()
}

fn config() -> bincode::config::Configuration {
    bincode::config::standard()
}

/// Encodes a message for a frame.
pub fn encode<T: Serialize>(value: &T) -> Result<Bytes, Failure> {
    bincode::serde::encode_to_vec(value, config())
        .map(Bytes::from)
        .map_err(|e| Failure::new(exit::ERROR, format!("encoding a message: {e}")))
}

/// Decodes a frame's message.
pub fn decode<T: DeserializeOwned>(frame: &[u8]) -> Result<T, Failure> {
    bincode::serde::decode_from_slice(frame, config())
        .map(|(v, _)| v)
        .map_err(|e| Failure::new(exit::ERROR, format!("reading a message: {e}")))
}

/// A client's blocking connection: whole frames out and in, with the same codec as the
/// server's asynchronous side.
#[derive(Debug)]
pub struct Conn {
    stream: UnixStream,
    codec: LengthDelimitedCodec,
    buf: BytesMut,
}

impl Conn {
    /// Connects to a socket.
    pub fn connect(path: &Path) -> std::io::Result<Conn> {
        Ok(Conn {
            stream: UnixStream::connect(path)?,
            codec: codec(),
            buf: BytesMut::with_capacity(64 * 1024),
        })
    }

    /// Sends one message.
    pub fn send<T: Serialize>(&mut self, value: &T) -> std::io::Result<()> {
        let body = encode(value).map_err(std::io::Error::other)?;
        let mut out = BytesMut::with_capacity(body.len() + 4);
        self.codec.encode(body, &mut out)?;
        self.stream.write_all(&out)
    }

    /// Receives one message; `None` when the server closed the connection.
    pub fn recv<T: DeserializeOwned>(&mut self) -> std::io::Result<Option<T>> {
        let mut chunk = [0u8; 64 * 1024];
        loop {
            if let Some(frame) = self.codec.decode(&mut self.buf)? {
                return decode(&frame).map(Some).map_err(std::io::Error::other);
            }
            let n = self.stream.read(&mut chunk)?;
            if n == 0 {
                return Ok(None);
            }
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_survives_the_codec_in_pieces() {
        let hello = Hello::new(true, false);
        let body = encode(&hello).unwrap();
        let mut wire = BytesMut::new();
        codec().encode(body, &mut wire).unwrap();
        // Delivered one byte at a time, the frame is only complete at its end.
        let mut dec = codec();
        let mut buf = BytesMut::new();
        let mut got = None;
        for b in wire.iter() {
            buf.extend_from_slice(&[*b]);
            if let Some(frame) = dec.decode(&mut buf).unwrap() {
                got = Some(decode::<Hello>(&frame).unwrap());
            }
        }
        assert_eq!(got, Some(hello));
    }
}
