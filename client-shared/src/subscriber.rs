//! [`Subscriber`]: the messages of one subscription, as a stream.

use crate::client::Client;
use crate::error::Error;
use crate::queue::{Consumer, DeliveryQueue, PendingLimits};
use natrs_core::Message;
use natrs_core::client::{Sid, SubscriptionEnd};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

/// A subscription. Implements `futures_core::Stream<Item = Message>`; the
/// stream ends when the subscription ends (unsubscribed, auto-unsubscribe
/// count reached, drained, refused by the server, or the client closed),
/// after every message delivered before that. Dropping it unsubscribes.
#[derive(Debug)]
pub struct Subscriber {
    client: Client,
    sid: Sid,
    subject: Arc<str>,
    consumer: Consumer,
}

impl Subscriber {
    pub(crate) fn new(
        client: Client,
        sid: Sid,
        subject: Arc<str>,
        queue: Arc<DeliveryQueue>,
    ) -> Subscriber {
        Subscriber {
            client,
            sid,
            subject,
            consumer: Consumer::new(queue),
        }
    }

    /// The subscription id.
    pub fn sid(&self) -> u64 {
        self.sid.0
    }

    /// The subject subscribed to.
    pub fn subject(&self) -> &str {
        &self.subject
    }

    /// The client this subscription belongs to.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The next message, `None` once the subscription ended and every message
    /// was taken, or `Pending`.
    pub fn poll_next_message(&self, cx: &mut Context<'_>) -> Poll<Option<Message>> {
        self.consumer.poll_next(cx)
    }

    /// The next message if one is waiting, without waiting.
    pub fn try_next(&self) -> Option<Message> {
        self.consumer.try_next()
    }

    /// Whether the subscription ended and every message was taken.
    pub fn is_finished(&self) -> bool {
        self.consumer.is_finished()
    }

    /// Why the subscription ended, once it did.
    pub fn end_reason(&self) -> Option<SubscriptionEnd> {
        self.consumer.queue().end_reason()
    }

    /// Unsubscribes now; messages already delivered can still be read.
    pub async fn unsubscribe(&mut self) -> Result<(), Error> {
        self.unsubscribe_now()
    }

    /// [`unsubscribe`](Subscriber::unsubscribe) without awaiting.
    pub fn unsubscribe_now(&self) -> Result<(), Error> {
        self.command(|core, sid| core.unsubscribe(sid, None))
    }

    /// Unsubscribes automatically after `max` messages in total (those already
    /// delivered count), also across reconnects.
    pub async fn unsubscribe_after(&mut self, max: u64) -> Result<(), Error> {
        self.unsubscribe_after_now(max)
    }

    /// [`unsubscribe_after`](Subscriber::unsubscribe_after) without awaiting.
    pub fn unsubscribe_after_now(&self, max: u64) -> Result<(), Error> {
        self.command(|core, sid| core.unsubscribe(sid, Some(max)))
    }

    /// Drains the subscription: the server stops sending, and the stream ends
    /// after the messages it had already sent.
    pub async fn drain(&mut self) -> Result<(), Error> {
        self.drain_now()
    }

    /// [`drain`](Subscriber::drain) without awaiting.
    pub fn drain_now(&self) -> Result<(), Error> {
        self.command(|core, sid| core.drain_subscription(sid))
    }

    fn command(
        &self,
        f: impl FnOnce(&mut natrs_core::client::Client, Sid) -> Result<(), Error>,
    ) -> Result<(), Error> {
        if self.consumer.queue().end_reason().is_some() {
            return Ok(());
        }
        let sid = self.sid;
        let shared = self.client.shared();
        shared.with(|st, _| f(&mut st.core, sid))?;
        shared.notify();
        Ok(())
    }

    /// Messages dropped because the pending limits were reached.
    pub fn dropped(&self) -> u64 {
        self.consumer.queue().dropped()
    }

    /// Messages delivered to this subscription so far (taken or waiting).
    pub fn delivered(&self) -> u64 {
        self.consumer.queue().delivered()
    }

    /// Messages and payload and header bytes waiting to be taken.
    pub fn pending(&self) -> (usize, usize) {
        self.consumer.pending()
    }

    /// Changes the pending limits (messages, payload and header bytes).
    pub fn set_pending_limits(&self, messages: usize, bytes: usize) {
        self.consumer
            .queue()
            .set_limits(PendingLimits { messages, bytes });
    }

    /// The pending limits.
    pub fn pending_limits(&self) -> PendingLimits {
        self.consumer.queue().limits()
    }
}

impl futures_core::Stream for Subscriber {
    type Item = Message;
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Message>> {
        self.get_mut().consumer.poll_next_mut(cx)
    }
}

impl Drop for Subscriber {
    fn drop(&mut self) {
        if self.consumer.queue().end_reason().is_some() {
            return;
        }
        let sid = self.sid;
        let shared = self.client.shared();
        shared.with(|st, _| {
            if st.routes.remove(&sid.0).is_some() && !st.core.is_closed() {
                let _ = st.core.unsubscribe(sid, None);
            }
        });
        shared.notify();
    }
}
