//! A replicated stream on a 3-node cluster: its leader is killed while
//! publishing; every message ends up stored exactly once.

mod common;

use common::*;
use futures_util::StreamExt;
use natrs_jetstream::api::stream::StreamConfig;
use natrs_jetstream::publish::PublishMessage;
use natrs_jetstream::state::ordered::OrderedOptions;
use natrs_jetstream::{Error, JetStream, JetStreamOptions};
use natrs_tests::Cluster;
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r3_stream_survives_losing_its_leader() {
    let cluster = Arc::new(Cluster::start(3).expect("start a 3-node cluster"));
    cluster.wait_formed().unwrap();
    let client = connect(&cluster.urls().join(",")).await;
    let js = JetStream::with_options(
        client.clone(),
        JetStreamOptions::new()
            .timeout(Duration::from_secs(2))
            .publish_retry(Duration::from_millis(250), 20),
    );
    let config = StreamConfig::new("R3").subjects(["r3.>"]).replicas(3);
    // The meta leader may still be settling: retry until the stream exists.
    eventually(30, "the R3 stream to be created", || async {
        js.create_stream(config.clone()).await.is_ok()
    })
    .await;
    const N: usize = 1500;
    let mut killed = None;
    let mut retries = 0usize;
    for i in 0..N {
        if i == N / 3 {
            let info = js.stream_info("R3").await.unwrap();
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
            let c = cluster.clone();
            tokio::task::spawn_blocking(move || c.node(index).kill())
                .await
                .unwrap()
                .unwrap();
            killed = Some(index);
        }
        // Each message goes out with its id until it is acknowledged.
        loop {
            let msg = PublishMessage::new(format!("{i}")).msg_id(format!("id-{i}"));
            match within(60, "a publish", js.send_publish("r3.x", msg)).await {
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
    assert!(killed.is_some());
    eprintln!("{N} messages published, {retries} publishes failed and were retried");
    // Every message once, in the order published.
    eventually(30, "the stream to report every message", || async {
        js.stream_info("R3")
            .await
            .is_ok_and(|i| i.state.messages == N as u64)
    })
    .await;
    let info = js.stream_info("R3").await.unwrap();
    assert_eq!(info.state.last_seq, N as u64, "no duplicates were stored");
    let ordered = js
        .ordered_consumer("R3", OrderedOptions::default())
        .unwrap();
    let mut msgs = ordered.messages().await.unwrap();
    let mut seen = BTreeSet::new();
    for expect in 0..N {
        let m = within(30, "the stored messages", msgs.next())
            .await
            .unwrap()
            .unwrap();
        let i: usize = std::str::from_utf8(m.payload()).unwrap().parse().unwrap();
        assert_eq!(i, expect);
        assert!(seen.insert(i));
    }
}
