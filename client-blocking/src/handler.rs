//! Callback subscriptions: a handler run on a thread of its own for every
//! message, as nats.go runs asynchronous subscriptions.

use crate::error::JoinError;
use crate::executor::block_on;
use natrs_client::{Error, Message, PendingLimits, Subscriber, SubscriptionEnd};
use std::future::poll_fn;
use std::io;
use std::sync::Arc;
use std::thread::{self, JoinHandle, ThreadId};

/// A subscription whose messages a handler receives on a thread of its own,
/// one at a time, in order. The thread ends when the subscription ends
/// (unsubscribed, drained, auto-unsubscribe count reached, refused by the
/// server, or the client closed), after the handler got every message
/// delivered before that.
///
/// Dropping the handle unsubscribes (the thread still hands the messages
/// already delivered to the handler, then ends); [`detach`](Self::detach)
/// keeps the subscription running instead. The handler thread holds the
/// client, so a detached handler keeps the connection open until the client
/// is closed or drained.
#[derive(Debug)]
pub struct HandlerSubscription {
    sub: Arc<Subscriber>,
    thread: Option<JoinHandle<()>>,
    thread_id: ThreadId,
    detached: bool,
}

/// Unsubscribes when the handler panics, so the server stops sending.
struct UnsubscribeOnPanic<'a>(&'a Subscriber);

impl Drop for UnsubscribeOnPanic<'_> {
    fn drop(&mut self) {
        if thread::panicking() {
            let _ = self.0.unsubscribe_now();
        }
    }
}

impl HandlerSubscription {
    pub(crate) fn spawn<F>(sub: Subscriber, mut handler: F) -> io::Result<HandlerSubscription>
    where
        F: FnMut(Message) + Send + 'static,
    {
        let sub = Arc::new(sub);
        let theirs = sub.clone();
        let thread = thread::Builder::new()
            .name(format!("natrs-handler-{}", sub.sid()))
            .spawn(move || {
                let _guard = UnsubscribeOnPanic(&theirs);
                while let Some(msg) = block_on(poll_fn(|cx| theirs.poll_next_message(cx))) {
                    handler(msg);
                }
            })?;
        Ok(HandlerSubscription {
            sub,
            thread_id: thread.thread().id(),
            thread: Some(thread),
            detached: false,
        })
    }

    /// The subscription id.
    pub fn sid(&self) -> u64 {
        self.sub.sid()
    }

    /// The subject subscribed to.
    pub fn subject(&self) -> &str {
        self.sub.subject()
    }

    /// Unsubscribes now; the handler still gets the messages already delivered.
    pub fn unsubscribe(&self) -> Result<(), Error> {
        self.sub.unsubscribe_now()
    }

    /// Unsubscribes automatically after `max` messages in total (those already
    /// delivered count), also across reconnects.
    pub fn unsubscribe_after(&self, max: u64) -> Result<(), Error> {
        self.sub.unsubscribe_after_now(max)
    }

    /// Drains the subscription: the server stops sending and the handler
    /// thread ends after the messages it had already sent. Returns at once;
    /// [`join`](Self::join) waits for the end.
    pub fn drain(&self) -> Result<(), Error> {
        self.sub.drain_now()
    }

    /// Waits until the subscription ended and the handler returned from its
    /// last message. Without an unsubscribe, drain or close (from anywhere)
    /// this waits as long as the subscription lives.
    pub fn join(mut self) -> Result<(), JoinError> {
        if thread::current().id() == self.thread_id {
            return Err(JoinError::FromHandler);
        }
        match self.thread.take() {
            Some(t) => t.join().map_err(|_| JoinError::Panicked),
            None => Ok(()),
        }
    }

    /// Lets the subscription run on after this handle is dropped.
    pub fn detach(mut self) {
        self.detached = true;
    }

    /// Whether the subscription ended and the handler was given every message.
    pub fn is_finished(&self) -> bool {
        self.sub.is_finished()
    }

    /// Why the subscription ended, once it did.
    pub fn end_reason(&self) -> Option<SubscriptionEnd> {
        self.sub.end_reason()
    }

    /// Messages dropped because the pending limits were reached (the handler
    /// was too slow).
    pub fn dropped(&self) -> u64 {
        self.sub.dropped()
    }

    /// Messages delivered to this subscription so far.
    pub fn delivered(&self) -> u64 {
        self.sub.delivered()
    }

    /// Messages and payload and header bytes waiting for the handler.
    pub fn pending(&self) -> (usize, usize) {
        self.sub.pending()
    }

    /// Changes the pending limits (messages, payload and header bytes).
    pub fn set_pending_limits(&self, messages: usize, bytes: usize) {
        self.sub.set_pending_limits(messages, bytes);
    }

    /// The pending limits.
    pub fn pending_limits(&self) -> PendingLimits {
        self.sub.pending_limits()
    }
}

impl Drop for HandlerSubscription {
    fn drop(&mut self) {
        if !self.detached {
            let _ = self.sub.unsubscribe_now();
        }
    }
}
