//! Handler subscriptions on the client's shared handler pool
//! (`BlockingOptions::handler_threads`), against a real nats-server: order
//! and one message at a time per subscription, turns between subscriptions,
//! panics, drop, detach, drain, close and joins. The thread count is checked by `handler_pool_threads.rs`
//! (a process of its own, where no other test starts threads).

mod common;

use common::{WAIT, connect, options};
use natrs_blocking::{
    BlockingOptions, Client, CloseReason, JoinError, RequestError, SubscriptionEnd,
};
use natrs_tests::{Server, wait_for};
use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

/// Connects with handlers on a pool of `threads` threads.
fn pooled(url: &str, threads: usize) -> Client {
    natrs_blocking::connect_with_options(
        url,
        BlockingOptions::new(options()).handler_threads(threads),
    )
    .expect("connect")
}

/// The name of the thread running the caller.
fn thread_name() -> String {
    std::thread::current().name().unwrap_or("").to_string()
}

/// Panics (ending the handler's subscription, which the test then notices)
/// unless the caller runs on a pool thread.
fn assert_pooled() {
    let name = thread_name();
    assert!(name.starts_with("natrs-handlers-"), "handler on {name:?}");
}

/// Many subscriptions, one of them hot (more messages than a pool thread
/// hands one subscription in a turn), messages interleaved across them: each
/// handler sees its own messages complete, in order, one at a time, on the
/// pool's threads and nowhere else.
fn order_per_subscription(threads: usize) {
    const SUBS: usize = 200;
    const EACH: usize = 20;
    const HOT: usize = 1_000;
    let server = Server::start().unwrap();
    let c = pooled(&server.url(), threads);
    let p = connect(&server.url());
    let names = Arc::new(Mutex::new(HashSet::new()));
    let overlaps = Arc::new(AtomicUsize::new(0));
    let mut logs = Vec::new();
    let mut handles = Vec::new();
    for i in 0..=SUBS {
        let log = Arc::new(Mutex::new(Vec::new()));
        let sink = log.clone();
        let names = names.clone();
        let overlaps = overlaps.clone();
        let busy = AtomicBool::new(false);
        handles.push(
            c.subscribe_with_handler(format!("pool.order.{i}"), move |m| {
                if busy.swap(true, Ordering::SeqCst) {
                    overlaps.fetch_add(1, Ordering::SeqCst);
                }
                names.lock().unwrap().insert(thread_name());
                let n: usize = std::str::from_utf8(&m.payload).unwrap().parse().unwrap();
                sink.lock().unwrap().push(n);
                // Give another pool thread the chance to run this
                // subscription at the same time, were that possible.
                std::thread::yield_now();
                busy.store(false, Ordering::SeqCst);
            })
            .unwrap(),
        );
        logs.push(log);
    }
    c.flush().unwrap();
    // Subscription SUBS is the hot one.
    for k in 0..HOT {
        if k < EACH {
            for i in 0..SUBS {
                p.publish(format!("pool.order.{i}"), k.to_string()).unwrap();
            }
        }
        p.publish(format!("pool.order.{SUBS}"), k.to_string())
            .unwrap();
    }
    p.flush().unwrap();
    let want = |i: usize| if i == SUBS { HOT } else { EACH };
    wait_for("every handler to see its messages", WAIT, || {
        logs.iter()
            .enumerate()
            .all(|(i, l)| l.lock().unwrap().len() == want(i))
    });
    for (i, log) in logs.iter().enumerate() {
        let got = log.lock().unwrap();
        assert_eq!(*got, (0..want(i)).collect::<Vec<_>>(), "subscription {i}");
    }
    assert_eq!(
        overlaps.load(Ordering::SeqCst),
        0,
        "a handler ran twice at once"
    );
    let names = names.lock().unwrap();
    assert!(names.len() <= threads, "{names:?}");
    assert!(
        names.iter().all(|n| n.starts_with("natrs-handlers-")),
        "{names:?}"
    );
    for h in handles {
        h.unsubscribe().unwrap();
        h.join().unwrap();
    }
}

#[test]
fn order_per_subscription_on_a_pool_of_one() {
    order_per_subscription(1);
}

#[test]
fn order_per_subscription_on_a_pool_of_two() {
    order_per_subscription(2);
}

