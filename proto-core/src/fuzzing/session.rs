//! The `session` fuzz target: a whole client session driven by bytes.
//!
//! The input is a configuration (two bytes) and then a sequence of actions,
//! each an opcode byte and its arguments: server bytes (raw or from a table of
//! realistic operations), clock advances, transport events, and every client
//! command. Server bytes are fed a few operations at a time, with the
//! outputs drained between pieces, as the client crates feed a read. After
//! each action the outputs are drained the way an adapter must, and these
//! are checked:
//!
//! - nothing panics;
//! - after `handle_timeout(now)`, `poll_timeout` is `None` or after `now`;
//! - `Closed` is the last event, nothing but a `Close` follows it, and a
//!   closed client has no deadline;
//! - `is_closed()` agrees with the events;
//! - the reconnect buffer never exceeds its limit.

use crate::client::{
    Client, Config, Event, RequestId, RequestManyOptions, Sid, TimerId, TransportCommand,
    TransportEvent,
};
use crate::error::{CloseReason, TransportError};
use crate::headers::HeaderMap;
use crate::proto::WriteBuffer;
use crate::server_addr::ServerAddr;
use crate::time::Instant;
use alloc::format;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use bytes::{Buf, Bytes, BytesMut};
use core::time::Duration;

const MS: u64 = 1_000_000;
const BUFFER_LIMIT: usize = 512;
/// Operations per piece of a read (see `Session::feed`).
const FEED_PIECE: usize = 3;

/// What a session did, for tests that check a corpus input reaches what it
/// was written for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SessionOutcome {
    /// Actions interpreted.
    pub actions: usize,
    /// `Connected` or `Reconnected` events.
    pub connections: usize,
    /// `Message` events.
    pub messages: usize,
    /// `Reply` events.
    pub replies: usize,
    /// `RequestDone` and `RequestFailed` events.
    pub requests_ended: usize,
    /// `Disconnected` events.
    pub disconnects: usize,
    /// Why the client closed (it always does: the session ends with `close`).
    pub close_reason: Option<CloseReason>,
    /// Bytes the client handed out to write.
    pub bytes_sent: usize,
}

/// Runs the session in `data` and checks the invariants (panics on a bug).
///
/// Input layout: a flags byte (bit 0 retain server order, 1 retry on initial
/// connect, 2 verbose, 3 no echo, 4 TLS handshake first, 5 TLS required,
/// 6 no reconnect buffer, 7 a custom reconnect delay that is sometimes zero),
/// a seed byte, then actions. An action is an opcode byte (taken mod 16) and
/// its arguments (a missing argument reads as 0):
///
/// | op | action | arguments |
/// |---|---|---|
/// | 0 | raw server bytes | length (mod 64), the bytes |
/// | 1 | a realistic server op (INFO variants, PING, PONG, +OK, -ERR kinds, MSG/HMSG, replies to the client's inboxes, garbage) | which (mod 24), a sid or inbox byte for some |
/// | 2 | advance the clock, running every deadline on the way | 0: to the next deadline; n: n × 7 ms |
/// | 3 | transport event | Connected, TlsEstablished, Closed(Eof), Closed(Connect) (mod 4) |
/// | 4 | publish | subject, reply and headers choice; payload length |
/// | 5 | subscribe | subject and queue choice |
/// | 6 | unsubscribe | sid choice, optional max |
/// | 7 | request, or request_many when bit 6 is set | subject choice; timeout; for request_many an options byte |
/// | 8, 9, 10 | flush, drain, close | |
/// | 11 | drain_subscription | sid choice |
/// | 12 | reconnect | |
/// | 13 | set a timer (odd byte) or cancel the last one | delay |
/// | 14 | cancel_request | which |
/// | 15 | a whole handshake: Connected, INFO, PONG | |
pub fn session_outcome(data: &[u8]) -> SessionOutcome {
    let [flags, seed, rest @ ..] = data else {
        return SessionOutcome::default();
    };
    let Some(mut s) = Session::new(*flags, *seed) else {
        return SessionOutcome::default();
    };
    let mut input = Input { data: rest };
    s.pump();
    while let Some(op) = input.byte() {
        s.outcome.actions += 1;
        s.action(op, &mut input);
        s.pump();
        s.check();
    }
    // Whatever state it was left in, closing ends it cleanly.
    let now = s.now;
    s.client.close(now);
    s.pump();
    s.check();
    assert!(s.closed, "close() always ends with Closed");
    s.outcome
}

