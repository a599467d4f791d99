//! What the server sends: the handshake's INFO and PONG, messages, PINGs,
//! async INFO and `-ERR`.

use super::conn::{Phase, PingPurpose};
use super::requests::ReplyOutcome;
use super::{Client, ConnectionState, Event, Sid, SubscriptionEnd};
use crate::auth::AuthError;
use crate::error::{DisconnectReason, HandshakeError, PermissionOp, ServerError};
use crate::message::Message;
use crate::proto::{self, ConnectInfo, MsgFrame, ServerInfo, ServerOp};
use crate::server_addr::ServerAddr;
use crate::time::Instant;
use alloc::string::ToString;
use alloc::vec::Vec;
use zeroize::Zeroize;

impl Client {
    pub(super) fn on_op(&mut self, now: Instant, op: ServerOp) {
        let Some(conn) = self.conn.as_mut() else {
            return;
        };
        if conn.phase == Phase::Info && !matches!(op, ServerOp::Info(_)) {
            self.fail_connection(
                now,
                DisconnectReason::Handshake(HandshakeError::ExpectedInfo),
            );
            return;
        }
        match op {
            ServerOp::Msg(frame) => self.on_msg(now, frame),
            ServerOp::Ping => proto::encode_pong(&mut conn.out),
            ServerOp::Pong => self.on_pong(now),
            ServerOp::Info(info) => self.on_info(now, *info),
            ServerOp::Err(text) => self.on_err(now, &text),
            ServerOp::Ok => {}
        }
    }

    #[inline]
    fn on_msg(&mut self, now: Instant, frame: MsgFrame) {
        self.stats.in_msgs += 1;
        self.stats.in_bytes += (frame.header_len() + frame.payload_len()) as u64;
        let sid = Sid(frame.sid());
        if self.requests.mux_sid == Some(sid) {
            self.on_reply(now, Message::from_frame(frame).0);
            return;
        }
        let Some(sub) = self.subs.get_mut(sid) else {
            // Unsubscribed already; the server sent it before it saw the UNSUB.
            return;
        };
        sub.delivered += 1;
        let done = sub.max.is_some_and(|m| sub.delivered >= m);
        let (headers, bad) = Message::parse_headers(&frame);
        if let Some(error) = bad {
            self.events.push_back(Event::BadHeaders { sid, error });
        }
        // Built in the expression that queues it: one copy of the event.
        self.events.push_back(Event::Message {
            sid,
            message: Message::with_headers(frame, headers),
        });
        if done {
            self.end_subscription(sid, SubscriptionEnd::MaxMessages);
        }
    }

    fn on_reply(&mut self, now: Instant, message: Message) {
        match self.requests.on_reply(now, message) {
            ReplyOutcome::Deliver(id, message) => {
                self.events.push_back(Event::Reply { id, message })
            }
            ReplyOutcome::DeliverAndDone(id, message) => {
                self.events.push_back(Event::Reply { id, message });
                self.events.push_back(Event::RequestDone { id });
            }
            ReplyOutcome::Done(id) => self.events.push_back(Event::RequestDone { id }),
            ReplyOutcome::Failed(id, error) => {
                self.events.push_back(Event::RequestFailed { id, error })
            }
            ReplyOutcome::Ignore => return,
        }
        // A drain waits for the last request in flight.
        self.advance_drain(now);
    }

    fn on_pong(&mut self, now: Instant) {
        let Some(conn) = self.conn.as_mut() else {
            return;
        };
        conn.pings_out = 0;
        let Some(purpose) = conn.pings.pop_front() else {
            return;
        };
        let batch = conn.pong_confirms();
        let refused = core::mem::take(&mut conn.subs_refused) as usize;
        if self.careful_replay && !conn.sent_subs.iter().any(|s| s.replayed) && conn.is_ready() {
            // The replay went through.
            self.careful_replay = false;
        }
        if refused > 0 {
            self.subscriptions_refused(&batch, refused);
        }
        match purpose {
            PingPurpose::Handshake => self.handshake_done(now),
            PingPurpose::KeepAlive | PingPurpose::Confirm => {}
            PingPurpose::Flush(id, sent) => {
                self.events.push_back(Event::FlushDone {
                    id,
                    rtt: now - sent,
                });
            }
            PingPurpose::DrainSubscription(sid) => {
                self.end_subscription(sid, SubscriptionEnd::Drained)
            }
            PingPurpose::DrainSubscriptions => self.drain_subscriptions_done(now),
            PingPurpose::DrainPublishes => self.close_with(now, crate::error::CloseReason::Drained),
        }
    }

