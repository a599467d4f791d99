//! Publishing to a stream: the headers that carry expectations and
//! de-duplication ids, and the acknowledgement the stream answers with.

use crate::error::Error;
use natrs_client::{HeaderMap, Message};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// `Nats-Msg-Id`: the id the stream de-duplicates on within its window.
pub const MSG_ID: &str = "Nats-Msg-Id";
/// `Nats-Expected-Stream`: the message must land in this stream (10060).
pub const EXPECTED_STREAM: &str = "Nats-Expected-Stream";
/// `Nats-Expected-Last-Sequence`: the stream's last sequence must be this (10071).
pub const EXPECTED_LAST_SEQUENCE: &str = "Nats-Expected-Last-Sequence";
/// `Nats-Expected-Last-Subject-Sequence`: the last sequence on the subject
/// must be this (10071, or 10164 when replicated).
pub const EXPECTED_LAST_SUBJECT_SEQUENCE: &str = "Nats-Expected-Last-Subject-Sequence";
/// `Nats-Expected-Last-Subject-Sequence-Subject`: the subject (filter) the
/// previous header applies to, instead of the message's own subject.
pub const EXPECTED_LAST_SUBJECT_SEQUENCE_SUBJECT: &str =
    "Nats-Expected-Last-Subject-Sequence-Subject";
/// `Nats-Expected-Last-Msg-Id`: the last message id must be this (10070).
pub const EXPECTED_LAST_MSG_ID: &str = "Nats-Expected-Last-Msg-Id";
/// `Nats-Rollup`: `sub` or `all`; the message replaces the older ones.
pub const ROLLUP: &str = "Nats-Rollup";
/// `Nats-TTL`: the message's time to live (2.11+).
pub const TTL: &str = "Nats-TTL";

/// The stream's acknowledgement of a stored message.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PubAck {
    /// The stream that stored it.
    pub stream: String,
    /// Its sequence.
    #[serde(rename = "seq")]
    pub sequence: u64,
    /// The stream's domain.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// The message was a duplicate (same `Nats-Msg-Id` within the window)
    /// and was not stored again; `sequence` is the original's.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub duplicate: bool,
    /// A counter stream's new value (2.12+).
    #[serde(rename = "val", skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// The id of the atomic batch this committed (2.12+).
    #[serde(rename = "batch", skip_serializing_if = "Option::is_none")]
    pub batch_id: Option<String>,
    /// The number of messages of that batch.
    #[serde(rename = "count", skip_serializing_if = "Option::is_none")]
    pub batch_size: Option<u64>,
}

/// What `Nats-Rollup` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Rollup {
    /// Remove the older messages on the same subject.
    Subject,
    /// Remove every older message.
    All,
}

/// A per-message time to live.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MessageTtl {
    /// Expire after this long (whole seconds; less than one second is refused
    /// by the server with 10165).
    After(Duration),
    /// Never expire, even if the stream has `max_age`.
    Never,
}

/// Expectations and ids sent with a publish. All unset by default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PublishOptions {
    /// `Nats-Msg-Id`.
    pub msg_id: Option<String>,
    /// `Nats-Expected-Stream`.
    pub expected_stream: Option<String>,
    /// `Nats-Expected-Last-Sequence`.
    pub expected_last_sequence: Option<u64>,
    /// `Nats-Expected-Last-Msg-Id`.
    pub expected_last_msg_id: Option<String>,
    /// `Nats-Expected-Last-Subject-Sequence`.
    pub expected_last_subject_sequence: Option<u64>,
    /// `Nats-Expected-Last-Subject-Sequence-Subject`.
    pub expected_last_subject_sequence_subject: Option<String>,
    /// `Nats-Rollup`.
    pub rollup: Option<Rollup>,
    /// `Nats-TTL`.
    pub ttl: Option<MessageTtl>,
}

impl PublishOptions {
    /// No options.
    pub fn new() -> PublishOptions {
        PublishOptions::default()
    }

    /// Sets `Nats-Msg-Id`.
    pub fn msg_id(mut self, id: impl Into<String>) -> PublishOptions {
        self.msg_id = Some(id.into());
        self
    }

    /// Sets `Nats-Expected-Stream`.
    pub fn expected_stream(mut self, stream: impl Into<String>) -> PublishOptions {
        self.expected_stream = Some(stream.into());
        self
    }

