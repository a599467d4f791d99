//! [`Client`]: the handle applications use, cheap to clone, usable from any
//! executor (its futures complete through wakers, not through a runtime).

use crate::error::{ConnectError, DrainError, Error, FlushError, JsonError, RequestError};
use crate::events::EventStream;
use crate::queue::DeliveryQueue;
use crate::responses::{ResponseQueue, Responses};
use crate::shared::{ReplyRoute, Route, Shared, in_event_callback};
use crate::slot::{Latch, Slot};
use crate::subscriber::Subscriber;
use bytes::Bytes;
use natrs_core::client::{
    ConnectionState, FlushId, RequestId, RequestManyOptions, Statistics, TimerId,
};
use natrs_core::error::CloseReason;
use natrs_core::proto::ServerInfo;
use natrs_core::{HeaderMap, Message, Payload, ServerAddr};
use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

/// A connection to NATS. Clones share the connection; it closes when the last
/// clone (and the last [`Subscriber`]) is dropped, or on [`close`](Client::close).
#[derive(Clone)]
pub struct Client {
    handle: Arc<Handle>,
}

/// Closes the connection when the last clone goes away.
struct Handle {
    shared: Arc<Shared>,
    driver_done: Arc<Latch>,
}

impl Drop for Handle {
    fn drop(&mut self) {
        self.shared.with(|st, now| st.core.close(now));
        self.shared.notify();
    }
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("state", &self.connection_state())
            .finish_non_exhaustive()
    }
}

/// A request with everything but the subject: payload, headers and timeout.
#[derive(Debug, Clone, Default)]
pub struct Request {
    payload: Bytes,
    headers: Option<HeaderMap>,
    timeout: Option<Duration>,
}

impl Request {
    /// A request with this payload, no headers and the client's default timeout.
    pub fn new<'p>(payload: impl Into<Payload<'p>>) -> Request {
        Request {
            payload: payload.into().into_bytes(),
            headers: None,
            timeout: None,
        }
    }

    /// Sends these headers.
    pub fn headers(mut self, headers: HeaderMap) -> Request {
        self.headers = Some(headers);
        self
    }

    /// Waits at most `timeout` for the reply (or, for `request_many`, in total).
    pub fn timeout(mut self, timeout: Duration) -> Request {
        self.timeout = Some(timeout);
        self
    }
}

impl Client {
    pub(crate) fn new(shared: Arc<Shared>, driver_done: Arc<Latch>) -> Client {
        Client {
            handle: Arc::new(Handle {
                shared,
                driver_done,
            }),
        }
    }

    pub(crate) fn shared(&self) -> &Arc<Shared> {
        &self.handle.shared
    }

    // ----- publishing -----

    /// Publishes `payload` to `subject`.
    ///
    /// The payload is any [`Payload`] form, owned or borrowed. A short payload
    /// is copied into the write buffer, so lending one buffer again and again
    /// (`client.publish(subject, &payload)`) costs no reference count.
    ///
    /// Returns once the message is queued for the server (or for the reconnect
    /// buffer); it waits only while more than 8 MiB are already waiting to be
    /// written, or more than 1 MiB of short messages copied into the write
    /// buffer. Use [`flush`](Client::flush) to know the server has it. Like
    /// a runtime's own channels, it also lets the executor run other tasks
    /// after each millisecond of publishing, so that a loop of publishes
    /// does not hold up the connection's reading.
    pub async fn publish(
        &self,
        subject: impl AsRef<str>,
        payload: impl Into<Payload<'_>>,
    ) -> Result<(), Error> {
        let payload = payload.into();
        self.publish_when_room(subject.as_ref(), None, None, &payload)
            .await
    }

    /// Publishes with a reply subject.
    pub async fn publish_with_reply(
        &self,
        subject: impl AsRef<str>,
        reply: impl AsRef<str>,
        payload: impl Into<Payload<'_>>,
    ) -> Result<(), Error> {
        let payload = payload.into();
        self.publish_when_room(subject.as_ref(), Some(reply.as_ref()), None, &payload)
            .await
    }

