//! JetStream: a stream, publishes acknowledged by the server, a pull
//! consumer whose messages are acked one by one, and an ordered consumer
//! that replays the stream.
//!
//! Run against a JetStream-enabled server at `NATS_URL` (default
//! `nats://127.0.0.1:4222`):
//!
//! ```sh
//! cargo run -p natrs-tokio --example jetstream
//! ```

use futures_util::StreamExt;
use natrs_tokio::jetstream::JetStream;
use natrs_tokio::jetstream::api::consumer::ConsumerConfig;
use natrs_tokio::jetstream::api::stream::StreamConfig;
use natrs_tokio::jetstream::consumer::ConsumeOptions;
use natrs_tokio::jetstream::consumer::OrderedOptions;
use std::error::Error;

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let url = std::env::var("NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into());
    let report = run(&url).await?;
    println!("stored as {:?}", report.sequences);
    println!("pulled and acked {:?}", report.pulled);
    println!("replayed in order {:?}", report.replayed);
    Ok(())
}

/// What the example saw.
#[derive(Debug)]
pub(crate) struct Report {
    /// The stream sequence of each publish, from the server's acks.
    pub(crate) sequences: Vec<u64>,
    /// The payloads the pull consumer delivered.
    pub(crate) pulled: Vec<String>,
    /// The payloads the ordered consumer delivered.
    pub(crate) replayed: Vec<String>,
}

/// Publishes three orders, pulls and acks them, replays them; deletes the
/// stream at the end.
pub(crate) async fn run(url: &str) -> Result<Report, Box<dyn Error>> {
    let client = natrs_tokio::connect(url).await?;
    let js = JetStream::new(client);
    let stream = js
        .create_stream(StreamConfig::new("EXAMPLE_ORDERS").subjects(["example.orders.>"]))
        .await?;

    // Publish: each call waits for the server's ack (the stored sequence).
    let mut sequences = Vec::new();
    for (i, item) in ["apples", "pears", "plums"].into_iter().enumerate() {
        let ack = js.publish(format!("example.orders.{i}"), item).await?;
        sequences.push(ack.sequence);
    }

    // Pull consume: a durable consumer; messages are pulled in batches as
    // they are read, and each is acked after its work is done.
    let consumer = stream
        .create_consumer(ConsumerConfig::durable_pull("packer"))
        .await?;
    let mut messages = consumer.messages(ConsumeOptions::new().max_messages(100))?;
    let mut pulled = Vec::new();
    while pulled.len() < sequences.len() {
        let message = messages.next().await.ok_or("the consumer ended")??;
        pulled.push(String::from_utf8_lossy(message.payload()).into_owned());
        message.ack().await?;
    }
    drop(messages);

    // Ordered consumer: no acks, no durable state; it replays the stream in
    // order and starts over where it left off if it misses anything.
    let ordered = stream.ordered_consumer(OrderedOptions::default())?;
    let mut replay = ordered.messages().await?;
    let mut replayed = Vec::new();
    while replayed.len() < sequences.len() {
        let message = replay.next().await.ok_or("the ordered consumer ended")??;
        replayed.push(String::from_utf8_lossy(message.payload()).into_owned());
    }
    drop(replay);

    js.delete_stream("EXAMPLE_ORDERS").await?;
    Ok(Report {
        sequences,
        pulled,
        replayed,
    })
}
