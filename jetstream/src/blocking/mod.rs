//! The blocking facade: the same JetStream API with plain methods and
//! iterators, for programs without an async runtime.
//!
//! Every call runs the async API's future on the calling thread with
//! [`block_on`], which parks the thread until the connection's driver wakes
//! it; no runtime is involved. The facade takes a [`natrs_client::Client`]
//! (from any natrs runtime crate) or a `natrs_blocking::Client` (which
//! re-exports this module as `natrs_blocking::jetstream`), and must not be
//! used from a thread that runs an async executor.
//!
//! ```no_run
//! # fn demo(client: natrs_client::Client) -> Result<(), natrs_jetstream::Error> {
//! use natrs_jetstream::api::stream::StreamConfig;
//! use natrs_jetstream::blocking::JetStream;
//! let js = JetStream::new(client);
//! js.create_stream(StreamConfig::new("ORDERS").subjects(["orders.>"]))?;
//! js.publish("orders.1", "hello")?;
//! # Ok(()) }
//! ```

mod backup;
pub mod kv;
mod load;
pub mod object;
mod report;

use natrs_client::adapter::{block_on, block_on_until, deadline_after};

use crate::JetStreamOptions;
use crate::ack::AckKind;
use crate::api::account::AccountInfo;
use crate::api::consumer::{
    ConsumerAction, ConsumerConfig, ConsumerInfo, PauseResponse, ResetResponse,
};
use crate::api::consumer::{ConsumerListResponse, ConsumerNamesResponse};
use crate::api::message::{MessageGetRequest, StreamMessage};
use crate::api::publish::{PubAck, PublishOptions};
use crate::api::stream::{
    PurgeRequest, PurgeResponse, StreamConfig, StreamInfo, StreamInfoRequest, StreamInfoResponse,
};
use crate::api::stream::{StreamListResponse, StreamNamesResponse};
use crate::api::{ApiCall, ApiPrefix};
use crate::consumer::{ConsumeOptions, FetchOptions, OrderedOptions};
use crate::error::Error;
use crate::events::EventFamily;
use crate::listing::Paged;
use crate::metadata::{AckSubject, Metadata};
use crate::publish::PublishMessage;
use futures_core::Stream as FuturesStream;
use natrs_client::{Client, Message, Payload};
use serde::de::DeserializeOwned;
use std::collections::BTreeMap;
use std::future::poll_fn;
use std::pin::Pin;
use std::time::{Duration, Instant};

/// The async context this facade wraps.
pub type AsyncJetStream = crate::JetStream<Client>;

/// The messages of one pull request ([`Consumer::fetch`]).
pub type FetchMessages = Messages<crate::consumer::Fetch<Client>>;

/// Continuously pulled messages ([`Consumer::messages`]).
pub type ConsumeMessages = Messages<crate::consumer::Messages<Client>>;

/// A push consumer's messages ([`Consumer::push_messages`]).
pub type PushMessages = Messages<crate::consumer::PushMessages<Client>>;

/// An ordered consumer's messages ([`OrderedConsumer::messages`]).
pub type OrderedMessages = Messages<crate::consumer::OrderedMessages<Client>>;

/// The messages of a batched direct get ([`Stream::direct_batch`]).
pub type DirectBatch = Iter<crate::stream::DirectBatch<Client>>;

/// Parsed server events ([`JetStream::events`], [`events`]), as an
/// iterator of `Result<Event, EventError>`.
pub type Events = Iter<crate::events::Events<Client>>;

/// Subscribes to `families` of server events on `client` (e.g. a
/// connection as a system account user, which needs no JetStream); see
/// [`crate::events::Events`].
pub fn events(client: &Client, families: &[EventFamily]) -> Result<Events, Error> {
    Ok(Iter(crate::events::Events::subscribe(client, families)?))
}

/// A JetStream context with blocking methods. Cheap to clone.
#[derive(Debug, Clone)]
pub struct JetStream {
    inner: AsyncJetStream,
}

impl JetStream {
    /// A context with the default options, on `client`: a
    /// [`natrs_client::Client`] or anything that converts into one, such as
    /// a `natrs_blocking::Client`.
    pub fn new(client: impl Into<Client>) -> JetStream {
        JetStream {
            inner: crate::JetStream::new(client.into()),
        }
    }

