//! Errors: the server's API errors keyed on `err_code`, and everything else
//! that can go wrong in a JetStream call.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::time::Duration;

/// The JetStream error code (`err_code`) of an API error. The codes a client
/// has to react to have names; every other code is [`ErrorCode::Other`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorCode {
    /// 10008: the JetStream cluster is temporarily unavailable.
    ClusterNotAvailable,
    /// 10013: the consumer name is already in use.
    ConsumerNameInUse,
    /// 10014: consumer not found.
    ConsumerNotFound,
    /// 10037: no message found.
    NoMessageFound,
    /// 10039: JetStream is not enabled for this account.
    NotEnabledForAccount,
    /// 10054: the message is larger than the stream allows.
    MessageTooLarge,
    /// 10058: a stream with this name exists with a different configuration.
    StreamNameInUse,
    /// 10059: stream not found.
    StreamNotFound,
    /// 10060: `Nats-Expected-Stream` did not match.
    StreamNotMatch,
    /// 10065: the subjects overlap with those of another stream.
    SubjectOverlap,
    /// 10070: `Nats-Expected-Last-Msg-Id` did not match.
    WrongLastMsgId,
    /// 10071: `Nats-Expected-Last-Sequence` or
    /// `Nats-Expected-Last-Subject-Sequence` did not match.
    WrongLastSequence,
    /// 10076: JetStream is not enabled.
    NotEnabled,
    /// 10105: the consumer exists and is still active.
    ConsumerExistingActive,
    /// 10109: the operation is not allowed on a sealed stream.
    StreamSealed,
    /// 10148: the consumer already exists (create action).
    ConsumerAlreadyExists,
    /// 10149: the consumer does not exist (update action).
    ConsumerDoesNotExist,
    /// 10164: wrong last sequence (replicated streams report this form).
    WrongLastSequenceConstant,
    /// 10165: the per-message TTL is invalid.
    MessageTtlInvalid,
    /// 10166: per-message TTLs are disabled on the stream.
    MessageTtlDisabled,
    /// 10185: the server's API level is lower than the request needs.
    RequiredApiLevel,
    /// Any other code.
    Other(u32),
}

impl ErrorCode {
    /// The code for a numeric `err_code`.
    pub fn from_u32(code: u32) -> ErrorCode {
        match code {
            10008 => ErrorCode::ClusterNotAvailable,
            10013 => ErrorCode::ConsumerNameInUse,
            10014 => ErrorCode::ConsumerNotFound,
            10037 => ErrorCode::NoMessageFound,
            10039 => ErrorCode::NotEnabledForAccount,
            10054 => ErrorCode::MessageTooLarge,
            10058 => ErrorCode::StreamNameInUse,
            10059 => ErrorCode::StreamNotFound,
            10060 => ErrorCode::StreamNotMatch,
            10065 => ErrorCode::SubjectOverlap,
            10070 => ErrorCode::WrongLastMsgId,
            10071 => ErrorCode::WrongLastSequence,
            10076 => ErrorCode::NotEnabled,
            10105 => ErrorCode::ConsumerExistingActive,
            10109 => ErrorCode::StreamSealed,
            10148 => ErrorCode::ConsumerAlreadyExists,
            10149 => ErrorCode::ConsumerDoesNotExist,
            10164 => ErrorCode::WrongLastSequenceConstant,
            10165 => ErrorCode::MessageTtlInvalid,
            10166 => ErrorCode::MessageTtlDisabled,
            10185 => ErrorCode::RequiredApiLevel,
            other => ErrorCode::Other(other),
        }
    }

