//! Rendering an [`Event`]: one readable line ([`Event::line`], also its
//! `Display`) and the body as indented JSON ([`Event::pretty_json`]).

use super::advisory::EventHeader;
use super::system::{ClientDisconnect, ClientInfo, DataStats, ServerInfo};
use super::{Event, EventKind};
use std::fmt::{self, Write as _};
use time::OffsetDateTime;

/// Longest run of a request, response or unknown body shown in a line.
const MAX_SHOWN: usize = 160;

/// `text` on one line: control characters as spaces, cut to `MAX_SHOWN`
/// characters with `…`.
fn one_line(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(MAX_SHOWN + 3));
    for (i, c) in text.chars().enumerate() {
        if i == MAX_SHOWN {
            out.push('…');
            break;
        }
        out.push(if c.is_control() { ' ' } else { c });
    }
    out
}

/// `2026-12-06 21:30:00.123 UTC`; a time that is out of range in UTC (past
/// year 9999) in its own offset.
fn stamp(t: OffsetDateTime) -> String {
    let Some(t) = t.checked_to_offset(time::UtcOffset::UTC) else {
        return t.to_string();
    };
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}.{:03} UTC",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond()
    )
}

fn client(c: Option<&ClientInfo>) -> String {
    match c {
        Some(c) => c.who(),
        None => "?".to_owned(),
    }
}

fn traffic(d: &DataStats) -> String {
    format!("{} msgs/{} bytes", d.msgs, d.bytes)
}

fn server(s: &ServerInfo) -> String {
    if s.name.is_empty() || s.name == s.id {
        s.id.clone()
    } else {
        format!("{} ({})", s.name, s.id)
    }
}

fn disconnect(d: &ClientDisconnect) -> String {
    format!(
        "client {} {} from {} on {}: {}; sent {}, received {}",
        d.client.id,
        d.client.who(),
        d.client.host,
        server(&d.server),
        d.reason,
        traffic(&d.sent),
        traffic(&d.received)
    )
}

fn leader_line(what: &str, leader: &str, replicas: usize) -> String {
    format!("{what} elected leader {leader} ({replicas} replicas)")
}

impl EventKind {
    /// The event's own time: the header's timestamp, or the server's time
    /// for system events.
    pub fn time(&self) -> Option<OffsetDateTime> {
        self.header()
            .and_then(|h| h.timestamp)
            .or_else(|| self.server_info().and_then(|s| s.time))
    }

    /// The id and timestamp of a typed event.
    pub fn header(&self) -> Option<&EventHeader> {
        use EventKind as K;
        Some(match self {
            K::ApiAudit(e) => &e.header,
            K::StreamAction(e) => &e.header,
            K::ConsumerAction(e) => &e.header,
            K::ConsumerPause(e) => &e.header,
            K::ConsumerAck(e) => &e.header,
            K::MaxDeliveries(e) => &e.header,
            K::Nak(e) => &e.header,
            K::Terminated(e) => &e.header,
            K::SnapshotCreate(e) => &e.header,
            K::SnapshotComplete(e) => &e.header,
            K::RestoreCreate(e) => &e.header,
            K::RestoreComplete(e) => &e.header,
            K::DomainLeaderElected(e) => &e.header,
            K::StreamLeaderElected(e) => &e.header,
            K::StreamQuorumLost(e) => &e.header,
            K::StreamBatchAbandoned(e) => &e.header,
            K::ConsumerLeaderElected(e) => &e.header,
            K::ConsumerQuorumLost(e) => &e.header,
            K::ConsumerGroupPinned(e) => &e.header,
            K::ConsumerGroupUnpinned(e) => &e.header,
            K::ServerOutOfSpace(e) => &e.header,
            K::ServerRemoved(e) => &e.header,
            K::MetaRescue(e) => &e.header,
            K::ApiLimitReached(e) => &e.header,
            K::ClientConnect(e) => &e.header,
            K::ClientDisconnect(e) | K::AuthError(e) => &e.header,
            K::AccountConnections(e) => &e.header,
            K::ServerStats(_) | K::ServerShutdown(_) | K::LameDuck(_) | K::Unknown { .. } => {
                return None;
            }
        })
    }

