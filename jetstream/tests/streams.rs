//! Streams against a real server: configuration, management, listing with
//! paging, purging, reading and deleting messages, direct get.

mod common;

use common::*;
use futures_util::StreamExt;
use natrs_jetstream::api::message::MessageGetRequest;
use natrs_jetstream::api::publish::{MessageTtl, PublishOptions};
use natrs_jetstream::api::stream::{
    Compression, ConsumerLimits, DiscardPolicy, PurgeRequest, Republish, RetentionPolicy, Source,
    StorageType, StreamConfig, StreamInfoRequest, SubjectTransform,
};
use natrs_jetstream::{Error, ErrorCode, JetStream};
use std::time::Duration;

async fn fill(js: &JetStream, subject: &str, n: usize) {
    for i in 0..n {
        js.publish(subject.to_string(), format!("{subject}-{i}"))
            .await
            .unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn account_info_and_api_level() {
    let server = server();
    let (_c, js) = jetstream(&server).await;
    let info = js.account_info().await.unwrap();
    // nats-server 2.15 implements API level 3 or later.
    assert!(info.api.level >= 3, "api level {}", info.api.level);
    assert_eq!(info.streams, 0);
    js.create_stream(StreamConfig::new("A").subjects(["a"]))
        .await
        .unwrap();
    let info = js.account_info().await.unwrap();
    assert_eq!(info.streams, 1);
    assert!(info.api.total >= 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_config_round_trips_through_the_server() {
    let server = server();
    let (_c, js) = jetstream(&server).await;
    let mut config = StreamConfig::new("FULL").subjects(["full.>"]);
    config.description = Some("every knob".into());
    config.retention = RetentionPolicy::Limits;
    config.max_consumers = 10;
    config.max_msgs = 1000;
    config.max_bytes = 1 << 20;
    config.max_age = Duration::from_secs(3600);
    config.max_msgs_per_subject = 5;
    config.max_msg_size = 4096;
    config.discard = DiscardPolicy::New;
    config.discard_new_per_subject = true;
    config.storage = StorageType::File;
    config.duplicate_window = Duration::from_secs(30);
    config.compression = Compression::S2;
    config.subject_transform = Some(SubjectTransform {
        source: "full.>".into(),
        destination: "stored.>".into(),
    });
    config.subjects = vec!["full.>".into(), "stored.>".into()];
    config.republish = Some(Republish {
        source: "stored.>".into(),
        destination: "repub.>".into(),
        headers_only: true,
    });
    config.allow_direct = true;
    config.allow_rollup = true;
    config.deny_delete = true;
    config.allow_msg_ttl = true;
    config.subject_delete_marker_ttl = Some(Duration::from_secs(60));
    config.consumer_limits = ConsumerLimits {
        inactive_threshold: Duration::from_secs(30),
        max_ack_pending: 100,
    };
    config.metadata.insert("owner".into(), "tests".into());
    let stream = js.create_stream(config.clone()).await.unwrap();
    let got = &stream.cached_info().config;
    assert_eq!(got.name, "FULL");
    assert_eq!(got.description.as_deref(), Some("every knob"));
    assert_eq!(got.max_consumers, 10);
    assert_eq!(got.max_msgs, 1000);
    assert_eq!(got.max_bytes, 1 << 20);
    assert_eq!(got.max_age, Duration::from_secs(3600));
    assert_eq!(got.max_msgs_per_subject, 5);
    assert_eq!(got.max_msg_size, 4096);
    assert_eq!(got.discard, DiscardPolicy::New);
    assert!(got.discard_new_per_subject);
    assert_eq!(got.duplicate_window, Duration::from_secs(30));
    assert_eq!(got.compression, Compression::S2);
    assert_eq!(got.subject_transform, config.subject_transform);
    assert_eq!(got.republish, config.republish);
    assert!(got.allow_direct && got.allow_rollup && got.deny_delete && !got.deny_purge);
    assert!(got.allow_msg_ttl);
    assert_eq!(got.subject_delete_marker_ttl, Some(Duration::from_secs(60)));
    assert_eq!(got.consumer_limits, config.consumer_limits);
    assert_eq!(got.metadata.get("owner").map(String::as_str), Some("tests"));

    // The transform and the republish work.
    let mut repub = _c.subscribe("repub.>").await.unwrap();
    _c.flush().await.unwrap();
    let ack = js.publish("full.x", "data").await.unwrap();
    let stored = stream.get_message(ack.sequence).await.unwrap();
    assert_eq!(stored.subject, "stored.x");
    let r = within(5, "the republished message", repub.next())
        .await
        .unwrap();
    assert_eq!(r.subject.as_str(), "repub.x");
    assert!(r.payload.is_empty(), "headers only");
    assert_eq!(r.header("Nats-Msg-Size"), Some("4"));
    // Deny delete.
    assert!(stream.delete_message(ack.sequence).await.is_err());
    // Deny purge (roll-ups need purges, so not on the same stream).
    let mut no_purge = StreamConfig::new("NOPURGE").subjects(["np"]);
    no_purge.deny_purge = true;
    let np = js.create_stream(no_purge).await.unwrap();
    assert!(np.cached_info().config.deny_purge);
    assert!(np.purge().await.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_update_get_delete() {
    let server = server();
    let (_c, js) = jetstream(&server).await;
    let config = StreamConfig::new("S").subjects(["s.>"]);
    js.create_stream(config.clone()).await.unwrap();
    // Same configuration again: fine.
    js.create_stream(config.clone()).await.unwrap();
    // A different configuration under the same name: 10058.
    let other = StreamConfig::new("S").subjects(["other"]);
    let e = js.create_stream(other).await.unwrap_err();
    assert!(e.is(ErrorCode::StreamNameInUse), "{e:?}");
    // Overlapping subjects: 10065.
    let e = js
        .create_stream(StreamConfig::new("T").subjects(["s.x"]))
        .await
        .unwrap_err();
    assert!(e.is(ErrorCode::SubjectOverlap), "{e:?}");
    // Update.
    let mut updated = config.clone();
    updated.max_msgs = 10;
    let info = js.update_stream(updated).await.unwrap();
    assert_eq!(info.config.max_msgs, 10);
    // Update of a missing stream: 10059.
    let e = js
        .update_stream(StreamConfig::new("MISSING"))
        .await
        .unwrap_err();
    assert!(e.is(ErrorCode::StreamNotFound), "{e:?}");
    // Create-or-update creates, then updates.
    let s = js
        .create_or_update_stream(StreamConfig::new("U").subjects(["u"]))
        .await
        .unwrap();
    assert_eq!(s.cached_info().config.max_msgs, -1);
    let mut u = StreamConfig::new("U").subjects(["u"]);
    u.max_msgs = 3;
    let s = js.create_or_update_stream(u).await.unwrap();
    assert_eq!(s.cached_info().config.max_msgs, 3);
    // Get and info.
    fill(&js, "s.a", 3).await;
    let mut s = js.get_stream("S").await.unwrap();
    assert_eq!(s.cached_info().state.messages, 3);
    fill(&js, "s.a", 2).await;
    assert_eq!(s.info().await.unwrap().state.messages, 5);
    assert!(
        js.get_stream("MISSING")
            .await
            .unwrap_err()
            .is(ErrorCode::StreamNotFound)
    );
    // Delete.
    assert!(js.delete_stream("S").await.unwrap());
    assert!(
        js.stream_info("S")
            .await
            .unwrap_err()
            .is(ErrorCode::StreamNotFound)
    );
    assert!(
        js.delete_stream("S")
            .await
            .unwrap_err()
            .is(ErrorCode::StreamNotFound)
    );
    // Bad names never reach the server.
    assert!(matches!(
        js.create_stream(StreamConfig::new("a.b")).await,
        Err(Error::InvalidArgument(_))
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sealed_streams_refuse_changes() {
    let server = server();
    let (_c, js) = jetstream(&server).await;
    let mut config = StreamConfig::new("SEAL").subjects(["seal"]);
    js.create_stream(config.clone()).await.unwrap();
    fill(&js, "seal", 2).await;
    config.sealed = true;
    let info = js.update_stream(config).await.unwrap();
    assert!(info.config.sealed);
    let stream = js.get_stream("SEAL").await.unwrap();
    let e = stream.delete_message(1).await.unwrap_err();
    assert!(e.is(ErrorCode::StreamSealed), "{e:?}");
    let e = stream.purge().await.unwrap_err();
    assert!(e.is(ErrorCode::StreamSealed), "{e:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn names_and_list_page_past_1024() {
    let server = server();
    let (_c, js) = jetstream(&server).await;
    const N: usize = 1100;
    for i in 0..N {
        js.create_stream(
            StreamConfig::new(format!("P{i:04}"))
                .subjects([format!("p.{i}")])
                .storage(StorageType::Memory),
        )
        .await
        .unwrap();
    }
    let mut names = js.stream_names(None).await.unwrap();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), N);
    assert_eq!(names[0], "P0000");
    assert_eq!(names[N - 1], format!("P{:04}", N - 1));
    let infos = js.streams(None).await.unwrap();
    assert_eq!(infos.len(), N);
    // Filtered by subject.
    assert_eq!(
        js.stream_names(Some("p.1099")).await.unwrap(),
        vec!["P1099".to_string()]
    );
    assert_eq!(js.stream_by_subject("p.7").await.unwrap(), "P0007");
    let e = js.stream_by_subject("nothing.here").await.unwrap_err();
    assert!(e.is(ErrorCode::StreamNotFound));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn info_with_subject_details() {
    let server = server();
    let (_c, js) = jetstream(&server).await;
    let stream = js
        .create_stream(StreamConfig::new("D").subjects(["d.>"]))
        .await
        .unwrap();
    fill(&js, "d.a", 3).await;
    fill(&js, "d.b", 1).await;
    fill(&js, "d.c.x", 2).await;
    let subjects = stream.subjects("d.>").await.unwrap();
    assert_eq!(subjects.len(), 3);
    assert_eq!(subjects["d.a"], 3);
    assert_eq!(subjects["d.c.x"], 2);
    let only = stream.subjects("d.c.>").await.unwrap();
    assert_eq!(only.len(), 1);
    stream.delete_message(2).await.unwrap();
    let r = stream
        .info_with(&StreamInfoRequest {
            deleted_details: true,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(r.info.state.deleted, vec![2]);
    assert_eq!(r.info.state.num_deleted, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn purges() {
    let server = server();
    let (_c, js) = jetstream(&server).await;
    let stream = js
        .create_stream(StreamConfig::new("PU").subjects(["pu.>"]))
        .await
        .unwrap();
    fill(&js, "pu.a", 5).await;
    fill(&js, "pu.b", 5).await;
    // By subject.
    let r = stream.purge_subject("pu.a").await.unwrap();
    assert!(r.success);
    assert_eq!(r.purged, 5);
    // Keep the newest 2.
    let r = stream
        .purge_with(&PurgeRequest {
            keep: Some(2),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(r.purged, 3);
    fill(&js, "pu.c", 4).await;
    // Up to (not including) a sequence: sequences 9..=10 of pu.b and 11..=14 of pu.c remain.
    let r = stream
        .purge_with(&PurgeRequest {
            sequence: Some(12),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(r.purged, 3);
    let mut s = stream.clone();
    assert_eq!(s.info().await.unwrap().state.first_seq, 12);
    // Everything.
    let r = stream.purge().await.unwrap();
    assert_eq!(r.purged, 3);
    assert_eq!(s.info().await.unwrap().state.messages, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_and_delete_messages() {
    let server = server();
    let (_c, js) = jetstream(&server).await;
    let stream = js
        .create_stream(StreamConfig::new("G").subjects(["g.>"]))
        .await
        .unwrap();
    let mut h = natrs_client::HeaderMap::new();
    h.insert("X-Trace", "t1");
    js.send_publish(
        "g.a",
        natrs_jetstream::publish::PublishMessage::new("first").headers(h),
    )
    .await
    .unwrap();
    js.publish("g.b", "second").await.unwrap();
    js.publish("g.a", "third").await.unwrap();
    let m = stream.get_message(1).await.unwrap();
    assert_eq!((m.subject.as_str(), m.sequence), ("g.a", 1));
    assert_eq!(m.payload, "first");
    assert_eq!(m.headers.get("X-Trace"), Some("t1"));
    assert!(m.time.is_some());
    let last = stream.get_last_message("g.a").await.unwrap();
    assert_eq!((last.sequence, &last.payload[..]), (3, &b"third"[..]));
    let next = stream.get_next_message("g.b", 1).await.unwrap();
    assert_eq!(next.sequence, 2);
    let wild = stream.get_next_message("g.*", 2).await.unwrap();
    assert_eq!(wild.sequence, 2);
    assert_eq!(
        stream.get_message(99).await.unwrap_err(),
        Error::MessageNotFound
    );
    assert!(stream.delete_message(2).await.unwrap());
    assert_eq!(
        stream.get_message(2).await.unwrap_err(),
        Error::MessageNotFound
    );
    assert!(stream.erase_message(1).await.unwrap());
    assert_eq!(
        stream.get_message(1).await.unwrap_err(),
        Error::MessageNotFound
    );
    let e = stream.delete_message(2).await.unwrap_err();
    assert!(matches!(e, Error::Api(_) | Error::MessageNotFound), "{e:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn direct_get() {
    let server = server();
    let (_c, js) = jetstream(&server).await;
    let mut config = StreamConfig::new("DG").subjects(["dg.>"]);
    config.allow_direct = true;
    let stream = js.create_stream(config).await.unwrap();
    for i in 0..10 {
        js.publish(format!("dg.{}", i % 3), format!("v{i}"))
            .await
            .unwrap();
    }
    // Single.
    let m = stream.direct_get(4).await.unwrap();
    assert_eq!((m.subject.as_str(), &m.payload[..]), ("dg.0", &b"v3"[..]));
    assert_eq!(m.headers.get("Nats-Stream"), Some("DG"));
    assert!(m.time.is_some());
    let last = stream.direct_get_last("dg.1").await.unwrap();
    assert_eq!((last.sequence, &last.payload[..]), (8, &b"v7"[..]));
    let next = stream.direct_get_next("dg.2", 4).await.unwrap();
    assert_eq!(next.sequence, 6);
    assert_eq!(
        stream.direct_get(99).await.unwrap_err(),
        Error::MessageNotFound
    );
    assert_eq!(
        stream.direct_get_last("dg.none").await.unwrap_err(),
        Error::MessageNotFound
    );
    // A batch ends on the 204 EOB.
    let mut batch = stream
        .direct_batch(MessageGetRequest::batch("dg.>", 3, 4), false)
        .unwrap();
    let mut seqs = Vec::new();
    while let Some(m) = within(5, "batch", batch.next()).await {
        seqs.push(m.unwrap().sequence);
    }
    assert_eq!(seqs, vec![3, 4, 5, 6]);
    let end = batch.end().unwrap();
    assert_eq!(end.last_sequence, 6);
    assert_eq!(end.num_pending, 4);
    // Paging through every batch.
    let mut all = stream
        .direct_batch(MessageGetRequest::batch("dg.0", 1, 2), true)
        .unwrap();
    let mut seqs = Vec::new();
    while let Some(m) = within(5, "pages", all.next()).await {
        seqs.push(m.unwrap().sequence);
    }
    assert_eq!(seqs, vec![1, 4, 7, 10]);
    // Multi-last: the last message of each subject.
    let mut multi = stream
        .direct_batch(
            MessageGetRequest::multi_last(["dg.0", "dg.1", "dg.2"]),
            false,
        )
        .unwrap();
    let mut got = Vec::new();
    while let Some(m) = within(5, "multi last", multi.next()).await {
        let m = m.unwrap();
        got.push((m.subject.clone(), m.sequence));
    }
    got.sort();
    assert_eq!(
        got,
        vec![("dg.0".into(), 10), ("dg.1".into(), 8), ("dg.2".into(), 9)]
    );
    // Multi-last paged two at a time, pinned to a sequence.
    let mut req = MessageGetRequest::multi_last(["dg.>"]);
    req.batch = Some(2);
    req.up_to_sequence = Some(8);
    let mut paged = stream.direct_batch(req, true).unwrap();
    let mut got = Vec::new();
    while let Some(m) = within(5, "multi last pages", paged.next()).await {
        got.push(m.unwrap().sequence);
    }
    got.sort();
    assert_eq!(got, vec![6, 7, 8]);
    // No direct get on a stream without allow_direct.
    let plain = js
        .create_stream(StreamConfig::new("ND").subjects(["nd"]))
        .await
        .unwrap();
    js.publish("nd", "x").await.unwrap();
    assert!(matches!(
        plain.direct_get(1).await,
        Err(Error::Status { code: 503, .. }) | Err(Error::TimedOut(_))
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mirrors_and_sources() {
    let server = server();
    let (_c, js) = jetstream(&server).await;
    js.create_stream(StreamConfig::new("ORIGIN").subjects(["o.>"]))
        .await
        .unwrap();
    fill(&js, "o.a", 3).await;
    let mut mirror = StreamConfig::new("MIRROR");
    mirror.mirror = Some(Source {
        name: "ORIGIN".into(),
        ..Default::default()
    });
    js.create_stream(mirror).await.unwrap();
    let mut sourced = StreamConfig::new("SOURCED").subjects(["own"]);
    sourced.sources = vec![Source {
        name: "ORIGIN".into(),
        filter_subject: "o.a".into(),
        ..Default::default()
    }];
    js.create_stream(sourced).await.unwrap();
    for name in ["MIRROR", "SOURCED"] {
        eventually(10, &format!("{name} to catch up"), || async {
            js.stream_info(name).await.unwrap().state.messages == 3
        })
        .await;
    }
    let info = js.stream_info("MIRROR").await.unwrap();
    assert_eq!(info.mirror.unwrap().name, "ORIGIN");
    let info = js.stream_info("SOURCED").await.unwrap();
    assert_eq!(info.sources[0].name, "ORIGIN");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn per_message_ttl() {
    let server = server();
    let (_c, js) = jetstream(&server).await;
    let mut config = StreamConfig::new("TTL").subjects(["ttl.>"]);
    config.allow_msg_ttl = true;
    let stream = js.create_stream(config).await.unwrap();
    let ack = js
        .publish_with_options(
            "ttl.a",
            "short",
            PublishOptions::new().ttl(MessageTtl::After(Duration::from_secs(1))),
        )
        .await
        .unwrap();
    js.publish_with_options(
        "ttl.b",
        "forever",
        PublishOptions::new().ttl(MessageTtl::Never),
    )
    .await
    .unwrap();
    assert_eq!(
        stream
            .get_message(ack.sequence)
            .await
            .unwrap()
            .headers
            .get("Nats-TTL"),
        Some("1s")
    );
    // It expires.
    eventually(10, "the message to expire", || async {
        stream.get_message(ack.sequence).await == Err(Error::MessageNotFound)
    })
    .await;
    assert!(stream.get_message(2).await.is_ok());
    // Invalid and disabled TTLs.
    let e = js
        .publish_with_options(
            "ttl.c",
            "x",
            PublishOptions::new().ttl(MessageTtl::After(Duration::from_millis(100))),
        )
        .await
        .unwrap_err();
    assert!(e.is(ErrorCode::MessageTtlInvalid), "{e:?}");
    js.create_stream(StreamConfig::new("NOTTL").subjects(["nottl"]))
        .await
        .unwrap();
    let e = js
        .publish_with_options(
            "nottl",
            "x",
            PublishOptions::new().ttl(MessageTtl::After(Duration::from_secs(5))),
        )
        .await
        .unwrap_err();
    assert!(e.is(ErrorCode::MessageTtlDisabled), "{e:?}");
}
