//! The consumer rules (`checkConsumerCfg`).

use super::subject::{is_literal, is_subset, is_valid};
use super::{
    ConfigError, MAX_DESCRIPTION_LEN, MAX_METADATA_LEN, is_valid_asset_name, metadata_len,
};
use crate::api::consumer::{AckPolicy, ConsumerConfig, DeliverPolicy, PriorityPolicy};
use crate::api::stream::{RetentionPolicy, StreamConfig};
use std::time::Duration;

fn err(field: &'static str, reason: impl Into<String>) -> Result<(), ConfigError> {
    Err(ConfigError::consumer(field, reason))
}

/// Checks a consumer configuration by the server's rules that need no
/// stream; the first rule broken is the error.
pub fn validate_consumer(c: &ConsumerConfig) -> Result<(), ConfigError> {
    if let Some(name) = c.name.as_deref().filter(|n| !n.is_empty()) {
        if !is_valid_asset_name(name) {
            return err(
                "name",
                format!("{name:?} can not contain '.', '*', '>', '\\', '/' or whitespace"),
            );
        }
    }
    if let Some(name) = c.durable_name.as_deref().filter(|n| !n.is_empty()) {
        if !is_valid_asset_name(name) {
            return err(
                "durable_name",
                format!("{name:?} can not contain '.', '*', '>', '\\', '/' or whitespace"),
            );
        }
    }
    // The server reads a max_deliver of zero or below -1 as -1.
    let max_deliver = if c.max_deliver == 0 || c.max_deliver < -1 {
        -1
    } else {
        c.max_deliver
    };
    if !c.backoff.is_empty() && max_deliver != -1 && c.backoff.len() as i64 > max_deliver {
        return err("backoff", "more backoff delays than max_deliver");
    }
    if c.description
        .as_ref()
        .is_some_and(|d| d.len() > MAX_DESCRIPTION_LEN)
    {
        return err(
            "description",
            format!("longer than {MAX_DESCRIPTION_LEN} bytes"),
        );
    }
    match c.deliver_subject.as_deref().filter(|s| !s.is_empty()) {
        Some(deliver) => {
            if !is_literal(deliver) {
                return err(
                    "deliver_subject",
                    format!("{deliver:?} must be a subject without wildcards"),
                );
            }
            if c.max_waiting != 0 {
                return err("max_waiting", "only pull consumers have max_waiting");
            }
            if c.max_ack_pending > 0 && c.ack_policy == AckPolicy::None {
                return err("max_ack_pending", "needs an ack policy other than none");
            }
            if !c.idle_heartbeat.is_zero() && c.idle_heartbeat < Duration::from_millis(100) {
                return err("idle_heartbeat", "must be at least 100ms");
            }
        }
        None => {
            if c.rate_limit > 0 {
                return err("rate_limit_bps", "only push consumers have a rate limit");
            }
            if !c.idle_heartbeat.is_zero() {
                return err(
                    "idle_heartbeat",
                    "only push consumers have idle heartbeats (pull requests set their own)",
                );
            }
            if c.flow_control {
                return err("flow_control", "only push consumers have flow control");
            }
            if !c.max_expires.is_zero() && c.max_expires < Duration::from_millis(1) {
                return err("max_expires", "must be at least 1ms");
            }
        }
    }
    let filter = c.filter_subject.as_deref().filter(|f| !f.is_empty());
    if filter.is_some() && !c.filter_subjects.is_empty() {
        return err(
            "filter_subjects",
            "filter_subject and filter_subjects are exclusive",
        );
    }
    if c.filter_subjects.iter().any(String::is_empty) {
        return err("filter_subjects", "a filter subject is empty");
    }
    let filters: Vec<&str> = filter
        .into_iter()
        .chain(c.filter_subjects.iter().map(String::as_str))
        .collect();
    let field = if filter.is_some() {
        "filter_subject"
    } else {
        "filter_subjects"
    };
    for (i, f) in filters.iter().enumerate() {
        if !is_valid(f) {
            return err(field, format!("invalid subject {f:?}"));
        }
        if filters
            .iter()
            .enumerate()
            .any(|(j, g)| i != j && is_subset(f, g))
        {
            return err(field, format!("{f:?} overlaps another filter"));
        }
    }
    check_start(c, !filters.is_empty())?;
    if let Some(freq) = &c.sample_frequency {
        if !freq.is_empty() {
            let digits = freq.strip_suffix('%').unwrap_or(freq);
            if digits.parse::<u32>().is_err() {
                return err("sample_freq", format!("{freq:?} is not a percentage"));
            }
        }
    }
    if c.flow_control && c.idle_heartbeat.is_zero() {
        return err("flow_control", "needs idle heartbeats");
    }
    if let (Some(name), Some(durable)) = (
        c.name.as_deref().filter(|n| !n.is_empty()),
        c.durable_name.as_deref().filter(|n| !n.is_empty()),
    ) {
        if name != durable {
            return err(
                "durable_name",
                format!("{durable:?} differs from the name {name:?}"),
            );
        }
    }
    if metadata_len(&c.metadata) > MAX_METADATA_LEN {
        return err("metadata", format!("more than {MAX_METADATA_LEN} bytes"));
    }
    if c.priority_policy != PriorityPolicy::None {
        if c.is_push() {
            return err("priority_policy", "push consumers have no priority groups");
        }
        if c.priority_groups.is_empty() {
            return err("priority_groups", "a priority policy needs a group");
        }
        for group in &c.priority_groups {
            let ok = (1..=16).contains(&group.len())
                && group
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'_' | b'=' | b'-'));
            if !ok {
                return err(
                    "priority_groups",
                    format!("{group:?}: 1 to 16 of A-Z a-z 0-9 / _ = -"),
                );
            }
        }
    } else {
        if !c.priority_groups.is_empty() {
            return err("priority_groups", "priority groups need a priority policy");
        }
        if !c.pinned_ttl.is_zero() {
            return err("priority_timeout", "a pin timeout needs a priority policy");
        }
    }
    Ok(())
}

