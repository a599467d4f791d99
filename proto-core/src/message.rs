//! A message delivered by the server.

use crate::headers::{HeaderError, HeaderMap, StatusCode};
use crate::proto::MsgFrame;
use crate::subject::Subject;
use alloc::vec::Vec;
use bytes::Bytes;

/// A message as delivered to a subscription or as a reply.
///
/// Subject, reply and payload share the buffer the message was read into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The subject it was published to.
    pub subject: Subject,
    /// The reply subject, if the publisher set one.
    pub reply: Option<Subject>,
    /// Headers, present for messages received as `HMSG`.
    pub headers: Option<HeaderMap>,
    /// The payload.
    pub payload: Bytes,
    /// Bytes this message took on the wire (control line, headers and payload).
    pub length: usize,
}

impl Message {
    /// Builds a message from a received frame, parsing its header block.
    ///
    /// A header block with bad lines still gives a message (ADR-4: deliver it,
    /// report the problem): the lines that parsed are kept and the first
    /// problem is returned beside it. A block that cannot be read at all (no
    /// `NATS/1.0` line, no terminating blank line) gives `headers: None` and
    /// that error.
    ///
    /// The subject, reply and payload are slices of the frame's buffer; the
    /// payload reuses the frame's own handle.
    #[inline]
    pub fn from_frame(frame: MsgFrame) -> (Message, Option<HeaderError>) {
        let (headers, error) = Message::parse_headers(&frame);
        (Message::with_headers(frame, headers), error)
    }

    /// The frame's header block, parsed as [`from_frame`](Message::from_frame)
    /// does.
    #[inline]
    pub(crate) fn parse_headers(frame: &MsgFrame) -> (Option<HeaderMap>, Option<HeaderError>) {
        match frame.headers_raw().map(HeaderMap::parse_lossy) {
            None => (None, None),
            Some(Ok((map, error))) => (Some(map), error),
            Some(Err(error)) => (None, Some(error)),
        }
    }

    /// The message of `frame`, with its header block already parsed. Called
    /// inside the expression that places the message, so that it is built
    /// where it goes rather than built and then copied there.
    #[inline(always)]
    pub(crate) fn with_headers(frame: MsgFrame, headers: Option<HeaderMap>) -> Message {
        Message {
            subject: frame.to_subject(),
            reply: frame.to_reply(),
            headers,
            length: frame.wire_len(),
            payload: frame.into_payload(),
        }
    }

    /// The message with its subject, reply and payload copied into one
    /// allocation of their size, no longer sharing the buffer they were read
    /// into. A message kept from a large read would otherwise keep that whole
    /// read buffer alive; a receiver detaches the messages of a read that
    /// is mostly bytes nobody keeps.
    pub fn detach(self) -> Message {
        let reply_len = self.reply.as_ref().map_or(0, |r| r.len());
        let mut all = Vec::with_capacity(self.subject.len() + reply_len + self.payload.len());
        all.extend_from_slice(self.subject.as_bytes());
        if let Some(reply) = &self.reply {
            all.extend_from_slice(reply.as_bytes());
        }
        all.extend_from_slice(&self.payload);
        let all = Bytes::from(all);
        let subject_end = self.subject.len();
        let reply_end = subject_end + reply_len;
        // SAFETY: the slices hold exactly the bytes of the subject and reply,
        // which are subjects, so valid UTF-8.
        let (subject, reply) = unsafe {
            (
                Subject::from_utf8_unchecked(all.slice(..subject_end)),
                self.reply
                    .as_ref()
                    .map(|_| Subject::from_utf8_unchecked(all.slice(subject_end..reply_end))),
            )
        };
        Message {
            subject,
            reply,
            headers: self.headers,
            payload: all.slice(reply_end..),
            length: self.length,
        }
    }

    /// The status code of the header block, if any.
    pub fn status(&self) -> Option<StatusCode> {
        self.headers.as_ref().and_then(HeaderMap::status)
    }

    /// The description after the status code, if any.
    pub fn description(&self) -> Option<&str> {
        self.headers.as_ref().and_then(HeaderMap::description)
    }

    /// Whether this is a status (control) message rather than user data: it has
    /// a status code and no payload (ADR-4).
    pub fn is_status(&self) -> bool {
        self.payload.is_empty() && self.status().is_some()
    }

    /// Whether this is the server's "no responders" answer to a request: status
    /// 503 and no payload.
    pub fn is_no_responders(&self) -> bool {
        self.payload.is_empty() && self.status().is_some_and(StatusCode::is_no_responders)
    }

