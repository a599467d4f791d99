//! Stream backups and restores: a stream backed up from one server and
//! restored into another compares message by message, consumers included;
//! restores onto existing streams, under new names and with three replicas;
//! a cancelled restore and a server killed mid-backup leave nothing behind.

use crate::support::*;
use natrs_client::HeaderMap;
use natrs_jetstream::ErrorCode;
use natrs_jetstream::api::consumer::{ConsumerConfig, ConsumerInfo};
use natrs_jetstream::api::stream::{Placement, StreamConfig, StreamInfo};
use natrs_jetstream::backup::{
    BackupError, BackupOptions, CancelToken, DATA_FILE, META_FILE, Progress, RestoreOptions,
    Transfer,
};
use natrs_jetstream::consumer::FetchOptions;
use natrs_jetstream::consumer::OrderedOptions;
use natrs_jetstream::publish::PublishMessage;
use natrs_tests::Cluster;
use std::path::Path;
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

/// Bytes that S2 cannot shrink, different for every `seed`.
fn noise(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

/// Publishes `n` messages to `<prefix>.<i % 7>`, each with two headers and
/// a payload of `len` bytes, asynchronously.
pub(crate) fn fill<J: SuiteJs>(js: &J, prefix: &str, n: usize, len: usize) {
    for i in 0..n {
        let mut headers = HeaderMap::new();
        headers.insert("X-Index", i.to_string());
        headers.insert("X-Kind", if i % 2 == 0 { "even" } else { "odd" });
        let payload = if len == 0 {
            i.to_string().into_bytes()
        } else {
            noise(i as u64, len)
        };
        let msg = PublishMessage::new(payload).headers(headers);
        js.send_publish_async(&format!("{prefix}.{}", i % 7), msg)
            .unwrap_or_else(|e| panic!("publish {i}: {e:?}"));
    }
    js.publish_async_complete().expect("every publish acked");
}

/// Records every progress report.
fn recorder() -> (
    Arc<Mutex<Vec<Progress>>>,
    impl Fn(&Progress) + Send + Sync + 'static,
) {
    let log = Arc::new(Mutex::new(Vec::new()));
    let sink = log.clone();
    (log, move |p: &Progress| {
        sink.lock().unwrap().push(p.clone())
    })
}

/// Checks that progress reports grow one chunk at a time from nothing to
/// the finished total.
fn check_progress(log: &[Progress], transfer: Transfer, data_len: u64) {
    let first = log.first().expect("a first progress report");
    assert_eq!((first.chunks, first.bytes, first.finished), (0, 0, false));
    let last = log.last().unwrap();
    assert!(last.finished, "{last:?}");
    assert_eq!(last.transfer, transfer);
    assert_eq!(last.bytes, data_len);
    assert_eq!(last.total_bytes, Some(data_len));
    assert_eq!(last.total_chunks, Some(last.chunks));
    assert!(last.chunks > 1, "{last:?}");
    for pair in log.windows(2) {
        assert!(pair[1].chunks >= pair[0].chunks && pair[1].bytes >= pair[0].bytes);
        assert!(pair[1].chunks <= pair[0].chunks + 1, "{pair:?}");
    }
}

fn file_len(path: &Path) -> u64 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .len()
}

/// Every message of `stream` through an ordered consumer, as (stream
/// sequence, subject, headers, payload, timestamp).
fn messages<J: SuiteJs>(
    js: &J,
    stream: &str,
    n: usize,
) -> Vec<(u64, String, Option<HeaderMap>, bytes::Bytes, i128)> {
    let mut msgs = js
        .ordered(stream, OrderedOptions::default(), None)
        .expect("ordered consumer");
    (0..n)
        .map(|i| {
            // Generous: the cluster case runs next to others on two cores.
            let m = msgs
                .item_within(Duration::from_secs(30), &format!("message {i} of {stream}"))
                .expect("a message")
                .expect("a message, not an error");
            let meta = m.metadata().expect("metadata");
            let raw = m.message();
            (
                meta.stream_sequence,
                raw.subject.as_str().to_string(),
                raw.headers.clone(),
                raw.payload.clone(),
                meta.timestamp,
            )
        })
        .collect()
}

