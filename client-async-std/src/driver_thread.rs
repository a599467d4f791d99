//! The driver thread: runs one connection's driver future on a thread of its
//! own that waits on an epoll of its own (Linux and Android; elsewhere the
//! thread runs the future with `async_io::block_on`).
//!
//! The thread does not share async-io's reactor with the application. When
//! several threads block on that reactor, one of them waits in it and wakes
//! the others for their events: an application thread idle in the reactor
//! would take the connection's socket events and hand each one to the driver
//! thread, a second thread switch for every message. Here the socket's
//! readiness and the driver's deadline wake this thread directly, and a
//! handle that wakes the driver (the driver's waker) writes to an eventfd the
//! epoll watches.
//!
//! A read or write that would block records its interest
//! ([`Registered::wait_for`]) and the thread arms it before it waits; the
//! registration is level-triggered and changed only when the interest
//! changes, so a connection that keeps reading costs one `epoll_wait` per
//! wake-up. The connection's timer records its deadline the same way.
//! Connecting and resolving names still use async-io (the application's
//! reactor, or async-io's own thread) and wake this thread through its waker.

use async_io::Async;
use std::cell::RefCell;
use std::future::Future;
use std::io;
use std::net::TcpStream;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Instant;

/// How often the driver is polled while its epoll fails.
const DEGRADED_POLL: std::time::Duration = std::time::Duration::from_millis(1);

/// Readiness: readable.
pub(crate) const READ: u8 = 1;
/// Readiness: writable.
pub(crate) const WRITE: u8 = 2;

thread_local! {
    /// The reactor of the driver thread this is, if it is one.
    static CURRENT: RefCell<Option<Arc<Reactor>>> = const { RefCell::new(None) };
}

/// The reactor of the calling thread, if it is a driver thread.
pub(crate) fn current() -> Option<Arc<Reactor>> {
    CURRENT.try_with(|c| c.borrow().clone()).ok().flatten()
}

/// A driver thread's epoll, the sockets registered with it and the deadline
/// it waits for.
#[derive(Debug)]
pub(crate) struct Reactor {
    epoll: sys::Epoll,
    sources: Mutex<Vec<Arc<Source>>>,
    deadline: Mutex<Option<Instant>>,
    /// Set by the waker; cleared before each poll of the driver, so that
    /// wakes during a poll cost no system call.
    woken: AtomicBool,
}

/// One socket registered with a reactor; it holds the socket open until it is
/// deleted from the epoll.
#[derive(Debug)]
struct Source {
    stream: Arc<Async<TcpStream>>,
    /// Readiness the owner asked for since the last wait.
    wanted: AtomicU8,
    /// The interest registered with the epoll (only the waiting thread
    /// changes it).
    armed: AtomicU8,
    /// Readiness reported since the owner last looked.
    ready: AtomicU8,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Reactor {
    /// A reactor with a new epoll; fails where there is none.
    pub(crate) fn new() -> io::Result<Reactor> {
        Ok(Reactor {
            epoll: sys::Epoll::new()?,
            sources: Mutex::default(),
            deadline: Mutex::default(),
            woken: AtomicBool::new(false),
        })
    }

    /// Registers `stream` (with no interest yet).
    fn register(&self, stream: &Arc<Async<TcpStream>>) -> io::Result<Arc<Source>> {
        self.epoll.add(stream.get_ref())?;
        let source = Arc::new(Source {
            stream: stream.clone(),
            wanted: AtomicU8::new(0),
            armed: AtomicU8::new(0),
            ready: AtomicU8::new(0),
        });
        lock(&self.sources).push(source.clone());
        Ok(source)
    }

    fn deregister(&self, source: &Arc<Source>) {
        // The socket is still open (the source holds it); a failure leaves
        // nothing to undo.
        let _ = self.epoll.delete(source.stream.get_ref());
        lock(&self.sources).retain(|s| !Arc::ptr_eq(s, source));
    }

    /// Records the deadline the driver's timer waits for (`None`: none).
    pub(crate) fn set_deadline(&self, deadline: Option<Instant>) {
        *lock(&self.deadline) = deadline;
    }

    /// Arms what the sockets asked for, then waits for readiness, the
    /// deadline or a wake-up, and records what became ready. A deadline is
    /// waited for once: the timer that set it looks at the clock when polled.
    fn wait(&self) -> io::Result<()> {
        for s in lock(&self.sources).iter() {
            let wanted = s.wanted.swap(0, Ordering::AcqRel);
            if s.armed.swap(wanted, Ordering::AcqRel) != wanted {
                self.epoll.modify(s.stream.get_ref(), wanted)?;
            }
        }
        let deadline = *lock(&self.deadline);
        // The sources are not locked while waiting (a registration could be
        // dropped elsewhere meanwhile); each event looks its socket up.
        let ready = self.epoll.wait(deadline, |fd, bits| {
            if let Some(s) = lock(&self.sources)
                .iter()
                .find(|s| sys::fd(&s.stream) == fd)
            {
                s.ready.fetch_or(bits, Ordering::AcqRel);
            }
        });
        if deadline.is_some_and(|d| d <= Instant::now()) {
            let mut current = lock(&self.deadline);
            if *current == deadline {
                *current = None;
            }
        }
        ready
    }
}

/// The driver thread's waker: writes to the eventfd, once per poll of the
/// driver.
struct Notify(Arc<Reactor>);

impl Wake for Notify {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if !self.0.woken.swap(true, Ordering::AcqRel) {
            self.0.epoll.notify();
        }
    }
}

