//! [`Service`]: one running instance of a service, its groups, and the
//! state its endpoints, requests and discovery thread share.

use super::config::{EndpointConfig, ErrorHandler, GroupConfig, ServiceConfig, StatsHandler};
use super::endpoint::{Endpoint, EndpointShared};
use super::error::{AsyncError, ServiceError};
use super::schema::{
    INFO_RESPONSE_TYPE, InfoResponse, PING_RESPONSE_TYPE, PingResponse, STATS_RESPONSE_TYPE,
    StatsResponse, Target, Verb, control_subject,
};
use super::{validate, worker};
use natrs_client::{Client, Subscriber};
use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};
use time::OffsetDateTime;

pub(crate) fn lock<X>(m: &Mutex<X>) -> MutexGuard<'_, X> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The discovery subscriptions: every verb on `$SRV.<VERB>`,
/// `$SRV.<VERB>.<name>` and `$SRV.<VERB>.<name>.<id>`.
#[derive(Debug)]
pub(crate) struct Verbs {
    pub(crate) subscriptions: Vec<(Verb, Subscriber)>,
}

impl Verbs {
    fn subscribe(client: &Client, name: &str, id: &str) -> Result<Verbs, ServiceError> {
        let mut subscriptions = Vec::with_capacity(9);
        for verb in Verb::ALL {
            for target in [
                Target::All,
                Target::Name(name),
                Target::Instance { name, id },
            ] {
                let subject = control_subject(verb, target);
                // On failure the ones made so far unsubscribe as they drop.
                subscriptions.push((verb, client.subscribe_now(&subject, None)?));
            }
        }
        Ok(Verbs { subscriptions })
    }

    /// Stops taking requests; the worker ends once the server confirmed.
    pub(crate) fn drain(&self) {
        for (_, sub) in &self.subscriptions {
            // Fails only when the client closed, which ends them anyway.
            let _ = sub.drain_now();
        }
    }
}

/// What changes while the service runs.
#[derive(Debug)]
pub(crate) struct State {
    pub(crate) started: OffsetDateTime,
    pub(crate) endpoints: Vec<Arc<EndpointShared>>,
    pub(crate) stopped: bool,
    waiters: Vec<Waker>,
}

/// Shared by every handle of one instance.
pub(crate) struct Inner {
    pub(crate) client: Client,
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) version: String,
    pub(crate) description: String,
    pub(crate) metadata: BTreeMap<String, String>,
    /// The queue group the service gives its endpoints (`None`: none).
    pub(crate) queue: Option<String>,
    pub(crate) stats_handler: Option<StatsHandler>,
    pub(crate) error_handler: Option<ErrorHandler>,
    pub(crate) state: Mutex<State>,
    pub(crate) verbs: Arc<Verbs>,
}

impl std::fmt::Debug for Inner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Service")
            .field("name", &self.name)
            .field("id", &self.id)
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

/// Held by every handle the application has (services, groups, endpoints):
/// when the last one goes, the service stops. The discovery thread holds
/// the [`Inner`] itself, so requests that arrive while the subscriptions
/// drain are still answered.
#[derive(Debug)]
pub(crate) struct Handle {
    pub(crate) inner: Arc<Inner>,
}

impl Drop for Handle {
    fn drop(&mut self) {
        self.inner.stop();
    }
}

impl Inner {
    pub(crate) fn ping(&self) -> PingResponse {
        PingResponse {
            name: self.name.clone(),
            id: self.id.clone(),
            version: self.version.clone(),
            metadata: self.metadata.clone(),
            kind: PING_RESPONSE_TYPE.to_string(),
        }
    }

    pub(crate) fn info(&self) -> InfoResponse {
        let endpoints = lock(&self.state)
            .endpoints
            .iter()
            .map(|e| e.info())
            .collect();
        InfoResponse {
            name: self.name.clone(),
            id: self.id.clone(),
            version: self.version.clone(),
            metadata: self.metadata.clone(),
            kind: INFO_RESPONSE_TYPE.to_string(),
            description: self.description.clone(),
            endpoints,
        }
    }

