//! Byte transcripts of server output, each fed whole, byte by byte and split in
//! two at every point, which must all give the same ops (and error).

use bytes::BytesMut;
use natrs_core::proto::{Parser, ParserLimits, ProtocolError, ServerInfo, ServerOp};

#[derive(Debug, PartialEq)]
struct Outcome {
    ops: Vec<ServerOp>,
    error: Option<ProtocolError>,
    leftover: usize,
}

fn feed<'a>(limits: ParserLimits, chunks: impl IntoIterator<Item = &'a [u8]>) -> Outcome {
    let mut parser = Parser::new(limits);
    let mut buf = BytesMut::new();
    let mut ops = Vec::new();
    for chunk in chunks {
        buf.extend_from_slice(chunk);
        loop {
            match parser.parse(&mut buf) {
                Ok(Some(op)) => ops.push(op),
                Ok(None) => break,
                Err(e) => {
                    return Outcome {
                        ops,
                        error: Some(e),
                        leftover: 0,
                    };
                }
            }
        }
    }
    Outcome {
        ops,
        error: None,
        leftover: buf.len(),
    }
}

/// Parses `input` whole, byte by byte and at every two-way split; all must agree.
fn parse_all_ways_with(limits: ParserLimits, input: &[u8]) -> Outcome {
    let whole = feed(limits, [input]);
    assert_eq!(feed(limits, input.chunks(1)), whole, "byte by byte");
    for i in 0..=input.len() {
        let (a, b) = input.split_at(i);
        assert_eq!(feed(limits, [a, b]), whole, "split at {i}");
    }
    whole
}

fn parse_all_ways(input: &[u8]) -> Outcome {
    parse_all_ways_with(ParserLimits::default(), input)
}

fn ok(input: &[u8]) -> Vec<ServerOp> {
    let out = parse_all_ways(input);
    assert_eq!(out.error, None, "unexpected error");
    assert_eq!(out.leftover, 0, "bytes left over");
    out.ops
}

fn err(input: &[u8]) -> (Vec<ServerOp>, ProtocolError) {
    let out = parse_all_ways(input);
    (out.ops, out.error.expect("an error"))
}

/// The frame the parser gives for a message taking `wire_len` bytes: the
/// canonical frame with blanks added before the control line's CRLF, or with
/// bare LFs when `wire_len` is one or two bytes shorter.
fn msg(
    sid: u64,
    subject: &'static str,
    reply: Option<&'static str>,
    headers: Option<&'static [u8]>,
    payload: &[u8],
    wire_len: usize,
) -> ServerOp {
    let reply = reply.map(|r| format!(" {r}")).unwrap_or_default();
    let mut line = match headers {
        None => format!("MSG {subject} {sid}{reply} {}", payload.len()),
        Some(h) => format!(
            "HMSG {subject} {sid}{reply} {} {}",
            h.len(),
            h.len() + payload.len()
        ),
    }
    .into_bytes();
    let body_len = headers.map_or(0, <[u8]>::len) + payload.len();
    let canonical = line.len() + 2 + body_len + 2;
    let (line_end, payload_end): (&[u8], &[u8]) = match canonical.checked_sub(wire_len) {
        Some(0) => (b"\r\n", b"\r\n"),
        Some(1) => (b"\r\n", b"\n"),
        Some(2) => (b"\n", b"\n"),
        Some(_) => panic!("wire_len {wire_len} too short for the frame"),
        None => {
            line.resize(line.len() + wire_len - canonical, b' ');
            (b"\r\n", b"\r\n")
        }
    };
    line.extend_from_slice(line_end);
    line.extend_from_slice(headers.unwrap_or_default());
    line.extend_from_slice(payload);
    line.extend_from_slice(payload_end);
    let mut buf = BytesMut::from(&line[..]);
    let op = Parser::default().parse(&mut buf).unwrap().unwrap();
    assert!(buf.is_empty());
    let ServerOp::Msg(frame) = &op else {
        panic!("{op:?}")
    };
    assert_eq!(frame.wire_len(), wire_len);
    op
}

