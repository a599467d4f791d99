//! A deterministic driver for `natrs_core::Client`: a simulated clock, a
//! scripted server side and a record of everything the client hands out.
//!
//! `Sim` plays the adapter of the crate docs' run loop: after every input or
//! command it drains `poll_transport`, `poll_transmit` and `poll_event`, and
//! [`Sim::advance`] calls `handle_timeout` at each deadline the client asks for,
//! in order, at exactly that instant. No sockets, no sleeps.
//!
//! It also checks, after every step, what must always hold: no event after
//! `Closed`, and `poll_timeout` never at or before `now` after `handle_timeout`.
#![allow(dead_code, unreachable_pub)]

use bytes::{Buf, Bytes, BytesMut};
use core::time::Duration;
use natrs_core::client::{TransportCommand, TransportEvent};
use natrs_core::error::TransportError;
use natrs_core::proto::WriteBuffer;
use natrs_core::{Client, Config, Event, Instant, ServerAddr};
use std::collections::VecDeque;
use std::fmt::Write as _;

/// One millisecond.
pub const MS: Duration = Duration::from_millis(1);
/// One second.
pub const SEC: Duration = Duration::from_secs(1);

/// The instant `ms` milliseconds after the epoch.
pub fn at_ms(ms: u64) -> Instant {
    Instant::from_nanos(ms * 1_000_000)
}

/// How server bytes are handed to `handle_input`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Feed {
    /// Everything in one call.
    Whole,
    /// One byte per call.
    Bytewise,
    /// Pieces of this many bytes.
    Chunks(usize),
}

/// Every way of feeding the tests that care about framing run with.
pub const FEEDS: [Feed; 4] = [
    Feed::Whole,
    Feed::Bytewise,
    Feed::Chunks(3),
    Feed::Chunks(7),
];

/// The INFO a well-behaved 2.15 server sends (headers, protocol 1, 1 MiB payloads).
pub const INFO: &str = r#"{"server_id":"SRV","server_name":"srv","version":"2.15.1","proto":1,"max_payload":1048576,"headers":true}"#;

/// `INFO <json>\r\n`.
pub fn info_line(json: &str) -> String {
    format!("INFO {json}\r\n")
}

/// `MSG subject sid [reply] len\r\npayload\r\n`.
pub fn msg(subject: &str, sid: u64, reply: Option<&str>, payload: &str) -> String {
    match reply {
        Some(r) => format!("MSG {subject} {sid} {r} {}\r\n{payload}\r\n", payload.len()),
        None => format!("MSG {subject} {sid} {}\r\n{payload}\r\n", payload.len()),
    }
}

/// `HMSG subject sid [reply] hlen total\r\nheaders payload\r\n`.
pub fn hmsg(subject: &str, sid: u64, reply: Option<&str>, headers: &str, payload: &str) -> String {
    let h = headers.len();
    let t = h + payload.len();
    match reply {
        Some(r) => format!("HMSG {subject} {sid} {r} {h} {t}\r\n{headers}{payload}\r\n"),
        None => format!("HMSG {subject} {sid} {h} {t}\r\n{headers}{payload}\r\n"),
    }
}

/// A configuration for `urls`, otherwise the defaults.
pub fn config(urls: &[&str]) -> Config {
    Config {
        servers: urls
            .iter()
            .map(|u| ServerAddr::parse(u).expect("test URL parses"))
            .collect(),
        ..Config::default()
    }
}

/// The `CONNECT` line the default configuration sends to a server with headers
/// (`extra` is spliced in after `tls_required`, e.g. `"name":"x",`).
pub fn default_connect(extra: &str) -> String {
    format!(
        "CONNECT {{\"verbose\":false,\"pedantic\":false,\"tls_required\":false,{extra}\"lang\":\"rust\",\"version\":\"{}\",\"protocol\":1,\"echo\":true,\"headers\":true,\"no_responders\":true}}\r\n",
        env!("CARGO_PKG_VERSION")
    )
}

/// The JSON document of the `CONNECT` line at the start of `sent`.
pub fn connect_json(sent: &str) -> serde_json::Value {
    let line = sent
        .strip_prefix("CONNECT ")
        .and_then(|s| s.split("\r\n").next())
        .unwrap_or_else(|| panic!("no CONNECT at the start of {sent:?}"));
    serde_json::from_str(line).expect("CONNECT carries JSON")
}

/// A simulated adapter around one client.
pub struct Sim {
    /// The client under test.
    pub client: Client,
    /// The simulated clock.
    pub now: Instant,
    /// How `server` feeds bytes.
    pub feed: Feed,
    read: BytesMut,
    write: WriteBuffer,
    sent: Vec<u8>,
    commands: VecDeque<TransportCommand>,
    events: VecDeque<Event>,
    closed: bool,
    /// The server of the latest `Connect` command.
    last_connect: Option<ServerAddr>,
    /// Everything that happened, in order, with instants (for determinism checks).
    pub log: Vec<String>,
    /// A `Connect` was asked for and its outcome not reported yet.
    attempt_open: bool,
}

