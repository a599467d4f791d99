//! Bucket configuration ([`Config`]) and how it maps onto the stream
//! `KV_<bucket>` (ADR-8, ADR-48 limit markers, ADR-57 mirrors and sources),
//! and a bucket's [`Status`].

use super::KvError;
use super::names::{STREAM_PREFIX, subject_prefix, validate_bucket};
use crate::api::stream::{
    Compression, DiscardPolicy, Placement, Republish, Source, StorageType, StreamConfig,
    StreamInfo, SubjectTransform,
};
use std::collections::BTreeMap;
use std::time::Duration;

/// The most history a bucket keeps per key.
pub const MAX_HISTORY: u8 = 64;

/// The duplicate window of buckets whose TTL is longer.
const DUPLICATE_WINDOW: Duration = Duration::from_secs(120);

/// The configuration of a bucket. Zero values mean the defaults: history 1,
/// no TTL, unlimited size, one replica, file storage.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Config {
    /// The bucket name (`A-Z a-z 0-9 - _`).
    pub bucket: String,
    /// A description.
    pub description: Option<String>,
    /// Largest value in bytes (0 or negative: unlimited).
    pub max_value_size: i32,
    /// Values kept per key, 1 to 64 (0: 1).
    pub history: u8,
    /// How long values live (zero: forever).
    pub ttl: Duration,
    /// Most bytes the bucket holds (0 or negative: unlimited).
    pub max_bytes: i64,
    /// Storage.
    pub storage: StorageType,
    /// Replicas (0: 1).
    pub replicas: usize,
    /// Placement of the replicas.
    pub placement: Option<Placement>,
    /// Republishing of writes.
    pub republish: Option<Republish>,
    /// The bucket this one mirrors (the `KV_` prefix is added when missing).
    pub mirror: Option<Source>,
    /// Buckets (or streams, with subject transforms) this one sources from.
    pub sources: Vec<Source>,
    /// S2 compression on disk.
    pub compression: bool,
    /// Limit markers (ADR-48): when a limit (the TTL) removes a key, a
    /// marker stays this long (at least 1 s), and per-key TTLs are allowed.
    /// Needs nats-server 2.11+.
    pub limit_marker_ttl: Option<Duration>,
    /// Free-form metadata of the stream.
    pub metadata: BTreeMap<String, String>,
}

impl Config {
    /// A bucket named `bucket` with the defaults.
    pub fn new(bucket: impl Into<String>) -> Config {
        Config {
            bucket: bucket.into(),
            ..Config::default()
        }
    }

    /// Sets the values kept per key.
    pub fn history(mut self, history: u8) -> Config {
        self.history = history;
        self
    }

    /// Sets how long values live.
    pub fn ttl(mut self, ttl: Duration) -> Config {
        self.ttl = ttl;
        self
    }

    /// Sets the storage.
    pub fn storage(mut self, storage: StorageType) -> Config {
        self.storage = storage;
        self
    }

    /// Sets the number of replicas.
    pub fn replicas(mut self, replicas: usize) -> Config {
        self.replicas = replicas;
        self
    }

    /// Sets the largest value.
    pub fn max_value_size(mut self, bytes: i32) -> Config {
        self.max_value_size = bytes;
        self
    }

    /// Sets the most bytes the bucket holds.
    pub fn max_bytes(mut self, bytes: i64) -> Config {
        self.max_bytes = bytes;
        self
    }

    /// Turns limit markers on (2.11+).
    pub fn limit_marker_ttl(mut self, ttl: Duration) -> Config {
        self.limit_marker_ttl = Some(ttl);
        self
    }

