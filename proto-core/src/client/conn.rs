//! Per-connection state, rebuilt for every connection attempt.

use crate::client::event::{FlushId, Sid};
use crate::error::ConnectStep;
use crate::proto::{self, Parser, ParserLimits, ServerInfo, WriteBuffer};
use crate::server_addr::ServerAddr;
use crate::time::Instant;
use alloc::collections::VecDeque;
use alloc::vec::Vec;

/// Where a connection is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    /// Waiting for the TCP connection.
    Tcp,
    /// Waiting for a TLS handshake that precedes INFO (handshake-first).
    TlsFirst,
    /// Waiting for the server's first INFO.
    Info,
    /// Waiting for the TLS upgrade decided after INFO.
    Tls,
    /// `wss://`: waiting for the TLS handshake under the WebSocket.
    WsTls,
    /// Waiting for the answer to the WebSocket upgrade request.
    WsUpgrade,
    /// CONNECT and PING sent; waiting for PONG.
    Pong,
    /// Established.
    Ready,
}

impl Phase {
    /// The step of the handshake this phase is, for a connect timeout.
    pub(crate) fn step(self) -> ConnectStep {
        match self {
            Phase::Tcp => ConnectStep::Tcp,
            Phase::TlsFirst => ConnectStep::TlsFirst,
            Phase::Info => ConnectStep::Info,
            Phase::Tls | Phase::WsTls => ConnectStep::Tls,
            Phase::WsUpgrade => ConnectStep::WebSocket,
            // A ready connection has no handshake deadline left.
            Phase::Pong | Phase::Ready => ConnectStep::Pong,
        }
    }
}

/// Why a PING was sent; PONGs answer them in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PingPurpose {
    /// The PING that ends the handshake.
    Handshake,
    /// A keep-alive.
    KeepAlive,
    /// A user flush, sent at the given instant.
    Flush(FlushId, Instant),
    /// Proves that no more messages come for a drained subscription.
    DrainSubscription(Sid),
    /// Proves that no more messages come for any subscription (connection drain).
    DrainSubscriptions,
    /// Proves that every publish before it was processed (end of connection drain).
    DrainPublishes,
    /// Only confirms what was sent before it (a replayed SUB, or a batch of
    /// SUBs the server refused some of).
    Confirm,
}

/// A SUB written on this connection that no PONG has confirmed yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SentSub {
    /// PINGs written on this connection before it: the PONG that confirms it
    /// is the `seq`th (counting from 0).
    pub(crate) seq: u64,
    pub(crate) sid: Sid,
    /// Sent in the replay after the handshake (not asked for on this connection).
    pub(crate) replayed: bool,
}

/// One connection (or attempt).
#[derive(Debug)]
pub(crate) struct Conn {
    pub(crate) server: ServerAddr,
    pub(crate) phase: Phase,
    pub(crate) parser: Parser,
    /// Bytes for this connection, handed out by `poll_transmit`.
    pub(crate) out: WriteBuffer,
    pub(crate) info: Option<ServerInfo>,
    pub(crate) pings: VecDeque<PingPurpose>,
    /// Keep-alive PINGs sent since the last PONG.
    pub(crate) pings_out: u32,
    pub(crate) next_ping: Option<Instant>,
    /// End of the connect timeout, until the handshake is over.
    pub(crate) handshake_deadline: Option<Instant>,
    /// TLS is established on this connection.
    pub(crate) tls: bool,
    /// This is the first connection the client ever made (no "discovered" event).
    pub(crate) initial: bool,
    /// `LameDuck` was reported for this connection.
    pub(crate) lame_duck_reported: bool,
    /// PONGs received.
    pub(crate) pongs: u64,
    /// SUBs not confirmed yet, oldest first.
    pub(crate) sent_subs: VecDeque<SentSub>,
    /// "Maximum subscriptions exceeded" errors since the last PONG: all for
    /// SUBs the next PONG confirms (the server answers in order).
    pub(crate) subs_refused: u32,
    /// The WebSocket under the protocol, for a `ws://` or `wss://` server.
    pub(crate) ws: Option<alloc::boxed::Box<super::websocket::WsSession>>,
}

impl Conn {
    pub(crate) fn new(
        server: ServerAddr,
        limits: ParserLimits,
        deadline: Instant,
        initial: bool,
    ) -> Conn {
        Conn {
            server,
            phase: Phase::Tcp,
            parser: Parser::new(limits),
            out: WriteBuffer::default(),
            info: None,
            pings: VecDeque::new(),
            pings_out: 0,
            next_ping: None,
            handshake_deadline: Some(deadline),
            tls: false,
            initial,
            lame_duck_reported: false,
            pongs: 0,
            sent_subs: VecDeque::new(),
            subs_refused: 0,
            ws: None,
        }
    }

    pub(crate) fn is_ready(&self) -> bool {
        self.phase == Phase::Ready
    }

    /// Writes `SUB` for `sid` and remembers it until a PONG confirms it.
    pub(crate) fn send_sub(
        &mut self,
        sid: Sid,
        subject: &str,
        queue: Option<&str>,
        replayed: bool,
    ) {
        proto::encode_sub(&mut self.out, subject, queue, sid.0);
        let seq = self.pongs + self.pings.len() as u64;
        self.sent_subs.push_back(SentSub { seq, sid, replayed });
    }

    /// Writes a PING that only confirms what was written before it.
    pub(crate) fn send_confirm_ping(&mut self) {
        proto::encode_ping(&mut self.out);
        self.pings.push_back(PingPurpose::Confirm);
    }

    /// A PONG arrived: takes the SUBs it confirms off the list and returns
    /// those of its batch (written after the previous PING), oldest first.
    pub(crate) fn pong_confirms(&mut self) -> Vec<Sid> {
        self.pongs += 1;
        let batch = self.pongs - 1;
        let mut confirmed = Vec::new();
        while let Some(s) = self.sent_subs.front().filter(|s| s.seq < self.pongs) {
            if s.seq == batch {
                confirmed.push(s.sid);
            }
            self.sent_subs.pop_front();
        }
        confirmed
    }
}
