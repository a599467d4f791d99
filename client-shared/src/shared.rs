//! The state every handle and the driver share: the core behind one mutex,
//! the routes from core events to waiting consumers, and the driver's wake-up
//! signal.

use crate::clock::Clock;
use crate::dial::Dialer;
use crate::error::{FlushError, RequestError};
use crate::events::{ClientEvent, EventHub};
use crate::queue::{DeliveryQueue, PendingLimits};
use crate::read_spares::ReadSpares;
use crate::responses::ResponseQueue;
use crate::runtime::publish_turn;
use crate::signal::Signal;
use crate::slot::{Slot, lock};
use crate::tls::TlsOptions;
use crate::trace;
use crate::writer::{Inline, Writer, isolated_publish};
use bytes::BytesMut;
use natrs_core::Message;
use natrs_core::auth::AuthProvider;
use natrs_core::client::SidMap;
use natrs_core::client::{self as core, Event, TransportCommand, TransportEvent};
use natrs_core::error::CloseReason;
use natrs_core::proto::WriteBuffer;
use natrs_core::{Error, HeaderMap, Payload};
use rustls::ClientConfig;
use std::cell::Cell;
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

/// Above this many bytes waiting to be written, publishers wait for the
/// driver to catch up.
pub(crate) const WRITE_HIGH_WATER: usize = 8 * 1024 * 1024;
/// Above this many bytes waiting to be written, the drivers stop reading
/// (see [`Shared::poll_read_room`]). Twice [`WRITE_HIGH_WATER`], so that
/// publishers, who wait above that mark, do not pause reading on a server
/// that reads: only bytes nobody waits for pass it (PONGs to a server's
/// PINGs, [`Client::try_publish`](crate::Client::try_publish)).
pub(crate) const READ_PAUSE: usize = 2 * WRITE_HIGH_WATER;
/// Async publishers ([`Shared::poll_publish`]) also wait above this many
/// copied bytes waiting (operations and short payloads; long payloads are
/// held by reference and count only against [`WRITE_HIGH_WATER`]). The two
/// write buffers swap between the publishers and the driver, so each grows
/// to what waits. With this mark they stay near 1 MiB instead of 8: fewer
/// first-touch page faults, and bytes still in cache when they are written.
/// In the bench program (interleaved runs, medians), natrs-tokio's client
/// CPU fell from 165 to 154 ms for `pubsub` 1M x 16 B (8 runs each) and from
/// 103 to 92 ms for `pub` 2M x 16 B (6 runs), rates unchanged. A single
/// 1 MiB mark for all bytes cut `pub` 500k x 1 KiB from 2.62 M to 2.00 M
/// messages a second (6 runs): large payloads keep 8 MiB.
///
/// [`Shared::poll_write_room`], which blocking publishers wait on, looks at
/// [`WRITE_HIGH_WATER`] only: their wait parks a thread rather than a task.
/// With this mark there too, natrs-blocking's `pub` 2M x 16 B took 263
/// against 199 ms of CPU (8 runs), waking its driver thousands of times.
const COPIED_HIGH_WATER: usize = 1024 * 1024;

/// A task publishing a burst writes it itself each time this many more bytes
/// are buffered (when the transport lends an inline writer).
const BURST_CHUNK: usize = 64 * 1024;
/// Operations of a read fed to the core before their events are routed.
const INPUT_PIECE: usize = 64;
/// Reads shorter than this are copied out of the driver's read buffer before
/// they are parsed. A message shares the buffer it was parsed from (its
/// subject, reply and payload are slices of it), so one kept by the
/// application keeps that whole allocation alive: 64 KiB or more for a
/// driver's read buffer, which a few bytes of a quiet connection's read
/// would otherwise pin. Copied, a short read's messages share an
/// allocation the size of that read, and the read buffer, never shared, is
/// reused. Longer reads (a busy connection, where the buffer is mostly
/// messages) are parsed in place: no copy where throughput matters.
///
/// What a kept message pins is bounded further by [`ReadShare`]: messages are
/// delivered as slices of a read only while they make up at least half of
/// it, and copied out ([`Message::detach`]) otherwise.
const COPY_BELOW: usize = 16 * 1024;

/// The most room reserved ahead of what a read buffer holds for a message
/// whose payload is still arriving (see `State::feed`). A larger message
/// grows the buffer as its bytes come: a control line alone (a server's
/// word) never makes the client allocate more than this (and
/// [`READ_MIN_SPARE`]).
const RESERVE_AHEAD: usize = 1 << 20;

/// Below this much room a driver gives its read buffer more before reading;
/// with this much or more, it reads into the room there is. When a large
/// message is half read, [`Shared::handle_input_at`] leaves the buffer room
/// for the rest of it and this much more, so that the start of the next
/// message is read into that buffer too, not into a new one. When that
/// start is moved to a buffer of its own, it goes to the allocation of an
/// earlier large message if the application dropped it, whose pages are in
/// memory already (see `ReadSpares`).
pub const READ_MIN_SPARE: usize = 8 * 1024;

/// How much of one read was delivered as slices of its buffer, so far.
///
/// A read is fed to the core piece by piece ([`INPUT_PIECE`] operations at a
/// time). Before the messages of a piece are routed, the bytes they took on
/// the wire (their [`Message::length`]) are added up; the piece's messages
/// keep sharing the read's buffer only if, with them, what was delivered in
/// place from this read so far (`kept`) is at least half of what was parsed
/// of it (`consumed`, which for the read's last piece is all of the read,
/// including an incomplete operation left for the next read). Otherwise each
/// is copied into an allocation of its own size ([`Message::detach`]).
///
/// The result: a busy connection, whose reads are full of delivered
/// messages, copies nothing; a read that is mostly waste (a large message
/// nobody subscribed to, PINGs, messages for a subscription that just ended,
/// a large reply dropped as late) copies the few it delivers.
///
/// The bound: whenever a piece is delivered in place, the bytes of its read
/// parsed up to then (for the last piece: all of the read) are at most twice
/// the bytes delivered in place from it, so what was parsed of a read up to
/// its last in-place piece pins at most 2 bytes per byte kept. Beyond that a
/// read's in-place messages can pin only the operations parsed after them in
/// the same read (at most the rest of that read, which the drivers size at 64
/// KiB) and the buffer's unused room (a read parsed in place is at least
/// [`COPY_BELOW`] bytes, a quarter of a 64 KiB read buffer; the drivers start
/// a fresh buffer rather than keep one that grew for a large message, and a
/// buffer reserved for a large message has [`READ_MIN_SPARE`] bytes of room
/// beyond it).
#[derive(Debug, Default, Clone, Copy)]
struct ReadShare {
    /// Bytes of the read, all of them.
    total: usize,
    /// Wire bytes of the messages delivered as slices of the read.
    kept: usize,
}