struct Input<'a> {
    data: &'a [u8],
}

impl Input<'_> {
    fn byte(&mut self) -> Option<u8> {
        let (&b, rest) = self.data.split_first()?;
        self.data = rest;
        Some(b)
    }

    /// A byte, or 0 at the end of the input.
    fn arg(&mut self) -> u8 {
        self.byte().unwrap_or(0)
    }

    fn take(&mut self, n: usize) -> &[u8] {
        let n = n.min(self.data.len());
        let (head, rest) = self.data.split_at(n);
        self.data = rest;
        head
    }
}

struct Session {
    client: Client,
    now: Instant,
    read: BytesMut,
    write: WriteBuffer,
    closed: bool,
    /// Reply subjects seen in the client's PUBs (requests' inboxes).
    replies: Vec<String>,
    sids: Vec<Sid>,
    requests: Vec<RequestId>,
    timers: Vec<(TimerId, Instant)>,
    outcome: SessionOutcome,
}

const SUBJECTS: [&str; 8] = ["a.b", "a.*", "a.>", "", "a b", "foo", "_INBOX.x", "a..b"];

impl Session {
    fn new(flags: u8, seed: u8) -> Option<Session> {
        let servers = ["nats://127.0.0.1:4222", "tls://localhost:4223"]
            .iter()
            .filter_map(|u| ServerAddr::parse(u).ok())
            .collect();
        let config = Config {
            servers,
            retain_servers_order: flags & 1 != 0,
            retry_on_initial_connect: flags & 2 != 0,
            verbose: flags & 4 != 0,
            echo: flags & 8 == 0,
            tls_handshake_first: flags & 16 != 0,
            tls_required: flags & 32 != 0,
            reconnect_buffer_size: if flags & 64 != 0 { 0 } else { BUFFER_LIMIT },
            reconnect_delay: if flags & 128 != 0 {
                Some(Arc::new(|passes: u32| {
                    Duration::from_millis(u64::from(passes % 3) * 50)
                }))
            } else {
                None
            },
            ping_interval: Duration::from_secs(1),
            max_pings_out: 2,
            connect_timeout: Duration::from_millis(500),
            reconnect_wait: Duration::from_millis(100),
            reconnect_jitter: Duration::from_millis(10),
            reconnect_jitter_tls: Duration::from_millis(20),
            max_reconnects: Some(4),
            drain_timeout: Duration::from_secs(2),
            max_control_line: 256,
            max_inbound_control_line: 512,
            ..Config::default()
        };
        let now = Instant::from_nanos(1);
        let client = Client::new(config, now, u64::from(seed)).ok()?;
        Some(Session {
            client,
            now,
            read: BytesMut::new(),
            write: WriteBuffer::new(),
            closed: false,
            replies: Vec::new(),
            sids: Vec::new(),
            requests: Vec::new(),
            timers: Vec::new(),
            outcome: SessionOutcome::default(),
        })
    }

