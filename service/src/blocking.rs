//! The Service API (see [the crate root](crate)) with blocking methods: endpoints
//! are iterators of requests (or run a handler on a thread of their own),
//! requests respond by parking the calling thread until the response is
//! queued, and discovery waits for its answers.
//!
//! ```no_run
//! # fn demo(client: natrs_client::Client) -> Result<(), natrs_service::ServiceError> {
//! use natrs_service::blocking::Service;
//! use natrs_service::ServiceConfig;
//!
//! let service = Service::add(&client, ServiceConfig::new("echo", "1.0.0"))?;
//! let echo = service.add_endpoint("echo")?;
//! let worker = echo
//!     .spawn_handler(|request| {
//!         let _ = request.respond(request.payload().clone());
//!     })
//!     .expect("thread");
//! // ... later: stop, and the handler thread ends after the requests received.
//! service.stop();
//! worker.join().expect("handler");
//! # Ok(()) }
//! ```

use crate as svc;
use crate::{
    EndpointConfig, EndpointStats, GroupConfig, InfoResponse, PingResponse, ServiceConfig,
    ServiceError, StatsResponse, Target, Verb,
};
use bytes::Bytes;
use natrs_client::adapter::{block_on, block_on_until};
use natrs_client::{Client, HeaderMap, Message, Payload};
use serde::de::DeserializeOwned;
use std::collections::BTreeMap;
use std::future::poll_fn;
use std::pin::pin;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// A running service instance with blocking methods. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Service {
    inner: svc::Service,
}

impl Service {
    /// Checks `config`, subscribes to the discovery subjects and starts the
    /// thread that answers them (see [`svc::Service::add`]).
    pub fn add(client: &Client, config: ServiceConfig) -> Result<Service, ServiceError> {
        svc::Service::add(client, config).map(Service::from_async)
    }

    /// Wraps an async handle.
    pub fn from_async(inner: svc::Service) -> Service {
        Service { inner }
    }

    /// The async handle.
    pub fn as_async(&self) -> &svc::Service {
        &self.inner
    }

    /// The instance id (a NUID).
    pub fn id(&self) -> &str {
        self.inner.id()
    }

    /// The service name.
    pub fn name(&self) -> &str {
        self.inner.name()
    }

    /// The service version.
    pub fn version(&self) -> &str {
        self.inner.version()
    }

    /// The connection.
    pub fn client(&self) -> &Client {
        self.inner.client()
    }

    /// Adds an endpoint; dropping it removes it.
    pub fn add_endpoint(
        &self,
        config: impl Into<EndpointConfig>,
    ) -> Result<Endpoint, ServiceError> {
        self.inner.add_endpoint(config).map(Endpoint::from_async)
    }

    /// A group of endpoints under a common subject prefix.
    pub fn add_group(&self, config: impl Into<GroupConfig>) -> Result<Group, ServiceError> {
        self.inner.add_group(config).map(|inner| Group { inner })
    }

    /// The `PING` response of this instance.
    pub fn ping(&self) -> PingResponse {
        self.inner.ping()
    }

    /// The `INFO` response of this instance.
    pub fn info(&self) -> InfoResponse {
        self.inner.info()
    }

    /// The `STATS` response of this instance.
    pub fn stats(&self) -> StatsResponse {
        self.inner.stats()
    }

    /// Zeroes the statistics.
    pub fn reset(&self) {
        self.inner.reset();
    }

    /// Stops the service (drains its subscriptions).
    pub fn stop(&self) {
        self.inner.stop();
    }

    /// Whether the service stopped.
    pub fn stopped(&self) -> bool {
        self.inner.stopped()
    }

    /// Waits until the service stopped.
    pub fn wait_stopped(&self) {
        block_on(self.inner.wait_stopped());
    }