    /// Publishes with headers.
    pub async fn publish_with_headers(
        &self,
        subject: impl AsRef<str>,
        headers: HeaderMap,
        payload: impl Into<Payload<'_>>,
    ) -> Result<(), Error> {
        let payload = payload.into();
        self.publish_when_room(subject.as_ref(), None, Some(&headers), &payload)
            .await
    }

    /// Publishes with a reply subject and headers.
    pub async fn publish_with_reply_and_headers(
        &self,
        subject: impl AsRef<str>,
        reply: impl AsRef<str>,
        headers: HeaderMap,
        payload: impl Into<Payload<'_>>,
    ) -> Result<(), Error> {
        let payload = payload.into();
        self.publish_when_room(
            subject.as_ref(),
            Some(reply.as_ref()),
            Some(&headers),
            &payload,
        )
        .await
    }

    /// Serializes `value` as JSON and publishes it.
    pub async fn publish_json<T: serde::Serialize + ?Sized>(
        &self,
        subject: impl AsRef<str>,
        value: &T,
    ) -> Result<(), JsonError> {
        let payload = Payload::from(serde_json::to_vec(value)?);
        Ok(self
            .publish_when_room(subject.as_ref(), None, None, &payload)
            .await?)
    }

    /// Publishes without waiting, even past the write high-water mark: the
    /// building block of the async and blocking publish methods. Queues the
    /// message or returns the reason it cannot be sent.
    pub fn try_publish<'p>(
        &self,
        subject: &str,
        reply: Option<&str>,
        headers: Option<&HeaderMap>,
        payload: impl Into<Payload<'p>>,
    ) -> Result<(), Error> {
        match self
            .shared()
            .poll_publish(None, subject, reply, headers, &payload.into())
        {
            Poll::Ready(r) => r,
            Poll::Pending => Ok(()),
        }
    }

    /// Publishes once the write buffer has room: the building block of the
    /// async publish methods (one lock per message).
    pub fn poll_publish<'p>(
        &self,
        cx: &mut Context<'_>,
        subject: &str,
        reply: Option<&str>,
        headers: Option<&HeaderMap>,
        payload: impl Into<Payload<'p>>,
    ) -> Poll<Result<(), Error>> {
        self.shared()
            .poll_publish(Some(cx), subject, reply, headers, &payload.into())
    }

    /// `Ready` when the write buffer has room for more publishes: unless
    /// more than 8 MiB wait to be written. This is the mark a thread that
    /// blocks waits for; an async publish also waits while more than 1 MiB of
    /// the bytes waiting were copied in (short payloads), which keeps the
    /// buffers small at the cost of a task switch rather than a thread's.
    pub fn poll_write_room(&self, cx: &mut Context<'_>) -> Poll<()> {
        self.shared().poll_write_room(cx)
    }

    /// The future of the async publish methods: a plain `poll_fn`, not an
    /// `async fn`, so that a publish polls one state machine, not two.
    fn publish_when_room<'a>(
        &'a self,
        subject: &'a str,
        reply: Option<&'a str>,
        headers: Option<&'a HeaderMap>,
        payload: &'a Payload<'_>,
    ) -> impl Future<Output = Result<(), Error>> + 'a {
        let shared = self.shared();
        poll_fn(move |cx| shared.poll_publish(Some(cx), subject, reply, headers, payload))
    }

    // ----- subscribing -----

    /// Subscribes to `subject` (wildcards allowed).
    pub async fn subscribe(&self, subject: impl AsRef<str>) -> Result<Subscriber, Error> {
        self.subscribe_now(subject.as_ref(), None)
    }

    /// Subscribes to `subject` in queue group `queue`: each message goes to one
    /// member of the group.
    pub async fn queue_subscribe(
        &self,
        subject: impl AsRef<str>,
        queue: impl AsRef<str>,
    ) -> Result<Subscriber, Error> {
        self.subscribe_now(subject.as_ref(), Some(queue.as_ref()))
    }

    /// Subscribes without awaiting (the building block of both subscribe methods).
    pub fn subscribe_now(&self, subject: &str, queue: Option<&str>) -> Result<Subscriber, Error> {
        let shared = self.shared();
        let delivery = Arc::new(DeliveryQueue::new(shared.pending_limits));
        let subject_arc: Arc<str> = Arc::from(subject);
        let sid = shared.with(|st, _| {
            let sid = st.core.subscribe(subject, queue)?;
            st.routes.insert(
                sid.0,
                Route {
                    queue: delivery.clone(),
                    subject: subject_arc.clone(),
                },
            );
            Ok::<_, Error>(sid)
        })?;
        shared.notify();
        Ok(Subscriber::new(self.clone(), sid, subject_arc, delivery))
    }

    // ----- requests -----

    /// Sends `payload` to `subject` and waits for one reply, up to the default
    /// request timeout. Fails at once with [`RequestError::NoResponders`] when
    /// nobody listens.
    pub async fn request(
        &self,
        subject: impl AsRef<str>,
        payload: impl Into<Payload<'_>>,
    ) -> Result<Message, RequestError> {
        self.send_request(subject, Request::new(payload)).await
    }

    /// Sends a request with headers and timeout of its own.
    pub async fn send_request(
        &self,
        subject: impl AsRef<str>,
        request: Request,
    ) -> Result<Message, RequestError> {
        self.start_request(subject.as_ref(), request)?.await
    }

    /// Serializes `value` as JSON, sends it as a request, and deserializes the reply.
    pub async fn request_json<T, R>(
        &self,
        subject: impl AsRef<str>,
        value: &T,
    ) -> Result<R, JsonError>
    where
        T: serde::Serialize + ?Sized,
        R: serde::de::DeserializeOwned,
    {
        let payload = Bytes::from(serde_json::to_vec(value)?);
        let reply = self.request(subject, payload).await?;
        Ok(serde_json::from_slice(&reply.payload)?)
    }

    /// Starts a request; the returned future resolves to its reply. Dropping it
    /// cancels the request.
    pub fn start_request(&self, subject: &str, request: Request) -> Result<ReplyFuture, Error> {
        let shared = self.shared().clone();
        let timeout = request.timeout.unwrap_or(shared.request_timeout);
        let slot = Arc::new(Slot::new());
        let id = shared.with(|st, now| {
            let id = st.core.request(
                now,
                subject,
                request.headers.as_ref(),
                &request.payload,
                timeout,
            )?;
            st.replies
                .insert(id.0, ReplyRoute::One(slot.clone(), timeout));
            Ok::<_, Error>(id)
        })?;
        shared.write_now();
        Ok(ReplyFuture {
            shared,
            id,
            slot,
            done: false,
        })
    }

    /// Sends a request and streams the replies (ADR-47) until
    /// `options.max_messages`, a gap of `options.stall`, a sentinel (empty)
    /// reply, or the request's timeout (default: the client's request timeout).
    pub async fn request_many(
        &self,
        subject: impl AsRef<str>,
        request: Request,
        options: RequestManyOptions,
    ) -> Result<Responses, Error> {
        self.request_many_now(subject.as_ref(), request, options)
    }

    /// [`request_many`](Client::request_many) without awaiting.
    pub fn request_many_now(
        &self,
        subject: &str,
        request: Request,
        options: RequestManyOptions,
    ) -> Result<Responses, Error> {
        let shared = self.shared().clone();
        let timeout = request.timeout.unwrap_or(shared.request_timeout);
        let queue = Arc::new(ResponseQueue::default());
        let id = shared.with(|st, now| {
            let id = st.core.request_many(
                now,
                subject,
                request.headers.as_ref(),
                &request.payload,
                timeout,
                options,
            )?;
            st.replies.insert(id.0, ReplyRoute::Many(queue.clone()));
            Ok::<_, Error>(id)
        })?;
        shared.write_now();
        Ok(Responses { shared, id, queue })
    }

    // ----- flush, drain, close -----

    /// Waits until the server has processed everything published before.
    ///
    /// Gives up with [`FlushError::TimedOut`] after the client's request
    /// timeout (10 s by default, like nats.go's `Flush`).
    pub async fn flush(&self) -> Result<(), FlushError> {
        self.start_flush(self.request_timeout())?.await.map(|_| ())
    }

    /// Like [`flush`](Client::flush), giving up after `timeout`.
    pub async fn flush_timeout(&self, timeout: Duration) -> Result<(), FlushError> {
        self.start_flush(timeout)?.await.map(|_| ())
    }

    /// Measures the round trip to the server (a flush).
    pub async fn rtt(&self) -> Result<Duration, FlushError> {
        self.start_flush(self.request_timeout())?.await
    }

    /// Starts a flush that gives up after `timeout`; the future resolves with
    /// the round trip time.
    pub fn start_flush(&self, timeout: Duration) -> Result<FlushFuture, FlushError> {
        let shared = self.shared().clone();
        let slot = Arc::new(Slot::new());
        let id = shared.with(|st, now| {
            let id = st.core.flush(now).map_err(|_| FlushError::Closed)?;
            st.flushes.insert(id.0, slot.clone());
            Ok::<_, FlushError>(id)
        })?;
        shared.write_now();
        // A timeout too long for the clock waits without limit.
        let timer = crate::park::deadline_after(timeout).map(|at| self.sleep_until(at));
        Ok(FlushFuture {
            slot,
            timer,
            shared,
            id,
        })
    }

    /// Drains the connection: subscriptions stop taking new messages but
    /// deliver what was sent to them, requests in flight finish, publishes are
    /// flushed, then the connection closes. Resolves when it closed and the
    /// event callback got [`ClientEvent::Closed`](crate::ClientEvent::Closed)
    /// (unless called from the callback itself).
    pub async fn drain(&self) -> Result<(), DrainError> {
        self.start_drain()?.await
    }

    /// Starts a drain; the future resolves when the connection closed.
    pub fn start_drain(&self) -> Result<DrainFuture, DrainError> {
        let slot = Arc::new(Slot::new());
        self.shared().with(|st, now| {
            st.core.drain(now).map_err(|_| DrainError::Closed)?;
            match &st.closed {
                Some(reason) => slot.complete(reason.clone()),
                None => st.close_waiters.push((slot.clone(), !in_event_callback())),
            }
            Ok::<_, DrainError>(())
        })?;
        self.shared().notify();
        Ok(DrainFuture {
            slot,
            driver: self.handle.driver_done.clone(),
            reason: None,
        })
    }

    /// Closes the connection: requests and flushes in flight fail,
    /// subscriptions end. Resolves once the event callback got
    /// [`ClientEvent::Closed`](crate::ClientEvent::Closed) and the driver
    /// wrote what was queued and closed the socket.
    ///
    /// Called from an event callback (which would have to return before
    /// `Closed` can reach the callback), it waits for the driver only.
    pub async fn close(&self) {
        if in_event_callback() {
            self.close_now();
            return poll_fn(|cx| self.handle.driver_done.poll_wait(cx)).await;
        }
        let closed = Arc::new(Slot::new());
        self.shared().with(|st, now| {
            st.core.close(now);
            match &st.closed {
                Some(reason) => closed.complete(reason.clone()),
                None => st.close_waiters.push((closed.clone(), true)),
            }
        });
        self.shared().notify();
        poll_fn(|cx| closed.poll_take(cx)).await;
        poll_fn(|cx| self.handle.driver_done.poll_wait(cx)).await
    }

    /// Closes without waiting for the socket to close.
    pub fn close_now(&self) {
        self.shared().with(|st, now| st.core.close(now));
        self.shared().notify();
    }

    /// Drops the current connection and reconnects (for example to leave a
    /// server in lame duck mode).
    pub fn force_reconnect(&self) {
        self.shared().with(|st, now| st.core.reconnect(now));
        self.shared().notify();
    }

    /// Replaces the server pool with `addrs` (comma-separated URLs, as for
    /// connecting). The current connection stays if its server is in the
    /// new pool; otherwise the client moves to one of the new servers at
    /// once (a `Disconnected` event with
    /// [`DisconnectReason::Requested`](crate::DisconnectReason::Requested),
    /// then `Reconnected`). Servers the cluster announced are dropped with
    /// the old pool, until it announces them again. A server kept from the
    /// old pool keeps its count of failed attempts.
    ///
    /// Fails with [`ConnectError::InvalidAddress`] for an address that does
    /// not parse and [`ConnectError::InvalidOptions`] for an empty list;
    /// the pool is then unchanged.
    pub fn set_server_pool(&self, addrs: impl AsRef<str>) -> Result<(), ConnectError> {
        let servers = crate::connect::parse_servers(addrs.as_ref())?;
        let count = servers.len();
        self.shared()
            .with(|st, now| st.core.set_servers(now, servers))?;
        crate::trace::server_pool_set(count);
        self.shared().notify();
        Ok(())
    }

    // ----- getters -----

    /// A stream of connection events from now on.
    pub fn events(&self) -> EventStream {
        // Registered under the lock: events that happened before (possibly
        // still being handed out) are skipped, later ones are all seen.
        let st = self.shared().lock();
        self.shared().events.stream(st.closed.clone(), st.event_seq)
    }

    /// The connection state.
    pub fn connection_state(&self) -> ConnectionState {
        self.shared().lock().core.state()
    }

    /// Whether the client closed for good.
    pub fn is_closed(&self) -> bool {
        self.shared().is_closed()
    }

    /// Why the client closed, once it did.
    pub fn close_reason(&self) -> Option<CloseReason> {
        self.shared().lock().closed.clone()
    }

    /// The latest INFO from the server.
    pub fn server_info(&self) -> Option<ServerInfo> {
        self.shared().lock().core.server_info().cloned()
    }

    /// The server currently connected to.
    pub fn connected_server(&self) -> Option<ServerAddr> {
        self.shared().lock().core.connected_server().cloned()
    }

    /// The server pool, in the order servers would be tried.
    pub fn servers(&self) -> Vec<ServerAddr> {
        self.shared().lock().core.servers().cloned().collect()
    }

    /// Message, byte and reconnect counters.
    pub fn statistics(&self) -> Statistics {
        self.shared().lock().core.statistics()
    }

    /// Bytes queued for the server that the driver has not taken to write
    /// yet (it takes them in batches, so up to as much again may be on
    /// their way to the socket).
    pub fn write_backlog(&self) -> usize {
        self.shared().write_backlog()
    }

    /// The largest payload the server accepts, once known.
    pub fn max_payload(&self) -> Option<usize> {
        self.shared().lock().core.max_payload()
    }

    /// A new unique inbox subject.
    pub fn new_inbox(&self) -> String {
        self.shared().lock().core.new_inbox()
    }

    /// The default request timeout.
    pub fn request_timeout(&self) -> Duration {
        self.shared().request_timeout
    }

    /// Resolves at `deadline` (a timer of the driver, so it needs no runtime).
    /// Dropping it cancels the timer.
    pub fn sleep_until(&self, deadline: std::time::Instant) -> Sleep {
        let slot = Arc::new(Slot::new());
        let shared = self.shared().clone();
        let timer = shared.with(|st, _| {
            if st.closed.is_some() {
                slot.complete(());
                None
            } else {
                let at = shared.clock.to_core(deadline);
                let id = st.core.set_timer(at);
                st.timers.insert(id.0, slot.clone());
                Some((id, at))
            }
        });
        shared.notify();
        Sleep {
            slot,
            timer: timer.map(|t| (shared, t.0, t.1)),
            done: false,
        }
    }
}

