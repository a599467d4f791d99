//! Encoding of client operations. Callers validate subjects and sizes first
//! (see [`crate::client`]); these functions only write bytes.
//!
//! Numbers are formatted by hand on the stack and each op reserves its inline
//! bytes once, so encoding into a [`WriteBuffer`] with spare capacity does not
//! allocate (`CONNECT`, sent once per connection, serializes its JSON first).

use crate::Payload;
use crate::headers::{HeaderError, HeaderMap};
use crate::proto::decimal::{MAX_U64_DIGITS, decimal_len, put_u64};
use crate::proto::{ConnectInfo, WriteBuffer};
use bytes::{BufMut, BytesMut};

/// `PUB subject [reply] #bytes\r\npayload\r\n`, or `HPUB` when `headers` is given.
/// Fails only when a header name or value cannot be sent; nothing is written then.
///
/// The payload is copied into the buffer, or queued as its own `Bytes` when it
/// has a handle ([`Payload::Shared`], [`Payload::Owned`]) and is at least
/// [`WriteBuffer::share_threshold`] long.
pub fn encode_pub<'p>(
    out: &mut WriteBuffer,
    subject: &str,
    reply: Option<&str>,
    headers: Option<&HeaderMap>,
    payload: impl Into<Payload<'p>>,
) -> Result<(), HeaderError> {
    let payload = payload.into();
    let header_len = match headers {
        Some(h) => {
            h.validate()?;
            Some(h.encoded_len())
        }
        None => None,
    };
    let args_len = pub_args_len(subject, reply, header_len, payload.len());
    let copied_payload = if out.queued(&payload).is_some() {
        0
    } else {
        payload.len()
    };
    let inline = &mut out.inline;
    inline.reserve(5 + args_len + 2 + header_len.unwrap_or(0) + copied_payload + 2);
    match (headers, header_len) {
        (Some(h), Some(hlen)) => {
            inline.put_slice(b"HPUB ");
            put_subjects(inline, subject, reply);
            put_u64(inline, hlen as u64);
            inline.put_u8(b' ');
            put_u64(inline, hlen.saturating_add(payload.len()) as u64);
            inline.put_slice(b"\r\n");
            h.encode_unchecked(inline);
        }
        _ => {
            inline.put_slice(b"PUB ");
            put_subjects(inline, subject, reply);
            put_u64(inline, payload.len() as u64);
            inline.put_slice(b"\r\n");
        }
    }
    out.push_payload(&payload);
    out.inline.put_slice(b"\r\n");
    Ok(())
}

/// Length of the arguments of a `PUB`/`HPUB` control line: what follows the op
/// name and its space, line end not counted. This is what the server compares
/// with its `max_control_line` (it refuses a line whose arguments are longer),
/// so a client checks `pub_args_len(..) > max_control_line` before encoding.
///
/// `headers_len` is [`HeaderMap::encoded_len`] for an `HPUB`, `None` for a `PUB`.
pub fn pub_args_len(
    subject: &str,
    reply: Option<&str>,
    headers_len: Option<usize>,
    payload_len: usize,
) -> usize {
    let mut len = subject.len() + 1 + reply.map_or(0, |r| r.len() + 1);
    match headers_len {
        Some(h) => {
            len += decimal_len(h as u64) + 1 + decimal_len(h.saturating_add(payload_len) as u64)
        }
        None => len += decimal_len(payload_len as u64),
    }
    len
}

/// Length of the arguments of a `SUB` control line (see [`pub_args_len`]).
pub fn sub_args_len(subject: &str, queue: Option<&str>, sid: u64) -> usize {
    subject.len() + 1 + queue.map_or(0, |q| q.len() + 1) + decimal_len(sid)
}

/// `subject ` and `reply ` if any.
#[inline(always)]
fn put_subjects(out: &mut BytesMut, subject: &str, reply: Option<&str>) {
    out.put_slice(subject.as_bytes());
    out.put_u8(b' ');
    if let Some(reply) = reply {
        out.put_slice(reply.as_bytes());
        out.put_u8(b' ');
    }
}

