//! Reading and deleting single stored messages: `STREAM.MSG.GET` (through the
//! stream leader, JSON with base64 fields), `STREAM.MSG.DELETE`, and direct
//! get (ADR-31: any replica answers with the raw message; batches end with a
//! 204 `EOB` status).

use super::{ApiCall, ApiPrefix, SuccessResponse, validate_name};
use crate::error::Error;
use crate::wire::{is_default, opt_time, parse_time};
use base64::Engine;
use bytes::Bytes;
use natrs_client::{HeaderMap, Message};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// Which message(s) to get. Build it with the constructors; the fields are the
/// wire form (`JSApiMsgGetRequest`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct MessageGetRequest {
    /// By sequence (or the lower bound with `next_by_subj` or `batch`).
    #[serde(rename = "seq", skip_serializing_if = "Option::is_none")]
    pub sequence: Option<u64>,
    /// The last message on this subject.
    #[serde(rename = "last_by_subj", skip_serializing_if = "Option::is_none")]
    pub last_by_subject: Option<String>,
    /// The first message at or after `seq` on this subject (wildcards allowed).
    #[serde(rename = "next_by_subj", skip_serializing_if = "Option::is_none")]
    pub next_by_subject: Option<String>,
    /// Direct get only: up to this many messages, then an `EOB` status.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub batch: Option<usize>,
    /// Direct get only: stop a batch after this many bytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_bytes: Option<usize>,
    /// Start at the first message at or after this time (2.11+).
    #[serde(with = "opt_time", skip_serializing_if = "Option::is_none")]
    pub start_time: Option<OffsetDateTime>,
    /// Direct get only: the last message of each of these subjects.
    #[serde(rename = "multi_last", skip_serializing_if = "Vec::is_empty")]
    pub multi_last: Vec<String>,
    /// Direct get only: with `multi_last`, as of this sequence.
    #[serde(rename = "up_to_seq", skip_serializing_if = "Option::is_none")]
    pub up_to_sequence: Option<u64>,
    /// Direct get only: with `multi_last`, as of this time.
    #[serde(with = "opt_time", skip_serializing_if = "Option::is_none")]
    pub up_to_time: Option<OffsetDateTime>,
    /// Leave out the headers.
    #[serde(rename = "no_hdr", skip_serializing_if = "is_default")]
    pub no_headers: bool,
}

impl MessageGetRequest {
    /// The message with sequence `sequence`.
    pub fn sequence(sequence: u64) -> MessageGetRequest {
        MessageGetRequest {
            sequence: Some(sequence),
            ..Default::default()
        }
    }

    /// The last message on `subject`.
    pub fn last_by_subject(subject: impl Into<String>) -> MessageGetRequest {
        MessageGetRequest {
            last_by_subject: Some(subject.into()),
            ..Default::default()
        }
    }

    /// The first message on `subject` at or after sequence `from`.
    pub fn next_by_subject(subject: impl Into<String>, from: u64) -> MessageGetRequest {
        MessageGetRequest {
            sequence: Some(from),
            next_by_subject: Some(subject.into()),
            ..Default::default()
        }
    }

    /// Direct get: up to `batch` messages on `subject` from sequence `from`.
    pub fn batch(subject: impl Into<String>, from: u64, batch: usize) -> MessageGetRequest {
        MessageGetRequest {
            sequence: Some(from.max(1)),
            next_by_subject: Some(subject.into()),
            batch: Some(batch),
            ..Default::default()
        }
    }

    /// Direct get: the last message of every subject matching `subjects`.
    pub fn multi_last<I, S>(subjects: I) -> MessageGetRequest
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        MessageGetRequest {
            multi_last: subjects.into_iter().map(Into::into).collect(),
            ..Default::default()
        }
    }

    /// Whether the server answers with several messages and an `EOB`.
    pub fn is_batch(&self) -> bool {
        self.batch.is_some_and(|b| b > 0) || !self.multi_last.is_empty()
    }
}

/// A message read from a stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamMessage {
    /// Its subject.
    pub subject: String,
    /// Its stream sequence.
    pub sequence: u64,
    /// Its headers (direct get adds `Nats-Stream`, `Nats-Subject`,
    /// `Nats-Sequence`, `Nats-Time-Stamp`).
    pub headers: HeaderMap,
    /// Its payload.
    pub payload: Bytes,
    /// When it was stored.
    pub time: Option<OffsetDateTime>,
}

