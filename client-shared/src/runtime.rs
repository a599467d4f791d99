//! What a runtime crate provides so the shared driver can run on it: TCP
//! connect, TLS upgrade, a resettable timer, a way to spawn the driver, and
//! how publishing tasks take part in the executor's fairness.

use crate::dial::DialedStream;
use crate::writer::InlineWrite;
use bytes::BytesMut;
use rustls::ClientConfig;
use rustls_pki_types::ServerName;
use std::cell::Cell;
use std::future::Future;
use std::io::{self, IoSlice};
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

/// Async publishes of a thread between two looks at the clock.
const PUBLISHES_PER_LOOK: u32 = 16;
/// How long a thread publishes before a publish takes its turn in the
/// executor's fairness ([`Runtime::poll_proceed`]). Turns by count cost
/// client CPU, as each yield wakes executor threads: `nats-bench pub`
/// 10M x 16 B on tokio took 0.58 s of it against 0.49 s with a yield every
/// 2,048 publishes (about 0.1 ms), 0.48 s against 0.45 s with one every
/// 16,384 (medians of 5 interleaved runs each); but a count is no time in a
/// debug build, where 16,384 publishes held a PONG back for 190 ms. With
/// this slice: 0.53 s against 0.48 s.
const PUBLISHING_SLICE: Duration = Duration::from_millis(1);

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
    /// with `TCP_NODELAY` set, bound to `local_address` when one is given.
    fn connect(
        &self,
        host: String,
        port: u16,
        local_address: Option<SocketAddr>,
    ) -> BoxFuture<'static, io::Result<Self::Transport>>;

    /// Wraps a stream a [`Dialer`](crate::Dialer) opened.
    fn dialed(&self, stream: Box<dyn DialedStream>) -> Self::Transport;

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

    /// Called by an async publish, before it queues its message, when its
    /// thread has published for a millisecond since the last such call
    /// (looked at every 16 publishes): `Ready` to go on, or `Pending` (with
    /// the task already scheduled to run again) to let other tasks, such as
    /// the connection's driver, run first. A publish that never waits would
    /// otherwise keep its thread from ever polling the driver, whose reading
    /// (PONGs, messages) then stops.
    ///
    /// The default yields: the task wakes itself and returns `Pending`, and
    /// executors (tokio's among them) put a task that woke itself while it
    /// ran behind the tasks already waiting.
    fn poll_proceed(cx: &mut Context<'_>) -> Poll<()>
    where
        Self: Sized,
    {
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

thread_local! {
    /// Async publishes on this thread since it last looked at the clock.
    static PUBLISHES: Cell<u32> = const { Cell::new(0) };
    /// When this thread's last turn was (or when it first looked).
    static LAST_TURN: Cell<Option<Instant>> = const { Cell::new(None) };
}

/// Whether an async publish on this thread takes its turn in the
/// executor's fairness ([`Runtime::poll_proceed`]): once the thread has
/// published for [`PUBLISHING_SLICE`] since its last turn.
pub(crate) fn publish_turn() -> bool {
    let look = PUBLISHES
        .try_with(|n| {
            let count = n.get() + 1;
            n.set(if count >= PUBLISHES_PER_LOOK {
                0
            } else {
                count
            });
            count >= PUBLISHES_PER_LOOK
        })
        .unwrap_or(false);
    if !look {
        return false;
    }
    let now = Instant::now();
    LAST_TURN
        .try_with(|last| match last.get() {
            Some(t) if now.duration_since(t) < PUBLISHING_SLICE => false,
            Some(_) => {
                last.set(Some(now));
                true
            }
            None => {
                last.set(Some(now));
                false
            }
        })
        .unwrap_or(false)
}
