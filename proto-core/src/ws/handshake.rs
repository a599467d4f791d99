//! The opening handshake (RFC 6455 section 4): the client's HTTP upgrade
//! request and the check of the server's `101 Switching Protocols` answer.

use super::WsError;
use alloc::string::{String, ToString};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use bytes::{Buf, BytesMut};
use sha1::{Digest, Sha1};

/// The GUID RFC 6455 appends to the key before hashing.
const GUID: &[u8] = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
/// The permessage-deflate offer: no context takeover either way, which is
/// what nats-server supports.
const DEFLATE_OFFER: &str =
    "permessage-deflate; server_no_context_takeover; client_no_context_takeover";
/// nats-server's header for a client that will not mask its frames.
const NO_MASKING: &str = "Nats-No-Masking";
/// Longest upgrade response accepted (status line and headers).
pub const MAX_RESPONSE: usize = 16 * 1024;

/// The upgrade request a client sends.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    /// The `Host` header: `host:port` (IPv6 in brackets).
    pub host: &'a str,
    /// The request target: a path starting with `/` (query included).
    pub path: &'a str,
    /// The 16 random bytes of `Sec-WebSocket-Key`.
    pub key: [u8; 16],
    /// The `Origin` header, if any.
    pub origin: Option<&'a str>,
    /// More headers (for authenticating proxies, for instance).
    pub headers: &'a [(String, String)],
    /// Offer permessage-deflate.
    pub compression: bool,
    /// Ask nats-server not to expect masked frames (`Nats-No-Masking`).
    pub no_masking: bool,
}

/// What the server accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Accepted {
    /// permessage-deflate is in use: data messages may come compressed.
    pub compression: bool,
    /// The server agreed to take unmasked frames.
    pub no_masking: bool,
}

