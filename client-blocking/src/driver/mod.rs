//! The threaded driver: runs natrs-client's [`Shared`] state on plain
//! threads.
//!
//! - The **driver thread** carries out the core's transport commands
//!   (connect, TLS upgrade, close), writes what the core has to send, and runs
//!   the core's timers: it parks until the core's next deadline or until a
//!   handle notifies it (`Shared::poll_notified` with a waker that unparks it).
//! - One **reader thread** per link blocks in `read`, decrypts, and feeds the
//!   core, so messages and replies reach the threads waiting for them without
//!   passing through the driver thread.
//! - A **publishing thread** may write inline: it borrows the write side (if
//!   nobody holds it) right after a request or a flush, after an isolated
//!   publish that found the driver parked (the first publish after the thread
//!   waited for something, such as a reply from a handler thread between two
//!   messages), and whenever 64 KiB have piled up. Otherwise it wakes the
//!   driver, and only when the core's buffer goes from empty to non-empty, so
//!   a burst of publishes costs one wake-up and is written in batches by the
//!   driver thread while the publisher goes on encoding.
//!
//! Writing inline spares the driver thread a wake-up only if the publishing
//! thread also holds back the wake-up that natrs-client sends when it queues
//! the bytes. It does so for the length of that one call (no user code runs
//! in between but event callbacks, whose wake-ups are held back too), then
//! either writes and takes the wake-up over (consuming the driver's signal,
//! registering the driver's waker again, and waking the driver after all if
//! the signal could have meant anything but "write": a command, a close, a
//! nearer deadline, bytes left), or wakes the driver. Readers report bytes
//! to send (a PONG) through the same signal, which such a thread then writes;
//! for a failure, a hand-over or a nearer deadline, readers and writers
//! unpark the driver's thread directly, so no signal taken over can hide
//! those from it.
//!
//! Timers run on the driver thread rather than as read timeouts on the
//! reader: a deadline can come nearer at any time (a request from another
//! thread), and a parked thread can be woken to re-arm while a thread blocked
//! in `read` cannot.
//!
//! Bytes read on a link the core has already left (after it issued a command)
//! are never fed: the reader feeds through [`Shared::handle_input_at`] with the
//! transport epoch its link belongs to.

mod dialed;
mod link;
mod reader;
mod writer;

use crate::DriverStatistics;
use crate::executor::{deadline_after, spin_until, waits};
use dialed::Dialed;
pub(crate) use link::lock;
use link::{HandshakeFailure, Link, Stream, connect_tcp, handshake};
use natrs_client::TransportCause;
use natrs_client::TransportError;
use natrs_client::adapter::{DriverDone, Shared, connect_cause};
use natrs_core::client::{TransportCommand, TransportEvent};
use rustls::ClientConnection;
use rustls_pki_types::ServerName;
use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::task::{Context, Wake, Waker};
use std::thread::{self, JoinHandle, Thread};
use std::time::{Duration, Instant};
use writer::{Flushed, WriteCounters, Writer};

/// How long a graceful close may spend writing what was queued.
const CLOSE_WRITE_TIMEOUT: Duration = Duration::from_secs(5);

/// Bytes queued by publishers (since the driver last took the core's buffer)
/// past which a publisher writes them itself, if the write side is free.
const INLINE_WRITE_THRESHOLD: u64 = 64 * 1024;

/// Bytes queued by publishers (since the core's buffer was last taken) below
/// which a publish need not look at the write buffer's high-water mark (8 MiB,
/// checked under the core's lock).
const ROOM_CHECK_THRESHOLD: u64 = 1024 * 1024;

/// What a publish adds to the write buffer besides subject, reply, header
/// block and payload, at most (`HPUB`, spaces, two sizes, two CRLFs), for the
/// estimate of queued bytes.
pub(crate) const PUB_OVERHEAD: usize = 32;

thread_local! {
    /// Whether this thread is a driver or reader thread (of any client).
    static DRIVER_THREAD: Cell<bool> = const { Cell::new(false) };
    /// The driver whose wake-ups this thread holds back (the address of its
    /// waker; 0 for none), and whether one was held back.
    static QUIET: Cell<(usize, bool)> = const { Cell::new((0, false)) };
    /// [`waits`] at this thread's last publish (`u64::MAX`: none yet).
    static WAITS_AT_PUBLISH: Cell<u64> = const { Cell::new(u64::MAX) };
}

