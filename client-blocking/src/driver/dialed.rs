//! A stream a [`Dialer`](natrs_client::Dialer) opened, used from threads:
//! blocking reads and writes over its non-blocking (`futures-io`) methods,
//! each call parking its thread in natrs-client's `block_on` until the
//! stream is ready, a deadline passes, or the link is shut down.
//!
//! The stream sits behind a mutex that is held only while it is polled
//! (never while a thread waits), so the reader thread blocked in a read does
//! not stop a writer, nor the other way round: like a `TcpStream` shared by
//! the two. This relies on the stream keeping its read and write wakers
//! apart, as `futures-io` streams do (async-io's, tokio's through `compat`,
//! natrs-client's in-memory pipe).

use super::link::lock;
use natrs_client::DialedStream;
use natrs_client::adapter::block_on_until;
use std::future::poll_fn;
use std::io::{self, IoSlice};
use std::pin::{Pin, pin};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, Waker};
use std::time::Instant;

/// A dialed stream shared by a link's reader and writers.
pub(crate) struct Dialed {
    stream: Mutex<Box<dyn DialedStream>>,
    /// Set by [`shutdown`](Dialed::shutdown): every call fails from then on.
    shut: AtomicBool,
    /// The wakers of the threads waiting in a read and in a write, so that
    /// a shutdown wakes them.
    waiting: Mutex<[Option<Waker>; 2]>,
}

impl std::fmt::Debug for Dialed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Dialed")
    }
}

/// Which side a waiting thread is on.
#[derive(Clone, Copy)]
enum Side {
    Read = 0,
    Write = 1,
}

impl Dialed {
    /// Wraps a stream a dialer opened.
    pub(crate) fn new(stream: Box<dyn DialedStream>) -> Dialed {
        Dialed {
            stream: Mutex::new(stream),
            shut: AtomicBool::new(false),
            waiting: Mutex::new([None, None]),
        }
    }

    /// Polls `op` on the stream until it is ready, the stream is shut down,
    /// or `deadline` passes (an [`io::ErrorKind::TimedOut`] error, which the
    /// writer takes for "not now", as a socket's write timeout).
    fn wait<T>(
        &self,
        side: Side,
        deadline: Option<Instant>,
        mut op: impl FnMut(Pin<&mut dyn DialedStream>, &mut Context<'_>) -> Poll<io::Result<T>>,
    ) -> io::Result<T> {
        let fut = poll_fn(|cx| {
            // Registered before the flag is looked at: a shutdown after the
            // look finds the waker.
            lock(&self.waiting)[side as usize] = Some(cx.waker().clone());
            if self.shut.load(Ordering::SeqCst) {
                return Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::ConnectionAborted,
                    "the connection was shut down",
                )));
            }
            let mut stream = lock(&self.stream);
            op(Pin::new(&mut **stream), cx)
        });
        let result = block_on_until(pin!(fut), deadline);
        lock(&self.waiting)[side as usize] = None;
        result.unwrap_or_else(|| Err(io::ErrorKind::TimedOut.into()))
    }

    /// Reads into `buf`, waiting until `deadline` (`None`: without limit).
    /// `Ok(0)` means the peer closed.
    pub(crate) fn read(&self, buf: &mut [u8], deadline: Option<Instant>) -> io::Result<usize> {
        self.wait(Side::Read, deadline, |s, cx| s.poll_read(cx, buf))
    }

    /// Writes some of `bufs`, waiting until `deadline`, then flushes what
    /// the stream may hold back (within the same deadline; a flush that does
    /// not finish in time is taken up again by the next write).
    pub(crate) fn write_vectored(
        &self,
        bufs: &[IoSlice<'_>],
        deadline: Option<Instant>,
    ) -> io::Result<usize> {
        let n = self.wait(Side::Write, deadline, |s, cx| {
            s.poll_write_vectored(cx, bufs)
        })?;
        match self.wait(Side::Write, deadline, |s, cx| s.poll_flush(cx)) {
            Err(e) if e.kind() != io::ErrorKind::TimedOut => Err(e),
            _ => Ok(n),
        }
    }

    /// Shuts the stream down: threads waiting in a read or write return at
    /// once with an error, and the stream is closed (one poll, best
    /// effort), so the peer sees the end.
    pub(crate) fn shutdown(&self) {
        self.shut.store(true, Ordering::SeqCst);
        for waker in lock(&self.waiting).iter_mut().filter_map(Option::take) {
            waker.wake();
        }
        let mut cx = Context::from_waker(Waker::noop());
        let mut stream = lock(&self.stream);
        let _ = Pin::new(&mut **stream).poll_close(&mut cx);
    }
}

/// A [`Dialed`] as a blocking [`io::Read`] + [`io::Write`] whose calls give
/// up at one deadline (for the TLS handshake).
pub(crate) struct DialedIo<'a> {
    pub(crate) dialed: &'a Dialed,
    /// `None`: without limit.
    pub(crate) deadline: Option<Instant>,
}

impl io::Read for DialedIo<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.dialed.read(buf, self.deadline)
    }
}

impl io::Write for DialedIo<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.dialed
            .write_vectored(&[IoSlice::new(buf)], self.deadline)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
