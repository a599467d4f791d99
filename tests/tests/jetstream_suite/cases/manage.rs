//! Management helpers: lazily paged listings, load-or-create and
//! get-or-create, dry runs, and changes the server would refuse, refused
//! before they are sent.

use crate::support::*;
use natrs_jetstream::api::consumer::{AckPolicy, ConsumerConfig, DeliverPolicy};
use natrs_jetstream::api::stream::{StorageType, StreamConfig};
use natrs_jetstream::{Error, kv, object};
use std::time::Duration;

/// The requests seen on `sub` until none comes for a moment.
fn drain<S: SuiteSub>(sub: &mut S) -> usize {
    let mut n = 0;
    while sub.next_within(Duration::from_millis(300)).is_some() {
        n += 1;
    }
    n
}

pub fn listings_page_lazily<J: SuiteJs>() {
    let server = server();
    let js: J = jetstream(&server);
    // More streams than a page of STREAM.LIST (256 infos).
    const N: usize = 300;
    for i in 0..N {
        js.create_stream(
            StreamConfig::new(format!("L{i:03}"))
                .subjects([format!("l.{i}")])
                .storage(StorageType::Memory),
        )
        .unwrap();
    }
    let mut requests = js.subscribe(&format!("{}.STREAM.LIST", js.prefix()));
    js.flush();
    // Taking the first item asks for one page.
    let (first, pages) = js.first_stream_info();
    assert!(first.expect("a first item").is_ok());
    assert_eq!(pages, 1);
    assert_eq!(drain(&mut requests), 1);
    // Collecting asks for every page.
    assert_eq!(js.streams(None).unwrap().len(), N);
    assert_eq!(drain(&mut requests), 2);
}

