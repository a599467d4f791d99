//! [`SuiteJs`] over natrs-jetstream's async API, for the async runtime crates
//! (which share `natrs_client::Client`): every call runs to completion
//! through the runtime's `block_on`, bounded by [`GUARD`]. A runtime plugs
//! in with an [`AsyncRuntime`] (see `tokio_runtime.rs`,
//! `async_std_runtime.rs`).

use crate::support::{
    GUARD, SuiteBatch, SuiteConsumer, SuiteEvents, SuiteJs, SuiteKv, SuiteMessages, SuiteMsg,
    SuiteObjects, SuitePubAck, SuiteStream, SuiteSub,
};
use bytes::Bytes;
use futures_core::Stream as FuturesStream;
use natrs_client::{Client, ConnectError, ConnectOptions, Message, Payload, Subscriber};
use natrs_jetstream::AckKind;
use natrs_jetstream::api::account::AccountInfo;
use natrs_jetstream::api::consumer::{ConsumerConfig, ConsumerInfo, PauseResponse};
use natrs_jetstream::api::message::{MessageGetRequest, StreamMessage};
use natrs_jetstream::api::publish::{PubAck, PublishOptions};
use natrs_jetstream::api::stream::{
    PurgeRequest, PurgeResponse, StreamConfig, StreamInfo, StreamInfoRequest, StreamInfoResponse,
};
use natrs_jetstream::backup::{BackupError, BackupMeta, BackupOptions, RestoreOptions};
use natrs_jetstream::compare::ConfigDiff;
use natrs_jetstream::consumer::{ConsumeOptions, FetchOptions, OrderedOptions};
use natrs_jetstream::consumer::{Consumer, Fetch, Messages, OrderedMessages, PushMessages};
use natrs_jetstream::events::{Event, EventError, EventFamily, Events};
use natrs_jetstream::kv::{self, Entry, KeyValue, KvError};
use natrs_jetstream::message::JsMessage;
use natrs_jetstream::metadata::Metadata;
use natrs_jetstream::object::{self, ObjectError, ObjectInfo, ObjectStore};
use natrs_jetstream::publish::{PubAckFuture, PublishMessage};
use natrs_jetstream::report::{ConsumerReport, StreamReport};
use natrs_jetstream::stream::{BatchEnd, DirectBatch, Stream};
use natrs_jetstream::{Error, JetStream, JetStreamOptions};
use std::collections::BTreeMap;
use std::future::{Future, poll_fn};
use std::marker::PhantomData;
use std::path::Path;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

/// What an async runtime crate provides to the suite.
pub trait AsyncRuntime: std::fmt::Debug + Send + Sync + 'static {
    /// Runs `future` to completion from a plain thread (outside the runtime),
    /// giving up after `timeout` (`None`).
    fn run_for<F: Future>(timeout: Duration, future: F) -> Option<F::Output>;

    /// The crate's `connect_with_options`.
    fn connect(
        url: String,
        options: ConnectOptions,
    ) -> impl Future<Output = Result<Client, ConnectError>>;

    /// A context on `client` through the crate's `jetstream` module.
    fn jetstream(client: Client, options: JetStreamOptions) -> JetStream;

    /// Spawns `future` as a task of the runtime; the returned future gives
    /// its output.
    fn spawn<F>(future: F) -> impl Future<Output = F::Output> + Send + 'static
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static;
}

/// Runs `future` on `R`, panicking if it takes longer than [`GUARD`].
#[track_caller]
pub fn run<R: AsyncRuntime, F: Future>(what: &str, future: F) -> F::Output {
    match R::run_for(GUARD, future) {
        Some(v) => v,
        None => panic!("{what} did not complete within {GUARD:?}"),
    }
}

/// A context of an async runtime crate.
#[derive(Debug)]
pub struct AsyncJs<R> {
    client: Client,
    js: JetStream,
    runtime: PhantomData<fn() -> R>,
}

impl<R> Clone for AsyncJs<R> {
    fn clone(&self) -> Self {
        AsyncJs {
            client: self.client.clone(),
            js: self.js.clone(),
            runtime: PhantomData,
        }
    }
}

impl<R: AsyncRuntime> AsyncJs<R> {
    fn on(&self, js: JetStream) -> Self {
        AsyncJs {
            client: self.client.clone(),
            js,
            runtime: PhantomData,
        }
    }

