//! The natrs NATS client on async-io: runs under async-std, smol or any
//! executor.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use futures_lite::StreamExt;
//! let client = natrs_async_std::connect("nats://127.0.0.1:4222").await?;
//! let mut sub = client.subscribe("greet.*").await?;
//! client.publish("greet.joe", "hello").await?;
//! let msg = sub.next().await.expect("a message");
//! assert_eq!(msg.payload, "hello");
//! # Ok(()) }
//! ```
//!
//! The client API ([`Client`], [`Subscriber`], [`ConnectOptions`], ...) is the
//! same on every natrs runtime crate (it is natrs-client's, re-exported). This
//! crate provides the IO: TCP through async-io's reactor (`Async<TcpStream>`,
//! `TCP_NODELAY` on, host names resolved by async-net), TLS through
//! futures-rustls (ring), and timers through `async_io::Timer`. async-io is
//! the reactor async-std and smol run on, so the client works under either,
//! under any other executor, and from plain `async_io::block_on`. The crate
//! does not depend on async-std (discontinued upstream) nor on tokio.
//!
//! # Where the connection runs
//!
//! Each connection has a driver future that reads, writes and runs the
//! protocol's timers. [`AsyncIoRuntime`] says where it runs:
//!
//! - By default ([`connect`], [`connect_with_options`],
//!   [`AsyncIoRuntime::new`]) it is a task on async-global-executor, the
//!   executor async-std runs its tasks on. Under async-std it shares the
//!   worker threads with the application's tasks, so a message reaches the
//!   task waiting for it on the thread that read it whenever that task is
//!   idle there, as with natrs-tokio. Under smol, another executor or plain
//!   `async_io::block_on` in `main`, async-global-executor starts worker
//!   threads of its own on first use; nothing has to be set up.
//! - [`AsyncIoRuntime::driver_threads`] runs each driver on a thread of its
//!   own, named `natrs-driver`, which keeps the connection's pings,
//!   reconnects and reads going even when the application's executor is
//!   busy or blocked. On Linux and Android the thread waits on an epoll of
//!   its own, so the socket's events wake it directly. The cost is a thread
//!   per connection and a hand-off between threads for every message the
//!   driver passes to a task, which shows when requester and responder share
//!   one CPU.
//! - [`AsyncIoRuntime::with_spawner`] hands the driver to an executor of
//!   yours:
//!
//! ```no_run
//! # async fn demo() -> Result<(), natrs_async_std::ConnectError> {
//! use natrs_async_std::{AsyncIoRuntime, ConnectOptions};
//! let runtime = AsyncIoRuntime::with_spawner(|driver| smol::spawn(driver).detach());
//! let client =
//!     natrs_async_std::connect_with_runtime(runtime, "nats://127.0.0.1:4222", ConnectOptions::new())
//!         .await?;
//! # Ok(()) }
//! ```
//!
//! Over plain TCP a task writes its request, its flush or a lone reply to the
//! socket itself when no one else is writing; publishes in a burst are left to
//! the driver, which writes them in batches. With TLS the driver writes
//! everything. `nats-bench --runtime async-std` (the default) and
//! `--runtime async-std-thread` (driver threads) measure both ways on the
//! same machine; the README has the figures.
//!
//! Every handle ([`Client`], [`Subscriber`], request and flush futures) works
//! from any thread and any executor, and dropping one needs no runtime.
//!
//! # JetStream
//!
//! With the `jetstream` feature (on by default), [`jetstream`] is
//! natrs-jetstream: async methods and `Stream`s that run on the
//! connection's driver, under any executor. As on every natrs runtime crate,
//! a context is made from the client:
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use futures_lite::StreamExt;
//! use natrs_async_std::jetstream::{self, api::consumer::ConsumerConfig, api::stream::StreamConfig};
//! use natrs_async_std::jetstream::consumer::FetchOptions;
//!
//! let client = natrs_async_std::connect("nats://127.0.0.1:4222").await?;
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

mod driver_thread;
mod runtime;
mod timer;
mod transport;

pub use natrs_client::{
    AuthCallback, Bytes, Client, ClientEvent, CloseReason, ConnectError, ConnectOptions,
    ConnectStep, ConnectionState, Credentials, DisconnectReason, DrainError, DrainFuture, Error,
    EventStream, FlushError, FlushFuture, HandshakeError, HeaderError, HeaderMap, JsonError,
    MAX_DISCOVERED, Message, Payload, PendingLimits, PermissionOp, ProtocolError, ReplyFuture,
    Request, RequestError, RequestManyOptions, Responses, Secret, ServerAddr, ServerError,
    ServerInfo, SignFn, Sleep, Statistics, StatusCode, Subject, SubjectError, Subscriber,
    SubscriptionEnd, TransportCause, TransportError, WsError,
};
pub use runtime::{AsyncIoRuntime, DRIVER_THREAD_NAME};

/// This crate's transport and timer, and natrs-client's pieces for writing a
/// runtime adapter of your own (see [`natrs_client::adapter`]). Applications
/// need nothing here.
pub mod adapter {
    pub use crate::timer::AsyncIoTimer;
    pub use crate::transport::AsyncIoTransport;
    pub use natrs_client::adapter::*;
}

/// JetStream: natrs-jetstream, whose async API runs on this crate's client.
/// `jetstream::JetStream::new(client)` makes a context.
#[cfg(feature = "jetstream")]
pub use natrs_jetstream as jetstream;

/// The Service API: natrs-service, whose async API runs on this crate's
/// client. `service::Service::add(&client, config)` starts a service.
#[cfg(feature = "service")]
pub use natrs_service as service;

use std::future::{Future, poll_fn};
use std::pin::pin;
use std::sync::PoisonError;
use std::task::Poll;

/// Connects to `addrs` (one URL or several, comma-separated) with default
/// options; the driver runs on async-global-executor ([`AsyncIoRuntime::new`]).
pub async fn connect(addrs: impl AsRef<str>) -> Result<Client, ConnectError> {
    connect_with_options(addrs, ConnectOptions::new()).await
}

/// Connects to `addrs` with `options`; the driver runs on
/// async-global-executor ([`AsyncIoRuntime::new`]). Works within any
/// executor, or none (`async_io::block_on`).
pub async fn connect_with_options(
    addrs: impl AsRef<str>,
    options: ConnectOptions,
) -> Result<Client, ConnectError> {
    connect_with_runtime(AsyncIoRuntime::new(), addrs, options).await
}

/// Connects to `addrs` with `options`, running the driver as `runtime` says
/// (async-global-executor, a thread of its own, or the application's
/// spawner).
///
/// Fails with [`ConnectError::Runtime`] when the driver thread cannot be
/// started.
pub async fn connect_with_runtime(
    runtime: AsyncIoRuntime,
    addrs: impl AsRef<str>,
    options: ConnectOptions,
) -> Result<Client, ConnectError> {
    let spawn_failure = runtime.spawn_failure();
    let mut connecting = pin!(natrs_client::adapter::connect(
        runtime,
        addrs.as_ref(),
        options
    ));
    poll_fn(|cx| {
        let outcome = connecting.as_mut().poll(cx);
        // The driver is spawned during the first poll; if its thread could not
        // start, nothing would ever complete the connection.
        let failure = spawn_failure
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        match failure {
            Some(e) => Poll::Ready(Err(ConnectError::Runtime(format!(
                "cannot start a {DRIVER_THREAD_NAME} thread: {e}"
            )))),
            None => outcome,
        }
    })
    .await
}
