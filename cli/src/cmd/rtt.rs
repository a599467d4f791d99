//! `natrs rtt`.

use crate::Global;
use crate::duration::format_duration;
use anyhow::{Result, anyhow};
use clap::Args;
use std::time::Duration;

/// `natrs rtt`.
#[derive(Debug, Args)]
pub(crate) struct RttArgs {
    /// How many round trips to average
    #[arg(long, default_value_t = 5)]
    iterations: u32,
}

pub(crate) async fn run(args: RttArgs, global: &Global) -> Result<()> {
    let settings = global.connect.settings()?;
    let client = settings.connect().await?;
    let iterations = args.iterations.max(1);
    let mut total = Duration::ZERO;
    for _ in 0..iterations {
        total += client
            .rtt()
            .await
            .map_err(|e| anyhow!("no answer from the server: {e}"))?;
    }
    let average = total / iterations;
    let server = client
        .connected_server()
        .map(|s| s.to_string())
        .unwrap_or_else(|| settings.server_list().to_string());
    client.drain().await.ok();
    if global.json {
        crate::output::print_json(&serde_json::json!({
            "server": server,
            "iterations": iterations,
            "rtt_ns": average.as_nanos() as u64,
        }))
    } else {
        println!(
            "{server}: {} (average of {iterations})",
            format_duration(average)
        );
        Ok(())
    }
}