    /// Drains every output, as the run loop requires.
    fn pump(&mut self) {
        loop {
            let mut progressed = false;
            while let Some(cmd) = self.client.poll_transport() {
                progressed = true;
                assert!(
                    !self.closed || cmd == TransportCommand::Close,
                    "{cmd:?} after Closed"
                );
                if matches!(
                    cmd,
                    TransportCommand::Connect { .. } | TransportCommand::Close
                ) {
                    // A new or no socket: nothing read from the old one is left.
                    self.read.clear();
                }
            }
            if self.client.poll_transmit(&mut self.write) {
                progressed = true;
                let mut sent = Vec::with_capacity(self.write.len());
                while self.write.has_remaining() {
                    let chunk = self.write.chunk();
                    sent.extend_from_slice(chunk);
                    let n = chunk.len();
                    self.write.advance(n);
                }
                self.outcome.bytes_sent += sent.len();
                self.record_replies(&sent);
            }
            while let Some(event) = self.client.poll_event() {
                progressed = true;
                assert!(!self.closed, "{event:?} after Closed");
                match event {
                    Event::Closed { reason } => {
                        self.closed = true;
                        self.outcome.close_reason = Some(reason);
                    }
                    Event::Connected { .. } | Event::Reconnected { .. } => {
                        self.outcome.connections += 1
                    }
                    Event::Disconnected { .. } => self.outcome.disconnects += 1,
                    Event::Message { .. } => self.outcome.messages += 1,
                    Event::Reply { .. } => self.outcome.replies += 1,
                    Event::RequestDone { .. } | Event::RequestFailed { .. } => {
                        self.outcome.requests_ended += 1
                    }
                    _ => {}
                }
            }
            if !progressed {
                return;
            }
        }
    }

    /// Remembers the reply subjects of `PUB`/`HPUB` lines in `sent`.
    fn record_replies(&mut self, sent: &[u8]) {
        for line in sent.split(|&b| b == b'\n') {
            let Ok(line) = core::str::from_utf8(line) else {
                continue;
            };
            let fields: Vec<&str> = line.trim_end().split(' ').collect();
            let reply = match fields.as_slice() {
                ["PUB", _, reply, _] | ["HPUB", _, reply, _, _] => *reply,
                _ => continue,
            };
            if self.replies.len() == 8 {
                self.replies.remove(0);
            }
            self.replies.push(String::from(reply));
        }
    }

    fn check(&self) {
        assert_eq!(self.client.is_closed(), self.closed);
        if self.closed {
            assert_eq!(
                self.client.poll_timeout(),
                None,
                "a closed client has no deadline"
            );
        }
        assert!(self.client.buffered_bytes() <= BUFFER_LIMIT);
    }

    /// Feeds server bytes the way the client crates do: a few operations at
    /// a time, draining the outputs after each piece.
    fn feed(&mut self, bytes: &[u8]) {
        self.read.extend_from_slice(bytes);
        while self
            .client
            .handle_input_some(self.now, &mut self.read, FEED_PIECE)
        {
            self.pump();
        }
    }

    /// Moves the clock to `target`, calling `handle_timeout` at each deadline.
    fn advance_to(&mut self, target: Instant) {
        let mut rounds = 0;
        while let Some(deadline) = self.client.poll_timeout() {
            if deadline > target {
                break;
            }
            rounds += 1;
            assert!(rounds < 10_000, "deadlines never stop coming");
            self.now = self.now.max(deadline);
            self.client.handle_timeout(self.now);
            self.pump();
            if let Some(next) = self.client.poll_timeout() {
                assert!(
                    next > self.now,
                    "poll_timeout {next:?} not after {:?}",
                    self.now
                );
            }
        }
        self.now = self.now.max(target);
    }

    fn sid(&self, b: u8) -> Sid {
        match self.sids.get(usize::from(b) % (self.sids.len() + 1)) {
            Some(sid) => *sid,
            None => Sid(u64::from(b % 8)),
        }
    }