/// A consumer's position: delivered and ack floor, both sequences, and
/// what waits for acks.
fn floors(info: &ConsumerInfo) -> (u64, u64, u64, u64, u64) {
    (
        info.delivered.stream_sequence,
        info.delivered.consumer_sequence,
        info.ack_floor.stream_sequence,
        info.ack_floor.consumer_sequence,
        info.num_ack_pending,
    )
}

fn same_state(a: &StreamInfo, b: &StreamInfo) {
    let (a, b) = (&a.state, &b.state);
    assert_eq!(
        (a.messages, a.bytes, a.first_seq, a.last_seq, a.num_deleted),
        (b.messages, b.bytes, b.first_seq, b.last_seq, b.num_deleted)
    );
    assert_eq!((a.first_time, a.last_time), (b.first_time, b.last_time));
}

/// The case: a file stream of `n` messages with headers, two
/// deleted, and two durable consumers at different positions, backed up
/// from one server and restored into another server process; every
/// message and both consumers' floors compare. `chunk`: the chunk size
/// both ways (0: the defaults).
fn round_trip<J: SuiteJs>(n: usize, chunk: usize) {
    let source = server();
    let js: J = jetstream(&source);
    js.create_stream(StreamConfig::new("ORDERS").subjects(["orders.>"]))
        .unwrap();
    fill(&js, "orders", n, 0);
    let stream = js.get_stream("ORDERS").unwrap();
    assert!(stream.delete_message(10).unwrap());
    assert!(stream.delete_message(n as u64 - 5).unwrap());
    // One consumer acknowledged everything it got, the other only part.
    for (name, take, ack) in [("all", 1000, 1000), ("some", 500, 300)] {
        let consumer = js
            .create_consumer("ORDERS", ConsumerConfig::durable_pull(name))
            .unwrap();
        let mut batch = consumer.fetch(FetchOptions::new(take)).unwrap();
        for i in 0..take {
            let m = batch.msg(&format!("{name} message {i}"));
            if i < ack {
                m.double_ack().unwrap();
            }
        }
    }
    let before = js.stream_info("ORDERS").unwrap();
    assert_eq!(before.state.messages, n as u64 - 2);
    let consumers_before: Vec<_> = ["all", "some"]
        .iter()
        .map(|c| floors(&js.consumer_info("ORDERS", c).unwrap()))
        .collect();
    assert_eq!(consumers_before[1].4, 200, "{consumers_before:?}");

    let dir = tempfile::tempdir().unwrap();
    let (backup_log, backup_progress) = recorder();
    let started = Instant::now();
    let meta = js
        .backup_stream(
            "ORDERS",
            dir.path(),
            &BackupOptions::new()
                .chunk_size(chunk)
                .progress(backup_progress),
        )
        .expect("backup");
    let backup_took = started.elapsed();
    assert_eq!(meta.name(), Some("ORDERS"));
    assert_eq!(meta.state().unwrap().messages, n as u64 - 2);
    let data_len = file_len(&dir.path().join(DATA_FILE));
    assert!(dir.path().join(META_FILE).is_file());
    let mut names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, [META_FILE, DATA_FILE]);
    check_progress(&backup_log.lock().unwrap(), Transfer::Backup, data_len);

    let target = server();
    let other: J = jetstream(&target);
    let (restore_log, restore_progress) = recorder();
    let started = Instant::now();
    let info = other
        .restore_stream(
            dir.path(),
            &RestoreOptions::new()
                .chunk_size(if chunk == 0 { 128 * 1024 } else { chunk })
                .progress(restore_progress),
        )
        .expect("restore");
    eprintln!(
        "{n} messages: backup of {data_len} bytes in {backup_took:?}, restore in {:?}",
        started.elapsed()
    );
    assert_eq!(info.config.name, "ORDERS");
    check_progress(&restore_log.lock().unwrap(), Transfer::Restore, data_len);
    let after = other.stream_info("ORDERS").unwrap();
    same_state(&before, &after);
    assert_eq!(after.state.consumers, 2);
    let consumers_after: Vec<_> = ["all", "some"]
        .iter()
        .map(|c| floors(&other.consumer_info("ORDERS", c).unwrap()))
        .collect();
    assert_eq!(consumers_before, consumers_after);

    let count = n - 2;
    let original = messages(&js, "ORDERS", count);
    let restored = messages(&other, "ORDERS", count);
    for (a, b) in original.iter().zip(&restored) {
        assert_eq!(a, b);
    }
    assert_eq!(original.len(), restored.len());
    // The restored consumer goes on where the original stood.
    let consumer = other.get_consumer("ORDERS", "all").unwrap();
    let next = consumer.next().unwrap().expect("the next message");
    assert_eq!(next.metadata().unwrap().stream_sequence, 1002);
}

