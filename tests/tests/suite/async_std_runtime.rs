//! `natrs-async-std` in the suite: [`AsyncRuntime`] over async-io. Each
//! connection's driver is a task on async-global-executor (the crate's
//! default, [`natrs_async_std::connect_with_options`]); the suite's calls run
//! under `async_io::block_on` on the test's threads, outside any executor,
//! which the crate supports.

use crate::async_client::AsyncRuntime;
use futures_lite::future;
use natrs_client::{Client, ConnectError, ConnectOptions};
use std::future::Future;
use std::time::Duration;

/// The async-io runtime crate.
#[derive(Debug)]
pub enum AsyncStd {}

impl AsyncRuntime for AsyncStd {
    fn run_for<F: Future>(timeout: Duration, future: F) -> Option<F::Output> {
        async_io::block_on(future::or(async { Some(future.await) }, async {
            async_io::Timer::after(timeout).await;
            None
        }))
    }

    fn connect(
        url: String,
        options: ConnectOptions,
    ) -> impl Future<Output = Result<Client, ConnectError>> {
        natrs_async_std::connect_with_options(url, options)
    }

    fn spawn(future: impl Future<Output = ()> + Send + 'static) {
        // async-std's tasks run on async-global-executor, as the drivers do.
        async_std::task::spawn(future);
    }
}