    /// Waits at most `timeout` for the service to stop; whether it did.
    pub fn wait_stopped_timeout(&self, timeout: Duration) -> bool {
        let fut = pin!(self.inner.wait_stopped());
        block_on_until(fut, Instant::now().checked_add(timeout)).is_some()
    }
}

/// Endpoints under a common subject prefix. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Group {
    inner: svc::Group,
}

impl Group {
    /// The subject prefix.
    pub fn prefix(&self) -> &str {
        self.inner.prefix()
    }

    /// The queue group its endpoints get unless they set one.
    pub fn queue_group(&self) -> Option<&str> {
        self.inner.queue_group()
    }

    /// Adds an endpoint listening on `<prefix>.<subject or name>`.
    pub fn add_endpoint(
        &self,
        config: impl Into<EndpointConfig>,
    ) -> Result<Endpoint, ServiceError> {
        self.inner.add_endpoint(config).map(Endpoint::from_async)
    }

    /// A nested group.
    pub fn add_group(&self, config: impl Into<GroupConfig>) -> Result<Group, ServiceError> {
        self.inner.add_group(config).map(|inner| Group { inner })
    }
}

/// The requests of one endpoint, as an iterator that parks the thread while
/// it waits; it ends when the service stops (after the requests already
/// received) or the connection closes. Dropping it removes the endpoint.
#[derive(Debug)]
#[must_use = "dropping an endpoint removes it"]
pub struct Endpoint {
    inner: svc::Endpoint,
}

impl Endpoint {
    /// Wraps an async endpoint.
    pub fn from_async(inner: svc::Endpoint) -> Endpoint {
        Endpoint { inner }
    }

    /// The async endpoint.
    pub fn into_async(self) -> svc::Endpoint {
        self.inner
    }

    /// The endpoint name.
    pub fn name(&self) -> &str {
        self.inner.name()
    }

    /// The subject it listens on.
    pub fn subject(&self) -> &str {
        self.inner.subject()
    }

    /// Its queue group, if any.
    pub fn queue_group(&self) -> Option<&str> {
        self.inner.queue_group()
    }

    /// Its metadata.
    pub fn metadata(&self) -> &BTreeMap<String, String> {
        self.inner.metadata()
    }

    /// Its statistics.
    pub fn stats(&self) -> EndpointStats {
        self.inner.stats()
    }

    /// The next request if one is waiting, without waiting.
    pub fn try_next(&self) -> Option<Request> {
        self.inner.try_next().map(|inner| Request { inner })
    }

    /// The next request, waiting at most `timeout`: `None` when it passed,
    /// `Some(None)` when the endpoint ended.
    pub fn next_timeout(&mut self, timeout: Duration) -> Option<Option<Request>> {
        let inner = &self.inner;
        let fut = pin!(poll_fn(|cx| inner.poll_next_request(cx)));
        block_on_until(fut, Instant::now().checked_add(timeout))
            .map(|r| r.map(|inner| Request { inner }))
    }

    /// Runs `handler` for every request on a thread of its own, until the
    /// endpoint ends (the service stopped or the connection closed).
    pub fn spawn_handler<F>(self, mut handler: F) -> std::io::Result<JoinHandle<()>>
    where
        F: FnMut(Request) + Send + 'static,
    {
        std::thread::Builder::new()
            .name(format!("natrs-endpoint-{}", self.name()))
            .spawn(move || {
                for request in self {
                    handler(request);
                }
            })
    }
}

impl Iterator for Endpoint {
    type Item = Request;
    fn next(&mut self) -> Option<Request> {
        let inner = &self.inner;
        block_on(poll_fn(|cx| inner.poll_next_request(cx))).map(|inner| Request { inner })
    }
}

/// A request with blocking responses (see [`svc::Request`] for how it
/// counts in the statistics).
#[derive(Debug)]
pub struct Request {
    inner: svc::Request,
}

impl Request {
    /// The async request.
    pub fn as_async(&self) -> &svc::Request {
        &self.inner
    }

    /// The message as received.
    pub fn message(&self) -> &Message {
        self.inner.message()
    }

