//! The scenarios on natrs-async-std, with the benchmark's tasks on async-std's
//! executor.

use crate::report::{BenchError, Outcome};
use bytes::Bytes;
use futures_lite::StreamExt;
use natrs_async_std::{AsyncIoRuntime, Client, ConnectOptions};
use std::time::{Duration, Instant};

const WARMUP_REQUESTS: usize = 100;
const DEADLINE: Duration = Duration::from_secs(300);

/// Where the connections' drivers run.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Driver {
    /// natrs-async-std's default: a `natrs-driver` thread per connection.
    Thread,
    /// Spawned as async-std tasks.
    Task,
}

pub(crate) fn run(
    driver: Driver,
    scenario: &str,
    url: &str,
    n: u64,
    size: usize,
) -> Result<Option<Outcome>, BenchError> {
    async_std::task::block_on(async {
        let fut = async {
            Ok(Some(match scenario {
                "pub" => run_pub(driver, url, n, size).await?,
                "pubsub" => run_pubsub(driver, url, n, size).await?,
                "reqrep" => run_reqrep(driver, url, n, size).await?,
                _ => return Ok(None),
            }))
        };
        let deadline = async {
            async_io::Timer::after(DEADLINE).await;
            Err(BenchError::from("deadline exceeded"))
        };
        futures_lite::future::or(fut, deadline).await
    })
}

async fn connect(driver: Driver, url: &str) -> Result<Client, BenchError> {
    let options = ConnectOptions::new().subscription_pending_limits(usize::MAX, usize::MAX);
    let runtime = match driver {
        Driver::Thread => AsyncIoRuntime::new(),
        Driver::Task => AsyncIoRuntime::with_spawner(|f| {
            async_std::task::spawn(f);
        }),
    };
    Ok(natrs_async_std::connect_with_runtime(runtime, url, options).await?)
}

async fn run_pub(driver: Driver, url: &str, n: u64, size: usize) -> Result<Outcome, BenchError> {
    let c = connect(driver, url).await?;
    let payload = Bytes::from(vec![b'x'; size]);
    let t0 = Instant::now();
    for _ in 0..n {
        c.publish("bench.pub", payload.clone()).await?;
    }
    c.flush().await?;
    Ok(Outcome::new(t0.elapsed()))
}

async fn run_pubsub(driver: Driver, url: &str, n: u64, size: usize) -> Result<Outcome, BenchError> {
    let sc = connect(driver, url).await?;
    let mut sub = sc.subscribe("bench.ps").await?;
    sc.flush().await?;
    let pc = connect(driver, url).await?;
    let payload = Bytes::from(vec![b'x'; size]);
    let t0 = Instant::now();
    let counter = async_std::task::spawn(async move {
        let mut got = 0u64;
        while got < n {
            if sub.next().await.is_none() {
                break;
            }
            got += 1;
        }
        (got, Instant::now())
    });
    for _ in 0..n {
        pc.publish("bench.ps", payload.clone()).await?;
    }
    pc.flush().await?;
    let (got, t1) = counter.await;
    if got != n {
        return Err(format!("subscriber got {got} of {n}").into());
    }
    Ok(Outcome::new(t1 - t0))
}

async fn run_reqrep(driver: Driver, url: &str, n: u64, size: usize) -> Result<Outcome, BenchError> {
    let rc = connect(driver, url).await?;
    let mut sub = rc.subscribe("bench.rr").await?;
    rc.flush().await?;
    let responder = rc.clone();
    async_std::task::spawn(async move {
        while let Some(m) = sub.next().await {
            if let Some(reply) = m.reply {
                if responder.publish(reply.as_str(), m.payload).await.is_err() {
                    break;
                }
            }
        }
    });
    let qc = connect(driver, url).await?;
    let payload = Bytes::from(vec![b'x'; size]);
    for _ in 0..WARMUP_REQUESTS {
        qc.request("bench.rr", payload.clone()).await?;
    }
    let mut lat = Vec::with_capacity(n as usize);
    let t0 = Instant::now();
    for _ in 0..n {
        let s = Instant::now();
        qc.request("bench.rr", payload.clone()).await?;
        lat.push(s.elapsed().as_nanos() as u64);
    }
    let mut out = Outcome::new(t0.elapsed());
    lat.sort_unstable();
    out.latencies = lat;
    Ok(out)
}
