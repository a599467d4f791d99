//! Pull consumers (ADR-37) as sans-IO state machines: [`Consume`] keeps a
//! buffer filled with pull requests paced by pending message and byte
//! counts, watches idle heartbeats and survives reconnects; [`Fetch`] runs
//! one pull request to its end.
//!
//! Both are fed the messages of the pull subscription (in the order the
//! application takes them) and the time; they never read a clock. The
//! caller sends what [`Consume::poll_pull`] returns to the consumer's
//! `CONSUMER.MSG.NEXT` subject with the subscription as reply, and calls
//! `handle_timeout` once `poll_timeout` has passed.

use super::status::{Status, Unfilled, classify};
use crate::consumer::{ConsumeOptions, FetchOptions, PriorityOptions};
use crate::error::Error;
use crate::wire::{duration_nanos, is_default};
use natrs_client::Message;
use serde::Serialize;
use std::time::{Duration, Instant};

/// The `batch` of a pull request paced by bytes (ADR-37: a large number, so
/// the byte limit is the one that counts).
pub const BYTES_MODE_BATCH: usize = 1_000_000;

/// The body of a pull request (`CONSUMER.MSG.NEXT`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PullRequest {
    /// Most messages to deliver.
    pub batch: usize,
    /// Most bytes to deliver (0: no limit).
    #[serde(skip_serializing_if = "is_default")]
    pub max_bytes: usize,
    /// Server-side lifetime of the request, in nanoseconds (0: until filled).
    #[serde(skip_serializing_if = "is_default")]
    pub expires: i64,
    /// End at once with 404 when nothing is pending.
    #[serde(skip_serializing_if = "is_default")]
    pub no_wait: bool,
    /// Idle heartbeat interval in nanoseconds (0: none).
    #[serde(rename = "idle_heartbeat", skip_serializing_if = "is_default")]
    pub heartbeat: i64,
    /// Priority group.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// Overflow threshold on pending messages.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_pending: Option<u64>,
    /// Overflow threshold on unacknowledged messages.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_ack_pending: Option<u64>,
    /// Pinned client id.
    #[serde(rename = "id", skip_serializing_if = "Option::is_none")]
    pub pin_id: Option<String>,
    /// Priority (prioritized policy).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priority: Option<u8>,
}

impl PullRequest {
    /// The JSON body.
    pub fn to_json(&self) -> bytes::Bytes {
        // Serializing this plain struct cannot fail.
        serde_json::to_vec(self).unwrap_or_default().into()
    }

    fn with_priority(mut self, p: Option<&PriorityOptions>, pin: Option<&String>) -> PullRequest {
        if let Some(p) = p {
            self.group = Some(p.group.clone());
            self.min_pending = p.min_pending;
            self.min_ack_pending = p.min_ack_pending;
            self.priority = p.priority;
            self.pin_id = pin.cloned();
        }
        self
    }
}

/// The size of a delivered message as the server counts it against
/// `max_bytes`: subject, reply, headers and payload.
pub fn message_size(message: &Message) -> usize {
    message.subject.as_str().len()
        + message.reply.as_ref().map_or(0, |r| r.as_str().len())
        + message.headers.as_ref().map_or(0, |h| h.encoded_len())
        + message.payload.len()
}

/// What a message on the pull subscription is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// A message for the application.
    Message,
    /// Nothing for the application (the end of a request, a status that
    /// changes nothing).
    Ignore,
    /// An idle heartbeat: a pull request is waiting and the consumer had
    /// nothing to deliver for a heartbeat interval. Nothing for the
    /// application, but it tells watchers that nothing is pending.
    Idle,
    /// Publish an empty message to this subject (a stalled consumer's
    /// flow control), then go on.
    Reply(String),
    /// A warning for the application; consuming goes on.
    Warning(Error),
    /// An error that ends consuming.
    Terminal(Error),
}

/// Continuous pulling (`consume`): keeps `max_messages` (or `max_bytes`)
/// requested, re-pulls at the thresholds, and reports missed heartbeats.
#[derive(Debug, Clone)]
pub struct Consume {
    options: ConsumeOptions,
    pending_messages: usize,
    pending_bytes: usize,
    connected: bool,
    /// When two heartbeats will have been missed; `None` while paused.
    heartbeat_deadline: Option<Instant>,
    pin_id: Option<String>,
    /// The pin id changed since [`take_pin_update`](Consume::take_pin_update).
    pin_changed: bool,
    /// Messages and bytes the last pull asked for.
    last_pull: (usize, usize),
    /// Pulls in a row that were refused or ended for a message too large,
    /// with no message delivered since.
    fruitless: u32,
    /// No pull before this (backing off after fruitless pulls).
    retry_at: Option<Instant>,
    /// The message-too-large warning was given for the current run of
    /// fruitless pulls.
    too_large_reported: bool,
    terminated: bool,
}

/// The first wait before pulling again after two fruitless pulls in a row;
/// it doubles with every further one, up to [`Consume::retry_cap`].
pub const RETRY_BASE: Duration = Duration::from_millis(50);

