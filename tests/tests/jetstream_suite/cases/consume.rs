//! Reading from consumers: fetch, next, continuous consume with heartbeats
//! and reconnects, push consumers (flow control, heartbeats, queue groups),
//! ordered consumers across deletes and restarts.

use crate::support::*;
use natrs_jetstream::api::consumer::{AckPolicy, ConsumerConfig, DeliverPolicy, PriorityPolicy};
use natrs_jetstream::api::stream::{StorageType, StreamConfig};
use natrs_jetstream::consumer::{ConsumeOptions, FetchOptions, OrderedOptions, PriorityOptions};
use natrs_jetstream::{Error, JetStreamOptions};
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A context on the connection of `js` that retries publishes while
/// JetStream recovers from a restart.
fn retrying<J: SuiteJs>(js: &J) -> J {
    js.with_options(JetStreamOptions::new().publish_retry(Duration::from_millis(100), 100))
}

/// Restarts `server` (same ports and store) from another thread, as the
/// connection's reconnects go on.
fn restart(server: &Arc<natrs_tests::Server>) {
    let s = server.clone();
    let done = in_background(move || s.restart());
    join("the server restart", &done, Duration::from_secs(30)).expect("restart the server");
}

pub fn fetch_batches_bytes_expiry_and_no_wait<J: SuiteJs>() {
    let server = server();
    let js: J = jetstream(&server);
    js.create_stream(StreamConfig::new("F").subjects(["f"]))
        .unwrap();
    publish_n(&js, "f", 0, 10);
    let c = js
        .create_consumer("F", ConsumerConfig::durable_pull("C"))
        .unwrap();
    // A full batch.
    let got: Vec<usize> = c
        .fetch(FetchOptions::new(4))
        .unwrap()
        .rest("a batch")
        .into_iter()
        .map(|m| {
            m.ack().unwrap();
            m.index()
        })
        .collect();
    assert_eq!(got, vec![0, 1, 2, 3]);
    // Limited by bytes: each message is about 60 bytes as the server counts.
    let limited = c
        .fetch(FetchOptions::new(100).max_bytes(150))
        .unwrap()
        .rest("a byte-limited batch");
    for m in &limited {
        m.ack().unwrap();
    }
    assert!(
        (1..=3).contains(&limited.len()),
        "{} messages within 150 bytes",
        limited.len()
    );
    // No wait: what is there, at once.
    let rest = c
        .fetch(FetchOptions::new(100).no_wait(true))
        .unwrap()
        .rest("a no-wait fetch");
    for m in &rest {
        m.ack().unwrap();
    }
    assert_eq!(limited.len() + rest.len(), 6);
    let start = Instant::now();
    let mut f = c.fetch(FetchOptions::new(5).no_wait(true)).unwrap();
    assert!(f.item("an empty no-wait fetch").is_none());
    assert!(start.elapsed() < Duration::from_secs(1));
    // Expiry: nothing comes, the fetch ends after it.
    let start = Instant::now();
    let mut f = c
        .fetch(FetchOptions::new(5).expires(Duration::from_millis(700)))
        .unwrap();
    assert!(f.item("an expiring fetch").is_none());
    assert!(start.elapsed() >= Duration::from_millis(600));
    // A message published while waiting arrives.
    let mut f = c
        .fetch(FetchOptions::new(1).expires(Duration::from_secs(5)))
        .unwrap();
    js.publish("f", "10").unwrap();
    assert_eq!(f.msg("a waiting fetch").index(), 10);
    assert!(f.item("the end of a full fetch").is_none());
    // Next.
    publish_n(&js, "f", 11, 1);
    let m = c.next().unwrap().expect("the next message");
    assert_eq!(m.index(), 11);
    m.ack().unwrap();
    assert!(
        c.next_timeout(Duration::from_millis(300))
            .unwrap()
            .is_none()
    );
}

