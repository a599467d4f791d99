//! What a runtime adapter is built from, for people writing their own.
//!
//! natrs-tokio, natrs-async-std and natrs-blocking are adapters: each opens
//! sockets and TLS, keeps time and runs the connection's driver. An
//! application does not need anything here; it uses the runtime crate's
//! `connect` and the [`Client`](crate::Client) it returns.
//!
//! An async adapter implements [`Runtime`] (spawning the driver, a
//! [`Timer`], connecting a [`Transport`]) and calls [`connect`]; a
//! [`Transport`] that can be written from the caller's task implements
//! [`InlineWrite`] as well. An adapter with a loop of its own (like
//! natrs-blocking's threads) calls [`prepare`] instead and drives the
//! [`Shared`] state itself: it feeds what it reads to
//! [`Shared::handle_input_at`], carries out transport commands, and reports
//! the end of the driver through [`DriverDone`]. [`Clock`] converts the
//! runtime's monotonic clock to the core's instants. A blocking API waits
//! for natrs-client's futures with [`block_on`] and [`block_on_until`],
//! which park the calling thread (natrs-blocking and natrs-jetstream's
//! blocking facade share them). And
//! [`tls_error_text`] and [`tls_failure_text`] turn a failed TLS handshake
//! into the text every adapter reports, as [`io_error_text`] does for a
//! failed TCP connect.

pub use crate::clock::Clock;
pub use crate::connect::{Connected, DriverDone, Prepared, connect, parse_servers, prepare};
pub use crate::error::{connect_cause, io_error_text};
pub use crate::park::{after_poll, block_on, block_on_until, deadline_after, spin_until, waits};
pub use crate::runtime::{BoxFuture, Runtime, Timer, Transport};
pub use crate::shared::{READ_MIN_SPARE, Shared};
pub use crate::tls::{io_failure, tls_cause, tls_error_text, tls_failure_text};
pub use crate::writer::InlineWrite;