    /// The numeric `err_code`.
    pub fn as_u32(self) -> u32 {
        match self {
            ErrorCode::ClusterNotAvailable => 10008,
            ErrorCode::ConsumerNameInUse => 10013,
            ErrorCode::ConsumerNotFound => 10014,
            ErrorCode::NoMessageFound => 10037,
            ErrorCode::NotEnabledForAccount => 10039,
            ErrorCode::MessageTooLarge => 10054,
            ErrorCode::StreamNameInUse => 10058,
            ErrorCode::StreamNotFound => 10059,
            ErrorCode::StreamNotMatch => 10060,
            ErrorCode::SubjectOverlap => 10065,
            ErrorCode::WrongLastMsgId => 10070,
            ErrorCode::WrongLastSequence => 10071,
            ErrorCode::NotEnabled => 10076,
            ErrorCode::ConsumerExistingActive => 10105,
            ErrorCode::StreamSealed => 10109,
            ErrorCode::ConsumerAlreadyExists => 10148,
            ErrorCode::ConsumerDoesNotExist => 10149,
            ErrorCode::WrongLastSequenceConstant => 10164,
            ErrorCode::MessageTtlInvalid => 10165,
            ErrorCode::MessageTtlDisabled => 10166,
            ErrorCode::RequiredApiLevel => 10185,
            ErrorCode::Other(code) => code,
        }
    }

    /// Whether this says a consumer of that name exists already (10013, 10105, 10148).
    pub fn is_consumer_exists(self) -> bool {
        matches!(
            self,
            ErrorCode::ConsumerNameInUse
                | ErrorCode::ConsumerExistingActive
                | ErrorCode::ConsumerAlreadyExists
        )
    }

    /// Whether this is a failed last-sequence expectation (10071, 10164).
    pub fn is_wrong_last_sequence(self) -> bool {
        matches!(
            self,
            ErrorCode::WrongLastSequence | ErrorCode::WrongLastSequenceConstant
        )
    }

    /// Whether this says JetStream is off (10039, 10076).
    pub fn is_not_enabled(self) -> bool {
        matches!(
            self,
            ErrorCode::NotEnabled | ErrorCode::NotEnabledForAccount
        )
    }
}

impl Serialize for ErrorCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u32(self.as_u32())
    }
}

impl<'de> Deserialize<'de> for ErrorCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(ErrorCode::from_u32(u32::deserialize(d)?))
    }
}

impl Default for ErrorCode {
    fn default() -> Self {
        ErrorCode::Other(0)
    }
}

/// The `error` object of a JetStream API response:
/// `{"code": <status>, "err_code": <code>, "description": <text>}`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ApiError {
    /// The HTTP-like status (400, 404, 503, ...).
    #[serde(rename = "code")]
    pub status: u16,
    /// The JetStream error code; match on this.
    #[serde(rename = "err_code")]
    pub code: ErrorCode,
    /// The server's description (for people, not for matching).
    pub description: String,
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} (status {}, err_code {})",
            self.description,
            self.status,
            self.code.as_u32()
        )
    }
}

impl std::error::Error for ApiError {}

