//! What can go wrong in a service: invalid configuration, a stopped service,
//! the connection, and the error replies services send (ADR-32's
//! `Nats-Service-Error` headers).

use natrs_client::{HeaderMap, Message, RequestError, SubjectError};

/// The header holding a service error's description.
pub const ERROR_HEADER: &str = "Nats-Service-Error";
/// The header holding a service error's code (always a number).
pub const ERROR_CODE_HEADER: &str = "Nats-Service-Error-Code";

/// An error of the service API.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServiceError {
    /// The service name is not `^[A-Za-z0-9\-_]+$`.
    #[error("invalid service name {0:?}: use A-Z, a-z, 0-9, dash and underscore")]
    InvalidName(String),
    /// The endpoint name is not `^[A-Za-z0-9\-_]+$`.
    #[error("invalid endpoint name {0:?}: use A-Z, a-z, 0-9, dash and underscore")]
    InvalidEndpointName(String),
    /// The version is not SemVer.
    #[error("invalid service version {0:?}: not a SemVer version")]
    InvalidVersion(String),
    /// The endpoint subject is not a valid subscription subject.
    #[error("invalid endpoint subject {subject:?}: {error}")]
    InvalidSubject {
        /// The subject (with its group prefix).
        subject: String,
        /// What is wrong with it.
        error: SubjectError,
    },
    /// The group prefix is neither empty nor a subject without `>`.
    #[error("invalid group prefix {0:?}")]
    InvalidGroup(String),
    /// The queue group name is empty or holds whitespace.
    #[error("invalid queue group {0:?}")]
    InvalidQueueGroup(String),
    /// The service was stopped.
    #[error("the service is stopped")]
    Stopped,
    /// The request has no reply subject to respond to.
    #[error("the request has no reply subject")]
    NoReply,
    /// An error response needs a non-empty description.
    #[error("an error response needs a description")]
    EmptyDescription,
    /// The connection refused the operation (closed, invalid subject, too large).
    #[error(transparent)]
    Client(#[from] natrs_client::Error),
    /// A discovery request failed.
    #[error(transparent)]
    Request(#[from] RequestError),
    /// A value could not be encoded or a response decoded as JSON.
    #[error("JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// The thread that answers discovery requests could not be started.
    #[error("starting the discovery thread: {0}")]
    Thread(#[source] std::io::Error),
}

/// An error the service noticed outside a request (ADR-32's async errors):
/// a subscription of the service lost messages (slow consumer), was refused
/// by the server, or a discovery request could not be answered. Handed to
/// the error handler of [`ServiceConfig`](super::ServiceConfig).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AsyncError {
    /// The subject of the subscription (or request) concerned.
    pub subject: String,
    /// What happened.
    pub description: String,
}

impl std::fmt::Display for AsyncError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}: {}", self.subject, self.description)
    }
}

impl std::error::Error for AsyncError {}

/// An error reply of a service: the `Nats-Service-Error-Code` and
/// `Nats-Service-Error` headers of a response. Clients of a service check
/// responses with [`ErrorReply::from_message`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ErrorReply {
    /// The code, as sent (a number for conforming services; see
    /// [`ErrorReply::code_number`]).
    pub code: String,
    /// The description.
    pub description: String,
}

impl ErrorReply {
    /// The error a response carries, if it has either header.
    pub fn from_message(message: &Message) -> Option<ErrorReply> {
        ErrorReply::from_headers(message.headers.as_ref()?)
    }

    /// The error in these response headers, if they have either header.
    pub fn from_headers(headers: &HeaderMap) -> Option<ErrorReply> {
        let code = headers.get(ERROR_CODE_HEADER);
        let description = headers.get(ERROR_HEADER);
        if code.is_none() && description.is_none() {
            return None;
        }
        Some(ErrorReply {
            code: code.unwrap_or_default().to_string(),
            description: description.unwrap_or_default().to_string(),
        })
    }

    /// The code as a number, when it is one.
    pub fn code_number(&self) -> Option<i64> {
        self.code.trim().parse().ok()
    }
}

impl std::fmt::Display for ErrorReply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.code, self.description)
    }
}

impl std::error::Error for ErrorReply {}
