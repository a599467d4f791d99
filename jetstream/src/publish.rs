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
//! it on. The ack subscription, the connection's event stream and the
//! driver timer for the earliest ack deadline are each polled with a waker
//! of the window's own: it raises that source's flag and wakes one of the
//! waiters, which then reads the flagged sources for everybody (acks are
//! parsed before the window's lock is taken). The bookkeeping itself is the
//! sans-IO [`AckWindow`].

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
use std::sync::atomic::{AtomicBool, Ordering};
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
        let sent = publisher.with_reply_subject(token, |reply| {
            transport.publish(
                subject.as_ref(),
                Some(reply),
                headers.as_ref(),
                &message.payload,
            )
        });
        if let Err(e) = sent {
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
    /// The deadline the timer is armed for.
    armed: Option<Instant>,
}

impl Window {
    /// A waker of somebody who will pump when polled.
    fn pumper(&mut self) -> Option<&Waker> {
        if let Some(w) = self.room.first() {
            return Some(w);
        }
        if let Some(w) = self.acks.any_waiter() {
            return Some(w);
        }
        self.complete.first()
    }
}

/// What woke the window: each source has its own waker, which raises its
/// flag and wakes one waiter to pump; pumping reads only the flagged sources.
#[derive(Default)]
struct Signals {
    acks: AtomicBool,
    events: AtomicBool,
    timer: AtomicBool,
}

#[derive(Clone, Copy)]
enum Source {
    Acks,
    Events,
    Timer,
}

/// The waker one source (the ack subscription, the event stream, the
/// timer) is polled with.
struct SourceWaker {
    window: Arc<Mutex<Window>>,
    signals: Arc<Signals>,
    source: Source,
}

impl Wake for SourceWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        let flag = match self.source {
            Source::Acks => &self.signals.acks,
            Source::Events => &self.signals.events,
            Source::Timer => &self.signals.timer,
        };
        flag.store(true, Ordering::Release);
        // Called from the connection's driver; touches only the window lock.
        if let Some(w) = lock(&self.window).pumper() {
            w.wake_by_ref();
        }
    }
}

/// The ack subscription, with room for the acks of one read.
struct AckSource<S> {
    sub: S,
    parsed: Vec<(u64, Result<PubAck, Error>)>,
}

/// Adds the publishers waiting for room and the callers waiting for
/// completion to `woken`, when that is there.
fn settled(w: &mut Window, woken: &mut Vec<Waker>) {
    if w.acks.has_room() {
        woken.append(&mut w.room);
    }
    if w.acks.waiting() == 0 {
        woken.append(&mut w.complete);
    }
}

