//! Watching keys: an ordered consumer on the bucket's subjects that yields
//! [`WatchEvent`]s, with the end of the initial data marked exactly once.

use super::KvError;
use super::entry::{Entry, Operation};
use crate::api::consumer as capi;
use crate::consumer::ConsumeOptions;
use crate::consumer::OrderedMessages;
use crate::context::JetStream;
use crate::error::Error;
use crate::message::JsMessage;
use crate::metadata::AckSubject;
use crate::transport::Transport;
use bytes::Bytes;
use futures_core::Stream;
use natrs_client::Client;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

/// What a watch delivers, and where it starts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WatchOptions {
    /// Every value still kept, not only the latest of each key.
    pub include_history: bool,
    /// Leave out delete and purge markers.
    pub ignore_deletes: bool,
    /// Deliver only metadata: entries come without their values.
    pub meta_only: bool,
    /// Only changes made after the watch started (the end of the initial
    /// data is reported at once).
    pub updates_only: bool,
    /// Start at this revision instead.
    pub resume_from_revision: Option<u64>,
}

impl WatchOptions {
    /// The default: the latest entry of each key, markers included, then
    /// the changes.
    pub fn new() -> WatchOptions {
        WatchOptions::default()
    }

    /// Delivers every value still kept.
    pub fn include_history(mut self) -> WatchOptions {
        self.include_history = true;
        self
    }

    /// Leaves out delete and purge markers.
    pub fn ignore_deletes(mut self) -> WatchOptions {
        self.ignore_deletes = true;
        self
    }

    /// Delivers entries without values.
    pub fn meta_only(mut self) -> WatchOptions {
        self.meta_only = true;
        self
    }

    /// Delivers only changes made after the watch started.
    pub fn updates_only(mut self) -> WatchOptions {
        self.updates_only = true;
        self
    }

    /// Starts at `revision`.
    pub fn resume_from_revision(mut self, revision: u64) -> WatchOptions {
        self.resume_from_revision = Some(revision);
        self
    }
}

/// One item of a watch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WatchEvent {
    /// An entry: a value or a marker.
    Entry(Entry),
    /// Everything that existed when the watch started was delivered; what
    /// follows are changes. Comes exactly once per watch, at once when there
    /// was nothing to deliver.
    EndOfInitialData,
}

/// Knows when the initial data of a watch has been delivered (ADR-8): the
/// first delivery with nothing pending after it, or once as many deliveries
/// as the consumer had pending when it was created, or at once when that was
/// none (or the watch takes only updates), or when the consumer reports that
/// it has nothing left to deliver (messages pending at its creation may
/// expire or be purged before delivery). Shared with Object Store watches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct InitialData {
    done: bool,
    expected: u64,
    received: u64,
}

impl InitialData {
    /// The tracker of a watch whose consumer had `initial_pending` messages
    /// when created, and whether the marker is due at once.
    pub(crate) fn new(updates_only: bool, initial_pending: u64) -> (InitialData, bool) {
        let done = updates_only || initial_pending == 0;
        (
            InitialData {
                done,
                expected: initial_pending,
                received: 0,
            },
            done,
        )
    }

    /// A delivery with `pending` messages after it; `true` when the marker
    /// is due now (once).
    pub(crate) fn on_delivery(&mut self, pending: u64) -> bool {
        if self.done {
            return false;
        }
        self.received += 1;
        if pending == 0 || self.received >= self.expected {
            self.done = true;
            return true;
        }
        false
    }

    /// The consumer is waiting with nothing to deliver (`caught_up`, see
    /// [`OrderedMessages::caught_up`]); `true` when the marker is due now
    /// (once).
    pub(crate) fn on_idle(&mut self, caught_up: bool) -> bool {
        if self.done || !caught_up {
            return false;
        }
        self.done = true;
        true
    }
}

/// How each pull of a watch's consumer is made: the ordered consumer's
/// 30 s expiry with a 5 s idle heartbeat, so that a watch whose pending
/// messages were removed before delivery reports the end of its initial
/// data within about 5 s (see [`InitialData::on_idle`]). Shared with Object
/// Store watches.
pub(crate) fn watch_consume_options() -> ConsumeOptions {
    ConsumeOptions::new()
        .expires(Duration::from_secs(30))
        .heartbeat(Duration::from_secs(5))
}

/// What a [`WatchFeed`] yields.
pub(crate) enum Fed<E> {
    /// The end of the initial data (exactly once).
    EndOfInitialData,
    /// A delivery, as the watch converted it.
    Item(E),
}

