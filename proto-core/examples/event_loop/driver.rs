//! A blocking, single-threaded driver for `natrs_core::Client` over
//! `std::net::TcpStream`: the run loop of the `natrs-core` crate docs written
//! out by hand. Shared by the `event_loop` example and the real-server smoke
//! test (`tests/real_server_smoke.rs`), which include this file with `#[path]`.
//!
//! The loop waits in exactly one place: a blocking `read` whose timeout is the
//! time left until the core's next deadline (or the caller's, if earlier).
//! Data wakes it at once; otherwise it wakes at the deadline and calls
//! `handle_timeout`. Writes are blocking `write_all`s. While there is no
//! socket (between reconnect attempts) it sleeps until the next deadline,
//! which is then the only thing that can happen. TLS is not supported here:
//! an `UpgradeTls` command is answered with a TLS failure.
// The driver is the adapter: it owns the clock and the socket, which the
// core's lints forbid inside the core.
#![allow(
    clippy::disallowed_methods,
    clippy::disallowed_types,
    dead_code,
    unreachable_pub
)]

use bytes::{Buf, Bytes, BytesMut};
use natrs_core::client::{FlushId, RequestId, TransportCommand, TransportEvent};
use natrs_core::error::{TransportCause, TransportError};
use natrs_core::proto::WriteBuffer;
use natrs_core::{Client, Config, Error, Event, Instant, ServerAddr, Sid};
use std::collections::VecDeque;
use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, TcpStream, ToSocketAddrs};
use std::time::Duration;

/// The client and its socket, clock and queues.
pub struct Driver {
    client: Client,
    /// The adapter's epoch: `Instant` counts nanoseconds since it.
    epoch: std::time::Instant,
    stream: Option<TcpStream>,
    read_buf: BytesMut,
    write_buf: WriteBuffer,
    events: VecDeque<Event>,
}

impl Driver {
    /// Makes the client; it starts connecting on the first turn of the loop.
    pub fn new(config: Config) -> Result<Driver, natrs_core::client::ConfigError> {
        let epoch = std::time::Instant::now();
        // Any value will do; the time of day differs from run to run.
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        let client = Client::new(config, Instant::ZERO, seed)?;
        Ok(Driver {
            client,
            epoch,
            stream: None,
            read_buf: BytesMut::with_capacity(64 * 1024),
            write_buf: WriteBuffer::new(),
            events: VecDeque::new(),
        })
    }

    /// A driver for the servers in `urls` (comma-separated), otherwise the
    /// default configuration.
    pub fn connect(urls: &str) -> Result<Driver, String> {
        let servers = ServerAddr::parse_list(urls).map_err(|e| e.to_string())?;
        Driver::new(Config {
            servers,
            ..Config::default()
        })
        .map_err(|e| e.to_string())
    }

    fn now(&self) -> Instant {
        Instant::from_nanos(self.epoch.elapsed().as_nanos() as u64)
    }

    fn to_std(&self, at: Instant) -> std::time::Instant {
        self.epoch + Duration::from_nanos(at.as_nanos())
    }

    /// The client, for commands this small API does not wrap. Call
    /// [`Driver::pump`] after using it.
    pub fn client(&mut self) -> &mut Client {
        &mut self.client
    }

    // ----- commands -----

    /// Publishes `payload` to `subject`, with an optional reply subject.
    pub fn publish(
        &mut self,
        subject: &str,
        reply: Option<&str>,
        payload: &[u8],
    ) -> Result<(), Error> {
        let payload = Bytes::copy_from_slice(payload);
        let result = self.client.publish(subject, reply, None, &payload);
        self.pump();
        result
    }

    /// Subscribes to `subject`.
    pub fn subscribe(&mut self, subject: &str) -> Result<Sid, Error> {
        let result = self.client.subscribe(subject, None);
        self.pump();
        result
    }

    /// Sends a request; its reply comes as [`Event::Reply`] (or
    /// [`Event::RequestFailed`]).
    pub fn request(
        &mut self,
        subject: &str,
        payload: &[u8],
        timeout: Duration,
    ) -> Result<RequestId, Error> {
        let payload = Bytes::copy_from_slice(payload);
        let now = self.now();
        let result = self.client.request(now, subject, None, &payload, timeout);
        self.pump();
        result
    }

    /// Asks the server to confirm everything sent so far ([`Event::FlushDone`]).
    pub fn flush(&mut self) -> Result<FlushId, Error> {
        let now = self.now();
        let result = self.client.flush(now);
        self.pump();
        result
    }

    /// Closes the client; its last bytes are written before the socket closes.
    pub fn close(&mut self) {
        let now = self.now();
        self.client.close(now);
        self.pump();
    }

    /// Runs the loop until an event is available or `timeout` has passed.
    pub fn next_event(&mut self, timeout: Duration) -> Option<Event> {
        let until = self.now() + timeout;
        loop {
            self.pump();
            if let Some(event) = self.events.pop_front() {
                return Some(event);
            }
            if self.now() >= until || self.client.is_closed() && self.stream.is_none() {
                return None;
            }
            self.wait(until);
        }
    }

    /// Runs the loop, handing every event to `f`, until `f` returns `Some`
    /// (returned) or `timeout` passes (`None`).
    pub fn wait_for<T>(
        &mut self,
        timeout: Duration,
        mut f: impl FnMut(&mut Driver, Event) -> Option<T>,
    ) -> Option<T> {
        let until = std::time::Instant::now() + timeout;
        loop {
            let left = until.saturating_duration_since(std::time::Instant::now());
            let event = self.next_event(left)?;
            if let Some(t) = f(self, event) {
                return Some(t);
            }
        }
    }