pub fn fetch_with_heartbeats_over_long_expiry<J: SuiteJs>() {
    let server = server();
    let js: J = jetstream(&server);
    js.create_stream(StreamConfig::new("H").subjects(["h"]))
        .unwrap();
    let c = js
        .create_consumer("H", ConsumerConfig::durable_pull("C"))
        .unwrap();
    let mut f = c
        .fetch(
            FetchOptions::new(1)
                .expires(Duration::from_secs(2))
                .heartbeat(Duration::from_millis(250)),
        )
        .unwrap();
    // Heartbeats keep it alive while nothing comes; it ends at the expiry.
    assert!(f.item("the fetch to expire").is_none());
    // Without the server, the heartbeats stop.
    let mut f = c
        .fetch(
            FetchOptions::new(1)
                .expires(Duration::from_secs(10))
                .heartbeat(Duration::from_millis(250)),
        )
        .unwrap();
    js.flush();
    server.pause().unwrap();
    let r = f.item("the heartbeats to be missed");
    server.resume().unwrap();
    assert_eq!(r.expect("an item").unwrap_err(), Error::MissedHeartbeats);
}

pub fn consume_keeps_the_buffer_filled<J: SuiteJs>() {
    let server = server();
    let js: J = jetstream(&server);
    js.create_stream(StreamConfig::new("C").subjects(["c"]))
        .unwrap();
    const N: usize = 150;
    publish_n(&js, "c", 0, N);
    for options in [
        ConsumeOptions::new().max_messages(10),
        ConsumeOptions::new().max_messages(1),
        ConsumeOptions::new().max_bytes(512),
    ] {
        let name = format!("C{}", options.max_messages);
        let c = js
            .create_consumer("C", ConsumerConfig::durable_pull(name))
            .unwrap();
        let mut msgs = c.messages(options.clone()).unwrap();
        for i in 0..N {
            let m = msgs.msg("a consumed message");
            assert_eq!(m.index(), i);
            m.ack().unwrap();
        }
        let (pending, _) = msgs.pending();
        assert!(pending <= options.max_messages, "{pending}");
    }
}

pub fn consume_ends_when_the_consumer_is_deleted<J: SuiteJs>() {
    let server = server();
    let js: J = jetstream(&server);
    js.create_stream(StreamConfig::new("X").subjects(["x"]))
        .unwrap();
    let c = js
        .create_consumer("X", ConsumerConfig::durable_pull("C"))
        .unwrap();
    let mut msgs = c
        .messages(ConsumeOptions::new().expires(Duration::from_secs(5)))
        .unwrap();
    publish_n(&js, "x", 0, 1);
    assert_eq!(msgs.msg("the message").index(), 0);
    c.delete().unwrap();
    let r = msgs.item("the deletion to be reported");
    assert_eq!(r.expect("an item").unwrap_err(), Error::ConsumerDeleted);
    assert!(msgs.item("the end").is_none());
}

pub fn consume_reports_missed_heartbeats_and_goes_on<J: SuiteJs>() {
    let server = server();
    let js: J = jetstream(&server);
    js.create_stream(StreamConfig::new("HB").subjects(["hb"]))
        .unwrap();
    let c = js
        .create_consumer("HB", ConsumerConfig::durable_pull("C"))
        .unwrap();
    let mut msgs = c
        .messages(
            ConsumeOptions::new()
                .expires(Duration::from_secs(2))
                .heartbeat(Duration::from_millis(300)),
        )
        .unwrap();
    // Idle with heartbeats: nothing is yielded.
    let idle = msgs.next_within(Duration::from_millis(1500));
    assert!(idle.is_none(), "{idle:?}");
    // Frozen server: the heartbeats are missed.
    server.pause().unwrap();
    let r = msgs.item("a missed heartbeat warning");
    server.resume().unwrap();
    let e = r.expect("an item").unwrap_err();
    assert_eq!(e, Error::MissedHeartbeats);
    assert!(e.is_transient());
    // And it goes on.
    publish_n(&js, "hb", 0, 3);
    let mut got = Vec::new();
    while got.len() < 3 {
        match msgs
            .item_within(Duration::from_secs(15), "messages after the warning")
            .expect("an item")
        {
            Ok(m) => got.push(m.index()),
            Err(e) => assert!(e.is_transient(), "{e:?}"),
        }
    }
    assert_eq!(got, vec![0, 1, 2]);
}

