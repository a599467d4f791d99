//! The connection state machine.
//!
//! [`Client`] holds everything a NATS connection needs except IO: the session
//! (subscriptions, pending requests, server pool, reconnect buffer, statistics,
//! the seeded RNG) and the current connection (parser, handshake phase, PINGs
//! in flight). See the [crate docs](crate) for the run loop that drives it.

mod config;
mod conn;
mod event;
mod inbound;
mod lifecycle;
mod pool;
mod requests;
mod sid_map;
mod stats;
mod subs;
mod websocket;

pub use config::{
    Config, ConfigError, ReconnectDelay, ServerChoice, ServerChooser, WebSocketConfig,
};
pub use event::{
    Event, FlushError, FlushId, RequestError, RequestId, Sid, SubscriptionEnd, TimerId,
    TransportCommand, TransportEvent,
};
pub use pool::MAX_DISCOVERED;
pub use requests::RequestManyOptions;
pub use sid_map::{SidHasher, SidMap};
pub use stats::Statistics;

use crate::error::{CloseReason, ConnectStep, DisconnectReason, Error};
use crate::headers::HeaderMap;
use crate::nuid::Nuid;
use crate::payload::Payload;
use crate::proto::{self, ParserLimits, ServerInfo, WriteBuffer};
use crate::server_addr::{Scheme, ServerAddr};
use crate::subject;
use crate::time::Instant;
use alloc::collections::{BTreeSet, VecDeque};
use alloc::string::String;
use alloc::vec::Vec;
use bytes::BytesMut;
use conn::{Conn, PingPurpose};
use core::time::Duration;
use pool::Pool;
use requests::Requests;
use subs::Subs;

/// The client's connection state as the application sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectionState {
    /// Making the first connection.
    Connecting,
    /// Connected (the handshake finished).
    Connected,
    /// Lost the connection; buffering publishes and trying to reconnect.
    Reconnecting,
    /// Closed for good.
    Closed,
}

/// Where a connection drain is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DrainStage {
    /// Asked for; starts once connected.
    Waiting,
    /// Subscriptions unsubscribed; waiting for the PONG proving no more messages come.
    Subscriptions,
    /// Waiting for requests in flight to finish.
    Requests,
    /// Publishes refused; waiting for the PONG proving every publish was processed.
    Publishes,
}

#[derive(Debug, Clone, Copy)]
struct Drain {
    deadline: Instant,
    stage: DrainStage,
}

/// A NATS client connection as a deterministic state machine.
///
/// Methods fall into four groups:
/// - inputs: [`handle_input`](Client::handle_input),
///   [`handle_transport`](Client::handle_transport),
///   [`handle_timeout`](Client::handle_timeout);
/// - commands, which return local errors at once and leave the connection usable:
///   [`publish`](Client::publish), [`subscribe`](Client::subscribe),
///   [`unsubscribe`](Client::unsubscribe), [`drain_subscription`](Client::drain_subscription),
///   [`request`](Client::request), [`request_many`](Client::request_many),
///   [`cancel_request`](Client::cancel_request), [`flush`](Client::flush),
///   [`drain`](Client::drain), [`close`](Client::close), [`reconnect`](Client::reconnect),
///   [`set_timer`](Client::set_timer), [`cancel_timer`](Client::cancel_timer);
/// - outputs, to drain after every input or command:
///   [`poll_transport`](Client::poll_transport), [`poll_transmit`](Client::poll_transmit),
///   [`poll_event`](Client::poll_event), then [`poll_timeout`](Client::poll_timeout);
/// - getters: [`state`](Client::state), [`server_info`](Client::server_info),
///   [`statistics`](Client::statistics), and others.
pub struct Client {
    config: Config,
    limits: ParserLimits,
    rng: fastrand::Rng,
    nuid: Nuid,
    pool: Pool,
    state: ConnectionState,
    conn: Option<Conn>,
    /// Counts connection attempts, so that input read from one connection is
    /// never parsed as another's.
    conn_epoch: u64,
    /// When to start the next pass over the pool.
    retry_at: Option<Instant>,
    /// When to go on with the current pass: its next server was tried less
    /// than a reconnect wait ago.
    attempt_at: Option<Instant>,
    /// The pass the application asked for with `reconnect`: its attempts
    /// are not spaced.
    unspaced_pass: bool,
    /// The last connection ended before the server confirmed a SUB: the
    /// next replay sends a PING after every SUB, so that the one a server
    /// ends connections over is known (and dropped) if it happens again.
    careful_replay: bool,
    /// Servers still to try in the current pass.
    pass_left: usize,
    /// Passes that failed in a row.
    failed_passes: u32,
    /// Publishes made while not connected (the reconnect buffer); after close,
    /// the last bytes of a gracefully closed connection.
    pending: WriteBuffer,
    /// Flushes asked for while not connected, sent after the reconnect buffer.
    deferred_flushes: Vec<FlushId>,
    subs: Subs,
    requests: Requests,
    timers: BTreeSet<(Instant, u64)>,
    next_timer: u64,
    next_flush: u64,
    drain: Option<Drain>,
    events: VecDeque<Event>,
    commands: VecDeque<TransportCommand>,
    stats: Statistics,
    /// The latest INFO from any server (max payload and headers support).
    info: Option<ServerInfo>,
    ever_connected: bool,
    last_error: Option<DisconnectReason>,
    /// Reused for reply subjects of requests.
    scratch: String,
}