    fn on_info(&mut self, now: Instant, info: ServerInfo) {
        let Some(conn) = self.conn.as_mut() else {
            return;
        };
        // Only a connection that finished its handshake reports lame duck
        // mode (as nats.go does), once.
        let lame_duck = info.lame_duck_mode && conn.is_ready() && !conn.lame_duck_reported;
        conn.lame_duck_reported |= lame_duck;
        let quiet_discovery = conn.initial && conn.phase != Phase::Ready;
        let handshake = conn.phase == Phase::Info;
        conn.info = Some(info.clone());
        if !self.config.ignore_discovered_servers && !info.connect_urls.is_empty() {
            // Once TLS (asked for, or used by the connection that sends the
            // list), TLS with every server.
            let secure = self.config.tls_required
                || conn.tls
                || conn.server.is_tls()
                || self.config.servers.iter().any(ServerAddr::is_tls);
            let added = self.pool.update_discovered(
                &info.connect_urls,
                secure,
                self.config.retain_servers_order,
                &mut self.rng,
            );
            if !added.is_empty() && !quiet_discovery {
                self.events
                    .push_back(Event::ServersDiscovered { servers: added });
            }
        }
        if lame_duck {
            self.events.push_back(Event::LameDuck);
        }
        self.info = Some(info);
        if handshake {
            self.after_first_info(now);
        }
    }

    /// Decides on TLS after the first INFO, then sends CONNECT.
    fn after_first_info(&mut self, now: Instant) {
        let Some(conn) = self.conn.as_mut() else {
            return;
        };
        let Some(info) = conn.info.as_ref() else {
            return;
        };
        if !self.config.echo && info.proto < 1 {
            self.fail_connection(
                now,
                DisconnectReason::Handshake(HandshakeError::NoEchoNotSupported),
            );
            return;
        }
        let want_tls = self.config.tls_required || conn.server.is_tls();
        if conn.ws.is_some() {
            // A WebSocket's TLS is the URL's (`wss`), set up before the
            // upgrade; INFO's TLS flags are the server's NATS port's.
            if want_tls && !conn.tls {
                self.fail_connection(
                    now,
                    DisconnectReason::Handshake(HandshakeError::TlsRequiredByClient),
                );
            } else {
                self.send_connect(now);
            }
        } else if conn.tls {
            self.send_connect(now);
        } else if want_tls || info.tls_required {
            if want_tls && !info.tls_required && !info.tls_available {
                self.fail_connection(
                    now,
                    DisconnectReason::Handshake(HandshakeError::TlsRequiredByClient),
                );
                return;
            }
            conn.phase = Phase::Tls;
            let server_name = self.pool.tls_name(&conn.server);
            self.commands
                .push_back(super::TransportCommand::UpgradeTls { server_name });
        } else {
            self.send_connect(now);
        }
    }

    /// Sends `CONNECT` and the handshake PING.
    pub(super) fn send_connect(&mut self, now: Instant) {
        let Some(conn) = self.conn.as_mut() else {
            return;
        };
        let nonce = conn.info.as_ref().and_then(|i| i.nonce.clone());
        let headers = conn.info.as_ref().is_some_and(|i| i.headers);
        let mut creds = match self
            .config
            .auth
            .credentials_for(&conn.server, nonce.as_deref())
        {
            Ok(c) => c,
            Err(AuthError::NoNonce) => {
                self.fail_connection(
                    now,
                    DisconnectReason::Handshake(HandshakeError::NkeysNotSupported),
                );
                return;
            }
            Err(e) => {
                self.fail_connection(
                    now,
                    DisconnectReason::Handshake(HandshakeError::Auth(e.to_string())),
                );
                return;
            }
        };
        let mut info = ConnectInfo {
            verbose: self.config.verbose,
            pedantic: self.config.pedantic,
            tls_required: conn.tls,
            auth_token: creds.token.take(),
            user: creds.user.take(),
            pass: creds.password.take(),
            name: self.config.name.clone(),
            lang: self.config.lang.clone(),
            version: self.config.version.clone(),
            protocol: 1,
            echo: self.config.echo,
            sig: creds.signature.take(),
            jwt: creds.jwt.take(),
            nkey: creds.nkey.take(),
            headers,
            no_responders: headers,
        };
        proto::encode_connect(&mut conn.out, &info);
        // The password and token are `Secret`s, wiped when `info` drops.
        if let Some(sig) = info.sig.as_mut() {
            sig.zeroize();
        }
        proto::encode_ping(&mut conn.out);
        conn.pings.push_back(PingPurpose::Handshake);
        conn.phase = Phase::Pong;
    }

