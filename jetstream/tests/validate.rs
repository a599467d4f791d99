//! Local validation and comparison against nats-server: every configuration
//! the local rules refuse is refused by the server too (sent as it is,
//! around the local check), the good ones pass both, and every change the
//! comparison marks as one the server will not make is refused by the
//! server's update, while the others are applied.

mod common;

use common::*;
use natrs_jetstream::api::ApiCall;
use natrs_jetstream::api::consumer::{
    AckPolicy, ConsumerAction, ConsumerConfig, ConsumerInfo, CreateConsumerRequest, DeliverPolicy,
    PriorityPolicy, ReplayPolicy,
};
use natrs_jetstream::api::stream::{
    ConsumerLimits, DiscardPolicy, External, PersistMode, Placement, Republish, RetentionPolicy,
    Source, StorageType, StreamConfig, StreamCreateResponse, SubjectTransform,
};
use natrs_jetstream::compare::{diff_consumers, diff_streams};
use natrs_jetstream::validate::{validate_consumer, validate_consumer_for_stream, validate_stream};
use natrs_jetstream::{Error, JetStream};
use std::time::Duration;

/// Sends a stream create or update without the local checks.
async fn raw_stream(
    js: &JetStream,
    op: &str,
    config: &StreamConfig,
) -> Result<StreamCreateResponse, Error> {
    // A name the subject can not carry goes under a placeholder subject:
    // the server checks the body's name.
    let name = if config.name.is_empty() || config.name.contains(['.', '*', '>', ' ']) {
        "X"
    } else {
        &config.name
    };
    let call = ApiCall::json(js.prefix().subject(&format!("STREAM.{op}.{name}")), config)?;
    within(10, "stream call", js.call(call)).await
}

/// Sends a consumer create without the local checks.
async fn raw_consumer(
    js: &JetStream,
    stream: &str,
    config: &ConsumerConfig,
    action: ConsumerAction,
) -> Result<ConsumerInfo, Error> {
    let subject = match config
        .consumer_name()
        .filter(|n| !n.contains(['.', '*', '>', ' ']))
    {
        Some(name) => js
            .prefix()
            .subject(&format!("CONSUMER.CREATE.{stream}.{name}")),
        None => js.prefix().subject(&format!("CONSUMER.CREATE.{stream}")),
    };
    let body = CreateConsumerRequest {
        stream_name: stream,
        config,
        action,
    };
    within(10, "consumer call", js.call(ApiCall::json(subject, &body)?)).await
}

fn stream(f: impl FnOnce(&mut StreamConfig)) -> StreamConfig {
    let mut c = StreamConfig::new("V").subjects(["v.>"]);
    f(&mut c);
    c
}

fn consumer(f: impl FnOnce(&mut ConsumerConfig)) -> ConsumerConfig {
    let mut c = ConsumerConfig::durable_pull("c");
    f(&mut c);
    c
}

