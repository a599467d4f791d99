//! JetStream as the cases see it: blocking-style traits that each runtime
//! implements, [`SuiteJs`] for the context and the handles it returns.
//!
//! Every method mirrors a method of natrs-jetstream's API (async on tokio and
//! async-std, the blocking facade on natrs-blocking), so a case reads like
//! code written against any of them. Waits that may not end on their own
//! (the next message of a stream) take a timeout; the rest are bounded by
//! the API's own timeouts, and the async implementations also by
//! [`GUARD`](super::GUARD).

use super::WAIT;
use bytes::Bytes;
use natrs_client::{ConnectOptions, Message, Payload};
use natrs_jetstream::AckKind;
use natrs_jetstream::Error;
use natrs_jetstream::JetStreamOptions;
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
use natrs_jetstream::events::{Event, EventError, EventFamily};
use natrs_jetstream::kv::{self, Entry, KvError};
use natrs_jetstream::metadata::Metadata;
use natrs_jetstream::object::{self, ObjectError, ObjectInfo};
use natrs_jetstream::publish::PublishMessage;
use natrs_jetstream::report::{ConsumerReport, StreamReport};
use natrs_jetstream::stream::BatchEnd;
use std::collections::BTreeMap;
use std::fmt::Debug;
use std::path::Path;
use std::time::Duration;

/// Parsed server events (natrs-jetstream's `Events`).
pub trait SuiteEvents: Debug + Send + 'static {
    /// The next event, waiting at most `timeout`: `None` when it passed or
    /// the subscription ended.
    fn next_within(&mut self, timeout: Duration) -> Option<Result<Event, EventError>>;
}

