//! Helpers of the integration tests: a natrs-tokio client for a real
//! nats-server (through the natrs-tests harness), and waiting with deadlines.

#![allow(dead_code, unreachable_pub)]

use natrs_tokio::{Client, ConnectOptions};
use std::future::Future;
use std::time::Duration;

/// Connects with the defaults the tests want (fast reconnects).
pub async fn connect(url: &str) -> Client {
    let options = ConnectOptions::new()
        .reconnect_wait(Duration::from_millis(100))
        .max_reconnects(None);
    natrs_tokio::connect_with_options(url, options)
        .await
        .expect("connect")
}

/// Awaits `fut`, failing the test after `secs` seconds.
pub async fn within<F: Future>(secs: u64, what: &str, fut: F) -> F::Output {
    match tokio::time::timeout(Duration::from_secs(secs), fut).await {
        Ok(v) => v,
        Err(_) => panic!("timed out after {secs}s waiting for {what}"),
    }
}

/// Checks `condition` until it holds, pausing 5 ms to 100 ms between checks;
/// fails the test after `secs` seconds.
pub async fn eventually<F, Fut>(secs: u64, what: &str, mut condition: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = std::time::Instant::now() + Duration::from_secs(secs);
    let mut pause = Duration::from_millis(5);
    loop {
        if condition().await {
            return;
        }
        if std::time::Instant::now() >= deadline {
            panic!("timed out after {secs}s waiting for {what}");
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_millis(100));
    }
}
