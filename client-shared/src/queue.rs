//! The delivery queue between the driver and one subscription: bounded by
//! message and byte limits, counting what it drops (slow consumer).

use crate::slot::lock;
use crate::writer::note_wait;
use natrs_core::Message;
use natrs_core::client::SubscriptionEnd;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Waker};

/// Pending limits of a subscription: past either, new messages are dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PendingLimits {
    /// Messages waiting to be consumed.
    pub messages: usize,
    /// Payload and header bytes waiting to be consumed (nats.go counts
    /// payloads only; a message's headers can be far larger than its payload).
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

/// Messages for one subscription, waiting for its consumer: the producer's
/// side, shared by the driver and the subscription's [`Consumer`].
///
/// Two locks keep the producer (the driver) and the consumer apart: the
/// driver pushes batches under `inner`; the consumer pops from what it took
/// (its own [`Consumer`]) and refills that from `inner` a batch at a time, so
/// a busy subscription does not bounce one lock between two threads per
/// message. What the consumer holds is published in `held`, on cache lines
/// of its own, for the producer's limit checks. Lock order: the consumer's,
/// then `inner`.
#[derive(Debug)]
pub(crate) struct DeliveryQueue {
    inner: Lines<Mutex<Inner>>,
    held: Lines<Held>,
}

/// Keeps what it holds on cache lines of its own (128 bytes: two lines, as
/// adjacent-line prefetching pairs them).
#[derive(Debug)]
#[repr(align(128))]
struct Lines<T>(T);

/// Messages and bytes (see [`size_of`]) the consumer holds, read by the producer once
/// per batch. Only the consumer writes them, under its own lock or with its
/// own `&mut`, so plain stores do.
#[derive(Debug, Default)]
struct Held {
    msgs: AtomicUsize,
    bytes: AtomicUsize,
}

/// Messages a consumer took from the producer side in one batch.
#[derive(Debug, Default)]
struct Taken {
    msgs: VecDeque<Message>,
    /// Bytes of `msgs` (see [`size_of`]).
    bytes: usize,
}

/// The consumer's end of a [`DeliveryQueue`]: what it took, handed out one
/// message at a time. Polled through `&mut` (as a `Stream` is), it takes a
/// message without any lock or atomic read-modify-write; through `&` (from
/// any thread) it locks what it took.
#[derive(Debug)]
pub(crate) struct Consumer {
    queue: Arc<DeliveryQueue>,
    taken: Mutex<Taken>,
}

