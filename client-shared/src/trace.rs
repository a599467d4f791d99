//! Every trace point of the client layer, in one place: with the `tracing`
//! feature each function emits one [`tracing`] event (target `natrs`),
//! without it each is empty and the crate has no tracing dependency.
//!
//! The core does no logging; what it reports (transport commands, events,
//! the handshake step) is what is traced here. Nothing here ever sees the
//! bytes written (the CONNECT line carries credentials): addresses are
//! shown through [`ServerAddr`]'s `Display`, which masks credentials.
//!
//! Levels: a connected, idle client logs nothing at INFO. Connections
//! established, lost and closed are INFO or WARN; attempts and handshake
//! steps DEBUG; bytes read and written TRACE.

#![cfg_attr(not(feature = "tracing"), allow(unused_variables))]

use natrs_core::ServerAddr;
use natrs_core::error::{CloseReason, ConnectStep, DisconnectReason, ServerError, TransportError};

/// The target of every event of the client layer.
#[cfg(feature = "tracing")]
const TARGET: &str = "natrs";

/// A connection attempt to `server` starts.
pub(crate) fn connect_attempt(server: &ServerAddr) {
    #[cfg(feature = "tracing")]
    tracing::debug!(target: TARGET, server = %server, "natrs.connect_attempt");
}

/// The TCP (or dialed) connection is up.
pub(crate) fn transport_connected() {
    #[cfg(feature = "tracing")]
    tracing::debug!(target: TARGET, "natrs.transport_connected");
}

/// A TLS handshake starts, verifying the server as `server_name`.
pub(crate) fn tls_upgrade(server_name: &str) {
    #[cfg(feature = "tracing")]
    tracing::debug!(target: TARGET, server_name, "natrs.tls_upgrade");
}

/// The TLS handshake finished.
pub(crate) fn tls_established() {
    #[cfg(feature = "tracing")]
    tracing::debug!(target: TARGET, "natrs.tls_established");
}

/// The transport failed or was closed by the peer.
pub(crate) fn transport_closed(error: &TransportError) {
    #[cfg(feature = "tracing")]
    tracing::debug!(target: TARGET, error = %error, "natrs.transport_closed");
}

/// The driver closes the transport.
pub(crate) fn transport_close() {
    #[cfg(feature = "tracing")]
    tracing::debug!(target: TARGET, "natrs.transport_close");
}

/// The handshake moved from `from` to `to` (`None`: done or given up).
pub(crate) fn handshake_step(from: Option<ConnectStep>, to: Option<ConnectStep>) {
    #[cfg(feature = "tracing")]
    {
        if from == to {
            return;
        }
        match to {
            Some(ConnectStep::Info | ConnectStep::InfoBeforeTls) => {
                tracing::debug!(target: TARGET, "natrs.awaiting_info")
            }
            Some(ConnectStep::Tls) if from == Some(ConnectStep::Info) => {
                tracing::debug!(target: TARGET, "natrs.info_received")
            }
            Some(ConnectStep::Pong) => {
                if from == Some(ConnectStep::Info) {
                    tracing::debug!(target: TARGET, "natrs.info_received");
                }
                tracing::debug!(target: TARGET, "natrs.connect_sent")
            }
            Some(ConnectStep::WebSocket) => {
                tracing::debug!(target: TARGET, "natrs.websocket_upgrade")
            }
            None if from == Some(ConnectStep::Pong) => {
                tracing::debug!(target: TARGET, "natrs.first_pong")
            }
            _ => {}
        }
    }
}

/// The first connection is established.
pub(crate) fn connected(server: &ServerAddr) {
    #[cfg(feature = "tracing")]
    tracing::info!(target: TARGET, server = %server, "natrs.connected");
}

/// A connection is established again.
pub(crate) fn reconnected(server: &ServerAddr) {
    #[cfg(feature = "tracing")]
    tracing::info!(target: TARGET, server = %server, "natrs.reconnected");
}

/// An established connection was lost.
pub(crate) fn disconnected(reason: &DisconnectReason) {
    #[cfg(feature = "tracing")]
    tracing::warn!(target: TARGET, reason = %reason, "natrs.disconnected");
}

/// The cluster announced servers that were not in the pool.
pub(crate) fn servers_discovered(servers: &[String]) {
    #[cfg(feature = "tracing")]
    tracing::info!(target: TARGET, servers = ?servers, "natrs.servers_discovered");
}

/// The server entered lame duck mode.
pub(crate) fn lame_duck() {
    #[cfg(feature = "tracing")]
    tracing::warn!(target: TARGET, "natrs.lame_duck");
}

/// The server sent a non-fatal `-ERR`.
pub(crate) fn server_error(error: &ServerError) {
    #[cfg(feature = "tracing")]
    tracing::warn!(target: TARGET, error = %error, "natrs.server_error");
}

/// A message arrived with a header block that could not be parsed.
pub(crate) fn bad_headers(sid: u64) {
    #[cfg(feature = "tracing")]
    tracing::warn!(target: TARGET, sid, "natrs.bad_headers");
}

/// A subscription's queue was full: messages were dropped.
pub(crate) fn slow_consumer(sid: u64, subject: &str, dropped: u64) {
    #[cfg(feature = "tracing")]
    tracing::warn!(target: TARGET, sid, subject, dropped, "natrs.slow_consumer");
}

/// The driver stopped reading: the server leaves what is written unread.
pub(crate) fn reading_paused(unwritten: usize) {
    #[cfg(feature = "tracing")]
    tracing::warn!(target: TARGET, unwritten, "natrs.reading_paused");
}

/// The client closed for good.
pub(crate) fn closed(reason: &CloseReason) {
    #[cfg(feature = "tracing")]
    tracing::info!(target: TARGET, reason = %reason, "natrs.closed");
}

/// The application replaced the server pool.
pub(crate) fn server_pool_set(servers: usize) {
    #[cfg(feature = "tracing")]
    tracing::info!(target: TARGET, servers, "natrs.server_pool_set");
}

/// Bytes read from the transport.
pub(crate) fn read(bytes: usize) {
    #[cfg(feature = "tracing")]
    tracing::trace!(target: TARGET, bytes, "natrs.read");
}

/// Bytes written to the transport.
pub(crate) fn wrote(bytes: usize) {
    #[cfg(feature = "tracing")]
    tracing::trace!(target: TARGET, bytes, "natrs.wrote");
}
