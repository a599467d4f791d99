//! The server pool and the reconnect schedule: shuffling by seed, retained
//! order, discovered servers, the wait after a full pass (exact instants with
//! the seeded jitter), custom delays, per-server attempt limits, initial
//! connect with and without retry, and the authentication abort rule.

mod support;

use natrs_core::client::{ConnectionState, TransportCommand};
use natrs_core::error::{CloseReason, ConnectStep, DisconnectReason, ServerError, TransportError};
use natrs_core::{Client, Event, Instant, ServerAddr};
use std::sync::Arc;
use std::time::Duration;
use support::*;

fn addr(url: &str) -> ServerAddr {
    ServerAddr::parse(url).unwrap()
}

fn connect_to(url: &str) -> TransportCommand {
    TransportCommand::Connect { server: addr(url) }
}

const A: &str = "nats://127.0.0.1:4222";
const B: &str = "nats://127.0.0.2:4222";
const C: &str = "nats://127.0.0.3:4222";
const D: &str = "nats://127.0.0.4:4222";
const E: &str = "nats://127.0.0.5:4222";

fn ordered(urls: &[&str]) -> natrs_core::Config {
    let mut cfg = config(urls);
    cfg.retain_servers_order = true;
    cfg
}

/// The jitters the client draws with `seed` for its first `n` waits, when the
/// pool is not shuffled: the client's generator gives the NUID its seed first,
/// then one jitter per failed pass.
fn jitters(seed: u64, max: Duration, n: usize) -> Vec<Duration> {
    let mut rng = fastrand::Rng::with_seed(seed);
    let _nuid_seed = rng.u64(..);
    let max = max.as_nanos() as u64;
    (0..n)
        .map(|_| Duration::from_nanos(rng.u64(0..=max)))
        .collect()
}

/// The order the pool was shuffled into with `seed`. `Client::new` already
/// picked the first server, which moved it from the front to the back.
fn order(seed: u64, urls: &[&str]) -> Vec<String> {
    let client = Client::new(config(urls), Instant::ZERO, seed).unwrap();
    let mut servers: Vec<String> = client.servers().map(|s| s.to_string()).collect();
    servers.rotate_right(1);
    servers
}

#[test]
fn shuffle_is_determined_by_the_seed() {
    let urls = [A, B, C, D, E];
    let first = order(7, &urls);
    assert_eq!(first, order(7, &urls), "same seed, same order");
    let mut sorted = first.clone();
    sorted.sort();
    let mut expected: Vec<String> = urls.iter().map(|u| addr(u).to_string()).collect();
    expected.sort();
    assert_eq!(sorted, expected, "a permutation of the configured servers");
    let distinct: std::collections::BTreeSet<Vec<String>> =
        (0..20).map(|seed| order(seed, &urls)).collect();
    assert!(distinct.len() > 5, "seeds change the order: {distinct:?}");

    // The first connect goes to the front of the shuffled pool.
    let mut sim = Sim::with_seed(config(&urls), 7);
    assert_eq!(sim.expect_connect().to_string(), first[0]);
}

#[test]
fn retained_order_is_kept() {
    for seed in 0..5 {
        let client = Client::new(ordered(&[A, B, C]), Instant::ZERO, seed).unwrap();
        let got: Vec<ServerAddr> = client.servers().cloned().collect();
        // A is being tried, so it went to the back.
        assert_eq!(got, vec![addr(B), addr(C), addr(A)]);
    }
    let mut sim = Sim::new(ordered(&[A, B, C]));
    assert_eq!(sim.commands(), vec![connect_to(A)]);
    sim.refused();
    assert_eq!(sim.commands(), vec![connect_to(B)]);
    sim.refused();
    assert_eq!(sim.commands(), vec![connect_to(C)]);
}

#[test]
fn duplicates_are_dropped() {
    let client = Client::new(ordered(&[A, B, A]), Instant::ZERO, 1).unwrap();
    assert_eq!(client.servers().count(), 2);
}

#[test]
fn initial_connect_without_retry_closes_after_one_pass() {
    let mut sim = Sim::new(ordered(&[A, B]));
    sim.expect_connect();
    sim.refused();
    assert_eq!(sim.commands(), vec![connect_to(B)]);
    sim.refused();
    assert_eq!(sim.commands(), vec![]);
    assert_eq!(
        sim.events(),
        vec![Event::Closed {
            reason: CloseReason::NoServers(Some(DisconnectReason::Transport(
                TransportError::Connect("refused".into())
            )))
        }]
    );
    assert_eq!(sim.client.state(), ConnectionState::Closed);
    assert_eq!(sim.client.poll_timeout(), None);
}

