//! [`JetStream`]: the entry point. Holds the connection, the API prefix
//! (default, domain or custom) and timeouts; sends [`ApiCall`]s; manages
//! streams and consumers; publishes.

use crate::api::account::{self, AccountInfo};
use crate::api::consumer::{self as capi, ConsumerAction, ConsumerConfig, ConsumerInfo};
use crate::api::stream::{
    self as sapi, StreamConfig, StreamInfo, StreamInfoRequest, StreamListRequest,
};
use crate::api::{ApiCall, ApiPrefix, validate_name};
use crate::consumer::Consumer;
use crate::error::{Error, ErrorCode};
use crate::listing::{ConsumerInfos, ConsumerNames, Listing, StreamInfos, StreamNames};
use crate::publish::AsyncPublisher;
use crate::stream::Stream;
use crate::transport::Transport;
use natrs_client::Client;
use serde::de::DeserializeOwned;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

/// Settings of a [`JetStream`] context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JetStreamOptions {
    /// Where the API lives.
    pub prefix: ApiPrefix,
    /// Timeout of API calls and publish acks (`None`: the client's request
    /// timeout). One too long for the clock (near `Duration::MAX`) waits
    /// without limit.
    pub timeout: Option<Duration>,
    /// Wait between attempts of a publish that found no stream (503, no
    /// responders: no stream on the subject, or none with a leader during an
    /// election; ADR-22). Default 250 ms, as nats.go's `DefaultPubRetryWait`.
    /// A wait too long for the clock (near `Duration::MAX`) waits without
    /// limit.
    pub publish_retry_wait: Duration,
    /// Extra attempts of such a publish (default 2, so 3 in total, as
    /// nats.go's `DefaultPubRetryAttempts`). Each attempt waits up to the
    /// timeout for its answer.
    pub publish_retry_attempts: usize,
    /// The same wait for asynchronous publishes (default 250 ms, as
    /// nats.go's `PublishAsync`). A retry is made only before the
    /// publish's ack timeout, so a wait too long for the clock is none.
    pub publish_async_retry_wait: Duration,
    /// The same extra attempts for asynchronous publishes (default 2, as
    /// nats.go's `PublishAsync`). Every attempt of an async publish falls
    /// within its one ack timeout: to ride out an election of several
    /// seconds, raise the timeout too.
    pub publish_async_retry_attempts: usize,
    /// Most asynchronous publishes waiting for their acks.
    pub max_ack_pending: usize,
}

impl Default for JetStreamOptions {
    fn default() -> Self {
        JetStreamOptions::new()
    }
}

impl JetStreamOptions {
    /// The defaults: `$JS.API`, the client's timeout, 250 ms × 2 publish
    /// retries (synchronous and async, as nats.go), 4000 async publishes in
    /// flight.
    pub fn new() -> JetStreamOptions {
        JetStreamOptions {
            prefix: ApiPrefix::new(),
            timeout: None,
            publish_retry_wait: Duration::from_millis(250),
            publish_retry_attempts: 2,
            publish_async_retry_wait: Duration::from_millis(250),
            publish_async_retry_attempts: 2,
            max_ack_pending: 4000,
        }
    }

    /// Uses JetStream domain `domain` (`$JS.<domain>.API`).
    pub fn domain(mut self, domain: &str) -> JetStreamOptions {
        self.prefix = ApiPrefix::domain(domain);
        self
    }

    /// Uses a custom API prefix.
    pub fn api_prefix(mut self, prefix: &str) -> JetStreamOptions {
        self.prefix = ApiPrefix::custom(prefix);
        self
    }

    /// Sets the timeout of API calls and acks.
    pub fn timeout(mut self, timeout: Duration) -> JetStreamOptions {
        self.timeout = Some(timeout);
        self
    }

    /// Sets the retries of a publish that found no stream (503, ADR-22):
    /// `attempts` more, `wait` apart. An R3 stream that lost its leader
    /// takes seconds to elect another: e.g. 250 ms × 40 (10 s) rides that
    /// out.
    pub fn publish_retry(mut self, wait: Duration, attempts: usize) -> JetStreamOptions {
        self.publish_retry_wait = wait;
        self.publish_retry_attempts = attempts;
        self
    }

