//! The server's events and advisories as typed data, rendered as text or
//! JSON, and a subscription that yields them parsed.
//!
//! - [`advisory`]: JetStream advisories (`$JS.EVENT.ADVISORY.>`) and metrics
//!   (`$JS.EVENT.METRIC.>`), published into the account of the stream (those
//!   of the whole server, such as running out of storage, into the system
//!   account).
//! - [`system`]: the system account's events (`$SYS.>`): connections,
//!   authentication errors, statistics, shutdown, lame duck.
//! - [`Event::parse`] reads any of them by its `type` field (the stats,
//!   shutdown and lame duck events, which have none, by their subject) into
//!   one [`EventKind`]; a type this client does not know is
//!   [`EventKind::Unknown`] with its JSON, never an error.
//! - [`Event::line`] renders one readable line, [`Event::pretty_json`] the
//!   body as the server sent it, indented.
//! - [`Events`] subscribes to chosen [`EventFamily`]s over any
//!   [`Transport`](crate::transport::Transport) and yields parsed events;
//!   [`crate::blocking::Events`] is the same as an iterator.
//!
//! ```no_run
//! # async fn demo(client: natrs_client::Client) -> Result<(), natrs_jetstream::Error> {
//! use futures_util::StreamExt;
//! use natrs_jetstream::events::{EventFamily, Events};
//! let mut events = Events::subscribe(&client, &[EventFamily::stream_advisories("ORDERS")])?;
//! while let Some(event) = events.next().await {
//!     match event {
//!         Ok(event) => println!("{event}"),
//!         Err(bad) => eprintln!("{bad}"),
//!     }
//! }
//! # Ok(()) }
//! ```

pub mod advisory;
mod family;
mod render;
mod subscribe;
pub mod system;

pub use family::EventFamily;
pub use subscribe::Events;

use advisory::*;
use bytes::Bytes;
use natrs_client::Message;
use serde::de::DeserializeOwned;
use system::*;

