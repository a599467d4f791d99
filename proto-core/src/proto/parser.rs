//! The incremental, zero-copy parser for server operations.
//!
//! # How it works
//!
//! [`Parser::parse`] looks for the end of the control line with `memchr`. A
//! partial line is not searched again from its start: the parser remembers how
//! far it looked. Once a `MSG`/`HMSG` control line is complete its fields are
//! kept as offsets until `#bytes` of payload and the CRLF after it have arrived;
//! then the whole frame is split off the buffer once (`split_to(..).freeze()`),
//! the subject, reply and header block are slices of that frame, and the frame
//! itself, narrowed to the payload, becomes the payload. Every other op is
//! parsed from its line and the line is dropped from the buffer.
//!
//! Accepted leniencies (the server never sends them, the spec allows them): op
//! names in any case, runs of spaces and tabs between fields, a bare LF in place
//! of CRLF (after control lines and after payloads).

use crate::proto::decimal::{parse_u64, parse_usize};
use crate::proto::{MsgFrame, ServerInfo, ServerOp};
use crate::subject::Subject;
use alloc::boxed::Box;
use alloc::string::{String, ToString};
use bytes::{Buf, BytesMut};

/// Limits the parser enforces on what the server sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParserLimits {
    /// Longest control line accepted (INFO grows in large clusters), line end
    /// not counted.
    pub max_control_line: usize,
    /// Largest `#bytes` of a MSG/HMSG accepted (headers included).
    pub max_payload: usize,
}

impl Default for ParserLimits {
    fn default() -> Self {
        ParserLimits {
            max_control_line: 1024 * 1024,
            max_payload: 64 * 1024 * 1024 + 1024,
        }
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
    /// The operation name is not one the server may send (at most 32 bytes of
    /// it are kept, lossily decoded).
    #[error("unknown operation {0:?}")]
    UnknownOp(String),
    /// Wrong number of arguments, or an empty, non-numeric or overflowing number.
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
    /// The subject or reply subject of a `MSG`/`HMSG` is not UTF-8. Subjects
    /// are text ([`Subject`] derefs to `str`), and a server only relays subjects
    /// a client sent as text, so such bytes mean a broken stream.
    #[error("{0} subject or reply is not UTF-8")]
    InvalidUtf8Subject(&'static str),
}

/// A `MSG`/`HMSG` control line already parsed, waiting for its payload. Offsets
/// are from the start of the buffer, where the control line still is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct PendingMsg {
    /// Control line length, line end included.
    line_len: usize,
    subject: (usize, usize),
    reply: Option<(usize, usize)>,
    sid: u64,
    /// `#hdr` of an HMSG.
    header_len: Option<usize>,
    /// `#bytes` of a MSG, `#total` of an HMSG.
    total_len: usize,
}

/// Parses server operations out of a read buffer, one at a time.
///
/// Complete operations are split off the front of the buffer, so the `Bytes`
/// in a [`ServerOp::Msg`] share the buffer's allocation. An incomplete
/// operation stays in the buffer, and a control line already parsed is kept
/// while its payload is still arriving.
///
/// The same buffer must be passed to every call, with bytes only appended to
/// its end between calls (the parser keeps offsets into it). Errors are sticky:
/// after one, every call returns it again until [`reset`](Parser::reset).
#[derive(Debug, Default)]
pub struct Parser {
    limits: ParserLimits,
    /// Bytes at the front of the buffer already searched for a line end.
    searched: usize,
    /// A parsed `MSG`/`HMSG` control line whose payload is not complete.
    pending: Option<PendingMsg>,
    /// The error that stopped the parser.
    error: Option<ProtocolError>,
}

impl Parser {
    /// A parser enforcing `limits`.
    pub fn new(limits: ParserLimits) -> Self {
        Parser {
            limits,
            ..Parser::default()
        }
    }

    /// The limits in force.
    pub fn limits(&self) -> ParserLimits {
        self.limits
    }

    /// Changes the limits; they apply to the next control line.
    pub fn set_limits(&mut self, limits: ParserLimits) {
        self.limits = limits;
    }

