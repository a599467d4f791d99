//! [`Request`]: one request to an endpoint, with the ways to answer it.

use super::endpoint::EndpointShared;
use super::error::{ERROR_CODE_HEADER, ERROR_HEADER, ErrorReply, ServiceError};
use super::instance::lock;
use bytes::Bytes;
use natrs_client::{HeaderMap, Message, Payload};
use std::future::poll_fn;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

/// The headers of an error response (ADR-32's error formatting function):
/// `Nats-Service-Error-Code: <code>` and `Nats-Service-Error: <description>`.
/// Line breaks and other control characters in the description become
/// spaces (header values cannot hold them).
pub fn error_headers(code: u32, description: &str) -> HeaderMap {
    let description: String = description
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let mut headers = HeaderMap::new();
    headers.insert(ERROR_CODE_HEADER, code.to_string());
    headers.insert(ERROR_HEADER, description);
    headers
}

/// A request to an endpoint.
///
/// It counts in the endpoint's statistics once: when it is first responded
/// to (its processing time runs from its delivery until then, and an error
/// response or a failed send counts as an error), or, if it never is, when
/// it is dropped. Responding more than once is allowed (later responses do
/// not count again).
pub struct Request {
    message: Message,
    endpoint: Arc<EndpointShared>,
    received: Instant,
    counted: AtomicBool,
}

impl std::fmt::Debug for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Request")
            .field("endpoint", &self.endpoint.name)
            .field("subject", &self.message.subject)
            .field("reply", &self.message.reply)
            .field("payload_len", &self.message.payload.len())
            .finish_non_exhaustive()
    }
}

impl Request {
    pub(crate) fn new(message: Message, endpoint: Arc<EndpointShared>) -> Request {
        Request {
            message,
            endpoint,
            received: Instant::now(),
            counted: AtomicBool::new(false),
        }
    }

    /// The message as received.
    pub fn message(&self) -> &Message {
        &self.message
    }

    /// The subject it was sent to.
    pub fn subject(&self) -> &str {
        self.message.subject.as_str()
    }

    /// Where the response goes.
    pub fn reply(&self) -> Option<&str> {
        self.message.reply.as_ref().map(|r| r.as_str())
    }

    /// The payload.
    pub fn payload(&self) -> &Bytes {
        &self.message.payload
    }

    /// The headers, if it had any.
    pub fn headers(&self) -> Option<&HeaderMap> {
        self.message.headers.as_ref()
    }

    /// The name of the endpoint it came to.
    pub fn endpoint_name(&self) -> &str {
        &self.endpoint.name
    }

    /// Responds with `payload`.
    pub async fn respond(&self, payload: impl Into<Payload<'_>>) -> Result<(), ServiceError> {
        self.send(None, payload.into().into_bytes()).await
    }

    /// Responds with headers and `payload`. Headers carrying
    /// `Nats-Service-Error-Code` or `Nats-Service-Error` make it count as
    /// an error response.
    pub async fn respond_with_headers(
        &self,
        headers: HeaderMap,
        payload: impl Into<Payload<'_>>,
    ) -> Result<(), ServiceError> {
        self.send(Some(headers), payload.into().into_bytes()).await
    }

    /// Responds with `value` as JSON. A value that cannot be encoded fails
    /// before anything is sent (the request can still be answered).
    pub async fn respond_json<S: serde::Serialize + ?Sized>(
        &self,
        value: &S,
    ) -> Result<(), ServiceError> {
        let payload = Bytes::from(serde_json::to_vec(value)?);
        self.send(None, payload).await
    }

    /// Responds with an error: headers `Nats-Service-Error-Code: <code>` and
    /// `Nats-Service-Error: <description>` (see [`error_headers`]) and `body`
    /// (often empty). Counts as an error of the endpoint, with
    /// `<code>:<description>` as its last error. The description must not be
    /// empty.
    pub async fn respond_error(
        &self,
        code: u32,
        description: &str,
        body: impl Into<Payload<'_>>,
    ) -> Result<(), ServiceError> {
        if description.is_empty() {
            return Err(ServiceError::EmptyDescription);
        }
        self.send(
            Some(error_headers(code, description)),
            body.into().into_bytes(),
        )
        .await
    }

    async fn send(&self, headers: Option<HeaderMap>, payload: Bytes) -> Result<(), ServiceError> {
        let error = headers
            .as_ref()
            .and_then(ErrorReply::from_headers)
            .map(|e| e.to_string());
        let Some(reply) = self.message.reply.as_ref() else {
            self.count(Some("no reply subject".to_string()));
            return Err(ServiceError::NoReply);
        };
        // Counted before sending, so that whoever gets the response sees it
        // in the statistics.
        let first = self.count(error.clone());
        let sent = poll_fn(|cx| {
            self.endpoint
                .client
                .poll_publish(cx, reply.as_str(), None, headers.as_ref(), &payload)
        })
        .await;
        if let Err(e) = &sent {
            if first {
                let text = format!("sending the response: {e}");
                let mut counters = lock(&self.endpoint.counters);
                if error.is_some() {
                    counters.last_error = text;
                } else {
                    counters.record_error(text);
                }
            }
        }
        Ok(sent?)
    }

    /// Counts the request unless it was; returns whether this call did.
    fn count(&self, error: Option<String>) -> bool {
        if self.counted.swap(true, Ordering::AcqRel) {
            return false;
        }
        lock(&self.endpoint.counters).record(self.received.elapsed(), error);
        true
    }
}

impl Drop for Request {
    fn drop(&mut self) {
        self.count(None);
    }
}
