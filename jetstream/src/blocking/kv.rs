//! Key-Value with blocking calls: [`KeyValue`] and the bucket management
//! methods of [`JetStream`]; watches are iterators.
//!
//! ```no_run
//! # fn demo(client: natrs_client::Client) -> Result<(), natrs_jetstream::kv::KvError> {
//! use natrs_jetstream::blocking::JetStream;
//! use natrs_jetstream::kv::{Config, WatchEvent};
//! let js = JetStream::new(client);
//! let kv = js.create_key_value(Config::new("settings"))?;
//! kv.put("color", "blue")?;
//! for event in kv.watch("color")? {
//!     if let WatchEvent::Entry(e) = event? {
//!         println!("{} = {:?}", e.key, e.value);
//!     }
//! }
//! # Ok(()) }
//! ```

use super::{Iter, JetStream};
use crate::api::stream::{StreamListResponse, StreamNamesResponse};
use crate::kv::{Config, Entry, KvError, PurgeOptions, Status, WatchOptions};
use natrs_client::adapter::block_on;
use natrs_client::{Client, Payload};
use std::time::Duration;

/// A bucket's watch as a blocking iterator of `Result<WatchEvent>`.
pub type Watch = Iter<crate::kv::Watch<Client>>;

/// A bucket's keys as a blocking iterator of `Result<String>`.
pub type Keys = Iter<crate::kv::Keys<Client>>;

/// A key's history as a blocking iterator of `Result<Entry>`.
pub type History = Iter<crate::kv::History<Client>>;

/// Bucket management.
impl JetStream {
    /// Binds to an existing bucket.
    pub fn key_value(&self, bucket: &str) -> Result<KeyValue, KvError> {
        block_on(self.inner.key_value(bucket)).map(KeyValue::from_async)
    }

    /// Creates a bucket.
    pub fn create_key_value(&self, config: Config) -> Result<KeyValue, KvError> {
        block_on(self.inner.create_key_value(config)).map(KeyValue::from_async)
    }

    /// Updates a bucket.
    pub fn update_key_value(&self, config: Config) -> Result<KeyValue, KvError> {
        block_on(self.inner.update_key_value(config)).map(KeyValue::from_async)
    }

    /// Creates or updates a bucket.
    pub fn create_or_update_key_value(&self, config: Config) -> Result<KeyValue, KvError> {
        block_on(self.inner.create_or_update_key_value(config)).map(KeyValue::from_async)
    }

    /// Deletes a bucket.
    pub fn delete_key_value(&self, bucket: &str) -> Result<(), KvError> {
        block_on(self.inner.delete_key_value(bucket))
    }

    /// The names of all buckets.
    pub fn key_value_names(&self) -> super::Listing<StreamNamesResponse, String> {
        super::Iter(self.inner.key_value_names())
    }

    /// The status of every bucket.
    pub fn key_value_stores(&self) -> super::Listing<StreamListResponse, Status> {
        super::Iter(self.inner.key_value_stores())
    }
}

/// A bucket with blocking methods. Cheap to clone.
#[derive(Debug, Clone)]
pub struct KeyValue {
    inner: crate::kv::KeyValue<Client>,
}

impl KeyValue {
    /// Wraps an async bucket.
    pub fn from_async(inner: crate::kv::KeyValue<Client>) -> KeyValue {
        KeyValue { inner }
    }

    /// The async bucket.
    pub fn as_async(&self) -> &crate::kv::KeyValue<Client> {
        &self.inner
    }

    /// The bucket name.
    pub fn bucket(&self) -> &str {
        self.inner.bucket()
    }

    /// Writes `value` to `key`; returns its revision.
    pub fn put<'p>(&self, key: &str, value: impl Into<Payload<'p>>) -> Result<u64, KvError> {
        block_on(self.inner.put(key, value))
    }

    /// Writes only if `key` has no value.
    pub fn create<'p>(&self, key: &str, value: impl Into<Payload<'p>>) -> Result<u64, KvError> {
        block_on(self.inner.create(key, value))
    }

    /// Writes only if `key` has no value, with a time to live.
    pub fn create_with_ttl<'p>(
        &self,
        key: &str,
        value: impl Into<Payload<'p>>,
        ttl: Duration,
    ) -> Result<u64, KvError> {
        block_on(self.inner.create_with_ttl(key, value, ttl))
    }

    /// Writes only if `revision` is the latest revision of `key`.
    pub fn update<'p>(
        &self,
        key: &str,
        value: impl Into<Payload<'p>>,
        revision: u64,
    ) -> Result<u64, KvError> {
        block_on(self.inner.update(key, value, revision))
    }

    /// The value of `key`.
    pub fn get(&self, key: &str) -> Result<Entry, KvError> {
        block_on(self.inner.get(key))
    }

    /// The value `key` had at `revision`.
    pub fn get_revision(&self, key: &str, revision: u64) -> Result<Entry, KvError> {
        block_on(self.inner.get_revision(key, revision))
    }

    /// Deletes `key`, keeping its history.
    pub fn delete(&self, key: &str) -> Result<(), KvError> {
        block_on(self.inner.delete(key))
    }

    /// Deletes `key` only if `revision` is its latest revision.
    pub fn delete_expecting(&self, key: &str, revision: u64) -> Result<(), KvError> {
        block_on(self.inner.delete_expecting(key, revision))
    }

    /// Purges `key` and its history.
    pub fn purge(&self, key: &str) -> Result<(), KvError> {
        block_on(self.inner.purge(key))
    }

    /// Purges `key` as `options` say.
    pub fn purge_with(&self, key: &str, options: PurgeOptions) -> Result<(), KvError> {
        block_on(self.inner.purge_with(key, options))
    }

    /// Watches `key`.
    pub fn watch(&self, key: &str) -> Result<Watch, KvError> {
        Ok(Iter(block_on(self.inner.watch(key))?))
    }

    /// Watches the whole bucket.
    pub fn watch_all(&self) -> Result<Watch, KvError> {
        Ok(Iter(block_on(self.inner.watch_all())?))
    }

    /// Watches the keys matching `filters` as `options` say.
    pub fn watch_with(&self, filters: &[&str], options: WatchOptions) -> Result<Watch, KvError> {
        Ok(Iter(block_on(self.inner.watch_with(filters, options))?))
    }

    /// The keys that have a value, sorted.
    pub fn keys(&self) -> Result<Vec<String>, KvError> {
        block_on(self.inner.keys())
    }

    /// The keys that have a value and match `filters`, sorted.
    pub fn keys_filtered(&self, filters: &[&str]) -> Result<Vec<String>, KvError> {
        block_on(self.inner.keys_filtered(filters))
    }

    /// The keys that have a value, as an iterator.
    pub fn list_keys(&self, filters: &[&str]) -> Result<Keys, KvError> {
        Ok(Iter(block_on(self.inner.list_keys(filters))?))
    }

    /// A key's entries, oldest first, read as they are delivered.
    pub fn list_history(&self, key: &str) -> Result<History, KvError> {
        block_on(self.inner.list_history(key)).map(Iter)
    }

    /// Every entry kept for `key`, oldest first.
    pub fn history(&self, key: &str) -> Result<Vec<Entry>, KvError> {
        block_on(self.inner.history(key))
    }

    /// Removes the history of deleted and purged keys.
    pub fn purge_deletes(&self, keep_newer_than: Option<Duration>) -> Result<(), KvError> {
        block_on(self.inner.purge_deletes(keep_newer_than))
    }

    /// The bucket's status.
    pub fn status(&self) -> Result<Status, KvError> {
        block_on(self.inner.status())
    }
}