/// What a message counts against the byte limit: its payload and its header
/// block (as encoded; the parsed headers hold about as much).
fn size_of(m: &Message) -> usize {
    match &m.headers {
        None => m.payload.len(),
        Some(headers) => m.payload.len() + headers.encoded_len(),
    }
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
            held: Lines(Held::default()),
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
            self.held.0.msgs.load(Ordering::Relaxed),
            self.held.0.bytes.load(Ordering::Relaxed),
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

    /// Pops the next message `taken` holds, refilling it from the producer
    /// side when empty. `Err(ended)` when there is none.
    fn take(&self, taken: &mut Taken, cx: Option<&mut Context<'_>>) -> Result<Message, bool> {
        if let Some(m) = self.pop(taken) {
            return Ok(m);
        }
        // Everything queued moves over at once: the two queues swap (the
        // producer keeps the emptied one's room).
        let mut q = lock(&self.inner.0);
        std::mem::swap(&mut taken.msgs, &mut q.msgs);
        taken.bytes = std::mem::take(&mut q.bytes);
        if let Some(m) = self.pop(taken) {
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

    /// Pops the next message of `taken`, publishing what is left for the
    /// producer's limit checks.
    fn pop(&self, taken: &mut Taken) -> Option<Message> {
        let m = taken.msgs.pop_front()?;
        taken.bytes -= size_of(&m);
        self.held.0.msgs.store(taken.msgs.len(), Ordering::Relaxed);
        self.held.0.bytes.store(taken.bytes, Ordering::Relaxed);
        Some(m)
    }

    /// Why it ended, if it did.
    pub(crate) fn end_reason(&self) -> Option<SubscriptionEnd> {
        lock(&self.inner.0).end.clone()
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

impl Consumer {
    /// The consumer of `queue`, holding nothing yet.
    pub(crate) fn new(queue: Arc<DeliveryQueue>) -> Consumer {
        Consumer {
            queue,
            taken: Mutex::new(Taken::default()),
        }
    }

    /// The producer's side: counts, limits and how the subscription ended.
    pub(crate) fn queue(&self) -> &DeliveryQueue {
        &self.queue
    }

    /// The next message, `None` once ended and empty, or `Pending`.
    pub(crate) fn poll_next(&self, cx: &mut Context<'_>) -> Poll<Option<Message>> {
        ready(self.queue.take(&mut lock(&self.taken), Some(cx)))
    }

    /// [`poll_next`](Consumer::poll_next) for the consumer's owner.
    pub(crate) fn poll_next_mut(&mut self, cx: &mut Context<'_>) -> Poll<Option<Message>> {
        let taken = self.taken.get_mut().unwrap_or_else(PoisonError::into_inner);
        ready(self.queue.take(taken, Some(cx)))
    }

    /// The next message if one is queued, without waiting.
    pub(crate) fn try_next(&self) -> Option<Message> {
        self.queue.take(&mut lock(&self.taken), None).ok()
    }

    /// Whether the subscription ended and everything was consumed.
    pub(crate) fn is_finished(&self) -> bool {
        let taken = lock(&self.taken);
        let q = lock(&self.queue.inner.0);
        q.end.is_some() && q.msgs.is_empty() && taken.msgs.is_empty()
    }

    /// Messages and bytes waiting.
    pub(crate) fn pending(&self) -> (usize, usize) {
        let taken = lock(&self.taken);
        let q = lock(&self.queue.inner.0);
        (q.msgs.len() + taken.msgs.len(), q.bytes + taken.bytes)
    }
}

/// What a take means to a poll.
fn ready(taken: Result<Message, bool>) -> Poll<Option<Message>> {
    match taken {
        Ok(m) => Poll::Ready(Some(m)),
        Err(true) => Poll::Ready(None),
        Err(false) => {
            note_wait();
            Poll::Pending
        }
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

    fn consumer(messages: usize, bytes: usize) -> Consumer {
        Consumer::new(Arc::new(DeliveryQueue::new(PendingLimits {
            messages,
            bytes,
        })))
    }

    fn drain(q: &Consumer) -> Vec<Bytes> {
        std::iter::from_fn(|| q.try_next())
            .map(|m| m.payload)
            .collect()
    }

    #[test]
    fn a_batch_that_fits_goes_in_whole_and_one_that_does_not_is_cut() {
        let c = consumer(3, 100);
        let q = c.queue();
        let mut wake = Vec::new();
        let mut b = batch(&["a", "b"]);
        assert_eq!(q.push_batch(&mut b, &mut wake), None);
        assert!(b.is_empty());
        assert_eq!(c.pending(), (2, 2));
        // One more fits; the fourth starts a slow-consumer episode.
        let mut b = batch(&["c", "d", "e"]);
        assert_eq!(q.push_batch(&mut b, &mut wake), Some(1));
        assert!(b.is_empty());
        assert_eq!((c.pending(), q.dropped(), q.delivered()), ((3, 3), 2, 3));
        // Messages the consumer holds count against the limits too.
        assert_eq!(c.try_next().map(|m| m.payload), Some(Bytes::from("a")));
        // "f" gets in, which ends the episode; "g" starts another.
        let mut b = batch(&["f", "g"]);
        assert_eq!(q.push_batch(&mut b, &mut wake), Some(3));
        assert_eq!(drain(&c), ["b", "c", "f"]);
        // An empty queue takes a whole batch again.
        let mut b = batch(&["h", "i", "j"]);
        assert_eq!(q.push_batch(&mut b, &mut wake), None);
        let mut b = batch(&["k"]);
        assert_eq!(q.push_batch(&mut b, &mut wake), Some(4));
        assert_eq!(drain(&c), ["h", "i", "j"]);
    }

    #[test]
    fn the_byte_limit_counts_payloads() {
        let c = consumer(100, 5);
        let q = c.queue();
        let mut wake = Vec::new();
        let mut b = batch(&["12", "345", "6"]);
        assert_eq!(q.push_batch(&mut b, &mut wake), Some(1));
        assert_eq!(c.pending(), (2, 5));
        assert_eq!(drain(&c), ["12", "345"]);
        let mut b = batch(&["12345"]);
        assert_eq!(q.push_batch(&mut b, &mut wake), None);
        assert_eq!(c.pending(), (1, 5));
    }

    #[test]
    fn the_byte_limit_counts_headers() {
        let c = consumer(100, 1000);
        let q = c.queue();
        let mut wake = Vec::new();
        let mut headers = natrs_core::HeaderMap::new();
        headers.insert("Big", "x".repeat(400));
        let with_headers = |payload| Message {
            headers: Some(headers.clone()),
            ..message(payload)
        };
        let size = 2 + headers.encoded_len();
        let mut b: VecDeque<Message> = (0..3).map(|_| with_headers("ab")).collect();
        // Two fit in 1000 bytes, the third starts a slow-consumer episode.
        assert_eq!(q.push_batch(&mut b, &mut wake), Some(1));
        assert_eq!(c.pending(), (2, 2 * size));
        assert!(c.try_next().is_some());
        assert_eq!(c.pending(), (1, size));
    }

    #[test]
    fn owner_and_shared_takes_hand_out_one_sequence() {
        let mut c = consumer(usize::MAX, usize::MAX);
        let mut wake = Vec::new();
        let mut b = batch(&["a", "b", "c", "d"]);
        c.queue().push_batch(&mut b, &mut wake);
        let mut cx = Context::from_waker(Waker::noop());
        let mut next = |c: &mut Consumer, owner: bool| {
            let polled = if owner {
                c.poll_next_mut(&mut cx)
            } else {
                c.poll_next(&mut cx)
            };
            match polled {
                Poll::Ready(Some(m)) => Some(m.payload),
                Poll::Ready(None) => None,
                Poll::Pending => Some(Bytes::from_static(b"pending")),
            }
        };
        assert_eq!(next(&mut c, true).unwrap(), "a");
        assert_eq!(c.pending(), (3, 3));
        assert_eq!(next(&mut c, false).unwrap(), "b");
        assert_eq!(c.try_next().unwrap().payload, "c");
        assert_eq!(next(&mut c, true).unwrap(), "d");
        assert_eq!(next(&mut c, true).unwrap(), "pending");
        c.queue().end(SubscriptionEnd::Unsubscribed, &mut wake);
        assert!(c.is_finished());
        assert_eq!(next(&mut c, true), None);
        assert_eq!(next(&mut c, false), None);
    }
}
