//! PING/PONG: keep-alive and stale detection at exact instants, server PINGs,
//! flush as PING/PONG with its FIFO of purposes, and flushes across disconnects.

mod support;

use natrs_core::client::{FlushError, TransportCommand};
use natrs_core::error::{CloseReason, DisconnectReason};
use natrs_core::{Error, Event, Instant};
use std::time::Duration;
use support::*;

fn keepalive_config(interval: Duration, max_out: u32) -> natrs_core::Config {
    let mut cfg = config(&["nats://127.0.0.1:4222", "nats://127.0.0.2:4222"]);
    cfg.retain_servers_order = true;
    cfg.ping_interval = interval;
    cfg.max_pings_out = max_out;
    cfg
}

#[test]
fn keepalive_pings_and_stale_after_max_pings_out() {
    let mut sim = Sim::new(keepalive_config(10 * SEC, 2));
    sim.advance(SEC);
    assert_eq!(sim.connect_ok(), "");
    // Connected at 1 s: PINGs at 11 s and 21 s, stale at 31 s.
    sim.advance_to(Instant::from_nanos(11_000_000_000 - 1));
    assert_eq!(sim.sent(), "");
    sim.advance_to(at_ms(11_000));
    assert_eq!(sim.sent(), "PING\r\n");
    assert_eq!(sim.client.poll_timeout(), Some(at_ms(21_000)));
    sim.advance_to(at_ms(21_000));
    assert_eq!(sim.sent(), "PING\r\n");
    assert_eq!(sim.commands(), vec![]);
    sim.advance_to(Instant::from_nanos(31_000_000_000 - 1));
    assert_eq!(sim.events(), vec![]);
    sim.advance_to(at_ms(31_000));
    assert_eq!(sim.sent(), "", "no third PING: the connection is stale");
    assert_eq!(
        sim.events(),
        vec![Event::Disconnected {
            reason: DisconnectReason::Stale(2)
        }]
    );
    assert_eq!(
        sim.commands(),
        vec![
            TransportCommand::Close,
            TransportCommand::Connect {
                server: "nats://127.0.0.2:4222".parse().unwrap()
            }
        ]
    );
    assert_eq!(
        sim.client.state(),
        natrs_core::ConnectionState::Reconnecting
    );
}

#[test]
fn a_pong_resets_the_count() {
    let mut sim = Sim::new(keepalive_config(10 * SEC, 2));
    sim.connect_ok();
    sim.advance_to(at_ms(10_000));
    assert_eq!(sim.sent(), "PING\r\n");
    sim.advance_to(at_ms(11_000));
    sim.server("PONG\r\n");
    sim.advance_to(at_ms(30_000));
    assert_eq!(sim.sent(), "PING\r\nPING\r\n");
    assert_eq!(sim.events(), vec![]);
    sim.advance_to(Instant::from_nanos(40_000_000_000 - 1));
    assert_eq!(sim.events(), vec![]);
    sim.advance_to(at_ms(40_000));
    assert_eq!(
        sim.events(),
        vec![Event::Disconnected {
            reason: DisconnectReason::Stale(2)
        }]
    );
}

#[test]
fn max_pings_out_of_one() {
    let mut sim = Sim::new(keepalive_config(5 * SEC, 1));
    sim.connect_ok();
    sim.advance_to(at_ms(5_000));
    assert_eq!(sim.sent(), "PING\r\n");
    sim.advance_to(at_ms(10_000));
    assert_eq!(
        sim.events(),
        vec![Event::Disconnected {
            reason: DisconnectReason::Stale(1)
        }]
    );
}

#[test]
fn server_ping_is_answered_in_every_phase() {
    for feed in FEEDS {
        let mut sim = Sim::new(keepalive_config(120 * SEC, 2));
        sim.feed = feed;
        // Handshake: between CONNECT and PONG.
        sim.expect_connect();
        sim.tcp_up();
        sim.server(info_line(INFO));
        sim.sent();
        sim.server("PING\r\n");
        assert_eq!(sim.sent(), "PONG\r\n", "{feed:?}");
        sim.server("PONG\r\n");
        sim.events();
        // Connected, also between other ops.
        sim.server(format!("PING\r\n{}PING\r\n", msg("x", 9, None, "PING")));
        assert_eq!(sim.sent(), "PONG\r\nPONG\r\n", "{feed:?}");
        // While draining.
        sim.run(|c, now| c.drain(now)).unwrap();
        assert_eq!(sim.sent(), "PING\r\n");
        sim.server("PING\r\n");
        assert_eq!(sim.sent(), "PONG\r\n", "{feed:?}");
        // During a reconnect handshake.
        sim.eof();
        sim.events();
        sim.expect_connect();
        sim.tcp_up();
        sim.server(info_line(INFO));
        sim.sent();
        sim.server("PING\r\n");
        assert_eq!(sim.sent(), "PONG\r\n", "{feed:?}");
    }
}

