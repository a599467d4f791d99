//! Connection drain, subscription drain and close.

mod support;

use bytes::Bytes;
use natrs_core::client::{FlushError, RequestError, SubscriptionEnd, TransportCommand};
use natrs_core::error::{CloseReason, DisconnectReason, TransportError};
use natrs_core::{ConnectionState, Error, Event, Instant};
use support::*;

fn connected() -> Sim {
    let mut cfg = config(&["nats://127.0.0.1:4222", "nats://127.0.0.2:4222"]);
    cfg.retain_servers_order = true;
    let mut sim = Sim::new(cfg);
    sim.connect_ok();
    sim
}

fn ended(sid: natrs_core::Sid, reason: SubscriptionEnd) -> Event {
    Event::SubscriptionEnded { sid, reason }
}

fn closed(reason: CloseReason) -> Event {
    Event::Closed { reason }
}

#[test]
fn drain_unsubscribes_delivers_waits_for_requests_then_closes() {
    let mut sim = connected();
    let a = sim.run(|c, _| c.subscribe("a", None)).unwrap();
    let b = sim.run(|c, _| c.subscribe("b", Some("q"))).unwrap();
    let id = sim
        .run(|c, now| c.request(now, "svc", None, Bytes::new(), 10 * SEC))
        .unwrap();
    let sent = sim.sent();
    let reply = sent
        .lines()
        .find(|l| l.starts_with("PUB svc "))
        .unwrap()
        .split(' ')
        .nth(2)
        .unwrap()
        .to_string();
    sim.run(|c, now| c.drain(now)).unwrap();
    assert!(sim.client.is_draining());
    assert_eq!(
        sim.sent(),
        "UNSUB 1\r\nUNSUB 2\r\nPING\r\n",
        "the mux stays"
    );
    // What the server sent before it saw the UNSUBs is still delivered.
    sim.server(msg("a", 1, None, "in flight"));
    assert!(matches!(sim.events().as_slice(), [Event::Message { sid, .. }] if *sid == a));
    // Publishing goes on until the requests are done; new subscriptions are refused.
    sim.publish("x", "1").unwrap();
    assert_eq!(sim.sent(), "PUB x 1\r\n1\r\n");
    assert_eq!(
        sim.run(|c, _| c.subscribe("c", None)),
        Err(Error::ConnectionDraining)
    );
    assert_eq!(
        sim.run(|c, now| c.drain(now)),
        Ok(()),
        "a second drain is a no-op"
    );
    assert_eq!(sim.sent(), "");
    // The PONG proves nothing more comes for them.
    sim.server("PONG\r\n");
    assert_eq!(
        sim.events(),
        vec![
            ended(a, SubscriptionEnd::Drained),
            ended(b, SubscriptionEnd::Drained)
        ]
    );
    assert_eq!(sim.sent(), "", "waiting for the request in flight");
    sim.server(msg("a", 1, None, "too late"));
    assert_eq!(sim.events(), vec![]);
    // The reply ends the request; the mux goes and publishes are refused.
    sim.server(msg(&reply, 3, None, "answer"));
    assert!(matches!(sim.events().as_slice(), [Event::Reply { id: r, .. }] if *r == id));
    assert_eq!(sim.sent(), "UNSUB 3\r\nPING\r\n");
    assert_eq!(sim.publish("x", "2"), Err(Error::ConnectionDraining));
    assert_eq!(
        sim.run(|c, now| c.request(now, "svc", None, Bytes::new(), SEC)),
        Err(Error::ConnectionDraining)
    );
    assert_eq!(sim.commands(), vec![]);
    // The final PONG: every publish was processed.
    sim.server("PONG\r\n");
    assert_eq!(sim.events(), vec![closed(CloseReason::Drained)]);
    assert_eq!(sim.commands(), vec![TransportCommand::Close]);
    assert_eq!(sim.client.state(), ConnectionState::Closed);
    assert_eq!(sim.client.poll_timeout(), None);
}

#[test]
fn drain_without_subscriptions_or_requests() {
    let mut sim = connected();
    sim.run(|c, now| c.drain(now)).unwrap();
    assert_eq!(sim.sent(), "PING\r\n");
    sim.server("PONG\r\n");
    assert_eq!(sim.sent(), "PING\r\n");
    assert_eq!(sim.events(), vec![]);
    sim.server("PONG\r\n");
    assert_eq!(sim.events(), vec![closed(CloseReason::Drained)]);
}

#[test]
fn drain_timeout_at_the_exact_instant() {
    let mut cfg = config(&["nats://127.0.0.1:4222"]);
    cfg.drain_timeout = 5 * SEC;
    let mut sim = Sim::new(cfg);
    sim.connect_ok();
    let a = sim.run(|c, _| c.subscribe("a", None)).unwrap();
    sim.advance(SEC);
    sim.run(|c, now| c.drain(now)).unwrap();
    assert_eq!(sim.client.poll_timeout(), Some(at_ms(6_000)));
    sim.advance_to(Instant::from_nanos(6_000_000_000 - 1));
    assert_eq!(sim.events(), vec![]);
    sim.advance_to(at_ms(6_000));
    assert_eq!(
        sim.events(),
        vec![
            ended(a, SubscriptionEnd::Closed),
            closed(CloseReason::DrainTimeout)
        ]
    );
    assert_eq!(sim.commands(), vec![TransportCommand::Close]);
}

