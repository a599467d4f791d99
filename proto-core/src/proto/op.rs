//! Operations the server sends.

use crate::proto::ServerInfo;
use crate::subject::Subject;
use alloc::boxed::Box;
use alloc::string::String;
use bytes::Bytes;
use core::fmt;
use core::ops::Range;

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

/// A `MSG` or `HMSG` frame: the frame's bytes, exactly as received (control
/// line, header block, payload and the line end after it), as one [`Bytes`]
/// sharing the read buffer, and where its fields are in it.
///
/// Holding one handle keeps parsing to one reference-count increment per
/// frame (and one decrement when it is dropped). The accessors borrow
/// ([`subject`](Self::subject), [`payload_slice`](Self::payload_slice),
/// [`headers_raw`](Self::headers_raw)) or make new handles on the same buffer
/// ([`to_subject`](Self::to_subject), [`payload`](Self::payload),
/// [`into_payload`](Self::into_payload)); none of them copies.
///
/// Frames come from the [`Parser`](crate::proto::Parser), which checked the
/// subject and reply subject to be UTF-8. Two frames are equal when they carry
/// the same sid, subject, reply, header block and payload and took the same
/// number of bytes on the wire (however the control line was spaced).
#[derive(Clone)]
pub struct MsgFrame {
    /// The whole frame.
    frame: Bytes,
    /// The subscription id.
    sid: u64,
    subject_start: u32,
    subject_end: u32,
    /// `reply_end == 0` when there is no reply (a reply field is never empty
    /// and never at the frame's start).
    reply_start: u32,
    reply_end: u32,
    /// Where the body (header block, then payload) starts: the control line's
    /// length, line end included.
    body_start: u32,
    payload_start: u32,
    payload_end: u32,
    /// Whether the frame is an `HMSG` (its header block is
    /// `body_start..payload_start`, possibly empty).
    hmsg: bool,
}

/// Where the fields of a frame are, as offsets from the start of the frame.
/// Built by the parser, which guarantees the invariants [`MsgFrame`] relies on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FrameLayout {
    pub(crate) sid: u64,
    pub(crate) subject: (u32, u32),
    /// `(0, 0)` when there is no reply.
    pub(crate) reply: (u32, u32),
    pub(crate) body_start: u32,
    pub(crate) payload_start: u32,
    pub(crate) payload_end: u32,
    pub(crate) hmsg: bool,
}

impl MsgFrame {
    /// A frame over `frame`, laid out as `layout` says.
    ///
    /// # Safety
    ///
    /// The subject and reply ranges of `layout` hold UTF-8. (Every range must
    /// also be within `frame`, `start <= end`, or the accessors would panic.)
    #[inline(always)]
    pub(crate) unsafe fn from_parts(frame: Bytes, layout: FrameLayout) -> MsgFrame {
        MsgFrame {
            frame,
            sid: layout.sid,
            subject_start: layout.subject.0,
            subject_end: layout.subject.1,
            reply_start: layout.reply.0,
            reply_end: layout.reply.1,
            body_start: layout.body_start,
            payload_start: layout.payload_start,
            payload_end: layout.payload_end,
            hmsg: layout.hmsg,
        }
    }

    /// The subscription id the server matched.
    #[inline]
    pub fn sid(&self) -> u64 {
        self.sid
    }

    #[inline]
    fn subject_range(&self) -> Range<usize> {
        self.subject_start as usize..self.subject_end as usize
    }

    #[inline]
    fn reply_range(&self) -> Option<Range<usize>> {
        (self.reply_end != 0).then_some(self.reply_start as usize..self.reply_end as usize)
    }

    #[inline]
    fn headers_range(&self) -> Option<Range<usize>> {
        self.hmsg
            .then_some(self.body_start as usize..self.payload_start as usize)
    }

    #[inline]
    fn payload_range(&self) -> Range<usize> {
        self.payload_start as usize..self.payload_end as usize
    }

    /// The text of `range` of the frame.
    ///
    /// # Safety
    ///
    /// `range` is the subject's or the reply's.
    #[inline]
    unsafe fn text(&self, range: Range<usize>) -> &str {
        // SAFETY: the parser checked these bytes to be UTF-8 (`from_parts`'
        // contract); `Bytes` is immutable, so they still are.
        unsafe { core::str::from_utf8_unchecked(&self.frame[range]) }
    }

