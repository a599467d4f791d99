//! Streams: configuration, management, listing with paging, purging,
//! reading and deleting messages, direct get, mirrors and sources,
//! per-message TTLs.

use crate::support::*;
use natrs_client::HeaderMap;
use natrs_jetstream::api::message::MessageGetRequest;
use natrs_jetstream::api::publish::{MessageTtl, PublishOptions};
use natrs_jetstream::api::stream::{
    Compression, ConsumerLimits, DiscardPolicy, PurgeRequest, Republish, RetentionPolicy, Source,
    StorageType, StreamConfig, StreamInfoRequest, SubjectTransform,
};
use natrs_jetstream::publish::PublishMessage;
use natrs_jetstream::{Error, ErrorCode};
use std::time::Duration;

/// Publishes `n` messages `"{subject}-{i}"` to `subject`.
fn fill<J: SuiteJs>(js: &J, subject: &str, n: usize) {
    for i in 0..n {
        js.publish(subject, format!("{subject}-{i}")).unwrap();
    }
}

pub fn account_info_and_api_level<J: SuiteJs>() {
    let server = server();
    let js: J = jetstream(&server);
    let info = js.account_info().unwrap();
    // nats-server 2.15 implements API level 3 or later.
    assert!(info.api.level >= 3, "api level {}", info.api.level);
    assert_eq!(info.streams, 0);
    js.create_stream(StreamConfig::new("A").subjects(["a"]))
        .unwrap();
    let info = js.account_info().unwrap();
    assert_eq!(info.streams, 1);
    assert!(info.api.total >= 2);
}

pub fn full_config_round_trips_through_the_server<J: SuiteJs>() {
    let server = server();
    let js: J = jetstream(&server);
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
    let stream = js.create_stream(config.clone()).unwrap();
    let got = stream.cached_info().config;
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
    let mut repub = js.subscribe("repub.>");
    js.flush();
    let ack = js.publish("full.x", "data").unwrap();
    let stored = stream.get_message(ack.sequence).unwrap();
    assert_eq!(stored.subject, "stored.x");
    let r = repub.next_within(WAIT).expect("the republished message");
    assert_eq!(r.subject.as_str(), "repub.x");
    assert!(r.payload.is_empty(), "headers only");
    assert_eq!(r.header("Nats-Msg-Size"), Some("4"));
    // Deny delete.
    assert!(stream.delete_message(ack.sequence).is_err());
    // Deny purge (roll-ups need purges, so not on the same stream).
    let mut no_purge = StreamConfig::new("NOPURGE").subjects(["np"]);
    no_purge.deny_purge = true;
    let np = js.create_stream(no_purge).unwrap();
    assert!(np.cached_info().config.deny_purge);
    assert!(np.purge().is_err());
}

pub fn create_update_get_delete<J: SuiteJs>() {
    let server = server();
    let js: J = jetstream(&server);
    let config = StreamConfig::new("S").subjects(["s.>"]);
    js.create_stream(config.clone()).unwrap();
    // Same configuration again: fine.
    js.create_stream(config.clone()).unwrap();
    // A different configuration under the same name: 10058.
    let e = js
        .create_stream(StreamConfig::new("S").subjects(["other"]))
        .unwrap_err();
    assert!(e.is(ErrorCode::StreamNameInUse), "{e:?}");
    // Overlapping subjects: 10065.
    let e = js
        .create_stream(StreamConfig::new("T").subjects(["s.x"]))
        .unwrap_err();
    assert!(e.is(ErrorCode::SubjectOverlap), "{e:?}");
    // Update.
    let mut updated = config.clone();
    updated.max_msgs = 10;
    assert_eq!(js.update_stream(updated).unwrap().config.max_msgs, 10);
    // Update of a missing stream: 10059.
    let e = js.update_stream(StreamConfig::new("MISSING")).unwrap_err();
    assert!(e.is(ErrorCode::StreamNotFound), "{e:?}");
    // Create-or-update creates, then updates.
    let s = js
        .create_or_update_stream(StreamConfig::new("U").subjects(["u"]))
        .unwrap();
    assert_eq!(s.cached_info().config.max_msgs, -1);
    let mut u = StreamConfig::new("U").subjects(["u"]);
    u.max_msgs = 3;
    let s = js.create_or_update_stream(u).unwrap();
    assert_eq!(s.cached_info().config.max_msgs, 3);
    // Get and info.
    fill(&js, "s.a", 3);
    let mut s = js.get_stream("S").unwrap();
    assert_eq!(s.name(), "S");
    assert_eq!(s.cached_info().state.messages, 3);
    fill(&js, "s.a", 2);
    assert_eq!(s.info().unwrap().state.messages, 5);
    assert!(
        js.get_stream("MISSING")
            .unwrap_err()
            .is(ErrorCode::StreamNotFound)
    );
    // Delete.
    assert!(js.delete_stream("S").unwrap());
    assert!(
        js.stream_info("S")
            .unwrap_err()
            .is(ErrorCode::StreamNotFound)
    );
    assert!(
        js.delete_stream("S")
            .unwrap_err()
            .is(ErrorCode::StreamNotFound)
    );
    // Through the handle.
    let u = js.get_stream("U").unwrap();
    assert!(u.delete().unwrap());
    assert!(
        js.stream_info("U")
            .unwrap_err()
            .is(ErrorCode::StreamNotFound)
    );
    // Bad names never reach the server.
    assert!(matches!(
        js.create_stream(StreamConfig::new("a.b")),
        Err(Error::InvalidConfig(e)) if e.field == "name"
    ));
}