    /// The async context.
    pub fn context(&self) -> &JetStream {
        &self.js
    }
}

impl<R: AsyncRuntime> SuiteJs for AsyncJs<R> {
    type Stream = AsyncStream<R>;
    type Consumer = AsyncConsumer<R>;
    type Msg = AsyncMsg<R>;
    type Messages = AsyncMessages<R>;
    type Batch = AsyncBatch<R>;
    type PubAck = AsyncPubAck<R>;
    type Sub = AsyncSub<R>;
    type Kv = AsyncKv<R>;
    type Objects = AsyncObjects<R>;
    type Events = AsyncEvents<R>;

    fn connect(url: &str, options: ConnectOptions) -> Self {
        let client = match run::<R, _>("connect", R::connect(url.to_owned(), options)) {
            Ok(c) => c,
            Err(e) => panic!("connect to {url}: {e}"),
        };
        let js = R::jetstream(client.clone(), JetStreamOptions::new());
        AsyncJs {
            client,
            js,
            runtime: PhantomData,
        }
    }

    fn with_options(&self, options: JetStreamOptions) -> Self {
        self.on(R::jetstream(self.client.clone(), options))
    }

    fn with_domain(&self, domain: &str) -> Self {
        self.on(JetStream::with_domain(self.client.clone(), domain))
    }

    fn with_prefix(&self, prefix: &str) -> Self {
        self.on(JetStream::with_prefix(self.client.clone(), prefix))
    }

    fn prefix(&self) -> String {
        self.js.prefix().as_str().to_owned()
    }

    fn flush(&self) {
        run::<R, _>("flush", self.client.flush()).expect("flush");
    }

    fn new_inbox(&self) -> String {
        self.client.new_inbox()
    }

    fn subscribe(&self, subject: &str) -> AsyncSub<R> {
        AsyncSub {
            sub: run::<R, _>("subscribe", self.client.subscribe(subject)).expect("subscribe"),
            runtime: PhantomData,
        }
    }

    fn events(&self, families: &[EventFamily]) -> Result<AsyncEvents<R>, Error> {
        Ok(AsyncEvents {
            events: self.js.events(families)?,
            runtime: PhantomData,
        })
    }

    fn account_info(&self) -> Result<AccountInfo, Error> {
        run::<R, _>("account_info", self.js.account_info())
    }

    fn create_stream(&self, config: StreamConfig) -> Result<AsyncStream<R>, Error> {
        run::<R, _>("create_stream", self.js.create_stream(config)).map(AsyncStream::wrap)
    }

    fn update_stream(&self, config: StreamConfig) -> Result<StreamInfo, Error> {
        run::<R, _>("update_stream", self.js.update_stream(config))
    }

    fn create_or_update_stream(&self, config: StreamConfig) -> Result<AsyncStream<R>, Error> {
        run::<R, _>(
            "create_or_update_stream",
            self.js.create_or_update_stream(config),
        )
        .map(AsyncStream::wrap)
    }

    fn get_stream(&self, name: &str) -> Result<AsyncStream<R>, Error> {
        run::<R, _>("get_stream", self.js.get_stream(name)).map(AsyncStream::wrap)
    }

    fn stream_info(&self, name: &str) -> Result<StreamInfo, Error> {
        run::<R, _>("stream_info", self.js.stream_info(name))
    }

    fn delete_stream(&self, name: &str) -> Result<bool, Error> {
        run::<R, _>("delete_stream", self.js.delete_stream(name))
    }

    fn stream_names(&self, subject: Option<&str>) -> Result<Vec<String>, Error> {
        run::<R, _>("stream_names", self.js.stream_names(subject).all())
    }

    fn streams(&self, subject: Option<&str>) -> Result<Vec<StreamInfo>, Error> {
        run::<R, _>("streams", self.js.streams(subject).all())
    }

    fn backup_stream(
        &self,
        stream: &str,
        dir: &Path,
        options: &BackupOptions,
    ) -> Result<BackupMeta, BackupError> {
        run::<R, _>("backup_stream", self.js.backup_stream(stream, dir, options))
    }

