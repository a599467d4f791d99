//! The request multiplexer and request_many (ADR-47).

mod support;

use bytes::Bytes;
use natrs_core::client::{RequestError, RequestManyOptions, TransportCommand};
use natrs_core::{Error, Event, Instant};
use std::time::Duration;
use support::*;

const NO_RESPONDERS: &str = "NATS/1.0 503\r\n\r\n";

fn bytes(s: &str) -> Bytes {
    Bytes::copy_from_slice(s.as_bytes())
}

fn connected() -> Sim {
    let mut sim = Sim::new(config(&["nats://127.0.0.1:4222"]));
    sim.connect_ok();
    sim
}

/// Starts a request and returns its id and reply subject (read from the PUB).
fn request(
    sim: &mut Sim,
    subject: &str,
    payload: &str,
    timeout: Duration,
) -> (natrs_core::client::RequestId, String) {
    let p = bytes(payload);
    let id = sim
        .run(|c, now| c.request(now, subject, None, &p, timeout))
        .unwrap();
    (id, reply_of(&sim.sent()))
}

fn request_many(
    sim: &mut Sim,
    timeout: Duration,
    options: RequestManyOptions,
) -> (natrs_core::client::RequestId, String) {
    let id = sim
        .run(|c, now| c.request_many(now, "svc", None, Bytes::new(), timeout, options))
        .unwrap();
    (id, reply_of(&sim.sent()))
}

/// The reply subject of the last PUB in `sent`.
fn reply_of(sent: &str) -> String {
    let line = sent
        .lines()
        .rfind(|l| l.starts_with("PUB "))
        .unwrap_or_else(|| panic!("no PUB in {sent:?}"));
    line.split(' ').nth(2).unwrap().to_string()
}

fn reply_payload(event: &Event) -> (natrs_core::client::RequestId, String) {
    match event {
        Event::Reply { id, message } => (*id, String::from_utf8(message.payload.to_vec()).unwrap()),
        other => panic!("not a reply: {other:?}"),
    }
}

#[test]
fn one_lazy_wildcard_subscription_and_a_token_per_request() {
    let mut sim = connected();
    let p = bytes("hi");
    let first = sim
        .run(|c, now| c.request(now, "svc.a", None, &p, SEC))
        .unwrap();
    let sent = sim.sent();
    // SUB _INBOX.<22-char nuid>.* 1, then the PUB with the first token.
    let sub = sent.lines().next().unwrap();
    let parts: Vec<&str> = sub.split(' ').collect();
    assert_eq!(parts[0], "SUB");
    assert_eq!(parts[2], "1");
    let prefix = parts[1].strip_suffix(".*").unwrap().to_string();
    let nuid = prefix.strip_prefix("_INBOX.").unwrap();
    assert_eq!(nuid.len(), 22);
    assert!(nuid.bytes().all(|b| b.is_ascii_alphanumeric()));
    assert_eq!(
        sent,
        format!("SUB {prefix}.* 1\r\nPUB svc.a {prefix}.1 2\r\nhi\r\n")
    );
    let (second, reply2) = request(&mut sim, "svc.b", "yo", SEC);
    assert_eq!(reply2, format!("{prefix}.2"), "no second SUB, a new token");
    assert_ne!(first, second);
    assert_eq!(sim.client.subscription_count(), 1);

    // Replies are routed by token, in any order.
    sim.server(msg(&reply2, 1, None, "two") + &msg(&format!("{prefix}.1"), 1, None, "one"));
    let events = sim.events();
    assert_eq!(events.len(), 2);
    assert_eq!(reply_payload(&events[0]), (second, "two".into()));
    assert_eq!(reply_payload(&events[1]), (first, "one".into()));
    // A second reply to a finished request, and junk on the mux, are ignored.
    sim.server(
        msg(&reply2, 1, None, "again")
            + &msg(&format!("{prefix}.999"), 1, None, "unknown")
            + &msg(&format!("{prefix}.x"), 1, None, "not a token"),
    );
    assert_eq!(sim.events(), vec![]);
    assert_eq!(sim.client.statistics().in_msgs, 5);
}