#[test]
fn drain_across_a_reconnect() {
    let mut sim = connected();
    let a = sim.run(|c, _| c.subscribe("a", None)).unwrap();
    sim.sent();
    sim.run(|c, now| c.drain(now)).unwrap();
    assert_eq!(sim.sent(), "UNSUB 1\r\nPING\r\n");
    sim.eof();
    // Unsubscribed and disconnected: nothing more can come for it.
    assert_eq!(
        sim.events(),
        vec![
            Event::Disconnected {
                reason: DisconnectReason::Transport(TransportError::Eof)
            },
            ended(a, SubscriptionEnd::Drained)
        ]
    );
    // After reconnecting: no SUB, just the final PING.
    assert_eq!(sim.connect_ok(), "PING\r\n");
    sim.server("PONG\r\n");
    assert_eq!(sim.events(), vec![closed(CloseReason::Drained)]);
}

#[test]
fn drain_asked_for_while_disconnected_starts_once_connected() {
    let mut sim = connected();
    sim.run(|c, _| c.subscribe("a", None)).unwrap();
    sim.sent();
    sim.eof();
    sim.events();
    sim.run(|c, now| c.drain(now)).unwrap();
    assert_eq!(sim.connect_ok(), "SUB a 1\r\nUNSUB 1\r\nPING\r\n");
    sim.server("PONG\r\n");
    assert_eq!(sim.sent(), "PING\r\n");
    sim.server("PONG\r\n");
    assert_eq!(sim.events().last(), Some(&closed(CloseReason::Drained)));
}

#[test]
fn drain_waits_for_requests_across_a_reconnect() {
    let mut sim = connected();
    let id = sim
        .run(|c, now| c.request(now, "svc", None, Bytes::new(), 10 * SEC))
        .unwrap();
    let reply = sim
        .sent()
        .lines()
        .find(|l| l.starts_with("PUB "))
        .unwrap()
        .split(' ')
        .nth(2)
        .unwrap()
        .to_string();
    sim.run(|c, now| c.drain(now)).unwrap();
    sim.server("PONG\r\n");
    assert_eq!(
        sim.sent(),
        "PING\r\n",
        "only the PING; the request is pending"
    );
    sim.eof();
    sim.events();
    let after = sim.connect_ok();
    assert!(
        after.starts_with("SUB _INBOX.") && after.ends_with(".* 1\r\n"),
        "{after:?}"
    );
    sim.server(msg(&reply, 1, None, "late but fine"));
    assert!(matches!(sim.events().as_slice(), [Event::Reply { id: r, .. }] if *r == id));
    assert_eq!(sim.sent(), "UNSUB 1\r\nPING\r\n");
    sim.server("PONG\r\n");
    assert_eq!(sim.events(), vec![closed(CloseReason::Drained)]);
}

#[test]
fn a_timed_out_request_lets_the_drain_finish() {
    let mut sim = connected();
    let id = sim
        .run(|c, now| c.request(now, "svc", None, Bytes::new(), SEC))
        .unwrap();
    sim.sent();
    sim.run(|c, now| c.drain(now)).unwrap();
    sim.server("PONG\r\n");
    sim.sent();
    sim.advance(SEC);
    assert_eq!(
        sim.events(),
        vec![Event::RequestFailed {
            id,
            error: RequestError::TimedOut
        }]
    );
    assert_eq!(sim.sent(), "UNSUB 1\r\nPING\r\n");
}

#[test]
fn subscription_drain() {
    for feed in FEEDS {
        let mut sim = connected();
        sim.feed = feed;
        let a = sim.run(|c, _| c.subscribe("a", None)).unwrap();
        let b = sim.run(|c, _| c.subscribe("b", None)).unwrap();
        sim.sent();
        sim.run(|c, _| c.drain_subscription(a)).unwrap();
        assert_eq!(sim.sent(), "UNSUB 1\r\nPING\r\n");
        sim.run(|c, _| c.drain_subscription(a)).unwrap();
        assert_eq!(sim.sent(), "", "already draining");
        sim.server(
            msg("a", 1, None, "1") + &msg("b", 2, None, "2") + "PONG\r\n" + &msg("a", 1, None, "3"),
        );
        let events = sim.events();
        assert_eq!(events.len(), 3, "{feed:?}: {events:?}");
        assert!(matches!(&events[0], Event::Message { sid, .. } if *sid == a));
        assert!(matches!(&events[1], Event::Message { sid, .. } if *sid == b));
        assert_eq!(events[2], ended(a, SubscriptionEnd::Drained));
        assert_eq!(
            sim.run(|c, _| c.drain_subscription(a)),
            Err(Error::UnknownSubscription(1))
        );
        // The other subscription is untouched.
        sim.server(msg("b", 2, None, "4"));
        assert_eq!(sim.events().len(), 1);
    }
}