    fn restore_stream(
        &self,
        dir: &Path,
        options: &RestoreOptions,
    ) -> Result<StreamInfo, BackupError> {
        run::<R, _>("restore_stream", self.js.restore_stream(dir, options))
    }

    fn stream_by_subject(&self, subject: &str) -> Result<String, Error> {
        run::<R, _>("stream_by_subject", self.js.stream_by_subject(subject))
    }

    fn stream_report(&self, subject: Option<&str>) -> Result<Vec<StreamReport>, Error> {
        run::<R, _>("stream_report", self.js.stream_report(subject).all())
    }

    fn consumer_report(&self, stream: &str) -> Result<Vec<ConsumerReport>, Error> {
        run::<R, _>("consumer_report", self.js.consumer_report(stream).all())
    }

    fn first_stream_info(&self) -> (Option<Result<StreamInfo, Error>>, usize) {
        let mut names = self.js.streams(None);
        let first = run::<R, _>(
            "first stream info",
            poll_fn(|cx| Pin::new(&mut names).poll_next(cx)),
        );
        (first, names.pages_requested())
    }

    fn load_or_create_stream(
        &self,
        config: StreamConfig,
    ) -> Result<(AsyncStream<R>, bool, ConfigDiff), Error> {
        run::<R, _>(
            "load_or_create_stream",
            self.js.load_or_create_stream(config),
        )
        .map(|l| (AsyncStream::wrap(l.handle), l.created, l.diff))
    }

    fn get_or_create_stream(&self, config: StreamConfig) -> Result<AsyncStream<R>, Error> {
        run::<R, _>("get_or_create_stream", self.js.get_or_create_stream(config))
            .map(AsyncStream::wrap)
    }

    fn stream_changes(&self, config: &StreamConfig) -> Result<Option<ConfigDiff>, Error> {
        run::<R, _>("stream_changes", self.js.stream_changes(config))
    }

    fn load_or_create_consumer(
        &self,
        stream: &str,
        config: ConsumerConfig,
    ) -> Result<(AsyncConsumer<R>, bool, ConfigDiff), Error> {
        run::<R, _>(
            "load_or_create_consumer",
            self.js.load_or_create_consumer(stream, config),
        )
        .map(|l| (AsyncConsumer::wrap(l.handle), l.created, l.diff))
    }

    fn get_or_create_consumer(
        &self,
        stream: &str,
        config: ConsumerConfig,
    ) -> Result<AsyncConsumer<R>, Error> {
        run::<R, _>(
            "get_or_create_consumer",
            self.js.get_or_create_consumer(stream, config),
        )
        .map(AsyncConsumer::wrap)
    }

    fn consumer_changes(
        &self,
        stream: &str,
        config: &ConsumerConfig,
    ) -> Result<Option<ConfigDiff>, Error> {
        run::<R, _>("consumer_changes", self.js.consumer_changes(stream, config))
    }

    fn load_or_create_key_value(
        &self,
        config: kv::Config,
    ) -> Result<(AsyncKv<R>, bool, ConfigDiff), KvError> {
        run::<R, _>(
            "load_or_create_key_value",
            self.js.load_or_create_key_value(config),
        )
        .map(|l| (AsyncKv::wrap(l.handle), l.created, l.diff))
    }

    fn load_or_create_object_store(
        &self,
        config: object::Config,
    ) -> Result<(AsyncObjects<R>, bool, ConfigDiff), ObjectError> {
        run::<R, _>(
            "load_or_create_object_store",
            self.js.load_or_create_object_store(config),
        )
        .map(|l| (AsyncObjects::wrap(l.handle), l.created, l.diff))
    }

    fn create_consumer(
        &self,
        stream: &str,
        config: ConsumerConfig,
    ) -> Result<AsyncConsumer<R>, Error> {
        run::<R, _>("create_consumer", self.js.create_consumer(stream, config))
            .map(AsyncConsumer::wrap)
    }

    fn update_consumer(
        &self,
        stream: &str,
        config: ConsumerConfig,
    ) -> Result<AsyncConsumer<R>, Error> {
        run::<R, _>("update_consumer", self.js.update_consumer(stream, config))
            .map(AsyncConsumer::wrap)
    }

