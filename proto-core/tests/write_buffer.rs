//! `WriteBuffer` as a `bytes::Buf`: chunks, partial advances and vectored
//! chunks across interleaved inline bytes and queued payloads, checked against
//! a plain `Vec<u8>` model.
//!
//! `Buf::chunks_vectored` exists with the `std` feature only.
#![cfg(feature = "std")]

use bytes::{Buf, Bytes};
use natrs_core::proto::WriteBuffer;
use proptest::prelude::*;
use std::io::IoSlice;

/// One thing done to the buffer.
#[derive(Debug, Clone)]
enum Step {
    /// `extend_from_slice`.
    Copy(Vec<u8>),
    /// `push_bytes` (queued when at least the threshold long).
    Push(Vec<u8>),
    /// `advance` by this share of what remains (per mille).
    Advance(u16),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        3 => prop::collection::vec(any::<u8>(), 0..40).prop_map(Step::Copy),
        3 => prop::collection::vec(any::<u8>(), 0..40).prop_map(Step::Push),
        2 => (0u16..=1000).prop_map(Step::Advance),
    ]
}

/// Checks every view of `buf` against `model`.
fn check(buf: &WriteBuffer, model: &[u8]) {
    assert_eq!(buf.remaining(), model.len());
    assert_eq!(buf.len(), model.len());
    assert_eq!(buf.is_empty(), model.is_empty());
    let chunk = buf.chunk();
    assert_eq!(chunk.is_empty(), model.is_empty());
    assert_eq!(chunk, &model[..chunk.len()]);
    // Vectored chunks, with room for a few slices and for all of them.
    for room in [1, 2, 3, 64] {
        let mut slices = vec![IoSlice::new(&[]); room];
        let n = buf.chunks_vectored(&mut slices);
        assert!(n <= room);
        let joined: Vec<u8> = slices[..n].iter().flat_map(|s| s.iter().copied()).collect();
        assert_eq!(joined, &model[..joined.len()]);
        assert!(slices[..n].iter().all(|s| !s.is_empty()), "no empty slices");
        if room >= buf.chunk_count() {
            assert_eq!(n, buf.chunk_count());
            assert_eq!(joined, model);
        } else {
            assert_eq!(n, room);
        }
    }
}

fn apply(buf: &mut WriteBuffer, model: &mut Vec<u8>, step: &Step) {
    match step {
        Step::Copy(bytes) => {
            buf.extend_from_slice(bytes);
            model.extend_from_slice(bytes);
        }
        Step::Push(bytes) => {
            buf.push_bytes(Bytes::copy_from_slice(bytes));
            model.extend_from_slice(bytes);
        }
        Step::Advance(per_mille) => {
            let n = model.len() * usize::from(*per_mille) / 1000;
            buf.advance(n);
            model.drain(..n);
        }
    }
}

proptest! {
    #[test]
    fn buf_views_match_a_model(steps in prop::collection::vec(step(), 0..40), threshold in 0usize..24) {
        let mut buf = WriteBuffer::new();
        buf.set_share_threshold(threshold);
        let mut model = Vec::new();
        for step in &steps {
            apply(&mut buf, &mut model, step);
            check(&buf, &model);
        }
        // Drain with small advances, never past a chunk boundary and across them.
        let mut k = 1;
        while buf.has_remaining() {
            let n = k.min(buf.remaining());
            buf.advance(n);
            model.drain(..n);
            check(&buf, &model);
            k = k % 7 + 1;
        }
    }

    #[test]
    fn append_moves_everything(
        a in prop::collection::vec(step(), 0..20),
        b in prop::collection::vec(step(), 0..20),
        after in prop::collection::vec(step(), 0..10),
    ) {
        let (mut x, mut y) = (WriteBuffer::new(), WriteBuffer::new());
        x.set_share_threshold(8);
        y.set_share_threshold(8);
        let (mut mx, mut my) = (Vec::new(), Vec::new());
        for s in &a { apply(&mut x, &mut mx, s); }
        for s in &b { apply(&mut y, &mut my, s); }
        x.append(&mut y);
        mx.extend_from_slice(&my);
        check(&x, &mx);
        check(&y, &[]);
        // Both stay usable.
        for s in &after {
            apply(&mut x, &mut mx, s);
            check(&x, &mx);
        }
        let mut my = Vec::new();
        for s in &after {
            apply(&mut y, &mut my, s);
            check(&y, &my);
        }
    }
}