    /// Sets the same retries for asynchronous publishes. They happen within
    /// the publish's ack timeout (see [`timeout`](JetStreamOptions::timeout)),
    /// which bounds them.
    pub fn publish_async_retry(mut self, wait: Duration, attempts: usize) -> JetStreamOptions {
        self.publish_async_retry_wait = wait;
        self.publish_async_retry_attempts = attempts;
        self
    }

    /// Sets how many async publishes may wait for acks.
    pub fn max_ack_pending(mut self, n: usize) -> JetStreamOptions {
        self.max_ack_pending = n.max(1);
        self
    }
}

pub(crate) struct Inner<T: Transport> {
    pub(crate) transport: T,
    pub(crate) options: JetStreamOptions,
    pub(crate) timeout: Duration,
    pub(crate) publisher: OnceLock<Arc<AsyncPublisher<T>>>,
}

/// A JetStream context over a connection. Cheap to clone.
///
/// `T` is the connection; it defaults to [`natrs_client::Client`], which
/// every natrs runtime crate uses.
pub struct JetStream<T: Transport = Client> {
    pub(crate) inner: Arc<Inner<T>>,
}

impl<T: Transport> Clone for JetStream<T> {
    fn clone(&self) -> Self {
        JetStream {
            inner: self.inner.clone(),
        }
    }
}

impl<T: Transport> std::fmt::Debug for JetStream<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JetStream")
            .field("prefix", &self.inner.options.prefix)
            .field("timeout", &self.inner.timeout)
            .finish_non_exhaustive()
    }
}

impl<T: Transport> JetStream<T> {
    /// A context with the default options.
    pub fn new(transport: T) -> JetStream<T> {
        JetStream::with_options(transport, JetStreamOptions::new())
    }

    /// A context in JetStream domain `domain`.
    pub fn with_domain(transport: T, domain: &str) -> JetStream<T> {
        JetStream::with_options(transport, JetStreamOptions::new().domain(domain))
    }

    /// A context with a custom API prefix.
    pub fn with_prefix(transport: T, prefix: &str) -> JetStream<T> {
        JetStream::with_options(transport, JetStreamOptions::new().api_prefix(prefix))
    }

    /// A context with `options`.
    pub fn with_options(transport: T, options: JetStreamOptions) -> JetStream<T> {
        let timeout = options
            .timeout
            .unwrap_or_else(|| transport.request_timeout());
        JetStream {
            inner: Arc::new(Inner {
                transport,
                options,
                timeout,
                publisher: OnceLock::new(),
            }),
        }
    }

    /// The connection.
    pub fn transport(&self) -> &T {
        &self.inner.transport
    }

    /// The API prefix.
    pub fn prefix(&self) -> &ApiPrefix {
        &self.inner.options.prefix
    }

    /// The timeout of API calls and acks.
    pub fn timeout(&self) -> Duration {
        self.inner.timeout
    }

    /// The options.
    pub fn options(&self) -> &JetStreamOptions {
        &self.inner.options
    }

    /// Sends an API call and reads its reply.
    pub async fn call<R: DeserializeOwned>(&self, call: ApiCall<R>) -> Result<R, Error> {
        let reply = self
            .inner
            .transport
            .request(
                &call.subject,
                call.payload.clone(),
                None,
                self.inner.timeout,
            )?
            .await
            .map_err(|e| Error::from_request(e, true))?;
        call.parse(&reply)
    }

    // ----- account -----

    /// The account's JetStream usage, limits and API level (`INFO`).
    pub async fn account_info(&self) -> Result<AccountInfo, Error> {
        self.call(account::info(self.prefix())).await
    }

    // ----- streams -----

    /// Creates a stream; fails with [`ErrorCode::StreamNameInUse`] when one
    /// exists with another configuration.
    pub async fn create_stream(&self, config: StreamConfig) -> Result<Stream<T>, Error> {
        let r = self.call(sapi::create(self.prefix(), &config)?).await?;
        Ok(Stream::new(self.clone(), r.info))
    }

    /// Updates a stream's configuration.
    pub async fn update_stream(&self, config: StreamConfig) -> Result<StreamInfo, Error> {
        Ok(self.call(sapi::update(self.prefix(), &config)?).await?.info)
    }

