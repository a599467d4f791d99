//! The hand-written loop of the `event_loop` example against a real
//! nats-server started by the `natrs-tests` harness: connect, subscribe,
//! publish and receive, request/reply with a responder on its own connection,
//! flush, close. Then the server goes away and comes back: the client
//! reconnects and resubscribes.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

#[path = "../examples/event_loop/driver.rs"]
mod driver;

use driver::Driver;
use natrs_core::client::SubscriptionEnd;
use natrs_core::error::CloseReason;
use natrs_core::{Event, Sid};
use natrs_tests::Server;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(10);

fn connected(d: &mut Driver) {
    d.wait_for(WAIT, |_, e| match e {
        Event::Connected { .. } => Some(()),
        other => panic!("unexpected {other:?} before Connected"),
    })
    .expect("connected");
}

/// Waits for the FlushDone of `flush`; any other event is a failure.
fn flushed(d: &mut Driver, flush: natrs_core::client::FlushId) -> Duration {
    d.wait_for(WAIT, |_, e| match e {
        Event::FlushDone { id, rtt } if id == flush => Some(rtt),
        other => panic!("unexpected {other:?}"),
    })
    .expect("flush done")
}

/// Runs a responder on its own connection until it is told to stop.
fn responder(url: String) -> std::thread::JoinHandle<usize> {
    let mut d = Driver::connect(&url).unwrap();
    connected(&mut d);
    let svc = d.subscribe("svc.upper").unwrap();
    let stop = d.subscribe("svc.stop").unwrap();
    // Make sure both SUBs were processed before the test sends anything.
    let flush = d.flush().unwrap();
    flushed(&mut d, flush);
    std::thread::spawn(move || {
        let mut answered = 0;
        loop {
            let event = d.next_event(WAIT).expect("responder gets its stop message");
            match event {
                Event::Message { sid, message } if sid == svc => {
                    let reply = message.reply.expect("requests carry a reply subject");
                    let upper = message.payload.to_ascii_uppercase();
                    d.publish(&reply, None, &upper).unwrap();
                    answered += 1;
                }
                Event::Message { sid, .. } if sid == stop => break,
                other => panic!("responder: unexpected {other:?}"),
            }
        }
        d.close();
        answered
    })
}

#[test]
fn pubsub_request_flush_close_against_a_real_server() {
    let server = Server::start().expect("nats-server starts");
    let url = server.url();
    let responder = responder(url.clone());

    let mut d = Driver::connect(&url).unwrap();
    connected(&mut d);
    assert_eq!(d.client().server_info().unwrap().proto, 1);

    let sub = d.subscribe("smoke.>").unwrap();
    for i in 0..10 {
        d.publish(
            &format!("smoke.{i}"),
            None,
            format!("payload {i}").as_bytes(),
        )
        .unwrap();
    }
    let mut received = Vec::new();
    d.wait_for(WAIT, |_, e| match e {
        Event::Message { sid, message } if sid == sub => {
            received.push((message.subject.to_string(), message.payload));
            (received.len() == 10).then_some(())
        }
        other => panic!("unexpected {other:?}"),
    })
    .expect("all ten messages");
    for (i, (subject, payload)) in received.iter().enumerate() {
        assert_eq!(subject, &format!("smoke.{i}"));
        assert_eq!(&payload[..], format!("payload {i}").as_bytes());
    }

    // Request/reply with the responder, and no responders for a subject nobody serves.
    for word in ["alpha", "beta", "gamma"] {
        let id = d.request("svc.upper", word.as_bytes(), WAIT).unwrap();
        let reply = d
            .wait_for(WAIT, |_, e| match e {
                Event::Reply { id: r, message } if r == id => Some(message.payload),
                other => panic!("unexpected {other:?}"),
            })
            .expect("a reply");
        assert_eq!(&reply[..], word.to_ascii_uppercase().as_bytes());
    }
    let id = d.request("svc.nobody", b"?", WAIT).unwrap();
    let failed = d
        .wait_for(WAIT, |_, e| match e {
            Event::RequestFailed { id: r, error } if r == id => Some(error),
            other => panic!("unexpected {other:?}"),
        })
        .expect("no responders");
    assert_eq!(failed, natrs_core::client::RequestError::NoResponders);

    // Flush: the server answers the PING.
    let flush = d.flush().unwrap();
    let rtt = flushed(&mut d, flush);
    assert!(rtt < WAIT);

    d.publish("svc.stop", None, b"").unwrap();
    assert_eq!(responder.join().unwrap(), 3);

    let stats = d.client().statistics();
    assert_eq!(stats.out_msgs, 10 + 4 + 1);
    assert_eq!(stats.in_msgs, 10 + 3 + 1);

    d.close();
    let mut events = Vec::new();
    while let Some(e) = d.next_event(WAIT) {
        events.push(e);
    }
    assert_eq!(
        events,
        vec![
            Event::SubscriptionEnded {
                sid: sub,
                reason: SubscriptionEnd::Closed
            },
            Event::Closed {
                reason: CloseReason::Closed
            }
        ]
    );
}

#[test]
fn reconnects_and_resubscribes_after_a_server_restart() {
    let server = Server::start().expect("nats-server starts");
    let mut config = natrs_core::Config {
        servers: vec![server.url().parse().unwrap()],
        reconnect_wait: Duration::from_millis(50),
        ..natrs_core::Config::default()
    };
    config.max_reconnects = None;
    let mut d = Driver::new(config).unwrap();
    connected(&mut d);
    let sub: Sid = d.subscribe("after.restart").unwrap();
    let flush = d.flush().unwrap();
    flushed(&mut d, flush);

    server.restart().expect("restart on the same port");
    let mut disconnected = false;
    d.wait_for(WAIT, |_, e| match e {
        Event::Reconnected { .. } => Some(()),
        Event::Disconnected { .. } => {
            disconnected = true;
            None
        }
        other => panic!("unexpected {other:?}"),
    })
    .expect("reconnected");
    assert!(disconnected);

    // The subscription was sent again: a message published now arrives.
    d.publish("after.restart", None, b"back").unwrap();
    let payload = d
        .wait_for(WAIT, |_, e| match e {
            Event::Message { sid, message } if sid == sub => Some(message.payload),
            other => panic!("unexpected {other:?}"),
        })
        .expect("message after the restart");
    assert_eq!(&payload[..], b"back");
    assert_eq!(d.client().statistics().reconnects, 1);
    d.close();
}
