//! `natrs pub`.

use super::{body_or_stdin, parse_headers};
use crate::Global;
use crate::duration::parse_duration;
use anyhow::{Result, anyhow};
use clap::Args;
use std::time::Duration;

/// `natrs pub SUBJECT [BODY]`.
#[derive(Debug, Args)]
pub(crate) struct PubArgs {
    /// Subject to publish to
    subject: String,
    /// Message body; read from stdin when left out
    body: Option<String>,
    /// A header KEY:VALUE (repeatable)
    #[arg(short = 'H', long = "header")]
    headers: Vec<String>,
    /// Number of messages to publish
    #[arg(long, default_value_t = 1)]
    count: u64,
    /// Pause between messages
    #[arg(long, value_parser = parse_duration)]
    sleep: Option<Duration>,
    /// Reply subject to send with the messages
    #[arg(long)]
    reply: Option<String>,
}

pub(crate) async fn run(args: PubArgs, global: &Global) -> Result<()> {
    let headers = parse_headers(&args.headers)?;
    let body = body_or_stdin(args.body).await?;
    let client = global.connect.settings()?.connect().await?;
    for i in 0..args.count {
        let result = match (&args.reply, &headers) {
            (None, None) => client.publish(&args.subject, &body[..]).await,
            (Some(reply), None) => {
                client
                    .publish_with_reply(&args.subject, reply, &body[..])
                    .await
            }
            (None, Some(h)) => {
                client
                    .publish_with_headers(&args.subject, h.clone(), &body[..])
                    .await
            }
            (Some(reply), Some(h)) => {
                client
                    .publish_with_reply_and_headers(&args.subject, reply, h.clone(), &body[..])
                    .await
            }
        };
        result.map_err(|e| anyhow!("cannot publish to {:?}: {e}", args.subject))?;
        if let Some(sleep) = args.sleep
            && i + 1 < args.count
        {
            tokio::time::sleep(sleep).await;
        }
    }
    client
        .flush()
        .await
        .map_err(|e| anyhow!("publish not confirmed by the server: {e}"))?;
    client.drain().await.ok();
    if global.json {
        crate::output::print_json(&serde_json::json!({
            "subject": args.subject,
            "count": args.count,
            "size": body.len(),
        }))?;
    } else {
        eprintln!(
            "Published {} message{} of {} bytes to {:?}",
            args.count,
            if args.count == 1 { "" } else { "s" },
            body.len(),
            args.subject
        );
    }
    Ok(())
}
