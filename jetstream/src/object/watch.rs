//! Watching an object store: an ordered consumer on the meta subjects that
//! yields [`ObjectWatchEvent`]s, with the end of the initial data marked
//! exactly once.

use super::ObjectError;
use super::info::ObjectInfo;
use crate::consumer::OrderedMessages;
use crate::context::JetStream;
use crate::kv::watch::{Fed, WatchFeed, release};
use crate::transport::Transport;
use futures_core::Stream;
use natrs_client::Client;
use std::pin::Pin;
use std::task::{Context, Poll};
use time::OffsetDateTime;

/// What an object watch delivers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ObjectWatchOptions {
    /// Every meta message still kept, not only the latest of each object
    /// (the stream keeps one per name, so this matters only while a rename
    /// or an update is being made).
    pub include_history: bool,
    /// Leave out deleted objects.
    pub ignore_deletes: bool,
    /// Only changes made after the watch started (the end of the initial
    /// data is reported at once).
    pub updates_only: bool,
}

impl ObjectWatchOptions {
    /// The default: the latest info of each object, deleted ones included,
    /// then the changes.
    pub fn new() -> ObjectWatchOptions {
        ObjectWatchOptions::default()
    }

    /// Leaves out deleted objects.
    pub fn ignore_deletes(mut self) -> ObjectWatchOptions {
        self.ignore_deletes = true;
        self
    }

    /// Delivers only changes made after the watch started.
    pub fn updates_only(mut self) -> ObjectWatchOptions {
        self.updates_only = true;
        self
    }

    /// Delivers every meta message kept.
    pub fn include_history(mut self) -> ObjectWatchOptions {
        self.include_history = true;
        self
    }
}

/// One item of an object watch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ObjectWatchEvent {
    /// An object's info changed (put, meta update, link, delete).
    Info(Box<ObjectInfo>),
    /// Everything that existed when the watch started was delivered. Comes
    /// exactly once per watch, at once when there was nothing.
    EndOfInitialData,
}

/// A watch on an object store: a stream of [`ObjectWatchEvent`]s. Meta
/// messages that cannot be read are skipped. Dropping it deletes its
/// consumer.
pub struct ObjectWatch<T: Transport = Client> {
    js: JetStream<T>,
    feed: WatchFeed<T>,
    ignore_deletes: bool,
}

impl<T: Transport> std::fmt::Debug for ObjectWatch<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ObjectWatch")
            .field("feed", &self.feed)
            .finish_non_exhaustive()
    }
}

impl<T: Transport> ObjectWatch<T> {
    pub(crate) fn new(
        js: JetStream<T>,
        messages: OrderedMessages<T>,
        options: &ObjectWatchOptions,
    ) -> ObjectWatch<T> {
        ObjectWatch {
            js,
            feed: WatchFeed::new(messages, options.updates_only),
            ignore_deletes: options.ignore_deletes,
        }
    }
}

impl<T: Transport> Drop for ObjectWatch<T> {
    fn drop(&mut self) {
        release(&self.js, self.feed.messages());
    }
}

impl<T: Transport> Stream for ObjectWatch<T> {
    type Item = Result<ObjectWatchEvent, ObjectError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        let ignore_deletes = this.ignore_deletes;
        let fed = this.feed.poll_next(cx, |m, meta| {
            let mut info = ObjectInfo::from_meta_json(m.payload()).ok()?;
            if ignore_deletes && info.deleted {
                return None;
            }
            info.modified =
                OffsetDateTime::from_unix_timestamp_nanos(i128::from(meta.timestamp_nanos)).ok();
            Some(info)
        });
        fed.map(|item| {
            item.map(|fed| match fed {
                Ok(Fed::EndOfInitialData) => Ok(ObjectWatchEvent::EndOfInitialData),
                Ok(Fed::Item(info)) => Ok(ObjectWatchEvent::Info(Box::new(info))),
                Err(e) => Err(e.into()),
            })
        })
    }
}
/// The objects of a store, from a watch that ends with the initial data: a
/// stream of `Result<ObjectInfo>` read as the infos are delivered
/// ([`ObjectStore::list_objects`](super::ObjectStore::list_objects)).
#[derive(Debug)]
pub struct ObjectList<T: Transport = Client> {
    watch: Option<ObjectWatch<T>>,
}

impl<T: Transport> ObjectList<T> {
    pub(crate) fn new(watch: ObjectWatch<T>) -> ObjectList<T> {
        ObjectList { watch: Some(watch) }
    }
}

impl<T: Transport> Stream for ObjectList<T> {
    type Item = Result<ObjectInfo, ObjectError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let Some(watch) = self.watch.as_mut() else {
            return Poll::Ready(None);
        };
        match Pin::new(watch).poll_next(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Some(Ok(ObjectWatchEvent::Info(info)))) => Poll::Ready(Some(Ok(*info))),
            Poll::Ready(Some(Err(e))) => {
                self.watch = None;
                Poll::Ready(Some(Err(e)))
            }
            Poll::Ready(Some(Ok(ObjectWatchEvent::EndOfInitialData))) | Poll::Ready(None) => {
                self.watch = None;
                Poll::Ready(None)
            }
        }
    }
}
