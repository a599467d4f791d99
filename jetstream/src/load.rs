//! Load-or-create (jsm.go's `LoadOrNewStream` and friends): get what
//! exists, or create it, and say how the existing configuration differs from
//! the wanted one; dry runs of `create_or_update`.

use crate::JetStream;
use crate::api::consumer::{ConsumerAction, ConsumerConfig};
use crate::api::stream::StreamConfig;
use crate::compare::{ConfigDiff, diff_consumers, diff_streams};
use crate::consumer::Consumer;
use crate::error::{Error, ErrorCode};
use crate::kv::{self, KeyValue, KvError};
use crate::object::{self, ObjectError, ObjectStore};
use crate::stream::Stream;
use crate::transport::Transport;
use crate::validate::{ConfigKind, validate_consumer, validate_stream};

/// What a load-or-create found: the handle, whether it was created, and how
/// the existing configuration differs from the wanted one (empty when it
/// was created or is the same). Nothing existing is changed.
#[derive(Debug)]
pub struct Loaded<H> {
    /// The stream, consumer, bucket or store.
    pub handle: H,
    /// Whether the call created it.
    pub created: bool,
    /// Existing against wanted configuration.
    pub diff: ConfigDiff,
}

impl<H> Loaded<H> {
    fn created(handle: H, kind: ConfigKind) -> Loaded<H> {
        Loaded {
            handle,
            created: true,
            diff: ConfigDiff {
                kind,
                changes: Vec::new(),
            },
        }
    }

    /// Applies `f` to the handle.
    pub fn map<G>(self, f: impl FnOnce(H) -> G) -> Loaded<G> {
        Loaded {
            handle: f(self.handle),
            created: self.created,
            diff: self.diff,
        }
    }
}

fn consumer_missing(e: &Error) -> bool {
    e.is(ErrorCode::ConsumerNotFound) || e.is(ErrorCode::ConsumerDoesNotExist)
}

