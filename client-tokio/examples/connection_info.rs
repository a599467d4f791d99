//! What a client can tell about its connection: its state, the server it is
//! connected to and the pool it knows, the server's INFO (version, limits),
//! the round-trip time, and traffic counters. Also a subscription that ends
//! by itself after a number of messages (`unsubscribe_after`).
//!
//! Run against a server at `NATS_URL` (default `nats://127.0.0.1:4222`):
//!
//! ```sh
//! cargo run -p natrs-tokio --example connection_info
//! ```

use futures_util::StreamExt;
use natrs_tokio::{ConnectionState, Statistics, SubscriptionEnd};
use std::error::Error;

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let url = std::env::var("NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into());
    let r = run(&url).await?;
    println!(
        "state {:?}, connected to {} of {:?}",
        r.state, r.server, r.pool
    );
    println!(
        "nats-server {}, max payload {} bytes",
        r.version, r.max_payload
    );
    println!("round trip {} us", r.rtt_us);
    println!(
        "auto-unsubscribe: {} messages, then {:?}",
        r.received, r.ended
    );
    println!("{:?}", r.stats);
    Ok(())
}

/// What [`run`] found out.
#[derive(Debug)]
pub(crate) struct Report {
    pub(crate) state: ConnectionState,
    pub(crate) server: String,
    pub(crate) pool: Vec<String>,
    pub(crate) version: String,
    pub(crate) max_payload: usize,
    pub(crate) rtt_us: u128,
    /// Messages the auto-unsubscribing subscription got.
    pub(crate) received: usize,
    pub(crate) ended: Option<SubscriptionEnd>,
    pub(crate) stats: Statistics,
}

/// Connects, asks about the connection, and lets a subscription end after
/// three of five messages.
pub(crate) async fn run(url: &str) -> Result<Report, Box<dyn Error>> {
    let client = natrs_tokio::connect(url).await?;

    // The subscription ends after three messages; the server is told too,
    // and stops sending it the other two.
    let mut sub = client.subscribe("info.ticks").await?;
    sub.unsubscribe_after(3).await?;
    for i in 0..5 {
        client.publish("info.ticks", format!("tick {i}")).await?;
    }
    let mut received = 0;
    while sub.next().await.is_some() {
        received += 1;
    }

    // A PING/PONG round trip; it also makes sure the server has everything.
    let rtt = client.rtt().await?;
    let info = client.server_info().ok_or("no server info")?;
    let report = Report {
        state: client.connection_state(),
        server: client
            .connected_server()
            .map(|s| s.to_string())
            .unwrap_or_default(),
        pool: client.servers().iter().map(ToString::to_string).collect(),
        version: info.version,
        max_payload: client.max_payload().unwrap_or(0),
        rtt_us: rtt.as_micros(),
        received,
        ended: sub.end_reason(),
        stats: client.statistics(),
    };
    client.close().await;
    Ok(report)
}