impl Consume {
    /// A consume that has requested nothing yet (the first
    /// [`poll_pull`](Consume::poll_pull) asks for the whole buffer).
    pub fn new(options: ConsumeOptions, now: Instant) -> Consume {
        let mut c = Consume {
            options,
            pending_messages: 0,
            pending_bytes: 0,
            connected: true,
            heartbeat_deadline: None,
            pin_id: None,
            pin_changed: false,
            last_pull: (0, 0),
            fruitless: 0,
            retry_at: None,
            too_large_reported: false,
            terminated: false,
        };
        c.touch(now);
        c
    }

    /// Sets the pin id to present in the next pulls (the one the consumer
    /// handle holds, which other pulls of it may have changed).
    pub fn set_pin_id(&mut self, pin_id: Option<String>) {
        self.pin_id = pin_id;
    }

    /// The pin id, if it changed since the last call: `Some(Some(id))` when
    /// the server pinned this client, `Some(None)` when it answered 423.
    pub fn take_pin_update(&mut self) -> Option<Option<String>> {
        std::mem::take(&mut self.pin_changed).then(|| self.pin_id.clone())
    }

    /// The longest wait between fruitless pulls: the heartbeat interval (so
    /// the watchdog, which allows two, stays quiet), or half the expiry
    /// without heartbeats.
    pub fn retry_cap(&self) -> Duration {
        if self.options.heartbeat.is_zero() {
            self.options.expires / 2
        } else {
            self.options.heartbeat
        }
    }

    /// One more fruitless pull: the first is retried at once (ADR-37), then
    /// the wait doubles from [`RETRY_BASE`] up to the cap. Pulls thus never
    /// come faster than the server answers them.
    fn back_off(&mut self, now: Instant) {
        self.fruitless = self.fruitless.saturating_add(1);
        let wait = match self.fruitless {
            0 | 1 => Duration::ZERO,
            n => RETRY_BASE
                .saturating_mul(1 << (n - 2).min(16))
                .min(self.retry_cap()),
        };
        self.retry_at = Some(now + wait);
    }

    /// The options.
    pub fn options(&self) -> &ConsumeOptions {
        &self.options
    }

    /// Messages and bytes requested and not yet delivered.
    pub fn pending(&self) -> (usize, usize) {
        (self.pending_messages, self.pending_bytes)
    }

    /// The pinned client id of the priority group, if pinned.
    pub fn pin_id(&self) -> Option<&str> {
        self.pin_id.as_deref()
    }

    /// Whether a terminal error ended it.
    pub fn is_terminated(&self) -> bool {
        self.terminated
    }

    fn touch(&mut self, now: Instant) {
        self.heartbeat_deadline = (self.connected && !self.options.heartbeat.is_zero())
            .then(|| now + self.options.heartbeat * 2);
    }

    fn forget(&mut self, unfilled: Option<Unfilled>) {
        match unfilled {
            Some(u) => {
                self.pending_messages = self
                    .pending_messages
                    .saturating_sub(usize::try_from(u.messages).unwrap_or(usize::MAX));
                self.pending_bytes = self
                    .pending_bytes
                    .saturating_sub(usize::try_from(u.bytes).unwrap_or(usize::MAX));
            }
            // Nothing says how much that request had left: assume every
            // request is gone and fill the buffer again.
            None => {
                self.pending_messages = 0;
                self.pending_bytes = 0;
            }
        }
    }

    /// Feeds a message of the pull subscription, when the application takes it.
    pub fn handle_message(&mut self, now: Instant, message: &Message) -> Delivery {
        if self.terminated {
            return Delivery::Ignore;
        }
        self.touch(now);
        match classify(message) {
            None => {
                self.pending_messages = self.pending_messages.saturating_sub(1);
                if self.options.max_bytes.is_some() {
                    self.pending_bytes = self.pending_bytes.saturating_sub(message_size(message));
                }
                if self.options.priority.is_some() {
                    if let Some(pin) = message.header("Nats-Pin-Id") {
                        if self.pin_id.as_deref() != Some(pin) {
                            self.pin_id = Some(pin.to_string());
                            self.pin_changed = true;
                        }
                    }
                }
                self.fruitless = 0;
                self.retry_at = None;
                self.too_large_reported = false;
                Delivery::Message
            }
            Some(Status::Heartbeat { stalled: Some(s) }) => Delivery::Reply(s),
            Some(Status::Heartbeat { stalled: None }) => Delivery::Idle,
            Some(Status::FlowControl { reply }) => Delivery::Reply(reply),
            Some(Status::PullEnded { unfilled, .. }) => {
                self.forget(unfilled);
                Delivery::Ignore
            }
            Some(Status::PullLost) => {
                self.forget(None);
                Delivery::Ignore
            }
            Some(Status::PinMismatch { unfilled }) => {
                if self.pin_id.take().is_some() {
                    self.pin_changed = true;
                }
                self.forget(unfilled);
                Delivery::Ignore
            }
            // The next message does not fit in the room this request had
            // left. When that was less than `max_bytes`, a new pull has more
            // room: pull again at once. When it was the whole `max_bytes`, no
            // pull can take it and pulling again at once would spin.
            Some(Status::MessageTooLarge { unfilled }) => {
                let whole = match (self.options.max_bytes, unfilled) {
                    (Some(max), Some(u)) => u.bytes >= max as u64,
                    _ => false,
                };
                self.forget(unfilled);
                if !whole {
                    return Delivery::Ignore;
                }
                self.back_off(now);
                match self.options.max_bytes {
                    Some(max_bytes) if !self.too_large_reported => {
                        self.too_large_reported = true;
                        Delivery::Warning(Error::MessageExceedsMaxBytes { max_bytes })
                    }
                    _ => Delivery::Ignore,
                }
            }
            // The request was refused (a consumer limit, or nobody took
            // it): it never waited on the server, so its count is no longer
            // pending and the next pull goes out at once (ADR-37), later
            // ones at a slowing pace while the refusals go on. The refused
            // request is taken to be the last one sent: refusals come back
            // at once.
            Some(Status::Warning(e)) => {
                let (messages, bytes) = self.last_pull;
                self.pending_messages = self.pending_messages.saturating_sub(messages);
                self.pending_bytes = self.pending_bytes.saturating_sub(bytes);
                self.back_off(now);
                Delivery::Warning(e)
            }
            Some(Status::Terminal(e)) => {
                self.terminated = true;
                self.heartbeat_deadline = None;
                Delivery::Terminal(e)
            }
        }
    }

