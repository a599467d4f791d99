//! Custom dialers: how a runtime crate opens the byte stream to a
//! server when the application does not want a plain TCP connection (an
//! in-process server, a proxy, SOCKS). TLS and WebSocket still apply on top
//! of the dialed stream where the URL asks for them.

use crate::runtime::BoxFuture;
use futures_io::{AsyncRead, AsyncWrite};
use natrs_core::ServerAddr;
use std::io;

/// A byte stream a [`Dialer`] opened: readable and writable without
/// blocking ([`futures_io`]'s traits, which `async-net`, `async-std` and
/// smol streams implement, and tokio's through `tokio-util`'s `compat`).
pub trait DialedStream: AsyncRead + AsyncWrite + Send + Unpin + 'static {}

impl<T: AsyncRead + AsyncWrite + Send + Unpin + 'static> DialedStream for T {}

/// Opens the byte stream to a server, in place of the runtime's TCP
/// connect (set with [`ConnectOptions::dialer`](crate::ConnectOptions::dialer)).
///
/// It is called for every connection attempt with the server the client
/// chose (its host and port; a `ws://` URL's path is the client's to
/// send). The attempt's connect timeout covers the dial. With a dialer,
/// [`ConnectOptions::local_address`](crate::ConnectOptions::local_address)
/// is the dialer's business.
///
/// natrs-blocking has no async runtime: it drives the dial future and the
/// stream's reads and writes on its own threads (parking them until the
/// stream's wakers fire), so both must work outside any runtime's context,
/// as [`memory::pipe`](crate::memory::pipe)'s ends and async-io's streams
/// do (a tokio stream needs a tokio runtime running elsewhere).
pub trait Dialer: Send + Sync + 'static {
    /// Opens a stream to `server`.
    fn dial(&self, server: &ServerAddr) -> BoxFuture<'static, io::Result<Box<dyn DialedStream>>>;
}

impl<F> Dialer for F
where
    F: Fn(&ServerAddr) -> BoxFuture<'static, io::Result<Box<dyn DialedStream>>>
        + Send
        + Sync
        + 'static,
{
    fn dial(&self, server: &ServerAddr) -> BoxFuture<'static, io::Result<Box<dyn DialedStream>>> {
        self(server)
    }
}