impl Sim {
    /// A client made at instant zero with seed 1.
    pub fn new(config: Config) -> Sim {
        Sim::with_seed(config, 1)
    }

    /// A client made at instant zero with `seed`.
    pub fn with_seed(config: Config, seed: u64) -> Sim {
        let now = Instant::ZERO;
        let client = Client::new(config, now, seed).expect("valid configuration");
        let mut sim = Sim {
            client,
            now,
            feed: Feed::Whole,
            read: BytesMut::new(),
            write: WriteBuffer::new(),
            sent: Vec::new(),
            commands: VecDeque::new(),
            events: VecDeque::new(),
            closed: false,
            last_connect: None,
            log: Vec::new(),
            attempt_open: false,
        };
        sim.pump();
        sim
    }

    /// Drains every output the way an adapter must after each input or command.
    /// Returns whether a `Connect` or `Close` command came out (the socket the
    /// bytes were read from is gone then).
    pub fn pump(&mut self) -> bool {
        let mut socket_gone = false;
        loop {
            let mut progressed = false;
            while let Some(cmd) = self.client.poll_transport() {
                progressed = true;
                // An adapter writes what poll_transmit holds before carrying
                // out the next command (a Close writes the last bytes of a
                // healthy connection first); the bytes are collected after
                // each command for the same reason.
                self.log(format!("command {cmd:?}"));
                if let TransportCommand::Connect { server } = &cmd {
                    self.last_connect = Some(server.clone());
                    self.attempt_open = true;
                }
                if matches!(
                    cmd,
                    TransportCommand::Connect { .. } | TransportCommand::Close
                ) {
                    socket_gone = true;
                    self.read.clear();
                }
                self.commands.push_back(cmd);
                self.drain_transmit();
            }
            if self.drain_transmit() {
                progressed = true;
            }
            while let Some(event) = self.client.poll_event() {
                progressed = true;
                assert!(!self.closed, "event {event:?} after Closed");
                if matches!(event, Event::Closed { .. }) {
                    self.closed = true;
                }
                self.log(format!("event {event:?}"));
                self.events.push_back(event);
            }
            if !progressed {
                return socket_gone;
            }
        }
    }

    fn drain_transmit(&mut self) -> bool {
        if !self.client.poll_transmit(&mut self.write) {
            return false;
        }
        let mut bytes = Vec::with_capacity(self.write.len());
        while self.write.has_remaining() {
            let chunk = self.write.chunk();
            bytes.extend_from_slice(chunk);
            let n = chunk.len();
            self.write.advance(n);
        }
        self.log(format!("sent {:?}", String::from_utf8_lossy(&bytes)));
        self.sent.extend_from_slice(&bytes);
        true
    }

    fn log(&mut self, what: String) {
        let line = format!("{:>14} {what}", self.now.as_nanos());
        self.log.push(line);
    }

    /// Feeds bytes from the server (in pieces, per `feed`), draining after each
    /// piece. Stops early when the client drops the transport: the rest was on
    /// a socket that is closed now.
    pub fn server(&mut self, bytes: impl AsRef<[u8]>) {
        let bytes = bytes.as_ref();
        let size = match self.feed {
            Feed::Whole => bytes.len().max(1),
            Feed::Bytewise => 1,
            Feed::Chunks(n) => n.max(1),
        };
        self.log(format!("recv {:?}", String::from_utf8_lossy(bytes)));
        for piece in bytes.chunks(size) {
            self.read.extend_from_slice(piece);
            self.client.handle_input(self.now, &mut self.read);
            if self.pump() {
                return;
            }
        }
    }

    /// Reports a transport event.
    pub fn transport(&mut self, event: TransportEvent) {
        self.log(format!("transport {event:?}"));
        if !matches!(event, TransportEvent::TlsEstablished) {
            self.attempt_open = false;
        }
        self.client.handle_transport(self.now, event);
        self.pump();
    }

    /// `Connected`.
    pub fn tcp_up(&mut self) {
        self.transport(TransportEvent::Connected);
    }

    /// `Closed(Eof)`.
    pub fn eof(&mut self) {
        self.transport(TransportEvent::Closed(TransportError::Eof));
    }

    /// `Closed(Connect(refused))`.
    pub fn refused(&mut self) {
        self.transport(TransportEvent::Closed(TransportError::Connect(
            "refused".into(),
        )));
    }

    /// Moves the clock forward by `d`, running every deadline on the way at
    /// its exact instant.
    pub fn advance(&mut self, d: Duration) {
        let target = self.now + d;
        self.advance_to(target);
    }

