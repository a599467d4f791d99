//! Stream and consumer reports as data (what `nats stream report` and
//! `nats consumer report` show): one row per stream or consumer with its
//! configuration summary, counts, replication group (leader, replicas, their
//! lag and whether they are current) and mirror and source lag. Rows are
//! made from the infos of `STREAM.LIST` and `CONSUMER.LIST`, paged lazily
//! ([`JetStream::stream_report`], [`JetStream::consumer_report`]), so
//! thousands of streams are read a page at a time.

use crate::JetStream;
use crate::api::consumer as capi;
use crate::api::consumer::{AckPolicy, ConsumerInfo, ConsumerListResponse};
use crate::api::stream::{
    self as sapi, ClusterInfo, RetentionPolicy, SourceInfo, StorageType, StreamInfo,
    StreamListRequest, StreamListResponse,
};
use crate::listing::Listing;
use crate::transport::Transport;
use crate::wire::{opt_nanos, opt_time};
use serde::Serialize;
use std::time::Duration;
use time::OffsetDateTime;

/// One replica of a replication group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReplicaReport {
    /// The server.
    pub name: String,
    /// Whether it has caught up with the leader.
    pub current: bool,
    /// Whether it was not seen recently.
    pub offline: bool,
    /// Operations behind the leader.
    pub lag: u64,
    /// Time since it was last active.
    #[serde(with = "opt_nanos", skip_serializing_if = "Option::is_none")]
    pub active: Option<Duration>,
}

/// The replication group of a stream or consumer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ReplicationReport {
    /// The cluster.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster: Option<String>,
    /// The leader's server (`None`: no leader, e.g. during an election).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub leader: Option<String>,
    /// The other replicas.
    pub replicas: Vec<ReplicaReport>,
}

impl ReplicationReport {
    /// From the `cluster` of an info.
    pub fn from_cluster(cluster: &ClusterInfo) -> ReplicationReport {
        ReplicationReport {
            cluster: cluster.name.clone(),
            leader: cluster.leader.clone(),
            replicas: cluster
                .replicas
                .iter()
                .map(|p| ReplicaReport {
                    name: p.name.clone(),
                    current: p.current,
                    offline: p.offline,
                    lag: p.lag,
                    active: p.active,
                })
                .collect(),
        }
    }

    /// Whether every replica is current and online.
    pub fn is_healthy(&self) -> bool {
        self.leader.is_some() && self.replicas.iter().all(|r| r.current && !r.offline)
    }
}

/// A mirror or source of a stream.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourceReport {
    /// The origin stream.
    pub name: String,
    /// The API prefix of an origin in another account or domain.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_api: Option<String>,
    /// Messages behind the origin.
    pub lag: u64,
    /// Time since it last heard from the origin (`None`: never).
    #[serde(with = "opt_nanos", skip_serializing_if = "Option::is_none")]
    pub active: Option<Duration>,
    /// The last error.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl SourceReport {
    /// From a mirror's or source's info.
    pub fn from_info(info: &SourceInfo) -> SourceReport {
        SourceReport {
            name: info.name.clone(),
            external_api: info.external.as_ref().map(|e| e.api_prefix.clone()),
            lag: info.lag,
            active: info.active,
            error: info.error.as_ref().map(|e| e.to_string()),
        }
    }
}

/// One stream of a stream report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StreamReport {
    /// The name.
    pub name: String,
    /// The description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Subjects stored.
    pub subjects: Vec<String>,
    /// Storage.
    pub storage: StorageType,
    /// Retention.
    pub retention: RetentionPolicy,
    /// Configured replicas.
    pub replicas: usize,
    /// Messages stored.
    pub messages: u64,
    /// Bytes stored.
    pub bytes: u64,
    /// Deleted messages between the first and the last.
    pub deleted: u64,
    /// Consumers.
    pub consumers: usize,
    /// Time of the last message.
    #[serde(with = "opt_time", skip_serializing_if = "Option::is_none")]
    pub last_message: Option<OffsetDateTime>,
    /// Creation time.
    #[serde(with = "opt_time", skip_serializing_if = "Option::is_none")]
    pub created: Option<OffsetDateTime>,
    /// Sealed.
    pub sealed: bool,
    /// The replication group (clustered servers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster: Option<ReplicationReport>,
    /// The mirror's state.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mirror: Option<SourceReport>,
    /// The sources' state.
    pub sources: Vec<SourceReport>,
}

impl StreamReport {
    /// The row of a stream's info.
    pub fn from_info(info: &StreamInfo) -> StreamReport {
        let c = &info.config;
        StreamReport {
            name: c.name.clone(),
            description: c.description.clone(),
            subjects: c.subjects.clone(),
            storage: c.storage,
            retention: c.retention,
            replicas: c.num_replicas,
            messages: info.state.messages,
            bytes: info.state.bytes,
            deleted: info.state.num_deleted,
            consumers: info.state.consumers,
            last_message: info.state.last_time,
            created: info.created,
            sealed: c.sealed,
            cluster: info.cluster.as_ref().map(ReplicationReport::from_cluster),
            mirror: info.mirror.as_ref().map(SourceReport::from_info),
            sources: info.sources.iter().map(SourceReport::from_info).collect(),
        }
    }
}

