//! Comparing configurations: which fields differ between the configuration
//! a stream or consumer has and the one wanted, and which of those the
//! server refuses to change on an existing one (`configUpdateCheck` in
//! nats-server's `server/stream.go`, `checkNewConsumerConfig` in
//! `server/consumer.go`).
//!
//! Both sides are read as the server stores them: limits of zero become
//! `-1`, an unset duplicate window the server's default, a stream without
//! subjects its name, a pull consumer's unset `max_waiting` 512, an unset
//! `ack_wait` 30 s, and so on; the server's own metadata (`_nats.*`) is left
//! out. Fields the server derives when the wanted configuration leaves them
//! unset (a consumer's replicas, `inactive_threshold`, `max_ack_pending`
//! from the stream's limits, a mirror's `mirror_direct`) count only when
//! they are set.
//!
//! ```
//! use natrs_jetstream::api::stream::{StorageType, StreamConfig};
//! use natrs_jetstream::compare::diff_streams;
//! let existing = StreamConfig::new("S").subjects(["a"]);
//! let wanted = StreamConfig::new("S").subjects(["a", "b"]).storage(StorageType::Memory);
//! let diff = diff_streams(&existing, &wanted);
//! assert_eq!(diff.fields(), ["storage", "subjects"]);
//! assert_eq!(diff.immutable_fields(), ["storage"]);
//! ```

use crate::api::consumer::{AckPolicy, ConsumerConfig};
use crate::api::stream::{PersistMode, RetentionPolicy, StreamConfig};
use crate::validate::ConfigKind;
use serde_json::{Map, Value};
use std::fmt;
use std::time::Duration;

/// One field that differs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldDiff {
    /// The field's JSON name.
    pub field: String,
    /// Its value in the existing configuration (`null`: unset).
    pub existing: Value,
    /// Its value in the wanted configuration (`null`: unset).
    pub desired: Value,
    /// The server refuses this change on an existing stream or consumer.
    pub immutable: bool,
}

/// The fields in which two configurations differ.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigDiff {
    /// Stream or consumer.
    pub kind: ConfigKind,
    /// The differing fields, by JSON name.
    pub changes: Vec<FieldDiff>,
}

impl ConfigDiff {
    /// Whether the configurations are the same.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// The names of the differing fields.
    pub fn fields(&self) -> Vec<&str> {
        self.changes.iter().map(|c| c.field.as_str()).collect()
    }

    /// The names of the differing fields the server will not change.
    pub fn immutable_fields(&self) -> Vec<&str> {
        self.changes
            .iter()
            .filter(|c| c.immutable)
            .map(|c| c.field.as_str())
            .collect()
    }

    /// Whether the server would refuse to apply the change.
    pub fn is_refused(&self) -> bool {
        self.changes.iter().any(|c| c.immutable)
    }
}

impl fmt::Display for ConfigDiff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.changes.is_empty() {
            return write!(f, "the {} configurations are the same", self.kind);
        }
        write!(f, "{} configuration differs in", self.kind)?;
        for (i, c) in self.changes.iter().enumerate() {
            let sep = if i == 0 { " " } else { ", " };
            write!(f, "{sep}{} ({} -> {})", c.field, c.existing, c.desired)?;
            if c.immutable {
                f.write_str(" [can not be changed]")?;
            }
        }
        Ok(())
    }
}

/// The server's default duplicate window.
const DEFAULT_DUPLICATE_WINDOW: Duration = Duration::from_secs(120);

fn unlimited(v: &mut i64) {
    if *v == 0 || *v < -1 {
        *v = -1;
    }
}

