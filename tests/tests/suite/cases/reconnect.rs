//! Reconnecting: waits, jitter, attempt limits, custom delay policies, retry
//! on the first connect, the reconnect buffer, and what survives a restart.

use crate::support::*;
use natrs_client::{
    ClientEvent, CloseReason, ConnectOptions, ConnectionState, DisconnectReason, Error, FlushError,
    SubscriptionEnd, TransportError,
};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn is_disconnected(e: &ClientEvent) -> bool {
    matches!(e, ClientEvent::Disconnected { .. })
}

fn is_reconnected(e: &ClientEvent) -> bool {
    matches!(e, ClientEvent::Reconnected { .. })
}

fn is_closed(e: &ClientEvent) -> bool {
    matches!(e, ClientEvent::Closed { .. })
}

/// With the default attempt limit a service rides out a long outage: the
/// client keeps trying past nats.go's 60 attempts (about two minutes with
/// its waits) and reconnects when the server comes back. Only the wait
/// between passes is shortened; with one server a pass is one attempt, and
/// the delay policy is told how many passes failed in a row.
pub fn default_options_reconnect_forever<C: SuiteClient>() {
    let server = server();
    let log = EventLog::new();
    let (failed_passes, passes) = std::sync::mpsc::channel();
    let client: C = connect_with(
        &server.url(),
        log.attach(
            ConnectOptions::new().reconnect_delay_callback(move |failed| {
                let _ = failed_passes.send(failed);
                Duration::from_millis(1)
            }),
        ),
    );
    server.kill().unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut failed = 0;
    while failed < 61 {
        // A client that gave up sends nothing more: stop at its Closed event.
        assert_eq!(
            log.count(is_closed),
            0,
            "after {failed}: {:?}",
            log.events()
        );
        let left = deadline.saturating_duration_since(Instant::now());
        match passes.recv_timeout(left.min(Duration::from_secs(1))) {
            Ok(n) => failed = failed.max(n),
            Err(_) if left.is_zero() => panic!("{failed} failed attempts after 60 s"),
            Err(_) => {}
        }
    }
    assert_eq!(log.count(is_closed), 0, "{:?}", log.events());
    assert!(!client.is_closed());
    server.restart().unwrap();
    log.wait("Reconnected", is_reconnected);
    assert!(!client.is_closed());
}

/// With one server and `max_reconnects(2)`, a lost connection makes two
/// passes, each followed by the wait, then closes.
pub fn reconnect_wait_spaces_the_attempts<C: SuiteClient>() {
    let server = server();
    let log = EventLog::new();
    let wait = Duration::from_millis(150);
    let client: C = connect_with(
        &server.url(),
        log.attach(
            ConnectOptions::new()
                .reconnect_wait(wait)
                .reconnect_jitter(Duration::ZERO, Duration::ZERO)
                .max_reconnects(Some(2)),
        ),
    );
    server.kill().unwrap();
    let lost = log.wait_count("Disconnected", 1, is_disconnected);
    let closed = log.wait_count("Closed", 1, is_closed);
    let took = closed - lost;
    assert!(took >= 2 * wait, "closed after {took:?}");
    assert!(
        took < 2 * wait + Duration::from_secs(1),
        "closed after {took:?}"
    );
    assert!(client.is_closed());
}

pub fn reconnect_jitter_is_bounded<C: SuiteClient>() {
    let server = server();
    let log = EventLog::new();
    let wait = Duration::from_millis(50);
    let jitter = Duration::from_millis(100);
    let _client: C = connect_with(
        &server.url(),
        log.attach(
            ConnectOptions::new()
                .reconnect_wait(wait)
                .reconnect_jitter(jitter, Duration::from_secs(30))
                .max_reconnects(Some(3)),
        ),
    );
    server.kill().unwrap();
    let lost = log.wait_count("Disconnected", 1, is_disconnected);
    let closed = log.wait_count("Closed", 1, is_closed);
    let took = closed - lost;
    // Three waits of 50 ms plus at most 100 ms each (the TLS jitter of 30 s
    // must not apply to a plain connection).
    assert!(took >= 3 * wait, "{took:?}");
    assert!(
        took < 3 * (wait + jitter) + Duration::from_secs(1),
        "{took:?}"
    );
}

