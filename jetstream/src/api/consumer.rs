//! Consumers: configuration, information, and the `CONSUMER.*` calls.

use super::paging::Page;
use super::stream::ClusterInfo;
use super::{ApiCall, ApiPrefix, SuccessResponse, validate_name};
use crate::error::Error;
use crate::wire::{is_default, is_zero, nanos, nullable, opt_nanos, opt_time, vec_nanos};
use bytes::Bytes;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Duration;
use time::OffsetDateTime;

/// Where a consumer starts in the stream.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum DeliverPolicy {
    /// From the first message.
    #[default]
    All,
    /// From the last message.
    Last,
    /// Only messages stored after the consumer was created.
    New,
    /// From `opt_start_seq`.
    #[serde(rename = "by_start_sequence")]
    ByStartSequence,
    /// From the first message at or after `opt_start_time`.
    ByStartTime,
    /// The last message of every subject, then new ones.
    LastPerSubject,
    /// A policy this client does not know.
    #[serde(other)]
    Unknown,
}

/// How messages are acknowledged.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum AckPolicy {
    /// No acknowledgements.
    None,
    /// Acknowledging a message acknowledges every message before it.
    All,
    /// Every message is acknowledged on its own.
    #[default]
    Explicit,
    /// A policy this client does not know.
    #[serde(other)]
    Unknown,
}

/// How fast messages are delivered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ReplayPolicy {
    /// As fast as possible.
    #[default]
    Instant,
    /// At the pace they were stored.
    Original,
    /// A policy this client does not know.
    #[serde(other)]
    Unknown,
}

/// How pull requests of a priority group are served (2.11+, ADR-42).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum PriorityPolicy {
    /// No priority groups.
    #[default]
    None,
    /// Requests get messages only past `min_pending` / `min_ack_pending`.
    Overflow,
    /// One client is pinned and gets everything; the others stand by.
    PinnedClient,
    /// Requests with a lower `priority` value are served first.
    Prioritized,
    /// A policy this client does not know.
    #[serde(other)]
    Unknown,
}

