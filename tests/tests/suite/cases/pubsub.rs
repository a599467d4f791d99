//! Publishing and subscribing: payloads, reply subjects, headers, queue
//! groups, flush, unsubscribe, auto-unsubscribe, subscription drain, JSON.

use crate::support::*;
use natrs_client::{Error, HeaderMap, SubscriptionEnd};
use natrs_tests::ServerConfig;
use std::time::Duration;

pub fn publish_and_subscribe<C: SuiteClient>() {
    let server = server();
    let client: C = connect(&server.url());
    let mut exact = client.subscribe("greet.joe").unwrap();
    let mut star = client.subscribe("greet.*").unwrap();
    let mut all = client.subscribe(">").unwrap();
    assert_eq!(star.subject(), "greet.*");
    assert_ne!(exact.sid(), star.sid());
    client.publish("greet.joe", b("hello")).unwrap();
    client.publish("greet.ann", b("hi")).unwrap();
    client.publish("other", Bytes::new()).unwrap();
    client.flush().unwrap();
    let m = &take(&mut exact, 1)[0];
    assert_eq!(m.subject.as_str(), "greet.joe");
    assert_eq!(m.payload, "hello");
    assert_eq!(m.reply, None);
    assert_eq!(m.headers, None);
    assert_eq!(payloads(&take(&mut star, 2)), ["hello", "hi"]);
    assert_eq!(payloads(&take(&mut all, 3)), ["hello", "hi", ""]);
    assert!(exact.try_next().is_none());
    assert_eq!((exact.delivered(), exact.dropped()), (1, 0));
}

pub fn messages_keep_their_order<C: SuiteClient>() {
    let server = server();
    let publisher: C = connect(&server.url());
    let subscriber: C = connect(&server.url());
    let mut sub = subscriber.subscribe("seq").unwrap();
    subscriber.flush().unwrap();
    for i in 0..5000u32 {
        publisher
            .publish("seq", Bytes::copy_from_slice(&i.to_be_bytes()))
            .unwrap();
    }
    publisher.flush().unwrap();
    for (i, m) in take(&mut sub, 5000).iter().enumerate() {
        assert_eq!(m.payload.as_ref(), (i as u32).to_be_bytes(), "message {i}");
    }
}

/// The tail of a burst of small publishes leaves without a flush: on a
/// runtime whose publishers write their bursts themselves, the driver writes
/// what they left once its short deferral ends.
pub fn a_burst_leaves_without_a_flush<C: SuiteClient>() {
    let server = server();
    let publisher: C = connect(&server.url());
    let subscriber: C = connect(&server.url());
    let mut sub = subscriber.subscribe("burst").unwrap();
    subscriber.flush().unwrap();
    for i in 0..100u32 {
        publisher.publish("burst", b(&i.to_string())).unwrap();
    }
    let got = take(&mut sub, 100);
    assert_eq!(got.last().map(|m| m.payload.clone()), Some(b("99")));
}

pub fn large_payloads_round_trip<C: SuiteClient>() {
    let server = server();
    let client: C = connect(&server.url());
    let mut sub = client.subscribe("big").unwrap();
    let payload: Vec<u8> = (0..client.max_payload().unwrap())
        .map(|i| (i % 251) as u8)
        .collect();
    client.publish("big", Bytes::from(payload.clone())).unwrap();
    let got = take(&mut sub, 1).remove(0);
    assert_eq!(got.payload.len(), payload.len());
    assert!(got.payload == payload);
}

