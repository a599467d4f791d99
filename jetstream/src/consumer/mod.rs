//! Consumer handles and the ways to read from them: [`Fetch`] (one pull
//! request), [`Messages`] (continuous pulling), [`PushMessages`] (push
//! consumers) and [`OrderedMessages`] (ordered consumers).

mod fetch;
mod options;
mod ordered;
mod pull;
mod push;

pub use fetch::Fetch;
pub(crate) use options::check_expires;
pub use options::{ConsumeOptions, FetchOptions, MAX_EXPIRES, OrderedOptions, PriorityOptions};
pub use ordered::{OrderedConsumer, OrderedMessages};
pub use pull::Messages;
pub use push::PushMessages;

use crate::api::consumer::{self as capi, ConsumerInfo, PauseResponse};
use crate::context::JetStream;
use crate::error::Error;
use crate::message::JsMessage;

use crate::transport::Transport;
use futures_core::Stream as _;
use natrs_client::Client;
use std::future::poll_fn;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The pin id a pinned-client priority group gave this consumer handle
/// (ADR-42), shared by its clones and by every fetch and consume of it: each
/// pull presents it, a delivered message's `Nats-Pin-Id` sets it, and a 423
/// answer clears it.
#[derive(Debug, Clone, Default)]
pub(crate) struct PinCell(Arc<Mutex<Option<String>>>);

impl PinCell {
    pub(crate) fn get(&self) -> Option<String> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub(crate) fn set(&self, pin_id: Option<String>) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = pin_id;
    }
}

/// A handle to a consumer, with the info it was created or looked up with.
/// Clones share the pin id of a pinned-client priority group.
pub struct Consumer<T: Transport = Client> {
    js: JetStream<T>,
    info: ConsumerInfo,
    next_subject: String,
    pin: PinCell,
}

impl<T: Transport> Clone for Consumer<T> {
    fn clone(&self) -> Self {
        Consumer {
            js: self.js.clone(),
            info: self.info.clone(),
            next_subject: self.next_subject.clone(),
            pin: self.pin.clone(),
        }
    }
}

impl<T: Transport> std::fmt::Debug for Consumer<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Consumer")
            .field("stream", &self.info.stream)
            .field("name", &self.info.name)
            .finish_non_exhaustive()
    }
}

impl<T: Transport> Consumer<T> {
    /// A handle for the consumer `info` describes.
    pub fn new(js: JetStream<T>, info: ConsumerInfo) -> Consumer<T> {
        let next_subject = capi::next_subject(js.prefix(), &info.stream, &info.name);
        Consumer {
            js,
            info,
            next_subject,
            pin: PinCell::default(),
        }
    }

    /// The pin id the server gave this handle's pulls (pinned-client
    /// priority groups), until it answers that another client is pinned.
    pub fn pin_id(&self) -> Option<String> {
        self.pin.get()
    }

    /// The consumer's name.
    pub fn name(&self) -> &str {
        &self.info.name
    }

    /// Its stream.
    pub fn stream_name(&self) -> &str {
        &self.info.stream
    }

    /// The info it was created with or last refreshed to.
    pub fn cached_info(&self) -> &ConsumerInfo {
        &self.info
    }

    /// The context.
    pub fn context(&self) -> &JetStream<T> {
        &self.js
    }

    /// Refreshes and returns the info.
    pub async fn info(&mut self) -> Result<&ConsumerInfo, Error> {
        self.info = self
            .js
            .consumer_info(&self.info.stream, &self.info.name)
            .await?;
        Ok(&self.info)
    }

    /// Deletes the consumer.
    pub async fn delete(&self) -> Result<bool, Error> {
        self.js
            .delete_consumer(&self.info.stream, &self.info.name)
            .await
    }

    /// Pauses it until `until` (2.11+).
    pub async fn pause(&self, until: time::OffsetDateTime) -> Result<PauseResponse, Error> {
        self.js
            .pause_consumer(&self.info.stream, &self.info.name, until)
            .await
    }

    /// Resumes it (2.11+).
    pub async fn resume(&self) -> Result<PauseResponse, Error> {
        self.js
            .resume_consumer(&self.info.stream, &self.info.name)
            .await
    }

    /// Resets it to stream sequence `sequence`, or to its ack floor with
    /// `None` (2.14+); returns the sequence it delivers next.
    pub async fn reset(&mut self, sequence: Option<u64>) -> Result<u64, Error> {
        let r = self
            .js
            .reset_consumer(&self.info.stream, &self.info.name, sequence)
            .await?;
        self.info = r.info;
        Ok(r.reset_sequence)
    }

    fn require_pull(&self) -> Result<(), Error> {
        if self.info.config.is_push() {
            return Err(Error::InvalidArgument(format!(
                "consumer {} is a push consumer",
                self.info.name
            )));
        }
        Ok(())
    }

    /// Sends one pull request; the stream yields its messages until it ends.
    /// With a priority group and no pin id of its own, the request presents
    /// the handle's pin id ([`pin_id`](Consumer::pin_id)); a 423 answer
    /// (another client is pinned) ends it with [`Error::PinIdMismatch`] and
    /// clears that pin id, so the next pull asks without one.
    pub fn fetch(&self, options: FetchOptions) -> Result<Fetch<T>, Error> {
        self.require_pull()?;
        Fetch::start(&self.js, self.next_subject.clone(), options, &self.pin)
    }

    /// Fetches up to `n` messages, waiting at most 30 s for them.
    pub fn fetch_messages(&self, n: usize) -> Result<Fetch<T>, Error> {
        self.fetch(FetchOptions::new(n))
    }

    /// The next message, waiting at most `expires` (`None` if none came).
    pub async fn next_timeout(&self, expires: Duration) -> Result<Option<JsMessage<T>>, Error> {
        self.next_with(FetchOptions::new(1).expires(expires)).await
    }

    /// The next message, pulled with `options` (its expiry, heartbeat,
    /// priority group and pin id; the batch is one message): `None` if none
    /// came.
    pub async fn next_with(&self, options: FetchOptions) -> Result<Option<JsMessage<T>>, Error> {
        let mut fetch = self.fetch(FetchOptions {
            max_messages: 1,
            ..options
        })?;
        poll_fn(|cx| Pin::new(&mut fetch).poll_next(cx))
            .await
            .transpose()
    }

    /// The next message, waiting at most 30 s (`None` if none came).
    pub async fn next(&self) -> Result<Option<JsMessage<T>>, Error> {
        self.next_timeout(Duration::from_secs(30)).await
    }

    /// Consumes continuously (ADR-37): a stream of messages that keeps a
    /// buffer filled by pull requests.
    pub fn messages(&self, options: ConsumeOptions) -> Result<Messages<T>, Error> {
        self.require_pull()?;
        options.validate()?;
        Messages::start(&self.js, self.next_subject.clone(), options, &self.pin)
    }

    /// Subscribes to a push consumer's deliver subject (as a member of its
    /// deliver group, if it has one).
    pub fn push_messages(&self) -> Result<PushMessages<T>, Error> {
        let config = &self.info.config;
        let subject = config
            .deliver_subject
            .as_deref()
            .filter(|s| !s.is_empty())
            .ok_or_else(|| {
                Error::InvalidArgument(format!("consumer {} is a pull consumer", self.info.name))
            })?;
        PushMessages::start(
            &self.js,
            subject,
            config.deliver_group.as_deref(),
            config.idle_heartbeat,
        )
    }
}
