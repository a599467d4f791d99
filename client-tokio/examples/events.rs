//! Connection events: a callback and a stream, through a forced reconnect
//! and the close.
//!
//! Run against a server at `NATS_URL` (default `nats://127.0.0.1:4222`);
//! try stopping and restarting nats-server while it waits, or let it
//! force a reconnect itself:
//!
//! ```sh
//! cargo run -p natrs-tokio --example events
//! ```

use futures_util::StreamExt;
use natrs_tokio::{ClientEvent, ConnectOptions};
use std::error::Error;
use std::time::Duration;

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let url = std::env::var("NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into());
    for event in run(&url).await? {
        println!("stream: {event:?}");
    }
    Ok(())
}

/// Connects, forces a reconnect, closes, and returns what the event stream saw.
pub(crate) async fn run(url: &str) -> Result<Vec<ClientEvent>, Box<dyn Error>> {
    let options = ConnectOptions::new()
        .name("events-example")
        .reconnect_wait(Duration::from_millis(100))
        // The callback runs on the connection's driver: keep it short.
        .event_callback(|event| match event {
            ClientEvent::Disconnected { reason } => eprintln!("callback: lost: {reason}"),
            ClientEvent::SlowConsumer {
                subject, dropped, ..
            } => {
                eprintln!("callback: {subject} is falling behind ({dropped} dropped)")
            }
            ClientEvent::LameDuck => eprintln!("callback: the server is shutting down"),
            other => eprintln!("callback: {other:?}"),
        });
    let client = natrs_tokio::connect_with_options(url, options).await?;
    let mut events = client.events();

    client.force_reconnect();
    let mut seen = Vec::new();
    while let Some(event) = events.next().await {
        let reconnected = matches!(event, ClientEvent::Reconnected { .. });
        seen.push(event);
        if reconnected {
            break;
        }
    }
    client.close().await;
    // The stream ends after `Closed`.
    while let Some(event) = events.next().await {
        seen.push(event);
    }
    Ok(seen)
}
