//! The blocking facade against a real server. The connection's driver runs
//! on a tokio runtime's worker threads; the test thread only parks.

mod common;

use natrs_jetstream::api::consumer::{AckPolicy, ConsumerConfig};
use natrs_jetstream::api::message::MessageGetRequest;
use natrs_jetstream::api::publish::PublishOptions;
use natrs_jetstream::api::stream::StreamConfig;
use natrs_jetstream::blocking::JetStream;
use natrs_jetstream::state::ordered::OrderedOptions;
use natrs_jetstream::state::pull::{ConsumeOptions, FetchOptions};
use natrs_jetstream::{Error, ErrorCode};
use std::time::Duration;

fn setup() -> (tokio::runtime::Runtime, natrs_tests::Server, JetStream) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let server = common::server();
    let client = rt.block_on(common::connect(&server.url()));
    (rt, server, JetStream::new(client))
}

fn text(m: &natrs_client::Message) -> String {
    String::from_utf8(m.payload.to_vec()).unwrap()
}

#[test]
fn streams_publish_and_fetch() {
    let (_rt, _server, js) = setup();
    assert!(js.account_info().unwrap().api.level >= 3);
    let mut config = StreamConfig::new("B").subjects(["b.>"]);
    config.allow_direct = true;
    let mut stream = js.create_stream(config).unwrap();
    for i in 0..5 {
        let ack = js.publish(&format!("b.{i}"), format!("{i}")).unwrap();
        assert_eq!(ack.sequence, i + 1);
    }
    let dup = js
        .publish_with_options("b.0", "again", PublishOptions::new().msg_id("x"))
        .unwrap();
    assert!(!dup.duplicate);
    let dup = js
        .publish_with_options("b.0", "again", PublishOptions::new().msg_id("x"))
        .unwrap();
    assert!(dup.duplicate);
    let e = js
        .publish_with_options("b.0", "y", PublishOptions::new().expected_last_sequence(1))
        .unwrap_err();
    assert!(e.is(ErrorCode::WrongLastSequence));
    // Async publishes and their acks.
    let handles: Vec<_> = (0..50)
        .map(|i| js.publish_async("b.async", format!("{i}")).unwrap())
        .collect();
    for (i, h) in handles.into_iter().enumerate() {
        assert_eq!(h.wait().unwrap().sequence, 7 + i as u64);
    }
    js.publish_async_complete().unwrap();
    assert_eq!(stream.info().unwrap().state.messages, 56);
    // Reads.
    assert_eq!(stream.get_message(2).unwrap().payload, "1");
    assert_eq!(stream.direct_get_last("b.3").unwrap().payload, "3");
    let batch: Vec<u64> = stream
        .direct_batch(MessageGetRequest::batch("b.>", 1, 3), false)
        .unwrap()
        .map(|m| m.unwrap().sequence)
        .collect();
    assert_eq!(batch, vec![1, 2, 3]);
    assert_eq!(js.stream_names(None).unwrap(), vec!["B".to_string()]);
    assert!(
        js.stream_info("NOPE")
            .unwrap_err()
            .is(ErrorCode::StreamNotFound)
    );
    // A fetch as an iterator, with acks.
    let c = stream
        .create_consumer(ConsumerConfig::durable_pull("C"))
        .unwrap();
    let got: Vec<String> = c
        .fetch(FetchOptions::new(3))
        .unwrap()
        .map(|m| {
            let m = m.unwrap();
            m.ack().unwrap();
            assert_eq!(m.ack().unwrap_err(), Error::AlreadyAcknowledged);
            text(&m)
        })
        .collect();
    assert_eq!(got, vec!["0", "1", "2"]);
    let m = c.next_timeout(Duration::from_secs(5)).unwrap().unwrap();
    assert_eq!(m.metadata().unwrap().stream_sequence, 4);
    m.double_ack().unwrap();
    assert!(stream.delete_consumer("C").unwrap());
}

#[test]
fn consume_push_and_ordered_iterators() {
    let (_rt, _server, js) = setup();
    js.create_stream(StreamConfig::new("I").subjects(["i"]))
        .unwrap();
    for i in 0..100 {
        js.publish("i", format!("{i}")).unwrap();
    }
    // Continuous pulling.
    let c = js
        .create_consumer("I", ConsumerConfig::durable_pull("PULL"))
        .unwrap();
    let mut msgs = c.messages(ConsumeOptions::new().max_messages(25)).unwrap();
    for i in 0..100 {
        let m = msgs.next().unwrap().unwrap();
        assert_eq!(text(&m), i.to_string());
        m.ack().unwrap();
    }
    // Nothing more within the timeout.
    assert!(msgs.next_timeout(Duration::from_millis(300)).is_none());
    // Push.
    let deliver = js.client().new_inbox();
    let push = js
        .create_consumer(
            "I",
            ConsumerConfig {
                durable_name: Some("PUSH".into()),
                deliver_subject: Some(deliver),
                ack_policy: AckPolicy::None,
                ..Default::default()
            },
        )
        .unwrap();
    let got: Vec<String> = push
        .push_messages()
        .unwrap()
        .take(100)
        .map(|m| text(&m.unwrap()))
        .collect();
    assert_eq!(got.len(), 100);
    assert_eq!(got[99], "99");
    // Ordered.
    let ordered = js.ordered_consumer("I", OrderedOptions::default()).unwrap();
    let mut msgs = ordered.messages().unwrap();
    for i in 0..100 {
        let m = msgs.next().unwrap().unwrap();
        assert_eq!(text(&m), i.to_string());
    }
    js.publish("i", "100").unwrap();
    let m = msgs
        .next_timeout(Duration::from_secs(10))
        .expect("a new message")
        .unwrap()
        .unwrap();
    assert_eq!(text(&m), "100");
}