    // ----- the loop -----

    /// Drains every output of the client: transport commands, bytes to
    /// write, events (queued for `next_event`).
    pub fn pump(&mut self) {
        loop {
            let mut progressed = false;
            while let Some(cmd) = self.client.poll_transport() {
                progressed = true;
                self.carry_out(cmd);
            }
            if self.client.poll_transmit(&mut self.write_buf) {
                progressed = true;
                self.write_out();
            }
            while let Some(event) = self.client.poll_event() {
                progressed = true;
                self.events.push_back(event);
            }
            if !progressed {
                return;
            }
        }
    }

    fn carry_out(&mut self, cmd: TransportCommand) {
        match cmd {
            TransportCommand::Connect { server } => {
                self.drop_socket();
                let deadline = self.client.poll_timeout();
                let event = match self.open(&server, deadline) {
                    Ok(stream) => {
                        self.stream = Some(stream);
                        TransportEvent::Connected
                    }
                    Err(e) => TransportEvent::Closed(TransportError::Connect(e.into())),
                };
                let now = self.now();
                self.client.handle_transport(now, event);
            }
            TransportCommand::UpgradeTls { .. } => {
                let now = self.now();
                self.client.handle_transport(
                    now,
                    TransportEvent::Closed(TransportError::Tls(
                        "this example does not do TLS".into(),
                    )),
                );
            }
            TransportCommand::Close => {
                // Bytes still held for a healthy connection go out first.
                if self.client.poll_transmit(&mut self.write_buf) {
                    self.write_out();
                }
                self.drop_socket();
            }
            _ => {}
        }
    }

    /// Opens TCP to `server`, trying each address it resolves to, within the
    /// core's connect deadline.
    fn open(&self, server: &ServerAddr, deadline: Option<Instant>) -> Result<TcpStream, String> {
        let addrs = server
            .host_port()
            .to_socket_addrs()
            .map_err(|e| e.to_string())?;
        let mut last = String::from("no address");
        for addr in addrs {
            let left = deadline
                .map(|d| {
                    self.to_std(d)
                        .saturating_duration_since(std::time::Instant::now())
                })
                .unwrap_or(Duration::from_secs(2))
                .max(Duration::from_millis(1));
            match TcpStream::connect_timeout(&addr, left) {
                Ok(stream) => {
                    let _ = stream.set_nodelay(true);
                    return Ok(stream);
                }
                Err(e) => last = e.to_string(),
            }
        }
        Err(last)
    }

    /// Writes all of `write_buf` with blocking writes.
    fn write_out(&mut self) {
        let Some(stream) = self.stream.as_mut() else {
            self.write_buf.clear();
            return;
        };
        let mut failed = None;
        while self.write_buf.has_remaining() {
            let chunk = self.write_buf.chunk();
            match stream.write(chunk) {
                Ok(0) => {
                    failed = Some(TransportError::Io("write returned 0".into()));
                    break;
                }
                Ok(n) => self.write_buf.advance(n),
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => {
                    failed = Some(TransportError::Io(TransportCause::with_source(
                        e.to_string(),
                        e,
                    )));
                    break;
                }
            }
        }
        if let Some(error) = failed {
            self.write_buf.clear();
            self.drop_socket();
            let now = self.now();
            self.client
                .handle_transport(now, TransportEvent::Closed(error));
        }
    }

    fn drop_socket(&mut self) {
        if let Some(stream) = self.stream.take() {
            let _ = stream.shutdown(Shutdown::Both);
        }
        self.read_buf.clear();
    }

    /// Waits for bytes or the next deadline (the core's or `until`), whichever
    /// comes first, and feeds the client what happened.
    fn wait(&mut self, until: Instant) {
        let deadline = match self.client.poll_timeout() {
            Some(t) => t.min(until),
            None => until,
        };
        let now = self.now();
        if deadline > now {
            let left = deadline - now;
            match self.stream.as_mut() {
                Some(stream) => {
                    if stream.set_read_timeout(Some(left)).is_ok() {
                        let mut chunk = [0u8; 64 * 1024];
                        match stream.read(&mut chunk) {
                            Ok(0) => {
                                self.drop_socket();
                                let now = self.now();
                                self.client.handle_transport(
                                    now,
                                    TransportEvent::Closed(TransportError::Eof),
                                );
                                return;
                            }
                            Ok(n) => {
                                self.read_buf.extend_from_slice(&chunk[..n]);
                                let now = self.now();
                                self.client.handle_input(now, &mut self.read_buf);
                                return;
                            }
                            Err(e)
                                if matches!(
                                    e.kind(),
                                    ErrorKind::WouldBlock
                                        | ErrorKind::TimedOut
                                        | ErrorKind::Interrupted
                                ) => {}
                            Err(e) => {
                                self.drop_socket();
                                let now = self.now();
                                self.client.handle_transport(
                                    now,
                                    TransportEvent::Closed(TransportError::Io(
                                        TransportCause::with_source(e.to_string(), e),
                                    )),
                                );
                                return;
                            }
                        }
                    }
                }
                // No socket: only a deadline can change anything.
                None => std::thread::sleep(left),
            }
        }
        let now = self.now();
        if self.client.poll_timeout().is_some_and(|t| t <= now) {
            self.client.handle_timeout(now);
        }
    }
}
