//! Draining: stop taking new messages, finish the ones already sent, flush
//! what was published, then close. The way to shut a service down without
//! losing work.
//!
//! Run against a server at `NATS_URL` (default `nats://127.0.0.1:4222`):
//!
//! ```sh
//! cargo run -p natrs-tokio --example drain
//! ```

use futures_util::StreamExt;
use natrs_tokio::ConnectOptions;
use std::error::Error;
use std::time::Duration;

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let url = std::env::var("NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into());
    let handled = run(&url, 1000).await?;
    println!("handled {handled} messages before closing");
    Ok(())
}

/// Publishes `count` messages to a worker, drains the worker's connection
/// and returns how many it handled (all of them).
pub(crate) async fn run(url: &str, count: usize) -> Result<usize, Box<dyn Error>> {
    // A drain that takes longer than this closes the client anyway, with
    // `DrainError::TimedOut` (default: 30 s, as in nats.go).
    let options = ConnectOptions::new().drain_timeout(Duration::from_secs(10));
    let worker = natrs_tokio::connect_with_options(url, options).await?;
    let producer = natrs_tokio::connect(url).await?;

    let mut sub = worker.subscribe("tasks").await?;
    let handler = tokio::spawn(async move {
        let mut handled = 0;
        // The stream ends once the drain delivered everything.
        while let Some(_task) = sub.next().await {
            handled += 1;
        }
        handled
    });
    worker.flush().await?;

    for i in 0..count {
        producer.publish("tasks", i.to_string()).await?;
    }
    // Everything is at the server (and on its way to the worker)...
    producer.flush().await?;
    // ...so a drain now delivers all of it before closing.
    worker.drain().await?;
    producer.drain().await?;
    Ok(handler.await?)
}
