//! [`SuiteJs`] for natrs-blocking: each method calls the blocking facade
//! that `natrs_blocking::jetstream` exposes, with contexts made from a
//! `natrs_blocking::Client`. Calls are bounded by the API's own timeouts;
//! waits for messages use the iterators' `next_timeout`.

use crate::support::{
    SuiteBatch, SuiteConsumer, SuiteEvents, SuiteJs, SuiteKv, SuiteMessages, SuiteMsg,
    SuiteObjects, SuitePubAck, SuiteStream, SuiteSub,
};
use bytes::Bytes;
// natrs-blocking re-exports the context but not the KV and object store
// types: they come from natrs-jetstream.
use natrs_blocking::jetstream::AckKind;
use natrs_blocking::jetstream::api::account::AccountInfo;
use natrs_blocking::jetstream::api::consumer::{ConsumerConfig, ConsumerInfo, PauseResponse};
use natrs_blocking::jetstream::api::message::{MessageGetRequest, StreamMessage};
use natrs_blocking::jetstream::api::publish::{PubAck, PublishOptions};
use natrs_blocking::jetstream::api::stream::{
    PurgeRequest, PurgeResponse, StreamConfig, StreamInfo, StreamInfoRequest, StreamInfoResponse,
};
use natrs_blocking::jetstream::backup::{BackupError, BackupMeta, BackupOptions, RestoreOptions};
use natrs_blocking::jetstream::compare::ConfigDiff;
use natrs_blocking::jetstream::consumer::{ConsumeOptions, FetchOptions, OrderedOptions};
use natrs_blocking::jetstream::metadata::Metadata;
use natrs_blocking::jetstream::report::{ConsumerReport, StreamReport};
use natrs_blocking::jetstream::{
    BatchEnd, ConsumeMessages, Consumer, DirectBatch, Error, FetchMessages, JetStream,
    JetStreamOptions, JsMessage, OrderedMessages, PubAckHandle, PublishMessage, PushMessages,
    Stream,
};
use natrs_blocking::{Client, ConnectOptions, Message, Payload, Subscription};
// Key-Value and Object Store as natrs-blocking users reach them.
use natrs_blocking::jetstream::events::{Event, EventError, EventFamily, Events};
use natrs_blocking::jetstream::kv::{self, Entry, KeyValue, KvError};
use natrs_blocking::jetstream::object::{self, ObjectError, ObjectInfo, ObjectStore};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

/// A natrs-blocking connection and a context on it.
#[derive(Debug, Clone)]
pub struct BlockingJs {
    client: Client,
    js: JetStream,
}

impl BlockingJs {
    fn on(&self, js: JetStream) -> Self {
        BlockingJs {
            client: self.client.clone(),
            js,
        }
    }
}

impl SuiteJs for BlockingJs {
    type Stream = BlockingStream;
    type Consumer = BlockingConsumer;
    type Msg = BlockingMsg;
    type Messages = BlockingMessages;
    type Batch = BlockingBatch;
    type PubAck = BlockingPubAck;
    type Sub = BlockingSub;
    type Events = BlockingEvents;
    type Kv = BlockingKv;
    type Objects = BlockingObjects;

    fn connect(url: &str, options: ConnectOptions) -> Self {
        let client = match natrs_blocking::connect_with_options(url, options) {
            Ok(c) => c,
            Err(e) => panic!("connect to {url}: {e}"),
        };
        let js = JetStream::new(client.clone());
        BlockingJs { client, js }
    }

    fn with_options(&self, options: JetStreamOptions) -> Self {
        self.on(JetStream::with_options(self.client.clone(), options))
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
        self.client.flush().expect("flush");
    }

    fn new_inbox(&self) -> String {
        self.client.new_inbox()
    }

    fn subscribe(&self, subject: &str) -> BlockingSub {
        BlockingSub(self.client.subscribe(subject).expect("subscribe"))
    }