    /// The server a system event came from.
    pub fn server_info(&self) -> Option<&ServerInfo> {
        use EventKind as K;
        match self {
            K::ClientConnect(e) => Some(&e.server),
            K::ClientDisconnect(e) | K::AuthError(e) => Some(&e.server),
            K::AccountConnections(e) => Some(&e.server),
            K::ServerStats(e) => Some(&e.server),
            K::ServerShutdown(s) | K::LameDuck(s) => Some(s),
            _ => None,
        }
    }

    /// What happened, in words (the line without time and subject).
    pub fn describe(&self) -> String {
        use EventKind as K;
        match self {
            K::ApiAudit(e) => format!(
                "API {} by {}: request {} response {}",
                e.subject,
                client(e.client.as_ref()),
                if e.request.is_empty() {
                    "-".to_owned()
                } else {
                    one_line(&e.request)
                },
                one_line(&e.response)
            ),
            K::StreamAction(e) => format!("stream {} {}", e.stream, e.action.past_tense()),
            K::ConsumerAction(e) => format!(
                "consumer {} > {} {}",
                e.stream,
                e.consumer,
                e.action.past_tense()
            ),
            K::ConsumerPause(e) => match (e.paused, e.pause_until) {
                (true, Some(until)) => {
                    format!(
                        "consumer {} > {} paused until {}",
                        e.stream,
                        e.consumer,
                        stamp(until)
                    )
                }
                (true, None) => format!("consumer {} > {} paused", e.stream, e.consumer),
                (false, _) => format!("consumer {} > {} resumed", e.stream, e.consumer),
            },
            K::ConsumerAck(e) => format!(
                "consumer {} > {} acked stream seq {} (consumer seq {}, delivered {}x) after {:?}",
                e.stream, e.consumer, e.stream_seq, e.consumer_seq, e.deliveries, e.delay
            ),
            K::MaxDeliveries(e) => format!(
                "consumer {} > {}: stream seq {} reached max deliveries ({} deliveries)",
                e.stream, e.consumer, e.stream_seq, e.deliveries
            ),
            K::Nak(e) => format!(
                "consumer {} > {}: stream seq {} (consumer seq {}) naked after {} deliveries",
                e.stream, e.consumer, e.stream_seq, e.consumer_seq, e.deliveries
            ),
            K::Terminated(e) => {
                let mut line = format!(
                    "consumer {} > {}: stream seq {} (consumer seq {}) terminated after {} deliveries",
                    e.stream, e.consumer, e.stream_seq, e.consumer_seq, e.deliveries
                );
                if !e.reason.is_empty() {
                    let _ = write!(line, ": {}", one_line(&e.reason));
                }
                line
            }
            K::SnapshotCreate(e) => format!(
                "snapshot of stream {} started by {} ({} messages, {} bytes)",
                e.stream,
                client(e.client.as_ref()),
                e.state.messages,
                e.state.bytes
            ),
            K::SnapshotComplete(e) => {
                let took = match (e.start, e.end) {
                    (Some(s), Some(t)) => format!(" in {:?}", (t - s).unsigned_abs()),
                    _ => String::new(),
                };
                if e.error.is_empty() {
                    format!("snapshot of stream {} completed{took}", e.stream)
                } else {
                    format!(
                        "snapshot of stream {} failed{took}: {}",
                        e.stream,
                        one_line(&e.error)
                    )
                }
            }
            K::RestoreCreate(e) => format!(
                "restore of stream {} started by {}",
                e.stream,
                client(e.client.as_ref())
            ),
            K::RestoreComplete(e) => format!(
                "restore of stream {} completed ({} bytes)",
                e.stream, e.bytes
            ),
            K::DomainLeaderElected(e) => leader_line(
                &format!("JetStream cluster {}", e.cluster),
                &e.leader,
                e.replicas.len(),
            ),
            K::StreamLeaderElected(e) => {
                leader_line(&format!("stream {}", e.stream), &e.leader, e.replicas.len())
            }
            K::StreamQuorumLost(e) => format!(
                "stream {} lost quorum ({} replicas)",
                e.stream,
                e.replicas.len()
            ),
            K::StreamBatchAbandoned(e) => format!(
                "stream {}: batch {} abandoned ({})",
                e.stream, e.batch, e.reason
            ),
            K::ConsumerLeaderElected(e) => leader_line(
                &format!("consumer {} > {}", e.stream, e.consumer),
                &e.leader,
                e.replicas.len(),
            ),
            K::ConsumerQuorumLost(e) => format!(
                "consumer {} > {} lost quorum ({} replicas)",
                e.stream,
                e.consumer,
                e.replicas.len()
            ),
            K::ConsumerGroupPinned(e) => format!(
                "consumer {} > {}: group {} pinned {}",
                e.stream, e.consumer, e.group, e.pinned_id
            ),
            K::ConsumerGroupUnpinned(e) => format!(
                "consumer {} > {}: group {} unpinned ({})",
                e.stream, e.consumer, e.group, e.reason
            ),
            K::ServerOutOfSpace(e) => {
                let mut line = format!("server {} ({}) out of storage", e.server, e.server_id);
                if !e.stream.is_empty() {
                    let _ = write!(line, " writing stream {}", e.stream);
                }
                line.push_str(", JetStream disabled");
                line
            }
            K::ServerRemoved(e) => {
                format!(
                    "server {} ({}) removed from JetStream",
                    e.server, e.server_id
                )
            }
            K::MetaRescue(e) => format!(
                "server {} ({}) lowered the meta quorum from {} to {}",
                e.server, e.server_id, e.prev_quorum, e.new_quorum
            ),
            K::ApiLimitReached(e) => format!(
                "server {}: JetStream API queue full, {} requests dropped",
                e.server, e.dropped
            ),
            K::ClientConnect(e) => format!(
                "client {} {} connected from {} to {}{}",
                e.client.id,
                e.client.who(),
                e.client.host,
                server(&e.server),
                if e.client.name.is_empty() {
                    String::new()
                } else {
                    format!(" (name {})", one_line(&e.client.name))
                }
            ),
            K::ClientDisconnect(e) => format!("disconnected {}", disconnect(e)),
            K::AuthError(e) => format!("authentication failed: {}", disconnect(e)),
            K::AccountConnections(e) => format!(
                "account {} on {}: {} connections, {} leaf nodes, {} subscriptions",
                e.account,
                server(&e.server),
                e.conns,
                e.leafnodes,
                e.num_subscriptions
            ),
            K::ServerStats(e) => format!(
                "server {}: {} connections, {} subscriptions, cpu {:.1}%, mem {} bytes, in {}, out {}",
                server(&e.server),
                e.stats.connections,
                e.stats.subscriptions,
                e.stats.cpu,
                e.stats.mem,
                traffic(&e.stats.received),
                traffic(&e.stats.sent)
            ),
            K::ServerShutdown(s) => format!("server {} shut down", server(s)),
            K::LameDuck(s) => format!("server {} entered lame duck mode", server(s)),
            K::Unknown { event_type, json } => format!(
                "{}: {}",
                event_type.as_deref().unwrap_or("untyped event"),
                one_line(&json.to_string())
            ),
        }
    }
}

impl Event {
    /// One readable line: time (when the event has one), subject, what
    /// happened. Never contains a line break.
    pub fn line(&self) -> String {
        let mut line = String::new();
        if let Some(t) = self.kind.time() {
            line.push_str(&stamp(t));
            line.push(' ');
        }
        let _ = write!(line, "[{}] {}", self.subject, self.kind.describe());
        line.chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect()
    }

    /// The body as the server sent it, indented (every field, including
    /// those this client does not know; keys in sorted order).
    pub fn pretty_json(&self) -> String {
        match serde_json::from_slice::<serde_json::Value>(&self.payload) {
            Ok(v) => serde_json::to_string_pretty(&v).unwrap_or_default(),
            // A parsed event's payload is JSON; keep this total anyway.
            Err(_) => String::from_utf8_lossy(&self.payload).into_owned(),
        }
    }
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.line())
    }
}
