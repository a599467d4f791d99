//! Key-Value and Object Store on async-io (the natrs-async-std client,
//! driven by `async_io::block_on`): nothing in them needs tokio.

mod common;

use futures_util::StreamExt;
use natrs_jetstream::JetStream;
use natrs_jetstream::kv::{self, WatchEvent};
use natrs_jetstream::object;
use std::future::Future;
use std::pin::pin;
use std::time::Duration;

/// Awaits `fut`, failing the test after 10 seconds.
async fn within<F: Future>(what: &str, fut: F) -> F::Output {
    let timer = async_io::Timer::after(Duration::from_secs(10));
    match futures_util::future::select(pin!(fut), timer).await {
        futures_util::future::Either::Left((v, _)) => v,
        futures_util::future::Either::Right(_) => panic!("timed out waiting for {what}"),
    }
}

#[test]
fn buckets_and_objects_on_async_io() {
    let server = common::server();
    async_io::block_on(async {
        let client = natrs_async_std::connect(server.url()).await.unwrap();
        let js = JetStream::new(client);

        let kv = js.create_key_value(kv::Config::new("aio")).await.unwrap();
        let mut watch = kv.watch_all().await.unwrap();
        let event = within("the end marker", watch.next())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(event, WatchEvent::EndOfInitialData);
        // The bucket keeps one value per key: "w" replaces "v" in the
        // stream, so the watch sees "v" only if it was delivered first.
        let r = kv.put("k", "v").await.unwrap();
        let mut next_value = async || match within("an entry", watch.next()).await {
            Some(Ok(WatchEvent::Entry(e))) => e.value,
            other => panic!("{other:?}"),
        };
        assert_eq!(next_value().await, "v");
        kv.update("k", "w", r).await.unwrap();
        assert_eq!(kv.get("k").await.unwrap().value, "w");
        assert_eq!(next_value().await, "w");

        let store = js
            .create_object_store(object::Config::new("aio"))
            .await
            .unwrap();
        let data = vec![42u8; 300_000];
        let info = store.put_bytes("o", data.clone()).await.unwrap();
        assert_eq!(info.chunks, 3);
        let got = within("the object", store.get_bytes("o")).await.unwrap();
        assert_eq!(&got[..], &data[..]);
    });
}
