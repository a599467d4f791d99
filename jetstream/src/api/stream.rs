//! Streams: configuration, information, and the `STREAM.*` calls.

use super::paging::Page;
use super::{ApiCall, ApiPrefix, SuccessResponse, validate_name};
use crate::error::{ApiError, Error};
use crate::wire::{is_default, is_zero, nanos, nullable, opt_nanos, opt_time};
use bytes::Bytes;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Duration;
use time::OffsetDateTime;

/// How a stream decides which messages to keep.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum RetentionPolicy {
    /// Keep messages until a limit (count, bytes, age) removes them.
    #[default]
    Limits,
    /// Keep messages while a consumer is interested in them.
    Interest,
    /// Keep messages until one consumer acknowledges them.
    #[serde(rename = "workqueue")]
    WorkQueue,
    /// A policy this client does not know.
    #[serde(other)]
    Unknown,
}

/// What a stream does when a limit is reached.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum DiscardPolicy {
    /// Remove old messages to make room.
    #[default]
    Old,
    /// Refuse new messages.
    New,
    /// A policy this client does not know.
    #[serde(other)]
    Unknown,
}

/// Where a stream keeps its messages.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum StorageType {
    /// On disk.
    #[default]
    File,
    /// In memory.
    Memory,
    /// A type this client does not know.
    #[serde(other)]
    Unknown,
}

/// On-disk compression of a file stream.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Compression {
    /// No compression.
    #[default]
    None,
    /// S2 compression.
    S2,
    /// A compression this client does not know.
    #[serde(other)]
    Unknown,
}

/// How a stream persists writes (2.12+).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum PersistMode {
    /// Flush before acknowledging.
    #[default]
    Default,
    /// Flush asynchronously; an acknowledged write may be lost in a crash.
    Async,
    /// A mode this client does not know.
    #[serde(other)]
    Unknown,
}

/// Where the replicas of a stream go.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Placement {
    /// The cluster.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster: Option<String>,
    /// Server tags the replicas must have.
    #[serde(deserialize_with = "nullable", skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Preferred server for the leader (2.11+).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preferred: Option<String>,
}

/// A subject transform: `src` subjects are rewritten to `dest`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SubjectTransform {
    /// Source subject filter.
    #[serde(rename = "src")]
    pub source: String,
    /// Destination template.
    #[serde(rename = "dest")]
    pub destination: String,
}

/// Republishing of stored messages to another subject.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Republish {
    /// Subjects to republish (default: all).
    #[serde(rename = "src", skip_serializing_if = "String::is_empty")]
    pub source: String,
    /// Destination template.
    #[serde(rename = "dest")]
    pub destination: String,
    /// Republish only the headers (with `Nats-Msg-Size`).
    #[serde(skip_serializing_if = "is_default")]
    pub headers_only: bool,
}

/// A stream in another account or domain, for mirrors and sources.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct External {
    /// The API prefix under which the other stream is reached.
    #[serde(rename = "api")]
    pub api_prefix: String,
    /// The prefix for delivery subjects.
    #[serde(rename = "deliver", skip_serializing_if = "String::is_empty")]
    pub delivery_prefix: String,
}

/// A stream this one mirrors or sources from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Source {
    /// The other stream.
    pub name: String,
    /// Start at this sequence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub opt_start_seq: Option<u64>,
    /// Start at this time.
    #[serde(with = "opt_time", skip_serializing_if = "Option::is_none")]
    pub opt_start_time: Option<OffsetDateTime>,
    /// Take only messages matching this subject.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub filter_subject: String,
    /// Subject transforms applied to sourced messages.
    #[serde(deserialize_with = "nullable", skip_serializing_if = "Vec::is_empty")]
    pub subject_transforms: Vec<SubjectTransform>,
    /// The other stream lives in another account or domain.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external: Option<External>,
}

/// Defaults for the consumers of a stream.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConsumerLimits {
    /// Default inactive threshold of consumers.
    #[serde(with = "nanos", skip_serializing_if = "is_zero")]
    pub inactive_threshold: Duration,
    /// Default (and largest) `max_ack_pending` of consumers.
    #[serde(skip_serializing_if = "is_default")]
    pub max_ack_pending: i64,
}

