//! What only the tokio crate has: subscriptions, replies and events as
//! `Stream`s in async code, handles outliving their runtime, and connecting
//! outside a runtime.

use crate::support::{WAIT, b, server};
use futures_util::StreamExt;
use natrs_tokio::{ClientEvent, ConnectError, Request, RequestManyOptions};
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

/// A fresh runtime per test, so that tests can also shut it down.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

pub fn within<F: Future>(rt: &tokio::runtime::Runtime, f: F) -> F::Output {
    rt.block_on(async {
        tokio::time::timeout(WAIT, f)
            .await
            .expect("finished within the wait")
    })
}

#[test]
fn subscriptions_are_streams() {
    let server = server();
    let rt = runtime();
    within(&rt, async {
        let client = natrs_tokio::connect(server.url()).await.unwrap();
        let mut sub = client.subscribe("stream.*").await.unwrap();
        let mut a = client.queue_subscribe("stream.q", "g").await.unwrap();
        let mut b_member = client.queue_subscribe("stream.q", "g").await.unwrap();
        for i in 0..5 {
            client.publish(format!("stream.{i}"), "x").await.unwrap();
        }
        for _ in 0..10 {
            client.publish("stream.q", "job").await.unwrap();
        }
        // Combinators work: take five, then the queue members between them.
        let subjects: Vec<String> = (&mut sub)
            .take(5)
            .map(|m| m.subject.to_string())
            .collect()
            .await;
        assert_eq!(
            subjects,
            ["stream.0", "stream.1", "stream.2", "stream.3", "stream.4"]
        );
        client.flush().await.unwrap();
        let mut jobs = 0;
        while jobs < 10 {
            tokio::select! {
                Some(_) = a.next() => jobs += 1,
                Some(_) = b_member.next() => jobs += 1,
            }
        }
        // The plain subscription also matched the ten jobs.
        assert_eq!((&mut sub).take(10).count().await, 10);
        sub.unsubscribe().await.unwrap();
        assert!(sub.next().await.is_none(), "the stream ends");
        client.close().await;
        assert!(a.next().await.is_none());
    });
}

#[test]
fn replies_and_events_are_streams() {
    let server = server();
    let rt = runtime();
    within(&rt, async {
        let client = natrs_tokio::connect(server.url()).await.unwrap();
        let mut events = client.events();
        for i in 0..3 {
            let mut sub = client.subscribe("svc").await.unwrap();
            let c = client.clone();
            tokio::spawn(async move {
                while let Some(m) = sub.next().await {
                    let to = m.reply.unwrap();
                    c.publish(to.as_str(), format!("r{i}")).await.unwrap();
                }
            });
        }
        client.flush().await.unwrap();
        let replies = client
            .request_many(
                "svc",
                Request::new("?").timeout(Duration::from_secs(5)),
                RequestManyOptions {
                    max_messages: Some(3),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let mut got: Vec<String> = replies
            .map(|r| String::from_utf8_lossy(&r.unwrap().payload).into_owned())
            .collect()
            .await;
        got.sort();
        assert_eq!(got, ["r0", "r1", "r2"]);
        client.force_reconnect();
        let kinds: Vec<&str> = (&mut events)
            .take(2)
            .map(|e| match e {
                ClientEvent::Disconnected { .. } => "disconnected",
                ClientEvent::Reconnected { .. } => "reconnected",
                _ => "other",
            })
            .collect()
            .await;
        assert_eq!(kinds, ["disconnected", "reconnected"]);
        client.close().await;
        let rest: Vec<ClientEvent> = events.collect().await;
        assert!(
            matches!(rest.last(), Some(ClientEvent::Closed { .. })),
            "{rest:?}"
        );
    });
}

/// Handles kept after their runtime shut down (the driver task is gone) can
/// still be used and dropped on a plain thread: errors or no-ops, no panics.
#[test]
fn handles_outliving_their_runtime_never_panic() {
    let server = server();
    let rt = runtime();
    let (client, sub, events, reply, flush) = within(&rt, async {
        let client = natrs_tokio::connect(server.url()).await.unwrap();
        let sub = client.subscribe("after").await.unwrap();
        let _silent = client.subscribe("silent").await.unwrap();
        let events = client.events();
        let reply = client.start_request("silent", Request::new("?")).unwrap();
        let flush = client
            .start_flush(std::time::Duration::from_secs(10))
            .unwrap();
        (client, sub, events, reply, flush)
    });
    drop(rt);
    let _ = client.try_publish("after", None, None, b("late"));
    let _ = client.connection_state();
    let _ = client.statistics();
    client.force_reconnect();
    client.close_now();
    let _ = sub.try_next();
    let _ = sub.poll_next_message(&mut Context::from_waker(Waker::noop()));
    drop(reply);
    drop(flush);
    drop(events);
    drop(sub);
    drop(client);
}

/// Dropping handles on plain threads while the connection is busy.
#[test]
fn handles_dropped_on_plain_threads_never_panic() {
    let server = server();
    let rt = runtime();
    let (client, subs) = within(&rt, async {
        let client = natrs_tokio::connect(server.url()).await.unwrap();
        let mut subs = Vec::new();
        for _ in 0..4 {
            subs.push(client.subscribe("busy").await.unwrap());
        }
        (client, subs)
    });
    let publisher = client.clone();
    let publishing = rt.spawn(async move {
        for _ in 0..2000 {
            if publisher.publish("busy", "x").await.is_err() {
                break;
            }
        }
    });
    let threads: Vec<_> = subs
        .into_iter()
        .map(|s| std::thread::spawn(move || drop(s)))
        .collect();
    for t in threads {
        t.join().expect("dropping a subscriber on a plain thread");
    }
    let c = client.clone();
    std::thread::spawn(move || drop(c)).join().unwrap();
    within(&rt, publishing).unwrap();
    within(&rt, client.flush()).unwrap();
    std::thread::spawn(move || drop(client)).join().unwrap();
}

/// Outside a tokio runtime, connecting is an error rather than a panic.
#[test]
fn connect_outside_a_runtime_is_an_error() {
    let mut fut = pin!(natrs_tokio::connect("nats://127.0.0.1:4222"));
    let mut cx = Context::from_waker(Waker::noop());
    match fut.as_mut().poll(&mut cx) {
        Poll::Ready(Err(ConnectError::InvalidOptions(text))) => {
            assert!(text.contains("tokio runtime"), "{text}")
        }
        other => panic!("{other:?}"),
    }
}

// ----- the examples -----
