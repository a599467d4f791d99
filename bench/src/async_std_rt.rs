//! The scenarios on natrs-async-std, with the benchmark's tasks on async-std's
//! executor.

use crate::report::{BenchError, Outcome, WARMUP_REQUESTS};
use bytes::Bytes;
use futures_lite::StreamExt;
use natrs_async_std::jetstream::api::consumer::ConsumerConfig;
use natrs_async_std::jetstream::api::publish::PubAck;
use natrs_async_std::jetstream::api::stream::{StorageType, StreamConfig};
use natrs_async_std::jetstream::consumer::FetchOptions;
use natrs_async_std::jetstream::{JetStream, JetStreamOptions};
use natrs_async_std::{AsyncIoRuntime, Client};
use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// Async publishes waiting for acks at most (the rig's window).
const JS_WINDOW: usize = 4000;
/// Messages per fetch in `js_fetch`.
const FETCH_BATCH: usize = 500;
const DEADLINE: Duration = Duration::from_secs(300);

/// Where the connections' drivers run.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Driver {
    /// natrs-async-std's default: a task on async-global-executor, the
    /// executor async-std runs on.
    Default,
    /// A `natrs-driver` thread per connection.
    Thread,
}

pub(crate) fn run(
    driver: Driver,
    scenario: &str,
    url: &str,
    n: u64,
    size: usize,
) -> Result<Option<Outcome>, BenchError> {
    // Every scenario runs as a task on async-std's executor, as the tokio
    // runtime runs them on its workers.
    let (scenario, url) = (scenario.to_string(), url.to_string());
    async_std::task::block_on(async move {
        let task = async_std::task::spawn(async move {
            Ok(Some(match scenario.as_str() {
                "pub" => run_pub(driver, &url, n, size).await?,
                "pubsub" => run_pubsub(driver, &url, n, size).await?,
                "reqrep" => run_reqrep(driver, &url, n, size).await?,
                "js_pub" => run_js_pub(driver, &url, n, size).await?,
                "js_fetch" => run_js_fetch(driver, &url, n, size).await?,
                _ => {
                    let rt = crate::async_rt::AsyncStd {
                        driver_threads: matches!(driver, Driver::Thread),
                    };
                    return crate::run_family(&rt, &scenario, &url, n, size).await;
                }
            }))
        });
        let deadline = async {
            async_io::Timer::after(DEADLINE).await;
            Err(BenchError::from("deadline exceeded"))
        };
        futures_lite::future::or(task, deadline).await
    })
}

async fn connect(driver: Driver, url: &str) -> Result<Client, BenchError> {
    let options = crate::base_options();
    let runtime = match driver {
        Driver::Default => AsyncIoRuntime::new(),
        Driver::Thread => AsyncIoRuntime::driver_threads(),
    };
    Ok(natrs_async_std::connect_with_runtime(runtime, url, options).await?)
}

async fn run_pub(driver: Driver, url: &str, n: u64, size: usize) -> Result<Outcome, BenchError> {
    let c = connect(driver, url).await?;
    let payload = Bytes::from(vec![b'x'; size]);
    let t0 = Instant::now();
    for _ in 0..n {
        c.publish("bench.pub", &payload).await?;
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
        pc.publish("bench.ps", &payload).await?;
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

/// A fresh memory stream `BENCH` on `bench.js`.
async fn js_setup(driver: Driver, url: &str) -> Result<(Client, JetStream), BenchError> {
    let c = connect(driver, url).await?;
    let js = JetStream::with_options(
        c.clone(),
        JetStreamOptions::new().max_ack_pending(JS_WINDOW),
    );
    let _ = js.delete_stream("BENCH").await;
    js.create_stream(
        StreamConfig::new("BENCH")
            .subjects(["bench.js"])
            .storage(StorageType::Memory),
    )
    .await?;
    Ok((c, js))
}

/// Publishes `n` messages asynchronously with at most `JS_WINDOW` acks
/// outstanding, checking every ack.
async fn js_publish(js: &JetStream, n: u64, size: usize) -> Result<(), BenchError> {
    let payload = Bytes::from(vec![b'x'; size]);
    let mut pending = VecDeque::with_capacity(JS_WINDOW);
    for _ in 0..n {
        if pending.len() >= JS_WINDOW {
            if let Some(ack) = pending.pop_front() {
                let _: PubAck = ack.await?;
            }
        }
        pending.push_back(js.publish_async("bench.js", payload.clone()).await?);
    }
    for ack in pending {
        ack.await?;
    }
    Ok(())
}

async fn run_js_pub(driver: Driver, url: &str, n: u64, size: usize) -> Result<Outcome, BenchError> {
    let (_c, js) = js_setup(driver, url).await?;
    let t0 = Instant::now();
    js_publish(&js, n, size).await?;
    let elapsed = t0.elapsed();
    let stored = js.stream_info("BENCH").await?.state.messages;
    if stored != n {
        return Err(format!("stream has {stored} messages, expected {n}").into());
    }
    Ok(Outcome::new(elapsed))
}

async fn run_js_fetch(
    driver: Driver,
    url: &str,
    n: u64,
    size: usize,
) -> Result<Outcome, BenchError> {
    let (c, js) = js_setup(driver, url).await?;
    js_publish(&js, n, size).await?;
    let consumer = js
        .create_consumer("BENCH", ConsumerConfig::durable_pull("BENCHC"))
        .await?;
    let t0 = Instant::now();
    let mut got = 0u64;
    while got < n {
        let mut batch = consumer.fetch(FetchOptions::new(FETCH_BATCH))?;
        while let Some(m) = batch.next().await {
            m?.ack().await?;
            got += 1;
        }
    }
    c.flush().await?;
    let mut out = Outcome::new(t0.elapsed());
    out.extra = " ack=explicit".to_string();
    Ok(out)
}
