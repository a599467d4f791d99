//! The WebSocket under the protocol for `ws://` and `wss://` servers: the
//! upgrade after TCP (and TLS), unframing what is read before the parser
//! sees it, framing (and masking) what `poll_transmit` hands out, answering
//! pings.

use super::Client;
use super::conn::Phase;
use crate::error::DisconnectReason;
use crate::proto::WriteBuffer;
use crate::time::Instant;
use crate::ws::frame::{self, Opcode};
use crate::ws::{Control, Decoder, Request, WsError};
use alloc::boxed::Box;
use bytes::BytesMut;

/// Largest compressed message accepted beyond the parser's payload limit
/// (nats-server compresses whole write buffers, several messages at once).
const COMPRESSED_SLACK: usize = 8 * 1024 * 1024;

/// One connection's WebSocket.
#[derive(Debug)]
pub(crate) struct WsSession {
    /// The `Sec-WebSocket-Key` bytes sent.
    key: [u8; 16],
    /// Set once the server accepted the upgrade.
    decoder: Option<Decoder>,
    /// Frames are masked (unless the server agreed to `Nats-No-Masking`).
    mask: bool,
    /// Data unframed, not yet parsed.
    plain: BytesMut,
    /// Control frames (pongs) framed, not yet handed out.
    control_out: BytesMut,
    /// A close frame or protocol error, acted on once the data before it
    /// was parsed.
    failed: Option<WsError>,
}

impl WsSession {
    fn request<'a>(&self, config: &'a super::WebSocketConfig) -> Request<'a> {
        Request {
            host: "",
            path: "/",
            key: self.key,
            origin: config.origin.as_deref(),
            headers: &config.headers,
            compression: config.compression,
            no_masking: config.no_masking,
        }
    }

    fn upgraded(&self) -> bool {
        self.decoder.is_some()
    }

    fn mask_key(&self, rng: &mut fastrand::Rng) -> Option<[u8; 4]> {
        self.mask.then(|| rng.u32(..).to_ne_bytes())
    }

    /// Moves the control frames waiting and then all of `src`, as one binary
    /// frame, to the end of `dst`.
    fn frame_into(
        &mut self,
        src: &mut WriteBuffer,
        dst: &mut WriteBuffer,
        rng: &mut fastrand::Rng,
    ) {
        if !self.control_out.is_empty() {
            dst.inline.extend_from_slice(&self.control_out);
            self.control_out.clear();
        }
        if !src.is_empty() {
            let mask = self.mask_key(rng);
            frame::encode_binary_from(&mut dst.inline, src, mask);
        }
    }

    fn has_output(&self) -> bool {
        !self.control_out.is_empty()
    }
}

impl Client {
    /// The transport of a websocket server is up (TLS included for `wss`):
    /// sends the upgrade request.
    pub(super) fn start_ws_upgrade(&mut self, now: Instant) {
        let mut key = [0u8; 16];
        for chunk in key.chunks_exact_mut(8) {
            chunk.copy_from_slice(&self.rng.u64(..).to_ne_bytes());
        }
        let Some(conn) = self.conn.as_mut() else {
            return;
        };
        let config = &self.config.websocket;
        let host = conn.server.host_port();
        let request = Request {
            host: &host,
            path: conn.server.path(),
            key,
            origin: config.origin.as_deref(),
            headers: &config.headers,
            compression: config.compression,
            no_masking: config.no_masking,
        };
        let mut bytes = BytesMut::new();
        if let Err(e) = request.encode(&mut bytes) {
            self.fail_connection(now, DisconnectReason::WebSocket(e));
            return;
        }
        conn.out.extend_from_slice(&bytes);
        conn.phase = Phase::WsUpgrade;
        conn.ws = Some(Box::new(WsSession {
            key,
            decoder: None,
            mask: true,
            plain: BytesMut::new(),
            control_out: BytesMut::new(),
            failed: None,
        }));
    }

