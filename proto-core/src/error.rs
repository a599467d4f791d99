//! Errors: local misuse (returned at once, the connection stays usable), server
//! `-ERR` texts classified by what they mean, and why a connection ended.

use crate::headers::HeaderError;
use crate::proto::ProtocolError;
use crate::subject::SubjectError;
use alloc::string::String;
use alloc::sync::Arc;

/// A command was refused locally. Nothing was sent or queued, and the connection
/// is still usable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The subject is empty, has whitespace or control characters, an empty token,
    /// or a wildcard where none is allowed.
    #[error("invalid subject {subject:?}: {reason}")]
    InvalidSubject {
        /// The subject given.
        subject: String,
        /// What is wrong with it.
        reason: SubjectError,
    },
    /// The queue group name is empty or has whitespace.
    #[error("invalid queue group {queue:?}: {reason}")]
    InvalidQueueGroup {
        /// The name given.
        queue: String,
        /// What is wrong with it.
        reason: SubjectError,
    },
    /// A header name or value cannot be sent.
    #[error("invalid header: {0}")]
    InvalidHeader(#[from] HeaderError),
    /// Headers and payload together exceed the server's `max_payload`.
    #[error("message of {size} bytes exceeds the server's max payload of {max} bytes")]
    MaxPayloadExceeded {
        /// Headers plus payload.
        size: usize,
        /// The server's limit.
        max: usize,
    },
    /// The server does not support headers.
    #[error("the server does not support headers")]
    HeadersNotSupported,
    /// The connection is down and the reconnect buffer has no room for this publish.
    #[error("reconnect buffer full: {pending} bytes pending, limit {limit} bytes")]
    ReconnectBufferFull {
        /// Bytes already buffered.
        pending: usize,
        /// The configured limit.
        limit: usize,
    },
    /// A control line would exceed the server's maximum control line length.
    #[error("control line of {len} bytes exceeds the limit of {max} bytes")]
    ControlLineTooLong {
        /// Its length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The connection is closed.
    #[error("connection closed")]
    ConnectionClosed,
    /// The connection is draining and takes no new work.
    #[error("connection is draining")]
    ConnectionDraining,
    /// No subscription has that id.
    #[error("no subscription with sid {0}")]
    UnknownSubscription(u64),
    /// `no_echo` was asked for but the server does not support it.
    #[error("the server does not support no_echo")]
    NoEchoNotSupported,
}

impl Error {
    /// Whether the client is closed.
    pub fn is_closed(&self) -> bool {
        matches!(self, Error::ConnectionClosed)
    }
}

/// Which operation a permissions violation refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PermissionOp {
    /// Publishing.
    Publish,
    /// Subscribing.
    Subscribe,
}

/// A `-ERR` from the server, classified (see the crate docs for which ones end
/// the connection).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ServerError {
    /// Publish or subscribe permission refused. Not fatal.
    #[error("permissions violation for {op:?} to {subject:?}")]
    PermissionViolation {
        /// Publish or subscribe.
        op: PermissionOp,
        /// The subject refused.
        subject: String,
        /// The queue group, for a subscription.
        queue: Option<String>,
    },
    /// Authentication failed or was not given.
    #[error("authorization violation")]
    AuthorizationViolation,
    /// The user's or account's credentials expired.
    #[error("authentication expired: {0}")]
    AuthenticationExpired(String),
    /// The user's credentials were revoked.
    #[error("authentication revoked")]
    AuthenticationRevoked,
    /// Authentication did not finish in time.
    #[error("authentication timeout")]
    AuthenticationTimeout,
    /// The server (or account) has too many connections.
    #[error("maximum connections exceeded")]
    MaxConnectionsExceeded,
    /// The account has too many subscriptions. Not fatal.
    #[error("maximum subscriptions exceeded")]
    MaxSubscriptionsExceeded,
    /// The server considered this connection stale.
    #[error("stale connection")]
    StaleConnection,
    /// A message exceeded the server's max payload.
    #[error("maximum payload violation")]
    MaxPayloadViolation,
    /// The server requires TLS.
    #[error("secure connection required")]
    TlsRequired,
    /// Any other text.
    #[error("server error: {0}")]
    Other(String),
}