/// A stream configuration as the server stores it.
pub fn normalize_stream(c: &StreamConfig) -> StreamConfig {
    let mut c = c.clone();
    for v in [
        &mut c.max_msgs,
        &mut c.max_bytes,
        &mut c.max_msgs_per_subject,
        &mut c.max_msg_size,
        &mut c.max_consumers,
    ] {
        unlimited(v);
    }
    c.num_replicas = c.num_replicas.max(1);
    let plain = c.mirror.is_none() && c.sources.is_empty();
    if c.duplicate_window.is_zero() && plain {
        c.duplicate_window = if !c.max_age.is_zero() && c.max_age < DEFAULT_DUPLICATE_WINDOW {
            c.max_age
        } else {
            DEFAULT_DUPLICATE_WINDOW
        };
    }
    if c.subjects.is_empty() && plain {
        c.subjects = vec![c.name.clone()];
    }
    if c.subject_delete_marker_ttl.is_some_and(|t| t.is_zero()) {
        c.subject_delete_marker_ttl = None;
    }
    if c.subject_delete_marker_ttl.is_some() {
        c.allow_msg_ttl = true;
    }
    if c.subject_delete_marker_ttl.is_some() || c.allow_msg_schedules {
        c.allow_rollup = true;
        c.deny_purge = false;
    }
    if let Some(r) = &mut c.republish {
        if r.source.is_empty() {
            r.source = ">".to_string();
        }
    }
    if c.placement.as_ref().is_some_and(|p| {
        p.cluster.as_deref().unwrap_or("").is_empty()
            && p.tags.is_empty()
            && p.preferred.as_deref().unwrap_or("").is_empty()
    }) {
        c.placement = None;
    }
    if c.persist_mode == Some(PersistMode::Default) {
        c.persist_mode = None;
    }
    if c.first_seq == Some(0) {
        c.first_seq = None;
    }
    c.metadata.retain(|k, _| !k.starts_with("_nats."));
    c
}

/// A consumer configuration as the server stores it (without the stream's
/// defaults, which [`diff_consumers`] takes from the existing side).
pub fn normalize_consumer(c: &ConsumerConfig) -> ConsumerConfig {
    let mut c = c.clone();
    unlimited(&mut c.max_deliver);
    if !c.is_push() && c.max_waiting == 0 {
        c.max_waiting = 512;
    }
    if let Some(first) = c.backoff.first() {
        c.ack_wait = *first;
    } else if c.ack_wait.is_zero() && c.ack_policy != AckPolicy::None {
        c.ack_wait = Duration::from_secs(30);
    }
    for name in [&mut c.name, &mut c.durable_name] {
        if name.as_deref() == Some("") {
            *name = None;
        }
    }
    if c.filter_subject.as_deref() == Some("") {
        c.filter_subject = None;
    }
    if c.deliver_subject.as_deref() == Some("") {
        c.deliver_subject = None;
    }
    c.metadata.retain(|k, _| !k.starts_with("_nats."));
    c
}

fn to_map<T: serde::Serialize>(value: &T) -> Map<String, Value> {
    match serde_json::to_value(value) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    }
}

fn diff_maps(
    kind: ConfigKind,
    existing: Map<String, Value>,
    mut desired: Map<String, Value>,
    derived: &[&str],
    immutable: &[&str],
) -> ConfigDiff {
    // Fields the server derives count only when the wanted side sets them.
    for field in derived {
        let unset = desired
            .get(*field)
            .is_none_or(|v| v.is_null() || v.as_u64() == Some(0) || v.as_bool() == Some(false));
        if unset {
            match existing.get(*field) {
                Some(v) => {
                    desired.insert((*field).to_string(), v.clone());
                }
                None => {
                    desired.remove(*field);
                }
            }
        }
    }
    let mut keys: Vec<&String> = existing.keys().chain(desired.keys()).collect();
    keys.sort();
    keys.dedup();
    let changes = keys
        .into_iter()
        .filter_map(|key| {
            let a = existing.get(key).cloned().unwrap_or(Value::Null);
            let b = desired.get(key).cloned().unwrap_or(Value::Null);
            (a != b).then(|| FieldDiff {
                field: key.clone(),
                immutable: immutable.contains(&key.as_str()),
                existing: a,
                desired: b,
            })
        })
        .collect();
    ConfigDiff { kind, changes }
}

/// The differences between an existing stream's configuration and a wanted
/// one, each marked when the server refuses to make that change.
pub fn diff_streams(existing: &StreamConfig, desired: &StreamConfig) -> ConfigDiff {
    let old = normalize_stream(existing);
    let new = normalize_stream(desired);
    let mut immutable = Vec::new();
    if old.name != new.name {
        immutable.push("name");
    }
    if old.storage != new.storage {
        immutable.push("storage");
    }
    if old.retention != new.retention
        && (old.retention == RetentionPolicy::WorkQueue
            || new.retention == RetentionPolicy::WorkQueue)
    {
        immutable.push("retention");
    }
    if old.sealed && !new.sealed {
        immutable.push("sealed");
    }
    if old.deny_delete && !new.deny_delete {
        immutable.push("deny_delete");
    }
    if old.deny_purge && !new.deny_purge {
        immutable.push("deny_purge");
    }
    if new.mirror.is_some() && new.mirror != old.mirror {
        immutable.push("mirror");
    }
    if old.allow_msg_ttl && !new.allow_msg_ttl {
        immutable.push("allow_msg_ttl");
    }
    if old.allow_msg_counter != new.allow_msg_counter {
        immutable.push("allow_msg_counter");
    }
    if old.allow_msg_schedules && !new.allow_msg_schedules {
        immutable.push("allow_msg_schedules");
    }
    if old.persist_mode != new.persist_mode {
        immutable.push("persist_mode");
    }
    let derived: &[&str] = if new.mirror.is_some() {
        &["mirror_direct"]
    } else {
        &[]
    };
    diff_maps(
        ConfigKind::Stream,
        to_map(&old),
        to_map(&new),
        derived,
        &immutable,
    )
}

