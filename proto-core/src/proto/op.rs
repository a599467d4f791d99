//! Operations the server sends.

use crate::proto::ServerInfo;
use crate::subject::Subject;
use alloc::boxed::Box;
use alloc::string::String;
use bytes::Bytes;

/// One operation received from the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerOp {
    /// `INFO {json}`.
    Info(Box<ServerInfo>),
    /// `MSG` or `HMSG`.
    Msg(MsgFrame),
    /// `PING`.
    Ping,
    /// `PONG`.
    Pong,
    /// `+OK` (verbose mode only).
    Ok,
    /// `-ERR 'text'`, with the quotes stripped.
    Err(String),
}

/// A `MSG` or `HMSG` frame. Every `Bytes` here is a slice of the read buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MsgFrame {
    /// The subscription id the server matched.
    pub sid: u64,
    /// The subject the message was published to.
    pub subject: Subject,
    /// The reply subject, if any.
    pub reply: Option<Subject>,
    /// The raw header block (from `NATS/1.0` through the blank line), for `HMSG`.
    pub headers: Option<Bytes>,
    /// The payload.
    pub payload: Bytes,
    /// Bytes the frame took on the wire, control line and trailing CRLF included.
    pub wire_len: usize,
}
