//! The delivery queue between the driver and one subscription: bounded by
//! message and byte limits, counting what it drops (slow consumer).

use crate::slot::lock;
use natrs_core::Message;
use natrs_core::client::SubscriptionEnd;
use std::collections::VecDeque;
use std::sync::Mutex;
use std::task::{Context, Poll, Waker};

/// Pending limits of a subscription: past either, new messages are dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PendingLimits {
    /// Messages waiting to be consumed.
    pub messages: usize,
    /// Payload bytes waiting to be consumed.
    pub bytes: usize,
}

impl PendingLimits {
    /// nats.go's defaults: 512Ki messages, 64 MiB.
    pub const DEFAULT: PendingLimits = PendingLimits {
        messages: 512 * 1024,
        bytes: 64 * 1024 * 1024,
    };
    /// No limit.
    pub const UNLIMITED: PendingLimits = PendingLimits {
        messages: usize::MAX,
        bytes: usize::MAX,
    };
}

impl Default for PendingLimits {
    fn default() -> Self {
        PendingLimits::DEFAULT
    }
}

/// What happened to a pushed message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pushed {
    /// Queued.
    Queued,
    /// Dropped; `first` is true for the first drop of a slow-consumer episode.
    Dropped { first: bool },
}

#[derive(Debug)]
struct Inner {
    msgs: VecDeque<Message>,
    bytes: usize,
    limits: PendingLimits,
    dropped: u64,
    delivered: u64,
    slow: bool,
    end: Option<SubscriptionEnd>,
    waker: Option<Waker>,
}

/// Messages for one subscription, waiting for its consumer.
#[derive(Debug)]
pub(crate) struct DeliveryQueue {
    inner: Mutex<Inner>,
}

/// What a message counts against the byte limit: its payload, as in nats.go.
fn size_of(m: &Message) -> usize {
    m.payload.len()
}

impl DeliveryQueue {
    pub(crate) fn new(limits: PendingLimits) -> DeliveryQueue {
        DeliveryQueue {
            inner: Mutex::new(Inner {
                msgs: VecDeque::new(),
                bytes: 0,
                limits,
                dropped: 0,
                delivered: 0,
                slow: false,
                end: None,
                waker: None,
            }),
        }
    }

    /// Queues a message unless the limits are reached.
    pub(crate) fn push(&self, message: Message) -> Pushed {
        let size = size_of(&message);
        let waker = {
            let mut q = lock(&self.inner);
            if q.msgs.len() >= q.limits.messages || q.bytes.saturating_add(size) > q.limits.bytes {
                q.dropped += 1;
                let first = !q.slow;
                q.slow = true;
                return Pushed::Dropped { first };
            }
            q.slow = false;
            q.bytes += size;
            q.delivered += 1;
            q.msgs.push_back(message);
            q.waker.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
        Pushed::Queued
    }

    /// Marks the end of the subscription; queued messages are still delivered.
    pub(crate) fn end(&self, reason: SubscriptionEnd) {
        let waker = {
            let mut q = lock(&self.inner);
            if q.end.is_none() {
                q.end = Some(reason);
            }
            q.waker.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    }

    /// The next message, `None` once ended and empty, or `Pending`.
    pub(crate) fn poll_next(&self, cx: &mut Context<'_>) -> Poll<Option<Message>> {
        let mut q = lock(&self.inner);
        if let Some(m) = q.msgs.pop_front() {
            q.bytes -= size_of(&m);
            return Poll::Ready(Some(m));
        }
        if q.end.is_some() {
            return Poll::Ready(None);
        }
        match &q.waker {
            Some(w) if w.will_wake(cx.waker()) => {}
            _ => q.waker = Some(cx.waker().clone()),
        }
        Poll::Pending
    }

    /// The next message if one is queued, without waiting.
    pub(crate) fn try_next(&self) -> Option<Message> {
        let mut q = lock(&self.inner);
        let m = q.msgs.pop_front()?;
        q.bytes -= size_of(&m);
        Some(m)
    }

    /// Whether the subscription ended and everything was consumed.
    pub(crate) fn is_finished(&self) -> bool {
        let q = lock(&self.inner);
        q.end.is_some() && q.msgs.is_empty()
    }

    /// Why it ended, if it did.
    pub(crate) fn end_reason(&self) -> Option<SubscriptionEnd> {
        lock(&self.inner).end.clone()
    }

    /// Messages and bytes waiting.
    pub(crate) fn pending(&self) -> (usize, usize) {
        let q = lock(&self.inner);
        (q.msgs.len(), q.bytes)
    }

    /// Messages dropped because the limits were reached.
    pub(crate) fn dropped(&self) -> u64 {
        lock(&self.inner).dropped
    }

    /// Messages queued so far.
    pub(crate) fn delivered(&self) -> u64 {
        lock(&self.inner).delivered
    }

    pub(crate) fn set_limits(&self, limits: PendingLimits) {
        lock(&self.inner).limits = limits;
    }

    pub(crate) fn limits(&self) -> PendingLimits {
        lock(&self.inner).limits
    }
}
