//! [`ObjectReader`]: an object's bytes, read chunk by chunk from an ordered
//! consumer on its chunk subject, checked against its size and digest.

use super::ObjectError;
use super::hasher::ObjectHasher;
use super::info::{ObjectInfo, decode_digest, digest_string};
use crate::consumer::OrderedMessages;
use crate::context::JetStream;
use crate::error::Error;
use crate::kv::watch::release;
use crate::timer::Deadline;
use crate::transport::Transport;
use bytes::{Buf, Bytes};
use futures_core::Stream;
use futures_io::AsyncRead;
use natrs_client::Client;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

/// An object's bytes: a stream of chunks (`Result<Bytes>`) and an
/// [`AsyncRead`]. The size and the digest are checked as the chunks come:
/// the last chunk is only handed out once the whole object proved intact,
/// otherwise the reader fails with [`ObjectError::DigestMismatch`] or
/// [`ObjectError::SizeMismatch`]. Waiting longer than the context's timeout
/// for a chunk fails with [`Error::TimedOut`].
pub struct ObjectReader<T: Transport = Client> {
    info: ObjectInfo,
    /// The consumer of the chunks, until the last one came.
    messages: Option<(JetStream<T>, OrderedMessages<T>)>,
    transport: T,
    hasher: ObjectHasher,
    received: u64,
    /// What the `AsyncRead` side has not handed out yet.
    current: Bytes,
    /// The failure, repeated to every later read.
    failed: Option<ObjectError>,
    done: bool,
    timeout: Duration,
    waiting_since: Option<Instant>,
    timer: Deadline<T::Sleep>,
}

impl<T: Transport> std::fmt::Debug for ObjectReader<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ObjectReader")
            .field("name", &self.info.name)
            .field("size", &self.info.size)
            .field("received", &self.received)
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

impl<T: Transport> ObjectReader<T> {
    pub(crate) fn new(
        info: ObjectInfo,
        messages: Option<(JetStream<T>, OrderedMessages<T>)>,
        transport: T,
        timeout: Duration,
    ) -> ObjectReader<T> {
        ObjectReader {
            info,
            messages,
            transport,
            hasher: ObjectHasher::default(),
            received: 0,
            current: Bytes::new(),
            failed: None,
            done: false,
            timeout,
            waiting_since: None,
            timer: Deadline::default(),
        }
    }

    /// The object's info.
    pub fn info(&self) -> &ObjectInfo {
        &self.info
    }

    /// Bytes read so far.
    pub fn bytes_read(&self) -> u64 {
        self.received
    }

    /// Stops reading chunks: the consumer is deleted.
    fn stop(&mut self) {
        if let Some((js, messages)) = self.messages.take() {
            release(&js, &messages);
        }
    }

    fn fail(&mut self, e: ObjectError) -> Poll<Option<Result<Bytes, ObjectError>>> {
        self.stop();
        self.failed = Some(e.clone());
        Poll::Ready(Some(Err(e)))
    }

    /// Checks the whole object once the last chunk was read.
    fn verify(&mut self) -> Result<(), ObjectError> {
        if self.received != self.info.size {
            return Err(ObjectError::SizeMismatch {
                expected: self.info.size,
                actual: self.received,
            });
        }
        let sum = std::mem::take(&mut self.hasher).finalize();
        // nats.go writes no digest check for empty objects; others may leave
        // the digest out there.
        if self.info.size == 0 && self.info.digest.is_empty() {
            return Ok(());
        }
        let expected = decode_digest(&self.info.digest)?;
        if expected != sum.as_slice() {
            return Err(ObjectError::DigestMismatch {
                expected: self.info.digest.clone(),
                actual: digest_string(&sum),
            });
        }
        Ok(())
    }

    fn poll_chunk(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Bytes, ObjectError>>> {
        if let Some(e) = &self.failed {
            return Poll::Ready(Some(Err(e.clone())));
        }
        if self.done {
            return Poll::Ready(None);
        }
        let Some((_, messages)) = self.messages.as_mut() else {
            // Nothing to read (an empty object).
            self.done = true;
            return match self.verify() {
                Ok(()) => Poll::Ready(None),
                Err(e) => self.fail(e),
            };
        };
        loop {
            match Pin::new(&mut *messages).poll_next(cx) {
                Poll::Ready(Some(Ok(m))) => {
                    self.waiting_since = None;
                    let pending = match m.ack_subject() {
                        Ok(meta) => meta.pending,
                        Err(e) => return self.fail(e.into()),
                    };
                    let chunk = m.payload().clone();
                    self.received += chunk.len() as u64;
                    if self.received > self.info.size {
                        let e = ObjectError::SizeMismatch {
                            expected: self.info.size,
                            actual: self.received,
                        };
                        return self.fail(e);
                    }
                    self.hasher.update(&chunk);
                    if pending == 0 {
                        self.stop();
                        self.done = true;
                        if let Err(e) = self.verify() {
                            return self.fail(e);
                        }
                    }
                    return Poll::Ready(Some(Ok(chunk)));
                }
                Poll::Ready(Some(Err(e))) if e.is_transient() => continue,
                Poll::Ready(Some(Err(e))) => return self.fail(e.into()),
                Poll::Ready(None) => return self.fail(Error::Closed.into()),
                Poll::Pending => {}
            }
            let now = Instant::now();
            // `None`: a timeout too long for the clock waits without limit.
            let deadline = self
                .waiting_since
                .get_or_insert(now)
                .checked_add(self.timeout);
            let transport = &self.transport;
            match self
                .timer
                .poll(cx, now, deadline, |at| transport.sleep_until(at))
            {
                // A timer armed for an earlier wait may fire first.
                Poll::Ready(()) if deadline.is_none_or(|d| Instant::now() < d) => continue,
                Poll::Ready(()) => return self.fail(Error::TimedOut(self.timeout).into()),
                Poll::Pending => return Poll::Pending,
            }
        }
    }

    /// Reads the rest of the object into memory.
    pub async fn read_all(mut self) -> Result<Bytes, ObjectError> {
        let rest = self.info.size.saturating_sub(self.received);
        // The size comes from the meta; allocate up front only within reason.
        let mut out =
            super::whole::whole_object_buffer(usize::try_from(rest.min(64 << 20)).unwrap_or(0));
        out.extend_from_slice(&std::mem::take(&mut self.current));
        while let Some(chunk) = crate::kv::next_item(&mut self).await {
            out.extend_from_slice(&chunk?);
        }
        Ok(out.freeze())
    }
}

impl<T: Transport> Drop for ObjectReader<T> {
    fn drop(&mut self) {
        self.stop();
    }
}

impl<T: Transport> Stream for ObjectReader<T> {
    type Item = Result<Bytes, ObjectError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if !this.current.is_empty() {
            return Poll::Ready(Some(Ok(std::mem::take(&mut this.current))));
        }
        this.poll_chunk(cx)
    }
}

impl<T: Transport> AsyncRead for ObjectReader<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        if buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        while this.current.is_empty() {
            match this.poll_chunk(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(None) => return Poll::Ready(Ok(0)),
                Poll::Ready(Some(Err(e))) => return Poll::Ready(Err(e.into())),
                Poll::Ready(Some(Ok(chunk))) => this.current = chunk,
            }
        }
        let n = buf.len().min(this.current.len());
        buf[..n].copy_from_slice(&this.current[..n]);
        this.current.advance(n);
        Poll::Ready(Ok(n))
    }
}
