//! Making a connection: options and addresses in, a [`Client`] out, with the
//! driver spawned on the given runtime.

use crate::Client;
use crate::clock::Clock;
use crate::driver;
use crate::error::ConnectError;
use crate::events::EventHub;
use crate::options::ConnectOptions;
use crate::runtime::Runtime;
use crate::shared::Shared;
use crate::slot::{Latch, Slot};
use natrs_core::ServerAddr;
use natrs_core::auth::Auth;
use natrs_core::client as core;
use natrs_core::error::CloseReason;
use natrs_core::server_addr;
use std::collections::hash_map::RandomState;
use std::future::Future;
use std::hash::{BuildHasher, Hasher};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

/// Parses a comma-separated list of server URLs.
pub fn parse_servers(addrs: &str) -> Result<Vec<ServerAddr>, ConnectError> {
    let servers = ServerAddr::parse_list(addrs).map_err(|e| ConnectError::InvalidAddress {
        address: server_addr::redact_credentials(addrs),
        reason: e.to_string(),
    })?;
    Ok(servers)
}

/// A seed for the core's generator from the OS (through std's hasher keys).
fn random_seed() -> u64 {
    let mut h = RandomState::new().build_hasher();
    h.write_u64(0);
    h.finish()
}

/// A client whose driver has not started yet: what a runtime crate needs to
/// run the connection its own way (the async runtimes through [`connect`],
/// the blocking crate on threads).
#[derive(Debug)]
pub struct Prepared {
    /// The client handle to give the application.
    pub client: Client,
    /// The state the driver feeds.
    pub shared: Arc<Shared>,
    /// Set it when the driver exits (so `close().await` and drains can finish).
    pub done: DriverDone,
    /// Completes at the first connection, or with the reason the client
    /// closed, once the event callback got the event.
    pub connected: Connected,
    /// Whether the application asked to get the client before the first
    /// connection (`retry_on_initial_connect`).
    pub retry_on_initial_connect: bool,
}

/// The driver's "I have finished" flag.
#[derive(Debug, Clone)]
pub struct DriverDone(Arc<Latch>);

impl DriverDone {
    /// Marks the driver finished and wakes whoever waits for it.
    pub fn set(&self) {
        self.0.set();
    }
}

/// The outcome of the first connection attempt.
#[derive(Debug)]
pub struct Connected(Arc<Slot<Result<(), CloseReason>>>);

impl Future for Connected {
    type Output = Result<(), ConnectError>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.0
            .poll_take(cx)
            .map(|r| r.map_err(ConnectError::Failed))
    }
}

/// Builds the client, the shared state and the TLS configuration for `addrs`
/// (comma-separated URLs) and `options`, without starting a driver.
pub fn prepare(addrs: &str, options: ConnectOptions) -> Result<Prepared, ConnectError> {
    if let Some(reason) = options.invalid {
        return Err(ConnectError::InvalidOptions(reason));
    }
    let mut config = options.config;
    config.servers = parse_servers(addrs)?;
    let wants_tls = config.tls_required || config.servers.iter().any(|s| s.is_tls());
    let tls_config =
        if wants_tls || options.tls.custom.is_some() || options.tls.client_cert.is_some() {
            Some(options.tls.build()?)
        } else {
            None
        };
    let retry_on_initial_connect = config.retry_on_initial_connect;
    // Read before any network I/O, so that a bad `.creds` file fails here.
    let auth = match &config.auth {
        Auth::Provider(provider) => {
            provider
                .load()
                .map_err(|e| ConnectError::Credentials(e.to_string()))?;
            Some(provider.clone())
        }
        _ => None,
    };
    let clock = Clock::new();
    let core = core::Client::new(config, clock.now(), random_seed())?;
    let mut shared = Shared::new(
        core,
        clock,
        EventHub::new(options.event_callback),
        options.tls,
        tls_config,
        options.pending_limits,
        options.request_timeout,
    );
    shared.auth = auth;
    shared.local_address = options.local_address;
    shared.dialer = options.dialer;
    let shared = Arc::new(shared);
    let connected = Arc::new(Slot::new());
    shared.lock().connect_waiters.push(connected.clone());
    let done = Arc::new(Latch::default());
    let client = Client::new(shared.clone(), done.clone());
    Ok(Prepared {
        client,
        shared,
        done: DriverDone(done),
        connected: Connected(connected),
        retry_on_initial_connect,
    })
}

/// Connects to `addrs` (comma-separated URLs) with `options`, running the
/// driver on `runtime`.
///
/// Resolves once the first connection is established and the event callback
/// got [`ClientEvent::Connected`](crate::ClientEvent::Connected) (or the
/// attempt failed and it got `Closed`), or at once with
/// [`ConnectOptions::retry_on_initial_connect`].
pub async fn connect<R: Runtime>(
    runtime: R,
    addrs: &str,
    options: ConnectOptions,
) -> Result<Client, ConnectError> {
    let prepared = prepare(addrs, options)?;
    prepared.shared.set_proceed(R::poll_proceed);
    let runtime = Arc::new(runtime);
    runtime.spawn(Box::pin(driver::run(
        prepared.shared.clone(),
        runtime.clone(),
        prepared.done,
    )));
    if !prepared.retry_on_initial_connect {
        prepared.connected.await?;
    }
    Ok(prepared.client)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_that_fails_to_parse_keeps_its_secrets() {
        for bad in [
            "nats://alice:hunter2@bad host",
            "nats://h:1, tls://hunter2@h:x",
        ] {
            let e = parse_servers(bad).unwrap_err();
            let shown = format!("{e} {e:?}");
            assert!(!shown.contains("hunter2"), "{shown}");
            assert!(shown.contains("xxxxx@"), "{shown}");
        }
    }
}
