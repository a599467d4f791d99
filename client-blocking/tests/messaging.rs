//! What only natrs-blocking has, against a real nats-server: handler
//! subscriptions, the blocking iterators (subscriptions, replies, events),
//! callbacks on the driver's threads, and how often the driver thread wakes.
//! The client's behaviours as such are checked by the natrs-tests suite.

mod common;

use common::{WAIT, connect, options, wait_event};
use natrs_blocking::{
    ClientEvent, CloseReason, DrainError, Error, FlushError, HeaderMap, Request, RequestError,
    RequestManyOptions, SubscriptionEnd,
};
use natrs_tests::{Server, wait_for};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[test]
fn request_reply_with_a_handler_responder() {
    let server = Server::start().unwrap();
    let service = connect(&server.url());
    let responder = service.clone();
    let handler = service
        .subscribe_with_handler("echo", move |m| {
            if let Some(reply) = m.reply {
                let mut body = b"echo: ".to_vec();
                body.extend_from_slice(&m.payload);
                responder.publish(reply.as_str(), body).unwrap();
            }
        })
        .unwrap();
    service.flush().unwrap();

    let c = connect(&server.url());
    for i in 0..100 {
        let r = c.request("echo", format!("{i}")).unwrap();
        assert_eq!(r.payload, format!("echo: {i}"));
    }
    let r = c
        .request_with_timeout("echo", "t", Duration::from_secs(5))
        .unwrap();
    assert_eq!(r.payload, "echo: t");
    let mut h = HeaderMap::new();
    h.insert("K", "V");
    let r = c
        .send_request(
            "echo",
            Request::new("hdr")
                .headers(h)
                .timeout(Duration::from_secs(5)),
        )
        .unwrap();
    assert_eq!(r.payload, "echo: hdr");
    handler.drain().unwrap();
    handler.join().unwrap();
}

#[test]
fn request_many_gathers_every_reply() {
    let server = Server::start().unwrap();
    let c = connect(&server.url());
    let mut handlers = Vec::new();
    for i in 0..3 {
        let r = c.clone();
        handlers.push(
            c.subscribe_with_handler("census", move |m| {
                r.publish(m.reply.unwrap().as_str(), format!("{i}"))
                    .unwrap();
            })
            .unwrap(),
        );
    }
    c.flush().unwrap();
    let options = RequestManyOptions {
        max_messages: Some(3),
        ..Default::default()
    };
    let replies = c
        .request_many("census", Request::new("?"), options)
        .unwrap();
    let mut got: Vec<String> = replies
        .map(|r| String::from_utf8(r.unwrap().payload.to_vec()).unwrap())
        .collect();
    got.sort();
    assert_eq!(got, ["0", "1", "2"]);

    // With a stall limit, the replies end once they stop coming.
    let options = RequestManyOptions {
        stall: Some(Duration::from_millis(300)),
        ..Default::default()
    };
    let replies = c
        .request_many("census", Request::new("?"), options)
        .unwrap();
    let mut n = 0;
    while let Ok(Some(r)) = replies.next_timeout(WAIT) {
        r.unwrap();
        n += 1;
    }
    assert_eq!(n, 3);

    // Nobody listening: one NoResponders, then the end.
    let mut replies = c
        .request_many("empty", Request::new("?"), RequestManyOptions::default())
        .unwrap();
    assert_eq!(replies.next(), Some(Err(RequestError::NoResponders)));
    assert_eq!(replies.next(), None);
}

#[test]
fn subscription_limits_and_auto_unsubscribe() {
    let server = Server::start().unwrap();
    let c = connect(&server.url());
    let sub = c.subscribe("count").unwrap();
    sub.unsubscribe_after(5).unwrap();
    c.flush().unwrap();
    for i in 0..10 {
        c.publish("count", format!("{i}")).unwrap();
    }
    c.flush().unwrap();
    let got: Vec<_> = sub.iter().map(|m| m.payload).collect();
    assert_eq!(got.len(), 5);
    assert_eq!(sub.end_reason(), Some(SubscriptionEnd::MaxMessages));
    assert!(sub.is_finished());

    let sub = c.subscribe("gone").unwrap();
    sub.unsubscribe().unwrap();
    assert_eq!(sub.next_timeout(WAIT), Ok(None));
    assert_eq!(sub.end_reason(), Some(SubscriptionEnd::Unsubscribed));
}

