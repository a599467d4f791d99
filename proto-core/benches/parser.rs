//! Codec benchmarks.
//!
//! - `parse/msg_16b`, `parse/hmsg_16b`: parse 1 MiB of back-to-back frames with
//!   16-byte payloads, dropping each op; throughput in frames. The `_kept`
//!   variants keep the ops (as a delivery queue would) and drop them untimed.
//! - `parse_floor/msg_16b_split_only`: the same frames split off the buffer as
//!   one `Bytes` each and dropped, with no parsing at all: the
//!   reference-counting floor under a parser whose frames hold one handle (an
//!   atomic increment for the split, a decrement for the drop).
//!   `msg_16b_split_and_slice_only` also slices the subject out (a second
//!   handle per frame, as frames had before they held one `Bytes`).
//! - `parse_cpu/...`, `parse_floor_cpu/...`: the same, timed with the thread's
//!   CPU time instead of the wall clock (Linux), so that time the thread spends
//!   descheduled on a busy machine is not counted: frames per second on one
//!   core.
//! - `write_buffer/{copy,share}/<size>`: publish 64 payloads of `size` bytes
//!   into a `WriteBuffer` and write it to a Unix socket with vectored writes
//!   (a thread drains the other end), copying every payload or queuing every
//!   payload as its own `Bytes`. Where `share` overtakes `copy` is where
//!   `WriteBuffer::DEFAULT_SHARE_THRESHOLD` belongs.
//!
//! Run: `cargo bench -p natrs-core --bench parser` (add `-- parse` for the
//! parser only, `-- parse_cpu` for the CPU-time figures).

// `criterion_group!` generates an undocumented public function.
#![allow(missing_docs)]

use bytes::{Buf, BytesMut};
use criterion::measurement::Measurement;
use criterion::{BatchSize, Criterion, Throughput, black_box, criterion_group, criterion_main};
use natrs_core::proto::{Parser, ServerOp};

const MSG_FRAME: &[u8] = b"MSG bench.ps 1 16\r\n0123456789abcdef\r\n";
const HMSG_FRAME: &[u8] =
    b"HMSG bench.ps 1 24 40\r\nNATS/1.0\r\nA: 1\r\nB: 2\r\n\r\n0123456789abcdef\r\n";

/// As many copies of `frame` as fit in 1 MiB, and their number.
fn stream(frame: &[u8]) -> (Vec<u8>, u64) {
    let count = (1 << 20) / frame.len();
    (frame.repeat(count), count as u64)
}

fn parse(c: &mut Criterion) {
    parse_group(c, "parse");
}

/// The `parse` benchmarks as group `name`, timed by `M`.
fn parse_group<M: Measurement>(c: &mut Criterion<M>, name: &str) {
    let mut group = c.benchmark_group(name);
    for (name, frame) in [("msg_16b", MSG_FRAME), ("hmsg_16b", HMSG_FRAME)] {
        let (bytes, frames) = stream(frame);
        group.throughput(Throughput::Elements(frames));
        // Parse and drop every op: the whole cost of a frame.
        group.bench_function(name, |b| {
            b.iter_batched_ref(
                || BytesMut::from(&bytes[..]),
                |buf| {
                    let mut parser = Parser::default();
                    let mut n = 0u64;
                    while let Some(op) = parser.parse(buf).expect("valid stream") {
                        // Matched by reference, as a consumer routing it would.
                        if let ServerOp::Msg(frame) = &op {
                            black_box(frame);
                            n += 1;
                        }
                    }
                    assert_eq!(n, frames);
                },
                BatchSize::LargeInput,
            )
        });
        // Parse and keep every op (as a delivery queue does); dropping them
        // happens outside the timing.
        group.bench_function(format!("{name}_kept"), |b| {
            b.iter_batched_ref(
                || {
                    let mut kept = Vec::with_capacity(frames as usize);
                    // Touch the memory so page faults are not timed.
                    kept.resize(frames as usize, ServerOp::Ping);
                    kept.clear();
                    (BytesMut::from(&bytes[..]), kept)
                },
                |(buf, kept)| {
                    let mut parser = Parser::default();
                    while let Some(op) = parser.parse(buf).expect("valid stream") {
                        kept.push(op);
                    }
                    assert_eq!(kept.len() as u64, frames);
                },
                BatchSize::LargeInput,
            )
        });
    }
    group.finish();
}

/// The floor under any parser that hands out a subject and a payload as
/// `Bytes` sharing the read buffer: split each frame off and slice out its
/// subject, with no parsing at all (offsets are known in advance). Its cost is
/// the reference counting: an atomic increment for the split and the slice,
/// and an atomic decrement for each handle dropped.
fn bytes_floor(c: &mut Criterion) {
    bytes_floor_group(c, "parse_floor");
}

