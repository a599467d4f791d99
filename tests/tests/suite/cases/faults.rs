//! Faults: a frozen server, cluster failover, lame duck, a consumer that
//! falls behind, the max payload boundary, a server lost mid-request, and a
//! server that breaks the protocol. (Restarts, the reconnect buffer, attempt
//! limits and retry-on-connect are in `reconnect`; bad credentials, expired
//! JWTs and max connections in `auth`; TLS failures in `tls`; permission
//! violations in `events`; close and drain with work in flight in `drain`.)

use crate::support::*;
use natrs_client::{
    ClientEvent, ConnectOptions, DisconnectReason, Error, HeaderMap, Request, RequestError,
    SubscriptionEnd,
};
use natrs_tests::{Cluster, FakeServer, Script, ServerConfig};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

fn is_reconnected(e: &ClientEvent) -> bool {
    matches!(e, ClientEvent::Reconnected { .. })
}

/// Publishes `probe` through `publisher` until `sub` receives one: interest
/// takes a moment to spread through a cluster after a (re)subscription.
#[track_caller]
fn probe_until_received<C: SuiteClient>(publisher: &C, subject: &str, sub: &mut C::Subscriber) {
    let deadline = Instant::now() + WAIT;
    loop {
        publisher.publish(subject, b("probe")).unwrap();
        publisher.flush().unwrap();
        if sub.next_timeout(Duration::from_millis(50)).is_some() {
            break;
        }
        assert!(Instant::now() < deadline, "no probe reached {subject:?}");
    }
    // Drain the probes still on their way.
    publisher.publish(subject, b("last probe")).unwrap();
    loop {
        let m = sub.next_timeout(WAIT).expect("the last probe");
        if m.payload == "last probe" {
            break;
        }
    }
}

/// A server frozen with SIGSTOP keeps the socket open but answers nothing:
/// the client's PINGs go unanswered, it declares the connection stale and
/// reconnects once the server runs again.
pub fn frozen_server_is_detected_as_stale<C: SuiteClient>() {
    let server = server();
    let log = EventLog::new();
    let client: C = connect_with(
        &server.url(),
        log.attach(
            fast_reconnect()
                .ping_interval(Duration::from_millis(100))
                .max_pings_outstanding(2)
                .connection_timeout(Duration::from_millis(300)),
        ),
    );
    let mut sub = client.subscribe("frozen").unwrap();
    client.flush().unwrap();
    server.pause().unwrap();
    let (_, lost) = log.wait("Disconnected", |e| {
        matches!(e, ClientEvent::Disconnected { .. })
    });
    assert_eq!(
        lost,
        ClientEvent::Disconnected {
            reason: DisconnectReason::Stale(2)
        }
    );
    server.resume().unwrap();
    log.wait("Reconnected", is_reconnected);
    // Reconnected means the subscriptions were sent, not yet processed.
    client.flush().unwrap();
    let other: C = connect(&server.url());
    other.publish("frozen", b("thawed")).unwrap();
    assert_eq!(payloads(&take(&mut sub, 1)), ["thawed"]);
}

/// A flush to a server that does not answer gives up at its timeout (and the
/// connection stays usable once the server answers again).
pub fn flush_times_out_when_the_server_does_not_answer<C: SuiteClient>() {
    let server = server();
    let client: C = connect(&server.url());
    client.flush().unwrap();
    server.pause().unwrap();
    let started = Instant::now();
    assert_eq!(
        client.flush_timeout(Duration::from_millis(200)),
        Err(natrs_client::FlushError::TimedOut)
    );
    assert!(started.elapsed() >= Duration::from_millis(200));
    server.resume().unwrap();
    client.flush().unwrap();
}