    /// Moves the clock to `target`, running every deadline on the way at its
    /// exact instant.
    pub fn advance_to(&mut self, target: Instant) {
        while let Some(deadline) = self.client.poll_timeout() {
            if deadline > target {
                break;
            }
            self.now = self.now.max(deadline);
            self.log("timeout".into());
            self.client.handle_timeout(self.now);
            self.pump();
            if let Some(next) = self.client.poll_timeout() {
                assert!(
                    next > self.now,
                    "poll_timeout {next:?} not after handle_timeout({:?})",
                    self.now
                );
            }
        }
        self.now = self.now.max(target);
    }

    /// Runs a command against the client and drains the outputs.
    pub fn run<T>(&mut self, f: impl FnOnce(&mut Client, Instant) -> T) -> T {
        let now = self.now;
        let out = f(&mut self.client, now);
        self.pump();
        out
    }

    /// Publishes `payload` to `subject`.
    pub fn publish(&mut self, subject: &str, payload: &str) -> Result<(), natrs_core::Error> {
        let payload = Bytes::copy_from_slice(payload.as_bytes());
        self.run(|c, _| c.publish(subject, None, None, &payload))
    }

    /// The bytes written to the server since the last call, as text.
    pub fn sent(&mut self) -> String {
        String::from_utf8(std::mem::take(&mut self.sent)).expect("the client sends text here")
    }

    /// The bytes written to the server since the last call.
    pub fn sent_bytes(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.sent)
    }

    /// The transport commands since the last call.
    pub fn commands(&mut self) -> Vec<TransportCommand> {
        self.commands.drain(..).collect()
    }

    /// The events since the last call.
    pub fn events(&mut self) -> Vec<Event> {
        self.events.drain(..).collect()
    }

    /// Whether `Closed` was seen.
    pub fn saw_closed(&self) -> bool {
        self.closed
    }

    /// Takes the pending commands, which must be a `Connect` (after a `Close`
    /// of the previous transport, if any), and returns its server.
    pub fn expect_connect(&mut self) -> ServerAddr {
        match self.commands().as_slice() {
            [TransportCommand::Connect { server }]
            | [
                TransportCommand::Close,
                TransportCommand::Connect { server },
            ] => server.clone(),
            other => panic!("expected a Connect, got {other:?}"),
        }
    }

    /// Lets time pass, deadline by deadline, until the client asks to
    /// connect: attempts to one server are a reconnect wait apart, so after
    /// a connection that was just made ends, the next attempt to that server
    /// waits. Panics if none comes within a minute.
    pub fn wait_for_connect(&mut self) {
        let limit = self.now + Duration::from_secs(60);
        while !self
            .commands
            .iter()
            .any(|c| matches!(c, TransportCommand::Connect { .. }))
        {
            let next = self
                .client
                .poll_timeout()
                .filter(|t| *t <= limit)
                .unwrap_or_else(|| panic!("no Connect within a minute\n{}", dump(&self.log)));
            self.advance_to(next);
        }
    }

    /// Runs a handshake with `info` on the latest `Connect` (taking it if the
    /// test did not): TCP up, INFO, checks that `CONNECT ..\r\nPING\r\n` is
    /// sent, PONG. Returns the handshake bytes the client sent, the CONNECT
    /// line included, and checks that `Connected` or `Reconnected` was reported.
    pub fn handshake(&mut self, info: &str) -> String {
        let connect_pending = self
            .commands
            .iter()
            .any(|c| matches!(c, TransportCommand::Connect { .. }));
        if !connect_pending && !self.attempt_open {
            self.wait_for_connect();
        }
        let server = if self.commands.is_empty() {
            self.last_connect.clone().expect("a Connect was asked for")
        } else {
            self.expect_connect()
        };
        self.tcp_up();
        assert_eq!(self.sent(), "", "nothing is sent before INFO");
        self.server(info_line(info));
        let sent = self.sent();
        assert!(
            sent.starts_with("CONNECT {") && sent.ends_with("}\r\nPING\r\n"),
            "handshake sent {sent:?}"
        );
        self.server("PONG\r\n");
        let events = self.events();
        assert!(
            events.iter().any(|e| matches!(
                e,
                Event::Connected { server: s } | Event::Reconnected { server: s } if *s == server
            )),
            "no Connected/Reconnected to {server} in {events:?}"
        );
        // Put back the other events for the test to see.
        let rest: Vec<Event> = events
            .into_iter()
            .filter(|e| !matches!(e, Event::Connected { .. } | Event::Reconnected { .. }))
            .collect();
        self.events.extend(rest);
        sent
    }

    /// The handshake with the default INFO; returns what was sent after the
    /// handshake's PING (resubscriptions and the reconnect buffer).
    pub fn connect_ok(&mut self) -> String {
        self.handshake(INFO);
        self.sent()
    }
}

/// A short human-readable dump of a log, for assertion messages.
pub fn dump(log: &[String]) -> String {
    let mut s = String::new();
    for line in log {
        let _ = writeln!(s, "{line}");
    }
    s
}
