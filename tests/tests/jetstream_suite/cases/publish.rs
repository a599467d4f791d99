//! Publishing: acks, de-duplication, expectation headers, 503 retries,
//! domains and prefixes, and asynchronous publishing (window, errors, ack
//! timeouts, several threads, a server restart mid-window).

use crate::support::*;
use natrs_client::ConnectOptions;
use natrs_jetstream::api::publish::PublishOptions;
use natrs_jetstream::api::stream::{StorageType, StreamConfig};
use natrs_jetstream::publish::PublishMessage;
use natrs_jetstream::{Error, ErrorCode, JetStreamOptions};
use natrs_tests::ServerConfig;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub fn acks_and_dedupe_within_the_window<J: SuiteJs>() {
    let server = server();
    let js: J = jetstream(&server);
    let mut config = StreamConfig::new("P").subjects(["p.>"]);
    config.duplicate_window = Duration::from_secs(1);
    js.create_stream(config).unwrap();
    let ack = js.publish("p.a", "one").unwrap();
    assert_eq!(ack.stream, "P");
    assert_eq!(ack.sequence, 1);
    assert!(!ack.duplicate);
    assert_eq!(ack.domain, None);
    let with_id = |id: &str| PublishOptions::new().msg_id(id);
    let first = js
        .publish_with_options("p.a", "two", with_id("m-2"))
        .unwrap();
    assert_eq!((first.sequence, first.duplicate), (2, false));
    let again = js
        .publish_with_options("p.a", "two", with_id("m-2"))
        .unwrap();
    assert_eq!((again.sequence, again.duplicate), (2, true));
    // The id given on the message itself works the same.
    let again = js
        .send_publish("p.a", PublishMessage::new("two").msg_id("m-2"))
        .unwrap();
    assert!(again.duplicate);
    assert_eq!(js.stream_info("P").unwrap().state.messages, 2);
    // Past the window the id is new again.
    eventually("the duplicate window to pass", WAIT, || {
        !js.publish_with_options("p.a", "two", with_id("m-2"))
            .unwrap()
            .duplicate
    });
    assert_eq!(js.stream_info("P").unwrap().state.messages, 3);
}

pub fn expectation_headers_fail_with_typed_errors<J: SuiteJs>() {
    let server = server();
    let js: J = jetstream(&server);
    js.create_stream(StreamConfig::new("E").subjects(["e.>"]))
        .unwrap();
    js.publish_with_options("e.a", "1", PublishOptions::new().msg_id("id-1"))
        .unwrap();
    js.publish("e.b", "2").unwrap();

    // Expected stream.
    let e = js
        .publish_with_options("e.a", "x", PublishOptions::new().expected_stream("OTHER"))
        .unwrap_err();
    assert!(e.is(ErrorCode::StreamNotMatch), "{e:?}");
    js.publish_with_options("e.a", "x", PublishOptions::new().expected_stream("E"))
        .unwrap();

    // Expected last sequence (now 3).
    let e = js
        .publish_with_options("e.a", "x", PublishOptions::new().expected_last_sequence(2))
        .unwrap_err();
    assert!(e.is(ErrorCode::WrongLastSequence), "{e:?}");
    let ok = js
        .publish_with_options("e.a", "x", PublishOptions::new().expected_last_sequence(3))
        .unwrap();
    assert_eq!(ok.sequence, 4);

    // Expected last msg id (of the stream's last message).
    js.publish_with_options("e.a", "x", PublishOptions::new().msg_id("id-last"))
        .unwrap();
    let e = js
        .publish_with_options(
            "e.a",
            "x",
            PublishOptions::new().expected_last_msg_id("nope"),
        )
        .unwrap_err();
    assert!(e.is(ErrorCode::WrongLastMsgId), "{e:?}");
    js.publish_with_options(
        "e.a",
        "x",
        PublishOptions::new()
            .expected_last_msg_id("id-last")
            .msg_id("id-2"),
    )
    .unwrap();

    // Expected last subject sequence (e.b's last is 2).
    let e = js
        .publish_with_options(
            "e.b",
            "x",
            PublishOptions::new().expected_last_subject_sequence(1),
        )
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
    .unwrap();
    // Subject sequence 0: only if the subject has no message yet.
    js.publish_with_options(
        "e.new",
        "x",
        PublishOptions::new().expected_last_subject_sequence(0),
    )
    .unwrap();
    let e = js
        .publish_with_options(
            "e.new",
            "x",
            PublishOptions::new().expected_last_subject_sequence(0),
        )
        .unwrap_err();
    assert!(
        e.code().is_some_and(|c| c.is_wrong_last_sequence()),
        "{e:?}"
    );
    // Against another subject than the message's own.
    let last_b = js
        .get_stream("E")
        .unwrap()
        .get_last_message("e.b")
        .unwrap()
        .sequence;
    js.publish_with_options(
        "e.c",
        "x",
        PublishOptions::new()
            .expected_last_subject_sequence(last_b)
            .expected_last_subject_sequence_subject("e.b"),
    )
    .unwrap();

    // Too large.
    let mut small = StreamConfig::new("SMALL").subjects(["small"]);
    small.max_msg_size = 8;
    js.create_stream(small).unwrap();
    let e = js.publish("small", vec![b'x'; 64]).unwrap_err();
    assert!(e.is(ErrorCode::MessageTooLarge), "{e:?}");
}