/// The client knows only one node of a 3-node cluster; it learns the others
/// from INFO and fails over to one of them when its node dies.
pub fn cluster_failover_to_discovered_servers<C: SuiteClient>() {
    let cluster = Cluster::builder().size(3).jetstream(false).start().unwrap();
    let log = EventLog::new();
    let client: C = connect_with(&cluster.node(0).url(), log.attach(fast_reconnect()));
    natrs_tests::wait_for("the other nodes in the pool", WAIT, || {
        client.servers().len() == 3
    });
    let mut sub = client.subscribe("failover").unwrap();
    client.flush().unwrap();
    let others = format!("{},{}", cluster.node(1).url(), cluster.node(2).url());
    let publisher: C = connect(&others);

    cluster.node(0).kill().unwrap();
    let (_, back) = log.wait("Reconnected", is_reconnected);
    let ClientEvent::Reconnected { server: at } = back else {
        unreachable!()
    };
    assert!(
        [cluster.node(1).port(), cluster.node(2).port()].contains(&at.port()),
        "reconnected to {at}"
    );
    // The subscription was restored on the new node.
    probe_until_received(&publisher, "failover", &mut sub);
    for i in 0..100 {
        publisher.publish("failover", b(&i.to_string())).unwrap();
    }
    assert_eq!(take(&mut sub, 100).len(), 100);
}

/// Lame duck mode: the client gets the `LameDuck` event; calling
/// `force_reconnect` from the event callback moves it to another node at
/// once, keeping its subscriptions. (Without that call it stays until the
/// server closes its connection during the lame duck period, then
/// reconnects elsewhere: a server in lame duck mode accepts no new clients.)
pub fn lame_duck_moves_the_client<C: SuiteClient>() {
    let cluster = Cluster::builder().size(2).jetstream(false).start().unwrap();
    let log = EventLog::new();
    let handle: Arc<OnceLock<C>> = Arc::new(OnceLock::new());
    let on_event = handle.clone();
    let client: C = connect_with(
        &cluster.node(0).url(),
        log.attach_with(fast_reconnect(), move |e| {
            if let (ClientEvent::LameDuck, Some(client)) = (e, on_event.get()) {
                client.force_reconnect();
            }
        }),
    );
    let _ = handle.set(client.clone());
    natrs_tests::wait_for("the other node in the pool", WAIT, || {
        client.servers().len() == 2
    });
    let mut sub = client.subscribe("ldm").unwrap();
    client.flush().unwrap();
    let publisher: C = connect(&cluster.node(1).url());

    cluster.node(0).lame_duck().unwrap();
    log.wait("LameDuck", |e| matches!(e, ClientEvent::LameDuck));
    let (_, lost) = log.wait("Disconnected", |e| {
        matches!(e, ClientEvent::Disconnected { .. })
    });
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
    assert_eq!(at.port(), cluster.node(1).port());
    probe_until_received(&publisher, "ldm", &mut sub);
    publisher.publish("ldm", b("after the move")).unwrap();
    assert_eq!(payloads(&take(&mut sub, 1)), ["after the move"]);
    assert_eq!(log.count(|e| matches!(e, ClientEvent::LameDuck)), 1);
    // The callback holds a handle: close explicitly.
    client.close();
    // Do not wait out the lame duck period when the cluster is dropped.
    cluster.node(0).kill().unwrap();
}