/// A JetStream context of one runtime crate, with the connection under it.
pub trait SuiteJs: Clone + Debug + Send + Sync + Sized + 'static {
    /// A stream handle.
    type Stream: SuiteStream<Js = Self>;
    /// A consumer handle.
    type Consumer: SuiteConsumer<Js = Self>;
    /// A consumer's message.
    type Msg: SuiteMsg;
    /// Messages of a fetch, a consume, a push or an ordered consumer.
    type Messages: SuiteMessages<Msg = Self::Msg>;
    /// The messages of a batched direct get.
    type Batch: SuiteBatch;
    /// The ack of an async publish.
    type PubAck: SuitePubAck;
    /// A core NATS subscription.
    type Sub: SuiteSub;
    /// A Key-Value bucket.
    type Kv: SuiteKv;
    /// An object store.
    type Objects: SuiteObjects;
    /// A subscription to server events.
    type Events: SuiteEvents;

    /// Connects with `options` and makes a context with the defaults;
    /// panics on failure.
    fn connect(url: &str, options: ConnectOptions) -> Self;
    /// Another context on the same connection, with `options`.
    fn with_options(&self, options: JetStreamOptions) -> Self;
    /// Another context on the same connection, in domain `domain`.
    fn with_domain(&self, domain: &str) -> Self;
    /// Another context on the same connection, with API prefix `prefix`.
    fn with_prefix(&self, prefix: &str) -> Self;
    /// The API prefix.
    fn prefix(&self) -> String;

    /// Flushes the connection; panics on failure.
    fn flush(&self);
    /// A new inbox subject of the connection.
    fn new_inbox(&self) -> String;
    /// Subscribes on the connection; panics on failure.
    fn subscribe(&self, subject: &str) -> Self::Sub;
    /// Subscribes to `families` of server events (`events`).
    fn events(&self, families: &[EventFamily]) -> Result<Self::Events, Error>;

    /// Account information.
    fn account_info(&self) -> Result<AccountInfo, Error>;
    /// Creates a stream.
    fn create_stream(&self, config: StreamConfig) -> Result<Self::Stream, Error>;
    /// Updates a stream.
    fn update_stream(&self, config: StreamConfig) -> Result<StreamInfo, Error>;
    /// Updates a stream, or creates it.
    fn create_or_update_stream(&self, config: StreamConfig) -> Result<Self::Stream, Error>;
    /// A handle to an existing stream.
    fn get_stream(&self, name: &str) -> Result<Self::Stream, Error>;
    /// A stream's info.
    fn stream_info(&self, name: &str) -> Result<StreamInfo, Error>;
    /// Deletes a stream.
    fn delete_stream(&self, name: &str) -> Result<bool, Error>;
    /// Every stream name (storing `subject`, when given).
    fn stream_names(&self, subject: Option<&str>) -> Result<Vec<String>, Error>;
    /// Every stream info (storing `subject`, when given).
    fn streams(&self, subject: Option<&str>) -> Result<Vec<StreamInfo>, Error>;
    /// The stream that stores `subject`.
    fn stream_by_subject(&self, subject: &str) -> Result<String, Error>;
    /// The stream report (storing `subject`, when given), every page.
    fn stream_report(&self, subject: Option<&str>) -> Result<Vec<StreamReport>, Error>;
    /// The consumer report of `stream`, every page.
    fn consumer_report(&self, stream: &str) -> Result<Vec<ConsumerReport>, Error>;
    /// The first stream info of the lazy listing, and the pages it requested.
    fn first_stream_info(&self) -> (Option<Result<StreamInfo, Error>>, usize);
    /// The stream as it is, or a new one: the handle, whether it was
    /// created, and the difference.
    fn load_or_create_stream(
        &self,
        config: StreamConfig,
    ) -> Result<(Self::Stream, bool, ConfigDiff), Error>;
    /// The stream as it is (untouched), or a new one.
    fn get_or_create_stream(&self, config: StreamConfig) -> Result<Self::Stream, Error>;
    /// The dry run of `create_or_update_stream`.
    fn stream_changes(&self, config: &StreamConfig) -> Result<Option<ConfigDiff>, Error>;
    /// Backs a stream up into the folder `dir`.
    fn backup_stream(
        &self,
        stream: &str,
        dir: &Path,
        options: &BackupOptions,
    ) -> Result<BackupMeta, BackupError>;
    /// Restores the backup in the folder `dir`.
    fn restore_stream(
        &self,
        dir: &Path,
        options: &RestoreOptions,
    ) -> Result<StreamInfo, BackupError>;

    /// Creates a consumer.
    fn create_consumer(
        &self,
        stream: &str,
        config: ConsumerConfig,
    ) -> Result<Self::Consumer, Error>;
    /// Updates a consumer.
    fn update_consumer(
        &self,
        stream: &str,
        config: ConsumerConfig,
    ) -> Result<Self::Consumer, Error>;
    /// Creates or updates a consumer.
    fn create_or_update_consumer(
        &self,
        stream: &str,
        config: ConsumerConfig,
    ) -> Result<Self::Consumer, Error>;
    /// A handle to an existing consumer.
    fn get_consumer(&self, stream: &str, name: &str) -> Result<Self::Consumer, Error>;
    /// A consumer's info.
    fn consumer_info(&self, stream: &str, name: &str) -> Result<ConsumerInfo, Error>;
    /// Deletes a consumer.
    fn delete_consumer(&self, stream: &str, name: &str) -> Result<bool, Error>;
    /// Every consumer name of `stream`.
    fn consumer_names(&self, stream: &str) -> Result<Vec<String>, Error>;
    /// Every consumer info of `stream`.
    fn consumers(&self, stream: &str) -> Result<Vec<ConsumerInfo>, Error>;
    /// The consumer as it is, or a new one: the handle, whether it was
    /// created, and the difference.
    fn load_or_create_consumer(
        &self,
        stream: &str,
        config: ConsumerConfig,
    ) -> Result<(Self::Consumer, bool, ConfigDiff), Error>;
    /// The consumer as it is (untouched), or a new one.
    fn get_or_create_consumer(
        &self,
        stream: &str,
        config: ConsumerConfig,
    ) -> Result<Self::Consumer, Error>;
    /// The dry run of `create_or_update_consumer`.
    fn consumer_changes(
        &self,
        stream: &str,
        config: &ConsumerConfig,
    ) -> Result<Option<ConfigDiff>, Error>;

    /// Publishes and waits for the ack.
    fn publish<'p>(&self, subject: &str, payload: impl Into<Payload<'p>>) -> Result<PubAck, Error>;
    /// Publishes with options and waits for the ack.
    fn publish_with_options<'p>(
        &self,
        subject: &str,
        payload: impl Into<Payload<'p>>,
        options: PublishOptions,
    ) -> Result<PubAck, Error>;
    /// Publishes a message and waits for the ack.
    fn send_publish(&self, subject: &str, message: PublishMessage) -> Result<PubAck, Error>;
    /// Publishes without waiting for the ack (only for room in the window).
    fn publish_async<'p>(
        &self,
        subject: &str,
        payload: impl Into<Payload<'p>>,
    ) -> Result<Self::PubAck, Error>;
    /// [`publish_async`](SuiteJs::publish_async) of a message.
    fn send_publish_async(
        &self,
        subject: &str,
        message: PublishMessage,
    ) -> Result<Self::PubAck, Error>;
    /// Waits until every async publish got its ack or failed.
    fn publish_async_complete(&self) -> Result<(), Error>;
    /// Async publishes waiting for their acks.
    fn publish_async_pending(&self) -> usize;

    /// An ordered consumer of `stream` (pulled with `consume`, when given),
    /// started: its messages.
    fn ordered(
        &self,
        stream: &str,
        options: OrderedOptions,
        consume: Option<ConsumeOptions>,
    ) -> Result<Self::Messages, Error>;

    /// Creates a Key-Value bucket.
    fn create_key_value(&self, config: kv::Config) -> Result<Self::Kv, KvError>;
    /// A handle to an existing bucket.
    fn key_value(&self, bucket: &str) -> Result<Self::Kv, KvError>;
    /// Creates an object store.
    fn create_object_store(&self, config: object::Config) -> Result<Self::Objects, ObjectError>;
    /// A handle to an existing object store.
    fn object_store(&self, bucket: &str) -> Result<Self::Objects, ObjectError>;
    /// The bucket as it is, or a new one: whether it was created, and the
    /// difference.
    fn load_or_create_key_value(
        &self,
        config: kv::Config,
    ) -> Result<(Self::Kv, bool, ConfigDiff), KvError>;
    /// The object store as it is, or a new one: whether it was created, and
    /// the difference.
    fn load_or_create_object_store(
        &self,
        config: object::Config,
    ) -> Result<(Self::Objects, bool, ConfigDiff), ObjectError>;
}

