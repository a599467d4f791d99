//! [`KeyValue`]: a handle to one bucket (reads, writes, watches), and the
//! bucket management calls on [`JetStream`].

use super::config::{Config, Status};
use super::entry::{Entry, OPERATION, Operation};
use super::error::is_wrong_last_sequence;
use super::names::{
    STREAM_PREFIX, subject_prefix, validate_bucket, validate_filter, validate_key,
    validate_write_key,
};
use super::watch::{History, Keys, Watch, WatchEvent, WatchOptions, watch_consume_options};
use super::{KvError, next_item};
use crate::api::ApiPrefix;
use crate::api::consumer::DeliverPolicy;
use crate::api::message::StreamMessage;
use crate::api::publish::{MessageTtl, PublishOptions, Rollup};
use crate::api::stream::{
    self as sapi, PurgeRequest, StreamConfig, StreamInfo, StreamListRequest, StreamListResponse,
    StreamNamesResponse,
};
use crate::consumer::OrderedConsumer;
use crate::consumer::OrderedOptions;
use crate::context::JetStream;
use crate::error::{Error, ErrorCode};
use crate::listing::Listing;
use crate::publish::PublishMessage;
use crate::stream::Stream;
use crate::transport::Transport;
use bytes::Bytes;
use natrs_client::{Client, HeaderMap, Payload};
use std::time::Duration;
use time::OffsetDateTime;

/// How a purge is made.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PurgeOptions {
    /// Purge only if this is the key's latest revision.
    pub revision: Option<u64>,
    /// Remove the purge marker itself after this long (needs limit markers;
    /// whole seconds, at least one).
    pub ttl: Option<Duration>,
}

impl PurgeOptions {
    /// No conditions.
    pub fn new() -> PurgeOptions {
        PurgeOptions::default()
    }

    /// Purges only if `revision` is the key's latest.
    pub fn revision(mut self, revision: u64) -> PurgeOptions {
        self.revision = Some(revision);
        self
    }

    /// Removes the marker after `ttl`.
    pub fn ttl(mut self, ttl: Duration) -> PurgeOptions {
        self.ttl = Some(ttl);
        self
    }
}

/// A Key-Value bucket. Cheap to clone.
///
/// Reads use direct get (any replica answers) and watches use ordered
/// consumers; writes are JetStream publishes to `$KV.<bucket>.<key>`
/// (under the API prefix when the context has a non-default one, and to the
/// origin bucket for mirrors).
pub struct KeyValue<T: Transport = Client> {
    js: JetStream<T>,
    name: String,
    stream: Stream<T>,
    /// `$KV.<bucket>.`: where the bucket's messages are stored.
    read_prefix: String,
    /// Where writes go.
    write_prefix: String,
}

impl<T: Transport> Clone for KeyValue<T> {
    fn clone(&self) -> Self {
        KeyValue {
            js: self.js.clone(),
            name: self.name.clone(),
            stream: self.stream.clone(),
            read_prefix: self.read_prefix.clone(),
            write_prefix: self.write_prefix.clone(),
        }
    }
}

impl<T: Transport> std::fmt::Debug for KeyValue<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyValue")
            .field("bucket", &self.name)
            .field("write_prefix", &self.write_prefix)
            .finish_non_exhaustive()
    }
}

/// The stored subjects and the write subjects of a bucket's stream.
fn prefixes(api: &ApiPrefix, bucket: &str, config: &StreamConfig) -> (String, String) {
    let under_api = |p: String| {
        if *api == ApiPrefix::new() {
            p
        } else {
            api.subject(&p)
        }
    };
    match &config.mirror {
        // A mirror stores its origin's subjects; writes go to the origin.
        Some(m) => {
            let origin = m.name.strip_prefix(STREAM_PREFIX).unwrap_or(&m.name);
            let read = subject_prefix(origin);
            let write = match m.external.as_ref().filter(|e| !e.api_prefix.is_empty()) {
                Some(e) => format!("{}.{read}", e.api_prefix.trim_end_matches('.')),
                None => under_api(read.clone()),
            };
            (read, write)
        }
        None => {
            let read = subject_prefix(bucket);
            (read.clone(), under_api(read))
        }
    }
}