/// The differences between an existing consumer's configuration and a
/// wanted one, each marked when the server refuses to make that change.
pub fn diff_consumers(existing: &ConsumerConfig, desired: &ConsumerConfig) -> ConfigDiff {
    let old = normalize_consumer(existing);
    let new = normalize_consumer(desired);
    let mut immutable = Vec::new();
    if old.consumer_name() != new.consumer_name() {
        immutable.extend(["name", "durable_name"]);
    }
    if old.deliver_policy != new.deliver_policy {
        immutable.push("deliver_policy");
    }
    if old.memory_storage != new.memory_storage {
        immutable.push("mem_storage");
    }
    if old.opt_start_seq.unwrap_or(0) != new.opt_start_seq.unwrap_or(0) {
        immutable.push("opt_start_seq");
    }
    if old.opt_start_time != new.opt_start_time {
        immutable.push("opt_start_time");
    }
    if old.ack_policy != new.ack_policy {
        immutable.push("ack_policy");
    }
    if old.replay_policy != new.replay_policy {
        immutable.push("replay_policy");
    }
    if old.idle_heartbeat != new.idle_heartbeat {
        immutable.push("idle_heartbeat");
    }
    if old.flow_control != new.flow_control {
        immutable.push("flow_control");
    }
    if old.is_push() != new.is_push() {
        immutable.push("deliver_subject");
    }
    if old.max_waiting != new.max_waiting {
        immutable.push("max_waiting");
    }
    diff_maps(
        ConfigKind::Consumer,
        to_map(&old),
        to_map(&new),
        &[
            "name",
            "durable_name",
            "num_replicas",
            "inactive_threshold",
            "max_ack_pending",
            "pause_until",
            "priority_timeout",
        ],
        &immutable,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::consumer::DeliverPolicy;

    #[test]
    fn defaults_are_no_difference() {
        let mut stored = StreamConfig::new("S");
        stored.subjects = vec!["S".into()];
        stored.duplicate_window = Duration::from_secs(120);
        stored.metadata.insert("_nats.ver".into(), "2.15.1".into());
        assert!(diff_streams(&stored, &StreamConfig::new("S")).is_empty());
        let mut c = ConsumerConfig::durable_pull("d");
        c.name = Some("d".into());
        c.ack_wait = Duration::from_secs(30);
        c.max_waiting = 512;
        c.max_ack_pending = 1000;
        c.max_deliver = -1;
        c.num_replicas = 1;
        assert!(diff_consumers(&c, &ConsumerConfig::durable_pull("d")).is_empty());
    }

    #[test]
    fn immutable_changes_are_marked() {
        let mut a = StreamConfig::new("S").subjects(["a"]);
        a.retention = RetentionPolicy::Interest;
        let mut b = a.clone();
        b.retention = RetentionPolicy::Limits;
        let d = diff_streams(&a, &b);
        assert_eq!(d.fields(), ["retention"]);
        assert!(!d.is_refused());
        b.retention = RetentionPolicy::WorkQueue;
        assert_eq!(diff_streams(&a, &b).immutable_fields(), ["retention"]);
        let old = ConsumerConfig::durable_pull("d");
        let mut new = old.clone();
        new.deliver_policy = DeliverPolicy::New;
        new.description = Some("x".into());
        let d = diff_consumers(&old, &new);
        assert_eq!(d.fields(), ["deliver_policy", "description"]);
        assert_eq!(d.immutable_fields(), ["deliver_policy"]);
        assert!(
            d.to_string()
                .contains("deliver_policy (\"all\" -> \"new\") [can not be changed]")
        );
    }
}
