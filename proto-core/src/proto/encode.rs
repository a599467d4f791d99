//! Encoding of client operations. Callers validate subjects and sizes first
//! (see [`crate::client`]); these functions only write bytes.

use crate::headers::{HeaderError, HeaderMap};
use crate::proto::{ConnectInfo, WriteBuffer};
use bytes::Bytes;

/// `PUB subject [reply] #bytes\r\npayload\r\n`, or `HPUB` when `headers` is given.
/// Fails only when a header name or value cannot be sent; nothing is written then.
pub fn encode_pub(
    out: &mut WriteBuffer,
    subject: &str,
    reply: Option<&str>,
    headers: Option<&HeaderMap>,
    payload: &Bytes,
) -> Result<(), HeaderError> {
    let _ = (out, subject, reply, headers, payload);
    todo!("codec")
}

/// `SUB subject [queue] sid\r\n`.
pub fn encode_sub(out: &mut WriteBuffer, subject: &str, queue: Option<&str>, sid: u64) {
    let _ = (out, subject, queue, sid);
    todo!("codec")
}

/// `UNSUB sid [max]\r\n`.
pub fn encode_unsub(out: &mut WriteBuffer, sid: u64, max: Option<u64>) {
    let _ = (out, sid, max);
    todo!("codec")
}

/// `CONNECT {json}\r\n`.
pub fn encode_connect(out: &mut WriteBuffer, info: &ConnectInfo) {
    let _ = (out, info);
    todo!("codec")
}

/// `PING\r\n`.
pub fn encode_ping(out: &mut WriteBuffer) {
    let _ = out;
    todo!("codec")
}

/// `PONG\r\n`.
pub fn encode_pong(out: &mut WriteBuffer) {
    let _ = out;
    todo!("codec")
}