#[test]
fn info() {
    let input = br#"INFO {"server_id":"NABC","server_name":"n1","version":"2.15.1","proto":1,"max_payload":1048576,"headers":true,"connect_urls":["10.0.0.1:4222"],"ldm":false,"api_lvl":3,"nonce":"xyz","some_future_field":{"a":[1,2]}}"#;
    let mut line = input.to_vec();
    line.extend_from_slice(b"\r\n");
    let ops = ok(&line);
    let ServerOp::Info(info) = &ops[0] else {
        panic!("{ops:?}")
    };
    assert_eq!(
        **info,
        ServerInfo {
            server_id: "NABC".into(),
            server_name: "n1".into(),
            version: "2.15.1".into(),
            proto: 1,
            max_payload: 1048576,
            headers: true,
            connect_urls: vec!["10.0.0.1:4222".into()],
            api_level: Some(3),
            nonce: Some("xyz".into()),
            ..ServerInfo::default()
        }
    );
    // Tabs and trailing blanks around the JSON, lowercase op.
    assert_eq!(
        ok(b"info\t {} \t\r\n"),
        vec![ServerOp::Info(Box::default())]
    );
}

#[test]
fn simple_ops() {
    assert_eq!(
        ok(b"PING\r\nPONG\r\n+OK\r\n-ERR 'Unknown Protocol Operation'\r\n-ERR 'Authorization Violation'  \r\n"),
        vec![
            ServerOp::Ping,
            ServerOp::Pong,
            ServerOp::Ok,
            ServerOp::Err("Unknown Protocol Operation".into()),
            ServerOp::Err("Authorization Violation".into()),
        ]
    );
    // Blanks after the op name are fine.
    assert_eq!(ok(b"PING \t\r\n"), vec![ServerOp::Ping]);
}

#[test]
fn case_insensitive_op_names() {
    assert_eq!(
        ok(b"ping\r\nPoNg\r\n+ok\r\n-err 'x'\r\nmsg a 1 0\r\n\r\nhMsG b 2 12 12\r\nNATS/1.0\r\n\r\n\r\n"),
        vec![
            ServerOp::Ping,
            ServerOp::Pong,
            ServerOp::Ok,
            ServerOp::Err("x".into()),
            msg(1, "a", None, None, b"", 13),
            msg(2, "b", None, Some(b"NATS/1.0\r\n\r\n"), b"", 30),
        ]
    );
}

#[test]
fn msg_forms() {
    assert_eq!(
        ok(b"MSG foo.bar 9 11\r\nhello world\r\nMSG foo 10 _INBOX.abc.1 0\r\n\r\n"),
        vec![
            msg(9, "foo.bar", None, None, b"hello world", 31),
            msg(10, "foo", Some("_INBOX.abc.1"), None, b"", 29),
        ]
    );
}

#[test]
fn blank_runs_and_tabs_between_fields() {
    let input = b"MSG\t foo  \t 9\t_INBOX.x   5 \t\r\nhello\r\n";
    assert_eq!(
        ok(input),
        vec![msg(9, "foo", Some("_INBOX.x"), None, b"hello", input.len())]
    );
}

#[test]
fn bare_lf_line_ends() {
    assert_eq!(
        ok(b"PING\nMSG a 1 3\nabc\nHMSG a 1 10 12\nNATS/1.0\n\nhi\r\nPONG\n"),
        vec![
            ServerOp::Ping,
            msg(1, "a", None, None, b"abc", 14),
            msg(1, "a", None, Some(b"NATS/1.0\n\n"), b"hi", 29),
            ServerOp::Pong,
        ]
    );
}

#[test]
fn payload_holding_crlf_and_ops_is_skipped_by_length() {
    let payload = b"\r\nMSG x 1 2\r\nPING\r\n\n\r";
    let mut input = format!("MSG evil 1 {}\r\n", payload.len()).into_bytes();
    input.extend_from_slice(payload);
    input.extend_from_slice(b"\r\nPING\r\n");
    let wire = input.len() - 6;
    assert_eq!(
        ok(&input),
        vec![msg(1, "evil", None, None, payload, wire), ServerOp::Ping]
    );
}