#[test]
fn retry_on_initial_connect_waits_and_retries() {
    let mut cfg = ordered(&[A]);
    cfg.retry_on_initial_connect = true;
    cfg.max_reconnects = Some(3);
    let mut sim = Sim::with_seed(cfg, 42);
    let j = jitters(42, 100 * MS, 3);
    sim.expect_connect();
    sim.refused();
    assert_eq!(sim.commands(), vec![]);
    assert_eq!(sim.events(), vec![]);
    assert_eq!(sim.client.state(), ConnectionState::Connecting);
    let first_retry = at_ms(2000) + j[0];
    assert_eq!(sim.client.poll_timeout(), Some(first_retry));
    sim.advance_to(Instant::from_nanos(first_retry.as_nanos() - 1));
    assert_eq!(sim.commands(), vec![]);
    sim.advance_to(first_retry);
    assert_eq!(sim.commands(), vec![connect_to(A)]);
    sim.refused();
    let second_retry = first_retry + 2 * SEC + j[1];
    assert_eq!(sim.client.poll_timeout(), Some(second_retry));
    sim.advance_to(second_retry);
    assert_eq!(sim.commands(), vec![connect_to(A)]);
    // Third attempt connects.
    sim.handshake(INFO);
    assert_eq!(sim.client.state(), ConnectionState::Connected);
    assert_eq!(
        sim.client.statistics().reconnects,
        0,
        "still the first connection"
    );
}

#[test]
fn retry_on_initial_connect_gives_up_at_max_reconnects() {
    let mut cfg = ordered(&[A]);
    cfg.retry_on_initial_connect = true;
    cfg.max_reconnects = Some(2);
    let mut sim = Sim::new(cfg);
    sim.expect_connect();
    sim.refused();
    sim.advance(3 * SEC);
    sim.expect_connect();
    sim.refused();
    sim.advance(3 * SEC);
    assert_eq!(sim.commands(), vec![]);
    assert_eq!(
        sim.events(),
        vec![Event::Closed {
            reason: CloseReason::NoServers(Some(DisconnectReason::Transport(
                TransportError::Connect("refused".into())
            )))
        }]
    );
}

#[test]
fn reconnect_schedule_for_a_fixed_seed() {
    let seed = 9;
    let j = jitters(seed, 100 * MS, 2);
    let mut sim = Sim::with_seed(ordered(&[A, B, C]), seed);
    sim.connect_ok();
    sim.advance_to(at_ms(5_000));
    sim.eof();
    // The next server at once; the current one went to the back.
    assert_eq!(sim.commands(), vec![connect_to(B)]);
    sim.advance(10 * MS);
    sim.refused();
    assert_eq!(sim.commands(), vec![connect_to(C)]);
    sim.advance(10 * MS);
    sim.refused();
    assert_eq!(sim.commands(), vec![connect_to(A)]);
    sim.advance(10 * MS);
    sim.refused();
    // A full pass failed at 5.03 s: wait reconnect_wait + jitter.
    assert_eq!(sim.commands(), vec![]);
    assert_eq!(sim.client.state(), ConnectionState::Reconnecting);
    let retry = at_ms(5_030) + 2 * SEC + j[0];
    assert_eq!(sim.client.poll_timeout(), Some(retry));
    sim.advance_to(Instant::from_nanos(retry.as_nanos() - 1));
    assert_eq!(sim.commands(), vec![]);
    sim.advance_to(retry);
    assert_eq!(sim.commands(), vec![connect_to(B)]);
    sim.refused();
    sim.expect_connect();
    sim.refused();
    sim.expect_connect();
    sim.refused();
    let retry2 = retry + 2 * SEC + j[1];
    assert_eq!(sim.client.poll_timeout(), Some(retry2));
    sim.advance_to(retry2);
    assert_eq!(sim.commands(), vec![connect_to(B)]);
    sim.connect_ok();
    assert_eq!(sim.client.statistics().reconnects, 1);
    assert_eq!(sim.client.statistics().connects, 2);
    let events = sim.events();
    assert_eq!(
        events,
        vec![Event::Disconnected {
            reason: DisconnectReason::Transport(TransportError::Eof)
        }]
    );
}

