//! [`AsyncIoTransport`]: TCP through the async-io reactor, with or without
//! TLS (futures-rustls).

use crate::driver_thread::{self, READ, Registered, WRITE};
use async_io::Async;
use bytes::BytesMut;
use futures_lite::io::{AsyncRead, AsyncWrite};
use futures_rustls::TlsConnector;
use futures_rustls::client::TlsStream;
use natrs_client::DialedStream;
use natrs_client::adapter::{InlineWrite, Transport};
use rustix::net::RecvFlags;
use rustls_pki_types::ServerName;
use socket2::{Domain, Protocol, Socket, Type};
use std::io::{self, IoSlice, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

/// Room made in the read buffer when the caller left none.
const MIN_READ: usize = 4 * 1024;
/// The most a TLS read is offered. Reads into a TLS stream need initialized
/// memory, so this much is zeroed per read; TLS records carry at most 16 KiB
/// of plaintext, so a larger window would only zero memory rustls rarely fills.
const TLS_READ_WINDOW: usize = 16 * 1024;

/// A TCP connection registered with the async-io reactor, plain or with TLS.
#[derive(Debug)]
pub struct AsyncIoTransport {
    inner: Inner,
}

enum Inner {
    Plain(TcpIo),
    Tls(Box<TlsStream<TcpIo>>),
    /// A stream a [`Dialer`](natrs_client::Dialer) opened.
    Dialed(Box<dyn DialedStream>),
    DialedTls(Box<TlsStream<Box<dyn DialedStream>>>),
}

impl std::fmt::Debug for Inner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Inner::Plain(io) => f.debug_tuple("Plain").field(io).finish(),
            Inner::Tls(s) => f.debug_tuple("Tls").field(s).finish(),
            Inner::Dialed(_) => f.write_str("Dialed"),
            Inner::DialedTls(_) => f.write_str("DialedTls"),
        }
    }
}

impl AsyncIoTransport {
    pub(crate) fn plain(stream: Async<TcpStream>) -> AsyncIoTransport {
        AsyncIoTransport {
            inner: Inner::Plain(TcpIo::new(stream)),
        }
    }

    pub(crate) fn dialed(stream: Box<dyn DialedStream>) -> AsyncIoTransport {
        AsyncIoTransport {
            inner: Inner::Dialed(stream),
        }
    }

    /// Runs a TLS client handshake over the connection.
    pub(crate) async fn upgrade(
        self,
        connector: TlsConnector,
        server_name: ServerName<'static>,
    ) -> io::Result<AsyncIoTransport> {
        let inner = match self.inner {
            Inner::Plain(io) => Inner::Tls(Box::new(connector.connect(server_name, io).await?)),
            Inner::Dialed(s) => {
                Inner::DialedTls(Box::new(connector.connect(server_name, s).await?))
            }
            _ => return Err(io::Error::other("TLS is already established")),
        };
        Ok(AsyncIoTransport { inner })
    }

    /// The TCP socket under the transport; `None` for a dialed stream.
    pub fn tcp(&self) -> Option<&Async<TcpStream>> {
        match &self.inner {
            Inner::Plain(io) => Some(&io.stream),
            Inner::Tls(s) => Some(&s.get_ref().0.stream),
            _ => None,
        }
    }

    /// Whether TLS is established.
    pub fn is_tls(&self) -> bool {
        matches!(self.inner, Inner::Tls(_) | Inner::DialedTls(_))
    }
}

/// The socket, with what is known about its readability.
///
/// async-io registers interest in readiness one event at a time (level
/// triggered), so a read that finds nothing costs a syscall for nothing. After
/// a read that returned less than it was offered (the socket is most likely
/// drained) or that found nothing, the next read first waits for the reactor
/// to report the socket readable, as tokio does. A readiness report that turns
/// out stale only costs one empty read.
///
/// Made on a `natrs-driver` thread, the socket waits on that thread's own
/// poller instead of async-io's reactor (see `driver_thread`).
#[derive(Debug)]
pub(crate) struct TcpIo {
    /// Shared with the connection's inline writer.
    stream: Arc<Async<TcpStream>>,
    /// Whether a read may find data without waiting for the reactor first.
    maybe_readable: bool,
    /// The registration with the driver thread's poller, if any.
    thread: Option<Registered>,
}

impl TcpIo {
    fn new(stream: Async<TcpStream>) -> TcpIo {
        let stream = Arc::new(stream);
        // A socket the driver thread's poller does not take waits on
        // async-io's reactor, which works from any thread.
        let thread = driver_thread::current().and_then(|r| Registered::new(r, &stream).ok());
        TcpIo {
            stream,
            maybe_readable: true,
            thread,
        }
    }

    /// `Ready` once the socket may be read; registers interest otherwise.
    fn poll_readable(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match &self.thread {
            Some(r) => r.poll_ready(READ).map(Ok),
            None => self.stream.poll_readable(cx),
        }
    }