/// `SUB subject [queue] sid\r\n`.
pub fn encode_sub(out: &mut WriteBuffer, subject: &str, queue: Option<&str>, sid: u64) {
    let inline = &mut out.inline;
    inline.reserve(4 + sub_args_len(subject, queue, sid) + 2);
    inline.put_slice(b"SUB ");
    put_subjects(inline, subject, queue);
    put_u64(inline, sid);
    inline.put_slice(b"\r\n");
}

/// `UNSUB sid [max]\r\n`.
pub fn encode_unsub(out: &mut WriteBuffer, sid: u64, max: Option<u64>) {
    let inline = &mut out.inline;
    inline.reserve(6 + 2 * MAX_U64_DIGITS + 1 + 2);
    inline.put_slice(b"UNSUB ");
    put_u64(inline, sid);
    if let Some(max) = max {
        inline.put_u8(b' ');
        put_u64(inline, max);
    }
    inline.put_slice(b"\r\n");
}

/// `CONNECT {json}\r\n`.
pub fn encode_connect(out: &mut WriteBuffer, info: &ConnectInfo) {
    // Serializing plain strings, booleans and integers cannot fail; should it
    // ever, an empty object still lets the server answer with an error.
    let json = serde_json::to_vec(info).unwrap_or_else(|_| b"{}".to_vec());
    let inline = &mut out.inline;
    inline.reserve(8 + json.len() + 2);
    inline.put_slice(b"CONNECT ");
    inline.put_slice(&json);
    inline.put_slice(b"\r\n");
}

/// `PING\r\n`.
pub fn encode_ping(out: &mut WriteBuffer) {
    out.inline.extend_from_slice(b"PING\r\n");
}