#[test]
fn tls_servers_use_the_tls_jitter() {
    let seed = 3;
    let j = jitters(seed, SEC, 1);
    let mut cfg = ordered(&["tls://127.0.0.1:4222"]);
    cfg.retry_on_initial_connect = true;
    let mut sim = Sim::with_seed(cfg, seed);
    sim.expect_connect();
    sim.refused();
    assert_eq!(sim.client.poll_timeout(), Some(at_ms(2000) + j[0]));
}

#[test]
fn custom_delay_policy() {
    let mut cfg = ordered(&[A, B]);
    cfg.reconnect_delay = Some(Arc::new(|passes: u32| {
        Duration::from_millis(100 * u64::from(passes))
    }));
    let mut sim = Sim::new(cfg);
    sim.connect_ok();
    // Longer than the wait: the first pass tries both servers at once.
    sim.advance_to(at_ms(10_000));
    sim.eof();
    sim.events();
    sim.expect_connect();
    sim.refused();
    sim.expect_connect();
    sim.refused();
    assert_eq!(sim.client.poll_timeout(), Some(at_ms(10_100)));
    sim.advance_to(at_ms(10_100));
    sim.expect_connect();
    sim.refused();
    sim.expect_connect();
    sim.refused();
    assert_eq!(
        sim.client.poll_timeout(),
        Some(at_ms(10_300)),
        "second pass: 200 ms"
    );
    sim.advance_to(at_ms(10_300));
    sim.expect_connect();
    sim.refused();
    sim.expect_connect();
    sim.refused();
    assert_eq!(
        sim.client.poll_timeout(),
        Some(at_ms(10_600)),
        "third pass: 300 ms"
    );
    sim.advance_to(at_ms(10_600));
    sim.connect_ok();
    // A successful connection starts the count over.
    sim.advance_to(at_ms(20_000));
    sim.eof();
    sim.events();
    sim.expect_connect();
    sim.refused();
    sim.expect_connect();
    sim.refused();
    assert_eq!(sim.client.poll_timeout(), Some(at_ms(20_100)));
}

#[test]
fn servers_leave_the_pool_after_max_reconnects() {
    let mut cfg = ordered(&[A, B]);
    cfg.max_reconnects = Some(2);
    let mut sim = Sim::new(cfg);
    sim.connect_ok(); // A
    sim.advance(10 * SEC);
    sim.eof();
    sim.events();
    // Pass 1: B (1), A (1).
    assert_eq!(sim.commands(), vec![connect_to(B)]);
    sim.refused();
    assert_eq!(sim.commands(), vec![connect_to(A)]);
    sim.refused();
    sim.advance(3 * SEC);
    // Pass 2: B (2), A (2).
    assert_eq!(sim.commands(), vec![connect_to(B)]);
    sim.refused();
    assert_eq!(sim.commands(), vec![connect_to(A)]);
    sim.advance(100 * MS);
    sim.tcp_up();
    sim.advance(2 * SEC); // connect timeout
    assert_eq!(sim.commands(), vec![TransportCommand::Close]);
    // B left the pool when A was picked with B at its limit.
    let pool: Vec<ServerAddr> = sim.client.servers().cloned().collect();
    assert_eq!(pool, vec![addr(A)]);
    sim.advance(3 * SEC);
    // Both reached the limit: the pool is empty.
    assert_eq!(sim.commands(), vec![]);
    assert_eq!(sim.client.servers().count(), 0);
    assert_eq!(
        sim.events(),
        vec![Event::Closed {
            reason: CloseReason::NoServers(Some(DisconnectReason::ConnectTimeout(
                ConnectStep::Info
            )))
        }]
    );
}

#[test]
fn a_successful_connection_resets_that_servers_attempts() {
    let mut cfg = ordered(&[A, B]);
    cfg.max_reconnects = Some(1);
    let mut sim = Sim::new(cfg);
    sim.connect_ok(); // A
    sim.advance(10 * SEC);
    sim.eof();
    assert_eq!(sim.commands(), vec![connect_to(B)]);
    sim.refused(); // B: 1 attempt, at the limit
    assert_eq!(sim.commands(), vec![connect_to(A)]);
    sim.connect_ok(); // A again: its count starts over
    sim.advance(10 * SEC);
    sim.eof();
    // B is dropped, A is tried again.
    assert_eq!(sim.commands(), vec![connect_to(A)]);
    let servers: Vec<ServerAddr> = sim.client.servers().cloned().collect();
    assert_eq!(servers, vec![addr(A)]);
}

