//! JetStream for every natrs runtime.
//!
//! Applications get it through their runtime crate, whose `jetstream`
//! feature (on by default) exposes this crate in that crate's idiom; a
//! context is made from the client the same way on each:
//!
//! | runtime crate | module | context |
//! |---|---|---|
//! | natrs-tokio | `natrs_tokio::jetstream` (this crate) | `jetstream::JetStream::new(client)`: async methods, `Stream`s |
//! | natrs-async-std | `natrs_async_std::jetstream` (this crate) | `jetstream::JetStream::new(client)`: async methods, `Stream`s |
//! | natrs-blocking | `natrs_blocking::jetstream` ([`blocking`] and the data types) | `jetstream::JetStream::new(client)`: blocking methods, iterators |
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use futures_util::StreamExt;
//! use natrs_tokio::jetstream::JetStream;
//! use natrs_tokio::jetstream::api::consumer::ConsumerConfig;
//! use natrs_tokio::jetstream::api::stream::StreamConfig;
//! use natrs_tokio::jetstream::consumer::ConsumeOptions;
//!
//! let client = natrs_tokio::connect("nats://127.0.0.1:4222").await?;
//! let js = JetStream::new(client);
//! let stream = js
//!     .create_stream(StreamConfig::new("ORDERS").subjects(["orders.>"]))
//!     .await?;
//! let ack = js.publish("orders.1", "hello").await?;
//! println!("stored as {}", ack.sequence);
//! let consumer = stream
//!     .create_consumer(ConsumerConfig::durable_pull("worker"))
//!     .await?;
//! let mut messages = consumer.messages(ConsumeOptions::new())?;
//! while let Some(message) = messages.next().await {
//!     let message = message?;
//!     message.ack().await?;
//! }
//! # Ok(()) }
//! ```
//!
//! # Layers
//!
//! - [`api`]: every JetStream API call as plain data, with no IO: an
//!   [`ApiCall`](api::ApiCall) holds the subject under the API prefix
//!   (`$JS.API`, `$JS.<domain>.API` or a custom one), the JSON body and the
//!   reply parser, which turns `{"error": {...}}` into [`Error::Api`] keyed on
//!   [`ErrorCode`]. Response types take unknown and missing fields.
//! - [`state`]: the consumer and publisher logic as sans-IO state machines
//!   fed messages and instants: pull pacing by pending messages and bytes
//!   with re-pull thresholds and heartbeat watchdog ([`state::pull`]), the
//!   status table ([`state::status`]), push flow control ([`state::push`]),
//!   ordered-consumer resets ([`state::ordered`]), the async publish window
//!   ([`state::ack_window`]). Unit-tested with simulated time.
//! - [`transport`]: what JetStream needs from a connection (requests,
//!   publishes, subscriptions, inboxes, timers, connection events), as a
//!   trait implemented for [`natrs_client::Client`], which every natrs
//!   runtime crate shares. Timers are the connection driver's, so nothing
//!   here needs a runtime.
//! - The async API: [`JetStream`], [`stream::Stream`],
//!   [`consumer::Consumer`] with [`Fetch`](consumer::Fetch),
//!   [`Messages`](consumer::Messages), [`PushMessages`](consumer::PushMessages)
//!   and [`OrderedMessages`](consumer::OrderedMessages) streams,
//!   [`message::JsMessage`] with its acks, and publishing ([`publish`]). Its
//!   futures and `futures_core::Stream`s work on tokio and async-io executors alike.
//! - [`kv`] and [`object`]: Key-Value buckets and Object Stores, on top of
//!   the async API (see below).
//! - [`events`]: the server's advisories, metrics and system events as
//!   typed data (parsed by their `type`), rendered as a line or JSON, and a
//!   subscription to chosen families of them.
//! - [`blocking`]: the same API with plain methods and iterators, waiting by
//!   parking the calling thread ([`blocking::kv`] and [`blocking::object`]
//!   for buckets and object stores).
//!
//! # Building on it
//!
//! Key-Value and Object Store layer on the public pieces:
//! stream management ([`JetStream::create_stream`]), publishing with
//! expectations ([`api::publish::PublishOptions`]), direct get including
//! batches and multi-last reads ([`stream::Stream::direct_get_last`],
//! [`stream::Stream::direct_batch`]), and ordered consumers
//! ([`JetStream::ordered_consumer`]) for watches and object reads.
//!
//! - [`kv`] (ADR-8, ADR-48): a bucket is the stream `KV_<bucket>`; writes
//!   are publishes with `Nats-Expected-Last-Subject-Sequence` (create,
//!   update), markers carry `KV-Operation` (and `Nats-Rollup: sub` for
//!   purges), reads are direct gets of the key's last message, and watches
//!   (also behind `keys`, `history` and `purge_deletes`) are ordered
//!   consumers whose end of initial data comes from the first consumer's
//!   `num_pending` ([`consumer::OrderedMessages::initial_pending`]) and the
//!   pending counts of the deliveries.
//! - [`object`] (ADR-20): a store is the stream `OBJ_<bucket>`; puts publish
//!   chunks through the async publish window, hashing as they go, then the
//!   meta with `Nats-Rollup: sub`; reads are ordered consumers on the chunk
//!   subject, checked against size and digest. The meta JSON is written
//!   exactly as nats.go writes it.

mod ack;
pub mod api;
pub mod backup;
pub mod blocking;
pub mod compare;
pub mod consumer;
mod context;
pub mod error;
pub mod events;
#[cfg(test)]
mod fake_transport;
#[doc(hidden)]
pub mod fuzzing;
pub mod kv;
pub mod listing;
pub mod load;
pub mod message;
pub mod metadata;
pub mod object;
pub mod publish;
pub mod report;
pub mod state;
pub mod stream;
mod timer;
mod trace;
pub mod transport;
pub mod validate;
mod wire;

pub use ack::AckKind;
pub use context::{JetStream, JetStreamOptions};
pub use error::{ApiError, Error, ErrorCode};
pub use wire::parse_time;