impl ServerError {
    /// Classifies the text of a `-ERR` (quotes already stripped).
    pub fn parse(text: &str) -> ServerError {
        let lower = text.trim().to_ascii_lowercase();
        let starts = |p: &str| lower.starts_with(p);
        if starts("permissions violation for publish") {
            ServerError::PermissionViolation {
                op: PermissionOp::Publish,
                subject: quoted(text, 0).unwrap_or_default(),
                queue: None,
            }
        } else if starts("permissions violation for subscription") {
            ServerError::PermissionViolation {
                op: PermissionOp::Subscribe,
                subject: quoted(text, 0).unwrap_or_default(),
                queue: if lower.contains("using queue") {
                    quoted(text, 1)
                } else {
                    None
                },
            }
        } else if starts("authorization violation") {
            ServerError::AuthorizationViolation
        } else if starts("user authentication expired") || starts("account authentication expired")
        {
            ServerError::AuthenticationExpired(String::from(text.trim()))
        } else if starts("user authentication revoked") {
            ServerError::AuthenticationRevoked
        } else if starts("authentication timeout") {
            ServerError::AuthenticationTimeout
        } else if starts("maximum connections exceeded")
            || starts("maximum account active connections exceeded")
            || lower.contains("connection throttling")
        {
            ServerError::MaxConnectionsExceeded
        } else if starts("maximum subscriptions exceeded") {
            ServerError::MaxSubscriptionsExceeded
        } else if starts("stale connection") {
            ServerError::StaleConnection
        } else if starts("maximum payload violation") {
            ServerError::MaxPayloadViolation
        } else if starts("secure connection - tls required") {
            ServerError::TlsRequired
        } else {
            ServerError::Other(String::from(text.trim()))
        }
    }

    /// Whether the server closes the connection after sending this error.
    pub fn is_fatal(&self) -> bool {
        match self {
            ServerError::PermissionViolation { .. } | ServerError::MaxSubscriptionsExceeded => {
                false
            }
            ServerError::Other(text) => {
                let lower = text.to_ascii_lowercase();
                !(lower.starts_with("invalid subject")
                    || lower.starts_with("invalid publish subject"))
            }
            _ => true,
        }
    }

    /// Whether this is an authentication or authorization failure (for the rule
    /// that the same auth error twice in a row from one server closes the client).
    pub fn is_auth(&self) -> bool {
        matches!(
            self,
            ServerError::AuthorizationViolation
                | ServerError::AuthenticationExpired(_)
                | ServerError::AuthenticationRevoked
                | ServerError::AuthenticationTimeout
        )
    }
}

/// The `n`th double-quoted string in `text`.
fn quoted(text: &str, n: usize) -> Option<String> {
    text.split('"').nth(2 * n + 1).map(String::from)
}

/// Why a connection to a server ended (the client may reconnect).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DisconnectReason {
    /// The transport failed or the server closed it.
    #[error(transparent)]
    Transport(TransportError),
    /// The server broke the protocol.
    #[error("protocol error: {0}")]
    Protocol(#[from] ProtocolError),
    /// The server sent a fatal `-ERR`.
    #[error("{0}")]
    Server(ServerError),
    /// Too many PINGs went unanswered.
    #[error("stale connection: {0} pings unanswered")]
    Stale(u32),
    /// Connecting and the handshake took longer than the connect timeout;
    /// the step says where the attempt was then.
    #[error("connect timed out {0}")]
    ConnectTimeout(ConnectStep),
    /// The handshake failed for a reason on the client's side.
    #[error("handshake failed: {0}")]
    Handshake(HandshakeError),
    /// The user asked to reconnect or to move off a lame-duck server.
    #[error("reconnect requested")]
    Requested,
    /// The WebSocket failed: the upgrade was refused or invalid, the server
    /// broke the WebSocket protocol, or it sent a close frame.
    #[error("{0}")]
    WebSocket(crate::ws::WsError),
}

/// Where a connection attempt was when its connect timeout ran out: each
/// step has its own likely causes, which the text names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConnectStep {
    /// Opening the TCP connection.
    #[error("opening the TCP connection")]
    Tcp,
    /// The TLS handshake that comes before INFO (`tls_first`).
    #[error(
        "in the TLS handshake before INFO (tls_first): is the server's tls block set to handshake_first?"
    )]
    TlsFirst,
    /// Waiting for the server's first INFO.
    #[error("waiting for the server's INFO")]
    Info,
    /// Waiting for the server's first INFO on a connection the URL or the
    /// options want to use TLS (but not TLS first): the likely cause is a
    /// server that expects the TLS handshake first, which the text names.
    #[error(
        "waiting for the server's INFO: a server whose tls block sets handshake_first \
         sends nothing until the client starts TLS (connect with tls_first)"
    )]
    InfoBeforeTls,
    /// The TLS handshake that INFO called for.
    #[error("in the TLS handshake")]
    Tls,
    /// Waiting for the server to answer CONNECT (the PONG to its PING).
    #[error("waiting for the server to answer CONNECT")]
    Pong,
    /// Waiting for the answer to the WebSocket upgrade request.
    #[error(
        "waiting for the websocket upgrade: is the port the server's websocket listener, and the path right?"
    )]
    WebSocket,
}