#[test]
fn hmsg_forms() {
    let headers: &[u8] = b"NATS/1.0\r\nA: 1\r\nA: 2\r\nb:  x\r\n\r\n";
    let mut input = format!(
        "HMSG s.1 3 reply.to {} {}\r\n",
        headers.len(),
        headers.len() + 4
    )
    .into_bytes();
    input.extend_from_slice(headers);
    input.extend_from_slice(b"data\r\n");
    let first = input.len();
    input.extend_from_slice(b"HMSG _INBOX.r 5 16 16\r\nNATS/1.0 503\r\n\r\n\r\n");
    let second = input.len() - first;
    let ops = ok(&input);
    assert_eq!(
        ops,
        vec![
            msg(3, "s.1", Some("reply.to"), Some(headers), b"data", first),
            msg(
                5,
                "_INBOX.r",
                None,
                Some(b"NATS/1.0 503\r\n\r\n"),
                b"",
                second
            ),
        ]
    );
    // The header block parses into a map.
    let ServerOp::Msg(frame) = &ops[0] else {
        unreachable!()
    };
    let map = natrs_core::HeaderMap::parse(frame.headers_raw().unwrap()).unwrap();
    assert_eq!(map.get_all("A").collect::<Vec<_>>(), ["1", "2"]);
    assert_eq!(map.get("b"), Some("x"));
}

#[test]
fn many_ops_and_a_partial_tail() {
    let input = b"PING\r\nMSG a 1 1\r\nx\r\nMSG b 2 1\r\ny\r\n+OK\r\nMSG c 3 10\r\nonly";
    let out = parse_all_ways(input);
    assert_eq!(out.error, None);
    assert_eq!(
        out.ops,
        vec![
            ServerOp::Ping,
            msg(1, "a", None, None, b"x", 14),
            msg(2, "b", None, None, b"y", 14),
            ServerOp::Ok
        ]
    );
    assert_eq!(out.leftover, "MSG c 3 10\r\nonly".len());
}

#[test]
fn large_payload_at_many_split_points() {
    let payload: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
    let mut input = format!("MSG big 7 {}\r\n", payload.len()).into_bytes();
    input.extend_from_slice(&payload);
    input.extend_from_slice(b"\r\nPONG\r\n");
    let expected = vec![
        msg(7, "big", None, None, &payload, input.len() - 6),
        ServerOp::Pong,
    ];
    let limits = ParserLimits::default();
    assert_eq!(feed(limits, [&input[..]]).ops, expected);
    for size in [1, 7, 4096, 65536] {
        assert_eq!(
            feed(limits, input.chunks(size)).ops,
            expected,
            "chunks of {size}"
        );
    }
    for cut in [
        1,
        10,
        16,
        17,
        100_015,
        100_016,
        100_017,
        100_018,
        input.len() - 1,
    ] {
        let (a, b) = input.split_at(cut);
        assert_eq!(feed(limits, [a, b]).ops, expected, "cut at {cut}");
    }
}

#[test]
fn payload_slices_share_the_read_buffer() {
    let mut buf = BytesMut::from(&b"MSG subj 1 reply 5\r\nhello\r\n"[..]);
    let start = buf.as_ptr() as usize;
    let Some(ServerOp::Msg(frame)) = Parser::default().parse(&mut buf).unwrap() else {
        panic!()
    };
    let at = |p: *const u8| p as usize - start;
    assert_eq!(at(frame.as_wire().as_ptr()), 0);
    assert_eq!(frame.wire_len(), 27);
    assert_eq!(at(frame.subject().as_ptr()), 4);
    assert_eq!(at(frame.to_subject().as_bytes().as_ptr()), 4);
    assert_eq!(at(frame.reply().unwrap().as_ptr()), 11);
    assert_eq!(at(frame.to_reply().unwrap().as_bytes().as_ptr()), 11);
    assert_eq!(at(frame.payload_slice().as_ptr()), 20);
    assert_eq!(at(frame.payload().as_ptr()), 20);
    assert_eq!(at(frame.clone().into_payload().as_ptr()), 20);
    let (message, _) = natrs_core::Message::from_frame(frame);
    assert_eq!(at(message.subject.as_bytes().as_ptr()), 4);
    assert_eq!(at(message.reply.unwrap().as_bytes().as_ptr()), 11);
    assert_eq!(at(message.payload.as_ptr()), 20);
}

