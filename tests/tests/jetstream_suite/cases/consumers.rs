//! Consumer management: create/update actions, durable, named and
//! ephemeral consumers, filters and deliver policies, every policy field,
//! listing with paging, pause and resume, reset.

use crate::support::*;
use natrs_jetstream::api::consumer::{
    AckPolicy, ConsumerConfig, DeliverPolicy, PriorityPolicy, ReplayPolicy,
};
use natrs_jetstream::api::stream::{StorageType, StreamConfig};
use natrs_jetstream::consumer::{FetchOptions, PriorityOptions};
use natrs_jetstream::{Error, ErrorCode};
use std::time::Duration;

/// A stream `name` on `subjects` with `per_subject` messages `"{s}:{i}"` on
/// each, published round-robin.
fn stream_with<J: SuiteJs>(js: &J, name: &str, subjects: &[&str], per_subject: usize) {
    js.create_stream(StreamConfig::new(name).subjects(subjects.iter().copied()))
        .unwrap();
    for i in 0..per_subject {
        for s in subjects {
            js.publish(s, format!("{s}:{i}")).unwrap();
        }
    }
}

/// The stream sequences a new consumer with `config` delivers first (up to
/// `n`, within a second).
fn first_sequences<J: SuiteJs>(js: &J, stream: &str, config: ConsumerConfig, n: usize) -> Vec<u64> {
    let c = js.create_consumer(stream, config).unwrap();
    let mut fetch = c
        .fetch(FetchOptions::new(n).expires(Duration::from_secs(1)))
        .unwrap();
    fetch
        .rest("a fetch")
        .into_iter()
        .map(|m| {
            let _ = m.ack();
            m.metadata().unwrap().stream_sequence
        })
        .collect()
}

pub fn create_and_update_actions<J: SuiteJs>() {
    let server = server();
    let js: J = jetstream(&server);
    stream_with(&js, "S", &["s.a", "s.b"], 1);
    let config = ConsumerConfig::durable_pull("D");
    let c = js.create_consumer("S", config.clone()).unwrap();
    assert_eq!(c.name(), "D");
    assert_eq!(c.cached_info().config.ack_policy, AckPolicy::Explicit);
    // Creating the same again is fine; a different config is not.
    js.create_consumer("S", config.clone()).unwrap();
    let mut changed = config.clone();
    changed.description = Some("changed".into());
    let e = js.create_consumer("S", changed.clone()).unwrap_err();
    assert!(e.is(ErrorCode::ConsumerAlreadyExists), "{e:?}");
    // Update only works on existing consumers.
    let c = js.update_consumer("S", changed.clone()).unwrap();
    assert_eq!(
        c.cached_info().config.description.as_deref(),
        Some("changed")
    );
    let e = js
        .update_consumer("S", ConsumerConfig::durable_pull("MISSING"))
        .unwrap_err();
    assert!(e.is(ErrorCode::ConsumerDoesNotExist), "{e:?}");
    // Create-or-update does both.
    js.create_or_update_consumer("S", ConsumerConfig::durable_pull("E"))
        .unwrap();
    let mut e2 = ConsumerConfig::durable_pull("E");
    e2.max_ack_pending = 7;
    let c = js.create_or_update_consumer("S", e2).unwrap();
    assert_eq!(c.cached_info().config.max_ack_pending, 7);
    // Info, get, delete.
    let mut c = js.get_consumer("S", "D").unwrap();
    assert_eq!(c.info().unwrap().num_pending, 2);
    assert!(c.delete().unwrap());
    let e = js.consumer_info("S", "D").unwrap_err();
    assert!(e.is(ErrorCode::ConsumerNotFound), "{e:?}");
    // Through the stream's handle.
    let stream = js.get_stream("S").unwrap();
    let c = stream
        .create_consumer(ConsumerConfig::durable_pull("VIA"))
        .unwrap();
    assert_eq!(c.cached_info().stream, "S");
    assert_eq!(stream.get_consumer("VIA").unwrap().name(), "VIA");
    // Streams that do not exist.
    let e = js
        .create_consumer("NOPE", ConsumerConfig::durable_pull("X"))
        .unwrap_err();
    assert!(e.is(ErrorCode::StreamNotFound), "{e:?}");
    assert!(matches!(
        js.consumer_info("S", "a.b"),
        Err(Error::InvalidArgument(_))
    ));
}