    /// The first value of header `name`, if the message has headers.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.as_ref().and_then(|h| h.get(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::proto::{Parser, ServerOp};
    use alloc::format;
    use bytes::BytesMut;

    #[test]
    fn a_message_is_three_handles_and_two_words() {
        // Every received message is moved several times on its way to the
        // subscriber (event queue, delivery batch, delivery queue): the
        // headers stay one pointer wide so those moves stay short.
        assert_eq!(size_of::<Option<HeaderMap>>(), size_of::<usize>());
        assert_eq!(
            size_of::<Message>(),
            3 * size_of::<Bytes>() + 2 * size_of::<usize>()
        );
    }

    /// A frame for subject `a`, sid 1, as the parser gives it.
    fn frame(headers: Option<&'static [u8]>, payload: &'static [u8]) -> MsgFrame {
        let mut wire = match headers {
            None => format!("MSG a 1 {}\r\n", payload.len()).into_bytes(),
            Some(h) => format!("HMSG a 1 {} {}\r\n", h.len(), h.len() + payload.len()).into_bytes(),
        };
        wire.extend_from_slice(headers.unwrap_or_default());
        wire.extend_from_slice(payload);
        wire.extend_from_slice(b"\r\n");
        match Parser::default().parse(&mut BytesMut::from(&wire[..])) {
            Ok(Some(ServerOp::Msg(frame))) => frame,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn statuses() {
        let (m, err) = Message::from_frame(frame(Some(b"NATS/1.0 503\r\n\r\n"), b""));
        assert_eq!(err, None);
        assert!(m.is_no_responders());
        assert!(m.is_status());
        assert_eq!(m.subject, "a");
        assert_eq!(m.reply, None);
        assert_eq!(m.length, "HMSG a 1 16 16\r\nNATS/1.0 503\r\n\r\n\r\n".len());
        let (m, _) = Message::from_frame(frame(Some(b"NATS/1.0 503\r\n\r\n"), b"data"));
        assert!(!m.is_no_responders());
        assert!(!m.is_status());
        let (m, _) = Message::from_frame(frame(
            Some(b"NATS/1.0 408 Request Timeout\r\nX: 1\r\n\r\n"),
            b"",
        ));
        assert_eq!(m.status(), Some(StatusCode::TIMEOUT));
        assert_eq!(m.description(), Some("Request Timeout"));
        assert_eq!(m.header("X"), Some("1"));
        let (m, _) = Message::from_frame(frame(None, b"x"));
        assert_eq!(m.status(), None);
        assert!(!m.is_status());
    }

    #[test]
    fn a_detached_message_shares_nothing_with_its_read_buffer() {
        let mut wire = BytesMut::from(&b"HMSG a.b 1 r.s 12 14\r\nNATS/1.0\r\n\r\nhi\r\n"[..]);
        wire.extend_from_slice(&[b'w'; 1000]);
        let parsed = match Parser::default().parse(&mut wire) {
            Ok(Some(ServerOp::Msg(parsed))) => parsed,
            other => panic!("{other:?}"),
        };
        let (m, _) = Message::from_frame(parsed);
        let d = m.clone().detach();
        assert_eq!(d, m);
        // One allocation of exactly the bytes kept: subject, reply, payload
        // next to each other, none of them in the read buffer.
        let start = d.subject.as_bytes().as_ptr();
        let reply = d.reply.as_ref().unwrap().as_bytes();
        assert_eq!(reply.as_ptr(), start.wrapping_add(3));
        assert_eq!(d.payload.as_ptr(), start.wrapping_add(6));
        let read = m.payload.as_ptr();
        assert_ne!(d.payload.as_ptr(), read);
        let (m, _) = Message::from_frame(frame(None, b""));
        let d = m.clone().detach();
        assert_eq!(d, m);
        assert_eq!(d.reply, None);
        assert!(d.payload.is_empty());
    }

    #[test]
    fn bad_headers_still_deliver() {
        let (m, err) = Message::from_frame(frame(Some(b"NATS/1.0\r\nA: 1\r\nbad\r\n\r\n"), b"p"));
        assert_eq!(m.header("A"), Some("1"));
        assert!(matches!(err, Some(HeaderError::MalformedLine(_))));
        let (m, err) = Message::from_frame(frame(Some(b"garbage"), b"p"));
        assert_eq!(m.headers, None);
        assert_eq!(m.payload, "p");
        assert_eq!(err, Some(HeaderError::MissingVersion));
    }
}