    fn events(&self, families: &[EventFamily]) -> Result<BlockingEvents, Error> {
        self.js.events(families).map(BlockingEvents)
    }

    fn account_info(&self) -> Result<AccountInfo, Error> {
        self.js.account_info()
    }

    fn create_stream(&self, config: StreamConfig) -> Result<BlockingStream, Error> {
        self.js.create_stream(config).map(BlockingStream)
    }

    fn update_stream(&self, config: StreamConfig) -> Result<StreamInfo, Error> {
        self.js.update_stream(config)
    }

    fn create_or_update_stream(&self, config: StreamConfig) -> Result<BlockingStream, Error> {
        self.js.create_or_update_stream(config).map(BlockingStream)
    }

    fn get_stream(&self, name: &str) -> Result<BlockingStream, Error> {
        self.js.get_stream(name).map(BlockingStream)
    }

    fn stream_info(&self, name: &str) -> Result<StreamInfo, Error> {
        self.js.stream_info(name)
    }

    fn delete_stream(&self, name: &str) -> Result<bool, Error> {
        self.js.delete_stream(name)
    }

    fn stream_names(&self, subject: Option<&str>) -> Result<Vec<String>, Error> {
        self.js.stream_names(subject).all()
    }

    fn streams(&self, subject: Option<&str>) -> Result<Vec<StreamInfo>, Error> {
        self.js.streams(subject).all()
    }

    fn backup_stream(
        &self,
        stream: &str,
        dir: &Path,
        options: &BackupOptions,
    ) -> Result<BackupMeta, BackupError> {
        self.js.backup_stream(stream, dir, options)
    }

    fn restore_stream(
        &self,
        dir: &Path,
        options: &RestoreOptions,
    ) -> Result<StreamInfo, BackupError> {
        self.js.restore_stream(dir, options)
    }

    fn stream_by_subject(&self, subject: &str) -> Result<String, Error> {
        self.js.stream_by_subject(subject)
    }

    fn stream_report(&self, subject: Option<&str>) -> Result<Vec<StreamReport>, Error> {
        self.js.stream_report(subject).all()
    }

    fn consumer_report(&self, stream: &str) -> Result<Vec<ConsumerReport>, Error> {
        self.js.consumer_report(stream).all()
    }

    fn first_stream_info(&self) -> (Option<Result<StreamInfo, Error>>, usize) {
        let mut names = self.js.streams(None);
        let first = names.next();
        (first, names.pages_requested())
    }

    fn load_or_create_stream(
        &self,
        config: StreamConfig,
    ) -> Result<(BlockingStream, bool, ConfigDiff), Error> {
        self.js
            .load_or_create_stream(config)
            .map(|l| (BlockingStream(l.handle), l.created, l.diff))
    }

    fn get_or_create_stream(&self, config: StreamConfig) -> Result<BlockingStream, Error> {
        self.js.get_or_create_stream(config).map(BlockingStream)
    }

    fn stream_changes(&self, config: &StreamConfig) -> Result<Option<ConfigDiff>, Error> {
        self.js.stream_changes(config)
    }

    fn load_or_create_consumer(
        &self,
        stream: &str,
        config: ConsumerConfig,
    ) -> Result<(BlockingConsumer, bool, ConfigDiff), Error> {
        self.js
            .load_or_create_consumer(stream, config)
            .map(|l| (BlockingConsumer(l.handle), l.created, l.diff))
    }

    fn get_or_create_consumer(
        &self,
        stream: &str,
        config: ConsumerConfig,
    ) -> Result<BlockingConsumer, Error> {
        self.js
            .get_or_create_consumer(stream, config)
            .map(BlockingConsumer)
    }

    fn consumer_changes(
        &self,
        stream: &str,
        config: &ConsumerConfig,
    ) -> Result<Option<ConfigDiff>, Error> {
        self.js.consumer_changes(stream, config)
    }

    fn load_or_create_key_value(
        &self,
        config: kv::Config,
    ) -> Result<(BlockingKv, bool, ConfigDiff), KvError> {
        self.js
            .load_or_create_key_value(config)
            .map(|l| (BlockingKv(l.handle), l.created, l.diff))
    }