/// The `type` of each event this client knows, as the server writes it.
pub mod types {
    /// [`ApiAudit`](super::advisory::ApiAudit).
    pub const API_AUDIT: &str = "io.nats.jetstream.advisory.v1.api_audit";
    /// [`StreamAction`](super::advisory::StreamAction).
    pub const STREAM_ACTION: &str = "io.nats.jetstream.advisory.v1.stream_action";
    /// [`ConsumerAction`](super::advisory::ConsumerAction).
    pub const CONSUMER_ACTION: &str = "io.nats.jetstream.advisory.v1.consumer_action";
    /// [`ConsumerPause`](super::advisory::ConsumerPause).
    pub const CONSUMER_PAUSE: &str = "io.nats.jetstream.advisory.v1.consumer_pause";
    /// [`ConsumerAckMetric`](super::advisory::ConsumerAckMetric).
    pub const CONSUMER_ACK: &str = "io.nats.jetstream.metric.v1.consumer_ack";
    /// [`MaxDeliveries`](super::advisory::MaxDeliveries).
    pub const MAX_DELIVER: &str = "io.nats.jetstream.advisory.v1.max_deliver";
    /// [`MessageNaked`](super::advisory::MessageNaked).
    pub const NAK: &str = "io.nats.jetstream.advisory.v1.nak";
    /// [`MessageTerminated`](super::advisory::MessageTerminated).
    pub const TERMINATED: &str = "io.nats.jetstream.advisory.v1.terminated";
    /// [`SnapshotCreate`](super::advisory::SnapshotCreate).
    pub const SNAPSHOT_CREATE: &str = "io.nats.jetstream.advisory.v1.snapshot_create";
    /// [`SnapshotComplete`](super::advisory::SnapshotComplete).
    pub const SNAPSHOT_COMPLETE: &str = "io.nats.jetstream.advisory.v1.snapshot_complete";
    /// [`RestoreCreate`](super::advisory::RestoreCreate).
    pub const RESTORE_CREATE: &str = "io.nats.jetstream.advisory.v1.restore_create";
    /// [`RestoreComplete`](super::advisory::RestoreComplete).
    pub const RESTORE_COMPLETE: &str = "io.nats.jetstream.advisory.v1.restore_complete";
    /// [`DomainLeaderElected`](super::advisory::DomainLeaderElected).
    pub const DOMAIN_LEADER_ELECTED: &str = "io.nats.jetstream.advisory.v1.domain_leader_elected";
    /// [`StreamLeaderElected`](super::advisory::StreamLeaderElected).
    pub const STREAM_LEADER_ELECTED: &str = "io.nats.jetstream.advisory.v1.stream_leader_elected";
    /// [`StreamQuorumLost`](super::advisory::StreamQuorumLost).
    pub const STREAM_QUORUM_LOST: &str = "io.nats.jetstream.advisory.v1.stream_quorum_lost";
    /// [`StreamBatchAbandoned`](super::advisory::StreamBatchAbandoned).
    pub const STREAM_BATCH_ABANDONED: &str = "io.nats.jetstream.advisory.v1.stream_batch_abandoned";
    /// [`ConsumerLeaderElected`](super::advisory::ConsumerLeaderElected).
    pub const CONSUMER_LEADER_ELECTED: &str =
        "io.nats.jetstream.advisory.v1.consumer_leader_elected";
    /// [`ConsumerQuorumLost`](super::advisory::ConsumerQuorumLost).
    pub const CONSUMER_QUORUM_LOST: &str = "io.nats.jetstream.advisory.v1.consumer_quorum_lost";
    /// [`ConsumerGroupPinned`](super::advisory::ConsumerGroupPinned).
    pub const CONSUMER_GROUP_PINNED: &str = "io.nats.jetstream.advisory.v1.consumer_group_pinned";
    /// [`ConsumerGroupUnpinned`](super::advisory::ConsumerGroupUnpinned).
    pub const CONSUMER_GROUP_UNPINNED: &str =
        "io.nats.jetstream.advisory.v1.consumer_group_unpinned";
    /// [`ServerOutOfSpace`](super::advisory::ServerOutOfSpace).
    pub const SERVER_OUT_OF_SPACE: &str = "io.nats.jetstream.advisory.v1.server_out_of_space";
    /// [`ServerRemoved`](super::advisory::ServerRemoved).
    pub const SERVER_REMOVED: &str = "io.nats.jetstream.advisory.v1.server_removed";
    /// [`MetaRescue`](super::advisory::MetaRescue).
    pub const META_RESCUE: &str = "io.nats.jetstream.advisory.v1.meta_rescue";
    /// [`ApiLimitReached`](super::advisory::ApiLimitReached).
    pub const API_LIMIT_REACHED: &str = "io.nats.jetstream.advisory.v1.api_limit_reached";
    /// [`ClientConnect`](super::system::ClientConnect).
    pub const CLIENT_CONNECT: &str = "io.nats.server.advisory.v1.client_connect";
    /// [`ClientDisconnect`](super::system::ClientDisconnect) (also the body
    /// of an authentication error).
    pub const CLIENT_DISCONNECT: &str = "io.nats.server.advisory.v1.client_disconnect";
    /// [`AccountConnections`](super::system::AccountConnections).
    pub const ACCOUNT_CONNECTIONS: &str = "io.nats.server.advisory.v1.account_connections";
}

