//! Keep-alives under load: a task publishing in a tight loop must not hold
//! back the client's reading, so the server's PINGs are answered and
//! messages keep arriving while it publishes.

use crate::support::*;
use natrs_tests::{FakeServer, PingProbe, PongTiming, Script, wait_for};
use std::sync::Mutex;
use std::time::Duration;

/// Held by the case while it floods: a flood keeps a CPU busy, and the
/// fake server reading it another, so the runtimes' instances of the case
/// run one at a time (the other cases, which mostly wait, still run
/// alongside) and each measures its client rather than the others' floods.
static FLOODING: Mutex<()> = Mutex::new(());

/// PINGs the fake server sends during the flood.
const PINGS: usize = 100;
/// What the 99th percentile of the answers' delays must stay under.
const P99_LIMIT: Duration = Duration::from_millis(100);

/// A scripted server that reads as fast as the client writes sends a PING
/// (after a message for the client's subscription) every few milliseconds
/// while a task publishes 16-byte messages in a loop that waits for nothing
/// else: the PONGs come back within [`P99_LIMIT`] at the 99th percentile,
/// every message reaches the subscriber while the flood goes on, and the
/// flood keeps going through the probe.
pub fn pings_are_answered_during_a_publish_flood<C: SuiteClient>() {
    let _one_flood_at_a_time = FLOODING.lock().unwrap_or_else(|p| p.into_inner());
    let fake = FakeServer::start(vec![
        Script::new()
            .step_timeout(WAIT)
            .handshake(&Script::default_info())
            .expect_line("SUB in 1")
            .ping_probe(PingProbe::new(PINGS).send_with_each("MSG in 1 4\r\nping\r\n")),
    ])
    .unwrap();
    let client: C = connect(&fake.url());
    let mut sub = client.subscribe("in").unwrap();
    assert_eq!(sub.sid(), 1, "the script sends its messages to sid 1");
    // Lowercase only: the fake server takes any "PONG" in the stream for one.
    let flood = client.start_flood("flood", Bytes::from_static(&[b'x'; 16]));

    // Two answers over the limit already fail the 99th percentile of 100:
    // stop there rather than wait for every one.
    let over = |pongs: &[PongTiming]| pongs.iter().filter(|p| p.delay >= P99_LIMIT).count();
    let mut pongs = Vec::new();
    wait_for("the answers to every PING", GUARD, || {
        let report = fake.snapshot(0).unwrap_or_default();
        if let Some(Err(why)) = &report.outcome {
            panic!("the fake server's script failed: {why}");
        }
        pongs = report.pongs;
        pongs.len() >= PINGS || over(&pongs) >= 2
    });

    // Each message came just before its PING, so every answered PING's
    // message is in the subscriber's queue, flood or not.
    let delivered = (0..pongs.len())
        .filter(|_| sub.try_next().is_some())
        .count();
    let published = flood.stop().unwrap();

    let mut delays: Vec<Duration> = pongs.iter().map(|p| p.delay).collect();
    delays.sort();
    let p99 = delays[(delays.len() * 99).div_ceil(100) - 1];
    let most_behind = pongs.iter().map(|p| p.bytes_before).max().unwrap_or(0);
    eprintln!(
        "{} PONGs: median {:?}, p99 {p99:?}, max {:?}; at most {most_behind} bytes came \
         between a PING and its PONG; {published} messages published",
        delays.len(),
        delays[delays.len() / 2],
        delays[delays.len() - 1],
    );
    assert!(
        over(&pongs) < 2 && pongs.len() == PINGS,
        "PONGs were held back: p99 {p99:?} (limit {P99_LIMIT:?}) over {} answers, \
         at most {most_behind} bytes published between a PING and its PONG",
        pongs.len()
    );
    assert_eq!(
        delivered, PINGS,
        "every message sent with a PING reached the subscriber during the flood"
    );
    let flooded = pongs[PINGS - 1].offset - pongs[0].offset;
    assert!(
        flooded > 1024 * 1024,
        "the flood went on through the probe: {flooded} bytes between the first and last PONG"
    );
    client.close();
    fake.assert_script_ok(0, WAIT);
}
