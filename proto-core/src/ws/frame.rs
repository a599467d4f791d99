//! Frame encoding (RFC 6455 section 5): headers, masking, compression.

use super::deflate;
use bytes::{Buf, BufMut, BytesMut};

/// Longest payload of a control frame.
pub const MAX_CONTROL_PAYLOAD: usize = 125;
/// Longest frame header: 2 bytes, 8 of extended length, 4 of mask.
pub const MAX_HEADER: usize = 14;

/// A frame's opcode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Opcode {
    /// Continues a fragmented data message.
    Continuation,
    /// A UTF-8 text data frame.
    Text,
    /// A binary data frame.
    Binary,
    /// Closes the connection.
    Close,
    /// Asks for a pong.
    Ping,
    /// Answers a ping.
    Pong,
}

impl Opcode {
    /// The 4-bit code.
    pub fn code(self) -> u8 {
        match self {
            Opcode::Continuation => 0x0,
            Opcode::Text => 0x1,
            Opcode::Binary => 0x2,
            Opcode::Close => 0x8,
            Opcode::Ping => 0x9,
            Opcode::Pong => 0xa,
        }
    }

    /// The opcode of a 4-bit code, if RFC 6455 defines it.
    pub fn from_code(code: u8) -> Option<Opcode> {
        Some(match code {
            0x0 => Opcode::Continuation,
            0x1 => Opcode::Text,
            0x2 => Opcode::Binary,
            0x8 => Opcode::Close,
            0x9 => Opcode::Ping,
            0xa => Opcode::Pong,
            _ => return None,
        })
    }

    /// Whether this is a control opcode (close, ping, pong).
    pub fn is_control(self) -> bool {
        self.code() & 0x8 != 0
    }
}

/// Writes a frame header. `rsv1` marks the first frame of a compressed
/// message; `mask` is the client's masking key (`None` for an unmasked frame).
pub fn encode_header(
    out: &mut BytesMut,
    fin: bool,
    rsv1: bool,
    opcode: Opcode,
    len: usize,
    mask: Option<[u8; 4]>,
) {
    let b0 = (u8::from(fin) << 7) | (u8::from(rsv1) << 6) | opcode.code();
    let mask_bit = if mask.is_some() { 0x80 } else { 0 };
    out.reserve(MAX_HEADER);
    out.put_u8(b0);
    if len < 126 {
        out.put_u8(mask_bit | len as u8);
    } else if let Ok(len) = u16::try_from(len) {
        out.put_u8(mask_bit | 126);
        out.put_u16(len);
    } else {
        out.put_u8(mask_bit | 127);
        out.put_u64(len as u64);
    }
    if let Some(mask) = mask {
        out.put_slice(&mask);
    }
}

/// XORs `buf` with `mask`, `buf[0]` being byte `offset` of the payload.
pub fn apply_mask(buf: &mut [u8], mask: [u8; 4], offset: usize) {
    let mut key = [0u8; 4];
    for (i, k) in key.iter_mut().enumerate() {
        *k = mask[(offset + i) % 4];
    }
    let word = u32::from_ne_bytes(key);
    let wide = u64::from(word) | (u64::from(word) << 32);
    let wide_bytes = wide.to_ne_bytes();
    let mut chunks = buf.chunks_exact_mut(8);
    for chunk in &mut chunks {
        let mut v = [0u8; 8];
        v.copy_from_slice(chunk);
        chunk.copy_from_slice(&(u64::from_ne_bytes(v) ^ wide).to_ne_bytes());
    }
    for (i, b) in chunks.into_remainder().iter_mut().enumerate() {
        *b ^= wide_bytes[i];
    }
}

/// Writes one complete frame of `payload` (masked with `mask` when given).
/// A control frame's payload must be at most 125 bytes; longer ones are cut.
pub fn encode_frame(out: &mut BytesMut, opcode: Opcode, payload: &[u8], mask: Option<[u8; 4]>) {
    let payload = if opcode.is_control() && payload.len() > MAX_CONTROL_PAYLOAD {
        &payload[..MAX_CONTROL_PAYLOAD]
    } else {
        payload
    };
    encode_header(out, true, false, opcode, payload.len(), mask);
    let start = out.len();
    out.extend_from_slice(payload);
    if let Some(mask) = mask {
        apply_mask(&mut out[start..], mask, 0);
    }
}

/// Moves every byte of `src` into one binary frame in `out`, masked with
/// `mask` when given. Nothing is written when `src` is empty.
pub fn encode_binary_from<B: Buf>(out: &mut BytesMut, src: &mut B, mask: Option<[u8; 4]>) {
    let len = src.remaining();
    if len == 0 {
        return;
    }
    encode_header(out, true, false, Opcode::Binary, len, mask);
    let start = out.len();
    out.reserve(len);
    while src.has_remaining() {
        let chunk = src.chunk();
        let n = chunk.len();
        out.extend_from_slice(chunk);
        src.advance(n);
    }
    if let Some(mask) = mask {
        apply_mask(&mut out[start..], mask, 0);
    }
}

/// Writes `payload` as one compressed binary message (permessage-deflate,
/// no context takeover), masked with `mask` when given.
pub fn encode_compressed(out: &mut BytesMut, payload: &[u8], mask: Option<[u8; 4]>) {
    let body = deflate::compress(payload);
    encode_header(out, true, true, Opcode::Binary, body.len(), mask);
    let start = out.len();
    out.extend_from_slice(&body);
    if let Some(mask) = mask {
        apply_mask(&mut out[start..], mask, 0);
    }
}

/// A close frame's payload: the status code and a reason, cut to fit 125
/// bytes on a character boundary.
pub fn close_payload(code: u16, reason: &str) -> BytesMut {
    let mut body = BytesMut::with_capacity(MAX_CONTROL_PAYLOAD);
    body.put_u16(code);
    let mut end = reason.len().min(MAX_CONTROL_PAYLOAD - 2);
    while !reason.is_char_boundary(end) {
        end -= 1;
    }
    body.extend_from_slice(&reason.as_bytes()[..end]);
    body
}
