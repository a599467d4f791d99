//! Local validation of configurations by nats-server's rules, before any
//! request: plain functions over the config types, no IO.
//!
//! The rules are the ones nats-server 2.15 applies to a configuration on its
//! own (`checkStreamCfg` in `server/stream.go`, `checkConsumerCfg` in
//! `server/consumer.go`). Rules that depend on the server's or account's
//! limits or on other streams (overlapping subjects of another stream, a
//! mirror's origin, reserved bytes) stay with the server. Each failure is a
//! [`ConfigError`] naming the field (its JSON name) and the reason.
//!
//! ```
//! use natrs_jetstream::api::stream::StreamConfig;
//! use natrs_jetstream::validate::validate_stream;
//! let mut config = StreamConfig::new("ORDERS").subjects(["orders.>"]);
//! config.deny_purge = true;
//! config.allow_rollup = true;
//! let e = validate_stream(&config).unwrap_err();
//! assert_eq!(e.field, "allow_rollup_hdrs");
//! ```
//!
//! Key-Value and Object Store configurations are checked by their own
//! rules (bucket names, history) when they become a stream configuration,
//! and that stream configuration by these rules when it is sent.

mod consumer;
mod stream;
pub(crate) mod subject;

pub use consumer::{validate_consumer, validate_consumer_for_stream};
pub use stream::validate_stream;

use std::fmt;

/// Which configuration a [`ConfigError`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConfigKind {
    /// A stream configuration.
    Stream,
    /// A consumer configuration.
    Consumer,
}

impl fmt::Display for ConfigKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ConfigKind::Stream => "stream",
            ConfigKind::Consumer => "consumer",
        })
    }
}

/// A configuration the server would refuse: which field, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// Stream or consumer.
    pub kind: ConfigKind,
    /// The field at fault, by its JSON name (`subjects`, `max_age`,
    /// `allow_rollup_hdrs`, ...).
    pub field: &'static str,
    /// Why, in words.
    pub reason: String,
}

impl ConfigError {
    pub(crate) fn stream(field: &'static str, reason: impl Into<String>) -> ConfigError {
        ConfigError {
            kind: ConfigKind::Stream,
            field,
            reason: reason.into(),
        }
    }

    pub(crate) fn consumer(field: &'static str, reason: impl Into<String>) -> ConfigError {
        ConfigError {
            kind: ConfigKind::Consumer,
            field,
            reason: reason.into(),
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid {} configuration: {}: {}",
            self.kind, self.field, self.reason
        )
    }
}

impl std::error::Error for ConfigError {}

/// Longest stream or consumer name (the server's `JSMaxNameLen`).
pub const MAX_NAME_LEN: usize = 255;
/// Longest description (the server's `JSMaxDescriptionLen`).
pub const MAX_DESCRIPTION_LEN: usize = 4 * 1024;
/// Most bytes of metadata keys and values together (the server's
/// `JSMaxMetadataLen`).
pub const MAX_METADATA_LEN: usize = 128 * 1024;
/// Most replicas of a stream (the server's `StreamMaxReplicas`).
pub const MAX_REPLICAS: usize = 5;

/// The server's asset name rule: not empty, none of ` \t\r\n\f.*>\/`.
pub(crate) fn is_valid_asset_name(name: &str) -> bool {
    !name.is_empty()
        && !name.bytes().any(|b| {
            matches!(
                b,
                b' ' | b'\t' | b'\r' | b'\n' | 0x0c | b'.' | b'*' | b'>' | b'\\' | b'/'
            )
        })
}

fn metadata_len(metadata: &std::collections::BTreeMap<String, String>) -> usize {
    metadata.iter().map(|(k, v)| k.len() + v.len()).sum()
}
