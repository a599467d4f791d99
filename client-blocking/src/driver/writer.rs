//! The write side: the bytes taken from the core and the link they go to,
//! held by one writer at a time (the driver thread, or a publishing thread
//! that writes inline).
//!
//! The write side is a token rather than a plain mutex so that the driver can
//! wait for it with a deadline (a graceful close must not hang on a writer
//! stuck behind a server that stopped reading).

use super::link::{Link, is_timeout, lock};
use natrs_client::TransportError;
use natrs_client::adapter::Shared;
use natrs_client::adapter::io_failure;
use natrs_core::proto::WriteBuffer;
use std::io::{IoSlice, Write};
use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Instant;

/// IO slices per vectored write.
const MAX_SLICES: usize = 64;

/// How a write pass ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flushed {
    /// Everything the core had was written (or there is no link).
    Done,
    /// The socket took no more within the write slice; bytes remain.
    Blocked,
    /// The link failed (recorded on it).
    Failed,
}

/// What a writer holds.
#[derive(Debug, Default)]
pub(crate) struct WriteSide {
    /// Where the bytes go; `None` between connections.
    link: Option<Arc<Link>>,
    /// Bytes taken from the core, not yet written (or encrypted).
    wbuf: WriteBuffer,
    /// TLS records encrypted but not yet written.
    tls_out: Vec<u8>,
    /// How much of `tls_out` was written.
    tls_pos: usize,
}

impl WriteSide {
    /// Points the write side at `link` (or at nothing), dropping whatever was
    /// left for the previous one.
    pub(crate) fn set_link(&mut self, link: Option<Arc<Link>>) {
        self.link = link;
        self.wbuf.clear();
        self.tls_out.clear();
        self.tls_pos = 0;
    }

    /// Whether bytes taken from the core still wait to be written.
    pub(crate) fn has_leftover(&self) -> bool {
        !self.wbuf.is_empty() || self.tls_pos < self.tls_out.len()
    }

    /// Writes what the core has until nothing is left, the socket is full for
    /// a whole write slice, or the link fails.
    pub(crate) fn write(&mut self, shared: &Shared, counters: &WriteCounters) -> Flushed {
        let Some(link) = self.link.clone() else {
            return Flushed::Done;
        };
        if link.has_failed() || link.is_retired() {
            return Flushed::Done;
        }
        match self.write_to(&link, shared, counters) {
            Ok(flushed) => flushed,
            Err(e) => {
                link.fail(e);
                Flushed::Failed
            }
        }
    }

    fn write_to(
        &mut self,
        link: &Link,
        shared: &Shared,
        counters: &WriteCounters,
    ) -> Result<Flushed, TransportError> {
        let io = &link.stream;
        loop {
            // TLS records already made go first.
            while self.tls_pos < self.tls_out.len() {
                counters.socket_writes.fetch_add(1, Ordering::Relaxed);
                match io.write(&self.tls_out[self.tls_pos..]) {
                    Ok(0) => return Err(TransportError::Io("socket took no bytes".into())),
                    Ok(n) => self.tls_pos += n,
                    Err(e) if is_timeout(&e) => return Ok(Flushed::Blocked),
                    Err(e) => return Err(io_failure(e)),
                }
            }
            self.tls_out.clear();
            self.tls_pos = 0;
            if self.wbuf.is_empty() {
                if shared.poll_transmit(&mut self.wbuf) {
                    counters.queued.store(0, Ordering::Relaxed);
                } else if link.tls().is_some_and(|t| lock(t).wants_write()) {
                    // Records of the session's own (an alert, a key update).
                    self.encrypt(link)?;
                    continue;
                } else {
                    return Ok(Flushed::Done);
                }
            }
            if link.tls().is_some() {
                self.encrypt(link)?;
                continue;
            }
            let mut slices = [IoSlice::new(&[]); MAX_SLICES];
            let n = bytes::Buf::chunks_vectored(&self.wbuf, &mut slices);
            counters.socket_writes.fetch_add(1, Ordering::Relaxed);
            match io.write_vectored(&slices[..n]) {
                Ok(0) => return Err(TransportError::Io("socket took no bytes".into())),
                Ok(n) => bytes::Buf::advance(&mut self.wbuf, n),
                Err(e) if is_timeout(&e) => return Ok(Flushed::Blocked),
                Err(e) => return Err(io_failure(e)),
            }
        }
    }