/// A consumer that falls far behind: messages are dropped and counted while
/// the connection keeps reading, so it keeps answering the server's PINGs
/// and stays up.
pub fn slow_consumer_keeps_the_connection_alive<C: SuiteClient>() {
    let server = ServerConfig::new()
        .jetstream(false)
        .monitoring(true)
        .config("ping_interval: \"100ms\"\nping_max: 3")
        .start()
        .unwrap();
    let log = EventLog::new();
    let client: C = connect_with(
        &server.url(),
        log.attach(ConnectOptions::new().name("behind")),
    );
    let mut sub = client.subscribe("flood").unwrap();
    sub.set_pending_limits(10, 1024 * 1024);
    client.flush().unwrap();
    let publisher: C = connect(&server.url());
    for _ in 0..5000 {
        publisher.publish("flood", b("0123456789")).unwrap();
    }
    barrier(&[&publisher, &client]);
    assert_eq!((sub.delivered(), sub.dropped()), (10, 4990));
    log.wait("SlowConsumer", |e| {
        matches!(e, ClientEvent::SlowConsumer { .. })
    });
    assert_eq!(
        log.count(|e| matches!(e, ClientEvent::SlowConsumer { .. })),
        1
    );
    // The server PINGs every 100 ms and gives up after three unanswered ones;
    // it measures its round trip time (`rtt` in /connz) at every PONG. Watch
    // that measurement change three times while nothing is read.
    let server_rtt = || {
        connz(&server)
            .iter()
            .find(|c| c["name"] == "behind")
            .map(|c| c["rtt"].as_str().unwrap_or_default().to_owned())
            .unwrap_or_else(|| panic!("disconnected: {:?}", log.events()))
    };
    let mut seen = vec![server_rtt()];
    natrs_tests::wait_for("three PONGs to the server", WAIT, || {
        let now = server_rtt();
        if seen.last() != Some(&now) {
            seen.push(now);
        }
        seen.len() > 3
    });
    assert_eq!(sub.pending().0, 10);
    assert!(client.rtt().is_ok());
    assert_eq!(
        log.count(|e| matches!(e, ClientEvent::Disconnected { .. })),
        0
    );
    assert_eq!(take(&mut sub, 10).len(), 10);
}

/// Exactly `max_payload` bytes (headers included) are accepted; one more is
/// refused locally, without touching the connection.
pub fn max_payload_boundary<C: SuiteClient>() {
    let server = server_with("max_payload: 1024");
    let client: C = connect(&server.url());
    assert_eq!(client.max_payload(), Some(1024));
    let mut sub = client.subscribe("max").unwrap();
    client.publish("max", Bytes::from(vec![1u8; 1024])).unwrap();
    assert_eq!(
        client.publish("max", Bytes::from(vec![1u8; 1025])),
        Err(Error::MaxPayloadExceeded {
            size: 1025,
            max: 1024
        })
    );
    let mut headers = HeaderMap::new();
    headers.insert("K", "v");
    let header_len = "NATS/1.0\r\nK: v\r\n\r\n".len();
    client
        .publish_with_headers(
            "max",
            headers.clone(),
            Bytes::from(vec![2u8; 1024 - header_len]),
        )
        .unwrap();
    assert_eq!(
        client.publish_with_headers("max", headers, Bytes::from(vec![2u8; 1025 - header_len])),
        Err(Error::MaxPayloadExceeded {
            size: 1025,
            max: 1024
        })
    );
    assert_eq!(
        client.send_request("max", Request::new(Bytes::from(vec![0u8; 2000]))),
        Err(RequestError::Publish(Error::MaxPayloadExceeded {
            size: 2000,
            max: 1024
        }))
    );
    let got = take(&mut sub, 2);
    assert_eq!(got[0].payload.len(), 1024);
    assert_eq!(got[1].payload.len(), 1024 - header_len);
    client.flush().unwrap();
    assert!(sub.try_next().is_none());
    assert_eq!(client.statistics().reconnects, 0);
}

/// The server dies while a request waits: with reconnects on, the request
/// ends at its timeout (its reply cannot come); with reconnects off, it fails
/// as soon as the client closes. Never a hang.
pub fn server_killed_mid_request<C: SuiteClient>() {
    for reconnect in [true, false] {
        let server = server();
        let svc: C = connect_with(&server.url(), fast_reconnect());
        let mut silent = svc.subscribe("doomed").unwrap();
        svc.flush().unwrap();
        let options = if reconnect {
            fast_reconnect()
        } else {
            ConnectOptions::new().no_reconnect()
        };
        let client: C = connect_with(&server.url(), options);
        let timeout = Duration::from_millis(500);
        let pending = {
            let client = client.clone();
            in_background(move || {
                client.send_request("doomed", Request::new(b("?")).timeout(timeout))
            })
        };
        take(&mut silent, 1);
        let started = Instant::now();
        server.kill().unwrap();
        let result = join("the request", &pending, WAIT);
        if reconnect {
            assert_eq!(result, Err(RequestError::TimedOut(timeout)));
        } else {
            assert_eq!(result, Err(RequestError::Closed));
            assert!(client.is_closed());
        }
        assert!(started.elapsed() < timeout + Duration::from_secs(3));
    }
}

