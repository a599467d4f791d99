//! The outbound byte queue: small operations coalesced into one buffer, large
//! payloads kept as their own `Bytes` so they are written without a copy.

use crate::Payload;
use alloc::collections::VecDeque;
use bytes::{Buf, Bytes, BytesMut};

/// Bytes waiting to be written, in order.
///
/// Implements [`bytes::Buf`], so an adapter can hand it to a vectored write and
/// call `advance` with what the socket took. Two buffers can be swapped with
/// [`core::mem::swap`] to write one while the other fills, without allocating.
///
/// The bytes are the inline buffer with the queued payloads spliced in at the
/// positions where they were pushed. Draining keeps every capacity, so a buffer
/// that is filled and drained again and again stops allocating once it has
/// grown to its working size.
#[derive(Debug)]
pub struct WriteBuffer {
    /// Coalesced small operations.
    pub(crate) inline: BytesMut,
    /// Large payloads, each with the position in the inline stream where it
    /// goes: the number of inline bytes before it, counted from `inline_base`.
    pub(crate) shared: VecDeque<(usize, Bytes)>,
    /// Inline bytes already advanced past since `shared` was last empty.
    inline_base: usize,
    /// Total length of the `shared` payloads.
    shared_len: usize,
    /// Payloads at least this long are queued, shorter ones copied.
    share_threshold: usize,
}

impl Default for WriteBuffer {
    fn default() -> Self {
        WriteBuffer::with_capacity(0)
    }
}

impl WriteBuffer {
    /// Payloads of at least this many bytes are queued as their own `Bytes`
    /// rather than copied. On one thread copying is cheaper up to a few KiB
    /// (the `write_buffer` group of the `parser` bench: 64 publishes written
    /// to a Unix socket, copying about 1.5x faster at 2 and 3 KiB, even at 4
    /// and 8 KiB). In a client the copy is made by the publishing thread
    /// while it holds the connection's lock, and the driver thread then
    /// reads those cold lines again: with 1 KiB payloads, queuing them
    /// raised natrs-tokio's `pub1k` rate in the peer benchmark rig from 1.48 M to
    /// 1.82 M messages a second (medians of 5 runs). Queuing large payloads
    /// also keeps them from growing the inline buffer.
    pub const DEFAULT_SHARE_THRESHOLD: usize = 512;

    /// An empty buffer.
    pub fn new() -> Self {
        WriteBuffer::default()
    }

    /// An empty buffer whose inline part holds `capacity` bytes before growing.
    pub fn with_capacity(capacity: usize) -> Self {
        WriteBuffer {
            inline: BytesMut::with_capacity(capacity),
            shared: VecDeque::new(),
            inline_base: 0,
            shared_len: 0,
            share_threshold: WriteBuffer::DEFAULT_SHARE_THRESHOLD,
        }
    }

    /// Bytes waiting to be written.
    pub fn len(&self) -> usize {
        self.inline.len() + self.shared_len
    }

    /// Bytes waiting that were copied in, leaving out the queued payloads
    /// (which stay in their owners' buffers): how much this buffer's own
    /// allocation holds.
    pub fn copied_len(&self) -> usize {
        self.inline.len()
    }

    /// Whether nothing is waiting.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Drops everything waiting, keeping the capacity.
    pub fn clear(&mut self) {
        self.inline.clear();
        self.shared.clear();
        self.inline_base = 0;
        self.shared_len = 0;
    }

    /// Reserves room for `additional` more inline bytes.
    pub fn reserve(&mut self, additional: usize) {
        self.inline.reserve(additional);
    }

    /// The payload length from which [`push_bytes`](WriteBuffer::push_bytes)
    /// queues rather than copies.
    pub fn share_threshold(&self) -> usize {
        self.share_threshold
    }

    /// Sets the payload length from which payloads are queued rather than copied
    /// (0 queues every non-empty payload, `usize::MAX` copies all).
    pub fn set_share_threshold(&mut self, threshold: usize) {
        self.share_threshold = threshold;
    }

    /// Appends a copy of `bytes`.
    pub fn extend_from_slice(&mut self, bytes: &[u8]) {
        self.inline.extend_from_slice(bytes);
    }

    /// Appends `bytes`: queued without a copy when at least the share threshold
    /// long, copied otherwise.
    pub fn push_bytes(&mut self, bytes: Bytes) {
        if bytes.len() >= self.share_threshold {
            self.push_shared(bytes);
        } else {
            self.inline.extend_from_slice(&bytes);
        }
    }