/// The configuration of a consumer.
///
/// Pull consumers leave `deliver_subject` empty; push consumers set it.
/// `durable_name` (or `name` with no `inactive_threshold`) makes it durable;
/// neither makes it ephemeral.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConsumerConfig {
    /// Durable name (legacy; prefer `name`).
    #[serde(rename = "durable_name", skip_serializing_if = "Option::is_none")]
    pub durable_name: Option<String>,
    /// Name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Where to start.
    pub deliver_policy: DeliverPolicy,
    /// Start sequence for [`DeliverPolicy::ByStartSequence`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub opt_start_seq: Option<u64>,
    /// Start time for [`DeliverPolicy::ByStartTime`].
    #[serde(with = "opt_time", skip_serializing_if = "Option::is_none")]
    pub opt_start_time: Option<OffsetDateTime>,
    /// Acknowledgement policy (always sent).
    pub ack_policy: AckPolicy,
    /// Time to wait for an ack before redelivering (zero: server default, 30 s).
    #[serde(with = "nanos", skip_serializing_if = "is_zero")]
    pub ack_wait: Duration,
    /// Most deliveries of one message (`-1` or zero: unlimited).
    #[serde(skip_serializing_if = "is_default")]
    pub max_deliver: i64,
    /// Redelivery delays, one per attempt.
    #[serde(with = "vec_nanos", skip_serializing_if = "Vec::is_empty")]
    pub backoff: Vec<Duration>,
    /// Only messages on this subject.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filter_subject: Option<String>,
    /// Only messages on these subjects (2.10+).
    #[serde(deserialize_with = "nullable", skip_serializing_if = "Vec::is_empty")]
    pub filter_subjects: Vec<String>,
    /// Replay speed.
    pub replay_policy: ReplayPolicy,
    /// Push delivery rate limit in bits per second.
    #[serde(rename = "rate_limit_bps", skip_serializing_if = "is_default")]
    pub rate_limit: u64,
    /// Sampling percentage for ack advisories (`"50%"`).
    #[serde(rename = "sample_freq", skip_serializing_if = "Option::is_none")]
    pub sample_frequency: Option<String>,
    /// Most pull requests waiting (pull).
    #[serde(skip_serializing_if = "is_default")]
    pub max_waiting: i64,
    /// Most messages delivered and not yet acknowledged.
    #[serde(skip_serializing_if = "is_default")]
    pub max_ack_pending: i64,
    /// Deliver only headers, with `Nats-Msg-Size`.
    #[serde(skip_serializing_if = "is_default")]
    pub headers_only: bool,
    /// Largest batch of a pull request (pull).
    #[serde(rename = "max_batch", skip_serializing_if = "is_default")]
    pub max_batch: i64,
    /// Longest expiry of a pull request (pull).
    #[serde(
        rename = "max_expires",
        with = "nanos",
        skip_serializing_if = "is_zero"
    )]
    pub max_expires: Duration,
    /// Largest `max_bytes` of a pull request (pull).
    #[serde(rename = "max_bytes", skip_serializing_if = "is_default")]
    pub max_request_max_bytes: i64,
    /// Subject messages are pushed to (push).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deliver_subject: Option<String>,
    /// Queue group of the push subscribers (push).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deliver_group: Option<String>,
    /// Flow control (push).
    #[serde(skip_serializing_if = "is_default")]
    pub flow_control: bool,
    /// Idle heartbeat interval (push).
    #[serde(
        rename = "idle_heartbeat",
        with = "nanos",
        skip_serializing_if = "is_zero"
    )]
    pub idle_heartbeat: Duration,
    /// Delete the consumer after this long without activity.
    #[serde(with = "opt_nanos", skip_serializing_if = "Option::is_none")]
    pub inactive_threshold: Option<Duration>,
    /// Replicas (zero: as the stream).
    pub num_replicas: usize,
    /// Keep state in memory whatever the stream's storage.
    #[serde(rename = "mem_storage", skip_serializing_if = "is_default")]
    pub memory_storage: bool,
    /// Free-form metadata.
    #[serde(
        deserialize_with = "nullable",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub metadata: BTreeMap<String, String>,
    /// Paused until this time (2.11+).
    #[serde(with = "opt_time", skip_serializing_if = "Option::is_none")]
    pub pause_until: Option<OffsetDateTime>,
    /// Priority groups (2.11+).
    #[serde(deserialize_with = "nullable", skip_serializing_if = "Vec::is_empty")]
    pub priority_groups: Vec<String>,
    /// Priority policy (2.11+).
    #[serde(skip_serializing_if = "is_default")]
    pub priority_policy: PriorityPolicy,
    /// How long a pinned client keeps its pin without pulling (2.11+).
    #[serde(
        rename = "priority_timeout",
        with = "nanos",
        skip_serializing_if = "is_zero"
    )]
    pub pinned_ttl: Duration,
}

impl ConsumerConfig {
    /// A durable pull consumer named `name` with explicit acks.
    pub fn durable_pull(name: impl Into<String>) -> ConsumerConfig {
        ConsumerConfig {
            durable_name: Some(name.into()),
            ..ConsumerConfig::default()
        }
    }

    /// The name the consumer is addressed by: `name`, else `durable_name`.
    pub fn consumer_name(&self) -> Option<&str> {
        self.name
            .as_deref()
            .filter(|n| !n.is_empty())
            .or(self.durable_name.as_deref().filter(|n| !n.is_empty()))
    }

    /// Whether this is a push consumer (it has a deliver subject).
    pub fn is_push(&self) -> bool {
        self.deliver_subject
            .as_deref()
            .is_some_and(|s| !s.is_empty())
    }

    /// Sets the filter subject.
    pub fn filter_subject(mut self, subject: impl Into<String>) -> ConsumerConfig {
        self.filter_subject = Some(subject.into());
        self
    }
}

/// A consumer and a stream sequence, with the time of the last activity.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SequenceInfo {
    /// Consumer sequence.
    #[serde(rename = "consumer_seq")]
    pub consumer_sequence: u64,
    /// Stream sequence.
    #[serde(rename = "stream_seq")]
    pub stream_sequence: u64,
    /// Last activity.
    #[serde(with = "opt_time", skip_serializing_if = "Option::is_none")]
    pub last_active: Option<OffsetDateTime>,
}

/// The state of a priority group.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PriorityGroupState {
    /// Group name.
    pub group: String,
    /// The pinned client's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pinned_client_id: Option<String>,
    /// Since when it is pinned.
    #[serde(
        rename = "pinned_ts",
        with = "opt_time",
        skip_serializing_if = "Option::is_none"
    )]
    pub pinned_time: Option<OffsetDateTime>,
}