/// An event, parsed by its `type` (or, for the untyped system events, by
/// its subject).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum EventKind {
    /// A JetStream API call and its answer.
    ApiAudit(ApiAudit),
    /// A stream was created, updated or deleted.
    StreamAction(StreamAction),
    /// A consumer was created or deleted.
    ConsumerAction(ConsumerAction),
    /// A consumer was paused or resumed.
    ConsumerPause(ConsumerPause),
    /// A sampled ack (metric).
    ConsumerAck(ConsumerAckMetric),
    /// A message reached the consumer's `max_deliver`.
    MaxDeliveries(MaxDeliveries),
    /// A message was naked.
    Nak(MessageNaked),
    /// A message was terminated (`+TERM`).
    Terminated(MessageTerminated),
    /// A snapshot began.
    SnapshotCreate(SnapshotCreate),
    /// A snapshot ended.
    SnapshotComplete(SnapshotComplete),
    /// A restore began.
    RestoreCreate(RestoreCreate),
    /// A restore ended.
    RestoreComplete(RestoreComplete),
    /// A new meta leader.
    DomainLeaderElected(DomainLeaderElected),
    /// A stream elected a leader.
    StreamLeaderElected(StreamLeaderElected),
    /// A stream lost its quorum.
    StreamQuorumLost(StreamQuorumLost),
    /// An atomic batch was abandoned.
    StreamBatchAbandoned(StreamBatchAbandoned),
    /// A consumer elected a leader.
    ConsumerLeaderElected(ConsumerLeaderElected),
    /// A consumer lost its quorum.
    ConsumerQuorumLost(ConsumerQuorumLost),
    /// A priority group pinned a client.
    ConsumerGroupPinned(ConsumerGroupPinned),
    /// A priority group unpinned its client.
    ConsumerGroupUnpinned(ConsumerGroupUnpinned),
    /// A server ran out of storage.
    ServerOutOfSpace(ServerOutOfSpace),
    /// A server was removed from the cluster.
    ServerRemoved(ServerRemoved),
    /// A server lowered the meta group's quorum.
    MetaRescue(MetaRescue),
    /// The JetStream API dropped requests.
    ApiLimitReached(ApiLimitReached),
    /// A client connected.
    ClientConnect(ClientConnect),
    /// A client disconnected.
    ClientDisconnect(ClientDisconnect),
    /// A client failed to authenticate (`$SYS.SERVER.<id>.CLIENT.AUTH.ERR`
    /// or `$SYS.ACCOUNT.CLIENT.AUTH.ERR`).
    AuthError(ClientDisconnect),
    /// An account's connections on a server.
    AccountConnections(AccountConnections),
    /// A server's periodic statistics (`$SYS.SERVER.<id>.STATSZ`).
    ServerStats(Box<ServerStatsEvent>),
    /// A server shut down (`$SYS.SERVER.<id>.SHUTDOWN`).
    ServerShutdown(ServerInfo),
    /// A server entered lame duck mode (`$SYS.SERVER.<id>.LAMEDUCK`).
    LameDuck(ServerInfo),
    /// Anything else: its `type` (if it has one) and its JSON.
    Unknown {
        /// The `type` field.
        event_type: Option<String>,
        /// The whole body.
        json: serde_json::Value,
    },
}

/// An event with the subject it came on and its body as received.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// The subject.
    pub subject: String,
    /// The parsed event.
    pub kind: EventKind,
    /// The body, as the server sent it.
    pub payload: Bytes,
}

/// A body that is not an event: not a JSON object, or a known type whose
/// fields do not fit. The subscription goes on after it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unreadable event on {subject}{}: {reason}", event_type.as_ref().map(|t| format!(" ({t})")).unwrap_or_default())]
pub struct EventError {
    /// The subject it came on.
    pub subject: String,
    /// Its `type`, when it had one.
    pub event_type: Option<String>,
    /// What is wrong.
    pub reason: String,
    /// The body as received.
    pub payload: Bytes,
}

/// What the subject says about an untyped body.
enum Untyped {
    Stats,
    Shutdown,
    LameDuck,
    AuthError,
    Other,
}

/// Classifies `$SYS.SERVER.<id>.{STATSZ,SHUTDOWN,LAMEDUCK,CLIENT.AUTH.ERR}`
/// and `$SYS.ACCOUNT.CLIENT.AUTH.ERR`.
fn by_subject(subject: &str) -> Untyped {
    if subject == "$SYS.ACCOUNT.CLIENT.AUTH.ERR" {
        return Untyped::AuthError;
    }
    let Some(rest) = subject.strip_prefix("$SYS.SERVER.") else {
        return Untyped::Other;
    };
    let Some((id, what)) = rest.split_once('.') else {
        return Untyped::Other;
    };
    if id.is_empty() {
        return Untyped::Other;
    }
    match what {
        "STATSZ" => Untyped::Stats,
        "SHUTDOWN" => Untyped::Shutdown,
        "LAMEDUCK" => Untyped::LameDuck,
        "CLIENT.AUTH.ERR" => Untyped::AuthError,
        _ => Untyped::Other,
    }
}

