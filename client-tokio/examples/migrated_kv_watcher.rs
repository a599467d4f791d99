//! A Key-Value watcher, ported from async-nats (see
//! `docs/migrating-from-async-nats.md`, "A KV watcher"): reads one key,
//! then prints every value of a `config` bucket and every change to it.
//!
//! Run against a JetStream-enabled server at `NATS_URL` (default
//! `nats://127.0.0.1:4222`); it watches until the process is stopped:
//!
//! ```sh
//! cargo run -p natrs-tokio --example migrated_kv_watcher
//! ```

use futures_util::StreamExt;
use natrs_tokio::jetstream::JetStream;
use natrs_tokio::jetstream::kv::{Config, KeyValue, KvError, Operation, WatchEvent};
use std::error::Error;

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let url = std::env::var("NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into());
    let client = natrs_tokio::connect(&url).await?;
    let kv = bucket(&JetStream::new(client)).await?;
    println!("{}", read_color(&kv).await?);
    watch(&kv, usize::MAX, |line| println!("{line}")).await
}

/// Creates the bucket (or updates its config).
pub(crate) async fn bucket(js: &JetStream) -> Result<KeyValue, KvError> {
    js.create_or_update_key_value(Config::new("config").history(5))
        .await
}

/// The current color, or a line saying there is none.
pub(crate) async fn read_color(kv: &KeyValue) -> Result<String, KvError> {
    match kv.get("color").await {
        Ok(entry) => Ok(format!(
            "color is {}",
            String::from_utf8_lossy(&entry.value)
        )),
        Err(KvError::KeyNotFound(_)) => Ok("no color yet".to_string()),
        Err(e) => Err(e),
    }
}

/// Watches the whole bucket, handing a line per value, removal and the end
/// of the initial values to `out`; returns after `limit` lines.
pub(crate) async fn watch(
    kv: &KeyValue,
    limit: usize,
    mut out: impl FnMut(String),
) -> Result<(), Box<dyn Error>> {
    let mut watch = kv.watch_all().await?;
    let mut lines = 0;
    while let Some(event) = watch.next().await {
        let line = match event? {
            WatchEvent::Entry(entry) => match entry.operation {
                Operation::Put => {
                    format!("{} = {}", entry.key, String::from_utf8_lossy(&entry.value))
                }
                Operation::Delete | Operation::Purge => format!("{} removed", entry.key),
            },
            WatchEvent::EndOfInitialData => "(up to date)".to_string(),
        };
        out(line);
        lines += 1;
        if lines == limit {
            break;
        }
    }
    Ok(())
}

/// Reads `color` before and after a first put, then watches while another
/// client changes the bucket; returns every line.
// The suite's entry point (tests/tests/suite/runtime_examples.rs).
#[allow(dead_code)]
pub(crate) async fn run(url: &str) -> Result<Vec<String>, Box<dyn Error>> {
    let client = natrs_tokio::connect(url).await?;
    let js = JetStream::new(client);
    let kv = bucket(&js).await?;
    let mut lines = vec![read_color(&kv).await?];
    kv.put("color", "blue").await?;
    lines.push(read_color(&kv).await?);

    let writer = kv.clone();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let watcher = tokio::spawn(async move {
        let kv = kv;
        watch(&kv, 4, |line| {
            let _ = tx.send(line);
        })
        .await
        .map_err(|e| e.to_string())
    });
    // Change the bucket once the watcher has delivered the initial values.
    for _ in 0..2 {
        lines.push(rx.recv().await.ok_or("the watcher ended")?);
    }
    writer.put("size", "large").await?;
    writer.delete("color").await?;
    watcher.await??;
    while let Some(line) = rx.recv().await {
        lines.push(line);
    }
    Ok(lines)
}
