//! Publishes messages and waits until the server has them.
//!
//! ```text
//! cargo run -p natrs-blocking --example blocking_publish -- [subject] [count]
//! ```
//! Connects to `NATS_URL` (default `nats://127.0.0.1:4222`).

use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::var("NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into());
    let mut args = std::env::args().skip(1);
    let subject = args.next().unwrap_or_else(|| "greet.joe".into());
    let count: u64 = args.next().map(|n| n.parse()).transpose()?.unwrap_or(10);

    let client = natrs_blocking::connect(&url)?;
    let started = Instant::now();
    for i in 0..count {
        client.publish(subject.as_str(), format!("hello #{i}"))?;
    }
    // Publishing only queues; a flush is a round trip to the server.
    client.flush()?;
    println!(
        "published {count} messages to {subject} in {:?}",
        started.elapsed()
    );
    client.close();
    Ok(())
}