    fn load_or_create_object_store(
        &self,
        config: object::Config,
    ) -> Result<(BlockingObjects, bool, ConfigDiff), ObjectError> {
        self.js
            .load_or_create_object_store(config)
            .map(|l| (BlockingObjects(l.handle), l.created, l.diff))
    }

    fn create_consumer(
        &self,
        stream: &str,
        config: ConsumerConfig,
    ) -> Result<BlockingConsumer, Error> {
        self.js
            .create_consumer(stream, config)
            .map(BlockingConsumer)
    }

    fn update_consumer(
        &self,
        stream: &str,
        config: ConsumerConfig,
    ) -> Result<BlockingConsumer, Error> {
        self.js
            .update_consumer(stream, config)
            .map(BlockingConsumer)
    }

    fn create_or_update_consumer(
        &self,
        stream: &str,
        config: ConsumerConfig,
    ) -> Result<BlockingConsumer, Error> {
        self.js
            .create_or_update_consumer(stream, config)
            .map(BlockingConsumer)
    }

    fn get_consumer(&self, stream: &str, name: &str) -> Result<BlockingConsumer, Error> {
        self.js.get_consumer(stream, name).map(BlockingConsumer)
    }

    fn consumer_info(&self, stream: &str, name: &str) -> Result<ConsumerInfo, Error> {
        self.js.consumer_info(stream, name)
    }

    fn delete_consumer(&self, stream: &str, name: &str) -> Result<bool, Error> {
        self.js.delete_consumer(stream, name)
    }

    fn consumer_names(&self, stream: &str) -> Result<Vec<String>, Error> {
        self.js.consumer_names(stream).all()
    }

    fn consumers(&self, stream: &str) -> Result<Vec<ConsumerInfo>, Error> {
        self.js.consumers(stream).all()
    }

    fn publish<'p>(&self, subject: &str, payload: impl Into<Payload<'p>>) -> Result<PubAck, Error> {
        self.js.publish(subject, payload)
    }

    fn publish_with_options<'p>(
        &self,
        subject: &str,
        payload: impl Into<Payload<'p>>,
        options: PublishOptions,
    ) -> Result<PubAck, Error> {
        self.js.publish_with_options(subject, payload, options)
    }

    fn send_publish(&self, subject: &str, message: PublishMessage) -> Result<PubAck, Error> {
        self.js.send_publish(subject, message)
    }

    fn publish_async<'p>(
        &self,
        subject: &str,
        payload: impl Into<Payload<'p>>,
    ) -> Result<BlockingPubAck, Error> {
        self.js.publish_async(subject, payload).map(BlockingPubAck)
    }

    fn send_publish_async(
        &self,
        subject: &str,
        message: PublishMessage,
    ) -> Result<BlockingPubAck, Error> {
        self.js
            .send_publish_async(subject, message)
            .map(BlockingPubAck)
    }

    fn publish_async_complete(&self) -> Result<(), Error> {
        self.js.publish_async_complete()
    }

    fn publish_async_pending(&self) -> usize {
        self.js.publish_async_pending()
    }

    fn ordered(
        &self,
        stream: &str,
        options: OrderedOptions,
        consume: Option<ConsumeOptions>,
    ) -> Result<BlockingMessages, Error> {
        let mut ordered = self.js.ordered_consumer(stream, options)?;
        if let Some(consume) = consume {
            ordered = ordered.consume_options(consume);
        }
        ordered.messages().map(BlockingMessages::Ordered)
    }

    fn create_key_value(&self, config: kv::Config) -> Result<BlockingKv, KvError> {
        self.js.create_key_value(config).map(BlockingKv)
    }

    fn key_value(&self, bucket: &str) -> Result<BlockingKv, KvError> {
        self.js.key_value(bucket).map(BlockingKv)
    }

    fn create_object_store(&self, config: object::Config) -> Result<BlockingObjects, ObjectError> {
        self.js.create_object_store(config).map(BlockingObjects)
    }

    fn object_store(&self, bucket: &str) -> Result<BlockingObjects, ObjectError> {
        self.js.object_store(bucket).map(BlockingObjects)
    }
}

