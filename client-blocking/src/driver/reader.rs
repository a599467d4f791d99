//! The reader thread of one link: blocking reads, decryption, and feeding
//! the core, which routes messages and replies straight to the threads
//! waiting for them.

use super::DriverIo;
use super::link::{Link, decrypt};
use crate::executor::block_on;
use bytes::BytesMut;
use natrs_client::TransportError;
use natrs_client::adapter::{READ_MIN_SPARE, io_failure};
use std::future::poll_fn;
use std::io;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::task::Poll;
use std::thread;

/// Bytes asked for by each read.
const READ_SIZE: usize = 64 * 1024;
/// An empty read buffer with more room than this (it grew for a large
/// message) is replaced by a fresh one of [`READ_SIZE`]: messages parsed from
/// it share its allocation, and small ones would pin the whole grown buffer.
const READ_REGROW: usize = 2 * READ_SIZE;

/// Starts a reader for `link`, feeding the core while the link is the one of
/// transport `epoch`.
pub(crate) fn spawn(
    io: Arc<DriverIo>,
    link: Arc<Link>,
    epoch: u64,
) -> io::Result<thread::JoinHandle<()>> {
    thread::Builder::new()
        .name("natrs-reader".into())
        .spawn(move || {
            super::mark_driver_thread();
            Reader { io, link, epoch }.run()
        })
}

struct Reader {
    io: Arc<DriverIo>,
    link: Arc<Link>,
    epoch: u64,
}

impl Reader {
    fn run(self) {
        let mut scratch = vec![0u8; READ_SIZE];
        let mut rbuf = BytesMut::with_capacity(READ_SIZE);
        // A TLS session may hold data decrypted during the handshake (a server
        // with TLS first sends INFO right after it): feed that before reading.
        let mut n = 0;
        let mut first = self.link.tls().is_some();
        loop {
            if !first && !self.wait_for_write_room() {
                return self.hand_over(rbuf);
            }
            if !first {
                // Into the room the buffer has when it is enough: the core
                // left room there for the rest of a large message and the
                // start of the next (see `READ_MIN_SPARE`), which a larger
                // read would replace with a new buffer.
                let room = rbuf.capacity() - rbuf.len();
                let ask = if room >= READ_MIN_SPARE {
                    room.min(READ_SIZE)
                } else {
                    READ_SIZE
                };
                n = match self.link.stream.read(&mut scratch[..ask]) {
                    Ok(0) => return self.stop(TransportError::Eof),
                    Ok(n) => n,
                    Err(e) => return self.stop(io_failure(e)),
                };
                self.io.stats.socket_reads.fetch_add(1, Ordering::Relaxed);
            }
            first = false;
            if rbuf.is_empty() && rbuf.capacity() > READ_REGROW {
                rbuf = BytesMut::with_capacity(READ_SIZE);
            }
            let mut peer_closed = false;
            match self.link.tls() {
                None => rbuf.extend_from_slice(&scratch[..n]),
                Some(tls) => match decrypt(tls, &scratch[..n], &mut rbuf) {
                    Ok(d) => {
                        if d.wants_write {
                            self.io.wake_driver();
                        }
                        peer_closed = d.closed;
                    }
                    Err(e) => return self.stop(e),
                },
            }
            let shared = &self.io.shared;
            if !rbuf.is_empty() && !shared.handle_input_at(self.epoch, &mut rbuf) {
                return self.hand_over(rbuf);
            }
            if !shared.is_current(self.epoch) {
                // The core issued a transport command (a TLS upgrade after
                // INFO, a close after a drain, a reconnect): whatever follows
                // on the socket is not for this reader.
                return self.hand_over(rbuf);
            }
            if peer_closed {
                return self.stop(TransportError::Eof);
            }
            // Tell the driver when the core has something to send (a PONG,
            // CONNECT after INFO): through the signal publishers use, so it
            // costs nothing when they already did (and a thread that takes
            // the signal over writes it). Wake it when a deadline came nearer
            // than the one it sleeps until.
            if shared.has_transmit() {
                shared.notify();
            }
            if self.io.deadline_moved_earlier() {
                self.io.wake_driver();
            }
        }
    }

    /// Waits while the server leaves what is written unread (see
    /// `Shared::poll_read_room`): the driver thread takes the bytes as the
    /// socket takes them, which wakes this thread. `false` when the link
    /// stopped being the current one meanwhile.
    fn wait_for_write_room(&self) -> bool {
        let shared = &self.io.shared;
        block_on(poll_fn(|cx| {
            if shared.poll_read_room(cx).is_ready() {
                return Poll::Ready(true);
            }
            if !shared.is_current(self.epoch) {
                return Poll::Ready(false);
            }
            self.io.wake_driver();
            Poll::Pending
        }))
    }

    /// The link failed or the peer closed it: tell the driver, unless the
    /// driver gave the link up already (then the failure is its own doing).
    fn stop(&self, error: TransportError) {
        if !self.link.is_retired() && self.link.fail(error) {
            self.io.wake_driver();
        }
    }

    /// Stops for a transport command, leaving the bytes not fed to whoever
    /// takes the link over.
    fn hand_over(&self, rest: BytesMut) {
        self.link.set_leftover(rest);
        self.io.wake_driver();
    }
}