#[test]
fn deadline_removes_the_waiter_at_the_exact_instant() {
    let mut sim = connected();
    sim.advance(500 * MS);
    let (id, reply) = request(&mut sim, "svc", "q", SEC);
    assert_eq!(sim.client.poll_timeout(), Some(at_ms(1_500)));
    sim.advance_to(Instant::from_nanos(1_500_000_000 - 1));
    assert_eq!(sim.events(), vec![]);
    sim.advance_to(at_ms(1_500));
    assert_eq!(
        sim.events(),
        vec![Event::RequestFailed {
            id,
            error: RequestError::TimedOut
        }]
    );
    // A late reply is ignored.
    sim.server(msg(&reply, 1, None, "late"));
    assert_eq!(sim.events(), vec![]);
    assert_eq!(sim.client.poll_timeout(), Some(at_ms(120_000)));
}

#[test]
fn no_responders_fails_at_once() {
    let mut sim = connected();
    let (id, reply) = request(&mut sim, "nobody", "", SEC);
    sim.advance(3 * MS);
    sim.server(hmsg(&reply, 1, None, NO_RESPONDERS, ""));
    assert_eq!(
        sim.events(),
        vec![Event::RequestFailed {
            id,
            error: RequestError::NoResponders
        }]
    );
    // Its deadline is gone.
    assert_eq!(sim.client.poll_timeout(), Some(at_ms(120_000)));
}

#[test]
fn a_503_with_a_payload_is_a_reply() {
    let mut sim = connected();
    let (id, reply) = request(&mut sim, "svc", "", SEC);
    sim.server(hmsg(&reply, 1, None, NO_RESPONDERS, "data"));
    let events = sim.events();
    assert_eq!(reply_payload(&events[0]), (id, "data".into()));
}

#[test]
fn cancel_request() {
    let mut sim = connected();
    let (id, reply) = request(&mut sim, "svc", "", SEC);
    assert!(sim.run(|c, now| c.cancel_request(now, id)));
    assert!(!sim.run(|c, now| c.cancel_request(now, id)));
    sim.server(msg(&reply, 1, None, "x"));
    sim.advance(2 * SEC);
    assert_eq!(sim.events(), vec![]);
}

#[test]
fn request_while_disconnected_subscribes_before_the_buffered_publish() {
    let mut sim = connected();
    sim.eof();
    sim.events();
    let p = bytes("x");
    let id = sim
        .run(|c, now| c.request(now, "svc", None, &p, 10 * SEC))
        .unwrap();
    let after = sim.connect_ok();
    let mut lines = after.split("\r\n");
    let sub = lines.next().unwrap();
    assert!(
        sub.starts_with("SUB _INBOX.") && sub.ends_with(".* 1"),
        "{after:?}"
    );
    let reply = reply_of(&after);
    assert_eq!(format!("SUB {reply}"), sub.replace(".* 1", ".1"));
    sim.server(msg(&reply, 1, None, "ok"));
    assert_eq!(reply_payload(&sim.events()[0]), (id, "ok".into()));
}

#[test]
fn requests_outlive_a_reconnect_and_keep_their_deadline() {
    let mut sim = connected();
    let (id, reply) = request(&mut sim, "svc", "", 5 * SEC);
    sim.advance(SEC);
    sim.eof();
    sim.events();
    let resub = sim.connect_ok();
    assert!(
        resub.starts_with("SUB _INBOX."),
        "the mux is resubscribed: {resub:?}"
    );
    sim.server(msg(&reply, 1, None, "after"));
    assert_eq!(reply_payload(&sim.events()[0]), (id, "after".into()));

    // Reconnected after 2 s plus jitter: attempts to one server are a
    // reconnect wait apart.
    assert!(sim.now >= at_ms(2_000) && sim.now <= at_ms(2_100));
    let (id2, _) = request(&mut sim, "svc", "", 5 * SEC);
    sim.eof();
    sim.events();
    sim.advance_to(at_ms(7_100));
    assert_eq!(
        sim.events(),
        vec![Event::RequestFailed {
            id: id2,
            error: RequestError::TimedOut
        }],
        "a request never hangs while disconnected"
    );
}

