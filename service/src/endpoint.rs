//! [`Endpoint`]: the requests of one endpoint, as a stream, and the state
//! it shares with its requests (identity and statistics).

use super::config::EndpointConfig;
use super::instance::{Handle, Service, lock};
use super::request::Request;
use super::schema::{EndpointInfo, EndpointStats};
use super::stats::Counters;
use futures_core::Stream;
use natrs_client::{Client, Subscriber};
use std::collections::BTreeMap;
use std::pin::Pin;
use std::sync::{Arc, Mutex, Weak};
use std::task::{Context, Poll};

/// What an endpoint's handle, its requests and the service share.
#[derive(Debug)]
pub(crate) struct EndpointShared {
    pub(crate) name: String,
    pub(crate) subject: String,
    pub(crate) queue_group: Option<String>,
    pub(crate) metadata: BTreeMap<String, String>,
    pub(crate) sid: u64,
    /// The subscription, owned by the [`Endpoint`]; the service drains it
    /// through this when it stops.
    subscription: Weak<Subscriber>,
    pub(crate) counters: Mutex<Counters>,
    pub(crate) client: Client,
}

impl EndpointShared {
    pub(crate) fn new(
        config: EndpointConfig,
        subject: String,
        queue_group: Option<String>,
        subscription: &Arc<Subscriber>,
        client: Client,
    ) -> EndpointShared {
        EndpointShared {
            name: config.name,
            subject,
            queue_group,
            metadata: config.metadata,
            sid: subscription.sid(),
            subscription: Arc::downgrade(subscription),
            counters: Mutex::new(Counters::default()),
            client,
        }
    }

    pub(crate) fn info(&self) -> EndpointInfo {
        EndpointInfo {
            name: self.name.clone(),
            subject: self.subject.clone(),
            queue_group: self.queue_group.clone().unwrap_or_default(),
            metadata: self.metadata.clone(),
        }
    }

    pub(crate) fn stats(&self) -> EndpointStats {
        let c = lock(&self.counters).clone();
        EndpointStats {
            name: self.name.clone(),
            subject: self.subject.clone(),
            queue_group: self.queue_group.clone().unwrap_or_default(),
            num_requests: c.requests,
            num_errors: c.errors,
            average_processing_time: c.average(),
            last_error: c.last_error,
            processing_time: c.processing,
            data: None,
        }
    }

    pub(crate) fn reset(&self) {
        lock(&self.counters).reset();
    }

    /// Stops taking requests; the stream ends after those received.
    pub(crate) fn drain(&self) {
        if let Some(sub) = self.subscription.upgrade() {
            // Fails only when the client closed, which ends it anyway.
            let _ = sub.drain_now();
        }
    }
}

/// The requests of one endpoint, as a `futures_core::Stream`. The stream
/// ends when the service stops (after the requests already received) or the
/// connection closes. Dropping it unsubscribes the endpoint and removes it
/// from the service's info and stats.
#[must_use = "dropping an endpoint removes it"]
pub struct Endpoint {
    subscription: Arc<Subscriber>,
    shared: Arc<EndpointShared>,
    service: Arc<Handle>,
}

impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Endpoint")
            .field("name", &self.shared.name)
            .field("subject", &self.shared.subject)
            .field("queue_group", &self.shared.queue_group)
            .finish_non_exhaustive()
    }
}

impl Endpoint {
    pub(crate) fn new(
        subscription: Arc<Subscriber>,
        shared: Arc<EndpointShared>,
        service: Arc<Handle>,
    ) -> Endpoint {
        Endpoint {
            subscription,
            shared,
            service,
        }
    }

    /// The endpoint name.
    pub fn name(&self) -> &str {
        &self.shared.name
    }

    /// The subject it listens on (with its group prefix).
    pub fn subject(&self) -> &str {
        &self.shared.subject
    }

    /// Its queue group; `None` when it subscribes without one.
    pub fn queue_group(&self) -> Option<&str> {
        self.shared.queue_group.as_deref()
    }

    /// Its metadata.
    pub fn metadata(&self) -> &BTreeMap<String, String> {
        &self.shared.metadata
    }

    /// Its statistics (without the stats handler's `data`).
    pub fn stats(&self) -> EndpointStats {
        self.shared.stats()
    }

    /// The service it belongs to.
    pub fn service(&self) -> Service {
        Service {
            handle: self.service.clone(),
        }
    }

    /// The next request, `None` once the endpoint stopped and every request
    /// was taken, or `Pending`.
    pub fn poll_next_request(&self, cx: &mut Context<'_>) -> Poll<Option<Request>> {
        self.subscription
            .poll_next_message(cx)
            .map(|m| m.map(|m| Request::new(m, self.shared.clone())))
    }

    /// The next request if one is waiting, without waiting.
    pub fn try_next(&self) -> Option<Request> {
        self.subscription
            .try_next()
            .map(|m| Request::new(m, self.shared.clone()))
    }

    /// Requests waiting to be taken.
    pub fn pending(&self) -> usize {
        self.subscription.pending().0
    }
}

impl Stream for Endpoint {
    type Item = Request;
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Request>> {
        self.poll_next_request(cx)
    }
}

impl Drop for Endpoint {
    fn drop(&mut self) {
        self.service.inner.remove_endpoint(&self.shared);
    }
}
