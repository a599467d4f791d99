//! The request multiplexer: one wildcard subscription on a private inbox, one
//! token per request, and the deadlines that end requests.

use crate::client::event::{RequestError, RequestId, Sid};
use crate::message::Message;
use crate::time::Instant;
use alloc::collections::{BTreeMap, BTreeSet};
use alloc::string::String;
use core::fmt::Write;
use core::time::Duration;

/// How a `request_many` (ADR-47) ends, besides its overall timeout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RequestManyOptions {
    /// End after this many replies.
    pub max_messages: Option<u64>,
    /// End when no reply came for this long since the previous one. The
    /// first reply is awaited with the total timeout only (ADR-47); zero
    /// means no stall timer.
    pub stall: Option<Duration>,
    /// End at a reply with an empty payload and no headers (not delivered).
    pub sentinel: bool,
}

#[derive(Debug, Clone, Copy)]
enum Kind {
    Single,
    Many(RequestManyOptions),
}

#[derive(Debug)]
struct Pending {
    kind: Kind,
    deadline: Instant,
    stall_deadline: Option<Instant>,
    /// The entry of this request in `Requests::deadlines`.
    armed: Instant,
    received: u64,
}

impl Pending {
    fn effective_deadline(&self) -> Instant {
        match self.stall_deadline {
            Some(s) if s < self.deadline => s,
            _ => self.deadline,
        }
    }
}

/// What a reply means for its request.
#[derive(Debug)]
pub(crate) enum ReplyOutcome {
    /// Deliver it; for a single request this ends it.
    Deliver(RequestId, Message),
    /// Deliver it, then the request is done.
    DeliverAndDone(RequestId, Message),
    /// The request is done; nothing to deliver (a sentinel).
    Done(RequestId),
    /// The request failed.
    Failed(RequestId, RequestError),
    /// No request is waiting for it (late or unknown).
    Ignore,
}

/// What expired at a timeout.
#[derive(Debug)]
pub(crate) enum Expired {
    /// A request ended by its deadline or stall timer.
    Done(RequestId),
    /// A single request timed out.
    Failed(RequestId, RequestError),
}

/// The pending requests and the mux subscription they share.
#[derive(Debug, Default)]
pub(crate) struct Requests {
    /// `<inbox prefix>.<nuid>`, chosen at the first request.
    prefix: Option<String>,
    /// The wildcard subscription `<prefix>.*`, once made.
    pub(crate) mux_sid: Option<Sid>,
    next_token: u64,
    pending: BTreeMap<u64, Pending>,
    deadlines: BTreeSet<(Instant, u64)>,
}

impl Requests {
    pub(crate) fn set_prefix(&mut self, prefix: String) {
        self.prefix = Some(prefix);
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }

    /// Registers a request; returns its id and writes its reply subject into `reply`.
    pub(crate) fn start(
        &mut self,
        now: Instant,
        timeout: Duration,
        many: Option<RequestManyOptions>,
        reply: &mut String,
    ) -> RequestId {
        self.next_token += 1;
        let token = self.next_token;
        reply.clear();
        reply.push_str(self.prefix.as_deref().unwrap_or_default());
        let _ = write!(reply, ".{token}");
        let deadline = now + timeout;
        let kind = match many {
            Some(opts) => Kind::Many(opts),
            None => Kind::Single,
        };
        // The stall timer starts with the first reply.
        let mut p = Pending {
            kind,
            deadline,
            stall_deadline: None,
            armed: deadline,
            received: 0,
        };
        p.armed = p.effective_deadline();
        self.deadlines.insert((p.armed, token));
        self.pending.insert(token, p);
        RequestId(token)
    }

    /// Forgets a request (its publish failed, or the user cancelled it).
    pub(crate) fn cancel(&mut self, id: RequestId) -> bool {
        match self.pending.remove(&id.0) {
            Some(p) => {
                self.deadlines.remove(&(p.armed, id.0));
                true
            }
            None => false,
        }
    }

    /// Matches a message received on the mux subscription to its request.
    pub(crate) fn on_reply(&mut self, now: Instant, message: Message) -> ReplyOutcome {
        let Some(token) = self.token_of(&message) else {
            return ReplyOutcome::Ignore;
        };
        let Some(p) = self.pending.get_mut(&token) else {
            return ReplyOutcome::Ignore;
        };
        let id = RequestId(token);
        let no_responders = message.payload.is_empty()
            && message
                .headers
                .as_ref()
                .is_some_and(|h| h.status() == Some(crate::headers::StatusCode::NO_RESPONDERS));
        match p.kind {
            Kind::Single => {
                self.remove(token);
                if no_responders {
                    ReplyOutcome::Failed(id, RequestError::NoResponders)
                } else {
                    ReplyOutcome::Deliver(id, message)
                }
            }
            Kind::Many(opts) => {
                if no_responders {
                    let none_yet = p.received == 0;
                    self.remove(token);
                    return if none_yet {
                        ReplyOutcome::Failed(id, RequestError::NoResponders)
                    } else {
                        ReplyOutcome::Done(id)
                    };
                }
                if opts.sentinel
                    && message.payload.is_empty()
                    && message.headers.as_ref().is_none_or(|h| h.is_empty())
                {
                    self.remove(token);
                    return ReplyOutcome::Done(id);
                }
                p.received += 1;
                if opts.max_messages.is_some_and(|m| p.received >= m) {
                    self.remove(token);
                    return ReplyOutcome::DeliverAndDone(id, message);
                }
                if let Some(stall) = opts.stall.filter(|s| !s.is_zero()) {
                    p.stall_deadline = Some(now + stall);
                    let old = p.armed;
                    p.armed = p.effective_deadline();
                    let new = p.armed;
                    self.deadlines.remove(&(old, token));
                    self.deadlines.insert((new, token));
                }
                ReplyOutcome::Deliver(id, message)
            }
        }
    }

    /// The earliest request deadline.
    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        self.deadlines.first().map(|(t, _)| *t)
    }

    /// Ends the next request whose deadline is at or before `now`.
    pub(crate) fn pop_expired(&mut self, now: Instant) -> Option<Expired> {
        let &(at, token) = self.deadlines.first()?;
        if at > now {
            return None;
        }
        self.deadlines.pop_first();
        let p = self.pending.remove(&token)?;
        let id = RequestId(token);
        Some(match p.kind {
            Kind::Single => Expired::Failed(id, RequestError::TimedOut),
            Kind::Many(_) => Expired::Done(id),
        })
    }

    /// Ends every request (the client closes), returning their ids in order.
    pub(crate) fn take_all(&mut self) -> impl Iterator<Item = RequestId> {
        self.deadlines.clear();
        core::mem::take(&mut self.pending)
            .into_keys()
            .map(RequestId)
    }

    fn remove(&mut self, token: u64) {
        if let Some(p) = self.pending.remove(&token) {
            self.deadlines.remove(&(p.armed, token));
        }
    }

    fn token_of(&self, message: &Message) -> Option<u64> {
        let prefix = self.prefix.as_deref()?;
        let rest = message
            .subject
            .as_str()
            .strip_prefix(prefix)?
            .strip_prefix('.')?;
        parse_token(rest)
    }
}

fn parse_token(s: &str) -> Option<u64> {
    if s.is_empty() || s.len() > 19 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}
