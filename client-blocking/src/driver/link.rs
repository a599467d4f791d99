//! One connection to a server: the TCP socket or the stream a dialer opened,
//! the TLS session over it once there is one, and what its reader and writers
//! report to the driver.
//!
//! Reading and writing happen on different threads, so TLS is not a stream
//! wrapped around the socket: the rustls session sits behind a mutex and TLS
//! records are moved between it and the socket by hand, never holding the
//! mutex across a socket call (a reader blocked in `read` must not stop a
//! writer, nor the other way round).

use super::dialed::{Dialed, DialedIo};
use bytes::BytesMut;
use natrs_client::adapter::{io_failure, tls_cause, tls_failure_text};
use natrs_client::{TransportCause, TransportError};
use rustls::ClientConnection;
use socket2::{Domain, Protocol, Socket, Type};
use std::io::{self, BufRead, IoSlice, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

/// How long one socket write may block before the writer lets go (so the
/// driver thread, which also runs the timers, never stalls on a full socket
/// for longer than this).
pub(crate) const WRITE_SLICE: Duration = Duration::from_millis(50);

/// Locks a mutex, recovering the data if a panicking thread poisoned it.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The byte stream of a connection: read by the reader thread, written by
/// whoever holds the write side, shut down by the driver.
#[derive(Debug)]
pub(crate) enum Stream {
    /// A TCP socket the driver opened.
    Tcp(TcpStream),
    /// A stream a [`Dialer`](natrs_client::Dialer) opened.
    Dialed(Dialed),
}

impl Stream {
    /// Reads what the stream has into `buf`, waiting without limit (until
    /// the stream is shut down). `Ok(0)` means the peer closed.
    #[inline]
    pub(crate) fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Tcp(tcp) => read_socket(tcp, buf),
            Stream::Dialed(d) => d.read(buf, None),
        }
    }

    /// Writes some of `bufs`, blocking at most [`WRITE_SLICE`] (then a
    /// timeout error, see [`is_timeout`]).
    #[inline]
    pub(crate) fn write_vectored(&self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        match self {
            Stream::Tcp(tcp) => {
                let mut io: &TcpStream = tcp;
                io.write_vectored(bufs)
            }
            Stream::Dialed(d) => d.write_vectored(bufs, Some(Instant::now() + WRITE_SLICE)),
        }
    }

    /// Writes some of `buf`, as [`write_vectored`](Self::write_vectored).
    #[inline]
    pub(crate) fn write(&self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Stream::Tcp(tcp) => {
                let mut io: &TcpStream = tcp;
                io.write(buf)
            }
            Stream::Dialed(d) => {
                d.write_vectored(&[IoSlice::new(buf)], Some(Instant::now() + WRITE_SLICE))
            }
        }
    }

    /// Shuts the stream down: a thread blocked in a read or write returns
    /// at once, and the peer sees the end.
    pub(crate) fn shutdown(&self) {
        match self {
            Stream::Tcp(tcp) => {
                let _ = tcp.shutdown(Shutdown::Both);
            }
            Stream::Dialed(d) => d.shutdown(),
        }
    }

    /// Sets the stream up for the read and write loops (see
    /// [`set_running_timeouts`]); a dialed stream's calls take their
    /// limits per call.
    pub(crate) fn set_running_timeouts(&self) -> io::Result<()> {
        match self {
            Stream::Tcp(tcp) => set_running_timeouts(tcp),
            Stream::Dialed(_) => Ok(()),
        }
    }
}

/// A connection's stream and TLS session.
#[derive(Debug)]
pub(crate) struct Link {
    /// The byte stream.
    pub(crate) stream: Stream,
    /// The TLS session, once the handshake finished.
    tls: OnceLock<Mutex<ClientConnection>>,
    /// Set when the driver gave the link up: its reader leaves quietly.
    retired: AtomicBool,
    /// The first failure a reader or writer saw.
    failure: Mutex<Option<TransportError>>,
    /// Bytes read but not fed when the reader stopped for a transport command
    /// (they belong to what comes next, e.g. the TLS handshake).
    leftover: Mutex<BytesMut>,
}

impl Link {
    /// A link over a connected stream.
    pub(crate) fn new(stream: Stream) -> Link {
        Link {
            stream,
            tls: OnceLock::new(),
            retired: AtomicBool::new(false),
            failure: Mutex::new(None),
            leftover: Mutex::new(BytesMut::new()),
        }
    }

