//! A first pass over the main paths against a real server.

mod common;

use common::*;
use futures_util::StreamExt;
use natrs_jetstream::api::consumer::ConsumerConfig;
use natrs_jetstream::api::stream::StreamConfig;
use natrs_jetstream::state::pull::FetchOptions;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smoke() {
    let server = server();
    let (_c, js) = jetstream(&server).await;
    let info = js.account_info().await.unwrap();
    println!("api level {}", info.api.level);
    let stream = js
        .create_stream(StreamConfig::new("S").subjects(["s.>"]))
        .await
        .unwrap();
    for i in 0..10 {
        let ack = js.publish("s.a", format!("m{i}")).await.unwrap();
        assert_eq!(ack.sequence, i + 1);
    }
    let m = stream.get_message(3).await.unwrap();
    assert_eq!(m.payload, "m2");
    let c = stream
        .create_consumer(ConsumerConfig::durable_pull("C"))
        .await
        .unwrap();
    let mut f = c.fetch(FetchOptions::new(5)).unwrap();
    let mut n = 0;
    while let Some(m) = f.next().await {
        let m = m.unwrap();
        m.ack().await.unwrap();
        n += 1;
    }
    assert_eq!(n, 5);
    let mut acks = Vec::new();
    for i in 0..100 {
        acks.push(js.publish_async("s.b", format!("a{i}")).await.unwrap());
    }
    for (i, a) in acks.into_iter().enumerate() {
        assert_eq!(a.await.unwrap().sequence, 11 + i as u64);
    }
}
