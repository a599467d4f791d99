//! The scenarios on natrs-blocking: plain threads, no async runtime.

use crate::report::{BenchError, Outcome, WARMUP_REQUESTS};
use bytes::Bytes;
use natrs_blocking::jetstream::api::consumer::ConsumerConfig;
use natrs_blocking::jetstream::api::stream::{StorageType, StreamConfig};
use natrs_blocking::jetstream::consumer::FetchOptions;
use natrs_blocking::jetstream::{JetStream, JetStreamOptions, PubAckHandle};
use natrs_blocking::{BlockingOptions, Client, DriverStatistics};
use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// Async publishes waiting for acks at most (the rig's window).
const JS_WINDOW: usize = 4000;
/// Messages per fetch in `js_fetch`.
const FETCH_BATCH: usize = 500;
/// A run that takes longer than this is stopped (as the tokio runtime's
/// timeout does).
const DEADLINE: Duration = Duration::from_secs(300);

pub(crate) fn run(
    scenario: &str,
    url: &str,
    n: u64,
    size: usize,
) -> Result<Option<Outcome>, BenchError> {
    // The run goes on a thread of its own so that a hang ends in an error
    // (as the tokio runtime's timeout does), with the local server stopped.
    let (tx, rx) = std::sync::mpsc::channel();
    let (scenario, url) = (scenario.to_string(), url.to_string());
    std::thread::spawn(move || {
        let _ = tx.send(run_scenario(&scenario, &url, n, size));
    });
    match rx.recv_timeout(DEADLINE) {
        Ok(outcome) => outcome,
        Err(_) => Err("deadline exceeded".into()),
    }
}

/// Runs `scenario` on the calling thread.
fn run_scenario(
    scenario: &str,
    url: &str,
    n: u64,
    size: usize,
) -> Result<Option<Outcome>, BenchError> {
    Ok(Some(match scenario {
        "pub" => run_pub(url, n, size)?,
        "pubsub" => run_pubsub(url, n, size)?,
        "reqrep" => run_reqrep(url, n, size)?,
        "js_pub" => run_js_pub(url, n, size)?,
        "js_fetch" => run_js_fetch(url, n, size)?,
        _ => return crate::run_family_blocking(scenario, url, n, size),
    }))
}

/// Connects with the benchmark's options (pending limits raised).
pub(crate) fn connect(url: &str) -> Result<Client, BenchError> {
    connect_with_handler_threads(url, 0)
}

/// [`connect`], running handlers on a pool of `threads` threads (`0`: a
/// thread per handler subscription).
pub(crate) fn connect_with_handler_threads(
    url: &str,
    threads: usize,
) -> Result<Client, BenchError> {
    let options = BlockingOptions::new(crate::base_options()).handler_threads(threads);
    Ok(natrs_blocking::connect_with_options(url, options)?)
}

/// The driver's counters as extra `key=value` fields.
fn driver_fields(c: &Client) -> String {
    driver_fields_since(c, DriverStatistics::default())
}

/// The driver's counters since `before` as extra `key=value` fields.
fn driver_fields_since(c: &Client, before: DriverStatistics) -> String {
    let d = c.driver_statistics();
    format!(
        " wakeups={} inline_writes={} socket_writes={}",
        d.wakeups - before.wakeups,
        d.inline_writes - before.inline_writes,
        d.socket_writes - before.socket_writes
    )
}

fn run_pub(url: &str, n: u64, size: usize) -> Result<Outcome, BenchError> {
    let c = connect(url)?;
    let payload = Bytes::from(vec![b'x'; size]);
    let t0 = Instant::now();
    for _ in 0..n {
        c.publish("bench.pub", &payload)?;
    }
    c.flush()?;
    let mut out = Outcome::new(t0.elapsed());
    out.extra = driver_fields(&c);
    Ok(out)
}

