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
//! protocol's timers. By default ([`connect`], [`connect_with_options`]) it
//! runs on a thread of its own, named `natrs-driver`:
//!
//! - async-io has no executor to spawn on, and the crate must not pick one
//!   for the application; a thread needs none, so `connect` works from any
//!   executor, or from `async_io::block_on` in `main`.
//! - The connection keeps its pings, reconnects and reads going even when the
//!   application's executor is busy, blocked, or single-threaded and parked.
//! - On Linux and Android the thread waits on an epoll of its own, not on
//!   async-io's reactor, so the socket's events wake it directly rather than
//!   through an application thread that happened to be waiting in the
//!   reactor. Elsewhere it runs the driver with `async_io::block_on`.
//!
//! The cost is one thread per connection (most applications have one) and a
//! hand-off between threads whenever the driver passes a message to a task of
//! the application. The way out needs none over plain TCP: a task writes its
//! request, its flush or a lone reply to the socket itself when no one else
//! is writing (publishes in a burst are left to the driver, which writes them
//! in batches; with TLS the driver writes everything). A driver spawned on the application's executor
//! ([`AsyncIoRuntime::with_spawner`]) can run on the same worker thread as
//! the tasks it serves and skip the hand-off on the way in too, which shows
//! when requester and responder are tasks of the same process sharing one
//! CPU. `nats-bench --runtime async-std` and `--runtime async-std-task` (the
//! driver spawned as an async-std task) measure both on the same machine; the
//! README has the figures.
//!
//! To run drivers on your own executor instead, pass a spawner:
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
//! use natrs_async_std::jetstream::state::pull::FetchOptions;
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

mod driver_thread;
mod runtime;
mod timer;
mod transport;

pub use natrs_client::*;
pub use runtime::{AsyncIoRuntime, DRIVER_THREAD_NAME};
pub use timer::AsyncIoTimer;
pub use transport::AsyncIoTransport;

/// JetStream: natrs-jetstream, whose async API runs on this crate's client.
/// `jetstream::JetStream::new(client)` makes a context.
#[cfg(feature = "jetstream")]
pub use natrs_jetstream as jetstream;

use std::future::{Future, poll_fn};
use std::pin::pin;
use std::sync::PoisonError;
use std::task::Poll;

/// Connects to `addrs` (one URL or several, comma-separated) with default
/// options; the driver runs on a `natrs-driver` thread.
pub async fn connect(addrs: impl AsRef<str>) -> Result<Client, ConnectError> {
    connect_with_options(addrs, ConnectOptions::new()).await
}

/// Connects to `addrs` with `options`; the driver runs on a `natrs-driver`
/// thread. Works within any executor, or none (`async_io::block_on`).
pub async fn connect_with_options(
    addrs: impl AsRef<str>,
    options: ConnectOptions,
) -> Result<Client, ConnectError> {
    connect_with_runtime(AsyncIoRuntime::new(), addrs, options).await
}

/// Connects to `addrs` with `options`, running the driver as `runtime` says
/// (a thread of its own, or the application's spawner).
///
/// Fails with [`ConnectError::Runtime`] when the driver thread cannot be
/// started.
pub async fn connect_with_runtime(
    runtime: AsyncIoRuntime,
    addrs: impl AsRef<str>,
    options: ConnectOptions,
) -> Result<Client, ConnectError> {
    let spawn_failure = runtime.spawn_failure();
    let mut connecting = pin!(natrs_client::connect(runtime, addrs.as_ref(), options));
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