pub fn custom_reconnect_delay_policy<C: SuiteClient>() {
    let server = server();
    let log = EventLog::new();
    let calls = Arc::new(Mutex::new(Vec::new()));
    let record = calls.clone();
    let _client: C = connect_with(
        &server.url(),
        log.attach(
            ConnectOptions::new()
                // Replaced by the policy: the test would take minutes otherwise.
                .reconnect_wait(Duration::from_secs(60))
                .max_reconnects(Some(3))
                .reconnect_delay_callback(move |passes| {
                    record.lock().unwrap().push(passes);
                    Duration::from_millis(10 * u64::from(passes))
                }),
        ),
    );
    server.kill().unwrap();
    let lost = log.wait_count("Disconnected", 1, is_disconnected);
    let closed = log.wait_count("Closed", 1, is_closed);
    // Asked for each pass's wait, and (with the same count) for the least
    // time between two attempts to one server.
    let mut calls = calls.lock().unwrap().clone();
    calls.dedup();
    assert_eq!(calls, [1, 2, 3]);
    assert!(closed - lost >= Duration::from_millis(60));
}

/// The fault "max reconnects reached": the client closes, says why, and
/// refuses further work.
pub fn max_reconnects_closes_the_client<C: SuiteClient>() {
    let server = server();
    let log = EventLog::new();
    let client: C = connect_with(
        &server.url(),
        log.attach(fast_reconnect().max_reconnects(Some(2))),
    );
    let mut sub = client.subscribe("x").unwrap();
    client.flush().unwrap();
    server.kill().unwrap();
    let (_, closed) = log.wait("Closed", is_closed);
    let ClientEvent::Closed { reason } = closed else {
        unreachable!()
    };
    assert!(
        matches!(
            &reason,
            CloseReason::NoServers(Some(DisconnectReason::Transport(TransportError::Connect(
                _
            ))))
        ),
        "{reason:?}"
    );
    assert_eq!(client.close_reason(), Some(reason));
    assert_eq!(client.connection_state(), ConnectionState::Closed);
    assert_eq!(client.publish("x", b("late")), Err(Error::ConnectionClosed));
    assert_eq!(client.flush(), Err(FlushError::Closed));
    assert!(client.subscribe("y").is_err());
    assert!(sub.next_timeout(WAIT).is_none());
    assert_eq!(sub.end_reason(), Some(SubscriptionEnd::Closed));
    assert_eq!(log.count(is_reconnected), 0);
}

pub fn no_reconnect_closes_on_the_first_loss<C: SuiteClient>() {
    let server = server();
    let log = EventLog::new();
    let client: C = connect_with(
        &server.url(),
        log.attach(ConnectOptions::new().no_reconnect()),
    );
    server.stop().unwrap();
    let (_, closed) = log.wait("Closed", is_closed);
    assert!(
        matches!(
            closed,
            ClientEvent::Closed {
                reason: CloseReason::NoServers(Some(DisconnectReason::Transport(_)))
            }
        ) || (transport::current() != transport::Transport::Tcp
            && matches!(
                &closed,
                ClientEvent::Closed {
                    reason: CloseReason::NoServers(Some(DisconnectReason::WebSocket(
                        natrs_client::WsError::Closed {
                            code: Some(1001),
                            ..
                        }
                    )))
                }
            )),
        "{closed:?}"
    );
    assert!(client.is_closed());
    assert_eq!(log.count(is_disconnected), 1);
}

