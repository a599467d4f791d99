//! The runtime-independent half of every natrs client.
//!
//! This crate holds the client API ([`Client`], [`Subscriber`], requests,
//! flush, drain, events) and the [driver](adapter::Runtime) that runs a connection; the
//! runtime crates (`natrs-tokio`, `natrs-async-std`, `natrs-blocking`) add the
//! sockets, TLS and timers and re-export what is here. Every future and stream
//! here completes through wakers, so the same types work on any executor and
//! from blocking code that parks a thread.
//!
//! # Design
//!
//! One [`natrs_core::Client`](natrs_core::client::Client) state machine sits
//! behind a mutex shared by every handle and the driver. Publishing encodes
//! straight into the core's write buffer under that lock and wakes the driver
//! only when the buffer goes from empty to non-empty, so a publish costs no
//! channel hop and no allocation. Requests, flushes and lone publishes (a
//! reply) are written to the socket by the task itself when nobody else is
//! writing and the transport allows it ([`InlineWrite`](adapter::InlineWrite)), sparing the driver a
//! wake-up. The driver reads into one buffer, feeds it to the core and routes
//! the resulting events: messages into per-subscription delivery queues
//! (bounded by pending limits, counting drops as slow consumer events),
//! replies and flush completions into one-shot slots; the consumers are woken
//! after the lock is released.

pub mod adapter;
mod auth;
mod client;
mod clock;
mod connect;
mod dial;
mod driver;
mod error;
mod events;
pub mod memory;
mod options;
mod park;
mod queue;
mod read_spares;
mod responses;
mod runtime;
mod shared;
mod signal;
mod slot;
mod subscriber;
mod tls;
mod trace;
mod writer;

pub use auth::AuthCallback;
pub use client::{Client, DrainFuture, FlushFuture, ReplyFuture, Request, Sleep};
pub use dial::{DialedStream, Dialer};
pub use error::{ConnectError, DrainError, Error, FlushError, JsonError, RequestError};
pub use events::{ClientEvent, EventStream};
pub use options::{ConnectOptions, SignFn};
pub use queue::PendingLimits;
pub use responses::Responses;
pub use subscriber::Subscriber;

pub use bytes::Bytes;
pub use natrs_core::Payload;
pub use natrs_core::auth::Credentials;
pub use natrs_core::client::{
    ConnectionState, MAX_DISCOVERED, RequestManyOptions, ServerChoice, Statistics, SubscriptionEnd,
};
pub use natrs_core::error::{
    CloseReason, ConnectStep, DisconnectReason, HandshakeError, PermissionOp, ServerError,
    TransportCause, TransportError,
};
pub use natrs_core::headers::HeaderError;
pub use natrs_core::proto::ProtocolError;
pub use natrs_core::proto::ServerInfo;
pub use natrs_core::subject::SubjectError;
pub use natrs_core::ws::WsError;
pub use natrs_core::{HeaderMap, Message, Secret, ServerAddr, StatusCode, Subject};
