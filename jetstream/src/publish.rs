//! Publishing to streams: one publish waiting for its ack (retried on 503
//! as ADR-22 says), and asynchronous publishing with a bounded window of
//! acks in flight.
//!
//! # Asynchronous publishing
//!
//! [`JetStream::publish_async`] waits only for room in the window (at most
//! `max_ack_pending` acks outstanding), publishes with a reply subject of its
//! own (`<inbox>.<token>` on one wildcard subscription) and returns a
//! [`PubAckFuture`]. Every publish ends exactly once: with its ack, an API
//! error, [`Error::TimedOut`], or [`Error::Disconnected`] when the connection
//! is lost before the ack came (the outcome is then unknown: publish again
//! with the same `Nats-Msg-Id` and the stream drops the duplicate).
//!
//! There is no task behind the window: whoever waits (a [`PubAckFuture`],
//! a publisher waiting for room, [`JetStream::publish_async_complete`]) moves
//! it on. The subscription, the event stream and the timer are polled with a
//! waker of the window's own that wakes one of the waiters, which then reads
//! the acks, events and deadlines for everybody.

use crate::api::publish::{PubAck, PublishOptions, parse_ack};
use crate::context::JetStream;
use crate::error::Error;
use crate::state::ack_window::AckWindow;
use crate::timer::Deadline;
use crate::transport::{ConnectionEvent, MessageStream, Transport};
use bytes::Bytes;
use futures_core::Stream as _;
use natrs_client::{HeaderMap, Message, RequestError};
use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Instant;

/// A message to publish to a stream: payload, headers and options.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PublishMessage {
    /// The payload.
    pub payload: Bytes,
    /// Headers of the application.
    pub headers: Option<HeaderMap>,
    /// Ids and expectations.
    pub options: PublishOptions,
}

impl PublishMessage {
    /// A message with this payload.
    pub fn new(payload: impl Into<Bytes>) -> PublishMessage {
        PublishMessage {
            payload: payload.into(),
            headers: None,
            options: PublishOptions::default(),
        }
    }

    /// Sets the application's headers.
    pub fn headers(mut self, headers: HeaderMap) -> PublishMessage {
        self.headers = Some(headers);
        self
    }

    /// Sets the options.
    pub fn options(mut self, options: PublishOptions) -> PublishMessage {
        self.options = options;
        self
    }

    /// Sets `Nats-Msg-Id`.
    pub fn msg_id(mut self, id: impl Into<String>) -> PublishMessage {
        self.options.msg_id = Some(id.into());
        self
    }

    fn wire_headers(&self) -> Option<HeaderMap> {
        self.options.headers(self.headers.clone())
    }
}

fn lock<X>(m: &Mutex<X>) -> MutexGuard<'_, X> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl<T: Transport> JetStream<T> {
    /// Publishes `payload` to `subject` and waits for the stream's ack.
    pub async fn publish(
        &self,
        subject: impl AsRef<str>,
        payload: impl Into<Bytes>,
    ) -> Result<PubAck, Error> {
        self.send_publish(subject, PublishMessage::new(payload))
            .await
    }

    /// Publishes with ids and expectations and waits for the ack.
    pub async fn publish_with_options(
        &self,
        subject: impl AsRef<str>,
        payload: impl Into<Bytes>,
        options: PublishOptions,
    ) -> Result<PubAck, Error> {
        self.send_publish(subject, PublishMessage::new(payload).options(options))
            .await
    }

    /// Publishes a message and waits for the ack. A 503 (no stream, or no
    /// leader during an election) is retried `publish_retry_attempts` times,
    /// `publish_retry_wait` apart (ADR-22), then fails with
    /// [`Error::NoStreamResponse`].
    pub async fn send_publish(
        &self,
        subject: impl AsRef<str>,
        message: PublishMessage,
    ) -> Result<PubAck, Error> {
        let subject = subject.as_ref();
        let headers = message.wire_headers();
        let transport = &self.inner.transport;
        let mut attempt = 0;
        loop {
            poll_fn(|cx| transport.poll_write_room(cx)).await;
            let reply = transport
                .request(
                    subject,
                    message.payload.clone(),
                    headers.clone(),
                    self.inner.timeout,
                )?
                .await;
            match reply {
                Ok(m) => return parse_ack(&m),
                Err(RequestError::NoResponders)
                    if attempt < self.inner.options.publish_retry_attempts =>
                {
                    attempt += 1;
                    transport
                        .sleep_until(Instant::now() + self.inner.options.publish_retry_wait)
                        .await;
                }
                Err(e) => return Err(Error::from_request(e, false)),
            }
        }
    }

    fn publisher(&self) -> Result<&Arc<AsyncPublisher<T>>, Error> {
        if let Some(p) = self.inner.publisher.get() {
            return Ok(p);
        }
        let p = AsyncPublisher::new(
            &self.inner.transport,
            self.inner.options.max_ack_pending,
            self.inner.timeout,
        )?;
        Ok(self.inner.publisher.get_or_init(|| Arc::new(p)))
    }

    /// Publishes `payload` to `subject` without waiting for the ack: waits
    /// only while `max_ack_pending` acks are outstanding. The returned future
    /// resolves to the ack (dropping it discards the result; the publish
    /// still counts until its ack comes).
    pub async fn publish_async(
        &self,
        subject: impl AsRef<str>,
        payload: impl Into<Bytes>,
    ) -> Result<PubAckFuture<T>, Error> {
        self.send_publish_async(subject, PublishMessage::new(payload))
            .await
    }

    /// [`publish_async`](JetStream::publish_async) with headers and options.
    pub async fn send_publish_async(
        &self,
        subject: impl AsRef<str>,
        message: PublishMessage,
    ) -> Result<PubAckFuture<T>, Error> {
        let publisher = self.publisher()?.clone();
        let headers = message.wire_headers();
        let transport = &self.inner.transport;
        poll_fn(|cx| transport.poll_write_room(cx)).await;
        let token = poll_fn(|cx| publisher.poll_start(cx)).await;
        let reply = publisher.reply_subject(token);
        if let Err(e) = transport.publish(
            subject.as_ref(),
            Some(&reply),
            headers.as_ref(),
            &message.payload,
        ) {
            publisher.cancel(token);
            return Err(e.into());
        }
        Ok(PubAckFuture {
            publisher,
            token,
            done: false,
        })
    }

    /// Waits until every async publish got its ack (or failed).
    pub async fn publish_async_complete(&self) -> Result<(), Error> {
        let publisher = self.publisher()?.clone();
        poll_fn(|cx| publisher.poll_complete(cx)).await;
        Ok(())
    }

    /// Async publishes waiting for their acks.
    pub fn publish_async_pending(&self) -> usize {
        self.inner
            .publisher
            .get()
            .map_or(0, |p| lock(&p.window).acks.waiting())
    }
}

