//! JetStream across a leaf node: a hub and a leaf server, each with its own
//! domain. Clients of either reach the other's streams, buckets and object
//! stores through `with_domain`, and a bucket mirrored into the other domain
//! is read from both sides.

use crate::support::*;
use bytes::Bytes;
use natrs_jetstream::api::stream::{External, Source, StreamConfig};
use natrs_jetstream::consumer::OrderedOptions;
use natrs_jetstream::kv;
use natrs_jetstream::object;
use natrs_tests::LeafNode;

pub fn stream_kv_and_objects_through_the_domains<J: SuiteJs>() {
    let pair = LeafNode::start().expect("start a hub and a leaf node");
    let hub: J = connect(&pair.hub().url());
    let leaf: J = connect(&pair.leaf().url());

    // A stream in the leaf's domain, made by a client of the hub.
    let edge = hub.with_domain("leaf");
    assert_eq!(edge.prefix(), "$JS.leaf.API");
    assert_eq!(edge.account_info().unwrap().domain.as_deref(), Some("leaf"));
    edge.create_stream(StreamConfig::new("EDGE").subjects(["edge.>"]))
        .unwrap();
    // The leaf's own client sees it as local; the hub's own domain has none.
    assert_eq!(leaf.stream_names(None).unwrap(), ["EDGE"]);
    assert!(hub.stream_names(None).unwrap().is_empty());
    let ack = leaf.publish("edge.local", "from the leaf").unwrap();
    assert_eq!(
        (ack.stream.as_str(), ack.domain.as_deref()),
        ("EDGE", Some("leaf"))
    );
    // A publish of the hub's client crosses the leaf connection to the stream.
    let ack = hub.publish("edge.remote", "from the hub").unwrap();
    assert_eq!(
        (ack.stream.as_str(), ack.domain.as_deref()),
        ("EDGE", Some("leaf"))
    );
    assert_eq!(edge.stream_info("EDGE").unwrap().state.messages, 2);
    // A consumer made through the domain delivers across it.
    let mut msgs = edge
        .ordered("EDGE", OrderedOptions::default(), None)
        .unwrap();
    let texts: Vec<String> = (0..2).map(|_| msgs.msg("an EDGE message").text()).collect();
    assert_eq!(texts, ["from the leaf", "from the hub"]);

    // A bucket in the hub's domain, made by a client of the leaf.
    let core = leaf.with_domain("hub");
    let settings = core.create_key_value(kv::Config::new("SETTINGS")).unwrap();
    settings.put("mode", "on").unwrap();
    let at_hub = hub.key_value("SETTINGS").unwrap();
    assert_eq!(at_hub.text("mode"), "on");
    at_hub.put("level", "3").unwrap();
    assert_eq!(settings.text("level"), "3");
    let mut keys = settings.keys().unwrap();
    keys.sort();
    assert_eq!(keys, ["level", "mode"]);
    assert!(
        leaf.key_value("SETTINGS").is_err(),
        "not in the leaf's domain"
    );

    // An object store in the leaf's domain, made and filled by a client of
    // the hub (several chunks), read by the leaf's client and written back.
    let files = edge
        .create_object_store(object::Config::new("FILES"))
        .unwrap();
    let blob = Bytes::from(
        (0..300_000u32)
            .map(|i| (i % 251) as u8)
            .collect::<Vec<u8>>(),
    );
    let info = files.put_bytes("blob", blob.clone()).unwrap();
    assert!(info.chunks > 1, "{info:?}");
    let at_leaf = leaf.object_store("FILES").unwrap();
    assert_eq!(at_leaf.get_bytes("blob").unwrap(), blob);
    at_leaf
        .put_bytes("note", Bytes::from_static(b"from the leaf"))
        .unwrap();
    assert_eq!(files.get_bytes("note").unwrap(), "from the leaf");
    let mut names: Vec<String> = files.list().unwrap().into_iter().map(|o| o.name).collect();
    names.sort();
    assert_eq!(names, ["blob", "note"]);
}

pub fn kv_mirrored_into_the_other_domain<J: SuiteJs>() {
    let pair = LeafNode::start().expect("start a hub and a leaf node");
    let hub: J = connect(&pair.hub().url());
    let leaf: J = connect(&pair.leaf().url());
    let origin = hub.create_key_value(kv::Config::new("CATALOG")).unwrap();
    origin.put("a", "1").unwrap();
    origin.put("b", "2").unwrap();

    // The mirror lives in the leaf's domain and pulls from the hub's.
    let mut config = kv::Config::new("CATALOG_EDGE");
    config.mirror = Some(Source {
        name: "CATALOG".to_owned(),
        external: Some(External {
            api_prefix: "$JS.hub.API".to_owned(),
            delivery_prefix: String::new(),
        }),
        ..Source::default()
    });
    // Made by the hub's client through the leaf's domain ...
    let from_hub = hub.with_domain("leaf").create_key_value(config).unwrap();
    // ... and read by both sides.
    let at_leaf = leaf.key_value("CATALOG_EDGE").unwrap();
    eventually("the mirror to catch up", WAIT, || {
        at_leaf.get("b").is_ok_and(|e| e.value == "2")
    });
    assert_eq!(at_leaf.text("a"), "1");
    assert_eq!(from_hub.text("a"), "1");
    assert_eq!(from_hub.text("b"), "2");

    // A change at the origin reaches both readers of the mirror.
    origin.put("a", "10").unwrap();
    eventually("the change to reach the mirror", WAIT, || {
        at_leaf.get("a").is_ok_and(|e| e.value == "10")
    });
    assert_eq!(from_hub.text("a"), "10");

    // A write through the mirror goes to the origin, and comes back.
    at_leaf.put("c", "3").unwrap();
    assert_eq!(origin.text("c"), "3");
    eventually("the write to come back through the mirror", WAIT, || {
        from_hub.get("c").is_ok_and(|e| e.value == "3")
    });
    let mut keys = at_leaf.keys().unwrap();
    keys.sort();
    assert_eq!(keys, ["a", "b", "c"]);
}