    fn action(&mut self, op: u8, input: &mut Input<'_>) {
        let now = self.now;
        match op % 16 {
            0 => {
                let n = usize::from(input.arg() % 64);
                let bytes = Vec::from(input.take(n));
                self.feed(&bytes);
            }
            1 => {
                let k = input.arg();
                let bytes = self.canned(k, input);
                self.feed(&bytes);
            }
            2 => {
                let d = input.arg();
                let target = if d == 0 {
                    self.client.poll_timeout().unwrap_or(now).max(now)
                } else {
                    now + Duration::from_nanos(u64::from(d) * 7 * MS)
                };
                self.advance_to(target);
            }
            3 => {
                let event = match input.arg() % 4 {
                    0 => TransportEvent::Connected,
                    1 => TransportEvent::TlsEstablished,
                    2 => TransportEvent::Closed(TransportError::Eof),
                    _ => TransportEvent::Closed(TransportError::Connect("refused".into())),
                };
                self.client.handle_transport(now, event);
            }
            4 => {
                let s = input.arg();
                let len = usize::from(input.arg());
                let subject = SUBJECTS[usize::from(s) % SUBJECTS.len()];
                let payload = Bytes::from(alloc::vec![b'x'; len]);
                let reply = (s & 0x10 != 0).then_some("r.1");
                let headers = header_map(s >> 5);
                let _ = self
                    .client
                    .publish(subject, reply, headers.as_ref(), &payload);
            }
            5 => {
                let s = input.arg();
                let subject = SUBJECTS[usize::from(s) % SUBJECTS.len()];
                let queue = match s >> 4 {
                    0..=7 => None,
                    8..=13 => Some("q"),
                    _ => Some("bad q"),
                };
                if let Ok(sid) = self.client.subscribe(subject, queue) {
                    self.sids.push(sid);
                }
            }
            6 => {
                let b = input.arg();
                let max = (b & 0x80 != 0).then_some(u64::from((b >> 3) & 7));
                let _ = self.client.unsubscribe(self.sid(b), max);
            }
            7 => {
                let b = input.arg();
                let t = input.arg();
                let subject = SUBJECTS[usize::from(b) % SUBJECTS.len()];
                let timeout = Duration::from_millis((u64::from(t) + 1) * 10);
                let payload = Bytes::from_static(b"req");
                let result = if b & 0x40 != 0 {
                    let o = input.arg();
                    let options = RequestManyOptions {
                        max_messages: (o & 1 != 0).then_some(u64::from((o >> 1) & 3)),
                        stall: (o & 8 != 0).then(|| Duration::from_millis(u64::from(o >> 4) * 5)),
                        sentinel: o & 4 != 0,
                    };
                    self.client
                        .request_many(now, subject, None, &payload, timeout, options)
                } else {
                    self.client.request(now, subject, None, &payload, timeout)
                };
                if let Ok(id) = result {
                    self.requests.push(id);
                }
            }
            8 => {
                let _ = self.client.flush(now);
            }
            9 => {
                let _ = self.client.drain(now);
            }
            10 => self.client.close(now),
            11 => {
                let b = input.arg();
                let _ = self.client.drain_subscription(self.sid(b));
            }
            12 => self.client.reconnect(now),
            13 => {
                let b = input.arg();
                if b & 1 != 0 {
                    let at = now + Duration::from_millis(u64::from(b >> 1) * 10);
                    let id = self.client.set_timer(at);
                    self.timers.push((id, at));
                } else if let Some((id, at)) = self.timers.pop() {
                    let _ = self.client.cancel_timer(id, at);
                }
            }
            14 => {
                let b = usize::from(input.arg());
                if let Some(&id) = self.requests.get(b % (self.requests.len() + 1)) {
                    self.client.cancel_request(now, id);
                }
            }
            _ => {
                // A whole handshake in one action, so that short inputs get connected.
                self.client.handle_transport(now, TransportEvent::Connected);
                self.pump();
                self.feed(INFO_DEFAULT.as_bytes());
                self.pump();
                self.feed(b"PONG\r\n");
            }
        }
    }

