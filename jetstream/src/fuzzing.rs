//! Bodies of the fuzz targets for what natrs-jetstream reads off the wire
//! (the `fuzz/` crate), kept here so that the fuzz binaries are one-liners
//! and `cargo test` replays the committed corpus
//! (`jetstream/tests/fuzz_corpus.rs`) through the very same code.
//!
//! Targets: `js_api`, `js_status`, `ack_subject`, `object_meta`, `events`.
//!
//! Each function takes arbitrary bytes, must never panic on them, and
//! panics (an assertion) only when it finds a bug. Not a stable API.

use crate::api::account::AccountInfo;
use crate::api::consumer::{
    ConsumerInfo, ConsumerListResponse, ConsumerNamesResponse, DeliverPolicy,
};
use crate::api::message::{DirectReply, parse_direct_reply};
use crate::api::publish::{PubAck, fast_ack, parse_ack};
use crate::api::stream::{StreamInfo, StreamListResponse, StreamNamesResponse};
use crate::api::{parse_json, parse_response};
use crate::consumer::{ConsumeOptions, FetchOptions, OrderedOptions, PriorityOptions};
use crate::events::Event;
use crate::kv::Operation;
use crate::metadata::{AckSubject, Metadata};
use crate::object::ObjectInfo;
use crate::state::ordered::{Ordered, OrderedStep};
use crate::state::pull::{Consume, Fetch};
use crate::state::status::classify;
use bytes::Bytes;
use natrs_client::{HeaderMap, Message, Subject};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::time::{Duration, Instant};

/// Parses `body` as `R`; what parses serializes, and its JSON parses back.
fn reparse<R: DeserializeOwned + Serialize>(body: &[u8]) {
    if let Ok(v) = parse_json::<R>(body) {
        let json = serde_json::to_vec(&v).expect("a parsed reply serializes");
        parse_json::<R>(&json).expect("a serialized reply parses back");
    }
}

/// Fuzz target `js_api`: a JetStream API reply body, read as each kind of
/// reply (stream, consumer and account info, name and info lists, publish
/// acks). Never panics; what parses serializes and parses back; the fast
/// publish-ack reader agrees with the full parser whenever it reads an ack.
pub fn js_api(data: &[u8]) {
    reparse::<StreamInfo>(data);
    reparse::<ConsumerInfo>(data);
    reparse::<AccountInfo>(data);
    let _ = parse_json::<StreamNamesResponse>(data);
    let _ = parse_json::<StreamListResponse>(data);
    let _ = parse_json::<ConsumerNamesResponse>(data);
    let _ = parse_json::<ConsumerListResponse>(data);
    reparse::<PubAck>(data);
    if let Some(fast) = fast_ack(data) {
        assert_eq!(
            Ok(&fast),
            parse_json::<PubAck>(data).as_ref(),
            "the fast ack reader and the parser disagree"
        );
    }
}

/// The message a status target feeds: `data` is a header block (up to and
/// including the first blank line) and the payload after it; without a
/// blank line, all of it is the header block.
fn message(data: &[u8]) -> Message {
    let split = data
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or(data.len(), |i| i + 4);
    let (block, payload) = data.split_at(split);
    Message {
        subject: Subject::from_static("_INBOX.fuzz"),
        reply: None,
        headers: HeaderMap::parse(block).ok(),
        payload: Bytes::copy_from_slice(payload),
        length: 0,
    }
}

/// Fuzz target `js_status`: a message delivered to a JetStream
/// subscription (a header block, maybe with a status line, then a payload):
/// classified, fed to consumes (by messages and by bytes, in a priority
/// group) and fetches, read as a publish ack, an API reply, a direct get
/// reply and a KV operation. Never panics; a consume keeps its pending
/// counts within what it asked for and its deadlines ahead of the clock.
pub fn js_status(data: &[u8]) {
    let m = message(data);
    let _ = classify(&m);
    let _ = parse_ack(&m);
    let _ = parse_response::<StreamInfo>(&m);
    let _ = Operation::from_headers(m.headers.as_ref());
    if let Ok(DirectReply::Message { message, .. }) = parse_direct_reply(m.clone()) {
        let _ = Operation::from_headers(Some(&message.headers));
    }
    let t0 = Instant::now();
    let priority = PriorityOptions {
        group: "g".into(),
        ..PriorityOptions::default()
    };
    for options in [
        ConsumeOptions::new().max_messages(10),
        ConsumeOptions::new()
            .max_bytes(1000)
            .priority(priority.clone()),
    ] {
        let mut c = Consume::new(options.clone(), t0);
        let first = c.poll_pull(t0).expect("a new consume pulls");
        for step in 0..3u64 {
            let now = t0 + Duration::from_millis(step * 10);
            let _ = c.handle_message(now, &m);
            let _ = c.take_pin_update();
            if let Some(at) = c.poll_timeout() {
                let _ = c.handle_timeout(at.max(now));
            }
            if let Some(r) = c.poll_pull(now) {
                assert!(r.batch >= 1);
            }
            let (messages, bytes) = c.pending();
            assert!(messages <= first.batch.max(options.max_messages));
            assert!(bytes <= options.max_bytes.unwrap_or(0));
        }
    }
    for options in [
        FetchOptions::new(2),
        FetchOptions::new(5)
            .max_bytes(100)
            .priority(priority)
            .pin_id("p"),
    ] {
        let mut f = Fetch::new(options, t0, Duration::from_secs(1));
        let _ = f.request().to_json();
        let _ = f.handle_message(t0, &m);
        let _ = f.take_pin_update();
        if let Some(at) = f.poll_timeout() {
            let _ = f.handle_timeout(at);
        }
    }
}