/// The reply of a request. Dropping it cancels the request.
#[derive(Debug)]
#[must_use = "a request does nothing unless awaited"]
pub struct ReplyFuture {
    shared: Arc<Shared>,
    id: RequestId,
    slot: Arc<Slot<Result<Message, RequestError>>>,
    done: bool,
}

impl Future for ReplyFuture {
    type Output = Result<Message, RequestError>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let r = self.slot.poll_take(cx);
        if r.is_ready() {
            self.done = true;
        }
        r
    }
}

impl Drop for ReplyFuture {
    fn drop(&mut self) {
        if !self.done {
            let id = self.id;
            self.shared.with(|st, now| {
                if st.replies.remove(&id.0).is_some() {
                    st.core.cancel_request(now, id);
                }
            });
        }
    }
}

/// The completion of a flush, with the round trip time.
#[derive(Debug)]
#[must_use = "a flush does nothing unless awaited"]
pub struct FlushFuture {
    slot: Arc<Slot<Result<Duration, FlushError>>>,
    /// `None` when the timeout was too long for the clock.
    timer: Option<Sleep>,
    shared: Arc<Shared>,
    id: FlushId,
}

impl Future for FlushFuture {
    type Output = Result<Duration, FlushError>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if let Poll::Ready(r) = self.slot.poll_take(cx) {
            return Poll::Ready(r);
        }
        let timed_out = self
            .timer
            .as_mut()
            .is_some_and(|timer| Pin::new(timer).poll(cx).is_ready());
        if timed_out {
            let id = self.id;
            // The PONG may still come; nobody waits for it any more.
            self.shared.lock().flushes.remove(&id.0);
            return Poll::Ready(Err(FlushError::TimedOut));
        }
        Poll::Pending
    }
}

