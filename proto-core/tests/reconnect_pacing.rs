//! Reconnects never storm: whatever the servers do (refuse, hang, close at
//! once after TCP, after CONNECT or after the handshake, send a fatal or an
//! authentication `-ERR`), two connection attempts to one server are at
//! least a reconnect wait apart. A property over random server scripts, on
//! the simulated clock.

mod support;

use core::time::Duration;
use natrs_core::Instant;
use natrs_core::client::TransportCommand;
use proptest::prelude::*;
use std::collections::BTreeMap;
use support::*;

/// What a server does with one connection attempt.
#[derive(Debug, Clone)]
enum Behaviour {
    /// The TCP connect is refused.
    Refuse,
    /// TCP up, then closed before INFO.
    CloseAtOnce,
    /// INFO, then closed when CONNECT arrives.
    CloseAfterConnect,
    /// TCP up and nothing more: the connect timeout ends it.
    Hang,
    /// An `-ERR` in place of the handshake's PONG.
    ErrInPlaceOfPong(&'static str),
    /// The handshake finishes, then the connection lives this long and is
    /// closed (0: a server that drops what the client replays, or accepts an
    /// expired JWT for a moment).
    DropAfter(Duration),
    /// The handshake finishes, then a fatal `-ERR` (after the replayed SUBs).
    ErrAfterHandshake(&'static str),
}

const ERRORS: [&str; 4] = [
    "Authorization Violation",
    "User Authentication Expired",
    "Maximum Control Line Exceeded",
    "Unknown Protocol Operation",
];

fn behaviour() -> impl Strategy<Value = Behaviour> {
    let err = (0..ERRORS.len()).prop_map(|i| ERRORS[i]);
    prop_oneof![
        1 => Just(Behaviour::Refuse),
        1 => Just(Behaviour::CloseAtOnce),
        1 => Just(Behaviour::CloseAfterConnect),
        1 => Just(Behaviour::Hang),
        1 => err.clone().prop_map(Behaviour::ErrInPlaceOfPong),
        3 => prop_oneof![Just(0u64), 0u64..50, 0u64..5_000]
            .prop_map(|ms| Behaviour::DropAfter(Duration::from_millis(ms))),
        1 => err.prop_map(Behaviour::ErrAfterHandshake),
    ]
}

/// Plays `script` (attempt *i* gets `script[i % len]`, after `delay[i % len]`)
/// until the client closes or `max_attempts` were made; returns every
/// attempt as (server, instant).
fn play(
    sim: &mut Sim,
    script: &[Behaviour],
    delays: &[u64],
    max_attempts: usize,
) -> Vec<(String, Instant)> {
    let mut attempts = Vec::new();
    while attempts.len() < max_attempts && !sim.saw_closed() {
        let server = sim.commands().into_iter().find_map(|c| match c {
            TransportCommand::Connect { server } => Some(server),
            _ => None,
        });
        let Some(server) = server else {
            match sim.client.poll_timeout() {
                Some(t) => {
                    sim.advance_to(t);
                    continue;
                }
                None => break,
            }
        };
        let i = attempts.len();
        attempts.push((server.to_string(), sim.now));
        sim.advance(Duration::from_millis(delays[i % delays.len()]));
        match &script[i % script.len()] {
            Behaviour::Refuse => sim.refused(),
            Behaviour::CloseAtOnce => {
                sim.tcp_up();
                sim.eof();
            }
            Behaviour::CloseAfterConnect => {
                sim.tcp_up();
                sim.server(info_line(INFO));
                sim.eof();
            }
            Behaviour::Hang => sim.tcp_up(),
            Behaviour::ErrInPlaceOfPong(text) => {
                sim.tcp_up();
                sim.server(info_line(INFO));
                sim.server(format!("-ERR '{text}'\r\n"));
            }
            Behaviour::DropAfter(d) => {
                sim.tcp_up();
                sim.server(info_line(INFO));
                sim.server("PONG\r\n");
                sim.advance(*d);
                if sim.client.connected_server().is_some() {
                    sim.eof();
                }
            }
            Behaviour::ErrAfterHandshake(text) => {
                sim.tcp_up();
                sim.server(info_line(INFO));
                sim.server("PONG\r\n");
                sim.server(format!("-ERR '{text}'\r\n"));
            }
        }
    }
    attempts
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn attempts_to_one_server_are_a_reconnect_wait_apart(
        servers in 1usize..4,
        wait_ms in 1u64..3_000,
        jitter_ms in 0u64..500,
        subscriptions in 0usize..3,
        script in proptest::collection::vec(behaviour(), 1..40),
        delays in proptest::collection::vec(0u64..30, 1..8),
        seed in any::<u64>(),
    ) {
        let urls = ["nats://127.0.0.1:4222", "nats://127.0.0.2:4222", "nats://127.0.0.3:4222"];
        let mut cfg = config(&urls[..servers]);
        cfg.reconnect_wait = Duration::from_millis(wait_ms);
        cfg.reconnect_jitter = Duration::from_millis(jitter_ms);
        cfg.max_reconnects = None;
        cfg.retry_on_initial_connect = true;
        let mut sim = Sim::with_seed(cfg, seed);
        for i in 0..subscriptions {
            sim.run(|c, _| c.subscribe(&format!("s.{i}"), None)).unwrap();
        }
        let attempts = play(&mut sim, &script, &delays, 300);
        prop_assert!(!attempts.is_empty());
        let mut last: BTreeMap<&str, Instant> = BTreeMap::new();
        for (server, at) in &attempts {
            if let Some(prev) = last.insert(server, *at) {
                prop_assert!(
                    *at - prev >= Duration::from_millis(wait_ms),
                    "{server} tried at {prev:?} and again at {at:?} (wait {wait_ms} ms)\n{}",
                    dump(&sim.log)
                );
            }
        }
    }
}

/// A server that completes every handshake and drops the connection at once
/// (as one that refuses a replayed operation does): the client reconnects
/// once at once, then every reconnect wait, not in a loop.
#[test]
fn a_server_that_drops_every_connection_is_not_stormed() {
    let mut cfg = config(&["nats://127.0.0.1:4222"]);
    cfg.reconnect_jitter = Duration::ZERO;
    cfg.max_reconnects = None;
    let mut sim = Sim::new(cfg);
    let mut script = vec![Behaviour::DropAfter(Duration::ZERO); 6];
    script[0] = Behaviour::DropAfter(10 * SEC);
    let attempts = play(&mut sim, &script, &[0], 6);
    let at: Vec<Instant> = attempts.iter().map(|(_, at)| *at).collect();
    // The first connection lives 10 s; the retry after it comes at once,
    // then every 2 s.
    assert_eq!(
        at,
        [0, 10_000, 12_000, 14_000, 16_000, 18_000].map(at_ms),
        "{}",
        dump(&sim.log)
    );
}
