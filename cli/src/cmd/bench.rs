//! `natrs bench ...`: publishers, subscribers, request/reply and JetStream
//! publish/fetch with N clients, each on its own connection; a progress bar
//! per client on a terminal, then a summary.

use crate::Global;
use crate::connect::Settings;
use crate::duration::{format_duration, parse_duration};
use crate::interrupt::Interrupt;
use crate::output::{self, print_json, table};
use anyhow::{Result, anyhow};
use clap::{Args, Subcommand};
use futures_util::StreamExt;
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use natrs_tokio::Client;
use natrs_tokio::jetstream::api::consumer::ConsumerConfig;
use natrs_tokio::jetstream::api::stream::StreamConfig;
use natrs_tokio::jetstream::consumer::FetchOptions;
use natrs_tokio::jetstream::{ErrorCode, JetStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::sync::Barrier;

/// The benchmarks.
#[derive(Debug, Subcommand)]
pub(crate) enum BenchCommand {
    /// Publish messages
    #[command(
        after_help = "Example:\n  natrs bench pub bench.x --clients 4 --msgs 1000000 --size 128"
    )]
    Pub {
        /// Subject
        subject: String,
        #[command(flatten)]
        opts: BenchOpts,
    },
    /// Receive messages (every client gets all --msgs); start before `bench pub`
    #[command(after_help = "Example:\n  natrs bench sub bench.x --clients 2 --msgs 1000000")]
    Sub {
        /// Subject
        subject: String,
        #[command(flatten)]
        opts: BenchOpts,
    },
    /// Send requests and time the replies (run `bench reply` first)
    #[command(after_help = "Example:\n  natrs bench request bench.svc --clients 4 --msgs 10000")]
    Request {
        /// Subject
        subject: String,
        #[command(flatten)]
        opts: BenchOpts,
    },
    /// Answer requests until Ctrl-C
    #[command(after_help = "Example:\n  natrs bench reply bench.svc --clients 2")]
    Reply {
        /// Subject
        subject: String,
        /// Number of responders, each on its own connection
        #[arg(long, default_value_t = 1)]
        clients: usize,
    },
    /// JetStream benchmarks
    #[command(
        subcommand,
        after_help = "Examples:\n  natrs bench js pub bench.js --clients 2 --msgs 100000\n  natrs bench js fetch --clients 2 --msgs 100000"
    )]
    Js(JsBench),
}

/// The JetStream benchmarks.
#[derive(Debug, Subcommand)]
pub(crate) enum JsBench {
    /// Publish to a stream, each publish waiting for its ack
    #[command(
        after_help = "Example:\n  natrs bench js pub bench.js --clients 2 --msgs 100000 --purge"
    )]
    Pub {
        /// Subject
        subject: String,
        #[command(flatten)]
        opts: BenchOpts,
        #[command(flatten)]
        stream: BenchStream,
        /// Purge the stream first
        #[arg(long)]
        purge: bool,
    },
    /// Fetch from a stream through a shared durable pull consumer, acking
    #[command(
        after_help = "Example:\n  natrs bench js fetch --clients 2 --msgs 100000 --batch 500"
    )]
    Fetch {
        #[command(flatten)]
        opts: BenchOpts,
        #[command(flatten)]
        stream: BenchStream,
        /// Messages per fetch
        #[arg(long, default_value_t = 100)]
        batch: usize,
    },
}

/// What every benchmark takes.
#[derive(Debug, Clone, Args)]
pub(crate) struct BenchOpts {
    /// Number of clients, each on its own connection
    #[arg(long, default_value_t = 1)]
    clients: usize,
    /// Number of messages in all (for `sub`: each client's)
    #[arg(long, default_value_t = 100_000)]
    msgs: u64,
    /// Message size in bytes
    #[arg(long, default_value_t = 128)]
    size: usize,
}

