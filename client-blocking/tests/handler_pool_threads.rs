//! Pooled handler subscriptions take no thread each: a test binary of its
//! own, so that no other test starts or ends threads while it counts them.

mod common;

use common::{WAIT, connect, options};
use natrs_blocking::BlockingOptions;
use natrs_tests::{Server, wait_for};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Threads of this process.
fn threads() -> usize {
    std::fs::read_dir("/proc/self/task")
        .expect("/proc/self/task")
        .count()
}

#[test]
fn a_thousand_pooled_handlers_run_on_the_pools_threads() {
    const SUBS: usize = 1_000;
    const POOL: usize = 2;
    let server = Server::start().unwrap();
    let p = connect(&server.url());
    let c = natrs_blocking::connect_with_options(
        server.url(),
        BlockingOptions::new(options()).handler_threads(POOL),
    )
    .unwrap();
    c.flush().unwrap();
    p.flush().unwrap();
    let before = threads();
    let handled = Arc::new(AtomicUsize::new(0));
    let mut hs = Vec::with_capacity(SUBS);
    for i in 0..SUBS {
        let counter = handled.clone();
        hs.push(
            c.subscribe_with_handler(format!("pool.t.{i}"), move |_| {
                counter.fetch_add(1, Ordering::SeqCst);
            })
            .unwrap(),
        );
    }
    c.flush().unwrap();
    for i in 0..SUBS {
        p.publish(format!("pool.t.{i}"), "m").unwrap();
    }
    p.flush().unwrap();
    wait_for("every handler to run", WAIT, || {
        handled.load(Ordering::SeqCst) == SUBS
    });
    let during = threads();
    // The pool's threads, and a few for the test harness' own doings.
    assert!(
        during <= before + POOL + 2,
        "{before} threads before, {during} with {SUBS} pooled handlers"
    );
    // With the last subscription the pool's threads end.
    for h in hs {
        h.unsubscribe().unwrap();
        h.join().unwrap();
    }
    wait_for("the pool's threads to end", WAIT, || threads() <= before);
}
