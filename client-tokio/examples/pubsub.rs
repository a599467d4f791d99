//! Publish and subscribe: a wildcard subscription read as a `Stream`.
//!
//! Run against a server at `NATS_URL` (default `nats://127.0.0.1:4222`):
//!
//! ```sh
//! nats-server &
//! cargo run -p natrs-tokio --example pubsub
//! ```

use futures_util::StreamExt;
use std::error::Error;

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let url = std::env::var("NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into());
    for line in run(&url).await? {
        println!("{line}");
    }
    Ok(())
}

/// Subscribes to `greet.*`, publishes three greetings and returns what arrived.
pub(crate) async fn run(url: &str) -> Result<Vec<String>, Box<dyn Error>> {
    let client = natrs_tokio::connect(url).await?;
    let mut sub = client.subscribe("greet.*").await?;

    for name in ["joe", "ann", "bob"] {
        client
            .publish(format!("greet.{name}"), format!("hello {name}"))
            .await?;
    }
    // Not needed for delivery, but tells us the server has all three.
    client.flush().await?;

    let mut received = Vec::new();
    for _ in 0..3 {
        let msg = sub.next().await.ok_or("subscription ended early")?;
        received.push(format!(
            "{}: {}",
            msg.subject,
            String::from_utf8_lossy(&msg.payload)
        ));
    }
    // Unsubscribing ends the stream.
    sub.unsubscribe().await?;
    assert!(sub.next().await.is_none());
    client.close().await;
    Ok(received)
}
