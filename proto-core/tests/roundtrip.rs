//! Encode-then-parse round trips: client `PUB`/`HPUB` bytes are turned into the
//! `MSG`/`HMSG` a server would deliver, parsed back at random split points, and
//! must give the subject, reply, headers and payload that were published.

use bytes::{Buf, Bytes, BytesMut};
use natrs_core::headers::{HeaderMap, StatusCode};
use natrs_core::proto::{MsgFrame, Parser, ServerOp, WriteBuffer, encode_pub, pub_args_len};
use natrs_core::subject::validate_subject;
use proptest::prelude::*;

/// What a publisher sent.
#[derive(Debug, Clone)]
struct Published {
    subject: String,
    reply: Option<String>,
    headers: Option<HeaderMap>,
    payload: Bytes,
    sid: u64,
}

/// Drains a write buffer into one contiguous vector, chunk by chunk.
fn drain(out: &mut WriteBuffer) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(out.remaining());
    while out.has_remaining() {
        let chunk = out.chunk();
        bytes.extend_from_slice(chunk);
        let n = chunk.len();
        out.advance(n);
    }
    bytes
}

/// Test-only fake server: rewrites a stream of client `PUB`/`HPUB` ops into the
/// `MSG`/`HMSG` ops delivering them to `sids` (one per op, in order).
fn deliver(client_bytes: &[u8], sids: &[u64]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut rest = client_bytes;
    for &sid in sids {
        let line_end = rest
            .windows(2)
            .position(|w| w == b"\r\n")
            .expect("control line");
        let line = std::str::from_utf8(&rest[..line_end]).expect("UTF-8 control line");
        let fields: Vec<&str> = line.split(' ').collect();
        let (op, subject, middle) = (fields[0], fields[1], &fields[2..]);
        let total: usize = middle.last().unwrap().parse().unwrap();
        let server_op = match op {
            "PUB" => "MSG",
            "HPUB" => "HMSG",
            other => panic!("not a publish: {other}"),
        };
        out.extend_from_slice(
            format!("{server_op} {subject} {sid} {}\r\n", middle.join(" ")).as_bytes(),
        );
        let body = &rest[line_end + 2..line_end + 2 + total + 2];
        out.extend_from_slice(body);
        rest = &rest[line_end + 2 + total + 2..];
    }
    assert!(rest.is_empty(), "bytes after the last op");
    out
}

/// Parses `stream` fed in pieces cut at `cuts` (positions, any order).
fn parse_in_pieces(stream: &[u8], cuts: &[usize]) -> Vec<MsgFrame> {
    let mut points: Vec<usize> = cuts.iter().map(|c| c % (stream.len() + 1)).collect();
    points.push(0);
    points.push(stream.len());
    points.sort_unstable();
    let mut parser = Parser::default();
    let mut buf = BytesMut::new();
    let mut frames = Vec::new();
    for w in points.windows(2) {
        buf.extend_from_slice(&stream[w[0]..w[1]]);
        while let Some(op) = parser.parse(&mut buf).expect("parses") {
            match op {
                ServerOp::Msg(frame) => frames.push(frame),
                other => panic!("unexpected {other:?}"),
            }
        }
    }
    assert!(buf.is_empty());
    frames
}

fn check_frame(frame: &MsgFrame, sent: &Published) {
    assert_eq!(frame.sid(), sent.sid);
    assert_eq!(frame.subject(), sent.subject);
    assert_eq!(frame.reply(), sent.reply.as_deref());
    assert_eq!(frame.payload(), sent.payload);
    match (frame.headers_raw(), &sent.headers) {
        (Some(block), Some(map)) => {
            assert_eq!(&HeaderMap::parse(block).expect("header block parses"), map)
        }
        (None, None) => {}
        (got, want) => panic!("headers {got:?}, sent {want:?}"),
    }
}

fn token() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9_$-]{1,8}",
        // Any text without the subject's special bytes (non-ASCII included).
        "[^ .*>\\x00-\\x20\\x7f]{1,6}",
    ]
}

fn subject() -> impl Strategy<Value = String> {
    prop::collection::vec(token(), 1..5).prop_map(|tokens| tokens.join("."))
}

