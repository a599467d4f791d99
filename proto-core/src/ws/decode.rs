//! Frame decoding: the bytes a server sends in, the data stream and control
//! frames out.

use super::frame::{MAX_CONTROL_PAYLOAD, Opcode};
use super::{WsError, deflate};
use alloc::string::String;
use alloc::vec::Vec;
use bytes::{Buf, Bytes, BytesMut};

/// A control frame from the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Control {
    /// A ping: answer with a pong carrying the same payload.
    Ping(Bytes),
    /// A pong (unsolicited or not; nothing to do).
    Pong(Bytes),
    /// A close frame: the status code if it had one, and the reason.
    Close {
        /// The status code.
        code: Option<u16>,
        /// The reason (UTF-8, may be empty).
        reason: String,
    },
}

#[derive(Debug)]
enum State {
    /// Waiting for a frame header.
    Header,
    /// Inside a data frame's payload.
    Data { remaining: u64, fin: bool },
    /// Inside a control frame's payload.
    Control { opcode: Opcode, remaining: usize },
}

/// Decodes the server's frames. Data frames of every kind (text or binary,
/// fragmented or not, compressed or not) become one continuous byte stream
/// (the NATS protocol does not care where messages begin); control frames are
/// returned as they complete. Uncompressed payload bytes are passed on as
/// they arrive, so a frame split across reads costs no wait.
#[derive(Debug)]
pub struct Decoder {
    state: State,
    /// permessage-deflate was negotiated.
    compression: bool,
    /// Inside a fragmented data message.
    in_message: bool,
    /// The current message is compressed.
    compressed: bool,
    /// A compressed message gathered so far.
    deflated: Vec<u8>,
    /// Inflated bytes, reused between messages.
    inflated: Vec<u8>,
    /// The current control frame's payload so far.
    control: Vec<u8>,
    /// Largest compressed message, before or after inflating.
    max_message: usize,
}

impl Decoder {
    /// A decoder; `compression` when permessage-deflate was negotiated,
    /// `max_message` bounds a compressed message (compressed and inflated).
    pub fn new(compression: bool, max_message: usize) -> Decoder {
        Decoder {
            state: State::Header,
            compression,
            in_message: false,
            compressed: false,
            deflated: Vec::new(),
            inflated: Vec::new(),
            control: Vec::new(),
            max_message,
        }
    }

    /// Decodes from the front of `input`, appending data payloads to `out`,
    /// until `input` holds no complete frame header and no payload byte, or
    /// a control frame completes (returned; call again for the rest). A
    /// partial header stays in `input`. Errors are final for the connection.
    pub fn decode(
        &mut self,
        input: &mut BytesMut,
        out: &mut BytesMut,
    ) -> Result<Option<Control>, WsError> {
        loop {
            match self.state {
                State::Header => {
                    if !self.read_header(input)? {
                        return Ok(None);
                    }
                }
                State::Data { remaining, fin } => {
                    let n = usize::try_from(remaining)
                        .unwrap_or(usize::MAX)
                        .min(input.len());
                    if n > 0 {
                        if self.compressed {
                            if self.deflated.len() + n > self.max_message {
                                return Err(WsError::MessageTooLong {
                                    limit: self.max_message,
                                });
                            }
                            self.deflated.extend_from_slice(&input[..n]);
                        } else {
                            out.extend_from_slice(&input[..n]);
                        }
                        input.advance(n);
                    }
                    let remaining = remaining - n as u64;
                    if remaining > 0 {
                        self.state = State::Data { remaining, fin };
                        return Ok(None);
                    }
                    self.state = State::Header;
                    if fin {
                        self.end_message(out)?;
                    }
                }
                State::Control { opcode, remaining } => {
                    let n = remaining.min(input.len());
                    self.control.extend_from_slice(&input[..n]);
                    input.advance(n);
                    if remaining > n {
                        self.state = State::Control {
                            opcode,
                            remaining: remaining - n,
                        };
                        return Ok(None);
                    }
                    self.state = State::Header;
                    let body = core::mem::take(&mut self.control);
                    return control(opcode, body).map(Some);
                }
            }
        }
    }

    /// Reads one frame header off `input`; `false` when it is not all there.
    fn read_header(&mut self, input: &mut BytesMut) -> Result<bool, WsError> {
        let [b0, b1, ..] = input[..] else {
            return Ok(false);
        };
        let (fin, rsv1, rsv23) = (b0 & 0x80 != 0, b0 & 0x40 != 0, b0 & 0x30);
        let opcode = Opcode::from_code(b0 & 0x0f).ok_or(WsError::UnknownOpcode(b0 & 0x0f))?;
        if b1 & 0x80 != 0 {
            return Err(WsError::MaskedFrame);
        }
        if rsv23 != 0 {
            return Err(WsError::ReservedBits);
        }
        let (len, header) = match b1 & 0x7f {
            126 => match input.get(2..4) {
                Some(b) => (u64::from(u16::from_be_bytes([b[0], b[1]])), 4),
                None => return Ok(false),
            },
            127 => match input.get(2..10) {
                Some(b) => {
                    let mut v = [0u8; 8];
                    v.copy_from_slice(b);
                    let len = u64::from_be_bytes(v);
                    if len >> 63 != 0 {
                        return Err(WsError::BadLength);
                    }
                    (len, 10)
                }
                None => return Ok(false),
            },
            short => (u64::from(short), 2),
        };
        if opcode.is_control() {
            if !fin || len > MAX_CONTROL_PAYLOAD as u64 {
                return Err(WsError::BadControlFrame);
            }
            if rsv1 {
                return Err(WsError::ReservedBits);
            }
            input.advance(header);
            self.control.clear();
            self.state = State::Control {
                opcode,
                remaining: len as usize,
            };
            return Ok(true);
        }
        if opcode == Opcode::Continuation {
            if !self.in_message {
                return Err(WsError::UnexpectedContinuation);
            }
            if rsv1 {
                return Err(WsError::ReservedBits);
            }
        } else {
            if self.in_message {
                return Err(WsError::InterruptedMessage);
            }
            if rsv1 && !self.compression {
                return Err(WsError::ReservedBits);
            }
            self.in_message = true;
            self.compressed = rsv1;
        }
        input.advance(header);
        self.state = State::Data {
            remaining: len,
            fin,
        };
        Ok(true)
    }

    /// The last frame of a data message was read.
    fn end_message(&mut self, out: &mut BytesMut) -> Result<(), WsError> {
        self.in_message = false;
        if self.compressed {
            self.compressed = false;
            self.inflated.clear();
            let result =
                deflate::decompress_into(&self.deflated, &mut self.inflated, self.max_message);
            self.deflated.clear();
            result?;
            out.extend_from_slice(&self.inflated);
        }
        Ok(())
    }
}

fn control(opcode: Opcode, body: Vec<u8>) -> Result<Control, WsError> {
    Ok(match opcode {
        Opcode::Ping => Control::Ping(Bytes::from(body)),
        Opcode::Pong => Control::Pong(Bytes::from(body)),
        _ => match body.len() {
            0 => Control::Close {
                code: None,
                reason: String::new(),
            },
            1 => return Err(WsError::BadCloseFrame),
            _ => {
                let code = u16::from_be_bytes([body[0], body[1]]);
                let reason =
                    core::str::from_utf8(&body[2..]).map_err(|_| WsError::BadCloseFrame)?;
                Control::Close {
                    code: Some(code),
                    reason: String::from(reason),
                }
            }
        },
    })
}
