//! The incremental, zero-copy parser for server operations.
//!
//! # How it works
//!
//! A `MSG`/`HMSG` line in the form the server sends is read in one pass
//! ([`msg_line::canonical`]). Anything else (other ops, other spellings, a
//! partial line) goes the general way: the end of the control line is found
//! with `memchr`, and a partial line is not searched again from its start: the
//! parser remembers how far it looked. Once a `MSG`/`HMSG` control line is
//! complete its fields are kept as offsets until `#bytes` of payload and the
//! line end after it have arrived; then the whole frame is split off the
//! buffer once (`split_to(..).freeze()`) and becomes the [`MsgFrame`]'s one
//! `Bytes` handle, with the fields as 32-bit offsets into it. Every other op is
//! parsed from its line and the line is dropped from the buffer.
//!
//! Accepted leniencies (the server never sends them, the spec allows them): op
//! names in any case, runs of spaces and tabs between fields, a bare LF in place
//! of CRLF (after control lines and after payloads).

use crate::proto::msg_line;
use crate::proto::op::FrameLayout;
use crate::proto::{MsgFrame, ServerInfo, ServerOp};
use alloc::boxed::Box;
use alloc::string::{String, ToString};
use bytes::{Buf, BytesMut};
use core::fmt::Write as _;

/// Longest control line the parser can address, whatever the limits say
/// (frames are addressed with 32-bit offsets).
const CONTROL_LINE_CAP: usize = 1 << 30;

/// Largest `#bytes` the parser can address, whatever the limits say.
pub(crate) const PAYLOAD_CAP: usize = 1 << 31;

/// Longest `-ERR` text kept, in bytes: a longer one is cut there and marked
/// `... (<n> more bytes cut)` before it becomes an event or error.
pub const MAX_ERR_TEXT: usize = 1024;

/// Limits the parser enforces on what the server sends.
///
/// Frames are addressed with 32-bit offsets, so control lines longer than
/// 1 GiB and payloads larger than 2 GiB are refused whatever these say.
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