/// Everything that can go wrong in a JetStream call.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The server answered with an API error; see [`ApiError::code`].
    #[error("jetstream error: {0}")]
    Api(ApiError),
    /// Nobody answers on the JetStream API subject (503): JetStream is not
    /// enabled, or not available in this domain or account.
    #[error("jetstream not enabled (no responders on the API)")]
    NotEnabled,
    /// A publish found no stream listening on its subject, also after the
    /// retries of ADR-22.
    #[error("no stream answered the publish (no responders)")]
    NoStreamResponse,
    /// No answer within the timeout.
    #[error("timed out after {0:?}")]
    TimedOut(Duration),
    /// The connection was lost while waiting; the outcome is unknown (retry a
    /// publish with the same `Nats-Msg-Id` to have the server drop duplicates).
    #[error("disconnected while waiting for the answer")]
    Disconnected,
    /// The client is closed.
    #[error("connection closed")]
    Closed,
    /// The client refused the operation locally (invalid subject, payload too
    /// large, client closed, ...).
    #[error(transparent)]
    Client(#[from] natrs_client::Error),
    /// A response could not be read.
    #[error("invalid response: {0}")]
    InvalidResponse(String),
    /// An argument or configuration is invalid (checked before sending).
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// A stream or consumer configuration breaks one of the server's rules
    /// (checked before sending, see [`crate::validate`]).
    #[error("{0}")]
    InvalidConfig(crate::validate::ConfigError),
    /// The wanted configuration changes fields the server will not change
    /// on an existing stream or consumer (checked before sending, see
    /// [`crate::compare`]); [`ConfigDiff::immutable_fields`](crate::compare::ConfigDiff::immutable_fields)
    /// names them.
    #[error("the server can not change {} of an existing {}", .0.immutable_fields().join(", "), .0.kind)]
    ImmutableChange(crate::compare::ConfigDiff),
    /// A message (stream get, direct get) was not found (404 or err_code 10037).
    #[error("message not found")]
    MessageNotFound,
    /// A reply carried a status this operation does not expect.
    #[error("unexpected status {code}: {description}")]
    Status {
        /// The status code.
        code: u16,
        /// Its description.
        description: String,
    },
    /// The consumer was deleted while consuming (409).
    #[error("consumer deleted")]
    ConsumerDeleted,
    /// Pull requests were sent to a push consumer (409).
    #[error("consumer is push based")]
    ConsumerIsPushBased,
    /// A pull request was refused (400).
    #[error("bad pull request: {0}")]
    BadRequest(String),
    /// The server's API level is too low for the request (412).
    #[error("server API level too low: {0}")]
    RequiredApiLevel(String),
    /// A pull request exceeded a consumer limit (409 `Exceeded MaxWaiting`,
    /// `MaxRequestBatch`, `MaxRequestExpires`, `MaxRequestMaxBytes`); a
    /// warning while consuming, which pulls again at once, then at a slowing
    /// pace while the refusals go on.
    #[error("pull request limit exceeded: {0}")]
    LimitExceeded(String),
    /// Nobody took a pull request (503): the consumer does not exist, or
    /// JetStream has not recovered it yet after a restart or election; a
    /// warning while consuming, which pulls again at once, then at a slowing
    /// pace while the refusals go on.
    #[error("no responders for the pull request (consumer unavailable)")]
    ConsumerUnavailable,
    /// Two idle heartbeats did not come; a warning while consuming.
    #[error("missed idle heartbeats")]
    MissedHeartbeats,
    /// The consumer's next message is larger than a consume's `max_bytes`
    /// (409 `Message Size Exceeds MaxBytes`): the server ends every pull
    /// request for it. A warning, reported once; consuming goes on, pulling
    /// at a slowing pace until a message gets through (another client takes
    /// it, or it is removed). Consume with a larger `max_bytes` to read it.
    #[error("a message is larger than the consume's max_bytes of {max_bytes}")]
    MessageExceedsMaxBytes {
        /// The consume's `max_bytes`.
        max_bytes: usize,
    },
    /// The server pinned another client of the priority group (423): the pin
    /// id is forgotten, and the next pull asks without one.
    #[error("pin id mismatch: another client is pinned")]
    PinIdMismatch,
    /// A pull's idle heartbeat is not under half its expiry (ADR-37: the
    /// client would miss two heartbeats exactly when the request ends).
    #[error("idle heartbeat {heartbeat:?} must be less than half of expires {expires:?}")]
    InvalidHeartbeat {
        /// The heartbeat asked for.
        heartbeat: Duration,
        /// The expiry asked for.
        expires: Duration,
    },
    /// The message was already acknowledged with a terminal ack.
    #[error("message already acknowledged")]
    AlreadyAcknowledged,
    /// The message has no JetStream reply subject (not delivered by a
    /// consumer, or acknowledgements disabled).
    #[error("not a JetStream message: {0}")]
    NotJetStream(String),
}