/// Runs `future` to completion on the calling thread, which becomes a
/// driver thread with `reactor`.
pub(crate) fn run(reactor: Arc<Reactor>, future: impl Future<Output = ()>) {
    let _ = CURRENT.try_with(|c| *c.borrow_mut() = Some(reactor.clone()));
    let waker = Waker::from(Arc::new(Notify(reactor.clone())));
    let mut cx = Context::from_waker(&waker);
    let mut future = pin!(future);
    loop {
        reactor.woken.store(false, Ordering::Release);
        if future.as_mut().poll(&mut cx).is_ready() {
            break;
        }
        if reactor.woken.load(Ordering::Acquire) {
            continue;
        }
        if reactor.wait().is_err() {
            // The epoll failed (out of memory, say): the sockets registered
            // with it cannot move to another reactor, so the driver is
            // polled again after a pause instead of waiting for readiness,
            // until a wait succeeds.
            std::thread::sleep(DEGRADED_POLL);
        }
    }
    let _ = CURRENT.try_with(|c| c.borrow_mut().take());
}

/// A socket registered with the driver thread's reactor, deleted from it when
/// dropped.
#[derive(Debug)]
pub(crate) struct Registered {
    reactor: Arc<Reactor>,
    source: Arc<Source>,
}

impl Registered {
    /// Registers `stream` with `reactor`.
    pub(crate) fn new(
        reactor: Arc<Reactor>,
        stream: &Arc<Async<TcpStream>>,
    ) -> io::Result<Registered> {
        let source = reactor.register(stream)?;
        Ok(Registered { reactor, source })
    }

    /// `Ready` if the socket was reported ready for `bits` since the last
    /// call; otherwise asks the thread to wait for it.
    pub(crate) fn poll_ready(&self, bits: u8) -> Poll<()> {
        if self.source.ready.fetch_and(!bits, Ordering::AcqRel) & bits != 0 {
            Poll::Ready(())
        } else {
            self.wait_for(bits);
            Poll::Pending
        }
    }

    /// Asks the thread to wait for `bits` (after an operation would block).
    pub(crate) fn wait_for(&self, bits: u8) {
        self.source.ready.fetch_and(!bits, Ordering::AcqRel);
        self.source.wanted.fetch_or(bits, Ordering::AcqRel);
    }
}

impl Drop for Registered {
    fn drop(&mut self) {
        self.reactor.deregister(&self.source);
    }
}

/// The system calls: epoll and an eventfd.
#[cfg(any(target_os = "linux", target_os = "android"))]
mod sys {
    use super::{READ, WRITE};
    use async_io::Async;
    use rustix::event::epoll::{self, CreateFlags, Event, EventData, EventFlags};
    use rustix::event::{EventfdFlags, Timespec, eventfd};
    use std::io;
    use std::net::TcpStream;
    use std::os::fd::{AsFd, AsRawFd, OwnedFd, RawFd};
    use std::time::Instant;

    /// The eventfd's key; sockets are keyed by their descriptor.
    const NOTIFY: u64 = u64::MAX;
    /// Events taken per wait.
    const EVENTS: usize = 16;

    #[derive(Debug)]
    pub(super) struct Epoll {
        epoll: OwnedFd,
        eventfd: OwnedFd,
    }

    pub(super) fn fd(stream: &Async<TcpStream>) -> RawFd {
        stream.get_ref().as_raw_fd()
    }

