//! A replicated stream placed in one cluster of a supercluster by its tag;
//! its leader is killed in the middle of a run of publishes with message
//! ids, and the library's own publish retry carries every publish through
//! the election: each stored exactly once.

use crate::support::*;
use natrs_jetstream::JetStreamOptions;
use natrs_jetstream::api::stream::{Placement, StreamConfig};
use natrs_jetstream::publish::PublishMessage;
use natrs_tests::{Server, Supercluster};
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

/// Whether `server`'s `/routez` lists a route to the server named `name`.
fn routes_to(server: &Server, name: &str) -> bool {
    let routez = server.monitor_json("/routez").expect("GET /routez");
    routez["routes"]
        .as_array()
        .is_some_and(|routes| routes.iter().any(|r| r["remote_name"] == name))
}

pub fn r3_stream_placed_by_tag_rides_out_losing_its_leader<J: SuiteJs>() {
    let sc = Supercluster::start(&[3, 3]).expect("start a supercluster");
    // The stream is made from the other cluster, through the gateway.
    let admin: J = connect(&sc.cluster(1).urls().join(","));
    let config = StreamConfig {
        placement: Some(Placement {
            tags: vec!["cluster:c1".to_owned()],
            ..Placement::default()
        }),
        ..StreamConfig::new("PLACED")
            .subjects(["placed.>"])
            .replicas(3)
    };
    let info = admin
        .create_stream(config)
        .expect("create the stream")
        .cached_info();
    let placed = info.cluster.clone().expect("cluster info");
    assert_eq!(placed.name.as_deref(), Some("c1"), "{placed:?}");
    let leader = placed.leader.clone().expect("a stream leader");
    let mut replicas: BTreeSet<String> = placed.replicas.iter().map(|p| p.name.clone()).collect();
    replicas.insert(leader.clone());
    assert_eq!(
        replicas,
        BTreeSet::from(["c1-n1", "c1-n2", "c1-n3"].map(str::to_owned)),
        "every replica in c1"
    );

    // The publisher is a client of a follower in c1, so that killing the
    // leader does not drop its connection, and its server knows exactly when
    // nobody serves the stream's subjects (no leader: a 503 at once).
    let home = sc
        .cluster(0)
        .nodes()
        .iter()
        .find(|n| n.server_name() != Some(leader.as_str()))
        .expect("a follower");
    let plain: J = connect(&home.url());
    // Retries as an application configures them to ride out an election
    // (the slowest publish took 4.3 to 8.4 s in six runs here); no retry loop of the test's own.
    let js = plain.with_options(
        JetStreamOptions::new()
            .timeout(Duration::from_secs(2))
            .publish_retry(Duration::from_millis(250), 120),
    );
    const N: usize = 300;
    let started = Instant::now();
    let mut killed_at = started;
    let mut slowest = Duration::ZERO;
    for i in 0..N {
        if i == N / 3 {
            sc.node_named(&leader)
                .expect("the leader is a node")
                .kill()
                .expect("kill the leader");
            killed_at = Instant::now();
            // Until the publisher's server notices that the route is gone,
            // a publish can still go down it and is lost without an
            // answer: it times out, which the library does not retry.
            natrs_tests::wait_for("the route to the killed leader to close", WAIT, || {
                !routes_to(home, &leader)
            });
        }
        let msg = PublishMessage::new(i.to_string()).msg_id(format!("id-{i}"));
        let one = Instant::now();
        let published = js.send_publish("placed.x", msg);
        slowest = slowest.max(one.elapsed());
        match published {
            Ok(ack) => assert_eq!(ack.stream, "PLACED"),
            Err(e) => panic!(
                "publish {i} failed {:?} after the leader was killed: {e:?}",
                killed_at.elapsed()
            ),
        }
    }
    eprintln!(
        "{N} publishes in {:?}, the slowest took {slowest:?}",
        started.elapsed()
    );
    let info = js.stream_info("PLACED").unwrap();
    assert_eq!(info.state.messages, N as u64, "every message stored");
    assert_eq!(info.state.last_seq, N as u64, "no duplicates stored");
    let new_leader = info.cluster.and_then(|c| c.leader).expect("a new leader");
    assert_ne!(new_leader, leader);
    assert!(new_leader.starts_with("c1-"), "{new_leader}");
}
