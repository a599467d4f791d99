//! What only the async runtime crates have: JetStream futures spread over
//! many tasks of the runtime's own executor.

use crate::async_js::{AsyncJs, AsyncRuntime, run};
use crate::support::{SuiteJs, jetstream, server};
use natrs_jetstream::api::stream::{StorageType, StreamConfig};
use natrs_jetstream::{Error, JetStreamOptions};

/// Publishers in four tasks share a 50-deep window, and every ack is
/// awaited in a task of its own, so the futures that move the window on
/// come and go (no wake-up may be lost on the way).
pub fn async_publish_from_many_tasks<R: AsyncRuntime>() {
    let server = server();
    let suite: AsyncJs<R> = jetstream(&server);
    let js = suite
        .with_options(JetStreamOptions::new().max_ack_pending(50))
        .context()
        .clone();
    run::<R, _>(
        "create the stream",
        js.create_stream(
            StreamConfig::new("M")
                .subjects(["m.>"])
                .storage(StorageType::Memory),
        ),
    )
    .unwrap();
    let publishers: Vec<_> = (0..4)
        .map(|t| {
            let js = js.clone();
            R::spawn(async move {
                let mut waiters = Vec::new();
                for i in 0..1000 {
                    let ack = js.publish_async(format!("m.{t}"), format!("{i}")).await?;
                    waiters.push(R::spawn(ack));
                }
                let mut n = 0;
                for w in waiters {
                    w.await?;
                    n += 1;
                }
                Ok::<_, Error>(n)
            })
        })
        .collect();
    let total: usize = run::<R, _>("the publishers", async {
        let mut total = 0;
        for p in publishers {
            total += p.await.unwrap();
        }
        total
    });
    assert_eq!(total, 4000);
    // Fire and forget: dropped acks still free the window as they come.
    run::<R, _>("fire and forget", async {
        for i in 0..500 {
            drop(js.publish_async("m.x", format!("{i}")).await.unwrap());
        }
        js.publish_async_complete().await.unwrap();
    });
    let info = run::<R, _>("stream info", js.stream_info("M")).unwrap();
    assert_eq!(info.state.messages, 4500);
}

/// A restore future dropped halfway ends the server's side of the
/// transfer and leaves no stream (the client deletes it too, on a thread of
/// its own: the drop cannot wait); the backup then restores at once.
pub fn dropped_restore_leaves_no_stream<R: AsyncRuntime>() {
    use crate::support::{WAIT, eventually};
    use natrs_jetstream::ErrorCode;
    use natrs_jetstream::backup::{BackupOptions, RestoreOptions};
    use std::future::{Future, poll_fn};
    use std::sync::{Mutex, mpsc};
    use std::task::Poll;

    let source = server();
    let suite: AsyncJs<R> = jetstream(&source);
    suite
        .create_stream(StreamConfig::new("S").subjects(["s.>"]))
        .unwrap();
    // About 200 KiB that does not compress: many 1 KiB chunks.
    crate::cases::backup::fill(&suite, "s", 200, 1000);
    let dir = tempfile::tempdir().unwrap();
    suite
        .backup_stream("S", dir.path(), &BackupOptions::new())
        .expect("backup");

    let target = server();
    let other: AsyncJs<R> = jetstream(&target);
    let (tx, rx) = mpsc::channel();
    let tx = Mutex::new(tx);
    let options = RestoreOptions::new()
        .chunk_size(1024)
        .window(1)
        .progress(move |p| {
            if p.chunks == 5 {
                let _ = tx.lock().unwrap().send(());
            }
        });
    let mut restore = Box::pin(other.context().restore_stream(dir.path(), &options));
    run::<R, _>(
        "the restore's fifth chunk",
        poll_fn(|cx| {
            if let Poll::Ready(r) = restore.as_mut().poll(cx) {
                panic!("the restore ended early: {r:?}");
            }
            if rx.try_recv().is_ok() {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        }),
    );
    drop(restore);
    eventually(
        "no stream left",
        WAIT,
        || matches!(other.stream_info("S"), Err(e) if e.is(ErrorCode::StreamNotFound)),
    );
    assert!(other.stream_names(None).unwrap().is_empty());
    // The server's side ended: the same backup restores at once.
    let info = run::<R, _>(
        "restore again",
        other
            .context()
            .restore_stream(dir.path(), &RestoreOptions::new()),
    )
    .expect("restore again");
    assert_eq!(info.state.messages, 200);
}