pub fn sealed_streams_refuse_changes<J: SuiteJs>() {
    let server = server();
    let js: J = jetstream(&server);
    let mut config = StreamConfig::new("SEAL").subjects(["seal"]);
    js.create_stream(config.clone()).unwrap();
    fill(&js, "seal", 2);
    config.sealed = true;
    assert!(js.update_stream(config).unwrap().config.sealed);
    let stream = js.get_stream("SEAL").unwrap();
    let e = stream.delete_message(1).unwrap_err();
    assert!(e.is(ErrorCode::StreamSealed), "{e:?}");
    let e = stream.purge().unwrap_err();
    assert!(e.is(ErrorCode::StreamSealed), "{e:?}");
}

pub fn names_and_list_page_past_1024<J: SuiteJs>() {
    let server = server();
    let js: J = jetstream(&server);
    // The server's NAMES pages hold 1024 names, its LIST pages 256 infos.
    const N: usize = 1030;
    for i in 0..N {
        js.create_stream(
            StreamConfig::new(format!("P{i:04}"))
                .subjects([format!("p.{i}")])
                .storage(StorageType::Memory),
        )
        .unwrap();
    }
    let mut names = js.stream_names(None).unwrap();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), N);
    assert_eq!(names[0], "P0000");
    assert_eq!(names[N - 1], format!("P{:04}", N - 1));
    assert_eq!(js.streams(None).unwrap().len(), N);
    // Filtered by subject.
    assert_eq!(
        js.stream_names(Some("p.1029")).unwrap(),
        vec!["P1029".to_string()]
    );
    assert_eq!(js.stream_by_subject("p.7").unwrap(), "P0007");
    let e = js.stream_by_subject("nothing.here").unwrap_err();
    assert!(e.is(ErrorCode::StreamNotFound), "{e:?}");
}