#[derive(Debug, Deserialize)]
struct StoredMessage {
    #[serde(default)]
    subject: String,
    #[serde(rename = "seq", default)]
    sequence: u64,
    #[serde(rename = "hdrs", default)]
    headers: Option<String>,
    #[serde(default)]
    data: Option<String>,
    #[serde(default, with = "opt_time")]
    time: Option<OffsetDateTime>,
}

/// Reply to `STREAM.MSG.GET`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageGetResponse {
    /// The message.
    pub message: StreamMessage,
}

impl<'de> Deserialize<'de> for MessageGetResponse {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Raw {
            message: Option<StoredMessage>,
        }
        let raw = Raw::deserialize(d)?;
        let m = raw
            .message
            .ok_or_else(|| serde::de::Error::missing_field("message"))?;
        let b64 = base64::engine::general_purpose::STANDARD;
        let decode = |s: Option<String>| -> Result<Vec<u8>, D::Error> {
            match s {
                Some(s) => b64.decode(s).map_err(serde::de::Error::custom),
                None => Ok(Vec::new()),
            }
        };
        let raw_headers = decode(m.headers)?;
        let headers = if raw_headers.is_empty() {
            HeaderMap::new()
        } else {
            HeaderMap::parse(&raw_headers).map_err(serde::de::Error::custom)?
        };
        Ok(MessageGetResponse {
            message: StreamMessage {
                subject: m.subject,
                sequence: m.sequence,
                headers,
                payload: decode(m.data)?.into(),
                time: m.time,
            },
        })
    }
}

/// `STREAM.MSG.GET.<stream>`.
pub fn get(
    prefix: &ApiPrefix,
    stream: &str,
    request: &MessageGetRequest,
) -> Result<ApiCall<MessageGetResponse>, Error> {
    validate_name("stream", stream)?;
    if request.is_batch() {
        return Err(Error::InvalidArgument(
            "batch and multi_last need direct get".to_string(),
        ));
    }
    ApiCall::json(prefix.subject(&format!("STREAM.MSG.GET.{stream}")), request)
}

/// `STREAM.MSG.DELETE.<stream>`: deletes message `sequence`; `erase`
/// overwrites its bytes on disk.
pub fn delete(
    prefix: &ApiPrefix,
    stream: &str,
    sequence: u64,
    erase: bool,
) -> Result<ApiCall<SuccessResponse>, Error> {
    validate_name("stream", stream)?;
    #[derive(Serialize)]
    struct Body {
        seq: u64,
        #[serde(skip_serializing_if = "is_default")]
        no_erase: bool,
    }
    ApiCall::json(
        prefix.subject(&format!("STREAM.MSG.DELETE.{stream}")),
        &Body {
            seq: sequence,
            no_erase: !erase,
        },
    )
}

/// A direct get request: where and what to send. The reply is one raw
/// message, or for a batch several and then an `EOB` status; read each with
/// [`parse_direct_reply`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectGet {
    /// Request subject.
    pub subject: String,
    /// Request body (empty for the last-by-subject form).
    pub payload: Bytes,
    /// Whether several replies come.
    pub batch: bool,
}

/// `DIRECT.GET.<stream>` with a JSON request.
pub fn direct_get(
    prefix: &ApiPrefix,
    stream: &str,
    request: &MessageGetRequest,
) -> Result<DirectGet, Error> {
    validate_name("stream", stream)?;
    let payload = serde_json::to_vec(request)
        .map_err(|e| Error::InvalidArgument(format!("cannot encode request: {e}")))?;
    Ok(DirectGet {
        subject: prefix.subject(&format!("DIRECT.GET.{stream}")),
        payload: payload.into(),
        batch: request.is_batch(),
    })
}

/// `DIRECT.GET.<stream>.<subject>`: the last message on `subject`, with the
/// subject in the request subject (so permissions can be granted per subject).
pub fn direct_get_last(
    prefix: &ApiPrefix,
    stream: &str,
    subject: &str,
) -> Result<DirectGet, Error> {
    validate_name("stream", stream)?;
    super::validate_subject(subject, false)?;
    Ok(DirectGet {
        subject: prefix.subject_of(&["DIRECT.GET.", stream, ".", subject]),
        payload: Bytes::new(),
        batch: false,
    })
}