pub fn load_or_create_reports_differences<J: SuiteJs>() {
    let server = server();
    let js: J = jetstream(&server);
    let config = StreamConfig::new("LC").subjects(["lc.>"]);
    let (s, created, diff) = js.load_or_create_stream(config.clone()).unwrap();
    assert!(created);
    assert!(diff.is_empty());
    assert_eq!(s.name(), "LC");
    let (_, created, diff) = js.load_or_create_stream(config.clone()).unwrap();
    assert!(!created);
    assert!(diff.is_empty(), "{diff}");
    // A different wish is reported, not applied.
    let mut wanted = config.clone();
    wanted.description = Some("described".into());
    wanted.max_msgs = 10;
    let (_, created, diff) = js.load_or_create_stream(wanted.clone()).unwrap();
    assert!(!created);
    assert_eq!(diff.fields(), ["description", "max_msgs"]);
    assert!(!diff.is_refused());
    let s = js.get_or_create_stream(wanted.clone()).unwrap();
    assert_eq!(s.cached_info().config.description, None);
    assert_eq!(js.stream_info("LC").unwrap().config.max_msgs, -1);
    // The dry run says the same and changes nothing.
    assert_eq!(js.stream_changes(&wanted).unwrap(), Some(diff));
    assert_eq!(
        js.stream_changes(&StreamConfig::new("NEW").subjects(["new"]))
            .unwrap(),
        None
    );
    assert_eq!(js.stream_info("LC").unwrap().config.max_msgs, -1);
    // A change the server refuses is refused locally, naming the field.
    let e = js
        .create_or_update_stream(config.clone().storage(StorageType::Memory))
        .unwrap_err();
    match &e {
        Error::ImmutableChange(d) => assert_eq!(d.immutable_fields(), ["storage"]),
        other => panic!("{other:?}"),
    }
    assert!(e.to_string().contains("storage"), "{e}");
    assert_eq!(
        js.stream_info("LC").unwrap().config.storage,
        StorageType::File
    );
    // Allowed changes go through.
    js.create_or_update_stream(wanted).unwrap();
    assert_eq!(js.stream_info("LC").unwrap().config.max_msgs, 10);

    // Consumers.
    let c = ConsumerConfig::durable_pull("D");
    let (consumer, created, _) = js.load_or_create_consumer("LC", c.clone()).unwrap();
    assert!(created);
    assert_eq!(consumer.name(), "D");
    let (_, created, diff) = js.load_or_create_consumer("LC", c.clone()).unwrap();
    assert!(!created);
    assert!(diff.is_empty(), "{diff}");
    let mut other = c.clone();
    other.ack_policy = AckPolicy::All;
    other.max_ack_pending = 5;
    let (_, _, diff) = js.load_or_create_consumer("LC", other.clone()).unwrap();
    assert_eq!(diff.fields(), ["ack_policy", "max_ack_pending"]);
    assert_eq!(diff.immutable_fields(), ["ack_policy"]);
    let got = js.get_or_create_consumer("LC", other.clone()).unwrap();
    assert_eq!(got.cached_info().config.ack_policy, AckPolicy::Explicit);
    assert_eq!(js.consumer_changes("LC", &other).unwrap(), Some(diff));
    let mut moved = c.clone();
    moved.deliver_policy = DeliverPolicy::New;
    assert!(matches!(
        js.create_or_update_consumer("LC", moved),
        Err(Error::ImmutableChange(d)) if d.immutable_fields() == ["deliver_policy"]
    ));
    let mut more = c.clone();
    more.max_ack_pending = 7;
    js.create_or_update_consumer("LC", more).unwrap();
    assert_eq!(
        js.consumer_info("LC", "D").unwrap().config.max_ack_pending,
        7
    );

    // Buckets and stores: what the client derives and the server defaults
    // is no difference.
    let (_, created, _) = js.load_or_create_key_value(kv::Config::new("B")).unwrap();
    assert!(created);
    let (_, created, diff) = js.load_or_create_key_value(kv::Config::new("B")).unwrap();
    assert!(!created);
    assert!(diff.is_empty(), "{diff}");
    let mut deeper = kv::Config::new("B");
    deeper.history = 5;
    let (_, _, diff) = js.load_or_create_key_value(deeper.clone()).unwrap();
    assert_eq!(diff.fields(), ["max_msgs_per_subject"]);
    // A key's history, read lazily.
    deeper.bucket = "H".into();
    let bucket = js.create_key_value(deeper).unwrap();
    for v in ["v1", "v2", "v3"] {
        bucket.put("k", v).unwrap();
    }
    let history = bucket.history("k").unwrap();
    let values: Vec<&[u8]> = history.iter().map(|e| &e.value[..]).collect();
    assert_eq!(values, [b"v1", b"v2", b"v3"]);
    assert!(bucket.history("none").unwrap().is_empty());
    let (_, created, _) = js
        .load_or_create_object_store(object::Config::new("O"))
        .unwrap();
    assert!(created);
    let (_, created, diff) = js
        .load_or_create_object_store(object::Config::new("O"))
        .unwrap();
    assert!(!created);
    assert!(diff.is_empty(), "{diff}");
    let (store, _, _) = js
        .load_or_create_object_store(object::Config::new("O"))
        .unwrap();
    store.put_bytes("a", "1".into()).unwrap();
    store.put_bytes("b", "2".into()).unwrap();
    let names: Vec<String> = store.list().unwrap().into_iter().map(|i| i.name).collect();
    assert_eq!(names, ["a", "b"]);
}

pub fn reports_of_streams_and_consumers<J: SuiteJs>() {
    let server = server();
    let js: J = jetstream(&server);
    js.create_stream(StreamConfig::new("A").subjects(["a.>"]))
        .unwrap();
    js.create_stream(StreamConfig::new("B").subjects(["b"]))
        .unwrap();
    for i in 0..5 {
        js.publish("a.x", format!("{i}")).unwrap();
    }
    let c = js
        .create_consumer("A", ConsumerConfig::durable_pull("W"))
        .unwrap();
    let m = c
        .next_timeout(Duration::from_secs(5))
        .unwrap()
        .expect("a message");
    m.ack().unwrap();
    let mut rows = js.stream_report(None).unwrap();
    rows.sort_by(|x, y| x.name.cmp(&y.name));
    assert_eq!(rows.len(), 2);
    assert_eq!((rows[0].name.as_str(), rows[0].messages), ("A", 5));
    assert_eq!(rows[0].consumers, 1);
    assert_eq!(rows[0].subjects, ["a.>"]);
    assert_eq!((rows[1].name.as_str(), rows[1].messages), ("B", 0));
    assert_eq!(js.stream_report(Some("b")).unwrap().len(), 1);
    eventually("the ack to count", WAIT, || {
        let consumers = js.consumer_report("A").unwrap();
        consumers.len() == 1
            && consumers[0].name == "W"
            && consumers[0].delivered_stream_seq == 1
            && consumers[0].ack_floor_stream_seq == 1
            && consumers[0].unprocessed == 4
            && consumers[0].ack_pending == 0
    });
}