/// A Key-Value bucket.
pub trait SuiteKv: Debug + Send + 'static {
    /// Writes `value` under `key`; the revision.
    fn put(&self, key: &str, value: &str) -> Result<u64, KvError>;
    /// The latest value of `key`.
    fn get(&self, key: &str) -> Result<Entry, KvError>;
    /// Every key with a value.
    fn keys(&self) -> Result<Vec<String>, KvError>;
    /// Every entry of `key`, oldest first (read lazily, collected).
    fn history(&self, key: &str) -> Result<Vec<Entry>, KvError>;

    /// The latest value of `key` as text; panics when there is none.
    #[track_caller]
    fn text(&self, key: &str) -> String {
        match self.get(key) {
            Ok(e) => String::from_utf8_lossy(&e.value).into_owned(),
            Err(e) => panic!("get {key}: {e:?}"),
        }
    }
}

/// An object store.
pub trait SuiteObjects: Debug + Send + 'static {
    /// Stores `data` as object `name`.
    fn put_bytes(&self, name: &str, data: Bytes) -> Result<ObjectInfo, ObjectError>;
    /// Reads object `name` whole.
    fn get_bytes(&self, name: &str) -> Result<Bytes, ObjectError>;
    /// Every object (read lazily, collected).
    fn list(&self) -> Result<Vec<ObjectInfo>, ObjectError>;
}

