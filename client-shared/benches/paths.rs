//! The client's per-message paths on one thread, without a socket or a
//! driver: what a message costs the client's CPU before the runtime and the
//! kernel add theirs.
//!
//! - `receive/msg_16b`: 64 KiB of back-to-back `MSG` frames with 16-byte
//!   payloads fed to a connected client's state (`Shared::handle_input_at`,
//!   as the driver does after a read), then every message taken from the
//!   subscription's stream and dropped. Parsing, routing, the delivery
//!   queue and the reference counts of each message's `Bytes` are all in it.
//! - `receive/msg_16b_per_read`: the same, one frame per read into a
//!   reused 64 KiB read buffer (a quiet connection), the message taken at
//!   once.
//! - `publish/16b`: `Client::publish` of a 16-byte payload by reference
//!   (polled once; it never waits here), the write buffer taken and
//!   discarded every 64 KiB as the driver would write it.
//!
//! Throughput is in messages. Run: `cargo bench -p natrs-client --bench paths`.

// `criterion_group!` generates an undocumented public function.
#![allow(missing_docs)]

use bytes::{Buf, Bytes, BytesMut};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use natrs_client::ConnectOptions;
use natrs_client::adapter::{Prepared, prepare};
use natrs_core::client::TransportEvent;
use natrs_core::proto::WriteBuffer;
use std::future::Future;
use std::pin::{Pin, pin};
use std::task::{Context, Poll, Waker};

const MSG_FRAME: &[u8] = b"MSG bench.ps 1 16\r\n0123456789abcdef\r\n";
/// Bytes of frames per read, and of publishes per write.
const CHUNK: usize = 64 * 1024;

/// A client whose state went through a handshake (no socket, no driver):
/// the first transport is current, and the server's INFO and PONG are in.
fn connected() -> Prepared {
    let prepared = prepare("nats://127.0.0.1:4222", ConnectOptions::new()).expect("options");
    let shared = &prepared.shared;
    assert!(shared.poll_transport().is_some(), "a connect command");
    assert!(shared.handle_transport_at(1, TransportEvent::Connected));
    let mut input = BytesMut::from(&b"INFO {\"max_payload\":1048576}\r\nPONG\r\n"[..]);
    assert!(shared.handle_input_at(1, &mut input));
    prepared
}

fn receive(c: &mut Criterion) {
    let prepared = connected();
    let shared = &prepared.shared;
    let mut sub = prepared
        .client
        .subscribe_now("bench.ps", None)
        .expect("subscribes");
    assert_eq!(sub.sid(), 1, "the frames' sid");
    let frames = CHUNK / MSG_FRAME.len();
    let chunk = MSG_FRAME.repeat(frames);
    let mut cx = Context::from_waker(Waker::noop());
    let mut group = c.benchmark_group("receive");
    group.throughput(Throughput::Elements(frames as u64));
    group.bench_function("msg_16b", |b| {
        b.iter(|| {
            let mut buf = BytesMut::with_capacity(chunk.len());
            buf.extend_from_slice(&chunk);
            assert!(shared.handle_input_at(1, &mut buf));
            let mut taken = 0;
            while let Poll::Ready(Some(message)) =
                futures_core::Stream::poll_next(Pin::new(&mut sub), &mut cx)
            {
                drop(message);
                taken += 1;
            }
            assert_eq!(taken, frames);
        })
    });
    // One message per read, as on a quiet connection: the read buffer is
    // reused (a read shorter than 16 KiB is copied out of it before parsing).
    group.throughput(Throughput::Elements(1));
    let mut rbuf = BytesMut::with_capacity(CHUNK);
    group.bench_function("msg_16b_per_read", |b| {
        b.iter(|| {
            // As the driver does before each read.
            if rbuf.capacity() - rbuf.len() < 8 * 1024 {
                rbuf.reserve(CHUNK);
            }
            rbuf.extend_from_slice(MSG_FRAME);
            assert!(shared.handle_input_at(1, &mut rbuf));
            let polled = futures_core::Stream::poll_next(Pin::new(&mut sub), &mut cx);
            assert!(matches!(polled, Poll::Ready(Some(_))));
        })
    });
    group.finish();
}

fn publish(c: &mut Criterion) {
    let prepared = connected();
    let shared = &prepared.shared;
    let client = &prepared.client;
    let payload = Bytes::from_static(b"0123456789abcdef");
    // The control line, then the payload's line.
    let per_message = format!("PUB bench.pub {}\r\n", payload.len()).len() + payload.len() + 2;
    let messages = CHUNK / per_message;
    let mut wbuf = WriteBuffer::new();
    let mut cx = Context::from_waker(Waker::noop());
    let mut group = c.benchmark_group("publish");
    group.throughput(Throughput::Elements(messages as u64));
    group.bench_function("16b", |b| {
        b.iter(|| {
            for _ in 0..messages {
                let published = pin!(client.publish("bench.pub", &payload)).poll(&mut cx);
                assert!(matches!(published, Poll::Ready(Ok(()))));
            }
            assert!(shared.poll_transmit(&mut wbuf));
            wbuf.advance(wbuf.remaining());
        })
    });
    group.finish();
}

criterion_group!(benches, receive, publish);
criterion_main!(benches);
