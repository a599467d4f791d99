//! The system account's events (`$SYS.>`, nats-server's `server/events.go`):
//! connections of an account, authentication errors, server statistics,
//! shutdown and lame duck. A client sees them only when it is connected as a
//! user of the system account.

use crate::events::advisory::EventHeader;
use crate::wire::{nanos, nullable, opt_time};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Duration;
use time::OffsetDateTime;

/// The server that sent a system event (`server` of every event; the whole
/// body of the shutdown and lame duck events).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ServerInfo {
    /// Its name.
    pub name: String,
    /// Its listen host.
    pub host: String,
    /// Its id.
    pub id: String,
    /// Its cluster.
    #[serde(
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub cluster: String,
    /// Its JetStream domain.
    #[serde(
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub domain: String,
    /// Its version.
    #[serde(rename = "ver")]
    pub version: String,
    /// Its tags.
    #[serde(deserialize_with = "nullable", skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Its metadata.
    #[serde(
        deserialize_with = "nullable",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub metadata: BTreeMap<String, String>,
    /// Whether JetStream is on.
    pub jetstream: bool,
    /// Capability flags (bit 0: JetStream).
    pub flags: u64,
    /// The server's sequence number of this event.
    pub seq: u64,
    /// When it was sent.
    #[serde(with = "opt_time", skip_serializing_if = "Option::is_none")]
    pub time: Option<OffsetDateTime>,
}

/// A client connection as the server describes it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ClientInfo {
    /// When it connected.
    #[serde(with = "opt_time", skip_serializing_if = "Option::is_none")]
    pub start: Option<OffsetDateTime>,
    /// Its address.
    #[serde(
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub host: String,
    /// The server's connection id.
    #[serde(skip_serializing_if = "crate::wire::is_default")]
    pub id: u64,
    /// Its account.
    #[serde(
        rename = "acc",
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub account: String,
    /// The user.
    #[serde(
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub user: String,
    /// The name the client gave.
    #[serde(
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub name: String,
    /// Its language.
    #[serde(
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub lang: String,
    /// Its library version.
    #[serde(
        rename = "ver",
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub version: String,
    /// Its round-trip time.
    #[serde(with = "nanos", skip_serializing_if = "crate::wire::is_zero")]
    pub rtt: Duration,
    /// The server it is connected to.
    #[serde(
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub server: String,
    /// That server's cluster.
    #[serde(
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub cluster: String,
    /// When it disconnected.
    #[serde(with = "opt_time", skip_serializing_if = "Option::is_none")]
    pub stop: Option<OffsetDateTime>,
    /// The account's name tag (operator mode).
    #[serde(
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub name_tag: String,
    /// Connection kind (`Client`, `Leafnode`, ...).
    #[serde(
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub kind: String,
    /// Client type (`nats`, `mqtt`, `websocket`).
    #[serde(
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub client_type: String,
}

impl ClientInfo {
    /// `user@account`, `account`, or `?` when the server named neither.
    pub fn who(&self) -> String {
        match (self.user.is_empty(), self.account.is_empty()) {
            (false, false) => format!("{}@{}", self.user, self.account),
            (false, true) => self.user.clone(),
            (true, false) => self.account.clone(),
            (true, true) => "?".to_owned(),
        }
    }
}

/// Messages and bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct MsgBytes {
    /// Messages.
    pub msgs: i64,
    /// Bytes.
    pub bytes: i64,
}

/// Traffic counted one way, in total and by kind of peer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DataStats {
    /// Messages in total.
    pub msgs: i64,
    /// Bytes in total.
    pub bytes: i64,
    /// To or from gateways.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gateways: Option<MsgBytes>,
    /// To or from routes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub routes: Option<MsgBytes>,
    /// To or from leaf nodes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub leafs: Option<MsgBytes>,
}

/// `io.nats.server.advisory.v1.client_connect` on
/// `$SYS.ACCOUNT.<account>.CONNECT`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ClientConnect {
    /// Id and time.
    #[serde(flatten)]
    pub header: EventHeader,
    /// The server the client connected to.
    pub server: ServerInfo,
    /// The client.
    pub client: ClientInfo,
}

