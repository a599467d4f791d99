//! The tokio implementation of [`natrs_client::adapter::Runtime`].

use bytes::BytesMut;
use natrs_client::DialedStream;
use natrs_client::adapter::{BoxFuture, InlineWrite, Runtime, Timer, Transport};
use rustls::ClientConfig;
use rustls_pki_types::ServerName;
use std::future::Future;
use std::io::{self, IoSlice};
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use tokio::io::{AsyncWrite, Interest};
use tokio::net::{TcpSocket, TcpStream};
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;
use tokio_util::compat::{Compat, FuturesAsyncReadCompatExt};

/// Runs natrs drivers as tasks of a tokio runtime.
#[derive(Debug, Clone)]
pub struct TokioRuntime {
    handle: tokio::runtime::Handle,
}

impl TokioRuntime {
    /// The runtime of the current context, if there is one.
    pub fn current() -> Option<TokioRuntime> {
        tokio::runtime::Handle::try_current()
            .ok()
            .map(|handle| TokioRuntime { handle })
    }

    /// A runtime that spawns on `handle`.
    pub fn from_handle(handle: tokio::runtime::Handle) -> TokioRuntime {
        TokioRuntime { handle }
    }
}

/// A stream a [`Dialer`](natrs_client::Dialer) opened, as tokio's I/O.
type Dialed = Compat<Box<dyn DialedStream>>;

/// A connection: TCP or a dialed stream, plain or with TLS.
pub enum TokioTransport {
    /// Plain TCP, shared with the connection's inline writer.
    Plain(Arc<TcpStream>),
    /// TLS over TCP.
    Tls(Box<TlsStream<TcpStream>>),
    /// A stream a dialer opened.
    Dialed(Box<Dialed>),
    /// TLS over a stream a dialer opened.
    DialedTls(Box<TlsStream<Dialed>>),
}

impl std::fmt::Debug for TokioTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TokioTransport::Plain(s) => f.debug_tuple("Plain").field(s).finish(),
            TokioTransport::Tls(s) => f.debug_tuple("Tls").field(s).finish(),
            TokioTransport::Dialed(_) => f.write_str("Dialed"),
            TokioTransport::DialedTls(_) => f.write_str("DialedTls"),
        }
    }
}

/// Runs `op` (a non-blocking read or write) once `poll_ready` reports the
/// socket ready, until it does not find it blocked.
fn poll_io<T>(
    cx: &mut Context<'_>,
    mut poll_ready: impl FnMut(&mut Context<'_>) -> Poll<io::Result<()>>,
    mut op: impl FnMut() -> io::Result<T>,
) -> Poll<io::Result<T>> {
    loop {
        ready!(poll_ready(cx))?;
        match op() {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            r => return Poll::Ready(r),
        }
    }
}

impl Transport for TokioTransport {
    fn poll_read_buf(
        &mut self,
        cx: &mut Context<'_>,
        buf: &mut BytesMut,
    ) -> Poll<io::Result<usize>> {
        match self {
            TokioTransport::Plain(s) => {
                poll_io(cx, |cx| s.poll_read_ready(cx), || try_read(s, buf))
            }
            TokioTransport::Tls(s) => tokio_util::io::poll_read_buf(Pin::new(s), cx, buf),
            TokioTransport::Dialed(s) => tokio_util::io::poll_read_buf(Pin::new(s), cx, buf),
            TokioTransport::DialedTls(s) => tokio_util::io::poll_read_buf(Pin::new(s), cx, buf),
        }
    }

    fn poll_write_vectored(
        &mut self,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self {
            TokioTransport::Plain(s) => poll_io(
                cx,
                |cx| s.poll_write_ready(cx),
                || s.try_write_vectored(bufs),
            ),
            TokioTransport::Tls(s) => Pin::new(s).poll_write_vectored(cx, bufs),
            TokioTransport::Dialed(s) => Pin::new(s).poll_write_vectored(cx, bufs),
            TokioTransport::DialedTls(s) => Pin::new(s).poll_write_vectored(cx, bufs),
        }
    }

    fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self {
            // Nothing is buffered above the socket.
            TokioTransport::Plain(_) => Poll::Ready(Ok(())),
            TokioTransport::Tls(s) => Pin::new(s).poll_flush(cx),
            TokioTransport::Dialed(s) => Pin::new(s).poll_flush(cx),
            TokioTransport::DialedTls(s) => Pin::new(s).poll_flush(cx),
        }
    }

    fn poll_close(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self {
            // The driver took the inline writer back before closing; if a
            // handle were still out, dropping the socket closes it anyway.
            TokioTransport::Plain(s) => match Arc::get_mut(s) {
                Some(s) => Pin::new(s).poll_shutdown(cx),
                None => Poll::Ready(Ok(())),
            },
            TokioTransport::Tls(s) => Pin::new(s).poll_shutdown(cx),
            TokioTransport::Dialed(s) => Pin::new(s).poll_shutdown(cx),
            TokioTransport::DialedTls(s) => Pin::new(s).poll_shutdown(cx),
        }
    }

    fn inline_writer(&self) -> Option<Arc<dyn InlineWrite>> {
        match self {
            TokioTransport::Plain(s) => Some(Arc::new(InlineTcp(s.clone()))),
            _ => None,
        }
    }
}

