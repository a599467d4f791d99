//! Object store configuration ([`Config`]), how it maps onto the stream
//! `OBJ_<bucket>` (ADR-20), and a store's [`Status`].

use super::ObjectError;
use crate::api::stream::{
    Compression, DiscardPolicy, Placement, StorageType, StreamConfig, StreamInfo,
};
use std::collections::BTreeMap;
use std::time::Duration;

/// The stream of store `bucket`: `OBJ_<bucket>`.
pub const STREAM_PREFIX: &str = "OBJ_";

/// Checks a store name: one or more of `A-Z a-z 0-9 - _`.
pub fn validate_bucket(bucket: &str) -> Result<(), ObjectError> {
    if !bucket.is_empty()
        && bucket
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        Ok(())
    } else {
        Err(ObjectError::InvalidBucketName(bucket.to_string()))
    }
}

/// The configuration of an object store. Zero values mean the defaults:
/// objects kept forever, unlimited size, one replica, file storage.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Config {
    /// The store name (`A-Z a-z 0-9 - _`).
    pub bucket: String,
    /// A description.
    pub description: Option<String>,
    /// How long objects live (zero: forever).
    pub ttl: Duration,
    /// Most bytes the store holds (0 or negative: unlimited).
    pub max_bytes: i64,
    /// Storage.
    pub storage: StorageType,
    /// Replicas (0: 1).
    pub replicas: usize,
    /// Placement of the replicas.
    pub placement: Option<Placement>,
    /// S2 compression on disk.
    pub compression: bool,
    /// Free-form metadata of the stream.
    pub metadata: BTreeMap<String, String>,
}

impl Config {
    /// A store named `bucket` with the defaults.
    pub fn new(bucket: impl Into<String>) -> Config {
        Config {
            bucket: bucket.into(),
            ..Config::default()
        }
    }

    /// Sets the storage.
    pub fn storage(mut self, storage: StorageType) -> Config {
        self.storage = storage;
        self
    }

    /// Sets the most bytes the store holds.
    pub fn max_bytes(mut self, bytes: i64) -> Config {
        self.max_bytes = bytes;
        self
    }

    /// Sets how long objects live.
    pub fn ttl(mut self, ttl: Duration) -> Config {
        self.ttl = ttl;
        self
    }

    /// The stream configuration of the store, as ADR-20 describes it.
    pub fn to_stream_config(&self) -> Result<StreamConfig, ObjectError> {
        validate_bucket(&self.bucket)?;
        let b = &self.bucket;
        let mut c = StreamConfig::new(format!("{STREAM_PREFIX}{b}"))
            .subjects([format!("$O.{b}.C.>"), format!("$O.{b}.M.>")]);
        c.description = self.description.clone();
        c.max_age = self.ttl;
        c.max_bytes = if self.max_bytes > 0 {
            self.max_bytes
        } else {
            -1
        };
        c.storage = self.storage;
        c.num_replicas = self.replicas.max(1);
        c.placement = self.placement.clone();
        c.discard = DiscardPolicy::New;
        c.allow_rollup = true;
        c.allow_direct = true;
        c.metadata = self.metadata.clone();
        c.compression = if self.compression {
            Compression::S2
        } else {
            Compression::None
        };
        Ok(c)
    }
}

/// The state of an object store: its stream's info, read as ADR-20 names it.
#[derive(Debug, Clone, PartialEq)]
pub struct Status {
    /// The store.
    pub bucket: String,
    /// The backing stream's info.
    pub info: StreamInfo,
}

impl Status {
    /// The store name.
    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// The description.
    pub fn description(&self) -> Option<&str> {
        self.info.config.description.as_deref()
    }

    /// How long objects live (zero: forever).
    pub fn ttl(&self) -> Duration {
        self.info.config.max_age
    }

    /// The storage.
    pub fn storage(&self) -> StorageType {
        self.info.config.storage
    }

    /// Replicas.
    pub fn replicas(&self) -> usize {
        self.info.config.num_replicas
    }

    /// Whether the store is sealed (no more changes).
    pub fn sealed(&self) -> bool {
        self.info.config.sealed
    }

    /// Bytes stored, metadata included.
    pub fn size(&self) -> u64 {
        self.info.state.bytes
    }

    /// The kind of backend: `JetStream`.
    pub fn backing_store(&self) -> &'static str {
        "JetStream"
    }

    /// The stream's metadata.
    pub fn metadata(&self) -> &BTreeMap<String, String> {
        &self.info.config.metadata
    }

    /// Whether the data is compressed on disk.
    pub fn is_compressed(&self) -> bool {
        self.info.config.compression == Compression::S2
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_config_follows_adr_20() {
        let mut cfg = Config::new("MY-STORE")
            .max_bytes(1 << 20)
            .ttl(Duration::from_secs(60));
        cfg.compression = true;
        cfg.description = Some("d".into());
        let c = cfg.to_stream_config().unwrap();
        assert_eq!(c.name, "OBJ_MY-STORE");
        assert_eq!(
            c.subjects,
            vec!["$O.MY-STORE.C.>".to_string(), "$O.MY-STORE.M.>".to_string()]
        );
        assert_eq!(c.discard, DiscardPolicy::New);
        assert!(c.allow_rollup && c.allow_direct);
        assert!(!c.deny_delete);
        assert_eq!(c.max_bytes, 1 << 20);
        assert_eq!(c.max_age, Duration::from_secs(60));
        assert_eq!(c.num_replicas, 1);
        assert_eq!(c.compression, Compression::S2);
        assert_eq!(Config::new("b").to_stream_config().unwrap().max_bytes, -1);
        assert!(Config::new("a.b").to_stream_config().is_err());
        assert!(Config::new("").to_stream_config().is_err());
    }
}
