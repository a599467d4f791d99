//! The WebSocket layer on its own: handshake, frames, masking, compression,
//! with every transcript fed at every split point.

use bytes::{Bytes, BytesMut};
use natrs_core::ws::frame::{self, Opcode};
use natrs_core::ws::{Control, Decoder, Request, WsError, deflate, handshake};

fn request(compression: bool) -> Request<'static> {
    Request {
        host: "example.com:8080",
        path: "/nats/ws?x=1",
        key: *b"the sample nonce",
        origin: Some("https://example.com"),
        headers: &[],
        compression,
        no_masking: false,
    }
}

#[test]
fn accept_key_matches_rfc_6455_example() {
    // RFC 6455 section 1.3.
    assert_eq!(
        handshake::accept_key("dGhlIHNhbXBsZSBub25jZQ=="),
        "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
    );
    assert_eq!(request(false).key_text(), "dGhlIHNhbXBsZSBub25jZQ==");
}

#[test]
fn request_text() {
    let headers = [("Authorization".to_string(), "Bearer abc".to_string())];
    let req = Request {
        headers: &headers,
        ..request(true)
    };
    let mut out = BytesMut::new();
    req.encode(&mut out).unwrap();
    assert_eq!(
        std::str::from_utf8(&out).unwrap(),
        "GET /nats/ws?x=1 HTTP/1.1\r\nHost: example.com:8080\r\nUpgrade: websocket\r\n\
         Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
         Sec-WebSocket-Version: 13\r\nSec-WebSocket-Extensions: permessage-deflate; \
         server_no_context_takeover; client_no_context_takeover\r\n\
         Origin: https://example.com\r\nAuthorization: Bearer abc\r\n\r\n"
    );
}

#[test]
fn request_refuses_header_injection() {
    for (name, value) in [
        ("X-A", "a\r\nX-B: b"),
        ("Bad Name", "v"),
        ("", "v"),
        ("A:b", "v"),
    ] {
        let headers = [(name.to_string(), value.to_string())];
        let req = Request {
            headers: &headers,
            ..request(false)
        };
        let mut out = BytesMut::new();
        assert!(matches!(
            req.encode(&mut out),
            Err(WsError::BadRequestHeader(_))
        ));
        assert!(out.is_empty());
    }
    let req = Request {
        path: "/a b",
        ..request(false)
    };
    assert!(req.encode(&mut BytesMut::new()).is_err());
}

const OK_RESPONSE: &str = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\
     Connection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n";

#[test]
fn response_at_every_split_point_leaves_the_frames() {
    let mut wire = Vec::from(OK_RESPONSE.as_bytes());
    wire.extend_from_slice(b"\r\n\x82\x03abc");
    for split in 0..wire.len() {
        let req = request(false);
        let mut buf = BytesMut::from(&wire[..split]);
        let first = req.check_response(&mut buf).unwrap();
        if split < OK_RESPONSE.len() + 2 {
            assert_eq!(first, None, "split {split}");
            assert_eq!(buf.len(), split, "nothing consumed");
            buf.extend_from_slice(&wire[split..]);
            let accepted = req.check_response(&mut buf).unwrap().unwrap();
            assert!(!accepted.compression);
        } else {
            assert!(first.is_some());
            buf.extend_from_slice(&wire[split..]);
        }
        assert_eq!(&buf[..], b"\x82\x03abc");
    }
}

#[test]
fn response_compression_and_no_masking() {
    let wire = format!(
        "{OK_RESPONSE}Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover; \
         client_no_context_takeover\r\nNats-No-Masking: true\r\n\r\n"
    );
    let accepted = Request {
        no_masking: true,
        ..request(true)
    }
    .check_response(&mut BytesMut::from(wire.as_bytes()))
    .unwrap()
    .unwrap();
    assert!(accepted.compression && accepted.no_masking);
    // Compression the client did not offer.
    assert!(matches!(
        request(false).check_response(&mut BytesMut::from(wire.as_bytes())),
        Err(WsError::BadUpgrade(_))
    ));
}

#[test]
fn bad_responses() {
    type Check = fn(&WsError) -> bool;
    let cases: [(&str, Check); 5] = [
        ("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n", |e| {
            *e == WsError::UpgradeRefused {
                status: 403,
                reason: "Forbidden".into(),
            }
        }),
        (
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Accept: AAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n\r\n",
            |e| *e == WsError::AcceptMismatch,
        ),
        (
            "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n",
            |e| matches!(e, WsError::BadUpgrade(_)),
        ),
        ("SSH-2.0-OpenSSH\r\n\r\n", |e| {
            matches!(e, WsError::BadUpgrade(_))
        }),
        ("INFO {\"server_id\":\"x\"}\r\n\r\n", |e| {
            matches!(e, WsError::BadUpgrade(_))
        }),
    ];
    for (wire, check) in cases {
        let err = request(false)
            .check_response(&mut BytesMut::from(wire.as_bytes()))
            .unwrap_err();
        assert!(check(&err), "{wire:?}: {err:?}");
    }
    let mut endless = BytesMut::from(&b"HTTP/1.1 101 OK\r\nX: "[..]);
    endless.extend_from_slice(&vec![b'a'; handshake::MAX_RESPONSE]);
    assert!(request(false).check_response(&mut endless).is_err());
}

