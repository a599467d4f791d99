//! Connecting: one URL, a list, failures, and the options that shape the
//! connection (name, echo, inbox prefix, pings, timeouts, server pool).

use crate::support::*;
use natrs_client::{
    ClientEvent, CloseReason, ConnectError, ConnectOptions, ConnectStep, ConnectionState,
    DisconnectReason, TransportError,
};
use natrs_tests::{Cluster, FakeServer, Script, ServerConfig};
use std::time::{Duration, Instant};

pub fn connects_to_one_url<C: SuiteClient>() {
    let server = server();
    let log = EventLog::new();
    let client: C = connect_with(&server.url(), log.attach(ConnectOptions::new()));
    assert_eq!(client.connection_state(), ConnectionState::Connected);
    assert!(!client.is_closed());
    assert_eq!(client.close_reason(), None);
    let at = client.connected_server().expect("connected server");
    assert_eq!(at.port(), transport::port(&server));
    let info = client.server_info().expect("server info");
    assert!(!info.server_id.is_empty());
    assert!(info.headers, "{info:?}");
    assert_eq!(client.max_payload(), Some(info.max_payload));
    assert_eq!(info.max_payload, 1024 * 1024);
    let stats = client.statistics();
    assert_eq!((stats.connects, stats.reconnects), (1, 0), "{stats:?}");
    let (_, connected) = log.wait("Connected", |e| matches!(e, ClientEvent::Connected { .. }));
    let ClientEvent::Connected { server: addr } = connected else {
        unreachable!()
    };
    assert_eq!(addr.port(), transport::port(&server));
    client.flush().expect("flush");
}

pub fn connects_to_a_list<C: SuiteClient>() {
    let a = server();
    let b = server();
    let dead = dead_port();
    // The dead server first: the client moves on to the next one.
    let list = format!("nats://127.0.0.1:{dead}, {}, {}", a.url(), b.url());
    let client: C = connect_with(&list, ConnectOptions::new().retain_servers_order());
    assert_eq!(
        client.connected_server().unwrap().port(),
        transport::port(&a)
    );
    let mut ports: Vec<u16> = client.servers().iter().map(|s| s.port()).collect();
    ports.sort_unstable();
    let mut want = vec![dead, transport::port(&a), transport::port(&b)];
    want.sort_unstable();
    assert_eq!(ports, want);
}

pub fn connect_failure_is_an_error<C: SuiteClient>() {
    let dead = dead_port();
    let started = Instant::now();
    let err = C::connect(&format!("nats://127.0.0.1:{dead}"), ConnectOptions::new())
        .err()
        .expect("nothing listens");
    assert!(
        matches!(
            &err,
            ConnectError::Failed(CloseReason::NoServers(Some(DisconnectReason::Transport(
                TransportError::Connect(_)
            ))))
        ),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        format!("could not connect to nats://127.0.0.1:{dead}: connection refused")
    );
    assert!(err.is_unreachable() && !err.is_auth() && !err.is_timeout());
    // A refused connection fails at once, without reconnect waits.
    assert!(started.elapsed() < Duration::from_secs(2));
}

pub fn invalid_addresses_and_options_fail_fast<C: SuiteClient>() {
    for url in [
        "foo://127.0.0.1:4222",
        "nats://127.0.0.1:99999",
        "ws://127.0.0.1:80/a path with spaces",
    ] {
        let err = C::connect(url, ConnectOptions::new()).err().expect(url);
        assert!(
            matches!(err, ConnectError::InvalidAddress { .. }),
            "{url}: {err:?}"
        );
    }
    let bad = [
        ConnectOptions::new().inbox_prefix("bad prefix"),
        ConnectOptions::new().ping_interval(Duration::ZERO),
        ConnectOptions::new().max_pings_outstanding(0),
        ConnectOptions::new().nkey("SUNOTASEED"),
        ConnectOptions::new().credentials("not a creds file"),
    ];
    for options in bad {
        let err = C::connect("nats://127.0.0.1:4222", options.clone())
            .err()
            .expect("invalid options");
        assert!(
            matches!(err, ConnectError::InvalidOptions(_)),
            "{options:?}: {err:?}"
        );
    }
}