/// How long the driver leaves a burst's bytes to its publisher before it
/// writes them itself: the tail of a burst waits at most this long.
const BURST_DEFER: Duration = Duration::from_millis(1);

/// Where a subscription's messages go.
#[derive(Debug)]
pub(crate) struct Route {
    pub(crate) queue: Arc<DeliveryQueue>,
    pub(crate) subject: Arc<str>,
}

/// Where a request's replies go.
#[derive(Debug)]
pub(crate) enum ReplyRoute {
    /// A single request: its one reply, and the timeout for the error message.
    One(Arc<Slot<Result<Message, RequestError>>>, Duration),
    /// A request for many replies.
    Many(Arc<ResponseQueue>),
}

/// An event for the application, with its sequence number and the waiters
/// it releases once every listener has it.
pub(crate) struct AppEvent {
    seq: u64,
    event: ClientEvent,
    then: Vec<Release>,
}

/// A waiter of `connect`, `close` or `drain`, released (when dropped) after
/// the `Connected` or `Closed` event it waits for was handed to the event
/// callback and the streams: so when those calls return, the callback has
/// seen the event. A panicking callback releases it while unwinding.
pub(crate) struct Release(Option<Box<dyn FnOnce() + Send>>);

impl Release {
    fn new(release: impl FnOnce() + Send + 'static) -> Release {
        Release(Some(Box::new(release)))
    }
}

impl Drop for Release {
    fn drop(&mut self) {
        if let Some(release) = self.0.take() {
            release();
        }
    }
}

thread_local! {
    /// How many event callbacks (of any client) this thread is running.
    static IN_CALLBACK: Cell<u32> = const { Cell::new(0) };
}

/// Whether the current thread is running an event callback. Events are
/// handed out by the thread whose call caused them (and then by whichever
/// thread emits at the time), so a call that waits there for an event to be
/// handed out would wait for itself: `close` and `drain` called from a
/// callback return without waiting for their `Closed` to reach listeners.
pub(crate) fn in_event_callback() -> bool {
    IN_CALLBACK.try_with(|n| n.get() > 0).unwrap_or(false)
}

/// Marks the current thread as running an event callback while it lives.
struct InCallback;

impl InCallback {
    fn enter() -> InCallback {
        let _ = IN_CALLBACK.try_with(|n| n.set(n.get() + 1));
        InCallback
    }
}

impl Drop for InCallback {
    fn drop(&mut self) {
        let _ = IN_CALLBACK.try_with(|n| n.set(n.get().saturating_sub(1)));
    }
}

/// Everything behind the lock.
pub(crate) struct State {
    pub(crate) core: core::Client,
    pub(crate) routes: SidMap<Route>,
    pub(crate) replies: SidMap<ReplyRoute>,
    pub(crate) flushes: SidMap<Arc<Slot<Result<Duration, FlushError>>>>,
    pub(crate) timers: SidMap<Arc<Slot<()>>>,
    pub(crate) connect_waiters: Vec<Arc<Slot<Result<(), CloseReason>>>>,
    /// Waiters for the close, each with whether to release it only after
    /// `Closed` was handed to listeners (not when it waits inside an event
    /// callback: see [`in_event_callback`]).
    pub(crate) close_waiters: Vec<(Arc<Slot<CloseReason>>, bool)>,
    pub(crate) closed: Option<CloseReason>,
    /// Reused buffer for batches of messages on their way to a queue.
    batch: VecDeque<Message>,
    /// Routed events for the application, each with the waiters to release
    /// after it, until [`Shared::with`] hands them on.
    routed: Vec<(ClientEvent, Vec<Release>)>,
    /// Wakers of the consumers that routing made ready, woken once the lock
    /// is released (a consumer woken under it would find it taken).
    wake: Vec<Waker>,
    /// Events for the application, in the order the core produced them,
    /// waiting to be handed to listeners (outside the lock).
    pub(crate) app_events: Vec<AppEvent>,
    /// The sequence number of the next application event.
    pub(crate) event_seq: u64,
    /// Transport commands handed out so far (see [`Shared::transport_epoch`]).
    pub(crate) epoch: u64,
    /// Whether the driver stopped reading (see [`Shared::poll_read_room`]).
    reading_paused: bool,
    /// Read buffers replaced for a large message, kept for the next one.
    read_spares: ReadSpares,
}

impl State {
    /// Routes every pending core event; the ones for the application go to
    /// `routed`. Messages are delivered as they are (sharing the buffer they
    /// were read into), or copied out of it first when `detach`.
    fn dispatch(&mut self) {
        self.dispatch_with(false);
    }

    /// Routes the events of a piece of a read, of which `consumed` bytes were
    /// parsed so far: the piece's messages share the read's buffer only while
    /// `share` allows it (see [`ReadShare`]).
    fn dispatch_read(&mut self, share: &mut ReadShare, consumed: usize) {
        let mut delivered = 0;
        for event in self.core.peek_events() {
            if let Event::Message { message, .. } | Event::Reply { message, .. } = event {
                delivered += message.length;
            }
        }
        let in_place = 2 * (share.kept + delivered) >= consumed;
        if in_place {
            share.kept += delivered;
        }
        self.dispatch_with(!in_place);
    }