/// The stream of the JetStream benchmarks.
#[derive(Debug, Clone, Args)]
pub(crate) struct BenchStream {
    /// Stream name (made, in memory, if it does not exist)
    #[arg(long, default_value = "natrsbench")]
    stream: String,
    /// Time to wait for each ack or fetch
    #[arg(long = "js-timeout", value_parser = parse_duration, default_value = "10s")]
    js_timeout: Duration,
}

/// What one client did.
#[derive(Debug, Default)]
struct ClientResult {
    msgs: u64,
    elapsed: Duration,
    latencies: Vec<Duration>,
}

/// Shared by the clients of one run.
struct Run {
    settings: Settings,
    stop: Arc<AtomicBool>,
    bars: MultiProgress,
    size: usize,
}

pub(crate) async fn run(command: BenchCommand, global: &Global) -> Result<()> {
    let settings = global.connect.settings()?;
    let stop = Arc::new(AtomicBool::new(false));
    let mut interrupt = Interrupt::new()?;
    {
        let stop = stop.clone();
        tokio::spawn(async move {
            interrupt.wait().await;
            stop.store(true, Ordering::SeqCst);
        });
    }
    let (kind, opts, subject) = match &command {
        BenchCommand::Pub { subject, opts } => ("pub", opts.clone(), subject.clone()),
        BenchCommand::Sub { subject, opts } => ("sub", opts.clone(), subject.clone()),
        BenchCommand::Request { subject, opts } => ("request", opts.clone(), subject.clone()),
        BenchCommand::Reply { subject, clients } => {
            return reply(&settings, subject, *clients, stop).await;
        }
        BenchCommand::Js(JsBench::Pub { subject, opts, .. }) => {
            ("js pub", opts.clone(), subject.clone())
        }
        BenchCommand::Js(JsBench::Fetch { opts, stream, .. }) => {
            ("js fetch", opts.clone(), stream.stream.clone())
        }
    };
    let clients = opts.clients.max(1);
    let run = Arc::new(Run {
        settings: settings.clone(),
        stop: stop.clone(),
        bars: MultiProgress::with_draw_target(output::draw_target()),
        size: opts.size,
    });
    if let BenchCommand::Js(js) = &command {
        prepare_stream(&settings, js).await?;
    }
    let ready = Arc::new(Barrier::new(clients + 1));
    let mut tasks = Vec::new();
    for index in 0..clients {
        let share = if kind == "sub" {
            opts.msgs
        } else {
            opts.msgs / clients as u64 + u64::from((index as u64) < opts.msgs % clients as u64)
        };
        let bar = run.bars.add(client_bar(index, share));
        let run = run.clone();
        let ready = ready.clone();
        let subject = subject.clone();
        let command_kind = kind;
        let batch = match &command {
            BenchCommand::Js(JsBench::Fetch { batch, .. }) => *batch,
            _ => 0,
        };
        tasks.push(tokio::spawn(async move {
            let client = run
                .settings
                .connect_named(&format!("natrs-bench-{index}"))
                .await?;
            let result = match command_kind {
                "pub" => publisher(&run, &client, &subject, share, &bar, &ready).await,
                "sub" => subscriber(&run, &client, &subject, share, &bar, &ready).await,
                "request" => requester(&run, &client, &subject, share, &bar, &ready).await,
                "js pub" => {
                    let js =
                        JetStream::with_options(client.clone(), run.settings.jetstream_options());
                    js_publisher(&run, &js, &subject, share, &bar, &ready).await
                }
                _ => {
                    let js =
                        JetStream::with_options(client.clone(), run.settings.jetstream_options());
                    js_fetcher(&run, &js, &subject, share, batch, &bar, &ready).await
                }
            };
            bar.finish();
            client.drain().await.ok();
            result
        }));
    }
    ready.wait().await;
    if kind == "sub" {
        eprintln!(
            "{clients} subscribers waiting for {} messages each on {subject}",
            opts.msgs
        );
    }
    let mut results = Vec::new();
    for task in tasks {
        results.push(
            task.await
                .map_err(|e| anyhow!("a bench client failed: {e}"))??,
        );
    }
    let interrupted = stop.load(Ordering::SeqCst);
    summary(kind, &opts, &results, interrupted, global.json)
}