pub fn backup_restores_into_another_server<J: SuiteJs>() {
    // Small chunks: the snapshot of 2,000 short messages is about 46 KiB.
    round_trip::<J>(2_000, 4 * 1024);
}

/// The full size of issue 18's case, on one runtime (the transfer is the
/// same code on every runtime; the other runtimes run it with 2,000
/// messages).
pub fn backup_restores_100000_messages<J: SuiteJs>() {
    round_trip::<J>(100_000, 0);
}

/// Backs up a small stream `S` on `js` into a new folder.
fn small_backup<J: SuiteJs>(js: &J, n: usize, len: usize) -> tempfile::TempDir {
    js.create_stream(StreamConfig::new("S").subjects(["s.>"]))
        .unwrap();
    fill(js, "s", n, len);
    let dir = tempfile::tempdir().unwrap();
    js.backup_stream("S", dir.path(), &BackupOptions::new())
        .expect("backup");
    dir
}

pub fn a_backup_with_an_idle_time_too_long_for_the_clock_completes<J: SuiteJs>() {
    let server = server();
    let js: J = jetstream(&server);
    js.create_stream(StreamConfig::new("S").subjects(["s.>"]))
        .unwrap();
    fill(&js, "s", 100, 64);
    let dir = tempfile::tempdir().unwrap();
    let meta = js
        .backup_stream(
            "S",
            dir.path(),
            &BackupOptions::new().idle_timeout(Duration::MAX),
        )
        .expect("backup");
    assert_eq!(meta.state().unwrap().messages, 100);
}

pub fn restore_onto_an_existing_stream_fails<J: SuiteJs>() {
    let server = server();
    let js: J = jetstream(&server);
    let dir = small_backup(&js, 20, 0);
    js.publish("s.x", "after the backup").unwrap();
    let err = js
        .restore_stream(dir.path(), &RestoreOptions::new())
        .unwrap_err();
    assert!(
        matches!(&err, BackupError::StreamExists(name) if name == "S"),
        "{err:?}"
    );
    assert_eq!(err.to_string(), "cannot restore: stream \"S\" exists");
    // The existing stream is untouched.
    assert_eq!(js.stream_info("S").unwrap().state.messages, 21);
}

/// Also leaves the consumers out and asks for the health check.
pub fn restore_under_a_new_name<J: SuiteJs>() {
    let server = server();
    let js: J = jetstream(&server);
    js.create_stream(StreamConfig::new("S").subjects(["s.>"]))
        .unwrap();
    fill(&js, "s", 50, 0);
    js.create_consumer("S", ConsumerConfig::durable_pull("c"))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let meta = js
        .backup_stream(
            "S",
            dir.path(),
            &BackupOptions::new().consumers(false).health_check(true),
        )
        .expect("backup");
    assert_eq!(meta.name(), Some("S"));
    let info = js
        .restore_stream(
            dir.path(),
            &RestoreOptions::new().name("COPY").subjects(["copy.>"]),
        )
        .expect("restore as COPY");
    assert_eq!(info.config.name, "COPY");
    assert_eq!(info.config.subjects, ["copy.>"]);
    assert!(js.consumer_names("COPY").unwrap().is_empty());
    same_state(
        &js.stream_info("S").unwrap(),
        &js.stream_info("COPY").unwrap(),
    );
    assert_eq!(messages(&js, "S", 50), messages(&js, "COPY", 50));
    assert!(js.stream_info("S").is_ok());
}

