//! Errors of the client API.

use natrs_core::client::ConfigError;
use natrs_core::error::{
    CloseReason, DisconnectReason, HandshakeError, TransportCause, TransportError,
};
use std::fmt;
use std::io;
use std::time::Duration;

pub use natrs_core::Error;

/// The first connection could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConnectError {
    /// A server address could not be parsed or uses an unsupported scheme.
    #[error("invalid server address {address:?}: {reason}")]
    InvalidAddress {
        /// The address as given, with any password or token replaced by
        /// `xxxxx`.
        address: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The options are inconsistent.
    #[error("invalid options: {0}")]
    InvalidOptions(String),
    /// TLS material (roots, client certificate) could not be loaded.
    #[error("TLS configuration: {0}")]
    TlsConfig(String),
    /// The credentials could not be loaded (a `.creds` file that is missing,
    /// unreadable, invalid or too large); the text names the file.
    #[error("{0}")]
    Credentials(String),
    /// No server could be connected to; the reason of the last failure.
    #[error("{}", FailedText(.0))]
    Failed(#[source] CloseReason),
    /// The runtime could not start the connection's driver (for example, no
    /// thread could be spawned for it).
    #[error("cannot start the connection driver: {0}")]
    Runtime(String),
}

/// How [`ConnectError::Failed`] reads: `could not connect to
/// nats://127.0.0.1:4222: connection refused`, `could not connect: the
/// server refused the credentials (authorization violation)`.
struct FailedText<'a>(&'a CloseReason);

impl fmt::Display for FailedText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            // Already "could not connect to <server>: <cause>".
            CloseReason::NoServers(Some(DisconnectReason::Transport(
                e @ TransportError::Connect(_),
            ))) => write!(f, "{e}"),
            CloseReason::NoServers(Some(DisconnectReason::Server(e))) if e.is_auth() => {
                write!(
                    f,
                    "could not connect: the server refused the credentials ({e})"
                )
            }
            CloseReason::NoServers(Some(reason)) => write!(f, "could not connect: {reason}"),
            CloseReason::NoServers(None) => f.write_str("could not connect: no server to try"),
            CloseReason::AuthFailed(e) => {
                write!(
                    f,
                    "could not connect: the server refused the credentials ({e})"
                )
            }
            other => write!(f, "could not connect: {other}"),
        }
    }
}

/// A failed TCP connect to `server`, as the cause a driver reports:
/// `nats://127.0.0.1:4222: connection refused`, with the io error as its
/// source.
pub fn connect_cause(server: impl std::fmt::Display, e: io::Error) -> TransportCause {
    TransportCause::with_source(format!("{server}: {}", io_error_text(&e)), e)
}

/// The text of an io error for an error message: the kind's words for the
/// common network failures (`connection refused`), else the error's own
/// text.
pub fn io_error_text(e: &io::Error) -> String {
    use io::ErrorKind as K;
    match e.kind() {
        kind @ (K::ConnectionRefused
        | K::ConnectionReset
        | K::ConnectionAborted
        | K::NotConnected
        | K::AddrInUse
        | K::AddrNotAvailable
        | K::HostUnreachable
        | K::NetworkUnreachable
        | K::NetworkDown
        | K::TimedOut
        | K::BrokenPipe) => kind.to_string(),
        _ => e.to_string(),
    }
}

impl ConnectError {
    /// Whether the server refused the credentials (authorization violation,
    /// expired or revoked authentication), or they could not be loaded or
    /// used.
    pub fn is_auth(&self) -> bool {
        match self {
            ConnectError::Credentials(_) => true,
            ConnectError::Failed(CloseReason::AuthFailed(_)) => true,
            ConnectError::Failed(CloseReason::NoServers(Some(reason))) => match reason {
                DisconnectReason::Server(e) => e.is_auth(),
                DisconnectReason::Handshake(HandshakeError::Auth(_)) => true,
                _ => false,
            },
            _ => false,
        }
    }

    /// Whether the last attempt ran out of the connect timeout.
    pub fn is_timeout(&self) -> bool {
        matches!(
            self,
            ConnectError::Failed(CloseReason::NoServers(Some(
                DisconnectReason::ConnectTimeout(_)
            )))
        )
    }