/// `retry_on_initial_connect`: the client is returned while the server is
/// down; publishes and subscriptions made meanwhile take effect once the
/// server starts.
pub fn retry_on_initial_connect<C: SuiteClient>() {
    let server = server();
    server.stop().unwrap();
    let log = EventLog::new();
    let started = Instant::now();
    let client: C = connect_with(
        &server.url(),
        log.attach(fast_reconnect().retry_on_initial_connect()),
    );
    assert!(started.elapsed() < Duration::from_secs(1));
    assert_eq!(client.connection_state(), ConnectionState::Connecting);
    let mut sub = client.subscribe("early").unwrap();
    for i in 0..3 {
        client.publish("early", b(&format!("m{i}"))).unwrap();
    }
    let flushed = {
        let client = client.clone();
        in_background(move || client.flush())
    };
    server.restart().unwrap();
    log.wait("Connected", |e| matches!(e, ClientEvent::Connected { .. }));
    assert_eq!(join("deferred flush", &flushed, WAIT), Ok(()));
    assert_eq!(payloads(&take(&mut sub, 3)), ["m0", "m1", "m2"]);
    assert_eq!(client.connection_state(), ConnectionState::Connected);
    assert_eq!(
        log.count(is_reconnected),
        0,
        "the first connection is not a reconnect"
    );
    let other: C = connect(&server.url());
    other.publish("early", b("later")).unwrap();
    assert_eq!(payloads(&take(&mut sub, 1)), ["later"]);
}

/// Without `retry_on_initial_connect` the same situation is an error.
pub fn initial_connect_without_retry_fails<C: SuiteClient>() {
    let server = server();
    server.stop().unwrap();
    assert!(C::connect(&server.url(), fast_reconnect()).is_err());
}

pub fn reconnect_buffer_size_limits_buffering<C: SuiteClient>() {
    let server = server();
    let log = EventLog::new();
    let client: C = connect_with(
        &server.url(),
        log.attach(fast_reconnect().reconnect_buffer_size(1024)),
    );
    let mut sub = client.subscribe("buf").unwrap();
    client.flush().unwrap();
    server.stop().unwrap();
    log.wait("Disconnected", is_disconnected);
    let payload = Bytes::from(vec![b'x'; 100]);
    let mut accepted = 0;
    let err = loop {
        match client.publish("buf", payload.clone()) {
            Ok(()) => accepted += 1,
            Err(e) => break e,
        }
        assert!(accepted < 100, "the reconnect buffer has no limit");
    };
    // "PUB buf 100\r\n" + 100 bytes + "\r\n": 115 bytes each.
    assert_eq!(accepted, 1024 / 115);
    assert_eq!(
        err,
        Error::ReconnectBufferFull {
            pending: accepted * 115,
            limit: 1024
        }
    );
    assert!(err.to_string().contains("reconnect buffer full"), "{err}");
    server.restart().unwrap();
    log.wait("Reconnected", is_reconnected);
    take(&mut sub, accepted);
    client.flush().unwrap();
    assert!(sub.try_next().is_none());
}

pub fn zero_reconnect_buffer_refuses_publishing_while_disconnected<C: SuiteClient>() {
    let server = server();
    let log = EventLog::new();
    let client: C = connect_with(
        &server.url(),
        log.attach(fast_reconnect().reconnect_buffer_size(0)),
    );
    server.stop().unwrap();
    log.wait("Disconnected", is_disconnected);
    assert_eq!(
        client.publish("x", b("no room")),
        Err(Error::ReconnectBufferFull {
            pending: 0,
            limit: 0
        })
    );
}

