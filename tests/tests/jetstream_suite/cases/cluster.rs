//! A replicated stream on a 3-node cluster: its leader is killed while
//! publishing; every message ends up stored exactly once.

use crate::support::*;
use natrs_jetstream::api::stream::StreamConfig;
use natrs_jetstream::consumer::OrderedOptions;
use natrs_jetstream::publish::PublishMessage;
use natrs_jetstream::{Error, JetStreamOptions};
use natrs_tests::Cluster;
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

pub fn r3_stream_survives_losing_its_leader<J: SuiteJs>() {
    let cluster = Cluster::start(3).expect("start a 3-node cluster");
    let plain: J = connect(&cluster.urls().join(","));
    let js = plain.with_options(
        JetStreamOptions::new()
            .timeout(Duration::from_secs(2))
            .publish_retry(Duration::from_millis(250), 20),
    );
    let config = StreamConfig::new("R3").subjects(["r3.>"]).replicas(3);
    // The meta leader may still be settling: retry until the stream exists.
    eventually(
        "the R3 stream to be created",
        Duration::from_secs(30),
        || js.create_stream(config.clone()).is_ok(),
    );
    const N: usize = 600;
    let mut killed = false;
    let mut retries = 0usize;
    for i in 0..N {
        if i == N / 3 {
            let info = js.stream_info("R3").unwrap();
            assert_eq!(info.config.num_replicas, 3);
            let leader = info
                .cluster
                .and_then(|c| c.leader)
                .expect("a stream leader");
            let index = cluster
                .nodes()
                .iter()
                .position(|n| n.server_name() == Some(leader.as_str()))
                .expect("the leader is a node");
            cluster.node(index).kill().expect("kill the leader");
            killed = true;
        }
        // Each message goes out with its id until it is acknowledged.
        loop {
            let msg = PublishMessage::new(i.to_string()).msg_id(format!("id-{i}"));
            match js.send_publish("r3.x", msg) {
                Ok(ack) => {
                    assert_eq!(ack.stream, "R3");
                    break;
                }
                Err(e) => {
                    assert!(
                        matches!(
                            e,
                            Error::TimedOut(_)
                                | Error::NoStreamResponse
                                | Error::Disconnected
                                | Error::Api(_)
                        ),
                        "{e:?}"
                    );
                    retries += 1;
                    assert!(retries < 200, "too many failed publishes: {e:?}");
                }
            }
        }
    }
    assert!(killed);
    eprintln!("{N} messages published, {retries} publishes failed and were retried");
    // Every message once, in the order published.
    eventually(
        "the stream to report every message",
        Duration::from_secs(30),
        || {
            js.stream_info("R3")
                .is_ok_and(|i| i.state.messages == N as u64)
        },
    );
    let info = js.stream_info("R3").unwrap();
    assert_eq!(info.state.last_seq, N as u64, "no duplicates were stored");
    // The killed node may have been the meta leader too: until the others
    // elect one (seconds, with three clusters sharing two cores in the
    // suite) consumers cannot be created and the requests go unanswered.
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut msgs = loop {
        match plain.ordered("R3", OrderedOptions::default(), None) {
            Ok(msgs) => break msgs,
            Err(e @ (Error::TimedOut(_) | Error::Api(_))) if Instant::now() < deadline => {
                eprintln!("creating the ordered consumer: {e:?}; again");
            }
            Err(e) => panic!("creating the ordered consumer: {e:?}"),
        }
    };
    let mut seen = BTreeSet::new();
    for expect in 0..N {
        let m = msgs
            .item_within(Duration::from_secs(30), "the stored messages")
            .expect("an item")
            .unwrap();
        assert_eq!(m.index(), expect);
        assert!(seen.insert(m.index()));
    }
}
