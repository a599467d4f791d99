//! The scenarios on natrs-tokio.

use crate::report::{BenchError, Outcome, WARMUP_REQUESTS};
use bytes::Bytes;
use futures_util::StreamExt;
use natrs_tokio::Client;
use natrs_tokio::jetstream::api::consumer::ConsumerConfig;
use natrs_tokio::jetstream::api::publish::PubAck;
use natrs_tokio::jetstream::api::stream::{StorageType, StreamConfig};
use natrs_tokio::jetstream::consumer::FetchOptions;
use natrs_tokio::jetstream::{JetStream, JetStreamOptions};
use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// Async publishes waiting for acks at most (the rig's window).
const JS_WINDOW: usize = 4000;
/// Messages per fetch in `js_fetch`.
const FETCH_BATCH: usize = 500;
const DEADLINE: Duration = Duration::from_secs(300);

pub(crate) fn run(
    scenario: &str,
    url: &str,
    n: u64,
    size: usize,
) -> Result<Option<Outcome>, BenchError> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    // Every scenario runs as a task on the runtime's workers, not on the
    // thread that blocks on the runtime: a wake of a connection's driver
    // then lands in the worker's LIFO slot and runs as soon as this task
    // waits (the acks and publishes of one turn go out in one write), and
    // on one CPU a request costs no switch between the main thread and a
    // worker.
    let (scenario, url) = (scenario.to_string(), url.to_string());
    rt.block_on(async move {
        let task = tokio::spawn(async move {
            Ok(Some(match scenario.as_str() {
                "pub" => run_pub(&url, n, size).await?,
                "pubsub" => run_pubsub(&url, n, size).await?,
                "reqrep" => run_reqrep(&url, n, size).await?,
                "js_pub" => run_js_pub(&url, n, size).await?,
                "js_fetch" => run_js_fetch(&url, n, size).await?,
                _ => {
                    return crate::run_family(&crate::async_rt::Tokio, &scenario, &url, n, size)
                        .await;
                }
            }))
        });
        tokio::time::timeout(DEADLINE, task)
            .await
            .map_err(|_| BenchError::from("deadline exceeded"))?
            .map_err(BenchError::from)?
    })
}

async fn connect(url: &str) -> Result<Client, BenchError> {
    let options = crate::base_options();
    Ok(natrs_tokio::connect_with_options(url, options).await?)
}

async fn run_pub(url: &str, n: u64, size: usize) -> Result<Outcome, BenchError> {
    let c = connect(url).await?;
    let payload = Bytes::from(vec![b'x'; size]);
    let t0 = Instant::now();
    for _ in 0..n {
        c.publish("bench.pub", &payload).await?;
    }
    c.flush().await?;
    Ok(Outcome::new(t0.elapsed()))
}

async fn run_pubsub(url: &str, n: u64, size: usize) -> Result<Outcome, BenchError> {
    let sc = connect(url).await?;
    let mut sub = sc.subscribe("bench.ps").await?;
    sc.flush().await?;
    let pc = connect(url).await?;
    let payload = Bytes::from(vec![b'x'; size]);
    let t0 = Instant::now();
    let counter = tokio::spawn(async move {
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
    let (got, t1) = counter.await?;
    if got != n {
        return Err(format!("subscriber got {got} of {n}").into());
    }
    Ok(Outcome::new(t1 - t0))
}

async fn run_reqrep(url: &str, n: u64, size: usize) -> Result<Outcome, BenchError> {
    let rc = connect(url).await?;
    let mut sub = rc.subscribe("bench.rr").await?;
    rc.flush().await?;
    let responder = rc.clone();
    tokio::spawn(async move {
        while let Some(m) = sub.next().await {
            if let Some(reply) = m.reply {
                if responder.publish(reply.as_str(), m.payload).await.is_err() {
                    break;
                }
            }
        }
    });
    let qc = connect(url).await?;
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
async fn js_setup(url: &str) -> Result<(Client, JetStream), BenchError> {
    let c = connect(url).await?;
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

async fn run_js_pub(url: &str, n: u64, size: usize) -> Result<Outcome, BenchError> {
    let (_c, js) = js_setup(url).await?;
    let t0 = Instant::now();
    js_publish(&js, n, size).await?;
    let elapsed = t0.elapsed();
    let stored = js.stream_info("BENCH").await?.state.messages;
    if stored != n {
        return Err(format!("stream has {stored} messages, expected {n}").into());
    }
    Ok(Outcome::new(elapsed))
}

async fn run_js_fetch(url: &str, n: u64, size: usize) -> Result<Outcome, BenchError> {
    let (c, js) = js_setup(url).await?;
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