/// The fault "server restart": publishes buffered while down are delivered,
/// subscriptions made while down work, old ones are restored, and an
/// auto-unsubscribe keeps counting across the restart.
pub fn restart_delivers_buffered_work_and_restores_subscriptions<C: SuiteClient>() {
    let server = server();
    let log = EventLog::new();
    let client: C = connect_with(&server.url(), log.attach(fast_reconnect()));
    let publisher: C = connect_with(&server.url(), fast_reconnect());
    let mut old = client.subscribe("old").unwrap();
    let mut workers = [
        client.queue_subscribe("work", "g").unwrap(),
        client.queue_subscribe("work", "g").unwrap(),
    ];
    let mut limited = client.subscribe("limited").unwrap();
    limited.unsubscribe_after(5).unwrap();
    client.flush().unwrap();
    for i in 0..2 {
        publisher.publish("limited", b(&format!("l{i}"))).unwrap();
    }
    barrier(&[&publisher, &client]);
    assert_eq!(take(&mut limited, 2).len(), 2);

    server.stop().unwrap();
    log.wait("Disconnected", is_disconnected);
    assert_eq!(client.connection_state(), ConnectionState::Reconnecting);
    let mut new = client.subscribe("new").unwrap();
    for i in 0..10 {
        client.publish("new", b(&format!("n{i}"))).unwrap();
    }
    server.restart().unwrap();
    log.wait("Reconnected", is_reconnected);
    // Buffered publishes reach the subscription made while down.
    let want: Vec<String> = (0..10).map(|i| format!("n{i}")).collect();
    assert_eq!(payloads(&take(&mut new, 10)), want);

    // Wait for the publisher too, then check the restored subscriptions.
    natrs_tests::wait_for("the publisher to reconnect", WAIT, || {
        publisher.connection_state() == ConnectionState::Connected
    });
    publisher.publish("old", b("still here")).unwrap();
    for i in 0..10 {
        publisher.publish("work", b(&i.to_string())).unwrap();
    }
    for i in 2..10 {
        publisher.publish("limited", b(&format!("l{i}"))).unwrap();
    }
    barrier(&[&publisher, &client]);
    assert_eq!(payloads(&take(&mut old, 1)), ["still here"]);
    // The queue group survived too: ten jobs between the two members.
    let jobs: usize = workers
        .iter_mut()
        .map(|w| std::iter::from_fn(|| w.try_next()).count())
        .sum();
    assert_eq!(jobs, 10);
    assert_eq!(payloads(&take(&mut limited, 3)), ["l2", "l3", "l4"]);
    assert!(limited.next_timeout(WAIT).is_none());
    assert_eq!(limited.end_reason(), Some(SubscriptionEnd::MaxMessages));
    let stats = client.statistics();
    assert_eq!((stats.connects, stats.reconnects), (2, 1), "{stats:?}");
}

pub fn force_reconnect_keeps_subscriptions<C: SuiteClient>() {
    let a = server();
    let b_server = server();
    let log = EventLog::new();
    let client: C = connect_with(
        &format!("{},{}", a.url(), b_server.url()),
        log.attach(fast_reconnect().retain_servers_order()),
    );
    assert_eq!(
        client.connected_server().unwrap().port(),
        transport::port(&a)
    );
    let mut sub = client.subscribe("moved").unwrap();
    client.flush().unwrap();
    client.force_reconnect();
    let (_, lost) = log.wait("Disconnected", is_disconnected);
    assert_eq!(
        lost,
        ClientEvent::Disconnected {
            reason: DisconnectReason::Requested
        }
    );
    let (_, back) = log.wait("Reconnected", is_reconnected);
    let ClientEvent::Reconnected { server: at } = back else {
        unreachable!()
    };
    assert_eq!(at.port(), transport::port(&b_server));
    // Reconnected means the subscriptions were sent, not yet processed.
    client.flush().unwrap();
    let other: C = connect(&b_server.url());
    other.publish("moved", b("on b")).unwrap();
    assert_eq!(payloads(&take(&mut sub, 1)), ["on b"]);
}