fn header_name() -> impl Strategy<Value = String> {
    prop_oneof![
        // A small pool, so names repeat and differ only in case.
        prop::sample::select(vec!["Nats-Msg-Id", "nats-msg-id", "X", "x", "KV-Operation"])
            .prop_map(String::from),
        // Printable ASCII 33..=126 except ':'.
        "[!-9;-~]{1,12}",
    ]
}

fn header_value() -> impl Strategy<Value = String> {
    // No CR/LF; no leading blank (the receiver strips it).
    "([^\r\n \t][^\r\n]{0,15})?"
}

fn headers() -> impl Strategy<Value = HeaderMap> {
    let status = prop::option::of((
        100u16..=999,
        prop::option::of("[^\r\n \t]([^\r\n]{0,10}[^\r\n \t])?"),
    ));
    (
        status,
        prop::collection::vec((header_name(), header_value()), 0..6),
    )
        .prop_map(|(status, entries)| {
            let mut map: HeaderMap = entries.into_iter().collect();
            if let Some((code, description)) = status {
                map.set_status(Some(StatusCode(code)), description.as_deref());
            }
            map
        })
}

fn payload() -> impl Strategy<Value = Bytes> {
    prop_oneof![
        4 => prop::collection::vec(any::<u8>(), 0..64),
        // Around the share threshold: queued as its own `Bytes`.
        1 => prop::collection::vec(any::<u8>(), 4090..4110),
        // Bytes that look like protocol.
        1 => prop::collection::vec(prop::sample::select(b"\r\nMSG 0".to_vec()), 0..32),
    ]
    .prop_map(Bytes::from)
}

fn published() -> impl Strategy<Value = Published> {
    (
        subject(),
        prop::option::of(subject()),
        prop::option::of(headers()),
        payload(),
        any::<u64>(),
    )
        .prop_map(|(subject, reply, headers, payload, sid)| Published {
            subject,
            reply,
            headers,
            payload,
            sid,
        })
}

fn encode_all(messages: &[Published]) -> Vec<u8> {
    let mut out = WriteBuffer::new();
    for m in messages {
        assert_eq!(validate_subject(&m.subject, false), Ok(()));
        encode_pub(
            &mut out,
            &m.subject,
            m.reply.as_deref(),
            m.headers.as_ref(),
            &m.payload,
        )
        .expect("encodes");
    }
    drain(&mut out)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn one_message_round_trips(m in published(), cuts in prop::collection::vec(any::<usize>(), 0..4)) {
        let client = encode_all(std::slice::from_ref(&m));
        // The args the client checks against max_control_line are what was sent.
        let line_end = client.windows(2).position(|w| w == b"\r\n").unwrap();
        let name_len = if m.headers.is_some() { 5 } else { 4 };
        prop_assert_eq!(
            line_end - name_len,
            pub_args_len(&m.subject, m.reply.as_deref(), m.headers.as_ref().map(HeaderMap::encoded_len), m.payload.len())
        );
        let server = deliver(&client, &[m.sid]);
        let frames = parse_in_pieces(&server, &cuts);
        prop_assert_eq!(frames.len(), 1);
        check_frame(&frames[0], &m);
        prop_assert_eq!(frames[0].wire_len(), server.len());
    }

    #[test]
    fn message_streams_round_trip(
        messages in prop::collection::vec(published(), 1..12),
        cuts in prop::collection::vec(any::<usize>(), 0..16),
    ) {
        let client = encode_all(&messages);
        let sids: Vec<u64> = messages.iter().map(|m| m.sid).collect();
        let server = deliver(&client, &sids);
        let frames = parse_in_pieces(&server, &cuts);
        prop_assert_eq!(frames.len(), messages.len());
        for (frame, sent) in frames.iter().zip(&messages) {
            check_frame(frame, sent);
        }
        prop_assert_eq!(frames.iter().map(MsgFrame::wire_len).sum::<usize>(), server.len());
    }

    #[test]
    fn header_maps_round_trip(map in headers()) {
        let mut block = Vec::new();
        map.encode(&mut block).unwrap();
        prop_assert_eq!(block.len(), map.encoded_len());
        prop_assert_eq!(HeaderMap::parse(&block), Ok(map));
    }
}