#[test]
fn a_panicking_pooled_handler_ends_only_its_subscription() {
    let server = Server::start().unwrap();
    let c = pooled(&server.url(), 1);
    let n = Arc::new(AtomicUsize::new(0));
    let counter = n.clone();
    let ok = c
        .subscribe_with_handler("pool.ok", move |_| {
            assert_pooled();
            counter.fetch_add(1, Ordering::SeqCst);
        })
        .unwrap();
    let boom = c
        .subscribe_with_handler("pool.boom", |_| panic!("handler failure (expected)"))
        .unwrap();
    c.flush().unwrap();
    c.publish("pool.ok", "1").unwrap();
    c.publish("pool.boom", "x").unwrap();
    c.publish("pool.ok", "2").unwrap();
    assert_eq!(boom.join(), Err(JoinError::Panicked));
    // The panicked handler's subscription is gone ...
    wait_for("the panicked handler's subscription to go", WAIT, || {
        c.request_with_timeout("pool.boom", "?", Duration::from_secs(1))
            == Err(RequestError::NoResponders)
    });
    // ... and the pool's only thread still runs the others.
    for _ in 0..10 {
        c.publish("pool.ok", "m").unwrap();
    }
    wait_for("the other handler to see every message", WAIT, || {
        n.load(Ordering::SeqCst) == 12
    });
    // A subscription made after the panic runs too.
    let later = Arc::new(AtomicUsize::new(0));
    let counter = later.clone();
    let _later = c
        .subscribe_with_handler("pool.later", move |_| {
            assert_pooled();
            counter.fetch_add(1, Ordering::SeqCst);
        })
        .unwrap();
    c.flush().unwrap();
    c.publish("pool.later", "m").unwrap();
    wait_for("a new handler to run", WAIT, || {
        later.load(Ordering::SeqCst) == 1
    });
    assert!(!ok.is_finished());
}

#[test]
fn dropping_a_pooled_handler_unsubscribes_and_detach_keeps_it() {
    let server = Server::start().unwrap();
    let c = pooled(&server.url(), 1);
    let n = Arc::new(AtomicUsize::new(0));
    let counter = n.clone();
    c.subscribe_with_handler("pool.det", move |_| {
        assert_pooled();
        counter.fetch_add(1, Ordering::SeqCst);
    })
    .unwrap()
    .detach();
    let m = Arc::new(AtomicUsize::new(0));
    let counter = m.clone();
    drop(
        c.subscribe_with_handler("pool.dropped", move |_| {
            counter.fetch_add(1, Ordering::SeqCst);
        })
        .unwrap(),
    );
    c.flush().unwrap();
    assert_eq!(
        c.request_with_timeout("pool.dropped", "?", WAIT),
        Err(RequestError::NoResponders)
    );
    for _ in 0..5 {
        c.publish("pool.det", "1").unwrap();
    }
    wait_for("the detached handler to run", WAIT, || {
        n.load(Ordering::SeqCst) == 5
    });
    assert_eq!(m.load(Ordering::SeqCst), 0);
    c.close();
}

#[test]
fn draining_delivers_everything_to_pooled_handlers() {
    let server = Server::start().unwrap();
    let c = pooled(&server.url(), 2);
    let p = connect(&server.url());
    let handled = Arc::new(AtomicUsize::new(0));
    let mut hs = Vec::new();
    for i in 0..10 {
        let counter = handled.clone();
        hs.push(
            c.subscribe_with_handler(format!("pool.d.{i}"), move |_| {
                assert_pooled();
                counter.fetch_add(1, Ordering::SeqCst);
            })
            .unwrap(),
        );
    }
    let counter = handled.clone();
    let q = c
        .queue_subscribe_with_handler("pool.d.q", "group", move |_| {
            assert_pooled();
            counter.fetch_add(1, Ordering::SeqCst);
        })
        .unwrap();
    c.flush().unwrap();
    for k in 0..500 {
        p.publish(format!("pool.d.{}", k % 10), "m").unwrap();
        p.publish("pool.d.q", "m").unwrap();
    }
    p.flush().unwrap();
    c.drain().unwrap();
    assert_eq!(c.close_reason(), Some(CloseReason::Drained));
    for h in hs {
        assert_eq!(h.end_reason(), Some(SubscriptionEnd::Drained));
        h.join().unwrap();
    }
    q.join().unwrap();
    assert_eq!(handled.load(Ordering::SeqCst), 1_000);
}

#[test]
fn messages_delivered_before_close_reach_pooled_handlers() {
    let server = Server::start().unwrap();
    let c = pooled(&server.url(), 1);
    let p = connect(&server.url());
    let (gate_tx, gate_rx) = mpsc::channel::<()>();
    let handled = Arc::new(AtomicUsize::new(0));
    let counter = handled.clone();
    let mut first = true;
    let h = c
        .subscribe_with_handler("pool.close", move |_| {
            // The first message holds the pool's only thread until the
            // client closed, so the rest wait in the subscription.
            assert_pooled();
            if std::mem::take(&mut first) {
                gate_rx.recv_timeout(WAIT).unwrap();
            }
            counter.fetch_add(1, Ordering::SeqCst);
        })
        .unwrap();
    c.flush().unwrap();
    for _ in 0..100 {
        p.publish("pool.close", "m").unwrap();
    }
    p.flush().unwrap();
    wait_for("every message to be delivered", WAIT, || {
        h.delivered() == 100
    });
    c.close();
    assert_eq!(h.end_reason(), Some(SubscriptionEnd::Closed));
    gate_tx.send(()).unwrap();
    h.join().unwrap();
    assert_eq!(handled.load(Ordering::SeqCst), 100);
}

