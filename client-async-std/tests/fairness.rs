//! Publishing takes part in the executor's fairness: with the driver and a
//! task that publishes in a loop that never waits on one single-threaded
//! executor, the driver still runs, so the server's PINGs are answered and
//! messages keep arriving. (The natrs-tests suite checks the same on
//! async-global-executor's threads, for every runtime.)

use natrs_async_std::{AsyncIoRuntime, ConnectOptions};
use natrs_tests::{FakeServer, PingProbe, PongTiming, Script, wait_for};
use smol::Executor;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

/// PINGs the fake server sends during the flood.
const PINGS: usize = 100;
/// What the 99th percentile of the answers' delays must stay under.
const P99_LIMIT: Duration = Duration::from_millis(100);

#[test]
fn a_publishing_task_leaves_the_driver_its_turn_on_one_thread() {
    let fake = FakeServer::start(vec![
        Script::new()
            .step_timeout(Duration::from_secs(10))
            .handshake(&Script::default_info())
            .expect_line("SUB in 1")
            .ping_probe(PingProbe::new(PINGS).send_with_each("MSG in 1 4\r\nping\r\n")),
    ])
    .unwrap();

    // One thread runs the executor: the driver and the flood share it.
    let executor = Arc::new(Executor::new());
    let (stop_executor, stopped) = smol::channel::bounded::<()>(1);
    let runner = {
        let executor = executor.clone();
        std::thread::spawn(move || smol::block_on(executor.run(stopped.recv())))
    };
    let runtime = {
        let executor = executor.clone();
        AsyncIoRuntime::with_spawner(move |driver| executor.spawn(driver).detach())
    };
    let url = fake.url();
    let (client, sub) = smol::block_on(async {
        let client = natrs_async_std::connect_with_runtime(runtime, url, ConnectOptions::new())
            .await
            .expect("connect");
        let sub = client.subscribe("in").await.unwrap();
        (client, sub)
    });

    let stop = Arc::new(AtomicBool::new(false));
    let published = Arc::new(AtomicU64::new(0));
    let flood = {
        let (client, stop, published) = (client.clone(), stop.clone(), published.clone());
        executor.spawn(async move {
            let payload = [b'x'; 16];
            while !stop.load(Ordering::Relaxed) {
                client.publish("flood", &payload[..]).await.unwrap();
                published.fetch_add(1, Ordering::Relaxed);
            }
        })
    };

    let over = |pongs: &[PongTiming]| pongs.iter().filter(|p| p.delay >= P99_LIMIT).count();
    let mut pongs = Vec::new();
    let mut failed = None;
    wait_for("the answers to every PING", Duration::from_secs(60), || {
        let report = fake.snapshot(0).unwrap_or_default();
        if let Some(Err(why)) = &report.outcome {
            failed = Some(why.clone());
            return true;
        }
        pongs = report.pongs;
        pongs.len() >= PINGS || over(&pongs) >= 2
    });
    // Stopping the flood needs no turn of the executor's thread.
    stop.store(true, Ordering::Relaxed);
    smol::block_on(flood);
    if let Some(why) = failed {
        panic!("the fake server's script failed: {why}");
    }
    let delivered = (0..pongs.len())
        .filter(|_| sub.try_next().is_some())
        .count();
    let mut delays: Vec<Duration> = pongs.iter().map(|p| p.delay).collect();
    delays.sort();
    let p99 = delays[(delays.len() * 99).div_ceil(100) - 1];
    eprintln!(
        "{} PONGs: median {:?}, p99 {p99:?}; {} messages published",
        delays.len(),
        delays[delays.len() / 2],
        published.load(Ordering::Relaxed)
    );
    assert!(
        over(&pongs) < 2 && pongs.len() == PINGS,
        "PONGs were held back: p99 {p99:?} over {} answers",
        pongs.len()
    );
    assert_eq!(delivered, PINGS, "every message reached the subscriber");
    smol::block_on(client.close());
    let _ = stop_executor.try_send(());
    let _ = runner.join().unwrap();
    fake.assert_script_ok(0, Duration::from_secs(10));
}