    /// The subject the message was published to.
    #[inline]
    pub fn subject(&self) -> &str {
        // SAFETY: the subject's range.
        unsafe { self.text(self.subject_range()) }
    }

    /// The subject as a [`Subject`] sharing the frame's buffer (one
    /// reference-count increment, no copy).
    #[inline]
    pub fn to_subject(&self) -> Subject {
        // SAFETY: the parser checked the subject to be UTF-8.
        unsafe { Subject::from_utf8_unchecked(self.frame.slice(self.subject_range())) }
    }

    /// The reply subject, if any.
    #[inline]
    pub fn reply(&self) -> Option<&str> {
        // SAFETY: the reply's range.
        self.reply_range().map(|r| unsafe { self.text(r) })
    }

    /// The reply subject as a [`Subject`] sharing the frame's buffer.
    #[inline]
    pub fn to_reply(&self) -> Option<Subject> {
        self.reply_range().map(|r| {
            // SAFETY: the parser checked the reply to be UTF-8.
            unsafe { Subject::from_utf8_unchecked(self.frame.slice(r)) }
        })
    }

    /// Whether the frame is an `HMSG` (it has a header block, possibly empty).
    #[inline]
    pub fn has_headers(&self) -> bool {
        self.hmsg
    }

    /// The raw header block (from `NATS/1.0` through the blank line) of an
    /// `HMSG`.
    #[inline]
    pub fn headers_raw(&self) -> Option<&[u8]> {
        self.headers_range().map(|r| &self.frame[r])
    }

    /// The raw header block as [`Bytes`] sharing the frame's buffer.
    pub fn headers_bytes(&self) -> Option<Bytes> {
        self.headers_range().map(|r| self.frame.slice(r))
    }

    /// Length of the header block (0 for a `MSG`).
    #[inline]
    pub fn header_len(&self) -> usize {
        (self.payload_start - self.body_start) as usize
    }

    /// The payload, borrowed.
    #[inline]
    pub fn payload_slice(&self) -> &[u8] {
        &self.frame[self.payload_range()]
    }

    /// The payload as [`Bytes`] sharing the frame's buffer (one
    /// reference-count increment, no copy).
    pub fn payload(&self) -> Bytes {
        self.frame.slice(self.payload_range())
    }

    /// The payload, reusing the frame's own handle (no reference-count
    /// operation at all).
    #[inline(always)]
    pub fn into_payload(self) -> Bytes {
        let mut frame = self.frame;
        frame.truncate(self.payload_end as usize);
        bytes::Buf::advance(&mut frame, self.payload_start as usize);
        frame
    }

    /// Length of the payload.
    #[inline]
    pub fn payload_len(&self) -> usize {
        (self.payload_end - self.payload_start) as usize
    }

    /// Bytes the frame took on the wire, control line and trailing line end
    /// included.
    #[inline]
    pub fn wire_len(&self) -> usize {
        self.frame.len()
    }

    /// The whole frame as received.
    #[inline]
    pub fn as_wire(&self) -> &Bytes {
        &self.frame
    }
}

impl PartialEq for MsgFrame {
    fn eq(&self, other: &MsgFrame) -> bool {
        self.sid == other.sid
            && self.subject() == other.subject()
            && self.reply() == other.reply()
            && self.headers_raw() == other.headers_raw()
            && self.payload_slice() == other.payload_slice()
            && self.wire_len() == other.wire_len()
    }
}

impl Eq for MsgFrame {}

impl fmt::Debug for MsgFrame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MsgFrame")
            .field("sid", &self.sid)
            .field("subject", &self.subject())
            .field("reply", &self.reply())
            .field("headers", &self.headers_raw().map(ByteStr))
            .field("payload", &ByteStr(self.payload_slice()))
            .field("wire_len", &self.wire_len())
            .finish()
    }
}

/// Formats bytes as a byte-string literal.
struct ByteStr<'a>(&'a [u8]);

impl fmt::Debug for ByteStr<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "b\"{}\"", self.0.escape_ascii())
    }
}