impl core::fmt::Debug for Client {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Client")
            .field("state", &self.state)
            .field("server", &self.conn.as_ref().map(|c| &c.server))
            .field("subscriptions", &self.subs.len())
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client that starts connecting at once: the first
    /// [`poll_transport`](Client::poll_transport) asks to connect.
    ///
    /// `seed` feeds every random choice (server order, jitter, inbox names), so
    /// a given seed and input sequence always produce the same outputs.
    pub fn new(mut config: Config, now: Instant, seed: u64) -> Result<Client, ConfigError> {
        if subject::validate_subject(&config.inbox_prefix, false).is_err() {
            return Err(ConfigError::InvalidInboxPrefix(config.inbox_prefix));
        }
        if config.max_pings_out == 0 {
            return Err(ConfigError::ZeroMaxPingsOut);
        }
        if config.ping_interval.is_zero() {
            return Err(ConfigError::ZeroPingInterval);
        }
        if config.servers.is_empty() {
            if let Ok(local) = ServerAddr::new(Scheme::Nats, "127.0.0.1", 4222) {
                config.servers.push(local);
            }
        }
        let mut rng = fastrand::Rng::with_seed(seed);
        let nuid = Nuid::new(rng.u64(..));
        let pool = Pool::new(
            config.servers.clone(),
            config.retain_servers_order,
            &mut rng,
        );
        let limits = ParserLimits {
            max_control_line: config.max_inbound_control_line,
            ..ParserLimits::default()
        };
        let mut client = Client {
            config,
            limits,
            rng,
            nuid,
            pool,
            state: ConnectionState::Connecting,
            conn: None,
            conn_epoch: 0,
            retry_at: None,
            attempt_at: None,
            unspaced_pass: false,
            careful_replay: false,
            pass_left: 0,
            failed_passes: 0,
            pending: WriteBuffer::default(),
            deferred_flushes: Vec::new(),
            subs: Subs::default(),
            requests: Requests::default(),
            timers: BTreeSet::new(),
            next_timer: 0,
            next_flush: 0,
            drain: None,
            events: VecDeque::new(),
            commands: VecDeque::new(),
            stats: Statistics::default(),
            info: None,
            ever_connected: false,
            last_error: None,
            scratch: String::new(),
        };
        client.start_pass(now);
        Ok(client)
    }

    // ----- inputs -----

    /// Feeds bytes read from the transport. Complete operations are consumed
    /// from the front of `buf`; an incomplete one stays there for the next call,
    /// so keep reading into the same buffer.
    ///
    /// If an operation ends the connection (a fatal `-ERR`, a handshake
    /// failure, a protocol violation), the rest of `buf` is dropped: it was
    /// read from that connection and means nothing to the next one.
    pub fn handle_input(&mut self, now: Instant, buf: &mut BytesMut) {
        while self.handle_input_some(now, buf, usize::MAX) {}
    }