    fn create_or_update_consumer(
        &self,
        stream: &str,
        config: ConsumerConfig,
    ) -> Result<AsyncConsumer<R>, Error> {
        run::<R, _>(
            "create_or_update_consumer",
            self.js.create_or_update_consumer(stream, config),
        )
        .map(AsyncConsumer::wrap)
    }

    fn get_consumer(&self, stream: &str, name: &str) -> Result<AsyncConsumer<R>, Error> {
        run::<R, _>("get_consumer", self.js.get_consumer(stream, name)).map(AsyncConsumer::wrap)
    }

    fn consumer_info(&self, stream: &str, name: &str) -> Result<ConsumerInfo, Error> {
        run::<R, _>("consumer_info", self.js.consumer_info(stream, name))
    }

    fn delete_consumer(&self, stream: &str, name: &str) -> Result<bool, Error> {
        run::<R, _>("delete_consumer", self.js.delete_consumer(stream, name))
    }

    fn consumer_names(&self, stream: &str) -> Result<Vec<String>, Error> {
        run::<R, _>("consumer_names", self.js.consumer_names(stream).all())
    }

    fn consumers(&self, stream: &str) -> Result<Vec<ConsumerInfo>, Error> {
        run::<R, _>("consumers", self.js.consumers(stream).all())
    }

    fn publish<'p>(&self, subject: &str, payload: impl Into<Payload<'p>>) -> Result<PubAck, Error> {
        run::<R, _>("publish", self.js.publish(subject, payload))
    }

    fn publish_with_options<'p>(
        &self,
        subject: &str,
        payload: impl Into<Payload<'p>>,
        options: PublishOptions,
    ) -> Result<PubAck, Error> {
        run::<R, _>(
            "publish_with_options",
            self.js.publish_with_options(subject, payload, options),
        )
    }

    fn send_publish(&self, subject: &str, message: PublishMessage) -> Result<PubAck, Error> {
        run::<R, _>("send_publish", self.js.send_publish(subject, message))
    }

    fn publish_async<'p>(
        &self,
        subject: &str,
        payload: impl Into<Payload<'p>>,
    ) -> Result<AsyncPubAck<R>, Error> {
        run::<R, _>("publish_async", self.js.publish_async(subject, payload)).map(AsyncPubAck::wrap)
    }

    fn send_publish_async(
        &self,
        subject: &str,
        message: PublishMessage,
    ) -> Result<AsyncPubAck<R>, Error> {
        run::<R, _>(
            "send_publish_async",
            self.js.send_publish_async(subject, message),
        )
        .map(AsyncPubAck::wrap)
    }

    fn publish_async_complete(&self) -> Result<(), Error> {
        run::<R, _>("publish_async_complete", self.js.publish_async_complete())
    }

    fn publish_async_pending(&self) -> usize {
        self.js.publish_async_pending()
    }

    fn ordered(
        &self,
        stream: &str,
        options: OrderedOptions,
        consume: Option<ConsumeOptions>,
    ) -> Result<AsyncMessages<R>, Error> {
        let mut ordered = self.js.ordered_consumer(stream, options)?;
        if let Some(consume) = consume {
            ordered = ordered.consume_options(consume);
        }
        run::<R, _>("ordered messages", ordered.messages())
            .map(|m| AsyncMessages::wrap(Kind::Ordered(m)))
    }

    fn create_key_value(&self, config: kv::Config) -> Result<AsyncKv<R>, KvError> {
        run::<R, _>("create_key_value", self.js.create_key_value(config)).map(AsyncKv::wrap)
    }

    fn key_value(&self, bucket: &str) -> Result<AsyncKv<R>, KvError> {
        run::<R, _>("key_value", self.js.key_value(bucket)).map(AsyncKv::wrap)
    }

    fn create_object_store(&self, config: object::Config) -> Result<AsyncObjects<R>, ObjectError> {
        run::<R, _>("create_object_store", self.js.create_object_store(config))
            .map(AsyncObjects::wrap)
    }

    fn object_store(&self, bucket: &str) -> Result<AsyncObjects<R>, ObjectError> {
        run::<R, _>("object_store", self.js.object_store(bucket)).map(AsyncObjects::wrap)
    }
}

/// A Key-Value bucket of an [`AsyncJs`].
#[derive(Debug)]
pub struct AsyncKv<R> {
    kv: KeyValue,
    runtime: PhantomData<fn() -> R>,
}

