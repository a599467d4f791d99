//! Heap allocations per message, counted with a global counting allocator:
//! none per published message in steady state, at most one per received one.

use futures_util::StreamExt;
use natrs_tokio::{Bytes, ConnectOptions};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicU64, Ordering};

struct Counting;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

// SAFETY: defers to the system allocator; only counts calls.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations() -> u64 {
    ALLOCATIONS.load(Ordering::Relaxed)
}

const N: u64 = 200_000;

#[test]
fn publishing_allocates_nothing_per_message_and_receiving_at_most_once() {
    let server = natrs_tests::Server::start().expect("nats-server");
    // One worker: the counts then include the driver's work, not just the caller's.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let options = ConnectOptions::new().subscription_pending_limits(usize::MAX, usize::MAX);
        let client = natrs_tokio::connect_with_options(server.url(), options)
            .await
            .unwrap();
        let mut sub = client.subscribe("alloc.test").await.unwrap();
        let payload = Bytes::from_static(b"0123456789abcdef");

        // Warm up: buffers and queues reach their working size.
        for _ in 0..N {
            client.publish("alloc.test", payload.clone()).await.unwrap();
        }
        client.flush().await.unwrap();
        for _ in 0..N {
            sub.next().await.unwrap();
        }

        // Publishing: the core encodes into a buffer that is swapped with the
        // driver's, never reallocated once warm. The subject has no
        // subscriber, so the driver, which runs whenever a publish waits for
        // room, has nothing to receive meanwhile.
        let before = allocations();
        for _ in 0..N {
            client
                .publish("alloc.unheard", payload.clone())
                .await
                .unwrap();
        }
        let published = allocations() - before;
        client.flush().await.unwrap();

        // Receiving, counted with the publishes that bring the messages (the
        // driver reads some of them while the publisher waits for room) and
        // the flush that proves the server has everything.
        let before = allocations();
        for _ in 0..N {
            client.publish("alloc.test", payload.clone()).await.unwrap();
        }
        client.flush().await.unwrap();
        for _ in 0..N {
            sub.next().await.unwrap();
        }
        let received = allocations() - before;
        println!("{N} publishes: {published} allocations; {N} receives: {received} allocations");
        // A handful of allocations in total, not per message (timer, flush slot).
        assert!(published < 100, "{published} allocations for {N} publishes");
        assert!(
            received <= N,
            "{received} allocations for {N} received messages"
        );
    });
}
