//! Key-Value and Object Store through the blocking facade against a real
//! server. The connection's driver runs on a tokio runtime's worker threads;
//! the test thread only parks.

mod common;

use natrs_jetstream::blocking::JetStream;
use natrs_jetstream::kv::{self, KvError, Operation, WatchEvent, WatchOptions};
use natrs_jetstream::object::{self, ObjectError, ObjectMeta, ObjectWatchEvent};
use sha2::{Digest, Sha256};
use std::io::Read;
use std::time::{Duration, Instant};

fn setup() -> (tokio::runtime::Runtime, natrs_tests::Server, JetStream) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let server = common::server();
    let client = rt.block_on(common::connect(&server.url()));
    (rt, server, JetStream::new(client))
}

fn next_event<S>(watch: &mut natrs_jetstream::blocking::Iter<S>) -> S::Item
where
    S: futures_core::Stream + Unpin,
{
    watch
        .next_until(Instant::now() + Duration::from_secs(10))
        .expect("timed out waiting for a watch event")
        .expect("watch ended")
}

#[test]
fn key_value() {
    let (_rt, _server, js) = setup();
    let kv = js
        .create_key_value(kv::Config::new("settings").history(5))
        .unwrap();
    assert_eq!(js.key_value_names().all().unwrap(), ["settings"]);

    let mut watch = kv.watch_all().unwrap();
    // The marker of an empty bucket is due at once; a timeout too long to
    // add to the clock waits without limit instead of panicking.
    assert_eq!(
        watch.next_timeout(Duration::MAX).unwrap().unwrap().unwrap(),
        WatchEvent::EndOfInitialData
    );

    let r1 = kv.put("color", "blue").unwrap();
    let r2 = kv.update("color", "green", r1).unwrap();
    assert_eq!(
        kv.update("color", "red", r1).unwrap_err(),
        KvError::WrongRevision {
            key: "color".into(),
            expected: r1
        }
    );
    assert_eq!(kv.get("color").unwrap().value, "green");
    assert_eq!(kv.get_revision("color", r1).unwrap().value, "blue");
    assert_eq!(
        kv.create("color", "x").unwrap_err(),
        KvError::KeyExists("color".into())
    );
    kv.delete("color").unwrap();
    assert!(kv.get("color").unwrap_err().is_key_not_found());
    kv.create("color", "again").unwrap();
    kv.put("size", "L").unwrap();
    let mut expect = |events: &[(&str, Operation)]| {
        for &(key, op) in events {
            match next_event(&mut watch).unwrap() {
                WatchEvent::Entry(e) => assert_eq!((e.key.as_str(), e.operation), (key, op)),
                other => panic!("{other:?}"),
            }
        }
    };
    expect(&[
        ("color", Operation::Put),
        ("color", Operation::Put),
        ("color", Operation::Delete),
        ("color", Operation::Put),
        ("size", Operation::Put),
    ]);
    // A purge rolls up the key's earlier values: a watcher sees them only
    // if it was delivered them first.
    kv.purge("size").unwrap();
    expect(&[("size", Operation::Purge)]);
    let history = kv.history("color").unwrap();
    assert_eq!(history.len(), 4);
    assert_eq!(history[1].revision, r2);
    assert_eq!(kv.keys().unwrap(), ["color"]);
    let listed: Vec<String> = kv.list_keys(&[]).unwrap().map(Result::unwrap).collect();
    assert_eq!(listed, ["color"]);
    let mut updates = kv
        .watch_with(&["color"], WatchOptions::new().updates_only())
        .unwrap();
    assert_eq!(
        next_event(&mut updates).unwrap(),
        WatchEvent::EndOfInitialData
    );
    kv.purge_deletes(None).unwrap();
    assert_eq!(kv.status().unwrap().values(), 4);
    assert_eq!(js.key_value("settings").unwrap().bucket(), "settings");
    js.delete_key_value("settings").unwrap();
    assert!(matches!(
        js.key_value("settings"),
        Err(KvError::BucketNotFound(_))
    ));
}

#[test]
fn object_store() {
    let (_rt, _server, js) = setup();
    let store = js
        .create_object_store(object::Config::new("files"))
        .unwrap();
    let mut watch = store.watch().unwrap();
    assert_eq!(
        next_event(&mut watch).unwrap(),
        ObjectWatchEvent::EndOfInitialData
    );

    // Put from a std reader, several chunks.
    let data: Vec<u8> = (0..400_000u32).map(|i| (i % 251) as u8).collect();
    let info = store
        .put(
            ObjectMeta::new("data.bin"),
            std::io::Cursor::new(data.clone()),
        )
        .unwrap();
    assert_eq!((info.size, info.chunks), (400_000, 4));
    assert_eq!(
        object::decode_digest(&info.digest).unwrap(),
        Sha256::digest(&data).to_vec()
    );
    match next_event(&mut watch).unwrap() {
        ObjectWatchEvent::Info(i) => assert_eq!(i.name, "data.bin"),
        other => panic!("{other:?}"),
    }

    // Read back through std::io::Read and as chunks.
    let mut reader = store.get("data.bin").unwrap();
    assert_eq!(reader.info().size, 400_000);
    let mut read = Vec::new();
    reader.read_to_end(&mut read).unwrap();
    assert_eq!(read, data);
    let chunks: Vec<_> = store.get("data.bin").unwrap().map(Result::unwrap).collect();
    assert_eq!(chunks.len(), 4);
    assert_eq!(&store.get_bytes("data.bin").unwrap()[..], &data[..]);

    // Links, meta updates, listing, deleting, sealing.
    let link = store.add_link("alias", &info).unwrap();
    assert!(link.is_link());
    assert_eq!(store.get_bytes("alias").unwrap().len(), 400_000);
    store
        .update_meta(
            "data.bin",
            ObjectMeta::new("data.bin").description("numbers"),
        )
        .unwrap();
    assert_eq!(store.get_info("data.bin").unwrap().description, "numbers");
    assert_eq!(store.list().unwrap().len(), 2);
    store.delete("data.bin").unwrap();
    assert!(store.get_info("data.bin").unwrap_err().is_not_found());
    assert!(store.get_info_with_deleted("data.bin").unwrap().deleted);
    store.seal().unwrap();
    assert!(store.status().unwrap().sealed());
    assert!(store.put_bytes("late", "x").is_err());
    assert_eq!(js.object_store_names().all().unwrap(), ["files"]);
    js.delete_object_store("files").unwrap();
    assert!(matches!(
        js.object_store("files"),
        Err(ObjectError::BucketNotFound(_))
    ));
}