fn client_bar(index: usize, total: u64) -> ProgressBar {
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template(
            "client {prefix:>3} [{bar:40.green/blue}] {pos}/{len} msgs {per_sec}",
        )
        .expect("a valid template")
        .progress_chars("=> "),
    );
    bar.set_prefix(index.to_string());
    bar
}

/// The payload: the send time (nanoseconds since the Unix epoch) in its first
/// 8 bytes, when it is that long, for the subscribers' latencies.
fn stamped(buf: &mut [u8]) {
    if buf.len() >= 8 {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0);
        buf[..8].copy_from_slice(&now.to_be_bytes());
    }
}

fn stamp_age(payload: &[u8]) -> Option<Duration> {
    let sent = u64::from_be_bytes(payload.get(..8)?.try_into().ok()?);
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .ok()?
        .as_nanos() as u64;
    now.checked_sub(sent).map(Duration::from_nanos)
}

async fn publisher(
    run: &Run,
    client: &Client,
    subject: &str,
    count: u64,
    bar: &ProgressBar,
    ready: &Barrier,
) -> Result<ClientResult> {
    let mut payload = vec![b'x'; run.size];
    ready.wait().await;
    let started = Instant::now();
    let mut sent = 0;
    while sent < count && !run.stop.load(Ordering::Relaxed) {
        stamped(&mut payload);
        client.publish(subject, &payload[..]).await?;
        sent += 1;
        bar.inc(1);
    }
    client.flush().await.map_err(|e| anyhow!("flush: {e}"))?;
    Ok(ClientResult {
        msgs: sent,
        elapsed: started.elapsed(),
        latencies: Vec::new(),
    })
}

async fn subscriber(
    run: &Run,
    client: &Client,
    subject: &str,
    count: u64,
    bar: &ProgressBar,
    ready: &Barrier,
) -> Result<ClientResult> {
    let mut sub = client.subscribe(subject).await?;
    // Receiving at full speed: no limit short of memory.
    sub.set_pending_limits(usize::MAX, usize::MAX);
    client.flush().await.map_err(|e| anyhow!("flush: {e}"))?;
    ready.wait().await;
    let mut result = ClientResult::default();
    let mut first = None;
    let mut tick = tokio::time::interval(Duration::from_millis(100));
    while result.msgs < count {
        let message = tokio::select! {
            message = sub.next() => message,
            _ = tick.tick() => {
                if run.stop.load(Ordering::Relaxed) { break } else { continue }
            }
        };
        let Some(message) = message else { break };
        first.get_or_insert_with(Instant::now);
        if let Some(age) = stamp_age(&message.payload) {
            result.latencies.push(age);
        }
        result.msgs += 1;
        bar.inc(1);
    }
    result.elapsed = first.map(|t| t.elapsed()).unwrap_or_default();
    Ok(result)
}

async fn requester(
    run: &Run,
    client: &Client,
    subject: &str,
    count: u64,
    bar: &ProgressBar,
    ready: &Barrier,
) -> Result<ClientResult> {
    let payload = vec![b'x'; run.size];
    ready.wait().await;
    let mut result = ClientResult::default();
    let started = Instant::now();
    while result.msgs < count && !run.stop.load(Ordering::Relaxed) {
        let sent = Instant::now();
        client
            .request(subject, &payload[..])
            .await
            .map_err(|e| anyhow!("request to {subject:?}: {e}"))?;
        result.latencies.push(sent.elapsed());
        result.msgs += 1;
        bar.inc(1);
    }
    result.elapsed = started.elapsed();
    Ok(result)
}