#[test]
fn control_line_is_kept_while_the_payload_arrives() {
    let mut parser = Parser::default();
    let mut buf = BytesMut::from(&b"MSG a 1 5\r\nhe"[..]);
    assert_eq!(parser.parse(&mut buf), Ok(None));
    assert!(parser.is_awaiting_payload());
    buf.extend_from_slice(b"llo\r");
    assert_eq!(parser.parse(&mut buf), Ok(None));
    buf.extend_from_slice(b"\n");
    assert_eq!(
        parser.parse(&mut buf),
        Ok(Some(msg(1, "a", None, None, b"hello", 18)))
    );
    assert!(!parser.is_awaiting_payload());
    assert!(buf.is_empty());
}

#[test]
fn unknown_ops() {
    assert_eq!(
        err(b"FOO bar\r\n").1,
        ProtocolError::UnknownOp("FOO".into())
    );
    assert_eq!(
        err(b"MSGX a 1 0\r\n").1,
        ProtocolError::UnknownOp("MSGX".into())
    );
    assert_eq!(
        err(b"PUB a 0\r\n\r\n").1,
        ProtocolError::UnknownOp("PUB".into())
    );
    assert_eq!(err(b"\r\n").1, ProtocolError::UnknownOp("".into()));
    assert_eq!(err(b" PING\r\n").1, ProtocolError::UnknownOp("".into()));
    let (ops, e) = err(b"PING\r\nHTTP/1.1 400 Bad Request\r\n");
    assert_eq!(ops, vec![ServerOp::Ping]);
    assert_eq!(e, ProtocolError::UnknownOp("HTTP/1.1".into()));
    let long = [b'X'; 100];
    let mut input = long.to_vec();
    input.extend_from_slice(b"\r\n");
    assert_eq!(err(&input).1, ProtocolError::UnknownOp("X".repeat(32)));
}

#[test]
fn wrong_argument_counts() {
    let bad_msg = ProtocolError::InvalidArguments("MSG");
    let bad_hmsg = ProtocolError::InvalidArguments("HMSG");
    assert_eq!(err(b"MSG\r\n").1, bad_msg);
    assert_eq!(err(b"MSG a 1\r\n").1, bad_msg);
    assert_eq!(err(b"MSG a 1 r 2 0\r\n").1, bad_msg);
    assert_eq!(err(b"MSG a 1 r x y 0\r\n").1, bad_msg);
    assert_eq!(err(b"HMSG a 1 0\r\n").1, bad_hmsg);
    assert_eq!(err(b"HMSG a 1 r 0 0 0\r\n").1, bad_hmsg);
    assert_eq!(
        err(b"PING x\r\n").1,
        ProtocolError::InvalidArguments("PING")
    );
    assert_eq!(
        err(b"PONG 1\r\n").1,
        ProtocolError::InvalidArguments("PONG")
    );
    assert_eq!(err(b"+OK ok\r\n").1, ProtocolError::InvalidArguments("+OK"));
    assert_eq!(err(b"INFO\r\n").1, ProtocolError::InvalidArguments("INFO"));
    assert_eq!(
        err(b"INFO  \t\r\n").1,
        ProtocolError::InvalidArguments("INFO")
    );
}

