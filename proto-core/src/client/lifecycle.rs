//! Connecting, losing a connection, reconnecting with backoff, timers, drain
//! and close.

use super::config::ServerChoice;
use super::conn::{Conn, Phase, PingPurpose};
use super::requests::Expired;
use super::{
    Client, ConnectionState, Drain, DrainStage, Event, FlushError, RequestError, Sid,
    SubscriptionEnd, TimerId, TransportCommand, TransportEvent,
};
use crate::error::{CloseReason, ConnectStep, DisconnectReason, ServerError};
use crate::proto;
use crate::server_addr::Scheme;
use crate::time::Instant;
use alloc::vec::Vec;
use core::time::Duration;

impl Client {
    pub(super) fn on_transport(&mut self, now: Instant, event: TransportEvent) {
        let Some(conn) = self.conn.as_mut() else {
            return;
        };
        match event {
            TransportEvent::Connected if conn.phase == Phase::Tcp => {
                if conn.server.scheme() == Scheme::Wss {
                    conn.phase = Phase::WsTls;
                    let server_name = self.pool.tls_name(&conn.server);
                    self.commands
                        .push_back(TransportCommand::UpgradeTls { server_name });
                } else if conn.server.is_websocket() {
                    self.start_ws_upgrade(now);
                } else if self.config.tls_handshake_first {
                    conn.phase = Phase::TlsFirst;
                    let server_name = self.pool.tls_name(&conn.server);
                    self.commands
                        .push_back(TransportCommand::UpgradeTls { server_name });
                } else {
                    conn.phase = Phase::Info;
                }
            }
            TransportEvent::TlsEstablished if conn.phase == Phase::WsTls => {
                conn.tls = true;
                self.start_ws_upgrade(now);
            }
            TransportEvent::TlsEstablished if conn.phase == Phase::TlsFirst => {
                conn.tls = true;
                conn.phase = Phase::Info;
            }
            TransportEvent::TlsEstablished if conn.phase == Phase::Tls => {
                conn.tls = true;
                self.send_connect(now);
            }
            TransportEvent::Closed(error) => {
                // The transport is gone already: no Close command.
                self.drop_connection(now, DisconnectReason::Transport(error), false);
            }
            // Out of order: ignore rather than guess.
            TransportEvent::Connected | TransportEvent::TlsEstablished => {}
        }
    }

    pub(super) fn on_timeout(&mut self, now: Instant) {
        if let Some(conn) = self.conn.as_mut() {
            if conn.handshake_deadline.is_some_and(|d| d <= now) {
                let wants_tls = self.config.tls_required || conn.server.is_tls();
                let step = match conn.phase.step() {
                    ConnectStep::Info if wants_tls && !conn.tls => ConnectStep::InfoBeforeTls,
                    step => step,
                };
                self.fail_connection(now, DisconnectReason::ConnectTimeout(step));
            } else if conn.next_ping.is_some_and(|t| t <= now) {
                if conn.pings_out >= self.config.max_pings_out {
                    let out = conn.pings_out;
                    self.fail_connection(now, DisconnectReason::Stale(out));
                } else {
                    conn.pings_out += 1;
                    proto::encode_ping(&mut conn.out);
                    conn.pings.push_back(PingPurpose::KeepAlive);
                    conn.next_ping = Some(now + self.config.ping_interval);
                }
            }
        }
        if self.retry_at.is_some_and(|t| t <= now) {
            self.retry_at = None;
            self.start_pass(now);
        }
        if self.attempt_at.is_some_and(|t| t <= now) {
            self.attempt_at = None;
            self.try_next(now);
        }
        let mut ended = false;
        while let Some(expired) = self.requests.pop_expired(now) {
            ended = true;
            self.events.push_back(match expired {
                Expired::Done(id) => Event::RequestDone { id },
                Expired::Failed(id, error) => Event::RequestFailed { id, error },
            });
        }
        if ended {
            self.advance_drain(now);
        }
        while let Some(&(at, id)) = self.timers.first() {
            if at > now {
                break;
            }
            self.timers.pop_first();
            self.events.push_back(Event::Timer { id: TimerId(id) });
        }
        if self.drain.is_some_and(|d| d.deadline <= now) {
            self.close_with(now, CloseReason::DrainTimeout);
        }
    }