    /// Sets `Nats-Expected-Last-Sequence`.
    pub fn expected_last_sequence(mut self, sequence: u64) -> PublishOptions {
        self.expected_last_sequence = Some(sequence);
        self
    }

    /// Sets `Nats-Expected-Last-Msg-Id`.
    pub fn expected_last_msg_id(mut self, id: impl Into<String>) -> PublishOptions {
        self.expected_last_msg_id = Some(id.into());
        self
    }

    /// Sets `Nats-Expected-Last-Subject-Sequence`.
    pub fn expected_last_subject_sequence(mut self, sequence: u64) -> PublishOptions {
        self.expected_last_subject_sequence = Some(sequence);
        self
    }

    /// Sets `Nats-Expected-Last-Subject-Sequence-Subject`.
    pub fn expected_last_subject_sequence_subject(
        mut self,
        subject: impl Into<String>,
    ) -> PublishOptions {
        self.expected_last_subject_sequence_subject = Some(subject.into());
        self
    }

    /// Sets `Nats-Rollup`.
    pub fn rollup(mut self, rollup: Rollup) -> PublishOptions {
        self.rollup = Some(rollup);
        self
    }

    /// Sets `Nats-TTL`.
    pub fn ttl(mut self, ttl: MessageTtl) -> PublishOptions {
        self.ttl = Some(ttl);
        self
    }

    /// Whether no option is set (no headers needed).
    pub fn is_empty(&self) -> bool {
        *self == PublishOptions::default()
    }

    /// Adds the headers for these options to `headers`.
    pub fn apply(&self, headers: &mut HeaderMap) {
        if let Some(id) = &self.msg_id {
            headers.insert(MSG_ID, id.as_str());
        }
        if let Some(s) = &self.expected_stream {
            headers.insert(EXPECTED_STREAM, s.as_str());
        }
        if let Some(n) = self.expected_last_sequence {
            headers.insert(EXPECTED_LAST_SEQUENCE, n.to_string());
        }
        if let Some(id) = &self.expected_last_msg_id {
            headers.insert(EXPECTED_LAST_MSG_ID, id.as_str());
        }
        if let Some(n) = self.expected_last_subject_sequence {
            headers.insert(EXPECTED_LAST_SUBJECT_SEQUENCE, n.to_string());
        }
        if let Some(s) = &self.expected_last_subject_sequence_subject {
            headers.insert(EXPECTED_LAST_SUBJECT_SEQUENCE_SUBJECT, s.as_str());
        }
        if let Some(r) = self.rollup {
            headers.insert(
                ROLLUP,
                match r {
                    Rollup::Subject => "sub",
                    Rollup::All => "all",
                },
            );
        }
        if let Some(ttl) = self.ttl {
            headers.insert(TTL, ttl_value(ttl));
        }
    }

    /// The headers for these options merged over `base`, or `base` when
    /// there are none.
    pub fn headers(&self, base: Option<HeaderMap>) -> Option<HeaderMap> {
        if self.is_empty() {
            return base;
        }
        let mut h = base.unwrap_or_default();
        self.apply(&mut h);
        Some(h)
    }
}

/// The `Nats-TTL` value: Go duration syntax the server parses.
fn ttl_value(ttl: MessageTtl) -> String {
    match ttl {
        MessageTtl::Never => "never".to_string(),
        MessageTtl::After(d) if d.subsec_nanos() == 0 => format!("{}s", d.as_secs()),
        MessageTtl::After(d) => format!("{}ms", d.as_millis()),
    }
}

/// Reads a publish acknowledgement: an ack, an API error (expectations,
/// size, TTL), or [`Error::NoStreamResponse`] for a 503 (nobody stores that
/// subject, or the stream has no leader right now).
pub fn parse_ack(reply: &Message) -> Result<PubAck, Error> {
    if reply.payload.is_empty() {
        if let Some(status) = reply.status() {
            if status.is_no_responders() {
                return Err(Error::NoStreamResponse);
            }
        }
    }
    if let Some(ack) = fast_ack(&reply.payload) {
        return Ok(ack);
    }
    super::parse_response(reply)
}

