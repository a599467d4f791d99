//! `natrs request` and `natrs reply`.

use super::parse_headers;
use crate::Global;
use crate::duration::format_duration;
use crate::interrupt::Interrupt;
use crate::output::{headers_json, payload_json};
use anyhow::{Result, anyhow, bail};
use clap::Args;
use futures_util::StreamExt;
use natrs_tokio::{Client, HeaderMap, Message, Request, RequestError};
use std::io::Write;
use std::time::Instant;
use tokio::io::AsyncWriteExt;

/// `natrs request SUBJECT [BODY]`.
#[derive(Debug, Args)]
pub(crate) struct RequestArgs {
    /// Subject to send the request to
    subject: String,
    /// Request body (empty when left out)
    #[arg(default_value = "")]
    body: String,
    /// A header KEY:VALUE (repeatable)
    #[arg(short = 'H', long = "header")]
    headers: Vec<String>,
    /// Print only the reply's body
    #[arg(short = 'r', long)]
    raw: bool,
}

pub(crate) async fn run_request(args: RequestArgs, global: &Global) -> Result<()> {
    let headers = parse_headers(&args.headers)?;
    let settings = global.connect.settings()?;
    let client = settings.connect().await?;
    let mut request = Request::new(args.body.into_bytes()).timeout(settings.timeout);
    if let Some(headers) = headers {
        request = request.headers(headers);
    }
    let started = Instant::now();
    let reply = client
        .send_request(&args.subject, request)
        .await
        .map_err(|e| match e {
            RequestError::NoResponders => anyhow!("no responders on {:?}", args.subject),
            e => anyhow!("request to {:?} failed: {e}", args.subject),
        })?;
    let rtt = started.elapsed();
    client.drain().await.ok();
    if global.json {
        return crate::output::print_json(&serde_json::json!({
            "subject": reply.subject.as_str(),
            "headers": headers_json(reply.headers.as_ref()),
            "data": payload_json(&reply.payload),
            "rtt_ns": rtt.as_nanos() as u64,
        }));
    }
    let mut out = std::io::stdout().lock();
    if !args.raw {
        writeln!(out, "Received with rtt {}", format_duration(rtt))?;
        if let Some(headers) = &reply.headers {
            for (k, v) in headers.iter() {
                writeln!(out, "{k}: {v}")?;
            }
        }
        writeln!(out)?;
    }
    out.write_all(&reply.payload)?;
    writeln!(out)?;
    Ok(())
}

/// `natrs reply SUBJECT [BODY]`.
#[derive(Debug, Args)]
pub(crate) struct ReplyArgs {
    /// Subject to answer on
    subject: String,
    /// Fixed reply body
    body: Option<String>,
    /// Reply with the request's own body and headers
    #[arg(long, conflicts_with_all = ["body", "command"])]
    echo: bool,
    /// Reply with this shell command's output (the request's body is its stdin)
    #[arg(long, conflicts_with = "body")]
    command: Option<String>,
    /// Queue group to join
    #[arg(long, default_value = "NATS-RPLY-22")]
    queue: String,
    /// Stop after this many requests
    #[arg(long)]
    count: Option<u64>,
    /// A header KEY:VALUE to add to replies (repeatable)
    #[arg(short = 'H', long = "header")]
    headers: Vec<String>,
}

pub(crate) async fn run_reply(args: ReplyArgs, global: &Global) -> Result<()> {
    if args.body.is_none() && !args.echo && args.command.is_none() {
        bail!("give a reply body, --echo or --command");
    }
    let headers = parse_headers(&args.headers)?;
    let mut interrupt = Interrupt::new()?;
    let client = global.connect.settings()?.connect().await?;
    let mut sub = client
        .queue_subscribe(&args.subject, &args.queue)
        .await
        .map_err(|e| anyhow!("cannot subscribe to {:?}: {e}", args.subject))?;
    client
        .flush()
        .await
        .map_err(|e| anyhow!("subscription not confirmed by the server: {e}"))?;
    eprintln!("Listening on {:?} in group {:?}", args.subject, args.queue);
    let mut answered = 0u64;
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
                    sub.drain_now().ok();
                    draining = true;
                    continue;
                }
            }
        };
        let Some(message) = message else { break };
        let Some(reply_to) = message.reply.clone() else {
            continue;
        };
        let (body, mut reply_headers) = reply_for(&args, &message).await;
        if let Some(extra) = &headers {
            let map = reply_headers.get_or_insert_with(HeaderMap::new);
            for (k, v) in extra.iter() {
                map.append(k, v);
            }
        }
        answer(&client, reply_to.as_str(), reply_headers, body).await?;
        answered += 1;
        if !global.json {
            eprintln!(
                "[#{answered}] answered a request on {:?}",
                message.subject.as_str()
            );
        }
        if args.count.is_some_and(|count| answered >= count) {
            break;
        }
    }
    if forced {
        client.close().await;
    } else {
        client.drain().await.ok();
    }
    Ok(())
}

async fn answer(
    client: &Client,
    subject: &str,
    headers: Option<HeaderMap>,
    body: Vec<u8>,
) -> Result<()> {
    match headers {
        Some(h) => client.publish_with_headers(subject, h, body).await,
        None => client.publish(subject, body).await,
    }
    .map_err(|e| anyhow!("cannot reply: {e}"))
}

/// The body and headers of the reply to `message`.
async fn reply_for(args: &ReplyArgs, message: &Message) -> (Vec<u8>, Option<HeaderMap>) {
    if args.echo {
        return (message.payload.to_vec(), message.headers.clone());
    }
    if let Some(command) = &args.command {
        return match run_command(command, &message.payload).await {
            Ok(output) => (output, None),
            Err(e) => (format!("natrs reply: {e}").into_bytes(), None),
        };
    }
    (args.body.clone().unwrap_or_default().into_bytes(), None)
}

/// Runs `command` with `sh -c`, `input` on its stdin; returns its stdout.
async fn run_command(command: &str, input: &[u8]) -> Result<Vec<u8>> {
    let mut child = tokio::process::Command::new("sh")
        .arg("-c")
        .arg(command)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::inherit())
        .spawn()
        .map_err(|e| anyhow!("cannot run {command:?}: {e}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        // A command that does not read its input closes the pipe early.
        let _ = stdin.write_all(input).await;
    }
    let output = child
        .wait_with_output()
        .await
        .map_err(|e| anyhow!("cannot run {command:?}: {e}"))?;
    Ok(output.stdout)
}