/// `prefix` followed by `key`, in one allocation (no formatting machinery:
/// every get and put builds one).
fn join(prefix: &str, key: &str) -> String {
    let mut s = String::with_capacity(prefix.len() + key.len());
    s.push_str(prefix);
    s.push_str(key);
    s
}

impl<T: Transport> KeyValue<T> {
    /// The handle of the bucket whose stream `info` describes.
    pub fn from_stream_info(js: JetStream<T>, info: StreamInfo) -> KeyValue<T> {
        let name = info
            .config
            .name
            .strip_prefix(STREAM_PREFIX)
            .unwrap_or(&info.config.name)
            .to_string();
        let (read_prefix, write_prefix) = prefixes(js.prefix(), &name, &info.config);
        let stream = Stream::new(js.clone(), info);
        KeyValue {
            js,
            name,
            stream,
            read_prefix,
            write_prefix,
        }
    }

    /// The bucket name.
    pub fn bucket(&self) -> &str {
        &self.name
    }

    /// The backing stream (with the info it was bound with).
    pub fn stream(&self) -> &Stream<T> {
        &self.stream
    }

    /// The subject writes of `key` go to.
    pub fn write_subject(&self, key: &str) -> String {
        join(&self.write_prefix, key)
    }

    fn read_subject(&self, key: &str) -> String {
        join(&self.read_prefix, key)
    }

    fn entry(&self, key: &str, m: StreamMessage) -> Entry {
        Entry::from_stream_message(&self.name, key, m)
    }

    // ----- writes -----

    /// Writes `value` to `key`; returns its revision.
    pub async fn put(&self, key: &str, value: impl Into<Payload<'_>>) -> Result<u64, KvError> {
        validate_write_key(key)?;
        Ok(self
            .js
            .publish(self.write_subject(key), value)
            .await?
            .sequence)
    }

    async fn put_expecting(
        &self,
        key: &str,
        value: Bytes,
        revision: u64,
        ttl: Option<Duration>,
    ) -> Result<u64, Error> {
        let mut options = PublishOptions::new().expected_last_subject_sequence(revision);
        if let Some(ttl) = ttl {
            options = options.ttl(MessageTtl::After(ttl));
        }
        Ok(self
            .js
            .publish_with_options(self.write_subject(key), value, options)
            .await?
            .sequence)
    }

    /// Writes `value` only if `key` has no value: it was never written, or
    /// its latest entry is a delete or purge marker. Fails with
    /// [`KvError::KeyExists`] otherwise.
    pub async fn create(&self, key: &str, value: impl Into<Payload<'_>>) -> Result<u64, KvError> {
        self.create_inner(key, value.into().into_bytes(), None)
            .await
    }

    /// [`create`](KeyValue::create) with a time to live for the value (the
    /// bucket needs limit markers; whole seconds, at least one). In buckets
    /// with a history above 1 the server raises a TTL below the limit marker
    /// TTL to it (ADR-43).
    pub async fn create_with_ttl(
        &self,
        key: &str,
        value: impl Into<Payload<'_>>,
        ttl: Duration,
    ) -> Result<u64, KvError> {
        self.create_inner(key, value.into().into_bytes(), Some(ttl))
            .await
    }

    async fn create_inner(
        &self,
        key: &str,
        value: Bytes,
        ttl: Option<Duration>,
    ) -> Result<u64, KvError> {
        validate_write_key(key)?;
        match self.put_expecting(key, value.clone(), 0, ttl).await {
            Ok(revision) => return Ok(revision),
            Err(e) if is_wrong_last_sequence(&e) => {}
            Err(e) => return Err(e.into()),
        }
        // The subject has messages: a removal marker may be the latest,
        // and then the key counts as absent.
        let exists = || KvError::KeyExists(key.to_string());
        let expected = match self.latest(key).await? {
            Some(marker) if marker.operation.is_removal() => marker.revision,
            Some(_) => return Err(exists()),
            // Removed in the meantime (a purge of the stream, a TTL).
            None => 0,
        };
        match self.put_expecting(key, value, expected, ttl).await {
            Ok(revision) => Ok(revision),
            Err(e) if is_wrong_last_sequence(&e) => Err(exists()),
            Err(e) => Err(e.into()),
        }
    }