/// The part every watch shares (KV and Object Store): the ordered consumer
/// and the end-of-initial-data marker. Deliveries without metadata, and
/// those the watch's conversion drops, are skipped.
pub(crate) struct WatchFeed<T: Transport> {
    messages: OrderedMessages<T>,
    initial: InitialData,
    marker_due: bool,
}

impl<T: Transport> std::fmt::Debug for WatchFeed<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WatchFeed")
            .field("initial", &self.initial)
            .field("marker_due", &self.marker_due)
            .finish_non_exhaustive()
    }
}

impl<T: Transport> WatchFeed<T> {
    /// A feed over `messages`, whose initial data is empty when the watch
    /// takes only updates.
    pub(crate) fn new(messages: OrderedMessages<T>, updates_only: bool) -> WatchFeed<T> {
        let (initial, marker_due) = InitialData::new(updates_only, messages.initial_pending());
        WatchFeed {
            messages,
            initial,
            marker_due,
        }
    }

    /// The ordered consumer's messages.
    pub(crate) fn messages(&self) -> &OrderedMessages<T> {
        &self.messages
    }

    /// The next marker or converted delivery; `convert` returns `None` for a
    /// delivery the watch leaves out.
    pub(crate) fn poll_next<E>(
        &mut self,
        cx: &mut Context<'_>,
        mut convert: impl FnMut(&JsMessage<T>, &AckSubject<'_>) -> Option<E>,
    ) -> Poll<Option<Result<Fed<E>, Error>>> {
        loop {
            if self.marker_due {
                self.marker_due = false;
                return Poll::Ready(Some(Ok(Fed::EndOfInitialData)));
            }
            let m = match Pin::new(&mut self.messages).poll_next(cx) {
                Poll::Pending => {
                    if self.initial.on_idle(self.messages.caught_up()) {
                        return Poll::Ready(Some(Ok(Fed::EndOfInitialData)));
                    }
                    return Poll::Pending;
                }
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Ready(Some(Err(e))) => return Poll::Ready(Some(Err(e))),
                Poll::Ready(Some(Ok(m))) => m,
            };
            let Ok(meta) = m.ack_subject() else {
                continue;
            };
            self.marker_due = self.initial.on_delivery(meta.pending);
            if let Some(item) = convert(&m, &meta) {
                return Poll::Ready(Some(Ok(Fed::Item(item))));
            }
        }
    }
}

/// Deletes the consumer of an ordered read that is no longer wanted,
/// without waiting for the answer (the server would remove it after its
/// inactive threshold anyway).
pub(crate) fn release<T: Transport>(js: &JetStream<T>, messages: &OrderedMessages<T>) {
    let Some(name) = messages.consumer_name() else {
        return;
    };
    if let Ok(call) = capi::delete(js.prefix(), messages.stream_name(), name) {
        let transport = js.transport();
        let reply = transport.new_inbox();
        let _ = transport.publish(&call.subject, Some(&reply), None, &Bytes::new());
    }
}

/// A watch on a bucket: a stream of [`WatchEvent`]s. It runs until dropped
/// (which deletes its consumer); an error it yields after which the
/// consumer cannot be recovered (the bucket was deleted, the client closed)
/// ends it.
pub struct Watch<T: Transport = Client> {
    js: JetStream<T>,
    bucket: String,
    prefix: String,
    feed: WatchFeed<T>,
    ignore_deletes: bool,
}

impl<T: Transport> std::fmt::Debug for Watch<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Watch")
            .field("bucket", &self.bucket)
            .field("feed", &self.feed)
            .finish_non_exhaustive()
    }
}

impl<T: Transport> Watch<T> {
    pub(crate) fn new(
        js: JetStream<T>,
        bucket: String,
        prefix: String,
        messages: OrderedMessages<T>,
        options: &WatchOptions,
    ) -> Watch<T> {
        Watch {
            js,
            bucket,
            prefix,
            feed: WatchFeed::new(messages, options.updates_only),
            ignore_deletes: options.ignore_deletes,
        }
    }

    /// The revision of the last entry delivered (0: none yet).
    pub fn last_revision(&self) -> u64 {
        self.feed.messages().last_stream_sequence()
    }
}

impl<T: Transport> Drop for Watch<T> {
    fn drop(&mut self) {
        release(&self.js, self.feed.messages());
    }
}

