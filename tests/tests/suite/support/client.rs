//! The client abstraction every suite test is written against.
//!
//! Test bodies are plain blocking code: each method blocks until the
//! operation completes (an async implementation drives its future to
//! completion; the blocking crate calls its method). Every blocking call must
//! be bounded by [`GUARD`]: an implementation panics (naming the operation)
//! rather than hang when a call does not complete within it, so a bug shows up
//! as a failing test, never a stuck one.

use natrs_client::{
    ClientEvent, CloseReason, ConnectError, ConnectOptions, ConnectionState, DrainError, Error,
    FlushError, HeaderMap, JsonError, Message, Payload, Request, RequestError, RequestManyOptions,
    ServerAddr, ServerInfo, Statistics, SubscriptionEnd,
};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::{Duration, Instant};

pub use natrs_client::Bytes;

/// The longest any single blocking call of an implementation may take before
/// it panics (far above what any test expects; it only turns hangs into
/// failures).
pub const GUARD: Duration = Duration::from_secs(60);

/// A connection, as the suite drives it. `Clone` shares the connection (like
/// the runtime crates' handles) so a test can hand it to another thread.
pub trait SuiteClient: Clone + Send + Sync + 'static {
    /// A subscription of this client.
    type Subscriber: SuiteSubscriber;
    /// A stream of this client's connection events.
    type Events: SuiteEvents;

    /// Connects to `url` (one URL or a comma-separated list) with `options`.
    fn connect(url: &str, options: ConnectOptions) -> Result<Self, ConnectError>;

    /// Publishes `payload` (owned or borrowed) to `subject`.
    fn publish<'p>(&self, subject: &str, payload: impl Into<Payload<'p>>) -> Result<(), Error>;
    /// Publishes every payload to `subject` in one go: from one task on an
    /// async runtime (a burst, as an application loop publishes), one call
    /// after another on a blocking client.
    fn publish_all(&self, subject: &str, payloads: &[Bytes]) -> Result<(), Error>;
    /// Starts publishing `payload` to `subject` in a loop that waits for
    /// nothing else, as fast as the client takes it, until the flood is
    /// stopped: from a task spawned on the runtime the client's driver runs on
    /// (async crates), from a thread of its own (blocking crate).
    fn start_flood(&self, subject: &str, payload: Bytes) -> Flood;
    /// Publishes with a reply subject.
    fn publish_with_reply(&self, subject: &str, reply: &str, payload: Bytes) -> Result<(), Error>;
    /// Publishes with headers.
    fn publish_with_headers(
        &self,
        subject: &str,
        headers: HeaderMap,
        payload: Bytes,
    ) -> Result<(), Error>;
    /// Publishes with a reply subject and headers.
    fn publish_with_reply_and_headers(
        &self,
        subject: &str,
        reply: &str,
        headers: HeaderMap,
        payload: Bytes,
    ) -> Result<(), Error>;
    /// Serializes `value` as JSON and publishes it.
    fn publish_json<T: serde::Serialize + ?Sized>(
        &self,
        subject: &str,
        value: &T,
    ) -> Result<(), JsonError>;

    /// Subscribes to `subject`.
    fn subscribe(&self, subject: &str) -> Result<Self::Subscriber, Error>;
    /// Subscribes to `subject` in queue group `queue`.
    fn queue_subscribe(&self, subject: &str, queue: &str) -> Result<Self::Subscriber, Error>;

    /// Sends a request with the default timeout and waits for its reply.
    fn request(&self, subject: &str, payload: Bytes) -> Result<Message, RequestError>;
    /// Sends a request with headers and timeout of its own.
    fn send_request(&self, subject: &str, request: Request) -> Result<Message, RequestError>;
    /// Sends `value` as JSON and deserializes the reply.
    fn request_json<T, Reply>(&self, subject: &str, value: &T) -> Result<Reply, JsonError>
    where
        T: serde::Serialize + ?Sized,
        Reply: serde::de::DeserializeOwned;
    /// Sends a request for several replies and collects them until the
    /// request ends (its limits or timeout).
    fn request_many(
        &self,
        subject: &str,
        request: Request,
        options: RequestManyOptions,
    ) -> Result<Vec<Result<Message, RequestError>>, Error>;

    /// Waits until the server processed everything published before.
    fn flush(&self) -> Result<(), FlushError>;
    /// Like `flush`, giving up after `timeout`.
    fn flush_timeout(&self, timeout: Duration) -> Result<(), FlushError>;
    /// The round trip time to the server.
    fn rtt(&self) -> Result<Duration, FlushError>;
    /// Drains the connection and waits until it closed.
    fn drain(&self) -> Result<(), DrainError>;
    /// Closes the connection and waits until the socket is closed.
    fn close(&self);
    /// Drops the current connection and reconnects.
    fn force_reconnect(&self);
    /// Replaces the server pool (comma-separated URLs).
    fn set_server_pool(&self, addrs: &str) -> Result<(), ConnectError>;

    /// Connection events from now on.
    fn events(&self) -> Self::Events;
    /// The connection state.
    fn connection_state(&self) -> ConnectionState;
    /// Whether the client closed for good.
    fn is_closed(&self) -> bool;
    /// Why the client closed, once it did.
    fn close_reason(&self) -> Option<CloseReason>;
    /// The latest INFO.
    fn server_info(&self) -> Option<ServerInfo>;
    /// The server connected to.
    fn connected_server(&self) -> Option<ServerAddr>;
    /// The server pool in the order servers would be tried.
    fn servers(&self) -> Vec<ServerAddr>;
    /// Message, byte and connection counters.
    fn statistics(&self) -> Statistics;
    /// Bytes queued for the server that the driver has not taken yet.
    fn write_backlog(&self) -> usize;
    /// The server's max payload, once known.
    fn max_payload(&self) -> Option<usize>;
    /// A fresh inbox subject.
    fn new_inbox(&self) -> String;
}