/// Large messages arrive intact while the application holds some and drops
/// others: each is read into room reserved for it, which a later message
/// reuses once the messages sharing it were dropped. First a burst, read
/// ahead of the application; then one message at a time, each held until
/// the next came (so the next finds its buffer shared and the one before
/// free), and every fifth kept to the end.
pub fn large_messages_arrive_intact_while_some_are_held<C: SuiteClient>() {
    const COUNT: usize = 48;
    let server = server();
    let publisher: C = connect(&server.url());
    let client: C = connect(&server.url());
    let mut sub = client.subscribe("big.stream").unwrap();
    barrier(&[&client]);
    let payload = |i: usize| -> Bytes {
        let len = 70_000 + (i * 37_123) % 200_000;
        (0..len).map(|j| ((i * 7 + j) % 251) as u8).collect()
    };
    for i in 0..COUNT {
        publisher.publish("big.stream", payload(i)).unwrap();
    }
    publisher.flush().unwrap();
    let mut kept = Vec::new();
    for i in 0..COUNT {
        let m = take(&mut sub, 1).remove(0);
        assert!(m.payload == payload(i), "burst message {i} differs");
        if i % 3 == 0 {
            kept.push((i, m));
        }
    }
    let mut previous = None;
    for i in COUNT..2 * COUNT {
        publisher.publish("big.stream", payload(i)).unwrap();
        publisher.flush().unwrap();
        let m = take(&mut sub, 1).remove(0);
        assert!(m.payload == payload(i), "message {i} differs");
        if i % 5 == 0 {
            kept.push((i, m.clone()));
        }
        previous = Some(m);
    }
    drop(previous);
    for (i, m) in kept {
        assert!(m.payload == payload(i), "kept message {i} changed");
    }
}

/// Every payload form publishes the same bytes, in order: owned and
/// borrowed, short (copied into the write buffer) and long (a `Bytes` handle
/// queued without a copy, a borrowed slice copied).
pub fn every_payload_form_round_trips<C: SuiteClient>() {
    let server = server();
    let client: C = connect(&server.url());
    let mut sub = client.subscribe("forms").unwrap();
    client.flush().unwrap();
    let short = Bytes::from_static(b"short");
    let long = Bytes::from((0..4096).map(|i| (i % 251) as u8).collect::<Vec<u8>>());
    let text = String::from("text");
    client.publish("forms", &short).unwrap();
    client.publish("forms", &long).unwrap();
    client.publish("forms", &long[..]).unwrap();
    client.publish("forms", b"array").unwrap();
    client.publish("forms", "str").unwrap();
    client.publish("forms", &text).unwrap();
    client.publish("forms", text.clone()).unwrap();
    client.publish("forms", long.clone()).unwrap();
    client.flush().unwrap();
    let expected: [&[u8]; 8] = [
        b"short", &long, &long, b"array", b"str", b"text", b"text", &long,
    ];
    let got = take(&mut sub, expected.len());
    for (i, (m, want)) in got.iter().zip(expected).enumerate() {
        assert_eq!(m.payload.as_ref(), want, "message {i}");
    }
}

pub fn publish_with_reply_carries_the_reply_subject<C: SuiteClient>() {
    let server = server();
    let client: C = connect(&server.url());
    let mut sub = client.subscribe("ask").unwrap();
    client
        .publish_with_reply("ask", "answer.here", b("q"))
        .unwrap();
    let m = take(&mut sub, 1).remove(0);
    assert_eq!(m.reply.as_ref().map(|r| r.as_str()), Some("answer.here"));
    assert_eq!(m.payload, "q");
}

pub fn headers_round_trip<C: SuiteClient>() {
    let server = server();
    let client: C = connect(&server.url());
    let mut sub = client.subscribe("h.>").unwrap();
    let mut headers = HeaderMap::new();
    headers.insert("X-Trace", "abc-123");
    headers.append("X-Multi", "one");
    headers.append("X-Multi", "two");
    client
        .publish_with_headers("h.one", headers.clone(), b("body"))
        .unwrap();
    client
        .publish_with_reply_and_headers("h.two", "back", headers, Bytes::new())
        .unwrap();
    // Headers and no payload are still a message.
    let msgs = take(&mut sub, 2);
    for m in &msgs {
        assert_eq!(m.header("X-Trace"), Some("abc-123"));
        let h = m.headers.as_ref().unwrap();
        assert_eq!(h.get_all("X-Multi").collect::<Vec<_>>(), ["one", "two"]);
        assert_eq!(m.status(), None);
    }
    assert_eq!(msgs[0].payload, "body");
    assert_eq!(msgs[1].payload, "");
    assert_eq!(msgs[1].reply.as_ref().map(|r| r.as_str()), Some("back"));
}

