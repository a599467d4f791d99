//! A slow consumer: each subscription buffers at most so many messages (and
//! payload bytes) for its reader; past that, new messages are dropped and
//! counted, a `SlowConsumer` event is emitted once per episode, and the
//! connection stays up.
//!
//! Run against a server at `NATS_URL` (default `nats://127.0.0.1:4222`):
//!
//! ```sh
//! cargo run -p natrs-tokio --example slow_consumer
//! ```

use futures_util::StreamExt;
use natrs_tokio::{ClientEvent, ConnectOptions};
use std::error::Error;

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let url = std::env::var("NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into());
    let report = run(&url, 100, 1_000).await?;
    println!(
        "read {}, dropped {} (the event came at drop {})",
        report.read, report.dropped, report.reported
    );
    Ok(())
}

/// What happened to the messages.
#[derive(Debug)]
pub(crate) struct Report {
    /// Messages the reader got.
    pub(crate) read: u64,
    /// Messages the subscription dropped, by its own count.
    pub(crate) dropped: u64,
    /// The drop count the `SlowConsumer` event reported: the subscription's
    /// total at the drop that started the episode.
    pub(crate) reported: u64,
}

/// Publishes `sent` messages to a subscription that buffers at most `limit`
/// and is read only afterwards.
pub(crate) async fn run(url: &str, limit: usize, sent: u64) -> Result<Report, Box<dyn Error>> {
    // The default for new subscriptions (nats.go's: 512Ki messages, 64 MiB);
    // `Subscriber::set_pending_limits` changes one subscription's.
    let options = ConnectOptions::new().subscription_pending_limits(limit, 1024 * 1024);
    let client = natrs_tokio::connect_with_options(url, options).await?;
    let mut events = client.events();
    let mut sub = client.subscribe("slow.work").await?;
    for i in 0..sent {
        client.publish("slow.work", i.to_string()).await?;
    }
    // Once this returns, the server has sent everything to the subscription.
    client.flush().await?;

    let reported = loop {
        match events.next().await {
            Some(ClientEvent::SlowConsumer { dropped, .. }) => break dropped,
            Some(_) => continue,
            None => return Err("the client closed".into()),
        }
    };
    // The buffered messages are still there; the connection still works.
    let (pending, _) = sub.pending();
    let mut read = 0;
    for _ in 0..pending {
        sub.next().await.ok_or("subscription ended early")?;
        read += 1;
    }
    client.rtt().await?;
    let report = Report {
        read,
        dropped: sub.dropped(),
        reported,
    };
    client.close().await;
    Ok(report)
}
