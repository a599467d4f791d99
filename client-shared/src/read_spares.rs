//! [`ReadSpares`]: the allocations of read buffers given up while messages
//! parsed from them were still alive, kept to hold the next large message.
//!
//! A message is a slice of the buffer it was read into, so a driver's read
//! buffer cannot be reused while the application holds a message of it. When
//! a large message is half read, the buffer needs room for the rest of it; a
//! buffer still shared then is replaced by a new allocation, and the old one
//! is freed when its last message is dropped. A stream of large messages
//! (object store chunks) thus allocates a buffer per message, and the
//! allocator, handed back a large block each time, returns its pages to the
//! system and takes fresh ones for the next: every page faults in again.
//!
//! Kept here instead, a replaced buffer is reused for a later large message
//! once nobody holds a message of it any more, with its pages still mapped.
//! At most [`SPARE_BYTES`] are kept, the buffers replaced longest ago
//! (the application drops messages about in the order they came), and only
//! once a large message asked for room: a connection of small messages
//! keeps none.

use bytes::BytesMut;
use std::collections::VecDeque;

/// The most bytes of allocations kept, in all.
const SPARE_BYTES: usize = 2 << 20;

/// One allocation made here: where it starts and how large it is.
#[derive(Debug, Clone, Copy)]
struct Allocation {
    start: usize,
    size: usize,
}

impl Allocation {
    /// Whether `buf` is a view of this allocation (its end included: a
    /// buffer read full and emptied points there).
    fn holds(&self, buf: &BytesMut) -> bool {
        let at = buf.as_ptr() as usize;
        at >= self.start && at <= self.start + self.size
    }
}

/// Replaced read buffers, waiting for the messages sliced from them to go.
#[derive(Debug, Default)]
pub(crate) struct ReadSpares {
    /// Emptied buffers of allocations made here, the longest kept first.
    spares: VecDeque<(BytesMut, Allocation)>,
    /// The allocation last handed to the read buffer.
    handed: Option<Allocation>,
}

impl ReadSpares {
    /// Gives `buf` room to hold `want` bytes in all (what it holds included):
    /// in its own allocation if no message shares it any more, else in a
    /// kept one nobody shares, else in a new one.
    pub(crate) fn reserve(&mut self, buf: &mut BytesMut, want: usize) {
        let room = want.saturating_sub(buf.len());
        if buf.try_reclaim(room) {
            return;
        }
        // Messages are dropped about in the order they came, so the buffer
        // kept longest is the likeliest to be free.
        let reused = self
            .spares
            .iter_mut()
            .position(|(spare, _)| spare.try_reclaim(want))
            .and_then(|i| self.spares.remove(i));
        let (mut fresh, allocation) = reused.unwrap_or_else(|| {
            let fresh = BytesMut::with_capacity(want);
            let allocation = Allocation {
                start: fresh.as_ptr() as usize,
                size: fresh.capacity(),
            };
            (fresh, allocation)
        });
        fresh.extend_from_slice(buf);
        let mut old = std::mem::replace(buf, fresh);
        // Only an allocation made here is kept: its size is known. The
        // drivers' own buffers are small, and freed as before.
        let handed = self.handed.replace(allocation);
        if let Some(handed) = handed.filter(|h| h.holds(&old) && h.size <= SPARE_BYTES) {
            old.clear();
            while self.kept() + handed.size > SPARE_BYTES {
                self.spares.pop_front();
            }
            self.spares.push_back((old, handed));
        }
    }