/// Reads the usual ack (`{"stream":"S","seq":1}`, with `domain`,
/// `duplicate`, `val`, `batch`, `count`) without a general JSON parser, as
/// acks come by the thousand. `None` for anything else (errors, escapes,
/// unknown fields), which the full parser then reads.
pub(crate) fn fast_ack(body: &[u8]) -> Option<PubAck> {
    let mut r = Reader { b: body, i: 0 };
    r.byte(b'{')?;
    let mut ack = PubAck::default();
    // One bit per field: the full parser refuses a field given twice.
    const SEQ: u8 = 2;
    let mut seen = 0u8;
    loop {
        let key = r.string()?;
        r.byte(b':')?;
        let bit = match key {
            b"stream" => {
                ack.stream = r.text()?;
                1
            }
            b"seq" => {
                ack.sequence = r.number()?;
                SEQ
            }
            b"domain" => {
                ack.domain = Some(r.text()?);
                4
            }
            b"duplicate" => {
                ack.duplicate = r.boolean()?;
                8
            }
            b"val" => {
                ack.value = Some(r.text()?);
                16
            }
            b"batch" => {
                ack.batch_id = Some(r.text()?);
                32
            }
            b"count" => {
                ack.batch_size = Some(r.number()?);
                64
            }
            _ => return None,
        };
        if seen & bit != 0 {
            return None;
        }
        seen |= bit;
        match r.next()? {
            b',' => continue,
            b'}' => break,
            _ => return None,
        }
    }
    r.skip_ws();
    (r.i == body.len() && seen & SEQ != 0 && !ack.stream.is_empty()).then_some(ack)
}

