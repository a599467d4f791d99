//! Consumer messages against a real server: metadata from the ack subject
//! and every kind of acknowledgement.

mod common;

use common::*;
use futures_util::StreamExt;
use natrs_jetstream::Error;
use natrs_jetstream::ack::AckKind;
use natrs_jetstream::api::consumer::{ConsumerConfig, DeliverPolicy};
use natrs_jetstream::api::stream::StreamConfig;
use natrs_jetstream::consumer::Consumer;
use natrs_jetstream::message::JsMessage;
use natrs_jetstream::state::pull::FetchOptions;
use std::time::{Duration, Instant};

async fn one(c: &Consumer, expires: Duration) -> Option<JsMessage> {
    let mut f = c.fetch(FetchOptions::new(1).expires(expires)).unwrap();
    within(30, "a fetch", f.next()).await.map(|r| r.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metadata_and_acknowledgements() {
    let server = server();
    let (_c, js) = jetstream(&server).await;
    js.create_stream(StreamConfig::new("M").subjects(["m"]))
        .await
        .unwrap();
    for i in 0..6 {
        js.publish("m", format!("{i}")).await.unwrap();
    }
    let mut config = ConsumerConfig::durable_pull("C");
    config.ack_wait = Duration::from_secs(1);
    let c = js.create_consumer("M", config).await.unwrap();
    let long = Duration::from_secs(5);

    // Metadata.
    let m0 = one(&c, long).await.unwrap();
    let meta = m0.metadata().unwrap();
    assert_eq!(meta.stream, "M");
    assert_eq!(meta.consumer, "C");
    assert_eq!(meta.delivered, 1);
    assert_eq!(meta.stream_sequence, 1);
    assert_eq!(meta.consumer_sequence, 1);
    assert_eq!(meta.pending, 5);
    let age = time::OffsetDateTime::now_utc() - meta.time().unwrap();
    assert!(age < time::Duration::minutes(1), "{age}");

    // One terminal ack; the next ones are refused locally.
    m0.ack().await.unwrap();
    assert!(m0.is_acked());
    assert_eq!(m0.ack().await.unwrap_err(), Error::AlreadyAcknowledged);
    assert_eq!(m0.nak().await.unwrap_err(), Error::AlreadyAcknowledged);
    assert_eq!(m0.term().await.unwrap_err(), Error::AlreadyAcknowledged);
    assert_eq!(
        m0.in_progress().await.unwrap_err(),
        Error::AlreadyAcknowledged
    );

    // Nak, sent as a request so the server handled it before the next
    // pull: redelivered at once, delivery count 2.
    let m1 = one(&c, long).await.unwrap();
    assert_eq!(m1.payload(), "1");
    m1.double_ack_with(AckKind::Nak(None)).await.unwrap();
    let again = one(&c, long).await.unwrap();
    assert_eq!(again.payload(), "1");
    assert_eq!(again.metadata().unwrap().delivered, 2);
    again.ack().await.unwrap();

    // Term with a reason: never redelivered.
    let m2 = one(&c, long).await.unwrap();
    assert_eq!(m2.payload(), "2");
    m2.term_with_reason("cannot parse").await.unwrap();
    assert_eq!(m2.ack().await.unwrap_err(), Error::AlreadyAcknowledged);

    // In progress keeps a message from being redelivered past its ack wait.
    let m3 = one(&c, long).await.unwrap();
    assert_eq!(m3.payload(), "3");
    let started = Instant::now();
    while started.elapsed() < Duration::from_millis(2500) {
        m3.in_progress().await.unwrap();
        // Wait 400 ms for a redelivery that must not come (the ack wait is 1 s).
        let mut f = c
            .fetch(FetchOptions::new(1).expires(Duration::from_millis(400)))
            .unwrap();
        if let Some(m) = within(5, "a fetch", f.next()).await {
            let m = m.unwrap();
            assert_ne!(m.payload(), "3", "message 3 was redelivered");
            m.ack().await.unwrap();
        }
    }
    // Double ack: the server confirms.
    m3.double_ack().await.unwrap();
    assert!(m3.is_acked());
    // Nothing is left: 2 was terminated, every other one acknowledged.
    assert!(one(&c, Duration::from_millis(1500)).await.is_none());
    let mut c = c;
    let info = c.info().await.unwrap();
    assert_eq!(info.num_ack_pending, 0);
    assert_eq!(info.num_pending, 0);

    // Nak with a delay: the other messages come first, it comes back after
    // the delay.
    let other = js
        .create_consumer("M", ConsumerConfig::durable_pull("OTHER"))
        .await
        .unwrap();
    let first = one(&other, long).await.unwrap();
    assert_eq!(first.payload(), "0");
    let delayed_at = Instant::now();
    first
        .double_ack_with(AckKind::Nak(Some(Duration::from_millis(1500))))
        .await
        .unwrap();
    let mut order = Vec::new();
    loop {
        let m = one(&other, long).await.unwrap();
        order.push(String::from_utf8(m.payload().to_vec()).unwrap());
        if m.payload() == "0" {
            assert!(delayed_at.elapsed() >= Duration::from_millis(1400));
            assert_eq!(m.metadata().unwrap().delivered, 2);
            m.ack().await.unwrap();
            break;
        }
        m.ack().await.unwrap();
    }
    assert_eq!(order, ["1", "2", "3", "4", "5", "0"]);

    // A plain nak (a publish, not waited for) also brings the message back.
    let third = js
        .create_consumer("M", ConsumerConfig::durable_pull("THIRD"))
        .await
        .unwrap();
    let first = one(&third, long).await.unwrap();
    first.nak().await.unwrap();
    loop {
        let m = one(&third, long).await.unwrap();
        if m.payload() == "0" {
            assert_eq!(m.metadata().unwrap().delivered, 2);
            break;
        }
        m.ack().await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ack_subjects_carry_the_domain() {
    let server = natrs_tests::Server::start_with(
        natrs_tests::ServerConfig::new().config("jetstream { domain: edge }"),
    )
    .unwrap();
    let client = connect(&server.url()).await;
    let js = natrs_jetstream::JetStream::with_domain(client, "edge");
    js.create_stream(StreamConfig::new("D").subjects(["d"]))
        .await
        .unwrap();
    js.publish("d", "x").await.unwrap();
    let c = js
        .create_consumer(
            "D",
            ConsumerConfig {
                durable_name: Some("C".into()),
                deliver_policy: DeliverPolicy::All,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let m = one(&c, Duration::from_secs(5)).await.unwrap();
    let meta = m.metadata().unwrap();
    assert_eq!(meta.stream, "D");
    assert_eq!(meta.stream_sequence, 1);
    // The 11+ token form names the domain (2.15 still sends the 9 token
    // form here; both are parsed).
    if meta.account_hash.is_some() {
        assert_eq!(meta.domain.as_deref(), Some("edge"));
    }
    m.double_ack().await.unwrap();
}
