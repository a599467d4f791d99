//! The sending side of a restore as a sans-IO machine: it says when to
//! send the next chunk (a window of chunks may wait for their replies),
//! reads each chunk's reply, says when to send the empty message that
//! finishes the transfer, and reads the server's final answer.
//!
//! Each chunk is a request to the deliver subject the restore answer
//! named; the server answers each with an empty message, or with an error
//! (JSON) when it cannot go on. The empty message at the end is a request
//! too: its answer is the restored stream's info, or the error.

use super::BackupError;
use super::progress::{Progress, Transfer};
use crate::api::parse_json;
use crate::api::stream::{StreamCreateResponse, StreamInfo};
use natrs_client::Message;
use std::collections::VecDeque;

/// What the restore should do next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RestoreStep {
    /// Read up to this many bytes of the data and send them as a chunk
    /// ([`RestoreSender::chunk_sent`]), or report the end of the data
    /// ([`RestoreSender::data_ended`]).
    SendChunk(usize),
    /// Wait for the reply of the oldest chunk in flight.
    AwaitChunkReply,
    /// Send the empty message that ends the transfer
    /// ([`RestoreSender::end_sent`]).
    SendEnd,
    /// Wait for the final answer ([`RestoreSender::handle_end_reply`]).
    AwaitEndReply,
    /// The restore is over.
    Done,
}

/// The sending side of one restore.
#[derive(Debug)]
pub struct RestoreSender {
    chunk_size: usize,
    window: usize,
    in_flight: VecDeque<usize>,
    data_ended: bool,
    end_sent: bool,
    done: bool,
    progress: Progress,
}

impl RestoreSender {
    /// A sender of chunks of `chunk_size` bytes (at least 1), at most
    /// `window` (at least 1) waiting for replies; `total_bytes` is the size
    /// of the data when known.
    pub fn new(
        chunk_size: usize,
        window: usize,
        total_bytes: Option<u64>,
        stream_bytes: u64,
    ) -> RestoreSender {
        let chunk_size = chunk_size.max(1);
        let mut progress = Progress::new(Transfer::Restore);
        progress.total_bytes = total_bytes;
        progress.total_chunks = total_bytes.map(|b| b.div_ceil(chunk_size as u64));
        progress.stream_bytes = stream_bytes;
        RestoreSender {
            chunk_size,
            window: window.max(1),
            in_flight: VecDeque::new(),
            data_ended: false,
            end_sent: false,
            done: false,
            progress,
        }
    }

    /// How far the restore is: chunks and bytes the server acknowledged.
    pub fn progress(&self) -> &Progress {
        &self.progress
    }

    /// What to do now.
    pub fn next_step(&self) -> RestoreStep {
        if self.done {
            RestoreStep::Done
        } else if self.end_sent {
            RestoreStep::AwaitEndReply
        } else if !self.data_ended && self.in_flight.len() < self.window {
            RestoreStep::SendChunk(self.chunk_size)
        } else if !self.in_flight.is_empty() {
            RestoreStep::AwaitChunkReply
        } else {
            RestoreStep::SendEnd
        }
    }

    /// A chunk of `len` bytes (not 0) went out.
    pub fn chunk_sent(&mut self, len: usize) {
        debug_assert!(len > 0 && !self.data_ended);
        self.in_flight.push_back(len);
    }

    /// The data has no more bytes.
    pub fn data_ended(&mut self) {
        self.data_ended = true;
        if self.progress.total_bytes.is_none() {
            let sent = self.progress.bytes + self.in_flight.iter().sum::<usize>() as u64;
            self.progress.total_bytes = Some(sent);
            self.progress.total_chunks = Some(self.progress.chunks + self.in_flight.len() as u64);
        }
    }

    /// Reads the reply of the oldest chunk in flight: empty is an ack, an
    /// error object fails the restore.
    pub fn handle_chunk_reply(&mut self, reply: &Message) -> Result<(), BackupError> {
        let Some(len) = self.in_flight.pop_front() else {
            return Err(BackupError::Protocol(
                "a chunk reply with no chunk in flight".to_string(),
            ));
        };
        if !reply.payload.is_empty() {
            self.done = true;
            return Err(match parse_json::<serde_json::Value>(&reply.payload) {
                Err(e) => e.into(),
                Ok(_) => BackupError::Protocol(format!(
                    "unexpected chunk reply {:?}",
                    String::from_utf8_lossy(&reply.payload)
                )),
            });
        }
        if let Some(status) = reply.status() {
            self.done = true;
            return Err(BackupError::ServerFailed {
                code: status.as_u16(),
                description: reply.description().unwrap_or_default().to_string(),
            });
        }
        self.progress.chunks += 1;
        self.progress.bytes += len as u64;
        Ok(())
    }

