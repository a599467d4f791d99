//! `natrs-tokio` in the JetStream suite: [`AsyncRuntime`] for one shared
//! multi-thread tokio runtime (the connection drivers run there too).

use crate::async_js::AsyncRuntime;
use natrs_client::{Client, ConnectError, ConnectOptions};
use natrs_tokio::jetstream::{JetStream, JetStreamOptions};
use std::future::Future;
use std::sync::LazyLock;
use std::time::Duration;

/// The runtime every tokio case runs on. A static is fine here: it owns only
/// threads, which end with the test process.
static RUNTIME: LazyLock<tokio::runtime::Runtime> = LazyLock::new(|| {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .thread_name("js-suite-tokio")
        .enable_all()
        .build()
        .expect("build the tokio runtime")
});

/// The tokio runtime crate.
#[derive(Debug)]
pub enum Tokio {}

impl AsyncRuntime for Tokio {
    fn run_for<F: Future>(timeout: Duration, future: F) -> Option<F::Output> {
        RUNTIME.block_on(async { tokio::time::timeout(timeout, future).await.ok() })
    }

    fn connect(
        url: String,
        options: ConnectOptions,
    ) -> impl Future<Output = Result<Client, ConnectError>> {
        natrs_tokio::connect_with_options(url, options)
    }

    fn jetstream(client: Client, options: JetStreamOptions) -> JetStream {
        JetStream::with_options(client, options)
    }

    fn spawn<F>(future: F) -> impl Future<Output = F::Output> + Send + 'static
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let task = RUNTIME.spawn(future);
        async move { task.await.expect("a suite task panicked") }
    }
}
