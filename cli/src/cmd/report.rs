//! `natrs stream report` and `natrs consumer report STREAM`: a row per
//! stream or consumer, with its replication group and mirror/source lag.

use crate::Global;
use crate::output::{self, print_json, table};
use anyhow::Result;
use natrs_tokio::jetstream::JetStream;
use natrs_tokio::jetstream::report::{ReplicationReport, SourceReport};

/// The replication group as `leader*, replica (lag N, current|behind)`.
fn replication(cluster: Option<&ReplicationReport>) -> String {
    let Some(cluster) = cluster else {
        return String::new();
    };
    let mut parts = vec![match &cluster.leader {
        Some(leader) => format!("{leader}*"),
        None => "no leader".to_string(),
    }];
    for r in &cluster.replicas {
        let state = if r.offline {
            "offline"
        } else if r.current {
            "current"
        } else {
            "behind"
        };
        parts.push(format!("{} (lag {}, {state})", r.name, r.lag));
    }
    parts.join(", ")
}

/// A mirror or source as `NAME lag N`, with its error.
fn source(s: &SourceReport) -> String {
    let mut text = format!("{} lag {}", s.name, s.lag);
    if let Some(error) = &s.error {
        text.push_str(&format!(" ({error})"));
    }
    text
}

/// `natrs stream report`.
pub(crate) async fn streams(js: &JetStream, global: &Global, subject: Option<&str>) -> Result<()> {
    let rows = js.stream_report(subject).all().await?;
    if global.json {
        return print_json(&rows);
    }
    if rows.is_empty() {
        eprintln!("No streams");
        return Ok(());
    }
    let mut t = table([
        "Stream",
        "Storage",
        "Replicas",
        "Messages",
        "Bytes",
        "Consumers",
        "Cluster",
        "Mirror / sources",
    ]);
    for r in &rows {
        let mut origins: Vec<String> = r
            .mirror
            .iter()
            .map(|m| format!("mirror {}", source(m)))
            .collect();
        origins.extend(r.sources.iter().map(|s| format!("source {}", source(s))));
        t.add_row([
            r.name.clone(),
            output::storage(r.storage).to_string(),
            r.replicas.to_string(),
            r.messages.to_string(),
            output::bytes(r.bytes),
            r.consumers.to_string(),
            replication(r.cluster.as_ref()),
            origins.join(", "),
        ]);
    }
    println!("{t}");
    Ok(())
}

/// `natrs consumer report STREAM`.
pub(crate) async fn consumers(js: &JetStream, global: &Global, stream: &str) -> Result<()> {
    let rows = js.consumer_report(stream).all().await?;
    if global.json {
        return print_json(&rows);
    }
    if rows.is_empty() {
        eprintln!("No consumers on {stream}");
        return Ok(());
    }
    let mut t = table([
        "Consumer",
        "Mode",
        "Ack policy",
        "Ack pending",
        "Redelivered",
        "Waiting",
        "Unprocessed",
        "Last delivery",
        "Cluster",
    ]);
    for r in &rows {
        let mut mode = if r.push { "push" } else { "pull" }.to_string();
        if !r.durable {
            mode.push_str(", ephemeral");
        }
        if r.paused {
            mode.push_str(", paused");
        }
        t.add_row([
            r.name.clone(),
            mode,
            serde_json::to_value(r.ack_policy)?
                .as_str()
                .unwrap_or("")
                .to_string(),
            r.ack_pending.to_string(),
            r.redelivered.to_string(),
            r.waiting.to_string(),
            r.unprocessed.to_string(),
            output::time(r.last_delivery),
            replication(r.cluster.as_ref()),
        ]);
    }
    println!("{t}");
    Ok(())
}
