//! Heap allocations on the hot paths, counted by a global allocator (per
//! thread, so tests running in parallel do not disturb each other).
//!
//! Parsing N frames from one buffer must allocate O(1) times, not O(N): the
//! only allocation is the shared header `bytes` makes the first time the read
//! buffer is split. Encoding into and draining a `WriteBuffer` again and again
//! must stop allocating once the buffer has grown.

use bytes::{Buf, Bytes, BytesMut};
use natrs_core::headers::HeaderMap;
use natrs_core::proto::{
    Parser, ServerOp, WriteBuffer, encode_ping, encode_pub, encode_sub, encode_unsub,
};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

// SAFETY: forwards every call to the system allocator unchanged; counting
// touches only a const-initialized thread-local `Cell` (no allocation).
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.with(|c| c.set(c.get() + 1));
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.with(|c| c.set(c.get() + 1));
        // SAFETY: same contract as ours.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Allocations made on this thread while running `f`.
fn allocations<T>(f: impl FnOnce() -> T) -> (u64, T) {
    let before = ALLOCATIONS.with(Cell::get);
    let out = f();
    (ALLOCATIONS.with(Cell::get) - before, out)
}

fn msg_stream(frames: usize) -> BytesMut {
    let mut buf = BytesMut::new();
    for _ in 0..frames {
        buf.extend_from_slice(b"MSG bench.ps 1 16\r\n0123456789abcdef\r\n");
    }
    buf
}

fn hmsg_stream(frames: usize) -> BytesMut {
    let mut buf = BytesMut::new();
    for _ in 0..frames {
        buf.extend_from_slice(b"HMSG bench.ps 1 _INBOX.r 24 40\r\nNATS/1.0\r\nA: 1\r\nB: 2\r\n\r\n0123456789abcdef\r\n");
    }
    buf
}

/// Parses every frame, dropping each, and counts them.
fn parse_all(buf: &mut BytesMut) -> usize {
    let mut parser = Parser::default();
    let mut n = 0;
    while let Some(op) = parser.parse(buf).expect("valid stream") {
        assert!(matches!(op, ServerOp::Msg(_)));
        n += 1;
    }
    n
}

#[test]
fn the_counter_counts() {
    let (count, v) = allocations(|| Vec::<u8>::with_capacity(10));
    assert_eq!(count, 1);
    drop(v);
    // Splitting a fresh read buffer allocates its shared header once.
    let mut buf = msg_stream(2);
    let (count, _) = allocations(|| parse_all(&mut buf));
    assert_eq!(count, 1);
}

#[test]
fn parsing_allocates_o1_not_on() {
    for frames in [1_000, 100_000] {
        let mut buf = msg_stream(frames);
        let (count, parsed) = allocations(|| parse_all(&mut buf));
        assert_eq!(parsed, frames);
        assert!(
            count <= 1,
            "{count} allocations parsing {frames} MSG frames"
        );

        let mut buf = hmsg_stream(frames);
        let (count, parsed) = allocations(|| parse_all(&mut buf));
        assert_eq!(parsed, frames);
        assert!(
            count <= 1,
            "{count} allocations parsing {frames} HMSG frames"
        );
    }
}

#[test]
fn kept_frames_do_not_allocate_either() {
    // Holding on to the messages (as a subscriber queue does) costs no copies.
    let mut buf = msg_stream(10_000);
    let mut kept = Vec::with_capacity(10_000);
    let mut parser = Parser::default();
    let (count, ()) = allocations(|| {
        while let Some(op) = parser.parse(&mut buf).unwrap() {
            kept.push(op);
        }
    });
    assert_eq!(kept.len(), 10_000);
    assert!(count <= 1, "{count} allocations");
}

/// One round of a publisher's work: a mix of small and large publishes, with
/// and without headers, subscriptions and a ping.
fn encode_round(out: &mut WriteBuffer, small: &Bytes, large: &Bytes, headers: &HeaderMap) {
    for i in 0..100u64 {
        encode_pub(out, "orders.new", None, None, small).unwrap();
        encode_pub(
            out,
            "orders.new",
            Some("_INBOX.abc.1"),
            Some(headers),
            small,
        )
        .unwrap();
        if i % 10 == 0 {
            encode_pub(out, "blobs", None, None, large).unwrap();
            encode_sub(out, "orders.*", Some("workers"), i);
            encode_unsub(out, i, Some(5));
        }
    }
    encode_ping(out);
}

/// What a driver does: vectored chunks, then advance by what was "written"
/// (at most 3000 bytes a time, so writes end inside chunks too).
fn write_out(buf: &mut WriteBuffer) {
    while buf.has_remaining() {
        #[cfg(feature = "std")]
        let available = {
            let mut slices = [std::io::IoSlice::new(&[]); 8];
            let n = buf.chunks_vectored(&mut slices);
            slices[..n].iter().map(|s| s.len()).sum::<usize>()
        };
        #[cfg(not(feature = "std"))]
        let available = buf.chunk().len();
        buf.advance(available.min(3000));
    }
}

#[test]
fn write_buffer_steady_state_does_not_allocate() {
    let small = Bytes::from_static(b"0123456789abcdef");
    let large = Bytes::from(vec![7u8; 64 * 1024]);
    let mut headers = HeaderMap::new();
    headers.insert("Nats-Msg-Id", "42");
    let mut client = WriteBuffer::new();
    let mut driver = WriteBuffer::new();

    // Warm-up rounds let both buffers (which swap roles) reach their working size.
    let mut round = || {
        encode_round(&mut client, &small, &large, &headers);
        std::mem::swap(&mut client, &mut driver);
        write_out(&mut driver);
    };
    for _ in 0..4 {
        round();
    }
    let (count, ()) = allocations(|| {
        for _ in 0..200 {
            round();
        }
    });
    assert_eq!(count, 0, "allocations in 200 steady-state rounds");
}

#[test]
fn append_in_steady_state_does_not_allocate() {
    let small = Bytes::from_static(b"hello");
    let large = Bytes::from(vec![1u8; 8192]);
    let headers = HeaderMap::new();
    let mut pending = WriteBuffer::new();
    let mut out = WriteBuffer::new();
    let mut round = || {
        encode_pub(&mut out, "connect.stuff", None, None, &small).unwrap();
        encode_round(&mut pending, &small, &large, &headers);
        out.append(&mut pending);
        write_out(&mut out);
    };
    for _ in 0..4 {
        round();
    }
    let (count, ()) = allocations(|| {
        for _ in 0..100 {
            round();
        }
    });
    assert_eq!(count, 0, "allocations in 100 append rounds");
}
