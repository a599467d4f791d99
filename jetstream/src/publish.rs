//! Publishing to streams: one publish waiting for its ack (retried on 503
//! as ADR-22 says), and asynchronous publishing with a bounded window of
//! acks in flight.
//!
//! # Asynchronous publishing
//!
//! [`JetStream::publish_async`] waits only for room in the window (at most
//! `max_ack_pending` acks outstanding), publishes with a reply subject of its
//! own (`<inbox>.<token>` on one wildcard subscription) and returns a
//! [`PubAckFuture`]. A publish nobody answered (503: no stream, or no
//! leader during an election) is sent again under the same reply subject,
//! `publish_async_retry_attempts` times `publish_async_retry_wait` apart
//! within its ack timeout, as nats.go does (250 ms × 2 by default; see
//! [`JetStreamOptions`](crate::JetStreamOptions)). Every publish ends exactly once: with its ack, an API
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
//!
//! So a waiter woken for everybody must poll or go: a waiter that is done
//! or dropped hands its turn to another. One thing is left to the
//! application: a [`PubAckFuture`] that a task polled and then keeps
//! without polling it again holds up the others' acks. Keep awaiting an
//! ack once polled, or drop it.

use crate::api::publish::{PubAck, PublishOptions, parse_ack};
use crate::context::JetStream;
use crate::error::Error;
use crate::state::ack_window::AckWindow;
use crate::timer::Deadline;
use crate::transport::{ConnectionEvent, MessageStream, Transport};
use bytes::Bytes;
use futures_core::Stream as _;
use natrs_client::adapter::deadline_after;
use natrs_client::{HeaderMap, Message, Payload, RequestError};
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
    pub fn new<'p>(payload: impl Into<Payload<'p>>) -> PublishMessage {
        PublishMessage {
            payload: payload.into().into_bytes(),
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
        payload: impl Into<Payload<'_>>,
    ) -> Result<PubAck, Error> {
        self.send_publish(subject, PublishMessage::new(payload))
            .await
    }

    /// Publishes with ids and expectations and waits for the ack.
    pub async fn publish_with_options(
        &self,
        subject: impl AsRef<str>,
        payload: impl Into<Payload<'_>>,
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
                    crate::trace::publish_retry(subject, attempt);
                    // A wait too long for the clock waits without limit.
                    match deadline_after(self.inner.options.publish_retry_wait) {
                        Some(at) => transport.sleep_until(at).await,
                        None => std::future::pending().await,
                    }
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
            self.inner.options.publish_async_retry_wait,
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
        payload: impl Into<Payload<'_>>,
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
        let retries =
            u32::try_from(self.inner.options.publish_async_retry_attempts).unwrap_or(u32::MAX);
        let resend = (retries > 0).then(|| {
            Arc::new(Resend {
                subject: subject.as_ref().to_string(),
                headers: headers.clone(),
                payload: message.payload.clone(),
            })
        });
        poll_fn(|cx| transport.poll_write_room(cx)).await;
        let mut wait = WindowWait::new(&publisher, Wait::Room);
        wait.resend = resend.map(|r| (r, retries));
        let token = wait.await;
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
        WindowWait::new(&publisher, Wait::Complete).await;
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

/// What an async publish is sent again with after a 503.
struct Resend {
    subject: String,
    headers: Option<HeaderMap>,
    payload: Bytes,
}

/// The window behind the lock.
struct Window {
    acks: AckWindow<PubAck, Waker, Arc<Resend>>,
    /// Publishers waiting for room.
    room: Waiters,
    /// Callers of `publish_async_complete`.
    complete: Waiters,
    /// The deadline the timer is armed for.
    armed: Option<Instant>,
}

/// Tasks waiting for room or completion, each under the id of the future
/// it waits in. A future leaves when it is done or dropped, so a waker
/// chosen to pump always belongs to a future still waiting.
#[derive(Default)]
struct Waiters {
    last: u64,
    list: Vec<(u64, Waker)>,
}

impl Waiters {
    /// Registers the waker of the future that holds `id` (given one on its
    /// first wait), or refreshes it.
    fn register(&mut self, id: &mut Option<u64>, waker: &Waker) {
        let id = *id.get_or_insert_with(|| {
            self.last += 1;
            self.last
        });
        match self.list.iter_mut().find(|(i, _)| *i == id) {
            Some((_, w)) => w.clone_from(waker),
            None => self.list.push((id, waker.clone())),
        }
    }

    fn remove(&mut self, id: u64) {
        self.list.retain(|(i, _)| *i != id);
    }

    fn first(&self) -> Option<&Waker> {
        self.list.first().map(|(_, w)| w)
    }

    /// Moves every waker to `woken`.
    fn wake_all(&mut self, woken: &mut Vec<Waker>) {
        woken.extend(self.list.drain(..).map(|(_, w)| w));
    }
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
        w.room.wake_all(woken);
    }
    if w.acks.waiting() == 0 {
        w.complete.wake_all(woken);
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
        retry_wait: std::time::Duration,
    ) -> Result<AsyncPublisher<T>, Error> {
        let inbox = transport.new_inbox();
        // Events first: a disconnect after the subscription is made must be seen.
        let events = transport.events();
        let mut acks = transport.subscribe(&format!("{inbox}.*"), None)?;
        acks.set_pending_limits(usize::MAX, usize::MAX);
        let window = Arc::new(Mutex::new(Window {
            acks: AckWindow::new(max_pending, timeout).with_retry_wait(retry_wait),
            room: Waiters::default(),
            complete: Waiters::default(),
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
            let now = Instant::now();
            for (token, result) in received {
                // Nobody answered (no stream, or no leader during an
                // election): send it again later, when it may.
                if result == Err(Error::NoStreamResponse) && w.acks.retry(now, token) {
                    crate::trace::async_publish_retry();
                    continue;
                }
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
        let (mut woken, due) = {
            let mut w = lock(&self.window);
            w.armed = if fired { None } else { deadline };
            if !fired {
                return false;
            }
            let mut woken = w.acks.expire(now);
            settled(&mut w, &mut woken);
            (woken, w.acks.due_retries(now))
        };
        // Sent again without the window's lock (publishing takes the
        // connection's, under which the driver wakes the window).
        for (token, m) in due {
            let sent = self.with_reply_subject(token, |reply| {
                self.transport
                    .publish(&m.subject, Some(reply), m.headers.as_ref(), &m.payload)
            });
            if let Err(e) = sent {
                let mut w = lock(&self.window);
                woken.extend(w.acks.resolve(token, Err(e.into())));
                settled(&mut w, &mut woken);
            }
        }
        for waker in woken {
            waker.wake();
        }
        true
    }

    /// After a poll that pumped: a source that woke meanwhile raised its
    /// flag and then, under the window's lock, woke one waiter. That may
    /// have been this caller, registered from an earlier poll, or nobody.
    /// A caller that waits on polls again at once; one that is done passes
    /// the turn to a waiter still waiting. (The caller registered or left
    /// under the window's lock, so a flag raised before it did is seen.)
    fn recheck<R>(&self, cx: &mut Context<'_>, r: Poll<R>) -> Poll<R> {
        if self.signals.acks.load(Ordering::Acquire)
            || self.signals.events.load(Ordering::Acquire)
            || self.signals.timer.load(Ordering::Acquire)
        {
            if r.is_pending() {
                cx.waker().wake_by_ref();
            } else {
                self.pass_turn();
            }
        }
        r
    }

    /// Wakes a waiter to pump in place of a caller that will not.
    fn pass_turn(&self) {
        if let Some(waker) = lock(&self.window).pumper() {
            waker.wake_by_ref();
        }
    }

    /// Takes a token when the window has room; `id` is the waiting future's.
    fn poll_start(
        &self,
        id: &mut Option<u64>,
        resend: &mut Option<(Arc<Resend>, u32)>,
        cx: &mut Context<'_>,
    ) -> Poll<u64> {
        let r = self.pump(|w| {
            let now = Instant::now();
            let started = if !w.acks.has_room() {
                None
            } else if let Some((message, retries)) = resend.take() {
                w.acks.start_with_retries(now, message, retries)
            } else {
                w.acks.start(now)
            };
            match started {
                Some(token) => {
                    if let Some(id) = id.take() {
                        w.room.remove(id);
                    }
                    Poll::Ready(token)
                }
                None => {
                    w.room.register(id, cx.waker());
                    Poll::Pending
                }
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
        lock(&self.window).acks.abandon(token);
        // This future may have been woken to pump.
        self.pass_turn();
    }

    /// `Ready` when no publish waits for its ack; `id` is the waiting
    /// future's.
    fn poll_complete(&self, id: &mut Option<u64>, cx: &mut Context<'_>) -> Poll<()> {
        let r = self.pump(|w| {
            if w.acks.waiting() == 0 {
                if let Some(id) = id.take() {
                    w.complete.remove(id);
                }
                return Poll::Ready(());
            }
            w.complete.register(id, cx.waker());
            Poll::Pending
        });
        self.recheck(cx, r)
    }

    /// A waiting future dropped before it was done.
    fn leave(&self, wait: Wait, id: u64) {
        {
            let mut w = lock(&self.window);
            match wait {
                Wait::Room => w.room.remove(id),
                Wait::Complete => w.complete.remove(id),
            }
        }
        // It may have been woken to pump.
        self.pass_turn();
    }
}

/// What a [`WindowWait`] waits for.
#[derive(Clone, Copy)]
enum Wait {
    /// Room for a publish: gives its token.
    Room,
    /// No publish waiting for its ack.
    Complete,
}

/// Waits for room in the window or for completion, pumping when woken.
/// Dropped while waiting, it leaves the window's waiters.
struct WindowWait<'a, T: Transport> {
    publisher: &'a AsyncPublisher<T>,
    wait: Wait,
    id: Option<u64>,
    /// For [`Wait::Room`]: what the publish is sent again with after a 503,
    /// and how many times at most.
    resend: Option<(Arc<Resend>, u32)>,
}

impl<'a, T: Transport> WindowWait<'a, T> {
    fn new(publisher: &'a AsyncPublisher<T>, wait: Wait) -> Self {
        WindowWait {
            publisher,
            wait,
            id: None,
            resend: None,
        }
    }
}

impl<T: Transport> Future for WindowWait<'_, T> {
    /// The token for [`Wait::Room`]; 0 for [`Wait::Complete`].
    type Output = u64;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u64> {
        let this = &mut *self;
        match this.wait {
            Wait::Room => this
                .publisher
                .poll_start(&mut this.id, &mut this.resend, cx),
            Wait::Complete => this.publisher.poll_complete(&mut this.id, cx).map(|()| 0),
        }
    }
}

impl<T: Transport> Drop for WindowWait<'_, T> {
    fn drop(&mut self) {
        if let Some(id) = self.id {
            self.publisher.leave(self.wait, id);
        }
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
    use crate::context::JetStreamOptions;
    use crate::fake_transport::FakeTransport;
    use std::sync::atomic::AtomicUsize;

    /// A waker that counts its wake-ups.
    #[derive(Default)]
    struct Count(AtomicUsize);

    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.wake_by_ref();
        }
        fn wake_by_ref(self: &Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// A task: a waker and how often it was woken.
    struct Task(Arc<Count>, Waker);

    impl Task {
        fn new() -> Task {
            let count = Arc::new(Count::default());
            Task(count.clone(), Waker::from(count))
        }
        fn poll<F: Future + Unpin>(&self, f: &mut F) -> Poll<F::Output> {
            Pin::new(f).poll(&mut Context::from_waker(&self.1))
        }
        fn woken(&self) -> usize {
            self.0.0.load(Ordering::SeqCst)
        }
    }

    const ACK: &str = r#"{"stream":"S","seq":1}"#;

    fn context(max_pending: usize) -> (FakeTransport, JetStream<FakeTransport>) {
        let fake = FakeTransport::default();
        let options = JetStreamOptions::new().max_ack_pending(max_pending);
        (fake.clone(), JetStream::with_options(fake, options))
    }

    fn published(task: &Task, js: &JetStream<FakeTransport>) -> PubAckFuture<FakeTransport> {
        let mut publish = Box::pin(js.publish_async("s", "x"));
        match task.poll(&mut publish) {
            Poll::Ready(ack) => ack.expect("published"),
            Poll::Pending => panic!("the window has room"),
        }
    }

    #[test]
    fn a_publish_retry_wait_too_long_for_the_clock_waits_without_limit() {
        let fake = FakeTransport::answering(|_, _| Err(RequestError::NoResponders));
        let options = JetStreamOptions::new().publish_retry(std::time::Duration::MAX, 1);
        let js = JetStream::with_options(fake.clone(), options);
        let task = Task::new();
        let mut publish = Box::pin(js.publish("s", "x"));
        assert!(task.poll(&mut publish).is_pending());
        assert!(task.poll(&mut publish).is_pending());
        assert_eq!(fake.requests(), 1, "the retry waits");
    }

    #[test]
    fn an_ack_timeout_too_long_for_the_clock_waits_without_limit() {
        let fake = FakeTransport::default();
        let options = JetStreamOptions::new().timeout(std::time::Duration::MAX);
        let js = JetStream::with_options(fake.clone(), options);
        let task = Task::new();
        let mut ack = published(&task, &js);
        assert!(task.poll(&mut ack).is_pending());
        fake.deliver(&fake.reply_of(0), ACK);
        assert!(matches!(task.poll(&mut ack), Poll::Ready(Ok(_))));
    }

    #[test]
    fn a_publisher_that_got_room_is_not_woken_for_others() {
        let (fake, js) = context(1);
        let first = Task::new();
        let _first_ack = published(&first, &js);
        // The window is full: the second publisher waits for room.
        let second = Task::new();
        let mut publish = Box::pin(js.publish_async("s", "y"));
        assert!(second.poll(&mut publish).is_pending());
        // The first ack wakes it to read the ack; reading it makes room.
        fake.deliver(&fake.reply_of(0), ACK);
        assert_eq!(second.woken(), 1);
        let Poll::Ready(Ok(mut ack)) = second.poll(&mut publish) else {
            panic!("room after the first ack");
        };
        drop(publish);
        // Another task waits for the second ack: its arrival wakes that
        // task, not the publisher that is gone.
        let waiter = Task::new();
        assert!(waiter.poll(&mut ack).is_pending());
        fake.deliver(&fake.reply_of(1), ACK);
        assert_eq!(waiter.woken(), 1);
        assert_eq!(second.woken(), 1);
        assert!(waiter.poll(&mut ack).is_ready());
    }

    #[test]
    fn a_publisher_that_gave_up_is_not_woken() {
        let (fake, js) = context(1);
        let first = Task::new();
        let mut ack = published(&first, &js);
        let second = Task::new();
        let mut publish = Box::pin(js.publish_async("s", "y"));
        assert!(second.poll(&mut publish).is_pending());
        assert!(first.poll(&mut ack).is_pending());
        // The waiting publisher is dropped: the ack wakes the task that
        // waits for it.
        drop(publish);
        let before = first.woken();
        fake.deliver(&fake.reply_of(0), ACK);
        assert_eq!(first.woken(), before + 1);
        assert_eq!(second.woken(), 0);
        assert!(first.poll(&mut ack).is_ready());
    }

    #[test]
    fn an_ack_that_came_while_its_pumper_finished_is_passed_on() {
        let (fake, js) = context(2);
        let publisher = Task::new();
        let mut first = published(&publisher, &js);
        let mut second = published(&publisher, &js);
        let (a, b) = (Task::new(), Task::new());
        assert!(a.poll(&mut first).is_pending());
        assert!(b.poll(&mut second).is_pending());
        // The first ack wakes the oldest waiter, `a`. While `a` reads the
        // acks, the second arrives and wakes `a` again (it still waits),
        // but `a` finishes with its own ack.
        let (fake2, reply) = (fake.clone(), fake.reply_of(1));
        fake.when_empty(&fake.reply_of(1), move || fake2.deliver(&reply, ACK));
        fake.deliver(&fake.reply_of(0), ACK);
        assert!(a.poll(&mut first).is_ready());
        // Somebody must read the second ack: `b` is woken to.
        assert_eq!(b.woken(), 1);
        assert!(b.poll(&mut second).is_ready());
    }

    #[test]
    fn decimal() {
        assert_eq!(itoa(0, &mut [0; 20]), "0");
        assert_eq!(itoa(42, &mut [0; 20]), "42");
        assert_eq!(itoa(u64::MAX, &mut [0; 20]), "18446744073709551615");
    }
}