/// A Key-Value bucket of the blocking facade.
#[derive(Debug)]
pub struct BlockingKv(KeyValue);

impl SuiteKv for BlockingKv {
    fn put(&self, key: &str, value: &str) -> Result<u64, KvError> {
        self.0.put(key, value)
    }

    fn get(&self, key: &str) -> Result<Entry, KvError> {
        self.0.get(key)
    }

    fn keys(&self) -> Result<Vec<String>, KvError> {
        self.0.keys()
    }

    fn history(&self, key: &str) -> Result<Vec<Entry>, KvError> {
        self.0.list_history(key)?.collect()
    }
}

/// An object store of the blocking facade.
#[derive(Debug)]
pub struct BlockingObjects(ObjectStore);

impl SuiteObjects for BlockingObjects {
    fn put_bytes(&self, name: &str, data: Bytes) -> Result<ObjectInfo, ObjectError> {
        self.0.put_bytes(name, data)
    }

    fn get_bytes(&self, name: &str) -> Result<Bytes, ObjectError> {
        self.0.get_bytes(name)
    }

    fn list(&self) -> Result<Vec<ObjectInfo>, ObjectError> {
        self.0.list_objects()?.collect()
    }
}

/// A stream handle of the blocking facade.
#[derive(Debug, Clone)]
pub struct BlockingStream(Stream);

impl SuiteStream for BlockingStream {
    type Js = BlockingJs;

    fn name(&self) -> String {
        self.0.name().to_owned()
    }

    fn cached_info(&self) -> StreamInfo {
        self.0.cached_info().clone()
    }

    fn info(&mut self) -> Result<StreamInfo, Error> {
        self.0.info().cloned()
    }

    fn info_with(&self, request: &StreamInfoRequest) -> Result<StreamInfoResponse, Error> {
        self.0.info_with(request)
    }

    fn subjects(&self, filter: &str) -> Result<BTreeMap<String, u64>, Error> {
        self.0.subjects(filter)
    }

    fn delete(&self) -> Result<bool, Error> {
        self.0.delete()
    }

    fn purge(&self) -> Result<PurgeResponse, Error> {
        self.0.purge()
    }

    fn purge_with(&self, request: &PurgeRequest) -> Result<PurgeResponse, Error> {
        self.0.purge_with(request)
    }

    fn purge_subject(&self, filter: &str) -> Result<PurgeResponse, Error> {
        self.0.purge_subject(filter)
    }

    fn get_message(&self, sequence: u64) -> Result<StreamMessage, Error> {
        self.0.get_message(sequence)
    }

    fn get_last_message(&self, subject: &str) -> Result<StreamMessage, Error> {
        self.0.get_last_message(subject)
    }

    fn get_next_message(&self, subject: &str, from: u64) -> Result<StreamMessage, Error> {
        self.0.get_next_message(subject, from)
    }

    fn delete_message(&self, sequence: u64) -> Result<bool, Error> {
        self.0.delete_message(sequence)
    }

    fn erase_message(&self, sequence: u64) -> Result<bool, Error> {
        self.0.erase_message(sequence)
    }

    fn direct_get(&self, sequence: u64) -> Result<StreamMessage, Error> {
        self.0.direct_get(sequence)
    }

    fn direct_get_last(&self, subject: &str) -> Result<StreamMessage, Error> {
        self.0.direct_get_last(subject)
    }

    fn direct_get_next(&self, subject: &str, from: u64) -> Result<StreamMessage, Error> {
        self.0.direct_get_next(subject, from)
    }

    fn direct_batch(
        &self,
        request: MessageGetRequest,
        all_pages: bool,
    ) -> Result<BlockingBatch, Error> {
        self.0.direct_batch(request, all_pages).map(BlockingBatch)
    }

