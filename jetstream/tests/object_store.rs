//! Object Store against a real server: store management, puts of several
//! chunks from bytes and readers, checked reads, replacing and deleting,
//! meta updates, links, watches and listing, sealing, puts that fail midway,
//! and interoperability with nats.go's format in both directions (objects
//! written by hand as nats.go writes them, and the exact subjects and meta
//! bytes this crate writes).

mod common;

use base64::Engine;
use common::*;
use futures_util::{AsyncReadExt, StreamExt};
use natrs_jetstream::api::publish::PublishOptions;
use natrs_jetstream::api::stream::{Compression, DiscardPolicy, StorageType};
use natrs_jetstream::object::{
    Config, ObjectError, ObjectInfo, ObjectMeta, ObjectStore, ObjectWatch, ObjectWatchEvent,
    ObjectWatchOptions,
};
use natrs_jetstream::{Error, ErrorCode, JetStream, JetStreamOptions};
use natrs_tokio::HeaderMap;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

/// `n` bytes of a repeating, position-dependent pattern.
fn data(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i * 7 + i / 251) as u8).collect()
}

fn digest(bytes: &[u8]) -> String {
    format!(
        "SHA-256={}",
        base64::engine::general_purpose::URL_SAFE.encode(Sha256::digest(bytes))
    )
}

async fn store(js: &JetStream, name: &str) -> ObjectStore {
    js.create_object_store(Config::new(name)).await.unwrap()
}

/// The whole of object `name`, read through the reader's `AsyncRead`.
async fn read_to_end(s: &ObjectStore, name: &str) -> Vec<u8> {
    let mut reader = s.get(name).await.unwrap();
    let mut read = Vec::new();
    within(10, "read_to_end", reader.read_to_end(&mut read))
        .await
        .unwrap();
    read
}

/// Messages per chunk subject of the store.
async fn chunk_counts(js: &JetStream, bucket: &str) -> BTreeMap<String, u64> {
    let stream = js.get_stream(&format!("OBJ_{bucket}")).await.unwrap();
    stream.subjects(&format!("$O.{bucket}.C.>")).await.unwrap()
}

async fn next_watch_event(watch: &mut ObjectWatch) -> ObjectWatchEvent {
    within(10, "an object watch event", watch.next())
        .await
        .expect("watch ended")
        .expect("watch error")
}

async fn next_info(watch: &mut ObjectWatch) -> ObjectInfo {
    match next_watch_event(watch).await {
        ObjectWatchEvent::Info(info) => *info,
        ObjectWatchEvent::EndOfInitialData => panic!("expected an info, got the end marker"),
    }
}

async fn expect_end_marker(watch: &mut ObjectWatch) {
    match next_watch_event(watch).await {
        ObjectWatchEvent::EndOfInitialData => {}
        ObjectWatchEvent::Info(i) => panic!("expected the end marker, got {i:?}"),
    }
}

/// Hands out its data a few KiB per read, then fails if told to.
struct Reader {
    data: Vec<u8>,
    at: usize,
    fail_at: Option<usize>,
}