    /// A context in JetStream domain `domain`.
    pub fn with_domain(client: impl Into<Client>, domain: &str) -> JetStream {
        JetStream {
            inner: crate::JetStream::with_domain(client.into(), domain),
        }
    }

    /// A context with a custom API prefix.
    pub fn with_prefix(client: impl Into<Client>, prefix: &str) -> JetStream {
        JetStream {
            inner: crate::JetStream::with_prefix(client.into(), prefix),
        }
    }

    /// A context with `options`.
    pub fn with_options(client: impl Into<Client>, options: JetStreamOptions) -> JetStream {
        JetStream {
            inner: crate::JetStream::with_options(client.into(), options),
        }
    }

    /// Wraps an async context.
    pub fn from_async(inner: AsyncJetStream) -> JetStream {
        JetStream { inner }
    }

    /// The async context.
    pub fn as_async(&self) -> &AsyncJetStream {
        &self.inner
    }

    /// The connection.
    pub fn client(&self) -> &Client {
        self.inner.transport()
    }

    /// The API prefix.
    pub fn prefix(&self) -> &ApiPrefix {
        self.inner.prefix()
    }

    /// The timeout of API calls and acks.
    pub fn timeout(&self) -> Duration {
        self.inner.timeout()
    }

    /// The options.
    pub fn options(&self) -> &JetStreamOptions {
        self.inner.options()
    }

    /// Sends an API call and reads its reply.
    pub fn call<R: DeserializeOwned>(&self, call: ApiCall<R>) -> Result<R, Error> {
        block_on(self.inner.call(call))
    }

    /// Subscribes to `families` of server events on this context's
    /// connection ([`events`]).
    pub fn events(&self, families: &[EventFamily]) -> Result<Events, Error> {
        events(self.client(), families)
    }

    /// Account information.
    pub fn account_info(&self) -> Result<AccountInfo, Error> {
        block_on(self.inner.account_info())
    }

    /// Creates a stream.
    pub fn create_stream(&self, config: StreamConfig) -> Result<Stream, Error> {
        block_on(self.inner.create_stream(config)).map(Stream::wrap)
    }

    /// Updates a stream.
    pub fn update_stream(&self, config: StreamConfig) -> Result<StreamInfo, Error> {
        block_on(self.inner.update_stream(config))
    }

    /// Updates a stream, or creates it.
    pub fn create_or_update_stream(&self, config: StreamConfig) -> Result<Stream, Error> {
        block_on(self.inner.create_or_update_stream(config)).map(Stream::wrap)
    }

    /// A handle to an existing stream.
    pub fn get_stream(&self, name: &str) -> Result<Stream, Error> {
        block_on(self.inner.get_stream(name)).map(Stream::wrap)
    }

    /// A stream's info.
    pub fn stream_info(&self, name: &str) -> Result<StreamInfo, Error> {
        block_on(self.inner.stream_info(name))
    }

    /// Deletes a stream.
    pub fn delete_stream(&self, name: &str) -> Result<bool, Error> {
        block_on(self.inner.delete_stream(name))
    }

    /// All stream names (storing `subject`, when given), a page fetched
    /// as the last one is consumed.
    pub fn stream_names(&self, subject: Option<&str>) -> Listing<StreamNamesResponse> {
        Iter(self.inner.stream_names(subject))
    }

    /// All stream infos (storing `subject`, when given), a page fetched as
    /// the last one is consumed.
    pub fn streams(&self, subject: Option<&str>) -> Listing<StreamListResponse> {
        Iter(self.inner.streams(subject))
    }

    /// The stream that stores `subject`.
    pub fn stream_by_subject(&self, subject: &str) -> Result<String, Error> {
        block_on(self.inner.stream_by_subject(subject))
    }

    /// Creates or updates a consumer as `action` says.
    pub fn create_consumer_with_action(
        &self,
        stream: &str,
        config: ConsumerConfig,
        action: ConsumerAction,
    ) -> Result<Consumer, Error> {
        block_on(
            self.inner
                .create_consumer_with_action(stream, config, action),
        )
        .map(Consumer::wrap)
    }

    /// Creates a consumer.
    pub fn create_consumer(&self, stream: &str, config: ConsumerConfig) -> Result<Consumer, Error> {
        self.create_consumer_with_action(stream, config, ConsumerAction::Create)
    }