impl Event {
    /// Parses the body of an event that came on `subject`.
    ///
    /// An unknown `type` (or an untyped body on a subject without a known
    /// meaning) is [`EventKind::Unknown`]; an error only when the body is
    /// not a JSON object or a known type's fields have the wrong form.
    pub fn parse(subject: &str, payload: impl Into<Bytes>) -> Result<Event, EventError> {
        let payload = payload.into();
        let fail = |event_type: Option<String>, reason: String| EventError {
            subject: subject.to_owned(),
            event_type,
            reason,
            payload: payload.clone(),
        };
        let json: serde_json::Value =
            serde_json::from_slice(&payload).map_err(|e| fail(None, e.to_string()))?;
        let Some(object) = json.as_object() else {
            return Err(fail(None, "not a JSON object".to_owned()));
        };
        let event_type = match object.get("type") {
            None | Some(serde_json::Value::Null) => None,
            Some(serde_json::Value::String(t)) => Some(t.clone()),
            Some(_) => return Err(fail(None, "`type` is not a string".to_owned())),
        };
        let kind = match classify(event_type.as_deref(), subject, json) {
            Ok(kind) => kind,
            Err(e) => return Err(fail(event_type, e.to_string())),
        };
        Ok(Event {
            subject: subject.to_owned(),
            kind,
            payload,
        })
    }

    /// Parses a message's subject and payload ([`Event::parse`]).
    pub fn from_message(message: &Message) -> Result<Event, EventError> {
        Event::parse(message.subject.as_str(), message.payload.clone())
    }

    /// The event's `type`, or the name this client gives an untyped one
    /// (`server_stats`, `server_shutdown`, `lame_duck`).
    pub fn type_name(&self) -> &str {
        self.kind.type_name()
    }
}

fn read<T: DeserializeOwned>(json: serde_json::Value) -> Result<T, serde_json::Error> {
    serde_json::from_value(json)
}

/// The kind of `json` by its `type`, then by `subject`.
fn classify(
    event_type: Option<&str>,
    subject: &str,
    json: serde_json::Value,
) -> Result<EventKind, serde_json::Error> {
    use EventKind as K;
    let Some(t) = event_type else {
        return Ok(match by_subject(subject) {
            Untyped::Stats => K::ServerStats(Box::new(read(json)?)),
            Untyped::Shutdown => K::ServerShutdown(read(json)?),
            Untyped::LameDuck => K::LameDuck(read(json)?),
            Untyped::AuthError | Untyped::Other => K::Unknown {
                event_type: None,
                json,
            },
        });
    };
    Ok(match t {
        types::API_AUDIT => K::ApiAudit(read(json)?),
        types::STREAM_ACTION => K::StreamAction(read(json)?),
        types::CONSUMER_ACTION => K::ConsumerAction(read(json)?),
        types::CONSUMER_PAUSE => K::ConsumerPause(read(json)?),
        types::CONSUMER_ACK => K::ConsumerAck(read(json)?),
        types::MAX_DELIVER => K::MaxDeliveries(read(json)?),
        types::NAK => K::Nak(read(json)?),
        types::TERMINATED => K::Terminated(read(json)?),
        types::SNAPSHOT_CREATE => K::SnapshotCreate(read(json)?),
        types::SNAPSHOT_COMPLETE => K::SnapshotComplete(read(json)?),
        types::RESTORE_CREATE => K::RestoreCreate(read(json)?),
        types::RESTORE_COMPLETE => K::RestoreComplete(read(json)?),
        types::DOMAIN_LEADER_ELECTED => K::DomainLeaderElected(read(json)?),
        types::STREAM_LEADER_ELECTED => K::StreamLeaderElected(read(json)?),
        types::STREAM_QUORUM_LOST => K::StreamQuorumLost(read(json)?),
        types::STREAM_BATCH_ABANDONED => K::StreamBatchAbandoned(read(json)?),
        types::CONSUMER_LEADER_ELECTED => K::ConsumerLeaderElected(read(json)?),
        types::CONSUMER_QUORUM_LOST => K::ConsumerQuorumLost(read(json)?),
        types::CONSUMER_GROUP_PINNED => K::ConsumerGroupPinned(read(json)?),
        types::CONSUMER_GROUP_UNPINNED => K::ConsumerGroupUnpinned(read(json)?),
        types::SERVER_OUT_OF_SPACE => K::ServerOutOfSpace(read(json)?),
        types::SERVER_REMOVED => K::ServerRemoved(read(json)?),
        types::META_RESCUE => K::MetaRescue(read(json)?),
        types::API_LIMIT_REACHED => K::ApiLimitReached(read(json)?),
        types::CLIENT_CONNECT => K::ClientConnect(read(json)?),
        types::CLIENT_DISCONNECT => match by_subject(subject) {
            Untyped::AuthError => K::AuthError(read(json)?),
            _ => K::ClientDisconnect(read(json)?),
        },
        types::ACCOUNT_CONNECTIONS => K::AccountConnections(read(json)?),
        other => K::Unknown {
            event_type: Some(other.to_owned()),
            json,
        },
    })
}

