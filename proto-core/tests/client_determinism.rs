//! The same seed and inputs give the same outputs, byte for byte and instant
//! for instant; another seed changes the server order, the jitter and the
//! inbox names.

mod support;

use bytes::Bytes;
use natrs_core::client::TransportCommand;
use support::*;

const URLS: [&str; 4] = [
    "nats://127.0.0.1:4222",
    "nats://127.0.0.2:4222",
    "nats://127.0.0.3:4222",
    "nats://127.0.0.4:4222",
];

/// What one scripted session produced.
struct Run {
    log: Vec<String>,
    /// Every server connected to, in order.
    connects: Vec<String>,
    /// When the pass after the failed one started.
    retry_at: natrs_core::Instant,
    /// The request's reply subject.
    reply: String,
}

fn session(seed: u64) -> Run {
    let mut sim = Sim::with_seed(config(&URLS), seed);
    let mut connects = Vec::new();
    connects.push(sim.expect_connect().to_string());
    sim.tcp_up();
    sim.server(info_line(
        r#"{"server_id":"S","proto":1,"max_payload":1048576,"headers":true,"connect_urls":["127.0.0.5:4222","127.0.0.6:4222","127.0.0.7:4222"]}"#,
    ));
    sim.server("PONG\r\n");
    let sid = sim.run(|c, _| c.subscribe("s.>", None)).unwrap();
    let id = sim
        .run(|c, now| c.request(now, "svc", None, Bytes::from_static(b"q"), 5 * SEC))
        .unwrap();
    let sent = sim.sent();
    let reply = sent
        .lines()
        .find(|l| l.starts_with("PUB svc "))
        .and_then(|l| l.split(' ').nth(2))
        .unwrap()
        .to_string();
    sim.advance(3 * MS);
    sim.server(msg(&reply, 2, None, "answer") + &msg("s.x", sid.0, None, "m"));
    assert!(
        sim.events()
            .iter()
            .any(|e| matches!(e, natrs_core::Event::Reply { id: r, .. } if *r == id))
    );
    // Longer than a reconnect wait: the pass tries every server at once.
    sim.advance(3 * SEC);
    sim.eof();
    // Every server of the pass refuses.
    loop {
        match sim.commands().as_slice() {
            [TransportCommand::Connect { server }] => {
                connects.push(server.to_string());
                sim.advance(5 * MS);
                sim.refused();
            }
            [] => break,
            other => panic!("{other:?}"),
        }
    }
    let retry_at = sim.client.poll_timeout().unwrap();
    sim.advance_to(retry_at);
    let server = sim.expect_connect();
    connects.push(server.to_string());
    sim.handshake(INFO);
    sim.run(|c, now| c.flush(now)).unwrap();
    sim.advance(7 * MS);
    sim.server("PONG\r\n");
    sim.run(|c, now| c.drain(now)).unwrap();
    sim.server("PONG\r\n");
    sim.server("PONG\r\n");
    assert!(sim.saw_closed());
    Run {
        log: sim.log.clone(),
        connects,
        retry_at,
        reply,
    }
}

#[test]
fn same_seed_same_outputs() {
    for seed in [0, 1, 2, 0xdead_beef] {
        let a = session(seed);
        let b = session(seed);
        assert_eq!(a.log, b.log, "seed {seed}:\n{}", dump(&a.log));
        assert!(a.log.len() > 40, "the session did something");
    }
}

#[test]
fn another_seed_changes_order_jitter_and_inboxes() {
    let a = session(1);
    let b = session(2);
    assert_ne!(a.log, b.log);
    assert_ne!(a.connects, b.connects, "server order");
    assert_ne!(a.retry_at, b.retry_at, "jitter");
    assert_ne!(a.reply, b.reply, "inbox");
    // Whatever the seed, a pass tries every server once: the 4 configured
    // ones and the 3 discovered ones.
    for run in [&a, &b] {
        let mut pass: Vec<&String> = run.connects[1..8].iter().collect();
        pass.sort();
        pass.dedup();
        assert_eq!(pass.len(), 7, "{:?}", run.connects);
        // The wait after the failed pass is reconnect_wait plus at most 100 ms.
        let pass_end = 3_003 + 7 * 5; // ms: disconnect at 3.003 s, 7 refusals 5 ms apart
        assert!(run.retry_at >= at_ms(pass_end + 2_000));
        assert!(run.retry_at <= at_ms(pass_end + 2_100));
    }
}
