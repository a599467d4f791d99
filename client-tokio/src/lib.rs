//! The natrs NATS client on tokio.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use futures_util::StreamExt;
//! let client = natrs_tokio::connect("nats://127.0.0.1:4222").await?;
//! let mut sub = client.subscribe("greet.*").await?;
//! client.publish("greet.joe", "hello").await?;
//! let msg = sub.next().await.expect("a message");
//! assert_eq!(msg.payload, "hello");
//! # Ok(()) }
//! ```
//!
//! The client API ([`Client`], [`Subscriber`], [`ConnectOptions`], ...) is the
//! same on every natrs runtime crate; this crate runs the connection's driver
//! as a tokio task and provides TCP, TLS (tokio-rustls) and timers.
//!
//! # JetStream
//!
//! With the `jetstream` feature (on by default), [`jetstream`] is
//! natrs-jetstream: async methods and `Stream`s that run on the
//! connection's driver. As on every natrs runtime crate, a context is made
//! from the client:
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use futures_util::StreamExt;
//! use natrs_tokio::jetstream::{self, api::consumer::ConsumerConfig, api::stream::StreamConfig};
//! use natrs_tokio::jetstream::consumer::FetchOptions;
//!
//! let client = natrs_tokio::connect("nats://127.0.0.1:4222").await?;
//! let js = jetstream::JetStream::new(client);
//! let stream = js
//!     .create_stream(StreamConfig::new("ORDERS").subjects(["orders.>"]))
//!     .await?;
//! js.publish("orders.1", "hello").await?;
//! let consumer = stream
//!     .create_consumer(ConsumerConfig::durable_pull("worker"))
//!     .await?;
//! let mut batch = consumer.fetch(FetchOptions::new(10))?;
//! while let Some(message) = batch.next().await {
//!     message?.ack().await?;
//! }
//! # Ok(()) }
//! ```
//!
//! Without the feature the crate does not depend on natrs-jetstream.
//!
//! # The Service API
//!
//! With the `service` feature (on by default), [`service`] is natrs-service:
//! services with `$SRV` discovery and statistics (ADR-32, nats.go's `micro`),
//! `service::Service::add(&client, config)`. Without the feature the crate
//! does not depend on natrs-service.

mod runtime;

pub use natrs_client::{
    AuthCallback, Bytes, Client, ClientEvent, CloseReason, ConnectError, ConnectOptions,
    ConnectStep, ConnectionState, Credentials, DisconnectReason, DrainError, DrainFuture, Error,
    EventStream, FlushError, FlushFuture, HandshakeError, HeaderError, HeaderMap, JsonError,
    MAX_DISCOVERED, Message, Payload, PendingLimits, PermissionOp, ProtocolError, ReplyFuture,
    Request, RequestError, RequestManyOptions, Responses, Secret, ServerAddr, ServerError,
    ServerInfo, SignFn, Sleep, Statistics, StatusCode, Subject, SubjectError, Subscriber,
    SubscriptionEnd, TransportCause, TransportError, WsError,
};

/// What this crate's driver runs on, and natrs-client's pieces for writing a
/// runtime adapter of your own (see [`natrs_client::adapter`]). Applications
/// need nothing here.
pub mod adapter {
    pub use crate::runtime::TokioRuntime;
    pub use natrs_client::adapter::*;
}

use adapter::TokioRuntime;

/// JetStream: natrs-jetstream, whose async API runs on this crate's client.
/// `jetstream::JetStream::new(client)` makes a context.
#[cfg(feature = "jetstream")]
pub use natrs_jetstream as jetstream;

/// The Service API: natrs-service, whose async API runs on this crate's
/// client. `service::Service::add(&client, config)` starts a service.
#[cfg(feature = "service")]
pub use natrs_service as service;

/// Connects to `addrs` (one URL or several, comma-separated) with default options.
pub async fn connect(addrs: impl AsRef<str>) -> Result<Client, ConnectError> {
    connect_with_options(addrs, ConnectOptions::new()).await
}

/// Connects to `addrs` with `options`. Must be called within a tokio runtime
/// (the driver is spawned on it).
pub async fn connect_with_options(
    addrs: impl AsRef<str>,
    options: ConnectOptions,
) -> Result<Client, ConnectError> {
    let runtime = TokioRuntime::current().ok_or_else(|| {
        ConnectError::InvalidOptions("natrs-tokio must be used within a tokio runtime".into())
    })?;
    natrs_client::adapter::connect(runtime, addrs.as_ref(), options).await
}

/// `docs/migrating-from-async-nats.md`: its natrs snippets compile as doc
/// tests (the async-nats originals are marked `ignore`).
#[cfg(doctest)]
#[doc = include_str!("../../docs/migrating-from-async-nats.md")]
mod migrating_from_async_nats {}
