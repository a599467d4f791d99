//! Parsers of network input never panic, whatever the bytes.

use bytes::Bytes;
use natrs_client::{HeaderMap, Message, StatusCode, Subject};
use natrs_jetstream::api::message::parse_direct_reply;
use natrs_jetstream::api::publish::{PubAck, parse_ack};
use natrs_jetstream::api::stream::StreamInfo;
use natrs_jetstream::api::{parse_json, parse_response};
use natrs_jetstream::metadata::AckSubject;
use natrs_jetstream::parse_time;
use natrs_jetstream::state::status::classify;
use proptest::prelude::*;

fn message(payload: Vec<u8>, headers: Option<HeaderMap>) -> Message {
    Message {
        subject: Subject::from_static("_INBOX.x.1"),
        reply: None,
        headers,
        payload: Bytes::from(payload),
        length: 0,
    }
}

fn header_map(status: Option<u16>, entries: Vec<(String, String)>) -> HeaderMap {
    let mut h = match status {
        Some(code) => HeaderMap::with_status(StatusCode(code), Some("desc")),
        None => HeaderMap::new(),
    };
    for (k, v) in entries {
        h.insert(k, v);
    }
    h
}

proptest! {
    #[test]
    fn ack_subjects(s in "[$A-Za-z0-9._-]{0,80}") {
        let _ = AckSubject::parse(&s);
        let _ = AckSubject::parse(&format!("$JS.ACK.{s}"));
    }

    #[test]
    fn ack_subject_tokens(tokens in prop::collection::vec("[A-Za-z0-9_-]{0,8}", 0..14)) {
        let _ = AckSubject::parse(&format!("$JS.ACK.{}", tokens.join(".")));
    }

    #[test]
    fn json_bodies(body in prop::collection::vec(any::<u8>(), 0..200)) {
        let m = message(body.clone(), None);
        let _ = parse_ack(&m);
        let _ = parse_json::<StreamInfo>(&body);
        let _ = parse_response::<PubAck>(&m);
    }

    #[test]
    fn ack_like_json(stream in "[A-Za-z\"\\\\ ]{0,10}", seq in "[0-9a-z-]{0,22}", extra in "[,:{}\" a-z0-9]{0,20}") {
        let body = format!(r#"{{"stream":"{stream}","seq":{seq}{extra}}}"#);
        let _ = parse_ack(&message(body.into_bytes(), None));
    }

    #[test]
    fn direct_and_status_replies(
        status in prop::option::of(0u16..1000),
        entries in prop::collection::vec(
            (prop::sample::select(vec!["Nats-Subject", "Nats-Sequence", "Nats-Time-Stamp",
                "Nats-Num-Pending", "Nats-Last-Sequence", "Nats-Pending-Messages",
                "Nats-Pending-Bytes", "Nats-Consumer-Stalled", "X"]).prop_map(String::from),
             "[ -~]{0,30}"),
            0..6),
        payload in prop::collection::vec(any::<u8>(), 0..8),
    ) {
        let m = message(payload, Some(header_map(status, entries)));
        let _ = classify(&m);
        let _ = parse_direct_reply(m);
    }

    #[test]
    fn times(s in "\\PC{0,40}") {
        let _ = parse_time(&s);
    }
}