/// Whether the current thread is one of the driver's (a driver or reader
/// thread, where event callbacks run): waiting there for the driver to finish
/// would wait forever.
pub(crate) fn on_driver_thread() -> bool {
    DRIVER_THREAD.try_with(Cell::get).unwrap_or(false)
}

/// Marks the current thread as one of the driver's.
fn mark_driver_thread() {
    let _ = DRIVER_THREAD.try_with(|d| d.set(true));
}

/// Whether this publish is the thread's first since it last waited (or ever):
/// then it is likely alone (a reply, an event) and worth writing at once;
/// otherwise publishes come in a burst, and the driver thread, writing while
/// they are encoded, batches them better than a write per publish would.
fn isolated_publish() -> bool {
    let waits = waits();
    WAITS_AT_PUBLISH
        .try_with(|p| p.replace(waits) != waits)
        .unwrap_or(false)
}

/// The driver thread and its waker, known once the thread runs.
#[derive(Debug)]
struct DriverHandle {
    thread: Thread,
    waker: Waker,
    /// The address of the waker's [`DriverWaker`] (see [`QUIET`]).
    id: usize,
}

/// Counters of the driver's work.
#[derive(Debug, Default)]
pub(crate) struct Stats {
    wakeups: AtomicU64,
    inline_writes: AtomicU64,
    pub(crate) socket_reads: AtomicU64,
}

/// What the driver thread, the readers and the client handles share.
#[derive(Debug)]
pub(crate) struct DriverIo {
    pub(crate) shared: Arc<Shared>,
    writer: Writer,
    counters: WriteCounters,
    pub(crate) stats: Stats,
    /// When the driver thread will wake for its timers, as nanoseconds since
    /// `base`; 0 while it is awake (it looks at the deadline again before
    /// parking).
    armed: AtomicU64,
    base: Instant,
    driver: OnceLock<DriverHandle>,
}

/// A call during which this thread holds back its wake-ups of one driver.
struct Quiet<'a> {
    io: &'a DriverIo,
    prev: Option<(usize, bool)>,
}

impl Quiet<'_> {
    /// Ends the call; returns whether a wake-up was held back (and is now owed).
    fn finish(mut self) -> bool {
        let Some(prev) = self.prev.take() else {
            return false;
        };
        QUIET.try_with(|q| q.replace(prev).1).unwrap_or(false)
    }
}

impl Drop for Quiet<'_> {
    fn drop(&mut self) {
        // Only reached without `finish`, when the call panicked: pay what is
        // owed the simple way.
        if let Some(prev) = self.prev.take() {
            if QUIET.try_with(|q| q.replace(prev).1).unwrap_or(false) {
                self.io.wake_driver();
            }
        }
    }
}

impl DriverIo {
    fn new(shared: Arc<Shared>) -> DriverIo {
        DriverIo {
            shared,
            writer: Writer::new(),
            counters: WriteCounters::default(),
            stats: Stats::default(),
            armed: AtomicU64::new(0),
            base: Instant::now(),
            driver: OnceLock::new(),
        }
    }

    /// Unparks the driver thread (it then looks at everything it watches).
    pub(crate) fn wake_driver(&self) {
        if let Some(d) = self.driver.get() {
            d.thread.unpark();
        }
        // Before the thread runs there is nothing to wake: its first turn
        // looks at everything.
    }

    /// Runs `f` holding back this thread's wake-ups of the driver. Returns
    /// `f`'s result and whether a wake-up was held back; if so, the caller
    /// owes one ([`settle`](Self::settle)).
    pub(crate) fn quiet<R>(&self, f: impl FnOnce() -> R) -> (R, bool) {
        let Some(d) = self.driver.get() else {
            return (f(), false);
        };
        let Ok(prev) = QUIET.try_with(|q| q.replace((d.id, false))) else {
            return (f(), false);
        };
        let scope = Quiet {
            io: self,
            prev: Some(prev),
        };
        let r = f();
        (r, scope.finish())
    }