/// A server that sends garbage: the client drops that connection with a
/// protocol error and reconnects.
pub fn protocol_violation_drops_the_connection<C: SuiteClient>() {
    let gate = natrs_tests::Gate::new();
    let fake = FakeServer::start(vec![
        Script::new()
            .handshake(&Script::default_info())
            .wait(&gate)
            .send("BOGUS OPERATION\r\n")
            .hold_open(),
        Script::new().handshake(&Script::default_info()).hold_open(),
    ])
    .unwrap();
    let log = EventLog::new();
    let client: C = connect_with(&fake.url(), log.attach(fast_reconnect()));
    gate.open();
    let (_, lost) = log.wait("Disconnected", |e| {
        matches!(e, ClientEvent::Disconnected { .. })
    });
    assert!(
        matches!(
            lost,
            ClientEvent::Disconnected {
                reason: DisconnectReason::Protocol(_)
            }
        ),
        "{lost:?}"
    );
    log.wait("Reconnected", is_reconnected);
    assert_eq!(client.statistics().reconnects, 1);
}

/// Credentials given in the configured URL apply to the servers the cluster
/// announces, so failing over to a discovered node authenticates too.
pub fn discovered_servers_inherit_url_credentials<C: SuiteClient>() {
    let cluster = Cluster::builder()
        .size(2)
        .jetstream(false)
        .config("authorization { user: app, password: \"s3cret\" }")
        .start()
        .unwrap();
    let url = cluster
        .node(0)
        .client_url_with(natrs_tests::UrlAuth::UserPass("app", "s3cret"));
    let log = EventLog::new();
    let client: C = connect_with(&url, log.attach(fast_reconnect()));
    natrs_tests::wait_for("the other node in the pool", WAIT, || {
        client.servers().len() == 2
    });
    cluster.node(0).kill().unwrap();
    let (_, back) = log.wait("Reconnected", is_reconnected);
    let ClientEvent::Reconnected { server: at } = back else {
        unreachable!()
    };
    assert_eq!(at.port(), cluster.node(1).port());
    client.flush().unwrap();
}

/// A frozen server stops reading: writes stall, publishers wait for room in
/// the write buffer, but the timers still run, find the connection stale and
/// drop it (and its buffer), so publishers go on into the reconnect buffer
/// until it is full, and `close` returns.
pub fn frozen_server_does_not_block_publishers_or_close<C: SuiteClient>() {
    let server = server();
    let log = EventLog::new();
    let client: C = connect_with(
        &server.url(),
        log.attach(
            fast_reconnect()
                .ping_interval(Duration::from_millis(200))
                .max_pings_outstanding(2),
        ),
    );
    client.flush().unwrap();
    server.pause().unwrap();
    // 32 MiB: more than the socket buffers of both sides take, and four
    // times the 8 MiB write high-water mark.
    let payload = Bytes::from(vec![b'x'; 64 * 1024]);
    let started = Instant::now();
    let mut refused = 0;
    for _ in 0..512 {
        match client.publish("stall", payload.clone()) {
            Ok(()) => {}
            Err(Error::ReconnectBufferFull { .. }) => refused += 1,
            Err(e) => panic!("{e:?}"),
        }
    }
    assert!(started.elapsed() < WAIT, "{:?}", started.elapsed());
    assert!(refused > 0);
    log.wait("a stale disconnect", |e| {
        matches!(
            e,
            ClientEvent::Disconnected {
                reason: DisconnectReason::Stale(_)
            }
        )
    });
    let closing = Instant::now();
    client.close();
    assert!(
        closing.elapsed() < WAIT,
        "close took {:?}",
        closing.elapsed()
    );
    server.resume().unwrap();
}