    /// Updates a consumer.
    pub fn update_consumer(&self, stream: &str, config: ConsumerConfig) -> Result<Consumer, Error> {
        self.create_consumer_with_action(stream, config, ConsumerAction::Update)
    }

    /// Creates or updates a consumer.
    pub fn create_or_update_consumer(
        &self,
        stream: &str,
        config: ConsumerConfig,
    ) -> Result<Consumer, Error> {
        block_on(self.inner.create_or_update_consumer(stream, config)).map(Consumer::wrap)
    }

    /// A handle to an existing consumer.
    pub fn get_consumer(&self, stream: &str, name: &str) -> Result<Consumer, Error> {
        block_on(self.inner.get_consumer(stream, name)).map(Consumer::wrap)
    }

    /// A consumer's info.
    pub fn consumer_info(&self, stream: &str, name: &str) -> Result<ConsumerInfo, Error> {
        block_on(self.inner.consumer_info(stream, name))
    }

    /// Deletes a consumer.
    pub fn delete_consumer(&self, stream: &str, name: &str) -> Result<bool, Error> {
        block_on(self.inner.delete_consumer(stream, name))
    }

    /// All consumer names of `stream`.
    pub fn consumer_names(&self, stream: &str) -> Listing<ConsumerNamesResponse> {
        Iter(self.inner.consumer_names(stream))
    }

    /// All consumer infos of `stream`.
    pub fn consumers(&self, stream: &str) -> Listing<ConsumerListResponse> {
        Iter(self.inner.consumers(stream))
    }

    /// Pauses a consumer until `until` (2.11+).
    pub fn pause_consumer(
        &self,
        stream: &str,
        name: &str,
        until: time::OffsetDateTime,
    ) -> Result<PauseResponse, Error> {
        block_on(self.inner.pause_consumer(stream, name, until))
    }

    /// Resumes a paused consumer (2.11+).
    pub fn resume_consumer(&self, stream: &str, name: &str) -> Result<PauseResponse, Error> {
        block_on(self.inner.resume_consumer(stream, name))
    }

    /// Resets a consumer to stream sequence `sequence`, or to its ack floor
    /// with `None` (2.14+).
    pub fn reset_consumer(
        &self,
        stream: &str,
        name: &str,
        sequence: Option<u64>,
    ) -> Result<ResetResponse, Error> {
        block_on(self.inner.reset_consumer(stream, name, sequence))
    }

    /// Unpins the pinned client of a priority group (2.11+).
    pub fn unpin_consumer(&self, stream: &str, name: &str, group: &str) -> Result<(), Error> {
        block_on(self.inner.unpin_consumer(stream, name, group))
    }

    /// Publishes and waits for the ack.
    pub fn publish<'p>(
        &self,
        subject: &str,
        payload: impl Into<Payload<'p>>,
    ) -> Result<PubAck, Error> {
        block_on(self.inner.publish(subject, payload))
    }

    /// Publishes with options and waits for the ack.
    pub fn publish_with_options<'p>(
        &self,
        subject: &str,
        payload: impl Into<Payload<'p>>,
        options: PublishOptions,
    ) -> Result<PubAck, Error> {
        block_on(self.inner.publish_with_options(subject, payload, options))
    }

    /// Publishes a message and waits for the ack.
    pub fn send_publish(&self, subject: &str, message: PublishMessage) -> Result<PubAck, Error> {
        block_on(self.inner.send_publish(subject, message))
    }

    /// Publishes without waiting for the ack (waits only for room in the
    /// window); [`PubAckHandle::wait`] gets the ack.
    pub fn publish_async<'p>(
        &self,
        subject: &str,
        payload: impl Into<Payload<'p>>,
    ) -> Result<PubAckHandle, Error> {
        block_on(self.inner.publish_async(subject, payload)).map(|f| PubAckHandle { inner: f })
    }

    /// [`publish_async`](JetStream::publish_async) with headers and options.
    pub fn send_publish_async(
        &self,
        subject: &str,
        message: PublishMessage,
    ) -> Result<PubAckHandle, Error> {
        block_on(self.inner.send_publish_async(subject, message)).map(|f| PubAckHandle { inner: f })
    }

    /// Waits until every async publish got its ack (or failed).
    pub fn publish_async_complete(&self) -> Result<(), Error> {
        block_on(self.inner.publish_async_complete())
    }

    /// Async publishes waiting for their acks.
    pub fn publish_async_pending(&self) -> usize {
        self.inner.publish_async_pending()
    }

    /// An ordered consumer of `stream`; iterate with
    /// [`OrderedConsumer::messages`].
    pub fn ordered_consumer(
        &self,
        stream: &str,
        options: OrderedOptions,
    ) -> Result<OrderedConsumer, Error> {
        Ok(OrderedConsumer {
            inner: self.inner.ordered_consumer(stream, options)?,
        })
    }
}

