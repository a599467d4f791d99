//! The scenarios on natrs-blocking: plain threads, no async runtime.

use crate::report::{BenchError, Outcome};
use bytes::Bytes;
use natrs_blocking::{Client, ConnectOptions};
use std::time::{Duration, Instant};

const WARMUP_REQUESTS: usize = 100;
/// A run that takes longer than this is stopped (as the tokio runtime's
/// timeout does).
const DEADLINE: Duration = Duration::from_secs(300);

pub(crate) fn run(
    scenario: &str,
    url: &str,
    n: u64,
    size: usize,
) -> Result<Option<Outcome>, BenchError> {
    let run: fn(&str, u64, usize) -> Result<Outcome, BenchError> = match scenario {
        "pub" => run_pub,
        "pubsub" => run_pubsub,
        "reqrep" => run_reqrep,
        _ => return Ok(None),
    };
    // The run goes on a thread of its own so that a hang ends in an error
    // (as the tokio runtime's timeout does), with the local server stopped.
    let (tx, rx) = std::sync::mpsc::channel();
    let url = url.to_string();
    std::thread::spawn(move || {
        let _ = tx.send(run(&url, n, size));
    });
    match rx.recv_timeout(DEADLINE) {
        Ok(outcome) => Ok(Some(outcome?)),
        Err(_) => Err("deadline exceeded".into()),
    }
}

fn connect(url: &str) -> Result<Client, BenchError> {
    let options = ConnectOptions::new().subscription_pending_limits(usize::MAX, usize::MAX);
    Ok(natrs_blocking::connect_with_options(url, options)?)
}

/// The driver's counters as extra `key=value` fields.
fn driver_fields(c: &Client) -> String {
    let d = c.driver_statistics();
    format!(
        " wakeups={} inline_writes={} socket_writes={}",
        d.wakeups, d.inline_writes, d.socket_writes
    )
}

fn run_pub(url: &str, n: u64, size: usize) -> Result<Outcome, BenchError> {
    let c = connect(url)?;
    let payload = Bytes::from(vec![b'x'; size]);
    let t0 = Instant::now();
    for _ in 0..n {
        c.publish("bench.pub", payload.clone())?;
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
        pc.publish("bench.ps", payload.clone())?;
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
