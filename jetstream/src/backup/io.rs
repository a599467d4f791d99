//! `std::io` readers and writers as `futures_io` ones, for the folder API
//! and the blocking facade.

use futures_io::{AsyncRead, AsyncWrite};
use std::io::{Read, Write};
use std::pin::Pin;
use std::task::{Context, Poll};

/// A `std::io` reader or writer used as a `futures_io` one: every poll does
/// its IO at once, blocking the caller for as long as it takes. Meant for
/// files (the folder API writes its chunks through it) and for the
/// blocking facade; an async program with a slow sink should pass an async
/// writer of its own.
#[derive(Debug)]
pub struct BlockingIo<T>(pub T);

impl<W: Write + Unpin> AsyncWrite for BlockingIo<W> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Poll::Ready(self.0.write(buf))
    }

    fn poll_flush(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(self.0.flush())
    }

    fn poll_close(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(self.0.flush())
    }
}

impl<R: Read + Unpin> AsyncRead for BlockingIo<R> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<std::io::Result<usize>> {
        Poll::Ready(self.0.read(buf))
    }
}