impl Request<'_> {
    /// The `Sec-WebSocket-Key` header value: the key in base64.
    pub fn key_text(&self) -> String {
        STANDARD.encode(self.key)
    }

    /// The `Sec-WebSocket-Accept` value the server must answer with.
    pub fn expected_accept(&self) -> String {
        accept_key(&self.key_text())
    }

    /// Writes the request to `out`. Fails (writing nothing) when a header
    /// cannot be sent.
    pub fn encode(&self, out: &mut BytesMut) -> Result<(), WsError> {
        for (name, value) in self.headers {
            check_header(name, value)?;
        }
        if let Some(origin) = self.origin {
            check_header("Origin", origin)?;
        }
        check_header("Host", self.host)?;
        if self.path.bytes().any(|b| b <= b' ' || b == 0x7f) || !self.path.starts_with('/') {
            return Err(WsError::BadRequestHeader(self.path.to_string()));
        }
        let mut line = |parts: &[&str]| {
            for p in parts {
                out.extend_from_slice(p.as_bytes());
            }
            out.extend_from_slice(b"\r\n");
        };
        line(&["GET ", self.path, " HTTP/1.1"]);
        line(&["Host: ", self.host]);
        line(&["Upgrade: websocket"]);
        line(&["Connection: Upgrade"]);
        line(&["Sec-WebSocket-Key: ", &self.key_text()]);
        line(&["Sec-WebSocket-Version: 13"]);
        if self.compression {
            line(&["Sec-WebSocket-Extensions: ", DEFLATE_OFFER]);
        }
        if self.no_masking {
            line(&[NO_MASKING, ": true"]);
        }
        if let Some(origin) = self.origin {
            line(&["Origin: ", origin]);
        }
        for (name, value) in self.headers {
            line(&[name, ": ", value]);
        }
        line(&[]);
        Ok(())
    }

    /// Reads the server's answer from the front of `buf`. `Ok(None)`: not
    /// complete yet (nothing consumed). On success the response is consumed
    /// and what follows it (frames) stays in `buf`.
    pub fn check_response(&self, buf: &mut BytesMut) -> Result<Option<Accepted>, WsError> {
        let Some(end) = find_end(buf) else {
            if buf.len() > MAX_RESPONSE {
                return Err(WsError::BadUpgrade("response headers too long"));
            }
            return Ok(None);
        };
        let accepted = self.check_head(&buf[..end])?;
        buf.advance(end);
        Ok(Some(accepted))
    }

    fn check_head(&self, head: &[u8]) -> Result<Accepted, WsError> {
        let text =
            core::str::from_utf8(head).map_err(|_| WsError::BadUpgrade("response is not UTF-8"))?;
        let mut lines = text
            .split("\r\n")
            .map(|l| l.strip_suffix('\r').unwrap_or(l));
        let status_line = lines.next().unwrap_or("");
        let mut parts = status_line.splitn(3, ' ');
        let version = parts.next().unwrap_or("");
        if !version.starts_with("HTTP/1.") {
            return Err(WsError::BadUpgrade("not an HTTP/1.x response"));
        }
        let status: u16 = parts
            .next()
            .and_then(|s| s.parse().ok())
            .ok_or(WsError::BadUpgrade("no status code"))?;
        let reason = parts.next().unwrap_or("").trim();
        if status != 101 {
            return Err(WsError::UpgradeRefused {
                status,
                reason: reason.to_string(),
            });
        }
        let (mut upgrade, mut connection, mut accept) = (false, false, None);
        let mut accepted = Accepted {
            compression: false,
            no_masking: false,
        };
        for line in lines.filter(|l| !l.is_empty()) {
            let (name, value) = line
                .split_once(':')
                .ok_or(WsError::BadUpgrade("header line without ':'"))?;
            let (name, value) = (name.trim(), value.trim());
            if name.eq_ignore_ascii_case("Upgrade") {
                upgrade |= has_token(value, "websocket");
            } else if name.eq_ignore_ascii_case("Connection") {
                connection |= has_token(value, "upgrade");
            } else if name.eq_ignore_ascii_case("Sec-WebSocket-Accept") {
                accept = Some(value);
            } else if name.eq_ignore_ascii_case("Sec-WebSocket-Extensions") {
                for ext in value.split(',') {
                    let ext_name = ext.split(';').next().unwrap_or("").trim();
                    if ext_name.eq_ignore_ascii_case("permessage-deflate") {
                        if !self.compression {
                            return Err(WsError::BadUpgrade(
                                "permessage-deflate accepted but not offered",
                            ));
                        }
                        accepted.compression = true;
                    } else if !ext_name.is_empty() {
                        return Err(WsError::BadUpgrade("extension not offered"));
                    }
                }
            } else if name.eq_ignore_ascii_case(NO_MASKING) {
                accepted.no_masking = self.no_masking && value.eq_ignore_ascii_case("true");
            }
        }
        if !upgrade {
            return Err(WsError::BadUpgrade("no 'Upgrade: websocket' header"));
        }
        if !connection {
            return Err(WsError::BadUpgrade("no 'Connection: Upgrade' header"));
        }
        match accept {
            None => Err(WsError::BadUpgrade("no Sec-WebSocket-Accept header")),
            Some(a) if a == self.expected_accept() => Ok(accepted),
            Some(_) => Err(WsError::AcceptMismatch),
        }
    }
}

/// `Sec-WebSocket-Accept` for a `Sec-WebSocket-Key` value: base64 of the
/// SHA-1 of the key and RFC 6455's GUID.
pub fn accept_key(key: &str) -> String {
    let mut sha = Sha1::new();
    sha.update(key.as_bytes());
    sha.update(GUID);
    STANDARD.encode(sha.finalize())
}

/// The length of the response head up to and including the empty line.
fn find_end(buf: &[u8]) -> Option<usize> {
    memchr::memmem::find(buf, b"\r\n\r\n").map(|i| i + 4)
}

fn has_token(value: &str, token: &str) -> bool {
    value
        .split(',')
        .any(|t| t.trim().eq_ignore_ascii_case(token))
}

fn check_header(name: &str, value: &str) -> Result<(), WsError> {
    let bad_name = name.is_empty()
        || name
            .bytes()
            .any(|b| b <= b' ' || b == b':' || b == 0x7f || !b.is_ascii());
    let bad_value = value.bytes().any(|b| b == b'\r' || b == b'\n' || b == 0);
    if bad_name || bad_value {
        return Err(WsError::BadRequestHeader(name.to_string()));
    }
    Ok(())
}