impl ParserLimits {
    /// These limits, lowered to what 32-bit offsets can address.
    pub(crate) fn capped(self) -> ParserLimits {
        ParserLimits {
            max_control_line: self.max_control_line.min(CONTROL_LINE_CAP),
            max_payload: self.max_payload.min(PAYLOAD_CAP),
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
    /// are text ([`Subject`](crate::subject::Subject) derefs to `str`), and a
    /// server only relays subjects a client sent as text, so such bytes mean a
    /// broken stream.
    #[error("{0} subject or reply is not UTF-8")]
    InvalidUtf8Subject(&'static str),
}

/// Parses server operations out of a read buffer, one at a time.
///
/// Complete operations are split off the front of the buffer, so a
/// [`ServerOp::Msg`]'s bytes share the buffer's allocation. An incomplete
/// operation stays in the buffer, and a control line already parsed is kept
/// (as offsets) while its payload is still arriving.
///
/// The same buffer must be passed to every call, with bytes only appended to
/// its end between calls (the parser keeps offsets into it). Errors are sticky:
/// after one, every call returns it again until [`reset`](Parser::reset).
#[derive(Debug, Default)]
pub struct Parser {
    /// The limits as set.
    limits: ParserLimits,
    /// The limits enforced: `limits.capped()`.
    caps: ParserLimits,
    /// Bytes at the front of the buffer already searched for a line end.
    searched: usize,
    /// A parsed `MSG`/`HMSG` control line whose payload is not complete.
    pending: Option<FrameLayout>,
    /// The error that stopped the parser.
    error: Option<ProtocolError>,
}

impl Parser {
    /// A parser enforcing `limits`.
    pub fn new(limits: ParserLimits) -> Self {
        Parser {
            limits,
            caps: limits.capped(),
            ..Parser::default()
        }
    }

    /// The limits as set (see [`ParserLimits`] for the caps that apply
    /// whatever they say).
    pub fn limits(&self) -> ParserLimits {
        self.limits
    }

    /// Changes the limits; they apply to the next control line.
    pub fn set_limits(&mut self, limits: ParserLimits) {
        self.limits = limits;
        self.caps = limits.capped();
    }

    /// Parses the next complete operation from the front of `buf`, removing its
    /// bytes. `Ok(None)` means more bytes are needed. After an error the parser
    /// must be [`reset`](Parser::reset) with a new connection.
    #[inline]
    pub fn parse(&mut self, buf: &mut BytesMut) -> Result<Option<ServerOp>, ProtocolError> {
        // The common case: a message in the form the server sends, at the
        // start of a fresh line.
        if self.error.is_none() && self.pending.is_none() && self.searched == 0 {
            if let Some(layout) = msg_line::canonical(buf, &self.caps) {
                return self.take_msg(buf, layout, Subjects::Ascii);
            }
        }
        self.parse_general(buf)
    }

    /// Everything [`parse`](Parser::parse) does not do inline: a sticky
    /// error, a payload still arriving, a partial line, every op but a
    /// canonical `MSG`/`HMSG`.
    #[inline(never)]
    fn parse_general(&mut self, buf: &mut BytesMut) -> Result<Option<ServerOp>, ProtocolError> {
        if let Some(error) = &self.error {
            return Err(error.clone());
        }
        if let Some(layout) = self.pending.take() {
            return self.take_msg(buf, layout, Subjects::Unchecked);
        }
        let newline = match self.find_line_end(buf) {
            Ok(Some(newline)) => newline,
            Ok(None) => return Ok(None),
            Err(error) => return Err(self.fail(error)),
        };
        let line_len = newline + 1;
        let line = &buf[..newline];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let max = self.caps.max_control_line;
        if line.len() > max {
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
        let fields = msg_line::split_fields(line, name_end);
        match msg_line::layout(buf, &fields, line_len, hmsg, &self.caps) {
            Ok(layout) => self.take_msg(buf, layout, Subjects::Unchecked),
            Err(error) => Err(self.fail(error)),
        }
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

    /// The length of the operation at the front of the buffer (control line,
    /// payload and line end) while its payload is still arriving: a buffer
    /// with room for that many bytes takes the rest without growing step by
    /// step. `None` when no payload is awaited.
    pub fn awaiting_frame_len(&self) -> Option<usize> {
        self.pending.map(|layout| layout.payload_end as usize + 2)
    }

    /// Finds the `\n` ending the control line at the front of `buf`, starting
    /// where the previous call stopped looking.
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
        let max = self.caps.max_control_line;
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
        layout: FrameLayout,
        subjects: Subjects,
    ) -> Result<Option<ServerOp>, ProtocolError> {
        let body_end = layout.payload_end as usize;
        let frame_len = match buf.get(body_end..body_end + 2) {
            Some(b"\r\n") => body_end + 2,
            _ => match buf.get(body_end) {
                Some(b'\n') => body_end + 1,
                // A CR that may be followed by its LF, or nothing yet.
                Some(b'\r') if buf.len() == body_end + 1 => {
                    self.pending = Some(layout);
                    return Ok(None);
                }
                Some(_) => return Err(self.fail(ProtocolError::MissingPayloadTerminator)),
                None => {
                    self.pending = Some(layout);
                    return Ok(None);
                }
            },
        };
        if subjects == Subjects::Unchecked {
            // The ranges end before `body_end < buf.len()`.
            let (s0, s1) = layout.subject;
            let (r0, r1) = layout.reply;
            if !(is_utf8(&buf[s0 as usize..s1 as usize]) && is_utf8(&buf[r0 as usize..r1 as usize]))
            {
                let op_name = if layout.hmsg { "HMSG" } else { "MSG" };
                return Err(self.fail(ProtocolError::InvalidUtf8Subject(op_name)));
            }
        }
        let frame = buf.split_to(frame_len).freeze();
        // SAFETY: the subject and reply are UTF-8: ASCII when `canonical` read
        // them, or checked just above, in this call, while `buf` was borrowed
        // mutably; `frame` holds those same bytes at the same offsets. Every
        // range ends at or before `body_end`, inside the frame.
        let frame = unsafe { MsgFrame::from_parts(frame, layout) };
        Ok(Some(ServerOp::Msg(frame)))
    }
}

/// What is known of a frame's subject and reply when it is completed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Subjects {
    /// Checked to be ASCII while the line was read.
    Ascii,
    /// Not checked yet.
    Unchecked,
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
    if text.len() <= MAX_ERR_TEXT {
        return String::from_utf8_lossy(text).into_owned();
    }
    // A hostile server could make every event and error carrying this text
    // as large as a control line may be (1 MiB by default).
    let mut cut = String::from_utf8_lossy(&text[..MAX_ERR_TEXT]).into_owned();
    let _ = write!(cut, "... ({} more bytes cut)", text.len() - MAX_ERR_TEXT);
    cut
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
            Some(FrameLayout {
                sid: 7,
                subject: (4, 7),
                reply: (10, 11),
                body_start: 15,
                payload_start: 15,
                payload_end: 18,
                hmsg: false,
            })
        );
        // The line is not read again when the payload arrives.
        buf.extend_from_slice(
            b"yz
",
        );
        let Ok(Some(ServerOp::Msg(frame))) = parser.parse(&mut buf) else {
            panic!("a frame")
        };
        assert_eq!(frame.payload_slice(), b"xyz");
        assert_eq!(frame.reply(), Some("r"));
    }

    #[cfg(target_pointer_width = "64")]
    #[test]
    fn what_parse_returns_is_small() {
        use core::mem::size_of;
        // One `Bytes` (32), the sid (8), seven 32-bit offsets and a flag.
        assert_eq!(size_of::<MsgFrame>(), 72);
        // The other variants and the error fit beside the frame's niche, so
        // nothing is added around it.
        assert_eq!(size_of::<ServerOp>(), 72);
        assert_eq!(size_of::<Result<Option<ServerOp>, ProtocolError>>(), 72);
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
    fn long_error_texts_are_cut() {
        let exact = [b'a'; MAX_ERR_TEXT];
        assert_eq!(error_text(&exact).len(), MAX_ERR_TEXT);
        let mut long = alloc::vec![b'\''];
        long.extend_from_slice(&[b'x'; 100_000]);
        long.push(b'\'');
        let text = error_text(&long);
        assert!(text.starts_with(&"x".repeat(MAX_ERR_TEXT)), "{text}");
        assert!(text.ends_with("x... (98976 more bytes cut)"), "{text}");
        assert!(text.len() < MAX_ERR_TEXT + 40);
    }

    #[test]
    fn trims() {
        assert_eq!(trim(b"  a b\t"), b"a b");
        assert_eq!(trim(b" \t "), b"");
        assert_eq!(trim(b""), b"");
    }
}