    /// Writes `value` only if `revision` is the latest revision of `key`;
    /// fails with [`KvError::WrongRevision`] otherwise.
    pub async fn update(
        &self,
        key: &str,
        value: impl Into<Payload<'_>>,
        revision: u64,
    ) -> Result<u64, KvError> {
        validate_write_key(key)?;
        self.put_expecting(key, value.into().into_bytes(), revision, None)
            .await
            .map_err(|e| wrong_revision(e, key, revision))
    }

    async fn marker(
        &self,
        key: &str,
        operation: Operation,
        revision: Option<u64>,
        ttl: Option<Duration>,
    ) -> Result<(), KvError> {
        validate_write_key(key)?;
        let mut headers = HeaderMap::new();
        if let Some(v) = operation.header_value() {
            headers.insert(OPERATION, v);
        }
        let mut options = PublishOptions::new();
        if operation == Operation::Purge {
            options = options.rollup(Rollup::Subject);
        }
        if let Some(r) = revision {
            options = options.expected_last_subject_sequence(r);
        }
        if let Some(ttl) = ttl {
            options = options.ttl(MessageTtl::After(ttl));
        }
        let message = PublishMessage::new(Bytes::new())
            .headers(headers)
            .options(options);
        self.js
            .send_publish(self.write_subject(key), message)
            .await
            .map(|_| ())
            .map_err(|e| match revision {
                Some(r) => wrong_revision(e, key, r),
                None => e.into(),
            })
    }

    /// Deletes `key`, keeping its history: writes a `DEL` marker.
    pub async fn delete(&self, key: &str) -> Result<(), KvError> {
        self.marker(key, Operation::Delete, None, None).await
    }

    /// Deletes `key` only if `revision` is its latest revision.
    pub async fn delete_expecting(&self, key: &str, revision: u64) -> Result<(), KvError> {
        self.marker(key, Operation::Delete, Some(revision), None)
            .await
    }

    /// Purges `key`: writes a `PURGE` marker that removes its history.
    pub async fn purge(&self, key: &str) -> Result<(), KvError> {
        self.purge_with(key, PurgeOptions::new()).await
    }

    /// Purges `key` as `options` say.
    pub async fn purge_with(&self, key: &str, options: PurgeOptions) -> Result<(), KvError> {
        self.marker(key, Operation::Purge, options.revision, options.ttl)
            .await
    }

    // ----- reads -----

