//! Helpers shared by the integration tests: servers from the natrs-tests
//! harness and bounded waits (a test fails instead of hanging).

#![allow(dead_code)]

use futures_lite::StreamExt;
use natrs_async_std::{Message, Subscriber};
use natrs_tests::{Server, ServerConfig};
use std::future::Future;
use std::time::Duration;

/// The longest any single wait in these tests may take.
pub(crate) const WAIT: Duration = Duration::from_secs(5);

/// A plain server without JetStream (faster to start).
pub(crate) fn server() -> Server {
    ServerConfig::new()
        .jetstream(false)
        .start()
        .expect("start nats-server")
}

/// `fut`'s output, or a panic naming `what` after [`WAIT`].
pub(crate) async fn within<T>(what: &str, fut: impl Future<Output = T>) -> T {
    let timeout = async {
        async_io::Timer::after(WAIT).await;
        None
    };
    futures_lite::future::or(async { Some(fut.await) }, timeout)
        .await
        .unwrap_or_else(|| panic!("timed out after {WAIT:?} waiting for {what}"))
}

/// The next message of `sub` (panics if the subscription ends or none comes).
pub(crate) async fn next_msg(sub: &mut Subscriber) -> Message {
    within(&format!("a message on {}", sub.subject()), sub.next())
        .await
        .unwrap_or_else(|| panic!("the subscription to {} ended", sub.subject()))
}

/// How many client connections `server` reports (needs monitoring on).
pub(crate) fn connections(server: &Server) -> u64 {
    server
        .monitor_json("/connz")
        .expect("connz")
        .get("num_connections")
        .and_then(|n| n.as_u64())
        .expect("num_connections in connz")
}
