//! Soak: many async publishes with message ids while the server restarts;
//! failed publishes are sent again with their ids until each is acked, and
//! the stream ends up with every message exactly once.

use crate::support::*;
use natrs_jetstream::api::stream::StreamConfig;
use natrs_jetstream::publish::PublishMessage;
use natrs_jetstream::{Error, JetStreamOptions};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The CI size: 100,000 publishes, three restarts.
pub fn async_publishes_through_three_restarts<J: SuiteJs>() {
    soak::<J>(100_000, 3);
}

/// The big run: 1,000,000 publishes, five restarts (ignored; see
/// `tests/README.md`).
pub fn million_async_publishes_through_five_restarts<J: SuiteJs>() {
    soak::<J>(1_000_000, 5);
}

/// Publishes `0..n` asynchronously with ids `soak-<i>` while the server is
/// restarted `restarts` times, evenly spread over the first round; then
/// sends what failed again (same ids) until everything is acked.
///
/// Every id was acked (stored, or reported as a duplicate of a stored
/// message), and the stream holds `n` messages with `n` as its last
/// sequence: so each id is stored exactly once, none lost.
fn soak<J: SuiteJs>(n: usize, restarts: usize) {
    let server = Arc::new(server());
    let plain: J = jetstream(&server);
    let js = plain.with_options(JetStreamOptions::new().timeout(Duration::from_secs(5)));
    let window = Duration::from_secs(3600);
    js.create_stream(StreamConfig {
        duplicate_window: window,
        ..StreamConfig::new("SOAK").subjects(["soak"])
    })
    .unwrap();
    let started = Instant::now();
    let every = n / (restarts + 1);
    let mut restart: Option<JoinHandle<natrs_tests::Result<()>>> = None;
    let mut restarted = 0;
    let mut todo: Vec<usize> = (0..n).collect();
    let mut rounds = 0;
    let mut failed_total = 0;
    let mut duplicates = 0;
    while !todo.is_empty() {
        rounds += 1;
        assert!(rounds <= 50, "{} publishes still failing", todo.len());
        let mut acks = Vec::with_capacity(todo.len());
        let mut failed = Vec::new();
        for &i in &todo {
            if rounds == 1 && i > 0 && i % every == 0 && restarted < restarts {
                // One restart at a time: the next waits for the last.
                if let Some(r) = restart.take() {
                    r.join().expect("the restart thread").expect("restart");
                }
                let server = server.clone();
                restart = Some(std::thread::spawn(move || server.restart()));
                restarted += 1;
            }
            let msg = PublishMessage::new(i.to_string()).msg_id(format!("soak-{i}"));
            match js.send_publish_async("soak", msg) {
                Ok(ack) => acks.push((i, ack)),
                Err(e) => {
                    assert_lost_to_the_restart(&e);
                    failed.push(i);
                }
            }
        }
        for (i, ack) in acks {
            match ack.wait() {
                Ok(ack) => duplicates += usize::from(ack.duplicate),
                Err(e) => {
                    assert_lost_to_the_restart(&e);
                    failed.push(i);
                }
            }
        }
        if let Some(r) = restart.take() {
            r.join().expect("the restart thread").expect("restart");
        }
        failed_total += failed.len();
        failed.sort_unstable();
        todo = failed;
    }
    let elapsed = started.elapsed();
    assert!(elapsed < window, "the duplicate window covered the run");
    assert_eq!(restarted, restarts);
    let info = js.stream_info("SOAK").unwrap();
    eprintln!(
        "soak: {n} publishes, {restarts} restarts in {elapsed:?}: {rounds} rounds, \
         {failed_total} failed and sent again, {duplicates} of those already stored; \
         stream holds {} (last sequence {})",
        info.state.messages, info.state.last_seq
    );
    assert_eq!(info.state.messages, n as u64, "messages lost or duplicated");
    assert_eq!(info.state.last_seq, n as u64, "duplicates stored");
}

/// The ways a publish fails while its server restarts.
#[track_caller]
fn assert_lost_to_the_restart(e: &Error) {
    assert!(
        matches!(
            e,
            Error::Disconnected | Error::TimedOut(_) | Error::NoStreamResponse
        ),
        "{e:?}"
    );
}