/// A cursor over JSON bytes for [`fast_ack`].
struct Reader<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Reader<'a> {
    /// JSON's whitespace: space, tab, line feed, carriage return (not form
    /// feed, which `u8::is_ascii_whitespace` also takes).
    fn skip_ws(&mut self) {
        while self
            .b
            .get(self.i)
            .is_some_and(|c| matches!(c, b' ' | b'\t' | b'\n' | b'\r'))
        {
            self.i += 1;
        }
    }

    fn next(&mut self) -> Option<u8> {
        self.skip_ws();
        let c = *self.b.get(self.i)?;
        self.i += 1;
        Some(c)
    }

    fn byte(&mut self, want: u8) -> Option<()> {
        (self.next()? == want).then_some(())
    }

    /// A string without escapes or control characters (which JSON refuses
    /// unescaped).
    fn string(&mut self) -> Option<&'a [u8]> {
        self.byte(b'"')?;
        let start = self.i;
        let len = memchr::memchr2(b'"', b'\\', &self.b[start..])?;
        if self.b[start + len] != b'"' || self.b[start..start + len].iter().any(|&c| c < 0x20) {
            return None;
        }
        self.i = start + len + 1;
        Some(&self.b[start..start + len])
    }

    fn text(&mut self) -> Option<String> {
        let s = self.string()?;
        std::str::from_utf8(s).ok().map(str::to_string)
    }

    fn number(&mut self) -> Option<u64> {
        self.skip_ws();
        let start = self.i;
        while self.b.get(self.i).is_some_and(u8::is_ascii_digit) {
            self.i += 1;
        }
        // JSON has no leading zeros.
        let digits = self.i - start;
        if digits == 0 || digits > 20 || (digits > 1 && self.b[start] == b'0') {
            return None;
        }
        std::str::from_utf8(&self.b[start..self.i])
            .ok()?
            .parse()
            .ok()
    }

    fn boolean(&mut self) -> Option<bool> {
        self.skip_ws();
        let rest = &self.b[self.i..];
        if rest.starts_with(b"true") {
            self.i += 4;
            Some(true)
        } else if rest.starts_with(b"false") {
            self.i += 5;
            Some(false)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;
    use bytes::Bytes;
    use natrs_client::{StatusCode, Subject};

    fn reply(payload: &'static str, headers: Option<HeaderMap>) -> Message {
        Message {
            subject: Subject::from_static("_INBOX.x.1"),
            reply: None,
            headers,
            payload: Bytes::from_static(payload.as_bytes()),
            length: 0,
        }
    }

    #[test]
    fn headers() {
        let o = PublishOptions::new()
            .msg_id("m1")
            .expected_stream("S")
            .expected_last_sequence(4)
            .expected_last_msg_id("m0")
            .expected_last_subject_sequence(2)
            .rollup(Rollup::Subject)
            .ttl(MessageTtl::After(Duration::from_secs(90)));
        let h = o.headers(None).unwrap();
        assert_eq!(h.get(MSG_ID), Some("m1"));
        assert_eq!(h.get(EXPECTED_STREAM), Some("S"));
        assert_eq!(h.get(EXPECTED_LAST_SEQUENCE), Some("4"));
        assert_eq!(h.get(EXPECTED_LAST_MSG_ID), Some("m0"));
        assert_eq!(h.get(EXPECTED_LAST_SUBJECT_SEQUENCE), Some("2"));
        assert_eq!(h.get(ROLLUP), Some("sub"));
        assert_eq!(h.get(TTL), Some("90s"));
        assert_eq!(PublishOptions::new().headers(None), None);
        assert_eq!(ttl_value(MessageTtl::Never), "never");
        assert_eq!(
            ttl_value(MessageTtl::After(Duration::from_millis(1500))),
            "1500ms"
        );
    }

    #[test]
    fn fast_path_agrees_with_serde() {
        for body in [
            r#"{"stream":"S","seq":5}"#,
            r#"{"stream":"S","seq":5,"duplicate":true}"#,
            r#" { "stream" : "S" , "domain":"hub", "seq" : 18446744073709551615 } "#,
            r#"{"stream":"C","seq":2,"val":"10"}"#,
            r#"{"stream":"B","seq":9,"batch":"b1","count":3}"#,
        ] {
            let fast = fast_ack(body.as_bytes()).expect(body);
            let slow: PubAck = serde_json::from_str(body).unwrap();
            assert_eq!(fast, slow, "{body}");
        }
        for body in [
            r#"{"error":{"code":503,"err_code":10008,"description":"x"}}"#,
            r#"{"stream":"S\"x","seq":1}"#,
            r#"{"stream":"S","seq":1,"new":1}"#,
            r#"{"stream":"S","seq":-1}"#,
            r#"{"stream":"S","seq":1"#,
            r#"{"stream":"S","seq":1}x"#,
            r#"{"seq":1}"#,
            "",
        ] {
            assert_eq!(fast_ack(body.as_bytes()), None, "{body}");
        }
        // What JSON refuses, the fast reader refuses too (each found by
        // the `js_api` fuzz target or next to what it found).
        for body in [
            "{\"stream\":\"S\",\"seq\":0,\"val\":\"\u{0}1\"}",
            "{\"stream\":\"S\u{1f}\",\"seq\":0}",
            "{\"stream\":\"S\",\u{c}\"seq\":1}",
            r#"{"stream":"S","seq":01}"#,
            r#"{"stream":"S","seq":1,"seq":2}"#,
            r#"{"stream":"S","stream":"T","seq":1}"#,
        ] {
            assert!(serde_json::from_str::<PubAck>(body).is_err(), "{body:?}");
            assert_eq!(fast_ack(body.as_bytes()), None, "{body:?}");
        }
        // Unknown fields still parse through the full parser.
        let a = parse_ack(&reply(r#"{"stream":"S","seq":1,"new":{"x":[1]}}"#, None)).unwrap();
        assert_eq!(a.sequence, 1);
    }

    #[test]
    fn acks() {
        let a = parse_ack(&reply(r#"{"stream":"S","seq":5,"duplicate":true}"#, None)).unwrap();
        assert_eq!(a.stream, "S");
        assert_eq!(a.sequence, 5);
        assert!(a.duplicate);
        assert_eq!(a.domain, None);
        let a = parse_ack(&reply(r#"{"stream":"S","domain":"hub","seq":1}"#, None)).unwrap();
        assert_eq!(a.domain.as_deref(), Some("hub"));
        let e = parse_ack(&reply(
            r#"{"error":{"code":400,"err_code":10071,"description":"wrong last sequence: 3"}}"#,
            None,
        ))
        .unwrap_err();
        assert!(e.is(ErrorCode::WrongLastSequence));
        let nr = parse_ack(&reply(
            "",
            Some(HeaderMap::with_status(StatusCode(503), None)),
        ));
        assert_eq!(nr, Err(Error::NoStreamResponse));
    }
}
