//! `fanout` (one publisher, four subscriber connections) and `subs_many`
//! (10,000 subscriptions on one connection, a publisher cycling through
//! their subjects): plain subscribers counting what they receive.

use crate::async_rt::AsyncRt;
use crate::report::{BenchError, Outcome};
use bytes::Bytes;
use event_listener::{Event, Listener};
use futures_util::StreamExt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Instant;

/// Subscriber connections in `fanout`.
const FANOUT_SUBS: usize = 4;
/// Subscriptions in `subs_many`.
const MANY_SUBS: usize = 10_000;
const FANOUT_SUBJECT: &str = "bench.fan";

fn many_subjects() -> Vec<String> {
    (0..MANY_SUBS).map(|i| format!("bench.s.{i}")).collect()
}

/// A run's end as `subs=` says how many subscribers there were.
fn outcome(t0: Instant, t1: Instant, subs: usize) -> Outcome {
    let mut out = Outcome::new(t1 - t0);
    out.extra = format!(" subs={subs}");
    out
}

/// The count all subscriptions of `subs_many` add to, and when it reached
/// the total.
struct Total {
    got: AtomicU64,
    want: u64,
    done_at: OnceLock<Instant>,
    done: Event,
}

impl Total {
    fn new(want: u64) -> Arc<Total> {
        Arc::new(Total {
            got: AtomicU64::new(0),
            want,
            done_at: OnceLock::new(),
            done: Event::new(),
        })
    }

    /// Counts one message.
    fn add(&self) {
        if self.got.fetch_add(1, Ordering::Relaxed) + 1 == self.want {
            let _ = self.done_at.set(Instant::now());
            self.done.notify(usize::MAX);
        }
    }

    /// When the last message arrived, once it has.
    async fn wait(&self) -> Instant {
        loop {
            if let Some(t) = self.done_at.get() {
                return *t;
            }
            let listener = self.done.listen();
            if let Some(t) = self.done_at.get() {
                return *t;
            }
            listener.await;
        }
    }

    /// [`wait`](Self::wait), blocking the thread.
    fn wait_blocking(&self) -> Instant {
        loop {
            if let Some(t) = self.done_at.get() {
                return *t;
            }
            let listener = self.done.listen();
            if let Some(t) = self.done_at.get() {
                return *t;
            }
            listener.wait();
        }
    }
}

fn check_got(got: u64, n: u64) -> Result<(), BenchError> {
    if got != n {
        return Err(format!("a subscriber got {got} of {n}").into());
    }
    Ok(())
}

/// Runs `fanout` or `subs_many` (anything else: `None`).
pub(crate) async fn run<R: AsyncRt>(
    rt: &R,
    scenario: &str,
    url: &str,
    n: u64,
    size: usize,
) -> Result<Option<Outcome>, BenchError> {
    let payload = Bytes::from(vec![b'x'; size]);
    match scenario {
        "fanout" => {
            let mut counters = Vec::with_capacity(FANOUT_SUBS);
            for _ in 0..FANOUT_SUBS {
                let sc = rt.connect(url).await?;
                let mut sub = sc.subscribe(FANOUT_SUBJECT).await?;
                sc.flush().await?;
                counters.push(rt.spawn(async move {
                    let _connection = sc;
                    let mut got = 0u64;
                    while got < n && sub.next().await.is_some() {
                        got += 1;
                    }
                    (got, Instant::now())
                }));
            }
            let pc = rt.connect(url).await?;
            let t0 = Instant::now();
            for _ in 0..n {
                pc.publish(FANOUT_SUBJECT, &payload).await?;
            }
            pc.flush().await?;
            let mut last = t0;
            for counter in counters {
                let (got, t) = counter.await?;
                check_got(got, n)?;
                last = last.max(t);
            }
            Ok(Some(outcome(t0, last, FANOUT_SUBS)))
        }
        "subs_many" => {
            let sc = rt.connect(url).await?;
            let subjects = many_subjects();
            let total = Total::new(n);
            for subject in &subjects {
                let mut sub = sc.subscribe(subject).await?;
                let total = total.clone();
                // The task ends with the subscription, when `sc` closes.
                drop(rt.spawn(async move {
                    while sub.next().await.is_some() {
                        total.add();
                    }
                }));
            }
            sc.flush().await?;
            let pc = rt.connect(url).await?;
            let t0 = Instant::now();
            for subject in subjects.iter().cycle().take(n as usize) {
                pc.publish(subject, &payload).await?;
            }
            pc.flush().await?;
            let t1 = total.wait().await;
            Ok(Some(outcome(t0, t1, MANY_SUBS)))
        }
        _ => Ok(None),
    }
}

