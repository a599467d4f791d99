//! Reconnecting and the reconnect buffer: while the server is away,
//! publishes are kept (up to a limit) and sent once the client is back.
//!
//! Run against a server at `NATS_URL` (default `nats://127.0.0.1:4222`) and
//! restart the server while it runs (it publishes for `DEMO_SECS`, default 15):
//!
//! ```sh
//! cargo run -p natrs-tokio --example reconnect_buffer
//! # in another terminal, while it runs: stop nats-server, wait, start it again
//! ```

use natrs_tokio::{ClientEvent, ConnectOptions, Error};
use std::time::Duration;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::var("NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into());
    let secs: u64 = std::env::var("DEMO_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(15);
    let report = run(&url, secs * 10, Duration::from_millis(100)).await?;
    println!("{report:?}");
    Ok(())
}

/// What happened to the publishes.
#[derive(Debug, Default)]
pub(crate) struct Report {
    /// Published while connected or buffered while reconnecting.
    pub(crate) accepted: usize,
    /// Refused because the reconnect buffer was full.
    pub(crate) refused: usize,
}

/// Publishes `count` messages, one every `every`, counting what the reconnect
/// buffer had to refuse.
pub(crate) async fn run(
    url: &str,
    count: u64,
    every: Duration,
) -> Result<Report, Box<dyn std::error::Error>> {
    let options = ConnectOptions::new()
        // Keep at most 64 KiB of publishes while disconnected.
        .reconnect_buffer_size(64 * 1024)
        // Retry every 250 ms (plus up to 50 ms), forever.
        .reconnect_wait(Duration::from_millis(250))
        .reconnect_jitter(Duration::from_millis(50), Duration::from_millis(500))
        .max_reconnects(None)
        .event_callback(|event| match event {
            ClientEvent::Disconnected { reason } => {
                eprintln!("disconnected ({reason}); buffering publishes")
            }
            ClientEvent::Reconnected { server } => eprintln!("reconnected to {server}"),
            _ => {}
        });
    let client = natrs_tokio::connect_with_options(url, options).await?;
    let mut report = Report::default();
    let mut tick = tokio::time::interval(every);
    for i in 0..count {
        tick.tick().await;
        match client.publish("demo.ticks", i.to_string()).await {
            Ok(()) => report.accepted += 1,
            Err(e @ Error::ReconnectBufferFull { .. }) => {
                eprintln!("dropped tick {i}: {e}");
                report.refused += 1;
            }
            Err(e) => return Err(e.into()),
        }
    }
    // Once connected, this returns when the server has every buffered tick.
    if let Err(e) = client.flush().await {
        eprintln!("final flush: {e}");
    }
    client.close().await;
    Ok(report)
}
