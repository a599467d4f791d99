//! [`AsyncIoTransport`]: TCP through the async-io reactor, with or without
//! TLS (futures-rustls).

use async_io::Async;
use bytes::BytesMut;
use futures_lite::io::{AsyncRead, AsyncWrite};
use futures_rustls::client::TlsStream;
use natrs_client::Transport;
use rustix::io::Errno;
use rustix::net::RecvFlags;
use std::io::{self, IoSlice};
use std::net::{Shutdown, TcpStream};
use std::pin::Pin;
use std::task::{Context, Poll, ready};

/// Room made in the read buffer when the caller left none.
const MIN_READ: usize = 4 * 1024;
/// The most a TLS read is offered. Reads into a TLS stream need initialized
/// memory, so this much is zeroed per read; TLS records carry at most 16 KiB
/// of plaintext, so a larger window would only zero memory rustls rarely fills.
const TLS_READ_WINDOW: usize = 16 * 1024;

/// A TCP connection registered with the async-io reactor, plain or with TLS.
#[derive(Debug)]
#[non_exhaustive]
pub enum AsyncIoTransport {
    /// Plain TCP.
    Plain(Async<TcpStream>),
    /// TLS over TCP.
    Tls(Box<TlsStream<Async<TcpStream>>>),
}

impl AsyncIoTransport {
    /// The TCP socket under the transport.
    pub fn tcp(&self) -> &Async<TcpStream> {
        match self {
            AsyncIoTransport::Plain(s) => s,
            AsyncIoTransport::Tls(s) => s.get_ref().0,
        }
    }
}

/// Connects to the first address of `host:port` that accepts, with
/// `TCP_NODELAY` set. Host names are resolved off the calling thread
/// (async-net's resolver); IP literals are used as they are.
pub(crate) async fn connect_tcp(host: &str, port: u16) -> io::Result<Async<TcpStream>> {
    let addrs = async_net::resolve((host, port)).await?;
    let mut last_error = None;
    for addr in addrs {
        match Async::<TcpStream>::connect(addr).await {
            Ok(stream) => {
                stream.get_ref().set_nodelay(true)?;
                return Ok(stream);
            }
            Err(e) => last_error = Some(e),
        }
    }
    Err(last_error.unwrap_or_else(|| {
        io::Error::new(
            io::ErrorKind::NotFound,
            format!("{host}: no address to connect to"),
        )
    }))
}

/// Reads from the socket straight into the spare capacity of `buf`: `recv`
/// writes into uninitialized memory, so nothing is zeroed first.
fn poll_recv(
    stream: &Async<TcpStream>,
    cx: &mut Context<'_>,
    buf: &mut BytesMut,
) -> Poll<io::Result<usize>> {
    if buf.capacity() == buf.len() {
        buf.reserve(MIN_READ);
    }
    loop {
        let len = buf.len();
        match rustix::net::recv(
            stream.get_ref(),
            buf.spare_capacity_mut(),
            RecvFlags::empty(),
        ) {
            Ok(((filled, _), _)) => {
                let n = filled.len();
                // SAFETY: `recv` initialized the first `n` bytes of the spare
                // capacity (rustix hands back exactly the part it filled), so
                // the buffer's first `len + n` bytes are initialized.
                unsafe { buf.set_len(len + n) };
                return Poll::Ready(Ok(n));
            }
            Err(Errno::INTR) => continue,
            Err(e) if e == Errno::WOULDBLOCK || e == Errno::AGAIN => {}
            Err(e) => return Poll::Ready(Err(e.into())),
        }
        ready!(stream.poll_readable(cx))?;
    }
}

/// Reads through an [`AsyncRead`] (which needs initialized memory) into at
/// most `window` bytes of `buf`'s spare room, zeroing only that window.
fn poll_read_window<R: AsyncRead + Unpin>(
    reader: &mut R,
    cx: &mut Context<'_>,
    buf: &mut BytesMut,
    window: usize,
) -> Poll<io::Result<usize>> {
    let len = buf.len();
    let room = (buf.capacity() - len).max(MIN_READ).min(window);
    buf.resize(len + room, 0);
    let r = Pin::new(reader).poll_read(cx, &mut buf[len..]);
    let n = match &r {
        Poll::Ready(Ok(n)) => (*n).min(room),
        _ => 0,
    };
    buf.truncate(len + n);
    r
}

impl Transport for AsyncIoTransport {
    fn poll_read_buf(
        &mut self,
        cx: &mut Context<'_>,
        buf: &mut BytesMut,
    ) -> Poll<io::Result<usize>> {
        match self {
            AsyncIoTransport::Plain(s) => poll_recv(s, cx, buf),
            AsyncIoTransport::Tls(s) => poll_read_window(s.as_mut(), cx, buf, TLS_READ_WINDOW),
        }
    }

    fn poll_write_vectored(
        &mut self,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self {
            AsyncIoTransport::Plain(s) => Pin::new(s).poll_write_vectored(cx, bufs),
            AsyncIoTransport::Tls(s) => Pin::new(s.as_mut()).poll_write_vectored(cx, bufs),
        }
    }

    fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self {
            // Nothing is buffered above a plain socket.
            AsyncIoTransport::Plain(_) => Poll::Ready(Ok(())),
            AsyncIoTransport::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_close(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if let AsyncIoTransport::Tls(s) = self {
            // Sends close_notify and flushes it.
            ready!(Pin::new(s.as_mut()).poll_close(cx))?;
        }
        match self.tcp().get_ref().shutdown(Shutdown::Write) {
            Err(e) if e.kind() != io::ErrorKind::NotConnected => Poll::Ready(Err(e)),
            _ => Poll::Ready(Ok(())),
        }
    }
}
