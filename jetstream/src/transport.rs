//! The little JetStream needs from a NATS connection, as a trait: requests,
//! publishes, subscriptions, inboxes, timers and connection events.
//! [`natrs_client::Client`] implements it, so every natrs runtime crate
//! (which all share that client) gets JetStream; nothing here needs a
//! runtime: futures complete through wakers and timers are the driver's.

use bytes::Bytes;
use futures_core::Stream;
use natrs_client::{
    Client, ClientEvent, ConnectionState, EventStream, HeaderMap, Message, ReplyFuture, Request,
    RequestError, RequestManyOptions, Responses, Sleep, Subscriber,
};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

/// A change of the connection that consumers and publishers react to.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConnectionEvent {
    /// The connection was lost; the client reconnects.
    Disconnected,
    /// The client is connected again.
    Reconnected,
    /// The client closed for good.
    Closed,
}

/// A subscription's messages, in order; the stream ends when the
/// subscription does. Dropping it unsubscribes.
pub trait MessageStream: Stream<Item = Message> + Send + Unpin + 'static {
    /// Stops taking new messages; the stream ends after those already
    /// received.
    fn drain(&mut self);
    /// Raises or lowers the limits past which the client drops messages.
    fn set_pending_limits(&mut self, messages: usize, bytes: usize);
}

/// A NATS connection as JetStream uses it.
pub trait Transport: Clone + Send + Sync + Unpin + 'static {
    /// A subscription.
    type Subscription: MessageStream;
    /// A timer.
    type Sleep: Future<Output = ()> + Send + Unpin + 'static;
    /// The reply of a request.
    type Reply: Future<Output = Result<Message, RequestError>> + Send + Unpin + 'static;
    /// The replies of a request answered several times.
    type Replies: Stream<Item = Result<Message, RequestError>> + Send + Unpin + 'static;
    /// Connection events from the moment it was made.
    type Events: Stream<Item = ConnectionEvent> + Send + Unpin + 'static;

    /// Sends a request and waits at most `timeout` for one reply; a 503
    /// answer fails it with [`RequestError::NoResponders`].
    fn request(
        &self,
        subject: &str,
        payload: Bytes,
        headers: Option<HeaderMap>,
        timeout: Duration,
    ) -> Result<Self::Reply, natrs_client::Error>;

    /// Sends a request and streams its replies until `timeout` passes or
    /// `stall` passes without one (the caller stops earlier by dropping it).
    fn request_many(
        &self,
        subject: &str,
        payload: Bytes,
        timeout: Duration,
        stall: Option<Duration>,
    ) -> Result<Self::Replies, natrs_client::Error>;

    /// Publishes without waiting (the client buffers).
    fn publish(
        &self,
        subject: &str,
        reply: Option<&str>,
        headers: Option<&HeaderMap>,
        payload: &Bytes,
    ) -> Result<(), natrs_client::Error>;

    /// `Ready` when the client's write buffer has room for more publishes.
    fn poll_write_room(&self, cx: &mut Context<'_>) -> Poll<()>;

    /// Subscribes (with a queue group when given).
    fn subscribe(
        &self,
        subject: &str,
        queue: Option<&str>,
    ) -> Result<Self::Subscription, natrs_client::Error>;

    /// A new unique inbox subject.
    fn new_inbox(&self) -> String;

    /// A timer that fires at `deadline`; dropping it cancels it.
    fn sleep_until(&self, deadline: Instant) -> Self::Sleep;

    /// Connection events from now on.
    fn events(&self) -> Self::Events;

    /// Whether the connection is up.
    fn is_connected(&self) -> bool;

    /// The client's default request timeout.
    fn request_timeout(&self) -> Duration;
}

impl MessageStream for Subscriber {
    fn drain(&mut self) {
        let _ = self.drain_now();
    }

    fn set_pending_limits(&mut self, messages: usize, bytes: usize) {
        Subscriber::set_pending_limits(self, messages, bytes);
    }
}

/// [`ClientEvent`]s filtered to [`ConnectionEvent`]s.
#[derive(Debug)]
pub struct ClientEvents(EventStream);

impl Stream for ClientEvents {
    type Item = ConnectionEvent;
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<ConnectionEvent>> {
        loop {
            match self.0.poll_next_event(cx) {
                Poll::Ready(Some(ClientEvent::Disconnected { .. })) => {
                    return Poll::Ready(Some(ConnectionEvent::Disconnected));
                }
                Poll::Ready(Some(ClientEvent::Reconnected { .. })) => {
                    return Poll::Ready(Some(ConnectionEvent::Reconnected));
                }
                Poll::Ready(Some(ClientEvent::Closed { .. })) => {
                    return Poll::Ready(Some(ConnectionEvent::Closed));
                }
                Poll::Ready(Some(_)) => continue,
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

impl Transport for Client {
    type Subscription = Subscriber;
    type Sleep = Sleep;
    type Reply = ReplyFuture;
    type Replies = Responses;
    type Events = ClientEvents;

    fn request(
        &self,
        subject: &str,
        payload: Bytes,
        headers: Option<HeaderMap>,
        timeout: Duration,
    ) -> Result<ReplyFuture, natrs_client::Error> {
        let mut request = Request::new(payload).timeout(timeout);
        if let Some(h) = headers {
            request = request.headers(h);
        }
        self.start_request(subject, request)
    }

    fn request_many(
        &self,
        subject: &str,
        payload: Bytes,
        timeout: Duration,
        stall: Option<Duration>,
    ) -> Result<Responses, natrs_client::Error> {
        let options = RequestManyOptions {
            stall,
            ..RequestManyOptions::default()
        };
        self.request_many_now(subject, Request::new(payload).timeout(timeout), options)
    }

    fn publish(
        &self,
        subject: &str,
        reply: Option<&str>,
        headers: Option<&HeaderMap>,
        payload: &Bytes,
    ) -> Result<(), natrs_client::Error> {
        self.try_publish(subject, reply, headers, payload)
    }

    fn poll_write_room(&self, cx: &mut Context<'_>) -> Poll<()> {
        Client::poll_write_room(self, cx)
    }

    fn subscribe(
        &self,
        subject: &str,
        queue: Option<&str>,
    ) -> Result<Subscriber, natrs_client::Error> {
        self.subscribe_now(subject, queue)
    }

    fn new_inbox(&self) -> String {
        Client::new_inbox(self)
    }

    fn sleep_until(&self, deadline: Instant) -> Sleep {
        Client::sleep_until(self, deadline)
    }

    fn events(&self) -> ClientEvents {
        ClientEvents(Client::events(self))
    }

    fn is_connected(&self) -> bool {
        self.connection_state() == ConnectionState::Connected
    }

    fn request_timeout(&self) -> Duration {
        Client::request_timeout(self)
    }
}