    fn flags(bits: u8) -> EventFlags {
        let mut f = EventFlags::empty();
        if bits & READ != 0 {
            f |= EventFlags::IN | EventFlags::RDHUP;
        }
        if bits & WRITE != 0 {
            f |= EventFlags::OUT;
        }
        f
    }

    fn key(stream: &TcpStream) -> EventData {
        EventData::new_u64(u64::from(stream.as_raw_fd().unsigned_abs()))
    }

    impl Epoll {
        pub(super) fn new() -> io::Result<Epoll> {
            let epoll = epoll::create(CreateFlags::CLOEXEC)?;
            let eventfd = eventfd(0, EventfdFlags::CLOEXEC | EventfdFlags::NONBLOCK)?;
            epoll::add(&epoll, &eventfd, EventData::new_u64(NOTIFY), EventFlags::IN)?;
            Ok(Epoll { epoll, eventfd })
        }

        pub(super) fn add(&self, stream: &TcpStream) -> io::Result<()> {
            Ok(epoll::add(
                &self.epoll,
                stream.as_fd(),
                key(stream),
                EventFlags::empty(),
            )?)
        }

        pub(super) fn modify(&self, stream: &TcpStream, bits: u8) -> io::Result<()> {
            Ok(epoll::modify(
                &self.epoll,
                stream.as_fd(),
                key(stream),
                flags(bits),
            )?)
        }

        pub(super) fn delete(&self, stream: &TcpStream) -> io::Result<()> {
            Ok(epoll::delete(&self.epoll, stream.as_fd())?)
        }

        /// Wakes a thread waiting in [`wait`](Self::wait) (or its next wait).
        pub(super) fn notify(&self) {
            // A full counter (it never fills: each wait drains it) or a
            // closed eventfd leaves nothing to do.
            let _ = rustix::io::write(&self.eventfd, &1u64.to_ne_bytes());
        }

        /// Waits until `deadline` (`None`: without limit) for readiness or a
        /// notification; reports each ready socket's descriptor and bits.
        pub(super) fn wait(
            &self,
            deadline: Option<Instant>,
            mut ready: impl FnMut(RawFd, u8),
        ) -> io::Result<()> {
            let timeout = deadline.map(|d| {
                let left = d.saturating_duration_since(Instant::now());
                Timespec {
                    tv_sec: i64::try_from(left.as_secs()).unwrap_or(i64::MAX),
                    tv_nsec: i64::from(left.subsec_nanos()),
                }
            });
            let mut events = [Event {
                flags: EventFlags::empty(),
                data: EventData::new_u64(0),
            }; EVENTS];
            let got = match epoll::wait(&self.epoll, &mut events[..], timeout.as_ref()) {
                Ok(got) => got,
                Err(rustix::io::Errno::INTR) => return Ok(()),
                Err(e) => return Err(e.into()),
            };
            for ev in &events[..got] {
                let (flags, data) = (ev.flags, ev.data);
                if data.u64() == NOTIFY {
                    let mut buf = [0u8; 8];
                    let _ = rustix::io::read(&self.eventfd, &mut buf);
                    continue;
                }
                let mut bits = 0;
                if flags.intersects(
                    EventFlags::IN | EventFlags::RDHUP | EventFlags::HUP | EventFlags::ERR,
                ) {
                    bits |= READ;
                }
                if flags.intersects(EventFlags::OUT | EventFlags::HUP | EventFlags::ERR) {
                    bits |= WRITE;
                }
                ready(RawFd::try_from(data.u64()).unwrap_or(-1), bits);
            }
            Ok(())
        }
    }
}

/// Elsewhere there is no epoll: making a reactor fails, and the driver
/// thread runs with `async_io::block_on` (see `AsyncIoRuntime::spawn`).
#[cfg(not(any(target_os = "linux", target_os = "android")))]
mod sys {
    use async_io::Async;
    use std::io;
    use std::net::TcpStream;
    use std::time::Instant;

    #[derive(Debug)]
    pub(super) enum Epoll {}

    pub(super) fn fd(_: &Async<TcpStream>) -> i64 {
        -1
    }