/// The configuration of a stream. `-1` in a limit means unlimited.
///
/// `StreamConfig::new("ORDERS").subjects(["orders.>"])` is a file stream with
/// limits retention and no limits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct StreamConfig {
    /// The name.
    pub name: String,
    /// A description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Subjects stored (wildcards allowed).
    #[serde(deserialize_with = "nullable", skip_serializing_if = "Vec::is_empty")]
    pub subjects: Vec<String>,
    /// Retention policy.
    pub retention: RetentionPolicy,
    /// Most consumers.
    pub max_consumers: i64,
    /// Most messages.
    pub max_msgs: i64,
    /// Most bytes.
    pub max_bytes: i64,
    /// Oldest message age (zero: unlimited).
    #[serde(with = "nanos")]
    pub max_age: Duration,
    /// Most messages per subject.
    #[serde(rename = "max_msgs_per_subject")]
    pub max_msgs_per_subject: i64,
    /// Largest message.
    pub max_msg_size: i64,
    /// What happens at a limit.
    pub discard: DiscardPolicy,
    /// Storage.
    pub storage: StorageType,
    /// Replicas (1 in a single server).
    pub num_replicas: usize,
    /// Do not acknowledge publishes.
    #[serde(skip_serializing_if = "is_default")]
    pub no_ack: bool,
    /// Window in which `Nats-Msg-Id` duplicates are dropped (zero: the
    /// server's default of two minutes).
    #[serde(with = "nanos", skip_serializing_if = "is_zero")]
    pub duplicate_window: Duration,
    /// Placement of replicas.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub placement: Option<Placement>,
    /// The stream this one mirrors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mirror: Option<Source>,
    /// Streams this one sources from.
    #[serde(deserialize_with = "nullable", skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<Source>,
    /// Compression (file streams).
    pub compression: Compression,
    /// The first sequence of a new stream.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_seq: Option<u64>,
    /// Transform applied to incoming subjects.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject_transform: Option<SubjectTransform>,
    /// Republishing of stored messages.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub republish: Option<Republish>,
    /// Serve direct gets from every replica (ADR-31).
    pub allow_direct: bool,
    /// A mirror serves direct gets for its origin.
    pub mirror_direct: bool,
    /// `discard: new` applies per subject.
    #[serde(rename = "discard_new_per_subject", skip_serializing_if = "is_default")]
    pub discard_new_per_subject: bool,
    /// No message can be added, deleted or purged (cannot be undone).
    pub sealed: bool,
    /// Messages cannot be deleted.
    pub deny_delete: bool,
    /// The stream cannot be purged.
    pub deny_purge: bool,
    /// `Nats-Rollup` headers are honoured.
    #[serde(rename = "allow_rollup_hdrs")]
    pub allow_rollup: bool,
    /// Defaults for consumers.
    #[serde(skip_serializing_if = "is_default")]
    pub consumer_limits: ConsumerLimits,
    /// Per-message TTLs (`Nats-TTL`) are honoured (2.11+).
    #[serde(skip_serializing_if = "is_default")]
    pub allow_msg_ttl: bool,
    /// TTL of the markers left when limits remove the last message of a
    /// subject (2.11+); needs `allow_msg_ttl`.
    #[serde(with = "opt_nanos", skip_serializing_if = "Option::is_none")]
    pub subject_delete_marker_ttl: Option<Duration>,
    /// The stream holds counters (2.12+).
    #[serde(skip_serializing_if = "is_default")]
    pub allow_msg_counter: bool,
    /// Atomic batch publishing is allowed (2.12+).
    #[serde(rename = "allow_atomic", skip_serializing_if = "is_default")]
    pub allow_atomic_publish: bool,
    /// Message schedules are allowed (2.12+).
    #[serde(skip_serializing_if = "is_default")]
    pub allow_msg_schedules: bool,
    /// Fast batch publishing is allowed.
    #[serde(rename = "allow_batched", skip_serializing_if = "is_default")]
    pub allow_batch_publish: bool,
    /// How writes are persisted (2.12+).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub persist_mode: Option<PersistMode>,
    /// Free-form metadata.
    #[serde(
        deserialize_with = "nullable",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub metadata: BTreeMap<String, String>,
}

