//! Errors of the client API.

use natrs_core::client::ConfigError;
use natrs_core::error::CloseReason;
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
    #[error("{0}")]
    Failed(CloseReason),
    /// The runtime could not start the connection's driver (for example, no
    /// thread could be spawned for it).
    #[error("cannot start the connection driver: {0}")]
    Runtime(String),
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
