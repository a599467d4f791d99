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
    /// More than 16 MiB wait to be written: the server is not reading what
    /// the client sends (a PONG for each of its PINGs, publishes). The
    /// client stops reading until the backlog has been written, as nats.go's
    /// reader does when its write blocks, so a server that sends without
    /// reading cannot grow the client's memory. If the server stays that
    /// way, the client's own PINGs go unanswered and the connection is
    /// closed as stale. Reported once per episode.
    ReadingPaused {
        /// Bytes waiting to be written when reading paused.
        unwritten: usize,
    },
    /// An [`EventStream`] that was not read fast enough dropped its oldest
    /// events (past 1024 events or 1 MiB waiting); this takes their place.
    /// Only streams get it, never the event callback.
    ///
    /// The connection's changes among them are not lost with them: the last
    /// [`Disconnected`](ClientEvent::Disconnected) of the dropped events,
    /// and the last [`Reconnected`](ClientEvent::Reconnected) (or
    /// [`Connected`](ClientEvent::Connected)) after it, come right after
    /// this, so that a reader (a consumer that pulls again after a
    /// reconnect, a publisher whose acks were lost with a connection)
    /// still learns of every change. `count` does not include them.
    EventsDropped {
        /// How many events were dropped.
        count: u64,
    },
}

/// Events kept for a slow reader of [`EventStream`] before the oldest are dropped.
const EVENT_BACKLOG: usize = 1024;
/// Bytes of events (see [`weight`]) kept for a slow reader of
/// [`EventStream`] before the oldest are dropped: events can carry text of
/// the server's (an `-ERR`, discovered URLs), so a count alone does not
/// bound what an unread stream holds.
const EVENT_BACKLOG_BYTES: usize = 1024 * 1024;

/// What an event costs a queue: its own size plus its text, measured as the
/// length of its `Debug` form (which writes every string it holds).
fn weight(event: &ClientEvent) -> usize {
    struct Count(usize);
    impl std::fmt::Write for Count {
        fn write_str(&mut self, s: &str) -> std::fmt::Result {
            self.0 += s.len();
            Ok(())
        }
    }
    let mut count = Count(0);
    let _ = std::fmt::Write::write_fmt(&mut count, format_args!("{event:?}"));
    std::mem::size_of::<ClientEvent>() + count.0
}

/// A stream's events waiting to be read.
#[derive(Debug, Default)]
struct Backlog {
    /// The events with their [`weight`]s.
    events: VecDeque<(ClientEvent, usize)>,
    /// The sum of the weights.
    bytes: usize,
    /// Events dropped since the reader last looked.
    dropped: u64,
    /// The last [`ClientEvent::Disconnected`] among the dropped events, kept.
    lost: Option<ClientEvent>,
    /// The last connect ([`ClientEvent::Reconnected`] or
    /// [`ClientEvent::Connected`]) among the dropped events after `lost`, kept.
    back: Option<ClientEvent>,
    waker: Option<Waker>,
    /// `Closed` was queued: nothing follows it.
    ended: bool,
}

impl Backlog {
    /// The next event: the count of dropped events first, as they were
    /// older than every event still here, then the connection's changes
    /// kept from among them.
    fn pop(&mut self) -> Option<ClientEvent> {
        if self.dropped > 0 {
            let count = std::mem::take(&mut self.dropped);
            return Some(ClientEvent::EventsDropped { count });
        }
        if let Some(event) = self.lost.take().or_else(|| self.back.take()) {
            return Some(event);
        }
        let (event, weight) = self.events.pop_front()?;
        self.bytes -= weight;
        Some(event)
    }

    /// Drops the oldest event, keeping it aside if it changed the
    /// connection (it replaces what it makes stale, which is dropped).
    fn drop_oldest(&mut self) {
        let Some((event, weight)) = self.events.pop_front() else {
            return;
        };
        self.bytes -= weight;
        match event {
            ClientEvent::Disconnected { .. } => {
                // A connect kept from before it, and an earlier disconnect,
                // are stale now.
                self.dropped += u64::from(self.back.take().is_some());
                self.dropped += u64::from(self.lost.replace(event).is_some());
            }
            ClientEvent::Reconnected { .. } | ClientEvent::Connected { .. } => {
                self.dropped += u64::from(self.back.replace(event).is_some());
            }
            _ => self.dropped += 1,
        }
    }
}