#[test]
fn no_reconnect_when_not_allowed() {
    let mut cfg = ordered(&[A, B]);
    cfg.allow_reconnect = false;
    let mut sim = Sim::new(cfg);
    sim.connect_ok();
    sim.eof();
    assert_eq!(sim.commands(), vec![]);
    assert_eq!(
        sim.events(),
        vec![
            Event::Disconnected {
                reason: DisconnectReason::Transport(TransportError::Eof)
            },
            Event::Closed {
                reason: CloseReason::NoServers(Some(DisconnectReason::Transport(
                    TransportError::Eof
                )))
            }
        ]
    );
}

#[test]
fn reconnect_on_request() {
    let mut sim = Sim::new(ordered(&[A, B]));
    sim.connect_ok();
    sim.run(|c, now| c.reconnect(now));
    assert_eq!(
        sim.events(),
        vec![Event::Disconnected {
            reason: DisconnectReason::Requested
        }]
    );
    assert_eq!(sim.commands(), vec![TransportCommand::Close, connect_to(B)]);
    sim.refused();
    sim.expect_connect();
    sim.refused();
    // Waiting for the next pass: reconnect() starts it at once.
    assert!(sim.client.poll_timeout().unwrap() >= at_ms(2000));
    sim.run(|c, now| c.reconnect(now));
    assert_eq!(sim.commands(), vec![connect_to(B)]);
}

#[test]
fn discovered_servers_join_the_pool() {
    let mut sim = Sim::new(ordered(&[A, E]));
    sim.expect_connect();
    sim.tcp_up();
    sim.server(info_line(
        r#"{"server_id":"S","proto":1,"max_payload":1024,"connect_urls":["127.0.0.1:4222","127.0.0.2:4222","127.0.0.3:4222"]}"#,
    ));
    sim.sent();
    sim.server("PONG\r\n");
    // No event for what the first connection's handshake discovered.
    assert_eq!(sim.events(), vec![Event::Connected { server: addr(A) }]);
    let pool: Vec<ServerAddr> = sim.client.servers().cloned().collect();
    assert_eq!(pool, vec![addr(E), addr(B), addr(C), addr(A)]);

    // The 2.12+ INFO right after the PONG repeats the list: nothing new.
    sim.server(info_line(
        r#"{"server_id":"S","proto":1,"max_payload":1024,"connect_urls":["127.0.0.1:4222","127.0.0.2:4222","127.0.0.3:4222"]}"#,
    ));
    assert_eq!(sim.events(), vec![]);

    // Later: D joins, B leaves. Implicit B is pruned; explicit E and current A stay.
    sim.server(info_line(
        r#"{"server_id":"S","proto":1,"max_payload":1024,"connect_urls":["127.0.0.3:4222","127.0.0.4:4222"]}"#,
    ));
    assert_eq!(
        sim.events(),
        vec![Event::ServersDiscovered {
            servers: vec!["127.0.0.4:4222".into()]
        }]
    );
    let pool: Vec<ServerAddr> = sim.client.servers().cloned().collect();
    assert_eq!(pool, vec![addr(E), addr(C), addr(D), addr(A)]);

    // Reconnecting walks the new pool.
    sim.eof();
    sim.events();
    assert_eq!(sim.commands(), vec![connect_to(E)]);
    sim.refused();
    assert_eq!(sim.commands(), vec![connect_to(C)]);
    // On a later connection, discovery during the handshake is reported.
    sim.tcp_up();
    sim.server(info_line(
        r#"{"server_id":"S3","proto":1,"max_payload":1024,"connect_urls":["127.0.0.3:4222","127.0.0.6:4222"]}"#,
    ));
    assert_eq!(
        sim.events(),
        vec![Event::ServersDiscovered {
            servers: vec!["127.0.0.6:4222".into()]
        }]
    );
    // The current server stays even though it is implicit and...
    let pool: Vec<ServerAddr> = sim.client.servers().cloned().collect();
    assert!(pool.contains(&addr(C)));
    assert!(!pool.contains(&addr(D)), "implicit D is no longer listed");
    assert!(pool.contains(&addr(A)) && pool.contains(&addr(E)));
    sim.sent();
    sim.server("PONG\r\n");
    // ...an INFO that no longer lists the current implicit server keeps it.
    sim.server(info_line(
        r#"{"server_id":"S3","proto":1,"max_payload":1024,"connect_urls":["127.0.0.6:4222"]}"#,
    ));
    let pool: Vec<ServerAddr> = sim.client.servers().cloned().collect();
    assert!(pool.contains(&addr(C)));
}

