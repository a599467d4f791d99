//! The stream rules (`checkStreamCfg`).

use super::subject::{collide, is_literal, is_subset, is_valid};
use super::{
    ConfigError, MAX_DESCRIPTION_LEN, MAX_METADATA_LEN, MAX_NAME_LEN, MAX_REPLICAS,
    is_valid_asset_name, metadata_len,
};
use crate::api::stream::{
    DiscardPolicy, PersistMode, RetentionPolicy, Source, StorageType, StreamConfig,
};
use std::time::Duration;

/// The server's default duplicate window.
const DEFAULT_DUPLICATE_WINDOW: Duration = Duration::from_secs(120);

fn err(field: &'static str, reason: impl Into<String>) -> Result<(), ConfigError> {
    Err(ConfigError::stream(field, reason))
}

/// Checks a stream configuration by the server's rules; the first rule
/// broken is the error.
pub fn validate_stream(c: &StreamConfig) -> Result<(), ConfigError> {
    if !is_valid_asset_name(&c.name) {
        return err(
            "name",
            format!(
                "{:?}: a stream name is required and can not contain '.', '*', '>', '\\', '/' or whitespace",
                c.name
            ),
        );
    }
    if c.name.len() > MAX_NAME_LEN {
        return err("name", format!("longer than {MAX_NAME_LEN} bytes"));
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
    if metadata_len(&c.metadata) > MAX_METADATA_LEN {
        return err("metadata", format!("more than {MAX_METADATA_LEN} bytes"));
    }
    if c.num_replicas > MAX_REPLICAS {
        return err("num_replicas", format!("at most {MAX_REPLICAS} replicas"));
    }
    if !c.max_age.is_zero() && c.max_age < Duration::from_millis(100) {
        return err("max_age", "needs to be zero (unlimited) or at least 100ms");
    }
    check_duplicate_window(c)?;
    if c.deny_purge && c.allow_rollup {
        return err(
            "allow_rollup_hdrs",
            "roll-ups need purges: deny_purge is set",
        );
    }
    if c.allow_msg_counter {
        if c.discard == DiscardPolicy::New {
            return err(
                "allow_msg_counter",
                "a counter stream can not use discard new",
            );
        }
        if c.allow_msg_ttl {
            return err(
                "allow_msg_counter",
                "a counter stream can not use message TTLs",
            );
        }
        if c.allow_msg_schedules {
            return err(
                "allow_msg_counter",
                "a counter stream can not use message schedules",
            );
        }
        if c.retention != RetentionPolicy::Limits {
            return err(
                "allow_msg_counter",
                "a counter stream can only use limits retention",
            );
        }
    }
    if c.discard_new_per_subject {
        if c.discard != DiscardPolicy::New {
            return err("discard_new_per_subject", "needs discard new");
        }
        if c.max_msgs_per_subject <= 0 {
            return err(
                "discard_new_per_subject",
                "needs max_msgs_per_subject above zero",
            );
        }
    }
    if let Some(ttl) = c.subject_delete_marker_ttl {
        if !ttl.is_zero() && ttl < Duration::from_secs(1) {
            return err("subject_delete_marker_ttl", "must be at least 1 second");
        }
    }
    if c.allow_msg_schedules && c.discard == DiscardPolicy::New {
        return err(
            "allow_msg_schedules",
            "message schedules can not use discard new",
        );
    }
    if c.persist_mode == Some(PersistMode::Async) {
        if c.storage != StorageType::File {
            return err("persist_mode", "async persistence needs file storage");
        }
        if c.num_replicas > 1 {
            return err(
                "persist_mode",
                "async persistence is not for replicated streams",
            );
        }
        if c.allow_atomic_publish {
            return err(
                "persist_mode",
                "async persistence excludes atomic batch publishes",
            );
        }
    }
    if let Some(mirror) = &c.mirror {
        check_mirror(c, mirror)?;
    }
    if !c.sources.is_empty() && c.allow_msg_schedules {
        return err(
            "allow_msg_schedules",
            "a stream with sources can not schedule messages",
        );
    }
    check_sources(c)?;
    check_subjects(c)?;
    if let Some(t) = &c.subject_transform {
        if !t.source.is_empty() && !is_valid(&t.source) {
            return err(
                "subject_transform",
                format!("invalid source {:?}", t.source),
            );
        }
    }
    if let Some(r) = &c.republish {
        if c.subjects.iter().any(|s| collide(&r.destination, s)) {
            return err(
                "republish",
                format!(
                    "destination {:?} overlaps the stream's subjects (a cycle)",
                    r.destination
                ),
            );
        }
    }
    if c.placement
        .as_ref()
        .is_some_and(|p| p.preferred.as_deref().is_some_and(|s| !s.is_empty()))
    {
        return err(
            "placement",
            "a preferred server is not allowed in a stream's placement",
        );
    }
    Ok(())
}

fn check_duplicate_window(c: &StreamConfig) -> Result<(), ConfigError> {
    let mut window = c.duplicate_window;
    if window.is_zero() && c.mirror.is_none() && c.sources.is_empty() {
        // The server's default, lowered to max_age.
        window = if !c.max_age.is_zero() && c.max_age < DEFAULT_DUPLICATE_WINDOW {
            c.max_age
        } else {
            DEFAULT_DUPLICATE_WINDOW
        };
    }
    if !c.max_age.is_zero() && window > c.max_age {
        return err("duplicate_window", "can not be larger than max_age");
    }
    if !window.is_zero() && window < Duration::from_millis(100) {
        return err("duplicate_window", "needs to be at least 100ms");
    }
    Ok(())
}

fn check_mirror(c: &StreamConfig, m: &Source) -> Result<(), ConfigError> {
    if c.first_seq.is_some_and(|s| s > 0) {
        return err("first_seq", "a mirror can not set a first sequence");
    }
    if !c.subjects.is_empty() {
        return err("subjects", "a mirror can not have subjects");
    }
    if !c.sources.is_empty() {
        return err("sources", "a mirror can not also have sources");
    }
    if c.allow_msg_counter {
        return err("allow_msg_counter", "a mirror can not be a counter stream");
    }
    if c.allow_atomic_publish {
        return err(
            "allow_atomic",
            "a mirror can not take atomic batch publishes",
        );
    }
    if c.allow_batch_publish {
        return err("allow_batched", "a mirror can not take batch publishes");
    }
    if c.allow_msg_schedules {
        return err("allow_msg_schedules", "a mirror can not schedule messages");
    }
    if !m.filter_subject.is_empty() && !m.subject_transforms.is_empty() {
        return err(
            "mirror",
            "a filter subject and subject transforms are exclusive",
        );
    }
    if c.subject_delete_marker_ttl.is_some_and(|t| !t.is_zero()) {
        return err(
            "subject_delete_marker_ttl",
            "a mirror can not have subject delete markers",
        );
    }
    for (i, t) in m.subject_transforms.iter().enumerate() {
        if !t.source.is_empty() && !is_valid(&t.source) {
            return err("mirror", format!("invalid transform source {:?}", t.source));
        }
        if m.subject_transforms
            .iter()
            .enumerate()
            .any(|(j, u)| j != i && collide(&t.source, &u.source))
        {
            return err("mirror", "the subject transforms' sources overlap");
        }
    }
    if m.external.is_none() && !is_valid_asset_name(&m.name) {
        return err("mirror", format!("invalid origin stream name {:?}", m.name));
    }
    check_external(m)
}

fn check_external(s: &Source) -> Result<(), ConfigError> {
    let Some(e) = &s.external else {
        return Ok(());
    };
    let field = "external";
    if !e.delivery_prefix.is_empty() && !is_literal(&e.delivery_prefix) {
        return err(
            field,
            format!(
                "delivery prefix {:?} is not a subject without wildcards",
                e.delivery_prefix
            ),
        );
    }
    if !e.api_prefix.is_empty() {
        if !is_literal(&e.api_prefix) {
            return err(
                field,
                format!(
                    "api prefix {:?} is not a subject without wildcards",
                    e.api_prefix
                ),
            );
        }
        if collide(&e.api_prefix, "$JS.API") {
            return err(field, "the api prefix overlaps the local JetStream API");
        }
    }
    Ok(())
}

fn check_sources(c: &StreamConfig) -> Result<(), ConfigError> {
    for (i, s) in c.sources.iter().enumerate() {
        if !is_valid_asset_name(&s.name) {
            return err(
                "sources",
                format!("invalid source stream name {:?}", s.name),
            );
        }
        let same = |o: &Source| {
            o.name == s.name
                && o.filter_subject == s.filter_subject
                && o.subject_transforms == s.subject_transforms
                && o.external.as_ref().map(|e| &e.api_prefix)
                    == s.external.as_ref().map(|e| &e.api_prefix)
        };
        if c.sources[..i].iter().any(same) {
            return err("sources", format!("source {:?} is listed twice", s.name));
        }
        if !s.filter_subject.is_empty() && !s.subject_transforms.is_empty() {
            return err(
                "sources",
                "a filter subject and subject transforms are exclusive",
            );
        }
        for t in &s.subject_transforms {
            if !t.source.is_empty() && !is_valid(&t.source) {
                return err(
                    "sources",
                    format!("invalid transform source {:?}", t.source),
                );
            }
        }
        for (a, t) in s.subject_transforms.iter().enumerate() {
            if s.subject_transforms
                .iter()
                .enumerate()
                .any(|(b, u)| a != b && is_subset(&t.source, &u.source))
            {
                return err("sources", "the subject transforms' sources overlap");
            }
        }
        check_external(s)?;
    }
    Ok(())
}

fn check_subjects(c: &StreamConfig) -> Result<(), ConfigError> {
    for (i, subject) in c.subjects.iter().enumerate() {
        if !is_valid(subject) {
            return err("subjects", format!("invalid subject {subject:?}"));
        }
        if c.subjects[..i].contains(subject) {
            return err("subjects", format!("{subject:?} is listed twice"));
        }
        if subject == ">" {
            if !c.no_ack {
                return err("subjects", "capturing all subjects needs no_ack");
            }
            if c.num_replicas > 1 {
                return err("subjects", "capturing all subjects needs one replica");
            }
        }
        if !c.no_ack {
            let api = ["$JS.>", "$JSC.>", "$NRG.>"]
                .iter()
                .any(|ns| collide(subject, ns));
            if api && !is_subset(subject, "$JS.EVENT.>") {
                return err(
                    "subjects",
                    format!("{subject:?} overlaps the JetStream API, which needs no_ack"),
                );
            }
            if collide(subject, "$SYS.>") && !is_subset(subject, "$SYS.ACCOUNT.>") {
                return err(
                    "subjects",
                    format!("{subject:?} overlaps the system API, which needs no_ack"),
                );
            }
        }
        if let Some(other) = c.subjects[i + 1..].iter().find(|o| collide(o, subject)) {
            return err("subjects", format!("{subject:?} overlaps {other:?}"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_configs_pass() {
        validate_stream(&StreamConfig::new("S").subjects(["a.>", "b"])).unwrap();
        validate_stream(&StreamConfig::new("S")).unwrap();
        let mut c = StreamConfig::new("S");
        c.max_age = Duration::from_secs(1);
        validate_stream(&c).unwrap();
        c.mirror = Some(Source {
            name: "O".into(),
            ..Source::default()
        });
        validate_stream(&c).unwrap();
    }

    #[test]
    fn rules_name_their_field() {
        let cases: Vec<(&str, StreamConfig)> = vec![
            ("name", StreamConfig::new("a.b")),
            ("subjects", StreamConfig::new("S").subjects(["a.*", "a.b"])),
            ("subjects", StreamConfig::new("S").subjects(["a..b"])),
            ("num_replicas", StreamConfig::new("S").replicas(6)),
        ];
        for (field, config) in cases {
            assert_eq!(
                validate_stream(&config).unwrap_err().field,
                field,
                "{config:?}"
            );
        }
    }
}
