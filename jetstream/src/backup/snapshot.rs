//! The receiving side of a snapshot as a sans-IO machine: fed the messages
//! of the deliver subject, connection events and instants, it says which
//! chunk to store and which flow-control reply to acknowledge, and when the
//! snapshot has ended or failed.
//!
//! The server sends the snapshot in chunks; each chunk but the last carries
//! a reply subject that must be answered (an empty message) before the
//! server's window lets more go. An empty message ends the transfer: no
//! status or status 204 means complete, any other status (408 `No
//! Interest`, 408 `No Flow Response`, 500 with the error) means the server
//! gave up.

use super::BackupError;
use super::progress::{Progress, Transfer};
use crate::transport::ConnectionEvent;
use bytes::Bytes;
use natrs_client::Message;
use std::time::{Duration, Instant};

/// What a message of the deliver subject asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Received {
    /// Store `data`; then answer `ack` (an empty publish) when it is given.
    Chunk {
        /// The chunk, as the server sent it.
        data: Bytes,
        /// The flow-control subject to answer.
        ack: Option<String>,
    },
    /// The snapshot is complete.
    End,
}

/// The receiving side of one snapshot.
#[derive(Debug)]
pub struct SnapshotReceiver {
    progress: Progress,
    idle: Duration,
    /// `None`: an idle time too long for the clock, which never passes.
    deadline: Option<Instant>,
    done: bool,
}

impl SnapshotReceiver {
    /// A receiver that fails when nothing arrives for `idle` (the server
    /// sends continuously while the receiver acknowledges); an `idle` too
    /// long for the clock waits without limit.
    pub fn new(now: Instant, idle: Duration, stream_bytes: u64) -> SnapshotReceiver {
        let mut progress = Progress::new(Transfer::Backup);
        progress.stream_bytes = stream_bytes;
        SnapshotReceiver {
            progress,
            idle,
            deadline: now.checked_add(idle),
            done: false,
        }
    }

    /// How far the snapshot is.
    pub fn progress(&self) -> &Progress {
        &self.progress
    }