/// What decoding a transcript gave: the data stream and the controls, in
/// order (a control is recorded with the data length it came after).
#[derive(Debug, PartialEq)]
struct Decoded {
    data: Vec<u8>,
    controls: Vec<(usize, Control)>,
}

fn decode_pieces(pieces: &[&[u8]], compression: bool) -> Result<Decoded, WsError> {
    let mut decoder = Decoder::new(compression, 1 << 20);
    let mut input = BytesMut::new();
    let mut out = BytesMut::new();
    let mut controls = Vec::new();
    for piece in pieces {
        input.extend_from_slice(piece);
        while let Some(c) = decoder.decode(&mut input, &mut out)? {
            controls.push((out.len(), c));
        }
    }
    Ok(Decoded {
        data: out.to_vec(),
        controls,
    })
}

/// Decodes `wire` whole, split in two at every point, and a byte at a time:
/// all must agree.
fn decode_everywhere(wire: &[u8], compression: bool) -> Decoded {
    let whole = decode_pieces(&[wire], compression).unwrap();
    for split in 0..=wire.len() {
        let (a, b) = wire.split_at(split);
        assert_eq!(
            decode_pieces(&[a, b], compression).unwrap(),
            whole,
            "split at {split}"
        );
    }
    let bytes: Vec<&[u8]> = wire.chunks(1).collect();
    assert_eq!(decode_pieces(&bytes, compression).unwrap(), whole);
    whole
}

fn server_frame(wire: &mut BytesMut, fin: bool, rsv1: bool, op: Opcode, payload: &[u8]) {
    frame::encode_header(wire, fin, rsv1, op, payload.len(), None);
    wire.extend_from_slice(payload);
}

#[test]
fn transcript_of_every_frame_kind() {
    let mut wire = BytesMut::new();
    server_frame(&mut wire, true, false, Opcode::Binary, b"INFO {}\r\n");
    // A text message in three fragments with a ping between them.
    server_frame(&mut wire, false, false, Opcode::Text, b"MSG a 1 ");
    server_frame(&mut wire, false, false, Opcode::Continuation, b"");
    frame::encode_frame(&mut wire, Opcode::Ping, b"hi", None);
    server_frame(
        &mut wire,
        true,
        false,
        Opcode::Continuation,
        b"5\r\nhello\r\n",
    );
    // Lengths that take the 16-bit and 64-bit forms.
    let long = vec![b'x'; 300];
    server_frame(&mut wire, true, false, Opcode::Binary, &long);
    frame::encode_frame(&mut wire, Opcode::Pong, b"", None);
    // The 64-bit form, written by hand for a short payload.
    wire.extend_from_slice(&[0x82, 127, 0, 0, 0, 0, 0, 0, 0, 2]);
    wire.extend_from_slice(b"PI");
    frame::encode_frame(
        &mut wire,
        Opcode::Close,
        &frame::close_payload(1001, "Server Shutdown"),
        None,
    );
    let decoded = decode_everywhere(&wire, false);
    let mut data = b"INFO {}\r\nMSG a 1 5\r\nhello\r\n".to_vec();
    let ping_at = "INFO {}\r\nMSG a 1 ".len();
    data.extend_from_slice(&long);
    let pong_at = data.len();
    data.extend_from_slice(b"PI");
    assert_eq!(decoded.data, data);
    assert_eq!(
        decoded.controls,
        [
            (ping_at, Control::Ping(Bytes::from_static(b"hi"))),
            (pong_at, Control::Pong(Bytes::new())),
            (
                data.len(),
                Control::Close {
                    code: Some(1001),
                    reason: "Server Shutdown".into()
                }
            ),
        ]
    );
}

#[test]
fn compressed_messages_at_every_split_point() {
    let text = b"MSG subject 1 64\r\n".repeat(8);
    let body = deflate::compress(&text);
    assert!(body.len() < text.len());
    let mut wire = BytesMut::new();
    // Compressed, in two fragments, then uncompressed, then compressed whole.
    let (a, b) = body.split_at(body.len() / 2);
    server_frame(&mut wire, false, true, Opcode::Binary, a);
    frame::encode_frame(&mut wire, Opcode::Ping, b"", None);
    server_frame(&mut wire, true, false, Opcode::Continuation, b);
    server_frame(&mut wire, true, false, Opcode::Binary, b"PING\r\n");
    frame::encode_compressed(&mut wire, b"PONG\r\n", None);
    let decoded = decode_everywhere(&wire, true);
    let mut expected = text.clone();
    expected.extend_from_slice(b"PING\r\nPONG\r\n");
    assert_eq!(decoded.data, expected);
    // The ping came while the compressed message was still incomplete.
    assert_eq!(decoded.controls, [(0, Control::Ping(Bytes::new()))]);
}