#[test]
fn bad_numbers() {
    let bad = ProtocolError::InvalidArguments("MSG");
    for input in [
        &b"MSG a x 0\r\n"[..],
        b"MSG a 1 x\r\n",
        b"MSG a -1 0\r\n",
        b"MSG a 1 -0\r\n",
        b"MSG a 1 +5\r\n",
        b"MSG a 1 5x\r\n",
        b"MSG a 1 0x10\r\n",
        b"MSG a 18446744073709551616 0\r\n",
        b"MSG a 1 99999999999999999999999\r\n",
    ] {
        assert_eq!(err(input).1, bad, "{:?}", String::from_utf8_lossy(input));
    }
    assert_eq!(
        err(b"HMSG a 1 x 5\r\n").1,
        ProtocolError::InvalidArguments("HMSG")
    );
    // The largest sid is fine.
    assert_eq!(
        ok(b"MSG a 18446744073709551615 0\r\n\r\n"),
        vec![msg(u64::MAX, "a", None, None, b"", 32)]
    );
}

#[test]
fn header_size_larger_than_total() {
    assert_eq!(
        err(b"HMSG a 1 13 12\r\n").1,
        ProtocolError::HeaderSizeExceedsTotal
    );
}

#[test]
fn limits() {
    let limits = ParserLimits {
        max_control_line: 16,
        max_payload: 8,
    };
    // 16 bytes of line are fine, with CRLF or LF.
    let out = parse_all_ways_with(limits, b"-ERR '0123456789'\r\n-ERR '012345678'\n");
    assert_eq!(
        out.error,
        Some(ProtocolError::ControlLineTooLong { max: 16 })
    );
    let out = parse_all_ways_with(limits, b"-ERR '012345678'\r\n-ERR '01234567'\n");
    assert_eq!(out.error, None);
    assert_eq!(out.ops.len(), 2);
    // Too long with no line end in sight yet: fails without waiting for one.
    let out = parse_all_ways_with(limits, b"INFO {\"server_id\":");
    assert_eq!(
        out.error,
        Some(ProtocolError::ControlLineTooLong { max: 16 })
    );
    // 16 bytes and a CR could still be a good line.
    let out = parse_all_ways_with(limits, b"-ERR '012345678'\r");
    assert_eq!((out.error, out.leftover), (None, 17));
    let out = parse_all_ways_with(limits, b"-ERR '012345678'\rX");
    assert_eq!(
        out.error,
        Some(ProtocolError::ControlLineTooLong { max: 16 })
    );
    // Payload size limit (headers included).
    let out = parse_all_ways_with(limits, b"MSG a 1 8\r\n12345678\r\nMSG a 1 9\r\n");
    assert_eq!(out.ops.len(), 1);
    assert_eq!(
        out.error,
        Some(ProtocolError::PayloadTooLarge { size: 9, max: 8 })
    );
    let out = parse_all_ways_with(limits, b"HMSG a 1 2 9\r\n");
    assert_eq!(
        out.error,
        Some(ProtocolError::PayloadTooLarge { size: 9, max: 8 })
    );
}

#[test]
fn missing_payload_terminator() {
    assert_eq!(
        err(b"MSG a 1 3\r\nabcX\r\n").1,
        ProtocolError::MissingPayloadTerminator
    );
    assert_eq!(
        err(b"MSG a 1 3\r\nabc\rX").1,
        ProtocolError::MissingPayloadTerminator
    );
    assert_eq!(
        err(b"MSG a 1 3\r\nabcd").1,
        ProtocolError::MissingPayloadTerminator
    );
    assert_eq!(
        err(b"HMSG a 1 2 3\r\nabcd").1,
        ProtocolError::MissingPayloadTerminator
    );
}

#[test]
fn invalid_info() {
    let (_, e) = err(b"INFO {\"server_id\":1}\r\n");
    assert!(matches!(e, ProtocolError::InvalidInfo(_)), "{e:?}");
    let (_, e) = err(b"INFO not json\r\n");
    assert!(matches!(e, ProtocolError::InvalidInfo(_)), "{e:?}");
}