/// The ack of an async publish.
#[derive(Debug)]
pub struct PubAckHandle {
    inner: crate::publish::PubAckFuture<Client>,
}

impl PubAckHandle {
    /// Waits for the ack.
    pub fn wait(self) -> Result<PubAck, Error> {
        block_on(self.inner)
    }
}

/// A stream handle with blocking methods.
#[derive(Debug, Clone)]
pub struct Stream {
    inner: crate::stream::Stream<Client>,
}

impl Stream {
    fn wrap(inner: crate::stream::Stream<Client>) -> Stream {
        Stream { inner }
    }

    /// The async handle.
    pub fn as_async(&self) -> &crate::stream::Stream<Client> {
        &self.inner
    }

    /// The name.
    pub fn name(&self) -> &str {
        self.inner.name()
    }

    /// The cached info.
    pub fn cached_info(&self) -> &StreamInfo {
        self.inner.cached_info()
    }

    /// Refreshes and returns the info.
    pub fn info(&mut self) -> Result<&StreamInfo, Error> {
        block_on(self.inner.info())
    }

    /// The info with details.
    pub fn info_with(&self, request: &StreamInfoRequest) -> Result<StreamInfoResponse, Error> {
        block_on(self.inner.info_with(request))
    }

    /// Message counts per subject matching `filter`.
    pub fn subjects(&self, filter: &str) -> Result<BTreeMap<String, u64>, Error> {
        block_on(self.inner.subjects(filter))
    }

    /// Deletes the stream.
    pub fn delete(&self) -> Result<bool, Error> {
        block_on(self.inner.delete())
    }

    /// Removes every message.
    pub fn purge(&self) -> Result<PurgeResponse, Error> {
        block_on(self.inner.purge())
    }

    /// Removes the messages `request` selects.
    pub fn purge_with(&self, request: &PurgeRequest) -> Result<PurgeResponse, Error> {
        block_on(self.inner.purge_with(request))
    }

    /// Removes the messages on subjects matching `filter`.
    pub fn purge_subject(&self, filter: &str) -> Result<PurgeResponse, Error> {
        block_on(self.inner.purge_subject(filter))
    }

    /// Reads a message through the leader.
    pub fn get_message_with(&self, request: &MessageGetRequest) -> Result<StreamMessage, Error> {
        block_on(self.inner.get_message_with(request))
    }

    /// The message with sequence `sequence`.
    pub fn get_message(&self, sequence: u64) -> Result<StreamMessage, Error> {
        block_on(self.inner.get_message(sequence))
    }

    /// The last message on `subject`.
    pub fn get_last_message(&self, subject: &str) -> Result<StreamMessage, Error> {
        block_on(self.inner.get_last_message(subject))
    }

    /// The first message on `subject` at or after sequence `from`.
    pub fn get_next_message(&self, subject: &str, from: u64) -> Result<StreamMessage, Error> {
        block_on(self.inner.get_next_message(subject, from))
    }

    /// Deletes message `sequence`.
    pub fn delete_message(&self, sequence: u64) -> Result<bool, Error> {
        block_on(self.inner.delete_message(sequence))
    }

    /// Deletes message `sequence` and overwrites its bytes.
    pub fn erase_message(&self, sequence: u64) -> Result<bool, Error> {
        block_on(self.inner.erase_message(sequence))
    }

    /// Direct get of what `request` selects.
    pub fn direct_get_with(&self, request: &MessageGetRequest) -> Result<StreamMessage, Error> {
        block_on(self.inner.direct_get_with(request))
    }

    /// Direct get of message `sequence`.
    pub fn direct_get(&self, sequence: u64) -> Result<StreamMessage, Error> {
        block_on(self.inner.direct_get(sequence))
    }

    /// Direct get of the last message on `subject`.
    pub fn direct_get_last(&self, subject: &str) -> Result<StreamMessage, Error> {
        block_on(self.inner.direct_get_last(subject))
    }

