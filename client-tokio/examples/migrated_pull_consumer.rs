//! A pull consumer loop with acks, ported from async-nats (see
//! `docs/migrating-from-async-nats.md`, "A pull consumer loop"): jobs are
//! published to a `JOBS` stream and a durable `worker` consumer takes them
//! one by one, acking each after its work.
//!
//! Run against a JetStream-enabled server at `NATS_URL` (default
//! `nats://127.0.0.1:4222`):
//!
//! ```sh
//! cargo run -p natrs-tokio --example migrated_pull_consumer
//! ```

use futures_util::StreamExt;
use natrs_tokio::jetstream::JetStream;
use natrs_tokio::jetstream::api::consumer::ConsumerConfig;
use natrs_tokio::jetstream::api::stream::StreamConfig;
use natrs_tokio::jetstream::consumer::ConsumeOptions;
use std::error::Error;

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let url = std::env::var("NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into());
    for line in run(&url, 3).await? {
        println!("{line}");
    }
    Ok(())
}

/// Publishes `jobs` jobs, then works through that many; returns one line
/// per job done.
pub(crate) async fn run(url: &str, jobs: usize) -> Result<Vec<String>, Box<dyn Error>> {
    let client = natrs_tokio::connect(url).await?;
    let js = JetStream::new(client);
    let stream = js
        .create_or_update_stream(StreamConfig::new("JOBS").subjects(["jobs.>"]))
        .await?;

    // Publish without waiting for each ack: the first await sends, the
    // second waits for the server's ack.
    let mut acks = Vec::new();
    for i in 0..jobs {
        acks.push(
            js.publish_async("jobs.resize", format!("photo-{i}.jpg"))
                .await?,
        );
    }
    for ack in acks {
        ack.await?;
    }

    let consumer = stream
        .create_or_update_consumer(ConsumerConfig::durable_pull("worker"))
        .await?;
    let mut messages = consumer.messages(ConsumeOptions::new())?;
    let mut done = Vec::new();
    while let Some(message) = messages.next().await {
        let message = message?;
        done.push(format!(
            "{}: {}",
            message.subject(),
            String::from_utf8_lossy(message.payload())
        ));
        message.ack().await?;
        if done.len() == jobs {
            break;
        }
    }
    Ok(done)
}