#[test]
fn non_utf8_subjects() {
    assert_eq!(
        err(b"MSG \xff 1 0\r\n\r\n").1,
        ProtocolError::InvalidUtf8Subject("MSG")
    );
    assert_eq!(
        err(b"MSG a 1 \xc3 0\r\n\r\n").1,
        ProtocolError::InvalidUtf8Subject("MSG")
    );
    assert_eq!(
        err(b"HMSG a 1 \xfe 12 12\r\nNATS/1.0\r\n\r\n\r\n").1,
        ProtocolError::InvalidUtf8Subject("HMSG")
    );
    // Valid multi-byte UTF-8 is fine; an -ERR text is decoded lossily.
    assert_eq!(
        ok("MSG ünï 1 0\r\n\r\n".as_bytes()),
        vec![msg(1, "ünï", None, None, b"", 17)]
    );
    assert_eq!(
        ok(b"-ERR '\xff'\r\n"),
        vec![ServerOp::Err("\u{fffd}".into())]
    );
}

#[test]
fn errors_are_sticky_until_reset() {
    let mut parser = Parser::default();
    let mut buf = BytesMut::from(&b"BAD\r\nPING\r\n"[..]);
    let e = ProtocolError::UnknownOp("BAD".into());
    assert_eq!(parser.parse(&mut buf), Err(e.clone()));
    assert_eq!(parser.parse(&mut buf), Err(e));
    parser.reset();
    let mut fresh = BytesMut::from(&b"PING\r\n"[..]);
    assert_eq!(parser.parse(&mut fresh), Ok(Some(ServerOp::Ping)));
}

#[test]
fn reset_forgets_a_partial_op() {
    let mut parser = Parser::default();
    let mut buf = BytesMut::from(&b"MSG a 1 100\r\npartial"[..]);
    assert_eq!(parser.parse(&mut buf), Ok(None));
    parser.reset();
    let mut fresh = BytesMut::from(&b"PONG\r\n"[..]);
    assert_eq!(parser.parse(&mut fresh), Ok(Some(ServerOp::Pong)));
}

#[test]
fn a_changed_buffer_never_panics() {
    // Misuse: the buffer is replaced between calls. The parser must not panic
    // (its remembered offsets point at other bytes).
    let mut parser = Parser::default();
    let mut buf = BytesMut::from(&b"MSG abcdef 1 3\r\nab"[..]);
    assert_eq!(parser.parse(&mut buf), Ok(None));
    let mut other = BytesMut::from(
        &b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\r\n"[..],
    );
    let _ = parser.parse(&mut other);
    let mut parser = Parser::default();
    let mut buf = BytesMut::from(&b"INFO {\"a\""[..]);
    assert_eq!(parser.parse(&mut buf), Ok(None));
    let mut short = BytesMut::from(&b"P"[..]);
    assert_eq!(parser.parse(&mut short), Ok(None));
}

