//! An in-memory transport: [`pipe`] makes two connected [`MemoryStream`]s,
//! what one writes the other reads. Give one end to the client through a
//! [`Dialer`](crate::Dialer) and serve the other yourself: a scripted
//! server in a test, a forwarder to a real server, an in-process broker.
//!
//! Each end is an async stream ([`futures_io::AsyncRead`] and
//! [`AsyncWrite`]) and a blocking one ([`std::io::Read`] and
//! [`Write`], which park the calling thread, also through
//! `&MemoryStream`: one thread may read while another writes), so the side
//! the application serves may be written either way. Each direction holds
//! at most [`CAPACITY`] bytes; a writer waits for the reader beyond that.

use futures_io::{AsyncRead, AsyncWrite};
use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::pin::Pin;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

/// Bytes one direction of a pipe holds before its writer waits.
pub const CAPACITY: usize = 256 * 1024;

/// Two connected in-memory streams.
pub fn pipe() -> (MemoryStream, MemoryStream) {
    let a = Arc::new(Channel::default());
    let b = Arc::new(Channel::default());
    (
        MemoryStream {
            rx: a.clone(),
            tx: b.clone(),
        },
        MemoryStream { rx: b, tx: a },
    )
}

/// One end of a [`pipe`]. Dropping it (or [`shutdown`](MemoryStream::shutdown))
/// ends the other end's reads with end of stream, once it has read what
/// was written; writing to an end whose peer was dropped fails with
/// [`io::ErrorKind::BrokenPipe`].
#[derive(Debug)]
pub struct MemoryStream {
    rx: Arc<Channel>,
    tx: Arc<Channel>,
}

/// One direction: bytes from a writer to a reader.
#[derive(Debug, Default)]
struct Channel {
    state: Mutex<Buffer>,
    /// Signalled on every change, for blocking readers and writers.
    changed: Condvar,
}

#[derive(Debug, Default)]
struct Buffer {
    data: VecDeque<u8>,
    /// The writer shut down or was dropped.
    closed: bool,
    /// The reader was dropped.
    reader_gone: bool,
    read_waker: Option<Waker>,
    write_waker: Option<Waker>,
}

impl Channel {
    fn lock(&self) -> MutexGuard<'_, Buffer> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Wakes whoever waits on this direction.
    fn wake(&self, buf: &mut Buffer) {
        if let Some(w) = buf.read_waker.take() {
            w.wake();
        }
        if let Some(w) = buf.write_waker.take() {
            w.wake();
        }
        self.changed.notify_all();
    }

    /// Takes what there is into `out`: `Some(n)` (0 at end of stream), or
    /// `None` when there is nothing yet.
    fn take(&self, buf: &mut Buffer, out: &mut [u8]) -> Option<usize> {
        if out.is_empty() {
            return Some(0);
        }
        if buf.data.is_empty() {
            return buf.closed.then_some(0);
        }
        let n = out.len().min(buf.data.len());
        for (dst, src) in out.iter_mut().zip(buf.data.drain(..n)) {
            *dst = src;
        }
        self.wake(buf);
        Some(n)
    }

    /// Adds what fits of `bytes`: `Some(n)`, `None` when full, or an error
    /// when nobody will read.
    fn put(&self, buf: &mut Buffer, bytes: &[u8]) -> io::Result<Option<usize>> {
        if buf.reader_gone || buf.closed {
            return Err(io::ErrorKind::BrokenPipe.into());
        }
        if bytes.is_empty() {
            return Ok(Some(0));
        }
        let room = CAPACITY - buf.data.len();
        if room == 0 {
            return Ok(None);
        }
        let n = room.min(bytes.len());
        buf.data.extend(&bytes[..n]);
        self.wake(buf);
        Ok(Some(n))
    }
}

impl MemoryStream {
    /// Ends this end's writing: the peer reads what was written, then end
    /// of stream.
    pub fn shutdown(&self) {
        let mut buf = self.tx.lock();
        buf.closed = true;
        self.tx.wake(&mut buf);
    }
}

impl Drop for MemoryStream {
    fn drop(&mut self) {
        self.shutdown();
        let mut buf = self.rx.lock();
        buf.reader_gone = true;
        self.rx.wake(&mut buf);
    }
}

impl AsyncRead for MemoryStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        out: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let mut buf = self.rx.lock();
        match self.rx.take(&mut buf, out) {
            Some(n) => Poll::Ready(Ok(n)),
            None => {
                buf.read_waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

impl AsyncWrite for MemoryStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bytes: &[u8],
    ) -> Poll<io::Result<usize>> {
        let mut buf = self.tx.lock();
        match self.tx.put(&mut buf, bytes)? {
            Some(n) => Poll::Ready(Ok(n)),
            None => {
                buf.write_waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.shutdown();
        Poll::Ready(Ok(()))
    }
}

impl Read for &MemoryStream {
    /// Waits until there is something to read or the writer is done.
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let mut buf = self.rx.lock();
        loop {
            if let Some(n) = self.rx.take(&mut buf, out) {
                return Ok(n);
            }
            buf = self.rx.changed.wait(buf).unwrap_or_else(|e| e.into_inner());
        }
    }
}

impl Write for &MemoryStream {
    /// Waits while the direction is full.
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        let mut buf = self.tx.lock();
        loop {
            if let Some(n) = self.tx.put(&mut buf, bytes)? {
                return Ok(n);
            }
            buf = self.tx.changed.wait(buf).unwrap_or_else(|e| e.into_inner());
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Read for MemoryStream {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        (&*self).read(out)
    }
}

impl Write for MemoryStream {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        (&*self).write(bytes)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_cross_and_end_of_stream_follows_them() {
        let (mut a, mut b) = pipe();
        a.write_all(b"hello").unwrap();
        a.shutdown();
        let mut got = Vec::new();
        b.read_to_end(&mut got).unwrap();
        assert_eq!(got, b"hello");
        // Writing towards an end that was dropped fails.
        b.write_all(b"back").unwrap();
        drop(a);
        let e = b.write(b"x").unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::BrokenPipe);
    }

    #[test]
    fn a_full_direction_makes_the_writer_wait_for_the_reader() {
        let (mut a, mut b) = pipe();
        let big = vec![7u8; CAPACITY + 1000];
        let writer = std::thread::spawn(move || {
            a.write_all(&big).unwrap();
            a
        });
        let mut got = vec![0u8; CAPACITY + 1000];
        b.read_exact(&mut got).unwrap();
        assert!(got.iter().all(|&x| x == 7));
        drop(writer.join().unwrap());
        assert_eq!(b.read(&mut [0u8; 4]).unwrap(), 0);
    }
}
