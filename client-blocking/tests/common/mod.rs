//! Helpers shared by the integration tests.

#![allow(dead_code)]

use natrs_blocking::{Client, ConnectOptions};
use std::time::Duration;

/// How long any single wait in a test may take before it counts as a failure.
pub(crate) const WAIT: Duration = Duration::from_secs(10);

/// Connects with options suited to tests (quick reconnects).
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
