//! The JetStream advisories (`$JS.EVENT.ADVISORY.>`) and metrics
//! (`$JS.EVENT.METRIC.>`) as nats-server 2.15 writes them
//! (`server/jetstream_events.go`). Every field is optional on the wire:
//! a missing one reads as its default, unknown ones are ignored.

use crate::api::stream::{PeerInfo, StreamState};
use crate::events::system::ClientInfo;
use crate::wire::{nanos, nullable, opt_time};
use serde::{Deserialize, Serialize};
use std::time::Duration;
use time::OffsetDateTime;

/// What happened to a stream or consumer (`action` of the action advisories).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// Created.
    Create,
    /// Changed.
    Modify,
    /// Deleted.
    Delete,
    /// An action this client does not know.
    #[default]
    #[serde(other)]
    Unknown,
}

impl Action {
    /// The past tense used in rendered lines: `created`, `modified`, `deleted`.
    pub fn past_tense(self) -> &'static str {
        match self {
            Action::Create => "created",
            Action::Modify => "modified",
            Action::Delete => "deleted",
            Action::Unknown => "changed",
        }
    }
}

/// The fields every typed event has: its id and when it was made.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct EventHeader {
    /// A unique id of the event.
    pub id: String,
    /// When the server made it.
    #[serde(with = "opt_time", skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<OffsetDateTime>,
}

/// `io.nats.jetstream.advisory.v1.api_audit` on `$JS.EVENT.ADVISORY.API`:
/// a JetStream API call and the server's answer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ApiAudit {
    /// Id and time.
    #[serde(flatten)]
    pub header: EventHeader,
    /// The server that answered.
    pub server: String,
    /// Who called.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client: Option<ClientInfo>,
    /// The API subject called.
    pub subject: String,
    /// The request body.
    #[serde(deserialize_with = "nullable")]
    pub request: String,
    /// The response body.
    #[serde(deserialize_with = "nullable")]
    pub response: String,
    /// The JetStream domain.
    #[serde(deserialize_with = "nullable")]
    pub domain: String,
}

/// `io.nats.jetstream.advisory.v1.stream_action` on
/// `$JS.EVENT.ADVISORY.STREAM.{CREATED,UPDATED,DELETED}.<stream>`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StreamAction {
    /// Id and time.
    #[serde(flatten)]
    pub header: EventHeader,
    /// The stream.
    pub stream: String,
    /// What happened to it.
    pub action: Action,
    /// The JetStream domain.
    #[serde(deserialize_with = "nullable")]
    pub domain: String,
}

/// `io.nats.jetstream.advisory.v1.consumer_action` on
/// `$JS.EVENT.ADVISORY.CONSUMER.{CREATED,DELETED}.<stream>.<consumer>`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConsumerAction {
    /// Id and time.
    #[serde(flatten)]
    pub header: EventHeader,
    /// The stream.
    pub stream: String,
    /// The consumer.
    pub consumer: String,
    /// What happened to it.
    pub action: Action,
    /// The JetStream domain.
    #[serde(deserialize_with = "nullable")]
    pub domain: String,
}

/// `io.nats.jetstream.advisory.v1.consumer_pause` on
/// `$JS.EVENT.ADVISORY.CONSUMER.PAUSE.<stream>.<consumer>`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConsumerPause {
    /// Id and time.
    #[serde(flatten)]
    pub header: EventHeader,
    /// The stream.
    pub stream: String,
    /// The consumer.
    pub consumer: String,
    /// Paused (`true`) or resumed.
    pub paused: bool,
    /// Until when.
    #[serde(with = "opt_time", skip_serializing_if = "Option::is_none")]
    pub pause_until: Option<OffsetDateTime>,
    /// The JetStream domain.
    #[serde(deserialize_with = "nullable")]
    pub domain: String,
}

/// `io.nats.jetstream.metric.v1.consumer_ack` on
/// `$JS.EVENT.METRIC.CONSUMER.ACK.<stream>.<consumer>`: one sampled ack
/// (the consumer's `sample_freq` says how many are sampled).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConsumerAckMetric {
    /// Id and time.
    #[serde(flatten)]
    pub header: EventHeader,
    /// The stream.
    pub stream: String,
    /// The consumer.
    pub consumer: String,
    /// The message's consumer sequence.
    pub consumer_seq: u64,
    /// The message's stream sequence.
    pub stream_seq: u64,
    /// From delivery to ack.
    #[serde(rename = "ack_time", with = "nanos")]
    pub delay: Duration,
    /// How often the message was delivered.
    pub deliveries: u64,
    /// The JetStream domain.
    #[serde(deserialize_with = "nullable")]
    pub domain: String,
}