#[test]
fn flush_is_ping_pong_with_rtt() {
    let mut sim = Sim::new(keepalive_config(120 * SEC, 2));
    sim.connect_ok();
    sim.advance(SEC);
    sim.publish("a", "1").unwrap();
    let id = sim.run(|c, now| c.flush(now)).unwrap();
    assert_eq!(sim.sent(), "PUB a 1\r\n1\r\nPING\r\n");
    sim.advance(250 * MS);
    sim.server("PONG\r\n");
    assert_eq!(sim.events(), vec![Event::FlushDone { id, rtt: 250 * MS }]);
}

#[test]
fn flushes_and_keepalives_share_one_fifo() {
    let mut sim = Sim::new(keepalive_config(10 * SEC, 5));
    sim.connect_ok();
    sim.advance_to(at_ms(1_000));
    let first = sim.run(|c, now| c.flush(now)).unwrap();
    sim.advance_to(at_ms(10_000)); // keep-alive PING
    sim.advance_to(at_ms(12_000));
    let second = sim.run(|c, now| c.flush(now)).unwrap();
    assert_ne!(first, second);
    assert_eq!(sim.sent(), "PING\r\nPING\r\nPING\r\n");
    sim.advance_to(at_ms(13_000));
    sim.server("PONG\r\n");
    assert_eq!(
        sim.events(),
        vec![Event::FlushDone {
            id: first,
            rtt: 12 * SEC
        }]
    );
    sim.advance_to(at_ms(14_000));
    sim.server("PONG\r\n");
    assert_eq!(sim.events(), vec![], "the keep-alive's PONG");
    sim.advance_to(at_ms(15_000));
    sim.server("PONG\r\n");
    assert_eq!(
        sim.events(),
        vec![Event::FlushDone {
            id: second,
            rtt: 3 * SEC
        }]
    );
    // An unsolicited PONG is ignored.
    sim.server("PONG\r\n");
    assert_eq!(sim.events(), vec![]);
    assert_eq!(sim.commands(), vec![]);
}

#[test]
fn pending_flushes_fail_at_disconnect() {
    let mut sim = Sim::new(keepalive_config(120 * SEC, 2));
    sim.connect_ok();
    let a = sim.run(|c, now| c.flush(now)).unwrap();
    let b = sim.run(|c, now| c.flush(now)).unwrap();
    sim.eof();
    assert_eq!(
        sim.events(),
        vec![
            Event::Disconnected {
                reason: DisconnectReason::Transport(natrs_core::error::TransportError::Eof)
            },
            Event::FlushFailed {
                id: a,
                error: FlushError::Disconnected
            },
            Event::FlushFailed {
                id: b,
                error: FlushError::Disconnected
            },
        ]
    );
}

#[test]
fn flush_while_reconnecting_follows_the_reconnect_buffer() {
    let mut sim = Sim::new(keepalive_config(120 * SEC, 2));
    sim.connect_ok();
    let sid = sim.run(|c, _| c.subscribe("foo", None)).unwrap();
    assert_eq!(sim.sent(), "SUB foo 1\r\n");
    sim.eof();
    sim.events();
    sim.publish("a", "x").unwrap();
    let id = sim.run(|c, now| c.flush(now)).unwrap();
    assert_eq!(sim.events(), vec![]);
    sim.advance(100 * MS);
    let after = sim.connect_ok();
    assert_eq!(
        after,
        format!("SUB foo {sid}\r\nPUB a 1\r\nx\r\nPING\r\n"),
        "resubscribe, reconnect buffer, then the flush"
    );
    sim.advance(40 * MS);
    sim.server("PONG\r\n");
    assert_eq!(sim.events(), vec![Event::FlushDone { id, rtt: 40 * MS }]);
}

#[test]
fn deferred_flush_fails_at_close() {
    let mut sim = Sim::new(keepalive_config(120 * SEC, 2));
    let id = sim.run(|c, now| c.flush(now)).unwrap();
    sim.run(|c, now| c.close(now));
    assert_eq!(
        sim.events(),
        vec![
            Event::FlushFailed {
                id,
                error: FlushError::Closed
            },
            Event::Closed {
                reason: CloseReason::Closed
            }
        ]
    );
    assert_eq!(sim.run(|c, now| c.flush(now)), Err(Error::ConnectionClosed));
}