    /// The handshake's PONG arrived: the connection is established.
    fn handshake_done(&mut self, now: Instant) {
        let Some(conn) = self.conn.as_mut() else {
            return;
        };
        conn.phase = Phase::Ready;
        conn.handshake_deadline = None;
        conn.next_ping = Some(now + self.config.ping_interval);
        let server = conn.server.clone();
        self.pool.connected();
        self.failed_passes = 0;
        self.unspaced_pass = false;
        self.stats.connects += 1;

        // Resubscribe in order, dropping subscriptions that were draining.
        let mut drained: Vec<Sid> = Vec::new();
        for (sid, sub) in self.subs.in_order() {
            if sub.draining {
                drained.push(sid);
                continue;
            }
            conn.send_sub(sid, &sub.subject, sub.queue.as_deref(), true);
            if let Some(remaining) = sub.remaining() {
                proto::encode_unsub(&mut conn.out, sid.0, Some(remaining));
            }
            if self.careful_replay {
                conn.send_confirm_ping();
            }
        }
        // Then what was published while disconnected, then deferred flushes.
        conn.out.append(&mut self.pending);
        for id in self.deferred_flushes.drain(..) {
            proto::encode_ping(&mut conn.out);
            conn.pings.push_back(PingPurpose::Flush(id, now));
        }
        for sid in drained {
            self.end_subscription(sid, SubscriptionEnd::Drained);
        }
        self.state = ConnectionState::Connected;
        if self.ever_connected {
            self.stats.reconnects += 1;
            self.events.push_back(Event::Reconnected { server });
        } else {
            self.ever_connected = true;
            self.events.push_back(Event::Connected { server });
        }
        self.resume_drain(now);
    }

    /// The server refused `refused` of the SUBs of `batch` (those a PONG just
    /// confirmed) for the account's maximum number of subscriptions. It does
    /// not say which; it refuses every SUB once at the limit, so they are
    /// the most recent ones: they end, and are unsubscribed in case a
    /// subscription made elsewhere freed a place meanwhile.
    fn subscriptions_refused(&mut self, batch: &[Sid], refused: usize) {
        let mux = self.requests.mux_sid;
        for &sid in batch.iter().rev().take(refused) {
            if Some(sid) == mux || self.subs.get(sid).is_none() {
                continue;
            }
            if let Some(conn) = self.ready_conn() {
                proto::encode_unsub(&mut conn.out, sid.0, None);
            }
            self.end_subscription(
                sid,
                SubscriptionEnd::Refused(ServerError::MaxSubscriptionsExceeded),
            );
        }
    }

    fn on_err(&mut self, now: Instant, text: &str) {
        let err = ServerError::parse(text);
        let Some(conn) = self.conn.as_ref() else {
            return;
        };
        let ready = conn.is_ready();
        if err.is_auth() && self.pool.repeated_auth_error(&err) {
            self.close_with(now, crate::error::CloseReason::AuthFailed(err));
            return;
        }
        if !ready || err.is_fatal() {
            self.fail_connection(now, DisconnectReason::Server(err));
            return;
        }
        if err == ServerError::MaxSubscriptionsExceeded {
            if let Some(conn) = self.ready_conn() {
                // Refers to a SUB the next PONG confirms: make sure one comes.
                conn.subs_refused += 1;
                if conn.pings.is_empty() {
                    conn.send_confirm_ping();
                }
            }
        }
        if let ServerError::PermissionViolation {
            op: PermissionOp::Subscribe,
            subject,
            queue,
        } = &err
        {
            let denied: Vec<Sid> = self
                .subs
                .in_order()
                .into_iter()
                .filter(|(_, s)| s.subject == *subject && s.queue == *queue)
                .map(|(sid, _)| sid)
                .collect();
            for sid in denied {
                self.end_subscription(sid, SubscriptionEnd::PermissionDenied(err.clone()));
            }
        }
        self.events.push_back(Event::ServerError(err));
    }
}
