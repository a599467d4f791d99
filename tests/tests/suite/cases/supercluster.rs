//! Superclusters: requests, replies and queue groups cross the gateway
//! between two clusters, and a client that knows both clusters fails over
//! to the other one when every node of its own dies.

use crate::support::*;
use natrs_client::{ClientEvent, Request, RequestError};
use natrs_tests::Supercluster;
use std::time::{Duration, Instant};

/// Requests `subject` until one is answered (interest takes a moment to
/// cross a gateway); returns the reply's payload. A request refused with no
/// responders reached nobody, so the responders' counts stay exact.
#[track_caller]
fn first_reply<C: SuiteClient>(client: &C, subject: &str) -> String {
    let deadline = Instant::now() + WAIT;
    loop {
        match client.send_request(subject, Request::new(b("probe"))) {
            Ok(m) => return String::from_utf8_lossy(&m.payload).into_owned(),
            Err(RequestError::NoResponders) => {}
            Err(e) => panic!("request to {subject}: {e}"),
        }
        assert!(Instant::now() < deadline, "no reply on {subject:?}");
    }
}

/// A responder on `client` that answers every request on `subject` (in
/// queue group `queue`, when given) with `name`; the thread returns how
/// many it answered once the subscription ends.
fn responder<C: SuiteClient>(
    client: &C,
    subject: &str,
    queue: Option<&str>,
    name: &'static str,
) -> std::thread::JoinHandle<usize> {
    let sub = match queue {
        Some(q) => client.queue_subscribe(subject, q),
        None => client.subscribe(subject),
    }
    .unwrap();
    client.flush().unwrap();
    serve(client, sub, move |c, m| reply(c, m, b(name)))
}

pub fn requests_and_queue_groups_cross_the_gateway<C: SuiteClient>() {
    let sc = Supercluster::builder()
        .sizes(&[1, 1])
        .jetstream(false)
        .start()
        .unwrap();
    let (c1, c2) = (sc.cluster(0).node(0).url(), sc.cluster(1).node(0).url());
    let requester: C = connect(&c1);

    // A service in c2 answers requests made in c1, and the replies find
    // their way back.
    let service: C = connect(&c2);
    let echo = service.subscribe("echo").unwrap();
    service.flush().unwrap();
    let echoing = serve(&service, echo, |c, m| reply(c, m, m.payload.clone()));
    first_reply(&requester, "echo");
    for i in 0..50 {
        let m = requester.request("echo", b(&i.to_string())).unwrap();
        assert_eq!(m.payload, i.to_string());
    }
    service.close();
    assert!(echoing.join().unwrap() >= 50);

    // A queue group with members in both clusters: a request made in c1
    // goes to the member in c1 ...
    let local: C = connect(&c1);
    let (remote_a, remote_b): (C, C) = (connect(&c2), connect(&c2));
    let local_worker = responder(&local, "work", Some("workers"), "c1");
    let worker_a = responder(&remote_a, "work", Some("workers"), "c2-a");
    let worker_b = responder(&remote_b, "work", Some("workers"), "c2-b");
    let mut answered_in_c1 = 0;
    let mut answered_in_c2 = 0;
    let first = first_reply(&requester, "work");
    match first.as_str() {
        "c1" => answered_in_c1 += 1,
        _ => answered_in_c2 += 1,
    }
    // (The first probe may go out before c1's server has the local member.)
    for _ in 0..30 {
        let m = requester.request("work", b("job")).unwrap();
        assert_eq!(
            m.payload, "c1",
            "the member in the requester's cluster first"
        );
        answered_in_c1 += 1;
    }
    // ... and once it leaves (drained: its server processed the
    // unsubscription), across the gateway to the members in c2, each
    // request to exactly one of them.
    local.drain().unwrap();
    assert_eq!(local_worker.join().unwrap(), answered_in_c1);
    let mut by = std::collections::BTreeMap::new();
    let first = first_reply(&requester, "work");
    *by.entry(first).or_insert(0) += 1;
    for _ in 0..40 {
        let m = requester.request("work", b("job")).unwrap();
        *by.entry(String::from_utf8_lossy(&m.payload).into_owned())
            .or_insert(0) += 1;
    }
    assert_eq!(by.keys().collect::<Vec<_>>(), ["c2-a", "c2-b"], "{by:?}");
    answered_in_c2 += by.values().sum::<usize>();
    remote_a.close();
    remote_b.close();
    let handled = worker_a.join().unwrap() + worker_b.join().unwrap();
    assert_eq!(handled, answered_in_c2, "each request handled once");
}

