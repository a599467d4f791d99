//! What a runtime crate provides so the shared driver can run on it: TCP
//! connect, TLS upgrade, a resettable timer and a way to spawn the driver.

use crate::writer::InlineWrite;
use bytes::BytesMut;
use rustls::ClientConfig;
use rustls_pki_types::ServerName;
use std::future::Future;
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

/// A boxed, sendable future.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A connected byte stream (plain TCP or TLS over it).
pub trait Transport: Send + Unpin + 'static {
    /// Reads into the spare capacity of `buf`, growing it by what was read.
    /// `Ok(0)` means the peer closed the connection.
    fn poll_read_buf(
        &mut self,
        cx: &mut Context<'_>,
        buf: &mut BytesMut,
    ) -> Poll<io::Result<usize>>;

    /// Writes from `bufs`, returning how many bytes were taken.
    fn poll_write_vectored(
        &mut self,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>>;

    /// Pushes out anything buffered (TLS records).
    fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>>;

    /// Shuts the connection down.
    fn poll_close(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>>;

    /// A handle that writes to this connection from any thread without
    /// waiting, so that a task can send its request or reply itself instead
    /// of waking the driver; `None` if only the driver may write (TLS, whose
    /// session the reads share).
    fn inline_writer(&self) -> Option<Arc<dyn InlineWrite>>;
}

/// A timer the driver re-arms to the core's next deadline.
pub trait Timer: Send + Unpin + 'static {
    /// Fires at `deadline` (replacing any earlier setting).
    fn reset(&mut self, deadline: std::time::Instant);

    /// `Ready` once the deadline passed.
    fn poll_expired(&mut self, cx: &mut Context<'_>) -> Poll<()>;
}

/// The services a runtime gives the driver.
pub trait Runtime: Send + Sync + 'static {
    /// The connection type.
    type Transport: Transport;
    /// The timer type.
    type Timer: Timer;

    /// Opens a TCP connection to `host:port` (trying each resolved address)
    /// with `TCP_NODELAY` set.
    fn connect(&self, host: String, port: u16) -> BoxFuture<'static, io::Result<Self::Transport>>;

    /// Runs a TLS client handshake over `transport`.
    fn upgrade_tls(
        &self,
        transport: Self::Transport,
        server_name: ServerName<'static>,
        config: Arc<ClientConfig>,
    ) -> BoxFuture<'static, io::Result<Self::Transport>>;

    /// A new timer, not armed.
    fn timer(&self) -> Self::Timer;

    /// Runs the driver in the background.
    fn spawn(&self, future: BoxFuture<'static, ()>);
}
