//! The JetStream API as plain data: every call is an [`ApiCall`] (a subject
//! under the API prefix, a JSON body, and a parser for the reply). Nothing
//! here does IO; the async and blocking layers send the calls.
//!
//! ```
//! use natrs_jetstream::api::{self, ApiPrefix};
//! let prefix = ApiPrefix::domain("hub");
//! let call = api::stream::info(&prefix, "ORDERS", &Default::default())?;
//! assert_eq!(call.subject, "$JS.hub.API.STREAM.INFO.ORDERS");
//! assert!(call.payload.is_empty());
//! # Ok::<(), natrs_jetstream::Error>(())
//! ```

pub mod account;
pub mod consumer;
pub mod message;
pub mod paging;
pub mod publish;
pub mod stream;

use crate::error::{ApiError, Error};
use bytes::Bytes;
use natrs_client::Message;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::marker::PhantomData;

/// Where the JetStream API lives: `$JS.API` by default, `$JS.<domain>.API`
/// in a domain (ADR-19), or any prefix an account import chose.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ApiPrefix(String);

impl ApiPrefix {
    /// The default prefix, `$JS.API`.
    pub fn new() -> ApiPrefix {
        ApiPrefix("$JS.API".to_string())
    }

    /// The prefix of JetStream domain `domain`: `$JS.<domain>.API`. An empty
    /// domain is the default prefix.
    pub fn domain(domain: &str) -> ApiPrefix {
        if domain.is_empty() {
            ApiPrefix::new()
        } else {
            ApiPrefix(format!("$JS.{domain}.API"))
        }
    }

    /// A custom prefix (trailing dots are removed).
    pub fn custom(prefix: &str) -> ApiPrefix {
        ApiPrefix(prefix.trim_end_matches('.').to_string())
    }

    /// The prefix itself, without a trailing dot.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `<prefix>.<rest>`.
    pub fn subject(&self, rest: &str) -> String {
        self.subject_of(&[rest])
    }

    /// `<prefix>.` followed by `parts`, in one allocation.
    pub(crate) fn subject_of(&self, parts: &[&str]) -> String {
        let len = parts.iter().map(|p| p.len()).sum::<usize>();
        let mut s = String::with_capacity(self.0.len() + 1 + len);
        s.push_str(&self.0);
        s.push('.');
        for part in parts {
            s.push_str(part);
        }
        s
    }
}

impl Default for ApiPrefix {
    fn default() -> Self {
        ApiPrefix::new()
    }
}

impl fmt::Display for ApiPrefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One JetStream API request: send `payload` to `subject` as a request and
/// read the reply with [`ApiCall::parse`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiCall<R> {
    /// The request subject.
    pub subject: String,
    /// The JSON body (may be empty).
    pub payload: Bytes,
    response: PhantomData<fn() -> R>,
}

impl<R> ApiCall<R> {
    /// A call with this subject and body.
    pub fn new(subject: String, payload: Bytes) -> ApiCall<R> {
        ApiCall {
            subject,
            payload,
            response: PhantomData,
        }
    }

    /// A call whose body is `body` as JSON.
    pub fn json<B: Serialize + ?Sized>(subject: String, body: &B) -> Result<ApiCall<R>, Error> {
        let payload = serde_json::to_vec(body)
            .map_err(|e| Error::InvalidArgument(format!("cannot encode request: {e}")))?;
        Ok(ApiCall::new(subject, payload.into()))
    }
}

impl<R: DeserializeOwned> ApiCall<R> {
    /// Reads the reply: a 503 status means JetStream is not available, an
    /// `error` object becomes [`Error::Api`], anything else is parsed as `R`.
    pub fn parse(&self, reply: &Message) -> Result<R, Error> {
        parse_response(reply)
    }
}

/// Reads a JetStream API reply as `R`; see [`ApiCall::parse`].
pub fn parse_response<R: DeserializeOwned>(reply: &Message) -> Result<R, Error> {
    if reply.payload.is_empty() {
        if let Some(status) = reply.status() {
            if status.is_no_responders() {
                return Err(Error::NotEnabled);
            }
            return Err(Error::Status {
                code: status.as_u16(),
                description: reply.description().unwrap_or_default().to_string(),
            });
        }
    }
    parse_json(&reply.payload)
}

