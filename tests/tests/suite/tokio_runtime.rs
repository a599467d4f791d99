//! `natrs-tokio` in the suite: [`AsyncRuntime`] for one shared multi-thread
//! tokio runtime (the connection drivers run there too).

use crate::async_client::AsyncRuntime;
use natrs_client::{Client, ConnectError, ConnectOptions};
use std::future::Future;
use std::sync::LazyLock;
use std::time::Duration;

/// The runtime every tokio suite client runs on. A static is fine here: it
/// owns only threads, which end with the test process.
static RUNTIME: LazyLock<tokio::runtime::Runtime> = LazyLock::new(|| {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .thread_name("suite-tokio")
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

    fn spawn(future: impl Future<Output = ()> + Send + 'static) {
        RUNTIME.spawn(future);
    }
}