    /// Parses the next complete operation from the front of `buf`, removing its
    /// bytes. `Ok(None)` means more bytes are needed. After an error the parser
    /// must be [`reset`](Parser::reset) with a new connection.
    pub fn parse(&mut self, buf: &mut BytesMut) -> Result<Option<ServerOp>, ProtocolError> {
        if let Some(error) = &self.error {
            return Err(error.clone());
        }
        let msg = match self.pending.take() {
            Some(msg) => msg,
            None => {
                let newline = match self.find_line_end(buf) {
                    Ok(Some(newline)) => newline,
                    Ok(None) => return Ok(None),
                    Err(error) => return Err(self.fail(error)),
                };
                let line_len = newline + 1;
                let line = &buf[..newline];
                let line = line.strip_suffix(b"\r").unwrap_or(line);
                if line.len() > self.limits.max_control_line {
                    let max = self.limits.max_control_line;
                    return Err(self.fail(ProtocolError::ControlLineTooLong { max }));
                }
                let name_end = line.iter().position(|&b| is_space(b)).unwrap_or(line.len());
                let hmsg = match &line[..name_end] {
                    name if name.eq_ignore_ascii_case(b"MSG") => false,
                    name if name.eq_ignore_ascii_case(b"HMSG") => true,
                    name => {
                        return match parse_other(name, &line[name_end..]) {
                            Ok(op) => {
                                buf.advance(line_len);
                                Ok(Some(op))
                            }
                            Err(error) => Err(self.fail(error)),
                        };
                    }
                };
                match parse_msg_args(line, name_end, line_len, hmsg, &self.limits) {
                    Ok(msg) => msg,
                    Err(error) => return Err(self.fail(error)),
                }
            }
        };
        self.take_msg(buf, msg)
    }

    /// Records `error` as the parser's sticky error and returns it.
    #[cold]
    fn fail(&mut self, error: ProtocolError) -> ProtocolError {
        self.error = Some(error.clone());
        self.pending = None;
        self.searched = 0;
        error
    }

    /// Forgets any partial operation and a previous error (for a new connection).
    pub fn reset(&mut self) {
        self.searched = 0;
        self.pending = None;
        self.error = None;
    }

    /// Whether a control line was parsed and its payload is still awaited.
    pub fn is_awaiting_payload(&self) -> bool {
        self.pending.is_some()
    }

    /// Finds the `\n` ending the control line at the front of `buf`, starting
    /// where the previous call stopped looking.
    #[inline]
    fn find_line_end(&mut self, buf: &BytesMut) -> Result<Option<usize>, ProtocolError> {
        let start = self.searched.min(buf.len());
        if let Some(i) = memchr::memchr(b'\n', &buf[start..]) {
            self.searched = 0;
            return Ok(Some(start + i));
        }
        self.searched = buf.len();
        // No line end yet. Fail as soon as the line cannot fit any more: it is
        // at least `len` bytes long, or `len - 1` if the last byte is a CR that
        // the next byte may turn into a CRLF.
        let max = self.limits.max_control_line;
        let len = buf.len();
        let at_least = if buf.last() == Some(&b'\r') {
            len - 1
        } else {
            len
        };
        if at_least > max {
            return Err(ProtocolError::ControlLineTooLong { max });
        }
        Ok(None)
    }

