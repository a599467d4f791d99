//! permessage-deflate (RFC 7692) without context takeover: each message is
//! a raw DEFLATE stream of its own, over `miniz_oxide` (no_std + alloc).

use super::WsError;
use alloc::vec::Vec;
use miniz_oxide::inflate::TINFLStatus;
use miniz_oxide::inflate::core::{DecompressorOxide, decompress, inflate_flags};

/// The compression level used for outgoing messages (fast).
const LEVEL: u8 = 1;
/// The empty stored block a sender's sync flush ends with; RFC 7692 strips
/// it from the frame and the receiver puts it back.
pub const TAIL: [u8; 4] = [0x00, 0x00, 0xff, 0xff];

/// Compresses one message.
pub fn compress(payload: &[u8]) -> Vec<u8> {
    let mut body = miniz_oxide::deflate::compress_to_vec(payload, LEVEL);
    // A final block needs no tail; a stream ending in a sync flush loses it.
    if body.ends_with(&TAIL) {
        body.truncate(body.len() - TAIL.len());
    }
    body
}

/// Inflates one message's payload (as sent: without [`TAIL`]) and appends it
/// to `out`. Fails when the result would pass `limit` bytes.
pub fn decompress_into(input: &[u8], out: &mut Vec<u8>, limit: usize) -> Result<(), WsError> {
    let mut state = DecompressorOxide::new();
    let flags = inflate_flags::TINFL_FLAG_USING_NON_WRAPPING_OUTPUT_BUF
        | inflate_flags::TINFL_FLAG_HAS_MORE_INPUT;
    let start = out.len();
    let mut written = start;
    out.resize(start + (input.len() * 4).clamp(64, limit.max(64)), 0);
    // The message, then the tail the sender stripped.
    let mut pieces = [input, &TAIL[..]];
    let mut piece = 0;
    loop {
        let (status, used, made) = decompress(&mut state, pieces[piece], out, written, flags);
        pieces[piece] = &pieces[piece][used..];
        written += made;
        if written - start > limit {
            out.truncate(start);
            return Err(WsError::MessageTooLong { limit });
        }
        match status {
            TINFLStatus::Done => break,
            TINFLStatus::NeedsMoreInput if pieces[piece].is_empty() => {
                if piece + 1 == pieces.len() {
                    break;
                }
                piece += 1;
            }
            // Input left over and nothing taken or made: it cannot go on.
            TINFLStatus::NeedsMoreInput if used == 0 && made == 0 => {
                out.truncate(start);
                return Err(WsError::Inflate);
            }
            TINFLStatus::NeedsMoreInput => {}
            TINFLStatus::HasMoreOutput => {
                let grown = (out.len() - start) * 2;
                out.resize(start + grown.min(limit + 1).max(out.len() - start + 1), 0);
            }
            _ => {
                out.truncate(start);
                return Err(WsError::Inflate);
            }
        }
    }
    out.truncate(written);
    Ok(())
}