    /// Updates a stream, or creates it when it does not exist. A change the
    /// server refuses on an existing stream (storage, retention to or from
    /// work queue, ...) fails here with [`Error::ImmutableChange`] naming the
    /// fields, without an update request; [`stream_changes`](JetStream::stream_changes)
    /// is the dry run.
    pub async fn create_or_update_stream(&self, config: StreamConfig) -> Result<Stream<T>, Error> {
        match self.stream_changes(&config).await? {
            None => match self.create_stream(config.clone()).await {
                Err(e) if e.is(ErrorCode::StreamNameInUse) => {
                    Ok(Stream::new(self.clone(), self.update_stream(config).await?))
                }
                other => other,
            },
            Some(diff) if diff.is_refused() => Err(Error::ImmutableChange(diff)),
            Some(_) => Ok(Stream::new(self.clone(), self.update_stream(config).await?)),
        }
    }

    /// A handle to an existing stream (its info is fetched).
    pub async fn get_stream(&self, name: &str) -> Result<Stream<T>, Error> {
        let info = self.stream_info(name).await?;
        Ok(Stream::new(self.clone(), info))
    }

    /// A handle to a stream without asking the server (its cached info is
    /// empty until [`Stream::info`] is called).
    pub fn stream_handle(&self, name: &str) -> Result<Stream<T>, Error> {
        validate_name("stream", name)?;
        Ok(Stream::new(
            self.clone(),
            StreamInfo {
                config: StreamConfig::new(name),
                ..StreamInfo::default()
            },
        ))
    }

    /// A stream's configuration and state.
    pub async fn stream_info(&self, name: &str) -> Result<StreamInfo, Error> {
        Ok(self
            .call(sapi::info(
                self.prefix(),
                name,
                &StreamInfoRequest::default(),
            )?)
            .await?
            .info)
    }

    /// Deletes a stream.
    pub async fn delete_stream(&self, name: &str) -> Result<bool, Error> {
        Ok(self.call(sapi::delete(self.prefix(), name)?).await?.success)
    }

    /// The names of all streams (storing `subject`, when given), a page
    /// fetched as the last one is consumed ([`Listing::all`](crate::listing::Listing::all)
    /// collects them).
    pub fn stream_names(&self, subject: Option<&str>) -> StreamNames<T> {
        let subject = subject.map(str::to_string);
        let prefix = self.prefix().clone();
        Listing::new(self.clone(), move |offset| {
            let request = StreamListRequest {
                offset,
                subject: subject.clone(),
            };
            sapi::names(&prefix, &request)
        })
    }

    /// The infos of all streams (storing `subject`, when given), a page
    /// fetched as the last one is consumed.
    pub fn streams(&self, subject: Option<&str>) -> StreamInfos<T> {
        let subject = subject.map(str::to_string);
        let prefix = self.prefix().clone();
        Listing::new(self.clone(), move |offset| {
            let request = StreamListRequest {
                offset,
                subject: subject.clone(),
            };
            sapi::list(&prefix, &request)
        })
    }

    /// The stream that stores `subject`; [`ErrorCode::StreamNotFound`] when none does.
    pub async fn stream_by_subject(&self, subject: &str) -> Result<String, Error> {
        let request = StreamListRequest {
            offset: 0,
            subject: Some(subject.to_string()),
        };
        let page = self.call(sapi::names(self.prefix(), &request)?).await?;
        page.streams.into_iter().next().ok_or_else(|| {
            Error::Api(crate::ApiError {
                status: 404,
                code: ErrorCode::StreamNotFound,
                description: format!("no stream stores subject {subject:?}"),
            })
        })
    }

    // ----- consumers -----

    /// Creates or updates a consumer on `stream` as `action` says.
    pub async fn create_consumer_with_action(
        &self,
        stream: &str,
        config: ConsumerConfig,
        action: ConsumerAction,
    ) -> Result<Consumer<T>, Error> {
        let info = self
            .call(capi::create(self.prefix(), stream, &config, action)?)
            .await?;
        Ok(Consumer::new(self.clone(), info))
    }