async fn reply(
    settings: &Settings,
    subject: &str,
    clients: usize,
    stop: Arc<AtomicBool>,
) -> Result<()> {
    let mut tasks = Vec::new();
    let ready = Arc::new(Barrier::new(clients.max(1) + 1));
    for index in 0..clients.max(1) {
        let client = settings
            .connect_named(&format!("natrs-bench-reply-{index}"))
            .await?;
        let subject = subject.to_string();
        let stop = stop.clone();
        let ready = ready.clone();
        tasks.push(tokio::spawn(async move {
            let mut sub = client.queue_subscribe(&subject, "natrs-bench").await?;
            client.flush().await.map_err(|e| anyhow!("flush: {e}"))?;
            ready.wait().await;
            let mut answered = 0u64;
            let mut tick = tokio::time::interval(Duration::from_millis(100));
            loop {
                let message = tokio::select! {
                    message = sub.next() => message,
                    _ = tick.tick() => {
                        if stop.load(Ordering::Relaxed) { break } else { continue }
                    }
                };
                let Some(message) = message else { break };
                if let Some(reply) = message.reply {
                    client.publish(reply.as_str(), message.payload).await?;
                    answered += 1;
                }
            }
            client.drain().await.ok();
            anyhow::Ok(answered)
        }));
    }
    ready.wait().await;
    eprintln!(
        "{} responders answering on {subject} (Ctrl-C to stop)",
        clients.max(1)
    );
    let mut total = 0;
    for task in tasks {
        total += task
            .await
            .map_err(|e| anyhow!("a responder failed: {e}"))??;
    }
    eprintln!("Answered {total} requests");
    Ok(())
}

/// Makes sure the stream exists (made in memory if not), purged if asked,
/// and that the consumer of `js fetch` exists.
async fn prepare_stream(settings: &Settings, command: &JsBench) -> Result<()> {
    let client = settings.connect().await?;
    let js = JetStream::with_options(client.clone(), settings.jetstream_options());
    match command {
        JsBench::Pub {
            subject,
            stream,
            purge,
            ..
        } => {
            let handle = match js.get_stream(&stream.stream).await {
                Ok(handle) => handle,
                Err(e) if e.code() == Some(ErrorCode::StreamNotFound) => {
                    let config = StreamConfig::new(&stream.stream)
                        .subjects([subject.as_str()])
                        .storage(natrs_tokio::jetstream::api::stream::StorageType::Memory);
                    js.create_stream(config).await?
                }
                Err(e) => return Err(e.into()),
            };
            if *purge {
                handle.purge().await?;
            }
        }
        JsBench::Fetch { stream, .. } => {
            js.get_stream(&stream.stream).await?;
            js.create_or_update_consumer(
                &stream.stream,
                ConsumerConfig::durable_pull("natrs-bench"),
            )
            .await?;
        }
    }
    client.drain().await.ok();
    Ok(())
}

async fn js_publisher(
    run: &Run,
    js: &JetStream,
    subject: &str,
    count: u64,
    bar: &ProgressBar,
    ready: &Barrier,
) -> Result<ClientResult> {
    let payload = vec![b'x'; run.size];
    ready.wait().await;
    let mut result = ClientResult::default();
    let started = Instant::now();
    while result.msgs < count && !run.stop.load(Ordering::Relaxed) {
        let sent = Instant::now();
        js.publish(subject, &payload[..]).await?;
        result.latencies.push(sent.elapsed());
        result.msgs += 1;
        bar.inc(1);
    }
    result.elapsed = started.elapsed();
    Ok(result)
}