fn bad_streams() -> Vec<(&'static str, StreamConfig)> {
    let mirror = || Source {
        name: "ORIGIN".into(),
        ..Source::default()
    };
    vec![
        ("name", stream(|c| c.name = "a.b".into())),
        ("name", stream(|c| c.name = "a b".into())),
        ("name", stream(|c| c.name = "a/b".into())),
        ("name", stream(|c| c.name = "x".repeat(256))),
        (
            "description",
            stream(|c| c.description = Some("d".repeat(4097))),
        ),
        ("num_replicas", stream(|c| c.num_replicas = 6)),
        ("max_age", stream(|c| c.max_age = Duration::from_millis(50))),
        (
            "duplicate_window",
            stream(|c| {
                c.max_age = Duration::from_secs(1);
                c.duplicate_window = Duration::from_secs(2);
            }),
        ),
        (
            "duplicate_window",
            stream(|c| c.duplicate_window = Duration::from_millis(10)),
        ),
        (
            "allow_rollup_hdrs",
            stream(|c| {
                c.deny_purge = true;
                c.allow_rollup = true;
            }),
        ),
        (
            "allow_msg_counter",
            stream(|c| {
                c.allow_msg_counter = true;
                c.discard = DiscardPolicy::New;
            }),
        ),
        (
            "allow_msg_counter",
            stream(|c| {
                c.allow_msg_counter = true;
                c.allow_msg_ttl = true;
            }),
        ),
        (
            "allow_msg_counter",
            stream(|c| {
                c.allow_msg_counter = true;
                c.retention = RetentionPolicy::Interest;
            }),
        ),
        (
            "discard_new_per_subject",
            stream(|c| c.discard_new_per_subject = true),
        ),
        (
            "discard_new_per_subject",
            stream(|c| {
                c.discard_new_per_subject = true;
                c.discard = DiscardPolicy::New;
            }),
        ),
        (
            "subject_delete_marker_ttl",
            stream(|c| {
                c.allow_msg_ttl = true;
                c.subject_delete_marker_ttl = Some(Duration::from_millis(500));
            }),
        ),
        (
            "allow_msg_schedules",
            stream(|c| {
                c.allow_msg_schedules = true;
                c.discard = DiscardPolicy::New;
            }),
        ),
        (
            "persist_mode",
            stream(|c| {
                c.persist_mode = Some(PersistMode::Async);
                c.storage = StorageType::Memory;
            }),
        ),
        (
            "persist_mode",
            stream(|c| {
                c.persist_mode = Some(PersistMode::Async);
                c.allow_atomic_publish = true;
            }),
        ),
        ("subjects", stream(|c| c.mirror = Some(mirror()))),
        (
            "sources",
            stream(|c| {
                c.subjects.clear();
                c.mirror = Some(mirror());
                c.sources = vec![mirror()];
            }),
        ),
        (
            "first_seq",
            stream(|c| {
                c.subjects.clear();
                c.mirror = Some(mirror());
                c.first_seq = Some(5);
            }),
        ),
        (
            "mirror",
            stream(|c| {
                c.subjects.clear();
                c.mirror = Some(Source {
                    name: "a.b".into(),
                    ..Source::default()
                });
            }),
        ),
        (
            "mirror",
            stream(|c| {
                c.subjects.clear();
                c.mirror = Some(Source {
                    filter_subject: "x.>".into(),
                    subject_transforms: vec![SubjectTransform {
                        source: "y.>".into(),
                        destination: "z.>".into(),
                    }],
                    ..mirror()
                });
            }),
        ),
        (
            "allow_msg_schedules",
            stream(|c| {
                c.sources = vec![mirror()];
                c.allow_msg_schedules = true;
            }),
        ),
        ("sources", stream(|c| c.sources = vec![mirror(), mirror()])),
        (
            "sources",
            stream(|c| {
                c.sources = vec![Source {
                    name: "a*".into(),
                    ..Source::default()
                }]
            }),
        ),
        (
            "external",
            stream(|c| {
                c.sources = vec![Source {
                    external: Some(External {
                        api_prefix: "$JS.API".into(),
                        delivery_prefix: String::new(),
                    }),
                    ..mirror()
                }];
            }),
        ),
        ("subjects", stream(|c| c.subjects = vec!["a..b".into()])),
        (
            "subjects",
            stream(|c| c.subjects = vec!["a".into(), "a".into()]),
        ),
        (
            "subjects",
            stream(|c| c.subjects = vec!["a.*".into(), "a.b".into()]),
        ),
        ("subjects", stream(|c| c.subjects = vec![">".into()])),
        (
            "subjects",
            stream(|c| c.subjects = vec!["$JS.API.>".into()]),
        ),
        (
            "subjects",
            stream(|c| c.subjects = vec!["$SYS.REQ.x".into()]),
        ),
        (
            "republish",
            stream(|c| {
                c.republish = Some(Republish {
                    source: ">".into(),
                    destination: "v.out".into(),
                    headers_only: false,
                });
            }),
        ),
        (
            "placement",
            stream(|c| {
                c.placement = Some(Placement {
                    preferred: Some("n1".into()),
                    ..Placement::default()
                });
            }),
        ),
    ]
}

