//! Acknowledgements (C5): what is sent to a message's reply subject, and the
//! per-message bookkeeping that refuses a second terminal ack locally.

use crate::error::Error;
use crate::wire::duration_nanos;
use bytes::Bytes;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;

/// One acknowledgement.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum AckKind {
    /// `+ACK`: processed.
    Ack,
    /// `-NAK`: redeliver, after `delay` if given.
    Nak(Option<Duration>),
    /// `+WPI`: still working on it; resets the ack timer. Not terminal, may be
    /// sent any number of times.
    Progress,
    /// `+NXT`: acknowledged, and deliver the next message (pull, request only).
    Next,
    /// `+TERM`: do not redeliver, with an optional reason.
    Term(Option<String>),
}

impl AckKind {
    /// The payload to send.
    pub fn payload(&self) -> Bytes {
        match self {
            AckKind::Ack => Bytes::from_static(b"+ACK"),
            AckKind::Nak(None) => Bytes::from_static(b"-NAK"),
            AckKind::Nak(Some(d)) => {
                Bytes::from(format!("-NAK {{\"delay\":{}}}", duration_nanos(*d)))
            }
            AckKind::Progress => Bytes::from_static(b"+WPI"),
            AckKind::Next => Bytes::from_static(b"+NXT"),
            AckKind::Term(None) => Bytes::from_static(b"+TERM"),
            AckKind::Term(Some(reason)) => Bytes::from(format!("+TERM {reason}")),
        }
    }

    /// Whether no other ack may follow this one.
    pub fn is_terminal(&self) -> bool {
        !matches!(self, AckKind::Progress)
    }
}

const OPEN: u8 = 0;
const SENDING: u8 = 1;
const DONE: u8 = 2;

/// Whether a message was acknowledged: terminal acks are accepted once;
/// progress acks any number of times before that.
#[derive(Debug, Default)]
pub(crate) struct AckState(AtomicU8);

impl AckState {
    /// A message not acknowledged yet.
    pub(crate) fn new() -> AckState {
        AckState(AtomicU8::new(OPEN))
    }

    /// Claims the right to send `kind`: fails with
    /// [`Error::AlreadyAcknowledged`] after a terminal ack (or while one is
    /// being sent). Call [`AckState::finish`] with the outcome of a terminal
    /// ack.
    pub(crate) fn begin(&self, kind: &AckKind) -> Result<(), Error> {
        if !kind.is_terminal() {
            return match self.0.load(Ordering::Acquire) {
                OPEN => Ok(()),
                _ => Err(Error::AlreadyAcknowledged),
            };
        }
        self.0
            .compare_exchange(OPEN, SENDING, Ordering::AcqRel, Ordering::Acquire)
            .map(|_| ())
            .map_err(|_| Error::AlreadyAcknowledged)
    }

    /// Records whether the terminal ack claimed by [`AckState::begin`] was
    /// sent; a failed one can be tried again.
    pub(crate) fn finish(&self, sent: bool) {
        self.0
            .store(if sent { DONE } else { OPEN }, Ordering::Release);
    }

    /// Whether a terminal ack was sent.
    pub(crate) fn is_acked(&self) -> bool {
        self.0.load(Ordering::Acquire) == DONE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads() {
        assert_eq!(AckKind::Ack.payload(), "+ACK");
        assert_eq!(AckKind::Nak(None).payload(), "-NAK");
        assert_eq!(
            AckKind::Nak(Some(Duration::from_secs(2))).payload(),
            "-NAK {\"delay\":2000000000}"
        );
        assert_eq!(AckKind::Progress.payload(), "+WPI");
        assert_eq!(AckKind::Next.payload(), "+NXT");
        assert_eq!(AckKind::Term(None).payload(), "+TERM");
        assert_eq!(
            AckKind::Term(Some("bad data".into())).payload(),
            "+TERM bad data"
        );
    }

    #[test]
    fn one_terminal_ack() {
        let s = AckState::new();
        assert!(s.begin(&AckKind::Progress).is_ok());
        assert!(s.begin(&AckKind::Progress).is_ok());
        s.begin(&AckKind::Ack).unwrap();
        assert_eq!(
            s.begin(&AckKind::Nak(None)),
            Err(Error::AlreadyAcknowledged)
        );
        s.finish(true);
        assert!(s.is_acked());
        assert_eq!(
            s.begin(&AckKind::Term(None)),
            Err(Error::AlreadyAcknowledged)
        );
        assert_eq!(s.begin(&AckKind::Progress), Err(Error::AlreadyAcknowledged));
        let t = AckState::new();
        t.begin(&AckKind::Ack).unwrap();
        t.finish(false);
        assert!(!t.is_acked());
        assert!(t.begin(&AckKind::Ack).is_ok());
    }
}
