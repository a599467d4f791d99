//! Key-Value against a real server: bucket management, writes with
//! expectations, reads, watches and their end-of-initial-data marker, keys,
//! history, TTLs and limit markers, purging deletes, status, mirrors and
//! writes through an API prefix.

mod common;

use common::*;
use futures_util::StreamExt;
use natrs_jetstream::api::stream::{Compression, DiscardPolicy, Source, StorageType, StreamConfig};
use natrs_jetstream::kv::{
    Config, Entry, KeyValue, KvError, Operation, PurgeOptions, Watch, WatchEvent, WatchOptions,
};
use natrs_jetstream::{Error, ErrorCode, JetStream};
use std::time::Duration;

async fn next_event(watch: &mut Watch) -> WatchEvent {
    within(10, "a watch event", watch.next())
        .await
        .expect("watch ended")
        .expect("watch error")
}

async fn next_entry(watch: &mut Watch) -> Entry {
    match next_event(watch).await {
        WatchEvent::Entry(e) => e,
        WatchEvent::EndOfInitialData => panic!("expected an entry, got the end of initial data"),
    }
}

async fn expect_end_of_initial_data(watch: &mut Watch) {
    match next_event(watch).await {
        WatchEvent::EndOfInitialData => {}
        WatchEvent::Entry(e) => panic!("expected the end of initial data, got {e:?}"),
    }
}

fn text(e: &Entry) -> &str {
    std::str::from_utf8(&e.value).unwrap()
}