/// The window behind the lock.
struct Window {
    acks: AckWindow<PubAck, Waker>,
    /// Publishers waiting for room.
    room: Vec<Waker>,
    /// Callers of `publish_async_complete`.
    complete: Vec<Waker>,
}

impl Window {
    /// A waker of somebody who will pump when polled.
    fn pumper(&self) -> Option<&Waker> {
        self.room
            .first()
            .or_else(|| self.acks.any_waiter())
            .or_else(|| self.complete.first())
    }
}

/// The waker the subscription, event stream and timer are polled with: it
/// wakes one waiter, which pumps.
struct PumpWaker {
    window: Arc<Mutex<Window>>,
}

impl Wake for PumpWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        // Called from the connection's driver; touches only the window lock.
        if let Some(w) = lock(&self.window).pumper() {
            w.wake_by_ref();
        }
    }
}

/// The shared state of asynchronous publishing on one context.
pub(crate) struct AsyncPublisher<T: Transport> {
    transport: T,
    /// `<inbox>.`; a publish's reply subject is this plus its token.
    reply_prefix: String,
    acks: Mutex<T::Subscription>,
    events: Mutex<T::Events>,
    timer: Mutex<Deadline<T::Sleep>>,
    window: Arc<Mutex<Window>>,
    pump_waker: Waker,
}

impl<T: Transport> AsyncPublisher<T> {
    fn new(
        transport: &T,
        max_pending: usize,
        timeout: std::time::Duration,
    ) -> Result<AsyncPublisher<T>, Error> {
        let inbox = transport.new_inbox();
        // Events first: a disconnect after the subscription is made must be seen.
        let events = transport.events();
        let mut acks = transport.subscribe(&format!("{inbox}.*"), None)?;
        acks.set_pending_limits(usize::MAX, usize::MAX);
        let window = Arc::new(Mutex::new(Window {
            acks: AckWindow::new(max_pending, timeout),
            room: Vec::new(),
            complete: Vec::new(),
        }));
        let pump_waker = Waker::from(Arc::new(PumpWaker {
            window: window.clone(),
        }));
        Ok(AsyncPublisher {
            transport: transport.clone(),
            reply_prefix: format!("{inbox}."),
            acks: Mutex::new(acks),
            events: Mutex::new(events),
            timer: Mutex::new(Deadline::default()),
            window,
            pump_waker,
        })
    }

    fn reply_subject(&self, token: u64) -> String {
        let mut s = String::with_capacity(self.reply_prefix.len() + 20);
        s.push_str(&self.reply_prefix);
        s.push_str(itoa(token, &mut [0u8; 20]));
        s
    }

    fn token_of(&self, message: &Message) -> Option<u64> {
        message
            .subject
            .as_str()
            .strip_prefix(self.reply_prefix.as_str())?
            .parse()
            .ok()
    }