    /// The next pull request to send, if the buffer fell to a threshold
    /// (counted as pending from now on). `None` while disconnected.
    pub fn poll_pull(&mut self, now: Instant) -> Option<PullRequest> {
        if self.terminated || !self.connected {
            return None;
        }
        if let Some(at) = self.retry_at {
            if now < at {
                return None;
            }
            self.retry_at = None;
        }
        let o = &self.options;
        let request = match o.max_bytes {
            Some(max_bytes) => {
                if self.pending_bytes > o.threshold_bytes {
                    return None;
                }
                let want = max_bytes - self.pending_bytes.min(max_bytes);
                self.pending_bytes += want;
                self.pending_messages = BYTES_MODE_BATCH;
                PullRequest {
                    batch: BYTES_MODE_BATCH,
                    max_bytes: want,
                    ..PullRequest::default()
                }
            }
            None => {
                if self.pending_messages > o.threshold_messages
                    || self.pending_messages >= o.max_messages
                {
                    return None;
                }
                let want = o.max_messages - self.pending_messages;
                self.pending_messages += want;
                PullRequest {
                    batch: want,
                    ..PullRequest::default()
                }
            }
        };
        let request = PullRequest {
            expires: duration_nanos(o.expires),
            heartbeat: duration_nanos(o.heartbeat),
            ..request
        }
        .with_priority(o.priority.as_ref(), self.pin_id.as_ref());
        self.last_pull = (request.batch, request.max_bytes);
        if self.heartbeat_deadline.is_none() {
            self.touch(now);
        }
        Some(request)
    }

    /// When [`handle_timeout`](Consume::handle_timeout) is due (the
    /// heartbeat watchdog), or when pulling may resume after backing off.
    pub fn poll_timeout(&self) -> Option<Instant> {
        match (self.heartbeat_deadline, self.retry_at) {
            (Some(h), Some(r)) => Some(h.min(r)),
            (h, r) => h.or(r),
        }
    }

    /// Checks the heartbeat deadline: after two missed heartbeats the
    /// requests are presumed lost (the next `poll_pull` fills the buffer
    /// again) and [`Error::MissedHeartbeats`] is returned for the
    /// application. Consuming goes on.
    pub fn handle_timeout(&mut self, now: Instant) -> Option<Error> {
        // A back-off that ran out needs nothing here: `poll_pull` pulls.
        let deadline = self.heartbeat_deadline?;
        if now < deadline {
            return None;
        }
        self.forget(None);
        self.touch(now);
        Some(Error::MissedHeartbeats)
    }

    /// The connection was lost: the heartbeat watch and pulling pause.
    pub fn handle_disconnected(&mut self) {
        self.connected = false;
        self.heartbeat_deadline = None;
    }

    /// The connection is back: the old requests may be gone with the old
    /// connection, so the next `poll_pull` fills the whole buffer again.
    pub fn handle_reconnected(&mut self, now: Instant) {
        self.connected = true;
        self.forget(None);
        self.touch(now);
        self.fruitless = 0;
        self.retry_at = None;
    }
}

/// How long after the server-side expiry the client waits for the statuses
/// that end a request.
pub const FETCH_GRACE: Duration = Duration::from_secs(1);

/// What a message of a fetch is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchStep {
    /// A message for the application.
    Message,
    /// A message for the application, and the fetch is complete.
    Last,
    /// Nothing for the application.
    Ignore,
    /// Publish an empty message to this subject, then go on.
    Reply(String),
    /// The fetch ended.
    Done,
    /// The fetch failed.
    Failed(Error),
}

