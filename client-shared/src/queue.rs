//! The delivery queue between the driver and one subscription: bounded by
//! message and byte limits, counting what it drops (slow consumer).

use crate::slot::lock;
use crate::writer::note_wait;
use natrs_core::Message;
use natrs_core::client::SubscriptionEnd;
use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
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
///
/// Two locks keep the producer (the driver) and the consumer apart: the
/// driver pushes batches under `inner`; the consumer pops from `taken` and
/// refills it from `inner` a batch at a time, so a busy subscription does not
/// bounce one lock between two threads per message. The two sides live on
/// cache lines of their own, so that a pop and a push running on two CPUs
/// at once do not contend for one line. Lock order: `taken`, then `inner`.
#[derive(Debug)]
pub(crate) struct DeliveryQueue {
    inner: Lines<Mutex<Inner>>,
    consumer: Lines<ConsumerSide>,
}

/// Keeps what it holds on cache lines of its own (128 bytes: two lines, as
/// adjacent-line prefetching pairs them).
#[derive(Debug)]
#[repr(align(128))]
struct Lines<T>(T);

/// The consumer's side of a [`DeliveryQueue`].
#[derive(Debug)]
struct ConsumerSide {
    /// Messages the consumer took from the producer side in one batch.
    taken: Mutex<Taken>,
    /// Messages and bytes `taken` holds, for the producer's limit checks
    /// (read once per batch). Only the consumer writes them, under `taken`'s
    /// lock, so plain stores do.
    held_msgs: AtomicUsize,
    held_bytes: AtomicUsize,
}

#[derive(Debug, Default)]
struct Taken {
    msgs: VecDeque<Message>,
    /// Payload bytes of `msgs`.
    bytes: usize,
}

impl ConsumerSide {
    /// Pops the next taken message, publishing what is left for the
    /// producer's limit checks.
    fn pop(&self, taken: &mut Taken) -> Option<Message> {
        let m = taken.msgs.pop_front()?;
        taken.bytes -= size_of(&m);
        self.held_msgs.store(taken.msgs.len(), Ordering::Relaxed);
        self.held_bytes.store(taken.bytes, Ordering::Relaxed);
        Some(m)
    }
}

/// What a message counts against the byte limit: its payload, as in nats.go.
fn size_of(m: &Message) -> usize {
    m.payload.len()
}

impl Inner {
    /// Whether `count` more messages of `size` bytes in all stay within the
    /// limits, counting `held` (messages, bytes) the consumer side holds as
    /// pending too.
    fn fits(&self, count: usize, size: usize, held: (usize, usize)) -> bool {
        (self.msgs.len() + held.0).saturating_add(count) <= self.limits.messages
            && (self.bytes + held.1).saturating_add(size) <= self.limits.bytes
    }

    /// Queues one message unless the limits are reached, counting `held`
    /// (messages, bytes) the consumer side holds as pending too.
    fn push(&mut self, message: Message, held: (usize, usize)) -> Pushed {
        if !self.fits(1, size_of(&message), held) {
            self.dropped += 1;
            let first = !self.slow;
            self.slow = true;
            return Pushed::Dropped { first };
        }
        self.slow = false;
        self.bytes += size_of(&message);
        self.delivered += 1;
        self.msgs.push_back(message);
        Pushed::Queued
    }
}

impl DeliveryQueue {
    pub(crate) fn new(limits: PendingLimits) -> DeliveryQueue {
        DeliveryQueue {
            inner: Lines(Mutex::new(Inner {
                msgs: VecDeque::new(),
                bytes: 0,
                limits,
                dropped: 0,
                delivered: 0,
                slow: false,
                end: None,
                waker: None,
            })),
            consumer: Lines(ConsumerSide {
                taken: Mutex::new(Taken::default()),
                held_msgs: AtomicUsize::new(0),
                held_bytes: AtomicUsize::new(0),
            }),
        }
    }

    /// Queues `batch` (emptied) under one lock, dropping what exceeds the
    /// limits; adds the consumer's waker to `wake`. Returns the drop count at
    /// the drop that started a slow-consumer episode, if one did.
    pub(crate) fn push_batch(
        &self,
        batch: &mut VecDeque<Message>,
        wake: &mut Vec<Waker>,
    ) -> Option<u64> {
        let held = (
            self.consumer.0.held_msgs.load(Ordering::Relaxed),
            self.consumer.0.held_bytes.load(Ordering::Relaxed),
        );
        let size: usize = batch.iter().map(size_of).sum();
        let mut episode = None;
        let mut q = lock(&self.inner.0);
        if q.fits(batch.len(), size, held) {
            // Everything fits: one bulk move, no checks per message.
            q.slow = false;
            q.bytes += size;
            q.delivered += batch.len() as u64;
            q.msgs.append(batch);
        } else {
            for message in batch.drain(..) {
                if let Pushed::Dropped { first: true } = q.push(message, held) {
                    episode.get_or_insert(q.dropped);
                }
            }
        }
        wake.extend(q.waker.take());
        episode
    }

    /// Marks the end of the subscription (queued messages are still
    /// delivered); adds the consumer's waker to `wake`.
    pub(crate) fn end(&self, reason: SubscriptionEnd, wake: &mut Vec<Waker>) {
        let mut q = lock(&self.inner.0);
        if q.end.is_none() {
            q.end = Some(reason);
        }
        wake.extend(q.waker.take());
    }