    /// Direct get of the first message on `subject` at or after `from`.
    pub fn direct_get_next(&self, subject: &str, from: u64) -> Result<StreamMessage, Error> {
        block_on(self.inner.direct_get_next(subject, from))
    }

    /// A batched direct get, as an iterator.
    pub fn direct_batch(
        &self,
        request: MessageGetRequest,
        all_pages: bool,
    ) -> Result<DirectBatch, Error> {
        Ok(Iter(self.inner.direct_batch(request, all_pages)?))
    }

    /// Creates a consumer on this stream.
    pub fn create_consumer(&self, config: ConsumerConfig) -> Result<Consumer, Error> {
        block_on(self.inner.create_consumer(config)).map(Consumer::wrap)
    }

    /// Updates a consumer of this stream.
    pub fn update_consumer(&self, config: ConsumerConfig) -> Result<Consumer, Error> {
        block_on(self.inner.update_consumer(config)).map(Consumer::wrap)
    }

    /// Creates or updates a consumer of this stream.
    pub fn create_or_update_consumer(&self, config: ConsumerConfig) -> Result<Consumer, Error> {
        block_on(self.inner.create_or_update_consumer(config)).map(Consumer::wrap)
    }

    /// A handle to an existing consumer.
    pub fn get_consumer(&self, name: &str) -> Result<Consumer, Error> {
        block_on(self.inner.get_consumer(name)).map(Consumer::wrap)
    }

    /// A consumer's info.
    pub fn consumer_info(&self, name: &str) -> Result<ConsumerInfo, Error> {
        block_on(self.inner.consumer_info(name))
    }

    /// Deletes a consumer.
    pub fn delete_consumer(&self, name: &str) -> Result<bool, Error> {
        block_on(self.inner.delete_consumer(name))
    }

    /// The names of all consumers.
    pub fn consumer_names(&self) -> Listing<ConsumerNamesResponse> {
        Iter(self.inner.consumer_names())
    }

    /// The infos of all consumers.
    pub fn consumers(&self) -> Listing<ConsumerListResponse> {
        Iter(self.inner.consumers())
    }

    /// Pauses a consumer until `until` (2.11+).
    pub fn pause_consumer(
        &self,
        name: &str,
        until: time::OffsetDateTime,
    ) -> Result<PauseResponse, Error> {
        block_on(self.inner.pause_consumer(name, until))
    }

    /// Resumes a consumer (2.11+).
    pub fn resume_consumer(&self, name: &str) -> Result<PauseResponse, Error> {
        block_on(self.inner.resume_consumer(name))
    }

    /// An ordered consumer of this stream.
    pub fn ordered_consumer(&self, options: OrderedOptions) -> Result<OrderedConsumer, Error> {
        Ok(OrderedConsumer {
            inner: self.inner.ordered_consumer(options)?,
        })
    }
}

/// A consumer handle with blocking methods.
#[derive(Debug, Clone)]
pub struct Consumer {
    inner: crate::consumer::Consumer<Client>,
}

impl Consumer {
    fn wrap(inner: crate::consumer::Consumer<Client>) -> Consumer {
        Consumer { inner }
    }

    /// The async handle.
    pub fn as_async(&self) -> &crate::consumer::Consumer<Client> {
        &self.inner
    }

    /// The name.
    pub fn name(&self) -> &str {
        self.inner.name()
    }

    /// Its stream.
    pub fn stream_name(&self) -> &str {
        self.inner.stream_name()
    }

    /// The cached info.
    pub fn cached_info(&self) -> &ConsumerInfo {
        self.inner.cached_info()
    }

    /// Refreshes and returns the info.
    pub fn info(&mut self) -> Result<&ConsumerInfo, Error> {
        block_on(self.inner.info())
    }

    /// Deletes the consumer.
    pub fn delete(&self) -> Result<bool, Error> {
        block_on(self.inner.delete())
    }

    /// Pauses it until `until`.
    pub fn pause(&self, until: time::OffsetDateTime) -> Result<PauseResponse, Error> {
        block_on(self.inner.pause(until))
    }

    /// Resumes it.
    pub fn resume(&self) -> Result<PauseResponse, Error> {
        block_on(self.inner.resume())
    }