    /// Appends `payload` like [`push_bytes`](WriteBuffer::push_bytes), cloning
    /// its handle only when it is queued. A borrowed slice is always copied.
    #[inline]
    pub(crate) fn push_payload(&mut self, payload: &Payload<'_>) {
        match self.queued(payload) {
            Some(bytes) => self.push_shared(bytes.clone()),
            None => self.inline.extend_from_slice(payload.as_slice()),
        }
    }

    /// The handle [`push_payload`](WriteBuffer::push_payload) queues for
    /// `payload`, or `None` when it copies it: only a payload with a handle,
    /// at least the share threshold long, is queued.
    #[inline]
    pub(crate) fn queued<'b>(&self, payload: &'b Payload<'_>) -> Option<&'b Bytes> {
        payload
            .shared()
            .filter(|bytes| bytes.len() >= self.share_threshold)
    }

    /// Queues `bytes` after what is already waiting.
    fn push_shared(&mut self, bytes: Bytes) {
        if bytes.is_empty() {
            return;
        }
        self.shared_len += bytes.len();
        self.shared
            .push_back((self.inline_base + self.inline.len(), bytes));
    }

    /// Moves everything waiting in `other` to the end of `self`, leaving `other`
    /// empty (with its capacity). Inline bytes are copied, queued payloads moved.
    pub fn append(&mut self, other: &mut WriteBuffer) {
        if self.is_empty() {
            // Take over other's buffers; other gets ours, empty.
            core::mem::swap(&mut self.inline, &mut other.inline);
            core::mem::swap(&mut self.shared, &mut other.shared);
            self.inline_base = other.inline_base;
            self.shared_len = other.shared_len;
            other.clear();
            return;
        }
        let mut start = 0;
        for (pos, bytes) in other.shared.drain(..) {
            let at = pos - other.inline_base;
            self.inline.extend_from_slice(&other.inline[start..at]);
            start = at;
            self.shared_len += bytes.len();
            self.shared
                .push_back((self.inline_base + self.inline.len(), bytes));
        }
        self.inline.extend_from_slice(&other.inline[start..]);
        other.clear();
    }

    /// Number of contiguous pieces the bytes waiting are in (what a vectored
    /// write needs at most).
    pub fn chunk_count(&self) -> usize {
        let mut count = 0;
        let mut start = 0;
        for (pos, _) in &self.shared {
            if pos - self.inline_base > start {
                count += 1;
                start = pos - self.inline_base;
            }
            count += 1;
        }
        if self.inline.len() > start {
            count += 1;
        }
        count
    }
}

impl Buf for WriteBuffer {
    fn remaining(&self) -> usize {
        self.len()
    }

    fn chunk(&self) -> &[u8] {
        match self.shared.front() {
            Some((pos, bytes)) => {
                let at = pos - self.inline_base;
                if at == 0 { bytes } else { &self.inline[..at] }
            }
            None => &self.inline,
        }
    }

    /// Consumes `cnt` bytes. Panics when `cnt` exceeds
    /// [`remaining`](Buf::remaining), as `Buf` implementations do.
    fn advance(&mut self, mut cnt: usize) {
        assert!(cnt <= self.len(), "advance past the end of a WriteBuffer");
        while cnt > 0 {
            match self.shared.front_mut() {
                Some((pos, bytes)) => {
                    let at = *pos - self.inline_base;
                    if at == 0 {
                        let n = cnt.min(bytes.len());
                        bytes.advance(n);
                        self.shared_len -= n;
                        cnt -= n;
                        if bytes.is_empty() {
                            self.shared.pop_front();
                        }
                    } else {
                        let n = cnt.min(at);
                        self.inline.advance(n);
                        self.inline_base += n;
                        cnt -= n;
                    }
                }
                None => {
                    self.inline.advance(cnt);
                    cnt = 0;
                }
            }
        }
        if self.shared.is_empty() {
            self.inline_base = 0;
            if self.inline.is_empty() {
                // Lets the next write reuse the whole allocation from its start.
                self.inline.clear();
            }
        }
    }

    #[cfg(feature = "std")]
    fn chunks_vectored<'a>(&'a self, dst: &mut [std::io::IoSlice<'a>]) -> usize {
        use std::io::IoSlice;
        let mut n = 0;
        let mut start = 0;
        for (pos, bytes) in &self.shared {
            let at = pos - self.inline_base;
            if at > start {
                if n == dst.len() {
                    return n;
                }
                dst[n] = IoSlice::new(&self.inline[start..at]);
                n += 1;
                start = at;
            }
            if n == dst.len() {
                return n;
            }
            dst[n] = IoSlice::new(bytes);
            n += 1;
        }
        if self.inline.len() > start && n < dst.len() {
            dst[n] = IoSlice::new(&self.inline[start..]);
            n += 1;
        }
        n
    }
}
