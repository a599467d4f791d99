//! The two halves of a put that do not talk to the server themselves: the
//! source of the chunks (a reader or bytes in memory) and the window of
//! chunk publishes waiting for their acks.

use crate::error::Error;
use crate::publish::PubAckFuture;
use crate::transport::Transport;
use bytes::{Bytes, BytesMut};
use futures_io::AsyncRead;
use std::collections::VecDeque;
use std::future::{Future, poll_fn};
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Bytes of chunk publishes one put may have waiting for their acks: each
/// is kept until its ack, to be sent again after a 503 (see
/// [`JetStreamOptions::publish_async_retry`](crate::JetStreamOptions::publish_async_retry)).
const PUT_WINDOW_BYTES: usize = 16 * 1024 * 1024;
/// The most chunk publishes of one put waiting for their acks, whatever
/// their size.
const PUT_WINDOW_MAX: usize = 128;

/// How many chunk publishes of `chunk_size` bytes a put may have waiting
/// for their acks; with this many outstanding it waits for the oldest
/// before publishing the next chunk. As many as [`PUT_WINDOW_BYTES`] hold,
/// but at least 2 (one sent while the next is read and hashed) and at most
/// [`PUT_WINDOW_MAX`]. The default chunk size (128 KiB) gets the most; the
/// README's object store section has what this did to `obj_put` against a
/// window of 32 chunks.
pub(crate) fn put_window(chunk_size: usize) -> usize {
    (PUT_WINDOW_BYTES / chunk_size.max(1)).clamp(2, PUT_WINDOW_MAX)
}

/// A reader that is always at its end, for puts from memory.
#[derive(Debug)]
pub(crate) struct NoReader;

impl AsyncRead for NoReader {
    fn poll_read(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        _buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        Poll::Ready(Ok(0))
    }
}

/// Where the bytes of a put come from.
pub(crate) enum Source<R> {
    /// A reader; chunks are filled up to the chunk size.
    Reader {
        /// The reader.
        reader: R,
        /// The chunk being filled.
        buf: BytesMut,
    },
    /// Bytes in memory, sliced without copying.
    Bytes(Bytes),
}

impl<R: AsyncRead + Unpin> Source<R> {
    /// The next chunk of at most `size` bytes (`size` unless the data ends),
    /// or `None` at the end.
    pub(crate) async fn next_chunk(&mut self, size: usize) -> io::Result<Option<Bytes>> {
        match self {
            Source::Bytes(b) if b.is_empty() => Ok(None),
            Source::Bytes(b) => Ok(Some(b.split_to(size.min(b.len())))),
            Source::Reader { reader, buf } => {
                buf.clear();
                buf.resize(size, 0);
                let mut filled = 0;
                while filled < size {
                    let read =
                        poll_fn(|cx| Pin::new(&mut *reader).poll_read(cx, &mut buf[filled..]))
                            .await;
                    match read {
                        Ok(0) => break,
                        Ok(n) => filled += n.min(size - filled),
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        Err(e) => return Err(e),
                    }
                }
                if filled == 0 {
                    return Ok(None);
                }
                buf.truncate(filled);
                Ok(Some(buf.split().freeze()))
            }
        }
    }
}

/// The acks of a put's chunk publishes, oldest first.
pub(crate) struct Acks<T: Transport> {
    pending: VecDeque<PubAckFuture<T>>,
    /// At most this many wait (see [`put_window`]).
    window: usize,
}

/// Polls `fut` once: its output if it is done.
async fn poll_once<F: Future + Unpin>(fut: &mut F) -> Option<F::Output> {
    poll_fn(|cx| match Pin::new(&mut *fut).poll(cx) {
        Poll::Ready(v) => Poll::Ready(Some(v)),
        Poll::Pending => Poll::Ready(None),
    })
    .await
}

impl<T: Transport> Acks<T> {
    /// The acks of a put of chunks of `chunk_size` bytes.
    pub(crate) fn new(chunk_size: usize) -> Acks<T> {
        Acks {
            pending: VecDeque::new(),
            window: put_window(chunk_size),
        }
    }

    /// Adds a publish; takes the acks that already came, and waits for the
    /// oldest while the window is full. The first failure is returned.
    pub(crate) async fn push(&mut self, ack: PubAckFuture<T>) -> Result<(), Error> {
        self.pending.push_back(ack);
        loop {
            let full = self.pending.len() >= self.window;
            let Some(front) = self.pending.front_mut() else {
                break;
            };
            let done = if full {
                Some(front.await)
            } else {
                poll_once(front).await
            };
            match done {
                Some(r) => {
                    self.pending.pop_front();
                    r?;
                }
                None => break,
            }
        }
        Ok(())
    }

    /// Waits for every ack; the first failure is returned (the rest are
    /// still waited for).
    pub(crate) async fn finish(&mut self) -> Result<(), Error> {
        let mut first = Ok(());
        while let Some(ack) = self.pending.pop_front() {
            if let Err(e) = ack.await {
                if first.is_ok() {
                    first = Err(e);
                }
            }
        }
        first
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_holds_16_mib_of_chunks_between_2_and_128() {
        assert_eq!(put_window(128 * 1024), 128);
        assert_eq!(put_window(1), 128);
        assert_eq!(put_window(0), 128);
        assert_eq!(put_window(1024 * 1024), 16);
        assert_eq!(put_window(3 * 1024 * 1024), 5);
        assert_eq!(put_window(64 * 1024 * 1024), 2);
        assert_eq!(put_window(usize::MAX), 2);
    }

    /// Hands out its data a few bytes per read, with an interruption.
    struct Trickle {
        data: Vec<u8>,
        at: usize,
        interrupted: bool,
    }

    impl AsyncRead for Trickle {
        fn poll_read(
            mut self: Pin<&mut Self>,
            _cx: &mut Context<'_>,
            buf: &mut [u8],
        ) -> Poll<io::Result<usize>> {
            if !self.interrupted {
                self.interrupted = true;
                return Poll::Ready(Err(io::ErrorKind::Interrupted.into()));
            }
            let n = buf.len().min(3).min(self.data.len() - self.at);
            buf[..n].copy_from_slice(&self.data[self.at..self.at + n]);
            self.at += n;
            Poll::Ready(Ok(n))
        }
    }

    fn chunks<R: AsyncRead + Unpin>(mut s: Source<R>, size: usize) -> Vec<Bytes> {
        natrs_client::adapter::block_on(async {
            let mut out = Vec::new();
            while let Some(c) = s.next_chunk(size).await.unwrap() {
                out.push(c);
            }
            out
        })
    }

    #[test]
    fn chunks_are_filled_to_size() {
        let data: Vec<u8> = (0..20).collect();
        let reader = Trickle {
            data: data.clone(),
            at: 0,
            interrupted: false,
        };
        let got = chunks(
            Source::Reader {
                reader,
                buf: BytesMut::new(),
            },
            8,
        );
        let lens: Vec<usize> = got.iter().map(Bytes::len).collect();
        assert_eq!(lens, [8, 8, 4]);
        assert_eq!(got.concat(), data);
        let got = chunks(Source::<NoReader>::Bytes(Bytes::from(data.clone())), 7);
        let lens: Vec<usize> = got.iter().map(Bytes::len).collect();
        assert_eq!(lens, [7, 7, 6]);
        assert!(chunks(Source::<NoReader>::Bytes(Bytes::new()), 7).is_empty());
        assert!(
            chunks(
                Source::Reader {
                    reader: NoReader,
                    buf: BytesMut::new()
                },
                7
            )
            .is_empty()
        );
    }
}
