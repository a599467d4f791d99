//! Key-Value with blocking calls: a bucket, puts and gets, and a watch that
//! sees the current values, then every change.
//!
//! ```text
//! cargo run -p natrs-blocking --example blocking_kv
//! ```
//! Connects to `NATS_URL` (default `nats://127.0.0.1:4222`), a server with
//! JetStream enabled.

use natrs_blocking::jetstream::JetStream;
use natrs_blocking::jetstream::kv::{Config, KvError, Operation, WatchEvent};
use std::error::Error;

fn main() -> Result<(), Box<dyn Error>> {
    let url = std::env::var("NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into());
    for line in run(&url)? {
        println!("{line}");
    }
    Ok(())
}

/// Puts, gets and watches keys of a bucket; returns what it saw, one line
/// per step. Deletes the bucket at the end.
pub(crate) fn run(url: &str) -> Result<Vec<String>, Box<dyn Error>> {
    let client = natrs_blocking::connect(url)?;
    let js = JetStream::new(client);
    let kv = js.create_key_value(Config::new("example_settings").history(5))?;
    let mut seen = Vec::new();

    // Put returns the new revision; get the latest value.
    let revision = kv.put("color", "blue")?;
    kv.put("size", "large")?;
    let entry = kv.get("color")?;
    seen.push(format!(
        "get color = {} (revision {revision})",
        String::from_utf8_lossy(&entry.value)
    ));
    match kv.get("weight") {
        Err(KvError::KeyNotFound(_)) => seen.push("get weight: no value".into()),
        other => return Err(format!("unexpected: {other:?}").into()),
    }

    // Watch every key: first the latest value of each, then the end of the
    // initial data, then changes as they happen.
    let mut watch = kv.watch_all()?;
    while let WatchEvent::Entry(e) = watch.next().ok_or("the watch ended")?? {
        seen.push(format!(
            "now {} = {}",
            e.key,
            String::from_utf8_lossy(&e.value)
        ));
    }
    kv.put("color", "green")?;
    kv.delete("size")?;
    for _ in 0..2 {
        match watch.next().ok_or("the watch ended")?? {
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

    js.delete_key_value("example_settings")?;
    Ok(seen)
}
