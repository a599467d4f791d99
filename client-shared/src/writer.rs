//! The write side of a connection, shared by the driver and the handles: the
//! bytes taken from the core, and (on a plain TCP transport) a handle that
//! writes them from any thread without waiting.
//!
//! The driver writes from it whenever it runs. A task whose bytes should leave
//! at once writes them itself when nobody else holds the write side: after a
//! request or a flush, and after a publish that is the first since its thread
//! waited for a message, a reply or a flush (most likely a lone reply rather
//! than one of a burst). That spares the driver a wake-up, which costs a
//! thread hand-off when the driver runs on a thread of its own.
//!
//! A burst of small messages is written by its publisher too, every 64 KiB,
//! while the bytes it just copied are in its CPU's cache; the driver leaves
//! the burst's bytes alone for a millisecond (a deferral, with its end kept
//! here) and then writes the tail. Other publishes in a burst wake the driver
//! only when the core's buffer goes from empty to non-empty and leave the
//! writing to it, so it writes them in batches while the publisher goes on.
//!
//! Writing inline never replaces a wake-up the driver needs: the task wakes
//! it anyway when something is left to write, when the core has a transport
//! command or closed, when the core's next deadline is earlier than the
//! one the driver's timer is armed for, and when the driver came to write
//! while the task held the write side (the bytes that woke it may have been
//! queued after the task's last take). What a burst's publisher leaves
//! behind waits at most until the deferral ends: the publisher wakes the
//! driver when its timer is armed for later than that.

use crate::slot::lock;
use bytes::Buf;
use natrs_core::proto::WriteBuffer;
use std::cell::Cell;
use std::io::{self, IoSlice};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering, fence};
use std::sync::{Arc, Mutex, MutexGuard, TryLockError};

/// IO slices per vectored write.
pub(crate) const MAX_SLICES: usize = 64;