async fn js_fetcher(
    run: &Run,
    js: &JetStream,
    stream: &str,
    count: u64,
    batch: usize,
    bar: &ProgressBar,
    ready: &Barrier,
) -> Result<ClientResult> {
    let consumer = js.get_consumer(stream, "natrs-bench").await?;
    ready.wait().await;
    let mut result = ClientResult::default();
    let started = Instant::now();
    while result.msgs < count && !run.stop.load(Ordering::Relaxed) {
        let want = batch.max(1).min((count - result.msgs) as usize);
        let asked = Instant::now();
        let mut messages =
            consumer.fetch(FetchOptions::new(want).expires(Duration::from_secs(1)))?;
        let mut got = 0;
        while let Some(message) = messages.next().await {
            message?.ack().await?;
            got += 1;
            bar.inc(1);
        }
        if got == 0 {
            // The stream has no more for this consumer.
            break;
        }
        result.latencies.push(asked.elapsed());
        result.msgs += got;
    }
    result.elapsed = started.elapsed();
    Ok(result)
}

fn rate(msgs: u64, size: usize, elapsed: Duration) -> (f64, f64) {
    let secs = elapsed.as_secs_f64();
    if secs <= 0.0 {
        return (0.0, 0.0);
    }
    let per_sec = msgs as f64 / secs;
    (per_sec, per_sec * size as f64 / 1e6)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn summary(
    kind: &str,
    opts: &BenchOpts,
    results: &[ClientResult],
    interrupted: bool,
    json: bool,
) -> Result<()> {
    let msgs: u64 = results.iter().map(|r| r.msgs).sum();
    let elapsed = results.iter().map(|r| r.elapsed).max().unwrap_or_default();
    let (per_sec, mb_per_sec) = rate(msgs, opts.size, elapsed);
    let mut latencies: Vec<Duration> = results
        .iter()
        .flat_map(|r| r.latencies.iter().copied())
        .collect();
    latencies.sort_unstable();
    let latency = (!latencies.is_empty())
        .then(|| [50.0, 90.0, 99.0, 100.0].map(|p| percentile(&latencies, p)));
    if json {
        let clients: Vec<_> = results
            .iter()
            .map(|r| {
                let (per_sec, mb) = rate(r.msgs, opts.size, r.elapsed);
                serde_json::json!({"msgs": r.msgs, "elapsed_s": r.elapsed.as_secs_f64(), "msgs_per_sec": per_sec, "mb_per_sec": mb})
            })
            .collect();
        return print_json(&serde_json::json!({
            "kind": kind,
            "clients": results.len(),
            "msgs": msgs,
            "size": opts.size,
            "elapsed_s": elapsed.as_secs_f64(),
            "msgs_per_sec": per_sec,
            "mb_per_sec": mb_per_sec,
            "interrupted": interrupted,
            "latency_us": latency.map(|l| serde_json::json!({
                "p50": l[0].as_micros() as u64,
                "p90": l[1].as_micros() as u64,
                "p99": l[2].as_micros() as u64,
                "max": l[3].as_micros() as u64,
            })),
            "per_client": clients,
        }));
    }
    let mut t = table(["Client", "Msgs", "Elapsed", "Msgs/s", "MB/s"]);
    for (i, r) in results.iter().enumerate() {
        let (per_sec, mb) = rate(r.msgs, opts.size, r.elapsed);
        t.add_row([
            i.to_string(),
            r.msgs.to_string(),
            format_duration(r.elapsed),
            format!("{per_sec:.0}"),
            format!("{mb:.2}"),
        ]);
    }
    println!("{t}");
    println!(
        "{kind}: {msgs} msgs of {} B by {} clients in {}: {per_sec:.0} msgs/s, {mb_per_sec:.2} MB/s{}",
        opts.size,
        results.len(),
        format_duration(elapsed),
        if interrupted { " (interrupted)" } else { "" }
    );
    if let Some([p50, p90, p99, max]) = latency {
        println!(
            "latency: p50 {} p90 {} p99 {} max {}",
            format_duration(p50),
            format_duration(p90),
            format_duration(p99),
            format_duration(max)
        );
    }
    Ok(())
}