    /// Resets it to stream sequence `sequence`, or to its ack floor with
    /// `None` (2.14+); returns the sequence it delivers next.
    pub fn reset(&mut self, sequence: Option<u64>) -> Result<u64, Error> {
        block_on(self.inner.reset(sequence))
    }

    /// One pull request, as an iterator over its messages.
    pub fn fetch(&self, options: FetchOptions) -> Result<FetchMessages, Error> {
        Ok(Messages(Iter(self.inner.fetch(options)?)))
    }

    /// The next message, waiting at most 30 s.
    pub fn next(&self) -> Result<Option<JsMessage>, Error> {
        block_on(self.inner.next()).map(|m| m.map(JsMessage::wrap))
    }

    /// The next message, waiting at most `expires`.
    pub fn next_timeout(&self, expires: Duration) -> Result<Option<JsMessage>, Error> {
        block_on(self.inner.next_timeout(expires)).map(|m| m.map(JsMessage::wrap))
    }

    /// The next message, pulled with `options` (expiry, heartbeat, priority
    /// group, pin id; the batch is one message).
    pub fn next_with(&self, options: FetchOptions) -> Result<Option<JsMessage>, Error> {
        block_on(self.inner.next_with(options)).map(|m| m.map(JsMessage::wrap))
    }

    /// The pin id the server gave this handle's pulls (pinned-client
    /// priority groups).
    pub fn pin_id(&self) -> Option<String> {
        self.inner.pin_id()
    }

    /// Continuous pulling, as an iterator.
    pub fn messages(&self, options: ConsumeOptions) -> Result<ConsumeMessages, Error> {
        Ok(Messages(Iter(self.inner.messages(options)?)))
    }

    /// A push consumer's messages, as an iterator.
    pub fn push_messages(&self) -> Result<PushMessages, Error> {
        Ok(Messages(Iter(self.inner.push_messages()?)))
    }
}

/// An ordered consumer with a blocking iterator.
#[derive(Debug)]
pub struct OrderedConsumer {
    inner: crate::consumer::OrderedConsumer<Client>,
}

impl OrderedConsumer {
    /// Sets how each consumer is pulled (buffer size, heartbeats).
    pub fn consume_options(self, options: ConsumeOptions) -> OrderedConsumer {
        OrderedConsumer {
            inner: self.inner.consume_options(options),
        }
    }

    /// Creates the first consumer and iterates over the messages.
    pub fn messages(&self) -> Result<OrderedMessages, Error> {
        Ok(Messages(Iter(block_on(self.inner.messages())?)))
    }
}

/// A lazily paged listing as a blocking iterator of `Result<O>`: a page is
/// fetched when the items of the last one were taken.
/// [`all`](Iter::all) collects every page.
pub type Listing<R, O = <R as Paged>::Item> = Iter<crate::listing::Listing<R, O, Client>>;

impl<R: Paged, O> Iter<crate::listing::Listing<R, O, Client>> {
    /// Every remaining item, fetching every remaining page.
    pub fn all(self) -> Result<Vec<O>, Error> {
        self.collect()
    }

    /// Pages requested so far.
    pub fn pages_requested(&self) -> usize {
        self.0.pages_requested()
    }
}

/// Any stream of the async API as a blocking iterator.
#[derive(Debug)]
pub struct Iter<S>(S);

impl<S: FuturesStream + Unpin> Iter<S> {
    /// The async stream.
    pub fn get_ref(&self) -> &S {
        &self.0
    }

    /// The async stream, mutably.
    pub fn get_mut(&mut self) -> &mut S {
        &mut self.0
    }

    /// The next item, waiting at most `timeout` (a timeout too long to
    /// represent waits without limit): `None` when it passed, `Some(None)`
    /// when the stream ended.
    pub fn next_timeout(&mut self, timeout: Duration) -> Option<Option<S::Item>> {
        self.next_by(deadline_after(timeout))
    }

    /// The next item, waiting at most until `deadline`: `None` when it
    /// passed, `Some(None)` when the stream ended.
    pub fn next_until(&mut self, deadline: Instant) -> Option<Option<S::Item>> {
        self.next_by(Some(deadline))
    }

    fn next_by(&mut self, deadline: Option<Instant>) -> Option<Option<S::Item>> {
        let stream = &mut self.0;
        let mut next = poll_fn(|cx| Pin::new(&mut *stream).poll_next(cx));
        block_on_until(Pin::new(&mut next), deadline)
    }
}