    /// The TLS session, if the link runs TLS.
    pub(crate) fn tls(&self) -> Option<&Mutex<ClientConnection>> {
        self.tls.get()
    }

    /// Installs the TLS session after the handshake.
    pub(crate) fn set_tls(&self, conn: ClientConnection) {
        let _ = self.tls.set(Mutex::new(conn));
    }

    /// Whether the driver gave this link up.
    pub(crate) fn is_retired(&self) -> bool {
        self.retired.load(Ordering::SeqCst)
    }

    /// Gives the link up: the stream is shut down, so a reader blocked in
    /// `read` and a writer blocked in `write` return at once.
    pub(crate) fn retire(&self) {
        self.retired.store(true, Ordering::SeqCst);
        self.stream.shutdown();
    }

    /// Records a failure (the first one wins). Returns whether it was the first.
    pub(crate) fn fail(&self, error: TransportError) -> bool {
        let mut f = lock(&self.failure);
        if f.is_some() {
            return false;
        }
        *f = Some(error);
        true
    }

    /// The recorded failure, taken.
    pub(crate) fn take_failure(&self) -> Option<TransportError> {
        lock(&self.failure).take()
    }

    /// Whether a failure is waiting to be reported.
    pub(crate) fn has_failed(&self) -> bool {
        lock(&self.failure).is_some()
    }

    /// Keeps bytes the reader did not feed.
    pub(crate) fn set_leftover(&self, bytes: BytesMut) {
        *lock(&self.leftover) = bytes;
    }

    /// Takes the bytes the reader did not feed.
    pub(crate) fn take_leftover(&self) -> BytesMut {
        std::mem::take(&mut *lock(&self.leftover))
    }
}

/// Opens a TCP connection to `host:port`, trying each resolved address until
/// one answers or `deadline` passes (`None`: without limit), with
/// `TCP_NODELAY` set. With `local`, only addresses of its family are tried,
/// from a socket bound to it.
pub(crate) fn connect_tcp(
    host: &str,
    port: u16,
    local: Option<SocketAddr>,
    deadline: Option<Instant>,
) -> io::Result<TcpStream> {
    let mut last = None;
    for addr in (host, port).to_socket_addrs()? {
        let left = match time_left(deadline) {
            Ok(left) => left,
            Err(()) => {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "connection timed out",
                ));
            }
        };
        let attempt = match local {
            Some(local) if local.is_ipv4() != addr.is_ipv4() => continue,
            Some(local) => connect_from(addr, local, left),
            None => match left {
                Some(left) => TcpStream::connect_timeout(&addr, left),
                None => TcpStream::connect(addr),
            },
        };
        match attempt {
            Ok(tcp) => {
                tcp.set_nodelay(true)?;
                return Ok(tcp);
            }
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| {
        io::Error::new(io::ErrorKind::NotFound, "the name resolved to no address")
    }))
}

/// The time left before `deadline`: `Ok(None)` without one, `Err` once it
/// passed.
fn time_left(deadline: Option<Instant>) -> Result<Option<Duration>, ()> {
    let Some(deadline) = deadline else {
        return Ok(None);
    };
    let now = Instant::now();
    if now >= deadline {
        return Err(());
    }
    Ok(Some(deadline - now))
}

/// Connects to `addr` from a socket bound to `local`, within `timeout`
/// (`None`: without limit).
fn connect_from(
    addr: SocketAddr,
    local: SocketAddr,
    timeout: Option<Duration>,
) -> io::Result<TcpStream> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    socket.bind(&local.into())?;
    match timeout {
        Some(timeout) => socket.connect_timeout(&addr.into(), timeout)?,
        None => socket.connect(&addr.into())?,
    }
    Ok(socket.into())
}

/// Why a TLS handshake did not finish.
#[derive(Debug)]
pub(crate) enum HandshakeFailure {
    /// The connection attempt ran out of time. The core's connect timeout,
    /// which started no later, has passed too: its timer reports the failure
    /// (as [`ConnectTimeout`](natrs_client::DisconnectReason::ConnectTimeout),
    /// like every runtime's).
    TimedOut,
    /// The handshake failed: rustls' or the socket's reason.
    Failed(TransportCause),
}

impl From<String> for HandshakeFailure {
    fn from(reason: String) -> HandshakeFailure {
        HandshakeFailure::Failed(reason.into())
    }
}

impl From<io::Error> for HandshakeFailure {
    fn from(e: io::Error) -> HandshakeFailure {
        HandshakeFailure::Failed(tls_cause(e))
    }
}

