//! Connection events, through the stream and the callback: connect,
//! disconnect with its reason, reconnect, slow consumers, server errors such
//! as permission violations, close.

use crate::support::*;
use natrs_client::{
    ClientEvent, CloseReason, ConnectOptions, DisconnectReason, HeaderMap, PermissionOp,
    ServerError, SubscriptionEnd,
};
use natrs_tests::ServerConfig;
use std::time::Duration;

pub fn stream_and_callback_see_the_same_events<C: SuiteClient>() {
    let server = server();
    let log = EventLog::new();
    let client: C = connect_with(&server.url(), log.attach(fast_reconnect()));
    let mut events = client.events();
    server.kill().unwrap();
    let lost = events.expect("Disconnected", WAIT, |e| {
        matches!(e, ClientEvent::Disconnected { .. })
    });
    let ClientEvent::Disconnected { reason } = &lost else {
        unreachable!()
    };
    assert!(
        matches!(reason, DisconnectReason::Transport(_)),
        "{reason:?}"
    );
    server.restart().unwrap();
    let back = events.expect("Reconnected", WAIT, |e| {
        matches!(e, ClientEvent::Reconnected { .. })
    });
    let ClientEvent::Reconnected { server: at } = &back else {
        unreachable!()
    };
    assert_eq!(at.port(), server.port());
    client.close();
    let closed = events.expect("Closed", WAIT, |e| matches!(e, ClientEvent::Closed { .. }));
    assert_eq!(
        closed,
        ClientEvent::Closed {
            reason: CloseReason::Closed
        }
    );
    // The stream ends after Closed.
    assert_eq!(events.next_timeout(WAIT), None);
    // The callback saw the same, after the first Connected. (It runs right
    // after the streams got the event, so wait for it to see Closed too.)
    log.wait("Closed", |e| matches!(e, ClientEvent::Closed { .. }));
    let seen = log.events();
    assert!(matches!(seen[0], ClientEvent::Connected { .. }), "{seen:?}");
    assert_eq!(seen[1..], [lost, back, closed]);
    // A stream made after the close gets Closed at once, then ends.
    let mut late = client.events();
    assert!(matches!(
        late.next_timeout(WAIT),
        Some(ClientEvent::Closed { .. })
    ));
    assert_eq!(late.next_timeout(WAIT), None);
}

/// Several streams each get every event.
pub fn every_stream_gets_every_event<C: SuiteClient>() {
    let server = server();
    let client: C = connect_with(&server.url(), fast_reconnect());
    let mut one = client.events();
    let mut two = client.events();
    client.force_reconnect();
    for events in [&mut one, &mut two] {
        events.expect("Disconnected", WAIT, |e| {
            matches!(
                e,
                ClientEvent::Disconnected {
                    reason: DisconnectReason::Requested
                }
            )
        });
        events.expect("Reconnected", WAIT, |e| {
            matches!(e, ClientEvent::Reconnected { .. })
        });
    }
}

/// The fault "slow consumer": past the pending limits messages are dropped
/// and counted, one event per episode, while the connection stays healthy.
pub fn slow_consumer_reported_once_per_episode<C: SuiteClient>() {
    let server = server();
    let log = EventLog::new();
    let client: C = connect_with(
        &server.url(),
        log.attach(ConnectOptions::new().subscription_pending_limits(5, 1024 * 1024)),
    );
    let publisher: C = connect(&server.url());
    let mut sub = client.subscribe("slow").unwrap();
    let mut fine = client.subscribe("slow").unwrap();
    fine.set_pending_limits(1000, 1024 * 1024);
    client.flush().unwrap();
    let is_slow = |e: &ClientEvent| matches!(e, ClientEvent::SlowConsumer { .. });

    for i in 0..20 {
        publisher.publish("slow", b(&i.to_string())).unwrap();
    }
    barrier(&[&publisher, &client]);
    assert_eq!((sub.delivered(), sub.dropped()), (5, 15));
    assert_eq!(sub.pending().0, 5);
    // Events reach the callback right after the driver routed the messages,
    // which may be just after the flush returned.
    log.wait_count("SlowConsumer", 1, is_slow);
    assert_eq!(log.count(is_slow), 1);
    let first = log.events().into_iter().find(is_slow).unwrap();
    assert_eq!(
        first,
        ClientEvent::SlowConsumer {
            sid: sub.sid(),
            subject: "slow".into(),
            dropped: 1
        }
    );
    // The first five are intact; the other subscription lost nothing.
    assert_eq!(payloads(&take(&mut sub, 5)), ["0", "1", "2", "3", "4"]);
    assert_eq!(take(&mut fine, 20).len(), 20);

    // Caught up: the next overflow is a new episode.
    for i in 20..40 {
        publisher.publish("slow", b(&i.to_string())).unwrap();
    }
    barrier(&[&publisher, &client]);
    assert_eq!(sub.dropped(), 30);
    log.wait_count("SlowConsumer", 2, is_slow);
    assert_eq!(log.count(is_slow), 2);
    let second = log.events().into_iter().filter(is_slow).nth(1).unwrap();
    assert!(
        matches!(second, ClientEvent::SlowConsumer { dropped: 16, .. }),
        "{second:?}"
    );
    assert_eq!(payloads(&take(&mut sub, 5)), ["20", "21", "22", "23", "24"]);
    assert_eq!(take(&mut fine, 20).len(), 20);
    // Raising the limit ends the dropping.
    sub.set_pending_limits(100, 1024 * 1024);
    for i in 0..50 {
        publisher.publish("slow", b(&i.to_string())).unwrap();
    }
    barrier(&[&publisher, &client]);
    assert_eq!(sub.dropped(), 30);
    assert_eq!(take(&mut sub, 50).len(), 50);
    assert_eq!(
        log.count(|e| matches!(e, ClientEvent::Disconnected { .. })),
        0
    );
}

