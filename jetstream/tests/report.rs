//! Stream and consumer reports against real servers: more streams and
//! consumers than one API page, a 3-node cluster for leaders, replicas and
//! whether they are current, and a mirror and a source for their state.

mod common;

use common::*;
use futures_util::StreamExt;
use natrs_jetstream::api::consumer::ConsumerConfig;
use natrs_jetstream::api::stream::{Source, StorageType, StreamConfig};
use natrs_jetstream::report::StreamReport;
use natrs_jetstream::{JetStream, JetStreamOptions};
use natrs_tests::Cluster;
use std::time::Duration;

#[tokio::test]
async fn reports_page_past_one_list_page() {
    let server = server();
    let (_client, js) = jetstream(&server).await;
    // STREAM.LIST and CONSUMER.LIST pages hold 256 infos.
    const N: usize = 300;
    for i in 0..N {
        js.create_stream(
            StreamConfig::new(format!("R{i:03}"))
                .subjects([format!("r.{i}")])
                .storage(StorageType::Memory),
        )
        .await
        .unwrap();
    }
    for i in 0..3 {
        js.publish("r.7", format!("m{i}")).await.unwrap();
    }
    for i in 0..N {
        js.create_consumer("R007", ConsumerConfig::durable_pull(format!("C{i:03}")))
            .await
            .unwrap();
    }
    let mut report = js.stream_report(None);
    let first = within(10, "the first row", report.next())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(report.pages_requested(), 1);
    let mut rows: Vec<StreamReport> = within(30, "the report", report.all()).await.unwrap();
    rows.push(first);
    assert_eq!(rows.len(), N);
    let r7 = rows.iter().find(|r| r.name == "R007").unwrap();
    assert_eq!((r7.messages, r7.consumers), (3, N));
    assert_eq!(r7.subjects, ["r.7"]);
    assert!(r7.cluster.is_none() || r7.cluster.as_ref().unwrap().replicas.is_empty());
    let consumers = within(30, "the consumer report", js.consumer_report("R007").all())
        .await
        .unwrap();
    assert_eq!(consumers.len(), N);
    assert!(
        consumers
            .iter()
            .all(|c| c.unprocessed == 3 && c.durable && !c.push)
    );
}

#[tokio::test]
async fn mirror_and_source_state() {
    let server = server();
    let (_client, js) = jetstream(&server).await;
    js.create_stream(StreamConfig::new("ORIGIN").subjects(["o.>"]))
        .await
        .unwrap();
    for i in 0..20 {
        js.publish("o.x", format!("{i}")).await.unwrap();
    }
    let mut mirror = StreamConfig::new("M");
    mirror.mirror = Some(Source {
        name: "ORIGIN".into(),
        ..Source::default()
    });
    js.create_stream(mirror).await.unwrap();
    let mut sourced = StreamConfig::new("SRC").subjects(["src"]);
    sourced.sources = vec![Source {
        name: "ORIGIN".into(),
        ..Source::default()
    }];
    js.create_stream(sourced).await.unwrap();
    eventually(20, "the mirror and the source to catch up", || async {
        let rows = js.stream_report(None).all().await.unwrap();
        let m = rows.iter().find(|r| r.name == "M").unwrap();
        let s = rows.iter().find(|r| r.name == "SRC").unwrap();
        let mirror = m.mirror.as_ref().expect("a mirror row");
        assert_eq!(mirror.name, "ORIGIN");
        assert_eq!(s.sources.len(), 1);
        assert_eq!(s.sources[0].name, "ORIGIN");
        m.messages == 20
            && s.messages == 20
            && mirror.lag == 0
            && mirror.active.is_some()
            && s.sources[0].lag == 0
    })
    .await;
}

#[tokio::test]
async fn cluster_report_shows_leader_and_replicas() {
    let cluster = Cluster::start(3).expect("start a 3-node cluster");
    let client = connect(&cluster.urls().join(",")).await;
    let js = JetStream::with_options(
        client,
        JetStreamOptions::new().timeout(Duration::from_secs(5)),
    );
    let config = StreamConfig::new("R3").subjects(["r3.>"]).replicas(3);
    eventually(30, "the R3 stream to be created", || async {
        js.create_stream(config.clone()).await.is_ok()
    })
    .await;
    for i in 0..10 {
        js.publish("r3.a", format!("{i}")).await.unwrap();
    }
    js.create_consumer("R3", ConsumerConfig::durable_pull("D"))
        .await
        .unwrap();
    eventually(30, "every replica current", || async {
        let rows = js.stream_report(None).all().await.unwrap();
        let Some(group) = rows[0].cluster.clone() else {
            return false;
        };
        rows[0].messages == 10 && group.replicas.len() == 2 && group.is_healthy()
    })
    .await;
    let row = js.stream_report(None).all().await.unwrap().remove(0);
    let group = row.cluster.unwrap();
    let leader = group.leader.clone().unwrap();
    let names: Vec<&str> = cluster
        .nodes()
        .iter()
        .map(|n| n.server_name().unwrap_or_default())
        .collect();
    assert!(names.contains(&leader.as_str()), "{leader} in {names:?}");
    assert!(
        group
            .replicas
            .iter()
            .all(|r| r.name != leader && r.lag == 0)
    );
    let consumers = js.consumer_report("R3").all().await.unwrap();
    assert_eq!(consumers.len(), 1);
    assert!(consumers[0].cluster.as_ref().unwrap().leader.is_some());
    assert_eq!(consumers[0].unprocessed, 10);

    // A replica that goes away is reported as not current (or offline).
    let follower = group.replicas[0].name.clone();
    let index = names.iter().position(|n| *n == follower).unwrap();
    cluster.node(index).kill().unwrap();
    eventually(60, "the lost replica to show", || async {
        let Ok(rows) = js.stream_report(None).all().await else {
            return false;
        };
        let Some(group) = rows[0].cluster.clone() else {
            return false;
        };
        !group.is_healthy()
            && group
                .replicas
                .iter()
                .any(|r| r.name == follower && (r.offline || !r.current))
    })
    .await;
}