pub fn invalid_input_is_refused_locally<C: SuiteClient>() {
    let server = server();
    let client: C = connect(&server.url());
    for subject in ["", "a b", "a..b", "a.*", "a.>", ".a"] {
        assert!(
            matches!(
                client.publish(subject, b("x")),
                Err(Error::InvalidSubject { .. })
            ),
            "publish to {subject:?}"
        );
    }
    assert!(matches!(
        client.publish_with_reply("ok", "bad reply", b("x")),
        Err(Error::InvalidSubject { .. })
    ));
    for subject in ["", "a b", "a..b", "a.>.b"] {
        assert!(
            matches!(client.subscribe(subject), Err(Error::InvalidSubject { .. })),
            "subscribe to {subject:?}"
        );
    }
    assert!(matches!(
        client.queue_subscribe("ok", "bad queue"),
        Err(Error::InvalidQueueGroup { .. })
    ));
    let mut headers = HeaderMap::new();
    headers.insert("Bad Name", "v");
    assert!(matches!(
        client.publish_with_headers("ok", headers, b("x")),
        Err(Error::InvalidHeader(_))
    ));
    // None of that touched the connection.
    let mut sub = client.subscribe("ok").unwrap();
    client.publish("ok", b("fine")).unwrap();
    assert_eq!(payloads(&take(&mut sub, 1)), ["fine"]);
    assert_eq!(client.statistics().out_msgs, 1);
}

pub fn queue_groups_share_the_messages<C: SuiteClient>() {
    let server = server();
    let a: C = connect(&server.url());
    let b_client: C = connect(&server.url());
    let publisher: C = connect(&server.url());
    let mut members = vec![
        a.queue_subscribe("jobs.*", "workers").unwrap(),
        a.queue_subscribe("jobs.*", "workers").unwrap(),
        b_client.queue_subscribe("jobs.*", "workers").unwrap(),
    ];
    let mut other_group = b_client.queue_subscribe("jobs.*", "auditors").unwrap();
    let mut plain = b_client.subscribe("jobs.*").unwrap();
    barrier(&[&a, &b_client]);
    let n = 300;
    for i in 0..n {
        publisher.publish("jobs.x", b(&i.to_string())).unwrap();
    }
    barrier(&[&publisher, &a, &b_client]);
    let mut seen = Vec::new();
    let mut per_member = Vec::new();
    for m in &mut members {
        let mut count = 0;
        while let Some(msg) = m.try_next() {
            seen.push(
                String::from_utf8_lossy(&msg.payload)
                    .parse::<u32>()
                    .unwrap(),
            );
            count += 1;
        }
        per_member.push(count);
    }
    seen.sort_unstable();
    assert_eq!(seen, (0..n).collect::<Vec<_>>(), "each message once");
    assert!(
        per_member.iter().all(|&c| c > 0),
        "every member got some: {per_member:?}"
    );
    assert_eq!(take(&mut other_group, n as usize).len(), n as usize);
    assert_eq!(take(&mut plain, n as usize).len(), n as usize);
}

/// A flush whose timeout is too long for the clock (`Duration::MAX`) waits
/// for the server without limit instead of failing to compute its deadline.
pub fn flush_with_a_timeout_too_long_for_the_clock_completes<C: SuiteClient>() {
    let server = server();
    let client: C = connect(&server.url());
    client.publish("f", b("x")).unwrap();
    assert_eq!(client.flush_timeout(Duration::MAX), Ok(()));
}

/// After `flush` returns, the server has processed every earlier publish: a
/// subscriber that flushes next has them all queued.
pub fn flush_means_the_server_processed_everything<C: SuiteClient>() {
    let server = server();
    let publisher: C = connect(&server.url());
    let subscriber: C = connect(&server.url());
    let mut sub = subscriber.subscribe("f").unwrap();
    subscriber.flush().unwrap();
    for _ in 0..1000 {
        publisher.publish("f", b("0123456789")).unwrap();
    }
    publisher.flush().unwrap();
    subscriber.flush().unwrap();
    assert_eq!(sub.pending(), (1000, 10_000));
    assert_eq!(sub.delivered(), 1000);
    take(&mut sub, 1000);
    assert_eq!(sub.pending(), (0, 0));
}