impl<T: Transport> JetStream<T> {
    /// Dry run of [`create_or_update_stream`](JetStream::create_or_update_stream):
    /// `None` when the stream does not exist (it would be created), else how
    /// its configuration differs from `config` (empty: nothing to do;
    /// [`ConfigDiff::is_refused`]: the server would refuse the update).
    /// Nothing is changed.
    pub async fn stream_changes(&self, config: &StreamConfig) -> Result<Option<ConfigDiff>, Error> {
        validate_stream(config)?;
        match self.stream_info(&config.name).await {
            Ok(info) => Ok(Some(diff_streams(&info.config, config))),
            Err(e) if e.is(ErrorCode::StreamNotFound) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The stream named in `config` as it is, or a new one with `config`;
    /// with how the existing configuration differs from `config`.
    pub async fn load_or_create_stream(
        &self,
        config: StreamConfig,
    ) -> Result<Loaded<Stream<T>>, Error> {
        validate_stream(&config)?;
        match self.stream_info(&config.name).await {
            Ok(info) => {
                let diff = diff_streams(&info.config, &config);
                return Ok(Loaded {
                    handle: Stream::new(self.clone(), info),
                    created: false,
                    diff,
                });
            }
            Err(e) if e.is(ErrorCode::StreamNotFound) => {}
            Err(e) => return Err(e),
        }
        match self.create_stream(config.clone()).await {
            Ok(s) => Ok(Loaded::created(s, ConfigKind::Stream)),
            // Created by someone else in the meantime.
            Err(e) if e.is(ErrorCode::StreamNameInUse) => {
                let info = self.stream_info(&config.name).await?;
                let diff = diff_streams(&info.config, &config);
                Ok(Loaded {
                    handle: Stream::new(self.clone(), info),
                    created: false,
                    diff,
                })
            }
            Err(e) => Err(e),
        }
    }

    /// The stream named in `config` as it is (untouched), or a new one with
    /// `config`.
    pub async fn get_or_create_stream(&self, config: StreamConfig) -> Result<Stream<T>, Error> {
        Ok(self.load_or_create_stream(config).await?.handle)
    }

    /// Dry run of [`create_or_update_consumer`](JetStream::create_or_update_consumer):
    /// `None` when the consumer does not exist (or has no name), else how
    /// its configuration differs from `config`. Nothing is changed.
    pub async fn consumer_changes(
        &self,
        stream: &str,
        config: &ConsumerConfig,
    ) -> Result<Option<ConfigDiff>, Error> {
        validate_consumer(config)?;
        let Some(name) = config.consumer_name() else {
            return Ok(None);
        };
        match self.consumer_info(stream, name).await {
            Ok(info) => Ok(Some(diff_consumers(&info.config, config))),
            Err(e) if consumer_missing(&e) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The consumer named in `config` as it is, or a new one with `config`
    /// (a consumer without a name is always new); with how the existing
    /// configuration differs from `config`.
    pub async fn load_or_create_consumer(
        &self,
        stream: &str,
        config: ConsumerConfig,
    ) -> Result<Loaded<Consumer<T>>, Error> {
        validate_consumer(&config)?;
        if let Some(name) = config.consumer_name() {
            match self.consumer_info(stream, name).await {
                Ok(info) => {
                    let diff = diff_consumers(&info.config, &config);
                    return Ok(Loaded {
                        handle: Consumer::new(self.clone(), info),
                        created: false,
                        diff,
                    });
                }
                Err(e) if consumer_missing(&e) => {}
                Err(e) => return Err(e),
            }
        }
        match self
            .create_consumer_with_action(stream, config.clone(), ConsumerAction::Create)
            .await
        {
            Ok(c) => Ok(Loaded::created(c, ConfigKind::Consumer)),
            Err(e) if e.code().is_some_and(ErrorCode::is_consumer_exists) => {
                let name = config.consumer_name().unwrap_or_default();
                let info = self.consumer_info(stream, name).await?;
                let diff = diff_consumers(&info.config, &config);
                Ok(Loaded {
                    handle: Consumer::new(self.clone(), info),
                    created: false,
                    diff,
                })
            }
            Err(e) => Err(e),
        }
    }

    /// The consumer named in `config` as it is (untouched), or a new one
    /// with `config`.
    pub async fn get_or_create_consumer(
        &self,
        stream: &str,
        config: ConsumerConfig,
    ) -> Result<Consumer<T>, Error> {
        Ok(self.load_or_create_consumer(stream, config).await?.handle)
    }

    /// The bucket as it is, or a new one with `config`; with how the
    /// existing bucket's stream configuration differs from `config`'s.
    pub async fn load_or_create_key_value(
        &self,
        config: kv::Config,
    ) -> Result<Loaded<KeyValue<T>>, KvError> {
        let stream = self.key_value_stream_config(&config).await?;
        let loaded = self.load_or_create_stream(stream).await?;
        if !loaded.created && loaded.handle.cached_info().config.max_msgs_per_subject < 1 {
            return Err(KvError::NotABucket(loaded.handle.name().to_string()));
        }
        let js = self.clone();
        Ok(loaded.map(|s| KeyValue::from_stream_info(js, s.cached_info().clone())))
    }

    /// The bucket as it is (untouched), or a new one with `config`.
    pub async fn get_or_create_key_value(
        &self,
        config: kv::Config,
    ) -> Result<KeyValue<T>, KvError> {
        Ok(self.load_or_create_key_value(config).await?.handle)
    }

    /// The object store as it is, or a new one with `config`; with how the
    /// existing store's stream configuration differs from `config`'s.
    pub async fn load_or_create_object_store(
        &self,
        config: object::Config,
    ) -> Result<Loaded<ObjectStore<T>>, ObjectError> {
        let stream = config.to_stream_config()?;
        let loaded = self.load_or_create_stream(stream).await?;
        let js = self.clone();
        Ok(loaded.map(|s| ObjectStore::from_stream_info(js, s.cached_info().clone())))
    }

    /// The object store as it is (untouched), or a new one with `config`.
    pub async fn get_or_create_object_store(
        &self,
        config: object::Config,
    ) -> Result<ObjectStore<T>, ObjectError> {
        Ok(self.load_or_create_object_store(config).await?.handle)
    }
}