#[test]
fn discovered_servers_inherit_url_credentials() {
    let mut sim = Sim::new(ordered(&["nats://u:p@127.0.0.1:4222"]));
    sim.expect_connect();
    sim.tcp_up();
    sim.server(info_line(
        r#"{"server_id":"S","proto":1,"max_payload":1024,"connect_urls":["127.0.0.2:4222"]}"#,
    ));
    sim.sent();
    sim.server("PONG\r\n");
    sim.eof();
    let server = sim.expect_connect();
    assert_eq!(server.host(), "127.0.0.2");
    assert_eq!(server.user(), Some("u"));
    assert_eq!(server.password(), Some("p"));
}

#[test]
fn ignore_discovered_servers() {
    let mut cfg = ordered(&[A]);
    cfg.ignore_discovered_servers = true;
    let mut sim = Sim::new(cfg);
    sim.connect_ok();
    sim.server(info_line(
        r#"{"server_id":"S","proto":1,"max_payload":1024,"connect_urls":["127.0.0.2:4222"]}"#,
    ));
    assert_eq!(sim.events(), vec![]);
    assert_eq!(sim.client.servers().count(), 1);
}

#[test]
fn discovered_servers_are_shuffled_by_the_seed() {
    let urls =
        r#"["127.0.0.2:4222","127.0.0.3:4222","127.0.0.4:4222","127.0.0.5:4222","127.0.0.6:4222"]"#;
    let run = |seed: u64| {
        let mut sim = Sim::with_seed(config(&[A]), seed);
        sim.expect_connect();
        sim.tcp_up();
        sim.server(info_line(&format!(
            r#"{{"server_id":"S","proto":1,"max_payload":1024,"connect_urls":{urls}}}"#
        )));
        sim.client
            .servers()
            .map(|s| s.to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(run(5), run(5));
    let distinct: std::collections::BTreeSet<Vec<String>> = (0..10).map(run).collect();
    assert!(distinct.len() > 3);
}

#[test]
fn the_same_auth_error_twice_from_one_server_closes() {
    let mut sim = Sim::new(ordered(&[A]));
    sim.connect_ok();
    sim.server("-ERR 'Authorization Violation'\r\n");
    assert_eq!(
        sim.events(),
        vec![Event::Disconnected {
            reason: DisconnectReason::Server(ServerError::AuthorizationViolation)
        }]
    );
    // A was tried a moment ago: the next attempt waits a reconnect wait.
    assert_eq!(sim.commands(), vec![TransportCommand::Close]);
    sim.wait_for_connect();
    assert!(sim.now >= at_ms(2_000));
    assert_eq!(sim.commands(), vec![connect_to(A)]);
    sim.tcp_up();
    sim.server(info_line(INFO));
    sim.sent();
    sim.server("-ERR 'Authorization Violation'\r\n");
    assert_eq!(sim.commands(), vec![TransportCommand::Close]);
    assert_eq!(
        sim.events(),
        vec![Event::Closed {
            reason: CloseReason::AuthFailed(ServerError::AuthorizationViolation)
        }]
    );
}

#[test]
fn different_auth_errors_do_not_close() {
    let mut sim = Sim::new(ordered(&[A]));
    sim.connect_ok();
    sim.server("-ERR 'User Authentication Expired'\r\n");
    sim.events();
    sim.wait_for_connect();
    sim.expect_connect();
    sim.tcp_up();
    sim.server(info_line(INFO));
    sim.sent();
    sim.server("-ERR 'Authorization Violation'\r\n");
    assert_eq!(sim.events(), vec![]);
    assert_eq!(sim.client.state(), ConnectionState::Reconnecting);
    assert!(!sim.saw_closed());
}

#[test]
fn the_same_auth_error_from_each_of_two_servers_closes() {
    let mut sim = Sim::new(ordered(&[A, B]));
    sim.connect_ok(); // A
    sim.server("-ERR 'Authorization Violation'\r\n"); // from A
    sim.events();
    assert_eq!(sim.commands(), vec![TransportCommand::Close, connect_to(B)]);
    sim.tcp_up();
    sim.server(info_line(INFO));
    sim.sent();
    sim.server("-ERR 'Authorization Violation'\r\n"); // from B
    assert_eq!(sim.commands(), vec![TransportCommand::Close]);
    sim.wait_for_connect();
    assert_eq!(sim.commands(), vec![connect_to(A)]);
    sim.tcp_up();
    sim.server(info_line(INFO));
    sim.sent();
    sim.server("-ERR 'Authorization Violation'\r\n"); // from A again
    assert_eq!(sim.commands(), vec![TransportCommand::Close]);
    assert_eq!(
        sim.events(),
        vec![Event::Closed {
            reason: CloseReason::AuthFailed(ServerError::AuthorizationViolation)
        }]
    );
}

/// Replacing the pool keeps a connection whose server is in the new list,
/// and the next reconnect goes through the new list only.
#[test]
fn a_replaced_pool_keeps_a_listed_connection() {
    let mut sim = Sim::new(ordered(&[A, B]));
    sim.connect_ok();
    sim.run(|c, now| c.set_servers(now, vec![addr(C), addr(A)]))
        .unwrap();
    assert!(sim.commands().is_empty(), "the connection stays");
    assert_eq!(sim.client.connected_server(), Some(&addr(A)));
    // The current server sits at the back: C comes next, then A; B is gone.
    let servers: Vec<ServerAddr> = sim.client.servers().cloned().collect();
    assert_eq!(servers, [addr(C), addr(A)]);
    sim.eof();
    assert_eq!(sim.expect_connect(), addr(C));
    // An empty list is refused and changes nothing.
    assert_eq!(
        sim.run(|c, now| c.set_servers(now, Vec::new())),
        Err(natrs_core::client::ConfigError::NoServers)
    );
    assert_eq!(sim.client.servers().count(), 2);
}

/// A pool without the current server moves the client at once.
#[test]
fn a_replaced_pool_without_the_current_server_moves_the_client() {
    let mut sim = Sim::new(ordered(&[A]));
    sim.connect_ok();
    sim.run(|c, now| c.set_servers(now, vec![addr(B)])).unwrap();
    assert_eq!(
        sim.commands(),
        [TransportCommand::Close, connect_to(B)],
        "moved at once, without waiting"
    );
    assert!(
        sim.events().iter().any(|e| matches!(
            e,
            Event::Disconnected {
                reason: DisconnectReason::Requested
            }
        )),
        "the move is reported as a requested reconnect"
    );
}

/// The chooser picks each reconnect's server, sees the pool and the last
/// error, and may name a server outside the pool (it joins it); `None`
/// leaves the choice to the pool's order.
#[test]
fn a_server_chooser_picks_the_reconnect_server() {
    type Seen = Vec<(Vec<String>, Option<DisconnectReason>, bool)>;
    let seen: Arc<std::sync::Mutex<Seen>> = Arc::default();
    let answer: Arc<std::sync::Mutex<Option<ServerAddr>>> = Arc::default();
    let mut cfg = ordered(&[A, B, C]);
    let (log, pick) = (seen.clone(), answer.clone());
    cfg.server_chooser = Some(Arc::new(move |choice| {
        log.lock().unwrap().push((
            choice.servers.iter().map(|s| s.to_string()).collect(),
            choice.last_error.cloned(),
            choice.last_info.is_some(),
        ));
        pick.lock().unwrap().clone()
    }));
    let mut sim = Sim::new(cfg);
    // Not asked for the first connection.
    sim.connect_ok();
    assert!(seen.lock().unwrap().is_empty());
    *answer.lock().unwrap() = Some(addr(C));
    sim.eof();
    assert_eq!(sim.expect_connect(), addr(C), "C, not B (next in order)");
    {
        let seen = seen.lock().unwrap();
        let (servers, last_error, info) = &seen[0];
        assert_eq!(servers, &[addr(B), addr(C), addr(A)].map(|a| a.to_string()));
        assert_eq!(
            last_error,
            &Some(DisconnectReason::Transport(TransportError::Eof))
        );
        assert!(info, "the last INFO is shown");
    }
    // A server outside the pool joins it.
    *answer.lock().unwrap() = Some(addr(D));
    sim.refused();
    assert_eq!(sim.expect_connect(), addr(D));
    assert!(sim.client.servers().any(|s| *s == addr(D)));
    // No choice: the pool's order.
    *answer.lock().unwrap() = None;
    sim.refused();
    assert_eq!(sim.expect_connect(), addr(B));
}
