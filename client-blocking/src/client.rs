//! [`Client`]: the blocking handle.

use crate::driver::{DriverIo, PUB_OVERHEAD, on_driver_thread};
use crate::error::SubscribeError;
use crate::events::Events;
use crate::executor::block_on;
use crate::handler::HandlerSubscription;
use crate::handler_pool::HandlerPool;
use crate::responses::Responses;
use crate::subscription::Subscription;
use bytes::Bytes;
use natrs_client::{
    CloseReason, ConnectionState, DrainError, Error, FlushError, HeaderMap, JsonError, Message,
    Payload, Request, RequestError, RequestManyOptions, ServerAddr, ServerInfo, Statistics,
};
use std::future::poll_fn;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

/// A connection to NATS, used from plain threads. Clones share the
/// connection; it closes when the last clone (and the last subscription) is
/// dropped, or on [`close`](Client::close) / [`drain`](Client::drain).
///
/// Every method may be called from any thread, including the worker thread
/// of an async runtime (it then blocks that worker while it waits).
///
/// Dropping the last clone starts closing in the background; a program about
/// to exit should [`flush`](Client::flush), [`close`](Client::close) or
/// [`drain`](Client::drain) first, or what it published last may never leave.
#[derive(Clone)]
pub struct Client {
    inner: natrs_client::Client,
    io: Arc<DriverIo>,
    /// Runs the handlers when [`crate::BlockingOptions::handler_threads`]
    /// asked for a pool.
    handlers: Option<HandlerPool>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("state", &self.connection_state())
            .finish_non_exhaustive()
    }
}

/// Counters of the driver's threads, to see how the connection spends its
/// work (see [`Client::driver_statistics`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct DriverStatistics {
    /// Times the driver thread woke from parking (a notification from a
    /// handle, a reader, or a timer).
    pub wakeups: u64,
    /// Times a publishing, requesting or flushing thread wrote on the socket
    /// itself instead of leaving it to the driver thread.
    pub inline_writes: u64,
    /// Socket write calls, by any thread.
    pub socket_writes: u64,
    /// Socket read calls that returned data.
    pub socket_reads: u64,
}

impl Client {
    pub(crate) fn new(
        inner: natrs_client::Client,
        io: Arc<DriverIo>,
        handlers: Option<HandlerPool>,
    ) -> Client {
        Client {
            inner,
            io,
            handlers,
        }
    }

    // ----- publishing -----

