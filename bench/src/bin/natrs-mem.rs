//! `natrs-mem`: the resident memory of one idle connection, of a second
//! one, of 10,000 subscriptions on the first, and of 100,000 queued 16-byte
//! messages, read from `/proc/self/status` (Linux).
//!
//! A program of its own, as small as `bench/mem-async-nats` is for
//! async-nats, so that the first connection's VmRSS counts the pages of the
//! code that connection ran, not of a benchmark program holding every
//! scenario.
//!
//! Usage: `natrs-mem [--runtime tokio|async-std|blocking] <url>`
//!
//! The stages add up in one process; each `MEM` line gives the process's
//! VmRSS and VmHWM after the stage and the growth of VmRSS over the stage
//! before, then its RssAnon and that one's growth: the memory the stage
//! allocated, without the pages of the program's code and libraries it ran
//! for the first time (RssFile, shared with every other connection of the
//! process).
//!
//! The queued messages: a subscription on the idle connection that nobody
//! reads, the second connection publishes 100,000 messages and flushes, then
//! the subscriber's connection flushes: its PONG comes after every message,
//! so all of them are in the subscription's queue.

use bytes::Bytes;
use natrs_client::{Client, ConnectError, ConnectOptions};
use std::future::Future;
use std::process::ExitCode;

const SUBS: usize = 10_000;
const QUEUED: usize = 100_000;
const QUEUED_SIZE: usize = 16;

type Res<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// What every connection is made with: no pending limits, as in nats-bench.
fn options() -> ConnectOptions {
    ConnectOptions::new().subscription_pending_limits(usize::MAX, usize::MAX)
}

/// VmRSS, VmHWM and RssAnon in KiB.
fn status() -> Res<(u64, u64, u64)> {
    let text = std::fs::read_to_string("/proc/self/status")?;
    let field = |name: &str| -> Res<u64> {
        let line = text
            .lines()
            .find(|l| l.starts_with(name))
            .ok_or_else(|| format!("no {name} in /proc/self/status"))?;
        Ok(line[name.len()..]
            .trim()
            .trim_end_matches("kB")
            .trim()
            .parse()?)
    };
    Ok((field("VmRSS:")?, field("VmHWM:")?, field("RssAnon:")?))
}

/// Prints the `MEM` lines, one per stage.
struct Stages {
    client: String,
    last_rss: u64,
    last_anon: u64,
}

impl Stages {
    fn start(client: &str) -> Res<Stages> {
        let mut stages = Stages {
            client: client.to_string(),
            last_rss: 0,
            last_anon: 0,
        };
        stages.mark("start")?;
        Ok(stages)
    }

    fn mark(&mut self, stage: &str) -> Res<()> {
        let (rss, hwm, anon) = status()?;
        println!(
            "MEM client={} stage={stage} rss_kib={rss} hwm_kib={hwm} delta_kib={} \
             anon_kib={anon} anon_delta_kib={}",
            self.client,
            rss as i64 - self.last_rss as i64,
            anon as i64 - self.last_anon as i64
        );
        self.last_rss = rss;
        self.last_anon = anon;
        Ok(())
    }
}

fn check_queued(pending: usize) -> Res<()> {
    if pending != QUEUED {
        return Err(format!("{pending} messages queued, expected {QUEUED}").into());
    }
    Ok(())
}

/// The stages on an async runtime, whose connections `connect` makes.
async fn run_async<C, F>(client: &str, url: &str, connect: C) -> Res<()>
where
    C: Fn(String) -> F,
    F: Future<Output = Result<Client, ConnectError>>,
{
    let mut stages = Stages::start(client)?;
    let c = connect(url.to_string()).await?;
    c.flush().await?;
    stages.mark("idle_connection")?;
    // The publisher of the last stage: what a further connection costs,
    // once the program's code for one has run.
    let pc = connect(url.to_string()).await?;
    pc.flush().await?;
    stages.mark("second_connection")?;
    let mut subs = Vec::with_capacity(SUBS);
    for i in 0..SUBS {
        subs.push(c.subscribe(format!("mem.s.{i}")).await?);
    }
    c.flush().await?;
    stages.mark("subscriptions_10000")?;
    let queue = c.subscribe("mem.q").await?;
    c.flush().await?;
    let payload = Bytes::from(vec![b'x'; QUEUED_SIZE]);
    for _ in 0..QUEUED {
        pc.publish("mem.q", &payload).await?;
    }
    pc.flush().await?;
    c.flush().await?;
    check_queued(queue.pending().0)?;
    stages.mark("queued_100000x16")?;
    drop(subs);
    Ok(())
}

/// The stages on natrs-blocking.
fn run_blocking(url: &str) -> Res<()> {
    let connect = || natrs_blocking::connect_with_options(url, options());
    let mut stages = Stages::start("natrs-blocking")?;
    let c = connect()?;
    c.flush()?;
    stages.mark("idle_connection")?;
    let pc = connect()?;
    pc.flush()?;
    stages.mark("second_connection")?;
    let mut subs = Vec::with_capacity(SUBS);
    for i in 0..SUBS {
        subs.push(c.subscribe(format!("mem.s.{i}"))?);
    }
    c.flush()?;
    stages.mark("subscriptions_10000")?;
    let queue = c.subscribe("mem.q")?;
    c.flush()?;
    let payload = Bytes::from(vec![b'x'; QUEUED_SIZE]);
    for _ in 0..QUEUED {
        pc.publish("mem.q", &payload)?;
    }
    pc.flush()?;
    c.flush()?;
    check_queued(queue.pending().0)?;
    stages.mark("queued_100000x16")?;
    drop(subs);
    Ok(())
}

fn run(runtime: &str, url: &str) -> Res<()> {
    let client = format!("natrs-{runtime}");
    match runtime {
        "tokio" => {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()?;
            let url = url.to_string();
            // On a worker, as nats-bench runs its scenarios.
            rt.block_on(async move {
                tokio::spawn(async move {
                    let connect = |url: String| natrs_tokio::connect_with_options(url, options());
                    run_async(&client, &url, connect).await
                })
                .await?
            })
        }
        "async-std" => async_std::task::block_on(run_async(&client, url, |url: String| {
            natrs_async_std::connect_with_options(url, options())
        })),
        "blocking" => run_blocking(url),
        _ => Err(format!("unknown runtime {runtime}").into()),
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (runtime, url) = match args.as_slice() {
        [url] if !url.starts_with('-') => ("tokio", url),
        [flag, runtime, url] if flag == "--runtime" => (runtime.as_str(), url),
        _ => {
            eprintln!("usage: natrs-mem [--runtime tokio|async-std|blocking] <url>");
            return ExitCode::from(2);
        }
    };
    match run(runtime, url) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("natrs-mem: {e}");
            ExitCode::from(1)
        }
    }
}
