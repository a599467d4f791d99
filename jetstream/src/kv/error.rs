//! [`KvError`]: what can go wrong with a bucket or a key.

use crate::error::{Error, ErrorCode};

/// Everything that can go wrong in a Key-Value call.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KvError {
    /// The bucket name is not `A-Z a-z 0-9 - _` (checked before sending).
    #[error("invalid bucket name {0:?}")]
    InvalidBucketName(String),
    /// The key (or watch filter) is not valid (checked before sending).
    #[error("invalid key {0:?}")]
    InvalidKey(String),
    /// The bucket does not exist.
    #[error("bucket {0} not found")]
    BucketNotFound(String),
    /// A bucket of that name exists with another configuration.
    #[error("bucket {0} exists with another configuration")]
    BucketExists(String),
    /// The stream behind the name is not a Key-Value bucket.
    #[error("stream {0} is not a key-value bucket")]
    NotABucket(String),
    /// History must be between 1 and 64.
    #[error("history {0} is out of range (1 to 64)")]
    InvalidHistory(u8),
    /// Limit markers need a server with JetStream API level 1 (2.11+).
    #[error("limit markers need JetStream API level 1 (nats-server 2.11+), the server has {0}")]
    LimitMarkersNotSupported(u32),
    /// The key has no value (never written, deleted or purged).
    #[error("key {0} not found")]
    KeyNotFound(String),
    /// `create` found a value for the key.
    #[error("key {0} exists")]
    KeyExists(String),
    /// The key's latest revision is not the one expected.
    #[error("key {key}: revision {expected} is not the latest")]
    WrongRevision {
        /// The key.
        key: String,
        /// The revision the call expected.
        expected: u64,
    },
    /// The JetStream call failed.
    #[error(transparent)]
    JetStream(#[from] Error),
}

impl KvError {
    /// Whether the JetStream call underneath got no answer within the
    /// timeout.
    pub fn is_timeout(&self) -> bool {
        self.jetstream().is_some_and(Error::is_timeout)
    }

    /// Whether nobody answered the JetStream call underneath (JetStream not
    /// enabled or not available here).
    pub fn is_no_responders(&self) -> bool {
        self.jetstream().is_some_and(Error::is_no_responders)
    }

    /// Whether the connection is gone: lost while waiting, or the client
    /// closed.
    pub fn is_disconnected(&self) -> bool {
        self.jetstream().is_some_and(Error::is_disconnected)
    }
    /// Whether this says the key has no value.
    pub fn is_key_not_found(&self) -> bool {
        matches!(self, KvError::KeyNotFound(_))
    }

    /// The JetStream error underneath, if any.
    pub fn jetstream(&self) -> Option<&Error> {
        match self {
            KvError::JetStream(e) => Some(e),
            _ => None,
        }
    }
}

/// Whether `e` is a failed last-sequence expectation (10071 or 10164).
pub(crate) fn is_wrong_last_sequence(e: &Error) -> bool {
    e.code().is_some_and(ErrorCode::is_wrong_last_sequence)
}

impl From<natrs_client::Error> for KvError {
    fn from(e: natrs_client::Error) -> KvError {
        KvError::JetStream(Error::Client(e))
    }
}