/// One consumer of a consumer report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConsumerReport {
    /// The stream.
    pub stream: String,
    /// The name.
    pub name: String,
    /// The description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Push (it has a deliver subject) or pull.
    pub push: bool,
    /// Durable (no inactivity threshold deletes it).
    pub durable: bool,
    /// Ack policy.
    pub ack_policy: AckPolicy,
    /// Delivered and not yet acknowledged.
    pub ack_pending: u64,
    /// Redelivered.
    pub redelivered: u64,
    /// Pull requests waiting.
    pub waiting: u64,
    /// Messages left to deliver.
    pub unprocessed: u64,
    /// Stream sequence of the last delivery.
    pub delivered_stream_seq: u64,
    /// Stream sequence of the ack floor.
    pub ack_floor_stream_seq: u64,
    /// Time of the last delivery.
    #[serde(with = "opt_time", skip_serializing_if = "Option::is_none")]
    pub last_delivery: Option<OffsetDateTime>,
    /// Paused.
    pub paused: bool,
    /// The replication group (clustered servers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster: Option<ReplicationReport>,
}

impl ConsumerReport {
    /// The row of a consumer's info.
    pub fn from_info(info: &ConsumerInfo) -> ConsumerReport {
        let c = &info.config;
        ConsumerReport {
            stream: info.stream.clone(),
            name: info.name.clone(),
            description: c.description.clone(),
            push: c.is_push(),
            durable: c.durable_name.as_deref().is_some_and(|d| !d.is_empty())
                || c.inactive_threshold.is_none_or(|t| t.is_zero()),
            ack_policy: c.ack_policy,
            ack_pending: info.num_ack_pending,
            redelivered: info.num_redelivered,
            waiting: info.num_waiting,
            unprocessed: info.num_pending,
            delivered_stream_seq: info.delivered.stream_sequence,
            ack_floor_stream_seq: info.ack_floor.stream_sequence,
            last_delivery: info.delivered.last_active,
            paused: info.paused,
            cluster: info.cluster.as_ref().map(ReplicationReport::from_cluster),
        }
    }
}

/// The rows of a stream report, a page of infos at a time.
pub type StreamReports<T> = Listing<StreamListResponse, StreamReport, T>;
/// The rows of a consumer report, a page of infos at a time.
pub type ConsumerReports<T> = Listing<ConsumerListResponse, ConsumerReport, T>;

impl<T: Transport> JetStream<T> {
    /// The stream report: a row per stream (storing `subject`, when given),
    /// a page of 256 infos fetched as the last one is consumed
    /// ([`Listing::all`] collects them).
    pub fn stream_report(&self, subject: Option<&str>) -> StreamReports<T> {
        let subject = subject.map(str::to_string);
        let prefix = self.prefix().clone();
        Listing::with_filter(
            self.clone(),
            move |offset| {
                sapi::list(
                    &prefix,
                    &StreamListRequest {
                        offset,
                        subject: subject.clone(),
                    },
                )
            },
            |info| Some(StreamReport::from_info(&info)),
        )
    }

    /// The consumer report of `stream`: a row per consumer, a page of 256
    /// infos fetched as the last one is consumed.
    pub fn consumer_report(&self, stream: &str) -> ConsumerReports<T> {
        let stream = stream.to_string();
        let prefix = self.prefix().clone();
        Listing::with_filter(
            self.clone(),
            move |offset| capi::list(&prefix, &stream, offset),
            |info| Some(ConsumerReport::from_info(&info)),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::parse_json;

    #[test]
    fn rows_from_infos() {
        let info: StreamInfo = parse_json(
            br#"{"config":{"name":"S","subjects":["a"],"num_replicas":3,"storage":"file"},
                "state":{"messages":5,"bytes":100,"num_deleted":1,"consumer_count":2},
                "cluster":{"name":"C","leader":"n1","replicas":[
                    {"name":"n2","current":true,"active":1000,"lag":0},
                    {"name":"n3","current":false,"offline":true,"lag":7}]},
                "sources":[{"name":"O","lag":4,"active":2000}]}"#,
        )
        .unwrap();
        let r = StreamReport::from_info(&info);
        assert_eq!(
            (r.messages, r.bytes, r.deleted, r.consumers),
            (5, 100, 1, 2)
        );
        let cluster = r.cluster.as_ref().unwrap();
        assert_eq!(cluster.leader.as_deref(), Some("n1"));
        assert_eq!(cluster.replicas[1].lag, 7);
        assert!(!cluster.is_healthy());
        assert_eq!(r.sources[0].lag, 4);
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["cluster"]["replicas"][0]["active"], 1000);
    }
}
