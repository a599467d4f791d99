//! Connection statistics, kept across reconnects.

/// Counters since the client was made.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Statistics {
    /// Messages received (replies included).
    pub in_msgs: u64,
    /// Messages published (requests included).
    pub out_msgs: u64,
    /// Payload and header bytes received.
    pub in_bytes: u64,
    /// Payload and header bytes published.
    pub out_bytes: u64,
    /// Connections established (handshake finished).
    pub connects: u64,
    /// Connections re-established after a disconnect.
    pub reconnects: u64,
}