#[test]
fn drain_delivers_what_was_sent_then_closes() {
    let server = Server::start().unwrap();
    let c = connect(&server.url());
    let p = connect(&server.url());
    let sub = c.subscribe("d").unwrap();
    let handled = Arc::new(AtomicUsize::new(0));
    let counter = handled.clone();
    let h = c
        .subscribe_with_handler("d", move |_| {
            counter.fetch_add(1, Ordering::SeqCst);
        })
        .unwrap();
    c.flush().unwrap();
    for _ in 0..500 {
        p.publish("d", "m").unwrap();
    }
    p.flush().unwrap();
    c.drain().unwrap();
    assert!(c.is_closed());
    assert_eq!(c.close_reason(), Some(CloseReason::Drained));
    // Every message sent before the drain was delivered, then the iterator ended.
    assert_eq!(sub.iter().count(), 500);
    assert_eq!(sub.end_reason(), Some(SubscriptionEnd::Drained));
    h.join().unwrap();
    assert_eq!(handled.load(Ordering::SeqCst), 500);
    // A second drain has nothing to do.
    assert_eq!(c.drain(), Err(DrainError::Closed));
}

#[test]
fn close_ends_everything_and_refuses_more() {
    let server = Server::start().unwrap();
    let c = connect(&server.url());
    let events = c.events();
    let sub = c.subscribe("c").unwrap();
    let h = c.subscribe_with_handler("c", |_| {}).unwrap();
    c.publish("c", "before close").unwrap();
    c.close();
    assert!(c.is_closed());
    assert_eq!(c.close_reason(), Some(CloseReason::Closed));
    assert!(matches!(c.publish("c", "x"), Err(Error::ConnectionClosed)));
    assert!(matches!(c.subscribe("c"), Err(Error::ConnectionClosed)));
    assert_eq!(c.flush(), Err(FlushError::Closed));
    assert!(matches!(
        c.request("c", "x"),
        Err(RequestError::Publish(_) | RequestError::Closed)
    ));
    // The subscription ends (after what was delivered before the close).
    let rest: Vec<_> = sub.iter().collect();
    assert!(rest.len() <= 1);
    assert_eq!(sub.end_reason(), Some(SubscriptionEnd::Closed));
    h.join().unwrap();
    wait_event(&events, "Closed", |e| {
        matches!(e, ClientEvent::Closed { .. })
    });
    // The stream ends after Closed (an event raised on another thread just
    // before the close may still come first).
    let mut rest = 0;
    while let Some(e) = events.next_timeout(WAIT).unwrap() {
        assert!(!matches!(e, ClientEvent::Closed { .. }), "{e:?}");
        rest += 1;
        assert!(rest < 10, "the event stream does not end");
    }
    // Closing again is harmless.
    c.close();
}

#[test]
fn handler_subscriptions() {
    let server = Server::start().unwrap();
    let c = connect(&server.url());
    let got = Arc::new(Mutex::new(Vec::new()));
    let sink = got.clone();
    let h = c
        .subscribe_with_handler("hs", move |m| {
            sink.lock().unwrap().push(m.payload);
        })
        .unwrap();
    assert_eq!(h.subject(), "hs");
    c.flush().unwrap();
    for i in 0..50 {
        c.publish("hs", format!("{i}")).unwrap();
    }
    c.flush().unwrap();
    wait_for("the handler to see every message", WAIT, || {
        got.lock().unwrap().len() == 50
    });
    assert_eq!(h.delivered(), 50);
    h.unsubscribe().unwrap();
    h.join().unwrap();
    let got = got.lock().unwrap();
    for (i, p) in got.iter().enumerate() {
        assert_eq!(p, &format!("{i}"));
    }
}

