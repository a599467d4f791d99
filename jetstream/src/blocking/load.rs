//! Load-or-create and dry runs with blocking methods (see [`crate::load`]).

use super::kv::KeyValue;
use super::object::ObjectStore;
use super::{Consumer, JetStream, Stream, block_on};
use crate::api::consumer::ConsumerConfig;
use crate::api::stream::StreamConfig;
use crate::compare::ConfigDiff;
use crate::error::Error;
use crate::kv::{self, KvError};
use crate::load::Loaded;
use crate::object::{self, ObjectError};

impl JetStream {
    /// Dry run of [`create_or_update_stream`](JetStream::create_or_update_stream):
    /// `None` when the stream would be created, else the difference.
    pub fn stream_changes(&self, config: &StreamConfig) -> Result<Option<ConfigDiff>, Error> {
        block_on(self.inner.stream_changes(config))
    }

    /// The stream as it is, or a new one; with the difference.
    pub fn load_or_create_stream(&self, config: StreamConfig) -> Result<Loaded<Stream>, Error> {
        block_on(self.inner.load_or_create_stream(config)).map(|l| l.map(Stream::wrap))
    }

    /// The stream as it is (untouched), or a new one.
    pub fn get_or_create_stream(&self, config: StreamConfig) -> Result<Stream, Error> {
        block_on(self.inner.get_or_create_stream(config)).map(Stream::wrap)
    }

    /// Dry run of [`create_or_update_consumer`](JetStream::create_or_update_consumer):
    /// `None` when the consumer would be created, else the difference.
    pub fn consumer_changes(
        &self,
        stream: &str,
        config: &ConsumerConfig,
    ) -> Result<Option<ConfigDiff>, Error> {
        block_on(self.inner.consumer_changes(stream, config))
    }

    /// The consumer as it is, or a new one; with the difference.
    pub fn load_or_create_consumer(
        &self,
        stream: &str,
        config: ConsumerConfig,
    ) -> Result<Loaded<Consumer>, Error> {
        block_on(self.inner.load_or_create_consumer(stream, config)).map(|l| l.map(Consumer::wrap))
    }

    /// The consumer as it is (untouched), or a new one.
    pub fn get_or_create_consumer(
        &self,
        stream: &str,
        config: ConsumerConfig,
    ) -> Result<Consumer, Error> {
        block_on(self.inner.get_or_create_consumer(stream, config)).map(Consumer::wrap)
    }

    /// The bucket as it is, or a new one; with the difference.
    pub fn load_or_create_key_value(
        &self,
        config: kv::Config,
    ) -> Result<Loaded<KeyValue>, KvError> {
        block_on(self.inner.load_or_create_key_value(config)).map(|l| l.map(KeyValue::from_async))
    }

    /// The bucket as it is (untouched), or a new one.
    pub fn get_or_create_key_value(&self, config: kv::Config) -> Result<KeyValue, KvError> {
        block_on(self.inner.get_or_create_key_value(config)).map(KeyValue::from_async)
    }

    /// The object store as it is, or a new one; with the difference.
    pub fn load_or_create_object_store(
        &self,
        config: object::Config,
    ) -> Result<Loaded<ObjectStore>, ObjectError> {
        block_on(self.inner.load_or_create_object_store(config))
            .map(|l| l.map(ObjectStore::from_async))
    }

    /// The object store as it is (untouched), or a new one.
    pub fn get_or_create_object_store(
        &self,
        config: object::Config,
    ) -> Result<ObjectStore, ObjectError> {
        block_on(self.inner.get_or_create_object_store(config)).map(ObjectStore::from_async)
    }
}
