//! Publishing and subscribing: exact bytes, local validation errors (the
//! connection stays usable), the reconnect buffer, resubscription, message
//! delivery and bad headers, `-ERR` classification, protocol violations,
//! statistics, lame duck and user timers.

mod support;

use bytes::{Bytes, BytesMut};
use natrs_core::client::{ConnectionState, SubscriptionEnd, TransportCommand};
use natrs_core::error::{DisconnectReason, PermissionOp, ServerError, TransportError};
use natrs_core::headers::HeaderError;
use natrs_core::proto::ProtocolError;
use natrs_core::subject::SubjectError;
use natrs_core::{Error, Event, HeaderMap, Instant, Message, ServerAddr, Sid};
use support::*;

fn addr(url: &str) -> ServerAddr {
    ServerAddr::parse(url).unwrap()
}

const A: &str = "nats://127.0.0.1:4222";
const B: &str = "nats://127.0.0.2:4222";

fn connected() -> Sim {
    let mut cfg = config(&[A, B]);
    cfg.retain_servers_order = true;
    let mut sim = Sim::new(cfg);
    sim.connect_ok();
    sim
}

fn bytes(s: &str) -> Bytes {
    Bytes::copy_from_slice(s.as_bytes())
}

#[test]
fn publish_bytes() {
    let mut sim = connected();
    sim.publish("foo.bar", "hello").unwrap();
    assert_eq!(sim.sent(), "PUB foo.bar 5\r\nhello\r\n");
    sim.run(|c, _| c.publish("a", Some("r.1"), None, Bytes::new()))
        .unwrap();
    assert_eq!(sim.sent(), "PUB a r.1 0\r\n\r\n");
    let mut h = HeaderMap::new();
    h.insert("K", "v");
    sim.run(|c, _| c.publish("a", None, Some(&h), bytes("xy")))
        .unwrap();
    assert_eq!(sim.sent(), "HPUB a 18 20\r\nNATS/1.0\r\nK: v\r\n\r\nxy\r\n");
    sim.run(|c, _| c.publish("a", Some("r"), Some(&HeaderMap::new()), Bytes::new()))
        .unwrap();
    assert_eq!(sim.sent(), "HPUB a r 12 12\r\nNATS/1.0\r\n\r\n\r\n");
}