    /// Pays a held-back wake-up: writes what the core has on this thread and
    /// takes the wake-up over, or wakes the driver when the write side is busy
    /// or anything is left for it.
    fn settle(&self, held: bool) {
        if !held {
            return;
        }
        let Some(mut side) = self.writer.try_take() else {
            return self.wake_driver();
        };
        self.stats.inline_writes.fetch_add(1, Ordering::Relaxed);
        let flushed = side.write(&self.shared, &self.counters);
        let leftover = side.has_leftover();
        drop(side);
        if flushed != Flushed::Done || leftover {
            return self.wake_driver();
        }
        self.take_over_wakeup();
    }

    /// Consumes the driver's signal (the notification this thread held back,
    /// and any that came with it) and registers the driver's waker again, so
    /// later notifications wake it; then wakes it anyway if what was consumed
    /// may have meant more than "write" (which this thread just did).
    fn take_over_wakeup(&self) {
        let Some(d) = self.driver.get() else {
            return self.wake_driver();
        };
        let mut cx = Context::from_waker(&d.waker);
        // `Ready` consumes a notification without registering; `Pending`
        // means registered.
        let registered = (0..3).any(|_| self.shared.poll_notified(&mut cx).is_pending());
        if !registered
            || self.shared.has_transport_command()
            || self.shared.is_closed()
            || self.shared.has_transmit()
            || self.deadline_moved_earlier()
        {
            self.wake_driver();
        }
    }

    /// After a command whose bytes should leave at once (a request, a
    /// flush): writes them on this thread unless someone else is writing.
    pub(crate) fn after_command(&self, held: bool) {
        if held {
            self.settle(true);
        } else {
            self.write_inline();
        }
    }

    /// After a publish of `bytes`: pays a held-back wake-up (writing inline
    /// if the publish is an isolated one), or writes inline once enough bytes
    /// piled up.
    pub(crate) fn after_publish(&self, held: bool, bytes: usize) {
        let isolated = isolated_publish();
        if held {
            if isolated {
                self.settle(true);
            } else {
                self.wake_driver();
            }
            return;
        }
        let before = self
            .counters
            .queued
            .fetch_add(bytes as u64, Ordering::Relaxed);
        if before < INLINE_WRITE_THRESHOLD && before + bytes as u64 >= INLINE_WRITE_THRESHOLD {
            self.write_inline();
        }
    }

    /// Whether enough was published since the core's buffer was last taken
    /// that a publish must look at the write buffer's high-water mark.
    pub(crate) fn needs_room_check(&self) -> bool {
        self.counters.queued.load(Ordering::Relaxed) >= ROOM_CHECK_THRESHOLD
    }

    fn nanos(&self, t: Instant) -> u64 {
        // Never 0, which means "awake".
        u64::try_from(t.saturating_duration_since(self.base).as_nanos())
            .unwrap_or(u64::MAX)
            .max(1)
    }

    /// Whether the core's next deadline is nearer than the one the parked
    /// driver thread waits for.
    pub(crate) fn deadline_moved_earlier(&self) -> bool {
        let armed = self.armed.load(Ordering::SeqCst);
        if armed == 0 {
            return false;
        }
        self.shared
            .next_deadline()
            .is_some_and(|d| self.nanos(d) < armed)
    }

    /// Writes what the core has on the calling thread if nobody else is
    /// writing; otherwise leaves it to the writer at work.
    pub(crate) fn write_inline(&self) {
        let Some(mut side) = self.writer.try_take() else {
            return;
        };
        self.stats.inline_writes.fetch_add(1, Ordering::Relaxed);
        let flushed = side.write(&self.shared, &self.counters);
        let leftover = side.has_leftover();
        drop(side);
        // Whoever published while this thread held the write side may have
        // found it taken: make sure the driver looks again.
        if leftover || flushed != Flushed::Done || self.shared.has_transmit() {
            self.wake_driver();
        }
    }

    pub(crate) fn statistics(&self) -> DriverStatistics {
        DriverStatistics {
            wakeups: self.stats.wakeups.load(Ordering::Relaxed),
            inline_writes: self.stats.inline_writes.load(Ordering::Relaxed),
            socket_writes: self.counters.socket_writes.load(Ordering::Relaxed),
            socket_reads: self.stats.socket_reads.load(Ordering::Relaxed),
        }
    }
}

