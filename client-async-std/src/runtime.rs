//! [`AsyncIoRuntime`]: the async-io implementation of [`natrs_client::adapter::Runtime`].

use crate::driver_thread::{self, Reactor};
use crate::timer::AsyncIoTimer;
use crate::transport::{AsyncIoTransport, connect_tcp};
use futures_rustls::TlsConnector;
use natrs_client::adapter::{BoxFuture, Runtime};
use rustls::ClientConfig;
use rustls_pki_types::ServerName;
use std::fmt;
use std::io;
use std::sync::{Arc, Mutex, PoisonError};

/// The name of the threads that run drivers with [`AsyncIoRuntime::driver_threads`].
pub const DRIVER_THREAD_NAME: &str = "natrs-driver";

/// A function that runs a driver future on an executor of the application's.
type SpawnFn = dyn Fn(BoxFuture<'static, ()>) + Send + Sync;

/// Runs natrs drivers with async-io's reactor: TCP through `Async<TcpStream>`,
/// TLS through futures-rustls, timers through `async_io::Timer`.
///
/// Where the driver future runs is the one choice: as a task on the
/// executor async-std runs on ([`AsyncIoRuntime::new`], the default), on a
/// thread of its own ([`AsyncIoRuntime::driver_threads`]), or on an executor
/// of the application's ([`AsyncIoRuntime::with_spawner`]). The [crate
/// docs](crate) compare them.
#[derive(Clone)]
pub struct AsyncIoRuntime {
    spawner: Spawner,
    /// Why the last driver thread could not be started, until `connect` reports it.
    spawn_failure: Arc<Mutex<Option<io::Error>>>,
}

#[derive(Clone)]
enum Spawner {
    /// A task on async-global-executor.
    Global,
    /// A `natrs-driver` thread per connection (see `driver_thread`).
    Thread,
    /// The application's spawner.
    With(Arc<SpawnFn>),
}

impl AsyncIoRuntime {
    /// Spawns each driver as a task on async-global-executor, the executor
    /// async-std runs its tasks on. Under async-std the drivers share its
    /// worker threads with the application's tasks, as natrs-tokio's drivers
    /// share tokio's. Elsewhere (smol, another executor, plain
    /// `async_io::block_on`) async-global-executor starts worker threads of
    /// its own on first use, as many as there are CPUs unless
    /// `ASYNC_GLOBAL_EXECUTOR_THREADS` says otherwise.
    pub fn new() -> AsyncIoRuntime {
        AsyncIoRuntime::with(Spawner::Global)
    }

    /// Runs each driver on a thread of its own (named
    /// [`natrs-driver`](DRIVER_THREAD_NAME)) that waits on an epoll of its own
    /// (Linux, Android) or runs `async_io::block_on` (elsewhere): the
    /// connection keeps its pings and reads going whatever the application's
    /// executor does. Connect through
    /// [`connect_with_runtime`](crate::connect_with_runtime), which reports a
    /// driver thread that could not start as [`ConnectError::Runtime`](crate::ConnectError::Runtime).
    pub fn driver_threads() -> AsyncIoRuntime {
        AsyncIoRuntime::with(Spawner::Thread)
    }

    /// Hands each driver future to `spawn`, which must run it to completion
    /// on some executor (the future ends when the client closes), e.g.
    /// `|f| smol::spawn(f).detach()`. If the executor drops the future, the
    /// connection stops.
    pub fn with_spawner(
        spawn: impl Fn(BoxFuture<'static, ()>) + Send + Sync + 'static,
    ) -> AsyncIoRuntime {
        AsyncIoRuntime::with(Spawner::With(Arc::new(spawn)))
    }

    fn with(spawner: Spawner) -> AsyncIoRuntime {
        AsyncIoRuntime {
            spawner,
            spawn_failure: Arc::default(),
        }
    }

    /// Whether drivers run on threads of their own.
    pub fn uses_driver_threads(&self) -> bool {
        matches!(self.spawner, Spawner::Thread)
    }

    /// Where `spawn` leaves the error of a driver thread that could not start.
    pub(crate) fn spawn_failure(&self) -> Arc<Mutex<Option<io::Error>>> {
        self.spawn_failure.clone()
    }
}

impl Default for AsyncIoRuntime {
    fn default() -> Self {
        AsyncIoRuntime::new()
    }
}

impl fmt::Debug for AsyncIoRuntime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let spawner = match self.spawner {
            Spawner::Global => "async-global-executor",
            Spawner::Thread => "driver thread",
            Spawner::With(_) => "application spawner",
        };
        f.debug_struct("AsyncIoRuntime")
            .field("spawner", &spawner)
            .finish_non_exhaustive()
    }
}

impl Runtime for AsyncIoRuntime {
    type Transport = AsyncIoTransport;
    type Timer = AsyncIoTimer;

    fn connect(
        &self,
        host: String,
        port: u16,
        local_address: Option<std::net::SocketAddr>,
    ) -> BoxFuture<'static, io::Result<AsyncIoTransport>> {
        Box::pin(async move {
            let stream = connect_tcp(&host, port, local_address).await?;
            Ok(AsyncIoTransport::plain(stream))
        })
    }

    fn dialed(&self, stream: Box<dyn natrs_client::DialedStream>) -> AsyncIoTransport {
        AsyncIoTransport::dialed(stream)
    }

    fn upgrade_tls(
        &self,
        transport: AsyncIoTransport,
        server_name: ServerName<'static>,
        config: Arc<ClientConfig>,
    ) -> BoxFuture<'static, io::Result<AsyncIoTransport>> {
        Box::pin(transport.upgrade(TlsConnector::from(config), server_name))
    }

    fn timer(&self) -> AsyncIoTimer {
        AsyncIoTimer::new()
    }

    fn spawn(&self, future: BoxFuture<'static, ()>) {
        match &self.spawner {
            Spawner::Global => async_global_executor::spawn(future).detach(),
            Spawner::Thread => {
                // Without an epoll of its own (another platform, or none
                // to be had) the thread runs on async-io's reactor.
                let reactor = Reactor::new().ok().map(Arc::new);
                let started = std::thread::Builder::new()
                    .name(DRIVER_THREAD_NAME.to_string())
                    .spawn(move || match reactor {
                        Some(reactor) => driver_thread::run(reactor, future),
                        None => async_io::block_on(future),
                    });
                if let Err(e) = started {
                    // The future was dropped with the closure; `connect`
                    // reports this instead of waiting for a connection.
                    *self
                        .spawn_failure
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner) = Some(e);
                }
            }
            Spawner::With(spawn) => spawn(future),
        }
    }
}