    /// Whether the snapshot ended (completely or not).
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// When [`handle_timeout`](Self::handle_timeout) is due.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.deadline.filter(|_| !self.done)
    }

    /// Fails the snapshot when nothing arrived within the idle time.
    pub fn handle_timeout(&mut self, now: Instant) -> Result<(), BackupError> {
        if !self.done && self.deadline.is_some_and(|d| now >= d) {
            self.done = true;
            return Err(BackupError::Stalled(self.idle));
        }
        Ok(())
    }

    /// A lost connection ends the snapshot: the server stops sending when
    /// the deliver subject loses its interest, so it cannot go on.
    pub fn handle_connection(&mut self, event: &ConnectionEvent) -> Result<(), BackupError> {
        if self.done {
            return Ok(());
        }
        match event {
            ConnectionEvent::Disconnected | ConnectionEvent::Closed => {
                self.done = true;
                Err(BackupError::ConnectionLost)
            }
            _ => Ok(()),
        }
    }

    /// Reads one message of the deliver subject.
    pub fn handle_message(&mut self, msg: &Message, now: Instant) -> Result<Received, BackupError> {
        if self.done {
            return Err(BackupError::Protocol(
                "a message after the end of the snapshot".to_string(),
            ));
        }
        self.deadline = now.checked_add(self.idle);
        if msg.payload.is_empty() {
            self.done = true;
            return match msg.status() {
                None => self.finish(),
                Some(status) if status.as_u16() == 204 => self.finish(),
                Some(status) => Err(BackupError::ServerFailed {
                    code: status.as_u16(),
                    description: msg.description().unwrap_or_default().to_string(),
                }),
            };
        }
        self.progress.chunks += 1;
        self.progress.bytes += msg.payload.len() as u64;
        Ok(Received::Chunk {
            data: msg.payload.clone(),
            ack: msg.reply.as_ref().map(|r| r.as_str().to_string()),
        })
    }

    fn finish(&mut self) -> Result<Received, BackupError> {
        self.progress.finished = true;
        self.progress.total_bytes = Some(self.progress.bytes);
        self.progress.total_chunks = Some(self.progress.chunks);
        Ok(Received::End)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use natrs_client::{HeaderMap, StatusCode, Subject};

    pub(crate) fn msg(payload: &[u8], reply: Option<&str>, status: Option<(u16, &str)>) -> Message {
        Message {
            subject: Subject::from_static("_INBOX.d"),
            reply: reply.map(|r| Subject::from(r.to_string())),
            headers: status.map(|(code, text)| {
                HeaderMap::with_status(StatusCode(code), (!text.is_empty()).then_some(text))
            }),
            payload: Bytes::copy_from_slice(payload),
            length: payload.len(),
        }
    }

    #[test]
    fn chunks_acks_and_the_end() {
        let t0 = Instant::now();
        let mut r = SnapshotReceiver::new(t0, Duration::from_secs(5), 1000);
        assert_eq!(r.progress().stream_bytes, 1000);
        assert_eq!(
            r.handle_message(&msg(b"abc", Some("$JS.SNAPSHOT.ACK.S.x.3.1"), None), t0)
                .unwrap(),
            Received::Chunk {
                data: Bytes::from_static(b"abc"),
                ack: Some("$JS.SNAPSHOT.ACK.S.x.3.1".to_string())
            }
        );
        // The last, short chunk has no reply.
        assert_eq!(
            r.handle_message(&msg(b"de", None, None), t0).unwrap(),
            Received::Chunk {
                data: Bytes::from_static(b"de"),
                ack: None
            }
        );
        assert_eq!(
            r.handle_message(&msg(b"", None, Some((204, ""))), t0)
                .unwrap(),
            Received::End
        );
        let p = r.progress();
        assert_eq!((p.chunks, p.bytes, p.finished), (2, 5, true));
        assert_eq!(p.total_bytes, Some(5));
        assert!(r.is_done());
        assert_eq!(r.poll_timeout(), None);
        assert!(r.handle_message(&msg(b"x", None, None), t0).is_err());
    }

    #[test]
    fn an_end_without_status_is_complete() {
        let t0 = Instant::now();
        let mut r = SnapshotReceiver::new(t0, Duration::from_secs(5), 0);
        assert_eq!(
            r.handle_message(&msg(b"", None, None), t0).unwrap(),
            Received::End
        );
    }

    #[test]
    fn server_failures_carry_the_status() {
        let t0 = Instant::now();
        let mut r = SnapshotReceiver::new(t0, Duration::from_secs(5), 0);
        r.handle_message(&msg(b"abc", Some("a.b"), None), t0)
            .unwrap();
        let err = r
            .handle_message(&msg(b"", None, Some((408, "No Flow Response"))), t0)
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "the server ended the transfer: 408 No Flow Response"
        );
        assert!(!r.progress().finished);
    }

    #[test]
    fn an_idle_time_too_long_for_the_clock_waits_without_limit() {
        let t0 = Instant::now();
        let mut r = SnapshotReceiver::new(t0, Duration::MAX, 0);
        assert_eq!(r.poll_timeout(), None);
        r.handle_message(&msg(b"abc", Some("a.b"), None), t0)
            .unwrap();
        assert_eq!(r.poll_timeout(), None);
        r.handle_timeout(t0 + Duration::from_secs(86400 * 365 * 100))
            .unwrap();
        assert!(!r.is_done());
    }

    #[test]
    fn silence_and_lost_connections_fail() {
        let t0 = Instant::now();
        let idle = Duration::from_secs(5);
        let mut r = SnapshotReceiver::new(t0, idle, 0);
        r.handle_message(&msg(b"abc", Some("a.b"), None), t0 + Duration::from_secs(3))
            .unwrap();
        assert_eq!(r.poll_timeout(), Some(t0 + Duration::from_secs(8)));
        r.handle_timeout(t0 + Duration::from_secs(7)).unwrap();
        r.handle_connection(&ConnectionEvent::Reconnected).unwrap();
        assert!(matches!(
            r.handle_timeout(t0 + Duration::from_secs(8)),
            Err(BackupError::Stalled(d)) if d == idle
        ));
        let mut r = SnapshotReceiver::new(t0, idle, 0);
        assert!(matches!(
            r.handle_connection(&ConnectionEvent::Disconnected),
            Err(BackupError::ConnectionLost)
        ));
        assert!(r.is_done());
    }
}