#[test]
fn inflating_stops_at_the_limit() {
    let text = vec![b'a'; 100_000];
    let mut wire = BytesMut::new();
    frame::encode_compressed(&mut wire, &text, None);
    let mut decoder = Decoder::new(true, 10_000);
    let err = decoder
        .decode(&mut wire.clone(), &mut BytesMut::new())
        .unwrap_err();
    assert_eq!(err, WsError::MessageTooLong { limit: 10_000 });
    let mut decoder = Decoder::new(true, 100_000);
    let mut out = BytesMut::new();
    decoder.decode(&mut wire, &mut out).unwrap();
    assert_eq!(out.len(), 100_000);
    // Garbage that is not DEFLATE.
    let mut bad = BytesMut::new();
    server_frame(&mut bad, true, true, Opcode::Binary, &[0xff; 20]);
    assert_eq!(
        Decoder::new(true, 1000).decode(&mut bad, &mut BytesMut::new()),
        Err(WsError::Inflate)
    );
}

#[test]
fn protocol_errors() {
    let cases: &[(&[u8], bool, WsError)] = &[
        (&[0x82, 0x81, 1, 2, 3, 4, 0], false, WsError::MaskedFrame),
        (&[0xa2, 0x00], false, WsError::ReservedBits),
        (&[0xc2, 0x00], false, WsError::ReservedBits),
        (&[0x83, 0x00], false, WsError::UnknownOpcode(3)),
        (&[0x09, 0x00], false, WsError::BadControlFrame),
        (&[0x89, 126, 0, 126], false, WsError::BadControlFrame),
        (&[0x80, 0x00], false, WsError::UnexpectedContinuation),
        (
            &[0x02, 0x00, 0x82, 0x00],
            false,
            WsError::InterruptedMessage,
        ),
        (&[0x02, 0x00, 0xc0, 0x00], true, WsError::ReservedBits),
        (
            &[0x82, 127, 0x80, 0, 0, 0, 0, 0, 0, 0],
            false,
            WsError::BadLength,
        ),
        (&[0x88, 0x01, 0x03], false, WsError::BadCloseFrame),
        (
            &[0x88, 0x03, 0x03, 0xe8, 0xff],
            false,
            WsError::BadCloseFrame,
        ),
    ];
    for (wire, compression, expected) in cases {
        assert_eq!(
            decode_pieces(&[wire], *compression),
            Err(expected.clone()),
            "{wire:?}"
        );
    }
}

#[test]
fn masking_round_trips_at_any_offset() {
    let mask = [0x37, 0xfa, 0x21, 0x3d];
    let payload: Vec<u8> = (0..=255u8).collect();
    for offset in 0..4 {
        for len in [0, 1, 7, 8, 9, 63, 256] {
            let mut buf = payload[..len].to_vec();
            frame::apply_mask(&mut buf, mask, offset);
            let naive: Vec<u8> = payload[..len]
                .iter()
                .enumerate()
                .map(|(i, b)| b ^ mask[(i + offset) % 4])
                .collect();
            assert_eq!(buf, naive, "offset {offset} len {len}");
        }
    }
    // A masked client frame: the RFC 6455 section 5.7 example.
    let mut out = BytesMut::new();
    frame::encode_frame(&mut out, Opcode::Text, b"Hello", Some(mask));
    assert_eq!(
        &out[..],
        &[
            0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58
        ]
    );
}

#[test]
fn binary_frame_from_a_buffer_of_chunks() {
    let mask = [1, 2, 3, 4];
    let mut src = natrs_core::proto::WriteBuffer::new();
    src.set_share_threshold(4);
    src.extend_from_slice(b"PUB a 5\r\n");
    src.push_bytes(Bytes::from_static(b"hello"));
    src.extend_from_slice(b"\r\n");
    let mut out = BytesMut::new();
    frame::encode_binary_from(&mut out, &mut src, Some(mask));
    assert!(src.is_empty());
    assert_eq!(&out[..2], &[0x82, 0x80 | 16]);
    assert_eq!(&out[2..6], &mask);
    let mut body = out[6..].to_vec();
    frame::apply_mask(&mut body, mask, 0);
    assert_eq!(body, b"PUB a 5\r\nhello\r\n");
    // 16-bit and 64-bit lengths.
    for (len, header) in [(126usize, 4usize), (65_535, 4), (65_536, 10)] {
        let mut out = BytesMut::new();
        frame::encode_binary_from(&mut out, &mut &vec![0u8; len][..], None);
        assert_eq!(out.len(), len + header);
    }
}

#[test]
fn close_payload_is_cut_on_a_character_boundary() {
    let reason = "é".repeat(100);
    let body = frame::close_payload(1000, &reason);
    assert!(body.len() <= 125);
    assert!(std::str::from_utf8(&body[2..]).is_ok());
}