impl EventKind {
    /// The `type` of the event, or the name this client gives an untyped one
    /// (`server_stats`, `server_shutdown`, `lame_duck`, `untyped`).
    pub fn type_name(&self) -> &str {
        use EventKind as K;
        match self {
            K::ApiAudit(_) => types::API_AUDIT,
            K::StreamAction(_) => types::STREAM_ACTION,
            K::ConsumerAction(_) => types::CONSUMER_ACTION,
            K::ConsumerPause(_) => types::CONSUMER_PAUSE,
            K::ConsumerAck(_) => types::CONSUMER_ACK,
            K::MaxDeliveries(_) => types::MAX_DELIVER,
            K::Nak(_) => types::NAK,
            K::Terminated(_) => types::TERMINATED,
            K::SnapshotCreate(_) => types::SNAPSHOT_CREATE,
            K::SnapshotComplete(_) => types::SNAPSHOT_COMPLETE,
            K::RestoreCreate(_) => types::RESTORE_CREATE,
            K::RestoreComplete(_) => types::RESTORE_COMPLETE,
            K::DomainLeaderElected(_) => types::DOMAIN_LEADER_ELECTED,
            K::StreamLeaderElected(_) => types::STREAM_LEADER_ELECTED,
            K::StreamQuorumLost(_) => types::STREAM_QUORUM_LOST,
            K::StreamBatchAbandoned(_) => types::STREAM_BATCH_ABANDONED,
            K::ConsumerLeaderElected(_) => types::CONSUMER_LEADER_ELECTED,
            K::ConsumerQuorumLost(_) => types::CONSUMER_QUORUM_LOST,
            K::ConsumerGroupPinned(_) => types::CONSUMER_GROUP_PINNED,
            K::ConsumerGroupUnpinned(_) => types::CONSUMER_GROUP_UNPINNED,
            K::ServerOutOfSpace(_) => types::SERVER_OUT_OF_SPACE,
            K::ServerRemoved(_) => types::SERVER_REMOVED,
            K::MetaRescue(_) => types::META_RESCUE,
            K::ApiLimitReached(_) => types::API_LIMIT_REACHED,
            K::ClientConnect(_) => types::CLIENT_CONNECT,
            K::ClientDisconnect(_) | K::AuthError(_) => types::CLIENT_DISCONNECT,
            K::AccountConnections(_) => types::ACCOUNT_CONNECTIONS,
            K::ServerStats(_) => "server_stats",
            K::ServerShutdown(_) => "server_shutdown",
            K::LameDuck(_) => "lame_duck",
            K::Unknown { event_type, .. } => event_type.as_deref().unwrap_or("untyped"),
        }
    }
}

#[cfg(test)]
mod tests;
