//! JetStream, Key-Value and Object Store errors answer the common questions
//! (`is_no_responders`, `is_timeout`, `is_not_found`, `is_disconnected`)
//! for the failures a real server produces.

mod common;

use common::*;
use natrs_jetstream::{JetStream, JetStreamOptions};
use natrs_tests::ServerConfig;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_jetstream_nobody_answers() {
    let server = ServerConfig::new().jetstream(false).start().unwrap();
    let (_client, js) = jetstream(&server).await;
    let err = js.account_info().await.unwrap_err();
    assert!(err.is_no_responders(), "{err:?}");
    assert!(!err.is_timeout() && !err.is_disconnected() && !err.is_not_found());
    let err = js.key_value("settings").await.unwrap_err();
    assert!(err.is_no_responders(), "{err:?}");
    let err = js.object_store("files").await.unwrap_err();
    assert!(err.is_no_responders(), "{err:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jetstream_errors_answer_the_common_questions() {
    let server = server();
    let client = connect(&server.url()).await;
    let js = JetStream::with_options(
        client.clone(),
        JetStreamOptions::new()
            .timeout(Duration::from_secs(1))
            .publish_retry(Duration::from_millis(10), 2),
    );

    let err = js.publish("no.stream.here", "x").await.unwrap_err();
    assert!(err.is_no_responders(), "{err:?}");
    assert!(!err.is_timeout());

    let err = js.get_stream("MISSING").await.unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    assert!(!err.is_no_responders() && !err.is_timeout());

    // A server that does not answer: the call times out.
    server.pause().unwrap();
    let err = js.account_info().await.unwrap_err();
    server.resume().unwrap();
    assert!(err.is_timeout(), "{err:?}");
    assert!(!err.is_no_responders() && !err.is_closed());

    client.close().await;
    let err = js.account_info().await.unwrap_err();
    assert!(err.is_closed() && err.is_disconnected(), "{err:?}");
    assert!(!err.is_timeout());
}
