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
