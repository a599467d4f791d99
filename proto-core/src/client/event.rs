//! What flows in and out of the state machine besides bytes: identifiers,
//! events for the application, and commands for the transport.

use crate::error::{CloseReason, DisconnectReason, ServerError, TransportError};
use crate::headers::HeaderError;
use crate::message::Message;
use crate::server_addr::ServerAddr;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use core::time::Duration;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub u64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }
    };
}

id_type!(
    /// A subscription id, as sent in `SUB` and received in `MSG`.
    Sid
);
id_type!(
    /// Identifies a request started with `request` or `request_many`.
    RequestId
);
id_type!(
    /// Identifies a flush.
    FlushId
);
id_type!(
    /// Identifies a timer set with `set_timer`.
    TimerId
);

/// What the transport must do next.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportCommand {
    /// Drop any current transport and open a TCP connection to this server
    /// (resolving its host, trying each address). Report the outcome with
    /// [`TransportEvent::Connected`] or [`TransportEvent::Closed`].
    Connect {
        /// The server to connect to.
        server: ServerAddr,
    },
    /// Run a TLS client handshake over the current connection, verifying the
    /// server as `server_name`. Report [`TransportEvent::TlsEstablished`] or
    /// [`TransportEvent::Closed`].
    UpgradeTls {
        /// The name to verify the server certificate against.
        server_name: String,
    },
    /// Write what [`poll_transmit`](crate::client::Client::poll_transmit) still
    /// holds if the transport is healthy, then close the transport.
    Close,
}

/// What happened to the transport.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportEvent {
    /// The TCP connection asked for by [`TransportCommand::Connect`] is up.
    Connected,
    /// The TLS handshake asked for by [`TransportCommand::UpgradeTls`] finished.
    TlsEstablished,
    /// The transport failed or the peer closed it.
    Closed(TransportError),
}

/// Why a subscription ended.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SubscriptionEnd {
    /// It was unsubscribed.
    Unsubscribed,
    /// It received the number of messages given to `unsubscribe` (auto-unsubscribe).
    MaxMessages,
    /// It was drained: every message sent before the drain was delivered.
    Drained,
    /// The server refused it.
    PermissionDenied(ServerError),
    /// The server refused it for the account's maximum number of
    /// subscriptions. The server does not say which SUB it refused; it
    /// refuses every one past the limit, so the client ends the most recent
    /// ones of the batch the errors came for (as many as there were errors).
    Refused(ServerError),
    /// Every connection it was sent on ended before the server confirmed it:
    /// the server closes the connection over it (for example a control line
    /// longer than the server's `max_control_line`). It was dropped so the
    /// client can connect without it; the reason is how the last such
    /// connection ended.
    EndedConnections(DisconnectReason),
    /// The client closed.
    Closed,
}

/// Why a request failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RequestError {
    /// The server reported that nobody subscribes to the subject (status 503).
    #[error("no responders")]
    NoResponders,
    /// No reply came before the deadline.
    #[error("request timed out")]
    TimedOut,
    /// The client closed before a reply came.
    #[error("connection closed")]
    Closed,
}

/// Why a flush failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FlushError {
    /// The connection was lost before the server answered.
    #[error("disconnected before the flush completed")]
    Disconnected,
    /// The client closed.
    #[error("connection closed")]
    Closed,
}

/// Something the application should learn about.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// The first connection is established.
    Connected {
        /// The server connected to.
        server: ServerAddr,
    },
    /// A connection is established again after a disconnect.
    Reconnected {
        /// The server connected to.
        server: ServerAddr,
    },
    /// The connection was lost; the client reconnects unless it closes.
    Disconnected {
        /// Why.
        reason: DisconnectReason,
    },
    /// The server announced servers not in the pool.
    ServersDiscovered {
        /// The new servers, as `host:port`.
        servers: Vec<String>,
    },
    /// The server entered lame duck mode and will shut down soon.
    LameDuck,
    /// The server reported a non-fatal error, such as a permissions violation.
    ServerError(ServerError),
    /// A message arrived with a header block that could not be parsed; it was
    /// delivered with `headers: None`.
    BadHeaders {
        /// The subscription it was delivered to.
        sid: Sid,
        /// What was wrong.
        error: HeaderError,
    },
    /// A message for a subscription.
    Message {
        /// The subscription.
        sid: Sid,
        /// The message.
        message: Message,
    },
    /// A subscription ended; no more messages come for it.
    SubscriptionEnded {
        /// The subscription.
        sid: Sid,
        /// Why.
        reason: SubscriptionEnd,
    },
    /// A reply to a request. For a single request it is the last event for `id`.
    Reply {
        /// The request.
        id: RequestId,
        /// The reply.
        message: Message,
    },
    /// A `request_many` ended normally (max messages, stall, sentinel or timeout).
    RequestDone {
        /// The request.
        id: RequestId,
    },
    /// A request failed; the last event for `id`.
    RequestFailed {
        /// The request.
        id: RequestId,
        /// Why.
        error: RequestError,
    },
    /// The server processed everything written before the flush.
    FlushDone {
        /// The flush.
        id: FlushId,
        /// Round trip time of its PING.
        rtt: Duration,
    },
    /// A flush failed.
    FlushFailed {
        /// The flush.
        id: FlushId,
        /// Why.
        error: FlushError,
    },
    /// A timer set with `set_timer` expired.
    Timer {
        /// The timer.
        id: TimerId,
    },
    /// The client closed for good; the last event.
    Closed {
        /// Why.
        reason: CloseReason,
    },
}