    /// Creates a consumer; fails with [`ErrorCode::ConsumerAlreadyExists`]
    /// when one of that name exists with another configuration.
    pub async fn create_consumer(
        &self,
        stream: &str,
        config: ConsumerConfig,
    ) -> Result<Consumer<T>, Error> {
        self.create_consumer_with_action(stream, config, ConsumerAction::Create)
            .await
    }

    /// Updates a consumer; fails with [`ErrorCode::ConsumerDoesNotExist`]
    /// when there is none.
    pub async fn update_consumer(
        &self,
        stream: &str,
        config: ConsumerConfig,
    ) -> Result<Consumer<T>, Error> {
        self.create_consumer_with_action(stream, config, ConsumerAction::Update)
            .await
    }

    /// Creates a consumer, or updates it when it exists. A change the server
    /// refuses on an existing consumer (deliver or ack policy, pull to push,
    /// ...) fails here with [`Error::ImmutableChange`] naming the fields,
    /// without an update request; [`consumer_changes`](JetStream::consumer_changes)
    /// is the dry run.
    pub async fn create_or_update_consumer(
        &self,
        stream: &str,
        config: ConsumerConfig,
    ) -> Result<Consumer<T>, Error> {
        if let Some(diff) = self.consumer_changes(stream, &config).await? {
            if diff.is_refused() {
                return Err(Error::ImmutableChange(diff));
            }
        }
        self.create_consumer_with_action(stream, config, ConsumerAction::CreateOrUpdate)
            .await
    }

    /// A handle to an existing consumer (its info is fetched).
    pub async fn get_consumer(&self, stream: &str, name: &str) -> Result<Consumer<T>, Error> {
        let info = self.consumer_info(stream, name).await?;
        Ok(Consumer::new(self.clone(), info))
    }

    /// A consumer's configuration and state.
    pub async fn consumer_info(&self, stream: &str, name: &str) -> Result<ConsumerInfo, Error> {
        self.call(capi::info(self.prefix(), stream, name)?).await
    }

    /// Deletes a consumer.
    pub async fn delete_consumer(&self, stream: &str, name: &str) -> Result<bool, Error> {
        Ok(self
            .call(capi::delete(self.prefix(), stream, name)?)
            .await?
            .success)
    }

    /// The names of all consumers of `stream`, a page fetched as the last
    /// one is consumed.
    pub fn consumer_names(&self, stream: &str) -> ConsumerNames<T> {
        let stream = stream.to_string();
        let prefix = self.prefix().clone();
        Listing::new(self.clone(), move |offset| {
            capi::names(&prefix, &stream, offset)
        })
    }

    /// The infos of all consumers of `stream`, a page fetched as the last
    /// one is consumed.
    pub fn consumers(&self, stream: &str) -> ConsumerInfos<T> {
        let stream = stream.to_string();
        let prefix = self.prefix().clone();
        Listing::new(self.clone(), move |offset| {
            capi::list(&prefix, &stream, offset)
        })
    }

    /// Pauses a consumer until `until` (2.11+).
    pub async fn pause_consumer(
        &self,
        stream: &str,
        name: &str,
        until: time::OffsetDateTime,
    ) -> Result<capi::PauseResponse, Error> {
        self.call(capi::pause(self.prefix(), stream, name, Some(until))?)
            .await
    }

    /// Resumes a paused consumer (2.11+).
    pub async fn resume_consumer(
        &self,
        stream: &str,
        name: &str,
    ) -> Result<capi::PauseResponse, Error> {
        self.call(capi::pause(self.prefix(), stream, name, None)?)
            .await
    }

    /// Resets a consumer to stream sequence `sequence`, or to its ack floor
    /// with `None` (2.14+).
    pub async fn reset_consumer(
        &self,
        stream: &str,
        name: &str,
        sequence: Option<u64>,
    ) -> Result<capi::ResetResponse, Error> {
        self.call(capi::reset(self.prefix(), stream, name, sequence)?)
            .await
    }

    /// Unpins the pinned client of a priority group (2.11+).
    pub async fn unpin_consumer(&self, stream: &str, name: &str, group: &str) -> Result<(), Error> {
        self.call(capi::unpin(self.prefix(), stream, name, group)?)
            .await
            .map(|_| ())
    }
}
