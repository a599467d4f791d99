//! `natrs sub`.

use crate::Global;
use crate::interrupt::Interrupt;
use crate::output::{headers_json, payload_json};
use anyhow::{Result, anyhow};
use clap::Args;
use futures_util::StreamExt;
use natrs_tokio::Message;
use std::io::Write;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// `natrs sub SUBJECT`.
#[derive(Debug, Args)]
pub(crate) struct SubArgs {
    /// Subject to subscribe to (wildcards `*` and `>` allowed)
    subject: String,
    /// Join this queue group
    #[arg(long)]
    queue: Option<String>,
    /// Stop after this many messages
    #[arg(long)]
    count: Option<u64>,
    /// Print only the bodies, one per line
    #[arg(short = 'r', long)]
    raw: bool,
    /// Print only the headers
    #[arg(long = "headers-only")]
    headers_only: bool,
    /// Print the time each message was received
    #[arg(short = 't', long)]
    timestamp: bool,
}

pub(crate) async fn run(args: SubArgs, global: &Global) -> Result<()> {
    let mut interrupt = Interrupt::new()?;
    let client = global.connect.settings()?.connect().await?;
    let mut sub = match &args.queue {
        Some(queue) => client.queue_subscribe(&args.subject, queue).await,
        None => client.subscribe(&args.subject).await,
    }
    .map_err(|e| anyhow!("cannot subscribe to {:?}: {e}", args.subject))?;
    client
        .flush()
        .await
        .map_err(|e| anyhow!("subscription not confirmed by the server: {e}"))?;
    match &args.queue {
        Some(queue) => eprintln!("Subscribing on {} in queue group {queue}", args.subject),
        None => eprintln!("Subscribing on {}", args.subject),
    }
    let mut received = 0u64;
    let mut draining = false;
    let mut forced = false;
    loop {
        let message = if draining {
            tokio::select! {
                message = sub.next() => message,
                () = interrupt.wait() => {
                    // A second Ctrl-C: stop without waiting for the drain.
                    forced = true;
                    break;
                }
            }
        } else {
            tokio::select! {
                message = sub.next() => message,
                () = interrupt.wait() => {
                    // Take what the server already sent, then end.
                    sub.drain_now().ok();
                    draining = true;
                    continue;
                }
            }
        };
        let Some(message) = message else { break };
        received += 1;
        print_message(&args, global.json, received, &message)?;
        if args.count.is_some_and(|count| received >= count) {
            sub.unsubscribe_now().ok();
            break;
        }
    }
    if forced {
        client.close().await;
    } else {
        client.drain().await.ok();
    }
    if draining {
        eprintln!("Interrupted after {received} messages");
    }
    Ok(())
}

fn print_message(args: &SubArgs, json: bool, n: u64, message: &Message) -> Result<()> {
    let now = OffsetDateTime::now_utc();
    let mut out = std::io::stdout().lock();
    if json {
        let mut value = serde_json::json!({
            "subject": message.subject.as_str(),
            "reply": message.reply.as_ref().map(|r| r.as_str()),
            "headers": headers_json(message.headers.as_ref()),
            "data": payload_json(&message.payload),
        });
        if args.timestamp {
            value["time"] = serde_json::Value::String(now.format(&Rfc3339)?);
        }
        writeln!(out, "{}", serde_json::to_string(&value)?)?;
        return Ok(out.flush()?);
    }
    if args.raw {
        out.write_all(&message.payload)?;
        writeln!(out)?;
        return Ok(out.flush()?);
    }
    let stamp = if args.timestamp {
        format!(" @ {}", now.format(&Rfc3339)?)
    } else {
        String::new()
    };
    match &message.reply {
        Some(reply) => writeln!(
            out,
            "[#{n}{stamp}] Received on \"{}\" with reply \"{}\"",
            message.subject.as_str(),
            reply.as_str()
        )?,
        None => writeln!(
            out,
            "[#{n}{stamp}] Received on \"{}\"",
            message.subject.as_str()
        )?,
    }
    if let Some(headers) = &message.headers {
        for (k, v) in headers.iter() {
            writeln!(out, "{k}: {v}")?;
        }
    }
    if !args.headers_only {
        writeln!(out)?;
        out.write_all(&message.payload)?;
        writeln!(out)?;
    }
    writeln!(out)?;
    Ok(out.flush()?)
}
