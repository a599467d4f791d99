//! `kv_put` and `kv_get`: single puts and gets on a memory KV bucket, each
//! returning before the next, with their latencies.

use crate::async_rt::AsyncRt;
use crate::report::{BenchError, Outcome, WARMUP_REQUESTS};
use bytes::Bytes;
use natrs_jetstream::JetStream;
use natrs_jetstream::api::stream::StorageType;
use natrs_jetstream::kv::{Config, KeyValue};
use std::time::Instant;

/// The keys are `k.0` … `k.999`.
const KEYS: usize = 1000;
const BUCKET: &str = "BENCH";

fn config() -> Config {
    Config::new(BUCKET).history(1).storage(StorageType::Memory)
}

fn keys() -> Vec<String> {
    (0..KEYS).map(|i| format!("k.{i}")).collect()
}

/// `direct=1|0`: whether gets use direct get.
fn direct_field(allow_direct: bool) -> String {
    format!(" direct={}", u8::from(allow_direct))
}

/// The latencies and the `direct=` field of a finished KV run.
fn outcome(t0: Instant, lat: Vec<u64>, allow_direct: bool) -> Outcome {
    let mut out = Outcome::new(t0.elapsed());
    out.set_latencies(lat);
    out.extra = direct_field(allow_direct);
    out
}

fn check_len(key: &str, value: &Bytes, size: usize) -> Result<(), BenchError> {
    if value.len() != size {
        return Err(format!("get {key}: {} bytes, expected {size}", value.len()).into());
    }
    Ok(())
}

/// Runs `kv_put` or `kv_get`.
pub(crate) async fn run<R: AsyncRt>(
    rt: &R,
    scenario: &str,
    url: &str,
    n: u64,
    size: usize,
) -> Result<Option<Outcome>, BenchError> {
    let js = JetStream::new(rt.connect(url).await?);
    let kv: KeyValue = js.create_key_value(config()).await?;
    let allow_direct = kv.stream().cached_info().config.allow_direct;
    let keys = keys();
    let payload = Bytes::from(vec![b'x'; size]);
    let mut lat = Vec::with_capacity(n as usize);
    if scenario == "kv_put" {
        for key in keys.iter().cycle().take(WARMUP_REQUESTS) {
            kv.put(key, &payload).await?;
        }
        let t0 = Instant::now();
        for key in keys.iter().cycle().take(n as usize) {
            let s = Instant::now();
            kv.put(key, &payload).await?;
            lat.push(s.elapsed().as_nanos() as u64);
        }
        return Ok(Some(outcome(t0, lat, allow_direct)));
    }
    for key in &keys {
        kv.put(key, &payload).await?;
    }
    for key in keys.iter().cycle().take(WARMUP_REQUESTS) {
        kv.get(key).await?;
    }
    let t0 = Instant::now();
    for key in keys.iter().cycle().take(n as usize) {
        let s = Instant::now();
        let entry = kv.get(key).await?;
        lat.push(s.elapsed().as_nanos() as u64);
        check_len(key, &entry.value, size)?;
    }
    Ok(Some(outcome(t0, lat, allow_direct)))
}

/// [`run`] on natrs-blocking.
pub(crate) fn run_blocking(
    scenario: &str,
    url: &str,
    n: u64,
    size: usize,
) -> Result<Option<Outcome>, BenchError> {
    let js = natrs_blocking::jetstream::JetStream::new(crate::blocking_rt::connect(url)?);
    let kv = js.create_key_value(config())?;
    let allow_direct = kv.as_async().stream().cached_info().config.allow_direct;
    let keys = keys();
    let payload = Bytes::from(vec![b'x'; size]);
    let mut lat = Vec::with_capacity(n as usize);
    if scenario == "kv_put" {
        for key in keys.iter().cycle().take(WARMUP_REQUESTS) {
            kv.put(key, &payload)?;
        }
        let t0 = Instant::now();
        for key in keys.iter().cycle().take(n as usize) {
            let s = Instant::now();
            kv.put(key, &payload)?;
            lat.push(s.elapsed().as_nanos() as u64);
        }
        return Ok(Some(outcome(t0, lat, allow_direct)));
    }
    for key in &keys {
        kv.put(key, &payload)?;
    }
    for key in keys.iter().cycle().take(WARMUP_REQUESTS) {
        kv.get(key)?;
    }
    let t0 = Instant::now();
    for key in keys.iter().cycle().take(n as usize) {
        let s = Instant::now();
        let entry = kv.get(key)?;
        lat.push(s.elapsed().as_nanos() as u64);
        check_len(key, &entry.value, size)?;
    }
    Ok(Some(outcome(t0, lat, allow_direct)))
}