fn good_streams() -> Vec<StreamConfig> {
    vec![
        stream(|_| {}),
        stream(|c| {
            c.max_age = Duration::from_secs(1);
            c.subjects = vec!["a.*.c".into(), "b.>".into(), "$JS.EVENT.ADVISORY.>".into()];
        }),
        stream(|c| {
            c.subjects = vec![">".into()];
            c.no_ack = true;
        }),
        stream(|c| {
            c.discard = DiscardPolicy::New;
            c.discard_new_per_subject = true;
            c.max_msgs_per_subject = 3;
            c.allow_msg_ttl = true;
            c.subject_delete_marker_ttl = Some(Duration::from_secs(1));
        }),
        stream(|c| {
            c.republish = Some(Republish {
                source: ">".into(),
                destination: "out.>".into(),
                headers_only: true,
            });
        }),
    ]
}

#[tokio::test]
async fn stream_rules_agree_with_the_server() {
    let server = server();
    let (_client, js) = jetstream(&server).await;
    for (field, config) in bad_streams() {
        let local = validate_stream(&config).expect_err(&format!("{field}: {config:?}"));
        assert_eq!(local.field, field, "{local} for {config:?}");
        let remote = raw_stream(&js, "CREATE", &config).await;
        assert!(
            matches!(remote, Err(Error::Api(_))),
            "the server took what the local rule refuses ({local}): {remote:?}"
        );
        // The checked call refuses it before sending.
        let e = js.create_stream(config).await.unwrap_err();
        assert!(
            matches!(&e, Error::InvalidConfig(c) if c.field == field),
            "{e:?}"
        );
    }
    for config in good_streams() {
        validate_stream(&config).unwrap();
        let s = js
            .create_stream(config.clone())
            .await
            .unwrap_or_else(|e| panic!("{e} for {config:?}"));
        // What the server stores is what was asked for.
        let diff = diff_streams(&s.cached_info().config, &config);
        assert!(diff.is_empty(), "{diff}");
        js.delete_stream(&config.name).await.unwrap();
    }
}