/// `io.nats.server.advisory.v1.client_disconnect` on
/// `$SYS.ACCOUNT.<account>.DISCONNECT`; the same body is sent on
/// `$SYS.SERVER.<id>.CLIENT.AUTH.ERR` for a failed authentication.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ClientDisconnect {
    /// Id and time.
    #[serde(flatten)]
    pub header: EventHeader,
    /// The server the client was connected to.
    pub server: ServerInfo,
    /// The client.
    pub client: ClientInfo,
    /// What the client sent.
    pub sent: DataStats,
    /// What it received.
    pub received: DataStats,
    /// Why it ended.
    #[serde(deserialize_with = "nullable")]
    pub reason: String,
}

/// `io.nats.server.advisory.v1.account_connections` on
/// `$SYS.ACCOUNT.<account>.SERVER.CONNS`: an account's connections on one
/// server.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AccountConnections {
    /// Id and time.
    #[serde(flatten)]
    pub header: EventHeader,
    /// The server.
    pub server: ServerInfo,
    /// The account.
    #[serde(rename = "acc")]
    pub account: String,
    /// The account's name (operator mode).
    #[serde(deserialize_with = "nullable")]
    pub name: String,
    /// Client connections.
    pub conns: i64,
    /// Leaf node connections.
    pub leafnodes: i64,
    /// Both.
    pub total_conns: i64,
    /// Subscriptions.
    pub num_subscriptions: u64,
    /// Sent by the account's clients.
    pub sent: DataStats,
    /// Received by them.
    pub received: DataStats,
    /// Slow consumers.
    pub slow_consumers: i64,
}

/// One route's traffic in [`ServerStats`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RouteStat {
    /// Route id.
    pub rid: u64,
    /// The peer's name.
    #[serde(deserialize_with = "nullable")]
    pub name: String,
    /// Sent over it.
    pub sent: DataStats,
    /// Received over it.
    pub received: DataStats,
    /// Bytes waiting to be sent.
    pub pending: i64,
}

/// One gateway's traffic in [`ServerStats`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct GatewayStat {
    /// Gateway id.
    pub gwid: u64,
    /// The remote cluster.
    pub name: String,
    /// Sent to it.
    pub sent: DataStats,
    /// Received from it.
    pub received: DataStats,
    /// Inbound connections from it.
    pub inbound_connections: i64,
}

/// A server's statistics (`statsz` of the periodic stats event).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ServerStats {
    /// When the server started.
    #[serde(with = "opt_time", skip_serializing_if = "Option::is_none")]
    pub start: Option<OffsetDateTime>,
    /// Resident memory, bytes.
    pub mem: i64,
    /// CPU cores.
    pub cores: i64,
    /// CPU use, percent.
    pub cpu: f64,
    /// Client connections.
    pub connections: i64,
    /// Connections since start.
    pub total_connections: u64,
    /// Accounts with connections.
    pub active_accounts: i64,
    /// Subscriptions.
    pub subscriptions: u64,
    /// Sent.
    pub sent: DataStats,
    /// Received.
    pub received: DataStats,
    /// Slow consumers.
    pub slow_consumers: i64,
    /// Routes.
    #[serde(deserialize_with = "nullable", skip_serializing_if = "Vec::is_empty")]
    pub routes: Vec<RouteStat>,
    /// Gateways.
    #[serde(deserialize_with = "nullable", skip_serializing_if = "Vec::is_empty")]
    pub gateways: Vec<GatewayStat>,
    /// Servers this one knows of.
    pub active_servers: i64,
    /// JetStream's statistics, as the server wrote them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jetstream: Option<serde_json::Value>,
}

/// The periodic statistics on `$SYS.SERVER.<id>.STATSZ` (sent without a
/// `type`; recognised by its subject).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ServerStatsEvent {
    /// The server.
    pub server: ServerInfo,
    /// Its statistics.
    #[serde(rename = "statsz")]
    pub stats: ServerStats,
}