/// `io.nats.jetstream.advisory.v1.max_deliver` on
/// `$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.<stream>.<consumer>`: a
/// message reached the consumer's `max_deliver`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct MaxDeliveries {
    /// Id and time.
    #[serde(flatten)]
    pub header: EventHeader,
    /// The stream.
    pub stream: String,
    /// The consumer.
    pub consumer: String,
    /// The message's stream sequence.
    pub stream_seq: u64,
    /// How often it was delivered.
    pub deliveries: u64,
    /// The JetStream domain.
    #[serde(deserialize_with = "nullable")]
    pub domain: String,
}

/// `io.nats.jetstream.advisory.v1.nak` on
/// `$JS.EVENT.ADVISORY.CONSUMER.MSG_NAKED.<stream>.<consumer>`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct MessageNaked {
    /// Id and time.
    #[serde(flatten)]
    pub header: EventHeader,
    /// The stream.
    pub stream: String,
    /// The consumer.
    pub consumer: String,
    /// The message's consumer sequence.
    pub consumer_seq: u64,
    /// The message's stream sequence.
    pub stream_seq: u64,
    /// How often it was delivered.
    pub deliveries: u64,
    /// The JetStream domain.
    #[serde(deserialize_with = "nullable")]
    pub domain: String,
}

/// `io.nats.jetstream.advisory.v1.terminated` on
/// `$JS.EVENT.ADVISORY.CONSUMER.MSG_TERMINATED.<stream>.<consumer>`: an
/// `+TERM` ack.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct MessageTerminated {
    /// Id and time.
    #[serde(flatten)]
    pub header: EventHeader,
    /// The stream.
    pub stream: String,
    /// The consumer.
    pub consumer: String,
    /// The message's consumer sequence.
    pub consumer_seq: u64,
    /// The message's stream sequence.
    pub stream_seq: u64,
    /// How often it was delivered.
    pub deliveries: u64,
    /// The reason given with the ack.
    #[serde(deserialize_with = "nullable")]
    pub reason: String,
    /// The JetStream domain.
    #[serde(deserialize_with = "nullable")]
    pub domain: String,
}

/// `io.nats.jetstream.advisory.v1.snapshot_create` on
/// `$JS.EVENT.ADVISORY.STREAM.SNAPSHOT_CREATE.<stream>`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SnapshotCreate {
    /// Id and time.
    #[serde(flatten)]
    pub header: EventHeader,
    /// The stream.
    pub stream: String,
    /// Its state when the snapshot began.
    pub state: StreamState,
    /// Who asked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client: Option<ClientInfo>,
    /// The JetStream domain.
    #[serde(deserialize_with = "nullable")]
    pub domain: String,
}

/// `io.nats.jetstream.advisory.v1.snapshot_complete` on
/// `$JS.EVENT.ADVISORY.STREAM.SNAPSHOT_COMPLETE.<stream>`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SnapshotComplete {
    /// Id and time.
    #[serde(flatten)]
    pub header: EventHeader,
    /// The stream.
    pub stream: String,
    /// When the snapshot began.
    #[serde(with = "opt_time", skip_serializing_if = "Option::is_none")]
    pub start: Option<OffsetDateTime>,
    /// When it ended.
    #[serde(with = "opt_time", skip_serializing_if = "Option::is_none")]
    pub end: Option<OffsetDateTime>,
    /// Who asked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client: Option<ClientInfo>,
    /// Why it failed; empty when it did not.
    #[serde(deserialize_with = "nullable")]
    pub error: String,
    /// The JetStream domain.
    #[serde(deserialize_with = "nullable")]
    pub domain: String,
}

/// `io.nats.jetstream.advisory.v1.restore_create` on
/// `$JS.EVENT.ADVISORY.STREAM.RESTORE_CREATE.<stream>`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RestoreCreate {
    /// Id and time.
    #[serde(flatten)]
    pub header: EventHeader,
    /// The stream.
    pub stream: String,
    /// Who asked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client: Option<ClientInfo>,
    /// The JetStream domain.
    #[serde(deserialize_with = "nullable")]
    pub domain: String,
}

