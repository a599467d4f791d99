//! A sans-IO NATS client core.
//!
//! `natrs-core` parses and emits the whole NATS client protocol and runs the
//! connection logic (handshake, authentication, PING/PONG keep-alive, server
//! pool, reconnect with backoff and jitter, reconnect buffer, resubscribe,
//! request multiplexing, flush, drain, lame duck) without doing any IO, reading
//! any clock or drawing OS randomness. Bytes, time and a seed come in; bytes,
//! transport commands, events and the next deadline come out. The same
//! [`client::Client`] therefore behaves identically under tokio, async-io,
//! plain threads or a microcontroller's main loop, and every test of it is
//! deterministic.
//!
//! The crate is `#![no_std]` with `alloc`. The default `std` feature adds nkey
//! signing (through the `nkeys` crate); without it, supply signatures through
//! an [`auth::AuthProvider`].
//!
//! # The run loop
//!
//! An adapter owns the socket, a monotonic clock and a seed. It converts its
//! clock into [`Instant`] (nanoseconds since an epoch it picks) and drives the
//! client like this:
//!
//! ```text
//! client = Client::new(config, now(), seed)
//! loop {
//!     // 1. Drain every output, in this order, until each returns nothing.
//!     while let Some(cmd) = client.poll_transport() {
//!         // Connect{server}: drop any old socket, open TCP, then
//!         //     handle_transport(now, Connected) or Closed(why)
//!         // UpgradeTls{server_name}: TLS over the socket, then
//!         //     handle_transport(now, TlsEstablished) or Closed(why)
//!         // Close: write what poll_transmit still holds, then close
//!     }
//!     if client.poll_transmit(&mut write_buf) { write all of write_buf }
//!     while let Some(event) = client.poll_event() { deliver it }
//!     let deadline = client.poll_timeout();
//!
//!     // 2. Wait for the socket to be readable or the deadline, whichever first.
//!     //    Bytes read:        client.handle_input(now, &mut read_buf)
//!     //    EOF or error:      client.handle_transport(now, Closed(why))
//!     //    deadline passed:   client.handle_timeout(now)
//!     //    user command:      client.publish(..) etc. (errors return at once)
//! }
//! ```
//!
//! The contract: after any input or command, drain `poll_transport`,
//! `poll_transmit` and `poll_event` before waiting again, and call
//! `handle_timeout` once the instant from `poll_timeout` has passed. Bytes from
//! `poll_transmit` must be written in order and before a following
//! [`client::TransportCommand::Connect`] or `Close` is carried out. Feed
//! `handle_input` the same read buffer every time: it consumes complete
//! operations from the front and leaves a partial one in place.
//!
//! Commands never block and never touch the connection when they fail: an
//! invalid subject, a header with CR or LF, a payload over the server's max
//! payload, a full reconnect buffer all return an [`Error`] and the client
//! stays usable. A protocol violation by the server is a
//! [`error::DisconnectReason`]: the client closes that transport and
//! reconnects. Nothing panics on any input.
//!
//! # A non-blocking connect
//!
//! An embedder with its own event loop and non-blocking sockets never waits
//! inside a call to the core. On [`client::TransportCommand::Connect`] it
//! drops any socket it holds, resolves [`ServerAddr::host`] and
//! [`ServerAddr::port`] and starts a non-blocking connect (`EINPROGRESS`),
//! registers the socket for writability, and returns to its loop. The core
//! needs nothing until the connect finishes: it writes nothing before the
//! server's INFO arrives, and its connect timeout (`Config::connect_timeout`)
//! is one of the deadlines [`Client::poll_timeout`] returns, so keep calling
//! [`Client::handle_timeout`] while waiting. When the socket becomes
//! writable, read its pending error (`SO_ERROR`) and report the outcome:
//!
//! ```
//! use natrs_core::client::{Client, TransportEvent};
//! use natrs_core::error::TransportError;
//! use natrs_core::Instant;
//!
//! /// The socket of a `Connect` became writable; `so_error` is its pending
//! /// error (`SO_ERROR`), `None` when the connect succeeded.
//! fn connect_finished(client: &mut Client, now: Instant, so_error: Option<std::io::Error>) {
//!     let event = match so_error {
//!         None => TransportEvent::Connected,
//!         Some(e) => TransportEvent::Closed(TransportError::Connect(e.to_string().into())),
//!     };
//!     client.handle_transport(now, event);
//!     // Then drain poll_transport, poll_transmit and poll_event as always.
//! }
//! ```
//!
//! If the connect timeout passes first, `handle_timeout` reports it
//! (`ConnectTimeout(ConnectStep::Tcp)`) and the next `poll_transport` is a
//! new `Connect`: drop the half-open socket then, and never report the old
//! one's outcome. The same holds for a TLS handshake after
//! [`client::TransportCommand::UpgradeTls`], run step by step on readiness and
//! reported with `TlsEstablished` or `Closed(TransportError::Tls(..))`. Once
//! connected, a read that would block means "wait", a read of zero bytes is
//! `Closed(TransportError::Eof)`, and a partial write keeps the rest of the
//! write buffer, in order, for when the socket is writable again
//! ([`proto::WriteBuffer`] is a [`bytes::Buf`]: `advance(n)` by what was
//! written; `poll_transmit` appends behind what is left).
//!
//! # When the socket is dead with bytes unwritten
//!
//! Bytes from `poll_transmit` belong to the connection they were handed out
//! for. When a write fails, or a read reports the peer gone, while some are
//! still unwritten, clear them and report the failure:
//!
//! ```
//! use natrs_core::client::{Client, TransportEvent};
//! use natrs_core::error::TransportError;
//! use natrs_core::proto::WriteBuffer;
//! use natrs_core::Instant;
//!
//! fn write_failed(client: &mut Client, now: Instant, out: &mut WriteBuffer, e: std::io::Error) {
//!     out.clear();
//!     client.handle_transport(now, TransportEvent::Closed(TransportError::Io(e.to_string().into())));
//! }
//! ```
//!
//! Never write them to the next connection: the core builds each connection's
//! byte stream from its start (CONNECT after the new server's INFO, then the
//! subscriptions, then the reconnect buffer), and old bytes in front of it
//! would break the protocol. What they held is settled by the core, not
//! lost silently: flushes waiting on that connection fail with
//! `FlushError::Disconnected`, requests keep waiting for their own timeouts,
//! subscriptions are sent again, and publishes made after the `Disconnected`
//! event wait in the reconnect buffer (`Config::reconnect_buffer_size`). The
//! messages among the cleared bytes may or may not have reached the server;
//! as with every NATS client, core publishing is at most once (JetStream's
//! acks tell you what was stored). On [`client::TransportCommand::Close`]
//! with a socket already dead there is nothing to write: drop the socket and
//! the bytes.
//!
//! # Drain
//!
//! [`client::Client::drain`] unsubscribes every subscription but keeps
//! delivering what the server had already sent (each subscription ends with
//! [`client::SubscriptionEnd::Drained`] after its last message), waits for
//! requests in flight, then refuses new publishes, flushes, and closes with
//! [`error::CloseReason::Drained`]. If that takes longer than the drain
//! timeout, it closes with [`error::CloseReason::DrainTimeout`].
//!
//! # Layout
//!
//! - [`proto`]: the codec (parser, encoder, write buffer, INFO and CONNECT).
//! - [`client`]: the state machine.
//! - [`headers`], [`message`], [`subject`]: message types and validation.
//! - [`auth`], [`nuid`], [`server_addr`], [`time`], [`error`]: supporting types.
#![no_std]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod auth;
pub mod client;
pub mod error;
#[doc(hidden)]
pub mod fuzzing;
pub mod headers;
pub mod message;
pub mod nuid;
pub mod payload;
pub mod proto;
mod secret;
pub mod server_addr;
pub mod subject;
pub mod time;
pub mod ws;

/// The `bytes` crate the core's buffers come from ([`bytes::Bytes`],
/// [`bytes::BytesMut`], [`bytes::Buf`]), so an embedder uses the same
/// version without naming it as a dependency:
///
/// ```
/// let mut read_buf = natrs_core::bytes::BytesMut::with_capacity(64 * 1024);
/// # read_buf.extend_from_slice(b"PING\r\n");
/// ```
pub use bytes;
pub use client::{Client, Config, ConnectionState, Event, Sid};
pub use error::Error;
pub use headers::{HeaderMap, StatusCode};
pub use message::Message;
pub use payload::Payload;
pub use secret::Secret;
pub use server_addr::ServerAddr;
pub use subject::Subject;
pub use time::Instant;
