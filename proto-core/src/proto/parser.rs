//! The incremental, zero-copy parser for server operations.

use crate::proto::ServerOp;
use alloc::string::String;
use bytes::BytesMut;

/// Limits the parser enforces on what the server sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParserLimits {
    /// Longest control line accepted (INFO grows in large clusters).
    pub max_control_line: usize,
    /// Largest `#bytes` of a MSG/HMSG accepted.
    pub max_payload: usize,
}

impl Default for ParserLimits {
    fn default() -> Self {
        ParserLimits { max_control_line: 1024 * 1024, max_payload: 64 * 1024 * 1024 + 1024 }
    }
}

/// The server broke the protocol. The connection must be closed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProtocolError {
    /// A control line exceeded the limit.
    #[error("control line exceeds {max} bytes")]
    ControlLineTooLong {
        /// The limit.
        max: usize,
    },
    /// A payload size exceeded the limit.
    #[error("payload of {size} bytes exceeds the limit of {max} bytes")]
    PayloadTooLarge {
        /// The announced size.
        size: usize,
        /// The limit.
        max: usize,
    },
    /// The operation name is not one the server may send.
    #[error("unknown operation {0:?}")]
    UnknownOp(String),
    /// Wrong number of arguments, or an empty or non-numeric number.
    #[error("malformed {0} arguments")]
    InvalidArguments(&'static str),
    /// `HMSG` header size larger than its total size.
    #[error("HMSG header size exceeds its total size")]
    HeaderSizeExceedsTotal,
    /// The payload was not followed by CRLF.
    #[error("payload not followed by CRLF")]
    MissingPayloadTerminator,
    /// The `INFO` JSON did not parse.
    #[error("invalid INFO: {0}")]
    InvalidInfo(String),
}

/// Parses server operations out of a read buffer, one at a time.
///
/// Complete operations are split off the front of the buffer, so the `Bytes`
/// in a [`ServerOp::Msg`] share the buffer's allocation. An incomplete
/// operation stays in the buffer, and a control line already parsed is kept
/// while its payload is still arriving.
#[derive(Debug, Default)]
pub struct Parser {
    limits: ParserLimits,
}

impl Parser {
    /// A parser enforcing `limits`.
    pub fn new(limits: ParserLimits) -> Self {
        Parser { limits }
    }

    /// Parses the next complete operation from the front of `buf`, removing its
    /// bytes. `Ok(None)` means more bytes are needed. After an error the parser
    /// must be [`reset`](Parser::reset) with a new connection.
    pub fn parse(&mut self, buf: &mut BytesMut) -> Result<Option<ServerOp>, ProtocolError> {
        let _ = (buf, self.limits);
        todo!("codec")
    }

    /// Forgets any partial operation (for a new connection).
    pub fn reset(&mut self) {
        todo!("codec")
    }
}