/// Writes to a connection without waiting, from any thread: what a plain TCP
/// transport lends the write side so that tasks can write inline.
pub trait InlineWrite: Send + Sync + 'static {
    /// Writes from `bufs` without blocking, returning how many bytes the
    /// socket took; `ErrorKind::WouldBlock` when it takes none now.
    fn try_write_vectored(&self, bufs: &[IoSlice<'_>]) -> io::Result<usize>;
}

/// What the holder of the write side has.
#[derive(Default)]
pub(crate) struct WriteSide {
    /// Bytes taken from the core, not yet written.
    pub(crate) wbuf: WriteBuffer,
    /// The current transport's inline writer, if it lends one.
    inline: Option<Arc<dyn InlineWrite>>,
    /// Why an inline write failed, for the driver to report.
    pub(crate) error: Option<io::Error>,
}

/// The write side behind its lock, with the deadline the driver's timer is
/// armed for.
pub(crate) struct Writer {
    side: Mutex<WriteSide>,
    /// The core instant (in nanoseconds) the driver's timer is armed for;
    /// `u64::MAX` when it is not armed.
    armed: AtomicU64,
    /// Set by the driver when it found the write side held by a task.
    missed: AtomicBool,
    /// Until when (core nanoseconds) the driver leaves the core's bytes to
    /// the task publishing a burst; 0 when it does not.
    deferred: AtomicU64,
    /// Whether the transport lends an inline writer: only then are bursts
    /// left to their publishers.
    lent: AtomicBool,
}

impl Writer {
    pub(crate) fn new() -> Writer {
        Writer {
            side: Mutex::default(),
            armed: AtomicU64::new(u64::MAX),
            missed: AtomicBool::new(false),
            deferred: AtomicU64::new(0),
            lent: AtomicBool::new(false),
        }
    }

    /// The write side, waiting for its holder (who never blocks on IO).
    pub(crate) fn lock(&self) -> MutexGuard<'_, WriteSide> {
        lock(&self.side)
    }

    /// The write side if nobody holds it.
    fn try_lock(&self) -> Option<MutexGuard<'_, WriteSide>> {
        match self.side.try_lock() {
            Ok(side) => Some(side),
            Err(TryLockError::Poisoned(p)) => Some(p.into_inner()),
            Err(TryLockError::WouldBlock) => None,
        }
    }

    /// The write side for the driver, unless a task holds it (writing
    /// inline). Then the task learns, once it let go, that the driver came
    /// (see [`with_inline`](Writer::with_inline)) and wakes it again.
    pub(crate) fn for_driver(&self) -> Option<MutexGuard<'_, WriteSide>> {
        if let Some(side) = self.try_lock() {
            return Some(side);
        }
        self.missed.store(true, Ordering::Relaxed);
        // Pairs with the fence in `with_inline`: either this second try
        // sees the side released, or the task sees `missed` after it let go.
        fence(Ordering::SeqCst);
        self.try_lock()
    }

    /// Runs `write` on the write side if nobody holds it, for a task writing
    /// inline. Returns what `write` returned and whether the driver came to
    /// write meanwhile (the task must then wake it); `None` if the side was
    /// taken.
    pub(crate) fn with_inline<R>(
        &self,
        write: impl FnOnce(&mut WriteSide) -> R,
    ) -> Option<(R, bool)> {
        let r = write(&mut *self.try_lock()?);
        fence(Ordering::SeqCst);
        let missed = self.missed.swap(false, Ordering::Relaxed);
        Some((r, missed))
    }

    /// Points the write side at a new transport's inline writer (or at
    /// nothing), dropping what was left for the previous one.
    pub(crate) fn set_transport(&self, inline: Option<Arc<dyn InlineWrite>>) {
        let mut side = self.lock();
        side.wbuf.clear();
        side.error = None;
        self.lent.store(inline.is_some(), Ordering::Release);
        self.deferred.store(0, Ordering::Release);
        side.inline = inline;
    }

    /// Takes the write side's bytes and detaches the inline writer, so that
    /// only the caller (the driver, closing) writes from now on.
    pub(crate) fn detach(&self) -> WriteBuffer {
        let mut side = self.lock();
        side.inline = None;
        side.error = None;
        self.lent.store(false, Ordering::Release);
        self.deferred.store(0, Ordering::Release);
        std::mem::take(&mut side.wbuf)
    }

    /// Records the core instant the driver's timer is armed for. The driver
    /// then looks at [`deferred_until`](Writer::deferred_until) again: a
    /// publisher deferring meanwhile either sees this deadline or is seen.
    pub(crate) fn set_armed(&self, nanos: Option<u64>) {
        self.armed
            .store(nanos.unwrap_or(u64::MAX), Ordering::Release);
        fence(Ordering::SeqCst);
    }

    /// Whether publishers write their bursts themselves: the transport lends
    /// an inline writer.
    pub(crate) fn bursts_inline(&self) -> bool {
        self.lent.load(Ordering::Acquire)
    }

    /// Leaves the core's bytes to the publishing task until `at` (core
    /// nanoseconds, not 0), unless an earlier deferral stands. Returns
    /// whether the driver must be woken to arm its timer for it.
    pub(crate) fn defer(&self, at: u64) -> bool {
        let until = match self
            .deferred
            .compare_exchange(0, at, Ordering::AcqRel, Ordering::Acquire)
        {
            Ok(_) => at,
            Err(earlier) => earlier,
        };
        // Pairs with the fence in `set_armed`.
        fence(Ordering::SeqCst);
        self.armed_after(until)
    }

    /// Ends a deferral: the driver takes the core's bytes whenever it runs.
    pub(crate) fn undefer(&self) {
        self.deferred.store(0, Ordering::Release);
    }

    /// When the standing deferral ends, if one stands.
    pub(crate) fn deferred_until(&self) -> Option<u64> {
        match self.deferred.load(Ordering::Acquire) {
            0 => None,
            until => Some(until),
        }
    }

    /// Whether the driver may take the core's bytes now (`now` is read only
    /// while a deferral stands); a deferral that ran out ends here.
    pub(crate) fn may_take(&self, now: impl FnOnce() -> u64) -> bool {
        let until = self.deferred.load(Ordering::Acquire);
        if until == 0 {
            return true;
        }
        if now() < until {
            return false;
        }
        let _ = self
            .deferred
            .compare_exchange(until, 0, Ordering::AcqRel, Ordering::Acquire);
        true
    }

    /// Whether the driver's timer fires later than `nanos`.
    pub(crate) fn armed_after(&self, nanos: u64) -> bool {
        nanos < self.armed.load(Ordering::Acquire)
    }
}