    /// A realistic server operation, chosen by `k`.
    fn canned(&mut self, k: u8, input: &mut Input<'_>) -> Vec<u8> {
        let text: String = match k % 24 {
            0 => String::from(INFO_DEFAULT),
            1 => String::from("INFO {\"server_id\":\"OLD\",\"proto\":0,\"max_payload\":1024}\r\n"),
            2 => String::from(
                "INFO {\"server_id\":\"T\",\"proto\":1,\"max_payload\":1024,\"headers\":true,\"tls_required\":true}\r\n",
            ),
            3 => String::from(
                "INFO {\"server_id\":\"C\",\"proto\":1,\"max_payload\":1024,\"headers\":true,\"connect_urls\":[\"127.0.0.9:4222\",\"127.0.0.10:4222\"]}\r\n",
            ),
            4 => String::from(
                "INFO {\"server_id\":\"L\",\"proto\":1,\"max_payload\":1024,\"headers\":true,\"ldm\":true}\r\n",
            ),
            5 => String::from(
                "INFO {\"server_id\":\"N\",\"proto\":1,\"max_payload\":1024,\"headers\":true,\"nonce\":\"abc\"}\r\n",
            ),
            6 => String::from("PONG\r\n"),
            7 => String::from("PING\r\n"),
            8 => String::from("+OK\r\n"),
            9 => String::from("-ERR 'Authorization Violation'\r\n"),
            10 => String::from("-ERR 'Permissions Violation for Subscription to \"a.b\"'\r\n"),
            11 => String::from("-ERR 'Permissions Violation for Publish to \"a\"'\r\n"),
            12 => String::from("-ERR 'Stale Connection'\r\n"),
            13 => {
                let sid = self.sid(input.arg());
                format!("MSG a.b {sid} 3\r\nabc\r\n")
            }
            14 => {
                let sid = self.sid(input.arg());
                format!("MSG a.b {sid} r.x 0\r\n\r\n")
            }
            15 => {
                let sid = self.sid(input.arg());
                format!("HMSG a.b {sid} 18 20\r\nNATS/1.0\r\nK: v\r\n\r\nhi\r\n")
            }
            16 => {
                let sid = self.sid(input.arg());
                format!("HMSG a.b {sid} 21 21\r\nNATS/1.0\r\nnocolon\r\n\r\n\r\n")
            }
            17..=19 => {
                let b = usize::from(input.arg());
                let Some(reply) = self.replies.get(b % self.replies.len().max(1)) else {
                    return Vec::new();
                };
                match k % 24 {
                    17 => format!("MSG {reply} 1 5\r\nreply\r\n"),
                    18 => format!("HMSG {reply} 1 16 16\r\nNATS/1.0 503\r\n\r\n\r\n"),
                    _ => format!("MSG {reply} 1 0\r\n\r\n"),
                }
            }
            20 => String::from(
                "INFO {\"server_id\":\"S\",\"proto\":1,\"max_payload\":16,\"headers\":true}\r\n",
            ),
            21 => String::from("-ERR 'Invalid Subject'\r\n"),
            22 => String::from("XYZ\r\n"),
            _ => String::from(
                "INFO {\"server_id\":\"A\",\"proto\":1,\"max_payload\":1024,\"tls_available\":true}\r\n",
            ),
        };
        text.into_bytes()
    }
}

const INFO_DEFAULT: &str = "INFO {\"server_id\":\"S\",\"proto\":1,\"max_payload\":1024,\"headers\":true,\"tls_available\":true}\r\n";

fn header_map(kind: u8) -> Option<HeaderMap> {
    match kind {
        0..=3 => None,
        4..=5 => {
            let mut h = HeaderMap::new();
            h.insert("K", "v");
            Some(h)
        }
        6 => {
            let mut h = HeaderMap::new();
            h.insert("K", "bad\r\nvalue");
            Some(h)
        }
        _ => Some(HeaderMap::new()),
    }
}