pub fn no_stream_is_retried_then_reported<J: SuiteJs>() {
    let server = server();
    let js: J = jetstream(&server);
    let retrying =
        js.with_options(JetStreamOptions::new().publish_retry(Duration::from_millis(100), 2));
    let start = Instant::now();
    assert_eq!(
        retrying.publish("nobody.home", "x").unwrap_err(),
        Error::NoStreamResponse
    );
    assert!(
        start.elapsed() >= Duration::from_millis(200),
        "two retry waits"
    );
    let fast = js.with_options(JetStreamOptions::new().publish_retry(Duration::from_secs(5), 0));
    let start = Instant::now();
    assert_eq!(
        fast.publish("nobody.home", "x").unwrap_err(),
        Error::NoStreamResponse
    );
    assert!(start.elapsed() < Duration::from_secs(5), "no retry");
    // A stream that appears while retrying takes the message.
    let patient =
        js.with_options(JetStreamOptions::new().publish_retry(Duration::from_millis(50), 100));
    let publishing = in_background(move || patient.publish("late", "x"));
    js.create_stream(StreamConfig::new("LATE").subjects(["late"]))
        .unwrap();
    let ack = join("the retried publish", &publishing, WAIT).unwrap();
    assert_eq!(ack.stream, "LATE");
}

pub fn async_publish_retries_when_no_stream_answers<J: SuiteJs>() {
    let server = server();
    let js: J = jetstream(&server);
    // A stream that appears while retrying takes the message.
    let patient = js.with_options(
        JetStreamOptions::new()
            .timeout(Duration::from_secs(10))
            .publish_async_retry(Duration::from_millis(50), 100),
    );
    let ack = patient.publish_async("late", "x").unwrap();
    // Sent after the publish on the same connection: its first attempt
    // found nobody.
    js.create_stream(StreamConfig::new("LATE").subjects(["late"]))
        .unwrap();
    let ack = ack.wait().unwrap();
    assert_eq!((ack.stream.as_str(), ack.sequence), ("LATE", 1));
    // The retries run out: two, 100 ms apart.
    let few =
        js.with_options(JetStreamOptions::new().publish_async_retry(Duration::from_millis(100), 2));
    let start = Instant::now();
    let r = few.publish_async("nobody.home", "x").unwrap().wait();
    assert_eq!(r.unwrap_err(), Error::NoStreamResponse);
    assert!(
        start.elapsed() >= Duration::from_millis(200),
        "two retry waits"
    );
    // Without retries the first 503 is the answer.
    let once =
        js.with_options(JetStreamOptions::new().publish_async_retry(Duration::from_secs(5), 0));
    let start = Instant::now();
    let r = once.publish_async("nobody.home", "x").unwrap().wait();
    assert_eq!(r.unwrap_err(), Error::NoStreamResponse);
    assert!(start.elapsed() < Duration::from_secs(5), "no retry");
    // Retries stay within the ack timeout.
    let short = js.with_options(
        JetStreamOptions::new()
            .timeout(Duration::from_millis(500))
            .publish_async_retry(Duration::from_millis(100), 1000),
    );
    let start = Instant::now();
    let r = short.publish_async("nobody.home", "x").unwrap().wait();
    assert_eq!(r.unwrap_err(), Error::NoStreamResponse);
    assert!(start.elapsed() < Duration::from_secs(5));
    assert_eq!(js.stream_info("LATE").unwrap().state.messages, 1);
}