impl<R> AsyncKv<R> {
    fn wrap(kv: KeyValue) -> Self {
        AsyncKv {
            kv,
            runtime: PhantomData,
        }
    }
}

impl<R: AsyncRuntime> SuiteKv for AsyncKv<R> {
    fn put(&self, key: &str, value: &str) -> Result<u64, KvError> {
        run::<R, _>("kv put", self.kv.put(key, value))
    }

    fn get(&self, key: &str) -> Result<Entry, KvError> {
        run::<R, _>("kv get", self.kv.get(key))
    }

    fn keys(&self) -> Result<Vec<String>, KvError> {
        run::<R, _>("kv keys", self.kv.keys())
    }

    fn history(&self, key: &str) -> Result<Vec<Entry>, KvError> {
        run::<R, _>("kv history", async {
            let mut history = self.kv.list_history(key).await?;
            let mut entries = Vec::new();
            while let Some(e) = poll_fn(|cx| Pin::new(&mut history).poll_next(cx)).await {
                entries.push(e?);
            }
            Ok(entries)
        })
    }
}

/// An object store of an [`AsyncJs`].
#[derive(Debug)]
pub struct AsyncObjects<R> {
    store: ObjectStore,
    runtime: PhantomData<fn() -> R>,
}

impl<R> AsyncObjects<R> {
    fn wrap(store: ObjectStore) -> Self {
        AsyncObjects {
            store,
            runtime: PhantomData,
        }
    }
}

impl<R: AsyncRuntime> SuiteObjects for AsyncObjects<R> {
    fn put_bytes(&self, name: &str, data: Bytes) -> Result<ObjectInfo, ObjectError> {
        run::<R, _>("object put", self.store.put_bytes(name, data))
    }

    fn get_bytes(&self, name: &str) -> Result<Bytes, ObjectError> {
        run::<R, _>("object get", self.store.get_bytes(name))
    }

    fn list(&self) -> Result<Vec<ObjectInfo>, ObjectError> {
        run::<R, _>("object list", async {
            let mut list = self.store.list_objects().await?;
            let mut infos = Vec::new();
            while let Some(info) = poll_fn(|cx| Pin::new(&mut list).poll_next(cx)).await {
                infos.push(info?);
            }
            Ok(infos)
        })
    }
}

/// A stream handle of an [`AsyncJs`].
#[derive(Debug)]
pub struct AsyncStream<R> {
    inner: Stream,
    runtime: PhantomData<fn() -> R>,
}

impl<R> Clone for AsyncStream<R> {
    fn clone(&self) -> Self {
        AsyncStream {
            inner: self.inner.clone(),
            runtime: PhantomData,
        }
    }
}

impl<R> AsyncStream<R> {
    fn wrap(inner: Stream) -> Self {
        AsyncStream {
            inner,
            runtime: PhantomData,
        }
    }
}

impl<R: AsyncRuntime> SuiteStream for AsyncStream<R> {
    type Js = AsyncJs<R>;

    fn name(&self) -> String {
        self.inner.name().to_owned()
    }

    fn cached_info(&self) -> StreamInfo {
        self.inner.cached_info().clone()
    }

    fn info(&mut self) -> Result<StreamInfo, Error> {
        run::<R, _>("stream info", self.inner.info()).cloned()
    }

    fn info_with(&self, request: &StreamInfoRequest) -> Result<StreamInfoResponse, Error> {
        run::<R, _>("info_with", self.inner.info_with(request))
    }

    fn subjects(&self, filter: &str) -> Result<BTreeMap<String, u64>, Error> {
        run::<R, _>("subjects", self.inner.subjects(filter))
    }

    fn delete(&self) -> Result<bool, Error> {
        run::<R, _>("stream delete", self.inner.delete())
    }

    fn purge(&self) -> Result<PurgeResponse, Error> {
        run::<R, _>("purge", self.inner.purge())
    }

    fn purge_with(&self, request: &PurgeRequest) -> Result<PurgeResponse, Error> {
        run::<R, _>("purge_with", self.inner.purge_with(request))
    }

    fn purge_subject(&self, filter: &str) -> Result<PurgeResponse, Error> {
        run::<R, _>("purge_subject", self.inner.purge_subject(filter))
    }

