//! The driver: one future per connection that owns the socket and runs the
//! core's loop on any [`Runtime`] (connect, TLS, read, write, timers).

use crate::connect::DriverDone;
use crate::error::connect_cause;
use crate::runtime::{BoxFuture, Runtime, Timer, Transport};
use crate::shared::{READ_MIN_SPARE, Shared};
use crate::tls::{io_failure, tls_cause};
use crate::writer::{MAX_SLICES, WriteSide};
use bytes::{Buf, BytesMut};
use natrs_core::Instant as CoreInstant;
use natrs_core::ServerAddr;
use natrs_core::client::{TransportCommand, TransportEvent};
use natrs_core::error::{TransportCause, TransportError};
use rustls_pki_types::ServerName;
use std::collections::VecDeque;
use std::future::{Future, poll_fn};
use std::io::{self, IoSlice};
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

/// Bytes reserved for each read.
const READ_CAPACITY: usize = 64 * 1024;
/// An empty read buffer with more room than this (it grew for a large
/// message) is replaced by a fresh one of [`READ_CAPACITY`]: messages parsed
/// from it share its allocation, and small ones would pin the whole grown
/// buffer.
const READ_REGROW: usize = 2 * READ_CAPACITY;
/// Rounds of read/write/timer work before the driver yields to its executor.
const BUDGET: usize = 32;
/// How long a graceful close may spend writing what was queued.
const CLOSE_WRITE_TIMEOUT: Duration = Duration::from_secs(5);

/// Runs the connection until the client closes, then sets `done`.
pub(crate) async fn run<R: Runtime>(shared: Arc<Shared>, runtime: Arc<R>, done: DriverDone) {
    let timer = runtime.timer();
    let mut driver = Driver {
        shared,
        runtime,
        transport: None,
        rbuf: BytesMut::with_capacity(READ_CAPACITY),
        timer,
        armed: None,
        need_flush: false,
        commands: VecDeque::new(),
        epoch: 0,
    };
    driver.run().await;
    done.set();
}

struct Driver<R: Runtime> {
    shared: Arc<Shared>,
    runtime: Arc<R>,
    /// The connection; its inline writer, if it lends one, is also in the
    /// shared write side.
    transport: Option<R::Transport>,
    /// Bytes read, not yet consumed by the core.
    rbuf: BytesMut,
    timer: R::Timer,
    armed: Option<Instant>,
    need_flush: bool,
    /// Transport commands taken from the core while doing IO.
    commands: VecDeque<TransportCommand>,
    /// The core's transport epoch after the last command was carried out:
    /// reads and failures of the transport are reported only while it is
    /// still the current one (a handle may have asked for a reconnect).
    epoch: u64,
}

/// How racing a connect or TLS handshake ended.
enum Race<T> {
    Done(T),
    /// The core gave up on this attempt (timeout, close); its commands follow.
    Abandoned,
}

impl<R: Runtime> Driver<R> {
    async fn run(&mut self) {
        loop {
            while let Some(cmd) = self.next_command() {
                match cmd {
                    TransportCommand::Connect { server } => self.connect(server).await,
                    TransportCommand::UpgradeTls { server_name } => self.upgrade(server_name).await,
                    TransportCommand::Close => self.close_transport().await,
                    _ => {}
                }
                self.epoch = self.shared.transport_epoch();
            }
            if self.shared.is_closed() {
                return;
            }
            if self.transport.is_some() {
                poll_fn(|cx| self.poll_io(cx)).await;
            } else {
                poll_fn(|cx| self.poll_idle(cx)).await;
            }
        }
    }

    fn next_command(&mut self) -> Option<TransportCommand> {
        self.commands
            .pop_front()
            .or_else(|| self.shared.poll_transport())
    }

    /// Replaces the transport (or drops it), pointing the write side at the
    /// new one and dropping what was left to read or write on the old one.
    fn set_transport(&mut self, transport: Option<R::Transport>) {
        let inline = transport.as_ref().and_then(Transport::inline_writer);
        self.shared.writer.set_transport(inline);
        self.transport = transport;
        self.rbuf.clear();
        self.need_flush = false;
    }