/// Configuration and state of a consumer.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConsumerInfo {
    /// The stream.
    #[serde(rename = "stream_name")]
    pub stream: String,
    /// The consumer's name.
    pub name: String,
    /// Creation time.
    #[serde(with = "opt_time", skip_serializing_if = "Option::is_none")]
    pub created: Option<OffsetDateTime>,
    /// Configuration.
    pub config: ConsumerConfig,
    /// Last delivered.
    pub delivered: SequenceInfo,
    /// Everything up to here is acknowledged.
    pub ack_floor: SequenceInfo,
    /// Delivered and not yet acknowledged.
    pub num_ack_pending: u64,
    /// Redelivered.
    pub num_redelivered: u64,
    /// Pull requests waiting.
    pub num_waiting: u64,
    /// Messages left to deliver.
    pub num_pending: u64,
    /// Replication group.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster: Option<ClusterInfo>,
    /// A push consumer has a subscriber.
    pub push_bound: bool,
    /// Paused.
    pub paused: bool,
    /// Time left paused.
    #[serde(with = "opt_nanos", skip_serializing_if = "Option::is_none")]
    pub pause_remaining: Option<Duration>,
    /// When the server gathered this.
    #[serde(
        rename = "ts",
        with = "opt_time",
        skip_serializing_if = "Option::is_none"
    )]
    pub timestamp: Option<OffsetDateTime>,
    /// Priority groups.
    #[serde(deserialize_with = "nullable", skip_serializing_if = "Vec::is_empty")]
    pub priority_groups: Vec<PriorityGroupState>,
}

/// What `CONSUMER.CREATE` may do (2.10+).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum ConsumerAction {
    /// Create, or update when it exists.
    #[default]
    CreateOrUpdate,
    /// Create only; fails with 10148 when it exists with another configuration.
    Create,
    /// Update only; fails with 10149 when it does not exist.
    Update,
}

impl Serialize for ConsumerAction {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(match self {
            ConsumerAction::CreateOrUpdate => "",
            ConsumerAction::Create => "create",
            ConsumerAction::Update => "update",
        })
    }
}

/// Body of `CONSUMER.CREATE`.
#[derive(Debug, Clone, Serialize)]
pub struct CreateConsumerRequest<'a> {
    /// The stream.
    pub stream_name: &'a str,
    /// The configuration.
    pub config: &'a ConsumerConfig,
    /// The action.
    #[serde(skip_serializing_if = "is_default")]
    pub action: ConsumerAction,
}

/// Reply to `CONSUMER.NAMES`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct ConsumerNamesResponse {
    /// Paging.
    #[serde(flatten)]
    pub page: Page,
    /// Names on this page.
    #[serde(deserialize_with = "nullable")]
    pub consumers: Vec<String>,
}

/// Reply to `CONSUMER.LIST`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct ConsumerListResponse {
    /// Paging.
    #[serde(flatten)]
    pub page: Page,
    /// Infos on this page.
    #[serde(deserialize_with = "nullable")]
    pub consumers: Vec<ConsumerInfo>,
    /// Consumers that did not answer in time.
    #[serde(deserialize_with = "nullable")]
    pub missing: Vec<String>,
}

/// Reply to `CONSUMER.PAUSE`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct PauseResponse {
    /// Whether the consumer is paused now.
    pub paused: bool,
    /// Until when.
    #[serde(with = "opt_time")]
    pub pause_until: Option<OffsetDateTime>,
    /// Time left.
    #[serde(with = "opt_nanos")]
    pub pause_remaining: Option<Duration>,
}

/// Reply to `CONSUMER.RESET` (2.14+).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct ResetResponse {
    /// The consumer after the reset.
    #[serde(flatten)]
    pub info: ConsumerInfo,
    /// The stream sequence it delivers next.
    #[serde(rename = "reset_seq")]
    pub reset_sequence: u64,
}

#[derive(Serialize)]
struct Offset {
    offset: usize,
}

fn consumer_subject(
    prefix: &ApiPrefix,
    op: &str,
    stream: &str,
    consumer: &str,
) -> Result<String, Error> {
    validate_name("stream", stream)?;
    validate_name("consumer", consumer)?;
    Ok(prefix.subject(&format!("CONSUMER.{op}.{stream}.{consumer}")))
}