    fn get_message(&self, sequence: u64) -> Result<StreamMessage, Error> {
        run::<R, _>("get_message", self.inner.get_message(sequence))
    }

    fn get_last_message(&self, subject: &str) -> Result<StreamMessage, Error> {
        run::<R, _>("get_last_message", self.inner.get_last_message(subject))
    }

    fn get_next_message(&self, subject: &str, from: u64) -> Result<StreamMessage, Error> {
        run::<R, _>(
            "get_next_message",
            self.inner.get_next_message(subject, from),
        )
    }

    fn delete_message(&self, sequence: u64) -> Result<bool, Error> {
        run::<R, _>("delete_message", self.inner.delete_message(sequence))
    }

    fn erase_message(&self, sequence: u64) -> Result<bool, Error> {
        run::<R, _>("erase_message", self.inner.erase_message(sequence))
    }

    fn direct_get(&self, sequence: u64) -> Result<StreamMessage, Error> {
        run::<R, _>("direct_get", self.inner.direct_get(sequence))
    }

    fn direct_get_last(&self, subject: &str) -> Result<StreamMessage, Error> {
        run::<R, _>("direct_get_last", self.inner.direct_get_last(subject))
    }

    fn direct_get_next(&self, subject: &str, from: u64) -> Result<StreamMessage, Error> {
        run::<R, _>("direct_get_next", self.inner.direct_get_next(subject, from))
    }

    fn direct_batch(
        &self,
        request: MessageGetRequest,
        all_pages: bool,
    ) -> Result<AsyncBatch<R>, Error> {
        Ok(AsyncBatch {
            inner: self.inner.direct_batch(request, all_pages)?,
            runtime: PhantomData,
        })
    }

    fn create_consumer(&self, config: ConsumerConfig) -> Result<AsyncConsumer<R>, Error> {
        run::<R, _>("create_consumer", self.inner.create_consumer(config)).map(AsyncConsumer::wrap)
    }

    fn get_consumer(&self, name: &str) -> Result<AsyncConsumer<R>, Error> {
        run::<R, _>("get_consumer", self.inner.get_consumer(name)).map(AsyncConsumer::wrap)
    }

    fn consumer_names(&self) -> Result<Vec<String>, Error> {
        run::<R, _>("consumer_names", self.inner.consumer_names().all())
    }

    fn ordered(
        &self,
        options: OrderedOptions,
        consume: Option<ConsumeOptions>,
    ) -> Result<AsyncMessages<R>, Error> {
        let mut ordered = self.inner.ordered_consumer(options)?;
        if let Some(consume) = consume {
            ordered = ordered.consume_options(consume);
        }
        run::<R, _>("ordered messages", ordered.messages())
            .map(|m| AsyncMessages::wrap(Kind::Ordered(m)))
    }
}

/// A consumer handle of an [`AsyncJs`].
#[derive(Debug)]
pub struct AsyncConsumer<R> {
    inner: Consumer,
    runtime: PhantomData<fn() -> R>,
}

impl<R> Clone for AsyncConsumer<R> {
    fn clone(&self) -> Self {
        AsyncConsumer {
            inner: self.inner.clone(),
            runtime: PhantomData,
        }
    }
}

impl<R> AsyncConsumer<R> {
    fn wrap(inner: Consumer) -> Self {
        AsyncConsumer {
            inner,
            runtime: PhantomData,
        }
    }
}

impl<R: AsyncRuntime> SuiteConsumer for AsyncConsumer<R> {
    type Js = AsyncJs<R>;

    fn name(&self) -> String {
        self.inner.name().to_owned()
    }

    fn cached_info(&self) -> ConsumerInfo {
        self.inner.cached_info().clone()
    }

    fn info(&mut self) -> Result<ConsumerInfo, Error> {
        run::<R, _>("consumer info", self.inner.info()).cloned()
    }

    fn delete(&self) -> Result<bool, Error> {
        run::<R, _>("consumer delete", self.inner.delete())
    }

    fn pause(&self, until: time::OffsetDateTime) -> Result<PauseResponse, Error> {
        run::<R, _>("pause", self.inner.pause(until))
    }

    fn resume(&self) -> Result<PauseResponse, Error> {
        run::<R, _>("resume", self.inner.resume())
    }