    /// The stream configuration of the bucket, as ADR-8 describes it.
    pub fn to_stream_config(&self) -> Result<StreamConfig, KvError> {
        validate_bucket(&self.bucket)?;
        let history = match self.history {
            0 => 1,
            h if h > MAX_HISTORY => return Err(KvError::InvalidHistory(h)),
            h => h,
        };
        let duplicate_window = if !self.ttl.is_zero() && self.ttl < DUPLICATE_WINDOW {
            self.ttl
        } else {
            DUPLICATE_WINDOW
        };
        if let Some(ttl) = self.limit_marker_ttl {
            if ttl < Duration::from_secs(1) {
                return Err(KvError::JetStream(crate::Error::InvalidArgument(
                    "the limit marker TTL must be at least 1s".to_string(),
                )));
            }
        }
        let mut c = StreamConfig::new(format!("{STREAM_PREFIX}{}", self.bucket));
        c.description = self.description.clone();
        c.max_msgs_per_subject = i64::from(history);
        c.max_bytes = if self.max_bytes > 0 {
            self.max_bytes
        } else {
            -1
        };
        c.max_age = self.ttl;
        c.max_msg_size = if self.max_value_size > 0 {
            i64::from(self.max_value_size)
        } else {
            -1
        };
        c.storage = self.storage;
        c.num_replicas = self.replicas.max(1);
        c.placement = self.placement.clone();
        c.allow_rollup = true;
        c.deny_delete = true;
        c.duplicate_window = duplicate_window;
        c.allow_direct = true;
        c.republish = self.republish.clone();
        c.compression = if self.compression {
            Compression::S2
        } else {
            Compression::None
        };
        c.discard = DiscardPolicy::New;
        c.allow_msg_ttl = self.limit_marker_ttl.is_some();
        c.subject_delete_marker_ttl = self.limit_marker_ttl;
        c.metadata = self.metadata.clone();
        if let Some(mirror) = &self.mirror {
            let mut m = mirror.clone();
            if !m.name.starts_with(STREAM_PREFIX) {
                m.name = format!("{STREAM_PREFIX}{}", m.name);
            }
            c.mirror = Some(m);
            c.mirror_direct = true;
        } else {
            for source in &self.sources {
                let mut s = source.clone();
                if s.subject_transforms.is_empty() {
                    let origin = match s.name.strip_prefix(STREAM_PREFIX) {
                        Some(origin) => origin.to_string(),
                        None => {
                            let origin = s.name.clone();
                            s.name = format!("{STREAM_PREFIX}{origin}");
                            origin
                        }
                    };
                    // A bucket sourcing from its namesake in another domain
                    // keeps the subjects as they are.
                    if s.external.is_none() || origin != self.bucket {
                        s.subject_transforms = vec![SubjectTransform {
                            source: format!("{}>", subject_prefix(&origin)),
                            destination: format!("{}>", subject_prefix(&self.bucket)),
                        }];
                    }
                }
                c.sources.push(s);
            }
            c.subjects = vec![format!("{}>", subject_prefix(&self.bucket))];
        }
        Ok(c)
    }

    /// The bucket configuration a `KV_<bucket>` stream has.
    pub fn from_stream_config(bucket: &str, c: &StreamConfig) -> Config {
        Config {
            bucket: bucket.to_string(),
            description: c.description.clone(),
            max_value_size: i32::try_from(c.max_msg_size).unwrap_or(-1),
            history: u8::try_from(c.max_msgs_per_subject).unwrap_or(0),
            ttl: c.max_age,
            max_bytes: c.max_bytes,
            storage: c.storage,
            replicas: c.num_replicas,
            placement: c.placement.clone(),
            republish: c.republish.clone(),
            mirror: c.mirror.clone(),
            sources: c.sources.clone(),
            compression: c.compression == Compression::S2,
            limit_marker_ttl: c.subject_delete_marker_ttl,
            metadata: c.metadata.clone(),
        }
    }
}

/// The state of a bucket: its stream's info, read as ADR-8 names it.
#[derive(Debug, Clone, PartialEq)]
pub struct Status {
    /// The bucket.
    pub bucket: String,
    /// The backing stream's info.
    pub info: StreamInfo,
}

impl Status {
    /// The bucket name.
    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// Messages in the bucket, history and markers included.
    pub fn values(&self) -> u64 {
        self.info.state.messages
    }

    /// Values kept per key.
    pub fn history(&self) -> i64 {
        self.info.config.max_msgs_per_subject
    }

    /// How long values live (zero: forever).
    pub fn ttl(&self) -> Duration {
        self.info.config.max_age
    }

    /// How long limit markers stay (`None`: no limit markers).
    pub fn limit_marker_ttl(&self) -> Option<Duration> {
        self.info.config.subject_delete_marker_ttl
    }

    /// Whether the data is compressed on disk.
    pub fn is_compressed(&self) -> bool {
        self.info.config.compression == Compression::S2
    }