/// No TLS downgrade: a client that connects with `tls://` and a password
/// learns (from a scripted INFO) of a server listed as `nats://`. It uses
/// that server with TLS too: the server offers none, so the attempt ends
/// after its INFO and the password never goes out in plain text.
pub fn discovered_plain_server_is_used_with_tls<C: SuiteClient>() {
    let plain = FakeServer::start_with(|_| {
        Some(
            Script::new()
                .send_info(&Script::default_info())
                .expect_prefix("CONNECT ")
                .hold_open(),
        )
    })
    .unwrap();
    let mut info = Script::default_info();
    info["tls_required"] = true.into();
    info["connect_urls"] = vec![format!("nats://127.0.0.1:{}", plain.port())].into();
    // Announces the plain server, then closes instead of starting TLS.
    let announcer =
        FakeServer::start_with(move |_| Some(Script::new().send_info(&info).close())).unwrap();
    let url = format!("tls://127.0.0.1:{}", announcer.port());
    let log = EventLog::new();
    let client: C = connect_with(
        &url,
        log.attach(
            fast_reconnect()
                .retry_on_initial_connect()
                .user_and_password("app", "s3cret"),
        ),
    );
    plain.wait_connections(2, WAIT).unwrap();
    let tried: Vec<String> = client.servers().iter().map(|s| s.to_string()).collect();
    assert!(
        tried.contains(&format!("tls://127.0.0.1:{}", plain.port())),
        "{tried:?}"
    );
    client.close();
    for i in 0..2 {
        let report = plain.report(i, WAIT).unwrap();
        assert!(
            !report.received.iter().any(|l| l.contains("CONNECT")),
            "the plain server got {:?}",
            report.received
        );
    }
    let refused = log.count(|e| {
        matches!(
            e,
            ClientEvent::Disconnected { .. } | ClientEvent::Connected { .. }
        )
    });
    assert_eq!(refused, 0, "never connected: {:?}", log.events());
}

/// An async INFO listing 50,000 servers (about 1 MB) neither stalls a
/// publisher nor fills the pool: the update is O(n log n) under the
/// client's lock, and the pool keeps `MAX_DISCOVERED` of them.
pub fn huge_connect_urls_do_not_stall_publishers<C: SuiteClient>() {
    let urls: Vec<String> = (0..50_000u32)
        .map(|i| format!("10.{}.{}.{}:4222", i >> 16, (i >> 8) & 255, i & 255))
        .collect();
    let mut info = Script::default_info();
    info["connect_urls"] = urls.into();
    let gate = natrs_tests::Gate::new();
    let fake = FakeServer::start(vec![
        Script::new()
            .handshake(&Script::default_info())
            .wait(&gate)
            .send_info(&info)
            .hold_open(),
    ])
    .unwrap();
    let log = EventLog::new();
    let client: C = connect_with(&fake.url(), log.attach(ConnectOptions::new()));
    let publisher = client.clone();
    let discovered = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let done = discovered.clone();
    let slowest = in_background(move || {
        let mut slowest = Duration::ZERO;
        while !done.load(std::sync::atomic::Ordering::SeqCst) {
            let started = Instant::now();
            publisher.publish("tick", b("x")).unwrap();
            slowest = slowest.max(started.elapsed());
            std::thread::yield_now();
        }
        slowest
    });
    let opened = Instant::now();
    gate.open();
    let (at, _) = log.wait("ServersDiscovered", |e| {
        matches!(e, ClientEvent::ServersDiscovered { .. })
    });
    discovered.store(true, std::sync::atomic::Ordering::SeqCst);
    let slowest = join("the publisher", &slowest, WAIT);
    let took = at - opened;
    // Sending, parsing and applying 1 MB of INFO in a debug build on a
    // loaded machine; a quadratic update took seconds here.
    assert!(took < Duration::from_secs(3), "the INFO took {took:?}");
    assert!(
        slowest < Duration::from_secs(2),
        "a publish took {slowest:?}"
    );
    assert_eq!(
        client.servers().len(),
        natrs_client::MAX_DISCOVERED + 1,
        "the pool is capped"
    );
}