pub fn name_shows_in_connz<C: SuiteClient>() {
    let server = start(ServerConfig::new().jetstream(false).monitoring(true));
    let client: C = connect_with(&server.url(), ConnectOptions::new().name("suite-conn"));
    client.flush().unwrap();
    let conns = connz(&server);
    let mine = conns
        .iter()
        .find(|c| c["name"] == "suite-conn")
        .unwrap_or_else(|| panic!("no connection named suite-conn in {conns:?}"));
    assert_eq!(mine["lang"], "rust");
    assert_eq!(mine["version"], env!("CARGO_PKG_VERSION"));
}

pub fn no_echo_suppresses_own_messages<C: SuiteClient>() {
    let server = server();
    let quiet: C = connect_with(&server.url(), ConnectOptions::new().no_echo());
    let loud: C = connect(&server.url());
    let mut quiet_sub = quiet.subscribe("echo").unwrap();
    let mut loud_sub = loud.subscribe("echo").unwrap();
    barrier(&[&quiet, &loud]);
    quiet.publish("echo", b("from quiet")).unwrap();
    quiet.flush().unwrap();
    loud.publish("echo", b("from loud")).unwrap();
    barrier(&[&quiet, &loud, &quiet]);
    // The loud client sees both, the quiet one only the other's.
    let got = payloads(&take(&mut loud_sub, 2));
    assert_eq!(got, ["from quiet", "from loud"]);
    assert_eq!(payloads(&take(&mut quiet_sub, 1)), ["from loud"]);
    assert!(quiet_sub.try_next().is_none(), "own message echoed");
}

pub fn inbox_prefix_is_used<C: SuiteClient>() {
    let server = server();
    let client: C = connect_with(&server.url(), ConnectOptions::new().inbox_prefix("_MY.BOX"));
    assert!(client.new_inbox().starts_with("_MY.BOX."));
    assert_ne!(client.new_inbox(), client.new_inbox());
    let responder: C = connect(&server.url());
    let sub = responder.subscribe("svc").unwrap();
    responder.flush().unwrap();
    let _serving = serve(&responder, sub, |c, m| {
        let to = m.reply.clone().unwrap();
        reply(c, m, Bytes::copy_from_slice(to.as_str().as_bytes()));
    });
    let answer = client.request("svc", b("who")).unwrap();
    let reply_to = String::from_utf8_lossy(&answer.payload).into_owned();
    assert!(reply_to.starts_with("_MY.BOX."), "{reply_to}");
    responder.close();
}

/// A server that answers the handshake, then two PINGs, and stays open.
pub fn pings_at_the_interval<C: SuiteClient>() {
    let fake = FakeServer::start(vec![
        Script::new()
            .handshake(&Script::default_info())
            .expect_line("PING")
            .send_line("PONG")
            .expect_line("PING")
            .send_line("PONG")
            .hold_open(),
    ])
    .unwrap();
    let client: C = connect_with(
        &fake.url(),
        ConnectOptions::new().ping_interval(Duration::from_millis(50)),
    );
    natrs_tests::wait_for("two keep-alive PINGs", WAIT, || {
        fake.snapshot(0)
            .is_some_and(|r| r.received.iter().filter(|l| *l == "PING").count() >= 3)
    });
    assert_eq!(client.connection_state(), ConnectionState::Connected);
}