impl<T: Transport> Stream for Watch<T> {
    type Item = Result<WatchEvent, KvError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        let (bucket, prefix, ignore_deletes) = (&this.bucket, &this.prefix, this.ignore_deletes);
        let fed = this.feed.poll_next(cx, |m, meta| {
            Entry::from_delivery(
                bucket,
                prefix,
                m.subject(),
                m.headers(),
                m.payload().clone(),
                meta,
            )
            .filter(|e| !(ignore_deletes && e.operation != Operation::Put))
        });
        fed.map(|item| {
            item.map(|fed| match fed {
                Ok(Fed::EndOfInitialData) => Ok(WatchEvent::EndOfInitialData),
                Ok(Fed::Item(entry)) => Ok(WatchEvent::Entry(entry)),
                Err(e) => Err(e.into()),
            })
        })
    }
}

/// The keys of a bucket, from a watch that ends with the initial data: a
/// stream of `Result<String>`.
#[derive(Debug)]
pub struct Keys<T: Transport = Client> {
    watch: Option<Watch<T>>,
}

impl<T: Transport> Keys<T> {
    pub(crate) fn new(watch: Watch<T>) -> Keys<T> {
        Keys { watch: Some(watch) }
    }
}

impl<T: Transport> Stream for Keys<T> {
    type Item = Result<String, KvError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        loop {
            let Some(watch) = self.watch.as_mut() else {
                return Poll::Ready(None);
            };
            match Pin::new(watch).poll_next(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Some(Ok(WatchEvent::Entry(e)))) => return Poll::Ready(Some(Ok(e.key))),
                Poll::Ready(Some(Err(e))) => {
                    self.watch = None;
                    return Poll::Ready(Some(Err(e)));
                }
                // The end of the initial data ends the listing (and the
                // consumer, which dropping the watch abandons).
                Poll::Ready(Some(Ok(WatchEvent::EndOfInitialData))) | Poll::Ready(None) => {
                    self.watch = None;
                }
            }
        }
    }
}

/// The entries a bucket keeps for a key, oldest first, from a watch that
/// ends with the initial data: a stream of `Result<Entry>` read as it is
/// delivered ([`KeyValue::list_history`](super::KeyValue::list_history)).
#[derive(Debug)]
pub struct History<T: Transport = Client> {
    watch: Option<Watch<T>>,
}

impl<T: Transport> History<T> {
    pub(crate) fn new(watch: Watch<T>) -> History<T> {
        History { watch: Some(watch) }
    }
}

impl<T: Transport> Stream for History<T> {
    type Item = Result<Entry, KvError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let Some(watch) = self.watch.as_mut() else {
            return Poll::Ready(None);
        };
        match Pin::new(watch).poll_next(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Some(Ok(WatchEvent::Entry(e)))) => Poll::Ready(Some(Ok(e))),
            Poll::Ready(Some(Err(e))) => {
                self.watch = None;
                Poll::Ready(Some(Err(e)))
            }
            Poll::Ready(Some(Ok(WatchEvent::EndOfInitialData))) | Poll::Ready(None) => {
                self.watch = None;
                Poll::Ready(None)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marker_at_once_when_empty_or_updates_only() {
        assert!(InitialData::new(false, 0).1);
        assert!(InitialData::new(true, 7).1);
        let (mut i, _) = InitialData::new(true, 7);
        assert!(!i.on_delivery(3));
        assert!(!i.on_delivery(0));
    }

    #[test]
    fn marker_at_pending_zero_once() {
        let (mut i, due) = InitialData::new(false, 3);
        assert!(!due);
        assert!(!i.on_delivery(2));
        assert!(i.on_delivery(0));
        assert!(!i.on_delivery(0));
        assert!(!i.on_delivery(5));
    }

    #[test]
    fn marker_when_the_consumer_is_idle_with_messages_still_counted() {
        // Two were pending at creation; one was delivered, the other expired.
        let (mut i, _) = InitialData::new(false, 2);
        assert!(!i.on_delivery(1));
        assert!(!i.on_idle(false));
        assert!(i.on_idle(true));
        assert!(!i.on_idle(true));
        assert!(!i.on_delivery(0));
    }

    #[test]
    fn marker_after_the_expected_count() {
        // New writes during the initial delivery keep pending above zero;
        // the count the consumer started with still ends it.
        let (mut i, _) = InitialData::new(false, 2);
        assert!(!i.on_delivery(3));
        assert!(i.on_delivery(4));
        assert!(!i.on_delivery(0));
    }
}