/// A server with `max_control_line: 256` closes the connection over a SUB
/// whose line is longer. The client used to replay it on every reconnect
/// forever; now it notices that the same replayed SUB ends each connection,
/// ends that subscription with why (its end reason and an error event), and
/// the connection comes up without it.
pub fn subscription_the_server_ends_connections_over_is_dropped<C: SuiteClient>() {
    let server = server_with("max_control_line: 256");
    let log = EventLog::new();
    let client: C = connect_with(
        &server.url(),
        log.attach(
            ConnectOptions::new()
                .reconnect_wait(Duration::from_millis(100))
                .reconnect_jitter(Duration::ZERO, Duration::ZERO)
                .max_reconnects(None),
        ),
    );
    let mut ok = client.subscribe("ok").unwrap();
    client.flush().unwrap();
    let long = format!("long.{}", "x".repeat(300));
    let mut bad = client.subscribe(&long).unwrap();
    natrs_tests::wait_for("the subscription to end", WAIT, || bad.is_finished());
    let refused = |e: &ClientEvent| {
        matches!(e, ClientEvent::ServerError(natrs_client::ServerError::Other(t))
            if t.to_lowercase().contains("control line"))
    };
    log.wait("the error event", refused);
    match bad.end_reason() {
        Some(SubscriptionEnd::EndedConnections(DisconnectReason::Server(
            natrs_client::ServerError::Other(text),
        ))) => assert!(text.to_lowercase().contains("control line"), "{text}"),
        other => panic!("{other:?}"),
    }
    assert!(bad.next_timeout(Duration::ZERO).is_none());
    // Up again without it; the other subscription still works.
    log.wait_count("Reconnected", 2, is_reconnected);
    client.flush().unwrap();
    let publisher: C = connect(&server.url());
    publisher.publish("ok", b("still here")).unwrap();
    publisher.flush().unwrap();
    assert_eq!(ok.next_timeout(WAIT).unwrap().payload, "still here");
    assert!(!client.is_closed());
    // The connection it killed, and the replay that showed it was the one.
    assert_eq!(
        log.count(|e| matches!(e, ClientEvent::Disconnected { .. })),
        2,
        "{:?}",
        log.events()
    );
}

/// With `max_control_line` in the options, the client refuses such a
/// subscription locally with a typed error, and the connection is untouched.
pub fn max_control_line_option_refuses_long_subscriptions<C: SuiteClient>() {
    let server = server_with("max_control_line: 256");
    let log = EventLog::new();
    let client: C = connect_with(
        &server.url(),
        log.attach(ConnectOptions::new().max_control_line(256)),
    );
    let long = format!("long.{}", "x".repeat(300));
    match client.subscribe(&long) {
        Err(Error::ControlLineTooLong { len, max: 256 }) => assert!(len > 300, "{len}"),
        Err(e) => panic!("{e}"),
        Ok(_) => panic!("a {}-byte subject was accepted", long.len()),
    }
    let mut ok = client.subscribe("ok").unwrap();
    client.publish("ok", b("hi")).unwrap();
    assert_eq!(ok.next_timeout(WAIT).unwrap().payload, "hi");
    assert_eq!(
        log.count(|e| matches!(e, ClientEvent::Disconnected { .. })),
        0
    );
}

