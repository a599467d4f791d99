//! Queue groups: every job goes to exactly one of the workers in the group.
//!
//! Run against a server at `NATS_URL` (default `nats://127.0.0.1:4222`):
//!
//! ```sh
//! cargo run -p natrs-tokio --example queue_groups
//! ```

use futures_util::StreamExt;
use std::error::Error;

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let url = std::env::var("NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into());
    let counts = run(&url, 3, 30).await?;
    for (worker, count) in counts.iter().enumerate() {
        println!("worker {worker} handled {count} jobs");
    }
    Ok(())
}

/// Starts `workers` members of the queue group `workers` on `jobs.>`,
/// publishes `jobs` jobs and returns how many each worker handled.
pub(crate) async fn run(
    url: &str,
    workers: usize,
    jobs: usize,
) -> Result<Vec<usize>, Box<dyn Error>> {
    let client = natrs_tokio::connect(url).await?;
    let mut tasks = Vec::new();
    for _ in 0..workers {
        let mut sub = client.queue_subscribe("jobs.>", "workers").await?;
        tasks.push(tokio::spawn(async move {
            let mut handled = 0;
            // Ends when the subscription is drained below.
            while let Some(_job) = sub.next().await {
                handled += 1;
            }
            handled
        }));
    }
    // Make sure the server knows the subscriptions before publishing.
    client.flush().await?;
    for i in 0..jobs {
        client.publish(format!("jobs.{i}"), "work").await?;
    }
    // Draining the connection delivers every job already sent, then ends the
    // subscriptions, so each worker task finishes.
    client.drain().await?;
    let mut counts = Vec::new();
    for task in tasks {
        counts.push(task.await?);
    }
    Ok(counts)
}