/// Fuzz target `ack_subject`: a consumer message's reply subject, read as
/// its metadata, then delivered (as the first delivery of the current
/// consumer) to an ordered consumer, which then moves to its next consumer.
/// Never panics; both readers agree; the next consumer starts after the
/// stream sequence delivered.
pub fn ack_subject(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match (AckSubject::parse(text), Metadata::parse(text)) {
        (Ok(a), Ok(m)) => {
            assert_eq!(a.to_metadata(), m);
            ordered_delivery(a);
        }
        (Err(_), Err(_)) => {}
        (a, m) => panic!("the readers disagree: {a:?} / {m:?}"),
    }
}

/// Delivers `meta` to a fresh ordered consumer as its first message, then
/// makes the next consumer.
fn ordered_delivery(meta: AckSubject<'_>) {
    let mut ordered = Ordered::new(OrderedOptions::default(), "fuzz");
    let first = ordered.next_consumer();
    let delivery = AckSubject {
        consumer: first.name.as_deref().unwrap_or_default(),
        consumer_sequence: 1,
        ..meta
    };
    assert_eq!(ordered.handle_delivery(&delivery), OrderedStep::Deliver);
    let last = ordered.last_stream_sequence();
    let next = ordered.next_consumer();
    if last > 0 {
        match next.deliver_policy {
            DeliverPolicy::ByStartSequence => {
                assert!(next.opt_start_seq.is_some_and(|s| s > last), "{next:?}")
            }
            DeliverPolicy::New => assert_eq!(last, u64::MAX),
            other => panic!("the next consumer starts {other:?} after {last}"),
        }
    }
}

/// Fuzz target `object_meta`: an Object Store meta message (JSON). Never
/// panics; what parses is written back (as nats.go writes it) and parses
/// to the same meta, and that writing is stable.
pub fn object_meta(data: &[u8]) {
    if let Ok(info) = ObjectInfo::from_meta_json(data) {
        let json = info.to_meta_json();
        let back = ObjectInfo::from_meta_json(&json).expect("written meta parses");
        assert_eq!(
            back,
            info,
            "meta changed through {}",
            String::from_utf8_lossy(&json)
        );
        assert_eq!(back.to_meta_json(), json, "writing meta is not stable");
    }
}

/// Fuzz target `backup`: the same bytes as a snapshot answer, a restore
/// answer and a `backup.json`, then as a message of a transfer (a header
/// block up to the first blank line, then a payload) fed to the snapshot
/// receiver and, as a chunk reply and as the final answer, to the restore
/// sender. Never panics; metadata that parses writes a `backup.json` that
/// reads back the same and makes a restore request; a deliver subject that
/// parses is a valid subject; a snapshot message is stored exactly as it
/// came, and only an empty one ends the snapshot.
pub fn backup(data: &[u8]) {
    use crate::api::{ApiPrefix, validate_subject};
    use crate::backup::api::{parse_restore_response, parse_snapshot_response, restore};
    use crate::backup::{BackupMeta, Received, RestoreSender, SnapshotReceiver};

    let metas = [
        parse_snapshot_response(data).ok(),
        BackupMeta::from_json(data).ok(),
    ];
    for meta in metas.into_iter().flatten() {
        let again = BackupMeta::from_json(&meta.to_json()).expect("written backup.json reads back");
        assert_eq!(again, meta, "backup.json changed on the way through");
        restore(&ApiPrefix::new(), &meta).expect("parsed metadata makes a restore request");
    }
    if let Ok(subject) = parse_restore_response(data) {
        assert!(validate_subject(&subject, false).is_ok(), "{subject:?}");
    }
    let m = message(data);
    let t0 = Instant::now();
    let mut receiver = SnapshotReceiver::new(t0, Duration::from_secs(1), 0);
    match receiver.handle_message(&m, t0) {
        Ok(Received::Chunk { data, .. }) => {
            assert_eq!(data, m.payload);
            assert_eq!(receiver.progress().bytes, m.payload.len() as u64);
        }
        Ok(Received::End) => assert!(m.payload.is_empty() && receiver.progress().finished),
        Err(_) => assert!(m.payload.is_empty() && !receiver.progress().finished),
    }
    let mut sender = RestoreSender::new(4, 1, None, 0);
    sender.chunk_sent(4);
    if sender.handle_chunk_reply(&m).is_ok() {
        assert!(m.payload.is_empty() && m.status().is_none());
        assert_eq!(sender.progress().bytes, 4);
    }
    sender.end_sent();
    if sender.handle_end_reply(&m).is_ok() {
        assert!(sender.progress().finished);
    }
}

/// Fuzz target `events`: an event's subject, a newline, and its body (the
/// form of the seeds the events suite writes). Never panics; a parsed event
/// renders as one line without line breaks, its pretty JSON is the body's
/// JSON, and parsing is deterministic; an error names its subject.
pub fn events(data: &[u8]) {
    let (subject, payload) = match memchr::memchr(b'\n', data) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (&b""[..], data),
    };
    let subject = String::from_utf8_lossy(subject);
    let payload = Bytes::copy_from_slice(payload);
    match Event::parse(&subject, payload.clone()) {
        Ok(event) => {
            let line = event.line();
            assert!(
                !line.contains(['\n', '\r']),
                "a line with a line break: {line:?}"
            );
            let pretty: serde_json::Value =
                serde_json::from_str(&event.pretty_json()).expect("pretty JSON parses");
            let body: serde_json::Value =
                serde_json::from_slice(&payload).expect("a parsed event's body is JSON");
            assert_eq!(pretty, body, "the pretty JSON differs from the body");
            assert_eq!(
                Event::parse(&subject, payload).as_ref(),
                Ok(&event),
                "parsing twice differs"
            );
        }
        Err(e) => {
            assert_eq!(e.subject, subject);
            assert!(!e.to_string().is_empty());
        }
    }
}