pub fn unsubscribe_stops_delivery<C: SuiteClient>() {
    let server = server();
    let client: C = connect(&server.url());
    let mut sub = client.subscribe("u").unwrap();
    client.publish("u", b("before")).unwrap();
    client.flush().unwrap();
    sub.unsubscribe().unwrap();
    client.publish("u", b("after")).unwrap();
    client.flush().unwrap();
    // Already delivered messages can still be read; then the stream ends.
    assert_eq!(payloads(&take(&mut sub, 1)), ["before"]);
    assert!(sub.next_timeout(WAIT).is_none());
    assert!(sub.is_finished());
    assert_eq!(sub.end_reason(), Some(SubscriptionEnd::Unsubscribed));
    // Unsubscribing again is harmless.
    sub.unsubscribe().unwrap();
}

pub fn unsubscribe_after_counts_messages<C: SuiteClient>() {
    let server = server();
    let client: C = connect(&server.url());
    let mut sub = client.subscribe("n").unwrap();
    sub.unsubscribe_after(3).unwrap();
    for i in 0..10 {
        client.publish("n", b(&i.to_string())).unwrap();
    }
    client.flush().unwrap();
    assert_eq!(payloads(&take(&mut sub, 3)), ["0", "1", "2"]);
    assert!(sub.next_timeout(WAIT).is_none());
    assert_eq!(sub.end_reason(), Some(SubscriptionEnd::MaxMessages));

    // A limit at or below what was already delivered ends it at once.
    let mut sub = client.subscribe("m").unwrap();
    client.publish("m", b("a")).unwrap();
    client.publish("m", b("b")).unwrap();
    client.flush().unwrap();
    sub.unsubscribe_after(2).unwrap();
    client.publish("m", b("c")).unwrap();
    client.flush().unwrap();
    assert_eq!(payloads(&take(&mut sub, 2)), ["a", "b"]);
    assert!(sub.next_timeout(WAIT).is_none());
    assert!(sub.end_reason().is_some());
}

/// Draining a subscription delivers what the server already sent it, then ends.
pub fn subscription_drain_delivers_what_was_sent<C: SuiteClient>() {
    let server = server();
    let publisher: C = connect(&server.url());
    let subscriber: C = connect(&server.url());
    let mut sub = subscriber.subscribe("d").unwrap();
    let mut other = subscriber.subscribe("d").unwrap();
    subscriber.flush().unwrap();
    for i in 0..500 {
        publisher.publish("d", b(&i.to_string())).unwrap();
    }
    publisher.flush().unwrap();
    sub.drain().unwrap();
    assert_eq!(take(&mut sub, 500).len(), 500);
    assert!(sub.next_timeout(WAIT).is_none());
    assert_eq!(sub.end_reason(), Some(SubscriptionEnd::Drained));
    // The connection and the other subscription go on.
    publisher.publish("d", b("more")).unwrap();
    barrier(&[&publisher, &subscriber]);
    assert_eq!(take(&mut other, 501).len(), 501);
    assert!(sub.try_next().is_none());
}

pub fn dropping_a_subscriber_unsubscribes<C: SuiteClient>() {
    let server = start(ServerConfig::new().jetstream(false).monitoring(true));
    let client: C = connect_with(
        &server.url(),
        natrs_client::ConnectOptions::new().name("dropper"),
    );
    let subs_on_server = || {
        let conns = connz(&server);
        let me = conns.iter().find(|c| c["name"] == "dropper").cloned();
        me.map_or(0, |c| c["subscriptions"].as_u64().unwrap_or(0))
    };
    let keep = client.subscribe("keep").unwrap();
    let dropped = client.subscribe("gone").unwrap();
    client.flush().unwrap();
    assert_eq!(subs_on_server(), 2);
    drop(dropped);
    client.flush().unwrap();
    assert_eq!(subs_on_server(), 1);
    drop(keep);
}

pub fn statistics_count_messages_and_bytes<C: SuiteClient>() {
    let server = server();
    let client: C = connect(&server.url());
    let mut sub = client.subscribe("s").unwrap();
    for _ in 0..3 {
        client.publish("s", b("12345")).unwrap();
    }
    let mut headers = HeaderMap::new();
    headers.insert("A", "b");
    client
        .publish_with_headers("s", headers.clone(), b("xy"))
        .unwrap();
    client.flush().unwrap();
    take(&mut sub, 4);
    let stats = client.statistics();
    let header_len = "NATS/1.0\r\nA: b\r\n\r\n".len() as u64;
    assert_eq!(stats.out_msgs, 4);
    assert_eq!(stats.in_msgs, 4);
    assert_eq!(stats.out_bytes, 15 + 2 + header_len);
    assert_eq!(stats.in_bytes, 15 + 2 + header_len);
}