pub fn pull_consumer_across_a_server_restart<J: SuiteJs>() {
    let server = Arc::new(server());
    let js: J = jetstream(&server);
    js.create_stream(StreamConfig::new("RS").subjects(["rs"]))
        .unwrap();
    let c = js
        .create_consumer("RS", ConsumerConfig::durable_pull("C"))
        .unwrap();
    publish_n(&js, "rs", 0, 50);
    let mut msgs = c
        .messages(
            ConsumeOptions::new()
                .max_messages(20)
                .expires(Duration::from_secs(2)),
        )
        .unwrap();
    let mut seen = BTreeSet::new();
    while seen.len() < 50 {
        let m = msgs.msg("messages before the restart");
        m.double_ack().unwrap();
        assert!(seen.insert(m.index()), "duplicate {}", m.index());
    }
    js.flush();
    restart(&server);
    // Publish after JetStream is back (retrying while it recovers).
    publish_n(&retrying(&js), "rs", 50, 50);
    while seen.len() < 100 {
        match msgs
            .item_within(Duration::from_secs(30), "messages after the restart")
            .expect("an item")
        {
            Ok(m) => {
                m.ack().unwrap();
                assert!(seen.insert(m.index()), "duplicate {}", m.index());
            }
            Err(e) => assert!(e.is_transient(), "{e:?}"),
        }
    }
    assert_eq!(seen, (0..100).collect());
}

pub fn push_consumer_with_flow_control_and_heartbeats<J: SuiteJs>() {
    let server = server();
    let js: J = jetstream(&server);
    js.create_stream(
        StreamConfig::new("PUSH")
            .subjects(["push"])
            .storage(StorageType::Memory),
    )
    .unwrap();
    // Enough data for flow control requests (the server asks every few MB).
    let payload = bytes::Bytes::from(vec![b'p'; 32 * 1024]);
    const N: usize = 300;
    for _ in 0..N {
        drop(js.publish_async("push", payload.clone()).unwrap());
    }
    js.publish_async_complete().unwrap();
    let c = js
        .create_consumer(
            "PUSH",
            ConsumerConfig {
                durable_name: Some("P".into()),
                deliver_subject: Some(js.new_inbox()),
                flow_control: true,
                idle_heartbeat: Duration::from_millis(300),
                ack_policy: AckPolicy::Explicit,
                ..Default::default()
            },
        )
        .unwrap();
    let mut msgs = c.push_messages().unwrap();
    for _ in 0..N {
        let m = msgs.item_within(Duration::from_secs(30), "pushed messages");
        let m = m.expect("an item").unwrap();
        assert_eq!(m.payload().len(), payload.len());
        m.ack().unwrap();
    }
    assert!(
        msgs.flow_control_replies() > 0,
        "no flow control request came"
    );
    // Idle: heartbeats only, nothing yielded.
    let idle = msgs.next_within(Duration::from_millis(1000));
    assert!(idle.is_none(), "{idle:?}");
    let mut c = c;
    let info = c.info().unwrap();
    assert_eq!(info.num_pending, 0);
    assert_eq!(info.delivered.stream_sequence, N as u64);
    // Stopping ends the messages.
    msgs.stop();
    assert!(msgs.item("the end after stop").is_none());
}

pub fn push_consumer_without_acks<J: SuiteJs>() {
    let server = server();
    let js: J = jetstream(&server);
    js.create_stream(StreamConfig::new("I").subjects(["i"]))
        .unwrap();
    publish_n(&js, "i", 0, 100);
    let c = js
        .create_consumer(
            "I",
            ConsumerConfig {
                durable_name: Some("PUSH".into()),
                deliver_subject: Some(js.new_inbox()),
                ack_policy: AckPolicy::None,
                ..Default::default()
            },
        )
        .unwrap();
    let mut msgs = c.push_messages().unwrap();
    for i in 0..100 {
        assert_eq!(msgs.msg("a pushed message").index(), i);
    }
    js.publish("i", "100").unwrap();
    assert_eq!(msgs.msg("a new message").index(), 100);
}