    /// The bytes of the kept allocations.
    fn kept(&self) -> usize {
        self.spares.iter().map(|(_, a)| a.size).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fills `buf` to 64 bytes of `byte` and splits all but `left` off as a
    /// message, which shares the buffer.
    fn read_message(buf: &mut BytesMut, byte: u8, left: usize) -> bytes::Bytes {
        buf.resize(64, byte);
        buf.split_to(64 - left).freeze()
    }

    #[test]
    fn a_replaced_buffer_is_reused_once_its_messages_are_dropped() {
        let mut spares = ReadSpares::default();
        let mut buf = BytesMut::with_capacity(64);
        let first = read_message(&mut buf, 1, 4);
        // The message shares the buffer: room for 64 means a new one, which
        // starts with what the old one held.
        spares.reserve(&mut buf, 64);
        assert_eq!(&buf[..], &[1; 4]);
        assert!(buf.capacity() >= 64);
        let made_here = buf.as_ptr() as usize;
        let second = read_message(&mut buf, 2, 2);
        spares.reserve(&mut buf, 64);
        assert_eq!(spares.spares.len(), 1);
        assert_ne!(buf.as_ptr() as usize, made_here);
        // Its message is still held: the kept buffer is not reused yet.
        let third = read_message(&mut buf, 3, 1);
        spares.reserve(&mut buf, 64);
        assert_ne!(buf.as_ptr() as usize, made_here);
        // Once it is dropped, the kept allocation holds the next one.
        drop(second);
        let _fourth = read_message(&mut buf, 4, 3);
        spares.reserve(&mut buf, 64);
        assert_eq!(buf.as_ptr() as usize, made_here);
        assert_eq!(&buf[..], &[4; 3]);
        drop((first, third));
    }

    #[test]
    fn a_buffer_nobody_shares_grows_in_place_and_at_most_spare_bytes_are_kept() {
        let mut spares = ReadSpares::default();
        let mut buf = BytesMut::with_capacity(16);
        buf.extend_from_slice(&[7; 4]);
        let at = buf.as_ptr() as usize;
        spares.reserve(&mut buf, 16);
        assert_eq!(buf.as_ptr() as usize, at);
        assert!(spares.handed.is_none());
        // Every buffer stays shared: each reservation takes a new one.
        let want = SPARE_BYTES / 4;
        let mut held = Vec::new();
        for round in 0..8 {
            buf.extend_from_slice(&[round; 8]);
            held.push(buf.split_to(8).freeze());
            spares.reserve(&mut buf, want);
            assert!(spares.kept() <= SPARE_BYTES, "{} kept", spares.kept());
        }
        assert_eq!(spares.spares.len(), 4);
        // The driver's first buffer was not made here and is not kept.
        assert!(spares.spares.iter().all(|(b, _)| b.as_ptr() as usize != at));
    }

    /// What a driver does with its read buffer, for the property below.
    #[derive(Debug, Clone)]
    enum Step {
        /// Reads this many more bytes of the stream.
        Read(usize),
        /// Parses a message of this many bytes (at most what the buffer holds).
        Message(usize),
        /// Drops the held message at this index (modulo how many are held).
        Drop(usize),
        /// Reserves room for this many bytes beyond what the buffer holds.
        Reserve(usize),
    }

    fn step() -> impl proptest::strategy::Strategy<Value = Step> {
        use proptest::prelude::*;
        prop_oneof![
            (1usize..20_000).prop_map(Step::Read),
            (1usize..20_000).prop_map(Step::Message),
            any::<usize>().prop_map(Step::Drop),
            (1usize..150_000).prop_map(Step::Reserve),
        ]
    }

    proptest::proptest! {
        /// Whatever the order of reads, messages, drops and reservations: the
        /// buffer holds exactly the bytes read and not parsed, every message
        /// keeps its bytes until dropped, a reservation gives the room asked
        /// for, and what is kept stays within [`SPARE_BYTES`].
        #[test]
        fn bytes_stay_where_they_belong(steps in proptest::collection::vec(step(), 1..150)) {
            let stream: Vec<u8> = (0..steps.len() * 20_000).map(|i| (i % 253) as u8).collect();
            let (mut read, mut parsed) = (0, 0);
            let mut spares = ReadSpares::default();
            let mut buf = BytesMut::with_capacity(64 * 1024);
            let mut held: Vec<(usize, bytes::Bytes)> = Vec::new();
            for step in steps {
                match step {
                    Step::Read(n) => {
                        buf.extend_from_slice(&stream[read..read + n]);
                        read += n;
                    }
                    Step::Message(n) => {
                        let n = n.min(buf.len());
                        held.push((parsed, buf.split_to(n).freeze()));
                        parsed += n;
                    }
                    Step::Drop(i) if !held.is_empty() => {
                        let i = i % held.len();
                        held.swap_remove(i);
                    }
                    Step::Drop(_) => {}
                    Step::Reserve(room) => {
                        let want = buf.len() + room;
                        spares.reserve(&mut buf, want);
                        proptest::prop_assert!(buf.capacity() >= want);
                    }
                }
                proptest::prop_assert_eq!(&buf[..], &stream[parsed..read]);
                for (at, m) in &held {
                    proptest::prop_assert_eq!(&m[..], &stream[*at..*at + m.len()]);
                }
                proptest::prop_assert!(spares.kept() <= SPARE_BYTES);
            }
        }
    }
}
