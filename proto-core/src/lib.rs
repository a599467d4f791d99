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

pub use client::{Client, Config, ConnectionState, Event, Sid};
pub use error::Error;
pub use headers::{HeaderMap, StatusCode};
pub use message::Message;
pub use payload::Payload;
pub use secret::Secret;
pub use server_addr::ServerAddr;
pub use subject::Subject;
pub use time::Instant;