async fn bucket(js: &JetStream, config: Config) -> KeyValue {
    js.create_key_value(config).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bucket_management() {
    let server = server();
    let (_c, js) = jetstream(&server).await;
    let mut config = Config::new("cfg")
        .history(5)
        .ttl(Duration::from_secs(3600))
        .max_bytes(1 << 20)
        .max_value_size(1024)
        .storage(StorageType::Memory);
    config.description = Some("settings".into());
    config.compression = false;
    config.metadata.insert("owner".into(), "tests".into());
    let kv = js.create_key_value(config.clone()).await.unwrap();
    assert_eq!(kv.bucket(), "cfg");

    // The stream follows ADR-8.
    let info = js.stream_info("KV_cfg").await.unwrap();
    let c = &info.config;
    assert_eq!(c.subjects, vec!["$KV.cfg.>".to_string()]);
    assert_eq!(c.max_msgs_per_subject, 5);
    assert_eq!(c.max_age, Duration::from_secs(3600));
    assert_eq!(c.duplicate_window, Duration::from_secs(120));
    assert_eq!(c.max_bytes, 1 << 20);
    assert_eq!(c.max_msg_size, 1024);
    assert_eq!(c.storage, StorageType::Memory);
    assert_eq!(c.discard, DiscardPolicy::New);
    assert!(c.allow_rollup && c.deny_delete && c.allow_direct);
    assert_eq!(c.description.as_deref(), Some("settings"));
    assert_eq!(c.metadata.get("owner").map(String::as_str), Some("tests"));

    // Creating again with the same configuration binds; another one fails.
    js.create_key_value(config.clone()).await.unwrap();
    let e = js
        .create_key_value(config.clone().history(2))
        .await
        .unwrap_err();
    assert_eq!(e, KvError::BucketExists("cfg".into()));

    // Update and create-or-update.
    let kv = js
        .update_key_value(config.clone().history(7))
        .await
        .unwrap();
    assert_eq!(kv.status().await.unwrap().history(), 7);
    let e = js
        .update_key_value(Config::new("missing"))
        .await
        .unwrap_err();
    assert_eq!(e, KvError::BucketNotFound("missing".into()));
    js.create_or_update_key_value(Config::new("other"))
        .await
        .unwrap();
    js.create_or_update_key_value(Config::new("other").history(3))
        .await
        .unwrap();

    // Status reads the stream info.
    kv.put("a", "1").await.unwrap();
    let status = kv.status().await.unwrap();
    assert_eq!(status.bucket(), "cfg");
    assert_eq!(status.values(), 1);
    assert_eq!(status.ttl(), Duration::from_secs(3600));
    assert_eq!(status.backing_store(), "JetStream");
    assert!(status.bytes() > 0);
    assert!(!status.is_compressed());
    assert_eq!(status.limit_marker_ttl(), None);
    assert_eq!(status.config().history, 7);
    assert_eq!(status.config().max_value_size, 1024);
    assert_eq!(
        status.metadata().get("owner").map(String::as_str),
        Some("tests")
    );

    // Listing: only KV streams count.
    js.create_stream(StreamConfig::new("PLAIN").subjects(["plain"]))
        .await
        .unwrap();
    let mut names = js.key_value_names().all().await.unwrap();
    names.sort();
    assert_eq!(names, ["cfg", "other"]);
    let stores = js.key_value_stores().all().await.unwrap();
    assert_eq!(stores.len(), 2);
    assert!(
        stores
            .iter()
            .any(|s| s.bucket == "other" && s.history() == 3)
    );

    // Binding.
    let bound = js.key_value("cfg").await.unwrap();
    assert_eq!(text(&bound.get("a").await.unwrap()), "1");
    assert_eq!(
        js.key_value("nope").await.unwrap_err(),
        KvError::BucketNotFound("nope".into())
    );
    let e = js.key_value("PLAIN").await.unwrap_err();
    assert_eq!(e, KvError::BucketNotFound("PLAIN".into()));

    // Validation happens before anything is sent.
    for bad in ["", "a.b", "a b", "a*"] {
        assert!(matches!(
            js.create_key_value(Config::new(bad)).await,
            Err(KvError::InvalidBucketName(_))
        ));
        assert!(matches!(
            js.key_value(bad).await,
            Err(KvError::InvalidBucketName(_))
        ));
    }
    assert_eq!(
        js.create_key_value(Config::new("h").history(65))
            .await
            .unwrap_err(),
        KvError::InvalidHistory(65)
    );

    // Deleting.
    js.delete_key_value("other").await.unwrap();
    assert_eq!(
        js.delete_key_value("other").await.unwrap_err(),
        KvError::BucketNotFound("other".into())
    );
    assert_eq!(js.key_value_names().all().await.unwrap(), ["cfg"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compressed_bucket_and_limit_markers_config() {
    let server = server();
    let (_c, js) = jetstream(&server).await;
    let mut config = Config::new("z").limit_marker_ttl(Duration::from_secs(5));
    config.compression = true;
    let kv = bucket(&js, config).await;
    let info = js.stream_info("KV_z").await.unwrap();
    assert_eq!(info.config.compression, Compression::S2);
    assert!(info.config.allow_msg_ttl);
    assert_eq!(
        info.config.subject_delete_marker_ttl,
        Some(Duration::from_secs(5))
    );
    let status = kv.status().await.unwrap();
    assert!(status.is_compressed());
    assert_eq!(status.limit_marker_ttl(), Some(Duration::from_secs(5)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn put_get_create_update_delete_purge() {
    let server = server();
    let (_c, js) = jetstream(&server).await;
    let kv = bucket(&js, Config::new("b").history(10)).await;

    let r1 = kv.put("k", "v1").await.unwrap();
    let e = kv.get("k").await.unwrap();
    assert_eq!(
        (e.bucket.as_str(), e.key.as_str(), text(&e)),
        ("b", "k", "v1")
    );
    assert_eq!(e.revision, r1);
    assert_eq!(e.operation, Operation::Put);
    assert_eq!(e.delta, 0);
    assert!(e.created.unix_timestamp() > 1_600_000_000);

    // Update only at the latest revision.
    let r2 = kv.update("k", "v2", r1).await.unwrap();
    assert!(r2 > r1);
    assert_eq!(
        kv.update("k", "v3", r1).await.unwrap_err(),
        KvError::WrongRevision {
            key: "k".into(),
            expected: r1
        }
    );
    assert_eq!(text(&kv.get("k").await.unwrap()), "v2");

    // Create only when the key has no value.
    assert_eq!(
        kv.create("k", "x").await.unwrap_err(),
        KvError::KeyExists("k".into())
    );
    let rn = kv.create("new", "n").await.unwrap();
    assert_eq!(kv.get("new").await.unwrap().revision, rn);

    // Revisions.
    assert_eq!(text(&kv.get_revision("k", r1).await.unwrap()), "v1");
    assert_eq!(
        kv.get_revision("other", r1).await.unwrap_err(),
        KvError::KeyNotFound("other".into())
    );
    assert_eq!(
        kv.get_revision("k", 999).await.unwrap_err(),
        KvError::KeyNotFound("k".into())
    );

    // Delete keeps history; the key has no value; create works again.
    kv.delete("k").await.unwrap();
    assert_eq!(
        kv.get("k").await.unwrap_err(),
        KvError::KeyNotFound("k".into())
    );
    let history = kv.history("k").await.unwrap();
    assert_eq!(history.len(), 3);
    assert_eq!(history[2].operation, Operation::Delete);
    let marker_revision = history[2].revision;
    assert_eq!(
        kv.get_revision("k", marker_revision).await.unwrap_err(),
        KvError::KeyNotFound("k".into())
    );
    let r3 = kv.create("k", "again").await.unwrap();
    assert_eq!(r3, marker_revision + 1);
    assert_eq!(text(&kv.get("k").await.unwrap()), "again");

    // Delete and purge with an expected revision.
    assert_eq!(
        kv.delete_expecting("k", r1).await.unwrap_err(),
        KvError::WrongRevision {
            key: "k".into(),
            expected: r1
        }
    );
    kv.delete_expecting("k", r3).await.unwrap();
    let latest = kv.history("k").await.unwrap().last().unwrap().revision;
    assert!(matches!(
        kv.purge_with("k", PurgeOptions::new().revision(r3)).await,
        Err(KvError::WrongRevision { .. })
    ));
    kv.purge_with("k", PurgeOptions::new().revision(latest))
        .await
        .unwrap();
    // Purge leaves only its marker.
    let history = kv.history("k").await.unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].operation, Operation::Purge);
    assert!(history[0].value.is_empty());
    // Create over a purge marker.
    kv.create("k", "fresh").await.unwrap();
    assert_eq!(text(&kv.get("k").await.unwrap()), "fresh");

    // Purge without conditions.
    kv.purge("new").await.unwrap();
    assert!(kv.get("new").await.unwrap_err().is_key_not_found());
    assert_eq!(
        kv.history("never").await.unwrap_err(),
        KvError::KeyNotFound("never".into())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_are_validated_before_sending() {
    let server = server();
    let (_c, js) = jetstream(&server).await;
    let kv = bucket(&js, Config::new("v")).await;
    for bad in ["", ".a", "a.", "a..b", "a b", "a*", "a.>", "ä"] {
        assert!(
            matches!(kv.put(bad, "x").await, Err(KvError::InvalidKey(_))),
            "{bad:?}"
        );
        assert!(
            matches!(kv.get(bad).await, Err(KvError::InvalidKey(_))),
            "{bad:?}"
        );
        assert!(matches!(kv.delete(bad).await, Err(KvError::InvalidKey(_))));
    }
    // `_kv` is for internal use: no writes.
    assert!(matches!(
        kv.put("_kv.x", "x").await,
        Err(KvError::InvalidKey(_))
    ));
    for good in ["a", "A/b=c_d-e", "1.2.3"] {
        kv.put(good, good).await.unwrap();
        assert_eq!(text(&kv.get(good).await.unwrap()), good);
    }
    assert!(matches!(kv.watch("a*").await, Err(KvError::InvalidKey(_))));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_is_limited_per_key() {
    let server = server();
    let (_c, js) = jetstream(&server).await;
    let kv = bucket(&js, Config::new("h").history(3)).await;
    for i in 0..5 {
        kv.put("k", format!("{i}")).await.unwrap();
    }
    kv.put("other", "o").await.unwrap();
    let history = kv.history("k").await.unwrap();
    let values: Vec<&str> = history.iter().map(text).collect();
    assert_eq!(values, ["2", "3", "4"]);
    // Delta counts the newer entries of the watch; the last has none.
    let deltas: Vec<u64> = history.iter().map(|e| e.delta).collect();
    assert_eq!(deltas, [2, 1, 0]);
    assert_eq!(kv.status().await.unwrap().values(), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_marks_the_end_of_initial_data_once() {
    let server = server();
    let (_c, js) = jetstream(&server).await;
    let kv = bucket(&js, Config::new("w").history(5)).await;

    // An empty bucket: the marker comes first, at once.
    let mut empty = kv.watch_all().await.unwrap();
    expect_end_of_initial_data(&mut empty).await;
    kv.put("a", "1").await.unwrap();
    let e = next_entry(&mut empty).await;
    assert_eq!((e.key.as_str(), text(&e)), ("a", "1"));

    // A non-empty bucket: the latest entry of each key (markers included),
    // then the marker, then changes and never a second marker.
    kv.put("a", "2").await.unwrap();
    kv.put("b", "1").await.unwrap();
    kv.put("c", "1").await.unwrap();
    kv.delete("c").await.unwrap();
    let mut watch = kv.watch_all().await.unwrap();
    let mut initial = Vec::new();
    for _ in 0..3 {
        let e = next_entry(&mut watch).await;
        initial.push((e.key.clone(), text(&e).to_string(), e.operation));
    }
    assert_eq!(
        initial,
        [
            ("a".to_string(), "2".to_string(), Operation::Put),
            ("b".to_string(), "1".to_string(), Operation::Put),
            ("c".to_string(), String::new(), Operation::Delete),
        ]
    );
    expect_end_of_initial_data(&mut watch).await;
    kv.put("d", "1").await.unwrap();
    kv.put("a", "3").await.unwrap();
    assert_eq!(next_entry(&mut watch).await.key, "d");
    let e = next_entry(&mut watch).await;
    assert_eq!((e.key.as_str(), text(&e)), ("a", "3"));
    assert!(watch.last_revision() >= e.revision);

    // The first watch saw all of it, with no second marker.
    let mut keys = Vec::new();
    for _ in 0..6 {
        keys.push(next_entry(&mut empty).await.key);
    }
    assert_eq!(keys, ["a", "b", "c", "c", "d", "a"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_options() {
    let server = server();
    let (_c, js) = jetstream(&server).await;
    let kv = bucket(&js, Config::new("o").history(5)).await;
    kv.put("a.1", "x").await.unwrap();
    kv.put("a.1", "y").await.unwrap();
    kv.put("a.2", "z").await.unwrap();
    kv.put("b.1", "w").await.unwrap();
    kv.delete("a.2").await.unwrap();

    // One key, with wildcards, several filters.
    let mut one = kv.watch("a.1").await.unwrap();
    assert_eq!(text(&next_entry(&mut one).await), "y");
    expect_end_of_initial_data(&mut one).await;
    let mut star = kv.watch("a.*").await.unwrap();
    let first = next_entry(&mut star).await;
    let second = next_entry(&mut star).await;
    assert_eq!((first.key.as_str(), second.key.as_str()), ("a.1", "a.2"));
    expect_end_of_initial_data(&mut star).await;
    let mut several = kv
        .watch_with(&["a.1", "b.>"], WatchOptions::new())
        .await
        .unwrap();
    assert_eq!(next_entry(&mut several).await.key, "a.1");
    assert_eq!(next_entry(&mut several).await.key, "b.1");
    expect_end_of_initial_data(&mut several).await;

    // History: every value kept.
    let mut all = kv
        .watch_with(&["a.>"], WatchOptions::new().include_history())
        .await
        .unwrap();
    let mut values = Vec::new();
    for _ in 0..4 {
        let e = next_entry(&mut all).await;
        values.push(format!("{}={}", e.key, text(&e)));
    }
    assert_eq!(values, ["a.1=x", "a.1=y", "a.2=z", "a.2="]);
    expect_end_of_initial_data(&mut all).await;

    // Ignoring deletes.
    let mut no_deletes = kv
        .watch_with(&[], WatchOptions::new().ignore_deletes())
        .await
        .unwrap();
    assert_eq!(next_entry(&mut no_deletes).await.key, "a.1");
    assert_eq!(next_entry(&mut no_deletes).await.key, "b.1");
    expect_end_of_initial_data(&mut no_deletes).await;
    kv.delete("b.1").await.unwrap();
    kv.put("b.2", "v").await.unwrap();
    assert_eq!(next_entry(&mut no_deletes).await.key, "b.2");

    // Metadata only: no values.
    let mut meta = kv
        .watch_with(&["a.1"], WatchOptions::new().meta_only())
        .await
        .unwrap();
    let e = next_entry(&mut meta).await;
    assert_eq!(e.key, "a.1");
    assert!(e.value.is_empty());
    assert!(e.revision > 0);
    expect_end_of_initial_data(&mut meta).await;

    // Updates only: the marker at once, then only new writes.
    let mut updates = kv
        .watch_with(&[], WatchOptions::new().updates_only())
        .await
        .unwrap();
    expect_end_of_initial_data(&mut updates).await;
    let r = kv.put("c", "new").await.unwrap();
    let e = next_entry(&mut updates).await;
    assert_eq!((e.key.as_str(), e.revision), ("c", r));

    // Resuming from a revision: everything from there on.
    let mut resumed = kv
        .watch_with(&[], WatchOptions::new().resume_from_revision(r - 1))
        .await
        .unwrap();
    let e = next_entry(&mut resumed).await;
    assert_eq!(e.revision, r - 1);
    let e = next_entry(&mut resumed).await;
    assert_eq!(e.revision, r);
    expect_end_of_initial_data(&mut resumed).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_and_filters() {
    let server = server();
    let (_c, js) = jetstream(&server).await;
    let kv = bucket(&js, Config::new("k").history(3)).await;
    assert!(kv.keys().await.unwrap().is_empty());
    for key in ["z", "a.1", "a.2", "b.1", "a.1"] {
        kv.put(key, "v").await.unwrap();
    }
    kv.delete("b.1").await.unwrap();
    kv.put("gone", "v").await.unwrap();
    kv.purge("gone").await.unwrap();
    assert_eq!(kv.keys().await.unwrap(), ["a.1", "a.2", "z"]);
    assert_eq!(kv.keys_filtered(&["a.*"]).await.unwrap(), ["a.1", "a.2"]);
    assert_eq!(kv.keys_filtered(&["z", "b.>"]).await.unwrap(), ["z"]);
    let mut listing = kv.list_keys(&["a.>"]).await.unwrap();
    let mut streamed = Vec::new();
    while let Some(key) = within(10, "keys", listing.next()).await {
        streamed.push(key.unwrap());
    }
    assert_eq!(streamed, ["a.2", "a.1"]);
    // Listings delete their consumers when they end.
    eventually(10, "the listing consumers to be deleted", || async {
        js.consumer_names("KV_k").all().await.unwrap().is_empty()
    })
    .await;
    let watch = kv.watch_all().await.unwrap();
    assert_eq!(js.consumer_names("KV_k").all().await.unwrap().len(), 1);
    drop(watch);
    eventually(10, "a dropped watch's consumer to be deleted", || async {
        js.consumer_names("KV_k").all().await.unwrap().is_empty()
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bucket_ttl_expires_values() {
    let server = server();
    let (_c, js) = jetstream(&server).await;
    let kv = bucket(&js, Config::new("t").ttl(Duration::from_secs(1))).await;
    assert_eq!(
        js.stream_info("KV_t")
            .await
            .unwrap()
            .config
            .duplicate_window,
        Duration::from_secs(1)
    );
    kv.put("k", "v").await.unwrap();
    assert_eq!(text(&kv.get("k").await.unwrap()), "v");
    eventually(10, "the value to expire", || async {
        kv.get("k").await.is_err_and(|e| e.is_key_not_found())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn per_key_ttl_and_limit_markers() {
    let server = server();
    let (_c, js) = jetstream(&server).await;
    // History 1: with more, the server raises TTLs below the limit marker
    // TTL to it (ADR-43).
    let kv = bucket(
        &js,
        Config::new("m").limit_marker_ttl(Duration::from_secs(60)),
    )
    .await;
    let mut watch = kv.watch("k").await.unwrap();
    expect_end_of_initial_data(&mut watch).await;

    // A key created with a TTL goes away; the server leaves a marker that
    // reads as a purge.
    let r = kv
        .create_with_ttl("k", "short", Duration::from_secs(1))
        .await
        .unwrap();
    let e = next_entry(&mut watch).await;
    assert_eq!((e.revision, e.operation), (r, Operation::Put));
    let marker = next_entry(&mut watch).await;
    assert_eq!(marker.key, "k");
    assert_eq!(marker.operation, Operation::Purge);
    assert!(kv.get("k").await.unwrap_err().is_key_not_found());
    // Create works over the server's marker.
    kv.create("k", "back").await.unwrap();
    assert_eq!(text(&kv.get("k").await.unwrap()), "back");

    // A purge with a TTL: the marker itself expires.
    kv.put("p", "v").await.unwrap();
    kv.purge_with("p", PurgeOptions::new().ttl(Duration::from_secs(1)))
        .await
        .unwrap();
    assert_eq!(kv.history("p").await.unwrap().len(), 1);
    eventually(10, "the purge marker to expire", || async {
        kv.history("p").await.is_err_and(|e| e.is_key_not_found())
    })
    .await;

    // Per-key TTLs need limit markers.
    let plain = bucket(&js, Config::new("plain")).await;
    let e = plain
        .create_with_ttl("k", "v", Duration::from_secs(5))
        .await
        .unwrap_err();
    assert!(
        e.jetstream()
            .is_some_and(|e| e.is(ErrorCode::MessageTtlDisabled)),
        "{e:?}"
    );
}

/// Messages counted as pending when a watch's consumer was created can be
/// gone (expired, purged) before they are delivered. The watch then learns
/// from the consumer's idle heartbeat that nothing is left, reports the end
/// of its initial data, and `history` ends instead of waiting forever. A
/// proxy in front of the JetStream API purges the stream between the
/// consumer's creation and the answer the watch gets.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn initial_data_ends_when_pending_messages_vanish_before_delivery() {
    let server = server();
    let (c, js) = jetstream(&server).await;
    let kv = bucket(&js, Config::new("v").history(5)).await;
    kv.put("k", "soon gone").await.unwrap();

    let mut api = c.subscribe("proxy.>").await.unwrap();
    c.flush().await.unwrap();
    let (proxy, admin) = (c.clone(), js.clone());
    tokio::spawn(async move {
        while let Some(m) = api.next().await {
            let (Some(rest), Some(reply)) = (m.subject.strip_prefix("proxy."), m.reply) else {
                continue;
            };
            let subject = format!("$JS.API.{rest}");
            if rest.starts_with("CONSUMER.CREATE.") {
                let created = proxy.request(&subject, m.payload).await.unwrap();
                admin
                    .get_stream("KV_v")
                    .await
                    .unwrap()
                    .purge()
                    .await
                    .unwrap();
                proxy
                    .publish(reply.as_str(), created.payload)
                    .await
                    .unwrap();
            } else {
                // Pull requests too: their messages go to the reply subject.
                proxy
                    .publish_with_reply(&subject, reply.as_str(), m.payload)
                    .await
                    .unwrap();
            }
        }
    });

    let through_proxy = JetStream::with_prefix(c.clone(), "proxy");
    let kv_p = through_proxy.key_value("v").await.unwrap();
    let mut watch = kv_p.watch("k").await.unwrap();
    match within(15, "the end of the initial data", watch.next()).await {
        Some(Ok(WatchEvent::EndOfInitialData)) => {}
        other => panic!("expected the end of the initial data, got {other:?}"),
    }
    // The watch goes on with the changes.
    kv.put("k", "new").await.unwrap();
    assert_eq!(text(&next_entry(&mut watch).await), "new");

    kv.put("h", "soon gone").await.unwrap();
    let history = within(15, "history", kv_p.history("h")).await;
    assert!(history.unwrap_err().is_key_not_found());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn purge_deletes_removes_old_markers() {
    let server = server();
    let (_c, js) = jetstream(&server).await;
    let kv = bucket(&js, Config::new("pd").history(10)).await;
    for key in ["a", "b", "c"] {
        kv.put(key, "1").await.unwrap();
        kv.put(key, "2").await.unwrap();
    }
    kv.delete("a").await.unwrap();
    kv.purge("b").await.unwrap();
    // a: 2 values + marker, b: marker, c: 2 values.
    assert_eq!(kv.status().await.unwrap().values(), 6);

    // Young markers stay (alone) when asked to keep them; every marker is
    // younger than a time too far back for a date.
    kv.purge_deletes(Some(Duration::MAX)).await.unwrap();
    assert_eq!(kv.status().await.unwrap().values(), 4);
    assert_eq!(kv.history("a").await.unwrap().len(), 1);
    kv.purge_deletes(Some(Duration::from_secs(3600)))
        .await
        .unwrap();
    assert_eq!(kv.status().await.unwrap().values(), 4);
    assert_eq!(kv.history("a").await.unwrap().len(), 1);

    // Otherwise every message of deleted keys goes.
    kv.purge_deletes(None).await.unwrap();
    assert_eq!(kv.status().await.unwrap().values(), 2);
    assert!(kv.history("a").await.is_err());
    assert!(kv.history("b").await.is_err());
    assert_eq!(kv.history("c").await.unwrap().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_bucket_refuses_writes() {
    let server = server();
    let (_c, js) = jetstream(&server).await;
    let kv = bucket(&js, Config::new("small").max_value_size(16)).await;
    kv.put("k", "small").await.unwrap();
    let e = kv.put("k", vec![b'x'; 64]).await.unwrap_err();
    assert!(
        e.jetstream()
            .is_some_and(|e| e.is(ErrorCode::MessageTooLarge)),
        "{e:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mirror_bucket_reads_the_origin_and_writes_to_it() {
    let server = server();
    let (_c, js) = jetstream(&server).await;
    let origin = bucket(&js, Config::new("origin")).await;
    origin.put("a", "1").await.unwrap();
    let mut config = Config::new("copy");
    config.mirror = Some(Source {
        name: "origin".into(),
        ..Source::default()
    });
    let mirror = js.create_key_value(config).await.unwrap();
    let info = js.stream_info("KV_copy").await.unwrap();
    assert_eq!(info.config.mirror.as_ref().unwrap().name, "KV_origin");
    assert!(info.config.mirror_direct);
    eventually(10, "the mirror to catch up", || async {
        mirror.get("a").await.is_ok_and(|e| text(&e) == "1")
    })
    .await;
    // Writes through the mirror go to the origin. The origin's direct gets
    // may be answered by the mirror (`mirror_direct`), which copies the
    // write a little later.
    mirror.put("b", "2").await.unwrap();
    eventually(10, "the origin to answer with the write", || async {
        origin.get("b").await.is_ok_and(|e| text(&e) == "2")
    })
    .await;
    let bound = js.key_value("copy").await.unwrap();
    eventually(10, "the mirror to copy the write", || async {
        bound.get("b").await.is_ok_and(|e| text(&e) == "2")
    })
    .await;
    let mut watch = bound.watch_all().await.unwrap();
    assert_eq!(next_entry(&mut watch).await.key, "a");
    assert_eq!(next_entry(&mut watch).await.key, "b");
    expect_end_of_initial_data(&mut watch).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sourced_bucket_maps_keys() {
    let server = server();
    let (_c, js) = jetstream(&server).await;
    let a = bucket(&js, Config::new("A")).await;
    a.put("x", "from-a").await.unwrap();
    let mut config = Config::new("S");
    config.sources = vec![Source {
        name: "A".into(),
        ..Source::default()
    }];
    let s = js.create_key_value(config).await.unwrap();
    eventually(10, "the source to be copied", || async {
        s.get("x").await.is_ok_and(|e| text(&e) == "from-a")
    })
    .await;
    s.put("own", "v").await.unwrap();
    assert_eq!(s.keys().await.unwrap(), ["own", "x"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_through_an_api_prefix() {
    // Account I reaches account A's JetStream through imports: the API as
    // `fromA.>` (streamed responses, for pull requests) and the KV subjects
    // as `fromA.$KV.>` (C11).
    let config = r#"
accounts: {
  A: {
    jetstream: enabled
    users: [ {user: a, password: a} ]
    exports: [
      {service: "$JS.API.>", response: stream}
      {service: "$KV.>"}
      {stream: "accI.>"}
    ]
  }
  I: {
    users: [ {user: i, password: i} ]
    imports: [
      {service: {account: A, subject: "$JS.API.>"}, to: "fromA.>"}
      {service: {account: A, subject: "$KV.>"}, to: "fromA.$KV.>"}
      {stream: {account: A, subject: "accI.>"}}
    ]
  }
}
"#;
    let server = natrs_tests::ServerConfig::new()
        .config(config)
        .start()
        .unwrap();
    let url = |user: &str| format!("nats://{user}:{user}@127.0.0.1:{}", server.port());
    let a = connect(&url("a")).await;
    let js_a = JetStream::new(a);
    let kv_a = js_a
        .create_key_value(Config::new("Map").history(10))
        .await
        .unwrap();
    let mut watch_a = kv_a.watch("map").await.unwrap();
    expect_end_of_initial_data(&mut watch_a).await;

    let options = natrs_tokio::ConnectOptions::new().inbox_prefix("accI");
    let i = natrs_tokio::connect_with_options(url("i"), options)
        .await
        .unwrap();
    let js_i = JetStream::with_prefix(i, "fromA");
    let kv_i = js_i.key_value("Map").await.unwrap();
    assert_eq!(kv_i.write_subject("map"), "fromA.$KV.Map.map");
    let mut watch_i = kv_i.watch("map").await.unwrap();
    expect_end_of_initial_data(&mut watch_i).await;

    let r = kv_i.put("map", "value").await.unwrap();
    assert_eq!(text(&kv_a.get("map").await.unwrap()), "value");
    assert_eq!(text(&kv_i.get("map").await.unwrap()), "value");
    assert_eq!(text(&next_entry(&mut watch_a).await), "value");
    assert_eq!(text(&next_entry(&mut watch_i).await), "value");
    kv_i.update("map", "updated", r).await.unwrap();
    assert_eq!(text(&kv_a.get("map").await.unwrap()), "updated");
    assert_eq!(text(&next_entry(&mut watch_i).await), "updated");
    kv_i.delete("map").await.unwrap();
    assert!(kv_a.get("map").await.unwrap_err().is_key_not_found());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_ends_with_an_error_when_the_bucket_is_deleted() {
    let server = server();
    let (_c, js) = jetstream(&server).await;
    let kv = bucket(&js, Config::new("d")).await;
    kv.put("k", "v").await.unwrap();
    let mut watch = kv.watch_all().await.unwrap();
    assert_eq!(next_entry(&mut watch).await.key, "k");
    expect_end_of_initial_data(&mut watch).await;
    js.delete_key_value("d").await.unwrap();
    let e = match within(30, "the watch to end", watch.next()).await {
        Some(Err(e)) => e,
        other => panic!("expected an error, got {other:?}"),
    };
    assert!(
        matches!(e, KvError::JetStream(Error::Api(ref api)) if api.code == ErrorCode::StreamNotFound),
        "{e:?}"
    );
    assert!(watch.next().await.is_none());
    assert!(matches!(kv.status().await, Err(KvError::BucketNotFound(_))));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_in_a_domain_go_under_its_api_prefix() {
    let server = natrs_tests::ServerConfig::new()
        .config("jetstream { domain: hub }")
        .start()
        .unwrap();
    let client = connect(&server.url()).await;
    let js = JetStream::with_domain(client.clone(), "hub");
    let kv = js.create_key_value(Config::new("d")).await.unwrap();
    assert_eq!(kv.write_subject("k"), "$JS.hub.API.$KV.d.k");
    let r = kv.put("k", "v").await.unwrap();
    kv.update("k", "w", r).await.unwrap();
    assert_eq!(text(&kv.get("k").await.unwrap()), "w");
    // The same bucket through the default prefix.
    let plain = JetStream::new(client).key_value("d").await.unwrap();
    assert_eq!(plain.write_subject("k"), "$KV.d.k");
    assert_eq!(text(&plain.get("k").await.unwrap()), "w");
}
