//! Push consumers as a sans-IO state machine: the server sends to the
//! deliver subject; this sorts user messages from idle heartbeats and flow
//! control requests, tells when to answer flow control, and watches the
//! heartbeats.

use super::status::{Status, classify};
use crate::error::Error;
use natrs_client::Message;
use std::time::{Duration, Instant};

/// What a message on the deliver subject is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PushStep {
    /// A message for the application.
    Message,
    /// Nothing for the application.
    Ignore,
    /// Publish an empty message to this subject (flow control request, or
    /// the stalled subject of a heartbeat), then go on.
    Reply(String),
    /// An error that ends consuming (a status a push consumer never gets).
    Terminal(Error),
}

/// A push consumer's delivery subscription.
#[derive(Debug, Clone)]
pub struct Push {
    heartbeat: Duration,
    deadline: Option<Instant>,
    connected: bool,
}

impl Push {
    /// A push subscription whose consumer sends idle heartbeats every
    /// `heartbeat` (zero: none, no watchdog).
    pub fn new(heartbeat: Duration, now: Instant) -> Push {
        let mut p = Push {
            heartbeat,
            deadline: None,
            connected: true,
        };
        p.touch(now);
        p
    }

    fn touch(&mut self, now: Instant) {
        self.deadline =
            (self.connected && !self.heartbeat.is_zero()).then(|| now + self.heartbeat * 2);
    }

    /// Feeds a message of the subscription, when the application takes it
    /// (so a flow control answer means everything before it was delivered).
    pub fn handle_message(&mut self, now: Instant, message: &Message) -> PushStep {
        self.touch(now);
        match classify(message) {
            None => PushStep::Message,
            Some(Status::Heartbeat { stalled: Some(s) }) => PushStep::Reply(s),
            Some(Status::FlowControl { reply }) => PushStep::Reply(reply),
            Some(Status::Heartbeat { stalled: None }) => PushStep::Ignore,
            Some(Status::Terminal(e)) => PushStep::Terminal(e),
            Some(_) => PushStep::Ignore,
        }
    }

    /// When [`handle_timeout`](Push::handle_timeout) is due.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.deadline
    }

    /// Reports [`Error::MissedHeartbeats`] once two heartbeats were missed
    /// (and watches for the next two).
    pub fn handle_timeout(&mut self, now: Instant) -> Option<Error> {
        let deadline = self.deadline?;
        if now < deadline {
            return None;
        }
        self.touch(now);
        Some(Error::MissedHeartbeats)
    }

    /// The connection was lost: the watchdog pauses.
    pub fn handle_disconnected(&mut self) {
        self.connected = false;
        self.deadline = None;
    }

    /// The connection is back: the watchdog starts again.
    pub fn handle_reconnected(&mut self, now: Instant) {
        self.connected = true;
        self.touch(now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::status::tests::status;
    use bytes::Bytes;
    use natrs_client::Subject;

    #[test]
    fn sorts_and_watches() {
        let t0 = Instant::now();
        let mut p = Push::new(Duration::from_secs(1), t0);
        assert_eq!(p.poll_timeout(), Some(t0 + Duration::from_secs(2)));
        let mut fc = status(100, "FlowControl Request", &[]);
        fc.reply = Some(Subject::from_static("$JS.FC.S.C.1"));
        assert_eq!(
            p.handle_message(t0, &fc),
            PushStep::Reply("$JS.FC.S.C.1".into())
        );
        assert_eq!(
            p.handle_message(t0, &status(100, "Idle Heartbeat", &[])),
            PushStep::Ignore
        );
        let user = Message {
            subject: Subject::from_static("a"),
            reply: None,
            headers: None,
            payload: Bytes::from_static(b"x"),
            length: 0,
        };
        let t1 = t0 + Duration::from_millis(1500);
        assert_eq!(p.handle_message(t1, &user), PushStep::Message);
        assert_eq!(p.handle_timeout(t1 + Duration::from_millis(1999)), None);
        assert_eq!(
            p.handle_timeout(t1 + Duration::from_secs(2)),
            Some(Error::MissedHeartbeats)
        );
        p.handle_disconnected();
        assert_eq!(p.poll_timeout(), None);
        p.handle_reconnected(t1);
        assert!(p.poll_timeout().is_some());
        let none = Push::new(Duration::ZERO, t0);
        assert_eq!(none.poll_timeout(), None);
    }
}