    fn reset(&mut self, sequence: Option<u64>) -> Result<u64, Error> {
        run::<R, _>("reset", self.inner.reset(sequence))
    }

    fn fetch(&self, options: FetchOptions) -> Result<AsyncMessages<R>, Error> {
        Ok(AsyncMessages::wrap(Kind::Fetch(self.inner.fetch(options)?)))
    }

    fn next(&self) -> Result<Option<AsyncMsg<R>>, Error> {
        run::<R, _>("next", self.inner.next()).map(|m| m.map(AsyncMsg::wrap))
    }

    fn next_timeout(&self, expires: Duration) -> Result<Option<AsyncMsg<R>>, Error> {
        run::<R, _>("next_timeout", self.inner.next_timeout(expires)).map(|m| m.map(AsyncMsg::wrap))
    }

    fn next_with(&self, options: FetchOptions) -> Result<Option<AsyncMsg<R>>, Error> {
        run::<R, _>("next_with", self.inner.next_with(options)).map(|m| m.map(AsyncMsg::wrap))
    }

    fn pin_id(&self) -> Option<String> {
        self.inner.pin_id()
    }

    fn messages(&self, options: ConsumeOptions) -> Result<AsyncMessages<R>, Error> {
        Ok(AsyncMessages::wrap(Kind::Consume(
            self.inner.messages(options)?,
        )))
    }

    fn push_messages(&self) -> Result<AsyncMessages<R>, Error> {
        Ok(AsyncMessages::wrap(Kind::Push(self.inner.push_messages()?)))
    }
}

/// A consumer's message of an [`AsyncJs`].
#[derive(Debug)]
pub struct AsyncMsg<R> {
    inner: JsMessage,
    runtime: PhantomData<fn() -> R>,
}

impl<R> AsyncMsg<R> {
    fn wrap(inner: JsMessage) -> Self {
        AsyncMsg {
            inner,
            runtime: PhantomData,
        }
    }
}

impl<R: AsyncRuntime> SuiteMsg for AsyncMsg<R> {
    fn message(&self) -> &Message {
        self.inner.message()
    }

    fn metadata(&self) -> Result<Metadata, Error> {
        self.inner.metadata()
    }

    fn is_acked(&self) -> bool {
        self.inner.is_acked()
    }

    fn ack_with(&self, kind: AckKind) -> Result<(), Error> {
        run::<R, _>("ack_with", self.inner.ack_with(kind))
    }

    fn double_ack_with(&self, kind: AckKind) -> Result<(), Error> {
        run::<R, _>("double_ack_with", self.inner.double_ack_with(kind))
    }

    fn ack(&self) -> Result<(), Error> {
        run::<R, _>("ack", self.inner.ack())
    }

    fn double_ack(&self) -> Result<(), Error> {
        run::<R, _>("double_ack", self.inner.double_ack())
    }

    fn nak(&self) -> Result<(), Error> {
        run::<R, _>("nak", self.inner.nak())
    }

    fn nak_with_delay(&self, delay: Duration) -> Result<(), Error> {
        run::<R, _>("nak_with_delay", self.inner.nak_with_delay(delay))
    }

    fn in_progress(&self) -> Result<(), Error> {
        run::<R, _>("in_progress", self.inner.in_progress())
    }

    fn term(&self) -> Result<(), Error> {
        run::<R, _>("term", self.inner.term())
    }

    fn term_with_reason(&self, reason: &str) -> Result<(), Error> {
        run::<R, _>("term_with_reason", self.inner.term_with_reason(reason))
    }
}

/// The stream behind an [`AsyncMessages`].
#[derive(Debug)]
enum Kind {
    Fetch(Fetch<Client>),
    Consume(Messages<Client>),
    Push(PushMessages<Client>),
    Ordered(OrderedMessages),
}

/// Messages of an [`AsyncJs`] consumer, as a `futures_core::Stream`
/// polled through the runtime.
#[derive(Debug)]
pub struct AsyncMessages<R> {
    kind: Kind,
    runtime: PhantomData<fn() -> R>,
}

impl<R> AsyncMessages<R> {
    fn wrap(kind: Kind) -> Self {
        AsyncMessages {
            kind,
            runtime: PhantomData,
        }
    }