pub fn queue_push_consumer_shares_the_messages<J: SuiteJs>() {
    let server = server();
    let js: J = jetstream(&server);
    js.create_stream(StreamConfig::new("Q").subjects(["q"]))
        .unwrap();
    let c = js
        .create_consumer(
            "Q",
            ConsumerConfig {
                durable_name: Some("QC".into()),
                deliver_subject: Some(js.new_inbox()),
                deliver_group: Some("workers".into()),
                ack_policy: AckPolicy::Explicit,
                ..Default::default()
            },
        )
        .unwrap();
    let mut members = [c.push_messages().unwrap(), c.push_messages().unwrap()];
    js.flush();
    const N: usize = 200;
    publish_n(&js, "q", 0, N);
    let mut seen = BTreeSet::new();
    let mut from = [0, 0];
    let deadline = Instant::now() + WAIT;
    while seen.len() < N {
        assert!(Instant::now() < deadline, "stalled at {}", seen.len());
        // Whatever each member has, waiting briefly on each in turn.
        for (member, count) in members.iter_mut().zip(from.iter_mut()) {
            while let Some(item) = member.next_within(Duration::from_millis(20)) {
                let m = item.expect("the messages go on").unwrap();
                m.ack().unwrap();
                assert!(seen.insert(m.index()), "duplicate {}", m.index());
                *count += 1;
            }
        }
    }
    assert!(from[0] > 0 && from[1] > 0, "{from:?}");
}

pub fn ordered_consumer_survives_deletes_and_restarts<J: SuiteJs>() {
    let server = Arc::new(server());
    let js: J = jetstream(&server);
    js.create_stream(StreamConfig::new("O").subjects(["o.>"]))
        .unwrap();
    for i in 0..100 {
        js.publish(&format!("o.{}", i % 2), i.to_string()).unwrap();
    }
    // A small buffer, so pull requests are waiting when the consumer goes.
    let mut msgs = js
        .ordered(
            "O",
            OrderedOptions::default(),
            Some(
                ConsumeOptions::new()
                    .max_messages(10)
                    .expires(Duration::from_secs(5)),
            ),
        )
        .unwrap();
    let mut expect = 0usize;
    let mut next = |msgs: &mut J::Messages, what: &str| {
        let m = msgs
            .item_within(Duration::from_secs(30), what)
            .expect("an item")
            .unwrap();
        assert_eq!(m.index(), expect, "out of order or missing");
        expect += 1;
    };
    for _ in 0..30 {
        next(&mut msgs, "ordered");
    }
    // The consumer is deleted under it: a new one starts after message 29.
    let name = msgs.consumer_name().expect("a consumer");
    js.delete_consumer("O", &name).unwrap();
    for _ in 30..60 {
        next(&mut msgs, "ordered after a delete");
    }
    assert!(msgs.consumers_created() >= 2);
    // The server restarts (the memory consumer is gone with it).
    js.flush();
    restart(&server);
    for _ in 60..100 {
        next(&mut msgs, "ordered after a restart");
    }
    let retry = retrying(&js);
    for i in 100..120 {
        retry.publish("o.1", i.to_string()).unwrap();
    }
    for _ in 100..120 {
        next(&mut msgs, "new messages");
    }
    assert_eq!(msgs.last_stream_sequence(), 120);
}

pub fn ordered_consumer_with_filters_and_start<J: SuiteJs>() {
    let server = server();
    let js: J = jetstream(&server);
    js.create_stream(StreamConfig::new("OF").subjects(["of.>"]))
        .unwrap();
    for i in 0..30 {
        js.publish(&format!("of.{}", i % 3), i.to_string()).unwrap();
    }
    let stream = js.get_stream("OF").unwrap();
    let mut msgs = stream
        .ordered(
            OrderedOptions {
                filter_subjects: vec!["of.0".into(), "of.2".into()],
                deliver_policy: DeliverPolicy::ByStartSequence,
                opt_start_seq: Some(10),
                ..Default::default()
            },
            None,
        )
        .unwrap();
    let got: Vec<usize> = (0..14).map(|_| msgs.msg("filtered").index()).collect();
    let want: Vec<usize> = (9..30).filter(|i| i % 3 != 1).collect();
    assert_eq!(got, want);
}