    /// Completes a `MSG`/`HMSG` whose control line is parsed, if its payload
    /// and the line end after it are in `buf`.
    #[inline(always)]
    fn take_msg(
        &mut self,
        buf: &mut BytesMut,
        msg: PendingMsg,
    ) -> Result<Option<ServerOp>, ProtocolError> {
        // Cannot overflow: both are bounded by the limits, checked when parsed.
        let body_end = msg.line_len.saturating_add(msg.total_len);
        let frame_len = match buf.get(body_end) {
            Some(b'\n') => body_end + 1,
            Some(b'\r') => match buf.get(body_end + 1) {
                Some(b'\n') => body_end + 2,
                Some(_) => return Err(self.fail(ProtocolError::MissingPayloadTerminator)),
                None => {
                    self.pending = Some(msg);
                    return Ok(None);
                }
            },
            Some(_) => return Err(self.fail(ProtocolError::MissingPayloadTerminator)),
            None => {
                self.pending = Some(msg);
                return Ok(None);
            }
        };
        // `body_end < buf.len()`, and every offset in `msg` is below `line_len`,
        // so these ranges are in bounds.
        let (s0, s1) = msg.subject;
        let reply_ok = match msg.reply {
            Some((r0, r1)) => is_utf8(&buf[r0..r1]),
            None => true,
        };
        if !(is_utf8(&buf[s0..s1]) && reply_ok) {
            let op_name = if msg.header_len.is_some() {
                "HMSG"
            } else {
                "MSG"
            };
            return Err(self.fail(ProtocolError::InvalidUtf8Subject(op_name)));
        }

        let mut frame = buf.split_to(frame_len).freeze();
        // SAFETY: the bytes were checked to be UTF-8 just above, in this call,
        // while `buf` was borrowed mutably; `frame` holds those same bytes.
        let subject = unsafe { Subject::from_utf8_unchecked(frame.slice(s0..s1)) };
        // SAFETY: as for the subject.
        let reply = msg
            .reply
            .map(|(r0, r1)| unsafe { Subject::from_utf8_unchecked(frame.slice(r0..r1)) });
        let header_len = msg.header_len.unwrap_or(0);
        let headers = msg
            .header_len
            .map(|h| frame.slice(msg.line_len..msg.line_len + h));
        // The frame itself becomes the payload: no extra reference count.
        frame.advance(msg.line_len + header_len);
        frame.truncate(msg.total_len - header_len);
        Ok(Some(ServerOp::Msg(MsgFrame {
            sid: msg.sid,
            subject,
            reply,
            headers,
            payload: frame,
            wire_len: frame_len,
        })))
    }
}

/// Whether `s` is UTF-8, with a fast path for ASCII (what subjects nearly always are).
#[inline]
fn is_utf8(s: &[u8]) -> bool {
    s.is_ascii() || core::str::from_utf8(s).is_ok()
}

#[inline]
fn is_space(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// Parses an op other than `MSG`/`HMSG` from its name and the rest of its
/// line (line end removed).
#[inline(never)]
fn parse_other(name: &[u8], rest: &[u8]) -> Result<ServerOp, ProtocolError> {
    let op = match name.len() {
        4 if name.eq_ignore_ascii_case(b"PING") => no_args(rest, "PING", ServerOp::Ping)?,
        4 if name.eq_ignore_ascii_case(b"PONG") => no_args(rest, "PONG", ServerOp::Pong)?,
        3 if name.eq_ignore_ascii_case(b"+OK") => no_args(rest, "+OK", ServerOp::Ok)?,
        4 if name.eq_ignore_ascii_case(b"INFO") => {
            let json = trim(rest);
            if json.is_empty() {
                return Err(ProtocolError::InvalidArguments("INFO"));
            }
            let info: ServerInfo = serde_json::from_slice(json)
                .map_err(|e| ProtocolError::InvalidInfo(e.to_string()))?;
            ServerOp::Info(Box::new(info))
        }
        4 if name.eq_ignore_ascii_case(b"-ERR") => ServerOp::Err(error_text(rest)),
        _ => {
            let shown = &name[..name.len().min(32)];
            return Err(ProtocolError::UnknownOp(
                String::from_utf8_lossy(shown).into_owned(),
            ));
        }
    };
    Ok(op)
}

/// `op` when nothing but whitespace follows its name.
fn no_args(rest: &[u8], name: &'static str, op: ServerOp) -> Result<ServerOp, ProtocolError> {
    if rest.iter().all(|&b| is_space(b)) {
        Ok(op)
    } else {
        Err(ProtocolError::InvalidArguments(name))
    }
}

/// `s` without leading and trailing spaces and tabs.
fn trim(s: &[u8]) -> &[u8] {
    let start = s.iter().position(|&b| !is_space(b)).unwrap_or(s.len());
    let end = s
        .iter()
        .rposition(|&b| !is_space(b))
        .map_or(start, |i| i + 1);
    &s[start..end]
}

/// The text of `-ERR 'text'`: trimmed, one pair of quotes stripped.
fn error_text(rest: &[u8]) -> String {
    let mut text = trim(rest);
    if let Some(t) = text.strip_prefix(b"'") {
        text = t;
        if let Some(t) = text.strip_suffix(b"'") {
            text = t;
        }
    }
    String::from_utf8_lossy(text).into_owned()
}

/// Parses the arguments of `MSG <subject> <sid> [reply] <#bytes>` or
/// `HMSG <subject> <sid> [reply] <#hdr> <#total>`.
#[inline(always)]
fn parse_msg_args(
    line: &[u8],
    name_end: usize,
    line_len: usize,
    hmsg: bool,
    limits: &ParserLimits,
) -> Result<PendingMsg, ProtocolError> {
    let op_name = if hmsg { "HMSG" } else { "MSG" };
    let invalid = ProtocolError::InvalidArguments(op_name);
    let mut fields = [(0usize, 0usize); 5];
    let mut count = 0;
    let mut i = name_end;
    loop {
        while i < line.len() && is_space(line[i]) {
            i += 1;
        }
        if i == line.len() {
            break;
        }
        let start = i;
        while i < line.len() && !is_space(line[i]) {
            i += 1;
        }
        if count == fields.len() {
            return Err(invalid);
        }
        fields[count] = (start, i);
        count += 1;
    }
    let field = |(a, b): (usize, usize)| &line[a..b];
    let (reply, header_field, total_field) = match (hmsg, count) {
        (false, 3) => (None, None, fields[2]),
        (false, 4) => (Some(fields[2]), None, fields[3]),
        (true, 4) => (None, Some(fields[2]), fields[3]),
        (true, 5) => (Some(fields[2]), Some(fields[3]), fields[4]),
        _ => return Err(invalid),
    };
    let sid = parse_u64(field(fields[1])).ok_or_else(|| invalid.clone())?;
    let total_len = parse_usize(field(total_field)).ok_or_else(|| invalid.clone())?;
    let header_len = match header_field {
        Some(f) => Some(parse_usize(field(f)).ok_or(invalid)?),
        None => None,
    };
    if header_len.is_some_and(|h| h > total_len) {
        return Err(ProtocolError::HeaderSizeExceedsTotal);
    }
    if total_len > limits.max_payload {
        return Err(ProtocolError::PayloadTooLarge {
            size: total_len,
            max: limits.max_payload,
        });
    }
    Ok(PendingMsg {
        line_len,
        subject: fields[0],
        reply,
        sid,
        header_len,
        total_len,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_partial_line_is_not_searched_again() {
        let mut parser = Parser::default();
        let mut buf = BytesMut::from(&b"INFO {\"server_id\":\""[..]);
        assert_eq!(parser.parse(&mut buf), Ok(None));
        assert_eq!(parser.searched, buf.len());
        buf.extend_from_slice(&[b'x'; 1000]);
        assert_eq!(parser.parse(&mut buf), Ok(None));
        assert_eq!(parser.searched, buf.len());
        buf.extend_from_slice(b"\"}\r");
        assert_eq!(parser.parse(&mut buf), Ok(None));
        assert_eq!(parser.searched, buf.len());
        buf.extend_from_slice(b"\nPI");
        assert!(matches!(
            parser.parse(&mut buf),
            Ok(Some(ServerOp::Info(_)))
        ));
        assert_eq!(parser.searched, 0);
        assert_eq!(parser.parse(&mut buf), Ok(None));
        assert_eq!(parser.searched, 2);
    }

    #[test]
    fn a_parsed_control_line_is_kept_as_offsets() {
        let mut parser = Parser::default();
        let mut buf = BytesMut::from(&b"MSG a.b 7 r 3\r\nx"[..]);
        assert_eq!(parser.parse(&mut buf), Ok(None));
        assert_eq!(
            parser.pending,
            Some(PendingMsg {
                line_len: 15,
                subject: (4, 7),
                reply: Some((10, 11)),
                sid: 7,
                header_len: None,
                total_len: 3
            })
        );
    }

    #[test]
    fn error_texts() {
        assert_eq!(
            error_text(b" 'Unknown Protocol Operation'"),
            "Unknown Protocol Operation"
        );
        assert_eq!(error_text(b"\t 'a' \t"), "a");
        assert_eq!(error_text(b" no quotes"), "no quotes");
        assert_eq!(error_text(b" 'unbalanced"), "unbalanced");
        assert_eq!(error_text(b" ''"), "");
        assert_eq!(error_text(b" '"), "");
        assert_eq!(error_text(b""), "");
    }

    #[test]
    fn trims() {
        assert_eq!(trim(b"  a b\t"), b"a b");
        assert_eq!(trim(b" \t "), b"");
        assert_eq!(trim(b""), b"");
    }
}
