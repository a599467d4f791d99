//! WebSocket (RFC 6455) as a sans-IO layer under the NATS protocol.
//!
//! Everything a client needs to carry NATS over `ws://` and `wss://`, with no
//! IO, clock or randomness of its own (the caller hands in the handshake key
//! and the masking keys, so the core's seeded RNG keeps it deterministic):
//!
//! - [`handshake`]: the HTTP upgrade request (path, `Host`, `Origin`, extra
//!   headers, the permessage-deflate offer) and the check of the server's
//!   answer, `Sec-WebSocket-Accept` included.
//! - [`frame`]: the frame encoder: headers, client masking, optional
//!   compression of a message.
//! - [`decode`]: the frame decoder: data frames (text or binary, fragmented
//!   or not, compressed or not) streamed into one byte buffer, control frames
//!   (ping, pong, close) handed back one at a time.
//! - [`deflate`]: permessage-deflate (RFC 7692) without context takeover, over
//!   `miniz_oxide`.
//!
//! [`crate::client::Client`] uses it for servers whose URL scheme is `ws` or
//! `wss`: the driver only opens the socket (and TLS for `wss`).

pub mod decode;
pub mod deflate;
pub mod frame;
pub mod handshake;

pub use decode::{Control, Decoder};
pub use frame::Opcode;
pub use handshake::{Accepted, Request};

use alloc::string::String;

/// Something the server sent over WebSocket is not what the protocol allows,
/// or the server closed the WebSocket.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WsError {
    /// The server answered the upgrade request with another status than 101.
    #[error("the server refused the websocket upgrade: HTTP {status} {reason}")]
    UpgradeRefused {
        /// The HTTP status code.
        status: u16,
        /// The reason phrase of the status line.
        reason: String,
    },
    /// The upgrade response is not a valid WebSocket handshake answer.
    #[error("invalid websocket upgrade response: {0}")]
    BadUpgrade(&'static str),
    /// `Sec-WebSocket-Accept` does not match the key sent.
    #[error("invalid websocket upgrade response: Sec-WebSocket-Accept does not match the key")]
    AcceptMismatch,
    /// A request header name or value cannot be sent (empty name, CR, LF, `:`
    /// in a name).
    #[error("invalid websocket request header {0:?}")]
    BadRequestHeader(String),
    /// A frame from the server is masked (servers must not mask).
    #[error("websocket protocol error: masked frame from the server")]
    MaskedFrame,
    /// Reserved header bits are set that no extension allows.
    #[error("websocket protocol error: reserved bits set")]
    ReservedBits,
    /// An opcode RFC 6455 does not define.
    #[error("websocket protocol error: unknown opcode {0:#x}")]
    UnknownOpcode(u8),
    /// A control frame is fragmented or longer than 125 bytes.
    #[error("websocket protocol error: invalid control frame")]
    BadControlFrame,
    /// A continuation frame without a message to continue.
    #[error("websocket protocol error: continuation frame outside a message")]
    UnexpectedContinuation,
    /// A new data message started before the last one ended.
    #[error("websocket protocol error: data frame inside a fragmented message")]
    InterruptedMessage,
    /// A 64-bit frame length with its top bit set.
    #[error("websocket protocol error: invalid frame length")]
    BadLength,
    /// A compressed message is larger (compressed or not) than the limit.
    #[error("websocket compressed message over {limit} bytes")]
    MessageTooLong {
        /// The limit.
        limit: usize,
    },
    /// A compressed message does not inflate.
    #[error("websocket protocol error: invalid compressed data")]
    Inflate,
    /// A close frame whose body is one byte or whose reason is not UTF-8.
    #[error("websocket protocol error: invalid close frame")]
    BadCloseFrame,
    /// The server closed the WebSocket with a close frame.
    #[error("the server closed the websocket ({}): {reason}", code_text(*.code))]
    Closed {
        /// The status code, if the frame had one (1000 normal, 1001 going
        /// away, 1008 policy violation, ...).
        code: Option<u16>,
        /// The reason the server gave (may be empty).
        reason: String,
    },
}

fn code_text(code: Option<u16>) -> String {
    match code {
        Some(code) => alloc::format!("status {code}"),
        None => String::from("no status"),
    }
}