fn check_start(c: &ConsumerConfig, filtered: bool) -> Result<(), ConfigError> {
    let seq = c.opt_start_seq.is_some_and(|s| s > 0);
    let time = c.opt_start_time.is_some();
    match c.deliver_policy {
        DeliverPolicy::All
        | DeliverPolicy::Last
        | DeliverPolicy::New
        | DeliverPolicy::LastPerSubject => {
            if seq {
                return err("opt_start_seq", "only for deliver policy by_start_sequence");
            }
            if time {
                return err("opt_start_time", "only for deliver policy by_start_time");
            }
            if c.deliver_policy == DeliverPolicy::LastPerSubject && !filtered {
                return err("deliver_policy", "last_per_subject needs a filter subject");
            }
        }
        DeliverPolicy::ByStartSequence => {
            if !seq {
                return err("opt_start_seq", "deliver policy by_start_sequence needs it");
            }
            if time {
                return err("opt_start_time", "only for deliver policy by_start_time");
            }
        }
        DeliverPolicy::ByStartTime => {
            if !time {
                return err("opt_start_time", "deliver policy by_start_time needs it");
            }
            if seq {
                return err("opt_start_seq", "only for deliver policy by_start_sequence");
            }
        }
        _ => {}
    }
    Ok(())
}

/// Checks a consumer configuration for a stream with configuration
/// `stream`: the rules of [`validate_consumer`] and those that depend on
/// the stream (replicas, work-queue acks, the stream's consumer limits, a
/// deliver subject the stream would store).
pub fn validate_consumer_for_stream(
    c: &ConsumerConfig,
    stream: &StreamConfig,
) -> Result<(), ConfigError> {
    validate_consumer(c)?;
    let stream_replicas = stream.num_replicas.max(1);
    if c.num_replicas > stream_replicas {
        return err("num_replicas", "more replicas than the stream");
    }
    if matches!(
        stream.retention,
        RetentionPolicy::Interest | RetentionPolicy::WorkQueue
    ) && c.num_replicas != 0
        && c.num_replicas != stream_replicas
    {
        return err(
            "num_replicas",
            "consumers of interest and work-queue streams have the stream's replicas",
        );
    }
    match c.deliver_subject.as_deref().filter(|s| !s.is_empty()) {
        Some(deliver) => {
            if stream.subjects.iter().any(|s| is_subset(deliver, s)) {
                return err(
                    "deliver_subject",
                    format!("{deliver:?} is stored by the stream (a cycle)"),
                );
            }
        }
        None => {
            if c.ack_policy == AckPolicy::None && stream.retention == RetentionPolicy::WorkQueue {
                return err("ack_policy", "pull consumers of a work queue need acks");
            }
        }
    }
    let limits = &stream.consumer_limits;
    if limits.max_ack_pending > 0 && c.max_ack_pending > limits.max_ack_pending {
        return err(
            "max_ack_pending",
            format!("above the stream's limit of {}", limits.max_ack_pending),
        );
    }
    if !limits.inactive_threshold.is_zero()
        && c.inactive_threshold
            .is_some_and(|t| t > limits.inactive_threshold)
    {
        return err(
            "inactive_threshold",
            format!(
                "above the stream's limit of {:?}",
                limits.inactive_threshold
            ),
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pull_options_on_push_and_back() {
        let mut c = ConsumerConfig::durable_pull("d");
        validate_consumer(&c).unwrap();
        c.flow_control = true;
        assert_eq!(validate_consumer(&c).unwrap_err().field, "flow_control");
        let mut c = ConsumerConfig::durable_pull("d");
        c.deliver_subject = Some("out".into());
        c.max_waiting = 10;
        assert_eq!(validate_consumer(&c).unwrap_err().field, "max_waiting");
    }

    #[test]
    fn stream_dependent_rules() {
        let mut s = StreamConfig::new("S").subjects(["a.>"]);
        s.retention = RetentionPolicy::WorkQueue;
        let mut c = ConsumerConfig::durable_pull("d");
        c.ack_policy = AckPolicy::None;
        assert_eq!(
            validate_consumer_for_stream(&c, &s).unwrap_err().field,
            "ack_policy"
        );
        let mut c = ConsumerConfig::durable_pull("d");
        c.deliver_subject = Some("a.out".into());
        assert_eq!(
            validate_consumer_for_stream(&c, &s).unwrap_err().field,
            "deliver_subject"
        );
    }
}
