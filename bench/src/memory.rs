//! `mem`: the resident memory of one idle connection, of a second one, of
//! 10,000 subscriptions on the first, and of 100,000 queued 16-byte
//! messages, read from `/proc/self/status` (Linux). The stages add up in
//! one process; each `MEM` line gives the process's VmRSS and VmHWM after
//! the stage and the growth of VmRSS over the stage before, then its
//! RssAnon and that one's growth: the memory the stage allocated, without
//! the pages of the program's code and libraries it ran for the first time
//! (RssFile, shared with every other connection of the process).
//!
//! The queued messages: a subscription on the idle connection that nobody
//! reads, the second connection publishes 100,000 messages and flushes, then
//! the subscriber's connection flushes: its PONG comes after every message,
//! so all of them are in the subscription's queue.

use crate::async_rt::AsyncRt;
use crate::report::BenchError;
use bytes::Bytes;

const SUBS: usize = 10_000;
const QUEUED: usize = 100_000;
const QUEUED_SIZE: usize = 16;

/// VmRSS, VmHWM and RssAnon in KiB.
fn status() -> Result<(u64, u64, u64), BenchError> {
    let text = std::fs::read_to_string("/proc/self/status")?;
    let field = |name: &str| -> Result<u64, BenchError> {
        let line = text
            .lines()
            .find(|l| l.starts_with(name))
            .ok_or_else(|| format!("no {name} in /proc/self/status"))?;
        let kib = line[name.len()..].trim().trim_end_matches("kB").trim();
        Ok(kib.parse()?)
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
    fn start(client: &str) -> Result<Stages, BenchError> {
        let mut stages = Stages {
            client: client.to_string(),
            last_rss: 0,
            last_anon: 0,
        };
        stages.mark("start")?;
        Ok(stages)
    }

    fn mark(&mut self, stage: &str) -> Result<(), BenchError> {
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

fn check_queued(pending: usize) -> Result<(), BenchError> {
    if pending != QUEUED {
        return Err(format!("{pending} messages queued, expected {QUEUED}").into());
    }
    Ok(())
}

/// The stages on an async runtime.
pub(crate) async fn run<R: AsyncRt>(rt: &R, client: &str, url: &str) -> Result<(), BenchError> {
    let mut stages = Stages::start(client)?;
    let c = rt.connect(url).await?;
    c.flush().await?;
    stages.mark("idle_connection")?;
    // The publisher of the last stage: what a further connection costs,
    // once the program's code for one has run.
    let pc = rt.connect(url).await?;
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
pub(crate) fn run_blocking(url: &str) -> Result<(), BenchError> {
    let mut stages = Stages::start("natrs-blocking")?;
    let c = crate::blocking_rt::connect(url)?;
    c.flush()?;
    stages.mark("idle_connection")?;
    let pc = crate::blocking_rt::connect(url)?;
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