    fn poll_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<JsMessage, Error>>> {
        match &mut self.kind {
            Kind::Fetch(s) => Pin::new(s).poll_next(cx),
            Kind::Consume(s) => Pin::new(s).poll_next(cx),
            Kind::Push(s) => Pin::new(s).poll_next(cx),
            Kind::Ordered(s) => Pin::new(s).poll_next(cx),
        }
    }

    fn ordered(&self) -> &OrderedMessages {
        match &self.kind {
            Kind::Ordered(s) => s,
            other => panic!("not an ordered consumer: {other:?}"),
        }
    }
}

impl<R: AsyncRuntime> SuiteMessages for AsyncMessages<R> {
    type Msg = AsyncMsg<R>;

    fn next_within(&mut self, timeout: Duration) -> Option<Option<Result<AsyncMsg<R>, Error>>> {
        R::run_for(timeout, poll_fn(|cx| self.poll_next(cx)))
            .map(|item| item.map(|r| r.map(AsyncMsg::wrap)))
    }

    fn pending(&self) -> (usize, usize) {
        match &self.kind {
            Kind::Consume(s) => s.pending(),
            other => panic!("not a consume: {other:?}"),
        }
    }

    fn stop(&mut self) {
        match &mut self.kind {
            Kind::Consume(s) => s.stop(),
            Kind::Push(s) => s.stop(),
            other => panic!("cannot stop {other:?}"),
        }
    }

    fn flow_control_replies(&self) -> u64 {
        match &self.kind {
            Kind::Push(s) => s.flow_control_replies(),
            other => panic!("not a push consumer: {other:?}"),
        }
    }

    fn consumer_name(&self) -> Option<String> {
        self.ordered().consumer_name().map(str::to_owned)
    }

    fn consumers_created(&self) -> u64 {
        self.ordered().consumers_created()
    }

    fn last_stream_sequence(&self) -> u64 {
        self.ordered().last_stream_sequence()
    }
}

/// A batched direct get of an [`AsyncJs`].
#[derive(Debug)]
pub struct AsyncBatch<R> {
    inner: DirectBatch,
    runtime: PhantomData<fn() -> R>,
}

impl<R: AsyncRuntime> SuiteBatch for AsyncBatch<R> {
    fn next_within(&mut self, timeout: Duration) -> Option<Option<Result<StreamMessage, Error>>> {
        let batch = &mut self.inner;
        R::run_for(timeout, poll_fn(|cx| Pin::new(&mut *batch).poll_next(cx)))
    }

    fn end(&self) -> Option<BatchEnd> {
        self.inner.end()
    }
}

/// The ack of an async publish of an [`AsyncJs`].
#[derive(Debug)]
pub struct AsyncPubAck<R> {
    inner: PubAckFuture,
    runtime: PhantomData<fn() -> R>,
}

impl<R> AsyncPubAck<R> {
    fn wrap(inner: PubAckFuture) -> Self {
        AsyncPubAck {
            inner,
            runtime: PhantomData,
        }
    }
}

impl<R: AsyncRuntime> SuitePubAck for AsyncPubAck<R> {
    fn wait(self) -> Result<PubAck, Error> {
        run::<R, _>("a publish ack", self.inner)
    }
}

/// A core subscription of an [`AsyncJs`].
#[derive(Debug)]
pub struct AsyncEvents<R> {
    events: Events<Client>,
    runtime: PhantomData<fn() -> R>,
}

impl<R: AsyncRuntime> SuiteEvents for AsyncEvents<R> {
    fn next_within(&mut self, timeout: Duration) -> Option<Result<Event, EventError>> {
        let events = &mut self.events;
        R::run_for(timeout, poll_fn(|cx| Pin::new(&mut *events).poll_next(cx))).flatten()
    }
}

#[derive(Debug)]
pub struct AsyncSub<R> {
    sub: Subscriber,
    runtime: PhantomData<fn() -> R>,
}

impl<R: AsyncRuntime> SuiteSub for AsyncSub<R> {
    fn next_within(&mut self, timeout: Duration) -> Option<Message> {
        let sub = &self.sub;
        R::run_for(timeout, poll_fn(|cx| sub.poll_next_message(cx))).flatten()
    }
}