/// The shared state of asynchronous publishing on one context.
pub(crate) struct AsyncPublisher<T: Transport> {
    transport: T,
    /// `<inbox>.`; a publish's reply subject is this plus its token.
    reply_prefix: String,
    acks: Mutex<AckSource<T::Subscription>>,
    events: Mutex<T::Events>,
    timer: Mutex<Deadline<T::Sleep>>,
    window: Arc<Mutex<Window>>,
    signals: Arc<Signals>,
    acks_waker: Waker,
    events_waker: Waker,
    timer_waker: Waker,
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
            armed: None,
        }));
        // Every source is read once, which registers its waker.
        let signals = Arc::new(Signals {
            acks: AtomicBool::new(true),
            events: AtomicBool::new(true),
            timer: AtomicBool::new(false),
        });
        let waker = |source| {
            Waker::from(Arc::new(SourceWaker {
                window: window.clone(),
                signals: signals.clone(),
                source,
            }))
        };
        let (acks_waker, events_waker, timer_waker) = (
            waker(Source::Acks),
            waker(Source::Events),
            waker(Source::Timer),
        );
        Ok(AsyncPublisher {
            transport: transport.clone(),
            reply_prefix: format!("{inbox}."),
            acks: Mutex::new(AckSource {
                sub: acks,
                parsed: Vec::new(),
            }),
            events: Mutex::new(events),
            timer: Mutex::new(Deadline::default()),
            window,
            signals,
            acks_waker,
            events_waker,
            timer_waker,
        })
    }

    /// Runs `f` with the reply subject of publish `token`
    /// (`<inbox>.<token>`), built on the stack when it fits.
    fn with_reply_subject<R>(&self, token: u64, f: impl FnOnce(&str) -> R) -> R {
        let mut digits = [0u8; 20];
        let token = itoa(token, &mut digits);
        let len = self.reply_prefix.len() + token.len();
        let mut buf = [0u8; 128];
        match buf.get_mut(..len) {
            Some(dst) => {
                let (head, tail) = dst.split_at_mut(self.reply_prefix.len());
                head.copy_from_slice(self.reply_prefix.as_bytes());
                tail.copy_from_slice(token.as_bytes());
                // Both parts are UTF-8.
                match std::str::from_utf8(dst) {
                    Ok(s) => f(s),
                    Err(_) => f(&format!("{}{token}", self.reply_prefix)),
                }
            }
            None => f(&format!("{}{token}", self.reply_prefix)),
        }
    }

    fn token_of(&self, message: &Message) -> Option<u64> {
        message
            .subject
            .as_str()
            .strip_prefix(self.reply_prefix.as_str())?
            .parse()
            .ok()
    }

    /// Moves the window on (acks received, connection events), then runs
    /// `f` on it under the same lock. Deadlines are the timer's business
    /// ([`poll_timer`](AsyncPublisher::poll_timer)). Never called with a lock
    /// held; the timer is armed after the window's lock is released (arming
    /// takes the connection's lock, under which the driver wakes the window).
    fn pump<R>(&self, f: impl FnOnce(&mut Window) -> R) -> R {
        // Acks: read and parsed under the ack source's lock, resolved under
        // the window's.
        let mut received = Vec::new();
        if self.signals.acks.swap(false, Ordering::AcqRel) {
            let mut cx = Context::from_waker(&self.acks_waker);
            let mut source = lock(&self.acks);
            let AckSource { sub, parsed } = &mut *source;
            while let Poll::Ready(Some(m)) = Pin::new(&mut *sub).poll_next(&mut cx) {
                if let Some(token) = self.token_of(&m) {
                    parsed.push((token, parse_ack(&m)));
                }
            }
            received.append(parsed);
        }
        // Connection events: a lost connection loses the acks in flight.
        let mut lost = None;
        if self.signals.events.swap(false, Ordering::AcqRel) {
            let mut cx = Context::from_waker(&self.events_waker);
            let mut events = lock(&self.events);
            loop {
                match Pin::new(&mut *events).poll_next(&mut cx) {
                    Poll::Ready(Some(ConnectionEvent::Disconnected)) => {
                        lost.get_or_insert(Error::Disconnected);
                    }
                    Poll::Ready(Some(ConnectionEvent::Closed)) | Poll::Ready(None) => {
                        lost = Some(Error::Closed);
                        // Ended for good: nothing will wake it again.
                        self.signals.events.store(true, Ordering::Release);
                        break;
                    }
                    Poll::Ready(Some(_)) => {}
                    Poll::Pending => break,
                }
            }
        }
        let mut woken = Vec::new();
        let (result, timer_due) = {
            let mut w = lock(&self.window);
            for (token, result) in received {
                woken.extend(w.acks.resolve(token, result));
            }
            if let Some(e) = lost {
                woken.extend(w.acks.fail_all(&e));
            }
            let result = f(&mut w);
            settled(&mut w, &mut woken);
            let rearm = match (w.acks.poll_timeout(), w.armed) {
                (Some(d), Some(a)) => d < a,
                (Some(_), None) => true,
                (None, _) => false,
            };
            (
                result,
                rearm || self.signals.timer.swap(false, Ordering::AcqRel),
            )
        };
        for waker in woken {
            waker.wake();
        }
        if timer_due {
            while self.poll_timer() {}
        }
        result
    }

    /// Arms the timer for the earliest deadline; when one passed, expires
    /// and returns `true` to run again.
    fn poll_timer(&self) -> bool {
        let now = Instant::now();
        let deadline = lock(&self.window).acks.poll_timeout();
        let mut cx = Context::from_waker(&self.timer_waker);
        let fired = lock(&self.timer)
            .poll(&mut cx, now, deadline, |at| self.transport.sleep_until(at))
            .is_ready();
        let woken = {
            let mut w = lock(&self.window);
            w.armed = if fired { None } else { deadline };
            if !fired {
                return false;
            }
            let mut woken = w.acks.expire(now);
            settled(&mut w, &mut woken);
            woken
        };
        for waker in woken {
            waker.wake();
        }
        true
    }

    /// After registering a waker and before returning `Pending`: a source
    /// that woke while this call pumped may have found no waiter, so poll
    /// again at once instead of missing it. (Sources raise their flag before
    /// looking for a waiter under the window's lock, where the waker was
    /// registered.)
    fn recheck<R>(&self, cx: &mut Context<'_>, r: Poll<R>) -> Poll<R> {
        if r.is_pending()
            && (self.signals.acks.load(Ordering::Acquire)
                || self.signals.events.load(Ordering::Acquire)
                || self.signals.timer.load(Ordering::Acquire))
        {
            cx.waker().wake_by_ref();
        }
        r
    }

    fn poll_start(&self, cx: &mut Context<'_>) -> Poll<u64> {
        let r = self.pump(|w| match w.acks.start(Instant::now()) {
            Some(token) => Poll::Ready(token),
            None => {
                if !w.room.iter().any(|x| x.will_wake(cx.waker())) {
                    w.room.push(cx.waker().clone());
                }
                Poll::Pending
            }
        });
        self.recheck(cx, r)
    }

    fn cancel(&self, token: u64) {
        lock(&self.window).acks.cancel(token);
    }

    fn poll_ack(&self, token: u64, cx: &mut Context<'_>) -> Poll<Result<PubAck, Error>> {
        let r = self.pump(|w| {
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
        });
        self.recheck(cx, r)
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
        let r = self.pump(|w| {
            if w.acks.waiting() == 0 {
                return Poll::Ready(());
            }
            if !w.complete.iter().any(|x| x.will_wake(cx.waker())) {
                w.complete.push(cx.waker().clone());
            }
            Poll::Pending
        });
        self.recheck(cx, r)
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
