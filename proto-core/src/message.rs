//! A message delivered by the server.

use crate::headers::HeaderMap;
use crate::subject::Subject;
use bytes::Bytes;

/// A message as delivered to a subscription or as a reply.
///
/// Subject, reply and payload share the buffer the message was read into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The subject it was published to.
    pub subject: Subject,
    /// The reply subject, if the publisher set one.
    pub reply: Option<Subject>,
    /// Headers, present for messages received as `HMSG`.
    pub headers: Option<HeaderMap>,
    /// The payload.
    pub payload: Bytes,
    /// Bytes this message took on the wire (control line, headers and payload).
    pub length: usize,
}