impl Default for StreamConfig {
    fn default() -> Self {
        StreamConfig {
            name: String::new(),
            description: None,
            subjects: Vec::new(),
            retention: RetentionPolicy::Limits,
            max_consumers: -1,
            max_msgs: -1,
            max_bytes: -1,
            max_age: Duration::ZERO,
            max_msgs_per_subject: -1,
            max_msg_size: -1,
            discard: DiscardPolicy::Old,
            storage: StorageType::File,
            num_replicas: 1,
            no_ack: false,
            duplicate_window: Duration::ZERO,
            placement: None,
            mirror: None,
            sources: Vec::new(),
            compression: Compression::None,
            first_seq: None,
            subject_transform: None,
            republish: None,
            allow_direct: false,
            mirror_direct: false,
            discard_new_per_subject: false,
            sealed: false,
            deny_delete: false,
            deny_purge: false,
            allow_rollup: false,
            consumer_limits: ConsumerLimits::default(),
            allow_msg_ttl: false,
            subject_delete_marker_ttl: None,
            allow_msg_counter: false,
            allow_atomic_publish: false,
            allow_msg_schedules: false,
            allow_batch_publish: false,
            persist_mode: None,
            metadata: BTreeMap::new(),
        }
    }
}

impl StreamConfig {
    /// A stream named `name` with the defaults.
    pub fn new(name: impl Into<String>) -> StreamConfig {
        StreamConfig {
            name: name.into(),
            ..StreamConfig::default()
        }
    }

    /// Sets the subjects.
    pub fn subjects<I, S>(mut self, subjects: I) -> StreamConfig
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.subjects = subjects.into_iter().map(Into::into).collect();
        self
    }

    /// Sets the storage type.
    pub fn storage(mut self, storage: StorageType) -> StreamConfig {
        self.storage = storage;
        self
    }

    /// Sets the number of replicas.
    pub fn replicas(mut self, replicas: usize) -> StreamConfig {
        self.num_replicas = replicas;
        self
    }

    /// Sets the retention policy.
    pub fn retention(mut self, retention: RetentionPolicy) -> StreamConfig {
        self.retention = retention;
        self
    }
}

/// The state of a stream's storage.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StreamState {
    /// Messages stored.
    pub messages: u64,
    /// Bytes stored.
    pub bytes: u64,
    /// Sequence of the first message.
    pub first_seq: u64,
    /// Time of the first message.
    #[serde(
        rename = "first_ts",
        with = "opt_time",
        skip_serializing_if = "Option::is_none"
    )]
    pub first_time: Option<OffsetDateTime>,
    /// Sequence of the last message.
    pub last_seq: u64,
    /// Time of the last message.
    #[serde(
        rename = "last_ts",
        with = "opt_time",
        skip_serializing_if = "Option::is_none"
    )]
    pub last_time: Option<OffsetDateTime>,
    /// Distinct subjects.
    pub num_subjects: u64,
    /// Messages per subject, when asked for with a subject filter.
    #[serde(
        deserialize_with = "nullable",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub subjects: BTreeMap<String, u64>,
    /// Deleted messages between first and last.
    pub num_deleted: u64,
    /// Their sequences, when asked for.
    #[serde(deserialize_with = "nullable", skip_serializing_if = "Vec::is_empty")]
    pub deleted: Vec<u64>,
    /// Messages lost to storage damage.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lost: Option<LostData>,
    /// Consumers.
    #[serde(rename = "consumer_count")]
    pub consumers: usize,
}

/// Messages lost to storage damage.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LostData {
    /// Their sequences.
    #[serde(deserialize_with = "nullable")]
    pub msgs: Vec<u64>,
    /// Their bytes.
    pub bytes: u64,
}

/// A replica of a stream or consumer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PeerInfo {
    /// Server name.
    pub name: String,
    /// Caught up with the leader.
    pub current: bool,
    /// Not seen recently.
    pub offline: bool,
    /// Time since it was last active.
    #[serde(with = "opt_nanos", skip_serializing_if = "Option::is_none")]
    pub active: Option<Duration>,
    /// Operations behind the leader.
    pub lag: u64,
    /// Peer id.
    pub peer: String,
}