#[derive(Debug, Default)]
pub(crate) struct EventQueue {
    inner: Mutex<Backlog>,
    /// The sequence number of the first event this stream wants (events
    /// that happened before it was made may still be on their way).
    from: u64,
}

impl EventQueue {
    /// Queues `event` of `weight`, dropping the oldest events past the
    /// count or byte backlog (the newest one always stays).
    fn push(&self, event: ClientEvent, weight: usize, last: bool) {
        let waker = {
            let mut q = lock(&self.inner);
            q.events.push_back((event, weight));
            q.bytes += weight;
            while q.events.len() > EVENT_BACKLOG
                || (q.bytes > EVENT_BACKLOG_BYTES && q.events.len() > 1)
            {
                q.drop_oldest();
            }
            q.ended |= last;
            q.waker.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    }
}

/// One line per event, for a log: `disconnected: connection closed by the
/// server`, `reconnected to nats://127.0.0.1:4222`.
impl std::fmt::Display for ClientEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ClientEvent::Connected { server } => write!(f, "connected to {server}"),
            ClientEvent::Disconnected { reason } => write!(f, "disconnected: {reason}"),
            ClientEvent::Reconnected { server } => write!(f, "reconnected to {server}"),
            ClientEvent::ServersDiscovered { servers } => {
                write!(f, "discovered servers: {}", servers.join(", "))
            }
            ClientEvent::LameDuck => f.write_str("the server entered lame duck mode"),
            ClientEvent::SlowConsumer {
                sid,
                subject,
                dropped,
            } => write!(
                f,
                "slow consumer: subscription {sid} on {subject:?} has dropped {dropped} messages"
            ),
            ClientEvent::ServerError(e) => write!(f, "server error: {e}"),
            ClientEvent::BadHeaders { sid, error } => write!(
                f,
                "a message for subscription {sid} had invalid headers: {error}"
            ),
            ClientEvent::Closed { reason } => write!(f, "closed: {reason}"),
            ClientEvent::ReadingPaused { unwritten } => write!(
                f,
                "reading paused: {unwritten} bytes wait to be written to a server that does not read"
            ),
            ClientEvent::EventsDropped { count } => {
                write!(
                    f,
                    "{count} events were dropped: the event stream was not read"
                )
            }
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
            let mut cost = None;
            streams.retain(|w| match w.upgrade() {
                Some(q) => {
                    if seq >= q.from {
                        let weight = *cost.get_or_insert_with(|| weight(&event));
                        q.push(event.clone(), weight, last);
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
            let event = ClientEvent::Closed { reason };
            let weight = weight(&event);
            queue.push(event, weight, true);
        } else {
            lock(&self.streams).push(Arc::downgrade(&queue));
        }
        EventStream { queue }
    }
}

/// A stream of [`ClientEvent`]s, from the moment it was made; it ends after
/// [`ClientEvent::Closed`]. If it is not read, the oldest events are dropped
/// past a backlog of 1024 events or 1 MiB (see [`ClientEvent::EventsDropped`],
/// which takes their place).
#[derive(Debug)]
pub struct EventStream {
    queue: Arc<EventQueue>,
}

impl EventStream {
    /// The next event, or `Pending`.
    pub fn poll_next_event(&self, cx: &mut Context<'_>) -> Poll<Option<ClientEvent>> {
        let mut q = lock(&self.queue.inner);
        if let Some(e) = q.pop() {
            return Poll::Ready(Some(e));
        }
        if q.ended {
            return Poll::Ready(None);
        }
        q.waker = Some(cx.waker().clone());
        Poll::Pending
    }

    /// The next event if one is waiting.
    pub fn try_next(&self) -> Option<ClientEvent> {
        lock(&self.queue.inner).pop()
    }
}

impl futures_core::Stream for EventStream {
    type Item = ClientEvent;
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<ClientEvent>> {
        self.poll_next_event(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn discovered(text: String) -> ClientEvent {
        ClientEvent::ServersDiscovered {
            servers: vec![text],
        }
    }

    fn drain(stream: &EventStream) -> Vec<ClientEvent> {
        std::iter::from_fn(|| stream.try_next()).collect()
    }

    #[test]
    fn an_unread_stream_keeps_the_newest_events_and_counts_the_rest() {
        let hub = EventHub::new(None);
        let stream = hub.stream(None, 0);
        for seq in 0..2000 {
            hub.emit(seq, discovered(seq.to_string()));
        }
        let events = drain(&stream);
        assert_eq!(events.len(), 1 + EVENT_BACKLOG);
        assert_eq!(events[0], ClientEvent::EventsDropped { count: 976 });
        assert_eq!(events[1], discovered("976".into()));
        assert_eq!(events[EVENT_BACKLOG], discovered("1999".into()));
        assert!(stream.try_next().is_none());
    }

    fn disconnected(reason: DisconnectReason) -> ClientEvent {
        ClientEvent::Disconnected { reason }
    }

    fn reconnected(port: u16) -> ClientEvent {
        ClientEvent::Reconnected {
            server: ServerAddr::parse(&format!("nats://127.0.0.1:{port}")).unwrap(),
        }
    }

    #[test]
    fn dropped_events_keep_the_connections_last_changes() {
        let hub = EventHub::new(None);
        let stream = hub.stream(None, 0);
        let changes = [
            disconnected(DisconnectReason::Requested),
            reconnected(1),
            disconnected(DisconnectReason::Stale(2)),
            reconnected(2),
        ];
        let mut seq = 0;
        for change in &changes {
            hub.emit(seq, change.clone());
            hub.emit(seq + 1, discovered(seq.to_string()));
            seq += 2;
        }
        for _ in 0..2000 {
            hub.emit(seq, discovered(seq.to_string()));
            seq += 1;
        }
        let events = drain(&stream);
        // The first disconnect and reconnect are stale: they count as dropped.
        assert_eq!(events[0], ClientEvent::EventsDropped { count: 982 });
        assert_eq!(events[1..3], changes[2..]);
        assert_eq!(events[3], discovered("984".into()));
        assert_eq!(events.len(), 3 + EVENT_BACKLOG);
        assert_eq!(982 + 2 + EVENT_BACKLOG as u64, seq);

        // A disconnect last: only it is kept, and a reconnect dropped before
        // it is stale.
        let changes = [reconnected(3), disconnected(DisconnectReason::Requested)];
        for change in &changes {
            hub.emit(seq, change.clone());
            seq += 1;
        }
        for _ in 0..EVENT_BACKLOG {
            hub.emit(seq, discovered(seq.to_string()));
            seq += 1;
        }
        let events = drain(&stream);
        assert_eq!(events[0], ClientEvent::EventsDropped { count: 1 });
        assert_eq!(events[1], changes[1]);
        assert_eq!(events.len(), 2 + EVENT_BACKLOG);

        // Nothing else dropped: the change comes without a count.
        hub.emit(seq, reconnected(4));
        seq += 1;
        for _ in 0..EVENT_BACKLOG {
            hub.emit(seq, discovered(seq.to_string()));
            seq += 1;
        }
        let events = drain(&stream);
        assert_eq!(events[0], reconnected(4));
        assert_eq!(events.len(), 1 + EVENT_BACKLOG);
    }

    #[test]
    fn an_unread_stream_holds_at_most_its_byte_backlog() {
        let hub = EventHub::new(None);
        let stream = hub.stream(None, 0);
        // 100 events of 100 KiB each: 10 MiB if nothing were dropped.
        for seq in 0..100 {
            hub.emit(
                seq,
                discovered(format!("{seq:03}{}", "x".repeat(100 * 1024))),
            );
        }
        let bytes = lock(&stream.queue.inner).bytes;
        assert!(bytes <= EVENT_BACKLOG_BYTES, "{bytes}");
        let events = drain(&stream);
        let ClientEvent::EventsDropped { count } = events[0] else {
            panic!("{:?}", events[0]);
        };
        assert_eq!(count as usize + events.len() - 1, 100);
        // 1 MiB holds ten events of a little over 100 KiB.
        assert_eq!(events.len() - 1, 10);
        // The newest is kept, whatever its size, and Closed still ends it.
        hub.emit(100, discovered("y".repeat(4 * EVENT_BACKLOG_BYTES)));
        hub.emit(
            101,
            ClientEvent::Closed {
                reason: CloseReason::Closed,
            },
        );
        let events = drain(&stream);
        assert_eq!(events[0], ClientEvent::EventsDropped { count: 1 });
        assert_eq!(
            events[1],
            ClientEvent::Closed {
                reason: CloseReason::Closed
            }
        );
        let mut cx = Context::from_waker(Waker::noop());
        assert_eq!(stream.poll_next_event(&mut cx), Poll::Ready(None));
    }
}
