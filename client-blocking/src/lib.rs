//! The natrs NATS client on plain threads and `std::net`, with no async
//! runtime anywhere in it.
//!
//! ```no_run
//! # fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let client = natrs_blocking::connect("nats://127.0.0.1:4222")?;
//! let sub = client.subscribe("greet.*")?;
//! client.publish("greet.joe", "hello")?;
//! let msg = sub.iter().next().expect("a message");
//! assert_eq!(msg.payload, "hello");
//!
//! // Request/reply, with a responder running a handler on its own thread.
//! let responder = client.clone();
//! let _service = client.subscribe_with_handler("time", move |msg| {
//!     if let Some(reply) = msg.reply {
//!         let _ = responder.publish(reply.as_str(), "noon");
//!     }
//! })?;
//! let answer = client.request("time", "")?;
//! assert_eq!(answer.payload, "noon");
//! client.drain()?;
//! # Ok(()) }
//! ```
//!
//! The options ([`ConnectOptions`]), events ([`ClientEvent`]), errors and
//! message types are those of every natrs runtime crate (re-exported from
//! `natrs-client`); the connection logic is natrs-core's state machine,
//! shared with the async clients.
//!
//! # Threads
//!
//! Each connection runs a driver thread (`natrs-driver`: connecting, TLS
//! handshakes, writing, timers) and a reader thread per TCP connection
//! (`natrs-reader`), which routes messages and replies straight to the
//! threads waiting for them. TLS is rustls; TCP is `std::net` with
//! `TCP_NODELAY`. Handler subscriptions add a thread each, or share a pool
//! of threads (see [Handlers](#handlers)).
//!
//! Publishing encodes into the connection's write buffer under a lock and
//! returns; the driver thread is woken only when that buffer goes from empty
//! to non-empty, so a burst of publishes costs one wake-up, not one per
//! message, and is written in batches while the publisher goes on. Requests,
//! flushes and isolated publishes (the first after the thread waited, such as
//! a handler's reply) are written by the calling thread itself when no one
//! else is writing, without waking the driver; so is a backlog of 64 KiB. A
//! publish blocks only while more than 8 MiB wait to be written.
//!
//! Waiting (for a reply, a message, a flush, a drain) parks the calling
//! thread until the driver's threads complete what it waits for; on a
//! machine with more than one CPU it first polls for a few microseconds,
//! which spares a park and unpark when the answer is that close. It needs no
//! runtime and works on any thread, including an async runtime's worker
//! (which it then blocks, like any blocking call).
//!
//! # Callbacks
//!
//! The event callback ([`ConnectOptions::event_callback`]) runs on the
//! thread that hands the event out, mostly one of the driver's threads
//! (sometimes a thread of yours that called into the client just after the
//! event was queued), and must return quickly. It may publish, and
//! [`Client::close`] and [`Client::drain`] called there start closing and
//! return at once; but it must not wait for the connection (a flush, a
//! request, the next message of a subscription), which may need the very
//! thread it runs on. A handler of [`Client::subscribe_with_handler`] has a
//! thread of its own (unless it runs on a pool, see below) and may do
//! anything, including requests.
//!
//! # Handlers
//!
//! [`Client::subscribe_with_handler`] runs its handler on a thread of the
//! subscription's own, as nats.go runs a goroutine per asynchronous
//! subscription: a handler may block as long as it likes without holding up
//! any other. With many subscriptions those threads cost: each has a stack,
//! and each message switches to its subscription's thread. A client connected
//! with [`BlockingOptions::handler_threads`]`(n)` runs the handlers of all its
//! handler subscriptions on a pool of `n` threads instead (nats.c's
//! `natsOptions_UseGlobalMessageDelivery`). Every subscription still gets its
//! messages one at a time and in order, and a panicking handler ends only
//! its own subscription; but a handler that blocks (sleeps, waits for another
//! subscription's message or end) holds a pool thread, and the other
//! subscriptions wait for a free one. Requests from a pooled handler are
//! fine: the reply goes to the requesting thread, not through the pool
//! (unless the responder is a pooled handler of the same client, which
//! needs another pool thread free).
//!
//! # JetStream
//!
//! With the `jetstream` feature (on by default), [`jetstream`] has
//! JetStream with blocking methods and iterators (natrs-jetstream's blocking
//! facade). As on every natrs runtime crate, a context is made from the
//! client: `natrs_blocking::jetstream::JetStream::new(client)`; see the
//! module for an example. Without the feature the crate does not depend on
//! natrs-jetstream.
//!
//! # The Service API
//!
//! With the `service` feature (on by default), [`service`] has the Service
//! API (ADR-32, nats.go's `micro`) with blocking methods and iterators
//! (natrs-service's blocking facade): `service::Service::add(client.as_async(),
//! config)`. Without the feature the crate does not depend on natrs-service.