/// What went wrong with the transport, as the adapter reports it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// The TCP connection could not be made (refused, unreachable, name not
    /// resolved); the text names the server, then the cause.
    #[error("could not connect to {0}")]
    Connect(#[source] TransportCause),
    /// The TLS handshake failed (unknown CA, wrong name, no client certificate, ...).
    #[error("TLS handshake failed: {0}")]
    Tls(#[source] TransportCause),
    /// The server closed the connection.
    #[error("connection closed by the server")]
    Eof,
    /// Reading or writing failed.
    #[error("io error: {0}")]
    Io(#[source] TransportCause),
}

/// The cause of a [`TransportError`]: a text for people and, when the adapter
/// had one, the error itself (an `std::io::Error`, a `rustls::Error`) as its
/// [`source`](core::error::Error::source), for callers that inspect it
/// (`downcast_ref::<std::io::Error>()`). Two causes are equal when their texts
/// are; a clone shares the source.
#[derive(Clone)]
pub struct TransportCause {
    text: String,
    source: Option<Arc<dyn core::error::Error + Send + Sync + 'static>>,
}

impl TransportCause {
    /// A cause that is only a text.
    pub fn new(text: impl Into<String>) -> TransportCause {
        TransportCause {
            text: text.into(),
            source: None,
        }
    }

    /// A cause described by `text` that keeps `source`, the adapter's error.
    pub fn with_source(
        text: impl Into<String>,
        source: impl core::error::Error + Send + Sync + 'static,
    ) -> TransportCause {
        TransportCause {
            text: text.into(),
            source: Some(Arc::new(source)),
        }
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl core::ops::Deref for TransportCause {
    type Target = str;

    fn deref(&self) -> &str {
        &self.text
    }
}

impl From<String> for TransportCause {
    fn from(text: String) -> TransportCause {
        TransportCause::new(text)
    }
}

impl From<&str> for TransportCause {
    fn from(text: &str) -> TransportCause {
        TransportCause::new(text)
    }
}

impl PartialEq for TransportCause {
    fn eq(&self, other: &TransportCause) -> bool {
        self.text == other.text
    }
}

impl Eq for TransportCause {}

impl core::fmt::Debug for TransportCause {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        core::fmt::Debug::fmt(&self.text, f)
    }
}

impl core::fmt::Display for TransportCause {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&self.text)
    }
}

impl core::error::Error for TransportCause {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn core::error::Error + 'static))
    }
}

/// The handshake could not go on with this server.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HandshakeError {
    /// The first frame was not `INFO`.
    #[error("expected INFO as the first frame")]
    ExpectedInfo,
    /// The client requires TLS and the server offers none.
    #[error("secure connection required but the server offers no TLS")]
    TlsRequiredByClient,
    /// The server requires TLS and the adapter cannot provide it.
    #[error("the server requires TLS")]
    TlsRequiredByServer,
    /// nkey authentication configured but the server sent no nonce.
    #[error("nkeys not supported by the server")]
    NkeysNotSupported,
    /// `no_echo` was asked for but the server's protocol level lacks it.
    #[error("the server does not support no_echo")]
    NoEchoNotSupported,
    /// Signing the nonce or loading credentials failed.
    #[error("authentication material: {0}")]
    Auth(String),
}

/// Why the client closed for good.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CloseReason {
    /// The user closed it.
    #[error("closed by the user")]
    Closed,
    /// A drain finished.
    #[error("drained")]
    Drained,
    /// A drain did not finish within the drain timeout.
    #[error("drain timed out")]
    DrainTimeout,
    /// No server is left to connect to; the last disconnect reason, if any.
    #[error("no servers available{}", .0.as_ref().map(|r| alloc::format!(": {r}")).unwrap_or_default())]
    NoServers(#[source] Option<DisconnectReason>),
    /// The same authentication error came twice in a row from one server.
    #[error("authentication failed twice: {0}")]
    AuthFailed(ServerError),
}