impl futures_util::AsyncRead for Reader {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        if self.fail_at.is_some_and(|f| self.at >= f) {
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::BrokenPipe,
                "source broke",
            )));
        }
        let n = buf.len().min(5000).min(self.data.len() - self.at);
        buf[..n].copy_from_slice(&self.data[self.at..self.at + n]);
        self.at += n;
        Poll::Ready(Ok(n))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn store_management() {
    let server = server();
    let (_c, js) = jetstream(&server).await;
    let mut config = Config::new("files")
        .max_bytes(10 << 20)
        .ttl(Duration::from_secs(3600))
        .storage(StorageType::Memory);
    config.description = Some("the files".into());
    config.compression = false;
    config.metadata.insert("owner".into(), "tests".into());
    let s = js.create_object_store(config.clone()).await.unwrap();
    assert_eq!(s.bucket(), "files");
    let c = js.stream_info("OBJ_files").await.unwrap().config;
    assert_eq!(
        c.subjects,
        vec!["$O.files.C.>".to_string(), "$O.files.M.>".to_string()]
    );
    assert_eq!(c.discard, DiscardPolicy::New);
    assert!(c.allow_rollup && c.allow_direct);
    assert_eq!(c.max_bytes, 10 << 20);
    assert_eq!(c.max_age, Duration::from_secs(3600));
    assert_eq!(c.storage, StorageType::Memory);

    // Same configuration binds; another fails.
    js.create_object_store(config.clone()).await.unwrap();
    assert_eq!(
        js.create_object_store(config.clone().max_bytes(1 << 20))
            .await
            .unwrap_err(),
        ObjectError::BucketExists("files".into())
    );
    let s = js
        .update_object_store(config.clone().max_bytes(20 << 20))
        .await
        .unwrap();
    let mut compressed = Config::new("zipped");
    compressed.compression = true;
    js.create_or_update_object_store(compressed).await.unwrap();
    assert_eq!(
        js.update_object_store(Config::new("missing"))
            .await
            .unwrap_err(),
        ObjectError::BucketNotFound("missing".into())
    );

    s.put_bytes("a", "abc").await.unwrap();
    let status = s.status().await.unwrap();
    assert_eq!(status.bucket(), "files");
    assert_eq!(status.description(), Some("the files"));
    assert_eq!(status.ttl(), Duration::from_secs(3600));
    assert_eq!(status.storage(), StorageType::Memory);
    assert_eq!(status.replicas(), 1);
    assert!(!status.sealed());
    assert!(status.size() > 3);
    assert_eq!(status.backing_store(), "JetStream");
    assert!(!status.is_compressed());
    assert_eq!(
        status.metadata().get("owner").map(String::as_str),
        Some("tests")
    );
    assert_eq!(status.info.config.max_bytes, 20 << 20);

    let mut names = js.object_store_names().all().await.unwrap();
    names.sort();
    assert_eq!(names, ["files", "zipped"]);
    let stores = js.object_stores().all().await.unwrap();
    assert!(
        stores
            .iter()
            .any(|s| s.bucket == "zipped" && s.info.config.compression == Compression::S2)
    );

    let bound = js.object_store("files").await.unwrap();
    assert_eq!(&bound.get_bytes("a").await.unwrap()[..], b"abc");
    assert_eq!(
        js.object_store("nope").await.unwrap_err(),
        ObjectError::BucketNotFound("nope".into())
    );
    for bad in ["", "a.b", "a b", "a>"] {
        assert!(matches!(
            js.create_object_store(Config::new(bad)).await,
            Err(ObjectError::InvalidBucketName(_))
        ));
    }
    js.delete_object_store("zipped").await.unwrap();
    assert_eq!(
        js.delete_object_store("zipped").await.unwrap_err(),
        ObjectError::BucketNotFound("zipped".into())
    );
    assert_eq!(js.object_store_names().all().await.unwrap(), ["files"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_objects_of_several_chunks() {
    let server = server();
    let (_c, js) = jetstream(&server).await;
    let s = store(&js, "big").await;

    // Default chunks of 128 KiB: 1 MiB + 17 bytes is 9 chunks.
    let bytes = data((1 << 20) + 17);
    let info = s.put_bytes("blob", bytes.clone()).await.unwrap();
    assert_eq!(info.name, "blob");
    assert_eq!(info.bucket, "big");
    assert_eq!(info.size, bytes.len() as u64);
    assert_eq!(info.chunks, 9);
    assert_eq!(info.digest, digest(&bytes));
    assert_eq!(info.nuid.len(), 22);
    assert_eq!(info.options.as_ref().unwrap().max_chunk_size, 128 * 1024);
    assert!(!info.deleted);
    assert!(info.modified.is_some());
    let counts = chunk_counts(&js, "big").await;
    assert_eq!(counts.get(&format!("$O.big.C.{}", info.nuid)), Some(&9));

    // Read back in one piece, chunk by chunk, and through AsyncRead.
    assert_eq!(&s.get_bytes("blob").await.unwrap()[..], &bytes[..]);
    let mut reader = s.get("blob").await.unwrap();
    assert_eq!(reader.info().digest, info.digest);
    let mut chunks = Vec::new();
    while let Some(chunk) = within(10, "a chunk", reader.next()).await {
        chunks.push(chunk.unwrap());
    }
    assert_eq!(chunks.len(), 9);
    assert!(chunks[..8].iter().all(|c| c.len() == 128 * 1024));
    assert_eq!(chunks.concat(), bytes);
    assert_eq!(reader.bytes_read(), bytes.len() as u64);
    assert_eq!(read_to_end(&s, "blob").await, bytes);

    // From a reader that hands out a little at a time, with a chunk size.
    let bytes = data(10_500);
    let reader = Reader {
        data: bytes.clone(),
        at: 0,
        fail_at: None,
    };
    let meta = ObjectMeta::new("small chunks").chunk_size(1000);
    let info = s.put(meta, reader).await.unwrap();
    assert_eq!((info.size, info.chunks), (10_500, 11));
    assert_eq!(info.options.as_ref().unwrap().max_chunk_size, 1000);
    let got = s.get_bytes("small chunks").await.unwrap();
    assert_eq!(&got[..], &bytes[..]);

    // An empty object has no chunks.
    let info = s.put_bytes("empty", Vec::new()).await.unwrap();
    assert_eq!((info.size, info.chunks), (0, 0));
    assert_eq!(info.digest, digest(b""));
    assert!(s.get_bytes("empty").await.unwrap().is_empty());
    let mut reader = s.get("empty").await.unwrap();
    assert!(reader.next().await.is_none());
    // Finished and dropped readers delete their consumers.
    let half_read = s.get("blob").await.unwrap();
    drop(half_read);
    eventually(10, "the readers' consumers to be deleted", || async {
        js.consumer_names("OBJ_big").all().await.unwrap().is_empty()
    })
    .await;

    // Names are any text.
    let name = "dir/file name.txt?&<ü>";
    s.put_bytes(name, "x").await.unwrap();
    assert_eq!(&s.get_bytes(name).await.unwrap()[..], b"x");
    assert_eq!(
        s.put_bytes("", "x").await.unwrap_err(),
        ObjectError::EmptyName
    );
    assert_eq!(
        s.put_bytes_with(ObjectMeta::new("z").chunk_size(0), "x")
            .await
            .unwrap_err(),
        ObjectError::InvalidChunkSize
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_with_a_timeout_too_long_for_the_clock() {
    let server = server();
    let client = connect(&server.url()).await;
    let options = JetStreamOptions::new().timeout(Duration::MAX);
    let js = JetStream::with_options(client, options);
    let s = store(&js, "forever").await;
    let bytes = data(300_000);
    s.put_bytes("blob", bytes.clone()).await.unwrap();
    assert_eq!(read_to_end(&s, "blob").await, bytes);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replace_delete_and_info() {
    let server = server();
    let (_c, js) = jetstream(&server).await;
    let s = store(&js, "r").await;
    let first = s.put_bytes("obj", data(300_000)).await.unwrap();
    let meta = ObjectMeta::new("obj")
        .description("second")
        .header("Content-Type", "text/plain")
        .metadata("version", "2");
    let second = s.put_bytes_with(meta, data(1000)).await.unwrap();
    assert_ne!(first.nuid, second.nuid);
    // The old chunks are gone; one chunk and one meta remain.
    let counts = chunk_counts(&js, "r").await;
    assert_eq!(counts.len(), 1);
    assert_eq!(counts.get(&format!("$O.r.C.{}", second.nuid)), Some(&1));
    assert_eq!(s.status().await.unwrap().info.state.messages, 2);

    let info = s.get_info("obj").await.unwrap();
    assert_eq!(info.description, "second");
    assert_eq!(
        info.headers.get("Content-Type"),
        Some(&vec!["text/plain".to_string()])
    );
    assert_eq!(info.metadata.get("version").map(String::as_str), Some("2"));
    assert_eq!(info.digest, second.digest);
    assert!(info.modified.is_some());
    assert_eq!(
        s.get_info("nope").await.unwrap_err(),
        ObjectError::NotFound("nope".into())
    );

    s.delete("obj").await.unwrap();
    assert!(s.get_info("obj").await.unwrap_err().is_not_found());
    assert!(s.get("obj").await.unwrap_err().is_not_found());
    let deleted = s.get_info_with_deleted("obj").await.unwrap();
    assert!(deleted.deleted);
    assert_eq!((deleted.size, deleted.chunks), (0, 0));
    assert!(deleted.digest.is_empty());
    assert!(chunk_counts(&js, "r").await.is_empty());
    assert_eq!(
        s.delete("never").await.unwrap_err(),
        ObjectError::NotFound("never".into())
    );
    // A put over a deleted object.
    s.put_bytes("obj", "back").await.unwrap();
    assert_eq!(&s.get_bytes("obj").await.unwrap()[..], b"back");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn update_meta_renames() {
    let server = server();
    let (_c, js) = jetstream(&server).await;
    let s = store(&js, "u").await;
    s.put_bytes("a", "aaa").await.unwrap();
    s.put_bytes("b", "bbb").await.unwrap();

    let meta = ObjectMeta::new("a")
        .description("described")
        .metadata("k", "v");
    let info = s.update_meta("a", meta).await.unwrap();
    assert_eq!(info.description, "described");
    let info = s.get_info("a").await.unwrap();
    assert_eq!(info.metadata.get("k").map(String::as_str), Some("v"));

    // Renaming onto a live object fails; onto a fresh name moves it.
    assert_eq!(
        s.update_meta("a", ObjectMeta::new("b")).await.unwrap_err(),
        ObjectError::AlreadyExists("b".into())
    );
    s.update_meta("a", ObjectMeta::new("c")).await.unwrap();
    assert!(s.get_info("a").await.unwrap_err().is_not_found());
    assert!(s.get_info_with_deleted("a").await.is_err());
    assert_eq!(&s.get_bytes("c").await.unwrap()[..], b"aaa");
    // Renaming onto a deleted object is fine.
    s.delete("b").await.unwrap();
    s.update_meta("c", ObjectMeta::new("b")).await.unwrap();
    assert_eq!(&s.get_bytes("b").await.unwrap()[..], b"aaa");
    assert_eq!(
        s.update_meta("gone", ObjectMeta::new("x"))
            .await
            .unwrap_err(),
        ObjectError::NotFound("gone".into())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn links_to_objects_and_buckets() {
    let server = server();
    let (_c, js) = jetstream(&server).await;
    let s = store(&js, "l").await;
    let other = store(&js, "other").await;
    let target = s.put_bytes("target", data(200_000)).await.unwrap();
    let remote = other.put_bytes("remote", "far").await.unwrap();

    let link = s.add_link("shortcut", &target).await.unwrap();
    let l = link.link().unwrap();
    assert_eq!(
        (l.bucket.as_str(), l.name.as_deref()),
        ("l", Some("target"))
    );
    assert!(link.is_link());
    assert_eq!(link.size, 0);
    assert_eq!(
        &s.get_bytes("shortcut").await.unwrap()[..],
        &data(200_000)[..]
    );
    // To another store.
    s.add_link("far", &remote).await.unwrap();
    assert_eq!(&s.get_bytes("far").await.unwrap()[..], b"far");
    // A link may replace a link, never a live object.
    s.add_link("far", &target).await.unwrap();
    assert_eq!(s.get_bytes("far").await.unwrap().len(), 200_000);
    let e = s.add_link("target", &remote).await.unwrap_err();
    assert_eq!(e, ObjectError::AlreadyExists("target".into()));
    // No links to links or to deleted objects.
    let e = s.add_link("again", &link).await.unwrap_err();
    assert_eq!(e, ObjectError::LinkToLink("shortcut".into()));
    other.delete("remote").await.unwrap();
    let deleted = other.get_info_with_deleted("remote").await.unwrap();
    let e = s.add_link("dead", &deleted).await.unwrap_err();
    assert_eq!(e, ObjectError::LinkToDeleted("remote".into()));

    // A bucket link names a store, not bytes.
    let b = s.add_bucket_link("everything", "other").await.unwrap();
    let l = b.link().unwrap();
    assert_eq!((l.bucket.as_str(), l.name.as_deref()), ("other", None));
    assert_eq!(
        s.get("everything").await.unwrap_err(),
        ObjectError::BucketLink("everything".into())
    );
    let names: Vec<String> = s
        .list()
        .await
        .unwrap()
        .into_iter()
        .map(|i| i.name)
        .collect();
    assert_eq!(names.len(), 4, "{names:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_and_list() {
    let server = server();
    let (_c, js) = jetstream(&server).await;
    let s = store(&js, "w").await;
    assert!(s.list().await.unwrap().is_empty());

    let mut empty = s.watch().await.unwrap();
    expect_end_marker(&mut empty).await;
    s.put_bytes("one", "1").await.unwrap();
    let info = next_info(&mut empty).await;
    assert_eq!((info.name.as_str(), info.size), ("one", 1));
    assert!(info.modified.is_some());

    s.put_bytes("two", "22").await.unwrap();
    s.put_bytes("three", "333").await.unwrap();
    s.delete("three").await.unwrap();
    let mut watch = s.watch().await.unwrap();
    let mut initial = Vec::new();
    for _ in 0..3 {
        let i = next_info(&mut watch).await;
        initial.push((i.name, i.deleted));
    }
    initial.sort();
    assert_eq!(
        initial,
        [
            ("one".to_string(), false),
            ("three".to_string(), true),
            ("two".to_string(), false)
        ]
    );
    expect_end_marker(&mut watch).await;
    s.put_bytes("four", "4444").await.unwrap();
    assert_eq!(next_info(&mut watch).await.name, "four");

    let mut updates = s
        .watch_with(ObjectWatchOptions::new().updates_only())
        .await
        .unwrap();
    expect_end_marker(&mut updates).await;
    s.delete("two").await.unwrap();
    let i = next_info(&mut updates).await;
    assert_eq!((i.name.as_str(), i.deleted), ("two", true));

    let mut no_deletes = s
        .watch_with(ObjectWatchOptions::new().ignore_deletes())
        .await
        .unwrap();
    let mut live = vec![
        next_info(&mut no_deletes).await.name,
        next_info(&mut no_deletes).await.name,
    ];
    live.sort();
    assert_eq!(live, ["four", "one"]);
    expect_end_marker(&mut no_deletes).await;

    let mut listed: Vec<String> = s
        .list()
        .await
        .unwrap()
        .into_iter()
        .map(|i| i.name)
        .collect();
    listed.sort();
    assert_eq!(listed, ["four", "one"]);
    assert_eq!(s.list_with_deleted().await.unwrap().len(), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sealed_store_refuses_changes() {
    let server = server();
    let (_c, js) = jetstream(&server).await;
    let s = store(&js, "sealed").await;
    s.put_bytes("kept", "k").await.unwrap();
    s.seal().await.unwrap();
    assert!(s.status().await.unwrap().sealed());
    let e = s.put_bytes("new", "n").await.unwrap_err();
    assert!(
        e.jetstream().is_some_and(|e| e.is(ErrorCode::StreamSealed)),
        "{e:?}"
    );
    assert!(s.delete("kept").await.is_err());
    assert_eq!(&s.get_bytes("kept").await.unwrap()[..], b"k");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_put_that_fails_midway_leaves_no_chunks() {
    let server = server();
    let (_c, js) = jetstream(&server).await;
    let s = store(&js, "f").await;
    let old = s.put_bytes("obj", data(50_000)).await.unwrap();

    // The source breaks after three chunks were published.
    let reader = Reader {
        data: data(1_000_000),
        at: 0,
        fail_at: Some(3 * 128 * 1024),
    };
    let e = s.put(ObjectMeta::new("obj"), reader).await.unwrap_err();
    assert!(
        matches!(
            e,
            ObjectError::Read {
                kind: io::ErrorKind::BrokenPipe,
                ..
            }
        ),
        "{e:?}"
    );
    // Only the old object's chunk is left, and it still reads.
    let counts = chunk_counts(&js, "f").await;
    assert_eq!(counts.len(), 1, "{counts:?}");
    assert!(counts.contains_key(&format!("$O.f.C.{}", old.nuid)));
    assert_eq!(&s.get_bytes("obj").await.unwrap()[..], &data(50_000)[..]);

    // The store fills up midway (discard new): the stored chunks go too.
    let small = js
        .create_object_store(Config::new("small").max_bytes(300 * 1024))
        .await
        .unwrap();
    let e = small.put_bytes("huge", data(1 << 20)).await.unwrap_err();
    assert!(matches!(e, ObjectError::JetStream(Error::Api(_))), "{e:?}");
    assert!(chunk_counts(&js, "small").await.is_empty());
    assert_eq!(small.status().await.unwrap().info.state.messages, 0);
    assert!(small.get_info("huge").await.unwrap_err().is_not_found());
}

/// The meta JSON nats.go writes for an object, by hand.
fn nats_go_meta(name: &str, nuid: &str, size: usize, chunks: u32, digest: &str) -> String {
    format!(
        concat!(
            r#"{{"name":"{}","options":{{"max_chunk_size":131072}},"bucket":"vec","nuid":"{}","#,
            r#""size":{},"mtime":"0001-01-01T00:00:00Z","chunks":{},"digest":"{}"}}"#
        ),
        name, nuid, size, chunks, digest
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_objects_written_as_nats_go_writes_them() {
    let server = server();
    let (_c, js) = jetstream(&server).await;
    let s = store(&js, "vec").await;

    // "hello world" in two chunks, meta for the name "greeting".
    let nuid = "abcdefghijklmnopqrstuv";
    let chunk_subject = format!("$O.vec.C.{nuid}");
    js.publish(chunk_subject.clone(), "hello ").await.unwrap();
    js.publish(chunk_subject.clone(), "world").await.unwrap();
    // SHA-256("hello world"), base64url with padding.
    let sum = "SHA-256=uU0nuZNNPgilLlLX2n2r-sSE7-N6U4DukIj3rOLvzek=";
    assert_eq!(sum, digest(b"hello world"));
    let meta = nats_go_meta("greeting", nuid, 11, 2, sum);
    let rollup = PublishOptions::new().rollup(natrs_jetstream::api::publish::Rollup::Subject);
    // base64url("greeting") with padding.
    js.publish_with_options("$O.vec.M.Z3JlZXRpbmc=", meta.clone(), rollup.clone())
        .await
        .unwrap();
    let info = s.get_info("greeting").await.unwrap();
    assert_eq!(info.nuid, nuid);
    assert_eq!((info.size, info.chunks), (11, 2));
    assert_eq!(info.digest, sum);
    assert!(info.modified.is_some_and(|t| t.year() > 2000));
    assert_eq!(&s.get_bytes("greeting").await.unwrap()[..], b"hello world");
    let listed = s.list().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].name, "greeting");

    // The same chunks under a wrong digest: the read fails at the end.
    let wrong = digest(b"hello worle");
    let meta = nats_go_meta("tampered", nuid, 11, 2, &wrong);
    js.publish_with_options("$O.vec.M.dGFtcGVyZWQ=", meta, rollup.clone())
        .await
        .unwrap();
    let e = s.get_bytes("tampered").await.unwrap_err();
    assert_eq!(
        e,
        ObjectError::DigestMismatch {
            expected: wrong.clone(),
            actual: sum.to_string()
        }
    );
    // Streaming: the first chunk comes, the last is held back for the error.
    let mut reader = s.get("tampered").await.unwrap();
    assert_eq!(&reader.next().await.unwrap().unwrap()[..], b"hello ");
    assert!(matches!(
        reader.next().await,
        Some(Err(ObjectError::DigestMismatch { .. }))
    ));
    // Through AsyncRead the failure is an InvalidData error.
    let mut reader = s.get("tampered").await.unwrap();
    let mut buf = Vec::new();
    let e = reader.read_to_end(&mut buf).await.unwrap_err();
    assert_eq!(e.kind(), io::ErrorKind::InvalidData);

    // A size that does not match the chunks.
    let meta = nats_go_meta("short", nuid, 5, 2, sum);
    js.publish_with_options("$O.vec.M.c2hvcnQ=", meta, rollup.clone())
        .await
        .unwrap();
    assert!(matches!(
        s.get_bytes("short").await.unwrap_err(),
        ObjectError::SizeMismatch { expected: 5, .. }
    ));
    // Chunks that are not there.
    let meta = nats_go_meta("lost", "zzzzzzzzzzzzzzzzzzzzzz", 11, 2, sum);
    js.publish_with_options("$O.vec.M.bG9zdA==", meta, rollup)
        .await
        .unwrap();
    assert_eq!(
        s.get("lost").await.unwrap_err(),
        ObjectError::MissingChunks {
            expected: 2,
            found: 0
        }
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_the_subjects_and_meta_bytes_nats_go_writes() {
    let server = server();
    let (client, js) = jetstream(&server).await;
    let s = store(&js, "vec").await;
    let mut sub = client.subscribe("$O.vec.>").await.unwrap();
    client.flush().await.unwrap();

    let bytes = data(300_000);
    let info = s.put_bytes("a/b c.txt", bytes.clone()).await.unwrap();
    let nuid = &info.nuid;
    let chunk_subject = format!("$O.vec.C.{nuid}");
    let mut chunks = Vec::new();
    for _ in 0..3 {
        let m = within(10, "a chunk", sub.next()).await.unwrap();
        assert_eq!(m.subject.as_str(), chunk_subject);
        assert!(m.headers.is_none());
        chunks.push(m.payload);
    }
    assert_eq!(
        chunks.iter().map(|c| c.len()).collect::<Vec<_>>(),
        [131_072, 131_072, 37_856]
    );
    assert_eq!(chunks.concat(), bytes);
    let meta = within(10, "the meta", sub.next()).await.unwrap();
    // base64url("a/b c.txt") with padding.
    assert_eq!(meta.subject.as_str(), "$O.vec.M.YS9iIGMudHh0");
    let headers: &HeaderMap = meta.headers.as_ref().unwrap();
    assert_eq!(headers.get("Nats-Rollup"), Some("sub"));
    let expected = format!(
        concat!(
            r#"{{"name":"a/b c.txt","options":{{"max_chunk_size":131072}},"bucket":"vec","nuid":"{}","#,
            r#""size":300000,"mtime":"0001-01-01T00:00:00Z","chunks":3,"digest":"{}"}}"#
        ),
        nuid,
        digest(&bytes)
    );
    assert_eq!(std::str::from_utf8(&meta.payload).unwrap(), expected);

    // A link, a meta update and a delete, in nats.go's form too.
    let link = s.add_link("ln", &info).await.unwrap();
    let m = within(10, "the link meta", sub.next()).await.unwrap();
    assert_eq!(m.subject.as_str(), "$O.vec.M.bG4=");
    assert_eq!(
        std::str::from_utf8(&m.payload).unwrap(),
        format!(
            concat!(
                r#"{{"name":"ln","options":{{"link":{{"bucket":"vec","name":"a/b c.txt"}}}},"#,
                r#""bucket":"vec","nuid":"{}","size":0,"mtime":"0001-01-01T00:00:00Z","chunks":0}}"#
            ),
            link.nuid
        )
    );
    s.update_meta(
        "a/b c.txt",
        ObjectMeta::new("a/b c.txt")
            .description("<d>")
            .header("X", "1"),
    )
    .await
    .unwrap();
    let m = within(10, "the updated meta", sub.next()).await.unwrap();
    assert_eq!(
        std::str::from_utf8(&m.payload).unwrap(),
        format!(
            concat!(
                r#"{{"name":"a/b c.txt","description":"\u003cd\u003e","headers":{{"X":["1"]}},"#,
                r#""options":{{"max_chunk_size":131072}},"bucket":"vec","nuid":"{}","size":300000,"#,
                r#""mtime":"0001-01-01T00:00:00Z","chunks":3,"digest":"{}"}}"#
            ),
            nuid,
            digest(&bytes)
        )
    );
    s.delete("a/b c.txt").await.unwrap();
    let m = within(10, "the delete meta", sub.next()).await.unwrap();
    assert_eq!(
        std::str::from_utf8(&m.payload).unwrap(),
        format!(
            concat!(
                r#"{{"name":"a/b c.txt","description":"\u003cd\u003e","headers":{{"X":["1"]}},"#,
                r#""options":{{"max_chunk_size":131072}},"bucket":"vec","nuid":"{}","size":0,"#,
                r#""mtime":"0001-01-01T00:00:00Z","chunks":0,"deleted":true}}"#
            ),
            nuid
        )
    );
}