    fn create_consumer(&self, config: ConsumerConfig) -> Result<BlockingConsumer, Error> {
        self.0.create_consumer(config).map(BlockingConsumer)
    }

    fn get_consumer(&self, name: &str) -> Result<BlockingConsumer, Error> {
        self.0.get_consumer(name).map(BlockingConsumer)
    }

    fn consumer_names(&self) -> Result<Vec<String>, Error> {
        self.0.consumer_names().all()
    }

    fn ordered(
        &self,
        options: OrderedOptions,
        consume: Option<ConsumeOptions>,
    ) -> Result<BlockingMessages, Error> {
        let mut ordered = self.0.ordered_consumer(options)?;
        if let Some(consume) = consume {
            ordered = ordered.consume_options(consume);
        }
        ordered.messages().map(BlockingMessages::Ordered)
    }
}

/// A consumer handle of the blocking facade.
#[derive(Debug, Clone)]
pub struct BlockingConsumer(Consumer);

impl SuiteConsumer for BlockingConsumer {
    type Js = BlockingJs;

    fn name(&self) -> String {
        self.0.name().to_owned()
    }

    fn cached_info(&self) -> ConsumerInfo {
        self.0.cached_info().clone()
    }

    fn info(&mut self) -> Result<ConsumerInfo, Error> {
        self.0.info().cloned()
    }

    fn delete(&self) -> Result<bool, Error> {
        self.0.delete()
    }

    fn pause(&self, until: time::OffsetDateTime) -> Result<PauseResponse, Error> {
        self.0.pause(until)
    }

    fn resume(&self) -> Result<PauseResponse, Error> {
        self.0.resume()
    }

    fn reset(&mut self, sequence: Option<u64>) -> Result<u64, Error> {
        self.0.reset(sequence)
    }

    fn fetch(&self, options: FetchOptions) -> Result<BlockingMessages, Error> {
        self.0.fetch(options).map(BlockingMessages::Fetch)
    }

    fn next(&self) -> Result<Option<BlockingMsg>, Error> {
        self.0.next().map(|m| m.map(BlockingMsg))
    }

    fn next_timeout(&self, expires: Duration) -> Result<Option<BlockingMsg>, Error> {
        self.0.next_timeout(expires).map(|m| m.map(BlockingMsg))
    }

    fn next_with(&self, options: FetchOptions) -> Result<Option<BlockingMsg>, Error> {
        self.0.next_with(options).map(|m| m.map(BlockingMsg))
    }

    fn pin_id(&self) -> Option<String> {
        self.0.pin_id()
    }

    fn messages(&self, options: ConsumeOptions) -> Result<BlockingMessages, Error> {
        self.0.messages(options).map(BlockingMessages::Consume)
    }

    fn push_messages(&self) -> Result<BlockingMessages, Error> {
        self.0.push_messages().map(BlockingMessages::Push)
    }
}

/// A consumer's message of the blocking facade.
#[derive(Debug)]
pub struct BlockingMsg(JsMessage);

impl SuiteMsg for BlockingMsg {
    fn message(&self) -> &Message {
        &self.0
    }

    fn metadata(&self) -> Result<Metadata, Error> {
        self.0.metadata()
    }

    fn is_acked(&self) -> bool {
        self.0.is_acked()
    }

    fn ack_with(&self, kind: AckKind) -> Result<(), Error> {
        self.0.ack_with(kind)
    }

    fn double_ack_with(&self, kind: AckKind) -> Result<(), Error> {
        self.0.double_ack_with(kind)
    }

    fn ack(&self) -> Result<(), Error> {
        self.0.ack()
    }

    fn double_ack(&self) -> Result<(), Error> {
        self.0.double_ack()
    }

    fn nak(&self) -> Result<(), Error> {
        self.0.nak()
    }

    fn nak_with_delay(&self, delay: Duration) -> Result<(), Error> {
        self.0.nak_with_delay(delay)
    }

