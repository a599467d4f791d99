//! The JetStream, Key-Value, Object Store and Service API examples of every
//! runtime crate, included as modules (their `main` unused) and run against
//! a JetStream server of their own: each runtime's example must see the
//! same thing.

use crate::support::WAIT;
use crate::tokio_only::{runtime, within};
use natrs_tests::Server;
use std::future::Future;
use std::path::Path;

macro_rules! examples {
    ($($module:ident = $path:literal;)*) => {
        $(
            #[allow(dead_code)]
            #[path = $path]
            mod $module;
        )*
    };
}

examples! {
    tokio_jetstream = "../../../client-tokio/examples/jetstream.rs";
    tokio_kv = "../../../client-tokio/examples/kv.rs";
    tokio_object_store = "../../../client-tokio/examples/object_store.rs";
    tokio_service = "../../../client-tokio/examples/service.rs";
    async_std_jetstream = "../../../client-async-std/examples/async_std_jetstream.rs";
    async_std_kv = "../../../client-async-std/examples/async_std_kv.rs";
    async_std_object_store = "../../../client-async-std/examples/async_std_object_store.rs";
    async_std_service = "../../../client-async-std/examples/async_std_service.rs";
    blocking_jetstream = "../../../client-blocking/examples/blocking_jetstream.rs";
    blocking_kv = "../../../client-blocking/examples/blocking_kv.rs";
    blocking_object_store = "../../../client-blocking/examples/blocking_object_store.rs";
    blocking_service = "../../../client-blocking/examples/blocking_service.rs";
    migrated_service = "../../../client-tokio/examples/migrated_service.rs";
    migrated_pull_consumer = "../../../client-tokio/examples/migrated_pull_consumer.rs";
    migrated_kv_watcher = "../../../client-tokio/examples/migrated_kv_watcher.rs";
}

const ORDERS: [&str; 3] = ["apples", "pears", "plums"];

const KV_LINES: [&str; 6] = [
    "get color = blue (revision 1)",
    "get weight: no value",
    "now color = blue",
    "now size = large",
    "changed color = green",
    "Delete size",
];

const SERVICE_LINES: [&str; 3] = ["sum = 42", "error 400", "sum: 2 requests, 1 errors"];

/// Runs `f` on async-std's executor, failing after [`WAIT`].
fn on_async_std<F: Future>(f: F) -> F::Output {
    async_std::task::block_on(async_std::future::timeout(WAIT, f))
        .expect("finished within the wait")
}

/// A file of 300,000 bytes (several chunks of either chunk size) to store.
fn input_file(dir: &Path) -> (std::path::PathBuf, Vec<u8>) {
    let data: Vec<u8> = (0..300_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let path = dir.join("input.bin");
    std::fs::write(&path, &data).unwrap();
    (path, data)
}

#[test]
fn jetstream_examples() {
    let server = Server::start().expect("start nats-server");
    let url = server.url();
    let rt = runtime();
    let report = within(&rt, tokio_jetstream::run(&url)).unwrap();
    assert_eq!(report.sequences, [1, 2, 3]);
    assert_eq!(
        (report.pulled, report.replayed),
        (
            ORDERS.map(String::from).to_vec(),
            ORDERS.map(String::from).to_vec()
        )
    );
    // Each run deletes its stream, so the next starts from sequence 1.
    let report = on_async_std(async_std_jetstream::run(&url)).unwrap();
    assert_eq!(report.sequences, [1, 2, 3]);
    assert_eq!(
        (report.pulled, report.replayed),
        (
            ORDERS.map(String::from).to_vec(),
            ORDERS.map(String::from).to_vec()
        )
    );
    let report = blocking_jetstream::run(&url).unwrap();
    assert_eq!(report.sequences, [1, 2, 3]);
    assert_eq!(
        (report.pulled, report.replayed),
        (
            ORDERS.map(String::from).to_vec(),
            ORDERS.map(String::from).to_vec()
        )
    );
}

#[test]
fn kv_examples() {
    let server = Server::start().expect("start nats-server");
    let url = server.url();
    let rt = runtime();
    assert_eq!(within(&rt, tokio_kv::run(&url)).unwrap(), KV_LINES);
    assert_eq!(on_async_std(async_std_kv::run(&url)).unwrap(), KV_LINES);
    assert_eq!(blocking_kv::run(&url).unwrap(), KV_LINES);
}

#[test]
fn object_store_examples() {
    let server = Server::start().expect("start nats-server");
    let url = server.url();
    let dir = tempfile::tempdir().unwrap();
    let (input, data) = input_file(dir.path());
    let output = dir.path().join("output.bin");
    let rt = runtime();
    // 128 KiB chunks: 300,000 bytes come back in three.
    assert_eq!(
        within(&rt, tokio_object_store::run(&url, &input, &output)).unwrap(),
        (300_000, 3)
    );
    assert!(std::fs::read(&output).unwrap() == data);
    std::fs::remove_file(&output).unwrap();
    assert_eq!(
        on_async_std(async_std_object_store::run(&url, &input, &output)).unwrap(),
        (300_000, 300_000)
    );
    assert!(std::fs::read(&output).unwrap() == data);
    std::fs::remove_file(&output).unwrap();
    assert_eq!(
        blocking_object_store::run(&url, &input, &output).unwrap(),
        (300_000, 300_000)
    );
    assert!(std::fs::read(&output).unwrap() == data);
}

#[test]
fn service_examples() {
    let server = Server::start().expect("start nats-server");
    let url = server.url();
    let rt = runtime();
    assert_eq!(
        within(&rt, tokio_service::run(&url)).unwrap(),
        SERVICE_LINES
    );
    assert_eq!(
        on_async_std(async_std_service::run(&url)).unwrap(),
        SERVICE_LINES
    );
    assert_eq!(blocking_service::run(&url).unwrap(), SERVICE_LINES);
}

/// The three programs `docs/migrating-from-async-nats.md` ports from
/// async-nats, as ported.
#[test]
fn programs_ported_from_async_nats() {
    let server = Server::start().expect("start nats-server");
    let url = server.url();
    let rt = runtime();
    assert_eq!(
        within(&rt, migrated_service::run(&url)).unwrap(),
        ["HELLO", "400 not UTF-8"]
    );
    assert_eq!(
        within(&rt, migrated_pull_consumer::run(&url, 3)).unwrap(),
        [
            "jobs.resize: photo-0.jpg",
            "jobs.resize: photo-1.jpg",
            "jobs.resize: photo-2.jpg"
        ]
    );
    assert_eq!(
        within(&rt, migrated_kv_watcher::run(&url)).unwrap(),
        [
            "no color yet",
            "color is blue",
            "color = blue",
            "(up to date)",
            "size = large",
            "color removed"
        ]
    );
}