    impl Epoll {
        pub(super) fn new() -> io::Result<Epoll> {
            Err(io::ErrorKind::Unsupported.into())
        }
        pub(super) fn add(&self, _: &TcpStream) -> io::Result<()> {
            match *self {}
        }
        pub(super) fn modify(&self, _: &TcpStream, _: u8) -> io::Result<()> {
            match *self {}
        }
        pub(super) fn delete(&self, _: &TcpStream) -> io::Result<()> {
            match *self {}
        }
        pub(super) fn notify(&self) {
            match *self {}
        }
        pub(super) fn wait(&self, _: Option<Instant>, _: impl FnMut(i64, u8)) -> io::Result<()> {
            match *self {}
        }
    }
}

#[cfg(all(test, any(target_os = "linux", target_os = "android")))]
mod tests {
    use super::*;
    use crate::timer::AsyncIoTimer;
    use natrs_client::adapter::Timer;
    use std::future::poll_fn;
    use std::io::{Read, Write};
    use std::net::TcpListener;
    use std::sync::mpsc;
    use std::time::Duration;

    /// How long a test waits for the driver thread before failing.
    const PATIENCE: Duration = Duration::from_secs(10);

    /// Runs `future` on a new driver thread; fails unless it completes (and
    /// the thread ends) within [`PATIENCE`].
    fn on_driver_thread(future: impl Future<Output = ()> + Send + 'static) {
        let reactor = Arc::new(Reactor::new().expect("an epoll"));
        let (done_tx, done_rx) = mpsc::channel();
        std::thread::spawn(move || {
            run(reactor, future);
            let _ = done_tx.send(());
        });
        done_rx
            .recv_timeout(PATIENCE)
            .expect("the driver thread ran the future to completion");
    }

    fn socket_pair() -> (Arc<Async<TcpStream>>, TcpStream) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let ours = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (theirs, _) = listener.accept().unwrap();
        (Arc::new(Async::new(ours).unwrap()), theirs)
    }

    #[test]
    fn a_socket_that_becomes_readable_wakes_the_thread() {
        let (ours, mut theirs) = socket_pair();
        let (waiting_tx, waiting_rx) = mpsc::channel();
        let (got_tx, got_rx) = mpsc::channel();
        let writer = std::thread::spawn(move || {
            waiting_rx.recv().unwrap();
            theirs.write_all(b"hi").unwrap();
            theirs
        });
        on_driver_thread(async move {
            let reg = Registered::new(current().expect("a driver thread"), &ours).unwrap();
            let mut buf = [0u8; 8];
            let n = poll_fn(|_| match ours.get_ref().read(&mut buf) {
                Ok(n) => Poll::Ready(n),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    reg.wait_for(READ);
                    let _ = waiting_tx.send(());
                    Poll::Pending
                }
                Err(e) => panic!("read failed: {e}"),
            })
            .await;
            got_tx.send(buf[..n].to_vec()).unwrap();
        });
        assert_eq!(got_rx.recv_timeout(PATIENCE).unwrap(), b"hi");
        drop(writer.join().unwrap());
    }

    #[test]
    fn the_timer_of_a_driver_thread_fires_at_its_deadline() {
        let (done_tx, done_rx) = mpsc::channel();
        on_driver_thread(async move {
            let mut timer = AsyncIoTimer::new();
            let deadline = Instant::now() + Duration::from_millis(20);
            timer.reset(deadline);
            poll_fn(|cx| timer.poll_expired(cx)).await;
            done_tx.send(Instant::now() >= deadline).unwrap();
        });
        assert!(
            done_rx.recv_timeout(PATIENCE).unwrap(),
            "fired before its deadline"
        );
    }

    #[test]
    fn a_wake_from_another_thread_polls_the_future_again() {
        let (waker_tx, waker_rx) = mpsc::channel::<Waker>();
        let waker = std::thread::spawn(move || waker_rx.recv().unwrap().wake());
        on_driver_thread(async move {
            let mut sent = false;
            poll_fn(|cx| {
                if sent {
                    return Poll::Ready(());
                }
                sent = true;
                waker_tx.send(cx.waker().clone()).unwrap();
                Poll::Pending
            })
            .await;
        });
        waker.join().unwrap();
    }

    #[test]
    fn a_dropped_registration_leaves_the_reactor() {
        let (ours, _theirs) = socket_pair();
        let reactor = Arc::new(Reactor::new().unwrap());
        let reg = Registered::new(reactor.clone(), &ours).unwrap();
        assert_eq!(lock(&reactor.sources).len(), 1);
        drop(reg);
        assert!(lock(&reactor.sources).is_empty());
        assert_eq!(Arc::strong_count(&ours), 1, "the reactor let the socket go");
    }
}