/// The driver thread's waker. While a TLS handshake runs on the driver
/// thread, it also aborts the handshake (by shutting its socket down) once the
/// core gives up on that connection (a close or reconnect from another
/// thread), so those never wait for a handshake to time out.
#[derive(Debug)]
struct DriverWaker {
    thread: Thread,
    handshake: Mutex<Option<Arc<Link>>>,
    shared: Weak<Shared>,
    io: Weak<DriverIo>,
}

impl Wake for DriverWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        {
            let hs = lock(&self.handshake);
            if let (Some(link), Some(shared)) = (hs.as_ref(), self.shared.upgrade()) {
                if shared.has_transport_command() {
                    link.stream.shutdown();
                }
            }
        }
        let me = Arc::as_ptr(self) as usize;
        let held = QUIET
            .try_with(|q| {
                let (who, _) = q.get();
                if who == me {
                    q.set((who, true));
                }
                who == me
            })
            .unwrap_or(false);
        if held {
            return;
        }
        // Woken from inside a future an application thread is polling in
        // a blocking call (natrs-jetstream's blocking facade: a request):
        // that thread writes the bytes itself once the poll returned, as
        // after the client's own requests, instead of waking this one.
        if !on_driver_thread() {
            if let Some(io) = self.io.upgrade() {
                let settle = Box::new(move || io.settle(true));
                if natrs_client::adapter::after_poll(settle).is_ok() {
                    return;
                }
            }
        }
        self.thread.unpark();
    }
}

/// Starts the driver thread for `shared`; it sets `done` when it exits.
pub(crate) fn spawn(
    shared: Arc<Shared>,
    done: DriverDone,
    connect_timeout: Duration,
) -> std::io::Result<Arc<DriverIo>> {
    let io = Arc::new(DriverIo::new(shared.clone()));
    let driver_io = io.clone();
    thread::Builder::new()
        .name("natrs-driver".into())
        .spawn(move || {
            mark_driver_thread();
            let waker = Arc::new(DriverWaker {
                thread: thread::current(),
                handshake: Mutex::new(None),
                shared: Arc::downgrade(&shared),
                io: Arc::downgrade(&driver_io),
            });
            let _ = driver_io.driver.set(DriverHandle {
                thread: thread::current(),
                waker: Waker::from(waker.clone()),
                id: Arc::as_ptr(&waker) as usize,
            });
            let mut driver = Driver {
                io: driver_io,
                shared,
                waker_handle: waker.clone(),
                waker: Waker::from(waker),
                link: None,
                epoch: 0,
                reader: None,
                reader_epoch: None,
                connect_timeout,
                attempt_deadline: None,
            };
            driver.run();
            driver.shutdown();
            done.set();
        })?;
    Ok(io)
}

struct Driver {
    io: Arc<DriverIo>,
    shared: Arc<Shared>,
    waker_handle: Arc<DriverWaker>,
    waker: Waker,
    /// The current link.
    link: Option<Arc<Link>>,
    /// The transport epoch of the current link.
    epoch: u64,
    /// The reader of the current link.
    reader: Option<JoinHandle<()>>,
    /// The epoch the reader was started for.
    reader_epoch: Option<u64>,
    connect_timeout: Duration,
    /// When the current connection attempt (TCP and TLS) runs out of time.
    /// `None` when the connect timeout is too long for the clock.
    attempt_deadline: Option<Instant>,
}

impl Driver {
    fn run(&mut self) {
        loop {
            self.io.armed.store(0, Ordering::SeqCst);
            while let Some(cmd) = self.shared.poll_transport() {
                let epoch = self.shared.transport_epoch();
                self.execute(cmd, epoch);
            }
            if self.shared.is_closed() && !self.shared.has_transport_command() {
                // Closed for good and every command carried out (a link left
                // over from an abandoned attempt is closed too).
                self.close_link();
                return;
            }
            if let Some(error) = self.link.as_ref().and_then(|l| l.take_failure()) {
                self.drop_link();
                self.shared
                    .handle_transport_at(self.epoch, TransportEvent::Closed(error));
                continue;
            }
            self.start_reader();
            let flushed = self.write();
            if self
                .shared
                .next_deadline()
                .is_some_and(|d| d <= Instant::now())
            {
                self.shared.handle_timeout();
                continue;
            }
            if flushed != Flushed::Done {
                // Blocked: the write waited a slice already; try again after
                // the timers and commands had their turn. Failed: reported
                // on the next turn.
                continue;
            }
            let mut cx = Context::from_waker(&self.waker);
            if self.shared.poll_notified(&mut cx).is_ready() || self.linger(&mut cx) {
                continue;
            }
            self.park();
        }
    }