impl<S: FuturesStream + Unpin> Iterator for Iter<S> {
    type Item = S::Item;
    fn next(&mut self) -> Option<S::Item> {
        let stream = &mut self.0;
        block_on(poll_fn(|cx| Pin::new(&mut *stream).poll_next(cx)))
    }
}

/// A stream of consumer messages as a blocking iterator of [`JsMessage`]s.
#[derive(Debug)]
pub struct Messages<S>(Iter<S>);

impl<S> Messages<S>
where
    S: FuturesStream<Item = Result<crate::message::JsMessage<Client>, Error>> + Unpin,
{
    /// The async stream.
    pub fn get_ref(&self) -> &S {
        self.0.get_ref()
    }

    /// The async stream, mutably.
    pub fn get_mut(&mut self) -> &mut S {
        self.0.get_mut()
    }

    /// The next message, waiting at most `timeout` (a timeout too long to
    /// represent waits without limit): `None` when it passed, `Some(None)`
    /// when the stream ended.
    pub fn next_timeout(&mut self, timeout: Duration) -> Option<Option<Result<JsMessage, Error>>> {
        self.0
            .next_timeout(timeout)
            .map(|item| item.map(|r| r.map(JsMessage::wrap)))
    }
}

impl<S> Iterator for Messages<S>
where
    S: FuturesStream<Item = Result<crate::message::JsMessage<Client>, Error>> + Unpin,
{
    type Item = Result<JsMessage, Error>;
    fn next(&mut self) -> Option<Self::Item> {
        self.0.next().map(|r| r.map(JsMessage::wrap))
    }
}

/// A consumer's message with blocking acknowledgements. Derefs to the
/// [`Message`].
#[derive(Debug)]
pub struct JsMessage {
    inner: crate::message::JsMessage<Client>,
}

impl std::ops::Deref for JsMessage {
    type Target = Message;
    fn deref(&self) -> &Message {
        self.inner.message()
    }
}

impl JsMessage {
    fn wrap(inner: crate::message::JsMessage<Client>) -> JsMessage {
        JsMessage { inner }
    }

    /// The async message.
    pub fn as_async(&self) -> &crate::message::JsMessage<Client> {
        &self.inner
    }

    /// Delivery metadata.
    pub fn metadata(&self) -> Result<Metadata, Error> {
        self.inner.metadata()
    }

    /// Delivery metadata, borrowed.
    pub fn ack_subject(&self) -> Result<AckSubject<'_>, Error> {
        self.inner.ack_subject()
    }

    /// Whether a terminal ack was sent.
    pub fn is_acked(&self) -> bool {
        self.inner.is_acked()
    }

    /// The message, without the ack handle.
    pub fn into_message(self) -> Message {
        self.inner.into_message()
    }

    /// Sends `kind` (without waiting for the server).
    pub fn ack_with(&self, kind: AckKind) -> Result<(), Error> {
        block_on(self.inner.ack_with(kind))
    }

    /// Sends `kind` and waits for the server to confirm it.
    pub fn double_ack_with(&self, kind: AckKind) -> Result<(), Error> {
        block_on(self.inner.double_ack_with(kind))
    }

    /// Acknowledges.
    pub fn ack(&self) -> Result<(), Error> {
        block_on(self.inner.ack())
    }

    /// Acknowledges and waits for the server's confirmation.
    pub fn double_ack(&self) -> Result<(), Error> {
        block_on(self.inner.double_ack())
    }

    /// Asks for redelivery.
    pub fn nak(&self) -> Result<(), Error> {
        block_on(self.inner.nak())
    }

    /// Asks for redelivery after `delay`.
    pub fn nak_with_delay(&self, delay: Duration) -> Result<(), Error> {
        block_on(self.inner.nak_with_delay(delay))
    }

    /// Still working on it.
    pub fn in_progress(&self) -> Result<(), Error> {
        block_on(self.inner.in_progress())
    }

    /// Stops redelivery.
    pub fn term(&self) -> Result<(), Error> {
        block_on(self.inner.term())
    }

    /// Stops redelivery with a reason.
    pub fn term_with_reason(&self, reason: impl Into<String>) -> Result<(), Error> {
        block_on(self.inner.term_with_reason(reason))
    }
}
