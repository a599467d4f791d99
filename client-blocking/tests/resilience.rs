//! Losing the server and getting it back: restarts, a frozen server, forced
//! reconnects, closing while disconnected.

mod common;

use common::{WAIT, connect, options, wait_event};
use natrs_blocking::{ClientEvent, CloseReason, ConnectionState, DisconnectReason};
use natrs_tests::{Server, wait_for};
use std::time::{Duration, Instant};

#[test]
fn reconnects_after_a_restart_with_buffered_publishes_and_subscriptions() {
    let server = Server::start().unwrap();
    let c = connect(&server.url());
    let events = c.events();
    let sub = c.subscribe("survive.*").unwrap();
    let queue = c.queue_subscribe("survive.q", "g").unwrap();
    c.publish("survive.before", "0").unwrap();
    assert_eq!(sub.next_timeout(WAIT).unwrap().unwrap().payload, "0");

    server.stop().unwrap();
    wait_event(&events, "Disconnected", |e| {
        matches!(e, ClientEvent::Disconnected { .. })
    });
    // Publishes while disconnected go to the reconnect buffer.
    for i in 1..=10 {
        c.publish("survive.during", format!("{i}")).unwrap();
    }
    server.restart().unwrap();
    wait_event(&events, "Reconnected", |e| {
        matches!(e, ClientEvent::Reconnected { .. })
    });
    assert_eq!(c.connection_state(), ConnectionState::Connected);

    // The subscription was restored before the buffered publishes went out.
    for i in 1..=10 {
        let m = sub.next_timeout(WAIT).unwrap().unwrap();
        assert_eq!(m.payload, format!("{i}"));
    }
    // Both subscriptions work for a client that connected after the restart.
    let other = connect(&server.url());
    other.publish("survive.q", "after").unwrap();
    other.flush().unwrap();
    assert_eq!(queue.next_timeout(WAIT).unwrap().unwrap().payload, "after");
    assert_eq!(sub.next_timeout(WAIT).unwrap().unwrap().payload, "after");
    assert_eq!(c.statistics().reconnects, 1);
}

#[test]
fn requests_work_again_after_a_restart() {
    let server = Server::start().unwrap();
    let service = connect(&server.url());
    let responder = service.clone();
    let _h = service
        .subscribe_with_handler("svc", move |m| {
            let _ = responder.publish(m.reply.unwrap().as_str(), "ok");
        })
        .unwrap();
    service.flush().unwrap();
    let c = connect(&server.url());
    assert_eq!(c.request("svc", "").unwrap().payload, "ok");
    server.restart().unwrap();
    wait_for("both clients to reconnect", WAIT, || {
        c.statistics().reconnects == 1 && service.statistics().reconnects == 1
    });
    service.flush().unwrap();
    assert_eq!(c.request("svc", "").unwrap().payload, "ok");
}

#[test]
fn a_frozen_server_is_detected_as_stale_and_recovered() {
    let server = Server::start().unwrap();
    let c = natrs_blocking::connect_with_options(
        server.url(),
        options()
            .ping_interval(Duration::from_millis(100))
            .max_pings_outstanding(2)
            .connection_timeout(Duration::from_millis(500)),
    )
    .unwrap();
    let events = c.events();
    let sub = c.subscribe("alive").unwrap();
    c.flush().unwrap();

    server.pause().unwrap();
    let started = Instant::now();
    let e = wait_event(&events, "a stale disconnect", |e| {
        matches!(e, ClientEvent::Disconnected { .. })
    });
    assert!(
        matches!(
            e,
            ClientEvent::Disconnected {
                reason: DisconnectReason::Stale(_)
            }
        ),
        "{e:?}"
    );
    // Two pings 100 ms apart went unanswered: well under a second.
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    // Publishing while the server is frozen neither blocks nor fails.
    c.publish("alive", "buffered").unwrap();

    server.resume().unwrap();
    wait_event(&events, "Reconnected", |e| {
        matches!(e, ClientEvent::Reconnected { .. })
    });
    assert_eq!(sub.next_timeout(WAIT).unwrap().unwrap().payload, "buffered");
    c.publish("alive", "again").unwrap();
    assert_eq!(sub.next_timeout(WAIT).unwrap().unwrap().payload, "again");
}

#[test]
fn a_frozen_server_does_not_block_publishers_or_close() {
    let server = Server::start().unwrap();
    let c = natrs_blocking::connect_with_options(
        server.url(),
        options()
            .ping_interval(Duration::from_millis(200))
            .max_pings_outstanding(2),
    )
    .unwrap();
    let events = c.events();
    server.pause().unwrap();
    // 32 MiB: more than the socket buffers of both sides take, so writes
    // stall, and more than the 8 MiB high-water mark, so publishers wait for
    // room. The driver must still run its timers, find the connection stale
    // and drop it (its buffer with it), which lets the publishers go on into
    // the reconnect buffer until that is full too.
    let payload = natrs_blocking::Bytes::from(vec![b'x'; 64 * 1024]);
    let started = Instant::now();
    let mut refused = 0;
    for _ in 0..512 {
        match c.publish("stall", payload.clone()) {
            Ok(()) => {}
            Err(natrs_blocking::Error::ReconnectBufferFull { .. }) => refused += 1,
            Err(e) => panic!("{e:?}"),
        }
    }
    assert!(started.elapsed() < WAIT, "{:?}", started.elapsed());
    assert!(refused > 0);
    wait_event(&events, "a stale disconnect", |e| {
        matches!(
            e,
            ClientEvent::Disconnected {
                reason: DisconnectReason::Stale(_)
            }
        )
    });
    let closed = Instant::now();
    c.close();
    assert!(closed.elapsed() < WAIT, "close took {:?}", closed.elapsed());
    server.resume().unwrap();
}

