//! Helpers shared by the integration tests.

#![allow(dead_code)]

use natrs_blocking::{Client, ClientEvent, ConnectOptions, Events};
use std::time::{Duration, Instant};

/// How long any single wait in a test may take before it counts as a failure.
pub(crate) const WAIT: Duration = Duration::from_secs(10);

/// Connects with [`options`].
pub(crate) fn connect(url: &str) -> Client {
    natrs_blocking::connect_with_options(url, options()).expect("connect")
}

/// Options suited to tests: reconnect quickly and forever.
pub(crate) fn options() -> ConnectOptions {
    ConnectOptions::new()
        .reconnect_wait(Duration::from_millis(50))
        .reconnect_jitter(Duration::ZERO, Duration::ZERO)
        .max_reconnects(None)
}

/// Waits for the first event `pred` accepts; panics (naming `what`) if none
/// comes within [`WAIT`] or the events end first.
pub(crate) fn wait_event(
    events: &Events,
    what: &str,
    mut pred: impl FnMut(&ClientEvent) -> bool,
) -> ClientEvent {
    let deadline = Instant::now() + WAIT;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match events.next_timeout(left) {
            Ok(Some(e)) if pred(&e) => return e,
            Ok(Some(_)) => {}
            Ok(None) => panic!("events ended while waiting for {what}"),
            Err(_) => panic!("no {what} within {WAIT:?}"),
        }
    }
}