pub fn info_with_subject_details<J: SuiteJs>() {
    let server = server();
    let js: J = jetstream(&server);
    let stream = js
        .create_stream(StreamConfig::new("D").subjects(["d.>"]))
        .unwrap();
    fill(&js, "d.a", 3);
    fill(&js, "d.b", 1);
    fill(&js, "d.c.x", 2);
    let subjects = stream.subjects("d.>").unwrap();
    assert_eq!(subjects.len(), 3);
    assert_eq!(subjects["d.a"], 3);
    assert_eq!(subjects["d.c.x"], 2);
    assert_eq!(stream.subjects("d.c.>").unwrap().len(), 1);
    stream.delete_message(2).unwrap();
    let r = stream
        .info_with(&StreamInfoRequest {
            deleted_details: true,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(r.info.state.deleted, vec![2]);
    assert_eq!(r.info.state.num_deleted, 1);
}

pub fn purges<J: SuiteJs>() {
    let server = server();
    let js: J = jetstream(&server);
    let mut stream = js
        .create_stream(StreamConfig::new("PU").subjects(["pu.>"]))
        .unwrap();
    fill(&js, "pu.a", 5);
    fill(&js, "pu.b", 5);
    // By subject.
    let r = stream.purge_subject("pu.a").unwrap();
    assert!(r.success);
    assert_eq!(r.purged, 5);
    // Keep the newest 2.
    let r = stream
        .purge_with(&PurgeRequest {
            keep: Some(2),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(r.purged, 3);
    fill(&js, "pu.c", 4);
    // Up to (not including) a sequence: 9..=10 of pu.b and 11..=14 of pu.c
    // remain; 9, 10 and 11 go.
    let r = stream
        .purge_with(&PurgeRequest {
            sequence: Some(12),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(r.purged, 3);
    assert_eq!(stream.info().unwrap().state.first_seq, 12);
    // Everything.
    assert_eq!(stream.purge().unwrap().purged, 3);
    assert_eq!(stream.info().unwrap().state.messages, 0);
}

pub fn get_and_delete_messages<J: SuiteJs>() {
    let server = server();
    let js: J = jetstream(&server);
    let stream = js
        .create_stream(StreamConfig::new("G").subjects(["g.>"]))
        .unwrap();
    let mut h = HeaderMap::new();
    h.insert("X-Trace", "t1");
    js.send_publish("g.a", PublishMessage::new("first").headers(h))
        .unwrap();
    js.publish("g.b", "second").unwrap();
    js.publish("g.a", "third").unwrap();
    let m = stream.get_message(1).unwrap();
    assert_eq!((m.subject.as_str(), m.sequence), ("g.a", 1));
    assert_eq!(m.payload, "first");
    assert_eq!(m.headers.get("X-Trace"), Some("t1"));
    assert!(m.time.is_some());
    let last = stream.get_last_message("g.a").unwrap();
    assert_eq!((last.sequence, &last.payload[..]), (3, &b"third"[..]));
    assert_eq!(stream.get_next_message("g.b", 1).unwrap().sequence, 2);
    assert_eq!(stream.get_next_message("g.*", 2).unwrap().sequence, 2);
    assert_eq!(stream.get_message(99).unwrap_err(), Error::MessageNotFound);
    assert!(stream.delete_message(2).unwrap());
    assert_eq!(stream.get_message(2).unwrap_err(), Error::MessageNotFound);
    assert!(stream.erase_message(1).unwrap());
    assert_eq!(stream.get_message(1).unwrap_err(), Error::MessageNotFound);
    let e = stream.delete_message(2).unwrap_err();
    assert!(matches!(e, Error::Api(_) | Error::MessageNotFound), "{e:?}");
}

pub fn direct_get_and_batches<J: SuiteJs>() {
    let server = server();
    let js: J = jetstream(&server);
    let mut config = StreamConfig::new("DG").subjects(["dg.>"]);
    config.allow_direct = true;
    let stream = js.create_stream(config).unwrap();
    for i in 0..10 {
        js.publish(&format!("dg.{}", i % 3), format!("v{i}"))
            .unwrap();
    }
    // Single messages.
    let m = stream.direct_get(4).unwrap();
    assert_eq!((m.subject.as_str(), &m.payload[..]), ("dg.0", &b"v3"[..]));
    assert_eq!(m.headers.get("Nats-Stream"), Some("DG"));
    assert!(m.time.is_some());
    let last = stream.direct_get_last("dg.1").unwrap();
    assert_eq!((last.sequence, &last.payload[..]), (8, &b"v7"[..]));
    assert_eq!(stream.direct_get_next("dg.2", 4).unwrap().sequence, 6);
    assert_eq!(stream.direct_get(99).unwrap_err(), Error::MessageNotFound);
    assert_eq!(
        stream.direct_get_last("dg.none").unwrap_err(),
        Error::MessageNotFound
    );
    // A batch ends on the 204 EOB.
    let mut batch = stream
        .direct_batch(MessageGetRequest::batch("dg.>", 3, 4), false)
        .unwrap();
    let seqs: Vec<u64> = batch.rest("a batch").iter().map(|m| m.sequence).collect();
    assert_eq!(seqs, vec![3, 4, 5, 6]);
    let end = batch.end().expect("the batch's end");
    assert_eq!(end.last_sequence, 6);
    assert_eq!(end.num_pending, 4);
    // Paging through every batch.
    let mut all = stream
        .direct_batch(MessageGetRequest::batch("dg.0", 1, 2), true)
        .unwrap();
    let seqs: Vec<u64> = all.rest("pages").iter().map(|m| m.sequence).collect();
    assert_eq!(seqs, vec![1, 4, 7, 10]);
    // Multi-last: the last message of each subject.
    let mut multi = stream
        .direct_batch(
            MessageGetRequest::multi_last(["dg.0", "dg.1", "dg.2"]),
            false,
        )
        .unwrap();
    let mut got: Vec<(String, u64)> = multi
        .rest("multi last")
        .into_iter()
        .map(|m| (m.subject, m.sequence))
        .collect();
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
    let mut got: Vec<u64> = paged
        .rest("multi last pages")
        .iter()
        .map(|m| m.sequence)
        .collect();
    got.sort();
    assert_eq!(got, vec![6, 7, 8]);
    // No direct get on a stream without allow_direct.
    let plain = js
        .create_stream(StreamConfig::new("ND").subjects(["nd"]))
        .unwrap();
    js.publish("nd", "x").unwrap();
    assert!(matches!(
        plain.direct_get(1),
        Err(Error::Status { code: 503, .. }) | Err(Error::TimedOut(_))
    ));
}

pub fn mirrors_and_sources<J: SuiteJs>() {
    let server = server();
    let js: J = jetstream(&server);
    js.create_stream(StreamConfig::new("ORIGIN").subjects(["o.>"]))
        .unwrap();
    fill(&js, "o.a", 3);
    let mut mirror = StreamConfig::new("MIRROR");
    mirror.mirror = Some(Source {
        name: "ORIGIN".into(),
        ..Default::default()
    });
    js.create_stream(mirror).unwrap();
    let mut sourced = StreamConfig::new("SOURCED").subjects(["own"]);
    sourced.sources = vec![Source {
        name: "ORIGIN".into(),
        filter_subject: "o.a".into(),
        ..Default::default()
    }];
    js.create_stream(sourced).unwrap();
    for name in ["MIRROR", "SOURCED"] {
        eventually(&format!("{name} to catch up"), WAIT, || {
            js.stream_info(name).unwrap().state.messages == 3
        });
    }
    let info = js.stream_info("MIRROR").unwrap();
    assert_eq!(info.mirror.unwrap().name, "ORIGIN");
    let info = js.stream_info("SOURCED").unwrap();
    assert_eq!(info.sources[0].name, "ORIGIN");
}

pub fn per_message_ttl<J: SuiteJs>() {
    let server = server();
    let js: J = jetstream(&server);
    let mut config = StreamConfig::new("TTL").subjects(["ttl.>"]);
    config.allow_msg_ttl = true;
    let stream = js.create_stream(config).unwrap();
    let ack = js
        .publish_with_options(
            "ttl.a",
            "short",
            PublishOptions::new().ttl(MessageTtl::After(Duration::from_secs(1))),
        )
        .unwrap();
    js.publish_with_options(
        "ttl.b",
        "forever",
        PublishOptions::new().ttl(MessageTtl::Never),
    )
    .unwrap();
    assert_eq!(
        stream
            .get_message(ack.sequence)
            .unwrap()
            .headers
            .get("Nats-TTL"),
        Some("1s")
    );
    // It expires.
    eventually("the message to expire", WAIT, || {
        stream.get_message(ack.sequence) == Err(Error::MessageNotFound)
    });
    assert!(stream.get_message(2).is_ok());
    // Invalid and disabled TTLs.
    let e = js
        .publish_with_options(
            "ttl.c",
            "x",
            PublishOptions::new().ttl(MessageTtl::After(Duration::from_millis(100))),
        )
        .unwrap_err();
    assert!(e.is(ErrorCode::MessageTtlInvalid), "{e:?}");
    js.create_stream(StreamConfig::new("NOTTL").subjects(["nottl"]))
        .unwrap();
    let e = js
        .publish_with_options(
            "nottl",
            "x",
            PublishOptions::new().ttl(MessageTtl::After(Duration::from_secs(5))),
        )
        .unwrap_err();
    assert!(e.is(ErrorCode::MessageTtlDisabled), "{e:?}");
}
