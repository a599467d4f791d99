//! Bodies of the fuzz targets (the `fuzz/` crate), kept here so that the fuzz
//! binaries are one-liners and `cargo test` replays the committed corpus
//! (`proto-core/tests/fuzz_corpus.rs`) through the very same code.
//!
//! Each function takes arbitrary bytes, must never panic on them, and panics
//! (an assertion) only when it finds a bug. Not a stable API.
//!
//! To add a target: write `pub fn name(data: &[u8])` here, add
//! `fuzz/fuzz_targets/name.rs` calling it and a `[[bin]]` in `fuzz/Cargo.toml`,
//! put a few seed inputs in `fuzz/corpus/name/`, and list the name in the
//! replay test.

mod session;

pub use session::{SessionOutcome, session_outcome};

use crate::headers::HeaderMap;
use crate::proto::{Parser, ParserLimits, ProtocolError, ServerOp};
use alloc::vec::Vec;
use bytes::BytesMut;

/// What feeding a stream to a parser produced.
#[derive(Debug, PartialEq, Eq)]
struct Outcome {
    ops: Vec<ServerOp>,
    error: Option<ProtocolError>,
    /// Bytes left in the buffer at the end (only compared without an error).
    leftover: usize,
}

/// Feeds `chunks` one after the other to a new parser, parsing after each.
fn run<'a>(limits: ParserLimits, chunks: impl IntoIterator<Item = &'a [u8]>) -> Outcome {
    let mut parser = Parser::new(limits);
    let mut buf = BytesMut::new();
    let mut ops = Vec::new();
    for chunk in chunks {
        buf.extend_from_slice(chunk);
        loop {
            match parser.parse(&mut buf) {
                Ok(Some(op)) => {
                    check_op(&op);
                    ops.push(op);
                }
                Ok(None) => break,
                Err(error) => {
                    // Errors are sticky.
                    assert_eq!(parser.parse(&mut buf), Err(error.clone()));
                    return Outcome {
                        ops,
                        error: Some(error),
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

/// Checks what every parsed op must satisfy.
fn check_op(op: &ServerOp) {
    if let ServerOp::Msg(frame) = op {
        let body = frame.payload_len() + frame.header_len();
        // More than "MSG s 1 0\n" + body: a line end follows the body.
        assert!(frame.wire_len() > 10 + body);
        assert_eq!(frame.wire_len(), frame.as_wire().len());
        assert_eq!(frame.as_wire().last(), Some(&b'\n'));
        assert!(!frame.subject().is_empty());
        assert_eq!(frame.to_subject().as_str(), frame.subject());
        assert_eq!(frame.to_reply().as_deref(), frame.reply());
        assert_eq!(frame.payload(), frame.payload_slice());
        assert_eq!(frame.payload_slice().len(), frame.payload_len());
        assert_eq!(frame.headers_bytes().as_deref(), frame.headers_raw());
        assert_eq!(
            frame.headers_raw().map_or(0, <[u8]>::len),
            frame.header_len()
        );
        assert_eq!(frame.has_headers(), frame.headers_raw().is_some());
        assert_eq!(frame.clone().into_payload(), frame.payload_slice());
    }
}

/// Fuzz target `parse_chunked`: a byte stream, split at arbitrary points and
/// fed piece by piece, gives exactly what it gives when fed whole (same ops,
/// same error, same bytes left over); so does feeding it byte by byte.
///
/// Input layout: one byte choosing the limits (even: defaults; odd: small
/// limits derived from it, so the limit errors are reached), one byte giving
/// the number of cuts (mod 16), two little-endian bytes per cut giving its
/// position (mod the stream length + 1), then the stream.
pub fn parse_chunked(data: &[u8]) {
    let [limit_byte, cuts, rest @ ..] = data else {
        return;
    };
    let limits = if limit_byte & 1 == 0 {
        ParserLimits::default()
    } else {
        ParserLimits {
            max_control_line: 8 + usize::from(limit_byte >> 1) * 2,
            max_payload: usize::from(*limit_byte) * 4,
        }
    };
    let (points, stream) = cut_points(*cuts, rest);
    let pieces = points.windows(2).map(|w| &stream[w[0]..w[1]]);

    let whole = run(limits, [stream]);
    assert_eq!(whole, run(limits, pieces), "split at {points:?}");
    if stream.len() <= 4096 {
        assert_eq!(whole, run(limits, stream.chunks(1)), "byte by byte");
    }
}

/// What feeding a stream to a WebSocket frame decoder produced.
#[derive(Debug, PartialEq, Eq)]
struct WsOutcome {
    data: Vec<u8>,
    /// Each control frame with the data length it came after.
    controls: Vec<(usize, crate::ws::Control)>,
    error: Option<crate::ws::WsError>,
}

fn run_ws<'a>(
    compression: bool,
    max_message: usize,
    chunks: impl IntoIterator<Item = &'a [u8]>,
) -> WsOutcome {
    let mut decoder = crate::ws::Decoder::new(compression, max_message);
    let mut input = BytesMut::new();
    let mut out = BytesMut::new();
    let mut controls = Vec::new();
    for chunk in chunks {
        input.extend_from_slice(chunk);
        loop {
            match decoder.decode(&mut input, &mut out) {
                Ok(Some(control)) => controls.push((out.len(), control)),
                Ok(None) => break,
                Err(error) => {
                    return WsOutcome {
                        data: out.to_vec(),
                        controls,
                        error: Some(error),
                    };
                }
            }
        }
        // A decoder leaves no more than a partial frame header behind.
        assert!(input.len() < crate::ws::frame::MAX_HEADER);
    }
    WsOutcome {
        data: out.to_vec(),
        controls,
        error: None,
    }
}

/// Fuzz target `ws_frames`: byte 0 picks permessage-deflate (bit 0) and the
/// message limit (the rest); byte 1 the number of cuts (mod 16), then 2
/// little-endian bytes per cut, then the server's frames. The decoder never
/// panics, and the stream cut at those points, or fed byte by byte, gives the
/// same data, control frames and error as fed whole.
pub fn ws_frames(data: &[u8]) {
    let [flags, cuts, rest @ ..] = data else {
        return;
    };
    let compression = flags & 1 == 1;
    let max_message = 16 + usize::from(flags >> 1) * 64;
    let (points, stream) = cut_points(*cuts, rest);
    let pieces = points.windows(2).map(|w| &stream[w[0]..w[1]]);
    let whole = run_ws(compression, max_message, [stream]);
    assert_eq!(
        whole,
        run_ws(compression, max_message, pieces),
        "split at {points:?}"
    );
    if stream.len() <= 4096 {
        assert_eq!(
            whole,
            run_ws(compression, max_message, stream.chunks(1)),
            "byte by byte"
        );
    }
}

/// Fuzz target `headers`: [`HeaderMap::parse`] and
/// [`HeaderMap::parse_lossy`] agree, and whatever parses encodes to a block
/// that parses back to the same map.
pub fn headers(data: &[u8]) {
    let strict = HeaderMap::parse(data);
    let lossy = HeaderMap::parse_lossy(data);
    match &lossy {
        Err(e) => assert_eq!(strict.as_ref(), Err(e)),
        Ok((map, None)) => assert_eq!(strict.as_ref(), Ok(map)),
        Ok((_, Some(e))) => assert_eq!(strict.as_ref(), Err(e)),
    }
    if let Ok((map, _)) = lossy {
        let mut encoded = Vec::new();
        map.encode(&mut encoded).expect("a parsed map can be sent");
        assert_eq!(encoded.len(), map.encoded_len());
        assert_eq!(HeaderMap::parse(&encoded).as_ref(), Ok(&map));
    }
}

/// Fuzz target `creds`: `.creds` parsing never panics.
pub fn creds(data: &[u8]) {
    if let Ok(text) = core::str::from_utf8(data) {
        let _ = crate::auth::creds::parse(text);
    }
}

/// Fuzz target `server_addr`: server URL parsing (a URL, a list, an INFO
/// `connect_urls` entry) never panics; a parsed address's scheme, host and
/// port survive being written as `host_port` and parsed again.
pub fn server_addr(data: &[u8]) {
    use crate::server_addr::{Scheme, ServerAddr};
    use alloc::format;
    let Ok(text) = core::str::from_utf8(data) else {
        return;
    };
    let _ = ServerAddr::parse_list(text);
    let _ = ServerAddr::from_discovered(text, Scheme::Tls);
    if let Ok(addr) = ServerAddr::parse(text) {
        let _ = format!("{addr} {:?} {:?}", addr.ip(), addr.has_credentials());
        let again = ServerAddr::parse(&format!("{}://{}", addr.scheme(), addr.host_port()))
            .expect("scheme://host_port of a parsed address parses");
        assert_eq!(
            (again.scheme(), again.host(), again.port()),
            (addr.scheme(), addr.host(), addr.port())
        );
        let new = ServerAddr::new(addr.scheme(), addr.host(), addr.port())
            .expect("the parts of a parsed address make one");
        assert_eq!(new, again);
    }
}

/// Fuzz target `session`: a whole client session (configuration, server
/// bytes, clock, transport events and commands, all taken from `data`) never
/// panics and keeps the state machine's promises: `poll_timeout` is after
/// `now` once `handle_timeout(now)` ran, `Closed` is the last event, a closed
/// client has no deadline, and the reconnect buffer stays within its limit.
/// See [`session_outcome`] for the input layout.
pub fn session(data: &[u8]) {
    session_outcome(data);
}

/// The split points of a fuzz input: `cuts % 16` little-endian `u16`s from the
/// front of `rest`, each taken modulo the length of what follows them (the
/// stream), sorted, with 0 and the stream's length added. Returns the points
/// and the stream.
fn cut_points(cuts: u8, rest: &[u8]) -> (Vec<usize>, &[u8]) {
    let cut_bytes = usize::from(cuts % 16) * 2;
    let (cuts, stream) = if rest.len() >= cut_bytes {
        rest.split_at(cut_bytes)
    } else {
        (&[][..], rest)
    };
    let mut points: Vec<usize> = cuts
        .chunks_exact(2)
        .map(|c| usize::from(u16::from_le_bytes([c[0], c[1]])) % (stream.len() + 1))
        .collect();
    points.push(0);
    points.push(stream.len());
    points.sort_unstable();
    (points, stream)
}
