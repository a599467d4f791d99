//! What a runtime crate provides so the shared driver can run on it: TCP
//! connect, TLS upgrade, a resettable timer, a way to spawn the driver, and
//! how publishing tasks take part in the executor's fairness.

use crate::writer::InlineWrite;
use bytes::BytesMut;
use rustls::ClientConfig;
use rustls_pki_types::ServerName;
use std::cell::Cell;
use std::future::Future;
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

/// Publishes a thread makes between two yields to its executor under
/// [`Runtime::poll_proceed`]'s default: as many as tokio's budget allows a
/// task per poll.
const PUBLISHES_PER_YIELD: u32 = 128;

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

    /// Called by every async publish before it queues its message: `Ready`
    /// to go on, or `Pending` (with the task already scheduled to run again)
    /// when the task has had its share of the executor and must let other
    /// tasks, such as the connection's driver, run first. A publish that
    /// never waits would otherwise keep its thread from ever polling the
    /// driver, whose reading (PONGs, messages) then stops.
    ///
    /// The default, for executors without a budget of their own, yields once
    /// every 128 publishes made on the calling thread (tokio's budget for a
    /// task's poll).
    fn poll_proceed(cx: &mut Context<'_>) -> Poll<()>
    where
        Self: Sized,
    {
        yield_every(cx, PUBLISHES_PER_YIELD)
    }
}

thread_local! {
    /// Publishes made on this thread since [`yield_every`] last yielded.
    static SINCE_YIELD: Cell<u32> = const { Cell::new(0) };
}

/// `Pending` on every `n`th call on the calling thread (waking the task
/// first, so that it is polled again after the tasks already waiting);
/// `Ready` otherwise.
fn yield_every(cx: &mut Context<'_>, n: u32) -> Poll<()> {
    let yield_now = SINCE_YIELD
        .try_with(|since| {
            let count = since.get() + 1;
            since.set(if count >= n { 0 } else { count });
            count >= n
        })
        .unwrap_or(false);
    if yield_now {
        cx.waker().wake_by_ref();
        return Poll::Pending;
    }
    Poll::Ready(())
}