/// `io.nats.jetstream.advisory.v1.restore_complete` on
/// `$JS.EVENT.ADVISORY.STREAM.RESTORE_COMPLETE.<stream>`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RestoreComplete {
    /// Id and time.
    #[serde(flatten)]
    pub header: EventHeader,
    /// The stream.
    pub stream: String,
    /// When the restore began.
    #[serde(with = "opt_time", skip_serializing_if = "Option::is_none")]
    pub start: Option<OffsetDateTime>,
    /// When it ended.
    #[serde(with = "opt_time", skip_serializing_if = "Option::is_none")]
    pub end: Option<OffsetDateTime>,
    /// Bytes restored.
    pub bytes: i64,
    /// Who asked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client: Option<ClientInfo>,
    /// The JetStream domain.
    #[serde(deserialize_with = "nullable")]
    pub domain: String,
}

/// `io.nats.jetstream.advisory.v1.domain_leader_elected` on
/// `$JS.EVENT.ADVISORY.DOMAIN.LEADER_ELECTED` (system account): a new meta
/// leader.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DomainLeaderElected {
    /// Id and time.
    #[serde(flatten)]
    pub header: EventHeader,
    /// The new leader's server name.
    pub leader: String,
    /// The meta group's peers.
    #[serde(deserialize_with = "nullable")]
    pub replicas: Vec<PeerInfo>,
    /// The cluster.
    pub cluster: String,
    /// The JetStream domain.
    #[serde(deserialize_with = "nullable")]
    pub domain: String,
}

/// `io.nats.jetstream.advisory.v1.stream_leader_elected` on
/// `$JS.EVENT.ADVISORY.STREAM.LEADER_ELECTED.<stream>`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StreamLeaderElected {
    /// Id and time.
    #[serde(flatten)]
    pub header: EventHeader,
    /// The stream's account (set in the system account's copy).
    #[serde(deserialize_with = "nullable")]
    pub account: String,
    /// The stream.
    pub stream: String,
    /// The new leader's server name.
    pub leader: String,
    /// The replicas.
    #[serde(deserialize_with = "nullable")]
    pub replicas: Vec<PeerInfo>,
    /// The JetStream domain.
    #[serde(deserialize_with = "nullable")]
    pub domain: String,
}

/// `io.nats.jetstream.advisory.v1.stream_quorum_lost` on
/// `$JS.EVENT.ADVISORY.STREAM.QUORUM_LOST.<stream>`: the stream (and its
/// consumers) cannot make progress.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StreamQuorumLost {
    /// Id and time.
    #[serde(flatten)]
    pub header: EventHeader,
    /// The stream's account (set in the system account's copy).
    #[serde(deserialize_with = "nullable")]
    pub account: String,
    /// The stream.
    pub stream: String,
    /// The replicas as this server sees them.
    #[serde(deserialize_with = "nullable")]
    pub replicas: Vec<PeerInfo>,
    /// The JetStream domain.
    #[serde(deserialize_with = "nullable")]
    pub domain: String,
}

/// `io.nats.jetstream.advisory.v1.stream_batch_abandoned` on
/// `$JS.EVENT.ADVISORY.STREAM.BATCH_ABANDONED.<stream>`: an atomic batch
/// publish was given up.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StreamBatchAbandoned {
    /// Id and time.
    #[serde(flatten)]
    pub header: EventHeader,
    /// The stream's account (set in the system account's copy).
    #[serde(deserialize_with = "nullable")]
    pub account: String,
    /// The stream.
    pub stream: String,
    /// The batch id.
    pub batch: String,
    /// Why: `timeout`, `large`, `incomplete`, `unsupported`.
    pub reason: String,
    /// The JetStream domain.
    #[serde(deserialize_with = "nullable")]
    pub domain: String,
}

/// `io.nats.jetstream.advisory.v1.consumer_leader_elected` on
/// `$JS.EVENT.ADVISORY.CONSUMER.LEADER_ELECTED.<stream>.<consumer>`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConsumerLeaderElected {
    /// Id and time.
    #[serde(flatten)]
    pub header: EventHeader,
    /// The account (set in the system account's copy).
    #[serde(deserialize_with = "nullable")]
    pub account: String,
    /// The stream.
    pub stream: String,
    /// The consumer.
    pub consumer: String,
    /// The new leader's server name.
    pub leader: String,
    /// The replicas.
    #[serde(deserialize_with = "nullable")]
    pub replicas: Vec<PeerInfo>,
    /// The JetStream domain.
    #[serde(deserialize_with = "nullable")]
    pub domain: String,
}