/// A stream handle.
pub trait SuiteStream: Clone + Debug + Send + Sync + 'static {
    /// The context family.
    type Js: SuiteJs;

    /// The name.
    fn name(&self) -> String;
    /// The info it was made with or last refreshed to.
    fn cached_info(&self) -> StreamInfo;
    /// Refreshes and returns the info.
    fn info(&mut self) -> Result<StreamInfo, Error>;
    /// The info with details.
    fn info_with(&self, request: &StreamInfoRequest) -> Result<StreamInfoResponse, Error>;
    /// Message counts per subject matching `filter`.
    fn subjects(&self, filter: &str) -> Result<BTreeMap<String, u64>, Error>;
    /// Deletes the stream.
    fn delete(&self) -> Result<bool, Error>;
    /// Removes every message.
    fn purge(&self) -> Result<PurgeResponse, Error>;
    /// Removes what `request` selects.
    fn purge_with(&self, request: &PurgeRequest) -> Result<PurgeResponse, Error>;
    /// Removes the messages on subjects matching `filter`.
    fn purge_subject(&self, filter: &str) -> Result<PurgeResponse, Error>;
    /// Message `sequence`, through the leader.
    fn get_message(&self, sequence: u64) -> Result<StreamMessage, Error>;
    /// The last message on `subject`, through the leader.
    fn get_last_message(&self, subject: &str) -> Result<StreamMessage, Error>;
    /// The first message on `subject` from `from`, through the leader.
    fn get_next_message(&self, subject: &str, from: u64) -> Result<StreamMessage, Error>;
    /// Deletes message `sequence`.
    fn delete_message(&self, sequence: u64) -> Result<bool, Error>;
    /// Deletes message `sequence`, overwriting it.
    fn erase_message(&self, sequence: u64) -> Result<bool, Error>;
    /// Direct get of message `sequence`.
    fn direct_get(&self, sequence: u64) -> Result<StreamMessage, Error>;
    /// Direct get of the last message on `subject`.
    fn direct_get_last(&self, subject: &str) -> Result<StreamMessage, Error>;
    /// Direct get of the first message on `subject` from `from`.
    fn direct_get_next(&self, subject: &str, from: u64) -> Result<StreamMessage, Error>;
    /// A batched direct get (every page of it with `all_pages`).
    fn direct_batch(
        &self,
        request: MessageGetRequest,
        all_pages: bool,
    ) -> Result<<Self::Js as SuiteJs>::Batch, Error>;
    /// Creates a consumer on the stream.
    fn create_consumer(
        &self,
        config: ConsumerConfig,
    ) -> Result<<Self::Js as SuiteJs>::Consumer, Error>;
    /// A handle to a consumer of the stream.
    fn get_consumer(&self, name: &str) -> Result<<Self::Js as SuiteJs>::Consumer, Error>;
    /// The stream's consumer names.
    fn consumer_names(&self) -> Result<Vec<String>, Error>;
    /// An ordered consumer of the stream, started.
    fn ordered(
        &self,
        options: OrderedOptions,
        consume: Option<ConsumeOptions>,
    ) -> Result<<Self::Js as SuiteJs>::Messages, Error>;
}

/// A consumer handle.
pub trait SuiteConsumer: Clone + Debug + Send + Sync + 'static {
    /// The context family.
    type Js: SuiteJs;

    /// The name.
    fn name(&self) -> String;
    /// The info it was made with or last refreshed to.
    fn cached_info(&self) -> ConsumerInfo;
    /// Refreshes and returns the info.
    fn info(&mut self) -> Result<ConsumerInfo, Error>;
    /// Deletes the consumer.
    fn delete(&self) -> Result<bool, Error>;
    /// Pauses it until `until`.
    fn pause(&self, until: time::OffsetDateTime) -> Result<PauseResponse, Error>;
    /// Resumes it.
    fn resume(&self) -> Result<PauseResponse, Error>;
    /// Resets it; returns the sequence delivered next.
    fn reset(&mut self, sequence: Option<u64>) -> Result<u64, Error>;
    /// One pull request.
    fn fetch(&self, options: FetchOptions) -> Result<<Self::Js as SuiteJs>::Messages, Error>;
    /// The next message, waiting at most 30 s.
    fn next(&self) -> Result<Option<<Self::Js as SuiteJs>::Msg>, Error>;
    /// The next message, waiting at most `expires`.
    fn next_timeout(&self, expires: Duration) -> Result<Option<<Self::Js as SuiteJs>::Msg>, Error>;
    /// The next message, pulled with `options`.
    fn next_with(&self, options: FetchOptions)
    -> Result<Option<<Self::Js as SuiteJs>::Msg>, Error>;
    /// The pin id the server gave this handle (pinned priority groups).
    fn pin_id(&self) -> Option<String>;
    /// Continuous pulling.
    fn messages(&self, options: ConsumeOptions) -> Result<<Self::Js as SuiteJs>::Messages, Error>;
    /// A push consumer's messages.
    fn push_messages(&self) -> Result<<Self::Js as SuiteJs>::Messages, Error>;
}

/// A message of a consumer, with its acks.
pub trait SuiteMsg: Debug + Send + 'static {
    /// The message.
    fn message(&self) -> &Message;
    /// Delivery metadata.
    fn metadata(&self) -> Result<Metadata, Error>;
    /// Whether a terminal ack was sent.
    fn is_acked(&self) -> bool;
    /// Sends `kind`.
    fn ack_with(&self, kind: AckKind) -> Result<(), Error>;
    /// Sends `kind` and waits for the server's confirmation.
    fn double_ack_with(&self, kind: AckKind) -> Result<(), Error>;
    /// Acknowledges.
    fn ack(&self) -> Result<(), Error>;
    /// Acknowledges and waits for the confirmation.
    fn double_ack(&self) -> Result<(), Error>;
    /// Asks for redelivery.
    fn nak(&self) -> Result<(), Error>;
    /// Asks for redelivery after `delay`.
    fn nak_with_delay(&self, delay: Duration) -> Result<(), Error>;
    /// Still working on it.
    fn in_progress(&self) -> Result<(), Error>;
    /// Stops redelivery.
    fn term(&self) -> Result<(), Error>;
    /// Stops redelivery with a reason.
    fn term_with_reason(&self, reason: &str) -> Result<(), Error>;

    /// The payload.
    fn payload(&self) -> &Bytes {
        &self.message().payload
    }
    /// A header's value.
    fn header(&self, name: &str) -> Option<&str> {
        self.message().header(name)
    }
    /// The payload as text.
    fn text(&self) -> String {
        String::from_utf8_lossy(self.payload()).into_owned()
    }
    /// The payload as a number (the cases publish indices).
    fn index(&self) -> usize {
        match self.text().parse() {
            Ok(i) => i,
            Err(_) => panic!("payload {:?} is not an index", self.text()),
        }
    }
}