    pub(crate) fn stats(&self) -> StatsResponse {
        let (started, mut endpoints) = {
            let st = lock(&self.state);
            let endpoints: Vec<_> = st.endpoints.iter().map(|e| e.stats()).collect();
            (st.started, endpoints)
        };
        // The handler is user code: run it outside the lock.
        if let Some(handler) = &self.stats_handler {
            for e in &mut endpoints {
                e.data = Some(handler(e));
            }
        }
        StatsResponse {
            name: self.name.clone(),
            id: self.id.clone(),
            version: self.version.clone(),
            metadata: self.metadata.clone(),
            kind: STATS_RESPONSE_TYPE.to_string(),
            started: Some(started),
            endpoints,
        }
    }

    /// The response to a discovery request, as JSON.
    pub(crate) fn respond_to(&self, verb: Verb) -> Result<Vec<u8>, serde_json::Error> {
        match verb {
            Verb::Ping => serde_json::to_vec(&self.ping()),
            Verb::Info => serde_json::to_vec(&self.info()),
            Verb::Stats => serde_json::to_vec(&self.stats()),
        }
    }

    pub(crate) fn reset(&self) {
        let mut st = lock(&self.state);
        for e in &st.endpoints {
            e.reset();
        }
        st.started = started_now();
    }

    /// Marks the service stopped and drains every subscription: endpoint
    /// streams end after the requests already received.
    pub(crate) fn stop(&self) {
        let (endpoints, waiters) = {
            let mut st = lock(&self.state);
            if st.stopped {
                return;
            }
            st.stopped = true;
            (st.endpoints.clone(), std::mem::take(&mut st.waiters))
        };
        for e in endpoints {
            e.drain();
        }
        self.verbs.drain();
        for w in waiters {
            w.wake();
        }
    }

    pub(crate) fn is_stopped(&self) -> bool {
        lock(&self.state).stopped
    }

    /// Reports an error outside a request to the handler.
    pub(crate) fn report(&self, error: AsyncError) {
        if let Some(handler) = &self.error_handler {
            handler(&error);
        }
    }

    /// Subscribes a new endpoint under `prefix`, with `parent_queue` as the
    /// queue group it inherits.
    pub(crate) fn add_endpoint(
        &self,
        handle: &Arc<Handle>,
        prefix: &str,
        parent_queue: Option<&str>,
        config: EndpointConfig,
    ) -> Result<Endpoint, ServiceError> {
        validate::endpoint_name(&config.name)?;
        if let Some(queue) = config.queue.name() {
            validate::queue_group(queue)?;
        }
        let subject = config.full_subject(prefix);
        validate::endpoint_subject(&subject)?;
        let queue = config.queue.resolve(parent_queue);
        let mut st = lock(&self.state);
        if st.stopped {
            return Err(ServiceError::Stopped);
        }
        let subscription = self.client.subscribe_now(&subject, queue.as_deref())?;
        if let Some((messages, bytes)) = config.pending_limits {
            subscription.set_pending_limits(messages, bytes);
        }
        let subscription = Arc::new(subscription);
        let shared = Arc::new(EndpointShared::new(
            config,
            subject,
            queue,
            &subscription,
            self.client.clone(),
        ));
        st.endpoints.push(shared.clone());
        drop(st);
        Ok(Endpoint::new(subscription, shared, handle.clone()))
    }

    /// Forgets an endpoint whose handle was dropped.
    pub(crate) fn remove_endpoint(&self, endpoint: &Arc<EndpointShared>) {
        lock(&self.state)
            .endpoints
            .retain(|e| !Arc::ptr_eq(e, endpoint));
    }

    /// The endpoint subscribed as `sid`.
    pub(crate) fn endpoint_by_sid(&self, sid: u64) -> Option<Arc<EndpointShared>> {
        lock(&self.state)
            .endpoints
            .iter()
            .find(|e| e.sid == sid)
            .cloned()
    }