pub fn domains_and_prefixes<J: SuiteJs>() {
    let server = server_with("jetstream { domain: hub }");
    let local: J = jetstream(&server);
    let js = local.with_domain("hub");
    assert_eq!(js.prefix(), "$JS.hub.API");
    let info = js.account_info().unwrap();
    assert_eq!(info.domain.as_deref(), Some("hub"));
    js.create_stream(StreamConfig::new("DOM").subjects(["dom"]))
        .unwrap();
    let ack = js.publish("dom", "x").unwrap();
    assert_eq!(ack.domain.as_deref(), Some("hub"));
    // The default prefix reaches the local domain too; an unknown domain does not.
    assert_eq!(local.prefix(), "$JS.API");
    assert_eq!(local.stream_names(None).unwrap(), vec!["DOM".to_string()]);
    let nowhere = local.with_options(
        JetStreamOptions::new()
            .domain("elsewhere")
            .timeout(Duration::from_millis(500)),
    );
    assert_eq!(nowhere.account_info().unwrap_err(), Error::NotEnabled);
    // A custom prefix equal to the domain's.
    let custom = local.with_prefix("$JS.hub.API");
    assert_eq!(custom.prefix(), "$JS.hub.API");
    assert_eq!(custom.stream_info("DOM").unwrap().state.messages, 1);
}

pub fn jetstream_not_enabled<J: SuiteJs>() {
    let server = ServerConfig::new()
        .jetstream(false)
        .start()
        .expect("start nats-server");
    let js: J = jetstream(&server);
    assert_eq!(js.account_info().unwrap_err(), Error::NotEnabled);
    assert_eq!(
        js.create_stream(StreamConfig::new("X")).unwrap_err(),
        Error::NotEnabled
    );
}

pub fn async_publish_keeps_a_bounded_window<J: SuiteJs>() {
    let server = server();
    let js = jetstream::<J>(&server).with_options(JetStreamOptions::new().max_ack_pending(16));
    js.create_stream(
        StreamConfig::new("W")
            .subjects(["w.>"])
            .storage(StorageType::Memory),
    )
    .unwrap();
    let mut acks = Vec::new();
    for i in 0..300u64 {
        acks.push(js.publish_async("w.a", i.to_string()).unwrap());
        assert!(js.publish_async_pending() <= 16);
    }
    for (i, ack) in acks.into_iter().enumerate() {
        assert_eq!(ack.wait().unwrap().sequence, i as u64 + 1);
    }
    // Results can be dropped; completion still waits for every ack.
    for _ in 0..100 {
        drop(js.publish_async("w.b", "x").unwrap());
    }
    js.publish_async_complete().unwrap();
    assert_eq!(js.publish_async_pending(), 0);
    assert_eq!(js.stream_info("W").unwrap().state.messages, 400);
    // Each ack reports its own error.
    let good = js.publish_async("w.c", "x").unwrap();
    let bad = js
        .send_publish_async(
            "w.c",
            PublishMessage::new("y").options(PublishOptions::new().expected_last_sequence(1)),
        )
        .unwrap();
    let nobody = js.publish_async("nobody", "z").unwrap();
    assert_eq!(good.wait().unwrap().sequence, 401);
    assert!(bad.wait().unwrap_err().is(ErrorCode::WrongLastSequence));
    assert_eq!(nobody.wait().unwrap_err(), Error::NoStreamResponse);
}

pub fn async_publish_from_several_threads<J: SuiteJs>() {
    let server = server();
    let js = jetstream::<J>(&server).with_options(JetStreamOptions::new().max_ack_pending(50));
    js.create_stream(
        StreamConfig::new("M")
            .subjects(["m.>"])
            .storage(StorageType::Memory),
    )
    .unwrap();
    // Four publishing threads share the window; each hands its acks to a
    // waiting thread of its own, so publishers and waiters come and go.
    const PER_THREAD: usize = 500;
    let mut publishers = Vec::new();
    for t in 0..4 {
        let js = js.clone();
        publishers.push(in_background(move || {
            let (tx, rx) = std::sync::mpsc::channel::<J::PubAck>();
            let waiter = std::thread::spawn(move || {
                let mut acked = 0;
                for ack in rx {
                    ack.wait().expect("an ack");
                    acked += 1;
                }
                acked
            });
            for i in 0..PER_THREAD {
                let ack = js.publish_async(&format!("m.{t}"), i.to_string())?;
                tx.send(ack).expect("the waiter takes acks");
            }
            drop(tx);
            Ok::<_, Error>(waiter.join().expect("the waiter thread"))
        }));
    }
    let mut total = 0;
    for p in &publishers {
        total += join("a publisher", p, Duration::from_secs(60)).unwrap();
    }
    assert_eq!(total, 4 * PER_THREAD);
    // Fire and forget: dropped acks still free the window as they come.
    for i in 0..300 {
        drop(js.publish_async("m.x", i.to_string()).unwrap());
    }
    js.publish_async_complete().unwrap();
    assert_eq!(
        js.stream_info("M").unwrap().state.messages,
        4 * PER_THREAD as u64 + 300
    );
}