    /// Moves the window on: acks received, connection events, deadlines.
    /// Never called with a lock held; takes each lock on its own.
    fn pump(&self, mut now: Instant) {
        let mut cx = Context::from_waker(&self.pump_waker);
        // Acks.
        let mut received: Vec<Message> = Vec::new();
        {
            let mut sub = lock(&self.acks);
            while let Poll::Ready(Some(m)) = Pin::new(&mut *sub).poll_next(&mut cx) {
                received.push(m);
            }
        }
        if !received.is_empty() {
            let mut w = lock(&self.window);
            for m in &received {
                if let Some(token) = self.token_of(m) {
                    if let Some(waker) = w.acks.resolve(token, parse_ack(m)) {
                        waker.wake();
                    }
                }
            }
        }
        // Connection events: a lost connection loses the acks in flight.
        let mut lost = None;
        {
            let mut events = lock(&self.events);
            loop {
                match Pin::new(&mut *events).poll_next(&mut cx) {
                    Poll::Ready(Some(ConnectionEvent::Disconnected)) => {
                        lost.get_or_insert(Error::Disconnected);
                    }
                    Poll::Ready(Some(ConnectionEvent::Closed)) | Poll::Ready(None) => {
                        lost = Some(Error::Closed);
                        break;
                    }
                    Poll::Ready(Some(_)) => {}
                    Poll::Pending => break,
                }
            }
        }
        // Failures, deadlines, room; then arm the timer for the next deadline.
        loop {
            let (woken, deadline) = {
                let mut w = lock(&self.window);
                let mut woken = match lost.take() {
                    Some(e) => w.acks.fail_all(&e),
                    None => Vec::new(),
                };
                woken.extend(w.acks.expire(now));
                if w.acks.has_room() {
                    woken.append(&mut w.room);
                }
                if w.acks.waiting() == 0 {
                    woken.append(&mut w.complete);
                }
                (woken, w.acks.poll_timeout())
            };
            for waker in woken {
                waker.wake();
            }
            let mut timer = lock(&self.timer);
            if timer
                .poll(&mut cx, now, deadline, |at| self.transport.sleep_until(at))
                .is_pending()
            {
                break;
            }
            // A deadline passed: expire with a fresh reading of the clock.
            now = Instant::now();
        }
    }

    fn poll_start(&self, cx: &mut Context<'_>) -> Poll<u64> {
        let now = Instant::now();
        self.pump(now);
        let mut w = lock(&self.window);
        if let Some(token) = w.acks.start(now) {
            return Poll::Ready(token);
        }
        if !w.room.iter().any(|x| x.will_wake(cx.waker())) {
            w.room.push(cx.waker().clone());
        }
        Poll::Pending
    }

    fn cancel(&self, token: u64) {
        lock(&self.window).acks.cancel(token);
    }

    fn poll_ack(&self, token: u64, cx: &mut Context<'_>) -> Poll<Result<PubAck, Error>> {
        self.pump(Instant::now());
        let mut w = lock(&self.window);
        if let Some(result) = w.acks.take(token) {
            return Poll::Ready(result);
        }
        if !w.acks.set_waiter(token, cx.waker().clone()) {
            // Neither waiting nor settled: it was taken already.
            return Poll::Ready(Err(Error::InvalidArgument(
                "publish ack already taken".to_string(),
            )));
        }
        Poll::Pending
    }

    fn abandon(&self, token: u64) {
        let mut w = lock(&self.window);
        w.acks.abandon(token);
        // This future may have been woken to pump: pass the turn on.
        if let Some(waker) = w.pumper() {
            waker.wake_by_ref();
        }
    }

    fn poll_complete(&self, cx: &mut Context<'_>) -> Poll<()> {
        self.pump(Instant::now());
        let mut w = lock(&self.window);
        if w.acks.waiting() == 0 {
            return Poll::Ready(());
        }
        if !w.complete.iter().any(|x| x.will_wake(cx.waker())) {
            w.complete.push(cx.waker().clone());
        }
        Poll::Pending
    }
}

/// Writes `n` in decimal into `buf` and returns it as text.
fn itoa(mut n: u64, buf: &mut [u8; 20]) -> &str {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    // Only ASCII digits were written.
    std::str::from_utf8(&buf[i..]).unwrap_or("0")
}

/// The ack of an async publish. Resolves once: to the ack, an API error,
/// [`Error::TimedOut`], or [`Error::Disconnected`].
#[must_use = "the ack is only known by awaiting this"]
pub struct PubAckFuture<T: Transport = natrs_client::Client> {
    publisher: Arc<AsyncPublisher<T>>,
    token: u64,
    done: bool,
}

impl<T: Transport> std::fmt::Debug for PubAckFuture<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PubAckFuture")
            .field("token", &self.token)
            .finish_non_exhaustive()
    }
}

impl<T: Transport> Future for PubAckFuture<T> {
    type Output = Result<PubAck, Error>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if self.done {
            return Poll::Ready(Err(Error::InvalidArgument(
                "publish ack already taken".to_string(),
            )));
        }
        let r = self.publisher.poll_ack(self.token, cx);
        if r.is_ready() {
            self.done = true;
        }
        r
    }
}

impl<T: Transport> Drop for PubAckFuture<T> {
    fn drop(&mut self) {
        if !self.done {
            self.publisher.abandon(self.token);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal() {
        assert_eq!(itoa(0, &mut [0; 20]), "0");
        assert_eq!(itoa(42, &mut [0; 20]), "42");
        assert_eq!(itoa(u64::MAX, &mut [0; 20]), "18446744073709551615");
    }
}