/// The end of a drain: resolves once the connection closed and the driver
/// finished writing.
#[derive(Debug)]
#[must_use = "a drain does nothing unless awaited"]
pub struct DrainFuture {
    slot: Arc<Slot<CloseReason>>,
    driver: Arc<Latch>,
    reason: Option<CloseReason>,
}

impl Future for DrainFuture {
    type Output = Result<(), DrainError>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if self.reason.is_none() {
            match self.slot.poll_take(cx) {
                Poll::Ready(reason) => self.reason = Some(reason),
                Poll::Pending => return Poll::Pending,
            }
        }
        if self.driver.poll_wait(cx).is_pending() {
            return Poll::Pending;
        }
        Poll::Ready(match self.reason.take() {
            Some(CloseReason::Drained) => Ok(()),
            Some(CloseReason::DrainTimeout) => Err(DrainError::TimedOut),
            Some(other) => Err(DrainError::Interrupted(other)),
            None => Err(DrainError::Closed),
        })
    }
}

/// A timer of the driver; see [`Client::sleep_until`]. Dropping it before it
/// fired cancels the timer.
#[derive(Debug)]
pub struct Sleep {
    slot: Arc<Slot<()>>,
    timer: Option<(Arc<Shared>, TimerId, natrs_core::Instant)>,
    done: bool,
}

impl Future for Sleep {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.done {
            return Poll::Ready(());
        }
        let r = self.slot.poll_take(cx);
        if r.is_ready() {
            self.done = true;
        }
        r
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        if let Some((shared, id, at)) = self.timer.take() {
            let mut st = shared.lock();
            if st.timers.remove(&id.0).is_some() {
                st.core.cancel_timer(id, at);
            }
        }
    }
}