    /// Publishes `payload` to `subject`.
    ///
    /// The payload is any [`Payload`] form, owned or borrowed. A short payload
    /// is copied into the write buffer, so lending one buffer again and again
    /// (`client.publish(subject, &payload)`) costs no reference count.
    ///
    /// Returns once the message is queued for the server (or for the reconnect
    /// buffer); it blocks only while more than 8 MiB already wait to be
    /// written. Use [`flush`](Client::flush) to know the server has it.
    pub fn publish<'p>(
        &self,
        subject: impl AsRef<str>,
        payload: impl Into<Payload<'p>>,
    ) -> Result<(), Error> {
        self.publish_parts(subject.as_ref(), None, None, &payload.into())
    }

    /// Publishes with a reply subject.
    pub fn publish_with_reply<'p>(
        &self,
        subject: impl AsRef<str>,
        reply: impl AsRef<str>,
        payload: impl Into<Payload<'p>>,
    ) -> Result<(), Error> {
        self.publish_parts(
            subject.as_ref(),
            Some(reply.as_ref()),
            None,
            &payload.into(),
        )
    }

    /// Publishes with headers.
    pub fn publish_with_headers<'p>(
        &self,
        subject: impl AsRef<str>,
        headers: HeaderMap,
        payload: impl Into<Payload<'p>>,
    ) -> Result<(), Error> {
        self.publish_parts(subject.as_ref(), None, Some(&headers), &payload.into())
    }

    /// Publishes with a reply subject and headers.
    pub fn publish_with_reply_and_headers<'p>(
        &self,
        subject: impl AsRef<str>,
        reply: impl AsRef<str>,
        headers: HeaderMap,
        payload: impl Into<Payload<'p>>,
    ) -> Result<(), Error> {
        self.publish_parts(
            subject.as_ref(),
            Some(reply.as_ref()),
            Some(&headers),
            &payload.into(),
        )
    }

    /// Serializes `value` as JSON and publishes it.
    pub fn publish_json<T: serde::Serialize + ?Sized>(
        &self,
        subject: impl AsRef<str>,
        value: &T,
    ) -> Result<(), JsonError> {
        let payload = Payload::from(serde_json::to_vec(value)?);
        Ok(self.publish_parts(subject.as_ref(), None, None, &payload)?)
    }

    fn publish_parts(
        &self,
        subject: &str,
        reply: Option<&str>,
        headers: Option<&HeaderMap>,
        payload: &Payload<'_>,
    ) -> Result<(), Error> {
        // The high-water mark is looked at (under the core's lock) only once
        // a good part of it may be used.
        if self.io.needs_room_check() {
            self.wait_for_write_room();
        }
        let (r, held) = self
            .io
            .quiet(|| self.inner.try_publish(subject, reply, headers, payload));
        let size = subject.len()
            + reply.map_or(0, str::len)
            + headers.map_or(0, HeaderMap::encoded_len)
            + payload.len()
            + PUB_OVERHEAD;
        self.io.after_publish(held, size);
        r
    }

    /// Blocks while the write buffer is over its high-water mark.
    fn wait_for_write_room(&self) {
        // Almost always ready: try without a real waker first.
        let mut cx = Context::from_waker(Waker::noop());
        if let Poll::Ready(()) = self.inner.poll_write_room(&mut cx) {
            return;
        }
        block_on(poll_fn(|cx| self.inner.poll_write_room(cx)));
    }

    // ----- subscribing -----

    /// Subscribes to `subject` (wildcards allowed).
    pub fn subscribe(&self, subject: impl AsRef<str>) -> Result<Subscription, Error> {
        Ok(Subscription::new(
            self.inner.subscribe_now(subject.as_ref(), None)?,
        ))
    }

    /// Subscribes to `subject` in queue group `queue`: each message goes to one
    /// member of the group.
    pub fn queue_subscribe(
        &self,
        subject: impl AsRef<str>,
        queue: impl AsRef<str>,
    ) -> Result<Subscription, Error> {
        Ok(Subscription::new(
            self.inner
                .subscribe_now(subject.as_ref(), Some(queue.as_ref()))?,
        ))
    }

    /// Subscribes to `subject` and calls `handler` with every message on a
    /// thread of the subscription's own, or on the client's handler pool
    /// when it was connected with
    /// [`BlockingOptions::handler_threads`](crate::BlockingOptions::handler_threads).
    ///
    /// ```no_run
    /// # fn demo() -> Result<(), Box<dyn std::error::Error>> {
    /// let client = natrs_blocking::connect("nats://127.0.0.1:4222")?;
    /// let responder = client.clone();
    /// let service = client.subscribe_with_handler("time", move |msg| {
    ///     if let Some(reply) = msg.reply {
    ///         let _ = responder.publish(reply.as_str(), "noon");
    ///     }
    /// })?;
    /// // ... later
    /// service.drain()?;
    /// service.join()?;
    /// # Ok(()) }
    /// ```
    pub fn subscribe_with_handler<F>(
        &self,
        subject: impl AsRef<str>,
        handler: F,
    ) -> Result<HandlerSubscription, SubscribeError>
    where
        F: FnMut(Message) + Send + 'static,
    {
        let sub = self.inner.subscribe_now(subject.as_ref(), None)?;
        self.spawn_handler(sub, handler)
    }

    /// [`subscribe_with_handler`](Client::subscribe_with_handler) in queue
    /// group `queue`.
    pub fn queue_subscribe_with_handler<F>(
        &self,
        subject: impl AsRef<str>,
        queue: impl AsRef<str>,
        handler: F,
    ) -> Result<HandlerSubscription, SubscribeError>
    where
        F: FnMut(Message) + Send + 'static,
    {
        let sub = self
            .inner
            .subscribe_now(subject.as_ref(), Some(queue.as_ref()))?;
        self.spawn_handler(sub, handler)
    }

    // ----- requests -----

    /// Sends `payload` to `subject` and waits for one reply, up to the default
    /// request timeout. Fails at once with [`RequestError::NoResponders`] when
    /// nobody listens.
    pub fn request<'p>(
        &self,
        subject: impl AsRef<str>,
        payload: impl Into<Payload<'p>>,
    ) -> Result<Message, RequestError> {
        self.send_request(subject, Request::new(payload))
    }

    /// [`request`](Client::request) with a timeout of its own.
    pub fn request_with_timeout<'p>(
        &self,
        subject: impl AsRef<str>,
        payload: impl Into<Payload<'p>>,
        timeout: Duration,
    ) -> Result<Message, RequestError> {
        self.send_request(subject, Request::new(payload).timeout(timeout))
    }

    /// Sends a request with headers and timeout of its own.
    pub fn send_request(
        &self,
        subject: impl AsRef<str>,
        request: Request,
    ) -> Result<Message, RequestError> {
        let (reply, held) = self
            .io
            .quiet(|| self.inner.start_request(subject.as_ref(), request));
        self.io.after_command(held);
        block_on(reply?)
    }

    /// Serializes `value` as JSON, sends it as a request, and deserializes the
    /// reply.
    pub fn request_json<T, R>(&self, subject: impl AsRef<str>, value: &T) -> Result<R, JsonError>
    where
        T: serde::Serialize + ?Sized,
        R: serde::de::DeserializeOwned,
    {
        let payload = Bytes::from(serde_json::to_vec(value)?);
        let reply = self.request(subject, payload)?;
        Ok(serde_json::from_slice(&reply.payload)?)
    }

    /// Sends a request and iterates over the replies (ADR-47) until
    /// `options.max_messages`, a gap of `options.stall`, a sentinel (empty)
    /// reply, or the request's timeout (default: the client's request
    /// timeout).
    pub fn request_many(
        &self,
        subject: impl AsRef<str>,
        request: Request,
        options: RequestManyOptions,
    ) -> Result<Responses, Error> {
        let (responses, held) = self.io.quiet(|| {
            self.inner
                .request_many_now(subject.as_ref(), request, options)
        });
        self.io.after_command(held);
        Ok(Responses::new(responses?))
    }

    // ----- flush, drain, close -----

    /// Waits until the server has processed everything published before;
    /// gives up with [`FlushError::TimedOut`] after the client's request
    /// timeout (10 s by default, like nats.go's `Flush`).
    pub fn flush(&self) -> Result<(), FlushError> {
        self.rtt().map(|_| ())
    }

    /// [`flush`](Client::flush), giving up after `timeout` with
    /// [`FlushError::TimedOut`].
    pub fn flush_timeout(&self, timeout: Duration) -> Result<(), FlushError> {
        block_on(self.start_flush(timeout)?).map(|_| ())
    }

    /// Measures the round trip to the server (a flush).
    pub fn rtt(&self) -> Result<Duration, FlushError> {
        block_on(self.start_flush(self.inner.request_timeout())?)
    }

    fn start_flush(&self, timeout: Duration) -> Result<natrs_client::FlushFuture, FlushError> {
        let (done, held) = self.io.quiet(|| self.inner.start_flush(timeout));
        self.io.after_command(held);
        done
    }

    /// Drains the connection: subscriptions stop taking new messages but
    /// deliver what was sent to them, requests in flight finish, publishes
    /// are flushed, then the connection closes. Returns once it closed and
    /// the driver finished.
    ///
    /// Called from an event callback (which runs on a driver thread, whose
    /// work the drain needs), it starts the drain and returns at once.
    pub fn drain(&self) -> Result<(), DrainError> {
        let done = self.inner.start_drain()?;
        if on_driver_thread() {
            return Ok(());
        }
        block_on(done)
    }

    /// Closes the connection: requests and flushes in flight fail,
    /// subscriptions end. Returns once the driver wrote what was queued and
    /// closed the socket (if a TCP connection attempt is under way, that
    /// ends first, within the connection timeout).
    ///
    /// Called from an event callback (which runs on a driver thread), it
    /// starts closing and returns at once.
    pub fn close(&self) {
        if on_driver_thread() {
            self.inner.close_now();
            return;
        }
        block_on(self.inner.close());
    }

    /// Drops the current connection and reconnects (for example to leave a
    /// server in lame duck mode).
    pub fn force_reconnect(&self) {
        self.inner.force_reconnect();
    }

    /// Replaces the server pool with `addrs` (comma-separated URLs). The
    /// current connection stays if its server is in the new pool; otherwise
    /// the client moves to one of the new servers at once. See
    /// [`natrs_client::Client::set_server_pool`].
    pub fn set_server_pool(
        &self,
        addrs: impl AsRef<str>,
    ) -> Result<(), natrs_client::ConnectError> {
        self.inner.set_server_pool(addrs)
    }

    // ----- getters -----

    /// Connection events from now on, as a blocking iterator. To get them as
    /// they happen without a thread of your own, use
    /// [`ConnectOptions::event_callback`](crate::ConnectOptions::event_callback)
    /// (it runs mostly on the driver's threads: keep it short and do not wait
    /// there for the connection).
    pub fn events(&self) -> Events {
        Events::new(self.inner.events())
    }

    /// The connection state.
    pub fn connection_state(&self) -> ConnectionState {
        self.inner.connection_state()
    }

    /// Whether the client closed for good.
    pub fn is_closed(&self) -> bool {
        self.inner.is_closed()
    }

    /// Why the client closed, once it did.
    pub fn close_reason(&self) -> Option<CloseReason> {
        self.inner.close_reason()
    }

    /// The latest INFO from the server.
    pub fn server_info(&self) -> Option<ServerInfo> {
        self.inner.server_info()
    }

    /// The server currently connected to.
    pub fn connected_server(&self) -> Option<ServerAddr> {
        self.inner.connected_server()
    }

    /// The server pool, in the order servers would be tried.
    pub fn servers(&self) -> Vec<ServerAddr> {
        self.inner.servers()
    }

    /// Message, byte and reconnect counters.
    pub fn statistics(&self) -> Statistics {
        self.inner.statistics()
    }

    /// Counters of the driver's threads (wake-ups, inline writes, socket
    /// calls).
    pub fn driver_statistics(&self) -> DriverStatistics {
        self.io.statistics()
    }

    /// Bytes queued for the server that the driver has not taken to write
    /// yet (it takes them in batches, so up to as much again may be on
    /// their way to the socket).
    pub fn write_backlog(&self) -> usize {
        self.inner.write_backlog()
    }

    /// The largest payload the server accepts, once known.
    pub fn max_payload(&self) -> Option<usize> {
        self.inner.max_payload()
    }

    /// A new unique inbox subject.
    pub fn new_inbox(&self) -> String {
        self.inner.new_inbox()
    }

    /// The default request timeout.
    pub fn request_timeout(&self) -> Duration {
        self.inner.request_timeout()
    }

    /// The async client underneath: the same connection, with futures and
    /// streams (for code that mixes both worlds).
    pub fn as_async(&self) -> &natrs_client::Client {
        &self.inner
    }
}

/// The async client of the same connection (what
/// [`jetstream::JetStream::new`](crate::jetstream::JetStream::new) takes).
impl From<Client> for natrs_client::Client {
    fn from(client: Client) -> natrs_client::Client {
        client.inner
    }
}

impl Client {
    fn spawn_handler<F>(
        &self,
        sub: natrs_client::Subscriber,
        handler: F,
    ) -> Result<HandlerSubscription, SubscribeError>
    where
        F: FnMut(Message) + Send + 'static,
    {
        // Without a thread the subscription is useless: it is dropped
        // (unsubscribed) with the failure.
        match &self.handlers {
            Some(pool) => HandlerSubscription::pooled(pool, sub, handler),
            None => HandlerSubscription::spawn(sub, handler),
        }
        .map_err(|e| SubscribeError::Thread(e.to_string()))
    }
}
