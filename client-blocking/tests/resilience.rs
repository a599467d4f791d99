//! Closing and draining from event callbacks, which run on the driver's own
//! threads. (Restarts, frozen servers and reconnects are checked by the
//! natrs-tests suite.)

mod common;

use common::{WAIT, options};
use natrs_blocking::{ClientEvent, CloseReason};
use natrs_tests::{Server, wait_for};
use std::time::{Duration, Instant};

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
