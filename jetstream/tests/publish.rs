//! Publishing against a real server: acks, de-duplication, expectation
//! headers, 503 retries, domains and prefixes, and asynchronous publishing
//! (window, errors, a server restart mid-window).

mod common;

use common::*;
use natrs_jetstream::api::publish::PublishOptions;
use natrs_jetstream::api::stream::{StorageType, StreamConfig};
use natrs_jetstream::publish::PublishMessage;
use natrs_jetstream::{Error, ErrorCode, JetStream, JetStreamOptions};
use natrs_tests::{Server, ServerConfig};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acks_and_dedupe_within_the_window() {
    let server = server();
    let (_c, js) = jetstream(&server).await;
    let mut config = StreamConfig::new("P").subjects(["p.>"]);
    config.duplicate_window = Duration::from_secs(1);
    js.create_stream(config).await.unwrap();
    let ack = js.publish("p.a", "one").await.unwrap();
    assert_eq!(ack.stream, "P");
    assert_eq!(ack.sequence, 1);
    assert!(!ack.duplicate);
    assert_eq!(ack.domain, None);
    let with_id = |id: &str| PublishOptions::new().msg_id(id);
    let first = js
        .publish_with_options("p.a", "two", with_id("m-2"))
        .await
        .unwrap();
    assert_eq!((first.sequence, first.duplicate), (2, false));
    let again = js
        .publish_with_options("p.a", "two", with_id("m-2"))
        .await
        .unwrap();
    assert_eq!((again.sequence, again.duplicate), (2, true));
    assert_eq!(js.stream_info("P").await.unwrap().state.messages, 2);
    // Past the window the id is new again.
    eventually(10, "the duplicate window to pass", || async {
        let r = js
            .publish_with_options("p.a", "two", with_id("m-2"))
            .await
            .unwrap();
        !r.duplicate
    })
    .await;
    assert_eq!(js.stream_info("P").await.unwrap().state.messages, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expectation_headers_fail_with_typed_errors() {
    let server = server();
    let (_c, js) = jetstream(&server).await;
    js.create_stream(StreamConfig::new("E").subjects(["e.>"]))
        .await
        .unwrap();
    js.publish_with_options("e.a", "1", PublishOptions::new().msg_id("id-1"))
        .await
        .unwrap();
    js.publish("e.b", "2").await.unwrap();

    // Expected stream.
    let e = js
        .publish_with_options("e.a", "x", PublishOptions::new().expected_stream("OTHER"))
        .await
        .unwrap_err();
    assert!(e.is(ErrorCode::StreamNotMatch), "{e:?}");
    js.publish_with_options("e.a", "x", PublishOptions::new().expected_stream("E"))
        .await
        .unwrap();

    // Expected last sequence (now 3).
    let e = js
        .publish_with_options("e.a", "x", PublishOptions::new().expected_last_sequence(2))
        .await
        .unwrap_err();
    assert!(e.is(ErrorCode::WrongLastSequence), "{e:?}");
    let ok = js
        .publish_with_options("e.a", "x", PublishOptions::new().expected_last_sequence(3))
        .await
        .unwrap();
    assert_eq!(ok.sequence, 4);

    // Expected last msg id (of the stream's last message).
    js.publish_with_options("e.a", "x", PublishOptions::new().msg_id("id-last"))
        .await
        .unwrap();
    let e = js
        .publish_with_options(
            "e.a",
            "x",
            PublishOptions::new().expected_last_msg_id("nope"),
        )
        .await
        .unwrap_err();
    assert!(e.is(ErrorCode::WrongLastMsgId), "{e:?}");
    js.publish_with_options(
        "e.a",
        "x",
        PublishOptions::new()
            .expected_last_msg_id("id-last")
            .msg_id("id-2"),
    )
    .await
    .unwrap();

    // Expected last subject sequence (e.b's last is 2).
    let e = js
        .publish_with_options(
            "e.b",
            "x",
            PublishOptions::new().expected_last_subject_sequence(1),
        )
        .await
        .unwrap_err();
    assert!(
        e.code().is_some_and(|c| c.is_wrong_last_sequence()),
        "{e:?}"
    );
    js.publish_with_options(
        "e.b",
        "x",
        PublishOptions::new().expected_last_subject_sequence(2),
    )
    .await
    .unwrap();
    // Subject sequence 0: only if the subject has no message yet.
    js.publish_with_options(
        "e.new",
        "x",
        PublishOptions::new().expected_last_subject_sequence(0),
    )
    .await
    .unwrap();
    let e = js
        .publish_with_options(
            "e.new",
            "x",
            PublishOptions::new().expected_last_subject_sequence(0),
        )
        .await
        .unwrap_err();
    assert!(
        e.code().is_some_and(|c| c.is_wrong_last_sequence()),
        "{e:?}"
    );
    // Against another subject than the message's own.
    let last_b = js.get_stream("E").await.unwrap();
    let last_b = last_b.get_last_message("e.b").await.unwrap().sequence;
    js.publish_with_options(
        "e.c",
        "x",
        PublishOptions::new()
            .expected_last_subject_sequence(last_b)
            .expected_last_subject_sequence_subject("e.b"),
    )
    .await
    .unwrap();

    // Too large.
    let mut small = StreamConfig::new("SMALL").subjects(["small"]);
    small.max_msg_size = 8;
    js.create_stream(small).await.unwrap();
    let e = js.publish("small", vec![b'x'; 64]).await.unwrap_err();
    assert!(e.is(ErrorCode::MessageTooLarge), "{e:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_stream_is_retried_then_reported() {
    let server = server();
    let client = connect(&server.url()).await;
    let js = JetStream::with_options(
        client.clone(),
        JetStreamOptions::new().publish_retry(Duration::from_millis(100), 2),
    );
    let start = Instant::now();
    assert_eq!(
        js.publish("nobody.home", "x").await.unwrap_err(),
        Error::NoStreamResponse
    );
    assert!(
        start.elapsed() >= Duration::from_millis(200),
        "two retry waits"
    );
    let fast = JetStream::with_options(
        client.clone(),
        JetStreamOptions::new().publish_retry(Duration::from_secs(5), 0),
    );
    let start = Instant::now();
    assert_eq!(
        fast.publish("nobody.home", "x").await.unwrap_err(),
        Error::NoStreamResponse
    );
    assert!(start.elapsed() < Duration::from_secs(5), "no retry");
    // A stream that appears while retrying takes the message.
    let patient = JetStream::with_options(
        client.clone(),
        JetStreamOptions::new().publish_retry(Duration::from_millis(50), 100),
    );
    let publishing = tokio::spawn(async move { patient.publish("late", "x").await });
    js.create_stream(StreamConfig::new("LATE").subjects(["late"]))
        .await
        .unwrap();
    let ack = within(10, "the retried publish", publishing)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ack.stream, "LATE");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn domains_and_prefixes() {
    let server = Server::start_with(ServerConfig::new().config("jetstream { domain: hub }"))
        .expect("start a server in domain hub");
    let client = connect(&server.url()).await;
    let js = JetStream::with_domain(client.clone(), "hub");
    assert_eq!(js.prefix().as_str(), "$JS.hub.API");
    let info = js.account_info().await.unwrap();
    assert_eq!(info.domain.as_deref(), Some("hub"));
    js.create_stream(StreamConfig::new("DOM").subjects(["dom"]))
        .await
        .unwrap();
    let ack = js.publish("dom", "x").await.unwrap();
    assert_eq!(ack.domain.as_deref(), Some("hub"));
    // The default prefix reaches the local domain too; an unknown domain does not.
    let local = JetStream::new(client.clone());
    assert_eq!(
        local.stream_names(None).await.unwrap(),
        vec!["DOM".to_string()]
    );
    let nowhere = JetStream::with_options(
        client.clone(),
        JetStreamOptions::new()
            .domain("elsewhere")
            .timeout(Duration::from_millis(500)),
    );
    assert_eq!(nowhere.account_info().await.unwrap_err(), Error::NotEnabled);
    // A custom prefix equal to the domain's.
    let custom = JetStream::with_prefix(client, "$JS.hub.API");
    assert_eq!(custom.stream_info("DOM").await.unwrap().state.messages, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jetstream_not_enabled() {
    let server = Server::start_with(ServerConfig::new().jetstream(false)).unwrap();
    let (_c, js) = jetstream(&server).await;
    assert_eq!(js.account_info().await.unwrap_err(), Error::NotEnabled);
    assert_eq!(
        js.create_stream(StreamConfig::new("X")).await.unwrap_err(),
        Error::NotEnabled
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn async_publish_keeps_a_bounded_window() {
    let server = server();
    let client = connect(&server.url()).await;
    let js = JetStream::with_options(client, JetStreamOptions::new().max_ack_pending(16));
    js.create_stream(
        StreamConfig::new("W")
            .subjects(["w.>"])
            .storage(StorageType::Memory),
    )
    .await
    .unwrap();
    let mut acks = Vec::new();
    for i in 0..500u64 {
        acks.push(js.publish_async("w.a", format!("{i}")).await.unwrap());
        assert!(js.publish_async_pending() <= 16);
    }
    for (i, ack) in acks.into_iter().enumerate() {
        let ack = within(10, "an ack", ack).await.unwrap();
        assert_eq!(ack.sequence, i as u64 + 1);
    }
    // Results can be dropped; completion still waits for every ack.
    for _ in 0..100 {
        drop(js.publish_async("w.b", "x").await.unwrap());
    }
    within(10, "completion", js.publish_async_complete())
        .await
        .unwrap();
    assert_eq!(js.publish_async_pending(), 0);
    assert_eq!(js.stream_info("W").await.unwrap().state.messages, 600);
    // Each ack reports its own error.
    let good = js.publish_async("w.c", "x").await.unwrap();
    let bad = js
        .send_publish_async(
            "w.c",
            PublishMessage::new("y").options(PublishOptions::new().expected_last_sequence(1)),
        )
        .await
        .unwrap();
    let nobody = js.publish_async("nobody", "z").await.unwrap();
    assert_eq!(good.await.unwrap().sequence, 601);
    assert!(bad.await.unwrap_err().is(ErrorCode::WrongLastSequence));
    assert_eq!(nobody.await.unwrap_err(), Error::NoStreamResponse);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn async_publish_across_a_server_restart() {
    let server = Arc::new(server());
    let client = connect(&server.url()).await;
    let js = JetStream::with_options(
        client.clone(),
        JetStreamOptions::new()
            .max_ack_pending(500)
            .timeout(Duration::from_secs(5)),
    );
    js.create_stream(StreamConfig::new("R").subjects(["r"]))
        .await
        .unwrap();
    // Publish until the restart is over, and 2000 more.
    let mut futures = Vec::new();
    let mut restart = None;
    let mut until = usize::MAX;
    let mut i = 0usize;
    while i < until {
        let msg = PublishMessage::new(format!("{i}")).msg_id(format!("msg-{i}"));
        futures.push(js.send_publish_async("r", msg).await.unwrap());
        if i == 1000 {
            let server = server.clone();
            // Killed (acks in flight are lost for sure), then started again.
            restart = Some(tokio::task::spawn_blocking(move || {
                server.kill()?;
                server.restart()
            }));
        }
        if until == usize::MAX && restart.as_ref().is_some_and(|r| r.is_finished()) {
            until = i + 2000;
        }
        i += 1;
    }
    let n = futures.len();
    let mut acked = 0usize;
    let mut failed = Vec::new();
    for (i, f) in futures.into_iter().enumerate() {
        match within(30, "every publish to settle", f).await {
            Ok(_) => acked += 1,
            Err(e) => {
                assert!(
                    matches!(
                        e,
                        Error::Disconnected | Error::TimedOut(_) | Error::NoStreamResponse
                    ),
                    "{e:?}"
                );
                failed.push(i);
            }
        }
    }
    restart.unwrap().await.unwrap().unwrap();
    assert_eq!(acked + failed.len(), n);
    assert!(!failed.is_empty(), "the restart failed some publishes");
    // Retry the failures with their ids: stored ones come back as duplicates.
    let retry = JetStream::with_options(
        client.clone(),
        JetStreamOptions::new().publish_retry(Duration::from_millis(250), 40),
    );
    let mut duplicates = 0;
    for i in &failed {
        let msg = PublishMessage::new(format!("{i}")).msg_id(format!("msg-{i}"));
        let ack = within(30, "a retry", retry.send_publish("r", msg))
            .await
            .unwrap();
        duplicates += usize::from(ack.duplicate);
    }
    eprintln!(
        "{n} publishes: {acked} acked, {} failed and retried, {duplicates} of them duplicates",
        failed.len()
    );
    let info = js.stream_info("R").await.unwrap();
    assert_eq!(info.state.messages, n as u64, "{duplicates} duplicates");
    // A publish repeated with its id is always reported as a duplicate.
    let ack = retry
        .send_publish("r", PublishMessage::new("0").msg_id("msg-0"))
        .await
        .unwrap();
    assert!(ack.duplicate);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn async_publish_from_many_tasks() {
    let server = server();
    let client = connect(&server.url()).await;
    let js = JetStream::with_options(client, JetStreamOptions::new().max_ack_pending(50));
    js.create_stream(
        StreamConfig::new("M")
            .subjects(["m.>"])
            .storage(StorageType::Memory),
    )
    .await
    .unwrap();
    // Publishers in four tasks; every ack awaited in a task of its own, so
    // the waiters that move the window on come and go.
    let mut publishers = Vec::new();
    for t in 0..4 {
        let js = js.clone();
        publishers.push(tokio::spawn(async move {
            let mut waiters = Vec::new();
            for i in 0..1000 {
                let ack = js.publish_async(format!("m.{t}"), format!("{i}")).await?;
                waiters.push(tokio::spawn(ack));
            }
            let mut n = 0;
            for w in waiters {
                w.await.unwrap()?;
                n += 1;
            }
            Ok::<_, Error>(n)
        }));
    }
    let mut total = 0;
    for p in publishers {
        total += within(60, "the publishers", p).await.unwrap().unwrap();
    }
    assert_eq!(total, 4000);
    // Fire and forget: dropped acks still free the window as they come.
    for i in 0..500 {
        drop(
            within(
                10,
                "room in the window",
                js.publish_async("m.x", format!("{i}")),
            )
            .await
            .unwrap(),
        );
    }
    within(10, "completion", js.publish_async_complete())
        .await
        .unwrap();
    assert_eq!(js.stream_info("M").await.unwrap().state.messages, 4500);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn async_publish_acks_time_out() {
    let server = server();
    let client = connect(&server.url()).await;
    // Something listens but never answers: no 503, no ack.
    let _hole = client.subscribe("hole").await.unwrap();
    client.flush().await.unwrap();
    let js = JetStream::with_options(
        client,
        JetStreamOptions::new()
            .timeout(Duration::from_millis(300))
            .max_ack_pending(4),
    );
    let start = Instant::now();
    let mut acks = Vec::new();
    for _ in 0..8 {
        // The window holds 4: the later ones wait for the first to time out.
        acks.push(js.publish_async("hole", "x").await.unwrap());
    }
    for ack in acks {
        assert_eq!(
            within(10, "a timeout", ack).await.unwrap_err(),
            Error::TimedOut(Duration::from_millis(300))
        );
    }
    assert!(start.elapsed() >= Duration::from_millis(600));
    assert_eq!(js.publish_async_pending(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn async_publish_with_a_long_inbox_prefix() {
    let server = server();
    let prefix = format!("_INBOX_{}", "x".repeat(150));
    let client = natrs_tokio::connect_with_options(
        server.url(),
        natrs_tokio::ConnectOptions::new().inbox_prefix(prefix),
    )
    .await
    .unwrap();
    let js = JetStream::new(client);
    js.create_stream(StreamConfig::new("LONG").subjects(["long"]))
        .await
        .unwrap();
    let ack = js.publish_async("long", "x").await.unwrap();
    assert_eq!(within(10, "the ack", ack).await.unwrap().sequence, 1);
}