fn bad_consumers() -> Vec<(&'static str, ConsumerConfig)> {
    let push = |c: &mut ConsumerConfig| c.deliver_subject = Some("push.out".into());
    vec![
        (
            "durable_name",
            consumer(|c| c.durable_name = Some("a.b".into())),
        ),
        (
            "name",
            consumer(|c| {
                c.durable_name = None;
                c.name = Some("a>".into());
            }),
        ),
        ("durable_name", consumer(|c| c.name = Some("other".into()))),
        (
            "backoff",
            consumer(|c| {
                c.max_deliver = 2;
                c.backoff = vec![Duration::from_secs(1); 3];
            }),
        ),
        (
            "description",
            consumer(|c| c.description = Some("d".repeat(4097))),
        ),
        (
            "deliver_subject",
            consumer(|c| c.deliver_subject = Some("out.*".into())),
        ),
        (
            "max_waiting",
            consumer(|c| {
                push(c);
                c.max_waiting = 5;
            }),
        ),
        (
            "max_ack_pending",
            consumer(|c| {
                push(c);
                c.ack_policy = AckPolicy::None;
                c.max_ack_pending = 10;
            }),
        ),
        (
            "idle_heartbeat",
            consumer(|c| {
                push(c);
                c.idle_heartbeat = Duration::from_millis(50);
            }),
        ),
        ("rate_limit_bps", consumer(|c| c.rate_limit = 1000)),
        (
            "idle_heartbeat",
            consumer(|c| c.idle_heartbeat = Duration::from_secs(1)),
        ),
        ("flow_control", consumer(|c| c.flow_control = true)),
        (
            "max_expires",
            consumer(|c| c.max_expires = Duration::from_micros(10)),
        ),
        (
            "filter_subjects",
            consumer(|c| {
                c.filter_subject = Some("v.a".into());
                c.filter_subjects = vec!["v.b".into()];
            }),
        ),
        (
            "filter_subjects",
            consumer(|c| c.filter_subjects = vec!["v.a".into(), String::new()]),
        ),
        (
            "filter_subjects",
            consumer(|c| c.filter_subjects = vec!["v.>".into(), "v.a".into()]),
        ),
        (
            "filter_subject",
            consumer(|c| c.filter_subject = Some("v..a".into())),
        ),
        ("opt_start_seq", consumer(|c| c.opt_start_seq = Some(3))),
        (
            "opt_start_seq",
            consumer(|c| c.deliver_policy = DeliverPolicy::ByStartSequence),
        ),
        (
            "opt_start_time",
            consumer(|c| c.deliver_policy = DeliverPolicy::ByStartTime),
        ),
        (
            "opt_start_time",
            consumer(|c| {
                c.deliver_policy = DeliverPolicy::New;
                c.opt_start_time = Some(time::OffsetDateTime::now_utc());
            }),
        ),
        (
            "deliver_policy",
            consumer(|c| c.deliver_policy = DeliverPolicy::LastPerSubject),
        ),
        (
            "sample_freq",
            consumer(|c| c.sample_frequency = Some("often".into())),
        ),
        (
            "flow_control",
            consumer(|c| {
                push(c);
                c.flow_control = true;
            }),
        ),
        (
            "priority_policy",
            consumer(|c| {
                push(c);
                c.priority_policy = PriorityPolicy::Overflow;
                c.priority_groups = vec!["g".into()];
            }),
        ),
        (
            "priority_groups",
            consumer(|c| c.priority_policy = PriorityPolicy::PinnedClient),
        ),
        (
            "priority_groups",
            consumer(|c| {
                c.priority_policy = PriorityPolicy::Overflow;
                c.priority_groups = vec!["a.b".into()];
            }),
        ),
        (
            "priority_groups",
            consumer(|c| c.priority_groups = vec!["g".into()]),
        ),
        (
            "priority_timeout",
            consumer(|c| c.pinned_ttl = Duration::from_secs(5)),
        ),
    ]
}