/// `CONSUMER.CREATE.<stream>[.<name>[.<filter>]]` with the action.
///
/// A named consumer with one filter subject without wildcards puts the filter
/// in the subject, so permissions can be granted per filter.
pub fn create(
    prefix: &ApiPrefix,
    stream: &str,
    config: &ConsumerConfig,
    action: ConsumerAction,
) -> Result<ApiCall<ConsumerInfo>, Error> {
    validate_name("stream", stream)?;
    crate::validate::validate_consumer(config)?;
    let subject = match config.consumer_name() {
        Some(name) => {
            validate_name("consumer", name)?;
            match config.filter_subject.as_deref() {
                Some(f) if !f.is_empty() && !f.contains(['*', '>']) => {
                    prefix.subject(&format!("CONSUMER.CREATE.{stream}.{name}.{f}"))
                }
                _ => prefix.subject(&format!("CONSUMER.CREATE.{stream}.{name}")),
            }
        }
        None => prefix.subject(&format!("CONSUMER.CREATE.{stream}")),
    };
    ApiCall::json(
        subject,
        &CreateConsumerRequest {
            stream_name: stream,
            config,
            action,
        },
    )
}

/// `CONSUMER.INFO.<stream>.<consumer>`.
pub fn info(
    prefix: &ApiPrefix,
    stream: &str,
    consumer: &str,
) -> Result<ApiCall<ConsumerInfo>, Error> {
    Ok(ApiCall::new(
        consumer_subject(prefix, "INFO", stream, consumer)?,
        Bytes::new(),
    ))
}

/// `CONSUMER.DELETE.<stream>.<consumer>`.
pub fn delete(
    prefix: &ApiPrefix,
    stream: &str,
    consumer: &str,
) -> Result<ApiCall<SuccessResponse>, Error> {
    Ok(ApiCall::new(
        consumer_subject(prefix, "DELETE", stream, consumer)?,
        Bytes::new(),
    ))
}

/// `CONSUMER.PAUSE.<stream>.<consumer>`: pauses until `until`, or resumes
/// with `None`.
pub fn pause(
    prefix: &ApiPrefix,
    stream: &str,
    consumer: &str,
    until: Option<OffsetDateTime>,
) -> Result<ApiCall<PauseResponse>, Error> {
    #[derive(Serialize)]
    struct Body {
        #[serde(with = "opt_time", skip_serializing_if = "Option::is_none")]
        pause_until: Option<OffsetDateTime>,
    }
    ApiCall::json(
        consumer_subject(prefix, "PAUSE", stream, consumer)?,
        &Body { pause_until: until },
    )
}

/// `CONSUMER.UNPIN.<stream>.<consumer>`: unpins the client of a priority group.
pub fn unpin(
    prefix: &ApiPrefix,
    stream: &str,
    consumer: &str,
    group: &str,
) -> Result<ApiCall<serde_json::Value>, Error> {
    #[derive(Serialize)]
    struct Body<'a> {
        group: &'a str,
    }
    ApiCall::json(
        consumer_subject(prefix, "UNPIN", stream, consumer)?,
        &Body { group },
    )
}

/// `CONSUMER.RESET.<stream>.<consumer>` (2.14+): moves the consumer to
/// stream sequence `sequence`, or back to its ack floor with `None`;
/// unacknowledged messages are delivered again.
pub fn reset(
    prefix: &ApiPrefix,
    stream: &str,
    consumer: &str,
    sequence: Option<u64>,
) -> Result<ApiCall<ResetResponse>, Error> {
    let subject = consumer_subject(prefix, "RESET", stream, consumer)?;
    match sequence {
        Some(seq) => {
            #[derive(Serialize)]
            struct Body {
                seq: u64,
            }
            ApiCall::json(subject, &Body { seq })
        }
        None => Ok(ApiCall::new(subject, Bytes::new())),
    }
}

/// `CONSUMER.NAMES.<stream>`, one page.
pub fn names(
    prefix: &ApiPrefix,
    stream: &str,
    offset: usize,
) -> Result<ApiCall<ConsumerNamesResponse>, Error> {
    validate_name("stream", stream)?;
    ApiCall::json(
        prefix.subject(&format!("CONSUMER.NAMES.{stream}")),
        &Offset { offset },
    )
}

/// `CONSUMER.LIST.<stream>`, one page.
pub fn list(
    prefix: &ApiPrefix,
    stream: &str,
    offset: usize,
) -> Result<ApiCall<ConsumerListResponse>, Error> {
    validate_name("stream", stream)?;
    ApiCall::json(
        prefix.subject(&format!("CONSUMER.LIST.{stream}")),
        &Offset { offset },
    )
}

