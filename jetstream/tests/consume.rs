//! Reading from consumers against a real server: fetch, next, continuous
//! consume with heartbeats and reconnects, push consumers (flow control,
//! heartbeats, queue groups), ordered consumers across deletes and restarts.

mod common;

use common::*;
use futures_util::StreamExt;
use natrs_jetstream::api::consumer::{AckPolicy, ConsumerConfig};
use natrs_jetstream::api::stream::{StorageType, StreamConfig};
use natrs_jetstream::state::ordered::OrderedOptions;
use natrs_jetstream::state::pull::{ConsumeOptions, FetchOptions};
use natrs_jetstream::{Error, JetStream};
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

async fn publish_n(js: &JetStream, subject: &str, from: usize, n: usize) {
    for i in from..from + n {
        js.publish(subject.to_string(), format!("{i}"))
            .await
            .unwrap();
    }
}

fn index(m: &natrs_jetstream::message::JsMessage) -> usize {
    std::str::from_utf8(m.payload()).unwrap().parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fetch_batches_bytes_expiry_and_no_wait() {
    let server = server();
    let (_c, js) = jetstream(&server).await;
    js.create_stream(StreamConfig::new("F").subjects(["f"]))
        .await
        .unwrap();
    publish_n(&js, "f", 0, 10).await;
    let c = js
        .create_consumer("F", ConsumerConfig::durable_pull("C"))
        .await
        .unwrap();
    // A full batch.
    let mut f = c.fetch(FetchOptions::new(4)).unwrap();
    let mut got = Vec::new();
    while let Some(m) = within(5, "a batch", f.next()).await {
        let m = m.unwrap();
        got.push(index(&m));
        m.ack().await.unwrap();
    }
    assert_eq!(got, vec![0, 1, 2, 3]);
    // Limited by bytes: each message is about 60 bytes as the server counts.
    let mut f = c.fetch(FetchOptions::new(100).max_bytes(150)).unwrap();
    let mut n = 0;
    while let Some(m) = within(5, "a byte-limited batch", f.next()).await {
        m.unwrap().ack().await.unwrap();
        n += 1;
    }
    assert!((1..=3).contains(&n), "{n} messages within 150 bytes");
    // No wait: what is there, at once.
    let mut f = c.fetch(FetchOptions::new(100).no_wait(true)).unwrap();
    let mut rest = 0;
    while let Some(m) = within(5, "a no-wait fetch", f.next()).await {
        m.unwrap().ack().await.unwrap();
        rest += 1;
    }
    assert_eq!(n + rest, 6);
    let start = Instant::now();
    let mut f = c.fetch(FetchOptions::new(5).no_wait(true)).unwrap();
    assert!(
        within(5, "an empty no-wait fetch", f.next())
            .await
            .is_none()
    );
    assert!(start.elapsed() < Duration::from_secs(1));
    // Expiry: nothing comes, the fetch ends after it.
    let start = Instant::now();
    let mut f = c
        .fetch(FetchOptions::new(5).expires(Duration::from_millis(700)))
        .unwrap();
    assert!(within(5, "an expiring fetch", f.next()).await.is_none());
    assert!(start.elapsed() >= Duration::from_millis(600));
    // A message published while waiting arrives.
    let mut f = c
        .fetch(FetchOptions::new(1).expires(Duration::from_secs(5)))
        .unwrap();
    js.publish("f", "10").await.unwrap();
    let m = within(5, "a waiting fetch", f.next())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(index(&m), 10);
    assert!(f.next().await.is_none());
    // Next.
    publish_n(&js, "f", 11, 1).await;
    let m = c.next().await.unwrap().unwrap();
    assert_eq!(index(&m), 11);
    m.ack().await.unwrap();
    assert!(
        c.next_timeout(Duration::from_millis(300))
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fetch_with_heartbeats_over_long_expiry() {
    let server = server();
    let (_c, js) = jetstream(&server).await;
    js.create_stream(StreamConfig::new("H").subjects(["h"]))
        .await
        .unwrap();
    let c = js
        .create_consumer("H", ConsumerConfig::durable_pull("C"))
        .await
        .unwrap();
    let mut f = c
        .fetch(
            FetchOptions::new(1)
                .expires(Duration::from_secs(3))
                .heartbeat(Duration::from_millis(250)),
        )
        .unwrap();
    // Heartbeats keep it alive while nothing comes; it ends at the expiry.
    assert!(within(10, "the fetch to expire", f.next()).await.is_none());
    // Without the server, the heartbeats stop.
    let mut f = c
        .fetch(
            FetchOptions::new(1)
                .expires(Duration::from_secs(10))
                .heartbeat(Duration::from_millis(250)),
        )
        .unwrap();
    _c.flush().await.unwrap();
    server.pause().unwrap();
    let r = within(10, "the heartbeats to be missed", f.next()).await;
    server.resume().unwrap();
    assert_eq!(r.unwrap().unwrap_err(), Error::MissedHeartbeats);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consume_keeps_the_buffer_filled() {
    let server = server();
    let (_c, js) = jetstream(&server).await;
    js.create_stream(StreamConfig::new("C").subjects(["c"]))
        .await
        .unwrap();
    publish_n(&js, "c", 0, 300).await;
    for options in [
        ConsumeOptions::new().max_messages(10),
        ConsumeOptions::new().max_messages(1),
        ConsumeOptions::new().max_bytes(512),
    ] {
        let name = format!("C{}", options.max_messages);
        let c = js
            .create_consumer("C", ConsumerConfig::durable_pull(name))
            .await
            .unwrap();
        let mut msgs = c.messages(options.clone()).unwrap();
        for i in 0..300 {
            let m = within(10, "a consumed message", msgs.next())
                .await
                .unwrap()
                .unwrap();
            assert_eq!(index(&m), i);
            m.ack().await.unwrap();
        }
        let (pending, _) = msgs.pending();
        assert!(pending <= options.max_messages, "{pending}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consume_ends_when_the_consumer_is_deleted() {
    let server = server();
    let (_c, js) = jetstream(&server).await;
    js.create_stream(StreamConfig::new("X").subjects(["x"]))
        .await
        .unwrap();
    let c = js
        .create_consumer("X", ConsumerConfig::durable_pull("C"))
        .await
        .unwrap();
    let mut msgs = c
        .messages(ConsumeOptions::new().expires(Duration::from_secs(5)))
        .unwrap();
    publish_n(&js, "x", 0, 1).await;
    assert_eq!(index(&msgs.next().await.unwrap().unwrap()), 0);
    c.delete().await.unwrap();
    let r = within(10, "the deletion to be reported", msgs.next()).await;
    assert_eq!(r.unwrap().unwrap_err(), Error::ConsumerDeleted);
    assert!(msgs.next().await.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consume_reports_missed_heartbeats_and_goes_on() {
    let server = server();
    let (_c, js) = jetstream(&server).await;
    js.create_stream(StreamConfig::new("HB").subjects(["hb"]))
        .await
        .unwrap();
    let c = js
        .create_consumer("HB", ConsumerConfig::durable_pull("C"))
        .await
        .unwrap();
    let mut msgs = c
        .messages(
            ConsumeOptions::new()
                .expires(Duration::from_secs(2))
                .heartbeat(Duration::from_millis(300)),
        )
        .unwrap();
    // Idle with heartbeats: nothing is yielded.
    let idle = tokio::time::timeout(Duration::from_millis(1500), msgs.next()).await;
    assert!(idle.is_err(), "{idle:?}");
    // Frozen server: the heartbeats are missed.
    server.pause().unwrap();
    let r = within(10, "a missed heartbeat warning", msgs.next()).await;
    server.resume().unwrap();
    let e = r.unwrap().unwrap_err();
    assert_eq!(e, Error::MissedHeartbeats);
    assert!(e.is_transient());
    // And it goes on.
    publish_n(&js, "hb", 0, 3).await;
    let mut got = Vec::new();
    while got.len() < 3 {
        match within(15, "messages after the warning", msgs.next())
            .await
            .unwrap()
        {
            Ok(m) => got.push(index(&m)),
            Err(e) => assert!(e.is_transient(), "{e:?}"),
        }
    }
    assert_eq!(got, vec![0, 1, 2]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pull_consumer_across_a_server_restart() {
    let server = server();
    let (client, js) = jetstream(&server).await;
    js.create_stream(StreamConfig::new("RS").subjects(["rs"]))
        .await
        .unwrap();
    let c = js
        .create_consumer("RS", ConsumerConfig::durable_pull("C"))
        .await
        .unwrap();
    publish_n(&js, "rs", 0, 50).await;
    let mut msgs = c
        .messages(
            ConsumeOptions::new()
                .max_messages(20)
                .expires(Duration::from_secs(2)),
        )
        .unwrap();
    let mut seen = BTreeSet::new();
    while seen.len() < 50 {
        let m = within(10, "messages before the restart", msgs.next())
            .await
            .unwrap()
            .unwrap();
        m.double_ack().await.unwrap();
        assert!(seen.insert(index(&m)), "duplicate {}", index(&m));
    }
    client.flush().await.unwrap();
    let s = Arc::new(server);
    let restarting = s.clone();
    tokio::task::spawn_blocking(move || restarting.restart())
        .await
        .unwrap()
        .unwrap();
    // Publish after JetStream is back (retrying while it recovers).
    let retry = JetStream::with_options(
        client.clone(),
        natrs_jetstream::JetStreamOptions::new().publish_retry(Duration::from_millis(100), 100),
    );
    publish_n(&retry, "rs", 50, 50).await;
    while seen.len() < 100 {
        match within(30, "messages after the restart", msgs.next())
            .await
            .unwrap()
        {
            Ok(m) => {
                m.ack().await.unwrap();
                assert!(seen.insert(index(&m)), "duplicate {}", index(&m));
            }
            Err(e) => assert!(e.is_transient(), "{e:?}"),
        }
    }
    assert_eq!(seen, (0..100).collect());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn push_consumer_with_flow_control_and_heartbeats() {
    let server = server();
    let (client, js) = jetstream(&server).await;
    js.create_stream(
        StreamConfig::new("PUSH")
            .subjects(["push"])
            .storage(StorageType::Memory),
    )
    .await
    .unwrap();
    // Enough data for flow control requests (the server asks every few MB).
    let payload = bytes::Bytes::from(vec![b'p'; 32 * 1024]);
    const N: usize = 400;
    for _ in 0..N {
        drop(js.publish_async("push", payload.clone()).await.unwrap());
    }
    js.publish_async_complete().await.unwrap();
    let deliver = client.new_inbox();
    let c = js
        .create_consumer(
            "PUSH",
            ConsumerConfig {
                durable_name: Some("P".into()),
                deliver_subject: Some(deliver),
                flow_control: true,
                idle_heartbeat: Duration::from_millis(300),
                ack_policy: AckPolicy::Explicit,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let mut msgs = c.push_messages().unwrap();
    let mut got = 0;
    while got < N {
        let m = within(30, "pushed messages", msgs.next())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(m.payload().len(), payload.len());
        m.ack().await.unwrap();
        got += 1;
    }
    assert!(
        msgs.flow_control_replies() > 0,
        "no flow control request came"
    );
    // Idle: heartbeats only, nothing yielded.
    let idle = tokio::time::timeout(Duration::from_millis(1000), msgs.next()).await;
    assert!(idle.is_err(), "{idle:?}");
    let mut c = c;
    let info = c.info().await.unwrap();
    assert_eq!(info.num_pending, 0);
    assert_eq!(info.delivered.stream_sequence, N as u64);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queue_push_consumer_shares_the_messages() {
    let server = server();
    let (client, js) = jetstream(&server).await;
    js.create_stream(StreamConfig::new("Q").subjects(["q"]))
        .await
        .unwrap();
    let deliver = client.new_inbox();
    let c = js
        .create_consumer(
            "Q",
            ConsumerConfig {
                durable_name: Some("QC".into()),
                deliver_subject: Some(deliver),
                deliver_group: Some("workers".into()),
                ack_policy: AckPolicy::Explicit,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let mut a = c.push_messages().unwrap();
    let mut b = c.push_messages().unwrap();
    client.flush().await.unwrap();
    const N: usize = 200;
    publish_n(&js, "q", 0, N).await;
    let mut seen = BTreeSet::new();
    let (mut from_a, mut from_b) = (0, 0);
    while seen.len() < N {
        tokio::select! {
            Some(m) = a.next() => {
                let m = m.unwrap();
                m.ack().await.unwrap();
                assert!(seen.insert(index(&m)));
                from_a += 1;
            }
            Some(m) = b.next() => {
                let m = m.unwrap();
                m.ack().await.unwrap();
                assert!(seen.insert(index(&m)));
                from_b += 1;
            }
            _ = tokio::time::sleep(Duration::from_secs(10)) => panic!("stalled at {}", seen.len()),
        }
    }
    assert!(from_a > 0 && from_b > 0, "{from_a} / {from_b}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ordered_consumer_survives_deletes_and_restarts() {
    let server = Arc::new(server());
    let (client, js) = jetstream(&server).await;
    js.create_stream(StreamConfig::new("O").subjects(["o.>"]))
        .await
        .unwrap();
    for i in 0..100 {
        js.publish(format!("o.{}", i % 2), format!("{i}"))
            .await
            .unwrap();
    }
    // A small buffer, so pull requests are waiting when the consumer goes.
    let ordered = js
        .ordered_consumer("O", OrderedOptions::default())
        .unwrap()
        .consume_options(
            ConsumeOptions::new()
                .max_messages(10)
                .expires(Duration::from_secs(5)),
        );
    let mut msgs = ordered.messages().await.unwrap();
    let mut expect = 0usize;
    let mut next = |m: natrs_jetstream::message::JsMessage| {
        assert_eq!(index(&m), expect, "out of order or missing");
        expect += 1;
    };
    for _ in 0..30 {
        next(within(10, "ordered", msgs.next()).await.unwrap().unwrap());
    }
    // The consumer is deleted under it: a new one starts after message 29.
    let name = msgs.consumer_name().unwrap().to_string();
    js.delete_consumer("O", &name).await.unwrap();
    for _ in 30..60 {
        next(
            within(10, "ordered after a delete", msgs.next())
                .await
                .unwrap()
                .unwrap(),
        );
    }
    assert!(msgs.consumers_created() >= 2);
    // The server restarts (the memory consumer is gone with it).
    client.flush().await.unwrap();
    let restarting = server.clone();
    tokio::task::spawn_blocking(move || restarting.restart())
        .await
        .unwrap()
        .unwrap();
    for _ in 60..100 {
        next(
            within(30, "ordered after a restart", msgs.next())
                .await
                .unwrap()
                .unwrap(),
        );
    }
    let retry = JetStream::with_options(
        client.clone(),
        natrs_jetstream::JetStreamOptions::new().publish_retry(Duration::from_millis(100), 100),
    );
    for i in 100..120 {
        retry.publish("o.1", format!("{i}")).await.unwrap();
    }
    for _ in 100..120 {
        next(
            within(30, "new messages", msgs.next())
                .await
                .unwrap()
                .unwrap(),
        );
    }
    assert_eq!(msgs.last_stream_sequence(), 120);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ordered_consumer_with_filters_and_start() {
    let server = server();
    let (_c, js) = jetstream(&server).await;
    js.create_stream(StreamConfig::new("OF").subjects(["of.>"]))
        .await
        .unwrap();
    for i in 0..30 {
        js.publish(format!("of.{}", i % 3), format!("{i}"))
            .await
            .unwrap();
    }
    let stream = js.get_stream("OF").await.unwrap();
    let ordered = stream
        .ordered_consumer(OrderedOptions {
            filter_subjects: vec!["of.0".into(), "of.2".into()],
            deliver_policy: natrs_jetstream::api::consumer::DeliverPolicy::ByStartSequence,
            opt_start_seq: Some(10),
            ..Default::default()
        })
        .unwrap();
    let mut msgs = ordered.messages().await.unwrap();
    let mut got = Vec::new();
    while got.len() < 14 {
        got.push(index(
            &within(10, "filtered", msgs.next()).await.unwrap().unwrap(),
        ));
    }
    let want: Vec<usize> = (9..30).filter(|i| i % 3 != 1).collect();
    assert_eq!(got, want);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopping_a_consume_ends_it_after_the_buffer() {
    let server = server();
    let (_c, js) = jetstream(&server).await;
    js.create_stream(StreamConfig::new("ST").subjects(["st"]))
        .await
        .unwrap();
    publish_n(&js, "st", 0, 20).await;
    let c = js
        .create_consumer("ST", ConsumerConfig::durable_pull("C"))
        .await
        .unwrap();
    let mut msgs = c.messages(ConsumeOptions::new().max_messages(5)).unwrap();
    let first = within(10, "a message", msgs.next()).await.unwrap().unwrap();
    assert_eq!(index(&first), 0);
    msgs.stop();
    let mut rest = 0;
    while let Some(m) = within(10, "the end of the stream", msgs.next()).await {
        m.unwrap();
        rest += 1;
    }
    // Only what was requested before stopping (at most the buffer).
    assert!(rest <= 5, "{rest}");
    let mut c = c;
    assert!(c.info().await.unwrap().num_pending >= 14);
}