#[test]
fn subscription_drain_while_disconnected_or_across_a_disconnect() {
    let mut sim = connected();
    let a = sim.run(|c, _| c.subscribe("a", None)).unwrap();
    let b = sim.run(|c, _| c.subscribe("b", None)).unwrap();
    sim.sent();
    sim.run(|c, _| c.drain_subscription(a)).unwrap();
    assert_eq!(sim.sent(), "UNSUB 1\r\nPING\r\n");
    sim.eof();
    let events = sim.events();
    assert_eq!(events[1], ended(a, SubscriptionEnd::Drained));
    sim.run(|c, _| c.drain_subscription(b)).unwrap();
    assert_eq!(sim.events(), vec![ended(b, SubscriptionEnd::Drained)]);
    assert_eq!(sim.connect_ok(), "", "neither is resubscribed");
}

#[test]
fn close_fails_what_is_pending_and_still_hands_out_the_bytes() {
    let mut sim = connected();
    let a = sim.run(|c, _| c.subscribe("a", None)).unwrap();
    sim.sent();
    let (req, flush) = sim.run(|c, now| {
        let req = c
            .request(now, "svc", None, Bytes::from_static(b"q"), SEC)
            .unwrap();
        let flush = c.flush(now).unwrap();
        c.publish("last", None, None, Bytes::from_static(b"words"))
            .unwrap();
        c.close(now);
        (req, flush)
    });
    assert_eq!(
        sim.events(),
        vec![
            Event::RequestFailed {
                id: req,
                error: RequestError::Closed
            },
            Event::FlushFailed {
                id: flush,
                error: FlushError::Closed
            },
            ended(a, SubscriptionEnd::Closed),
            closed(CloseReason::Closed),
        ]
    );
    assert_eq!(sim.commands(), vec![TransportCommand::Close]);
    let sent = sim.sent();
    assert!(
        sent.ends_with("PING\r\nPUB last 5\r\nwords\r\n"),
        "the healthy connection's bytes are written before it closes: {sent:?}"
    );
    assert_eq!(sim.client.buffered_bytes(), 0);
    assert_eq!(sim.client.poll_timeout(), None);
}

#[test]
fn close_while_reconnecting_drops_the_reconnect_buffer() {
    let mut sim = connected();
    sim.eof();
    sim.events();
    sim.expect_connect();
    sim.publish("a", "buffered").unwrap();
    sim.run(|c, now| c.close(now));
    assert_eq!(sim.events(), vec![closed(CloseReason::Closed)]);
    assert_eq!(
        sim.commands(),
        vec![TransportCommand::Close],
        "the attempt is dropped"
    );
    assert_eq!(sim.sent(), "");
}

#[test]
fn close_while_waiting_to_retry_needs_no_transport_command() {
    let mut cfg = config(&["nats://127.0.0.1:4222"]);
    cfg.retry_on_initial_connect = true;
    let mut sim = Sim::new(cfg);
    sim.expect_connect();
    sim.refused();
    assert!(sim.client.poll_timeout().is_some());
    sim.run(|c, now| c.close(now));
    assert_eq!(sim.events(), vec![closed(CloseReason::Closed)]);
    assert_eq!(sim.commands(), vec![]);
    assert_eq!(sim.client.poll_timeout(), None);
}

#[test]
fn nothing_happens_after_close() {
    let mut sim = connected();
    let a = sim.run(|c, _| c.subscribe("a", None)).unwrap();
    sim.run(|c, now| c.close(now));
    sim.events();
    sim.commands();
    sim.sent();
    sim.run(|c, now| c.close(now));
    assert_eq!(sim.publish("a", "x"), Err(Error::ConnectionClosed));
    assert_eq!(
        sim.run(|c, _| c.subscribe("a", None)),
        Err(Error::ConnectionClosed)
    );
    assert_eq!(
        sim.run(|c, _| c.unsubscribe(a, None)),
        Err(Error::ConnectionClosed)
    );
    assert_eq!(
        sim.run(|c, _| c.drain_subscription(a)),
        Err(Error::ConnectionClosed)
    );
    assert_eq!(sim.run(|c, now| c.drain(now)), Err(Error::ConnectionClosed));
    assert_eq!(sim.run(|c, now| c.flush(now)), Err(Error::ConnectionClosed));
    sim.run(|c, now| c.reconnect(now));
    sim.server("PING\r\nMSG a 1 1\r\nx\r\n");
    sim.eof();
    sim.tcp_up();
    sim.advance(600 * SEC);
    assert_eq!(sim.events(), vec![]);
    assert_eq!(sim.commands(), vec![]);
    assert_eq!(sim.sent(), "");
}