#[test]
fn invalid_requests_leave_nothing_behind() {
    let mut sim = connected();
    assert!(matches!(
        sim.run(|c, now| c.request(now, "bad subject", None, Bytes::new(), SEC)),
        Err(Error::InvalidSubject { .. })
    ));
    assert!(matches!(
        sim.run(|c, now| c.request(now, "wild.*", None, Bytes::new(), SEC)),
        Err(Error::InvalidSubject { .. })
    ));
    assert_eq!(sim.sent(), "");
    assert_eq!(sim.client.poll_timeout(), Some(at_ms(120_000)));
}

#[test]
fn request_many_ends_at_max_messages() {
    let mut sim = connected();
    let (id, reply) = request_many(
        &mut sim,
        SEC,
        RequestManyOptions {
            max_messages: Some(3),
            ..Default::default()
        },
    );
    for i in 0..4 {
        sim.server(msg(&reply, 1, None, &format!("r{i}")));
    }
    let events = sim.events();
    assert_eq!(events.len(), 4, "{events:?}");
    for (i, e) in events[..3].iter().enumerate() {
        assert_eq!(reply_payload(e), (id, format!("r{i}")));
    }
    assert_eq!(events[3], Event::RequestDone { id });
    assert_eq!(sim.client.poll_timeout(), Some(at_ms(120_000)));
}

#[test]
fn request_many_overall_timeout_ends_normally() {
    let mut sim = connected();
    let (id, reply) = request_many(&mut sim, 2 * SEC, RequestManyOptions::default());
    sim.advance(SEC);
    sim.server(msg(&reply, 1, None, "a"));
    sim.advance(500 * MS);
    sim.server(msg(&reply, 1, None, "b"));
    assert_eq!(sim.events().len(), 2);
    sim.advance_to(Instant::from_nanos(2_000_000_000 - 1));
    assert_eq!(sim.events(), vec![]);
    sim.advance_to(at_ms(2_000));
    assert_eq!(sim.events(), vec![Event::RequestDone { id }]);
    // Nothing at all within the timeout also ends normally.
    let (id, _) = request_many(&mut sim, SEC, RequestManyOptions::default());
    sim.advance(SEC);
    assert_eq!(sim.events(), vec![Event::RequestDone { id }]);
}

#[test]
fn request_many_stall_timer_restarts_with_every_reply() {
    let mut sim = connected();
    let opts = RequestManyOptions {
        stall: Some(100 * MS),
        ..Default::default()
    };
    let (id, reply) = request_many(&mut sim, 2 * SEC, opts);
    // ADR-47: the first reply is awaited with the total timeout, not the stall.
    sim.advance_to(at_ms(500));
    assert_eq!(sim.events(), vec![], "no stall before the first reply");
    sim.server(msg(&reply, 1, None, "1"));
    assert_eq!(sim.client.poll_timeout(), Some(at_ms(600)));
    sim.advance_to(at_ms(590));
    sim.server(msg(&reply, 1, None, "2"));
    assert_eq!(sim.client.poll_timeout(), Some(at_ms(690)));
    sim.advance_to(Instant::from_nanos(690_000_000 - 1));
    assert_eq!(sim.events().len(), 2);
    sim.advance_to(at_ms(690));
    assert_eq!(sim.events(), vec![Event::RequestDone { id }]);
    sim.server(msg(&reply, 1, None, "late"));
    assert_eq!(sim.events(), vec![]);
}

#[test]
fn request_many_stall_never_extends_the_total_timeout() {
    let mut sim = connected();
    let opts = RequestManyOptions {
        stall: Some(300 * MS),
        ..Default::default()
    };
    let (id, reply) = request_many(&mut sim, SEC, opts);
    sim.advance_to(at_ms(900));
    sim.server(msg(&reply, 1, None, "1"));
    assert_eq!(sim.client.poll_timeout(), Some(at_ms(1_000)));
    sim.advance_to(at_ms(1_000));
    assert_eq!(sim.events().last(), Some(&Event::RequestDone { id }));
}