/// The replication group of a stream or consumer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ClusterInfo {
    /// Cluster name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Raft group name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub raft_group: Option<String>,
    /// The leader's server name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub leader: Option<String>,
    /// Since when it leads.
    #[serde(with = "opt_time", skip_serializing_if = "Option::is_none")]
    pub leader_since: Option<OffsetDateTime>,
    /// The other replicas.
    #[serde(deserialize_with = "nullable", skip_serializing_if = "Vec::is_empty")]
    pub replicas: Vec<PeerInfo>,
}

/// The state of a mirror or source.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SourceInfo {
    /// The origin stream.
    pub name: String,
    /// In another account or domain.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external: Option<External>,
    /// Messages behind.
    pub lag: u64,
    /// Time since last contact (`None`: never).
    #[serde(with = "opt_nanos", skip_serializing_if = "Option::is_none")]
    pub active: Option<Duration>,
    /// The last error.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ApiError>,
    /// Subject filter.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub filter_subject: String,
    /// Subject transforms.
    #[serde(deserialize_with = "nullable", skip_serializing_if = "Vec::is_empty")]
    pub subject_transforms: Vec<SubjectTransform>,
}

/// Another copy of a stream (a mirror), for reads.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Alternate {
    /// Stream name.
    pub name: String,
    /// Domain.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// Cluster.
    pub cluster: String,
}

/// Configuration and state of a stream.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct StreamInfo {
    /// Configuration.
    pub config: StreamConfig,
    /// Creation time.
    #[serde(with = "opt_time", skip_serializing_if = "Option::is_none")]
    pub created: Option<OffsetDateTime>,
    /// State.
    pub state: StreamState,
    /// Domain.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// Replication group.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster: Option<ClusterInfo>,
    /// Mirror state.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mirror: Option<SourceInfo>,
    /// Sources' state.
    #[serde(deserialize_with = "nullable", skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<SourceInfo>,
    /// Alternates (mirrors) for reads.
    #[serde(deserialize_with = "nullable", skip_serializing_if = "Vec::is_empty")]
    pub alternates: Vec<Alternate>,
    /// When the server gathered this.
    #[serde(
        rename = "ts",
        with = "opt_time",
        skip_serializing_if = "Option::is_none"
    )]
    pub timestamp: Option<OffsetDateTime>,
}

/// Reply to `STREAM.INFO`: the info plus paging of the subject details.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct StreamInfoResponse {
    /// The stream info.
    #[serde(flatten)]
    pub info: StreamInfo,
    /// Total subjects matching the filter.
    pub total: usize,
    /// Offset of this page of subjects.
    pub offset: usize,
    /// Subjects a page holds.
    pub limit: usize,
}

/// Options of `STREAM.INFO`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct StreamInfoRequest {
    /// Offset into the subject details.
    #[serde(skip_serializing_if = "is_default")]
    pub offset: usize,
    /// List deleted sequences.
    #[serde(skip_serializing_if = "is_default")]
    pub deleted_details: bool,
    /// List message counts per subject matching this filter.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subjects_filter: Option<String>,
}

/// Reply to `STREAM.CREATE` and `STREAM.UPDATE`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct StreamCreateResponse {
    /// The stream.
    #[serde(flatten)]
    pub info: StreamInfo,
    /// Whether the call created the stream (2.11+).
    pub did_create: bool,
}

/// Reply to `STREAM.NAMES`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct StreamNamesResponse {
    /// Paging.
    #[serde(flatten)]
    pub page: Page,
    /// Names on this page.
    #[serde(deserialize_with = "nullable")]
    pub streams: Vec<String>,
}

/// Reply to `STREAM.LIST`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct StreamListResponse {
    /// Paging.
    #[serde(flatten)]
    pub page: Page,
    /// Infos on this page.
    #[serde(deserialize_with = "nullable")]
    pub streams: Vec<StreamInfo>,
    /// Streams that did not answer in time.
    #[serde(deserialize_with = "nullable")]
    pub missing: Vec<String>,
    /// Offline streams and why.
    #[serde(deserialize_with = "nullable")]
    pub offline: BTreeMap<String, String>,
}

/// Body of `STREAM.NAMES` and `STREAM.LIST`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct StreamListRequest {
    /// Items to skip.
    pub offset: usize,
    /// Only streams storing this subject.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
}