/// The `parse_floor` benchmarks as group `name`, timed by `M`.
fn bytes_floor_group<M: Measurement>(c: &mut Criterion<M>, name: &str) {
    let mut group = c.benchmark_group(name);
    let (bytes, frames) = stream(MSG_FRAME);
    group.throughput(Throughput::Elements(frames));
    group.bench_function("msg_16b_split_only", |b| {
        b.iter_batched_ref(
            || BytesMut::from(&bytes[..]),
            |buf| {
                for _ in 0..frames {
                    let frame = buf.split_to(MSG_FRAME.len()).freeze();
                    black_box(&frame);
                }
            },
            BatchSize::LargeInput,
        )
    });
    group.bench_function("msg_16b_split_and_slice_only", |b| {
        b.iter_batched_ref(
            || BytesMut::from(&bytes[..]),
            |buf| {
                for _ in 0..frames {
                    let mut frame = buf.split_to(MSG_FRAME.len()).freeze();
                    let subject = frame.slice(4..12);
                    frame.advance(19);
                    frame.truncate(16);
                    black_box((&subject, &frame));
                }
            },
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

/// The `write_buffer` group (`Buf::chunks_vectored` needs the `std` feature).
#[cfg(feature = "std")]
mod write {
    use bytes::{Buf, Bytes};
    use criterion::{Criterion, Throughput};
    use natrs_core::proto::{WriteBuffer, encode_pub};
    use std::io::{IoSlice, Read, Write};
    use std::os::unix::net::UnixStream;

    /// A socket whose other end a thread reads and discards.
    fn sink() -> (UnixStream, std::thread::JoinHandle<()>) {
        let (writer, mut reader) = UnixStream::pair().expect("socketpair");
        // The bench, not the core, runs the reader thread.
        #[allow(clippy::disallowed_methods)]
        let drain = std::thread::spawn(move || {
            let mut buf = vec![0u8; 256 * 1024];
            while matches!(reader.read(&mut buf), Ok(n) if n > 0) {}
        });
        (writer, drain)
    }

    fn write_all_vectored(socket: &mut UnixStream, out: &mut WriteBuffer) {
        while out.has_remaining() {
            let mut slices = [IoSlice::new(&[]); 64];
            let n = out.chunks_vectored(&mut slices);
            let written = socket.write_vectored(&slices[..n]).expect("write");
            out.advance(written);
        }
    }

    pub(crate) fn write_buffer(c: &mut Criterion) {
        let mut group = c.benchmark_group("write_buffer");
        let (mut socket, drain) = sink();
        const MESSAGES: usize = 64;
        for size in [256usize, 1024, 2048, 3072, 4096, 8192, 16384] {
            let payload = Bytes::from(vec![b'x'; size]);
            group.throughput(Throughput::Bytes((size * MESSAGES) as u64));
            for (mode, threshold) in [("copy", usize::MAX), ("share", 0)] {
                let mut out = WriteBuffer::new();
                out.set_share_threshold(threshold);
                group.bench_function(format!("{mode}/{size}"), |b| {
                    b.iter(|| {
                        for _ in 0..MESSAGES {
                            encode_pub(&mut out, "bench.write", None, None, &payload)
                                .expect("encodes");
                        }
                        write_all_vectored(&mut socket, &mut out);
                    })
                });
            }
        }
        group.finish();
        drop(socket);
        drain.join().expect("drain thread");
    }
}

/// Thread CPU time as a criterion measurement.
#[cfg(all(feature = "std", target_os = "linux"))]
mod cpu {
    use criterion::Criterion;
    use criterion::measurement::{Measurement, ValueFormatter, WallTime};
    use std::time::Duration;

    /// The calling thread's CPU time (`CLOCK_THREAD_CPUTIME_ID`): time the
    /// thread runs, not time it waits for a core.
    pub(crate) struct ThreadCpuTime;

    fn now() -> Duration {
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: `ts` is a valid, writable timespec; the clock id is a
        // constant the kernel supports (Linux 2.6.12 and later).
        let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
        assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID)");
        Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
    }

    impl Measurement for ThreadCpuTime {
        type Intermediate = Duration;
        type Value = Duration;
        fn start(&self) -> Duration {
            now()
        }
        fn end(&self, start: Duration) -> Duration {
            now().saturating_sub(start)
        }
        fn add(&self, a: &Duration, b: &Duration) -> Duration {
            *a + *b
        }
        fn zero(&self) -> Duration {
            Duration::ZERO
        }
        fn to_f64(&self, value: &Duration) -> f64 {
            value.as_nanos() as f64
        }
        fn formatter(&self) -> &dyn ValueFormatter {
            // Values are nanoseconds, as the wall clock's are.
            static WALL: WallTime = WallTime;
            WALL.formatter()
        }
    }

    pub(crate) fn parse_cpu(c: &mut Criterion<ThreadCpuTime>) {
        super::parse_group(c, "parse_cpu");
    }

    pub(crate) fn floor_cpu(c: &mut Criterion<ThreadCpuTime>) {
        super::bytes_floor_group(c, "parse_floor_cpu");
    }
}

#[cfg(feature = "std")]
criterion_group!(benches, parse, bytes_floor, write::write_buffer);
#[cfg(not(feature = "std"))]
criterion_group!(benches, parse, bytes_floor);
#[cfg(all(feature = "std", target_os = "linux"))]
criterion_group! {
    name = cpu_benches;
    config = Criterion::default().with_measurement(cpu::ThreadCpuTime);
    targets = cpu::parse_cpu, cpu::floor_cpu
}
#[cfg(all(feature = "std", target_os = "linux"))]
criterion_main!(benches, cpu_benches);
#[cfg(not(all(feature = "std", target_os = "linux")))]
criterion_main!(benches);
