//! `obj_put` and `obj_get`: one object in a memory object store, stored and
//! read back whole. The count is the object's size in bytes, the size its
//! chunk size; the rate is bytes per second.

use crate::async_rt::AsyncRt;
use crate::report::{BenchError, Outcome};
use bytes::Bytes;
use natrs_jetstream::JetStream;
use natrs_jetstream::api::stream::StorageType;
use natrs_jetstream::object::{Config, ObjectInfo, ObjectMeta};
use std::time::Instant;

const BUCKET: &str = "BENCH";
const NAME: &str = "bench-object";

fn config() -> Config {
    Config::new(BUCKET).storage(StorageType::Memory)
}

/// The object's bytes and its meta (name and chunk size).
fn object(n: u64, chunk: usize) -> Result<(Bytes, ObjectMeta), BenchError> {
    let chunk = u32::try_from(chunk).map_err(|_| "chunk size over 4 GiB")?;
    let data = Bytes::from(vec![b'x'; usize::try_from(n)?]);
    Ok((data, ObjectMeta::new(NAME).chunk_size(chunk)))
}

/// Checks what the put reported.
fn check_put(info: &ObjectInfo, n: u64) -> Result<u32, BenchError> {
    if info.size != n {
        return Err(format!("object has {} bytes, expected {n}", info.size).into());
    }
    Ok(info.chunks)
}

/// The `mbps=` (10^6 bytes/s) and `chunks=` fields.
fn outcome(t0: Instant, n: u64, chunks: u32) -> Outcome {
    let mut out = Outcome::new(t0.elapsed());
    let mbps = n as f64 / out.elapsed.as_secs_f64() / 1e6;
    out.extra = format!(" mbps={mbps:.1} chunks={chunks}");
    out
}

fn check_read(read: &Bytes, n: u64) -> Result<(), BenchError> {
    if read.len() as u64 != n {
        return Err(format!("read {} bytes, expected {n}", read.len()).into());
    }
    Ok(())
}

/// Runs `obj_put` or `obj_get`. The reader the get returns
/// checks the object's size and SHA-256 digest at its end.
pub(crate) async fn run<R: AsyncRt>(
    rt: &R,
    scenario: &str,
    url: &str,
    n: u64,
    size: usize,
) -> Result<Option<Outcome>, BenchError> {
    let js = JetStream::new(rt.connect(url).await?);
    let store = js.create_object_store(config()).await?;
    let (data, meta) = object(n, size)?;
    if scenario == "obj_put" {
        let t0 = Instant::now();
        let info = store.put_bytes_with(meta, data).await?;
        let chunks = check_put(&info, n)?;
        return Ok(Some(outcome(t0, n, chunks)));
    }
    let chunks = check_put(&store.put_bytes_with(meta, data).await?, n)?;
    let t0 = Instant::now();
    let read = store.get(NAME).await?.read_all().await?;
    let out = outcome(t0, n, chunks);
    check_read(&read, n)?;
    Ok(Some(out))
}

/// [`run`] on natrs-blocking.
pub(crate) fn run_blocking(
    scenario: &str,
    url: &str,
    n: u64,
    size: usize,
) -> Result<Option<Outcome>, BenchError> {
    let js = natrs_blocking::jetstream::JetStream::new(crate::blocking_rt::connect(url)?);
    let store = js.create_object_store(config())?;
    let (data, meta) = object(n, size)?;
    if scenario == "obj_put" {
        let t0 = Instant::now();
        let info = store.put_bytes_with(meta, data)?;
        let chunks = check_put(&info, n)?;
        return Ok(Some(outcome(t0, n, chunks)));
    }
    let chunks = check_put(&store.put_bytes_with(meta, data)?, n)?;
    let t0 = Instant::now();
    let read = store.get(NAME)?.read_all()?;
    let out = outcome(t0, n, chunks);
    check_read(&read, n)?;
    Ok(Some(out))
}