/// What to purge.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PurgeRequest {
    /// Only messages on subjects matching this filter.
    #[serde(rename = "filter", skip_serializing_if = "Option::is_none")]
    pub filter: Option<String>,
    /// Purge up to, but not including, this sequence.
    #[serde(rename = "seq", skip_serializing_if = "Option::is_none")]
    pub sequence: Option<u64>,
    /// Keep this many of the newest messages.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub keep: Option<u64>,
}

/// Reply to `STREAM.PURGE`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct PurgeResponse {
    /// Whether it succeeded.
    pub success: bool,
    /// Messages purged.
    pub purged: u64,
}

fn named(prefix: &ApiPrefix, op: &str, stream: &str) -> Result<String, Error> {
    validate_name("stream", stream)?;
    Ok(prefix.subject(&format!("STREAM.{op}.{stream}")))
}

fn check_config(config: &StreamConfig) -> Result<(), Error> {
    crate::validate::validate_stream(config)?;
    Ok(())
}

/// `STREAM.CREATE.<name>`.
pub fn create(
    prefix: &ApiPrefix,
    config: &StreamConfig,
) -> Result<ApiCall<StreamCreateResponse>, Error> {
    check_config(config)?;
    ApiCall::json(named(prefix, "CREATE", &config.name)?, config)
}

/// `STREAM.UPDATE.<name>`.
pub fn update(
    prefix: &ApiPrefix,
    config: &StreamConfig,
) -> Result<ApiCall<StreamCreateResponse>, Error> {
    check_config(config)?;
    ApiCall::json(named(prefix, "UPDATE", &config.name)?, config)
}

/// `STREAM.INFO.<name>`.
pub fn info(
    prefix: &ApiPrefix,
    stream: &str,
    request: &StreamInfoRequest,
) -> Result<ApiCall<StreamInfoResponse>, Error> {
    let subject = named(prefix, "INFO", stream)?;
    if *request == StreamInfoRequest::default() {
        Ok(ApiCall::new(subject, Bytes::new()))
    } else {
        ApiCall::json(subject, request)
    }
}

/// `STREAM.DELETE.<name>`.
pub fn delete(prefix: &ApiPrefix, stream: &str) -> Result<ApiCall<SuccessResponse>, Error> {
    Ok(ApiCall::new(named(prefix, "DELETE", stream)?, Bytes::new()))
}

/// `STREAM.PURGE.<name>`.
pub fn purge(
    prefix: &ApiPrefix,
    stream: &str,
    request: &PurgeRequest,
) -> Result<ApiCall<PurgeResponse>, Error> {
    if request.sequence.is_some() && request.keep.is_some() {
        return Err(Error::InvalidArgument(
            "purge takes a sequence or a keep count, not both".to_string(),
        ));
    }
    ApiCall::json(named(prefix, "PURGE", stream)?, request)
}

/// `STREAM.NAMES`, one page.
pub fn names(
    prefix: &ApiPrefix,
    request: &StreamListRequest,
) -> Result<ApiCall<StreamNamesResponse>, Error> {
    ApiCall::json(prefix.subject("STREAM.NAMES"), request)
}

