//! [`JsMessage`]: a message delivered by a consumer, with its metadata and
//! acknowledgements.

use crate::ack::{AckKind, AckState};
use crate::error::Error;
use crate::metadata::{AckSubject, Metadata};
use crate::transport::Transport;
use bytes::Bytes;
use natrs_client::{Client, HeaderMap, Message};
use std::time::Duration;

/// A message delivered by a JetStream consumer. Derefs to the
/// [`Message`]. A terminal acknowledgement (ack, nak, term) is accepted
/// once; later ones fail locally with [`Error::AlreadyAcknowledged`].
pub struct JsMessage<T: Transport = Client> {
    message: Message,
    transport: T,
    state: AckState,
    timeout: Duration,
}

impl<T: Transport> std::fmt::Debug for JsMessage<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JsMessage")
            .field("message", &self.message)
            .field("acked", &self.state.is_acked())
            .finish_non_exhaustive()
    }
}

impl<T: Transport> std::ops::Deref for JsMessage<T> {
    type Target = Message;
    fn deref(&self) -> &Message {
        &self.message
    }
}

impl<T: Transport> JsMessage<T> {
    /// Wraps a delivered message; `timeout` bounds double acks.
    pub fn new(message: Message, transport: T, timeout: Duration) -> JsMessage<T> {
        JsMessage {
            message,
            transport,
            state: AckState::new(),
            timeout,
        }
    }

    /// The message.
    pub fn message(&self) -> &Message {
        &self.message
    }

    /// The message, without the acknowledgement handle.
    pub fn into_message(self) -> Message {
        self.message
    }

    /// The subject.
    pub fn subject(&self) -> &str {
        self.message.subject.as_str()
    }

    /// The payload.
    pub fn payload(&self) -> &Bytes {
        &self.message.payload
    }

    /// The headers.
    pub fn headers(&self) -> Option<&HeaderMap> {
        self.message.headers.as_ref()
    }

    /// Delivery metadata from the reply subject.
    pub fn metadata(&self) -> Result<Metadata, Error> {
        Ok(self.ack_subject()?.to_metadata())
    }

    /// Delivery metadata, borrowed from the reply subject.
    pub fn ack_subject(&self) -> Result<AckSubject<'_>, Error> {
        let reply = self
            .message
            .reply
            .as_ref()
            .ok_or_else(|| Error::NotJetStream("the message has no reply subject".into()))?;
        AckSubject::parse(reply.as_str())
    }

    /// Whether a terminal ack was sent.
    pub fn is_acked(&self) -> bool {
        self.state.is_acked()
    }

    fn reply(&self) -> Result<&str, Error> {
        let reply = self
            .message
            .reply
            .as_ref()
            .ok_or_else(|| Error::NotJetStream("the message has no reply subject".into()))?;
        Ok(reply.as_str())
    }

    /// Sends `kind` to the reply subject (without waiting for the server).
    ///
    /// Acks do not wait for room in the client's write buffer: there are at
    /// most as many as messages were delivered, so they cannot grow it
    /// without bound, and a consumer blocked on its own acks would stall.
    pub async fn ack_with(&self, kind: AckKind) -> Result<(), Error> {
        let reply = self.reply()?;
        self.state.begin(&kind)?;
        let sent = self.transport.publish(reply, None, None, &kind.payload());
        if kind.is_terminal() {
            self.state.finish(sent.is_ok());
        }
        sent.map_err(Error::from)
    }

    /// Sends `kind` as a request and waits for the server to confirm it
    /// (double ack). If the wait is abandoned the ack counts as not sent.
    pub async fn double_ack_with(&self, kind: AckKind) -> Result<(), Error> {
        let reply = self.reply()?;
        self.state.begin(&kind)?;
        let mut claim = Claim {
            state: &self.state,
            terminal: kind.is_terminal(),
            sent: false,
        };
        let result = match self
            .transport
            .request(reply, kind.payload(), None, self.timeout)
        {
            Ok(fut) => fut
                .await
                .map(|_| ())
                .map_err(|e| Error::from_request(e, false)),
            Err(e) => Err(e.into()),
        };
        claim.sent = result.is_ok();
        result
    }

    /// Acknowledges (`+ACK`).
    pub async fn ack(&self) -> Result<(), Error> {
        self.ack_with(AckKind::Ack).await
    }

    /// Acknowledges and waits for the server's confirmation.
    pub async fn double_ack(&self) -> Result<(), Error> {
        self.double_ack_with(AckKind::Ack).await
    }

    /// Asks for redelivery (`-NAK`).
    pub async fn nak(&self) -> Result<(), Error> {
        self.ack_with(AckKind::Nak(None)).await
    }

    /// Asks for redelivery after `delay`.
    pub async fn nak_with_delay(&self, delay: Duration) -> Result<(), Error> {
        self.ack_with(AckKind::Nak(Some(delay))).await
    }

    /// Says the message is still being worked on (`+WPI`); may be repeated.
    pub async fn in_progress(&self) -> Result<(), Error> {
        self.ack_with(AckKind::Progress).await
    }

    /// Stops redelivery (`+TERM`).
    pub async fn term(&self) -> Result<(), Error> {
        self.ack_with(AckKind::Term(None)).await
    }

    /// Stops redelivery, giving a reason (`+TERM <reason>`).
    pub async fn term_with_reason(&self, reason: impl Into<String>) -> Result<(), Error> {
        self.ack_with(AckKind::Term(Some(reason.into()))).await
    }
}

/// A terminal ack being sent: settles the ack state however the send ends
/// (also when its future is dropped).
struct Claim<'a> {
    state: &'a AckState,
    terminal: bool,
    sent: bool,
}

impl Drop for Claim<'_> {
    fn drop(&mut self) {
        if self.terminal {
            self.state.finish(self.sent);
        }
    }
}