impl Error {
    /// The API error code, when the server answered with an API error.
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            Error::Api(e) => Some(e.code),
            _ => None,
        }
    }

    /// Whether the server reported `code`.
    pub fn is(&self, code: ErrorCode) -> bool {
        self.code() == Some(code)
    }

    /// Whether no answer came within the timeout.
    pub fn is_timeout(&self) -> bool {
        matches!(self, Error::TimedOut(_))
    }

    /// Whether nobody answered (503): JetStream is not enabled or not
    /// available here, no stream listens on a published subject, or the
    /// consumer of a pull request is unavailable.
    pub fn is_no_responders(&self) -> bool {
        matches!(
            self,
            Error::NotEnabled | Error::NoStreamResponse | Error::ConsumerUnavailable
        )
    }

    /// Whether the client is closed.
    pub fn is_closed(&self) -> bool {
        matches!(
            self,
            Error::Closed | Error::Client(natrs_client::Error::ConnectionClosed)
        )
    }

    /// Whether the connection is gone: lost while waiting (the outcome is
    /// unknown), or the client closed.
    pub fn is_disconnected(&self) -> bool {
        matches!(self, Error::Disconnected) || self.is_closed()
    }

    /// Whether what the call names does not exist: a stream, a consumer or
    /// a message.
    pub fn is_not_found(&self) -> bool {
        matches!(self, Error::MessageNotFound)
            || self.is(ErrorCode::StreamNotFound)
            || self.is(ErrorCode::ConsumerNotFound)
    }

    /// Whether a consume loop goes on after this error (warnings: missed
    /// heartbeats, exceeded pull limits, a lost connection).
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            Error::MissedHeartbeats
                | Error::MessageExceedsMaxBytes { .. }
                | Error::LimitExceeded(_)
                | Error::Disconnected
                | Error::ConsumerUnavailable
        )
    }

    /// Maps a request failure of the client.
    pub(crate) fn from_request(e: natrs_client::RequestError, api: bool) -> Error {
        match e {
            natrs_client::RequestError::NoResponders if api => Error::NotEnabled,
            natrs_client::RequestError::NoResponders => Error::NoStreamResponse,
            natrs_client::RequestError::TimedOut(d) => Error::TimedOut(d),
            natrs_client::RequestError::Closed => Error::Closed,
            natrs_client::RequestError::Publish(e) => Error::Client(e),
            other => Error::InvalidResponse(other.to_string()),
        }
    }
}

impl From<crate::validate::ConfigError> for Error {
    fn from(e: crate::validate::ConfigError) -> Error {
        Error::InvalidConfig(e)
    }
}

impl From<ApiError> for Error {
    fn from(e: ApiError) -> Error {
        match e.code {
            ErrorCode::NoMessageFound => Error::MessageNotFound,
            _ => Error::Api(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for n in [
            10008, 10013, 10014, 10037, 10039, 10054, 10058, 10059, 10060, 10065, 10070, 10071,
            10076, 10105, 10109, 10148, 10149, 10164, 10165, 10166, 10185, 12345,
        ] {
            assert_eq!(ErrorCode::from_u32(n).as_u32(), n);
        }
        assert_eq!(ErrorCode::from_u32(12345), ErrorCode::Other(12345));
        assert!(ErrorCode::from_u32(10164).is_wrong_last_sequence());
        assert!(ErrorCode::from_u32(10105).is_consumer_exists());
        assert!(ErrorCode::from_u32(10039).is_not_enabled());
    }

    #[test]
    fn api_error_json() {
        let e: ApiError = serde_json::from_str(
            r#"{"code":404,"err_code":10059,"description":"stream not found","extra":1}"#,
        )
        .unwrap();
        assert_eq!(e.status, 404);
        assert_eq!(e.code, ErrorCode::StreamNotFound);
        assert_eq!(e.description, "stream not found");
        let e: ApiError = serde_json::from_str(r#"{"code":500}"#).unwrap();
        assert_eq!(e.code, ErrorCode::Other(0));
        assert_eq!(
            Error::from(ApiError {
                status: 404,
                code: ErrorCode::NoMessageFound,
                description: String::new()
            }),
            Error::MessageNotFound
        );
    }
}
