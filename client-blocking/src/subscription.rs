//! [`Subscription`]: the messages of one subscription, as a blocking
//! iterator.

use crate::error::TimedOut;
use crate::executor::{block_on, block_on_until, deadline_after};
use natrs_client::{Error, Message, PendingLimits, Subscriber, SubscriptionEnd};
use std::future::poll_fn;
use std::time::{Duration, Instant};

/// A subscription: an [`Iterator`] over its messages that blocks until the
/// next one arrives and ends when the subscription ends (unsubscribed,
/// auto-unsubscribe count reached, drained, refused by the server, or the
/// client closed), after every message delivered before that. Dropping it
/// unsubscribes.
///
/// ```no_run
/// # fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// let client = natrs_blocking::connect("nats://127.0.0.1:4222")?;
/// let sub = client.subscribe("greet.*")?;
/// for msg in sub.iter().take(3) {
///     println!("{}: {:?}", msg.subject, msg.payload);
/// }
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Subscription {
    inner: Subscriber,
}

impl Subscription {
    pub(crate) fn new(inner: Subscriber) -> Subscription {
        Subscription { inner }
    }

    /// The subscription id.
    pub fn sid(&self) -> u64 {
        self.inner.sid()
    }

    /// The subject subscribed to.
    pub fn subject(&self) -> &str {
        self.inner.subject()
    }

    /// The next message, waiting as long as it takes; `None` once the
    /// subscription ended and every message was taken.
    pub fn next_message(&self) -> Option<Message> {
        block_on(poll_fn(|cx| self.inner.poll_next_message(cx)))
    }

    /// The next message, waiting at most `timeout`: `Ok(Some(message))`,
    /// `Ok(None)` once the subscription ended and every message was taken, or
    /// `Err(TimedOut)` if nothing came in time.
    pub fn next_timeout(&self, timeout: Duration) -> Result<Option<Message>, TimedOut> {
        self.next_until(deadline_after(timeout))
    }

    /// Like [`next_timeout`](Subscription::next_timeout), with an instant to
    /// give up at (`None`: never).
    pub fn next_until(&self, deadline: Option<Instant>) -> Result<Option<Message>, TimedOut> {
        block_on_until(poll_fn(|cx| self.inner.poll_next_message(cx)), deadline)
    }

    /// The next message if one is waiting, without waiting.
    pub fn try_next(&self) -> Option<Message> {
        self.inner.try_next()
    }

    /// An iterator over the messages that borrows the subscription (so it can
    /// still be unsubscribed or inspected).
    pub fn iter(&self) -> Iter<'_> {
        Iter { sub: self }
    }

    /// Unsubscribes now; messages already delivered can still be read.
    pub fn unsubscribe(&self) -> Result<(), Error> {
        self.inner.unsubscribe_now()
    }

    /// Unsubscribes automatically after `max` messages in total (those already
    /// delivered count), also across reconnects.
    pub fn unsubscribe_after(&self, max: u64) -> Result<(), Error> {
        self.inner.unsubscribe_after_now(max)
    }

    /// Drains the subscription: the server stops sending, and the iterator
    /// ends after the messages it had already sent. Returns at once.
    pub fn drain(&self) -> Result<(), Error> {
        self.inner.drain_now()
    }

    /// Whether the subscription ended and every message was taken.
    pub fn is_finished(&self) -> bool {
        self.inner.is_finished()
    }

    /// Why the subscription ended, once it did.
    pub fn end_reason(&self) -> Option<SubscriptionEnd> {
        self.inner.end_reason()
    }

    /// Messages dropped because the pending limits were reached.
    pub fn dropped(&self) -> u64 {
        self.inner.dropped()
    }

    /// Messages delivered to this subscription so far (taken or waiting).
    pub fn delivered(&self) -> u64 {
        self.inner.delivered()
    }

    /// Messages and payload and header bytes waiting to be taken.
    pub fn pending(&self) -> (usize, usize) {
        self.inner.pending()
    }

    /// Changes the pending limits (messages, payload and header bytes); past either,
    /// new messages are dropped and a slow consumer event is reported.
    pub fn set_pending_limits(&self, messages: usize, bytes: usize) {
        self.inner.set_pending_limits(messages, bytes);
    }

    /// The pending limits.
    pub fn pending_limits(&self) -> PendingLimits {
        self.inner.pending_limits()
    }

    /// The async subscriber underneath (a `futures_core::Stream`).
    pub fn as_async(&self) -> &Subscriber {
        &self.inner
    }

    /// Turns this into the async subscriber underneath.
    pub fn into_async(self) -> Subscriber {
        self.inner
    }
}

impl Iterator for Subscription {
    type Item = Message;
    fn next(&mut self) -> Option<Message> {
        self.next_message()
    }
}

/// The messages of a borrowed [`Subscription`]; see [`Subscription::iter`].
#[derive(Debug)]
pub struct Iter<'a> {
    sub: &'a Subscription,
}

impl Iterator for Iter<'_> {
    type Item = Message;
    fn next(&mut self) -> Option<Message> {
        self.sub.next_message()
    }
}

impl<'a> IntoIterator for &'a Subscription {
    type Item = Message;
    type IntoIter = Iter<'a>;
    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}