#[test]
fn max_payload_is_checked_before_queuing() {
    let mut sim = Sim::new(config(&[A]));
    sim.handshake(r#"{"server_id":"S","proto":1,"max_payload":16,"headers":true}"#);
    sim.sent();
    sim.publish("a", "0123456789abcdef").unwrap();
    assert_eq!(sim.sent(), "PUB a 16\r\n0123456789abcdef\r\n");
    assert_eq!(
        sim.publish("a", "0123456789abcdefg"),
        Err(Error::MaxPayloadExceeded { size: 17, max: 16 })
    );
    // Headers count: "NATS/1.0\r\n\r\n" is 12 bytes.
    let h = HeaderMap::new();
    sim.run(|c, _| c.publish("a", None, Some(&h), bytes("abcd")))
        .unwrap();
    assert_eq!(
        sim.run(|c, _| c.publish("a", None, Some(&h), bytes("abcde"))),
        Err(Error::MaxPayloadExceeded { size: 17, max: 16 })
    );
    assert_eq!(sim.sent(), "HPUB a 12 16\r\nNATS/1.0\r\n\r\nabcd\r\n");
    // A request over the limit fails the same way and leaves nothing behind.
    assert_eq!(
        sim.run(|c, now| c.request(now, "svc", None, bytes("0123456789abcdefg"), SEC)),
        Err(Error::MaxPayloadExceeded { size: 17, max: 16 })
    );
    assert_eq!(
        sim.client.poll_timeout(),
        Some(at_ms(120_000)),
        "no request deadline"
    );
    sim.publish("a", "ok").unwrap();
    assert_eq!(sim.sent().lines().last(), Some("ok"));
    assert_eq!(sim.commands(), vec![]);
    assert_eq!(sim.events(), vec![]);
}

#[test]
fn headers_need_a_server_with_headers() {
    let mut sim = Sim::new(config(&[A]));
    sim.handshake(r#"{"server_id":"S","proto":1,"max_payload":1024}"#);
    let h = HeaderMap::new();
    assert_eq!(
        sim.run(|c, _| c.publish("a", None, Some(&h), bytes("x"))),
        Err(Error::HeadersNotSupported)
    );
    sim.publish("a", "x").unwrap();
    assert_eq!(sim.sent(), "PUB a 1\r\nx\r\n");
}

#[test]
fn invalid_input_gives_typed_errors_and_sends_nothing() {
    let mut sim = connected();
    let empty = Bytes::new();
    let cases: Vec<(Result<(), Error>, &str)> = vec![
        (sim.publish("", "x"), "empty subject"),
        (sim.publish("a b", "x"), "space"),
        (sim.publish("a\r\nPUB b 1", "x"), "CRLF"),
        (sim.publish("a.*", "x"), "wildcard in a publish subject"),
        (sim.publish("a..b", "x"), "empty token"),
        (
            sim.run(|c, _| c.publish("a", Some("r *"), None, &empty)),
            "bad reply",
        ),
    ];
    for (result, what) in cases {
        assert!(
            matches!(result, Err(Error::InvalidSubject { .. })),
            "{what}: {result:?}"
        );
    }
    assert_eq!(
        sim.publish("a b", "x"),
        Err(Error::InvalidSubject {
            subject: "a b".into(),
            reason: SubjectError::InvalidCharacter(1)
        })
    );
    assert!(matches!(
        sim.run(|c, _| c.subscribe("a..b", None)),
        Err(Error::InvalidSubject { .. })
    ));
    assert!(matches!(
        sim.run(|c, _| c.subscribe("a", Some("q q"))),
        Err(Error::InvalidQueueGroup { .. })
    ));
    assert!(matches!(
        sim.run(|c, _| c.subscribe("a", Some(""))),
        Err(Error::InvalidQueueGroup { .. })
    ));
    let mut h = HeaderMap::new();
    h.insert("K", "line\r\nbreak");
    assert!(matches!(
        sim.run(|c, _| c.publish("a", None, Some(&h), &empty)),
        Err(Error::InvalidHeader(HeaderError::InvalidValue(_)))
    ));
    let mut h = HeaderMap::new();
    h.insert("Bad Name", "v");
    assert!(matches!(
        sim.run(|c, _| c.publish("a", None, Some(&h), &empty)),
        Err(Error::InvalidHeader(HeaderError::InvalidName(_)))
    ));
    let long = "a".repeat(5000);
    assert!(matches!(
        sim.publish(&long, "x"),
        Err(Error::ControlLineTooLong { max: 4096, .. })
    ));
    assert!(matches!(
        sim.run(|c, _| c.subscribe(&long, None)),
        Err(Error::ControlLineTooLong { max: 4096, .. })
    ));
    assert_eq!(
        sim.run(|c, _| c.unsubscribe(Sid(99), None)),
        Err(Error::UnknownSubscription(99))
    );
    assert_eq!(sim.sent(), "", "nothing was sent for any of them");
    assert_eq!(sim.client.statistics().out_msgs, 0);
    // The connection is still usable.
    sim.run(|c, _| c.subscribe("a.*", Some("q"))).unwrap();
    sim.publish("a.b", "x").unwrap();
    assert_eq!(sim.sent(), "SUB a.* q 1\r\nPUB a.b 1\r\nx\r\n");
    assert_eq!(sim.commands(), vec![]);
    assert_eq!(sim.events(), vec![]);
    assert_eq!(sim.client.state(), ConnectionState::Connected);
}

#[test]
fn input_is_taken_in_pieces_of_at_most_max_ops() {
    let mut sim = connected();
    let sid = sim.run(|c, _| c.subscribe("p", None)).unwrap();
    sim.sent();
    let whole: String = (0..5).map(|i| msg("p", 1, None, &i.to_string())).collect();
    let mut buf = BytesMut::from(format!("{whole}MSG p 1 3\r\nab").as_bytes());
    let mut pieces = Vec::new();
    let mut payloads = Vec::new();
    loop {
        let more = sim.run(|c, now| c.handle_input_some(now, &mut buf, 2));
        let events = sim.events();
        pieces.push((events.len(), more));
        for event in events {
            match event {
                Event::Message { sid: s, message } if s == sid => payloads.push(message.payload),
                other => panic!("{other:?}"),
            }
        }
        if !more {
            break;
        }
    }
    assert_eq!(pieces, [(2, true), (2, true), (1, false)]);
    assert_eq!(payloads, ["0", "1", "2", "3", "4"]);
    assert_eq!(&buf[..], b"MSG p 1 3\r\nab", "the incomplete frame waits");

    // A protocol violation ends the piece and the connection.
    buf.extend_from_slice(b"c\r\nBOGUS\r\nMSG p 1 1\r\ny\r\n");
    let more = sim.run(|c, now| c.handle_input_some(now, &mut buf, 10));
    assert!(!more);
    assert!(buf.is_empty(), "the rest of the read is dropped");
    let events = sim.events();
    assert!(matches!(events[0], Event::Message { .. }), "{events:?}");
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Event::Disconnected { .. })),
        "{events:?}"
    );
}