    /// Takes the next message from the consumer side, refilling it from the
    /// producer side when empty. `Err(ended)` when there is none.
    fn take(&self, cx: Option<&mut Context<'_>>) -> Result<Message, bool> {
        let side = &self.consumer.0;
        let mut taken = lock(&side.taken);
        if let Some(m) = side.pop(&mut taken) {
            return Ok(m);
        }
        // Everything queued moves over at once: the two queues swap (the
        // producer keeps the emptied one's room).
        let mut q = lock(&self.inner.0);
        std::mem::swap(&mut taken.msgs, &mut q.msgs);
        taken.bytes = std::mem::take(&mut q.bytes);
        if let Some(m) = side.pop(&mut taken) {
            return Ok(m);
        }
        if q.end.is_some() {
            return Err(true);
        }
        if let Some(cx) = cx {
            match &q.waker {
                Some(w) if w.will_wake(cx.waker()) => {}
                _ => q.waker = Some(cx.waker().clone()),
            }
        }
        Err(false)
    }

    /// The next message, `None` once ended and empty, or `Pending`.
    pub(crate) fn poll_next(&self, cx: &mut Context<'_>) -> Poll<Option<Message>> {
        match self.take(Some(cx)) {
            Ok(m) => Poll::Ready(Some(m)),
            Err(true) => Poll::Ready(None),
            Err(false) => {
                note_wait();
                Poll::Pending
            }
        }
    }

    /// The next message if one is queued, without waiting.
    pub(crate) fn try_next(&self) -> Option<Message> {
        self.take(None).ok()
    }

    /// Whether the subscription ended and everything was consumed.
    pub(crate) fn is_finished(&self) -> bool {
        let taken = lock(&self.consumer.0.taken);
        let q = lock(&self.inner.0);
        q.end.is_some() && q.msgs.is_empty() && taken.msgs.is_empty()
    }

    /// Why it ended, if it did.
    pub(crate) fn end_reason(&self) -> Option<SubscriptionEnd> {
        lock(&self.inner.0).end.clone()
    }

    /// Messages and bytes waiting.
    pub(crate) fn pending(&self) -> (usize, usize) {
        let taken = lock(&self.consumer.0.taken);
        let q = lock(&self.inner.0);
        (q.msgs.len() + taken.msgs.len(), q.bytes + taken.bytes)
    }

    /// Messages dropped because the limits were reached.
    pub(crate) fn dropped(&self) -> u64 {
        lock(&self.inner.0).dropped
    }

    /// Messages queued so far.
    pub(crate) fn delivered(&self) -> u64 {
        lock(&self.inner.0).delivered
    }

    pub(crate) fn set_limits(&self, limits: PendingLimits) {
        lock(&self.inner.0).limits = limits;
    }

    pub(crate) fn limits(&self) -> PendingLimits {
        lock(&self.inner.0).limits
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use natrs_core::Subject;

    fn message(payload: &'static str) -> Message {
        Message {
            subject: Subject::from_static("s"),
            reply: None,
            headers: None,
            payload: Bytes::from_static(payload.as_bytes()),
            length: 0,
        }
    }

    fn batch(payloads: &[&'static str]) -> VecDeque<Message> {
        payloads.iter().map(|p| message(p)).collect()
    }

    fn drain(q: &DeliveryQueue) -> Vec<Bytes> {
        std::iter::from_fn(|| q.try_next())
            .map(|m| m.payload)
            .collect()
    }

    #[test]
    fn a_batch_that_fits_goes_in_whole_and_one_that_does_not_is_cut() {
        let q = DeliveryQueue::new(PendingLimits {
            messages: 3,
            bytes: 100,
        });
        let mut wake = Vec::new();
        let mut b = batch(&["a", "b"]);
        assert_eq!(q.push_batch(&mut b, &mut wake), None);
        assert!(b.is_empty());
        assert_eq!(q.pending(), (2, 2));
        // One more fits; the fourth starts a slow-consumer episode.
        let mut b = batch(&["c", "d", "e"]);
        assert_eq!(q.push_batch(&mut b, &mut wake), Some(1));
        assert!(b.is_empty());
        assert_eq!((q.pending(), q.dropped(), q.delivered()), ((3, 3), 2, 3));
        // Messages the consumer holds count against the limits too.
        assert_eq!(q.try_next().map(|m| m.payload), Some(Bytes::from("a")));
        // "f" gets in, which ends the episode; "g" starts another.
        let mut b = batch(&["f", "g"]);
        assert_eq!(q.push_batch(&mut b, &mut wake), Some(3));
        assert_eq!(drain(&q), ["b", "c", "f"]);
        // An empty queue takes a whole batch again.
        let mut b = batch(&["h", "i", "j"]);
        assert_eq!(q.push_batch(&mut b, &mut wake), None);
        let mut b = batch(&["k"]);
        assert_eq!(q.push_batch(&mut b, &mut wake), Some(4));
        assert_eq!(drain(&q), ["h", "i", "j"]);
    }

    #[test]
    fn the_byte_limit_counts_payloads() {
        let q = DeliveryQueue::new(PendingLimits {
            messages: 100,
            bytes: 5,
        });
        let mut wake = Vec::new();
        let mut b = batch(&["12", "345", "6"]);
        assert_eq!(q.push_batch(&mut b, &mut wake), Some(1));
        assert_eq!(q.pending(), (2, 5));
        assert_eq!(drain(&q), ["12", "345"]);
        let mut b = batch(&["12345"]);
        assert_eq!(q.push_batch(&mut b, &mut wake), None);
        assert_eq!(q.pending(), (1, 5));
    }
}
