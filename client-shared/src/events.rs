//! Connection events for the application: a callback and any number of streams.

use crate::slot::lock;
use natrs_core::ServerAddr;
use natrs_core::error::{CloseReason, DisconnectReason, ServerError};
use natrs_core::headers::HeaderError;
use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::{Arc, Mutex, Weak};
use std::task::{Context, Poll, Waker};

/// Something that happened to the connection.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClientEvent {
    /// The first connection was made.
    Connected {
        /// The server.
        server: ServerAddr,
    },
    /// The connection was lost; the client is reconnecting unless it closes.
    Disconnected {
        /// Why.
        reason: DisconnectReason,
    },
    /// The client connected again.
    Reconnected {
        /// The server.
        server: ServerAddr,
    },
    /// The cluster announced servers the client did not know.
    ServersDiscovered {
        /// The new servers as `host:port`.
        servers: Vec<String>,
    },
    /// The server is in lame duck mode and will shut down soon.
    LameDuck,
    /// A subscription's pending limits were reached and messages are being
    /// dropped; reported once per episode.
    SlowConsumer {
        /// The subscription id.
        sid: u64,
        /// Its subject.
        subject: String,
        /// Messages it has dropped in total.
        dropped: u64,
    },
    /// The server reported a non-fatal error, such as a permissions violation.
    ServerError(ServerError),
    /// A message arrived with headers that could not be parsed (delivered without them).
    BadHeaders {
        /// The subscription id.
        sid: u64,
        /// What was wrong.
        error: HeaderError,
    },
    /// The client closed for good.
    Closed {
        /// Why.
        reason: CloseReason,
    },
}

/// Events kept for a slow reader of [`EventStream`] before the oldest are dropped.
const EVENT_BACKLOG: usize = 1024;

#[derive(Debug, Default)]
pub(crate) struct EventQueue {
    inner: Mutex<(VecDeque<ClientEvent>, Option<Waker>, bool)>,
    /// The sequence number of the first event this stream wants (events
    /// that happened before it was made may still be on their way).
    from: u64,
}

impl EventQueue {
    fn push(&self, event: ClientEvent, last: bool) {
        let waker = {
            let mut q = lock(&self.inner);
            if q.0.len() == EVENT_BACKLOG {
                q.0.pop_front();
            }
            q.0.push_back(event);
            q.2 |= last;
            q.1.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    }
}

/// The subscribers to events.
#[derive(Default)]
pub(crate) struct EventHub {
    callback: Option<Arc<dyn Fn(ClientEvent) + Send + Sync>>,
    streams: Mutex<Vec<Weak<EventQueue>>>,
}

impl std::fmt::Debug for EventHub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventHub").finish_non_exhaustive()
    }
}

impl EventHub {
    pub(crate) fn new(callback: Option<Arc<dyn Fn(ClientEvent) + Send + Sync>>) -> EventHub {
        EventHub {
            callback,
            streams: Mutex::new(Vec::new()),
        }
    }

    /// Hands event number `seq` to the callback and every live stream made
    /// before it happened.
    pub(crate) fn emit(&self, seq: u64, event: ClientEvent) {
        let last = matches!(event, ClientEvent::Closed { .. });
        {
            let mut streams = lock(&self.streams);
            streams.retain(|w| match w.upgrade() {
                Some(q) => {
                    if seq >= q.from {
                        q.push(event.clone(), last);
                    }
                    true
                }
                None => false,
            });
        }
        if let Some(cb) = &self.callback {
            cb(event);
        }
    }

    /// A stream of the events from number `from` on (`closed`: the client
    /// closed already, so it only gets `Closed`).
    pub(crate) fn stream(&self, closed: Option<CloseReason>, from: u64) -> EventStream {
        let queue = Arc::new(EventQueue {
            from,
            ..EventQueue::default()
        });
        if let Some(reason) = closed {
            queue.push(ClientEvent::Closed { reason }, true);
        } else {
            lock(&self.streams).push(Arc::downgrade(&queue));
        }
        EventStream { queue }
    }
}

/// A stream of [`ClientEvent`]s, from the moment it was made; it ends after
/// [`ClientEvent::Closed`]. If it is not read, the oldest events are dropped
/// past a backlog of 1024.
#[derive(Debug)]
pub struct EventStream {
    queue: Arc<EventQueue>,
}

impl EventStream {
    /// The next event, or `Pending`.
    pub fn poll_next_event(&self, cx: &mut Context<'_>) -> Poll<Option<ClientEvent>> {
        let mut q = lock(&self.queue.inner);
        if let Some(e) = q.0.pop_front() {
            return Poll::Ready(Some(e));
        }
        if q.2 {
            return Poll::Ready(None);
        }
        q.1 = Some(cx.waker().clone());
        Poll::Pending
    }

    /// The next event if one is waiting.
    pub fn try_next(&self) -> Option<ClientEvent> {
        lock(&self.queue.inner).0.pop_front()
    }
}

impl futures_core::Stream for EventStream {
    type Item = ClientEvent;
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<ClientEvent>> {
        self.poll_next_event(cx)
    }
}