/// Byte limits count payload bytes.
pub fn pending_byte_limit_drops_too<C: SuiteClient>() {
    let server = server();
    let client: C = connect(&server.url());
    let sub = client.subscribe("bytes").unwrap();
    sub.set_pending_limits(1000, 100);
    for _ in 0..5 {
        client.publish("bytes", Bytes::from(vec![0u8; 40])).unwrap();
    }
    client.flush().unwrap();
    assert_eq!((sub.delivered(), sub.dropped()), (2, 3));
    assert_eq!(sub.pending(), (2, 80));
}

/// Headers count toward the byte limit: messages with large headers and no
/// payload are dropped once their headers fill it, with a slow-consumer event.
pub fn pending_byte_limit_counts_headers<C: SuiteClient>() {
    let server = server();
    let log = EventLog::new();
    let client: C = connect_with(&server.url(), log.attach(ConnectOptions::new()));
    let sub = client.subscribe("headers").unwrap();
    sub.set_pending_limits(1000, 256 * 1024);
    let mut headers = HeaderMap::new();
    headers.insert("Big", "x".repeat(100 * 1024));
    let size = headers.encoded_len();
    for _ in 0..10 {
        client
            .publish_with_headers("headers", headers.clone(), Bytes::new())
            .unwrap();
    }
    client.flush().unwrap();
    assert_eq!((sub.delivered(), sub.dropped()), (2, 8));
    assert_eq!(sub.pending(), (2, 2 * size));
    log.wait("SlowConsumer", |e| {
        matches!(e, ClientEvent::SlowConsumer { dropped: 1, .. })
    });
}

const PERMISSIONS: &str = r#"
authorization {
  users = [
    { user: limited, password: pw, permissions: {
        publish: { allow: ["allowed.>", "_INBOX.>"] },
        subscribe: { allow: ["allowed.>", "_INBOX.>"] } } }
  ]
}
"#;

/// A server with [`PERMISSIONS`], and a client of user `limited` made with
/// `options`, whose events `log` records.
fn limited<C: SuiteClient>(options: ConnectOptions) -> (natrs_tests::Server, EventLog, C) {
    let server = ServerConfig::new()
        .jetstream(false)
        .config(PERMISSIONS)
        .start()
        .unwrap();
    let log = EventLog::new();
    let client = connect_with(
        &server.url(),
        log.attach(options.user_and_password("limited", "pw")),
    );
    (server, log, client)
}

