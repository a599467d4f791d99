//! Connection control at run time: replacing the server pool, choosing the
//! server of each reconnect, binding outgoing connections to a local
//! address.

use crate::support::*;
use natrs_client::{ClientEvent, ConnectError, DisconnectReason};
use std::sync::{Arc, Mutex};

fn is_reconnected(e: &ClientEvent) -> bool {
    matches!(e, ClientEvent::Reconnected { .. })
}

/// A new pool that lists the current server keeps the connection; one that
/// does not moves the client there at once, keeping its subscriptions.
/// Bad lists are refused and change nothing.
pub fn set_server_pool_keeps_or_moves_the_connection<C: SuiteClient>() {
    let a = server();
    let b = server();
    let log = EventLog::new();
    let client: C = connect_with(&a.url(), log.attach(fast_reconnect()));
    let mut sub = client.subscribe("pool.moved").unwrap();
    client.flush().unwrap();

    client
        .set_server_pool(&format!("{},{}", b.url(), a.url()))
        .unwrap();
    client.flush().unwrap();
    assert_eq!(client.connected_server().unwrap().port(), a.port());
    assert_eq!(client.servers().len(), 2);

    assert!(matches!(
        client.set_server_pool("nats://bad host:1"),
        Err(ConnectError::InvalidAddress { .. })
    ));
    assert!(matches!(
        client.set_server_pool(""),
        Err(ConnectError::InvalidAddress { .. } | ConnectError::InvalidOptions(_))
    ));
    assert_eq!(client.servers().len(), 2, "a refused list changes nothing");

    client.set_server_pool(&b.url()).unwrap();
    log.wait("Reconnected", is_reconnected);
    assert!(log.events().iter().any(|e| matches!(
        e,
        ClientEvent::Disconnected {
            reason: DisconnectReason::Requested
        }
    )));
    assert_eq!(client.connected_server().unwrap().port(), b.port());
    let servers = client.servers();
    assert_eq!(servers.len(), 1);
    assert_eq!(servers[0].port(), b.port());
    // The subscription came along.
    client.flush().unwrap();
    let publisher: C = connect(&b.url());
    publisher
        .publish("pool.moved", crate::support::b("here"))
        .unwrap();
    publisher.flush().unwrap();
    assert_eq!(payloads(&take(&mut sub, 1)), ["here"]);
}

/// What the reconnect callback was shown: the pool's ports and the last error.
type Shown = (Vec<u16>, Option<DisconnectReason>);

/// The reconnect callback chooses the server of each reconnect from the
/// pool it is shown, with the reason the last connection ended.
pub fn reconnect_callback_chooses_the_server<C: SuiteClient>() {
    let a = server();
    let b = server();
    let c = server();
    let target = c.port();
    let seen: Arc<Mutex<Vec<Shown>>> = Arc::default();
    let record = seen.clone();
    let log = EventLog::new();
    let options = fast_reconnect()
        .retain_servers_order()
        .reconnect_to_server_callback(move |choice| {
            record.lock().unwrap().push((
                choice.servers.iter().map(|s| s.port()).collect(),
                choice.last_error.cloned(),
            ));
            choice.servers.iter().find(|s| s.port() == target).cloned()
        });
    let client: C = connect_with(
        &format!("{},{},{}", a.url(), b.url(), c.url()),
        log.attach(options),
    );
    assert_eq!(client.connected_server().unwrap().port(), a.port());
    assert!(
        seen.lock().unwrap().is_empty(),
        "not asked for the first connection"
    );

    client.force_reconnect();
    log.wait("Reconnected", is_reconnected);
    assert_eq!(
        client.connected_server().unwrap().port(),
        c.port(),
        "the chosen server, not the next in order ({})",
        b.port()
    );
    let seen = seen.lock().unwrap();
    let (servers, last_error) = &seen[0];
    let mut ports = servers.clone();
    ports.sort_unstable();
    let mut expected = vec![a.port(), b.port(), c.port()];
    expected.sort_unstable();
    assert_eq!(ports, expected, "the whole pool is shown");
    assert_eq!(last_error, &Some(DisconnectReason::Requested));
}

/// Outgoing connections bind to the local address given: the server sees
/// the client at 127.0.0.2 (a loopback address other than the default
/// 127.0.0.1), after a reconnect as well.
pub fn local_address_binds_outgoing_connections<C: SuiteClient>() {
    let server = start(
        natrs_tests::ServerConfig::new()
            .jetstream(false)
            .monitoring(true),
    );
    let log = EventLog::new();
    let local: std::net::SocketAddr = "127.0.0.2:0".parse().unwrap();
    let client: C = connect_with(
        &server.url(),
        log.attach(fast_reconnect().name("bound").local_address(local)),
    );
    client.flush().unwrap();
    let ip = || {
        connz(&server)
            .iter()
            .find(|c| c["name"] == "bound")
            .map(|c| c["ip"].as_str().unwrap_or_default().to_string())
    };
    assert_eq!(ip().as_deref(), Some("127.0.0.2"));
    client.force_reconnect();
    log.wait("Reconnected", is_reconnected);
    client.flush().unwrap();
    assert_eq!(ip().as_deref(), Some("127.0.0.2"));
}
