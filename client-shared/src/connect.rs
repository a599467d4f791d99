//! Making a connection: options and addresses in, a [`Client`] out, with the
//! driver spawned on the given runtime.

use crate::clock::Clock;
use crate::driver;
use crate::error::ConnectError;
use crate::events::EventHub;
use crate::options::ConnectOptions;
use crate::runtime::Runtime;
use crate::shared::Shared;
use crate::slot::{Latch, Slot};
use crate::Client;
use natrs_core::client as core;
use natrs_core::ServerAddr;
use std::collections::hash_map::RandomState;
use std::future::poll_fn;
use std::hash::{BuildHasher, Hasher};
use std::sync::Arc;

/// Parses a comma-separated list of server URLs.
pub fn parse_servers(addrs: &str) -> Result<Vec<ServerAddr>, ConnectError> {
    let servers = ServerAddr::parse_list(addrs).map_err(|e| ConnectError::InvalidAddress {
        address: addrs.to_string(),
        reason: e.to_string(),
    })?;
    if let Some(ws) = servers.iter().find(|s| s.is_websocket()) {
        return Err(ConnectError::InvalidAddress {
            address: ws.to_string(),
            reason: "websocket is not supported".into(),
        });
    }
    Ok(servers)
}

/// A seed for the core's generator from the OS (through std's hasher keys).
fn random_seed() -> u64 {
    let mut h = RandomState::new().build_hasher();
    h.write_u64(0x6e61_7472_73);
    h.finish()
}

/// Connects to `addrs` (comma-separated URLs) with `options`, running the
/// driver on `runtime`.
///
/// Resolves once the first connection is established, or at once with
/// [`ConnectOptions::retry_on_initial_connect`].
pub async fn connect<R: Runtime>(runtime: R, addrs: &str, options: ConnectOptions) -> Result<Client, ConnectError> {
    if let Some(reason) = options.invalid {
        return Err(ConnectError::InvalidOptions(reason));
    }
    let mut config = options.config;
    config.servers = parse_servers(addrs)?;
    let wants_tls = config.tls_required || config.servers.iter().any(|s| s.is_tls());
    let tls_config = if wants_tls || options.tls.custom.is_some() || options.tls.client_cert.is_some() {
        Some(options.tls.build()?)
    } else {
        None
    };
    let retry = config.retry_on_initial_connect;
    let clock = Clock::new();
    let core = core::Client::new(config, clock.now(), random_seed())?;
    let shared = Arc::new(Shared::new(
        core,
        clock,
        EventHub::new(options.event_callback),
        options.tls,
        tls_config,
        options.pending_limits,
        options.request_timeout,
    ));
    let connected = Arc::new(Slot::new());
    shared.lock().connect_waiters.push(connected.clone());
    let done = Arc::new(Latch::default());
    let runtime = Arc::new(runtime);
    runtime.spawn(Box::pin(driver::run(shared.clone(), runtime.clone(), done.clone())));
    let client = Client::new(shared, done);
    if retry {
        return Ok(client);
    }
    match poll_fn(|cx| connected.poll_take(cx)).await {
        Ok(()) => Ok(client),
        Err(reason) => Err(ConnectError::Failed(reason)),
    }
}
