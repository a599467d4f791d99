//! A kept small message must not pin a large read buffer (issue 16), on
//! every runtime crate: a scripted server sends one-byte messages to a
//! subscription, each followed by a 70,000-byte message to a sid the client
//! never subscribed, so that every read of the client holds about one kept
//! message and a read buffer's worth of waste. The test keeps every message
//! and measures, with a counting global allocator, the bytes the process
//! holds: with each message pinning its read buffer that is at least 64 KiB
//! a message; copied out, a few hundred bytes.

use futures_util::StreamExt;
use natrs_client::{Client, Message};
use natrs_tests::{FakeServer, Gate, Script};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::Mutex;
use std::sync::atomic::{AtomicIsize, Ordering};
use std::time::Duration;

struct Counting;

/// Bytes currently allocated by the process.
static HELD: AtomicIsize = AtomicIsize::new(0);

// SAFETY: defers to the system allocator; only counts the sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        HELD.fetch_add(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        HELD.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        HELD.fetch_add(
            new_size as isize - layout.size() as isize,
            Ordering::Relaxed,
        );
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// The cases share one allocation counter: they run one at a time.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// Messages kept.
const KEPT: usize = 2_000;
/// The waste after each kept message: more than a read buffer (64 KiB).
const PAD: usize = 70_000;
/// What the kept messages may hold in all: far above what they take when
/// copied out (a few hundred bytes each), far below the 128 MB (64 KiB each)
/// they pin when each shares its read's buffer.
const LIMIT: isize = 16 * 1024 * 1024;
const WAIT: Duration = Duration::from_secs(60);

fn held() -> isize {
    HELD.load(Ordering::Relaxed)
}

/// A server that floods, once the client subscribed to `a` (sid 1) and the
/// test opened `gate`, kept one-byte messages each followed by waste to sid
/// 99, then stays open.
fn flooding_server(gate: &Gate) -> FakeServer {
    let mut pattern = b"MSG a 1 1\r\nx\r\n".to_vec();
    pattern.extend_from_slice(format!("MSG pad 99 {PAD}\r\n").as_bytes());
    pattern.extend(std::iter::repeat_n(b'p', PAD));
    pattern.extend_from_slice(b"\r\n");
    let total = pattern.len() * KEPT;
    let script = Script::new()
        .step_timeout(WAIT)
        .handshake(&Script::default_info())
        .expect_line("SUB a 1")
        .wait(gate)
        .flood(pattern, total, WAIT)
        .hold_open();
    FakeServer::start(vec![script]).expect("start the fake server")
}

/// Checks what the kept messages hold, measured from `before` (taken after
/// the subscription was made).
fn check(kept: &[Message], before: isize) {
    let grown = held() - before;
    assert_eq!(kept.len(), KEPT);
    assert!(kept.iter().all(|m| m.subject == "a" && m.payload == "x"));
    eprintln!("{KEPT} kept one-byte messages hold {grown} bytes");
    assert!(
        grown < LIMIT,
        "{KEPT} kept one-byte messages hold {grown} bytes (limit {LIMIT})"
    );
}

async fn keep_all(client: Client, gate: Gate) {
    let mut sub = client.subscribe("a").await.expect("subscribe");
    let before = held();
    gate.open();
    let mut kept = Vec::with_capacity(KEPT);
    while kept.len() < KEPT {
        kept.push(sub.next().await.expect("a message"));
    }
    check(&kept, before);
}

#[test]
fn tokio_kept_small_messages_do_not_pin_read_buffers() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    let gate = Gate::new();
    let server = flooding_server(&gate);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let client = natrs_tokio::connect(server.url()).await.expect("connect");
        tokio::time::timeout(WAIT, keep_all(client, gate))
            .await
            .expect("every message within the wait");
    });
}

#[test]
fn async_std_kept_small_messages_do_not_pin_read_buffers() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    let gate = Gate::new();
    let server = flooding_server(&gate);
    async_io::block_on(async {
        let client = natrs_async_std::connect(server.url())
            .await
            .expect("connect");
        futures_lite::future::or(keep_all(client, gate), async {
            async_io::Timer::after(WAIT).await;
            panic!("not every message within the wait");
        })
        .await;
    });
}

#[test]
fn blocking_kept_small_messages_do_not_pin_read_buffers() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    let gate = Gate::new();
    let server = flooding_server(&gate);
    let client = natrs_blocking::connect(server.url()).expect("connect");
    let sub = client.subscribe("a").expect("subscribe");
    let before = held();
    gate.open();
    let mut kept = Vec::with_capacity(KEPT);
    while kept.len() < KEPT {
        match sub.next_timeout(WAIT) {
            Ok(Some(m)) => kept.push(m),
            other => panic!("no message within the wait: {other:?}"),
        }
    }
    check(&kept, before);
}