/// Reads a JetStream API JSON body as `R`, or its `error` object as an error.
pub fn parse_json<R: DeserializeOwned>(body: &[u8]) -> Result<R, Error> {
    if let Some(e) = api_error(body) {
        return Err(e.into());
    }
    serde_json::from_slice(body).map_err(|e| Error::InvalidResponse(e.to_string()))
}

/// The `error` object of a response body, if it has one.
pub fn api_error(body: &[u8]) -> Option<ApiError> {
    // Most replies carry no error: look for the key before parsing twice.
    memchr::memmem::find(body, b"\"error\"")?;
    #[derive(Deserialize)]
    struct Probe {
        #[serde(default)]
        error: Option<ApiError>,
    }
    serde_json::from_slice::<Probe>(body).ok()?.error
}

/// A reply with no content besides success (delete, purge of nothing, ...).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct SuccessResponse {
    /// Whether the operation succeeded.
    pub success: bool,
}

/// Checks that a name (stream, consumer, durable) is usable in a subject:
/// not empty, no `.`, `*`, `>`, `/`, `\`, whitespace or control characters
/// (ADR-6), at most 255 bytes.
pub fn validate_name(kind: &str, name: &str) -> Result<(), Error> {
    if name.is_empty() {
        return Err(Error::InvalidArgument(format!("{kind} name is empty")));
    }
    if name.len() > 255 {
        return Err(Error::InvalidArgument(format!(
            "{kind} name is longer than 255 bytes"
        )));
    }
    if let Some(c) = name
        .chars()
        .find(|c| matches!(c, '.' | '*' | '>' | '/' | '\\') || c.is_whitespace() || c.is_control())
    {
        return Err(Error::InvalidArgument(format!(
            "{kind} name {name:?} contains {c:?}"
        )));
    }
    Ok(())
}

/// Checks a subject to publish to (no wildcards) or filter on (wildcards allowed).
pub fn validate_subject(subject: &str, wildcards: bool) -> Result<(), Error> {
    natrs_core::subject::validate_subject(subject, wildcards)
        .map_err(|e| Error::InvalidArgument(format!("subject {subject:?}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use natrs_client::{HeaderMap, StatusCode, Subject};

    pub(crate) fn reply(payload: &str) -> Message {
        Message {
            subject: Subject::from_static("_INBOX.x"),
            reply: None,
            headers: None,
            payload: Bytes::copy_from_slice(payload.as_bytes()),
            length: payload.len(),
        }
    }

    #[test]
    fn prefixes() {
        assert_eq!(ApiPrefix::new().subject("INFO"), "$JS.API.INFO");
        assert_eq!(ApiPrefix::domain("").as_str(), "$JS.API");
        assert_eq!(ApiPrefix::domain("hub").subject("INFO"), "$JS.hub.API.INFO");
        assert_eq!(ApiPrefix::custom("imp.JS.").subject("INFO"), "imp.JS.INFO");
    }

    #[test]
    fn parses_errors_and_statuses() {
        let r: Result<SuccessResponse, _> = parse_response(&reply(
            r#"{"type":"x","error":{"code":404,"err_code":10059,"description":"stream not found"}}"#,
        ));
        assert!(r.unwrap_err().is(crate::ErrorCode::StreamNotFound));
        let r: SuccessResponse = parse_response(&reply(r#"{"success":true,"new":[1]}"#)).unwrap();
        assert!(r.success);
        let mut m = reply("");
        m.headers = Some(HeaderMap::with_status(StatusCode(503), None));
        assert_eq!(
            parse_response::<SuccessResponse>(&m).unwrap_err(),
            Error::NotEnabled
        );
        let r = parse_response::<SuccessResponse>(&reply("not json"));
        assert!(matches!(r, Err(Error::InvalidResponse(_))));
        // A null error is no error.
        let r: SuccessResponse =
            parse_response(&reply(r#"{"success":true,"error":null}"#)).unwrap();
        assert!(r.success);
    }

    #[test]
    fn names() {
        assert!(validate_name("stream", "ORDERS_1-a").is_ok());
        for bad in ["", "a.b", "a*", "a>", "a/b", "a\\b", "a b", "a\tb"] {
            assert!(validate_name("stream", bad).is_err(), "{bad:?}");
        }
        assert!(validate_name("stream", &"x".repeat(256)).is_err());
    }
}
