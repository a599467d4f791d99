//! `reqrep_load`: sequential requests to an echo responder while a third
//! connection publishes 16-byte messages nobody subscribes to, as fast as it
//! can, from before the warm-up until the last request is answered.

use crate::async_rt::AsyncRt;
use crate::report::{BenchError, Outcome, WARMUP_REQUESTS};
use bytes::Bytes;
use futures_util::StreamExt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

const SERVICE: &str = "bench.rr";
const LOAD_SUBJECT: &str = "bench.load";
/// The background publishes' payload size.
const LOAD_SIZE: usize = 16;

/// The requests' outcome with the load's `load_msgs=` and `load_rate=`.
fn outcome(elapsed: std::time::Duration, lat: Vec<u64>, load: (u64, f64)) -> Outcome {
    let mut out = Outcome::new(elapsed);
    out.set_latencies(lat);
    let (msgs, secs) = load;
    out.extra = format!(" load_msgs={msgs} load_rate={:.0}", msgs as f64 / secs);
    out
}

/// Runs `reqrep_load`.
pub(crate) async fn run<R: AsyncRt>(
    rt: &R,
    url: &str,
    n: u64,
    size: usize,
) -> Result<Option<Outcome>, BenchError> {
    let rc = rt.connect(url).await?;
    let mut service = rc.subscribe(SERVICE).await?;
    rc.flush().await?;
    let responder = rc.clone();
    drop(rt.spawn(async move {
        while let Some(m) = service.next().await {
            if let Some(reply) = m.reply {
                if responder.publish(reply.as_str(), m.payload).await.is_err() {
                    break;
                }
            }
        }
    }));
    let lc = rt.connect(url).await?;
    let stop = Arc::new(AtomicBool::new(false));
    let stopped = stop.clone();
    let loader = rt.spawn(async move {
        let payload = Bytes::from(vec![b'x'; LOAD_SIZE]);
        let (mut msgs, t0) = (0u64, Instant::now());
        while !stopped.load(Ordering::Relaxed) {
            lc.publish(LOAD_SUBJECT, &payload).await?;
            msgs += 1;
        }
        Ok::<_, BenchError>((msgs, t0.elapsed().as_secs_f64()))
    });
    let requests = async {
        let qc = rt.connect(url).await?;
        let payload = Bytes::from(vec![b'x'; size]);
        for _ in 0..WARMUP_REQUESTS {
            qc.request(SERVICE, &payload).await?;
        }
        let mut lat = Vec::with_capacity(n as usize);
        let t0 = Instant::now();
        for _ in 0..n {
            let s = Instant::now();
            qc.request(SERVICE, &payload).await?;
            lat.push(s.elapsed().as_nanos() as u64);
        }
        Ok::<_, BenchError>((t0.elapsed(), lat))
    }
    .await;
    // The load stops whether or not the requests succeeded.
    stop.store(true, Ordering::Relaxed);
    let load = loader.await??;
    let (elapsed, lat) = requests?;
    Ok(Some(outcome(elapsed, lat, load)))
}

/// [`run`] on natrs-blocking: the responder is a handler, the load a thread.
pub(crate) fn run_blocking(url: &str, n: u64, size: usize) -> Result<Option<Outcome>, BenchError> {
    let rc = crate::blocking_rt::connect(url)?;
    let responder = rc.clone();
    let _service = rc.subscribe_with_handler(SERVICE, move |m| {
        if let Some(reply) = m.reply {
            let _ = responder.publish(reply.as_str(), m.payload);
        }
    })?;
    rc.flush()?;
    let lc = crate::blocking_rt::connect(url)?;
    let stop = Arc::new(AtomicBool::new(false));
    let stopped = stop.clone();
    let loader = std::thread::spawn(move || {
        let payload = Bytes::from(vec![b'x'; LOAD_SIZE]);
        let (mut msgs, t0) = (0u64, Instant::now());
        while !stopped.load(Ordering::Relaxed) {
            lc.publish(LOAD_SUBJECT, &payload)?;
            msgs += 1;
        }
        Ok::<_, BenchError>((msgs, t0.elapsed().as_secs_f64()))
    });
    let qc = crate::blocking_rt::connect(url)?;
    let payload = Bytes::from(vec![b'x'; size]);
    let requests = (|| {
        for _ in 0..WARMUP_REQUESTS {
            qc.request(SERVICE, &payload)?;
        }
        let mut lat = Vec::with_capacity(n as usize);
        let t0 = Instant::now();
        for _ in 0..n {
            let s = Instant::now();
            qc.request(SERVICE, &payload)?;
            lat.push(s.elapsed().as_nanos() as u64);
        }
        Ok::<_, BenchError>((t0.elapsed(), lat))
    })();
    // The load stops whether or not the requests succeeded.
    stop.store(true, Ordering::Relaxed);
    let load = loader
        .join()
        .map_err(|_| BenchError::from("load thread panicked"))??;
    let (elapsed, lat) = requests?;
    Ok(Some(outcome(elapsed, lat, load)))
}