/// A publishing loop started by [`SuiteClient::start_flood`].
#[derive(Debug)]
pub struct Flood {
    stop: Arc<AtomicBool>,
    published: Arc<AtomicU64>,
    done: Receiver<Result<(), Error>>,
}

/// What the publishing loop of a [`Flood`] shares with it.
#[derive(Debug)]
pub struct FloodLoop {
    stop: Arc<AtomicBool>,
    published: Arc<AtomicU64>,
    done: Sender<Result<(), Error>>,
}

impl Flood {
    /// A flood and the loop's side of it.
    pub fn new() -> (Flood, FloodLoop) {
        let stop = Arc::new(AtomicBool::new(false));
        let published = Arc::new(AtomicU64::new(0));
        let (done, rx) = channel();
        let flood = Flood {
            stop: stop.clone(),
            published: published.clone(),
            done: rx,
        };
        (
            flood,
            FloodLoop {
                stop,
                published,
                done,
            },
        )
    }

    /// Messages published so far.
    pub fn published(&self) -> u64 {
        self.published.load(Ordering::Relaxed)
    }

    /// Stops the loop and waits for it (at most [`GUARD`]); the number of
    /// messages it published, or the error that ended it.
    #[track_caller]
    pub fn stop(self) -> Result<u64, Error> {
        self.stop.store(true, Ordering::Relaxed);
        match self.done.recv_timeout(GUARD) {
            Ok(r) => r.map(|()| self.published()),
            Err(e) => panic!("the flood did not stop within {GUARD:?}: {e}"),
        }
    }
}

impl Drop for Flood {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

impl FloodLoop {
    /// Whether to go on publishing.
    pub fn running(&self) -> bool {
        !self.stop.load(Ordering::Relaxed)
    }

    /// Counts one message published.
    pub fn published(&self) {
        self.published.fetch_add(1, Ordering::Relaxed);
    }

    /// Reports how the loop ended.
    pub fn finish(self, result: Result<(), Error>) {
        let _ = self.done.send(result);
    }
}

/// A subscription, read with a timeout.
pub trait SuiteSubscriber: Send + 'static {
    /// The next message, waiting at most `timeout`; `None` on timeout or once
    /// the subscription ended and every message was taken.
    fn next_timeout(&mut self, timeout: Duration) -> Option<Message>;
    /// The next message if one is waiting.
    fn try_next(&mut self) -> Option<Message>;
    /// Unsubscribes now.
    fn unsubscribe(&mut self) -> Result<(), Error>;
    /// Unsubscribes after `max` messages in total.
    fn unsubscribe_after(&mut self, max: u64) -> Result<(), Error>;
    /// Drains the subscription.
    fn drain(&mut self) -> Result<(), Error>;
    /// Whether the subscription ended and every message was taken.
    fn is_finished(&self) -> bool;
    /// Why the subscription ended, once it did.
    fn end_reason(&self) -> Option<SubscriptionEnd>;
    /// Messages dropped by the pending limits.
    fn dropped(&self) -> u64;
    /// Messages delivered so far (taken or waiting).
    fn delivered(&self) -> u64;
    /// Messages and bytes waiting.
    fn pending(&self) -> (usize, usize);
    /// Changes the pending limits.
    fn set_pending_limits(&self, messages: usize, bytes: usize);
    /// The subscription id.
    fn sid(&self) -> u64;
    /// The subject subscribed to.
    fn subject(&self) -> String;
}

/// A stream of connection events, read with a timeout.
pub trait SuiteEvents: Send + 'static {
    /// The next event, waiting at most `timeout`; `None` on timeout or after
    /// the stream ended (after [`ClientEvent::Closed`]).
    fn next_timeout(&mut self, timeout: Duration) -> Option<ClientEvent>;

    /// Skips events until one `wanted` accepts, waiting at most `timeout` in
    /// total; panics naming `what` when none came. Returns the event.
    #[track_caller]
    fn expect(
        &mut self,
        what: &str,
        timeout: Duration,
        mut wanted: impl FnMut(&ClientEvent) -> bool,
    ) -> ClientEvent {
        let deadline = Instant::now() + timeout;
        let mut seen = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.next_timeout(left) {
                Some(e) if wanted(&e) => return e,
                Some(e) => seen.push(e),
                None => panic!("no {what} event within {timeout:?}; saw {seen:?}"),
            }
        }
    }
}
