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
    super::parse_response(reply)
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