/// One pull request (`fetch`, `next`), to its end: the batch is full, the
/// byte limit is reached, the server ends it (404, 408, 409), the client
/// timeout passes, or an error.
#[derive(Debug, Clone)]
pub struct Fetch {
    options: FetchOptions,
    received: usize,
    bytes: usize,
    /// `None`: a timeout too long for the clock, which never passes.
    deadline: Option<Instant>,
    heartbeat_deadline: Option<Instant>,
    pin_changed: bool,
    done: bool,
}

impl Fetch {
    /// A fetch whose request is sent at `now`. Without `no_wait` the client
    /// gives up at `now + expires + FETCH_GRACE`; with it, at
    /// `now + no_wait_timeout` (never, when that is too far for the clock).
    pub fn new(options: FetchOptions, now: Instant, no_wait_timeout: Duration) -> Fetch {
        let deadline = if options.no_wait && options.expires.is_zero() {
            now.checked_add(no_wait_timeout)
        } else {
            options
                .expires
                .checked_add(FETCH_GRACE)
                .and_then(|wait| now.checked_add(wait))
        };
        let heartbeat_deadline =
            (!options.heartbeat.is_zero()).then(|| now + options.heartbeat * 2);
        Fetch {
            options,
            received: 0,
            bytes: 0,
            deadline,
            heartbeat_deadline,
            pin_changed: false,
            done: false,
        }
    }

    /// The pin id, if it changed since the last call: `Some(Some(id))` when
    /// the server pinned this client, `Some(None)` when it answered 423.
    pub fn take_pin_update(&mut self) -> Option<Option<String>> {
        std::mem::take(&mut self.pin_changed).then(|| self.options.pin_id.clone())
    }

    /// The request to send.
    pub fn request(&self) -> PullRequest {
        let o = &self.options;
        PullRequest {
            batch: o.max_messages,
            max_bytes: o.max_bytes.unwrap_or(0),
            expires: duration_nanos(o.expires),
            no_wait: o.no_wait,
            heartbeat: duration_nanos(o.heartbeat),
            ..PullRequest::default()
        }
        .with_priority(o.priority.as_ref(), o.pin_id.as_ref())
    }

    /// Checks the options.
    pub fn validate(options: &FetchOptions) -> Result<(), Error> {
        // At half, the client's watchdog (two heartbeats) would run out
        // just as the server ends the request.
        if !options.heartbeat.is_zero()
            && options
                .heartbeat
                .checked_mul(2)
                .is_none_or(|twice| twice >= options.expires)
        {
            return Err(Error::InvalidHeartbeat {
                heartbeat: options.heartbeat,
                expires: options.expires,
            });
        }
        if options.expires.is_zero() && !options.no_wait {
            return Err(Error::InvalidArgument(
                "a fetch needs an expiry or no_wait".into(),
            ));
        }
        crate::consumer::check_expires(options.expires)
    }

    /// Messages delivered so far.
    pub fn received(&self) -> usize {
        self.received
    }

    /// Whether it watches idle heartbeats (only then does
    /// [`handle_message`](Fetch::handle_message) use its `now`).
    pub fn watches_heartbeats(&self) -> bool {
        self.heartbeat_deadline.is_some()
    }

    /// Whether it ended.
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// Feeds a message of the fetch's subscription.
    pub fn handle_message(&mut self, now: Instant, message: &Message) -> FetchStep {
        if self.done {
            return FetchStep::Ignore;
        }
        if let Some(hb) = self.heartbeat_deadline.as_mut() {
            *hb = now + self.options.heartbeat * 2;
        }
        match classify(message) {
            None => {
                self.received += 1;
                if self.options.max_bytes.is_some() {
                    self.bytes += message_size(message);
                }
                if self.options.priority.is_some() {
                    if let Some(pin) = message.header("Nats-Pin-Id") {
                        if self.options.pin_id.as_deref() != Some(pin) {
                            self.options.pin_id = Some(pin.to_string());
                            self.pin_changed = true;
                        }
                    }
                }
                let full = self.received >= self.options.max_messages
                    || self.options.max_bytes.is_some_and(|m| self.bytes >= m);
                if full {
                    self.done = true;
                    FetchStep::Last
                } else {
                    FetchStep::Message
                }
            }
            Some(Status::Heartbeat { stalled: Some(s) }) => FetchStep::Reply(s),
            Some(Status::Heartbeat { stalled: None }) => FetchStep::Ignore,
            Some(Status::FlowControl { reply }) => FetchStep::Reply(reply),
            Some(Status::PullEnded { .. })
            | Some(Status::MessageTooLarge { .. })
            | Some(Status::PullLost) => {
                self.done = true;
                FetchStep::Done
            }
            Some(Status::PinMismatch { .. }) => {
                self.done = true;
                self.options.pin_id = None;
                self.pin_changed = true;
                FetchStep::Failed(Error::PinIdMismatch)
            }
            Some(Status::Warning(e)) | Some(Status::Terminal(e)) => {
                self.done = true;
                FetchStep::Failed(e)
            }
        }
    }