/// The server's maximum number of subscriptions: it refuses the SUB past it
/// with an `-ERR` that does not say which. The subscription it refused ends
/// with `Refused`, the error event says why, and the others keep working.
pub fn subscription_over_the_maximum_ends<C: SuiteClient>() {
    let server = server_with("max_subscriptions: 2");
    let log = EventLog::new();
    let client: C = connect_with(&server.url(), log.attach(ConnectOptions::new()));
    let mut a = client.subscribe("a").unwrap();
    let mut b_sub = client.subscribe("b").unwrap();
    client.flush().unwrap();
    let mut c = client.subscribe("c").unwrap();
    client.flush().unwrap();
    natrs_tests::wait_for("the refused subscription to end", WAIT, || c.is_finished());
    assert_eq!(
        c.end_reason(),
        Some(SubscriptionEnd::Refused(
            natrs_client::ServerError::MaxSubscriptionsExceeded
        ))
    );
    log.wait("the error event", |e| {
        matches!(
            e,
            ClientEvent::ServerError(natrs_client::ServerError::MaxSubscriptionsExceeded)
        )
    });
    assert!(!a.is_finished() && !b_sub.is_finished());
    for subject in ["a", "b", "c"] {
        client.publish(subject, b(subject)).unwrap();
    }
    client.flush().unwrap();
    assert_eq!(a.next_timeout(WAIT).unwrap().payload, "a");
    assert_eq!(b_sub.next_timeout(WAIT).unwrap().payload, "b");
    assert!(c.next_timeout(Duration::ZERO).is_none());
    assert!(!client.is_closed());
}

/// A server that floods PINGs and never reads the PONGs: once more than
/// the pause mark waits to be written, the client stops reading (and says
/// so), so what it buffers stays bounded instead of growing with the flood.
/// (It parses 16 MiB of PINGs before it pauses: some seconds unoptimized.)
pub fn server_that_does_not_read_cannot_grow_the_client<C: SuiteClient>() {
    // Well above all that can be taken before the client stops reading:
    // PINGs waiting in the client's receive buffer (Linux grows it up to
    // `net.ipv4.tcp_rmem`'s maximum, 32 MiB on a default kernel), the
    // PONGs the core holds (16 MiB and one read), the PONGs a blocking
    // writer took from the core and is still writing (as much again), and
    // the client's send buffer (4 MiB); the fake server's receive buffer is
    // fixed at 64 KiB while it floods. 40 MiB passed only when the kernel
    // happened not to grow the receive buffer that far.
    const FLOOD: usize = 96 * 1024 * 1024;
    let gate = natrs_tests::Gate::new();
    let fake = FakeServer::start(vec![
        Script::new()
            .handshake(&Script::default_info())
            .flood("PING\r\n", FLOOD, Duration::from_secs(2))
            .wait(&gate)
            .step_timeout(GUARD),
    ])
    .unwrap();
    let log = EventLog::new();
    let client: C = connect_with(&fake.url(), log.attach(ConnectOptions::new()));
    let flood_line = || {
        fake.snapshot(0)
            .and_then(|r| r.received.into_iter().find(|l| l.starts_with("flood:")))
    };
    natrs_tests::wait_for("the flood to end", GUARD, || flood_line().is_some());
    let line = flood_line().unwrap();
    let sent: usize = line.split(' ').nth(2).unwrap().parse().unwrap();
    // One read more than the mark at most: 64 KiB of PINGs, as many PONGs.
    let backlog = client.write_backlog();
    assert!(
        backlog <= 16 * 1024 * 1024 + 128 * 1024,
        "{backlog} ({line})"
    );
    assert!(
        sent < FLOOD,
        "the client read the whole flood ({line}, backlog {backlog})"
    );
    let paused = log.events();
    let paused: Vec<_> = paused
        .iter()
        .filter(|e| matches!(e, ClientEvent::ReadingPaused { .. }))
        .collect();
    // Each pause is reported once; reading may resume and pause again when
    // the kernel takes more of the PONGs (the send buffer grows as it goes).
    assert!(
        !paused.is_empty()
            && paused.iter().all(
                |e| matches!(e, ClientEvent::ReadingPaused { unwritten } if *unwritten > 16 * 1024 * 1024)
            ),
        "{paused:?}"
    );
    gate.open();
}