    fn in_progress(&self) -> Result<(), Error> {
        self.0.in_progress()
    }

    fn term(&self) -> Result<(), Error> {
        self.0.term()
    }

    fn term_with_reason(&self, reason: &str) -> Result<(), Error> {
        self.0.term_with_reason(reason)
    }
}

/// The blocking facade's message iterators.
#[derive(Debug)]
pub enum BlockingMessages {
    /// One pull request.
    Fetch(FetchMessages),
    /// Continuous pulling.
    Consume(ConsumeMessages),
    /// A push consumer.
    Push(PushMessages),
    /// An ordered consumer.
    Ordered(OrderedMessages),
}

impl SuiteMessages for BlockingMessages {
    type Msg = BlockingMsg;

    fn next_within(&mut self, timeout: Duration) -> Option<Option<Result<BlockingMsg, Error>>> {
        let item = match self {
            BlockingMessages::Fetch(m) => m.next_timeout(timeout),
            BlockingMessages::Consume(m) => m.next_timeout(timeout),
            BlockingMessages::Push(m) => m.next_timeout(timeout),
            BlockingMessages::Ordered(m) => m.next_timeout(timeout),
        };
        item.map(|item| item.map(|r| r.map(BlockingMsg)))
    }

    fn pending(&self) -> (usize, usize) {
        match self {
            BlockingMessages::Consume(m) => m.get_ref().pending(),
            other => panic!("not a consume: {other:?}"),
        }
    }

    fn stop(&mut self) {
        match self {
            BlockingMessages::Consume(m) => m.get_mut().stop(),
            BlockingMessages::Push(m) => m.get_mut().stop(),
            other => panic!("cannot stop {other:?}"),
        }
    }

    fn flow_control_replies(&self) -> u64 {
        match self {
            BlockingMessages::Push(m) => m.get_ref().flow_control_replies(),
            other => panic!("not a push consumer: {other:?}"),
        }
    }

    fn consumer_name(&self) -> Option<String> {
        match self {
            BlockingMessages::Ordered(m) => m.get_ref().consumer_name().map(str::to_owned),
            other => panic!("not an ordered consumer: {other:?}"),
        }
    }

    fn consumers_created(&self) -> u64 {
        match self {
            BlockingMessages::Ordered(m) => m.get_ref().consumers_created(),
            other => panic!("not an ordered consumer: {other:?}"),
        }
    }

    fn last_stream_sequence(&self) -> u64 {
        match self {
            BlockingMessages::Ordered(m) => m.get_ref().last_stream_sequence(),
            other => panic!("not an ordered consumer: {other:?}"),
        }
    }
}

/// A batched direct get of the blocking facade.
#[derive(Debug)]
pub struct BlockingBatch(DirectBatch);

impl SuiteBatch for BlockingBatch {
    fn next_within(&mut self, timeout: Duration) -> Option<Option<Result<StreamMessage, Error>>> {
        self.0.next_until(std::time::Instant::now() + timeout)
    }

    fn end(&self) -> Option<BatchEnd> {
        self.0.get_ref().end()
    }
}

/// The ack of an async publish of the blocking facade.
#[derive(Debug)]
pub struct BlockingPubAck(PubAckHandle);

impl SuitePubAck for BlockingPubAck {
    fn wait(self) -> Result<PubAck, Error> {
        self.0.wait()
    }
}

/// A core subscription of natrs-blocking.
#[derive(Debug)]
pub struct BlockingSub(Subscription);

#[derive(Debug)]
pub struct BlockingEvents(Events);

impl SuiteEvents for BlockingEvents {
    fn next_within(&mut self, timeout: Duration) -> Option<Result<Event, EventError>> {
        self.0.next_timeout(timeout).flatten()
    }
}

impl SuiteSub for BlockingSub {
    fn next_within(&mut self, timeout: Duration) -> Option<Message> {
        self.0.next_timeout(timeout).ok().flatten()
    }
}
