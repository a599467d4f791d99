//! Callback subscriptions: a handler run for every message on a thread of
//! its own, as nats.go runs asynchronous subscriptions, or on the client's
//! handler pool ([`crate::BlockingOptions::handler_threads`]).

use crate::error::JoinError;
use crate::executor::block_on;
use crate::handler_pool::{HandlerPool, PoolTask};
use natrs_client::{Error, Message, PendingLimits, Subscriber, SubscriptionEnd};
use std::future::poll_fn;
use std::io;
use std::sync::Arc;
use std::thread::{self, JoinHandle, ThreadId};

/// A subscription whose messages a handler receives one at a time, in
/// order, on a thread of its own (the default) or on the client's handler
/// pool ([`BlockingOptions::handler_threads`](crate::BlockingOptions::handler_threads)).
/// The handler's work ends when the subscription ends (unsubscribed, drained,
/// auto-unsubscribe count reached, refused by the server, or the client
/// closed), after the handler got every message delivered before that.
///
/// Dropping the handle unsubscribes (the messages already delivered still
/// reach the handler, then it ends); [`detach`](Self::detach) keeps the
/// subscription running instead. The running handler holds the client, so a
/// detached handler keeps the connection open until the client is closed or
/// drained.
#[derive(Debug)]
pub struct HandlerSubscription {
    sub: Arc<Subscriber>,
    runner: Runner,
    detached: bool,
}

/// Where a handler runs.
#[derive(Debug)]
enum Runner {
    /// On a thread of its own.
    Thread {
        thread: Option<JoinHandle<()>>,
        id: ThreadId,
    },
    /// On the client's handler pool.
    Pool(Arc<PoolTask>),
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
            runner: Runner::Thread {
                id: thread.thread().id(),
                thread: Some(thread),
            },
            detached: false,
        })
    }

    pub(crate) fn pooled<F>(
        pool: &HandlerPool,
        sub: Subscriber,
        handler: F,
    ) -> io::Result<HandlerSubscription>
    where
        F: FnMut(Message) + Send + 'static,
    {
        let sub = Arc::new(sub);
        let task = pool.add(sub.clone(), Box::new(handler))?;
        Ok(HandlerSubscription {
            sub,
            runner: Runner::Pool(task),
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
    /// ends after the messages it had already sent. Returns at once;
    /// [`join`](Self::join) waits for the end.
    pub fn drain(&self) -> Result<(), Error> {
        self.sub.drain_now()
    }

    /// Waits until the subscription ended and the handler returned from its
    /// last message. Without an unsubscribe, drain or close (from anywhere)
    /// this waits as long as the subscription lives. Called from the
    /// subscription's own handler it fails at once with
    /// [`JoinError::FromHandler`]; called from another pooled handler it
    /// holds that pool thread while it waits.
    pub fn join(mut self) -> Result<(), JoinError> {
        match &mut self.runner {
            Runner::Thread { thread, id } => {
                if thread::current().id() == *id {
                    return Err(JoinError::FromHandler);
                }
                match thread.take() {
                    Some(t) => t.join().map_err(|_| JoinError::Panicked),
                    None => Ok(()),
                }
            }
            Runner::Pool(task) => task.join(),
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
