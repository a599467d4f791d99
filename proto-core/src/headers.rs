//! NATS message headers (ADR-4): an ordered, case-preserving multimap plus the
//! optional status line (`NATS/1.0 503`).

use alloc::string::String;
use alloc::vec::Vec;

/// A status code from a header block's version line, such as 503 (no responders).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StatusCode(pub u16);

impl StatusCode {
    /// 100: idle heartbeat or flow control request.
    pub const CONTROL: StatusCode = StatusCode(100);
    /// 204: end of a batched direct get.
    pub const EOB: StatusCode = StatusCode(204);
    /// 400: bad request.
    pub const BAD_REQUEST: StatusCode = StatusCode(400);
    /// 404: not found / no messages.
    pub const NOT_FOUND: StatusCode = StatusCode(404);
    /// 408: request timeout.
    pub const TIMEOUT: StatusCode = StatusCode(408);
    /// 409: conflict (consumer deleted, leadership change, ...).
    pub const CONFLICT: StatusCode = StatusCode(409);
    /// 412: required API level not met.
    pub const PRECONDITION_FAILED: StatusCode = StatusCode(412);
    /// 423: pin id mismatch.
    pub const LOCKED: StatusCode = StatusCode(423);
    /// 503: no responders.
    pub const NO_RESPONDERS: StatusCode = StatusCode(503);
}

/// Header names and values, in the order they were added or received.
///
/// Keys keep their case and lookups are case-sensitive; a key may appear more
/// than once (one line per value on the wire). Names and values are checked
/// when a message is encoded, not when they are inserted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HeaderMap {
    pub(crate) status: Option<StatusCode>,
    pub(crate) description: Option<String>,
    pub(crate) entries: Vec<(String, String)>,
}

/// A header block that cannot be parsed or sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HeaderError {
    /// A name is empty or has a byte outside printable ASCII 33..=126, or a `:`.
    #[error("invalid header name {0:?}")]
    InvalidName(String),
    /// A value contains CR or LF.
    #[error("invalid header value {0:?}")]
    InvalidValue(String),
    /// The block does not start with `NATS/1.0`.
    #[error("header block does not start with NATS/1.0")]
    MissingVersion,
    /// The status code after `NATS/1.0` is not three digits.
    #[error("invalid status code in header block")]
    InvalidStatus,
    /// A line has no `:`.
    #[error("malformed header line {0:?}")]
    MalformedLine(String),
    /// The block does not end with an empty line.
    #[error("header block is not terminated")]
    Unterminated,
}
