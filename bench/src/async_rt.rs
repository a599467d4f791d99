//! What the scenario families need from an async runtime: a connection and a
//! spawned task. One implementation per runtime, so that each scenario is
//! written once for tokio and async-std.

use crate::report::BenchError;
use natrs_client::Client;
use std::future::Future;
use std::pin::Pin;

/// A spawned task's result.
pub(crate) type Task<T> = Pin<Box<dyn Future<Output = Result<T, BenchError>> + Send>>;

/// An async runtime the scenarios run on.
pub(crate) trait AsyncRt: Clone + Send + Sync + 'static {
    /// Connects to `url` with [`crate::base_options`].
    fn connect(&self, url: &str) -> impl Future<Output = Result<Client, BenchError>> + Send;

    /// Runs `fut` as a task of its own.
    fn spawn<T, F>(&self, fut: F) -> Task<T>
    where
        T: Send + 'static,
        F: Future<Output = T> + Send + 'static;
}

/// natrs-tokio on the current tokio runtime.
#[derive(Clone, Copy)]
pub(crate) struct Tokio;

impl AsyncRt for Tokio {
    async fn connect(&self, url: &str) -> Result<Client, BenchError> {
        Ok(natrs_tokio::connect_with_options(url, crate::base_options()).await?)
    }

    fn spawn<T, F>(&self, fut: F) -> Task<T>
    where
        T: Send + 'static,
        F: Future<Output = T> + Send + 'static,
    {
        let handle = tokio::spawn(fut);
        Box::pin(async move { handle.await.map_err(BenchError::from) })
    }
}

/// natrs-async-std, the benchmark's tasks on async-std's executor.
#[derive(Clone, Copy)]
pub(crate) struct AsyncStd {
    /// Drivers on threads of their own instead of tasks on the executor.
    pub(crate) driver_threads: bool,
}

impl AsyncRt for AsyncStd {
    async fn connect(&self, url: &str) -> Result<Client, BenchError> {
        let runtime = if self.driver_threads {
            natrs_async_std::AsyncIoRuntime::driver_threads()
        } else {
            natrs_async_std::AsyncIoRuntime::new()
        };
        Ok(natrs_async_std::connect_with_runtime(runtime, url, crate::base_options()).await?)
    }

    fn spawn<T, F>(&self, fut: F) -> Task<T>
    where
        T: Send + 'static,
        F: Future<Output = T> + Send + 'static,
    {
        let handle = async_std::task::spawn(fut);
        Box::pin(async move { Ok(handle.await) })
    }
}