mod client;
mod driver;
mod error;
mod events;
mod executor;
mod handler;
mod handler_pool;
#[cfg(feature = "jetstream")]
pub mod jetstream;
mod options;
mod responses;
#[cfg(feature = "service")]
pub mod service;
mod subscription;

pub use client::{Client, DriverStatistics};
pub use error::{JoinError, SubscribeError, TimedOut};
pub use events::Events;
pub use handler::HandlerSubscription;
pub use options::BlockingOptions;
pub use responses::Responses;
pub use subscription::{Iter, Subscription};

pub use natrs_client::{
    AuthCallback, Bytes, ClientEvent, CloseReason, ConnectError, ConnectOptions, ConnectStep,
    ConnectionState, Credentials, DisconnectReason, DrainError, Error, FlushError, HandshakeError,
    HeaderError, HeaderMap, JsonError, MAX_DISCOVERED, Message, Payload, PendingLimits,
    PermissionOp, ProtocolError, Request, RequestError, RequestManyOptions, Secret, ServerAddr,
    ServerError, ServerInfo, SignFn, Statistics, StatusCode, Subject, SubjectError,
    SubscriptionEnd, TransportCause, TransportError, WsError,
};

use natrs_client::adapter::prepare;

/// Connects to `addrs` (one URL or several, comma-separated) with default
/// options; blocks until connected.
pub fn connect(addrs: impl AsRef<str>) -> Result<Client, ConnectError> {
    connect_with_options(addrs, ConnectOptions::new())
}

/// Connects to `addrs` with `options`: [`ConnectOptions`], or
/// [`BlockingOptions`] for natrs-blocking's own settings too. Blocks until
/// the first connection is established, or returns at once with
/// [`ConnectOptions::retry_on_initial_connect`] (publishes are then buffered
/// until it connects).
///
/// Fails with [`ConnectError::Runtime`] when the driver thread cannot be
/// started.
pub fn connect_with_options(
    addrs: impl AsRef<str>,
    options: impl Into<BlockingOptions>,
) -> Result<Client, ConnectError> {
    let BlockingOptions {
        connect: options,
        handler_threads,
    } = options.into();
    let connect_timeout = options.core_config().connect_timeout;
    let prepared = prepare(addrs.as_ref(), options)?;
    let io = driver::spawn(
        prepared.shared.clone(),
        prepared.done.clone(),
        connect_timeout,
    )
    .map_err(|e| ConnectError::Runtime(format!("cannot start a natrs-driver thread: {e}")))?;
    let pool = (handler_threads > 0).then(|| handler_pool::HandlerPool::new(handler_threads));
    let client = Client::new(prepared.client, io, pool);
    if !prepared.retry_on_initial_connect {
        executor::block_on(prepared.connected)?;
    }
    Ok(client)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn send_and_sync<T: Send + Sync>() {}

    #[test]
    fn handles_cross_threads() {
        send_and_sync::<Client>();
        send_and_sync::<Subscription>();
        send_and_sync::<HandlerSubscription>();
        send_and_sync::<Events>();
        send_and_sync::<Responses>();
    }
}