#[tokio::test]
async fn consumer_rules_agree_with_the_server() {
    let server = server();
    let (_client, js) = jetstream(&server).await;
    let mut sc = StreamConfig::new("V").subjects(["v.>"]);
    sc.consumer_limits = ConsumerLimits {
        inactive_threshold: Duration::from_secs(60),
        max_ack_pending: 100,
    };
    js.create_stream(sc.clone()).await.unwrap();
    let mut wq = StreamConfig::new("W").subjects(["w.>"]);
    wq.retention = RetentionPolicy::WorkQueue;
    js.create_stream(wq.clone()).await.unwrap();
    for (field, config) in bad_consumers() {
        let local = validate_consumer(&config).expect_err(&format!("{field}: {config:?}"));
        assert_eq!(local.field, field, "{local} for {config:?}");
        let remote = raw_consumer(&js, "V", &config, ConsumerAction::Create).await;
        assert!(
            matches!(remote, Err(Error::Api(_))),
            "the server took what the local rule refuses ({local}): {remote:?}"
        );
        let e = js.create_consumer("V", config).await.unwrap_err();
        assert!(
            matches!(&e, Error::InvalidConfig(c) if c.field == field),
            "{e:?}"
        );
    }
    // The rules that depend on the stream.
    let with_stream: Vec<(&str, &StreamConfig, ConsumerConfig)> = vec![
        ("num_replicas", &sc, consumer(|c| c.num_replicas = 3)),
        (
            "ack_policy",
            &wq,
            consumer(|c| c.ack_policy = AckPolicy::None),
        ),
        (
            "deliver_subject",
            &sc,
            consumer(|c| c.deliver_subject = Some("v.out".into())),
        ),
        (
            "max_ack_pending",
            &sc,
            consumer(|c| c.max_ack_pending = 500),
        ),
        (
            "inactive_threshold",
            &sc,
            consumer(|c| c.inactive_threshold = Some(Duration::from_secs(120))),
        ),
    ];
    for (field, s, config) in with_stream {
        validate_consumer(&config).unwrap();
        let local = validate_consumer_for_stream(&config, s).expect_err(field);
        assert_eq!(local.field, field, "{local}");
        let remote = raw_consumer(&js, &s.name, &config, ConsumerAction::Create).await;
        assert!(matches!(remote, Err(Error::Api(_))), "{field}: {remote:?}");
    }
    let good = vec![
        consumer(|_| {}),
        consumer(|c| {
            c.name = Some("c".into());
            c.filter_subjects = vec!["v.a".into(), "v.b.*".into()];
            c.deliver_policy = DeliverPolicy::LastPerSubject;
            c.max_ack_pending = 50;
        }),
        consumer(|c| {
            c.deliver_policy = DeliverPolicy::ByStartSequence;
            c.opt_start_seq = Some(2);
            c.replay_policy = ReplayPolicy::Original;
            c.backoff = vec![Duration::from_secs(1), Duration::from_secs(2)];
            c.max_deliver = 3;
        }),
        consumer(|c| {
            c.deliver_subject = Some("push.out".into());
            c.flow_control = true;
            c.idle_heartbeat = Duration::from_secs(1);
        }),
        consumer(|c| {
            c.priority_policy = PriorityPolicy::PinnedClient;
            c.priority_groups = vec!["jobs".into()];
        }),
    ];
    for config in good {
        validate_consumer_for_stream(&config, &sc).unwrap();
        let c = js
            .create_consumer("V", config.clone())
            .await
            .unwrap_or_else(|e| panic!("{e} for {config:?}"));
        let diff = diff_consumers(&c.cached_info().config, &config);
        assert!(diff.is_empty(), "{diff}");
        js.delete_consumer("V", "c").await.unwrap();
    }
}