    /// Runs `read` (a non-blocking read offered `offered` bytes) when the
    /// socket may have data, waiting for readiness otherwise.
    fn poll_read_with(
        &mut self,
        cx: &mut Context<'_>,
        offered: usize,
        mut read: impl FnMut(&TcpStream) -> io::Result<usize>,
    ) -> Poll<io::Result<usize>> {
        loop {
            if !self.maybe_readable {
                ready!(self.poll_readable(cx))?;
                self.maybe_readable = true;
            }
            match read(self.stream.get_ref()) {
                Ok(n) => {
                    if n < offered {
                        self.maybe_readable = false;
                    }
                    return Poll::Ready(Ok(n));
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => self.maybe_readable = false,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
    }

    /// Reads straight into the spare capacity of `buf`: `recv` writes into
    /// uninitialized memory, so nothing is zeroed first.
    fn poll_recv(&mut self, cx: &mut Context<'_>, buf: &mut BytesMut) -> Poll<io::Result<usize>> {
        if buf.capacity() == buf.len() {
            buf.reserve(MIN_READ);
        }
        let offered = buf.capacity() - buf.len();
        self.poll_read_with(cx, offered, |stream| {
            let len = buf.len();
            let ((filled, _), _) =
                rustix::net::recv(stream, buf.spare_capacity_mut(), RecvFlags::empty())?;
            let n = filled.len();
            // SAFETY: `recv` initialized the first `n` bytes of the spare
            // capacity (rustix hands back exactly the part it filled), so the
            // buffer's first `len + n` bytes are initialized.
            unsafe { buf.set_len(len + n) };
            Ok(n)
        })
    }
}

impl AsyncRead for TcpIo {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let offered = buf.len();
        self.get_mut()
            .poll_read_with(cx, offered, |mut stream| stream.read(buf))
    }
}

impl AsyncWrite for TcpIo {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.poll_write_vectored(cx, &[IoSlice::new(buf)])
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let Some(thread) = &self.thread else {
            return Pin::new(&mut &*self.stream).poll_write_vectored(cx, bufs);
        };
        let mut stream: &TcpStream = self.stream.get_ref();
        loop {
            match stream.write_vectored(bufs) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    thread.wait_for(WRITE);
                    return Poll::Pending;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                r => return Poll::Ready(r),
            }
        }
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        // Nothing is buffered above the socket.
        Poll::Ready(Ok(()))
    }

    fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(shutdown_write(self.stream.get_ref()))
    }
}

/// A plain connection's socket, written from any thread (non-blocking: async-io
/// put it in non-blocking mode).
struct InlineTcp(Arc<Async<TcpStream>>);

impl InlineWrite for InlineTcp {
    fn try_write_vectored(&self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        let mut stream: &TcpStream = self.0.get_ref();
        stream.write_vectored(bufs)
    }
}

/// Shuts down the sending half; a connection the peer already dropped counts
/// as shut down.
fn shutdown_write(stream: &TcpStream) -> io::Result<()> {
    match stream.shutdown(Shutdown::Write) {
        Err(e) if e.kind() != io::ErrorKind::NotConnected => Err(e),
        _ => Ok(()),
    }
}

/// Connects to the first address of `host:port` that accepts, with
/// `TCP_NODELAY` set. Host names are resolved off the calling thread
/// (async-net's resolver); IP literals are used as they are.
/// With `local`, only addresses of its family are tried, from a socket
/// bound to it.
pub(crate) async fn connect_tcp(
    host: &str,
    port: u16,
    local: Option<SocketAddr>,
) -> io::Result<Async<TcpStream>> {
    let addrs = async_net::resolve((host, port)).await?;
    let mut last_error = None;
    for addr in addrs {
        let attempt = match local {
            None => Async::<TcpStream>::connect(addr).await,
            Some(local) if local.is_ipv4() != addr.is_ipv4() => continue,
            Some(local) => connect_from(addr, local).await,
        };
        match attempt {
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

/// Connects to `addr` from a non-blocking socket bound to `local`.
async fn connect_from(addr: SocketAddr, local: SocketAddr) -> io::Result<Async<TcpStream>> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    socket.bind(&local.into())?;
    socket.set_nonblocking(true)?;
    match socket.connect(&addr.into()) {
        Ok(()) => {}
        Err(e) if e.raw_os_error() == Some(rustix::io::Errno::INPROGRESS.raw_os_error()) => {}
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
        Err(e) => return Err(e),
    }
    let stream = Async::new(TcpStream::from(socket))?;
    // Writable once the connection is made or failed; the error says which.
    stream.writable().await?;
    match stream.get_ref().take_error()? {
        Some(e) => Err(e),
        None => Ok(stream),
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
        match &mut self.inner {
            Inner::Plain(io) => io.poll_recv(cx, buf),
            Inner::Tls(s) => poll_read_window(s.as_mut(), cx, buf, TLS_READ_WINDOW),
            Inner::Dialed(s) => poll_read_window(s, cx, buf, TLS_READ_WINDOW),
            Inner::DialedTls(s) => poll_read_window(s.as_mut(), cx, buf, TLS_READ_WINDOW),
        }
    }

    fn poll_write_vectored(
        &mut self,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match &mut self.inner {
            Inner::Plain(io) => Pin::new(io).poll_write_vectored(cx, bufs),
            Inner::Tls(s) => Pin::new(s.as_mut()).poll_write_vectored(cx, bufs),
            Inner::Dialed(s) => Pin::new(s).poll_write_vectored(cx, bufs),
            Inner::DialedTls(s) => Pin::new(s.as_mut()).poll_write_vectored(cx, bufs),
        }
    }

    fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match &mut self.inner {
            Inner::Plain(_) => Poll::Ready(Ok(())),
            Inner::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
            Inner::Dialed(s) => Pin::new(s).poll_flush(cx),
            Inner::DialedTls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_close(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match &mut self.inner {
            Inner::Plain(io) => Pin::new(io).poll_close(cx),
            // Sends close_notify, flushes it, then shuts the socket down.
            Inner::Tls(s) => Pin::new(s.as_mut()).poll_close(cx),
            Inner::Dialed(s) => Pin::new(s).poll_close(cx),
            Inner::DialedTls(s) => Pin::new(s.as_mut()).poll_close(cx),
        }
    }

    fn inline_writer(&self) -> Option<Arc<dyn InlineWrite>> {
        match &self.inner {
            Inner::Plain(io) => Some(Arc::new(InlineTcp(io.stream.clone()))),
            _ => None,
        }
    }
}