    /// The endpoint subscribed to `subject`.
    pub(crate) fn endpoint_by_subject(&self, subject: &str) -> Option<Arc<EndpointShared>> {
        lock(&self.state)
            .endpoints
            .iter()
            .find(|e| e.subject == subject)
            .cloned()
    }
}

/// A running instance of a service (ADR-32). Cheap to clone.
///
/// Adding it subscribes to the discovery subjects (`$SRV.PING|INFO|STATS`,
/// `$SRV.<VERB>.<name>`, `$SRV.<VERB>.<name>.<id>`, plain subscriptions) and
/// starts a thread that answers them; endpoints are added with
/// [`add_endpoint`](Service::add_endpoint), directly or in a
/// [`Group`], and deliver their requests as streams.
///
/// The service runs until [`stop`](Service::stop), until the connection
/// closes, until one of its subscriptions fails (slow consumer or refused by
/// the server, as in nats.go; the error handler is told), or until every
/// handle to it (`Service`, [`Group`], [`Endpoint`]) is dropped.
///
/// Subscriptions are sent to the server when they are made; flush the client
/// to know the server has them before relying on another connection finding
/// the service.
#[derive(Debug, Clone)]
pub struct Service {
    pub(crate) handle: Arc<Handle>,
}

impl Service {
    /// Checks `config`, subscribes to the discovery subjects and starts the
    /// thread that answers them. The instance id is a new NUID.
    pub fn add(client: &Client, config: ServiceConfig) -> Result<Service, ServiceError> {
        validate::service_name(&config.name)?;
        validate::version(&config.version)?;
        if let Some(queue) = config.queue.name() {
            validate::queue_group(queue)?;
        }
        let inbox = client.new_inbox();
        let id = inbox.rsplit('.').next().unwrap_or(&inbox).to_string();
        // Listen for subscription errors from before the first subscription.
        let events = client.events();
        let verbs = Arc::new(Verbs::subscribe(client, &config.name, &id)?);
        let inner = Arc::new(Inner {
            client: client.clone(),
            id,
            queue: config.queue.resolve_for_service(),
            name: config.name,
            version: config.version,
            description: config.description,
            metadata: config.metadata,
            stats_handler: config.stats_handler,
            error_handler: config.error_handler,
            state: Mutex::new(State {
                started: started_now(),
                endpoints: Vec::new(),
                stopped: false,
                waiters: Vec::new(),
            }),
            verbs,
        });
        if let Err(e) = worker::spawn(&inner, events) {
            inner.verbs.drain();
            return Err(ServiceError::Thread(e));
        }
        Ok(Service {
            handle: Arc::new(Handle { inner }),
        })
    }

    /// The instance id (a NUID).
    pub fn id(&self) -> &str {
        &self.handle.inner.id
    }

    /// The service name.
    pub fn name(&self) -> &str {
        &self.handle.inner.name
    }

    /// The service version.
    pub fn version(&self) -> &str {
        &self.handle.inner.version
    }

    /// The description.
    pub fn description(&self) -> &str {
        &self.handle.inner.description
    }

    /// The metadata.
    pub fn metadata(&self) -> &BTreeMap<String, String> {
        &self.handle.inner.metadata
    }

    /// The queue group endpoints get unless they or their group set one;
    /// `None` when the service turned queue groups off.
    pub fn queue_group(&self) -> Option<&str> {
        self.handle.inner.queue.as_deref()
    }

    /// The connection.
    pub fn client(&self) -> &Client {
        &self.handle.inner.client
    }

    /// Adds an endpoint; its requests arrive on the returned stream.
    /// Dropping the [`Endpoint`] unsubscribes it and removes it from the
    /// service's info and stats.
    pub fn add_endpoint(
        &self,
        config: impl Into<EndpointConfig>,
    ) -> Result<Endpoint, ServiceError> {
        let inner = &self.handle.inner;
        inner.add_endpoint(&self.handle, "", inner.queue.as_deref(), config.into())
    }