/// Messages of a fetch, a consume, a push consumer or an ordered consumer.
/// The kind-specific accessors panic on another kind.
pub trait SuiteMessages: Debug + Send + 'static {
    /// The message type.
    type Msg: SuiteMsg;

    /// The next item within `timeout`: `None` if none came, `Some(None)` if
    /// the messages ended.
    fn next_within(&mut self, timeout: Duration) -> Option<Option<Result<Self::Msg, Error>>>;
    /// Messages and bytes requested and not yet received (consume).
    fn pending(&self) -> (usize, usize);
    /// Stops pulling (consume) or unsubscribes (push).
    fn stop(&mut self);
    /// Flow control requests answered (push).
    fn flow_control_replies(&self) -> u64;
    /// The current consumer's name (ordered).
    fn consumer_name(&self) -> Option<String>;
    /// Consumers created so far (ordered).
    fn consumers_created(&self) -> u64;
    /// The stream sequence of the last message yielded (ordered).
    fn last_stream_sequence(&self) -> u64;

    /// The next item, within `timeout`; panics naming `what` if none came.
    #[track_caller]
    fn item_within(&mut self, timeout: Duration, what: &str) -> Option<Result<Self::Msg, Error>> {
        match self.next_within(timeout) {
            Some(item) => item,
            None => panic!("waited {timeout:?} for {what}"),
        }
    }
    /// The next item within [`WAIT`].
    #[track_caller]
    fn item(&mut self, what: &str) -> Option<Result<Self::Msg, Error>> {
        self.item_within(WAIT, what)
    }
    /// The next message within [`WAIT`]; panics on an error or the end.
    #[track_caller]
    fn msg(&mut self, what: &str) -> Self::Msg {
        match self.item(what) {
            Some(Ok(m)) => m,
            Some(Err(e)) => panic!("{what}: {e:?}"),
            None => panic!("{what}: the messages ended"),
        }
    }
    /// Every message until the end (each within [`WAIT`]); panics on an
    /// error.
    #[track_caller]
    fn rest(&mut self, what: &str) -> Vec<Self::Msg> {
        let mut out = Vec::new();
        while let Some(m) = self.item(what) {
            match m {
                Ok(m) => out.push(m),
                Err(e) => panic!("{what}: {e:?}"),
            }
        }
        out
    }
}

/// The messages of a batched direct get.
pub trait SuiteBatch: Debug + Send + 'static {
    /// The next message within `timeout`: `None` if none came, `Some(None)`
    /// at the end.
    fn next_within(&mut self, timeout: Duration) -> Option<Option<Result<StreamMessage, Error>>>;
    /// Where the batch ended, once it did.
    fn end(&self) -> Option<BatchEnd>;

    /// Every message until the end (each within [`WAIT`]); panics on an
    /// error.
    #[track_caller]
    fn rest(&mut self, what: &str) -> Vec<StreamMessage> {
        let mut out = Vec::new();
        loop {
            match self.next_within(WAIT) {
                Some(Some(Ok(m))) => out.push(m),
                Some(Some(Err(e))) => panic!("{what}: {e:?}"),
                Some(None) => return out,
                None => panic!("waited {WAIT:?} for {what}"),
            }
        }
    }
}

/// The ack of an async publish.
pub trait SuitePubAck: Debug + Send + 'static {
    /// Waits for it.
    fn wait(self) -> Result<PubAck, Error>;
}

/// A core NATS subscription.
pub trait SuiteSub: Debug + Send + 'static {
    /// The next message within `timeout`.
    fn next_within(&mut self, timeout: Duration) -> Option<Message>;
}