/// `io.nats.jetstream.advisory.v1.consumer_quorum_lost` on
/// `$JS.EVENT.ADVISORY.CONSUMER.QUORUM_LOST.<stream>.<consumer>`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConsumerQuorumLost {
    /// Id and time.
    #[serde(flatten)]
    pub header: EventHeader,
    /// The account (set in the system account's copy).
    #[serde(deserialize_with = "nullable")]
    pub account: String,
    /// The stream.
    pub stream: String,
    /// The consumer.
    pub consumer: String,
    /// The replicas as this server sees them.
    #[serde(deserialize_with = "nullable")]
    pub replicas: Vec<PeerInfo>,
    /// The JetStream domain.
    #[serde(deserialize_with = "nullable")]
    pub domain: String,
}

/// `io.nats.jetstream.advisory.v1.consumer_group_pinned` on
/// `$JS.EVENT.ADVISORY.CONSUMER.PINNED.<stream>.<consumer>`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConsumerGroupPinned {
    /// Id and time.
    #[serde(flatten)]
    pub header: EventHeader,
    /// The account.
    #[serde(deserialize_with = "nullable")]
    pub account: String,
    /// The stream.
    pub stream: String,
    /// The consumer.
    pub consumer: String,
    /// The priority group.
    pub group: String,
    /// The pin id given to the client.
    pub pinned_id: String,
    /// The JetStream domain.
    #[serde(deserialize_with = "nullable")]
    pub domain: String,
}

/// `io.nats.jetstream.advisory.v1.consumer_group_unpinned` on
/// `$JS.EVENT.ADVISORY.CONSUMER.UNPINNED.<stream>.<consumer>`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConsumerGroupUnpinned {
    /// Id and time.
    #[serde(flatten)]
    pub header: EventHeader,
    /// The account.
    #[serde(deserialize_with = "nullable")]
    pub account: String,
    /// The stream.
    pub stream: String,
    /// The consumer.
    pub consumer: String,
    /// The priority group.
    pub group: String,
    /// Why: `admin` or `timeout`.
    pub reason: String,
    /// The JetStream domain.
    #[serde(deserialize_with = "nullable")]
    pub domain: String,
}

/// `io.nats.jetstream.advisory.v1.server_out_of_space` on
/// `$JS.EVENT.ADVISORY.SERVER.OUT_OF_STORAGE` (system account): the server
/// ran out of storage and disabled JetStream.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ServerOutOfSpace {
    /// Id and time.
    #[serde(flatten)]
    pub header: EventHeader,
    /// The server's name.
    pub server: String,
    /// The server's id.
    pub server_id: String,
    /// The stream whose write failed, if any.
    #[serde(deserialize_with = "nullable")]
    pub stream: String,
    /// The cluster.
    #[serde(deserialize_with = "nullable")]
    pub cluster: String,
    /// The JetStream domain.
    #[serde(deserialize_with = "nullable")]
    pub domain: String,
}

/// `io.nats.jetstream.advisory.v1.server_removed` on
/// `$JS.EVENT.ADVISORY.SERVER.REMOVED` (system account).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ServerRemoved {
    /// Id and time.
    #[serde(flatten)]
    pub header: EventHeader,
    /// The server's name.
    pub server: String,
    /// The server's id.
    pub server_id: String,
    /// The cluster.
    #[serde(deserialize_with = "nullable")]
    pub cluster: String,
    /// The JetStream domain.
    #[serde(deserialize_with = "nullable")]
    pub domain: String,
}

/// `io.nats.jetstream.advisory.v1.meta_rescue` on
/// `$JS.EVENT.ADVISORY.SERVER.META_RESCUE` (system account): a server
/// lowered the meta group's quorum to recover from a disaster.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct MetaRescue {
    /// Id and time.
    #[serde(flatten)]
    pub header: EventHeader,
    /// The server's name.
    pub server: String,
    /// The server's id.
    pub server_id: String,
    /// The quorum before.
    pub prev_quorum: i64,
    /// The quorum now.
    pub new_quorum: i64,
    /// The cluster.
    #[serde(deserialize_with = "nullable")]
    pub cluster: String,
    /// The JetStream domain.
    #[serde(deserialize_with = "nullable")]
    pub domain: String,
}

/// `io.nats.jetstream.advisory.v1.api_limit_reached` on
/// `$JS.EVENT.ADVISORY.API.LIMIT_REACHED` (system account): the API request
/// queue was full and requests were dropped.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ApiLimitReached {
    /// Id and time.
    #[serde(flatten)]
    pub header: EventHeader,
    /// The server.
    pub server: String,
    /// Requests dropped.
    pub dropped: i64,
    /// The JetStream domain.
    #[serde(deserialize_with = "nullable")]
    pub domain: String,
}
