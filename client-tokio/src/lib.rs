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

mod runtime;

pub use natrs_client::*;
pub use runtime::TokioRuntime;

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
    natrs_client::connect(runtime, addrs.as_ref(), options).await
}