#[test]
fn queue_handlers_and_auto_unsubscribe() {
    let server = Server::start().unwrap();
    let c = connect(&server.url());
    let n = Arc::new(AtomicUsize::new(0));
    let counter = n.clone();
    let h = c
        .queue_subscribe_with_handler("qh", "group", move |_| {
            counter.fetch_add(1, Ordering::SeqCst);
        })
        .unwrap();
    h.unsubscribe_after(7).unwrap();
    c.flush().unwrap();
    for _ in 0..20 {
        c.publish("qh", "m").unwrap();
    }
    h.join().unwrap();
    assert_eq!(n.load(Ordering::SeqCst), 7);
}

#[test]
fn a_handler_that_panics_is_reported_and_unsubscribed() {
    let server = Server::start().unwrap();
    let c = connect(&server.url());
    let h = c
        .subscribe_with_handler("boom", |_| panic!("handler failure (expected)"))
        .unwrap();
    c.flush().unwrap();
    c.publish("boom", "x").unwrap();
    assert_eq!(h.join(), Err(natrs_blocking::JoinError::Panicked));
    // The subscription is gone: the server has no responder any more.
    wait_for("the panicked handler's subscription to go", WAIT, || {
        c.request_with_timeout("boom", "?", Duration::from_secs(1))
            == Err(RequestError::NoResponders)
    });
}

#[test]
fn a_handler_may_use_the_client_and_cannot_join_itself() {
    let server = Server::start().unwrap();
    let c = connect(&server.url());
    let (tx, rx) = std::sync::mpsc::channel();
    let me = c.clone();
    let slot: Arc<Mutex<Option<natrs_blocking::HandlerSubscription>>> = Arc::default();
    let own = slot.clone();
    let _echo = c
        .subscribe_with_handler("inner", |m| {
            let _ = m;
        })
        .unwrap();
    let h = c
        .subscribe_with_handler("outer", move |m| {
            // A request from inside a handler works (the handler has its own
            // thread).
            let r = me.request("svc", m.payload.clone());
            let joined = own.lock().unwrap().take().map(|h| h.join());
            tx.send((r.map(|r| r.payload), joined)).unwrap();
        })
        .unwrap();
    let responder = c.clone();
    let _svc = c
        .subscribe_with_handler("svc", move |m| {
            responder
                .publish(m.reply.unwrap().as_str(), "pong")
                .unwrap();
        })
        .unwrap();
    c.flush().unwrap();
    *slot.lock().unwrap() = Some(h);
    c.publish("outer", "ping").unwrap();
    let (reply, joined) = rx.recv_timeout(WAIT).unwrap();
    assert_eq!(reply.unwrap(), "pong");
    assert_eq!(joined, Some(Err(natrs_blocking::JoinError::FromHandler)));
}

#[test]
fn detached_handlers_keep_running() {
    let server = Server::start().unwrap();
    let c = connect(&server.url());
    let n = Arc::new(AtomicUsize::new(0));
    let counter = n.clone();
    c.subscribe_with_handler("det", move |_| {
        counter.fetch_add(1, Ordering::SeqCst);
    })
    .unwrap()
    .detach();
    c.flush().unwrap();
    c.publish("det", "1").unwrap();
    wait_for("the detached handler to run", WAIT, || {
        n.load(Ordering::SeqCst) == 1
    });
    // A dropped (not detached) handler unsubscribes.
    let m = Arc::new(AtomicUsize::new(0));
    let counter = m.clone();
    drop(
        c.subscribe_with_handler("dropped", move |_| {
            counter.fetch_add(1, Ordering::SeqCst);
        })
        .unwrap(),
    );
    c.flush().unwrap();
    assert_eq!(
        c.request_with_timeout("dropped", "?", WAIT),
        Err(RequestError::NoResponders)
    );
    c.close();
}

#[test]
fn an_event_callback_may_close_the_client() {
    let server = Server::start().unwrap();
    let holder: Arc<Mutex<Option<natrs_blocking::Client>>> = Arc::default();
    let inside = holder.clone();
    let c = natrs_blocking::connect_with_options(
        server.url(),
        options().event_callback(move |e| {
            if matches!(e, ClientEvent::Disconnected { .. }) {
                if let Some(c) = inside.lock().unwrap().take() {
                    // Runs on a driver thread: closing from here must not hang.
                    c.close();
                }
            }
        }),
    )
    .unwrap();
    *holder.lock().unwrap() = Some(c.clone());
    c.force_reconnect();
    wait_for("the callback to close the client", WAIT, || c.is_closed());
}