pub fn unanswered_pings_make_the_connection_stale<C: SuiteClient>() {
    // The first connection never answers a PING; later ones are closed at once.
    let fake = FakeServer::start(vec![
        Script::new().handshake(&Script::default_info()).hold_open(),
    ])
    .unwrap();
    let client: C = connect_with(
        &fake.url(),
        ConnectOptions::new()
            .ping_interval(Duration::from_millis(50))
            .max_pings_outstanding(2)
            .max_reconnects(Some(1))
            .reconnect_wait(Duration::from_millis(10)),
    );
    let started = Instant::now();
    let mut events = client.events();
    let e = events.expect("Disconnected", WAIT, |e| {
        matches!(e, ClientEvent::Disconnected { .. })
    });
    assert_eq!(
        e,
        ClientEvent::Disconnected {
            reason: DisconnectReason::Stale(2)
        }
    );
    // Two PINGs out, the third interval finds them unanswered.
    assert!(started.elapsed() >= Duration::from_millis(100));
}

/// A connect timeout too long for the clock (`Duration::MAX`) connects
/// without a limit instead of failing to compute the attempt's deadline.
pub fn a_connect_timeout_too_long_for_the_clock_connects<C: SuiteClient>() {
    let server = server();
    let client: C = connect_with(
        &server.url(),
        ConnectOptions::new().connection_timeout(Duration::MAX),
    );
    client.flush().unwrap();
}

pub fn connect_timeout_bounds_the_handshake<C: SuiteClient>() {
    // Accepts TCP but never sends INFO.
    let fake = FakeServer::start(vec![Script::new().hold_open()]).unwrap();
    let started = Instant::now();
    let err = C::connect(
        &fake.url(),
        ConnectOptions::new().connection_timeout(Duration::from_millis(200)),
    )
    .err()
    .expect("no INFO, no connection");
    let took = started.elapsed();
    assert_eq!(
        err,
        ConnectError::Failed(CloseReason::NoServers(Some(
            DisconnectReason::ConnectTimeout(ConnectStep::Info)
        )))
    );
    assert!(took >= Duration::from_millis(200), "{took:?}");
    assert!(took < Duration::from_secs(3), "{took:?}");
    // Nothing asked for TLS: the text does not send the reader to handshake_first.
    let text = err.to_string();
    assert!(text.contains("waiting for the server's INFO"), "{text}");
    assert!(!text.contains("handshake_first"), "{text}");
}

/// A server that never completes the TCP handshake (its accept queue is
/// full): the connect timeout ends the attempt, and says so.
pub fn connect_timeout_bounds_the_tcp_connect<C: SuiteClient>() {
    let (listener, _filler) = unanswered_listener();
    let url = format!("nats://{}", listener.local_addr().unwrap());
    let started = Instant::now();
    let err = C::connect(
        &url,
        ConnectOptions::new().connection_timeout(Duration::from_millis(300)),
    )
    .err()
    .expect("no TCP connection, no client");
    let took = started.elapsed();
    assert_eq!(
        err,
        ConnectError::Failed(CloseReason::NoServers(Some(
            DisconnectReason::ConnectTimeout(ConnectStep::Tcp)
        )))
    );
    assert!(took >= Duration::from_millis(300), "{took:?}");
    assert!(took < Duration::from_secs(3), "{took:?}");
}

pub fn retain_servers_order_connects_in_order<C: SuiteClient>() {
    let a = server();
    let b = server();
    let list = format!("{},{}", a.url(), b.url());
    for _ in 0..5 {
        let client: C = connect_with(&list, ConnectOptions::new().retain_servers_order());
        assert_eq!(client.connected_server().unwrap().port(), a.port());
        client.close();
    }
    // Without it the pool is shuffled: over 24 clients both servers get picked
    // (the chance that one never is: 2^-23).
    let mut to_a = 0;
    for _ in 0..24 {
        let client: C = connect(&list);
        if client.connected_server().unwrap().port() == a.port() {
            to_a += 1;
        }
        client.close();
    }
    assert!(
        0 < to_a && to_a < 24,
        "{to_a} of 24 picked the first server"
    );
}