pub fn failover_to_the_other_cluster<C: SuiteClient>() {
    let sc = Supercluster::builder()
        .sizes(&[2, 2])
        .jetstream(false)
        .start()
        .unwrap();
    let c2_ports: Vec<u16> = sc.cluster(1).nodes().iter().map(|n| n.port()).collect();
    // The client knows both clusters and starts in c1.
    let log = EventLog::new();
    let client: C = connect_with(
        &sc.urls().join(","),
        log.attach(fast_reconnect().retain_servers_order()),
    );
    assert_eq!(
        client.connected_server().map(|s| s.port()),
        Some(sc.cluster(0).node(0).port())
    );
    let mut sub = client.subscribe("news").unwrap();
    let mut queued = client.queue_subscribe("tasks", "q").unwrap();
    client.flush().unwrap();
    let publisher: C = connect(&sc.cluster(1).node(1).url());
    let service: C = connect(&sc.cluster(1).node(0).url());
    let svc = service.subscribe("svc").unwrap();
    service.flush().unwrap();
    let serving = serve(&service, svc, |c, m| reply(c, m, b("served")));
    // Before: messages from c2 reach the client in c1.
    probe_both(&publisher, &mut sub, &mut queued);

    // Every node of c1 dies: the client moves to c2.
    for node in sc.cluster(0).nodes() {
        node.kill().unwrap();
    }
    let (_, back) = log.wait(
        "Reconnected to c2",
        |e| matches!(e, ClientEvent::Reconnected { server } if c2_ports.contains(&server.port())),
    );
    let ClientEvent::Reconnected { server: at } = back else {
        unreachable!()
    };
    assert_eq!(client.connected_server().map(|s| s.port()), Some(at.port()));
    // Its subscriptions keep receiving, and requests are answered.
    probe_both(&publisher, &mut sub, &mut queued);
    for i in 0..100 {
        publisher.publish("news", b(&i.to_string())).unwrap();
        publisher.publish("tasks", b(&i.to_string())).unwrap();
    }
    publisher.flush().unwrap();
    let expected: Vec<String> = (0..100).map(|i| i.to_string()).collect();
    assert_eq!(payloads(&take(&mut sub, 100)), expected);
    assert_eq!(payloads(&take(&mut queued, 100)), expected);
    assert_eq!(client.request("svc", b("x")).unwrap().payload, "served");
    service.close();
    serving.join().unwrap();
}

/// Publishes probes to `news` and `tasks` until both subscriptions got one,
/// then drains what is left of them (interest crosses a gateway and a
/// cluster after a (re)subscription in its own time).
#[track_caller]
fn probe_both<C: SuiteClient>(publisher: &C, sub: &mut C::Subscriber, queued: &mut C::Subscriber) {
    let deadline = Instant::now() + WAIT;
    let (mut news, mut tasks) = (false, false);
    while !(news && tasks) {
        assert!(
            Instant::now() < deadline,
            "probes: news {news}, tasks {tasks}"
        );
        publisher.publish("news", b("probe")).unwrap();
        publisher.publish("tasks", b("probe")).unwrap();
        publisher.flush().unwrap();
        news |= sub.next_timeout(Duration::from_millis(50)).is_some();
        tasks |= queued.next_timeout(Duration::from_millis(50)).is_some();
    }
    publisher.publish("news", b("last probe")).unwrap();
    publisher.publish("tasks", b("last probe")).unwrap();
    for s in [sub, queued] {
        while s.next_timeout(WAIT).expect("the last probe").payload != "last probe" {}
    }
}