    /// Whether no server could be reached at all (refused, unreachable, not
    /// resolved, timed out): the servers are down or the address is wrong.
    pub fn is_unreachable(&self) -> bool {
        self.is_timeout()
            || matches!(
                self,
                ConnectError::Failed(CloseReason::NoServers(Some(DisconnectReason::Transport(
                    TransportError::Connect(_)
                ))))
            )
    }
}

impl From<ConfigError> for ConnectError {
    fn from(e: ConfigError) -> Self {
        ConnectError::InvalidOptions(e.to_string())
    }
}

/// A request got no reply.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RequestError {
    /// Nobody subscribes to the subject (the server answered 503 at once).
    #[error("no responders")]
    NoResponders,
    /// No reply came within the timeout.
    #[error("request timed out after {0:?}")]
    TimedOut(Duration),
    /// The client closed.
    #[error("connection closed")]
    Closed,
    /// The request could not be sent.
    #[error(transparent)]
    Publish(#[from] Error),
}

impl RequestError {
    /// Whether no reply came within the timeout.
    pub fn is_timeout(&self) -> bool {
        matches!(self, RequestError::TimedOut(_))
    }

    /// Whether nobody subscribes to the subject.
    pub fn is_no_responders(&self) -> bool {
        matches!(self, RequestError::NoResponders)
    }

    /// Whether the client is closed (closed before the request, or while it
    /// waited).
    pub fn is_closed(&self) -> bool {
        matches!(
            self,
            RequestError::Closed | RequestError::Publish(Error::ConnectionClosed)
        )
    }

    /// Whether the connection is gone: the client closed. (A request whose
    /// connection is lost and comes back is sent again, so it times out or
    /// gets its reply rather than fail with a lost connection.)
    pub fn is_disconnected(&self) -> bool {
        self.is_closed()
    }
}

/// A flush did not complete.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FlushError {
    /// The connection was lost before the server answered.
    #[error("disconnected before the flush completed")]
    Disconnected,
    /// The client is closed.
    #[error("connection closed")]
    Closed,
    /// No answer within the timeout.
    #[error("flush timed out")]
    TimedOut,
}

impl FlushError {
    /// Whether no answer came within the timeout.
    pub fn is_timeout(&self) -> bool {
        matches!(self, FlushError::TimedOut)
    }

    /// Whether the client is closed.
    pub fn is_closed(&self) -> bool {
        matches!(self, FlushError::Closed)
    }

    /// Whether the connection is gone: lost before the server answered, or
    /// the client closed.
    pub fn is_disconnected(&self) -> bool {
        matches!(self, FlushError::Disconnected | FlushError::Closed)
    }
}

/// A drain did not finish cleanly.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DrainError {
    /// The client was already closed.
    #[error("connection closed")]
    Closed,
    /// The drain took longer than the drain timeout; the client closed anyway.
    #[error("drain timed out")]
    TimedOut,
    /// The client closed for another reason while draining.
    #[error("closed while draining: {0}")]
    Interrupted(CloseReason),
}

impl DrainError {
    /// Whether the drain took longer than the drain timeout.
    pub fn is_timeout(&self) -> bool {
        matches!(self, DrainError::TimedOut)
    }

    /// Whether the client was already closed.
    pub fn is_closed(&self) -> bool {
        matches!(self, DrainError::Closed)
    }
}

/// Encoding or decoding a JSON payload failed, or the request itself did.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum JsonError {
    /// The value could not be serialized, or the reply deserialized.
    #[error("json: {0}")]
    Json(#[from] serde_json::Error),
    /// Publishing failed.
    #[error(transparent)]
    Publish(#[from] Error),
    /// The request failed.
    #[error(transparent)]
    Request(#[from] RequestError),
}

impl JsonError {
    /// Whether the request got no reply within the timeout.
    pub fn is_timeout(&self) -> bool {
        matches!(self, JsonError::Request(e) if e.is_timeout())
    }

    /// Whether nobody subscribes to the subject.
    pub fn is_no_responders(&self) -> bool {
        matches!(self, JsonError::Request(e) if e.is_no_responders())
    }

    /// Whether the client is closed.
    pub fn is_closed(&self) -> bool {
        match self {
            JsonError::Request(e) => e.is_closed(),
            JsonError::Publish(e) => matches!(e, Error::ConnectionClosed),
            JsonError::Json(_) => false,
        }
    }

    /// Whether the connection is gone (the client closed).
    pub fn is_disconnected(&self) -> bool {
        self.is_closed()
    }
}