pub fn stopping_a_consume_ends_it_after_the_buffer<J: SuiteJs>() {
    let server = server();
    let js: J = jetstream(&server);
    js.create_stream(StreamConfig::new("ST").subjects(["st"]))
        .unwrap();
    publish_n(&js, "st", 0, 20);
    let mut c = js
        .create_consumer("ST", ConsumerConfig::durable_pull("C"))
        .unwrap();
    let mut msgs = c.messages(ConsumeOptions::new().max_messages(5)).unwrap();
    assert_eq!(msgs.msg("a message").index(), 0);
    msgs.stop();
    let rest = msgs.rest("the end of the messages");
    // Only what was requested before stopping (at most the buffer).
    assert!(rest.len() <= 5, "{}", rest.len());
    assert!(c.info().unwrap().num_pending >= 14);
}

/// Pulls on `sub` (a subscription to the consumer's `CONSUMER.MSG.NEXT`
/// subject) within `window`.
fn count_pulls<S: SuiteSub>(sub: &mut S, window: Duration) -> usize {
    let end = Instant::now() + window;
    let mut n = 0;
    loop {
        let left = end.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return n;
        }
        if sub.next_within(left).is_some() {
            n += 1;
        }
    }
}

pub fn pinned_pulls_present_the_pin_id_until_refused<J: SuiteJs>() {
    let server = server();
    let js: J = jetstream(&server);
    js.create_stream(StreamConfig::new("P").subjects(["p"]))
        .unwrap();
    let mut config = ConsumerConfig::durable_pull("C");
    config.priority_groups = vec!["g".into()];
    config.priority_policy = PriorityPolicy::PinnedClient;
    config.pinned_ttl = Duration::from_secs(2);
    let c = js.create_consumer("P", config).unwrap();
    publish_n(&js, "p", 0, 4);
    let group = PriorityOptions {
        group: "g".into(),
        ..Default::default()
    };
    let fetch = || {
        FetchOptions::new(1)
            .expires(Duration::from_secs(3))
            .priority(group.clone())
    };
    // The first pull gets the pin.
    let m = c.fetch(fetch()).unwrap().msg("the first message");
    m.ack().unwrap();
    assert_eq!(m.index(), 0);
    let pin = m.header("Nats-Pin-Id").expect("a pin id").to_string();
    assert_eq!(c.pin_id().as_deref(), Some(pin.as_str()));
    // Every later pull of the handle and its clones presents it: without
    // it the server would hold them back for the pinned client.
    let m = c.fetch(fetch()).unwrap().msg("a second fetch");
    m.ack().unwrap();
    assert_eq!(m.index(), 1);
    let clone = c.clone();
    let m = clone
        .next_with(fetch())
        .unwrap()
        .expect("next with the priority group");
    m.ack().unwrap();
    assert_eq!(m.index(), 2);
    assert_eq!(m.header("Nats-Pin-Id"), Some(pin.as_str()));
    let mut messages = c
        .messages(
            ConsumeOptions::new()
                .max_messages(1)
                .expires(Duration::from_secs(2))
                .priority(group.clone()),
        )
        .unwrap();
    let m = messages.msg("a consumed message");
    m.ack().unwrap();
    assert_eq!(m.index(), 3);
    messages.stop();
    while let Some(Some(_)) = messages.next_within(WAIT) {}
    // Another handle with a wrong pin id is refused (423) and forgets it.
    let other = js.get_consumer("P", "C").unwrap();
    let mut f = other.fetch(fetch().pin_id("not-the-pin")).unwrap();
    assert!(matches!(
        f.item("a refusal"),
        Some(Err(Error::PinIdMismatch))
    ));
    assert_eq!(other.pin_id(), None);
    // Nobody pulls: the pin runs out, and a pull with the old id is
    // answered 423, which clears it; the pull after that gets a new pin.
    eventually("the pin to run out", WAIT, || {
        js.consumer_info("P", "C").unwrap().priority_groups[0]
            .pinned_client_id
            .is_none()
    });
    publish_n(&js, "p", 4, 1);
    let mut f = c.fetch(fetch()).unwrap();
    assert!(matches!(
        f.item("a refusal"),
        Some(Err(Error::PinIdMismatch))
    ));
    assert_eq!(c.pin_id(), None);
    let m = c
        .next_with(fetch())
        .unwrap()
        .expect("a message with a new pin");
    assert_eq!(m.index(), 4);
    let new_pin = m.header("Nats-Pin-Id").expect("a new pin id").to_string();
    assert_ne!(new_pin, pin);
    assert_eq!(c.pin_id(), Some(new_pin));
}