fn run_pubsub(url: &str, n: u64, size: usize) -> Result<Outcome, BenchError> {
    let sc = connect(url)?;
    let sub = sc.subscribe("bench.ps")?;
    sc.flush()?;
    let pc = connect(url)?;
    let payload = Bytes::from(vec![b'x'; size]);
    let t0 = Instant::now();
    let counter = std::thread::spawn(move || {
        let got = sub.take(n as usize).count() as u64;
        (got, Instant::now())
    });
    for _ in 0..n {
        pc.publish("bench.ps", &payload)?;
    }
    pc.flush()?;
    let (got, t1) = counter
        .join()
        .map_err(|_| BenchError::from("subscriber thread panicked"))?;
    if got != n {
        return Err(format!("subscriber got {got} of {n}").into());
    }
    let mut out = Outcome::new(t1 - t0);
    out.extra = driver_fields(&pc);
    Ok(out)
}

fn run_reqrep(url: &str, n: u64, size: usize) -> Result<Outcome, BenchError> {
    let rc = connect(url)?;
    let responder = rc.clone();
    let _service = rc.subscribe_with_handler("bench.rr", move |m| {
        if let Some(reply) = m.reply {
            let _ = responder.publish(reply.as_str(), m.payload);
        }
    })?;
    rc.flush()?;
    let qc = connect(url)?;
    let payload = Bytes::from(vec![b'x'; size]);
    for _ in 0..WARMUP_REQUESTS {
        qc.request("bench.rr", payload.clone())?;
    }
    let mut lat = Vec::with_capacity(n as usize);
    let t0 = Instant::now();
    for _ in 0..n {
        let s = Instant::now();
        qc.request("bench.rr", payload.clone())?;
        lat.push(s.elapsed().as_nanos() as u64);
    }
    let mut out = Outcome::new(t0.elapsed());
    lat.sort_unstable();
    out.latencies = lat;
    out.extra = driver_fields(&qc);
    Ok(out)
}

/// A fresh memory stream `BENCH` on `bench.js`.
fn js_setup(url: &str) -> Result<(Client, JetStream), BenchError> {
    let c = connect(url)?;
    let js = JetStream::with_options(
        c.clone(),
        JetStreamOptions::new().max_ack_pending(JS_WINDOW),
    );
    let _ = js.delete_stream("BENCH");
    js.create_stream(
        StreamConfig::new("BENCH")
            .subjects(["bench.js"])
            .storage(StorageType::Memory),
    )?;
    Ok((c, js))
}

/// Publishes `n` messages asynchronously with at most `JS_WINDOW` acks
/// outstanding, checking every ack.
fn js_publish(js: &JetStream, n: u64, size: usize) -> Result<(), BenchError> {
    let payload = Bytes::from(vec![b'x'; size]);
    let mut pending: VecDeque<PubAckHandle> = VecDeque::with_capacity(JS_WINDOW);
    for _ in 0..n {
        if pending.len() >= JS_WINDOW {
            if let Some(ack) = pending.pop_front() {
                ack.wait()?;
            }
        }
        pending.push_back(js.publish_async("bench.js", payload.clone())?);
    }
    for ack in pending {
        ack.wait()?;
    }
    Ok(())
}

fn run_js_pub(url: &str, n: u64, size: usize) -> Result<Outcome, BenchError> {
    let (c, js) = js_setup(url)?;
    let before = c.driver_statistics();
    let t0 = Instant::now();
    js_publish(&js, n, size)?;
    let elapsed = t0.elapsed();
    let fields = driver_fields_since(&c, before);
    let stored = js.stream_info("BENCH")?.state.messages;
    if stored != n {
        return Err(format!("stream has {stored} messages, expected {n}").into());
    }
    let mut out = Outcome::new(elapsed);
    out.extra = fields;
    Ok(out)
}

fn run_js_fetch(url: &str, n: u64, size: usize) -> Result<Outcome, BenchError> {
    let (c, js) = js_setup(url)?;
    js_publish(&js, n, size)?;
    let consumer = js.create_consumer("BENCH", ConsumerConfig::durable_pull("BENCHC"))?;
    let before = c.driver_statistics();
    let t0 = Instant::now();
    let mut got = 0u64;
    while got < n {
        for m in consumer.fetch(FetchOptions::new(FETCH_BATCH))? {
            m?.ack()?;
            got += 1;
        }
    }
    c.flush()?;
    let mut out = Outcome::new(t0.elapsed());
    out.extra = format!(" ack=explicit{}", driver_fields_since(&c, before));
    Ok(out)
}