    /// When [`handle_timeout`](Fetch::handle_timeout) is due.
    pub fn poll_timeout(&self) -> Option<Instant> {
        if self.done {
            return None;
        }
        match (self.heartbeat_deadline, self.deadline) {
            (Some(hb), Some(end)) => Some(hb.min(end)),
            (hb, end) => hb.or(end),
        }
    }

    /// Ends the fetch at its deadline ([`FetchStep::Done`]) or after two
    /// missed heartbeats ([`Error::MissedHeartbeats`]); `None` when nothing
    /// is due yet.
    pub fn handle_timeout(&mut self, now: Instant) -> Option<FetchStep> {
        if self.done {
            return None;
        }
        if self.heartbeat_deadline.is_some_and(|hb| now >= hb) {
            self.done = true;
            return Some(FetchStep::Failed(Error::MissedHeartbeats));
        }
        if self.deadline.is_some_and(|end| now >= end) {
            self.done = true;
            return Some(FetchStep::Done);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::status::tests::status;
    use bytes::Bytes;
    use natrs_client::{HeaderMap, Subject};

    fn user(payload: &'static str) -> Message {
        Message {
            subject: Subject::from_static("s"),
            reply: Some(Subject::from_static("$JS.ACK.S.C.1.1.1.1.0")),
            headers: None,
            payload: Bytes::from_static(payload.as_bytes()),
            length: 0,
        }
    }

    fn opts(max: usize) -> ConsumeOptions {
        ConsumeOptions::new()
            .max_messages(max)
            .expires(Duration::from_secs(10))
    }

    #[test]
    fn request_json() {
        let r = PullRequest {
            batch: 10,
            expires: 5_000_000_000,
            heartbeat: 1_000_000_000,
            ..Default::default()
        };
        assert_eq!(
            &r.to_json()[..],
            br#"{"batch":10,"expires":5000000000,"idle_heartbeat":1000000000}"#
        );
        let r = PullRequest {
            batch: 1,
            no_wait: true,
            group: Some("g".into()),
            pin_id: Some("p".into()),
            ..Default::default()
        };
        assert_eq!(
            &r.to_json()[..],
            br#"{"batch":1,"no_wait":true,"group":"g","id":"p"}"#
        );
    }

    #[test]
    fn consume_paces_by_messages() {
        let t0 = Instant::now();
        let mut c = Consume::new(opts(10), t0);
        let r = c.poll_pull(t0).unwrap();
        assert_eq!(r.batch, 10);
        assert_eq!(r.expires, 10_000_000_000);
        assert_eq!(r.heartbeat, 5_000_000_000);
        assert_eq!(c.poll_pull(t0), None);
        for _ in 0..4 {
            assert_eq!(c.handle_message(t0, &user("x")), Delivery::Message);
        }
        // 6 pending > threshold 5.
        assert_eq!(c.poll_pull(t0), None);
        c.handle_message(t0, &user("x"));
        let r = c.poll_pull(t0).unwrap();
        assert_eq!(r.batch, 5);
        assert_eq!(c.pending(), (10, 0));
        // A request timing out with 3 unfilled.
        let end = status(
            408,
            "Request Timeout",
            &[("Nats-Pending-Messages", "3"), ("Nats-Pending-Bytes", "0")],
        );
        assert_eq!(c.handle_message(t0, &end), Delivery::Ignore);
        assert_eq!(c.pending(), (7, 0));
        assert_eq!(c.poll_pull(t0), None);
        // Heartbeats count as activity but not as messages.
        assert_eq!(
            c.handle_message(t0, &status(100, "Idle Heartbeat", &[])),
            Delivery::Idle
        );
        assert_eq!(c.pending(), (7, 0));
    }

    #[test]
    fn consume_with_one_message_does_not_stall() {
        let t0 = Instant::now();
        let mut c = Consume::new(opts(1), t0);
        for _ in 0..3 {
            assert_eq!(c.poll_pull(t0).unwrap().batch, 1);
            assert_eq!(c.poll_pull(t0), None);
            assert_eq!(c.handle_message(t0, &user("x")), Delivery::Message);
        }
    }

    #[test]
    fn consume_paces_by_bytes() {
        let t0 = Instant::now();
        let mut c = Consume::new(
            ConsumeOptions::new()
                .max_bytes(1000)
                .expires(Duration::from_secs(10)),
            t0,
        );
        let r = c.poll_pull(t0).unwrap();
        assert_eq!(r.batch, BYTES_MODE_BATCH);
        assert_eq!(r.max_bytes, 1000);
        let m = user("0123456789");
        let size = message_size(&m);
        assert_eq!(size, 1 + 21 + 10);
        let mut taken = 0;
        while c.poll_pull(t0).is_none() {
            c.handle_message(t0, &m);
            taken += size;
        }
        assert!(taken >= 500, "{taken}");
    }

    #[test]
    fn heartbeat_watchdog() {
        let t0 = Instant::now();
        let mut c = Consume::new(opts(10), t0);
        c.poll_pull(t0).unwrap();
        let due = c.poll_timeout().unwrap();
        assert_eq!(due, t0 + Duration::from_secs(10));
        assert_eq!(c.handle_timeout(due - Duration::from_millis(1)), None);
        // A heartbeat pushes the deadline.
        let t1 = t0 + Duration::from_secs(8);
        c.handle_message(t1, &status(100, "Idle Heartbeat", &[]));
        assert_eq!(c.poll_timeout(), Some(t1 + Duration::from_secs(10)));
        let t2 = t1 + Duration::from_secs(10);
        assert_eq!(c.handle_timeout(t2), Some(Error::MissedHeartbeats));
        // The requests are presumed lost: pull the whole buffer again.
        assert_eq!(c.poll_pull(t2).unwrap().batch, 10);
    }

    #[test]
    fn reconnect_pauses_and_refills() {
        let t0 = Instant::now();
        let mut c = Consume::new(opts(10), t0);
        c.poll_pull(t0).unwrap();
        c.handle_message(t0, &user("x"));
        c.handle_disconnected();
        assert_eq!(c.poll_timeout(), None);
        for _ in 0..6 {
            c.handle_message(t0, &user("x"));
        }
        assert_eq!(c.poll_pull(t0), None);
        let t1 = t0 + Duration::from_secs(60);
        c.handle_reconnected(t1);
        assert_eq!(c.poll_timeout(), Some(t1 + Duration::from_secs(10)));
        assert_eq!(c.poll_pull(t1).unwrap().batch, 10);
    }

    #[test]
    fn statuses_end_or_warn() {
        let t0 = Instant::now();
        let mut c = Consume::new(opts(10), t0);
        c.poll_pull(t0).unwrap();
        assert!(matches!(
            c.handle_message(t0, &status(409, "Exceeded MaxWaiting", &[])),
            Delivery::Warning(Error::LimitExceeded(_))
        ));
        // The refused request is no longer pending: pull again at once.
        assert_eq!(c.pending(), (0, 0));
        assert_eq!(c.poll_pull(t0).unwrap().batch, 10);
        assert_eq!(
            c.handle_message(t0, &status(503, "", &[])),
            Delivery::Warning(Error::ConsumerUnavailable)
        );
        // A second refusal in a row: wait before the next pull.
        assert_eq!(c.poll_pull(t0), None);
        assert_eq!(c.poll_timeout(), Some(t0 + RETRY_BASE));
        let t0 = t0 + RETRY_BASE;
        assert_eq!(c.handle_timeout(t0), None);
        assert_eq!(c.poll_pull(t0).unwrap().batch, 10);
        assert_eq!(
            c.handle_message(t0, &status(409, "Leadership Change", &[])),
            Delivery::Ignore
        );
        assert_eq!(c.poll_pull(t0).unwrap().batch, 10);
        let mut stalled = status(
            100,
            "Idle Heartbeat",
            &[("Nats-Consumer-Stalled", "$JS.FC.1")],
        );
        stalled.headers.get_or_insert_with(HeaderMap::new);
        assert_eq!(
            c.handle_message(t0, &stalled),
            Delivery::Reply("$JS.FC.1".into())
        );
        assert_eq!(
            c.handle_message(t0, &status(409, "Consumer Deleted", &[])),
            Delivery::Terminal(Error::ConsumerDeleted)
        );
        assert!(c.is_terminated());
        assert_eq!(c.poll_pull(t0), None);
        assert_eq!(c.poll_timeout(), None);
    }

    #[test]
    fn refused_pulls_back_off_until_a_message_comes() {
        let t0 = Instant::now();
        let mut c = Consume::new(opts(10), t0);
        let mut now = t0;
        let mut waits = Vec::new();
        for _ in 0..12 {
            let r = c.poll_pull(now).expect("a pull once the wait is over");
            assert_eq!(r.batch, 10);
            assert!(matches!(
                c.handle_message(now, &status(409, "Exceeded MaxRequestBatch of 5", &[])),
                Delivery::Warning(Error::LimitExceeded(_))
            ));
            let at = c.poll_timeout().unwrap();
            waits.push(at - now);
            if at > now {
                assert_eq!(c.poll_pull(now), None);
            }
            now = at;
            assert_eq!(c.handle_timeout(now), None);
        }
        let ms: Vec<u128> = waits.iter().map(|w| w.as_millis()).collect();
        // At once, then doubling from 50 ms up to the heartbeat (5 s).
        assert_eq!(
            ms,
            [
                0, 50, 100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000, 5000
            ]
        );
        // The watchdog never fires: every refusal counts as activity.
        // A message resets the pace.
        c.poll_pull(now).unwrap();
        assert_eq!(c.handle_message(now, &user("x")), Delivery::Message);
        c.handle_message(now, &status(409, "Exceeded MaxWaiting", &[]));
        assert!(c.poll_pull(now).is_some());
    }

    #[test]
    fn message_too_large_warns_once_and_backs_off() {
        let t0 = Instant::now();
        let mut c = Consume::new(
            ConsumeOptions::new()
                .max_bytes(100)
                .expires(Duration::from_secs(10)),
            t0,
        );
        let too_large = |left: &str| {
            status(
                409,
                "Message Size Exceeds MaxBytes",
                &[
                    ("Nats-Pending-Messages", "1000000"),
                    ("Nats-Pending-Bytes", left),
                ],
            )
        };
        let mut now = t0;
        let mut pulls = 0;
        let mut warnings = 0;
        // Ten seconds of a server that ends every pull at once.
        while now < t0 + Duration::from_secs(10) {
            while let Some(r) = c.poll_pull(now) {
                pulls += 1;
                let answer = too_large(&r.max_bytes.to_string());
                match c.handle_message(now, &answer) {
                    Delivery::Warning(Error::MessageExceedsMaxBytes { max_bytes: 100 }) => {
                        warnings += 1
                    }
                    Delivery::Ignore => {}
                    other => panic!("{other:?}"),
                }
            }
            now = c.poll_timeout().unwrap();
            assert_eq!(c.handle_timeout(now), None);
        }
        assert_eq!(warnings, 1);
        // 0, 50 ms, ... 3.2 s, 5 s: 10 pulls in 10 s.
        assert!(pulls <= 10, "{pulls} pulls");
        // Once a message gets through, a new run warns again.
        c.poll_pull(now);
        assert_eq!(c.handle_message(now, &user("x")), Delivery::Message);
        c.poll_pull(now);
        assert!(matches!(
            c.handle_message(now, &too_large("100")),
            Delivery::Warning(Error::MessageExceedsMaxBytes { .. })
        ));
        // A request that had only part of max_bytes left ends the same way
        // when the next message does not fit in that part: a new pull, with
        // all the room, goes out at once.
        let mut c = Consume::new(
            ConsumeOptions::new()
                .max_bytes(100)
                .expires(Duration::from_secs(10)),
            t0,
        );
        assert_eq!(c.poll_pull(t0).unwrap().max_bytes, 100);
        for _ in 0..2 {
            c.handle_message(t0, &user("0123456789"));
        }
        assert_eq!(c.pending().1, 100 - 2 * 32);
        assert_eq!(c.handle_message(t0, &too_large("36")), Delivery::Ignore);
        assert_eq!(c.poll_pull(t0).unwrap().max_bytes, 100);
    }

    #[test]
    fn fetch_keeps_and_clears_pin_ids() {
        let t0 = Instant::now();
        let group = PriorityOptions {
            group: "g".into(),
            ..Default::default()
        };
        let mut f = Fetch::new(
            FetchOptions::new(2).priority(group.clone()),
            t0,
            Duration::ZERO,
        );
        assert_eq!(f.request().pin_id, None);
        let mut m = user("x");
        let mut h = HeaderMap::new();
        h.insert("Nats-Pin-Id", "PIN1");
        m.headers = Some(h);
        assert_eq!(f.handle_message(t0, &m), FetchStep::Message);
        assert_eq!(f.take_pin_update(), Some(Some("PIN1".into())));
        assert_eq!(f.take_pin_update(), None);

        let mut f = Fetch::new(
            FetchOptions::new(2).priority(group).pin_id("PIN1"),
            t0,
            Duration::ZERO,
        );
        assert_eq!(f.request().pin_id.as_deref(), Some("PIN1"));
        assert_eq!(
            f.handle_message(t0, &status(423, "Nats-Pin-Id mismatch", &[])),
            FetchStep::Failed(Error::PinIdMismatch)
        );
        assert_eq!(f.take_pin_update(), Some(None));
    }

    #[test]
    fn pin_ids() {
        let t0 = Instant::now();
        let mut c = Consume::new(
            opts(10).priority(PriorityOptions {
                group: "g".into(),
                ..Default::default()
            }),
            t0,
        );
        let r = c.poll_pull(t0).unwrap();
        assert_eq!(r.group.as_deref(), Some("g"));
        assert_eq!(r.pin_id, None);
        let mut m = user("x");
        let mut h = HeaderMap::new();
        h.insert("Nats-Pin-Id", "PIN1");
        m.headers = Some(h);
        for _ in 0..6 {
            c.handle_message(t0, &m);
        }
        assert_eq!(c.pin_id(), Some("PIN1"));
        assert_eq!(c.take_pin_update(), Some(Some("PIN1".into())));
        assert_eq!(c.take_pin_update(), None);
        assert_eq!(c.poll_pull(t0).unwrap().pin_id.as_deref(), Some("PIN1"));
        c.handle_message(t0, &status(423, "Nats-Pin-Id mismatch", &[]));
        assert_eq!(c.pin_id(), None);
        assert_eq!(c.take_pin_update(), Some(None));
        assert_eq!(c.poll_pull(t0).unwrap().pin_id, None);
        // A pin id another pull of the handle got is presented.
        c.set_pin_id(Some("PIN2".into()));
        c.handle_message(t0, &status(408, "Request Timeout", &[]));
        assert_eq!(c.poll_pull(t0).unwrap().pin_id.as_deref(), Some("PIN2"));
    }

    #[test]
    fn fetch_ends() {
        let t0 = Instant::now();
        let mut f = Fetch::new(FetchOptions::new(3), t0, Duration::from_secs(5));
        assert_eq!(f.request().batch, 3);
        assert_eq!(f.poll_timeout(), Some(t0 + Duration::from_secs(31)));
        assert_eq!(f.handle_message(t0, &user("a")), FetchStep::Message);
        assert_eq!(f.handle_message(t0, &user("b")), FetchStep::Message);
        assert_eq!(f.handle_message(t0, &user("c")), FetchStep::Last);
        assert!(f.is_done());
        assert_eq!(f.poll_timeout(), None);

        let mut f = Fetch::new(
            FetchOptions::new(3).no_wait(true),
            t0,
            Duration::from_secs(5),
        );
        assert!(f.request().no_wait);
        assert_eq!(f.handle_message(t0, &user("a")), FetchStep::Message);
        assert_eq!(
            f.handle_message(t0, &status(404, "No Messages", &[])),
            FetchStep::Done
        );
        assert_eq!(f.received(), 1);

        let mut f = Fetch::new(FetchOptions::new(3).max_bytes(40), t0, Duration::ZERO);
        assert_eq!(f.request().max_bytes, 40);
        assert_eq!(
            f.handle_message(t0, &user("0123456789")),
            FetchStep::Message
        );
        assert_eq!(f.handle_message(t0, &user("0123456789")), FetchStep::Last);

        let mut f = Fetch::new(FetchOptions::new(3), t0, Duration::ZERO);
        assert_eq!(
            f.handle_message(t0, &status(409, "Consumer is push based", &[])),
            FetchStep::Failed(Error::ConsumerIsPushBased)
        );
    }

    #[test]
    fn a_no_wait_timeout_too_long_for_the_clock_is_no_deadline() {
        let t0 = Instant::now();
        let mut f = Fetch::new(FetchOptions::new(3).no_wait(true), t0, Duration::MAX);
        assert_eq!(f.poll_timeout(), None);
        assert_eq!(
            f.handle_timeout(t0 + Duration::from_secs(86400 * 365 * 100)),
            None
        );
        assert_eq!(
            f.handle_message(t0, &status(404, "No Messages", &[])),
            FetchStep::Done
        );
    }

    #[test]
    fn fetch_timeouts() {
        let t0 = Instant::now();
        let mut f = Fetch::new(
            FetchOptions::new(3).expires(Duration::from_secs(60)),
            t0,
            Duration::ZERO,
        );
        // A third of the expiry: the watchdog (two heartbeats) runs out
        // before the request ends.
        assert_eq!(f.request().heartbeat, 20_000_000_000);
        assert_eq!(f.poll_timeout(), Some(t0 + Duration::from_secs(40)));
        assert_eq!(f.handle_timeout(t0 + Duration::from_secs(39)), None);
        assert_eq!(
            f.handle_timeout(t0 + Duration::from_secs(40)),
            Some(FetchStep::Failed(Error::MissedHeartbeats))
        );
        assert_eq!(
            FetchOptions::new(1)
                .expires(Duration::from_secs(120))
                .heartbeat,
            Duration::from_secs(30)
        );
        let mut f = Fetch::new(
            FetchOptions::new(3).expires(Duration::from_secs(2)),
            t0,
            Duration::ZERO,
        );
        assert_eq!(
            f.handle_timeout(t0 + Duration::from_secs(3)),
            Some(FetchStep::Done)
        );
        assert!(Fetch::validate(&FetchOptions::new(1).expires(Duration::ZERO)).is_err());
        for hb in [1000, 1500, 2000] {
            assert_eq!(
                Fetch::validate(
                    &FetchOptions::new(1)
                        .expires(Duration::from_secs(2))
                        .heartbeat(Duration::from_millis(hb))
                ),
                Err(Error::InvalidHeartbeat {
                    heartbeat: Duration::from_millis(hb),
                    expires: Duration::from_secs(2)
                })
            );
        }
        assert_eq!(
            Fetch::validate(
                &FetchOptions::new(1)
                    .expires(Duration::from_secs(2))
                    .heartbeat(Duration::from_millis(999))
            ),
            Ok(())
        );
    }

    #[test]
    fn durations_too_long_for_the_clock_or_the_server_are_refused() {
        let long = FetchOptions::new(1).expires(Duration::from_secs(2));
        assert_eq!(
            Fetch::validate(&long.clone().heartbeat(Duration::MAX)),
            Err(Error::InvalidHeartbeat {
                heartbeat: Duration::MAX,
                expires: Duration::from_secs(2)
            })
        );
        assert!(matches!(
            Fetch::validate(&long.clone().expires(Duration::MAX)),
            Err(Error::InvalidArgument(_))
        ));
        let max = crate::consumer::MAX_EXPIRES;
        assert_eq!(Fetch::validate(&long.expires(max)), Ok(()));
        let consume = ConsumeOptions::new();
        assert!(matches!(
            consume.clone().heartbeat(Duration::MAX).validate(),
            Err(Error::InvalidArgument(_))
        ));
        assert!(matches!(
            consume.clone().expires(Duration::MAX).validate(),
            Err(Error::InvalidArgument(_))
        ));
        assert_eq!(consume.expires(max).validate(), Ok(()));
    }
}
