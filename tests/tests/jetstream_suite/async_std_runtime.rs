//! `natrs-async-std` in the JetStream suite: [`AsyncRuntime`] with
//! async-std's `block_on` and tasks (the connection drivers run as tasks on
//! async-std's executor, natrs-async-std's default).

use crate::async_js::AsyncRuntime;
use natrs_async_std::jetstream::{JetStream, JetStreamOptions};
use natrs_client::{Client, ConnectError, ConnectOptions};
use std::future::Future;
use std::time::Duration;

/// The async-std runtime crate.
#[derive(Debug)]
pub enum AsyncStd {}

impl AsyncRuntime for AsyncStd {
    fn run_for<F: Future>(timeout: Duration, future: F) -> Option<F::Output> {
        async_std::task::block_on(async_std::future::timeout(timeout, future)).ok()
    }

    fn connect(
        url: String,
        options: ConnectOptions,
    ) -> impl Future<Output = Result<Client, ConnectError>> {
        natrs_async_std::connect_with_options(url, options)
    }

    fn jetstream(client: Client, options: JetStreamOptions) -> JetStream {
        JetStream::with_options(client, options)
    }

    fn spawn<F>(future: F) -> impl Future<Output = F::Output> + Send + 'static
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        async_std::task::spawn(future)
    }
}