#[test]
fn interleaving_gives_separate_chunks() {
    let mut buf = WriteBuffer::new();
    buf.set_share_threshold(4);
    buf.extend_from_slice(b"PUB a 4\r\n");
    buf.push_bytes(Bytes::from_static(b"big!"));
    buf.extend_from_slice(b"\r\nPUB b 1\r\n");
    buf.push_bytes(Bytes::from_static(b"x"));
    buf.push_bytes(Bytes::from_static(b"again"));
    buf.push_bytes(Bytes::from_static(b"more!"));
    buf.extend_from_slice(b"\r\n");
    let mut slices = [IoSlice::new(&[]); 8];
    let n = buf.chunks_vectored(&mut slices);
    let parts: Vec<&[u8]> = slices[..n].iter().map(|s| &s[..]).collect();
    assert_eq!(
        parts,
        [
            &b"PUB a 4\r\n"[..],
            b"big!",
            b"\r\nPUB b 1\r\nx",
            b"again",
            b"more!",
            b"\r\n"
        ]
    );
    assert_eq!(buf.chunk_count(), 6);
    // The three queued payloads are not in the copied bytes.
    assert_eq!(buf.len(), 37);
    assert_eq!(buf.copied_len(), 23);
    // Partial advance inside the first inline run, then across a payload.
    buf.advance(3);
    assert_eq!(buf.chunk(), b" a 4\r\n");
    buf.advance(8);
    assert_eq!(buf.chunk(), b"g!");
    buf.advance(2 + 12 + 5 + 1);
    assert_eq!(buf.chunk(), b"ore!");
    buf.advance(6);
    assert!(buf.is_empty());
    assert_eq!(buf.copied_len(), 0);
    assert_eq!(buf.chunk(), b"");
}

#[test]
fn empty_payloads_are_skipped() {
    let mut buf = WriteBuffer::new();
    buf.set_share_threshold(0);
    buf.push_bytes(Bytes::new());
    assert!(buf.is_empty());
    assert_eq!(buf.chunk_count(), 0);
    assert_eq!(buf.chunks_vectored(&mut [IoSlice::new(&[])]), 0);
}

#[test]
fn clear_keeps_capacity() {
    let mut buf = WriteBuffer::with_capacity(4096);
    buf.extend_from_slice(&[1; 1000]);
    buf.push_bytes(Bytes::from(vec![2; 5000]));
    let ptr = buf.chunk().as_ptr();
    buf.clear();
    assert!(buf.is_empty());
    buf.extend_from_slice(&[3; 10]);
    assert_eq!(buf.chunk().as_ptr(), ptr, "same allocation reused");
}

#[test]
fn drained_buffer_reuses_its_allocation() {
    let mut buf = WriteBuffer::with_capacity(1024);
    buf.extend_from_slice(&[1; 600]);
    let ptr = buf.chunk().as_ptr();
    buf.advance(300);
    buf.advance(300);
    buf.extend_from_slice(&[2; 800]);
    assert_eq!(buf.chunk().as_ptr(), ptr, "advanced-over space reclaimed");
}

#[test]
fn swapping_hands_over_the_bytes() {
    let mut client = WriteBuffer::new();
    let mut driver = WriteBuffer::new();
    client.extend_from_slice(b"PING\r\n");
    std::mem::swap(&mut client, &mut driver);
    assert!(client.is_empty());
    assert_eq!(driver.chunk(), b"PING\r\n");
}

#[test]
#[should_panic(expected = "advance past the end")]
fn advancing_past_the_end_panics_like_any_buf() {
    let mut buf = WriteBuffer::new();
    buf.extend_from_slice(b"abc");
    buf.advance(4);
}