    /// [`handle_input`](Client::handle_input) that stops after `max_ops`
    /// operations; returns `true` when it stopped there, with more of `buf`
    /// left to feed. A caller that takes the events after each piece of a
    /// long read keeps the event queue small (it stays in the CPU's cache).
    pub fn handle_input_some(&mut self, now: Instant, buf: &mut BytesMut, max_ops: usize) -> bool {
        if self.conn.as_ref().is_some_and(|c| c.ws.is_some()) {
            return self.ws_input_some(now, buf, max_ops);
        }
        self.parse_some(now, buf, max_ops)
    }

    /// The bytes the read buffer should have room for: the whole operation
    /// at its front when a large message's control line is parsed and its
    /// payload is still arriving (see [`Parser::awaiting_frame_len`](crate::proto::Parser::awaiting_frame_len)), so a
    /// driver reserves that room once instead of growing the buffer a read
    /// at a time. `None` otherwise, and over WebSocket (whose frames are
    /// unwrapped into a buffer of the core's own).
    pub fn input_wanted(&self) -> Option<usize> {
        let conn = self.conn.as_ref()?;
        if conn.ws.is_some() {
            return None;
        }
        conn.parser.awaiting_frame_len()
    }

    /// Parses up to `max_ops` operations off `buf` (NATS protocol bytes).
    fn parse_some(&mut self, now: Instant, buf: &mut BytesMut, max_ops: usize) -> bool {
        let epoch = self.conn_epoch;
        for _ in 0..max_ops {
            let Some(conn) = self.conn.as_mut().filter(|_| self.conn_epoch == epoch) else {
                buf.clear();
                return false;
            };
            match conn.parser.parse(buf) {
                Ok(Some(op)) => self.on_op(now, op),
                Ok(None) => return false,
                Err(e) => {
                    buf.clear();
                    self.fail_connection(now, DisconnectReason::Protocol(e));
                    return false;
                }
            }
        }
        !buf.is_empty()
    }

    /// Reports what happened to the transport.
    pub fn handle_transport(&mut self, now: Instant, event: TransportEvent) {
        self.on_transport(now, event);
    }