    /// The empty message that ends the transfer went out.
    pub fn end_sent(&mut self) {
        self.end_sent = true;
    }

    /// Reads the final answer: the restored stream's info.
    pub fn handle_end_reply(&mut self, reply: &Message) -> Result<StreamInfo, BackupError> {
        self.done = true;
        if reply.payload.is_empty() {
            return Err(match reply.status() {
                Some(status) => BackupError::ServerFailed {
                    code: status.as_u16(),
                    description: reply.description().unwrap_or_default().to_string(),
                },
                None => BackupError::Protocol("an empty final restore answer".to_string()),
            });
        }
        let response: StreamCreateResponse = parse_json(&reply.payload)?;
        self.progress.finished = true;
        Ok(response.info)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backup::snapshot::tests::msg;

    #[test]
    fn a_window_of_chunks_then_the_end() {
        let mut s = RestoreSender::new(4, 2, Some(10), 100);
        assert_eq!(s.progress().total_chunks, Some(3));
        assert_eq!(s.next_step(), RestoreStep::SendChunk(4));
        s.chunk_sent(4);
        assert_eq!(s.next_step(), RestoreStep::SendChunk(4));
        s.chunk_sent(4);
        assert_eq!(s.next_step(), RestoreStep::AwaitChunkReply);
        s.handle_chunk_reply(&msg(b"", None, None)).unwrap();
        assert_eq!((s.progress().chunks, s.progress().bytes), (1, 4));
        assert_eq!(s.next_step(), RestoreStep::SendChunk(4));
        s.chunk_sent(2);
        assert_eq!(s.next_step(), RestoreStep::AwaitChunkReply);
        s.handle_chunk_reply(&msg(b"", None, None)).unwrap();
        assert_eq!(s.next_step(), RestoreStep::SendChunk(4));
        s.data_ended();
        assert_eq!(s.next_step(), RestoreStep::AwaitChunkReply);
        s.handle_chunk_reply(&msg(b"", None, None)).unwrap();
        assert_eq!((s.progress().chunks, s.progress().bytes), (3, 10));
        assert_eq!(s.next_step(), RestoreStep::SendEnd);
        s.end_sent();
        assert_eq!(s.next_step(), RestoreStep::AwaitEndReply);
        let info = s
            .handle_end_reply(&msg(
                br#"{"type":"io.nats.jetstream.api.v1.stream_create_response","config":{"name":"S"},"state":{"messages":7}}"#,
                None,
                None,
            ))
            .unwrap();
        assert_eq!(info.config.name, "S");
        assert_eq!(info.state.messages, 7);
        assert!(s.progress().finished);
        assert_eq!(s.next_step(), RestoreStep::Done);
    }

    #[test]
    fn unknown_size_is_known_at_the_end() {
        let mut s = RestoreSender::new(4, 8, None, 0);
        s.chunk_sent(4);
        s.chunk_sent(1);
        s.data_ended();
        assert_eq!(s.progress().total_bytes, Some(5));
        assert_eq!(s.progress().total_chunks, Some(2));
    }

    #[test]
    fn errors_end_the_restore() {
        let mut s = RestoreSender::new(4, 2, None, 0);
        s.chunk_sent(4);
        let err = s
            .handle_chunk_reply(&msg(
                br#"{"error":{"code":500,"err_code":10062,"description":"restore failed: unexpected EOF"}}"#,
                None,
                None,
            ))
            .unwrap_err();
        assert!(
            err.to_string().contains("restore failed: unexpected EOF"),
            "{err}"
        );
        assert_eq!(s.next_step(), RestoreStep::Done);

        let mut s = RestoreSender::new(4, 2, None, 0);
        s.chunk_sent(4);
        assert!(matches!(
            s.handle_chunk_reply(&msg(b"", None, Some((503, "")))),
            Err(BackupError::ServerFailed { code: 503, .. })
        ));
        let mut s = RestoreSender::new(4, 2, None, 0);
        assert!(s.handle_chunk_reply(&msg(b"", None, None)).is_err());
        s.end_sent();
        let err = s
            .handle_end_reply(&msg(
                br#"{"error":{"code":500,"err_code":10062,"description":"restore failed: backup was truncated"}}"#,
                None,
                None,
            ))
            .unwrap_err();
        assert!(err.to_string().contains("truncated"), "{err}");
        let mut s = RestoreSender::new(4, 2, None, 0);
        assert!(s.handle_end_reply(&msg(b"", None, None)).is_err());
        assert!(s.handle_end_reply(&msg(b"not json", None, None)).is_err());
    }
}