    /// Starts a pass over the pool: every server is tried once, then the client
    /// waits (or gives up on the first connect without retry).
    pub(super) fn start_pass(&mut self, now: Instant) {
        self.pass_left = self.pool.len();
        self.try_next(now);
    }

    /// Connects to the next server of the pass, or ends the pass.
    fn try_next(&mut self, now: Instant) {
        if self.state == ConnectionState::Closed {
            return;
        }
        if self.pass_left == 0 {
            self.pass_failed(now);
            return;
        }
        let counting = self.ever_connected || self.config.retry_on_initial_connect;
        let max = if counting {
            self.config.max_reconnects
        } else {
            None
        };
        if self.ever_connected {
            if let Some(chooser) = self.config.server_chooser.clone() {
                let servers: Vec<_> = self.pool.addrs().cloned().collect();
                let choice = ServerChoice {
                    servers: &servers,
                    last_error: self.last_error.as_ref(),
                    last_info: self.info.as_ref(),
                };
                if let Some(addr) = chooser(&choice) {
                    self.pool.promote(addr);
                }
            }
        }
        // Attempts to one server are a reconnect wait apart, whatever made
        // the last one end: a server that accepts and then drops the client
        // at once (a replayed operation it refuses, an expiring JWT) must not
        // make the client storm it. Only the application's own reconnect()
        // skips this (as nats.go does for the same server).
        if let Some(last) = self.pool.next_last_attempt(max) {
            let earliest = last + self.least_spacing();
            if now < earliest && !self.unspaced_pass {
                let jitter = self.jitter();
                self.attempt_at = Some(earliest + self.random_up_to(jitter));
                return;
            }
        }
        self.pass_left -= 1;
        let Some(server) = self.pool.pick(max, counting, now) else {
            let last = self.last_error.take();
            self.close_with(now, CloseReason::NoServers(last));
            return;
        };
        let deadline = now + self.config.connect_timeout;
        self.conn_epoch += 1;
        self.conn = Some(Conn::new(
            server.clone(),
            self.limits,
            deadline,
            !self.ever_connected,
        ));
        self.commands
            .push_back(TransportCommand::Connect { server });
    }

    /// Every server of the pass failed: wait and try again, or give up.
    fn pass_failed(&mut self, now: Instant) {
        let may_retry = if self.ever_connected {
            self.config.allow_reconnect
        } else {
            self.config.retry_on_initial_connect
        };
        if !may_retry || self.pool.is_empty() {
            let last = self.last_error.take();
            self.close_with(now, CloseReason::NoServers(last));
            return;
        }
        self.failed_passes += 1;
        self.unspaced_pass = false;
        let wait = self.reconnect_wait();
        self.retry_at = Some(now + wait);
    }

    /// The wait before the next pass: the custom policy's, or the reconnect
    /// wait plus a random jitter.
    fn reconnect_wait(&mut self) -> Duration {
        match &self.config.reconnect_delay {
            Some(delay) => delay(self.failed_passes),
            None => {
                let jitter = self.jitter();
                self.config.reconnect_wait + self.random_up_to(jitter)
            }
        }
    }

    /// The least time between two attempts to one server: the reconnect
    /// wait, or what the custom policy says for the passes failed so far
    /// (at least 1).
    fn least_spacing(&self) -> Duration {
        match &self.config.reconnect_delay {
            Some(delay) => delay(self.failed_passes.max(1)),
            None => self.config.reconnect_wait,
        }
    }

    /// The most random time added to a wait.
    fn jitter(&self) -> Duration {
        if self.config.reconnect_delay.is_some() {
            Duration::ZERO
        } else if self.pool.any_tls() || self.config.tls_required {
            self.config.reconnect_jitter_tls
        } else {
            self.config.reconnect_jitter
        }
    }

    /// A uniformly random duration in `0..=max`, from the seeded generator.
    fn random_up_to(&mut self, max: Duration) -> Duration {
        let nanos = u64::try_from(max.as_nanos()).unwrap_or(u64::MAX);
        if nanos == 0 {
            Duration::ZERO
        } else {
            Duration::from_nanos(self.rng.u64(0..=nanos))
        }
    }

