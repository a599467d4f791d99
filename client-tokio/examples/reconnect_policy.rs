//! Connecting before the server is up, with a reconnect policy of our own:
//! `retry_on_initial_connect` returns the client at once and keeps trying
//! in the background, subscriptions and publishes made meanwhile take effect
//! once it connects, and a delay callback sets the wait between passes over
//! the server pool (here exponential backoff, capped). `max_reconnects`
//! bounds the attempts per server; past it the client closes.
//!
//! Run it, then start nats-server within a minute:
//!
//! ```sh
//! cargo run -p natrs-tokio --example reconnect_policy
//! nats-server    # in another terminal
//! ```
//!
//! `NATS_URL` defaults to `nats://127.0.0.1:4222`.

use futures_util::StreamExt;
use natrs_tokio::{ConnectOptions, ConnectionState};
use std::error::Error;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let url = std::env::var("NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into());
    let failed = Arc::new(AtomicU32::new(0));
    let greeting = run(&url, failed.clone()).await?;
    println!(
        "{greeting} (after {} failed passes)",
        failed.load(Ordering::SeqCst)
    );
    Ok(())
}

/// The wait after `failed` passes over the pool in a row failed: 50 ms,
/// doubling up to 2 s.
pub(crate) fn backoff(failed: u32) -> Duration {
    let doublings = failed.saturating_sub(1).min(6);
    (Duration::from_millis(50) * 2u32.pow(doublings)).min(Duration::from_secs(2))
}

/// Connects (whether or not the server is up yet), subscribes and publishes
/// at once, and returns the message once it came back. `failed` counts the
/// passes over the pool that failed.
pub(crate) async fn run(url: &str, failed: Arc<AtomicU32>) -> Result<String, Box<dyn Error>> {
    let options = ConnectOptions::new()
        .retry_on_initial_connect()
        .reconnect_delay_callback(move |passes| {
            failed.fetch_add(1, Ordering::SeqCst);
            backoff(passes)
        })
        // About 70 s of attempts with this backoff, then give up.
        .max_reconnects(Some(40));
    let client = natrs_tokio::connect_with_options(url, options).await?;
    if client.connection_state() == ConnectionState::Connecting {
        eprintln!("not connected yet; retrying in the background");
    }
    // Both wait in the client until a connection is made, in this order.
    let mut sub = client.subscribe("policy.demo").await?;
    client
        .publish("policy.demo", "hello once connected")
        .await?;
    let msg = sub
        .next()
        .await
        .ok_or("the client gave up before the server came up")?;
    client.close().await;
    Ok(String::from_utf8_lossy(&msg.payload).into_owned())
}