#[test]
fn dropping_handles_never_panics() {
    let server = Server::start().unwrap();
    let c = connect(&server.url());
    let sub = c.subscribe("x").unwrap();
    let h = c.subscribe_with_handler("y", |_| {}).unwrap();
    let events = c.events();
    let replies = c
        .request_many("nobody", Request::new("?"), RequestManyOptions::default())
        .unwrap();
    drop(c);
    drop(replies);
    drop(events);
    drop(h);
    drop(sub);

    // And in the other order, after a close.
    let c = connect(&server.url());
    let sub = c.subscribe("x").unwrap();
    let h = c.subscribe_with_handler("y", |_| {}).unwrap();
    c.close();
    drop(sub);
    drop(h);
    drop(c);
}

#[test]
fn publishing_in_a_loop_does_not_wake_the_driver_per_message() {
    let server = Server::start().unwrap();
    let c = connect(&server.url());
    let before = c.driver_statistics();
    const N: u64 = 100_000;
    for _ in 0..N {
        c.publish("burst", "0123456789abcdef").unwrap();
    }
    c.flush().unwrap();
    let after = c.driver_statistics();
    let wakeups = after.wakeups - before.wakeups;
    eprintln!("{wakeups} driver wake-ups for {N} publishes");
    // The driver thread is woken when the write buffer goes from empty to
    // non-empty and takes everything queued meanwhile: no hand-off per
    // message. (How many socket writes that makes depends on how fast this
    // thread publishes compared to how fast the driver writes.)
    assert!(wakeups < N / 10, "{wakeups} wake-ups for {N} publishes");
    assert_eq!(c.statistics().out_msgs, N);
}

#[test]
fn request_reply_does_not_wake_the_driver_per_request() {
    let server = Server::start().unwrap();
    let service = connect(&server.url());
    let responder = service.clone();
    let _h = service
        .subscribe_with_handler("rr", move |m| {
            responder
                .publish(m.reply.unwrap().as_str(), m.payload)
                .unwrap();
        })
        .unwrap();
    service.flush().unwrap();
    let c = connect(&server.url());
    c.request("rr", "warm-up").unwrap();
    let before = (c.driver_statistics(), service.driver_statistics());
    const N: u64 = 500;
    for _ in 0..N {
        c.request("rr", "x").unwrap();
    }
    let after = (c.driver_statistics(), service.driver_statistics());
    // Requests and isolated replies are written by the threads that make them.
    let requester = after.0.wakeups - before.0.wakeups;
    let responder = after.1.wakeups - before.1.wakeups;
    assert!(
        requester < N / 10,
        "requester driver woke {requester} times"
    );
    assert!(
        responder < N / 10,
        "responder driver woke {responder} times"
    );
    assert!(after.0.inline_writes - before.0.inline_writes >= N - N / 10);
}

#[test]
fn a_blocking_jetstream_request_does_not_wake_the_driver_per_request() {
    use natrs_blocking::jetstream::{JetStream, kv};
    let server = Server::start_with(natrs_tests::ServerConfig::new().jetstream(true)).unwrap();
    let c = connect(&server.url());
    let js = JetStream::new(c.clone());
    let bucket = js.create_key_value(kv::Config::new("WAKES")).unwrap();
    bucket.put("k", "v").unwrap();
    let before = c.driver_statistics();
    const N: u64 = 500;
    for _ in 0..N {
        assert_eq!(&bucket.get("k").unwrap().value[..], b"v");
    }
    let after = c.driver_statistics();
    // A KV get is a request made inside a future polled by the blocking
    // facade: the thread polling it writes it once the poll returned.
    let wakeups = after.wakeups - before.wakeups;
    assert!(wakeups < N / 10, "driver woke {wakeups} times for {N} gets");
    assert!(after.inline_writes - before.inline_writes >= N - N / 10);
}