#[test]
fn request_many_zero_stall_is_no_stall() {
    // ADR-47: a stall below 1 behaves as if none was given.
    let mut sim = connected();
    let opts = RequestManyOptions {
        stall: Some(Duration::ZERO),
        ..Default::default()
    };
    let (id, reply) = request_many(&mut sim, SEC, opts);
    sim.server(msg(&reply, 1, None, "1"));
    sim.server(msg(&reply, 1, None, "2"));
    sim.advance_to(at_ms(999));
    assert_eq!(sim.events().len(), 2);
    sim.advance_to(at_ms(1_000));
    assert_eq!(sim.events(), vec![Event::RequestDone { id }]);
}

#[test]
fn request_many_sentinel() {
    let mut sim = connected();
    let opts = RequestManyOptions {
        sentinel: true,
        ..Default::default()
    };
    let (id, reply) = request_many(&mut sim, SEC, opts);
    sim.server(msg(&reply, 1, None, "a") + &msg(&reply, 1, None, "") + &msg(&reply, 1, None, "b"));
    let events = sim.events();
    assert_eq!(events.len(), 2, "{events:?}");
    assert_eq!(reply_payload(&events[0]), (id, "a".into()));
    assert_eq!(
        events[1],
        Event::RequestDone { id },
        "the sentinel is not delivered"
    );

    // Without the sentinel option an empty reply is an ordinary reply.
    let (id, reply) = request_many(&mut sim, SEC, RequestManyOptions::default());
    sim.server(msg(&reply, 1, None, ""));
    assert_eq!(reply_payload(&sim.events()[0]), (id, String::new()));
}

#[test]
fn request_many_no_responders() {
    let mut sim = connected();
    let (id, reply) = request_many(&mut sim, SEC, RequestManyOptions::default());
    sim.server(hmsg(&reply, 1, None, NO_RESPONDERS, ""));
    assert_eq!(
        sim.events(),
        vec![Event::RequestFailed {
            id,
            error: RequestError::NoResponders
        }]
    );
    // After a reply, a 503 ends the request normally.
    let (id, reply) = request_many(&mut sim, SEC, RequestManyOptions::default());
    sim.server(msg(&reply, 1, None, "x") + &hmsg(&reply, 1, None, NO_RESPONDERS, ""));
    let events = sim.events();
    assert_eq!(events.len(), 2);
    assert_eq!(events[1], Event::RequestDone { id });
}

#[test]
fn requests_fail_at_close() {
    let mut sim = connected();
    let (a, _) = request(&mut sim, "svc", "", SEC);
    let (b, _) = request_many(&mut sim, SEC, RequestManyOptions::default());
    sim.run(|c, now| c.close(now));
    assert_eq!(
        sim.events(),
        vec![
            Event::RequestFailed {
                id: a,
                error: RequestError::Closed
            },
            Event::RequestFailed {
                id: b,
                error: RequestError::Closed
            },
            Event::Closed {
                reason: natrs_core::error::CloseReason::Closed
            }
        ]
    );
    assert_eq!(sim.commands(), vec![TransportCommand::Close]);
    assert_eq!(
        sim.run(|c, now| c.request(now, "svc", None, Bytes::new(), SEC)),
        Err(Error::ConnectionClosed)
    );
}

#[test]
fn the_mux_is_not_a_user_subscription() {
    let mut sim = connected();
    let (_, _) = request(&mut sim, "svc", "", SEC);
    let mux = natrs_core::Sid(1);
    assert_eq!(
        sim.run(|c, _| c.unsubscribe(mux, None)),
        Err(Error::UnknownSubscription(1))
    );
    assert_eq!(
        sim.run(|c, _| c.drain_subscription(mux)),
        Err(Error::UnknownSubscription(1))
    );
    assert_eq!(sim.sent(), "");
    let (id, reply) = request(&mut sim, "svc", "", SEC);
    sim.server(msg(&reply, 1, None, "still routed"));
    assert_eq!(reply_payload(&sim.events()[0]).0, id);
}