/// Threads of the handler pool of `subs_many`'s subscribing connection on
/// natrs-blocking (`BlockingOptions::handler_threads`), unless
/// `NATRS_BENCH_HANDLER_THREADS` says otherwise (`0`: a thread per handler).
const SUBS_MANY_HANDLER_THREADS: usize = 1;

/// [`SUBS_MANY_HANDLER_THREADS`], or what `NATRS_BENCH_HANDLER_THREADS` asks.
fn subs_many_handler_threads() -> Result<usize, BenchError> {
    match std::env::var("NATRS_BENCH_HANDLER_THREADS") {
        Ok(v) => v
            .parse()
            .map_err(|_| BenchError::from("NATRS_BENCH_HANDLER_THREADS is not a number")),
        Err(_) => Ok(SUBS_MANY_HANDLER_THREADS),
    }
}

/// [`run`] on natrs-blocking: a thread per `fanout` subscriber; a handler
/// per `subs_many` subscription, all of them on the subscribing connection's
/// handler pool (nats.c's benchmark turns on its equivalent,
/// `natsOptions_UseGlobalMessageDelivery`; a thread per handler, nats.go's
/// way, costs 10,000 threads here).
pub(crate) fn run_blocking(
    scenario: &str,
    url: &str,
    n: u64,
    size: usize,
) -> Result<Option<Outcome>, BenchError> {
    let payload = Bytes::from(vec![b'x'; size]);
    match scenario {
        "fanout" => {
            let mut counters = Vec::with_capacity(FANOUT_SUBS);
            for _ in 0..FANOUT_SUBS {
                let sc = crate::blocking_rt::connect(url)?;
                let sub = sc.subscribe(FANOUT_SUBJECT)?;
                sc.flush()?;
                counters.push(std::thread::spawn(move || {
                    let _connection = sc;
                    let got = sub.iter().take(n as usize).count() as u64;
                    (got, Instant::now())
                }));
            }
            let pc = crate::blocking_rt::connect(url)?;
            let t0 = Instant::now();
            for _ in 0..n {
                pc.publish(FANOUT_SUBJECT, &payload)?;
            }
            pc.flush()?;
            let mut last = t0;
            for counter in counters {
                let (got, t) = counter
                    .join()
                    .map_err(|_| BenchError::from("subscriber thread panicked"))?;
                check_got(got, n)?;
                last = last.max(t);
            }
            Ok(Some(outcome(t0, last, FANOUT_SUBS)))
        }
        "subs_many" => {
            let threads = subs_many_handler_threads()?;
            let sc = crate::blocking_rt::connect_with_handler_threads(url, threads)?;
            let subjects = many_subjects();
            let total = Total::new(n);
            let mut handlers = Vec::with_capacity(MANY_SUBS);
            for subject in &subjects {
                let total = total.clone();
                handlers.push(sc.subscribe_with_handler(subject, move |_| total.add())?);
            }
            sc.flush()?;
            let pc = crate::blocking_rt::connect(url)?;
            let t0 = Instant::now();
            for subject in subjects.iter().cycle().take(n as usize) {
                pc.publish(subject, &payload)?;
            }
            pc.flush()?;
            let t1 = total.wait_blocking();
            let mut out = outcome(t0, t1, MANY_SUBS);
            out.extra.push_str(&format!(" handler_threads={threads}"));
            Ok(Some(out))
        }
        _ => Ok(None),
    }
}