/// How an inline write ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Inline {
    /// Everything `take` handed out was written.
    Written,
    /// Nothing was written: the write side is busy or the transport lends no
    /// inline writer.
    Unavailable,
    /// Bytes are left (the socket is full) or the write failed: the driver
    /// must take over.
    Left,
}

impl WriteSide {
    /// Writes what is buffered and what `take` hands out (bytes from the
    /// core) until nothing is left, the socket is full or it fails.
    pub(crate) fn write_inline(
        &mut self,
        mut take: impl FnMut(&mut WriteBuffer) -> bool,
    ) -> Inline {
        let Some(inline) = self.inline.clone() else {
            return Inline::Unavailable;
        };
        if self.error.is_some() {
            return Inline::Left;
        }
        loop {
            if self.wbuf.is_empty() && !take(&mut self.wbuf) {
                return Inline::Written;
            }
            let mut slices = [IoSlice::new(&[]); MAX_SLICES];
            let n = self.wbuf.chunks_vectored(&mut slices);
            match inline.try_write_vectored(&slices[..n]) {
                Ok(0) => {
                    self.error = Some(io::Error::new(
                        io::ErrorKind::WriteZero,
                        "socket took no bytes",
                    ));
                    return Inline::Left;
                }
                Ok(n) => self.wbuf.advance(n),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Inline::Left,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    self.error = Some(e);
                    return Inline::Left;
                }
            }
        }
    }
}

thread_local! {
    /// How many times a natrs future or stream returned `Pending` on this
    /// thread.
    static WAITS: Cell<u64> = const { Cell::new(0) };
    /// [`WAITS`] at this thread's last publish that woke the driver
    /// (`u64::MAX`: none yet).
    static WAITS_AT_PUBLISH: Cell<u64> = const { Cell::new(u64::MAX) };
}

/// Notes that a natrs future or stream is about to return `Pending` on this
/// thread (a task waits for a message, a reply or a flush).
pub(crate) fn note_wait() {
    let _ = WAITS.try_with(|w| w.set(w.get().wrapping_add(1)));
}