pub fn connection_state_follows_the_connection<C: SuiteClient>() {
    let server = server();
    let log = EventLog::new();
    let client: C = connect_with(&server.url(), log.attach(fast_reconnect()));
    assert_eq!(client.connection_state(), ConnectionState::Connected);
    server.stop().unwrap();
    log.wait("Disconnected", is_disconnected);
    assert_eq!(client.connection_state(), ConnectionState::Reconnecting);
    assert_eq!(client.connected_server(), None);
    server.restart().unwrap();
    log.wait("Reconnected", is_reconnected);
    assert_eq!(client.connection_state(), ConnectionState::Connected);
    client.close();
    assert_eq!(client.connection_state(), ConnectionState::Closed);
    assert_eq!(client.close_reason(), Some(CloseReason::Closed));
    let (_, closed) = log.wait("Closed", is_closed);
    assert_eq!(
        closed,
        ClientEvent::Closed {
            reason: CloseReason::Closed
        }
    );
}

/// A subscription ended while disconnected is not restored on reconnect.
pub fn unsubscribed_while_down_stays_unsubscribed<C: SuiteClient>() {
    let server = start(
        natrs_tests::ServerConfig::new()
            .jetstream(false)
            .monitoring(true),
    );
    let log = EventLog::new();
    let client: C = connect_with(&server.url(), log.attach(fast_reconnect().name("unsub")));
    let mut gone = client.subscribe("gone").unwrap();
    let mut drained = client.subscribe("drained").unwrap();
    let _kept = client.subscribe("kept").unwrap();
    client.flush().unwrap();
    server.stop().unwrap();
    log.wait("Disconnected", is_disconnected);
    gone.unsubscribe().unwrap();
    drained.drain().unwrap();
    assert_eq!(drained.end_reason(), Some(SubscriptionEnd::Drained));
    server.restart().unwrap();
    log.wait("Reconnected", is_reconnected);
    client.flush().unwrap();
    let conns = connz(&server);
    let me = conns.iter().find(|c| c["name"] == "unsub").expect("listed");
    assert_eq!(
        me["subscriptions_list"],
        serde_json::json!(["kept"]),
        "{me}"
    );
}

/// Closing while the client waits between reconnect attempts returns at
/// once; subscriptions end.
pub fn close_while_reconnecting_returns_promptly<C: SuiteClient>() {
    let server = server();
    let log = EventLog::new();
    // The default reconnect wait (2 s): the close comes during a wait.
    let client: C = connect_with(&server.url(), log.attach(ConnectOptions::new()));
    let mut sub = client.subscribe("x").unwrap();
    client.flush().unwrap();
    server.stop().unwrap();
    log.wait("Disconnected", is_disconnected);
    let started = Instant::now();
    client.close();
    let took = started.elapsed();
    assert!(took < Duration::from_secs(1), "close took {took:?}");
    assert_eq!(client.close_reason(), Some(CloseReason::Closed));
    assert!(sub.next_timeout(WAIT).is_none());
    assert_eq!(sub.end_reason(), Some(SubscriptionEnd::Closed));
}

/// Requests work again after a restart (the reply subscription is restored
/// with the others).
pub fn requests_work_again_after_a_restart<C: SuiteClient>() {
    let server = server();
    let svc: C = connect_with(&server.url(), fast_reconnect());
    let sub = svc.subscribe("svc").unwrap();
    serve(&svc, sub, |c, m| reply(c, m, b("ok")));
    svc.flush().unwrap();
    let client: C = connect_with(&server.url(), fast_reconnect());
    assert_eq!(client.request("svc", Bytes::new()).unwrap().payload, "ok");
    server.restart().unwrap();
    natrs_tests::wait_for("both clients to reconnect", WAIT, || {
        client.statistics().reconnects == 1 && svc.statistics().reconnects == 1
    });
    // Reconnected means the subscriptions were sent, not yet processed.
    barrier(&[&svc, &client]);
    assert_eq!(client.request("svc", Bytes::new()).unwrap().payload, "ok");
}