    /// The client gives up on the current connection (protocol error, fatal
    /// `-ERR`, stale, timeout, user request): the transport is told to close.
    pub(super) fn fail_connection(&mut self, now: Instant, reason: DisconnectReason) {
        self.drop_connection(now, reason, true);
    }

    fn drop_connection(&mut self, now: Instant, reason: DisconnectReason, close_transport: bool) {
        let Some(conn) = self.conn.take() else { return };
        if close_transport {
            self.commands.push_back(TransportCommand::Close);
        }
        if conn.is_ready() {
            self.connection_lost(now, conn, reason);
        } else {
            self.last_error = Some(reason);
            self.try_next(now);
        }
    }

    /// An established connection ended: settle what waited on it, then reconnect.
    fn connection_lost(&mut self, now: Instant, conn: Conn, reason: DisconnectReason) {
        self.events.push_back(Event::Disconnected {
            reason: reason.clone(),
        });
        self.check_replay(&conn, &reason);
        self.last_error = Some(reason.clone());
        let mut drained_subs = false;
        for purpose in conn.pings {
            match purpose {
                PingPurpose::Flush(id, _) => self.events.push_back(Event::FlushFailed {
                    id,
                    error: FlushError::Disconnected,
                }),
                // Unsubscribed already; nothing more can come for it.
                PingPurpose::DrainSubscription(sid) => {
                    self.end_subscription(sid, SubscriptionEnd::Drained)
                }
                PingPurpose::DrainSubscriptions => drained_subs = true,
                // Re-sent after reconnecting, behind the reconnect buffer.
                PingPurpose::DrainPublishes
                | PingPurpose::Handshake
                | PingPurpose::KeepAlive
                | PingPurpose::Confirm => {}
            }
        }
        if drained_subs {
            self.drain_subscriptions_done(now);
            if self.state == ConnectionState::Closed {
                return;
            }
        }
        if !self.config.allow_reconnect {
            self.close_with(now, CloseReason::NoServers(Some(reason)));
            return;
        }
        self.state = ConnectionState::Reconnecting;
        self.failed_passes = 0;
        self.start_pass(now);
    }

    /// A connection the server ended before confirming a SUB: the next replay
    /// confirms every SUB on its own; if this was such a careful replay, the
    /// first SUB left unconfirmed is the one the server ends connections
    /// over (it processes operations in order), and it is dropped, with
    /// why, so the next connection comes up without it.
    fn check_replay(&mut self, conn: &Conn, reason: &DisconnectReason) {
        // Only a server that ends the connection over something the client
        // sent counts (a control line too long, an operation it cannot
        // parse, a payload too large): a restart, an expired JWT or a
        // connection limit in the middle of a replay is not a subscription's
        // fault.
        let refused = matches!(
            reason,
            DisconnectReason::Server(ServerError::Other(_) | ServerError::MaxPayloadViolation)
        );
        let Some(first) = conn.sent_subs.front().filter(|_| refused) else {
            return;
        };
        if !self.careful_replay || !first.replayed || Some(first.sid) == self.requests.mux_sid {
            self.careful_replay = true;
            return;
        }
        if self.subs.get(first.sid).is_some() {
            self.end_subscription(first.sid, SubscriptionEnd::EndedConnections(reason.clone()));
            if let DisconnectReason::Server(err) = reason {
                self.events.push_back(Event::ServerError(err.clone()));
            }
        }
    }