/// The subject pull requests go to: `CONSUMER.MSG.NEXT.<stream>.<consumer>`.
pub fn next_subject(prefix: &ApiPrefix, stream: &str, consumer: &str) -> String {
    prefix.subject(&format!("CONSUMER.MSG.NEXT.{stream}.{consumer}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::parse_json;

    #[test]
    fn config_always_sends_ack_policy() {
        let c = ConsumerConfig {
            ack_policy: AckPolicy::None,
            ..Default::default()
        };
        let v: serde_json::Value = serde_json::to_value(&c).unwrap();
        assert_eq!(v["ack_policy"], "none");
        assert_eq!(v["deliver_policy"], "all");
        assert_eq!(v["replay_policy"], "instant");
        assert!(v.get("durable_name").is_none());
        let c = ConsumerConfig {
            deliver_policy: DeliverPolicy::ByStartSequence,
            opt_start_seq: Some(10),
            inactive_threshold: Some(Duration::from_secs(5)),
            backoff: vec![Duration::from_secs(1)],
            priority_policy: PriorityPolicy::PinnedClient,
            ..Default::default()
        };
        let v: serde_json::Value = serde_json::to_value(&c).unwrap();
        assert_eq!(v["deliver_policy"], "by_start_sequence");
        assert_eq!(v["opt_start_seq"], 10);
        assert_eq!(v["inactive_threshold"], 5_000_000_000u64);
        assert_eq!(v["backoff"][0], 1_000_000_000u64);
        assert_eq!(v["priority_policy"], "pinned_client");
        let back: ConsumerConfig = serde_json::from_value(v).unwrap();
        assert_eq!(back, c);
    }

    #[test]
    fn create_subjects() {
        let p = ApiPrefix::new();
        let eph = create(&p, "S", &ConsumerConfig::default(), ConsumerAction::Create).unwrap();
        assert_eq!(eph.subject, "$JS.API.CONSUMER.CREATE.S");
        let v: serde_json::Value = serde_json::from_slice(&eph.payload).unwrap();
        assert_eq!(v["stream_name"], "S");
        assert_eq!(v["action"], "create");
        let d = create(
            &p,
            "S",
            &ConsumerConfig::durable_pull("D").filter_subject("a.b"),
            ConsumerAction::CreateOrUpdate,
        )
        .unwrap();
        assert_eq!(d.subject, "$JS.API.CONSUMER.CREATE.S.D.a.b");
        let v: serde_json::Value = serde_json::from_slice(&d.payload).unwrap();
        assert!(v.get("action").is_none());
        let w = create(
            &p,
            "S",
            &ConsumerConfig::durable_pull("D").filter_subject("a.*"),
            ConsumerAction::Update,
        )
        .unwrap();
        assert_eq!(w.subject, "$JS.API.CONSUMER.CREATE.S.D");
        let bad = ConsumerConfig {
            name: Some("a".into()),
            durable_name: Some("b".into()),
            ..Default::default()
        };
        assert!(create(&p, "S", &bad, ConsumerAction::Create).is_err());
        assert_eq!(
            next_subject(&ApiPrefix::domain("x"), "S", "C"),
            "$JS.x.API.CONSUMER.MSG.NEXT.S.C"
        );
    }

    #[test]
    fn info_parses() {
        let body = br#"{"type":"io.nats.jetstream.api.v1.consumer_info_response","stream_name":"S","name":"C",
          "created":"2024-01-01T00:00:00Z","config":{"durable_name":"C","deliver_policy":"all",
          "ack_policy":"explicit","ack_wait":30000000000,"max_deliver":-1,"replay_policy":"instant",
          "max_waiting":512,"max_ack_pending":1000,"num_replicas":0,"new_knob":1},
          "delivered":{"consumer_seq":5,"stream_seq":7,"last_active":"2024-01-01T00:00:01Z"},
          "ack_floor":{"consumer_seq":4,"stream_seq":6},"num_ack_pending":1,"num_redelivered":0,
          "num_waiting":0,"num_pending":3,"ts":"2024-01-01T00:00:02Z"}"#;
        let i: ConsumerInfo = parse_json(body).unwrap();
        assert_eq!(i.name, "C");
        assert_eq!(i.config.ack_wait, Duration::from_secs(30));
        assert_eq!(i.config.max_deliver, -1);
        assert_eq!(i.delivered.stream_sequence, 7);
        assert_eq!(i.num_pending, 3);
        assert!(i.delivered.last_active.is_some());
    }
}