#[test]
fn force_reconnect_keeps_subscriptions() {
    let server = Server::start().unwrap();
    let c = connect(&server.url());
    let events = c.events();
    let sub = c.subscribe("fr").unwrap();
    c.flush().unwrap();
    c.force_reconnect();
    let e = wait_event(&events, "Disconnected", |e| {
        matches!(e, ClientEvent::Disconnected { .. })
    });
    assert!(matches!(
        e,
        ClientEvent::Disconnected {
            reason: DisconnectReason::Requested
        }
    ));
    wait_event(&events, "Reconnected", |e| {
        matches!(e, ClientEvent::Reconnected { .. })
    });
    c.publish("fr", "still here").unwrap();
    assert_eq!(
        sub.next_timeout(WAIT).unwrap().unwrap().payload,
        "still here"
    );
}

#[test]
fn close_while_reconnecting_returns_promptly() {
    let server = Server::start().unwrap();
    let c = connect(&server.url());
    let events = c.events();
    let sub = c.subscribe("x").unwrap();
    server.stop().unwrap();
    wait_event(&events, "Disconnected", |e| {
        matches!(e, ClientEvent::Disconnected { .. })
    });
    let started = Instant::now();
    c.close();
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(c.close_reason(), Some(CloseReason::Closed));
    assert_eq!(sub.next_timeout(WAIT), Ok(None));
}

#[test]
fn without_reconnect_a_lost_connection_closes_the_client() {
    let server = Server::start().unwrap();
    let c = natrs_blocking::connect_with_options(server.url(), options().no_reconnect()).unwrap();
    let events = c.events();
    server.stop().unwrap();
    let e = wait_event(&events, "Closed", |e| {
        matches!(e, ClientEvent::Closed { .. })
    });
    assert!(
        matches!(
            e,
            ClientEvent::Closed {
                reason: CloseReason::NoServers(_)
            }
        ),
        "{e:?}"
    );
    assert!(c.is_closed());
}

#[test]
fn a_second_server_takes_over() {
    let a = Server::start().unwrap();
    let b = Server::start().unwrap();
    let c = natrs_blocking::connect_with_options(
        format!("{},{}", a.url(), b.url()),
        options().retain_servers_order(),
    )
    .unwrap();
    assert_eq!(c.connected_server().unwrap().port(), a.port());
    let events = c.events();
    a.stop().unwrap();
    wait_event(&events, "Reconnected", |e| {
        matches!(e, ClientEvent::Reconnected { .. })
    });
    assert_eq!(c.connected_server().unwrap().port(), b.port());
    c.flush().unwrap();
}

/// A client the event callback can reach once it exists.
type Slot = std::sync::Arc<std::sync::Mutex<Option<natrs_blocking::Client>>>;

#[test]
fn closing_from_a_callback_on_the_driver_thread() {
    let server = Server::start().unwrap();
    let slot: Slot = Default::default();
    let inside = slot.clone();
    let c = natrs_blocking::connect_with_options(
        server.url(),
        options()
            .ping_interval(Duration::from_millis(100))
            .max_pings_outstanding(1)
            .event_callback(move |e| {
                // A stale connection is found by the driver thread's timers:
                // this runs there.
                if matches!(e, ClientEvent::Disconnected { .. }) {
                    if let Some(c) = inside.lock().unwrap().take() {
                        c.close();
                    }
                }
            }),
    )
    .unwrap();
    *slot.lock().unwrap() = Some(c.clone());
    server.pause().unwrap();
    wait_for("the callback to close the client", WAIT, || c.is_closed());
    // The driver finishes (close from another thread waits for it).
    let started = Instant::now();
    c.close();
    assert!(started.elapsed() < WAIT);
    server.resume().unwrap();
}

#[test]
fn draining_from_a_callback_on_a_reader_thread() {
    let server = Server::start().unwrap();
    let slot: Slot = Default::default();
    let inside = slot.clone();
    let c = natrs_blocking::connect_with_options(
        server.url(),
        options().event_callback(move |e| {
            // The handshake that ends a reconnect completes on the reader
            // thread: this runs there.
            if matches!(e, ClientEvent::Reconnected { .. }) {
                if let Some(c) = inside.lock().unwrap().take() {
                    c.drain().unwrap();
                }
            }
        }),
    )
    .unwrap();
    let sub = c.subscribe("d").unwrap();
    *slot.lock().unwrap() = Some(c.clone());
    c.force_reconnect();
    wait_for("the drain to close the client", WAIT, || c.is_closed());
    assert_eq!(c.close_reason(), Some(CloseReason::Drained));
    assert_eq!(sub.next_timeout(WAIT), Ok(None));
}

#[test]
fn reconnects_after_the_server_is_killed() {
    let server = Server::start().unwrap();
    let c = connect(&server.url());
    let events = c.events();
    let sub = c.subscribe("k").unwrap();
    c.flush().unwrap();
    server.kill().unwrap();
    wait_event(&events, "Disconnected", |e| {
        matches!(e, ClientEvent::Disconnected { .. })
    });
    server.restart().unwrap();
    wait_event(&events, "Reconnected", |e| {
        matches!(e, ClientEvent::Reconnected { .. })
    });
    c.publish("k", "back").unwrap();
    assert_eq!(sub.next_timeout(WAIT).unwrap().unwrap().payload, "back");
}