/// Reads into the spare room of `buf` without waiting. A read that fills less
/// than it was offered (the socket is most likely drained) also clears the
/// socket's read readiness, as tokio's own `AsyncRead` does, so that the next
/// read waits for the reactor instead of spending a system call to find
/// nothing.
fn try_read(s: &TcpStream, buf: &mut BytesMut) -> io::Result<usize> {
    let offered = buf.capacity() - buf.len();
    let mut read = None;
    // `try_io` clears the readiness when its closure reports `WouldBlock`.
    // End of stream (0) leaves it: tokio keeps a closed socket readable.
    let r = s.try_io(Interest::READABLE, || {
        let n = s.try_read_buf(buf)?;
        read = Some(n);
        if n > 0 && n < offered {
            Err(io::ErrorKind::WouldBlock.into())
        } else {
            Ok(())
        }
    });
    match read {
        Some(n) => Ok(n),
        None => Err(r.err().unwrap_or_else(|| io::ErrorKind::WouldBlock.into())),
    }
}

/// A plain connection's socket, written from any thread without waiting.
struct InlineTcp(Arc<TcpStream>);

impl InlineWrite for InlineTcp {
    fn try_write_vectored(&self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        self.0.try_write_vectored(bufs)
    }
}

/// Connects to the first address of `host:port` of `local`'s family that
/// accepts, from a socket bound to `local`.
async fn connect_from(host: &str, port: u16, local: SocketAddr) -> io::Result<TcpStream> {
    let mut last = None;
    for addr in tokio::net::lookup_host((host, port)).await? {
        if addr.is_ipv4() != local.is_ipv4() {
            continue;
        }
        let socket = if addr.is_ipv4() {
            TcpSocket::new_v4()?
        } else {
            TcpSocket::new_v6()?
        };
        socket.bind(local)?;
        match socket.connect(addr).await {
            Ok(stream) => return Ok(stream),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| {
        io::Error::new(
            io::ErrorKind::NotFound,
            format!("{host}: no address of the local address' family ({local})"),
        )
    }))
}

/// A resettable tokio sleep.
#[derive(Debug)]
pub struct TokioTimer {
    sleep: Pin<Box<tokio::time::Sleep>>,
}

impl Timer for TokioTimer {
    fn reset(&mut self, deadline: std::time::Instant) {
        self.sleep
            .as_mut()
            .reset(tokio::time::Instant::from_std(deadline));
    }

    fn poll_expired(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        self.sleep.as_mut().poll(cx)
    }
}

impl Runtime for TokioRuntime {
    type Transport = TokioTransport;
    type Timer = TokioTimer;

    fn connect(
        &self,
        host: String,
        port: u16,
        local_address: Option<SocketAddr>,
    ) -> BoxFuture<'static, io::Result<TokioTransport>> {
        Box::pin(async move {
            let stream = match local_address {
                None => TcpStream::connect((host.as_str(), port)).await?,
                Some(local) => connect_from(&host, port, local).await?,
            };
            stream.set_nodelay(true)?;
            Ok(TokioTransport::Plain(Arc::new(stream)))
        })
    }

    fn dialed(&self, stream: Box<dyn DialedStream>) -> TokioTransport {
        TokioTransport::Dialed(Box::new(stream.compat()))
    }

    fn upgrade_tls(
        &self,
        transport: TokioTransport,
        server_name: ServerName<'static>,
        config: Arc<ClientConfig>,
    ) -> BoxFuture<'static, io::Result<TokioTransport>> {
        Box::pin(async move {
            let connector = TlsConnector::from(config);
            match transport {
                TokioTransport::Plain(stream) => {
                    // The driver took the inline writer back before the handshake.
                    let stream = Arc::try_unwrap(stream)
                        .map_err(|_| io::Error::other("the connection is still shared"))?;
                    let tls = connector.connect(server_name, stream).await?;
                    Ok(TokioTransport::Tls(Box::new(tls)))
                }
                TokioTransport::Dialed(stream) => {
                    let tls = connector.connect(server_name, *stream).await?;
                    Ok(TokioTransport::DialedTls(Box::new(tls)))
                }
                _ => Err(io::Error::other("TLS is already established")),
            }
        })
    }

    fn timer(&self) -> TokioTimer {
        let _guard = self.handle.enter();
        // Far in the future until the driver arms it.
        let far = tokio::time::Instant::now() + std::time::Duration::from_secs(86400 * 365);
        TokioTimer {
            sleep: Box::pin(tokio::time::sleep_until(far)),
        }
    }

    fn spawn(&self, future: BoxFuture<'static, ()>) {
        self.handle.spawn(future);
    }
}