    /// The subject it was sent to.
    pub fn subject(&self) -> &str {
        self.inner.subject()
    }

    /// Where the response goes.
    pub fn reply(&self) -> Option<&str> {
        self.inner.reply()
    }

    /// The payload.
    pub fn payload(&self) -> &Bytes {
        self.inner.payload()
    }

    /// The headers, if it had any.
    pub fn headers(&self) -> Option<&HeaderMap> {
        self.inner.headers()
    }

    /// The name of the endpoint it came to.
    pub fn endpoint_name(&self) -> &str {
        self.inner.endpoint_name()
    }

    /// Responds with `payload`.
    pub fn respond<'p>(&self, payload: impl Into<Payload<'p>>) -> Result<(), ServiceError> {
        block_on(self.inner.respond(payload))
    }

    /// Responds with headers and `payload`.
    pub fn respond_with_headers<'p>(
        &self,
        headers: HeaderMap,
        payload: impl Into<Payload<'p>>,
    ) -> Result<(), ServiceError> {
        block_on(self.inner.respond_with_headers(headers, payload))
    }

    /// Responds with `value` as JSON.
    pub fn respond_json<S: serde::Serialize + ?Sized>(
        &self,
        value: &S,
    ) -> Result<(), ServiceError> {
        block_on(self.inner.respond_json(value))
    }

    /// Responds with an error (headers `Nats-Service-Error-Code` and
    /// `Nats-Service-Error`) and `body`.
    pub fn respond_error<'p>(
        &self,
        code: u32,
        description: &str,
        body: impl Into<Payload<'p>>,
    ) -> Result<(), ServiceError> {
        block_on(self.inner.respond_error(code, description, body))
    }
}

/// Discovery with blocking calls (see [`svc::Discovery`]).
#[derive(Debug, Clone)]
pub struct Discovery {
    inner: svc::Discovery,
}

impl Discovery {
    /// Discovery over `client` with the default limits.
    pub fn new(client: Client) -> Discovery {
        Discovery {
            inner: svc::Discovery::new(client),
        }
    }

    /// Wraps an async discovery.
    pub fn from_async(inner: svc::Discovery) -> Discovery {
        Discovery { inner }
    }

    /// Waits at most `timeout` in total.
    pub fn timeout(self, timeout: Duration) -> Discovery {
        Discovery::from_async(self.inner.timeout(timeout))
    }

    /// Stops after `stall` without an answer (`None`: waits for the timeout).
    pub fn stall(self, stall: Option<Duration>) -> Discovery {
        Discovery::from_async(self.inner.stall(stall))
    }

    /// Stops after `count` answers.
    pub fn max_responses(self, count: u64) -> Discovery {
        Discovery::from_async(self.inner.max_responses(count))
    }

    /// Pings the services of `target`.
    pub fn ping(&self, target: Target<'_>) -> Result<Vec<PingResponse>, ServiceError> {
        block_on(self.inner.ping(target))
    }

    /// The info of the services of `target`.
    pub fn info(&self, target: Target<'_>) -> Result<Vec<InfoResponse>, ServiceError> {
        block_on(self.inner.info(target))
    }

    /// The statistics of the services of `target`.
    pub fn stats(&self, target: Target<'_>) -> Result<Vec<StatsResponse>, ServiceError> {
        block_on(self.inner.stats(target))
    }

    /// Sends `verb` to `target`, decoding every answer as `R`.
    pub fn request<R: DeserializeOwned>(
        &self,
        verb: Verb,
        target: Target<'_>,
    ) -> Result<Vec<R>, ServiceError> {
        block_on(self.inner.request(verb, target))
    }

    /// Sends `verb` to `target` and returns the answers as received.
    pub fn raw(&self, verb: Verb, target: Target<'_>) -> Result<Vec<Message>, ServiceError> {
        block_on(self.inner.raw(verb, target))
    }
}