pub fn async_publish_acks_time_out<J: SuiteJs>() {
    let server = server();
    let plain: J = jetstream(&server);
    // Something listens but never answers: no 503, no ack.
    let _hole = plain.subscribe("hole");
    plain.flush();
    let js = plain.with_options(
        JetStreamOptions::new()
            .timeout(Duration::from_millis(300))
            .max_ack_pending(4),
    );
    let start = Instant::now();
    let mut acks = Vec::new();
    for _ in 0..8 {
        // The window holds 4: the later ones wait for the first to time out.
        acks.push(js.publish_async("hole", "x").unwrap());
    }
    for ack in acks {
        assert_eq!(
            ack.wait().unwrap_err(),
            Error::TimedOut(Duration::from_millis(300))
        );
    }
    assert!(start.elapsed() >= Duration::from_millis(600));
    assert_eq!(js.publish_async_pending(), 0);
    // A synchronous publish times out the same way.
    assert_eq!(
        js.publish("hole", "x").unwrap_err(),
        Error::TimedOut(Duration::from_millis(300))
    );
}

pub fn async_publish_with_a_long_inbox_prefix<J: SuiteJs>() {
    let server = server();
    let prefix = format!("_INBOX_{}", "x".repeat(150));
    let js = J::connect(&server.url(), ConnectOptions::new().inbox_prefix(prefix));
    js.create_stream(StreamConfig::new("LONG").subjects(["long"]))
        .unwrap();
    let ack = js.publish_async("long", "x").unwrap();
    assert_eq!(ack.wait().unwrap().sequence, 1);
}

pub fn async_publish_across_a_server_restart<J: SuiteJs>() {
    let server = Arc::new(server());
    let plain: J = jetstream(&server);
    let js = plain.with_options(
        JetStreamOptions::new()
            .max_ack_pending(500)
            .timeout(Duration::from_secs(5)),
    );
    js.create_stream(StreamConfig::new("R").subjects(["r"]))
        .unwrap();
    // Publish until the restart is over, and 1000 more.
    let mut acks = Vec::new();
    let mut restart = None;
    let mut until = usize::MAX;
    let mut i = 0usize;
    while i < until {
        let msg = PublishMessage::new(i.to_string()).msg_id(format!("msg-{i}"));
        acks.push(js.send_publish_async("r", msg).unwrap());
        if i == 500 {
            // Paused: what is published next waits unprocessed in the
            // server's socket, and is lost for sure when it is killed.
            server.pause().expect("pause the server");
        }
        if i == 550 {
            let server = server.clone();
            // Killed, then started again.
            restart = Some(std::thread::spawn(move || {
                server.kill()?;
                server.restart()
            }));
        }
        if until == usize::MAX && restart.as_ref().is_some_and(|r| r.is_finished()) {
            until = i + 1000;
        }
        i += 1;
    }
    let n = acks.len();
    let mut acked = 0usize;
    let mut failed = Vec::new();
    for (i, ack) in acks.into_iter().enumerate() {
        match ack.wait() {
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
    restart
        .expect("the restart started")
        .join()
        .expect("the restart thread")
        .expect("restart the server");
    assert_eq!(acked + failed.len(), n);
    assert!(!failed.is_empty(), "the restart failed some publishes");
    // Retry the failures with their ids: stored ones come back as duplicates.
    let retry =
        plain.with_options(JetStreamOptions::new().publish_retry(Duration::from_millis(250), 40));
    let mut duplicates = 0;
    for i in &failed {
        let msg = PublishMessage::new(i.to_string()).msg_id(format!("msg-{i}"));
        duplicates += usize::from(retry.send_publish("r", msg).unwrap().duplicate);
    }
    eprintln!(
        "{n} publishes: {acked} acked, {} failed and retried, {duplicates} of them duplicates",
        failed.len()
    );
    let info = js.stream_info("R").unwrap();
    assert_eq!(info.state.messages, n as u64, "{duplicates} duplicates");
    // A publish repeated with its id is always reported as a duplicate.
    let ack = retry
        .send_publish("r", PublishMessage::new("0").msg_id("msg-0"))
        .unwrap();
    assert!(ack.duplicate);
}
