//! `natrs-mem` for async-nats: the resident memory of one idle
//! connection, of a second one, of 10,000 subscriptions on the first, and
//! of 100,000 queued 16-byte messages, from `/proc/self/status`, in the
//! same stages and `MEM` lines.
//!
//! Usage: mem-async-nats <url>

use bytes::Bytes;

const SUBS: usize = 10_000;
const QUEUED: usize = 100_000;
const QUEUED_SIZE: usize = 16;

type Res<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

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

/// Prints the stage's `MEM` line; `last` holds the VmRSS and RssAnon of
/// the stage before.
fn mark(last: &mut (u64, u64), stage: &str) -> Res<()> {
    let (rss, hwm, anon) = status()?;
    println!(
        "MEM client=async-nats stage={stage} rss_kib={rss} hwm_kib={hwm} delta_kib={} \
         anon_kib={anon} anon_delta_kib={}",
        rss as i64 - last.0 as i64,
        anon as i64 - last.1 as i64
    );
    *last = (rss, anon);
    Ok(())
}

async fn connect(url: &str) -> Res<async_nats::Client> {
    // Room for every queued message, as the peers' program sizes it.
    Ok(async_nats::ConnectOptions::new()
        .subscription_capacity(QUEUED + 1024)
        .connect(url)
        .await?)
}

async fn run(url: &str) -> Res<()> {
    let mut last = (0, 0);
    mark(&mut last, "start")?;
    let c = connect(url).await?;
    c.flush().await?;
    mark(&mut last, "idle_connection")?;
    let pc = connect(url).await?;
    pc.flush().await?;
    mark(&mut last, "second_connection")?;
    let mut subs = Vec::with_capacity(SUBS);
    for i in 0..SUBS {
        subs.push(c.subscribe(format!("mem.s.{i}")).await?);
    }
    c.flush().await?;
    mark(&mut last, "subscriptions_10000")?;
    let mut queue = c.subscribe("mem.q").await?;
    // async-nats' flush writes out what is buffered, without a round trip
    // to the server: a last message on a second subject, which the server
    // sends this connection after every queued one, tells when they are
    // all in.
    let mut sync = c.subscribe("mem.sync").await?;
    // A round trip through this connection: the server has both
    // subscriptions once it answered (no responders) a request sent after them.
    if c.request("mem.none", Bytes::new()).await.is_ok() {
        return Err("mem.none: a responder answered".into());
    }
    let payload = Bytes::from(vec![b'x'; QUEUED_SIZE]);
    for _ in 0..QUEUED {
        pc.publish("mem.q", payload.clone()).await?;
    }
    pc.publish("mem.sync", Bytes::new()).await?;
    pc.flush().await?;
    futures::StreamExt::next(&mut sync)
        .await
        .ok_or("the connection closed before the last message")?;
    mark(&mut last, "queued_100000x16")?;
    // Check that they were all queued: take them out. (A timeout, not
    // `now_or_never`: tokio's cooperative budget makes the channel return
    // Pending every 128 messages until the task yields.)
    let mut got = 0;
    while got < QUEUED {
        let next = futures::StreamExt::next(&mut queue);
        match tokio::time::timeout(std::time::Duration::from_secs(5), next).await {
            Ok(Some(_)) => got += 1,
            _ => break,
        }
    }
    if got != QUEUED {
        return Err(format!("{got} messages queued, expected {QUEUED}").into());
    }
    drop(subs);
    Ok(())
}

#[tokio::main]
async fn main() {
    let Some(url) = std::env::args().nth(1) else {
        eprintln!("usage: mem-async-nats <url>");
        std::process::exit(2);
    };
    if let Err(e) = run(&url).await {
        eprintln!("mem-async-nats: {e}");
        std::process::exit(1);
    }
}