    fn dispatch_with(&mut self, detach: bool) {
        // Consecutive messages of one subscription go to its queue in one
        // batch (one lock of the queue per batch, not per message).
        let mut out = std::mem::take(&mut self.routed);
        let out = &mut out;
        let mut batch = std::mem::take(&mut self.batch);
        let mut batch_sid: Option<u64> = None;
        while let Some(event) = self.core.poll_event() {
            if let Event::Message { sid, message } = event {
                if batch_sid != Some(sid.0) {
                    self.deliver(batch_sid, &mut batch, out);
                    batch_sid = Some(sid.0);
                }
                batch.push_back(if detach { message.detach() } else { message });
                continue;
            }
            // Anything else comes after the messages before it.
            self.deliver(batch_sid.take(), &mut batch, out);
            match event {
                Event::SubscriptionEnded { sid, reason } => {
                    if let Some(route) = self.routes.remove(&sid.0) {
                        route.queue.end(reason, &mut self.wake);
                    }
                }
                Event::Reply { id, message } => {
                    let message = if detach { message.detach() } else { message };
                    match self.replies.get(&id.0) {
                        Some(ReplyRoute::One(..)) => {
                            if let Some(ReplyRoute::One(slot, _)) = self.replies.remove(&id.0) {
                                self.wake.extend(slot.fill(Ok(message)));
                            }
                        }
                        Some(ReplyRoute::Many(queue)) => queue.push(Ok(message), &mut self.wake),
                        None => {}
                    }
                }
                Event::RequestDone { id } => {
                    if let Some(ReplyRoute::Many(queue)) = self.replies.remove(&id.0) {
                        queue.end(&mut self.wake);
                    }
                }
                Event::RequestFailed { id, error } => match self.replies.remove(&id.0) {
                    Some(ReplyRoute::One(slot, timeout)) => {
                        self.wake
                            .extend(slot.fill(Err(request_error(error, timeout))));
                    }
                    Some(ReplyRoute::Many(queue)) => {
                        if !matches!(error, core::RequestError::TimedOut) {
                            queue.push(Err(request_error(error, Duration::ZERO)), &mut self.wake);
                        }
                        queue.end(&mut self.wake);
                    }
                    None => {}
                },
                Event::FlushDone { id, rtt } => {
                    if let Some(slot) = self.flushes.remove(&id.0) {
                        self.wake.extend(slot.fill(Ok(rtt)));
                    }
                }
                Event::FlushFailed { id, error } => {
                    if let Some(slot) = self.flushes.remove(&id.0) {
                        self.wake.extend(slot.fill(Err(match error {
                            core::FlushError::Disconnected => FlushError::Disconnected,
                            _ => FlushError::Closed,
                        })));
                    }
                }
                Event::Timer { id } => {
                    if let Some(slot) = self.timers.remove(&id.0) {
                        self.wake.extend(slot.fill(()));
                    }
                }
                Event::Connected { server } => {
                    trace::connected(&server);
                    let then = self.release_connect_waiters(Ok(()));
                    out.push((ClientEvent::Connected { server }, then));
                }
                Event::Reconnected { server } => {
                    trace::reconnected(&server);
                    let then = self.release_connect_waiters(Ok(()));
                    out.push((ClientEvent::Reconnected { server }, then));
                }
                Event::Disconnected { reason } => {
                    trace::disconnected(&reason);
                    out.push((ClientEvent::Disconnected { reason }, Vec::new()))
                }
                Event::ServersDiscovered { servers } => {
                    trace::servers_discovered(&servers);
                    out.push((ClientEvent::ServersDiscovered { servers }, Vec::new()))
                }
                Event::LameDuck => {
                    trace::lame_duck();
                    out.push((ClientEvent::LameDuck, Vec::new()))
                }
                Event::ServerError(e) => {
                    trace::server_error(&e);
                    out.push((ClientEvent::ServerError(e), Vec::new()))
                }
                Event::BadHeaders { sid, error } => {
                    trace::bad_headers(sid.0);
                    out.push((ClientEvent::BadHeaders { sid: sid.0, error }, Vec::new()))
                }
                Event::Closed { reason } => {
                    trace::closed(&reason);
                    self.closed = Some(reason.clone());
                    let mut then = self.release_connect_waiters(Err(reason.clone()));
                    for (w, after_events) in self.close_waiters.drain(..) {
                        if after_events {
                            let reason = reason.clone();
                            then.push(Release::new(move || w.complete(reason)));
                        } else {
                            self.wake.extend(w.fill(reason.clone()));
                        }
                    }
                    for (_, route) in self.routes.drain() {
                        route
                            .queue
                            .end(core::SubscriptionEnd::Closed, &mut self.wake);
                    }
                    for (_, reply) in self.replies.drain() {
                        match reply {
                            ReplyRoute::One(slot, _) => {
                                self.wake.extend(slot.fill(Err(RequestError::Closed)));
                            }
                            ReplyRoute::Many(queue) => {
                                queue.push(Err(RequestError::Closed), &mut self.wake);
                                queue.end(&mut self.wake);
                            }
                        }
                    }
                    for (_, slot) in self.flushes.drain() {
                        self.wake.extend(slot.fill(Err(FlushError::Closed)));
                    }
                    for (_, slot) in self.timers.drain() {
                        self.wake.extend(slot.fill(()));
                    }
                    out.push((ClientEvent::Closed { reason }, then));
                }
                _ => {}
            }
        }
        self.deliver(batch_sid, &mut batch, out);
        self.batch = batch;
        self.routed = std::mem::take(out);
    }

    /// Feeds `buf` to the core, routing the events of every
    /// [`INPUT_PIECE`] operations as they come: the core's event queue and
    /// the batch stay small enough to stay in the CPU's cache, where the
    /// events of a whole 64 KiB read (some 1,700 small messages) would not.
    ///
    /// A read shorter than [`COPY_BELOW`] is parsed from a copy the size of
    /// the read (see there); the read buffer keeps what the core left (an
    /// incomplete operation).
    ///
    /// When a large message is left half read, the buffer gets room for the
    /// whole of it (at most [`RESERVE_AHEAD`] more than it holds) and
    /// [`READ_MIN_SPARE`] more: the next reads complete it in one allocation
    /// instead of growing the buffer, and copying what it holds, a read at a
    /// time. A buffer that messages still share is replaced through
    /// [`ReadSpares`], which reuses the buffers of earlier large messages.
    fn feed(&mut self, now: natrs_core::Instant, buf: &mut BytesMut) {
        if buf.len() >= COPY_BELOW {
            self.feed_all(now, buf);
        } else {
            let mut own = BytesMut::from(&buf[..]);
            self.feed_all(now, &mut own);
            buf.clear();
            buf.extend_from_slice(&own);
        }
        if let Some(want) = self.core.input_wanted() {
            let want = want.min(buf.len() + RESERVE_AHEAD) + READ_MIN_SPARE;
            self.read_spares.reserve(buf, want);
        }
    }

    /// Feeds all of `buf`, accounting what its messages keep of it
    /// ([`ReadShare`]).
    fn feed_all(&mut self, now: natrs_core::Instant, buf: &mut BytesMut) {
        let total = buf.len();
        let mut share = ReadShare { total, kept: 0 };
        loop {
            let more = self.core.handle_input_some(now, buf, INPUT_PIECE);
            // What is left after the last piece stays in this read's buffer.
            let consumed = if more { total - buf.len() } else { share.total };
            self.dispatch_read(&mut share, consumed);
            if !more {
                return;
            }
        }
    }