/// One reply to a direct get.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DirectReply {
    /// A message.
    Message {
        /// The message.
        message: StreamMessage,
        /// In a batch: messages left that match the request.
        num_pending: Option<u64>,
        /// In a batch: the sequence of the message before this one.
        last_sequence: Option<u64>,
    },
    /// The end of a batch (204 `EOB`).
    EndOfBatch {
        /// Messages left that match the request (ask again from
        /// `last_sequence + 1` for more).
        num_pending: u64,
        /// The last sequence sent.
        last_sequence: u64,
        /// For `multi_last`: the sequence the read was consistent at; pass it
        /// as `up_to_sequence` to page on.
        up_to_sequence: Option<u64>,
    },
}

fn header_u64(h: &HeaderMap, name: &str) -> Option<u64> {
    h.get(name).and_then(|v| v.trim().parse().ok())
}

/// Reads one direct get reply: a message, the end of a batch, or an error
/// (404 [`Error::MessageNotFound`], any other status [`Error::Status`]).
pub fn parse_direct_reply(reply: Message) -> Result<DirectReply, Error> {
    let headers = reply
        .headers
        .ok_or_else(|| Error::InvalidResponse("direct get reply without headers".to_string()))?;
    // Stored messages always carry Nats-Sequence (and may keep a status line
    // their publisher gave them); status replies never do.
    if let Some(status) = headers
        .status()
        .filter(|_| !headers.contains_key("Nats-Sequence"))
    {
        return match status.as_u16() {
            204 => Ok(DirectReply::EndOfBatch {
                num_pending: header_u64(&headers, "Nats-Num-Pending").unwrap_or(0),
                last_sequence: header_u64(&headers, "Nats-Last-Sequence").unwrap_or(0),
                up_to_sequence: header_u64(&headers, "Nats-UpTo-Sequence"),
            }),
            404 => Err(Error::MessageNotFound),
            503 => Err(Error::Status {
                code: 503,
                description:
                    "no responders: the stream does not exist or does not allow direct get"
                        .to_string(),
            }),
            code => Err(Error::Status {
                code,
                description: headers.description().unwrap_or_default().to_string(),
            }),
        };
    }
    let subject = headers
        .get("Nats-Subject")
        .ok_or_else(|| Error::InvalidResponse("direct get reply without Nats-Subject".to_string()))?
        .to_string();
    let sequence = header_u64(&headers, "Nats-Sequence").ok_or_else(|| {
        Error::InvalidResponse("direct get reply without a valid Nats-Sequence".to_string())
    })?;
    let time = headers.get("Nats-Time-Stamp").and_then(parse_time);
    let num_pending = header_u64(&headers, "Nats-Num-Pending");
    let last_sequence = header_u64(&headers, "Nats-Last-Sequence");
    Ok(DirectReply::Message {
        message: StreamMessage {
            subject,
            sequence,
            headers,
            payload: reply.payload,
            time,
        },
        num_pending,
        last_sequence,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::parse_json;
    use natrs_client::{StatusCode, Subject};

    fn msg(headers: HeaderMap, payload: &'static str) -> Message {
        Message {
            subject: Subject::from_static("_INBOX.a"),
            reply: None,
            headers: Some(headers),
            payload: Bytes::from_static(payload.as_bytes()),
            length: 0,
        }
    }

    #[test]
    fn requests() {
        let p = ApiPrefix::new();
        let g = get(&p, "S", &MessageGetRequest::sequence(5)).unwrap();
        assert_eq!(g.subject, "$JS.API.STREAM.MSG.GET.S");
        assert_eq!(&g.payload[..], br#"{"seq":5}"#);
        let g = get(&p, "S", &MessageGetRequest::next_by_subject("a.*", 3)).unwrap();
        assert_eq!(&g.payload[..], br#"{"seq":3,"next_by_subj":"a.*"}"#);
        assert!(get(&p, "S", &MessageGetRequest::batch("a", 1, 3)).is_err());
        let d = direct_get(&p, "S", &MessageGetRequest::batch("a.>", 0, 3)).unwrap();
        assert!(d.batch);
        assert_eq!(
            &d.payload[..],
            br#"{"seq":1,"next_by_subj":"a.>","batch":3}"#
        );
        let d = direct_get(&p, "S", &MessageGetRequest::multi_last(["a.*", "b"])).unwrap();
        assert_eq!(&d.payload[..], br#"{"multi_last":["a.*","b"]}"#);
        let l = direct_get_last(&p, "KV_x", "$KV.x.k").unwrap();
        assert_eq!(l.subject, "$JS.API.DIRECT.GET.KV_x.$KV.x.k");
        assert!(l.payload.is_empty());
        let del = delete(&p, "S", 9, true).unwrap();
        assert_eq!(&del.payload[..], br#"{"seq":9}"#);
        let del = delete(&p, "S", 9, false).unwrap();
        assert_eq!(&del.payload[..], br#"{"seq":9,"no_erase":true}"#);
    }

    #[test]
    fn stored_message() {
        let body = br#"{"type":"io.nats.jetstream.api.v1.stream_msg_get_response","message":{"subject":"a.b","seq":4,
            "hdrs":"TkFUUy8xLjANCkE6IDENCg0K","data":"aGVsbG8=","time":"2024-01-01T00:00:00.5Z"}}"#;
        let r: MessageGetResponse = parse_json(body).unwrap();
        assert_eq!(r.message.subject, "a.b");
        assert_eq!(r.message.sequence, 4);
        assert_eq!(r.message.headers.get("A"), Some("1"));
        assert_eq!(r.message.payload, "hello");
        assert!(r.message.time.is_some());
        let r: MessageGetResponse =
            parse_json(br#"{"message":{"subject":"a","seq":1,"time":"2024-01-01T00:00:00Z"}}"#)
                .unwrap();
        assert!(r.message.payload.is_empty());
        assert!(r.message.headers.is_empty());
        let e = parse_json::<MessageGetResponse>(
            br#"{"error":{"code":404,"err_code":10037,"description":"no message found"}}"#,
        );
        assert_eq!(e.unwrap_err(), Error::MessageNotFound);
    }

    #[test]
    fn direct_replies() {
        let mut h = HeaderMap::new();
        h.insert("Nats-Stream", "S");
        h.insert("Nats-Subject", "a.b");
        h.insert("Nats-Sequence", "7");
        h.insert("Nats-Time-Stamp", "2024-11-04T23:45:02.060192Z");
        h.insert("Nats-Num-Pending", "2");
        h.insert("Nats-Last-Sequence", "5");
        match parse_direct_reply(msg(h, "x")).unwrap() {
            DirectReply::Message {
                message,
                num_pending,
                last_sequence,
            } => {
                assert_eq!(message.subject, "a.b");
                assert_eq!(message.sequence, 7);
                assert_eq!(message.payload, "x");
                assert!(message.time.is_some());
                assert_eq!(num_pending, Some(2));
                assert_eq!(last_sequence, Some(5));
            }
            other => panic!("{other:?}"),
        }
        let mut eob = HeaderMap::with_status(StatusCode(204), Some("EOB"));
        eob.insert("Nats-Num-Pending", "0");
        eob.insert("Nats-Last-Sequence", "9");
        assert_eq!(
            parse_direct_reply(msg(eob, "")).unwrap(),
            DirectReply::EndOfBatch {
                num_pending: 0,
                last_sequence: 9,
                up_to_sequence: None
            }
        );
        let nf = HeaderMap::with_status(StatusCode(404), Some("Message Not Found"));
        assert_eq!(parse_direct_reply(msg(nf, "")), Err(Error::MessageNotFound));
        let bad = HeaderMap::with_status(StatusCode(408), Some("Bad Request"));
        assert!(matches!(
            parse_direct_reply(msg(bad, "")),
            Err(Error::Status { code: 408, .. })
        ));
        let mut h = HeaderMap::new();
        h.insert("Nats-Subject", "a");
        h.insert("Nats-Sequence", "x");
        assert!(parse_direct_reply(msg(h, "p")).is_err());
    }
}