/// Bytes a real nats-server 2.15.1 sent to a client that connected with
/// headers and no_responders, subscribed to `foo.*` (sid 1), `foo.>` in queue
/// `q` (sid 2) and `_INBOX.r` (sid 3), published with and without headers,
/// requested from a subject nobody serves, and then sent an unknown op.
const REAL_SERVER: &[u8] = b"INFO {\"server_id\":\"NDCQJTJQBM2UNTVSEF4VDYG4UK5D4UYRT5RUINRTSTY65HZV5NWKVAGY\",\"server_name\":\"NDCQJTJQBM2UNTVSEF4VDYG4UK5D4UYRT5RUINRTSTY65HZV5NWKVAGY\",\"version\":\"2.15.1\",\"proto\":1,\"git_commit\":\"b2fd3ef\",\"go\":\"go1.27.2\",\"host\":\"127.0.0.1\",\"port\":24777,\"headers\":true,\"max_payload\":1048576,\"client_id\":5,\"client_ip\":\"127.0.0.1\",\"api_lvl\":5,\"xkey\":\"XCIEDG4YODTSL7232QLS2WKVYKFGUPDCTBEIQJBWHJ2WMDL6IQ7BLCAB\"} \r\n\
PONG\r\n\
INFO {\"server_id\":\"NDCQJTJQBM2UNTVSEF4VDYG4UK5D4UYRT5RUINRTSTY65HZV5NWKVAGY\",\"server_name\":\"NDCQJTJQBM2UNTVSEF4VDYG4UK5D4UYRT5RUINRTSTY65HZV5NWKVAGY\",\"version\":\"2.15.1\",\"proto\":1,\"git_commit\":\"b2fd3ef\",\"go\":\"go1.27.2\",\"host\":\"127.0.0.1\",\"port\":24777,\"headers\":true,\"max_payload\":1048576,\"client_id\":5,\"client_ip\":\"127.0.0.1\",\"connect_info\":true,\"remote_account\":\"$G\",\"api_lvl\":5,\"xkey\":\"XCIEDG4YODTSL7232QLS2WKVYKFGUPDCTBEIQJBWHJ2WMDL6IQ7BLCAB\"} \r\n\
MSG foo.bar 1 _INBOX.x 5\r\nhello\r\nMSG foo.bar 2 _INBOX.x 5\r\nhello\r\n\
HMSG foo.baz 1 42 44\r\nNATS/1.0\r\nA: 1\r\nA: 2\r\nKey: with: colon\r\n\r\nhi\r\n\
HMSG foo.baz 2 42 44\r\nNATS/1.0\r\nA: 1\r\nA: 2\r\nKey: with: colon\r\n\r\nhi\r\n\
MSG foo.empty 1 0\r\n\r\nMSG foo.empty 2 0\r\n\r\n\
HMSG _INBOX.r 3 43 43\r\nNATS/1.0 503\r\nNats-Subject: nobody.here\r\n\r\n\r\n\
PONG\r\nPING\r\n\
-ERR 'Unknown Protocol Operation'\r\n";

#[test]
fn real_server_transcript() {
    let ops = ok(REAL_SERVER);
    assert_eq!(ops.len(), 13);
    let ServerOp::Info(info) = &ops[0] else {
        panic!("{:?}", ops[0])
    };
    assert_eq!(info.version, "2.15.1");
    assert_eq!(
        (info.proto, info.max_payload, info.headers, info.client_id),
        (1, 1048576, true, 5)
    );
    assert_eq!(info.api_level, Some(5));
    assert_eq!(ops[1], ServerOp::Pong);
    assert!(matches!(&ops[2], ServerOp::Info(i) if i.server_id == info.server_id));
    assert_eq!(
        ops[3],
        msg(1, "foo.bar", Some("_INBOX.x"), None, b"hello", 33)
    );
    assert_eq!(
        ops[4],
        msg(2, "foo.bar", Some("_INBOX.x"), None, b"hello", 33)
    );
    let block: &'static [u8] = b"NATS/1.0\r\nA: 1\r\nA: 2\r\nKey: with: colon\r\n\r\n";
    assert_eq!(
        ops[5],
        msg(1, "foo.baz", None, Some(block), b"hi", 22 + 44 + 2)
    );
    assert_eq!(
        ops[6],
        msg(2, "foo.baz", None, Some(block), b"hi", 22 + 44 + 2)
    );
    assert_eq!(ops[7], msg(1, "foo.empty", None, None, b"", 21));
    assert_eq!(ops[8], msg(2, "foo.empty", None, None, b"", 21));
    let ServerOp::Msg(frame) = ops[9].clone() else {
        panic!("{:?}", ops[9])
    };
    let (message, error) = natrs_core::Message::from_frame(frame);
    assert_eq!(error, None);
    assert!(message.is_no_responders());
    assert_eq!(message.header("Nats-Subject"), Some("nobody.here"));
    assert_eq!(
        &ops[10..],
        [
            ServerOp::Pong,
            ServerOp::Ping,
            ServerOp::Err("Unknown Protocol Operation".into())
        ]
    );
    let ServerOp::Msg(frame) = &ops[5] else {
        unreachable!()
    };
    let headers = natrs_core::HeaderMap::parse(frame.headers_raw().unwrap()).unwrap();
    assert_eq!(headers.get_all("A").collect::<Vec<_>>(), ["1", "2"]);
    assert_eq!(headers.get("Key"), Some("with: colon"));
}