    /// Waits a few microseconds for a notification before parking, on more
    /// than one CPU: a publisher streaming messages notifies again right
    /// after the driver took its buffer, and catching that here spares both
    /// threads a park and unpark. Returns whether a notification came.
    fn linger(&self, cx: &mut Context<'_>) -> bool {
        spin_until(|| self.shared.poll_notified(cx).is_ready().then_some(())).is_some()
    }

    /// Parks until notified or until the core's next deadline.
    fn park(&mut self) {
        let deadline = self.shared.next_deadline();
        let armed = deadline.map_or(u64::MAX, |d| self.io.nanos(d));
        self.io.armed.store(armed, Ordering::SeqCst);
        // A reader may have moved the deadline nearer before it could see
        // `armed`: look once more.
        if self.shared.next_deadline() != deadline {
            return;
        }
        match deadline {
            Some(d) => {
                let now = Instant::now();
                if d > now {
                    thread::park_timeout(d - now);
                }
            }
            None => thread::park(),
        }
        self.io.stats.wakeups.fetch_add(1, Ordering::Relaxed);
    }

    fn execute(&mut self, cmd: TransportCommand, epoch: u64) {
        match cmd {
            TransportCommand::Connect { server } => {
                self.drop_link();
                self.epoch = epoch;
                self.shared.load_credentials();
                self.attempt_deadline = deadline_after(self.connect_timeout);
                match self.open(&server) {
                    Ok(stream) => {
                        let link = Arc::new(Link::new(stream));
                        self.install(Some(link.clone()));
                        self.link = Some(link);
                        // Ignored when the core gave up on this attempt
                        // meanwhile; its next command drops the link.
                        self.shared
                            .handle_transport_at(epoch, TransportEvent::Connected);
                    }
                    Err(e)
                        if e.kind() == std::io::ErrorKind::TimedOut
                            && self
                                .attempt_deadline
                                .is_some_and(|deadline| Instant::now() >= deadline) =>
                    {
                        // Out of time: the core's connect timeout, which
                        // started no later, passed too; its timer, run next,
                        // reports it.
                    }
                    Err(e) => {
                        let e = TransportError::Connect(connect_cause(&server, e));
                        self.shared
                            .handle_transport_at(epoch, TransportEvent::Closed(e));
                    }
                }
            }
            TransportCommand::UpgradeTls { server_name } => {
                self.epoch = epoch;
                match self.upgrade(&server_name) {
                    Ok(()) => {
                        self.shared
                            .handle_transport_at(epoch, TransportEvent::TlsEstablished);
                    }
                    Err(HandshakeFailure::TimedOut) => {
                        // The core's connect timeout passed too; its timer,
                        // run next, reports it.
                        self.drop_link();
                    }
                    Err(HandshakeFailure::Failed(e)) => {
                        self.drop_link();
                        self.shared.handle_transport_at(
                            epoch,
                            TransportEvent::Closed(TransportError::Tls(e)),
                        );
                    }
                }
            }
            TransportCommand::Close => {
                if self.shared.is_closed() {
                    self.close_link();
                } else {
                    self.drop_link();
                }
                self.epoch = epoch;
            }
            _ => {}
        }
    }

    /// Opens the stream to `server` for the current attempt: through the
    /// dialer if the options set one, else over TCP. Fails with a
    /// [`TimedOut`](std::io::ErrorKind::TimedOut) error once the attempt's
    /// deadline passed.
    fn open(&self, server: &natrs_client::ServerAddr) -> std::io::Result<Stream> {
        if let Some(dialer) = self.shared.dialer() {
            let dial = dialer.dial(server);
            let dialed =
                natrs_client::adapter::block_on_until(std::pin::pin!(dial), self.attempt_deadline)
                    .unwrap_or_else(|| Err(std::io::ErrorKind::TimedOut.into()))?;
            return Ok(Stream::Dialed(Dialed::new(dialed)));
        }
        let local = self.shared.local_address();
        let tcp = connect_tcp(server.host(), server.port(), local, self.attempt_deadline)?;
        let stream = Stream::Tcp(tcp);
        stream.set_running_timeouts()?;
        Ok(stream)
    }