    /// `handle_input_some` for a websocket connection: unframes `buf` and
    /// parses up to `max_ops` operations of what it held.
    pub(super) fn ws_input_some(
        &mut self,
        now: Instant,
        buf: &mut BytesMut,
        max_ops: usize,
    ) -> bool {
        let epoch = self.conn_epoch;
        if !self.ws_unframe(now, buf) {
            return false;
        }
        let Some(ws) = self.conn.as_mut().and_then(|c| c.ws.as_mut()) else {
            return false;
        };
        let mut plain = core::mem::take(&mut ws.plain);
        let more = self.parse_some(now, &mut plain, max_ops);
        if self.conn_epoch != epoch {
            return false;
        }
        let Some(ws) = self.conn.as_mut().and_then(|c| c.ws.as_mut()) else {
            return false;
        };
        ws.plain = plain;
        if !more {
            if let Some(e) = ws.failed.take() {
                self.fail_connection(now, DisconnectReason::WebSocket(e));
                return false;
            }
        }
        more
    }

    /// Checks the upgrade answer, then decodes every frame of `buf` into the
    /// session's data buffer, answering pings. Returns whether there is data
    /// to parse (or a failure to act on after it).
    fn ws_unframe(&mut self, now: Instant, buf: &mut BytesMut) -> bool {
        let Some(conn) = self.conn.as_mut() else {
            buf.clear();
            return false;
        };
        let Some(ws) = conn.ws.as_mut() else {
            return false;
        };
        if ws.failed.is_some() {
            buf.clear();
            return true;
        }
        if !ws.upgraded() {
            match ws.request(&self.config.websocket).check_response(buf) {
                Ok(None) => return false,
                Ok(Some(accepted)) => {
                    let limit = self.limits.max_payload.saturating_add(COMPRESSED_SLACK);
                    ws.decoder = Some(Decoder::new(accepted.compression, limit));
                    ws.mask = !accepted.no_masking;
                    conn.phase = Phase::Info;
                }
                Err(e) => {
                    buf.clear();
                    self.fail_connection(now, DisconnectReason::WebSocket(e));
                    return false;
                }
            }
        }
        let Some(decoder) = ws.decoder.as_mut() else {
            return false;
        };
        loop {
            match decoder.decode(buf, &mut ws.plain) {
                Ok(None) => break,
                Ok(Some(Control::Ping(payload))) => {
                    let mask = ws.mask.then(|| self.rng.u32(..).to_ne_bytes());
                    frame::encode_frame(&mut ws.control_out, Opcode::Pong, &payload, mask);
                }
                Ok(Some(Control::Pong(_))) => {}
                Ok(Some(Control::Close { code, reason })) => {
                    ws.failed = Some(WsError::Closed { code, reason });
                    buf.clear();
                    break;
                }
                Err(e) => {
                    ws.failed = Some(e);
                    buf.clear();
                    break;
                }
            }
        }
        true
    }

    /// `poll_transmit` for an upgraded websocket connection: frames what is
    /// waiting into `dst`. `None` when the connection has no upgraded
    /// WebSocket (its bytes go out as they are).
    pub(super) fn ws_transmit(&mut self, dst: &mut WriteBuffer) -> Option<bool> {
        let conn = self.conn.as_mut()?;
        let ws = conn.ws.as_mut().filter(|ws| ws.upgraded())?;
        ws.frame_into(&mut conn.out, dst, &mut self.rng);
        Some(!dst.is_empty())
    }

    /// Whether the WebSocket has control frames to hand out.
    pub(super) fn ws_has_output(&self) -> bool {
        self.conn
            .as_ref()
            .and_then(|c| c.ws.as_ref())
            .is_some_and(|ws| ws.has_output())
    }

    /// Closing a ready websocket connection: what it still had to send,
    /// framed, and a normal close frame go to `pending`, written before the
    /// transport closes. Returns `false` (nothing done) for other connections.
    pub(super) fn ws_close_into_pending(&mut self, conn: &mut super::conn::Conn) -> bool {
        let Some(ws) = conn.ws.as_mut().filter(|ws| ws.upgraded()) else {
            return false;
        };
        ws.frame_into(&mut conn.out, &mut self.pending, &mut self.rng);
        let mask = ws.mask_key(&mut self.rng);
        frame::encode_frame(
            &mut self.pending.inline,
            Opcode::Close,
            &frame::close_payload(1000, ""),
            mask,
        );
        true
    }
}