    /// The latest entry of `key`, markers included (`None`: never written,
    /// or everything removed).
    async fn latest(&self, key: &str) -> Result<Option<Entry>, KvError> {
        let subject = self.read_subject(key);
        let read = if self.stream.cached_info().config.allow_direct {
            self.stream.direct_get_last(&subject).await
        } else {
            self.stream.get_last_message(&subject).await
        };
        match read {
            Ok(m) => Ok(Some(self.entry(key, m))),
            Err(Error::MessageNotFound) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// The value of `key`: [`KvError::KeyNotFound`] when it has none
    /// (never written, deleted, purged or removed by a limit).
    pub async fn get(&self, key: &str) -> Result<Entry, KvError> {
        validate_key(key)?;
        match self.latest(key).await? {
            Some(e) if !e.operation.is_removal() => Ok(e),
            _ => Err(KvError::KeyNotFound(key.to_string())),
        }
    }

    /// The value `key` had at `revision`: [`KvError::KeyNotFound`] when that
    /// revision is gone, belongs to another key, or is a marker.
    pub async fn get_revision(&self, key: &str, revision: u64) -> Result<Entry, KvError> {
        validate_key(key)?;
        let not_found = || KvError::KeyNotFound(key.to_string());
        let read = if self.stream.cached_info().config.allow_direct {
            self.stream.direct_get(revision).await
        } else {
            self.stream.get_message(revision).await
        };
        let m = match read {
            Ok(m) => m,
            Err(Error::MessageNotFound) => return Err(not_found()),
            Err(e) => return Err(e.into()),
        };
        if m.subject != self.read_subject(key) {
            return Err(not_found());
        }
        let e = self.entry(key, m);
        if e.operation.is_removal() {
            return Err(not_found());
        }
        Ok(e)
    }

    // ----- watches -----

    /// Watches `key` (which may hold `*` tokens and end with `>`): its
    /// latest entry, then its changes.
    pub async fn watch(&self, key: &str) -> Result<Watch<T>, KvError> {
        self.watch_with(&[key], WatchOptions::new()).await
    }

    /// Watches the whole bucket: the latest entry of every key, then the
    /// changes.
    pub async fn watch_all(&self) -> Result<Watch<T>, KvError> {
        self.watch_with(&[], WatchOptions::new()).await
    }

    /// Watches the keys matching any of `filters` (all keys when empty) as
    /// `options` say.
    pub async fn watch_with(
        &self,
        filters: &[&str],
        options: WatchOptions,
    ) -> Result<Watch<T>, KvError> {
        for f in filters {
            validate_filter(f)?;
        }
        let filter_subjects = if filters.is_empty() {
            vec![format!("{}>", self.read_prefix)]
        } else {
            filters.iter().map(|f| self.read_subject(f)).collect()
        };
        let (deliver_policy, opt_start_seq) = match options.resume_from_revision {
            Some(revision) => (DeliverPolicy::ByStartSequence, Some(revision)),
            None if options.updates_only => (DeliverPolicy::New, None),
            None if options.include_history => (DeliverPolicy::All, None),
            None => (DeliverPolicy::LastPerSubject, None),
        };
        let ordered = OrderedOptions {
            filter_subjects,
            deliver_policy,
            opt_start_seq,
            headers_only: options.meta_only,
            ..OrderedOptions::default()
        };
        let messages = OrderedConsumer::new(self.js.clone(), self.stream.name(), ordered)?
            .consume_options(watch_consume_options())
            .messages()
            .await
            .map_err(|e| self.bucket_error(e))?;
        Ok(Watch::new(
            self.js.clone(),
            self.name.clone(),
            self.read_prefix.clone(),
            messages,
            &options,
        ))
    }

    fn bucket_error(&self, e: Error) -> KvError {
        if e.is(ErrorCode::StreamNotFound) {
            KvError::BucketNotFound(self.name.clone())
        } else {
            e.into()
        }
    }

    /// The entries of the initial data of a watch.
    async fn initial_entries(
        &self,
        filters: &[&str],
        options: WatchOptions,
    ) -> Result<Vec<Entry>, KvError> {
        let mut watch = self.watch_with(filters, options).await?;
        let mut entries = Vec::new();
        while let Some(event) = next_item(&mut watch).await {
            match event? {
                WatchEvent::Entry(e) => entries.push(e),
                WatchEvent::EndOfInitialData => break,
            }
        }
        Ok(entries)
    }

    /// The keys that have a value, as a stream that ends once all were
    /// listed; `filters` as in [`watch_with`](KeyValue::watch_with).
    pub async fn list_keys(&self, filters: &[&str]) -> Result<Keys<T>, KvError> {
        let options = WatchOptions::new().ignore_deletes().meta_only();
        Ok(Keys::new(self.watch_with(filters, options).await?))
    }

    /// The keys that have a value, sorted.
    pub async fn keys(&self) -> Result<Vec<String>, KvError> {
        self.keys_filtered(&[]).await
    }

    /// The keys that have a value and match any of `filters`, sorted.
    pub async fn keys_filtered(&self, filters: &[&str]) -> Result<Vec<String>, KvError> {
        let mut listing = self.list_keys(filters).await?;
        let mut keys = Vec::new();
        while let Some(key) = next_item(&mut listing).await {
            keys.push(key?);
        }
        keys.sort_unstable();
        keys.dedup();
        Ok(keys)
    }

    /// Every entry the bucket keeps for `key` (markers included), oldest
    /// first, as a stream read as the entries are delivered; it ends after
    /// the last one (at once when there is none).
    pub async fn list_history(&self, key: &str) -> Result<History<T>, KvError> {
        let options = WatchOptions::new().include_history();
        Ok(History::new(self.watch_with(&[key], options).await?))
    }

    /// Every entry the bucket keeps for `key` (markers included), oldest
    /// first; [`KvError::KeyNotFound`] when there is none.
    pub async fn history(&self, key: &str) -> Result<Vec<Entry>, KvError> {
        let entries = self
            .initial_entries(&[key], WatchOptions::new().include_history())
            .await?;
        if entries.is_empty() {
            return Err(KvError::KeyNotFound(key.to_string()));
        }
        Ok(entries)
    }

    /// Removes the history of deleted and purged keys: every message of a
    /// key whose latest entry is a marker. Markers younger than
    /// `keep_newer_than` stay (alone), so watchers that are behind still see
    /// the removal; `None` removes them all. (nats.go keeps those younger
    /// than 30 minutes by default.)
    pub async fn purge_deletes(&self, keep_newer_than: Option<Duration>) -> Result<(), KvError> {
        let markers: Vec<Entry> = self
            .initial_entries(&[], WatchOptions::new().meta_only())
            .await?
            .into_iter()
            .filter(|e| e.operation.is_removal())
            .collect();
        // `Some(None)`: a time too far back for a date, which every marker
        // is newer than.
        let limit = keep_newer_than.map(|d| {
            time::Duration::try_from(d)
                .ok()
                .and_then(|d| OffsetDateTime::now_utc().checked_sub(d))
        });
        for marker in markers {
            let keep = limit.is_some_and(|limit| limit.is_none_or(|l| marker.created > l));
            let request = PurgeRequest {
                filter: Some(self.read_subject(&marker.key)),
                keep: keep.then_some(1),
                ..PurgeRequest::default()
            };
            self.stream.purge_with(&request).await?;
        }
        Ok(())
    }

    /// The bucket's status (its stream's info).
    pub async fn status(&self) -> Result<Status, KvError> {
        let info = self
            .js
            .stream_info(self.stream.name())
            .await
            .map_err(|e| self.bucket_error(e))?;
        Ok(Status {
            bucket: self.name.clone(),
            info,
        })
    }
}

/// A failed expectation of `revision` as [`KvError::WrongRevision`].
fn wrong_revision(e: Error, key: &str, revision: u64) -> KvError {
    if is_wrong_last_sequence(&e) {
        KvError::WrongRevision {
            key: key.to_string(),
            expected: revision,
        }
    } else {
        e.into()
    }
}

fn stream_name(bucket: &str) -> String {
    format!("{STREAM_PREFIX}{bucket}")
}

/// Bucket management.
impl<T: Transport> JetStream<T> {
    pub(crate) async fn key_value_stream_config(
        &self,
        config: &Config,
    ) -> Result<StreamConfig, KvError> {
        let stream = config.to_stream_config()?;
        if stream.allow_msg_ttl {
            let level = self.account_info().await?.api.level;
            if level < 1 {
                return Err(KvError::LimitMarkersNotSupported(level));
            }
        }
        Ok(stream)
    }

    /// Binds to an existing bucket.
    pub async fn key_value(&self, bucket: &str) -> Result<KeyValue<T>, KvError> {
        validate_bucket(bucket)?;
        let info = self.stream_info(&stream_name(bucket)).await.map_err(|e| {
            if e.is(ErrorCode::StreamNotFound) {
                KvError::BucketNotFound(bucket.to_string())
            } else {
                e.into()
            }
        })?;
        if info.config.max_msgs_per_subject < 1 {
            return Err(KvError::NotABucket(info.config.name));
        }
        Ok(KeyValue::from_stream_info(self.clone(), info))
    }

    /// Creates a bucket; [`KvError::BucketExists`] when one of that name
    /// exists with another configuration (the same configuration is fine).
    pub async fn create_key_value(&self, config: Config) -> Result<KeyValue<T>, KvError> {
        let stream = self.key_value_stream_config(&config).await?;
        match self.create_stream(stream).await {
            Ok(s) => Ok(KeyValue::from_stream_info(
                self.clone(),
                s.cached_info().clone(),
            )),
            Err(e) if e.is(ErrorCode::StreamNameInUse) => Err(KvError::BucketExists(config.bucket)),
            Err(e) => Err(e.into()),
        }
    }

    /// Updates a bucket's configuration; [`KvError::BucketNotFound`] when
    /// there is none.
    pub async fn update_key_value(&self, config: Config) -> Result<KeyValue<T>, KvError> {
        let stream = self.key_value_stream_config(&config).await?;
        match self.update_stream(stream).await {
            Ok(info) => Ok(KeyValue::from_stream_info(self.clone(), info)),
            Err(e) if e.is(ErrorCode::StreamNotFound) => {
                Err(KvError::BucketNotFound(config.bucket))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Creates a bucket, or updates it when it exists.
    pub async fn create_or_update_key_value(&self, config: Config) -> Result<KeyValue<T>, KvError> {
        let stream = self.key_value_stream_config(&config).await?;
        let s = self.create_or_update_stream(stream).await?;
        Ok(KeyValue::from_stream_info(
            self.clone(),
            s.cached_info().clone(),
        ))
    }

    /// Deletes a bucket and everything in it.
    pub async fn delete_key_value(&self, bucket: &str) -> Result<(), KvError> {
        validate_bucket(bucket)?;
        match self.delete_stream(&stream_name(bucket)).await {
            Ok(_) => Ok(()),
            Err(e) if e.is(ErrorCode::StreamNotFound) => {
                Err(KvError::BucketNotFound(bucket.to_string()))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// The names of all buckets, a page fetched as the last one is
    /// consumed.
    pub fn key_value_names(&self) -> Listing<StreamNamesResponse, String, T> {
        let prefix = self.prefix().clone();
        Listing::with_filter(
            self.clone(),
            move |offset| {
                sapi::names(
                    &prefix,
                    &StreamListRequest {
                        offset,
                        subject: Some("$KV.*.>".to_string()),
                    },
                )
            },
            |n| n.strip_prefix(STREAM_PREFIX).map(str::to_string),
        )
    }

    /// The status of every bucket, a page fetched as the last one is
    /// consumed.
    pub fn key_value_stores(&self) -> Listing<StreamListResponse, Status, T> {
        let prefix = self.prefix().clone();
        Listing::with_filter(
            self.clone(),
            move |offset| {
                sapi::list(
                    &prefix,
                    &StreamListRequest {
                        offset,
                        subject: Some("$KV.*.>".to_string()),
                    },
                )
            },
            |info| {
                let bucket = info.config.name.strip_prefix(STREAM_PREFIX)?.to_string();
                Some(Status { bucket, info })
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::stream::{External, Source};

    #[test]
    fn write_prefixes() {
        let plain = Config::new("b").to_stream_config().unwrap();
        let (r, w) = prefixes(&ApiPrefix::new(), "b", &plain);
        assert_eq!((r.as_str(), w.as_str()), ("$KV.b.", "$KV.b."));
        // C11: through a non-default prefix, writes go under it.
        let (r, w) = prefixes(&ApiPrefix::domain("hub"), "b", &plain);
        assert_eq!((r.as_str(), w.as_str()), ("$KV.b.", "$JS.hub.API.$KV.b."));
        let (_, w) = prefixes(&ApiPrefix::custom("fromA"), "b", &plain);
        assert_eq!(w, "fromA.$KV.b.");
        let mut mirror = Config::new("m");
        mirror.mirror = Some(Source {
            name: "origin".into(),
            ..Source::default()
        });
        let m = mirror.to_stream_config().unwrap();
        let (r, w) = prefixes(&ApiPrefix::new(), "m", &m);
        assert_eq!((r.as_str(), w.as_str()), ("$KV.origin.", "$KV.origin."));
        mirror.mirror = Some(Source {
            name: "origin".into(),
            external: Some(External {
                api_prefix: "$JS.hub.API".into(),
                delivery_prefix: String::new(),
            }),
            ..Source::default()
        });
        let m = mirror.to_stream_config().unwrap();
        let (r, w) = prefixes(&ApiPrefix::domain("leaf"), "m", &m);
        assert_eq!(
            (r.as_str(), w.as_str()),
            ("$KV.origin.", "$JS.hub.API.$KV.origin.")
        );
    }
}