    /// Runs `f` (an input to the core) and traces the handshake step it
    /// moved the connection to.
    fn stepping<R>(&mut self, f: impl FnOnce(&mut State) -> R) -> R {
        let before = self.core.handshake_step();
        let r = f(self);
        trace::handshake_step(before, self.core.handshake_step());
        r
    }

    /// Hands a batch of messages to the queue of subscription `sid`.
    fn deliver(
        &mut self,
        sid: Option<u64>,
        batch: &mut VecDeque<Message>,
        out: &mut Vec<(ClientEvent, Vec<Release>)>,
    ) {
        if batch.is_empty() {
            return;
        }
        match sid.and_then(|sid| self.routes.get(&sid).map(|route| (sid, route))) {
            Some((sid, route)) => {
                if let Some(dropped) = route.queue.push_batch(batch, &mut self.wake) {
                    trace::slow_consumer(sid, &route.subject, dropped);
                    let event = ClientEvent::SlowConsumer {
                        sid,
                        subject: route.subject.to_string(),
                        dropped,
                    };
                    out.push((event, Vec::new()));
                }
            }
            None => batch.clear(),
        }
    }

    /// The connect waiters, to release with `outcome`.
    fn release_connect_waiters(&mut self, outcome: Result<(), CloseReason>) -> Vec<Release> {
        self.connect_waiters
            .drain(..)
            .map(|w| {
                let outcome = outcome.clone();
                Release::new(move || w.complete(outcome))
            })
            .collect()
    }
}

/// Traces what the driver reports of its transport.
fn trace_transport(event: &TransportEvent) {
    match event {
        TransportEvent::Connected => trace::transport_connected(),
        TransportEvent::TlsEstablished => trace::tls_established(),
        TransportEvent::Closed(e) => trace::transport_closed(e),
        _ => {}
    }
}

fn request_error(error: core::RequestError, timeout: Duration) -> RequestError {
    match error {
        core::RequestError::NoResponders => RequestError::NoResponders,
        core::RequestError::TimedOut => RequestError::TimedOut(timeout),
        _ => RequestError::Closed,
    }
}