#[tokio::test]
async fn immutable_fields_are_the_ones_the_server_refuses_to_change() {
    let server = server();
    let (_client, js) = jetstream(&server).await;
    let mut base = StreamConfig::new("U").subjects(["u.>"]);
    base.retention = RetentionPolicy::Interest;
    base.deny_delete = true;
    base.allow_msg_ttl = true;
    let changes: Vec<(&[&str], StreamConfig)> = vec![
        (
            &["storage"],
            stream(|c| {
                *c = base.clone();
                c.storage = StorageType::Memory;
            }),
        ),
        (
            &["retention"],
            stream(|c| {
                *c = base.clone();
                c.retention = RetentionPolicy::WorkQueue;
            }),
        ),
        (
            &["deny_delete"],
            stream(|c| {
                *c = base.clone();
                c.deny_delete = false;
            }),
        ),
        (
            &["allow_msg_ttl"],
            stream(|c| {
                *c = base.clone();
                c.allow_msg_ttl = false;
            }),
        ),
        (
            &["allow_msg_counter"],
            stream(|c| {
                *c = base.clone();
                c.allow_msg_ttl = false;
                c.allow_msg_counter = true;
                c.retention = RetentionPolicy::Limits;
            }),
        ),
        (
            &[],
            stream(|c| {
                *c = base.clone();
                c.retention = RetentionPolicy::Limits;
                c.max_msgs = 10;
                c.subjects.push("u2".into());
            }),
        ),
        (
            &[],
            stream(|c| {
                *c = base.clone();
                c.description = Some("now described".into());
            }),
        ),
    ];
    let existing = js
        .create_stream(base.clone())
        .await
        .unwrap()
        .cached_info()
        .config
        .clone();
    for (immutable, wanted) in changes {
        let diff = diff_streams(&existing, &wanted);
        assert!(!diff.is_empty());
        let marked = diff.immutable_fields();
        if immutable == ["allow_msg_counter"] {
            // Dropping TTLs is refused too.
            assert_eq!(marked, ["allow_msg_counter", "allow_msg_ttl"], "{diff}");
        } else {
            assert_eq!(marked, immutable, "{diff}");
        }
        let dry = js.stream_changes(&wanted).await.unwrap().unwrap();
        assert_eq!(dry, diff);
        let remote = raw_stream(&js, "UPDATE", &wanted).await;
        if immutable.is_empty() {
            remote.unwrap_or_else(|e| panic!("the server refused {diff}: {e}"));
            // Back to the base for the next change.
            raw_stream(&js, "UPDATE", &existing).await.unwrap();
        } else {
            assert!(
                matches!(remote, Err(Error::Api(_))),
                "the server took {diff}"
            );
            let e = js.create_or_update_stream(wanted).await.unwrap_err();
            assert!(
                matches!(&e, Error::ImmutableChange(d) if d.is_refused()),
                "{e:?}"
            );
        }
    }

    // Consumers.
    let base = ConsumerConfig::durable_pull("d");
    let existing = js
        .create_consumer("U", base.clone())
        .await
        .unwrap()
        .cached_info()
        .config
        .clone();
    let changes: Vec<(&str, ConsumerConfig)> = vec![
        (
            "deliver_policy",
            consumer(|c| {
                *c = base.clone();
                c.deliver_policy = DeliverPolicy::New;
            }),
        ),
        (
            "ack_policy",
            consumer(|c| {
                *c = base.clone();
                c.ack_policy = AckPolicy::All;
            }),
        ),
        (
            "replay_policy",
            consumer(|c| {
                *c = base.clone();
                c.replay_policy = ReplayPolicy::Original;
            }),
        ),
        (
            "mem_storage",
            consumer(|c| {
                *c = base.clone();
                c.memory_storage = true;
            }),
        ),
        (
            "max_waiting",
            consumer(|c| {
                *c = base.clone();
                c.max_waiting = 7;
            }),
        ),
        (
            "deliver_subject",
            consumer(|c| {
                *c = base.clone();
                c.deliver_subject = Some("p.out".into());
            }),
        ),
        (
            "opt_start_seq",
            consumer(|c| {
                *c = base.clone();
                c.deliver_policy = DeliverPolicy::ByStartSequence;
                c.opt_start_seq = Some(1);
            }),
        ),
        (
            "",
            consumer(|c| {
                *c = base.clone();
                c.description = Some("x".into());
                c.max_ack_pending = 20;
                c.ack_wait = Duration::from_secs(9);
            }),
        ),
    ];
    for (field, wanted) in changes {
        let diff = diff_consumers(&existing, &wanted);
        assert!(!diff.is_empty());
        let remote = raw_consumer(&js, "U", &wanted, ConsumerAction::Update).await;
        if field.is_empty() {
            assert!(!diff.is_refused(), "{diff}");
            remote.unwrap_or_else(|e| panic!("the server refused {diff}: {e}"));
            raw_consumer(&js, "U", &existing, ConsumerAction::Update)
                .await
                .unwrap();
        } else {
            assert!(diff.immutable_fields().contains(&field), "{field}: {diff}");
            assert!(
                matches!(remote, Err(Error::Api(_))),
                "the server took {diff}"
            );
            let e = js.create_or_update_consumer("U", wanted).await.unwrap_err();
            assert!(matches!(&e, Error::ImmutableChange(_)), "{e:?}");
        }
    }
}