/// The fault "permission violation": reported as an event, the refused
/// subscription ends, the connection stays up.
pub fn permission_violations_are_reported_without_disconnecting<C: SuiteClient>() {
    let (_server, log, client) = limited::<C>(ConnectOptions::new());
    let mut events = client.events();
    let mut ok = client.subscribe("allowed.x").unwrap();

    client.publish("forbidden.x", b("no")).unwrap();
    let e = events.expect("publish violation", WAIT, |e| {
        matches!(e, ClientEvent::ServerError(_))
    });
    assert_eq!(
        e,
        ClientEvent::ServerError(ServerError::PermissionViolation {
            op: PermissionOp::Publish,
            subject: "forbidden.x".into(),
            queue: None
        })
    );

    let mut denied = client.subscribe("forbidden.y").unwrap();
    let e = events.expect("subscribe violation", WAIT, |e| {
        matches!(e, ClientEvent::ServerError(_))
    });
    let ClientEvent::ServerError(err) = &e else {
        unreachable!()
    };
    assert_eq!(
        err,
        &ServerError::PermissionViolation {
            op: PermissionOp::Subscribe,
            subject: "forbidden.y".into(),
            queue: None
        }
    );
    assert!(err.to_string().contains("permissions violation"), "{err}");
    assert!(denied.next_timeout(WAIT).is_none());
    assert_eq!(
        denied.end_reason(),
        Some(SubscriptionEnd::PermissionDenied(err.clone()))
    );

    let mut denied_queue = client.queue_subscribe("forbidden.z", "workers").unwrap();
    assert!(denied_queue.next_timeout(WAIT).is_none());
    assert!(
        matches!(
            denied_queue.end_reason(),
            Some(SubscriptionEnd::PermissionDenied(ServerError::PermissionViolation {
                op: PermissionOp::Subscribe,
                queue: Some(ref q),
                ..
            })) if q == "workers"
        ),
        "{:?}",
        denied_queue.end_reason()
    );

    // Still connected, and allowed subjects still work, requests included.
    client.publish("allowed.x", b("yes")).unwrap();
    assert_eq!(payloads(&take(&mut ok, 1)), ["yes"]);
    assert_eq!(
        log.count(|e| matches!(e, ClientEvent::Disconnected { .. })),
        0
    );
    assert_eq!(client.statistics().reconnects, 0);
    let svc = client.subscribe("allowed.svc").unwrap();
    serve(&client, svc, |c, m| reply(c, m, b("served")));
    client.flush().unwrap();
    let got = client
        .send_request(
            "allowed.svc",
            natrs_client::Request::new(b("?")).timeout(Duration::from_secs(5)),
        )
        .unwrap();
    assert_eq!(got.payload, "served");
}

/// A stream left unread past its backlog drops its oldest events, but not
/// the connection's changes among them: a reader (a JetStream consumer
/// pulling again after a reconnect) still learns that it reconnected.
/// The reconnect is followed by more events than the backlog holds
/// (permission violations, one per refused publish).
pub fn an_unread_stream_still_learns_of_a_reconnect<C: SuiteClient>() {
    const REFUSED: usize = 1100;
    let (_server, log, client) = limited::<C>(fast_reconnect());
    let mut unread = client.events();
    client.force_reconnect();
    log.wait("Reconnected", |e| {
        matches!(e, ClientEvent::Reconnected { .. })
    });
    for _ in 0..REFUSED {
        client.publish("forbidden.x", b("no")).unwrap();
    }
    client.flush().unwrap();
    let refused = |e: &ClientEvent| matches!(e, ClientEvent::ServerError(_));
    log.wait_count("every violation", REFUSED, refused);

    let dropped = unread.expect("EventsDropped", WAIT, |_| true);
    let ClientEvent::EventsDropped { count } = dropped else {
        panic!("{dropped:?}");
    };
    let lost = unread.expect("Disconnected", WAIT, |_| true);
    assert_eq!(
        lost,
        ClientEvent::Disconnected {
            reason: DisconnectReason::Requested
        }
    );
    let back = unread.expect("Reconnected", WAIT, |_| true);
    assert!(matches!(back, ClientEvent::Reconnected { .. }), "{back:?}");
    // The rest: the newest violations, as many as the backlog holds.
    const BACKLOG: usize = 1024;
    assert_eq!(count as usize + BACKLOG, REFUSED);
    for _ in 0..BACKLOG {
        let e = unread.next_timeout(WAIT);
        assert!(e.as_ref().is_some_and(refused), "{e:?}");
    }
}

/// `connect` returns after the event callback got `Connected` (or, when it
/// fails, `Closed`), and `close` and `drain` after it got `Closed`: the
/// callback's view is never behind the calls. (Repeated: a race would show.)
pub fn calls_return_after_the_callback_saw_their_events<C: SuiteClient>() {
    let server = server();
    let is_closed = |e: Option<&ClientEvent>| matches!(e, Some(ClientEvent::Closed { .. }));
    for drain in [false, true] {
        for _ in 0..20 {
            let log = EventLog::new();
            let client: C = connect_with(&server.url(), log.attach(ConnectOptions::new()));
            let seen = log.events();
            assert!(
                matches!(seen[..], [ClientEvent::Connected { .. }]),
                "{seen:?}"
            );
            if drain {
                client.drain().unwrap();
            } else {
                client.close();
            }
            let seen = log.events();
            assert!(is_closed(seen.last()), "{seen:?}");
        }
    }
    let dead = format!("nats://127.0.0.1:{}", dead_port());
    for _ in 0..20 {
        let log = EventLog::new();
        assert!(C::connect(&dead, log.attach(ConnectOptions::new())).is_err());
        let seen = log.events();
        assert!(is_closed(seen.last()), "{seen:?}");
    }
}