thread_local! {
    /// An empty vector with room, swapped with [`State::wake`] under the lock
    /// so that waking needs no allocation.
    static SPARE_WAKERS: std::cell::RefCell<Vec<Waker>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The state shared by every handle of one connection and its driver.
pub struct Shared {
    state: Mutex<State>,
    pub(crate) signal: Signal,
    pub(crate) clock: Clock,
    pub(crate) events: EventHub,
    /// Held by the one thread handing events to listeners, so that they see
    /// them in order even when several threads cause events at once.
    emitting: Mutex<()>,
    tls_options: TlsOptions,
    tls_config: OnceLock<Arc<ClientConfig>>,
    pub(crate) pending_limits: PendingLimits,
    pub(crate) request_timeout: Duration,
    write_waiters: Mutex<Vec<Waker>>,
    has_write_waiters: AtomicBool,
    /// The write side, shared by the driver and tasks that write inline.
    pub(crate) writer: Writer,
    /// The authentication provider, loaded before every connection attempt.
    pub(crate) auth: Option<Arc<dyn AuthProvider>>,
    /// The local address outgoing connections bind to
    /// ([`ConnectOptions::local_address`](crate::ConnectOptions::local_address)).
    pub(crate) local_address: Option<SocketAddr>,
    /// Opens connections in place of the runtime's TCP connect.
    pub(crate) dialer: Option<Arc<dyn Dialer>>,
    /// How async publishes take part in their executor's fairness: the
    /// runtime's [`Runtime::poll_proceed`](crate::adapter::Runtime::poll_proceed),
    /// set when the driver is spawned (none for a driver of the caller's).
    proceed: OnceLock<fn(&mut Context<'_>) -> Poll<()>>,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared").finish_non_exhaustive()
    }
}

impl Shared {
    pub(crate) fn new(
        core: core::Client,
        clock: Clock,
        events: EventHub,
        tls_options: TlsOptions,
        tls_config: Option<Arc<ClientConfig>>,
        pending_limits: PendingLimits,
        request_timeout: Duration,
    ) -> Shared {
        let lock = OnceLock::new();
        if let Some(cfg) = tls_config {
            let _ = lock.set(cfg);
        }
        Shared {
            state: Mutex::new(State {
                core,
                routes: SidMap::default(),
                replies: SidMap::default(),
                flushes: SidMap::default(),
                timers: SidMap::default(),
                connect_waiters: Vec::new(),
                close_waiters: Vec::new(),
                closed: None,
                batch: VecDeque::new(),
                routed: Vec::new(),
                wake: Vec::new(),
                app_events: Vec::new(),
                event_seq: 0,
                epoch: 0,
                reading_paused: false,
                read_spares: ReadSpares::default(),
            }),
            signal: Signal::default(),
            clock,
            events,
            emitting: Mutex::new(()),
            tls_options,
            tls_config: lock,
            pending_limits,
            request_timeout,
            write_waiters: Mutex::new(Vec::new()),
            has_write_waiters: AtomicBool::new(false),
            writer: Writer::new(),
            auth: None,
            local_address: None,
            dialer: None,
            proceed: OnceLock::new(),
        }
    }

    /// Makes async publishes call `proceed` (a runtime's
    /// [`Runtime::poll_proceed`](crate::adapter::Runtime::poll_proceed)) before they
    /// queue a message, after each millisecond of publishing on a thread;
    /// the first setting stays.
    pub(crate) fn set_proceed(&self, proceed: fn(&mut Context<'_>) -> Poll<()>) {
        let _ = self.proceed.set(proceed);
    }

    /// Runs `f` on the locked state with the current instant, then routes the
    /// events it caused and hands the application's events to listeners
    /// (outside the lock).
    pub(crate) fn with<R>(&self, f: impl FnOnce(&mut State, natrs_core::Instant) -> R) -> R {
        let mut wake = SPARE_WAKERS
            .try_with(|w| std::mem::take(&mut *w.borrow_mut()))
            .unwrap_or_default();
        let (result, lost) = {
            let mut st = lock(&self.state);
            let r = f(&mut st, self.clock.now());
            st.dispatch();
            let out = std::mem::take(&mut st.routed);
            std::mem::swap(&mut st.wake, &mut wake);
            let lost = out.iter().any(|(e, _)| {
                matches!(
                    e,
                    ClientEvent::Disconnected { .. } | ClientEvent::Closed { .. }
                )
            });
            for (event, then) in out {
                let seq = st.event_seq;
                st.event_seq += 1;
                st.app_events.push(AppEvent { seq, event, then });
            }
            (r, lost)
        };
        for w in wake.drain(..) {
            w.wake();
        }
        // The emptied vector keeps its room for the next call on this thread.
        let _ = SPARE_WAKERS.try_with(|w| *w.borrow_mut() = wake);
        // A lost or closed connection drops the bytes publishers were waiting
        // to see written: let them look again (they find room, or an error).
        if lost {
            self.wake_write_waiters();
        }
        self.emit_events();
        result
    }

    fn wake_write_waiters(&self) {
        if self.has_write_waiters.swap(false, Ordering::AcqRel) {
            for w in lock(&self.write_waiters).drain(..) {
                w.wake();
            }
        }
    }

    /// Hands queued events to listeners, in order, releasing the waiters of
    /// each after it. One thread emits at a time; a thread that finds another
    /// emitting leaves its events to it. (That includes a callback causing
    /// events: they follow its own.)
    fn emit_events(&self) {
        loop {
            let guard = match self.emitting.try_lock() {
                Ok(guard) => guard,
                // A callback panicked while emitting; the lock guards no data.
                Err(std::sync::TryLockError::Poisoned(p)) => p.into_inner(),
                Err(std::sync::TryLockError::WouldBlock) => return,
            };
            loop {
                let batch = std::mem::take(&mut lock(&self.state).app_events);
                if batch.is_empty() {
                    break;
                }
                for AppEvent { seq, event, then } in batch {
                    let _in_callback = InCallback::enter();
                    self.events.emit(seq, event);
                    // Released only now that the listeners have the event.
                    drop(then);
                }
            }
            drop(guard);
            // Events queued by a thread that found the lock taken just
            // before it was released are emitted by this one.
            if lock(&self.state).app_events.is_empty() {
                return;
            }
        }
    }

    /// Locks the state without dispatching (for reads and for commands that
    /// cause no events, such as publish).
    pub(crate) fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        lock(&self.state)
    }

    // ----- the driver's interface -----

    /// Feeds bytes read from the transport.
    pub fn handle_input(&self, buf: &mut BytesMut) {
        trace::read(buf.len());
        self.with(|st, now| st.stepping(|st| st.feed(now, buf)));
    }

    /// Reports a transport event.
    pub fn handle_transport(&self, event: TransportEvent) {
        trace_transport(&event);
        self.with(|st, now| st.stepping(|st| st.core.handle_transport(now, event)));
    }

    /// Runs the core's timers.
    pub fn handle_timeout(&self) {
        self.with(|st, now| st.stepping(|st| st.core.handle_timeout(now)));
    }

    /// The local address to bind outgoing connections to, if the options
    /// set one ([`ConnectOptions::local_address`](crate::ConnectOptions::local_address)).
    pub fn local_address(&self) -> Option<SocketAddr> {
        self.local_address
    }

    /// The dialer that opens connections in place of the runtime's TCP
    /// connect, if the options set one
    /// ([`ConnectOptions::dialer`](crate::ConnectOptions::dialer)).
    pub fn dialer(&self) -> Option<&Arc<dyn Dialer>> {
        self.dialer.as_ref()
    }

    /// Reads what the authentication provider needs for the next handshake
    /// (a `.creds` file), outside the lock: call before each connection
    /// attempt. A failure is kept by the provider and fails the handshake.
    pub fn load_credentials(&self) {
        if let Some(auth) = &self.auth {
            let _ = auth.load();
        }
    }

    /// The next transport command.
    pub fn poll_transport(&self) -> Option<TransportCommand> {
        let mut st = self.lock();
        let cmd = st.core.poll_transport();
        if let Some(cmd) = &cmd {
            st.epoch += 1;
            match cmd {
                TransportCommand::Connect { server } => trace::connect_attempt(server),
                TransportCommand::UpgradeTls { server_name } => trace::tls_upgrade(server_name),
                _ => trace::transport_close(),
            }
        }
        cmd
    }

    // Drivers that read on one thread and carry out transport commands on
    // another need to know whether bytes they read still belong to the core's
    // current connection: once the core has issued a command (or a command was
    // taken since the transport was set up), they do not. The epoch counts the
    // commands taken; a transport is current while nothing is waiting and the
    // epoch is the one it started in.

    /// The number of transport commands taken so far with
    /// [`poll_transport`](Shared::poll_transport). A transport set up right
    /// after taking a command belongs to this epoch.
    pub fn transport_epoch(&self) -> u64 {
        self.lock().epoch
    }

    /// Whether a transport of `epoch` is still the core's current one: no
    /// command waits and none was taken since.
    pub fn is_current(&self, epoch: u64) -> bool {
        let st = self.lock();
        st.epoch == epoch && !st.core.has_transport_command()
    }

    /// Whether a transport command is waiting to be taken.
    pub fn has_transport_command(&self) -> bool {
        self.lock().core.has_transport_command()
    }

    /// [`handle_input`](Shared::handle_input) for a transport of `epoch`:
    /// feeds the bytes and returns `true` if that transport is still current
    /// (checked under the same lock); otherwise leaves `buf` alone and returns
    /// `false`.
    pub fn handle_input_at(&self, epoch: u64, buf: &mut BytesMut) -> bool {
        self.with(|st, now| {
            let current = st.epoch == epoch && !st.core.has_transport_command();
            if current {
                trace::read(buf.len());
                st.stepping(|st| st.feed(now, buf));
            }
            current
        })
    }

    /// [`handle_transport`](Shared::handle_transport) for a transport of
    /// `epoch`: reports the event and returns `true` if that transport is still
    /// current (checked under the same lock); otherwise returns `false`.
    pub fn handle_transport_at(&self, epoch: u64, event: TransportEvent) -> bool {
        self.with(|st, now| {
            let current = st.epoch == epoch && !st.core.has_transport_command();
            if current {
                trace_transport(&event);
                st.stepping(|st| st.core.handle_transport(now, event));
            }
            current
        })
    }

    /// `Ready` while the driver may read; `Pending` while more than 16 MiB
    /// (twice the mark publishers wait at) wait to be written. Then the waker is called once
    /// the bytes were taken to be written (or the connection was lost), and
    /// the first `Pending` of an episode reports
    /// [`ClientEvent::ReadingPaused`]. A server that floods the client and
    /// never reads (PINGs, whose PONGs pile up) is read no further: its
    /// sends back up into its socket, and the client's memory stays bounded.
    pub fn poll_read_room(&self, cx: &mut Context<'_>) -> Poll<()> {
        {
            let mut st = self.lock();
            let unwritten = st.core.transmit_len();
            if unwritten <= READ_PAUSE {
                st.reading_paused = false;
                return Poll::Ready(());
            }
            lock(&self.write_waiters).push(cx.waker().clone());
            self.has_write_waiters.store(true, Ordering::Release);
            if st.reading_paused {
                return Poll::Pending;
            }
            st.reading_paused = true;
            trace::reading_paused(unwritten);
            let seq = st.event_seq;
            st.event_seq += 1;
            st.app_events.push(AppEvent {
                seq,
                event: ClientEvent::ReadingPaused { unwritten },
                then: Vec::new(),
            });
        }
        self.emit_events();
        Poll::Pending
    }

    /// Bytes waiting to be written that the driver has not taken yet.
    pub(crate) fn write_backlog(&self) -> usize {
        self.lock().core.transmit_len()
    }

    /// Takes the bytes to write into `dst`; wakes publishers waiting for room.
    pub fn poll_transmit(&self, dst: &mut WriteBuffer) -> bool {
        let has = self.lock().core.poll_transmit(dst);
        if has {
            trace::wrote(bytes::Buf::remaining(dst));
            self.wake_write_waiters();
        }
        has
    }

    /// [`poll_transmit`](Shared::poll_transmit) for a task writing inline:
    /// nothing once the core asked the driver to change the transport (the
    /// bytes after such a command are for the next transport, or for a TLS
    /// session the driver has yet to set up).
    /// When there is nothing to take, it also records in `driver_needed`,
    /// under the same lock, whether the driver must look anyway: a transport
    /// command, a close, or a deadline earlier than its armed timer's. (Bytes
    /// queued after that are not its concern: their publisher found the
    /// write side taken or the buffer empty, and woke the driver.)
    fn poll_transmit_inline(&self, dst: &mut WriteBuffer, driver_needed: &mut bool) -> bool {
        let has = {
            let mut st = self.lock();
            let command = st.core.has_transport_command();
            let has = !command && st.core.poll_transmit(dst);
            if !has {
                *driver_needed = command
                    || st.closed.is_some()
                    || st
                        .core
                        .poll_timeout()
                        .is_some_and(|t| self.writer.armed_after(t.as_nanos()));
            }
            has
        };
        if has {
            self.wake_write_waiters();
        }
        has
    }

    /// The core's next deadline on the std clock.
    pub fn next_deadline(&self) -> Option<std::time::Instant> {
        self.lock()
            .core
            .poll_timeout()
            .map(|t| self.clock.to_std(t))
    }

    /// Whether the client closed for good.
    pub fn is_closed(&self) -> bool {
        self.lock().closed.is_some()
    }

    /// The TLS configuration, built on first use.
    pub fn tls_config(&self) -> Result<Arc<ClientConfig>, String> {
        if let Some(cfg) = self.tls_config.get() {
            return Ok(cfg.clone());
        }
        let cfg = self.tls_options.build().map_err(|e| e.to_string())?;
        Ok(self.tls_config.get_or_init(|| cfg).clone())
    }

    /// Wakes the driver.
    pub fn notify(&self) {
        self.signal.notify();
    }

    /// `Ready` once a handle woke the driver since the last call (something to
    /// write, a new deadline or a command); otherwise registers the waker.
    pub fn poll_notified(&self, cx: &mut Context<'_>) -> Poll<()> {
        self.signal.poll_take(cx)
    }

    /// Whether a write is waiting for the driver.
    pub fn has_transmit(&self) -> bool {
        self.lock().core.has_transmit()
    }

    /// Sends what the core has now: writes it on the calling thread if
    /// nobody holds the write side and the transport lends an inline writer,
    /// and wakes the driver when it could not or when the driver has more to
    /// do (see the `writer` module).
    pub(crate) fn write_now(&self) {
        if !matches!(self.try_write_inline(), Some((Inline::Written, false))) {
            self.wake_writer();
        }
    }

    /// Writes a burst's buffered bytes on the publishing task. If the socket
    /// is full the driver takes over; if someone else holds the write side,
    /// what it does not take waits for the deferral to end.
    fn write_burst(&self) {
        match self.try_write_inline() {
            Some((Inline::Written, driver_needed)) => {
                if driver_needed {
                    self.notify();
                }
            }
            Some((Inline::Left, _)) => self.wake_writer(),
            Some((Inline::Unavailable, _)) | None => self.defer_burst(),
        }
    }

    /// Writes what the core has on the calling thread, unless someone holds
    /// the write side (`None`). With how it ended comes whether the driver
    /// must look anyway (see [`poll_transmit_inline`](Shared::poll_transmit_inline)),
    /// or came to write meanwhile.
    fn try_write_inline(&self) -> Option<(Inline, bool)> {
        // `Written` means the last take found nothing, and set this.
        let mut driver_needed = true;
        let written = self.writer.with_inline(|side| {
            side.write_inline(|dst| self.poll_transmit_inline(dst, &mut driver_needed))
        });
        written.map(|(how, driver_missed)| (how, driver_needed || driver_missed))
    }

    /// Leaves the buffered bytes of a burst to its publisher for at most
    /// [`BURST_DEFER`], waking the driver if its timer would fire later.
    fn defer_burst(&self) {
        let at = self
            .clock
            .now()
            .as_nanos()
            .saturating_add(BURST_DEFER.as_nanos() as u64);
        if self.writer.defer(at) {
            self.notify();
        }
    }

    /// Wakes the driver to write what the core has now, ending a deferral.
    fn wake_writer(&self) {
        self.writer.undefer();
        self.notify();
    }

    /// Publishes under one lock, unless the bytes waiting to be written are
    /// above a high-water mark (see [`above_high_water`]): then registers the
    /// waker (called once the driver took the buffer) and returns `Pending`.
    ///
    /// Who sends the bytes: an async publish that is likely a lone one (a
    /// reply) writes them at once. One of a burst of small messages (payloads
    /// the core copies rather than queues) writes the buffer itself every
    /// [`BURST_CHUNK`] bytes, while the bytes are hot in its CPU's cache, and
    /// leaves the rest for the driver to write after [`BURST_DEFER`]. Larger
    /// payloads, publishes without an inline writer (TLS) and publishes made
    /// outside a task wake the driver as soon as the buffer has bytes; it
    /// writes them while the publisher goes on.
    ///
    /// After a millisecond of publishing on its thread, an async publish
    /// first takes its turn in the executor's fairness (see
    /// [`set_proceed`](Shared::set_proceed)): a task that publishes without
    /// ever waiting (its publishes all find room) would otherwise keep the
    /// driver from being polled on its thread, and so from reading.
    pub(crate) fn poll_publish(
        &self,
        mut cx: Option<&mut Context<'_>>,
        subject: &str,
        reply: Option<&str>,
        headers: Option<&HeaderMap>,
        payload: &Payload<'_>,
    ) -> Poll<Result<(), Error>> {
        if let (Some(cx), Some(proceed)) = (cx.as_deref_mut(), self.proceed.get()) {
            if publish_turn() && proceed(cx).is_pending() {
                return Poll::Pending;
            }
        }
        let (filled, crossed) = {
            let mut st = self.lock();
            let pending = st.core.transmit_len();
            if above_high_water(&st.core) {
                if let Some(cx) = cx {
                    lock(&self.write_waiters).push(cx.waker().clone());
                    self.has_write_waiters.store(true, Ordering::Release);
                    drop(st);
                    self.wake_writer();
                    return Poll::Pending;
                }
            }
            if let Err(e) = st.core.publish(subject, reply, headers, payload) {
                return Poll::Ready(Err(e));
            }
            let after = st.core.transmit_len();
            (
                pending == 0 && st.core.has_transmit(),
                pending / BURST_CHUNK != after / BURST_CHUNK,
            )
        };
        if cx.is_none() {
            if filled {
                self.notify();
            }
        } else if filled && isolated_publish() {
            self.write_now();
        } else if !self.writer.bursts_inline()
            || payload.len() >= WriteBuffer::DEFAULT_SHARE_THRESHOLD
        {
            if filled {
                self.notify();
            }
        } else if crossed {
            self.write_burst();
        } else if filled {
            self.defer_burst();
        }
        Poll::Ready(Ok(()))
    }

    /// `Ready` unless more than [`WRITE_HIGH_WATER`] bytes wait to be
    /// written; otherwise the waker is called once the driver took the
    /// buffer.
    pub(crate) fn poll_write_room(&self, cx: &mut Context<'_>) -> Poll<()> {
        let st = self.lock();
        if st.core.transmit_len() <= WRITE_HIGH_WATER {
            return Poll::Ready(());
        }
        lock(&self.write_waiters).push(cx.waker().clone());
        self.has_write_waiters.store(true, Ordering::Release);
        drop(st);
        self.wake_writer();
        Poll::Pending
    }
}

/// Whether an async publisher must wait for the driver: more than
/// [`WRITE_HIGH_WATER`] bytes wait to be written, or more than
/// [`COPIED_HIGH_WATER`] of them were copied.
fn above_high_water(core: &core::Client) -> bool {
    core.transmit_len() > WRITE_HIGH_WATER || core.transmit_copied_len() > COPIED_HIGH_WATER
}

#[cfg(test)]
mod tests {
    use crate::adapter::prepare;
    use crate::{ClientEvent, ConnectOptions};
    use bytes::{Bytes, BytesMut};
    use natrs_core::Payload;
    use natrs_core::client::{TransportCommand, TransportEvent};
    use natrs_core::proto::WriteBuffer;
    use std::task::{Context, Poll, Waker};

    #[test]
    fn inputs_of_an_old_transport_are_refused() {
        let prepared = prepare("nats://127.0.0.1:4222", ConnectOptions::new()).unwrap();
        let shared = prepared.shared;
        // The core asks to connect at once: nothing is current before that
        // command is taken.
        assert!(shared.has_transport_command());
        assert!(!shared.is_current(0));
        let mut buf = BytesMut::from(&b"INFO {}\r\n"[..]);
        assert!(!shared.handle_input_at(0, &mut buf));
        assert_eq!(buf.len(), 9, "refused bytes stay in the buffer");

        assert!(matches!(
            shared.poll_transport(),
            Some(TransportCommand::Connect { .. })
        ));
        assert_eq!(shared.transport_epoch(), 1);
        assert!(shared.is_current(1));
        assert!(!shared.is_current(0));
        assert!(!shared.handle_transport_at(0, TransportEvent::Connected));
        assert!(shared.handle_transport_at(1, TransportEvent::Connected));
        assert!(shared.handle_input_at(1, &mut buf));
        assert!(buf.is_empty());
        // INFO answered with CONNECT and PING.
        assert!(shared.has_transmit());

        // Closing issues a command: the transport of epoch 1 is no longer
        // current, even before the command is taken.
        shared.with(|st, now| st.core.close(now));
        assert!(!shared.is_current(1));
        let mut more = BytesMut::from(&b"PING\r\n"[..]);
        assert!(!shared.handle_input_at(1, &mut more));
        assert_eq!(shared.poll_transport(), Some(TransportCommand::Close));
        assert!(!shared.is_current(1));
        assert!(shared.is_current(2));
    }

    /// A connected client with nobody draining its write buffer (the
    /// client handle is kept: dropping the last one closes).
    fn connected() -> crate::adapter::Prepared {
        connected_with_max_payload(1_048_576)
    }

    /// [`connected`] to a server announcing `max_payload`.
    fn connected_with_max_payload(max_payload: u64) -> crate::adapter::Prepared {
        let prepared = prepare("nats://127.0.0.1:4222", ConnectOptions::new()).unwrap();
        let shared = &prepared.shared;
        assert!(shared.poll_transport().is_some());
        assert!(shared.handle_transport_at(1, TransportEvent::Connected));
        let info = format!("INFO {{\"max_payload\":{max_payload}}}\r\nPONG\r\n");
        let mut input = BytesMut::from(info.as_bytes());
        assert!(shared.handle_input_at(1, &mut input));
        prepared
    }

    /// Publishes `payload` until a publish must wait; returns the bytes then
    /// waiting and the part of them copied in.
    fn fill(shared: &super::Shared, payload: &Payload<'_>) -> (usize, usize) {
        let mut cx = Context::from_waker(Waker::noop());
        for _ in 0..1_000_000 {
            match shared.poll_publish(Some(&mut cx), "fill", None, None, payload) {
                Poll::Ready(r) => r.unwrap(),
                Poll::Pending => {
                    let st = shared.lock();
                    return (st.core.transmit_len(), st.core.transmit_copied_len());
                }
            }
        }
        panic!("publishes never had to wait");
    }

    /// Whether `inner` starts within the `len` bytes at `start`.
    fn inside(inner: &[u8], start: *const u8, len: usize) -> bool {
        let start = start as usize;
        (start..start + len).contains(&(inner.as_ptr() as usize))
    }

    #[test]
    fn messages_of_a_short_read_do_not_pin_the_read_buffer() {
        let prepared = connected();
        let shared = &prepared.shared;
        let sub = prepared.client.subscribe_now("pin", None).unwrap();
        // The driver's read buffer, reused read after read.
        let mut rbuf = BytesMut::with_capacity(64 * 1024);
        let (allocation, len) = (rbuf.as_ptr(), rbuf.capacity());
        let mut kept = Vec::new();
        for i in 0..100 {
            let read = format!("MSG pin 1 1\r\n{}\r\nMSG pin", i % 10);
            rbuf.extend_from_slice(read.as_bytes());
            assert!(shared.handle_input_at(1, &mut rbuf));
            let message = sub.try_next().expect("a message");
            assert!(!inside(&message.payload, allocation, len), "payload");
            assert!(!inside(
                message.subject.as_str().as_bytes(),
                allocation,
                len
            ));
            kept.push(message);
            // The incomplete operation stays for the next read.
            assert_eq!(&rbuf[..], b"MSG pin");
            rbuf.clear();
            assert_eq!(rbuf.as_ptr(), allocation, "the read buffer is reused");
        }
        // A long read is parsed in place.
        let frame = b"MSG pin 1 1\r\nx\r\n";
        for _ in 0..super::COPY_BELOW / frame.len() + 1 {
            rbuf.extend_from_slice(frame);
        }
        assert!(shared.handle_input_at(1, &mut rbuf));
        let message = sub.try_next().expect("a message");
        assert!(inside(&message.payload, allocation, len), "not copied");
    }

    #[test]
    fn a_large_message_half_read_gets_room_for_the_rest_once() {
        let prepared = connected();
        let shared = &prepared.shared;
        let sub = prepared.client.subscribe_now("big", None).unwrap();
        let payload = vec![b'x'; 300_000];
        let mut frame = format!("MSG big 1 {}\r\n", payload.len()).into_bytes();
        frame.extend_from_slice(&payload);
        frame.extend_from_slice(b"\r\n");
        // The first read: the control line and part of the payload.
        let mut rbuf = BytesMut::with_capacity(64 * 1024);
        rbuf.extend_from_slice(&frame[..64 * 1024]);
        assert!(shared.handle_input_at(1, &mut rbuf));
        assert!(rbuf.capacity() >= frame.len(), "room for the whole message");
        // The rest arrives without the buffer moving.
        let allocation = rbuf.as_ptr();
        rbuf.extend_from_slice(&frame[64 * 1024..]);
        assert_eq!(rbuf.as_ptr(), allocation);
        assert!(shared.handle_input_at(1, &mut rbuf));
        assert_eq!(sub.try_next().expect("the message").payload, payload);
    }

    #[test]
    fn a_control_line_alone_reserves_a_bounded_room() {
        let prepared = connected_with_max_payload(64 << 20);
        let shared = &prepared.shared;
        let _sub = prepared.client.subscribe_now("big", None).unwrap();
        let line = b"MSG big 1 60000000\r\nxx";
        let mut rbuf = BytesMut::from(&line[..]);
        assert!(shared.handle_input_at(1, &mut rbuf));
        assert_eq!(&rbuf[..], &line[..], "the message is still arriving");
        let room = rbuf.capacity();
        assert!(room >= super::RESERVE_AHEAD, "{room}");
        assert!(room < 2 * super::RESERVE_AHEAD, "{room}");
    }

    /// A waker that counts its wakes.
    struct Count(std::sync::atomic::AtomicUsize);

    impl std::task::Wake for Count {
        fn wake(self: std::sync::Arc<Self>) {
            self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
    }

    #[test]
    fn reading_pauses_above_the_mark_and_resumes_once_the_bytes_are_taken() {
        let prepared = connected();
        let shared = &prepared.shared;
        let events = shared.events.stream(None, 0);
        let count = std::sync::Arc::new(Count(0.into()));
        let waker = Waker::from(count.clone());
        let mut cx = Context::from_waker(&waker);
        assert!(shared.poll_read_room(&mut cx).is_ready());
        let payload = Bytes::from(vec![b'x'; 64 * 1024]);
        while shared.write_backlog() <= super::READ_PAUSE {
            prepared
                .client
                .try_publish("fill", None, None, &payload)
                .unwrap();
        }
        let unwritten = shared.write_backlog();
        assert!(shared.poll_read_room(&mut cx).is_pending());
        assert!(shared.poll_read_room(&mut cx).is_pending());
        // One event per episode.
        let paused = std::iter::from_fn(|| events.try_next())
            .filter(|e| matches!(e, ClientEvent::ReadingPaused { .. }))
            .collect::<Vec<_>>();
        assert_eq!(paused, [ClientEvent::ReadingPaused { unwritten }]);
        let mut wbuf = WriteBuffer::default();
        assert!(shared.poll_transmit(&mut wbuf));
        assert!(
            count.0.load(std::sync::atomic::Ordering::SeqCst) > 0,
            "woken"
        );
        assert!(shared.poll_read_room(&mut cx).is_ready());
    }

    #[test]
    fn short_payloads_wait_at_the_copied_high_water() {
        let prepared = connected();
        let shared = &prepared.shared;
        let (waiting, copied) = fill(shared, &Payload::from(&[b'x'; 100]));
        assert_eq!(waiting, copied, "short payloads are copied");
        assert!(copied > super::COPIED_HIGH_WATER, "{copied}");
        assert!(copied < super::COPIED_HIGH_WATER + 200, "{copied}");
        // Blocking publishers wait at the total mark only.
        let mut cx = Context::from_waker(Waker::noop());
        assert!(shared.poll_write_room(&mut cx).is_ready());
    }

    #[test]
    fn queued_payloads_wait_at_the_total_high_water() {
        let prepared = connected();
        let payload = Bytes::from(vec![b'x'; 16 * 1024]);
        let (waiting, copied) = fill(&prepared.shared, &Payload::from(&payload));
        assert!(waiting > super::WRITE_HIGH_WATER, "{waiting}");
        assert!(waiting < super::WRITE_HIGH_WATER + 17 * 1024, "{waiting}");
        assert!(copied < super::COPIED_HIGH_WATER, "{copied}");
        let mut cx = Context::from_waker(Waker::noop());
        assert!(prepared.shared.poll_write_room(&mut cx).is_pending());
    }
}