pub fn discovered_servers_join_the_pool<C: SuiteClient>() {
    let cluster = Cluster::builder().size(3).jetstream(false).start().unwrap();
    let url = cluster.node(0).url();
    let learning: C = connect(&url);
    natrs_tests::wait_for("3 servers in the pool", WAIT, || {
        learning.servers().len() == 3
    });
    let mut ports: Vec<u16> = learning.servers().iter().map(|s| s.port()).collect();
    ports.sort_unstable();
    let mut want: Vec<u16> = cluster.nodes().iter().map(|n| n.port()).collect();
    want.sort_unstable();
    assert_eq!(ports, want);

    let ignoring: C = connect_with(&url, ConnectOptions::new().ignore_discovered_servers());
    ignoring.flush().unwrap();
    let pool: Vec<u16> = ignoring.servers().iter().map(|s| s.port()).collect();
    assert_eq!(pool, [cluster.node(0).port()]);
}

/// An INFO announcing new servers after the handshake raises
/// `ServersDiscovered` with just the new ones.
pub fn servers_discovered_event<C: SuiteClient>() {
    let mut update = Script::default_info();
    update["connect_urls"] = serde_json::json!(["127.0.0.1:1", "127.0.0.1:2"]);
    let gate = natrs_tests::Gate::new();
    let fake = FakeServer::start(vec![
        Script::new()
            .handshake(&Script::default_info())
            .wait(&gate)
            .send_info(&update)
            .hold_open(),
    ])
    .unwrap();
    let client: C = connect(&fake.url());
    let mut events = client.events();
    gate.open();
    let e = events.expect("ServersDiscovered", WAIT, |e| {
        matches!(e, ClientEvent::ServersDiscovered { .. })
    });
    let ClientEvent::ServersDiscovered { mut servers } = e else {
        unreachable!()
    };
    servers.sort();
    assert_eq!(servers, ["127.0.0.1:1", "127.0.0.1:2"]);
    assert_eq!(client.servers().len(), 3);
}

/// Clones and subscribers share the connection: it stays up while any of
/// them lives and closes when the last one is dropped (here on a thread of
/// its own, outside any runtime).
pub fn dropping_the_last_handle_closes_the_connection<C: SuiteClient>() {
    let server = start(ServerConfig::new().jetstream(false).monitoring(true));
    let client: C = connect_with(&server.url(), ConnectOptions::new().name("last-handle"));
    let mut sub = client.subscribe("alive").unwrap();
    let clone = client.clone();
    client.flush().unwrap();
    drop(client);
    let other: C = connect(&server.url());
    other.publish("alive", b("still")).unwrap();
    assert_eq!(payloads(&take(&mut sub, 1)), ["still"]);
    std::thread::spawn(move || drop(clone)).join().unwrap();
    other.publish("alive", b("again")).unwrap();
    assert_eq!(payloads(&take(&mut sub, 1)), ["again"]);
    let listed = || connz(&server).iter().any(|c| c["name"] == "last-handle");
    assert!(listed());
    std::thread::spawn(move || drop(sub)).join().unwrap();
    natrs_tests::wait_for("the connection to close", WAIT, || !listed());
}

/// `verbose` makes the server acknowledge every operation with `+OK`, which
/// the client consumes; `pedantic` asks for strict checking. Neither changes
/// what the application sees.
pub fn verbose_and_pedantic_connections_work<C: SuiteClient>() {
    let server = server();
    let client: C = connect_with(&server.url(), ConnectOptions::new().verbose().pedantic());
    let mut sub = client.subscribe("v.*").unwrap();
    for i in 0..100 {
        client.publish("v.x", b(&i.to_string())).unwrap();
    }
    client.flush().unwrap();
    assert_eq!(take(&mut sub, 100).len(), 100);
    let svc = client.subscribe("v.svc").unwrap();
    serve(&client, svc, |c, m| reply(c, m, b("ok")));
    client.flush().unwrap();
    assert_eq!(client.request("v.svc", b("?")).unwrap().payload, "ok");
    assert_eq!(client.statistics().reconnects, 0);
    client.close();
}