/// `STREAM.LIST`, one page.
pub fn list(
    prefix: &ApiPrefix,
    request: &StreamListRequest,
) -> Result<ApiCall<StreamListResponse>, Error> {
    ApiCall::json(prefix.subject("STREAM.LIST"), request)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::parse_json;

    #[test]
    fn enums_tolerate_unknown_values() {
        let r: RetentionPolicy = serde_json::from_str(r#""workqueue""#).unwrap();
        assert_eq!(r, RetentionPolicy::WorkQueue);
        let r: RetentionPolicy = serde_json::from_str(r#""future""#).unwrap();
        assert_eq!(r, RetentionPolicy::Unknown);
        assert_eq!(
            serde_json::to_string(&StorageType::Memory).unwrap(),
            r#""memory""#
        );
        let c: Compression = serde_json::from_str(r#""s2""#).unwrap();
        assert_eq!(c, Compression::S2);
    }

    #[test]
    fn config_encoding() {
        let mut c = StreamConfig::new("S").subjects(["a.>"]);
        c.duplicate_window = Duration::from_secs(1);
        c.allow_msg_ttl = true;
        c.subject_delete_marker_ttl = Some(Duration::from_secs(60));
        c.metadata.insert("k".into(), "v".into());
        let v: serde_json::Value = serde_json::to_value(&c).unwrap();
        assert_eq!(v["name"], "S");
        assert_eq!(v["subjects"][0], "a.>");
        assert_eq!(v["retention"], "limits");
        assert_eq!(v["storage"], "file");
        assert_eq!(v["max_msgs"], -1);
        assert_eq!(v["duplicate_window"], 1_000_000_000u64);
        assert_eq!(v["subject_delete_marker_ttl"], 60_000_000_000u64);
        assert_eq!(v["allow_rollup_hdrs"], false);
        assert_eq!(v["metadata"]["k"], "v");
        assert!(v.get("mirror").is_none());
        assert!(v.get("no_ack").is_none());
        let back: StreamConfig = serde_json::from_value(v).unwrap();
        assert_eq!(back, c);
    }

    #[test]
    fn info_with_missing_and_unknown_fields() {
        let body = r#"{"type":"io.nats.jetstream.api.v1.stream_info_response","total":0,"offset":0,"limit":0,
          "config":{"name":"S","subjects":["a"],"retention":"limits","max_consumers":-1,"max_msgs":-1,
            "max_bytes":-1,"max_age":0,"max_msgs_per_subject":-1,"max_msg_size":-1,"discard":"old",
            "storage":"memory","num_replicas":1,"duplicate_window":120000000000,"compression":"none",
            "allow_direct":false,"mirror_direct":false,"sealed":false,"deny_delete":false,
            "deny_purge":false,"allow_rollup_hdrs":false,"consumer_limits":{},"brand_new":{"a":1}},
          "created":"2024-05-01T10:00:00.123456789Z",
          "state":{"messages":3,"bytes":99,"first_seq":1,"first_ts":"2024-05-01T10:00:01Z","last_seq":3,
            "last_ts":"2024-05-01T10:00:02Z","consumer_count":0,"subjects":null},
          "cluster":{"leader":"n1"},"ts":"2024-05-01T10:00:03Z"}"#;
        let r: StreamInfoResponse = parse_json(body.as_bytes()).unwrap();
        assert_eq!(r.info.config.name, "S");
        assert_eq!(r.info.config.storage, StorageType::Memory);
        assert_eq!(r.info.config.duplicate_window, Duration::from_secs(120));
        assert_eq!(r.info.state.messages, 3);
        assert_eq!(r.info.state.last_seq, 3);
        assert!(r.info.state.subjects.is_empty());
        assert_eq!(r.info.cluster.unwrap().leader.as_deref(), Some("n1"));
        assert!(r.info.created.is_some());
        let minimal: StreamInfo = parse_json(br#"{"config":{"name":"X"}}"#).unwrap();
        assert_eq!(minimal.config.name, "X");
        assert_eq!(minimal.config.max_msgs, -1);
    }

    #[test]
    fn calls() {
        let p = ApiPrefix::new();
        let c = create(&p, &StreamConfig::new("S")).unwrap();
        assert_eq!(c.subject, "$JS.API.STREAM.CREATE.S");
        assert!(create(&p, &StreamConfig::new("a.b")).is_err());
        let i = info(&p, "S", &StreamInfoRequest::default()).unwrap();
        assert!(i.payload.is_empty());
        let i = info(
            &p,
            "S",
            &StreamInfoRequest {
                subjects_filter: Some(">".into()),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(&i.payload[..], br#"{"subjects_filter":">"}"#);
        let pr = purge(
            &p,
            "S",
            &PurgeRequest {
                filter: Some("a".into()),
                keep: Some(5),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(pr.subject, "$JS.API.STREAM.PURGE.S");
        assert_eq!(&pr.payload[..], br#"{"filter":"a","keep":5}"#);
        assert!(
            purge(
                &p,
                "S",
                &PurgeRequest {
                    sequence: Some(1),
                    keep: Some(1),
                    ..Default::default()
                }
            )
            .is_err()
        );
        let n = names(
            &p,
            &StreamListRequest {
                offset: 1024,
                subject: None,
            },
        )
        .unwrap();
        assert_eq!(&n.payload[..], br#"{"offset":1024}"#);
        let r: StreamNamesResponse =
            parse_json(br#"{"total":0,"offset":0,"limit":1024,"streams":null}"#).unwrap();
        assert!(r.streams.is_empty());
        assert_eq!(r.page.limit, 1024);
    }
}
