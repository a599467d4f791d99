//! Key-Value: a bucket, puts and gets, and a watch that sees the current
//! values, then every change.
//!
//! Run against a JetStream-enabled server at `NATS_URL` (default
//! `nats://127.0.0.1:4222`):
//!
//! ```sh
//! cargo run -p natrs-async-std --example async_std_kv
//! ```

use futures_lite::StreamExt;
use natrs_async_std::jetstream::JetStream;
use natrs_async_std::jetstream::kv::{Config, KvError, Operation, WatchEvent};
use std::error::Error;

#[async_std::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let url = std::env::var("NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into());
    for line in run(&url).await? {
        println!("{line}");
    }
    Ok(())
}

/// Puts, gets and watches keys of a bucket; returns what it saw, one line
/// per step. Deletes the bucket at the end.
pub(crate) async fn run(url: &str) -> Result<Vec<String>, Box<dyn Error>> {
    let client = natrs_async_std::connect(url).await?;
    let js = JetStream::new(client);
    let kv = js
        .create_key_value(Config::new("example_settings").history(5))
        .await?;
    let mut seen = Vec::new();

    // Put returns the new revision; get the latest value.
    let revision = kv.put("color", "blue").await?;
    kv.put("size", "large").await?;
    let entry = kv.get("color").await?;
    seen.push(format!(
        "get color = {} (revision {revision})",
        String::from_utf8_lossy(&entry.value)
    ));
    match kv.get("weight").await {
        Err(KvError::KeyNotFound(_)) => seen.push("get weight: no value".into()),
        other => return Err(format!("unexpected: {other:?}").into()),
    }

    // Watch every key: first the latest value of each, then the end of the
    // initial data, then changes as they happen.
    let mut watch = kv.watch_all().await?;
    while let WatchEvent::Entry(e) = watch.next().await.ok_or("the watch ended")?? {
        seen.push(format!(
            "now {} = {}",
            e.key,
            String::from_utf8_lossy(&e.value)
        ));
    }
    kv.put("color", "green").await?;
    kv.delete("size").await?;
    for _ in 0..2 {
        match watch.next().await.ok_or("the watch ended")?? {
            WatchEvent::Entry(e) if e.operation == Operation::Put => {
                seen.push(format!(
                    "changed {} = {}",
                    e.key,
                    String::from_utf8_lossy(&e.value)
                ));
            }
            WatchEvent::Entry(e) => seen.push(format!("{:?} {}", e.operation, e.key)),
            WatchEvent::EndOfInitialData => return Err("a second end of initial data".into()),
        }
    }
    drop(watch);

    js.delete_key_value("example_settings").await?;
    Ok(seen)
}