#[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
struct Order {
    id: u32,
    item: String,
    tags: Vec<String>,
}

pub fn publish_json_round_trips<C: SuiteClient>() {
    let server = server();
    let client: C = connect(&server.url());
    let mut sub = client.subscribe("orders").unwrap();
    let order = Order {
        id: 7,
        item: "tea".into(),
        tags: vec!["hot".into()],
    };
    client.publish_json("orders", &order).unwrap();
    let m = take(&mut sub, 1).remove(0);
    let back: Order = serde_json::from_slice(&m.payload).unwrap();
    assert_eq!(back, order);
}

/// Publishing faster than the socket drains: publishes wait for room past
/// the write buffer's high-water mark instead of growing it without bound,
/// and everything arrives.
pub fn publishing_past_the_write_buffer_limit<C: SuiteClient>() {
    let server = server();
    let subscriber: C = connect(&server.url());
    let mut sub = subscriber.subscribe("bulk").unwrap();
    sub.set_pending_limits(10_000, 64 * 1024 * 1024);
    subscriber.flush().unwrap();
    let publisher: C = connect(&server.url());
    let chunk = Bytes::from(vec![7u8; 16 * 1024]);
    // 32 MiB in all: four times the 8 MiB high-water mark.
    for _ in 0..2048 {
        publisher.publish("bulk", chunk.clone()).unwrap();
    }
    publisher.flush().unwrap();
    let got = take(&mut sub, 2048);
    assert!(got.iter().all(|m| m.payload == chunk));
    assert_eq!(sub.dropped(), 0);
}

/// A burst of short messages faster than the server reads them: an async
/// publish waits once 1 MiB of copied bytes is buffered (a blocking one at
/// 8 MiB), and every message arrives, in order.
pub fn publishing_short_messages_past_the_copied_limit<C: SuiteClient>() {
    const N: usize = 80_000;
    // Tracing every operation to its log (payloads cut to 8 bytes) makes
    // the server read slower than even a debug build publishes: the two
    // async clients' publishes waited at the copied mark 4 times in all in
    // each of three runs (counted with a temporary print).
    let server = start(
        ServerConfig::new()
            .jetstream(false)
            .arg("-V")
            .config("max_traced_msg_len: 8"),
    );
    let subscriber: C = connect(&server.url());
    let mut sub = subscriber.subscribe("short").unwrap();
    sub.set_pending_limits(2 * N, 64 * 1024 * 1024);
    subscriber.flush().unwrap();
    let publisher: C = connect(&server.url());
    // About 9 MiB in all, copied into the write buffer (100-byte payloads).
    let payloads: Vec<Bytes> = (0..N).map(|i| Bytes::from(format!("{i:0100}"))).collect();
    publisher.publish_all("short", &payloads).unwrap();
    publisher.flush().unwrap();
    let got = take(&mut sub, N);
    for (i, (m, sent)) in got.iter().zip(&payloads).enumerate() {
        assert_eq!(&m.payload, sent, "message {i}");
    }
    assert_eq!(sub.dropped(), 0);
}

/// A server whose INFO lacks `headers` gets no headers: refused locally.
pub fn headers_refused_when_the_server_lacks_them<C: SuiteClient>() {
    let mut info = natrs_tests::Script::default_info();
    info["headers"] = serde_json::json!(false);
    let fake = natrs_tests::FakeServer::start(vec![
        natrs_tests::Script::new().handshake(&info).hold_open(),
    ])
    .unwrap();
    let client: C = connect(&fake.url());
    let mut headers = HeaderMap::new();
    headers.insert("A", "b");
    assert_eq!(
        client.publish_with_headers("x", headers, b("y")),
        Err(Error::HeadersNotSupported)
    );
    let report = fake.snapshot(0).unwrap();
    let connect = report
        .received
        .iter()
        .find(|l| l.starts_with("CONNECT "))
        .unwrap();
    assert!(connect.contains(r#""headers":false"#), "{connect}");
}