/// Whether a publish that would wake the driver is the first since its
/// thread waited (or ever): then it is likely alone (a reply) and worth
/// writing at once; otherwise it belongs to a burst, which the driver writes
/// in batches.
pub(crate) fn isolated_publish() -> bool {
    let waits = WAITS.try_with(Cell::get).unwrap_or(0);
    WAITS_AT_PUBLISH
        .try_with(|p| p.replace(waits) != waits)
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use std::sync::Mutex as StdMutex;

    /// Takes at most `room` bytes per call, then reports a full socket.
    struct Sink {
        taken: StdMutex<Vec<u8>>,
        room: usize,
        fail: bool,
    }

    impl InlineWrite for Sink {
        fn try_write_vectored(&self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
            if self.fail {
                return Err(io::Error::new(io::ErrorKind::BrokenPipe, "gone"));
            }
            let mut taken = self.taken.lock().unwrap();
            let room = self.room - taken.len();
            if room == 0 {
                return Err(io::ErrorKind::WouldBlock.into());
            }
            let mut n = 0;
            for b in bufs {
                let k = b.len().min(room - n);
                taken.extend_from_slice(&b[..k]);
                n += k;
            }
            Ok(n)
        }
    }

    fn sink(room: usize, fail: bool) -> Arc<Sink> {
        Arc::new(Sink {
            taken: StdMutex::default(),
            room,
            fail,
        })
    }

    fn source(chunks: &[&'static [u8]]) -> impl FnMut(&mut WriteBuffer) -> bool {
        let mut chunks: Vec<_> = chunks.iter().rev().copied().collect();
        move |dst| match chunks.pop() {
            Some(c) => {
                dst.push_bytes(Bytes::from_static(c));
                true
            }
            None => false,
        }
    }

    #[test]
    fn without_an_inline_writer_nothing_is_taken() {
        let mut side = WriteSide::default();
        let mut asked = false;
        let r = side.write_inline(|_| {
            asked = true;
            false
        });
        assert_eq!(r, Inline::Unavailable);
        assert!(!asked);
    }

    #[test]
    fn writes_everything_the_core_hands_out() {
        let sink = sink(1024, false);
        let writer = Writer::new();
        writer.set_transport(Some(sink.clone()));
        let r = writer
            .lock()
            .write_inline(source(&[b"PUB a 1\r\n", b"x\r\n"]));
        assert_eq!(r, Inline::Written);
        assert_eq!(sink.taken.lock().unwrap().as_slice(), b"PUB a 1\r\nx\r\n");
    }

    #[test]
    fn a_driver_that_came_while_a_task_wrote_is_woken_again() {
        let sink = sink(1024, false);
        let writer = Writer::new();
        writer.set_transport(Some(sink));
        let (r, missed) = writer
            .with_inline(|side| side.write_inline(source(&[b"PING\r\n"])))
            .unwrap();
        assert_eq!((r, missed), (Inline::Written, false));
        let (found, missed) = writer
            .with_inline(|_| writer.for_driver().is_some())
            .unwrap();
        assert!(!found, "the driver does not get the side a task holds");
        assert!(missed, "the task learns that the driver came");
        let (_, missed) = writer.with_inline(|_| ()).unwrap();
        assert!(!missed, "and learns it once");
        assert!(writer.for_driver().is_some());
    }

    #[test]
    fn a_deferred_burst_waits_for_its_deadline() {
        let writer = Writer::new();
        assert!(writer.may_take(|| 5), "nothing deferred");
        assert!(
            writer.defer(100),
            "the driver's timer is not armed: wake it"
        );
        assert!(writer.defer(200), "still not armed: wake it");
        assert_eq!(
            writer.deferred_until(),
            Some(100),
            "the earlier deferral stands"
        );
        writer.set_armed(Some(100));
        assert!(!writer.defer(150), "the driver's timer fires in time");
        assert!(!writer.may_take(|| 99));
        assert!(writer.may_take(|| 100), "the deferral ran out");
        assert_eq!(writer.deferred_until(), None);
        writer.set_armed(Some(500));
        assert!(
            writer.defer(300),
            "the driver's timer fires too late: wake it"
        );
        writer.undefer();
        assert!(writer.may_take(|| 0));
    }

    #[test]
    fn a_full_socket_leaves_the_rest_for_the_driver() {
        let sink = sink(4, false);
        let writer = Writer::new();
        writer.set_transport(Some(sink.clone()));
        let mut side = writer.lock();
        assert_eq!(side.write_inline(source(&[b"PING\r\n"])), Inline::Left);
        assert_eq!(side.wbuf.remaining(), 2);
        assert!(side.error.is_none());
    }

    #[test]
    fn a_failed_write_is_kept_for_the_driver() {
        let sink = sink(4, true);
        let writer = Writer::new();
        writer.set_transport(Some(sink));
        let mut side = writer.lock();
        assert_eq!(side.write_inline(source(&[b"PING\r\n"])), Inline::Left);
        assert!(side.error.is_some());
        drop(side);
        writer.set_transport(None);
        assert!(writer.lock().error.is_none());
    }

    #[test]
    fn only_the_first_publish_after_a_wait_is_isolated() {
        std::thread::spawn(|| {
            assert!(isolated_publish());
            assert!(!isolated_publish());
            note_wait();
            assert!(isolated_publish());
            assert!(!isolated_publish());
        })
        .join()
        .unwrap();
    }
}