    /// Runs the TLS handshake over the current link.
    fn upgrade(&mut self, server_name: &str) -> Result<(), HandshakeFailure> {
        let link = self
            .link
            .clone()
            .ok_or_else(|| "no connection to upgrade".to_string())?;
        // The reader stopped by itself when it saw the command; what it read
        // past INFO belongs to the handshake.
        if let Some(reader) = self.reader.take() {
            let _ = reader.join();
        }
        self.reader_epoch = None;
        let leftover = link.take_leftover();
        let config = self.shared.tls_config()?;
        let name = ServerName::try_from(server_name.to_string())
            .map_err(|e| format!("invalid server name {server_name:?}: {e}"))?;
        let mut conn = ClientConnection::new(config, name).map_err(|e| e.to_string())?;
        // Nobody writes on the socket during the handshake.
        let _side = self.io.writer.take_until(None);
        *lock(&self.waker_handle.handshake) = Some(link.clone());
        // Register the waker, so that a close or reconnect from another
        // thread reaches it (and aborts the handshake); one that came before
        // is seen here.
        let mut cx = Context::from_waker(&self.waker);
        while self.shared.poll_notified(&mut cx).is_ready() {}
        let result = if self.shared.has_transport_command() {
            Err(HandshakeFailure::Failed("abandoned".into()))
        } else {
            handshake(&link.stream, &mut conn, &leftover, self.attempt_deadline)
        };
        *lock(&self.waker_handle.handshake) = None;
        result?;
        link.stream
            .set_running_timeouts()
            .map_err(|e| e.to_string())?;
        link.set_tls(conn);
        Ok(())
    }

    /// Starts the reader of the current link if it has none for this epoch.
    fn start_reader(&mut self) {
        let Some(link) = &self.link else { return };
        if self.reader_epoch == Some(self.epoch) || !self.shared.is_current(self.epoch) {
            return;
        }
        self.reader_epoch = Some(self.epoch);
        match reader::spawn(self.io.clone(), link.clone(), self.epoch) {
            Ok(handle) => self.reader = Some(handle),
            Err(e) => {
                link.fail(TransportError::Io(TransportCause::with_source(
                    format!("cannot start a reader thread: {e}"),
                    e,
                )));
            }
        }
    }

    /// Writes what the core has, unless another thread is writing (it then
    /// notifies the driver if it leaves anything behind).
    fn write(&mut self) -> Flushed {
        match self.io.writer.try_take() {
            Some(mut side) => side.write(&self.shared, &self.io.counters),
            None => Flushed::Done,
        }
    }

    /// Points the write side at `link`.
    fn install(&mut self, link: Option<Arc<Link>>) {
        if let Some(mut side) = self.io.writer.take_until(None) {
            side.set_link(link);
        }
    }

    /// Gives the current link up at once (the core left it).
    fn drop_link(&mut self) {
        let Some(link) = self.link.take() else { return };
        link.retire();
        self.install(None);
        // The reader returns from its read now that the socket is shut down;
        // it is not waited for (it may be running an event callback).
        self.reader = None;
        self.reader_epoch = None;
    }

    /// Closes the current link for good: writes what is queued (within
    /// [`CLOSE_WRITE_TIMEOUT`]), says goodbye on TLS, then shuts it down.
    fn close_link(&mut self) {
        let Some(link) = self.link.take() else { return };
        let deadline = Instant::now() + CLOSE_WRITE_TIMEOUT;
        if let Some(mut side) = self.io.writer.take_until(Some(deadline)) {
            while side.write(&self.shared, &self.io.counters) == Flushed::Blocked
                && Instant::now() < deadline
            {}
            side.close_notify(&self.io.counters);
            side.set_link(None);
        }
        link.retire();
        self.install(None);
        self.reader = None;
        self.reader_epoch = None;
    }

    /// Leaves nothing behind when the driver exits.
    fn shutdown(&mut self) {
        self.drop_link();
    }
}
