//! `INFO`: the account's JetStream usage, limits and the server's API level.

use super::{ApiCall, ApiPrefix};
use crate::wire::nullable;
use bytes::Bytes;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The account's JetStream usage and limits (`$JS.API.INFO`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AccountInfo {
    /// Memory used by streams, in bytes.
    pub memory: u64,
    /// File storage used by streams, in bytes.
    pub storage: u64,
    /// Memory reserved by streams with `max_bytes`.
    pub reserved_memory: u64,
    /// File storage reserved by streams with `max_bytes`.
    pub reserved_storage: u64,
    /// Streams in the account.
    pub streams: usize,
    /// Consumers in the account.
    pub consumers: usize,
    /// The account's limits.
    pub limits: AccountLimits,
    /// The JetStream domain of the server that answered, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// API statistics and level.
    pub api: ApiStats,
    /// Usage per tier (`R1`, `R3`, ...) when the account uses tiered limits.
    #[serde(
        deserialize_with = "nullable",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub tiers: BTreeMap<String, Tier>,
}

/// Limits of an account (or of one tier). `-1` means unlimited.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AccountLimits {
    /// Bytes of memory storage.
    pub max_memory: i64,
    /// Bytes of file storage.
    #[serde(rename = "max_storage")]
    pub max_store: i64,
    /// Streams.
    pub max_streams: i64,
    /// Consumers.
    pub max_consumers: i64,
    /// Unacknowledged messages per consumer.
    pub max_ack_pending: i64,
    /// Largest `max_bytes` of a memory stream.
    pub memory_max_stream_bytes: i64,
    /// Largest `max_bytes` of a file stream.
    #[serde(rename = "storage_max_stream_bytes")]
    pub store_max_stream_bytes: i64,
    /// Whether streams must set `max_bytes`.
    pub max_bytes_required: bool,
}

/// Usage and limits of one tier.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Tier {
    /// Memory used.
    pub memory: u64,
    /// File storage used.
    pub storage: u64,
    /// Memory reserved.
    pub reserved_memory: u64,
    /// File storage reserved.
    pub reserved_storage: u64,
    /// Streams.
    pub streams: usize,
    /// Consumers.
    pub consumers: usize,
    /// Limits of the tier.
    pub limits: AccountLimits,
}

/// API statistics of the account, and the server's API level.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ApiStats {
    /// The JetStream API level the server implements (0 before 2.11).
    pub level: u32,
    /// API requests received.
    pub total: u64,
    /// API requests that failed.
    pub errors: u64,
    /// API requests in flight.
    pub inflight: u64,
}

/// `INFO`: account information.
pub fn info(prefix: &ApiPrefix) -> ApiCall<AccountInfo> {
    ApiCall::new(prefix.subject("INFO"), Bytes::new())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::parse_json;

    #[test]
    fn parses_account_info() {
        let body = r#"{"type":"io.nats.jetstream.api.v1.account_info_response","memory":0,"storage":10,
            "reserved_memory":0,"reserved_storage":0,"streams":2,"consumers":1,
            "limits":{"max_memory":-1,"max_storage":-1,"max_streams":-1,"max_consumers":-1,
            "max_ack_pending":-1,"memory_max_stream_bytes":-1,"storage_max_stream_bytes":-1,
            "max_bytes_required":false},"api":{"level":3,"total":7,"errors":1},"future_field":true}"#;
        let acct: AccountInfo = parse_json(body.as_bytes()).unwrap();
        assert_eq!(acct.streams, 2);
        assert_eq!(acct.storage, 10);
        assert_eq!(acct.api.level, 3);
        assert_eq!(acct.limits.max_store, -1);
        assert_eq!(acct.domain, None);
        assert_eq!(
            info(&ApiPrefix::domain("d")).subject,
            "$JS.d.API.INFO".to_string()
        );
    }
}
