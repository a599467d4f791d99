//! Per-connection state, rebuilt for every connection attempt.

use crate::client::event::{FlushId, Sid};
use crate::error::ConnectStep;
use crate::proto::{Parser, ParserLimits, ServerInfo, WriteBuffer};
use crate::server_addr::ServerAddr;
use crate::time::Instant;
use alloc::collections::VecDeque;

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
            ws: None,
        }
    }

    pub(crate) fn is_ready(&self) -> bool {
        self.phase == Phase::Ready
    }
}