    /// Closes for good with `reason`, settling everything still pending.
    pub(super) fn close_with(&mut self, _now: Instant, reason: CloseReason) {
        if self.state == ConnectionState::Closed {
            return;
        }
        self.state = ConnectionState::Closed;
        self.retry_at = None;
        self.attempt_at = None;
        self.drain = None;
        self.timers.clear();
        for id in self.requests.take_all().collect::<Vec<_>>() {
            self.events.push_back(Event::RequestFailed {
                id,
                error: RequestError::Closed,
            });
        }
        let mut flushes: Vec<_> = self.deferred_flushes.drain(..).collect();
        // The bytes of a healthy connection are still written before it closes;
        // the reconnect buffer of a lost one is dropped.
        self.pending.clear();
        if let Some(mut conn) = self.conn.take() {
            for purpose in &conn.pings {
                if let PingPurpose::Flush(id, _) = purpose {
                    flushes.push(*id);
                }
            }
            if conn.is_ready() && !self.ws_close_into_pending(&mut conn) {
                core::mem::swap(&mut self.pending, &mut conn.out);
            }
            self.commands.push_back(TransportCommand::Close);
        }
        for id in flushes {
            self.events.push_back(Event::FlushFailed {
                id,
                error: FlushError::Closed,
            });
        }
        let sids: Vec<Sid> = self.subs.sids();
        let mux = self.requests.mux_sid;
        for sid in sids {
            if Some(sid) == mux {
                self.subs.remove(sid);
            } else {
                self.end_subscription(sid, SubscriptionEnd::Closed);
            }
        }
        self.events.push_back(Event::Closed { reason });
    }

    /// Starts (or, after a reconnect, continues) a connection drain.
    pub(super) fn resume_drain(&mut self, now: Instant) {
        let Some(drain) = self.drain else { return };
        match drain.stage {
            DrainStage::Waiting => self.start_drain(now),
            DrainStage::Subscriptions => {}
            DrainStage::Requests => self.advance_drain(now),
            DrainStage::Publishes => {
                if let Some(conn) = self.ready_conn() {
                    proto::encode_ping(&mut conn.out);
                    conn.pings.push_back(PingPurpose::DrainPublishes);
                }
            }
        }
    }

    /// Unsubscribes every subscription but the request mux and sends the PING
    /// whose PONG proves no more messages come for them.
    pub(super) fn start_drain(&mut self, _now: Instant) {
        let mux = self.requests.mux_sid;
        let Some(conn) = self.conn.as_mut().filter(|c| c.is_ready()) else {
            return;
        };
        let sids: Vec<Sid> = self
            .subs
            .sids()
            .into_iter()
            .filter(|s| Some(*s) != mux)
            .collect();
        for sid in sids {
            if let Some(sub) = self.subs.get_mut(sid) {
                if !sub.draining {
                    sub.draining = true;
                    proto::encode_unsub(&mut conn.out, sid.0, None);
                }
            }
        }
        proto::encode_ping(&mut conn.out);
        conn.pings.push_back(PingPurpose::DrainSubscriptions);
        self.drain = self.drain.map(|d| Drain {
            stage: DrainStage::Subscriptions,
            ..d
        });
    }

    /// Every drained subscription got its last message: end them, then wait
    /// for requests in flight.
    pub(super) fn drain_subscriptions_done(&mut self, now: Instant) {
        let mux = self.requests.mux_sid;
        let drained: Vec<Sid> = self
            .subs
            .in_order()
            .into_iter()
            .filter(|(sid, sub)| sub.draining && Some(*sid) != mux)
            .map(|(sid, _)| sid)
            .collect();
        for sid in drained {
            self.end_subscription(sid, SubscriptionEnd::Drained);
        }
        if let Some(d) = self.drain.as_mut() {
            if d.stage == DrainStage::Subscriptions {
                d.stage = DrainStage::Requests;
            }
        }
        self.advance_drain(now);
    }

    /// Once no request is in flight, drops the request mux, refuses publishes
    /// and sends the final PING of the drain.
    pub(super) fn advance_drain(&mut self, _now: Instant) {
        if !self.drain.is_some_and(|d| d.stage == DrainStage::Requests) || !self.requests.is_empty()
        {
            return;
        }
        if let Some(mux) = self.requests.mux_sid.take() {
            self.subs.remove(mux);
            if let Some(conn) = self.ready_conn() {
                proto::encode_unsub(&mut conn.out, mux.0, None);
            }
        }
        if let Some(d) = self.drain.as_mut() {
            d.stage = DrainStage::Publishes;
        }
        if let Some(conn) = self.ready_conn() {
            proto::encode_ping(&mut conn.out);
            conn.pings.push_back(PingPurpose::DrainPublishes);
        }
    }
}