impl From<rustls::Error> for HandshakeFailure {
    fn from(e: rustls::Error) -> HandshakeFailure {
        HandshakeFailure::Failed(TransportCause::with_source(tls_failure_text(&e), e))
    }
}

/// Runs the TLS handshake of `conn` over `stream` on the calling thread,
/// after feeding it `leftover` (bytes already read from the stream). Gives up
/// once `deadline` passes (`None`: never).
pub(crate) fn handshake(
    stream: &Stream,
    conn: &mut ClientConnection,
    leftover: &[u8],
    deadline: Option<Instant>,
) -> Result<(), HandshakeFailure> {
    let mut rest = leftover;
    while !rest.is_empty() {
        conn.read_tls(&mut rest)?;
        conn.process_new_packets()?;
    }
    match stream {
        Stream::Tcp(tcp) => handshake_over(conn, deadline, tcp, |left| {
            tcp.set_read_timeout(left)?;
            tcp.set_write_timeout(left)
        }),
        Stream::Dialed(dialed) => {
            handshake_over(conn, deadline, DialedIo { dialed, deadline }, |_| Ok(()))
        }
    }
}

/// The handshake's rounds over `io`, with `limit` setting how long its calls
/// may block (the time left before `deadline`; `None`: without limit).
fn handshake_over<T: Read + Write>(
    conn: &mut ClientConnection,
    deadline: Option<Instant>,
    mut io: T,
    limit: impl Fn(Option<Duration>) -> io::Result<()>,
) -> Result<(), HandshakeFailure> {
    while conn.is_handshaking() {
        let left = time_left(deadline).map_err(|()| HandshakeFailure::TimedOut)?;
        limit(left)?;
        match conn.complete_io(&mut io) {
            Ok(_) => {}
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                return Err(HandshakeFailure::TimedOut);
            }
            Err(e) => return Err(e.into()),
        }
    }
    // Anything the handshake still has to say (e.g. the client Finished).
    while conn.wants_write() {
        conn.write_tls(&mut io)?;
    }
    Ok(())
}

/// Sets the socket up for the read and write loops: reads block without
/// limit (the reader is stopped by shutting the socket down), writes block at
/// most [`WRITE_SLICE`].
pub(crate) fn set_running_timeouts(tcp: &TcpStream) -> io::Result<()> {
    tcp.set_read_timeout(None)?;
    tcp.set_write_timeout(Some(WRITE_SLICE))
}

/// Whether an io error only means "not now" (a timed-out blocking call).
pub(crate) fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut | io::ErrorKind::Interrupted
    )
}

/// What decrypting a batch of TLS records produced.
pub(crate) struct Decrypted {
    /// The peer sent `close_notify`: no more data comes.
    pub(crate) closed: bool,
    /// The session has records to send (an alert, a key update answer).
    pub(crate) wants_write: bool,
}

/// Feeds `records` (bytes read from the socket) to the TLS session and appends
/// the plaintext they carried to `out`.
pub(crate) fn decrypt(
    conn: &Mutex<ClientConnection>,
    mut records: &[u8],
    out: &mut BytesMut,
) -> Result<Decrypted, TransportError> {
    let mut conn = lock(conn);
    let mut closed = false;
    loop {
        // Plaintext first, so the session's plaintext buffer never fills up.
        loop {
            match conn.reader().fill_buf() {
                Ok([]) => {
                    closed = true;
                    break;
                }
                Ok(chunk) => {
                    let n = chunk.len();
                    out.extend_from_slice(chunk);
                    conn.reader().consume(n);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) => return Err(io_failure(e)),
            }
        }
        if records.is_empty() || closed {
            break;
        }
        match conn.read_tls(&mut records) {
            Ok(_) => {}
            Err(e) => return Err(io_failure(e)),
        }
        if let Err(e) = conn.process_new_packets() {
            return Err(TransportError::Tls(TransportCause::with_source(
                tls_failure_text(&e),
                e,
            )));
        }
    }
    Ok(Decrypted {
        closed,
        wants_write: conn.wants_write(),
    })
}

/// Reads what the socket has into `buf` (which must be initialized; its
/// length is the most read at once). `Ok(0)` means the peer closed.
pub(crate) fn read_socket(tcp: &TcpStream, buf: &mut [u8]) -> io::Result<usize> {
    let mut io = tcp;
    loop {
        match io.read(buf) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            r => return r,
        }
    }
}
