//! Consumer messages: metadata from the ack subject and every kind of
//! acknowledgement.

use crate::support::*;
use natrs_jetstream::AckKind;
use natrs_jetstream::Error;
use natrs_jetstream::api::consumer::{ConsumerConfig, DeliverPolicy};
use natrs_jetstream::api::stream::StreamConfig;
use natrs_jetstream::consumer::FetchOptions;
use std::time::{Duration, Instant};

/// One message of a fetch that waits at most `expires`.
fn one<C: SuiteConsumer>(c: &C, expires: Duration) -> Option<<C::Js as SuiteJs>::Msg> {
    let mut f = c.fetch(FetchOptions::new(1).expires(expires)).unwrap();
    f.item_within(Duration::from_secs(30), "a fetch")
        .map(|r| r.unwrap())
}

pub fn metadata_and_acknowledgements<J: SuiteJs>() {
    let server = server();
    let js: J = jetstream(&server);
    js.create_stream(StreamConfig::new("M").subjects(["m"]))
        .unwrap();
    publish_n(&js, "m", 0, 6);
    let mut config = ConsumerConfig::durable_pull("C");
    config.ack_wait = Duration::from_secs(1);
    let mut c = js.create_consumer("M", config).unwrap();
    let long = Duration::from_secs(5);

    // Metadata.
    let m0 = one(&c, long).unwrap();
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
    m0.ack().unwrap();
    assert!(m0.is_acked());
    assert_eq!(m0.ack().unwrap_err(), Error::AlreadyAcknowledged);
    assert_eq!(m0.nak().unwrap_err(), Error::AlreadyAcknowledged);
    assert_eq!(m0.term().unwrap_err(), Error::AlreadyAcknowledged);
    assert_eq!(m0.in_progress().unwrap_err(), Error::AlreadyAcknowledged);
    assert_eq!(m0.double_ack().unwrap_err(), Error::AlreadyAcknowledged);

    // Nak, sent as a request so the server handled it before the next
    // pull: redelivered at once, delivery count 2.
    let m1 = one(&c, long).unwrap();
    assert_eq!(m1.payload(), "1");
    m1.double_ack_with(AckKind::Nak(None)).unwrap();
    let again = one(&c, long).unwrap();
    assert_eq!(again.payload(), "1");
    assert_eq!(again.metadata().unwrap().delivered, 2);
    again.ack().unwrap();

    // Term with a reason: never redelivered.
    let m2 = one(&c, long).unwrap();
    assert_eq!(m2.payload(), "2");
    m2.term_with_reason("cannot parse").unwrap();
    assert_eq!(m2.ack().unwrap_err(), Error::AlreadyAcknowledged);

    // In progress keeps a message from being redelivered past its ack wait.
    let m3 = one(&c, long).unwrap();
    assert_eq!(m3.payload(), "3");
    let started = Instant::now();
    while started.elapsed() < Duration::from_millis(2500) {
        m3.in_progress().unwrap();
        // Wait 400 ms for a redelivery that must not come (the ack wait is 1 s).
        if let Some(m) = one(&c, Duration::from_millis(400)) {
            assert_ne!(m.payload(), "3", "message 3 was redelivered");
            m.ack().unwrap();
        }
    }
    // Double ack: the server confirms.
    m3.double_ack().unwrap();
    assert!(m3.is_acked());
    // Nothing is left: 2 was terminated, every other one acknowledged.
    assert!(one(&c, Duration::from_millis(1500)).is_none());
    let info = c.info().unwrap();
    assert_eq!(info.num_ack_pending, 0);
    assert_eq!(info.num_pending, 0);

    // Nak with a delay: the other messages come first, it comes back after
    // the delay.
    let other = js
        .create_consumer("M", ConsumerConfig::durable_pull("OTHER"))
        .unwrap();
    let first = one(&other, long).unwrap();
    assert_eq!(first.payload(), "0");
    let delayed_at = Instant::now();
    first
        .double_ack_with(AckKind::Nak(Some(Duration::from_millis(1500))))
        .unwrap();
    let mut order = Vec::new();
    loop {
        let m = one(&other, long).unwrap();
        order.push(m.text());
        if m.payload() == "0" {
            assert!(delayed_at.elapsed() >= Duration::from_millis(1400));
            assert_eq!(m.metadata().unwrap().delivered, 2);
            m.ack().unwrap();
            break;
        }
        m.ack().unwrap();
    }
    assert_eq!(order, ["1", "2", "3", "4", "5", "0"]);

    // A plain nak (a publish, not waited for) also brings the message back.
    let third = js
        .create_consumer("M", ConsumerConfig::durable_pull("THIRD"))
        .unwrap();
    let first = one(&third, long).unwrap();
    assert_eq!(first.payload(), "0");
    first.nak().unwrap();
    let m = redelivered(&third, "0");
    m.ack_with(AckKind::Ack).unwrap();
    assert!(m.is_acked());
    // And so does a plain nak with a delay, after the delay. (The server
    // handles acks and pulls on separate paths: the redelivery of 0 may have
    // come after other messages, so which comes next is not known.)
    let m = one(&third, long).unwrap();
    let delayed_at = Instant::now();
    m.nak_with_delay(Duration::from_secs(1)).unwrap();
    redelivered(&third, &m.text());
    assert!(delayed_at.elapsed() >= Duration::from_millis(900));
}

/// Fetches (acknowledging the others) until `payload` comes again, with
/// delivery count 2.
fn redelivered<C: SuiteConsumer>(c: &C, payload: &str) -> <C::Js as SuiteJs>::Msg {
    loop {
        let m = one(c, Duration::from_secs(5)).expect("the redelivery");
        if m.payload() == payload {
            assert_eq!(m.metadata().unwrap().delivered, 2);
            return m;
        }
        m.ack().unwrap();
    }
}

pub fn ack_subjects_carry_the_domain<J: SuiteJs>() {
    let server = server_with("jetstream { domain: edge }");
    let js: J = jetstream::<J>(&server).with_domain("edge");
    js.create_stream(StreamConfig::new("D").subjects(["d"]))
        .unwrap();
    js.publish("d", "x").unwrap();
    let c = js
        .create_consumer(
            "D",
            ConsumerConfig {
                durable_name: Some("C".into()),
                deliver_policy: DeliverPolicy::All,
                ..Default::default()
            },
        )
        .unwrap();
    let m = one(&c, Duration::from_secs(5)).unwrap();
    let meta = m.metadata().unwrap();
    assert_eq!(meta.stream, "D");
    assert_eq!(meta.stream_sequence, 1);
    // The 11+ token form names the domain (2.15 still sends the 9 token
    // form here; both are parsed).
    if meta.account_hash.is_some() {
        assert_eq!(meta.domain.as_deref(), Some("edge"));
    }
    m.double_ack().unwrap();
}