#[test]
fn pooled_handlers_request_join_and_auto_unsubscribe() {
    let server = Server::start().unwrap();
    let c = pooled(&server.url(), 1);
    // The responder runs on a thread of another client: the pool's one
    // thread is busy with the requesting handler.
    let svc = connect(&server.url());
    let responder = svc.clone();
    let _svc = svc
        .subscribe_with_handler("pool.svc", move |m| {
            responder
                .publish(m.reply.unwrap().as_str(), "pong")
                .unwrap();
        })
        .unwrap();
    svc.flush().unwrap();
    let (tx, rx) = mpsc::channel();
    let me = c.clone();
    let slot: Arc<Mutex<Option<natrs_blocking::HandlerSubscription>>> = Arc::default();
    let own = slot.clone();
    let h = c
        .subscribe_with_handler("pool.outer", move |m| {
            assert_pooled();
            let r = me.request("pool.svc", m.payload.clone());
            let joined = own.lock().unwrap().take().map(|h| h.join());
            tx.send((r.map(|r| r.payload), joined)).unwrap();
        })
        .unwrap();
    *slot.lock().unwrap() = Some(h);
    c.flush().unwrap();
    c.publish("pool.outer", "ping").unwrap();
    let (reply, joined) = rx.recv_timeout(WAIT).unwrap();
    assert_eq!(reply.unwrap(), "pong");
    assert_eq!(joined, Some(Err(JoinError::FromHandler)));

    // A queue group handler with an auto-unsubscribe ends after its count.
    let n = Arc::new(AtomicUsize::new(0));
    let counter = n.clone();
    let q = c
        .queue_subscribe_with_handler("pool.qh", "group", move |_| {
            assert_pooled();
            counter.fetch_add(1, Ordering::SeqCst);
        })
        .unwrap();
    q.unsubscribe_after(7).unwrap();
    c.flush().unwrap();
    for _ in 0..20 {
        c.publish("pool.qh", "m").unwrap();
    }
    q.join().unwrap();
    assert_eq!(n.load(Ordering::SeqCst), 7);
}

#[test]
fn a_busy_pooled_subscription_lets_the_others_have_their_turn() {
    const HOT: usize = 5_000;
    let server = Server::start().unwrap();
    let c = pooled(&server.url(), 1);
    let p = connect(&server.url());
    // The gate's handler holds the pool's only thread while the hot
    // subscription's backlog and the quiet one's message arrive.
    let (gate_tx, gate_rx) = mpsc::channel::<()>();
    let gate = c
        .subscribe_with_handler("pool.gate", move |_| {
            assert_pooled();
            gate_rx.recv_timeout(WAIT).unwrap();
        })
        .unwrap();
    let hot_seen = Arc::new(AtomicUsize::new(0));
    let counter = hot_seen.clone();
    let hot = c
        .subscribe_with_handler("pool.hot", move |_| {
            assert_pooled();
            counter.fetch_add(1, Ordering::SeqCst);
        })
        .unwrap();
    let (quiet_tx, quiet_rx) = mpsc::channel();
    let seen = hot_seen.clone();
    let quiet = c
        .subscribe_with_handler("pool.quiet", move |_| {
            assert_pooled();
            quiet_tx.send(seen.load(Ordering::SeqCst)).unwrap();
        })
        .unwrap();
    c.flush().unwrap();
    p.publish("pool.gate", "hold").unwrap();
    for _ in 0..HOT {
        p.publish("pool.hot", "m").unwrap();
    }
    p.publish("pool.quiet", "m").unwrap();
    p.flush().unwrap();
    wait_for("the backlog to be delivered", WAIT, || {
        hot.delivered() == HOT as u64 && quiet.delivered() == 1
    });
    gate_tx.send(()).unwrap();
    // The quiet subscription's handler ran after a turn of the hot one, not
    // after its whole backlog.
    let hot_before_quiet = quiet_rx.recv_timeout(WAIT).unwrap();
    assert!(hot_before_quiet < HOT / 2, "{hot_before_quiet} of {HOT}");
    wait_for("the hot handler to see its backlog", WAIT, || {
        hot_seen.load(Ordering::SeqCst) == HOT
    });
    drop(gate);
}