    async fn connect(&mut self, server: ServerAddr) {
        self.set_transport(None);
        self.shared.load_credentials();
        let fut: BoxFuture<'static, io::Result<R::Transport>> = match &self.shared.dialer {
            Some(dialer) => {
                let dialed = dialer.dial(&server);
                let runtime = self.runtime.clone();
                Box::pin(async move { Ok(runtime.dialed(dialed.await?)) })
            }
            None => self.runtime.connect(
                server.host().to_string(),
                server.port(),
                self.shared.local_address(),
            ),
        };
        match self.race(fut).await {
            Race::Done(Ok(t)) => {
                self.set_transport(Some(t));
                self.shared.handle_transport(TransportEvent::Connected);
            }
            Race::Done(Err(e)) => {
                let e = TransportError::Connect(connect_cause(&server, e));
                self.shared.handle_transport(TransportEvent::Closed(e));
            }
            Race::Abandoned => {}
        }
    }

    async fn upgrade(&mut self, server_name: String) {
        let Some(transport) = self.transport.take() else {
            return;
        };
        // Nothing is written while the handshake runs.
        self.shared.writer.set_transport(None);
        let name = match ServerName::try_from(server_name.clone()) {
            Ok(n) => n,
            Err(e) => {
                let e = TransportError::Tls(TransportCause::with_source(
                    format!("invalid server name {server_name:?}: {e}"),
                    e,
                ));
                self.shared.handle_transport(TransportEvent::Closed(e));
                return;
            }
        };
        let config = match self.shared.tls_config() {
            Ok(c) => c,
            Err(e) => {
                self.shared
                    .handle_transport(TransportEvent::Closed(TransportError::Tls(e.into())));
                return;
            }
        };
        let fut = self.runtime.upgrade_tls(transport, name, config);
        match self.race(fut).await {
            Race::Done(Ok(t)) => {
                self.set_transport(Some(t));
                self.shared.handle_transport(TransportEvent::TlsEstablished);
            }
            Race::Done(Err(e)) => {
                let e = TransportError::Tls(tls_cause(e));
                self.shared.handle_transport(TransportEvent::Closed(e));
            }
            Race::Abandoned => {}
        }
    }

    /// Polls `fut` while running the core's timers; gives up when the core
    /// issues a transport command (its handshake deadline passed, or the
    /// client closed).
    async fn race<T>(&mut self, fut: impl Future<Output = T>) -> Race<T> {
        let mut fut = pin!(fut);
        poll_fn(|cx| {
            if let Poll::Ready(v) = fut.as_mut().poll(cx) {
                return Poll::Ready(Race::Done(v));
            }
            loop {
                let _ = self.shared.signal.poll_take(cx);
                if !self.poll_timer(cx) {
                    break;
                }
            }
            if let Some(cmd) = self.shared.poll_transport() {
                self.commands.push_back(cmd);
                return Poll::Ready(Race::Abandoned);
            }
            Poll::Pending
        })
        .await
    }

    /// Arms the timer for the core's next deadline and runs the core's timers
    /// when it fired. Returns whether it fired.
    fn poll_timer(&mut self, cx: &mut Context<'_>) -> bool {
        let (core, deadline) = loop {
            let core = self.shared.next_deadline();
            let deferred = self.shared.writer.deferred_until();
            let until = deferred.map(|n| self.shared.clock.to_std(CoreInstant::from_nanos(n)));
            let deadline = match (core, until) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            if self.armed != deadline {
                if let Some(d) = deadline {
                    self.timer.reset(d);
                }
                self.set_armed(deadline);
            }
            // A publisher that deferred its burst meanwhile saw the old
            // deadline only if this sees its deferral.
            if self.shared.writer.deferred_until() == deferred {
                break (core, deadline);
            }
        };
        if deadline.is_none() {
            return false;
        }
        if self.timer.poll_expired(cx).is_ready() {
            self.set_armed(None);
            // A deferral that ran out ends here, even with no transport to
            // write to (it would fire the timer again at once).
            let clock = self.shared.clock;
            let _ = self.shared.writer.may_take(|| clock.now().as_nanos());
            if core.is_some_and(|c| c <= Instant::now()) {
                self.shared.handle_timeout();
            }
            return true;
        }
        false
    }

    /// Records what the timer is armed for, here and for inline writers
    /// (who wake the driver for an earlier deadline).
    fn set_armed(&mut self, deadline: Option<Instant>) {
        if self.armed != deadline {
            self.armed = deadline;
            let nanos = deadline.map(|d| self.shared.clock.to_core(d).as_nanos());
            self.shared.writer.set_armed(nanos);
        }
    }

    /// Waits without a transport (between reconnect attempts).
    fn poll_idle(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let signalled = self.shared.signal.poll_take(cx).is_ready();
        let fired = self.poll_timer(cx);
        if let Some(cmd) = self.shared.poll_transport() {
            self.commands.push_back(cmd);
            return Poll::Ready(());
        }
        if signalled || fired || self.shared.is_closed() {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }

    /// Reads, writes and runs timers until the core issues a transport command
    /// or the transport fails.
    fn poll_io(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        for _ in 0..BUDGET {
            let mut progress = false;
            match self.poll_write(cx) {
                Ok(wrote) => progress |= wrote,
                Err(e) => return self.fail(io_failure(e)),
            }
            match self.poll_read(cx) {
                Ok(read) => progress |= read,
                Err(e) => return self.fail(e),
            }
            if self.shared.signal.poll_take(cx).is_ready() {
                progress = true;
            }
            if self.poll_timer(cx) {
                progress = true;
            }
            if let Some(cmd) = self.shared.poll_transport() {
                self.commands.push_back(cmd);
                return Poll::Ready(());
            }
            if !progress {
                return Poll::Pending;
            }
        }
        // Let other tasks run; come back at once.
        cx.waker().wake_by_ref();
        Poll::Pending
    }

    /// Writes what the core has; returns whether anything was written.
    /// While a task holds the write side (writing inline), it is left to it:
    /// the task wakes the driver if it leaves anything or if the driver came
    /// meanwhile ([`Writer::for_driver`](crate::writer::Writer::for_driver)).
    fn poll_write(&mut self, cx: &mut Context<'_>) -> io::Result<bool> {
        let Some(t) = self.transport.as_mut() else {
            return Ok(false);
        };
        let Some(mut side) = self.shared.writer.for_driver() else {
            return Ok(false);
        };
        if let Some(e) = side.error.take() {
            return Err(e);
        }
        let side: &mut WriteSide = &mut side;
        let mut wrote = false;
        // A burst's bytes are its publisher's to write until its deferral ends.
        let clock = self.shared.clock;
        let may_take = self.shared.writer.may_take(|| clock.now().as_nanos());
        loop {
            if side.wbuf.is_empty() && !(may_take && self.shared.poll_transmit(&mut side.wbuf)) {
                break;
            }
            let mut slices = [IoSlice::new(&[]); MAX_SLICES];
            let n = side.wbuf.chunks_vectored(&mut slices);
            match t.poll_write_vectored(cx, &slices[..n]) {
                Poll::Ready(Ok(0)) => {
                    return Err(io::Error::new(
                        io::ErrorKind::WriteZero,
                        "socket took no bytes",
                    ));
                }
                Poll::Ready(Ok(n)) => {
                    side.wbuf.advance(n);
                    self.need_flush = true;
                    wrote = true;
                }
                Poll::Ready(Err(e)) => return Err(e),
                Poll::Pending => return Ok(wrote),
            }
        }
        if self.need_flush {
            match t.poll_flush(cx) {
                Poll::Ready(Ok(())) => self.need_flush = false,
                Poll::Ready(Err(e)) => return Err(e),
                Poll::Pending => {}
            }
        }
        Ok(wrote)
    }

    /// Reads what the socket has and feeds it to the core; returns whether
    /// anything was read.
    fn poll_read(&mut self, cx: &mut Context<'_>) -> Result<bool, TransportError> {
        if self.transport.is_none() {
            return Ok(false);
        }
        // Not while the server leaves what is written unread: the write
        // above (or the task holding the write side) wakes this driver
        // again when it took the bytes.
        if self.shared.poll_read_room(cx).is_pending() {
            return Ok(false);
        }
        let Some(t) = self.transport.as_mut() else {
            return Ok(false);
        };
        if self.rbuf.is_empty() && self.rbuf.capacity() > READ_REGROW {
            self.rbuf = BytesMut::with_capacity(READ_CAPACITY);
        } else if self.rbuf.capacity() - self.rbuf.len() < READ_MIN_SPARE {
            self.rbuf.reserve(READ_CAPACITY);
        }
        match t.poll_read_buf(cx, &mut self.rbuf) {
            Poll::Ready(Ok(0)) => Err(TransportError::Eof),
            Poll::Ready(Ok(_)) => {
                if !self.shared.handle_input_at(self.epoch, &mut self.rbuf) {
                    // The core left this transport; its commands come next.
                    self.rbuf.clear();
                }
                Ok(true)
            }
            Poll::Ready(Err(e)) => Err(io_failure(e)),
            Poll::Pending => Ok(false),
        }
    }

    fn fail(&mut self, error: TransportError) -> Poll<()> {
        self.set_transport(None);
        // A failure of a transport the core already left is nobody's news.
        self.shared
            .handle_transport_at(self.epoch, TransportEvent::Closed(error));
        Poll::Ready(())
    }

    /// Closes the transport. When the client closed for good, what is still
    /// queued is written first (bounded by a timeout); when reconnecting, the
    /// transport is dropped at once.
    async fn close_transport(&mut self) {
        let Some(mut t) = self.transport.take() else {
            self.set_transport(None);
            return;
        };
        if self.shared.is_closed() {
            let deadline = Instant::now() + CLOSE_WRITE_TIMEOUT;
            self.timer.reset(deadline);
            self.set_armed(None);
            // What tasks left is written here; none writes from now on.
            let mut wbuf = self.shared.writer.detach();
            let wbuf = &mut wbuf;
            let shared = &self.shared;
            let timer = &mut self.timer;
            poll_fn(|cx| {
                loop {
                    if wbuf.is_empty() && !shared.poll_transmit(wbuf) {
                        break;
                    }
                    let mut slices = [IoSlice::new(&[]); MAX_SLICES];
                    let n = wbuf.chunks_vectored(&mut slices);
                    match t.poll_write_vectored(cx, &slices[..n]) {
                        Poll::Ready(Ok(n)) if n > 0 => wbuf.advance(n),
                        Poll::Ready(_) => return Poll::Ready(()),
                        Poll::Pending => return timer.poll_expired(cx),
                    }
                }
                match t.poll_flush(cx) {
                    Poll::Pending => timer.poll_expired(cx),
                    Poll::Ready(_) => match t.poll_close(cx) {
                        Poll::Pending => timer.poll_expired(cx),
                        Poll::Ready(_) => Poll::Ready(()),
                    },
                }
            })
            .await;
        }
        self.set_transport(None);
    }
}