/// `PONG\r\n`.
pub fn encode_pong(out: &mut WriteBuffer) {
    out.inline.extend_from_slice(b"PONG\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::headers::StatusCode;
    use alloc::string::String;
    use alloc::vec::Vec;
    use bytes::{Buf, Bytes};

    fn drain(mut out: WriteBuffer) -> Vec<u8> {
        let mut v = Vec::new();
        while out.has_remaining() {
            let c = out.chunk();
            v.extend_from_slice(c);
            let n = c.len();
            out.advance(n);
        }
        v
    }

    #[test]
    fn pub_forms() {
        let mut out = WriteBuffer::new();
        encode_pub(&mut out, "foo", None, None, Bytes::new()).unwrap();
        encode_pub(
            &mut out,
            "foo",
            Some("_INBOX.1"),
            None,
            Bytes::from_static(b"hello"),
        )
        .unwrap();
        assert_eq!(
            drain(out),
            b"PUB foo 0\r\n\r\nPUB foo _INBOX.1 5\r\nhello\r\n"
        );
    }

    #[test]
    fn hpub_forms() {
        let mut out = WriteBuffer::new();
        let mut h = HeaderMap::new();
        h.append("A", "1");
        encode_pub(&mut out, "foo", None, Some(&h), Bytes::from_static(b"hi")).unwrap();
        encode_pub(
            &mut out,
            "foo",
            Some("r"),
            Some(&HeaderMap::new()),
            Bytes::new(),
        )
        .unwrap();
        let status = HeaderMap::with_status(StatusCode::NO_RESPONDERS, None);
        encode_pub(&mut out, "s", None, Some(&status), Bytes::new()).unwrap();
        assert_eq!(
            drain(out),
            &b"HPUB foo 18 20\r\nNATS/1.0\r\nA: 1\r\n\r\nhi\r\n\
               HPUB foo r 12 12\r\nNATS/1.0\r\n\r\n\r\n\
               HPUB s 16 16\r\nNATS/1.0 503\r\n\r\n\r\n"[..]
        );
    }

    #[test]
    fn invalid_headers_write_nothing() {
        let mut out = WriteBuffer::new();
        let mut h = HeaderMap::new();
        h.append("Bad Name", "1");
        assert!(encode_pub(&mut out, "foo", None, Some(&h), Bytes::from_static(b"x")).is_err());
        let mut h = HeaderMap::new();
        h.append("Good", "line\r\nbreak");
        assert!(encode_pub(&mut out, "foo", None, Some(&h), Bytes::from_static(b"x")).is_err());
        assert!(out.is_empty());
    }

    #[test]
    fn large_payload_is_shared() {
        let mut out = WriteBuffer::new();
        let big = Bytes::from(alloc::vec![7u8; WriteBuffer::DEFAULT_SHARE_THRESHOLD]);
        encode_pub(&mut out, "big", None, None, &big).unwrap();
        assert_eq!(out.chunk_count(), 3);
        let bytes = drain(out);
        let head = alloc::format!("PUB big {}\r\n", big.len());
        assert_eq!(&bytes[..head.len()], head.as_bytes());
        assert_eq!(&bytes[head.len()..head.len() + big.len()], &big[..]);
        assert_eq!(&bytes[head.len() + big.len()..], b"\r\n");
    }

    #[test]
    fn other_ops() {
        let mut out = WriteBuffer::new();
        encode_sub(&mut out, "foo.*", None, 1);
        encode_sub(&mut out, "foo.>", Some("workers"), 18446744073709551615);
        encode_unsub(&mut out, 1, None);
        encode_unsub(&mut out, 2, Some(10));
        encode_ping(&mut out);
        encode_pong(&mut out);
        assert_eq!(
            drain(out),
            &b"SUB foo.* 1\r\nSUB foo.> workers 18446744073709551615\r\nUNSUB 1\r\nUNSUB 2 10\r\nPING\r\nPONG\r\n"[..]
        );
    }

    #[test]
    fn connect_json() {
        let mut out = WriteBuffer::new();
        let info = ConnectInfo {
            lang: String::from("rust"),
            version: String::from("0.1.0"),
            protocol: 1,
            headers: true,
            no_responders: true,
            user: Some(String::from("u")),
            ..ConnectInfo::default()
        };
        encode_connect(&mut out, &info);
        let bytes = drain(out);
        assert!(bytes.starts_with(b"CONNECT {"));
        assert!(bytes.ends_with(b"}\r\n"));
        let json: serde_json::Value = serde_json::from_slice(&bytes[8..bytes.len() - 2]).unwrap();
        assert_eq!(json["user"], "u");
        assert_eq!(json["protocol"], 1);
        assert_eq!(json["headers"], true);
        assert!(json.get("pass").is_none());
    }

    #[test]
    fn args_lengths_match_the_encoding() {
        let mut h = HeaderMap::new();
        h.append("Key", "value");
        for (subject, reply, headers, len) in [
            ("a", None, None, 0usize),
            ("foo.bar", Some("_INBOX.x"), None, 123456),
            ("foo", None, Some(&h), 9),
            ("foo", Some("r.r"), Some(&h), 99999),
        ] {
            let mut out = WriteBuffer::new();
            let payload = Bytes::from(alloc::vec![b'x'; len]);
            encode_pub(&mut out, subject, reply, headers, &payload).unwrap();
            let bytes = drain(out);
            let line_end = bytes.iter().position(|&b| b == b'\r').unwrap();
            let name_len = if headers.is_some() { 5 } else { 4 };
            let expected = pub_args_len(subject, reply, headers.map(HeaderMap::encoded_len), len);
            assert_eq!(line_end - name_len, expected);
        }
        let mut out = WriteBuffer::new();
        encode_sub(&mut out, "foo", Some("q"), 1234);
        assert_eq!(
            drain(out).len(),
            4 + sub_args_len("foo", Some("q"), 1234) + 2
        );
    }
}
