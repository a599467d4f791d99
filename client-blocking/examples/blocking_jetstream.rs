//! JetStream with blocking calls: a stream, publishes acknowledged by the
//! server, a pull consumer whose messages are acked one by one, and an
//! ordered consumer that replays the stream.
//!
//! ```text
//! cargo run -p natrs-blocking --example blocking_jetstream
//! ```
//! Connects to `NATS_URL` (default `nats://127.0.0.1:4222`), a server with
//! JetStream enabled.

use natrs_blocking::jetstream::JetStream;
use natrs_blocking::jetstream::api::consumer::ConsumerConfig;
use natrs_blocking::jetstream::api::stream::StreamConfig;
use natrs_blocking::jetstream::consumer::ConsumeOptions;
use natrs_blocking::jetstream::consumer::OrderedOptions;
use std::error::Error;

fn main() -> Result<(), Box<dyn Error>> {
    let url = std::env::var("NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into());
    let report = run(&url)?;
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
pub(crate) fn run(url: &str) -> Result<Report, Box<dyn Error>> {
    let client = natrs_blocking::connect(url)?;
    let js = JetStream::new(client);
    let stream =
        js.create_stream(StreamConfig::new("EXAMPLE_ORDERS").subjects(["example.orders.>"]))?;

    // Publish: each call waits for the server's ack (the stored sequence).
    let mut sequences = Vec::new();
    for (i, item) in ["apples", "pears", "plums"].into_iter().enumerate() {
        let ack = js.publish(&format!("example.orders.{i}"), item)?;
        sequences.push(ack.sequence);
    }

    // Pull consume: a durable consumer; messages are pulled in batches as
    // they are read, and each is acked after its work is done.
    let consumer = stream.create_consumer(ConsumerConfig::durable_pull("packer"))?;
    let mut pulled = Vec::new();
    for message in consumer.messages(ConsumeOptions::new().max_messages(100))? {
        let message = message?;
        pulled.push(String::from_utf8_lossy(&message.payload).into_owned());
        message.ack()?;
        if pulled.len() == sequences.len() {
            break;
        }
    }

    // Ordered consumer: no acks, no durable state; it replays the stream in
    // order and starts over where it left off if it misses anything.
    let ordered = stream.ordered_consumer(OrderedOptions::default())?;
    let replayed = ordered
        .messages()?
        .take(sequences.len())
        .map(|m| m.map(|m| String::from_utf8_lossy(&m.payload).into_owned()))
        .collect::<Result<Vec<_>, _>>()?;

    js.delete_stream("EXAMPLE_ORDERS")?;
    Ok(Report {
        sequences,
        pulled,
        replayed,
    })
}