    /// Runs every timer due at `now`: handshake timeout, PINGs and stale
    /// detection, reconnect waits, request deadlines, user timers, drain timeout.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.on_timeout(now);
    }

    // ----- commands -----

    /// Publishes `payload` to `subject`, with an optional reply subject and headers.
    ///
    /// While connected the bytes go to the transmit buffer; while reconnecting
    /// they go to the reconnect buffer, up to its size limit.
    pub fn publish<'p>(
        &mut self,
        subject: &str,
        reply: Option<&str>,
        headers: Option<&HeaderMap>,
        payload: impl Into<Payload<'p>>,
    ) -> Result<(), Error> {
        self.publish_inner(subject, reply, headers, &payload.into())
    }

    /// Subscribes to `subject` (wildcards allowed), optionally in a queue group.
    pub fn subscribe(&mut self, subject: &str, queue: Option<&str>) -> Result<Sid, Error> {
        self.check_open()?;
        if self.drain.is_some() {
            return Err(Error::ConnectionDraining);
        }
        check_subject(subject, true)?;
        if let Some(q) = queue {
            subject::validate_queue_group(q).map_err(|reason| Error::InvalidQueueGroup {
                queue: String::from(q),
                reason,
            })?;
        }
        let line = proto::sub_args_len(subject, queue, u64::MAX);
        if line > self.config.max_control_line {
            return Err(Error::ControlLineTooLong {
                len: line,
                max: self.config.max_control_line,
            });
        }
        let sid = self
            .subs
            .insert(String::from(subject), queue.map(String::from));
        if let Some(conn) = self.ready_conn() {
            conn.send_sub(sid, subject, queue, false);
        }
        Ok(sid)
    }

    /// Unsubscribes at once (`max: None`), or after `max` messages in total
    /// (auto-unsubscribe; counts messages already delivered).
    pub fn unsubscribe(&mut self, sid: Sid, max: Option<u64>) -> Result<(), Error> {
        self.check_open()?;
        let Some(sub) = self.user_sub(sid) else {
            return Err(Error::UnknownSubscription(sid.0));
        };
        match max {
            Some(m) if sub.delivered < m => {
                sub.max = Some(m);
                if let Some(conn) = self.ready_conn() {
                    proto::encode_unsub(&mut conn.out, sid.0, Some(m));
                }
            }
            _ => {
                self.subs.remove(sid);
                if let Some(conn) = self.ready_conn() {
                    proto::encode_unsub(&mut conn.out, sid.0, None);
                }
                self.events.push_back(Event::SubscriptionEnded {
                    sid,
                    reason: SubscriptionEnd::Unsubscribed,
                });
            }
        }
        Ok(())
    }

    /// Unsubscribes on the server but keeps delivering what it sent before;
    /// [`Event::SubscriptionEnded`] with [`SubscriptionEnd::Drained`] follows the
    /// last message.
    pub fn drain_subscription(&mut self, sid: Sid) -> Result<(), Error> {
        self.check_open()?;
        let Some(sub) = self.user_sub(sid) else {
            return Err(Error::UnknownSubscription(sid.0));
        };
        if sub.draining {
            return Ok(());
        }
        sub.draining = true;
        if let Some(conn) = self.ready_conn() {
            proto::encode_unsub(&mut conn.out, sid.0, None);
            proto::encode_ping(&mut conn.out);
            conn.pings.push_back(PingPurpose::DrainSubscription(sid));
        } else {
            // Nothing more can arrive while disconnected.
            self.end_subscription(sid, SubscriptionEnd::Drained);
        }
        Ok(())
    }

    /// Sends a request and waits for one reply, at most `timeout`.
    ///
    /// Ends with [`Event::Reply`] or [`Event::RequestFailed`] (no responders
    /// fails at once, the deadline with [`RequestError::TimedOut`]).
    pub fn request<'p>(
        &mut self,
        now: Instant,
        subject: &str,
        headers: Option<&HeaderMap>,
        payload: impl Into<Payload<'p>>,
        timeout: Duration,
    ) -> Result<RequestId, Error> {
        self.start_request(now, subject, headers, &payload.into(), timeout, None)
    }

    /// Sends a request and collects several replies (ADR-47): each arrives as
    /// [`Event::Reply`], and [`Event::RequestDone`] ends it at `timeout`, at
    /// `options.max_messages`, after `options.stall` without a reply (counted
    /// from the previous reply; the first is awaited with `timeout` only), or
    /// at a sentinel (empty) reply.
    pub fn request_many<'p>(
        &mut self,
        now: Instant,
        subject: &str,
        headers: Option<&HeaderMap>,
        payload: impl Into<Payload<'p>>,
        timeout: Duration,
        options: RequestManyOptions,
    ) -> Result<RequestId, Error> {
        self.start_request(
            now,
            subject,
            headers,
            &payload.into(),
            timeout,
            Some(options),
        )
    }

    /// Stops waiting for a request's replies; no more events come for it.
    /// Returns whether it was still pending.
    pub fn cancel_request(&mut self, now: Instant, id: RequestId) -> bool {
        let cancelled = self.requests.cancel(id);
        if cancelled {
            self.advance_drain(now);
        }
        cancelled
    }

    /// Asks the server to confirm it processed everything sent so far.
    ///
    /// Ends with [`Event::FlushDone`] or [`Event::FlushFailed`]. While
    /// reconnecting, the flush is sent after the reconnect buffer.
    pub fn flush(&mut self, now: Instant) -> Result<FlushId, Error> {
        self.check_open()?;
        self.next_flush += 1;
        let id = FlushId(self.next_flush);
        if let Some(conn) = self.ready_conn() {
            proto::encode_ping(&mut conn.out);
            conn.pings.push_back(PingPurpose::Flush(id, now));
        } else {
            self.deferred_flushes.push(id);
        }
        Ok(id)
    }

    /// Drains the connection: unsubscribes every subscription while delivering
    /// what was already sent, waits for requests in flight, refuses new
    /// publishes, flushes, then closes with [`CloseReason::Drained`] (or
    /// [`CloseReason::DrainTimeout`] after the drain timeout).
    pub fn drain(&mut self, now: Instant) -> Result<(), Error> {
        self.check_open()?;
        if self.drain.is_some() {
            return Ok(());
        }
        self.drain = Some(Drain {
            deadline: now + self.config.drain_timeout,
            stage: DrainStage::Waiting,
        });
        if self.ready_conn().is_some() {
            self.start_drain(now);
        }
        Ok(())
    }

    /// Closes the client: pending requests and flushes fail, subscriptions end,
    /// and [`Event::Closed`] is the last event. Bytes already queued for the
    /// server are still handed out by `poll_transmit` before the transport
    /// closes.
    pub fn close(&mut self, now: Instant) {
        self.close_with(now, CloseReason::Closed);
    }

    /// Replaces the server pool with `servers` (deduplicated, shuffled
    /// unless `retain_servers_order`); servers the cluster announced are
    /// dropped with the old pool (the next INFO announces them again). A
    /// server kept from the old pool keeps its attempt count. The current
    /// connection (or attempt) stays when its server is in the new pool;
    /// otherwise the client moves to the new pool at once, as
    /// [`reconnect`](Client::reconnect) does. An empty list is refused.
    pub fn set_servers(
        &mut self,
        now: Instant,
        servers: Vec<ServerAddr>,
    ) -> Result<(), ConfigError> {
        if servers.is_empty() {
            return Err(ConfigError::NoServers);
        }
        if self.state == ConnectionState::Closed {
            return Ok(());
        }
        let kept = self
            .pool
            .replace(servers, self.config.retain_servers_order, &mut self.rng);
        self.pass_left = self.pass_left.min(self.pool.len());
        if !kept && self.conn.is_some() {
            self.reconnect(now);
        }
        Ok(())
    }

    /// Drops the current connection and reconnects (for example to move off a
    /// server in lame duck mode), or retries at once while waiting to reconnect.
    pub fn reconnect(&mut self, now: Instant) {
        if self.state == ConnectionState::Closed {
            return;
        }
        if self.conn.is_some() {
            self.unspaced_pass = true;
            self.fail_connection(now, DisconnectReason::Requested);
        } else if self.retry_at.is_some() || self.attempt_at.is_some() {
            self.retry_at = None;
            self.attempt_at = None;
            self.unspaced_pass = true;
            self.start_pass(now);
        }
    }

    /// Sets a timer; [`Event::Timer`] reports it at `deadline` (through
    /// [`handle_timeout`](Client::handle_timeout)). Timers end when the client
    /// closes: one set after that never fires.
    pub fn set_timer(&mut self, deadline: Instant) -> TimerId {
        self.next_timer += 1;
        if self.state != ConnectionState::Closed {
            self.timers.insert((deadline, self.next_timer));
        }
        TimerId(self.next_timer)
    }

    /// Cancels a timer set for `deadline`; returns whether it was pending.
    pub fn cancel_timer(&mut self, id: TimerId, deadline: Instant) -> bool {
        self.timers.remove(&(deadline, id.0))
    }

    /// A new unique inbox subject, `<inbox prefix>.<nuid>`.
    pub fn new_inbox(&mut self) -> String {
        let mut s = String::with_capacity(self.config.inbox_prefix.len() + 23);
        s.push_str(&self.config.inbox_prefix);
        s.push('.');
        self.nuid.push_next(&mut s);
        s
    }

    // ----- outputs -----

    /// The next transport command, if any.
    pub fn poll_transport(&mut self) -> Option<TransportCommand> {
        self.commands.pop_front()
    }

    /// Whether [`poll_transport`](Client::poll_transport) has a command to hand
    /// out. While one waits, the core may already have moved to another
    /// connection, so an adapter with several threads uses this to keep bytes
    /// read from the old transport away from the new one.
    pub fn has_transport_command(&self) -> bool {
        !self.commands.is_empty()
    }

    /// Hands out the bytes to write, in order: swaps them into `dst` when it is
    /// empty (no copy, no allocation), appends them otherwise. Returns whether
    /// `dst` now has bytes. Write all of `dst` before the next transport command.
    pub fn poll_transmit(&mut self, dst: &mut WriteBuffer) -> bool {
        if let Some(has) = self.ws_transmit(dst) {
            return has;
        }
        let src = match self.conn.as_mut() {
            Some(conn) => &mut conn.out,
            None if self.state == ConnectionState::Closed => &mut self.pending,
            None => return !dst.is_empty(),
        };
        if dst.is_empty() {
            core::mem::swap(src, dst);
        } else {
            dst.append(src);
        }
        !dst.is_empty()
    }

    /// Whether `poll_transmit` has bytes to hand out.
    pub fn has_transmit(&self) -> bool {
        self.transmit_buffer().is_some_and(|buf| !buf.is_empty()) || self.ws_has_output()
    }

    /// Bytes `poll_transmit` would hand out now.
    pub fn transmit_len(&self) -> usize {
        self.transmit_buffer().map_or(0, WriteBuffer::len)
    }

    /// The part of [`transmit_len`](Client::transmit_len) that was copied into
    /// the write buffer, leaving out the payloads it holds by reference (see
    /// [`WriteBuffer::copied_len`]).
    pub fn transmit_copied_len(&self) -> usize {
        self.transmit_buffer().map_or(0, WriteBuffer::copied_len)
    }

    /// The buffer `poll_transmit` hands out from, if any.
    fn transmit_buffer(&self) -> Option<&WriteBuffer> {
        match &self.conn {
            Some(conn) => Some(&conn.out),
            None if self.state == ConnectionState::Closed => Some(&self.pending),
            None => None,
        }
    }

    /// The events [`poll_event`](Client::poll_event) will hand out, oldest
    /// first, without taking them.
    pub fn peek_events(&self) -> impl Iterator<Item = &Event> {
        self.events.iter()
    }

    /// The next event, if any.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// When [`handle_timeout`](Client::handle_timeout) must next be called.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let mut next: Option<Instant> = None;
        let mut consider = |t: Option<Instant>| {
            if let Some(t) = t {
                next = Some(next.map_or(t, |n| n.min(t)));
            }
        };
        if let Some(conn) = &self.conn {
            consider(conn.handshake_deadline);
            consider(conn.next_ping);
        }
        consider(self.retry_at);
        consider(self.attempt_at);
        consider(self.requests.next_deadline());
        consider(self.timers.first().map(|(t, _)| *t));
        consider(self.drain.map(|d| d.deadline));
        next
    }

    // ----- getters -----

    /// The connection state.
    pub fn state(&self) -> ConnectionState {
        self.state
    }

    /// Whether the client closed.
    pub fn is_closed(&self) -> bool {
        self.state == ConnectionState::Closed
    }

    /// Whether a connection drain is under way.
    pub fn is_draining(&self) -> bool {
        self.drain.is_some()
    }

    /// The latest INFO received from a server.
    pub fn server_info(&self) -> Option<&ServerInfo> {
        self.info.as_ref()
    }

    /// The step of the handshake the current connection attempt is in:
    /// `None` with no attempt under way or once the connection is ready.
    /// An adapter that reports progress (a log) compares it before and
    /// after an input: [`ConnectStep::Info`] while waiting for INFO,
    /// [`ConnectStep::Tls`] in the TLS upgrade INFO called for,
    /// [`ConnectStep::Pong`] once CONNECT was sent.
    pub fn handshake_step(&self) -> Option<ConnectStep> {
        self.conn
            .as_ref()
            .filter(|c| !c.is_ready())
            .map(|c| c.phase.step())
    }

    /// The server of the current connection, once the handshake finished.
    pub fn connected_server(&self) -> Option<&ServerAddr> {
        self.conn
            .as_ref()
            .filter(|c| c.is_ready())
            .map(|c| &c.server)
    }

    /// The servers in the pool, in the order they would be tried.
    pub fn servers(&self) -> impl Iterator<Item = &ServerAddr> {
        self.pool.addrs()
    }

    /// Message, byte and connection counters.
    pub fn statistics(&self) -> Statistics {
        self.stats
    }

    /// Bytes waiting in the reconnect buffer.
    pub fn buffered_bytes(&self) -> usize {
        if self.state == ConnectionState::Closed {
            0
        } else {
            self.pending.len()
        }
    }

    /// The largest payload (headers included) the server accepts, once known.
    pub fn max_payload(&self) -> Option<usize> {
        self.info.as_ref().map(|i| i.max_payload).filter(|m| *m > 0)
    }

    /// Number of active subscriptions (the request mux included).
    pub fn subscription_count(&self) -> usize {
        self.subs.len()
    }

    /// The configuration the client was made with.
    pub fn config(&self) -> &Config {
        &self.config
    }

    // ----- helpers shared by the submodules -----

    fn check_open(&self) -> Result<(), Error> {
        if self.state == ConnectionState::Closed {
            Err(Error::ConnectionClosed)
        } else {
            Ok(())
        }
    }

    /// A subscription the user made (the request mux is the client's own:
    /// unsubscribing it would strand every request).
    fn user_sub(&mut self, sid: Sid) -> Option<&mut subs::Sub> {
        if self.requests.mux_sid == Some(sid) {
            return None;
        }
        self.subs.get_mut(sid)
    }

    fn ready_conn(&mut self) -> Option<&mut Conn> {
        self.conn.as_mut().filter(|c| c.is_ready())
    }

    fn end_subscription(&mut self, sid: Sid, reason: SubscriptionEnd) {
        if self.subs.remove(sid).is_some() {
            self.events
                .push_back(Event::SubscriptionEnded { sid, reason });
        }
    }

    fn publish_inner(
        &mut self,
        subject: &str,
        reply: Option<&str>,
        headers: Option<&HeaderMap>,
        payload: &Payload<'_>,
    ) -> Result<(), Error> {
        self.check_open()?;
        if self.drain.is_some_and(|d| d.stage == DrainStage::Publishes) {
            return Err(Error::ConnectionDraining);
        }
        check_subject(subject, false)?;
        if let Some(r) = reply {
            check_subject(r, false)?;
        }
        let header_len = headers.map(HeaderMap::encoded_len);
        let size = header_len.unwrap_or(0) + payload.len();
        if let Some(info) = &self.info {
            if info.max_payload > 0 && size > info.max_payload {
                return Err(Error::MaxPayloadExceeded {
                    size,
                    max: info.max_payload,
                });
            }
            if headers.is_some() && !info.headers {
                return Err(Error::HeadersNotSupported);
            }
        }
        let line = proto::pub_args_len(subject, reply, header_len, payload.len());
        if line > self.config.max_control_line {
            return Err(Error::ControlLineTooLong {
                len: line,
                max: self.config.max_control_line,
            });
        }
        let out = match self.conn.as_mut() {
            Some(conn) if conn.is_ready() => &mut conn.out,
            _ => {
                let limit = self.config.reconnect_buffer_size;
                let pending = self.pending.len();
                // Exactly what encode_pub writes: "PUB "/"HPUB ", the
                // arguments, CRLF, headers and payload, CRLF.
                let op = if header_len.is_some() { 5 } else { 4 };
                let encoded = op + line + 2 + size + 2;
                if limit == 0 || pending + encoded > limit {
                    return Err(Error::ReconnectBufferFull { pending, limit });
                }
                &mut self.pending
            }
        };
        proto::encode_pub(out, subject, reply, headers, payload)?;
        self.stats.out_msgs += 1;
        self.stats.out_bytes += size as u64;
        Ok(())
    }

    fn start_request(
        &mut self,
        now: Instant,
        subject: &str,
        headers: Option<&HeaderMap>,
        payload: &Payload<'_>,
        timeout: Duration,
        many: Option<RequestManyOptions>,
    ) -> Result<RequestId, Error> {
        self.check_open()?;
        if self.drain.is_some_and(|d| d.stage == DrainStage::Publishes) {
            return Err(Error::ConnectionDraining);
        }
        check_subject(subject, false)?;
        self.ensure_mux();
        let mut reply = core::mem::take(&mut self.scratch);
        let id = self.requests.start(now, timeout, many, &mut reply);
        let result = self.publish_inner(subject, Some(&reply), headers, payload);
        self.scratch = reply;
        match result {
            Ok(()) => Ok(id),
            Err(e) => {
                self.requests.cancel(id);
                Err(e)
            }
        }
    }

    /// Makes the request mux subscription `<prefix>.<nuid>.*` if there is none.
    fn ensure_mux(&mut self) {
        if self.requests.mux_sid.is_some() {
            return;
        }
        let prefix = self.new_inbox();
        let mut wildcard = String::with_capacity(prefix.len() + 2);
        wildcard.push_str(&prefix);
        wildcard.push_str(".*");
        self.requests.set_prefix(prefix);
        let sid = self.subs.insert(wildcard, None);
        self.requests.mux_sid = Some(sid);
        if let Some(conn) = self.conn.as_mut().filter(|c| c.is_ready()) {
            if let Some(sub) = self.subs.get(sid) {
                conn.send_sub(sid, &sub.subject, None, false);
            }
        }
    }
}

/// Validates a subject for publishing (`wildcards: false`) or subscribing.
fn check_subject(s: &str, wildcards: bool) -> Result<(), Error> {
    subject::validate_subject(s, wildcards).map_err(|reason| Error::InvalidSubject {
        subject: String::from(s),
        reason,
    })
}