    /// A group of endpoints under a common subject prefix.
    pub fn add_group(&self, config: impl Into<GroupConfig>) -> Result<Group, ServiceError> {
        let queue = self.handle.inner.queue.as_deref();
        Group::new(self.handle.clone(), "", queue, config.into())
    }

    /// The `PING` response of this instance.
    pub fn ping(&self) -> PingResponse {
        self.handle.inner.ping()
    }

    /// The `INFO` response of this instance.
    pub fn info(&self) -> InfoResponse {
        self.handle.inner.info()
    }

    /// The `STATS` response of this instance (calls the stats handler).
    pub fn stats(&self) -> StatsResponse {
        self.handle.inner.stats()
    }

    /// Zeroes every endpoint's statistics and sets `started` to now.
    pub fn reset(&self) {
        self.handle.inner.reset();
    }

    /// Stops the service: drains the endpoint and discovery subscriptions
    /// (endpoint streams end after the requests already received) and marks
    /// it stopped. Stopping again does nothing.
    pub fn stop(&self) {
        self.handle.inner.stop();
    }

    /// Whether the service stopped.
    pub fn stopped(&self) -> bool {
        self.handle.inner.is_stopped()
    }

    /// Resolves once the service stopped, for whatever reason.
    pub fn wait_stopped(&self) -> WaitStopped {
        WaitStopped {
            inner: self.handle.inner.clone(),
        }
    }
}

/// Resolves once a service stopped; see [`Service::wait_stopped`].
#[derive(Debug)]
#[must_use = "futures do nothing unless polled"]
pub struct WaitStopped {
    inner: Arc<Inner>,
}

impl Future for WaitStopped {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut st = lock(&self.inner.state);
        if st.stopped {
            return Poll::Ready(());
        }
        if !st.waiters.iter().any(|w| w.will_wake(cx.waker())) {
            st.waiters.push(cx.waker().clone());
        }
        Poll::Pending
    }
}

/// Endpoints under a common subject prefix, with a queue group of their
/// own if configured. Cheap to clone; keeps the service running.
#[derive(Debug, Clone)]
pub struct Group {
    service: Arc<Handle>,
    prefix: String,
    queue: Option<String>,
}

impl Group {
    fn new(
        service: Arc<Handle>,
        parent_prefix: &str,
        parent_queue: Option<&str>,
        config: GroupConfig,
    ) -> Result<Group, ServiceError> {
        if let Some(queue) = config.queue.name() {
            validate::queue_group(queue)?;
        }
        let prefix = super::config::join(parent_prefix, &config.prefix);
        validate::group_prefix(&prefix)?;
        Ok(Group {
            queue: config.queue.resolve(parent_queue),
            service,
            prefix,
        })
    }

    /// The subject prefix of the group's endpoints (with its parents').
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The queue group its endpoints get unless they set one.
    pub fn queue_group(&self) -> Option<&str> {
        self.queue.as_deref()
    }

    /// Adds an endpoint listening on `<prefix>.<subject or name>`.
    pub fn add_endpoint(
        &self,
        config: impl Into<EndpointConfig>,
    ) -> Result<Endpoint, ServiceError> {
        self.service.inner.add_endpoint(
            &self.service,
            &self.prefix,
            self.queue.as_deref(),
            config.into(),
        )
    }

    /// A group under `<prefix>.<its prefix>`, inheriting this group's queue
    /// group unless it sets its own.
    pub fn add_group(&self, config: impl Into<GroupConfig>) -> Result<Group, ServiceError> {
        Group::new(
            self.service.clone(),
            &self.prefix,
            self.queue.as_deref(),
            config.into(),
        )
    }

    /// The service.
    pub fn service(&self) -> Service {
        Service {
            handle: self.service.clone(),
        }
    }
}

/// Now, to the microsecond: the precision `started` has on the wire
/// ([`crate::wire::opt_time_micros`]), so the service's own statistics and
/// the ones it answers with are equal.
fn started_now() -> OffsetDateTime {
    let now = OffsetDateTime::now_utc();
    now.replace_nanosecond(now.microsecond() * 1000)
        .unwrap_or(now)
}