    /// Encrypts as much of `wbuf` as the session takes into `tls_out`.
    fn encrypt(&mut self, link: &Link) -> Result<(), TransportError> {
        let Some(tls) = link.tls() else {
            return Ok(());
        };
        let mut conn = lock(tls);
        if !self.wbuf.is_empty() {
            let mut slices = [IoSlice::new(&[]); MAX_SLICES];
            let n = bytes::Buf::chunks_vectored(&self.wbuf, &mut slices);
            let taken = conn
                .writer()
                .write_vectored(&slices[..n])
                .map_err(io_failure)?;
            bytes::Buf::advance(&mut self.wbuf, taken);
        }
        while conn.wants_write() {
            conn.write_tls(&mut self.tls_out).map_err(io_failure)?;
        }
        if self.tls_out.is_empty() && !self.wbuf.is_empty() {
            return Err(TransportError::Tls("the TLS session took no bytes".into()));
        }
        Ok(())
    }

    /// Says goodbye on a TLS link (`close_notify`), best effort.
    pub(crate) fn close_notify(&mut self, counters: &WriteCounters) {
        let Some(link) = self.link.clone() else {
            return;
        };
        let Some(tls) = link.tls() else {
            return;
        };
        {
            let mut conn = lock(tls);
            conn.send_close_notify();
            while conn.wants_write() {
                if conn.write_tls(&mut self.tls_out).is_err() {
                    break;
                }
            }
        }
        let io = &link.stream;
        while self.tls_pos < self.tls_out.len() {
            counters.socket_writes.fetch_add(1, Ordering::Relaxed);
            match io.write(&self.tls_out[self.tls_pos..]) {
                Ok(n) if n > 0 => self.tls_pos += n,
                _ => break,
            }
        }
    }
}

/// Counters the writers keep.
#[derive(Debug, Default)]
pub(crate) struct WriteCounters {
    /// Socket write calls.
    pub(crate) socket_writes: AtomicU64,
    /// Bytes published since the core's buffer was last taken (an estimate
    /// that decides when a publisher writes inline).
    pub(crate) queued: AtomicU64,
}

/// The write side, lent to one writer at a time.
#[derive(Debug)]
pub(crate) struct Writer {
    side: Mutex<Option<WriteSide>>,
    returned: Condvar,
}

impl Writer {
    /// A writer whose side is free.
    pub(crate) fn new() -> Writer {
        Writer {
            side: Mutex::new(Some(WriteSide::default())),
            returned: Condvar::new(),
        }
    }

    /// The write side if nobody holds it.
    pub(crate) fn try_take(&self) -> Option<Held<'_>> {
        let side = lock(&self.side).take()?;
        Some(Held { writer: self, side })
    }

    /// The write side, waiting for its holder until `deadline` (`None`: as
    /// long as it takes).
    pub(crate) fn take_until(&self, deadline: Option<Instant>) -> Option<Held<'_>> {
        let mut guard = lock(&self.side);
        loop {
            if let Some(side) = guard.take() {
                return Some(Held { writer: self, side });
            }
            guard = match deadline {
                None => self.returned.wait(guard).unwrap_or_else(|e| e.into_inner()),
                Some(d) => {
                    let now = Instant::now();
                    if now >= d {
                        return None;
                    }
                    self.returned
                        .wait_timeout(guard, d - now)
                        .unwrap_or_else(|e| e.into_inner())
                        .0
                }
            };
        }
    }
}

/// The write side while one writer holds it; given back on drop.
#[derive(Debug)]
pub(crate) struct Held<'a> {
    writer: &'a Writer,
    side: WriteSide,
}

impl Deref for Held<'_> {
    type Target = WriteSide;
    fn deref(&self) -> &WriteSide {
        &self.side
    }
}

impl DerefMut for Held<'_> {
    fn deref_mut(&mut self) -> &mut WriteSide {
        &mut self.side
    }
}

impl Drop for Held<'_> {
    fn drop(&mut self) {
        // An empty side costs no allocation.
        let side = std::mem::take(&mut self.side);
        *lock(&self.writer.side) = Some(side);
        self.writer.returned.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn one_holder_at_a_time() {
        let w = Writer::new();
        let held = w.try_take().expect("free at first");
        assert!(w.try_take().is_none());
        drop(held);
        assert!(w.try_take().is_some());
    }

    #[test]
    fn waiting_for_the_side_gives_up_at_the_deadline() {
        let w = Writer::new();
        let _held = w.try_take().unwrap();
        let start = Instant::now();
        assert!(
            w.take_until(Some(start + Duration::from_millis(30)))
                .is_none()
        );
        assert!(start.elapsed() >= Duration::from_millis(30));
    }

    #[test]
    fn a_waiter_gets_the_side_when_it_is_given_back() {
        let w = Arc::new(Writer::new());
        let held = w.try_take().unwrap();
        let waiter = {
            let w = w.clone();
            std::thread::spawn(move || w.take_until(None).is_some())
        };
        drop(held);
        assert!(waiter.join().unwrap());
    }
}