#[test]
fn messages_are_delivered_in_every_feeding() {
    for feed in FEEDS {
        let mut sim = connected();
        sim.feed = feed;
        let s1 = sim.run(|c, _| c.subscribe("foo.*", None)).unwrap();
        let s2 = sim.run(|c, _| c.subscribe("bar", Some("workers"))).unwrap();
        assert_eq!(sim.sent(), "SUB foo.* 1\r\nSUB bar workers 2\r\n");
        let stream = format!(
            "{}{}{}{}",
            msg("foo.x", 1, None, "a\r\nMSG b"),
            msg("bar", 2, Some("_INBOX.r"), ""),
            hmsg("foo.y", 1, None, "NATS/1.0\r\nK: v\r\nK: w\r\n\r\n", "pay"),
            msg("gone", 77, None, "for an unknown sid"),
        );
        sim.server(&stream);
        let events = sim.events();
        assert_eq!(events.len(), 3, "{feed:?}: {events:?}");
        match &events[0] {
            Event::Message { sid, message } => {
                assert_eq!(*sid, s1);
                assert_eq!(&*message.subject, "foo.x");
                assert_eq!(message.reply, None);
                assert_eq!(&message.payload[..], b"a\r\nMSG b");
                assert_eq!(message.length, msg("foo.x", 1, None, "a\r\nMSG b").len());
            }
            other => panic!("{other:?}"),
        }
        match &events[1] {
            Event::Message { sid, message } => {
                assert_eq!(*sid, s2);
                assert_eq!(message.reply.as_deref(), Some("_INBOX.r"));
                assert!(message.payload.is_empty());
            }
            other => panic!("{other:?}"),
        }
        match &events[2] {
            Event::Message { sid, message } => {
                assert_eq!(*sid, s1);
                let h = message.headers.as_ref().unwrap();
                assert_eq!(h.get_all("K").collect::<Vec<_>>(), vec!["v", "w"]);
                assert_eq!(&message.payload[..], b"pay");
            }
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn bad_headers_are_reported_and_the_message_still_delivered() {
    let mut sim = connected();
    let sid = sim.run(|c, _| c.subscribe("h", None)).unwrap();
    sim.sent();
    sim.server(hmsg(
        "h",
        1,
        None,
        "NATS/1.0\r\nK: v\r\nnocolon\r\n\r\n",
        "p1",
    ));
    let events = sim.events();
    assert!(
        matches!(
            &events[..],
            [
                Event::BadHeaders { sid: s, error: HeaderError::MalformedLine(_) },
                Event::Message { sid: m, message: Message { headers: Some(h), .. } },
            ] if *s == sid && *m == sid && h.get("K") == Some("v")
        ),
        "{events:?}"
    );
    // A block that cannot be read at all: delivered without headers.
    sim.server(hmsg("h", 1, None, "HTTP/1.1\r\n\r\n", "p2"));
    let events = sim.events();
    assert!(
        matches!(
            &events[..],
            [
                Event::BadHeaders { error: HeaderError::MissingVersion, .. },
                Event::Message { message: Message { headers: None, payload, .. }, .. },
            ] if &payload[..] == b"p2"
        ),
        "{events:?}"
    );
    assert_eq!(sim.commands(), vec![], "the connection stays up");
}

#[test]
fn unsubscribe_now_and_after_n() {
    let mut sim = connected();
    let a = sim.run(|c, _| c.subscribe("a", None)).unwrap();
    let b = sim.run(|c, _| c.subscribe("b", None)).unwrap();
    sim.sent();
    sim.run(|c, _| c.unsubscribe(a, None)).unwrap();
    assert_eq!(sim.sent(), "UNSUB 1\r\n");
    assert_eq!(
        sim.events(),
        vec![Event::SubscriptionEnded {
            sid: a,
            reason: SubscriptionEnd::Unsubscribed
        }]
    );
    sim.server(msg("a", 1, None, "late"));
    assert_eq!(
        sim.events(),
        vec![],
        "a message that crossed the UNSUB is dropped"
    );

    sim.run(|c, _| c.unsubscribe(b, Some(2))).unwrap();
    assert_eq!(sim.sent(), "UNSUB 2 2\r\n");
    sim.server(msg("b", 2, None, "1"));
    sim.server(msg("b", 2, None, "2"));
    let events = sim.events();
    assert_eq!(events.len(), 3);
    assert_eq!(
        events[2],
        Event::SubscriptionEnded {
            sid: b,
            reason: SubscriptionEnd::MaxMessages
        }
    );
    assert_eq!(sim.client.subscription_count(), 0);

    // A limit already reached unsubscribes at once.
    let c = sim.run(|c, _| c.subscribe("c", None)).unwrap();
    sim.server(msg("c", 3, None, "1"));
    sim.events();
    sim.sent();
    sim.run(|cl, _| cl.unsubscribe(c, Some(1))).unwrap();
    assert_eq!(sim.sent(), "UNSUB 3\r\n");
    assert_eq!(
        sim.events(),
        vec![Event::SubscriptionEnded {
            sid: c,
            reason: SubscriptionEnd::Unsubscribed
        }]
    );
}

#[test]
fn resubscribe_in_order_with_remaining_counts() {
    let mut sim = connected();
    let a = sim.run(|c, _| c.subscribe("a", None)).unwrap();
    let b = sim.run(|c, _| c.subscribe("b", Some("q"))).unwrap();
    let c = sim.run(|c, _| c.subscribe("c", None)).unwrap();
    let d = sim.run(|c, _| c.subscribe("d", None)).unwrap();
    sim.run(|cl, _| cl.unsubscribe(c, Some(5))).unwrap();
    sim.run(|cl, _| cl.unsubscribe(b, None)).unwrap();
    sim.server(msg("c", 3, None, "1") + &msg("c", 3, None, "2"));
    sim.sent();
    sim.events();
    sim.eof();
    sim.events();
    // Subscribed while disconnected: sent on reconnect, after the older ones.
    let e = sim.run(|cl, _| cl.subscribe("e", None)).unwrap();
    sim.run(|cl, _| cl.unsubscribe(d, None)).unwrap();
    sim.events();
    assert_eq!(
        sim.connect_ok(),
        format!("SUB a {a}\r\nSUB c {c}\r\nUNSUB {c} 3\r\nSUB e {e}\r\n")
    );
    // The count goes on across the reconnect: three more end it.
    sim.server(msg("c", 3, None, "3") + &msg("c", 3, None, "4"));
    assert_eq!(sim.events().len(), 2);
    sim.server(msg("c", 3, None, "5"));
    let events = sim.events();
    assert_eq!(
        events.last(),
        Some(&Event::SubscriptionEnded {
            sid: c,
            reason: SubscriptionEnd::MaxMessages
        })
    );
    // And after another reconnect it is not sent again.
    sim.eof();
    sim.events();
    assert_eq!(sim.connect_ok(), format!("SUB a {a}\r\nSUB e {e}\r\n"));
}

#[test]
fn reconnect_buffer_holds_publishes_until_reconnected() {
    let mut sim = connected();
    let s = sim.run(|c, _| c.subscribe("s", None)).unwrap();
    sim.sent();
    sim.eof();
    sim.events();
    assert_eq!(sim.client.state(), ConnectionState::Reconnecting);
    sim.publish("a", "1").unwrap();
    sim.publish("b", "22").unwrap();
    let mut h = HeaderMap::new();
    h.insert("K", "v");
    sim.run(|c, _| c.publish("c", Some("r"), Some(&h), bytes("3")))
        .unwrap();
    assert_eq!(sim.sent(), "", "nothing goes out while disconnected");
    let expected =
        "PUB a 1\r\n1\r\nPUB b 2\r\n22\r\nHPUB c r 18 19\r\nNATS/1.0\r\nK: v\r\n\r\n3\r\n";
    assert_eq!(sim.client.buffered_bytes(), expected.len());
    // Not during the handshake either: after the re-SUBs, in order.
    let server = sim.expect_connect();
    assert_eq!(server, addr(B));
    sim.tcp_up();
    sim.server(info_line(INFO));
    assert!(!sim.sent().contains("PUB"));
    sim.server("PONG\r\n");
    assert_eq!(sim.sent(), format!("SUB s {s}\r\n{expected}"));
    assert_eq!(sim.client.buffered_bytes(), 0);
    assert_eq!(sim.events(), vec![Event::Reconnected { server: addr(B) }]);
}

#[test]
fn reconnect_buffer_limit_is_exact() {
    let one = "PUB a 1\r\nx\r\n".len();
    for limit in [one, 2 * one - 1, 2 * one, 3 * one + 5] {
        let mut cfg = config(&[A]);
        cfg.reconnect_buffer_size = limit;
        let mut sim = Sim::new(cfg);
        sim.connect_ok();
        sim.eof();
        let mut accepted = 0;
        let err = loop {
            match sim.publish("a", "x") {
                Ok(()) => accepted += 1,
                Err(e) => break e,
            }
            assert!(sim.client.buffered_bytes() <= limit, "limit {limit}");
        };
        assert_eq!(accepted, limit / one, "limit {limit}");
        assert_eq!(
            err,
            Error::ReconnectBufferFull {
                pending: accepted * one,
                limit
            }
        );
        // A smaller message may still fit, and the client is usable.
        assert_eq!(sim.client.state(), ConnectionState::Reconnecting);
    }
}

#[test]
fn reconnect_buffer_of_zero_refuses() {
    let mut cfg = config(&[A]);
    cfg.reconnect_buffer_size = 0;
    let mut sim = Sim::new(cfg);
    // Also before the first connection.
    assert_eq!(
        sim.publish("a", "x"),
        Err(Error::ReconnectBufferFull {
            pending: 0,
            limit: 0
        })
    );
    sim.connect_ok();
    sim.publish("a", "x").unwrap();
    sim.eof();
    assert_eq!(
        sim.publish("a", "x"),
        Err(Error::ReconnectBufferFull {
            pending: 0,
            limit: 0
        })
    );
}

#[test]
fn publishes_before_the_first_connection_are_buffered() {
    let mut sim = Sim::new(config(&[A]));
    sim.publish("early", "1").unwrap();
    let sid = sim.run(|c, _| c.subscribe("s", None)).unwrap();
    assert_eq!(
        sim.connect_ok(),
        format!("SUB s {sid}\r\nPUB early 1\r\n1\r\n")
    );
}

#[test]
fn permission_violations_are_not_fatal() {
    let mut sim = connected();
    let secret = sim.run(|c, _| c.subscribe("secret", None)).unwrap();
    let queued = sim.run(|c, _| c.subscribe("secret", Some("q"))).unwrap();
    let other = sim.run(|c, _| c.subscribe("other", None)).unwrap();
    sim.sent();
    sim.server("-ERR 'Permissions Violation for Publish to \"forbidden\"'\r\n");
    assert_eq!(
        sim.events(),
        vec![Event::ServerError(ServerError::PermissionViolation {
            op: PermissionOp::Publish,
            subject: "forbidden".into(),
            queue: None
        })]
    );
    let denied = ServerError::PermissionViolation {
        op: PermissionOp::Subscribe,
        subject: "secret".into(),
        queue: None,
    };
    sim.server("-ERR 'Permissions Violation for Subscription to \"secret\"'\r\n");
    assert_eq!(
        sim.events(),
        vec![
            Event::SubscriptionEnded {
                sid: secret,
                reason: SubscriptionEnd::PermissionDenied(denied.clone())
            },
            Event::ServerError(denied)
        ]
    );
    let denied_q = ServerError::PermissionViolation {
        op: PermissionOp::Subscribe,
        subject: "secret".into(),
        queue: Some("q".into()),
    };
    sim.server("-ERR 'Permissions Violation for Subscription to \"secret\" using queue \"q\"'\r\n");
    assert_eq!(
        sim.events(),
        vec![
            Event::SubscriptionEnded {
                sid: queued,
                reason: SubscriptionEnd::PermissionDenied(denied_q.clone())
            },
            Event::ServerError(denied_q)
        ]
    );
    // (The maximum number of subscriptions: subscriptions_refused_for_the_maximum_end.)
    sim.server("-ERR 'Invalid Subject'\r\n");
    assert_eq!(
        sim.events(),
        vec![Event::ServerError(ServerError::Other(
            "Invalid Subject".into()
        ))]
    );
    assert_eq!(sim.commands(), vec![]);
    assert_eq!(sim.sent(), "");
    assert_eq!(sim.client.state(), ConnectionState::Connected);
    // The denied subscriptions are not sent again after a reconnect.
    sim.eof();
    sim.events();
    assert_eq!(sim.connect_ok(), format!("SUB other {other}\r\n"));
}

#[test]
fn fatal_errors_reconnect() {
    let cases = [
        ("Stale Connection", ServerError::StaleConnection),
        (
            "Maximum Payload Violation",
            ServerError::MaxPayloadViolation,
        ),
        (
            "maximum connections exceeded",
            ServerError::MaxConnectionsExceeded,
        ),
        ("Secure Connection - TLS Required", ServerError::TlsRequired),
        (
            "Unknown Protocol Operation",
            ServerError::Other("Unknown Protocol Operation".into()),
        ),
    ];
    for (text, err) in cases {
        let mut sim = connected();
        sim.server(format!("-ERR '{text}'\r\n"));
        assert_eq!(
            sim.events(),
            vec![Event::Disconnected {
                reason: DisconnectReason::Server(err)
            }],
            "{text}"
        );
        assert_eq!(
            sim.commands(),
            vec![
                TransportCommand::Close,
                TransportCommand::Connect { server: addr(B) }
            ]
        );
        sim.connect_ok();
        assert_eq!(sim.client.state(), ConnectionState::Connected);
    }
}

#[test]
fn bytes_after_a_fatal_error_do_not_reach_the_next_connection() {
    // One read holding the -ERR and more: the rest belongs to the dead
    // connection and must not be parsed as the next server's (a PONG written
    // for that PING would go out before the next server's INFO).
    let mut sim = connected();
    sim.server("-ERR 'Stale Connection'\r\nPING\r\nINFO {\"server_id\":\"X\"}\r\n");
    assert_eq!(
        sim.commands(),
        vec![
            TransportCommand::Close,
            TransportCommand::Connect { server: addr(B) }
        ]
    );
    assert_eq!(sim.sent(), "");
    sim.tcp_up();
    assert_eq!(sim.sent(), "", "no PONG before the new server's INFO");
    sim.server(info_line(INFO));
    assert!(sim.sent().starts_with("CONNECT "));
    sim.server("PONG\r\n");
    let events = sim.events();
    assert_eq!(
        events,
        vec![
            Event::Disconnected {
                reason: DisconnectReason::Server(ServerError::StaleConnection)
            },
            Event::Reconnected { server: addr(B) }
        ]
    );
}

#[test]
fn protocol_violations_disconnect_and_reconnect() {
    let cases: Vec<(String, ProtocolError)> = vec![
        ("FOO bar\r\n".into(), ProtocolError::UnknownOp("FOO".into())),
        (
            "MSG a b 3\r\nabc\r\n".into(),
            ProtocolError::InvalidArguments("MSG"),
        ),
        (
            "MSG a 1 2 3 4\r\nabcd\r\n".into(),
            ProtocolError::InvalidArguments("MSG"),
        ),
        (
            "HMSG a 1 10 5\r\n0123456789\r\n".into(),
            ProtocolError::HeaderSizeExceedsTotal,
        ),
        (
            "MSG a 1 3\r\nabcXY".into(),
            ProtocolError::MissingPayloadTerminator,
        ),
        (
            "x".repeat(300),
            ProtocolError::ControlLineTooLong { max: 256 },
        ),
    ];
    for feed in [Feed::Whole, Feed::Bytewise] {
        for (input, expected) in &cases {
            let mut cfg = config(&[A, B]);
            cfg.retain_servers_order = true;
            cfg.max_inbound_control_line = 256;
            let mut sim = Sim::new(cfg);
            sim.feed = feed;
            sim.connect_ok();
            sim.server(input);
            let events = sim.events();
            assert_eq!(
                events,
                vec![Event::Disconnected {
                    reason: DisconnectReason::Protocol(expected.clone())
                }],
                "{feed:?} {input:?}"
            );
            assert_eq!(
                sim.commands(),
                vec![
                    TransportCommand::Close,
                    TransportCommand::Connect { server: addr(B) }
                ]
            );
            sim.connect_ok();
            assert_eq!(sim.client.statistics().reconnects, 1);
        }
    }
}

#[test]
fn statistics_count_messages_bytes_and_connections() {
    let mut sim = connected();
    sim.run(|c, _| c.subscribe("s", None)).unwrap();
    sim.publish("a", "12345").unwrap();
    let mut h = HeaderMap::new();
    h.insert("K", "v");
    sim.run(|c, _| c.publish("a", None, Some(&h), bytes("xy")))
        .unwrap();
    sim.server(msg("s", 1, None, "abc") + &hmsg("s", 1, None, "NATS/1.0\r\n\r\n", "de"));
    let st = sim.client.statistics();
    assert_eq!(st.out_msgs, 2);
    assert_eq!(st.out_bytes, 5 + 18 + 2);
    assert_eq!(st.in_msgs, 2);
    assert_eq!(st.in_bytes, 3 + 12 + 2);
    assert_eq!((st.connects, st.reconnects), (1, 0));
    // Buffered publishes count too, and counters survive reconnects.
    sim.sent();
    sim.eof();
    sim.publish("a", "1").unwrap();
    sim.connect_ok();
    sim.eof();
    sim.connect_ok();
    let st = sim.client.statistics();
    assert_eq!(st.out_msgs, 3);
    assert_eq!((st.connects, st.reconnects), (3, 2));
    assert_eq!(st.in_msgs, 2);
}

#[test]
fn lame_duck_is_reported_once() {
    let mut sim = connected();
    let ldm = r#"{"server_id":"S","proto":1,"max_payload":1048576,"headers":true,"ldm":true}"#;
    sim.server(info_line(ldm));
    assert_eq!(sim.events(), vec![Event::LameDuck]);
    sim.server(info_line(ldm));
    assert_eq!(sim.events(), vec![]);
    assert_eq!(
        sim.commands(),
        vec![],
        "the client does not leave by itself"
    );
    // The application moves off.
    sim.run(|c, now| c.reconnect(now));
    assert_eq!(
        sim.events(),
        vec![Event::Disconnected {
            reason: DisconnectReason::Requested
        }]
    );
    sim.connect_ok();
    // A new connection reports its own server's lame duck mode.
    sim.server(info_line(ldm));
    assert_eq!(sim.events(), vec![Event::LameDuck]);
}

#[test]
fn async_info_replaces_the_server_info() {
    let mut sim = connected();
    sim.server(info_line(
        r#"{"server_id":"S2","proto":1,"max_payload":8,"headers":true}"#,
    ));
    assert_eq!(sim.client.max_payload(), Some(8));
    assert_eq!(
        sim.publish("a", "123456789"),
        Err(Error::MaxPayloadExceeded { size: 9, max: 8 })
    );
}

#[test]
fn user_timers() {
    let mut sim = connected();
    let t1 = sim.run(|c, _| c.set_timer(at_ms(5_000)));
    let t2 = sim.run(|c, _| c.set_timer(at_ms(3_000)));
    let t3 = sim.run(|c, _| c.set_timer(at_ms(3_000)));
    assert_ne!(t2, t3);
    assert_eq!(sim.client.poll_timeout(), Some(at_ms(3_000)));
    assert!(sim.run(|c, _| c.cancel_timer(t3, at_ms(3_000))));
    assert!(!sim.run(|c, _| c.cancel_timer(t3, at_ms(3_000))));
    assert!(
        !sim.run(|c, _| c.cancel_timer(t1, at_ms(4_000))),
        "wrong deadline"
    );
    sim.advance_to(Instant::from_nanos(3_000_000_000 - 1));
    assert_eq!(sim.events(), vec![]);
    sim.advance_to(at_ms(3_000));
    assert_eq!(sim.events(), vec![Event::Timer { id: t2 }]);
    // Timers survive a reconnect.
    sim.eof();
    sim.events();
    sim.connect_ok();
    sim.advance_to(at_ms(5_000));
    assert_eq!(sim.events(), vec![Event::Timer { id: t1 }]);
    // A timer in the past fires at the next timeout.
    let t4 = sim.run(|c, _| c.set_timer(at_ms(1)));
    assert_eq!(sim.client.poll_timeout(), Some(at_ms(1)));
    sim.advance(MS);
    assert_eq!(sim.events(), vec![Event::Timer { id: t4 }]);
}

#[test]
fn timers_end_at_close() {
    let mut sim = connected();
    sim.run(|c, _| c.set_timer(at_ms(5_000)));
    sim.run(|c, now| c.close(now));
    sim.events();
    // Set after the close: never fires (Closed stays the last event).
    sim.run(|c, _| c.set_timer(at_ms(6_000)));
    assert_eq!(sim.client.poll_timeout(), None);
    sim.advance_to(at_ms(10_000));
    assert_eq!(sim.events(), vec![]);
}

#[test]
fn transport_errors_after_connect() {
    let mut sim = connected();
    sim.transport(natrs_core::client::TransportEvent::Closed(
        TransportError::Io("reset".into()),
    ));
    assert_eq!(
        sim.events(),
        vec![Event::Disconnected {
            reason: DisconnectReason::Transport(TransportError::Io("reset".into()))
        }]
    );
    assert_eq!(
        sim.commands(),
        vec![TransportCommand::Connect { server: addr(B) }],
        "no Close for a transport that is already gone"
    );
}

/// A hostile server's `-ERR` text is cut to `MAX_ERR_TEXT` bytes (and
/// marked) before it becomes an event or a disconnect reason.
#[test]
fn long_err_texts_are_cut() {
    use natrs_core::proto::MAX_ERR_TEXT;
    let mut sim = connected();
    let subject = "s".repeat(200_000);
    sim.server(format!(
        "-ERR 'Permissions Violation for Subscription to \"{subject}\"'\r\n"
    ));
    let events = sim.events();
    let [Event::ServerError(err)] = events.as_slice() else {
        panic!("{events:?}");
    };
    let text = err.to_string();
    assert!(text.len() < MAX_ERR_TEXT + 100, "{} bytes", text.len());
    let huge = "x".repeat(500_000);
    sim.server(format!("-ERR '{huge}'\r\n"));
    let events = sim.events();
    let [Event::Disconnected { reason }] = events.as_slice() else {
        panic!("{events:?}");
    };
    let DisconnectReason::Server(ServerError::Other(text)) = reason else {
        panic!("{reason:?}");
    };
    assert!(text.len() < MAX_ERR_TEXT + 40, "{} bytes", text.len());
    assert!(
        text.ends_with("... (498976 more bytes cut)"),
        "{}",
        &text[1000..]
    );
}

/// A subscription the server ends every connection over (here a control
/// line over its `max_control_line`) is not replayed forever: after a
/// connection ends before the server confirmed a SUB, the next replay sends
/// a PING after each SUB; the first one left unconfirmed when the server
/// ends that connection too is dropped, with why, and the next connection
/// comes up without it.
#[test]
fn a_subscription_that_ends_every_connection_is_dropped() {
    let mut sim = Sim::new(config(&[A]));
    sim.connect_ok();
    let ok = sim.run(|c, _| c.subscribe("ok", None)).unwrap();
    sim.server("PING\r\n");
    sim.advance(10 * SEC);
    let long = "x".repeat(300);
    let bad = sim.run(|c, _| c.subscribe(&long, None)).unwrap();
    assert_eq!(sim.sent(), format!("SUB ok 1\r\nPONG\r\nSUB {long} 2\r\n"));
    let refused = "-ERR 'Maximum Control Line Exceeded'\r\n";
    let reason =
        DisconnectReason::Server(ServerError::Other("Maximum Control Line Exceeded".into()));
    // "ok" was never confirmed either (no PONG came for it).
    sim.server(refused);
    assert_eq!(
        sim.events(),
        vec![Event::Disconnected {
            reason: reason.clone()
        }]
    );
    // The retry comes at once (the connection lived 10 s); the replay
    // confirms each SUB on its own.
    sim.handshake(INFO);
    assert_eq!(
        sim.sent(),
        format!("SUB ok 1\r\nPING\r\nSUB {long} 2\r\nPING\r\n")
    );
    sim.server(format!("PONG\r\n{refused}"));
    assert_eq!(
        sim.events(),
        vec![
            Event::Disconnected {
                reason: reason.clone()
            },
            Event::SubscriptionEnded {
                sid: bad,
                reason: SubscriptionEnd::EndedConnections(reason.clone())
            },
            Event::ServerError(ServerError::Other("Maximum Control Line Exceeded".into())),
        ]
    );
    // The next connection replays only "ok", and stays up.
    sim.handshake(INFO);
    assert_eq!(sim.sent(), "SUB ok 1\r\nPING\r\n");
    sim.server("PONG\r\n");
    sim.server(msg("ok", ok.0, None, "hi"));
    assert!(matches!(sim.events().as_slice(), [Event::Message { .. }]));
    // Confirmed: later replays are plain again.
    sim.advance(10 * SEC);
    sim.eof();
    sim.connect_ok();
    sim.events();
    assert_eq!(sim.client.subscription_count(), 1);
}

/// A server restart or an expired JWT during a replay is not the
/// subscription's fault: only a connection the server ends with an error
/// about what the client sent drops the unconfirmed SUB.
#[test]
fn a_restart_during_a_careful_replay_drops_nothing() {
    let mut sim = Sim::new(config(&[A]));
    sim.connect_ok();
    sim.run(|c, _| c.subscribe("a", None)).unwrap();
    assert_eq!(sim.sent(), "SUB a 1\r\n");
    sim.advance(10 * SEC);
    sim.eof();
    // A restart: the replay stays plain.
    sim.handshake(INFO);
    assert_eq!(sim.sent(), "SUB a 1\r\n");
    sim.server("-ERR 'Unknown Protocol Operation'\r\n");
    sim.handshake(INFO);
    assert_eq!(sim.sent(), "SUB a 1\r\nPING\r\n");
    sim.eof();
    sim.handshake(INFO);
    assert_eq!(sim.sent(), "SUB a 1\r\nPING\r\n");
    // Nor is an expired JWT (the server may accept it for a moment).
    sim.server("-ERR 'User Authentication Expired'\r\n");
    sim.handshake(INFO);
    assert_eq!(sim.sent(), "SUB a 1\r\nPING\r\n");
    sim.server("-ERR 'User Authentication Expired'\r\n");
    sim.events();
    sim.handshake(INFO);
    assert_eq!(sim.client.subscription_count(), 1);
    assert!(
        !sim.events()
            .iter()
            .any(|e| matches!(e, Event::SubscriptionEnded { .. }))
    );
}

/// The account's maximum number of subscriptions: the server refuses every
/// SUB past it with an `-ERR` that does not say which. The client makes sure
/// a PONG follows, and ends the most recent SUBs of the batch that PONG
/// confirms, as many as there were errors (and unsubscribes them).
#[test]
fn subscriptions_refused_for_the_maximum_end() {
    let mut sim = connected();
    let a = sim.run(|c, _| c.subscribe("a", None)).unwrap();
    let b = sim.run(|c, _| c.subscribe("b", None)).unwrap();
    let c = sim.run(|c, _| c.subscribe("c", None)).unwrap();
    assert_eq!(sim.sent(), "SUB a 1\r\nSUB b 2\r\nSUB c 3\r\n");
    let max = "-ERR 'maximum subscriptions exceeded'\r\n";
    sim.server(max);
    sim.server(max);
    // A PING confirms the batch.
    assert_eq!(sim.sent(), "PING\r\n");
    assert_eq!(
        sim.events(),
        vec![Event::ServerError(ServerError::MaxSubscriptionsExceeded); 2]
    );
    sim.server("PONG\r\n");
    assert_eq!(
        sim.events(),
        vec![
            Event::SubscriptionEnded {
                sid: c,
                reason: SubscriptionEnd::Refused(ServerError::MaxSubscriptionsExceeded)
            },
            Event::SubscriptionEnded {
                sid: b,
                reason: SubscriptionEnd::Refused(ServerError::MaxSubscriptionsExceeded)
            },
        ]
    );
    assert_eq!(sim.sent(), "UNSUB 3\r\nUNSUB 2\r\n");
    // Batches are told apart by PINGs: a flush between SUBs pins the
    // refusal on the right one.
    let d = sim.run(|c, _| c.subscribe("d", None)).unwrap();
    sim.run(|c, now| c.flush(now)).unwrap();
    let e = sim.run(|c, _| c.subscribe("e", None)).unwrap();
    assert_eq!(sim.sent(), "SUB d 4\r\nPING\r\nSUB e 5\r\n");
    sim.server(format!("PONG\r\n{max}"));
    sim.events();
    sim.server("PONG\r\n");
    assert_eq!(
        sim.events(),
        vec![Event::SubscriptionEnded {
            sid: e,
            reason: SubscriptionEnd::Refused(ServerError::MaxSubscriptionsExceeded)
        }]
    );
    assert_eq!(sim.client.subscription_count(), 2);
    let _ = (a, d);
}