    /// The kind of backend: `JetStream`.
    pub fn backing_store(&self) -> &'static str {
        "JetStream"
    }

    /// Bytes stored.
    pub fn bytes(&self) -> u64 {
        self.info.state.bytes
    }

    /// The stream's metadata.
    pub fn metadata(&self) -> &BTreeMap<String, String> {
        &self.info.config.metadata
    }

    /// The bucket's configuration.
    pub fn config(&self) -> Config {
        Config::from_stream_config(&self.bucket, &self.info.config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::stream::External;

    #[test]
    fn defaults_follow_adr_8() {
        let c = Config::new("CONFIGURATION").to_stream_config().unwrap();
        assert_eq!(c.name, "KV_CONFIGURATION");
        assert_eq!(c.subjects, vec!["$KV.CONFIGURATION.>".to_string()]);
        assert_eq!(c.max_msgs_per_subject, 1);
        assert_eq!(c.max_bytes, -1);
        assert_eq!(c.max_msg_size, -1);
        assert_eq!(c.max_msgs, -1);
        assert_eq!(c.max_age, Duration::ZERO);
        assert_eq!(c.duplicate_window, Duration::from_secs(120));
        assert_eq!(c.discard, DiscardPolicy::New);
        assert!(c.allow_rollup && c.deny_delete && c.allow_direct);
        assert!(!c.allow_msg_ttl);
        assert_eq!(c.num_replicas, 1);
        assert_eq!(c.compression, Compression::None);
        let json = serde_json::to_value(&c).unwrap();
        assert_eq!(json["allow_rollup_hdrs"], true);
        assert_eq!(json["discard"], "new");
    }

    #[test]
    fn limits_ttl_and_markers() {
        let mut cfg = Config::new("b")
            .history(5)
            .ttl(Duration::from_secs(30))
            .max_bytes(1000)
            .max_value_size(100)
            .replicas(3)
            .limit_marker_ttl(Duration::from_secs(900));
        cfg.compression = true;
        let c = cfg.to_stream_config().unwrap();
        assert_eq!(c.max_msgs_per_subject, 5);
        assert_eq!(c.max_age, Duration::from_secs(30));
        assert_eq!(c.duplicate_window, Duration::from_secs(30));
        assert_eq!(c.max_bytes, 1000);
        assert_eq!(c.max_msg_size, 100);
        assert_eq!(c.num_replicas, 3);
        assert!(c.allow_msg_ttl);
        assert_eq!(c.subject_delete_marker_ttl, Some(Duration::from_secs(900)));
        assert_eq!(c.compression, Compression::S2);
        let long = Config::new("b").ttl(Duration::from_secs(3600));
        assert_eq!(
            long.to_stream_config().unwrap().duplicate_window,
            Duration::from_secs(120)
        );
        let back = Config::from_stream_config("b", &c);
        assert_eq!(back.history, 5);
        assert_eq!(back.limit_marker_ttl, Some(Duration::from_secs(900)));
        assert!(back.compression);
        assert!(matches!(
            Config::new("b").history(65).to_stream_config(),
            Err(KvError::InvalidHistory(65))
        ));
        assert!(Config::new("b").history(64).to_stream_config().is_ok());
        assert!(Config::new("a.b").to_stream_config().is_err());
        assert!(
            Config::new("b")
                .limit_marker_ttl(Duration::from_millis(500))
                .to_stream_config()
                .is_err()
        );
    }

    #[test]
    fn mirrors_and_sources_follow_adr_57() {
        let mut cfg = Config::new("M");
        cfg.mirror = Some(Source {
            name: "ORIGIN".into(),
            ..Source::default()
        });
        let c = cfg.to_stream_config().unwrap();
        assert_eq!(c.mirror.unwrap().name, "KV_ORIGIN");
        assert!(c.mirror_direct);
        assert!(c.subjects.is_empty());

        let mut cfg = Config::new("NEW_ORDERS");
        cfg.sources = vec![
            Source {
                name: "ORDERS".into(),
                ..Source::default()
            },
            Source {
                name: "EVENTS".into(),
                subject_transforms: vec![SubjectTransform {
                    source: "events.>".into(),
                    destination: "$KV.NEW_ORDERS.>".into(),
                }],
                ..Source::default()
            },
            Source {
                name: "KV_NEW_ORDERS".into(),
                external: Some(External {
                    api_prefix: "$JS.hub.API".into(),
                    delivery_prefix: String::new(),
                }),
                ..Source::default()
            },
        ];
        let c = cfg.to_stream_config().unwrap();
        assert_eq!(c.subjects, vec!["$KV.NEW_ORDERS.>".to_string()]);
        assert_eq!(c.sources[0].name, "KV_ORDERS");
        assert_eq!(c.sources[0].subject_transforms[0].source, "$KV.ORDERS.>");
        assert_eq!(
            c.sources[0].subject_transforms[0].destination,
            "$KV.NEW_ORDERS.>"
        );
        assert_eq!(c.sources[1].name, "EVENTS");
        assert_eq!(c.sources[1].subject_transforms[0].source, "events.>");
        assert!(c.sources[2].subject_transforms.is_empty());
    }
}