pub fn cancelled_restore_leaves_no_stream<J: SuiteJs>() {
    let source = server();
    let js: J = jetstream(&source);
    // About 200 KiB that does not compress: many 1 KiB chunks.
    let dir = small_backup(&js, 200, 1000);
    let target = server();
    let other: J = jetstream(&target);
    let token = CancelToken::new();
    let cancel = token.clone();
    let err = other
        .restore_stream(
            dir.path(),
            &RestoreOptions::new()
                .chunk_size(1024)
                .window(1)
                .cancel(token)
                .progress(move |p| {
                    if p.chunks == 5 {
                        cancel.cancel();
                    }
                }),
        )
        .unwrap_err();
    assert!(matches!(err, BackupError::Cancelled), "{err:?}");
    let e = other.stream_info("S").unwrap_err();
    assert!(e.is(ErrorCode::StreamNotFound), "{e:?}");
    assert!(other.stream_names(None).unwrap().is_empty());
    // The folder still restores.
    let info = other
        .restore_stream(dir.path(), &RestoreOptions::new())
        .expect("restore");
    assert_eq!(info.state.messages, 200);
}

pub fn a_server_killed_mid_backup_fails_the_backup<J: SuiteJs>() {
    let source = server();
    let js: J = jetstream(&source);
    js.create_stream(StreamConfig::new("S").subjects(["s.>"]))
        .unwrap();
    fill(&js, "s", 100, 1000);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("unrelated"), "kept").unwrap();
    let (started_tx, started_rx) = mpsc::channel();
    let (killed_tx, killed_rx) = mpsc::channel::<()>();
    let started_tx = Mutex::new(Some(started_tx));
    let killed_rx = Mutex::new(killed_rx);
    // One 1 KiB chunk in flight at a time; the first chunk holds the backup
    // until the server is gone.
    let options = BackupOptions::new()
        .chunk_size(1024)
        .window_size(1024)
        .progress(move |p| {
            if p.chunks == 1
                && let Some(tx) = started_tx.lock().unwrap().take()
            {
                tx.send(()).unwrap();
                let _ = killed_rx.lock().unwrap().recv_timeout(WAIT);
            }
        });
    let path = dir.path().to_path_buf();
    let backup = {
        let js = js.clone();
        in_background(move || js.backup_stream("S", &path, &options))
    };
    join("the first chunk", &started_rx, WAIT);
    source.kill().expect("kill the server");
    killed_tx.send(()).unwrap();
    let err = join("the backup to fail", &backup, WAIT).unwrap_err();
    assert!(matches!(err, BackupError::ConnectionLost), "{err:?}");
    let mut names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["unrelated"]);
}

pub fn restore_with_three_replicas_placed_in_a_cluster<J: SuiteJs>() {
    let source = server();
    let js: J = jetstream(&source);
    let dir = small_backup(&js, 300, 0);
    let cluster = Cluster::start(3).expect("start a 3-node cluster");
    let other: J = connect(&cluster.urls().join(","));
    // The meta leader may still be settling: retry until the restore runs.
    let mut info = None;
    eventually("the R3 restore", Duration::from_secs(30), || {
        let options = RestoreOptions::new().replicas(3).placement(Placement {
            cluster: Some(cluster.name().to_string()),
            ..Placement::default()
        });
        match other.restore_stream(dir.path(), &options) {
            Ok(i) => {
                info = Some(i);
                true
            }
            Err(e) => {
                eprintln!("restore: {e}");
                false
            }
        }
    });
    let info = info.unwrap();
    assert_eq!(info.config.num_replicas, 3);
    assert_eq!(
        info.config.placement.and_then(|p| p.cluster).as_deref(),
        Some(cluster.name())
    );
    eventually("three current replicas", Duration::from_secs(30), || {
        let info = other.stream_info("S").unwrap();
        info.cluster.is_some_and(|c| {
            c.leader.is_some() && c.replicas.len() == 2 && c.replicas.iter().all(|r| r.current)
        })
    });
    same_state(
        &js.stream_info("S").unwrap(),
        &other.stream_info("S").unwrap(),
    );
    assert_eq!(messages(&js, "S", 300), messages(&other, "S", 300));
}
