//! [`ObjectError`]: what can go wrong with an object store or an object.

use crate::error::Error;

/// Everything that can go wrong in an Object Store call.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ObjectError {
    /// The bucket name is not `A-Z a-z 0-9 - _` (checked before sending).
    #[error("invalid object store name {0:?}")]
    InvalidBucketName(String),
    /// Object names must not be empty.
    #[error("object name is empty")]
    EmptyName,
    /// The chunk size must be positive.
    #[error("chunk size must be positive")]
    InvalidChunkSize,
    /// The object store does not exist.
    #[error("object store {0} not found")]
    BucketNotFound(String),
    /// An object store of that name exists with another configuration.
    #[error("object store {0} exists with another configuration")]
    BucketExists(String),
    /// The object does not exist (or was deleted).
    #[error("object {0:?} not found")]
    NotFound(String),
    /// An object of that name exists (renaming or linking onto it).
    #[error("object {0:?} exists")]
    AlreadyExists(String),
    /// Links may not point at deleted objects.
    #[error("cannot link to deleted object {0:?}")]
    LinkToDeleted(String),
    /// Links may not point at links.
    #[error("cannot link to link {0:?}")]
    LinkToLink(String),
    /// The object is a link to a whole bucket: there are no bytes to get.
    #[error("{0:?} links to a bucket, not an object")]
    BucketLink(String),
    /// Links lead on for too many hops.
    #[error("too many links from {0:?}")]
    TooManyLinks(String),
    /// The object's meta message could not be read.
    #[error("invalid object meta: {0}")]
    InvalidMeta(String),
    /// The object's digest is not `SHA-256=<base64>`.
    #[error("invalid digest {0:?}")]
    InvalidDigest(String),
    /// The chunks read do not hash to the object's digest.
    #[error("digest mismatch: expected {expected}, read {actual}")]
    DigestMismatch {
        /// The digest in the object's info.
        expected: String,
        /// The digest of the bytes read.
        actual: String,
    },
    /// The chunks read do not add up to the object's size.
    #[error("size mismatch: expected {expected} bytes, read {actual}")]
    SizeMismatch {
        /// The size in the object's info.
        expected: u64,
        /// The bytes read.
        actual: u64,
    },
    /// The stream holds fewer chunks than the object needs.
    #[error("missing chunks: expected {expected}, found {found}")]
    MissingChunks {
        /// The chunk count in the object's info (0 if unknown).
        expected: u64,
        /// The chunks the stream holds.
        found: u64,
    },
    /// Reading the data to put failed.
    #[error("reading the object's data failed ({kind:?}): {message}")]
    Read {
        /// The kind of the I/O error.
        kind: std::io::ErrorKind,
        /// Its text.
        message: String,
    },
    /// The JetStream call failed.
    #[error(transparent)]
    JetStream(#[from] Error),
}

impl ObjectError {
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
    /// Whether this says the object does not exist.
    pub fn is_not_found(&self) -> bool {
        matches!(self, ObjectError::NotFound(_))
    }

    /// The JetStream error underneath, if any.
    pub fn jetstream(&self) -> Option<&Error> {
        match self {
            ObjectError::JetStream(e) => Some(e),
            _ => None,
        }
    }

    pub(crate) fn read(e: &std::io::Error) -> ObjectError {
        ObjectError::Read {
            kind: e.kind(),
            message: e.to_string(),
        }
    }
}

impl From<natrs_client::Error> for ObjectError {
    fn from(e: natrs_client::Error) -> ObjectError {
        ObjectError::JetStream(Error::Client(e))
    }
}

impl From<ObjectError> for std::io::Error {
    fn from(e: ObjectError) -> std::io::Error {
        let kind = match &e {
            ObjectError::DigestMismatch { .. }
            | ObjectError::SizeMismatch { .. }
            | ObjectError::MissingChunks { .. }
            | ObjectError::InvalidDigest(_) => std::io::ErrorKind::InvalidData,
            ObjectError::JetStream(Error::TimedOut(_)) => std::io::ErrorKind::TimedOut,
            ObjectError::Read { kind, .. } => *kind,
            _ => std::io::ErrorKind::Other,
        };
        std::io::Error::new(kind, e)
    }
}