pub fn durable_named_and_ephemeral<J: SuiteJs>() {
    let server = server();
    let js: J = jetstream(&server);
    stream_with(&js, "S", &["s.a"], 3);
    // Ephemeral: the server names it.
    let eph = js
        .create_consumer(
            "S",
            ConsumerConfig {
                inactive_threshold: Some(Duration::from_secs(1)),
                ..Default::default()
            },
        )
        .unwrap();
    assert!(!eph.name().is_empty());
    assert_eq!(eph.cached_info().config.durable_name, None);
    // Named with an inactive threshold: removed once idle.
    let named = js
        .create_consumer(
            "S",
            ConsumerConfig {
                name: Some("N".into()),
                inactive_threshold: Some(Duration::from_millis(500)),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(named.name(), "N");
    eventually(
        "the idle consumers to be removed",
        Duration::from_secs(15),
        || js.consumer_names("S").unwrap().is_empty(),
    );
    // Durable: stays.
    js.create_consumer("S", ConsumerConfig::durable_pull("DUR"))
        .unwrap();
    assert_eq!(js.consumer_names("S").unwrap(), vec!["DUR".to_string()]);
}

pub fn filters_and_deliver_policies<J: SuiteJs>() {
    let server = server();
    let js: J = jetstream(&server);
    // Sequences: a:1 b:2 c:3 a:4 b:5 c:6 a:7 b:8 c:9
    stream_with(&js, "F", &["f.a", "f.b", "f.c"], 3);
    let several = ConsumerConfig {
        filter_subjects: vec!["f.a".into(), "f.c".into()],
        ..Default::default()
    };
    assert_eq!(
        first_sequences(&js, "F", several, 10),
        vec![1, 3, 4, 6, 7, 9]
    );
    let one = ConsumerConfig::default().filter_subject("f.b");
    assert_eq!(first_sequences(&js, "F", one, 10), vec![2, 5, 8]);
    let last = ConsumerConfig {
        deliver_policy: DeliverPolicy::Last,
        ..Default::default()
    };
    assert_eq!(first_sequences(&js, "F", last, 10), vec![9]);
    let new = ConsumerConfig {
        deliver_policy: DeliverPolicy::New,
        ..Default::default()
    };
    assert_eq!(first_sequences(&js, "F", new, 10), Vec::<u64>::new());
    let by_seq = ConsumerConfig {
        deliver_policy: DeliverPolicy::ByStartSequence,
        opt_start_seq: Some(7),
        ..Default::default()
    };
    assert_eq!(first_sequences(&js, "F", by_seq, 10), vec![7, 8, 9]);
    let last_per = ConsumerConfig {
        deliver_policy: DeliverPolicy::LastPerSubject,
        filter_subject: Some("f.>".into()),
        ..Default::default()
    };
    assert_eq!(first_sequences(&js, "F", last_per, 10), vec![7, 8, 9]);
    let stream = js.get_stream("F").unwrap();
    let t7 = stream.get_message(7).unwrap().time.unwrap();
    let by_time = ConsumerConfig {
        deliver_policy: DeliverPolicy::ByStartTime,
        opt_start_time: Some(t7),
        ..Default::default()
    };
    assert_eq!(first_sequences(&js, "F", by_time, 10), vec![7, 8, 9]);
}

pub fn every_policy_field_round_trips<J: SuiteJs>() {
    let server = server();
    let js: J = jetstream(&server);
    stream_with(&js, "K", &["k.a"], 1);
    let mut pull = ConsumerConfig::durable_pull("PULL");
    pull.description = Some("all knobs".into());
    pull.deliver_policy = DeliverPolicy::All;
    pull.ack_policy = AckPolicy::All;
    // With a back-off list the server takes its first value as ack_wait.
    pull.ack_wait = Duration::from_secs(1);
    pull.max_deliver = 5;
    pull.backoff = vec![Duration::from_secs(1), Duration::from_secs(2)];
    pull.filter_subject = Some("k.a".into());
    pull.replay_policy = ReplayPolicy::Original;
    pull.sample_frequency = Some("50%".into());
    pull.max_waiting = 64;
    pull.max_ack_pending = 100;
    pull.headers_only = true;
    pull.max_batch = 50;
    pull.max_expires = Duration::from_secs(30);
    pull.max_request_max_bytes = 1 << 16;
    pull.num_replicas = 1;
    pull.memory_storage = true;
    pull.metadata.insert("team".into(), "jetstream".into());
    pull.priority_groups = vec!["g1".into()];
    pull.priority_policy = PriorityPolicy::PinnedClient;
    pull.pinned_ttl = Duration::from_secs(20);
    let c = js.create_consumer("K", pull.clone()).unwrap();
    let got = c.cached_info().config;
    assert_eq!(got.description, pull.description);
    assert_eq!(got.ack_policy, AckPolicy::All);
    assert_eq!(got.ack_wait, pull.ack_wait);
    assert_eq!(got.max_deliver, 5);
    assert_eq!(got.backoff, pull.backoff);
    assert_eq!(got.filter_subject, pull.filter_subject);
    assert_eq!(got.replay_policy, ReplayPolicy::Original);
    assert_eq!(got.sample_frequency.as_deref(), Some("50%"));
    assert_eq!(got.max_waiting, 64);
    assert_eq!(got.max_ack_pending, 100);
    assert!(got.headers_only);
    assert_eq!(got.max_batch, 50);
    assert_eq!(got.max_expires, Duration::from_secs(30));
    assert_eq!(got.max_request_max_bytes, 1 << 16);
    assert!(got.memory_storage);
    assert_eq!(
        got.metadata.get("team").map(String::as_str),
        Some("jetstream")
    );
    assert_eq!(got.priority_groups, vec!["g1".to_string()]);
    assert_eq!(got.priority_policy, PriorityPolicy::PinnedClient);
    assert_eq!(got.pinned_ttl, Duration::from_secs(20));

    let push = ConsumerConfig {
        durable_name: Some("PUSH".into()),
        deliver_subject: Some("deliver.push".into()),
        deliver_group: Some("workers".into()),
        ack_policy: AckPolicy::None,
        rate_limit: 1_000_000,
        inactive_threshold: Some(Duration::from_secs(60)),
        ..Default::default()
    };
    let c = js.create_consumer("K", push).unwrap();
    let got = c.cached_info().config;
    assert_eq!(got.deliver_subject.as_deref(), Some("deliver.push"));
    assert_eq!(got.deliver_group.as_deref(), Some("workers"));
    assert_eq!(got.ack_policy, AckPolicy::None);
    assert_eq!(got.rate_limit, 1_000_000);
    assert_eq!(got.inactive_threshold, Some(Duration::from_secs(60)));
    // Pull-only and push-only operations are refused locally.
    assert!(matches!(
        c.fetch(FetchOptions::new(1)),
        Err(Error::InvalidArgument(_))
    ));
    let pull = js.get_consumer("K", "PULL").unwrap();
    assert!(matches!(
        pull.push_messages(),
        Err(Error::InvalidArgument(_))
    ));
    // Pulls must name a priority group of the consumer.
    let mut f = pull.fetch(FetchOptions::new(1)).unwrap();
    assert!(matches!(
        f.item("a refusal"),
        Some(Err(Error::BadRequest(_)))
    ));
    // Headers only: no payload, its size in a header; the puller is pinned.
    let group = PriorityOptions {
        group: "g1".into(),
        ..Default::default()
    };
    let mut f = pull.fetch(FetchOptions::new(1).priority(group)).unwrap();
    let m = f.msg("a headers-only message");
    assert!(m.payload().is_empty());
    assert_eq!(m.header("Nats-Msg-Size"), Some("5"));
    assert!(m.header("Nats-Pin-Id").is_some_and(|p| !p.is_empty()));
}

pub fn names_and_list_page<J: SuiteJs>() {
    let server = server();
    let js: J = jetstream(&server);
    js.create_stream(
        StreamConfig::new("L")
            .subjects(["l"])
            .storage(StorageType::Memory),
    )
    .unwrap();
    // LIST pages hold 256 infos.
    const N: usize = 260;
    for i in 0..N {
        js.create_consumer("L", ConsumerConfig::durable_pull(format!("C{i:03}")))
            .unwrap();
    }
    assert_eq!(js.consumer_names("L").unwrap().len(), N);
    let infos = js.consumers("L").unwrap();
    assert_eq!(infos.len(), N);
    let mut listed: Vec<String> = infos.into_iter().map(|i| i.name).collect();
    listed.sort();
    listed.dedup();
    assert_eq!(listed.len(), N);
    let stream = js.get_stream("L").unwrap();
    assert_eq!(stream.consumer_names().unwrap().len(), N);
}

pub fn pause_and_resume<J: SuiteJs>() {
    let server = server();
    let js: J = jetstream(&server);
    stream_with(&js, "PA", &["pa"], 2);
    let mut c = js
        .create_consumer("PA", ConsumerConfig::durable_pull("C"))
        .unwrap();
    let until = time::OffsetDateTime::now_utc() + time::Duration::hours(1);
    let r = c.pause(until).unwrap();
    assert!(r.paused);
    assert!(r.pause_remaining.unwrap() > Duration::from_secs(3000));
    assert!(c.info().unwrap().paused);
    // A paused consumer delivers nothing.
    let mut f = c
        .fetch(FetchOptions::new(1).expires(Duration::from_millis(500)))
        .unwrap();
    assert!(f.item("the fetch to end").is_none());
    let r = c.resume().unwrap();
    assert!(!r.paused);
    assert!(!c.info().unwrap().paused);
    let m = c.next().unwrap().expect("a message after resuming");
    assert_eq!(m.payload(), "pa:0");
}

pub fn reset_moves_the_consumer<J: SuiteJs>() {
    let server = server();
    let js: J = jetstream(&server);
    stream_with(&js, "RS", &["rs"], 10);
    let mut c = js
        .create_consumer("RS", ConsumerConfig::durable_pull("C"))
        .unwrap();
    for m in c.fetch(FetchOptions::new(5)).unwrap().rest("a batch") {
        m.double_ack().unwrap();
    }
    // Back to sequence 3: messages 3.. come again.
    assert_eq!(c.reset(Some(3)).unwrap(), 3);
    let m = c.next().unwrap().expect("message 3 again");
    assert_eq!(m.metadata().unwrap().stream_sequence, 3);
    m.double_ack().unwrap();
    let m = c.next().unwrap().expect("message 4 again");
    assert_eq!(m.metadata().unwrap().stream_sequence, 4);
    // Without a sequence: back to the ack floor (3 is acknowledged, 4 not).
    assert_eq!(c.reset(None).unwrap(), 4);
    let m = c.next().unwrap().expect("message 4 once more");
    assert_eq!(m.metadata().unwrap().stream_sequence, 4);
}