pub fn fetch_heartbeat_must_be_under_half_the_expiry<J: SuiteJs>() {
    let server = server();
    let js: J = jetstream(&server);
    js.create_stream(StreamConfig::new("H").subjects(["h"]))
        .unwrap();
    let c = js
        .create_consumer("H", ConsumerConfig::durable_pull("C"))
        .unwrap();
    let half = FetchOptions::new(1)
        .expires(Duration::from_secs(2))
        .heartbeat(Duration::from_secs(1));
    let refused = Error::InvalidHeartbeat {
        heartbeat: Duration::from_secs(1),
        expires: Duration::from_secs(2),
    };
    assert_eq!(c.fetch(half.clone()).err(), Some(refused.clone()));
    assert_eq!(c.next_with(half).err(), Some(refused));
    // Just under half is fine.
    let mut f = c
        .fetch(
            FetchOptions::new(1)
                .expires(Duration::from_secs(2))
                .heartbeat(Duration::from_millis(900)),
        )
        .unwrap();
    assert!(f.item("the fetch to expire").is_none());
}

pub fn consume_backs_off_from_a_message_larger_than_max_bytes<J: SuiteJs>() {
    let server = server();
    let js: J = jetstream(&server);
    let stream = js
        .create_stream(StreamConfig::new("B").subjects(["b"]))
        .unwrap();
    let c = js
        .create_consumer("B", ConsumerConfig::durable_pull("C"))
        .unwrap();
    js.publish("b", vec![b'x'; 2000]).unwrap();
    let mut pulls = js.subscribe(&format!("{}.CONSUMER.MSG.NEXT.B.C", js.prefix()));
    js.flush();
    let mut messages = c
        .messages(
            ConsumeOptions::new()
                .max_bytes(1000)
                .expires(Duration::from_secs(4)),
        )
        .unwrap();
    // Reported once, as a warning.
    assert!(matches!(
        messages.item("the warning"),
        Some(Err(Error::MessageExceedsMaxBytes { max_bytes: 1000 }))
    ));
    // Pulling slows down: at once, then 50 ms, 100 ms, ... up to the
    // heartbeat (2 s), instead of thousands of pulls a second.
    let n = count_pulls(&mut pulls, Duration::from_secs(3));
    assert!(n <= 12, "{n} pulls in 3 s");
    assert!(messages.next_within(Duration::from_millis(100)).is_none());
    // Once the large message is gone, the next one comes.
    stream.delete_message(1).unwrap();
    js.publish("b", "small").unwrap();
    let m = messages.msg("the next message");
    assert_eq!(m.payload(), b"small".as_slice());
}

pub fn consume_pulls_again_at_once_after_a_refused_pull<J: SuiteJs>() {
    let server = server();
    let js: J = jetstream(&server);
    js.create_stream(StreamConfig::new("R").subjects(["r"]))
        .unwrap();
    let mut config = ConsumerConfig::durable_pull("C");
    config.max_batch = 5;
    let c = js.create_consumer("R", config.clone()).unwrap();
    publish_n(&js, "r", 0, 3);
    // The default heartbeat (15 s) would pace retries at 30 s.
    let mut messages = c.messages(ConsumeOptions::new().max_messages(10)).unwrap();
    assert!(matches!(
        messages.item("the refusal"),
        Some(Err(Error::LimitExceeded(_)))
    ));
    config.max_batch = 0;
    js.update_consumer("R", config).unwrap();
    let start = Instant::now();
    let first = loop {
        match messages.item_within(Duration::from_secs(5), "a message after the update") {
            Some(Ok(m)) => break m,
            Some(Err(Error::LimitExceeded(_))) => continue,
            other => panic!("{other:?}"),
        }
    };
    assert_eq!(first.index(), 0);
    assert!(start.elapsed() < Duration::from_secs(5));
}
