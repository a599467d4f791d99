//! Ordered consumers (ADR-17): every message of a stream (or of its filter
//! subjects) once and in order, across gaps, deleted consumers, missed
//! heartbeats and server restarts.

use super::pull::{Messages, Step};
use crate::api::consumer::{self as capi, ConsumerAction, ConsumerInfo};
use crate::api::{ApiCall, validate_name};
use crate::consumer::{ConsumeOptions, OrderedOptions};
use crate::context::JetStream;
use crate::error::{Error, ErrorCode};
use crate::message::JsMessage;
use crate::state::ordered::{Ordered, OrderedStep};
use crate::transport::Transport;
use bytes::Bytes;
use futures_core::Stream;
use natrs_client::Client;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

/// The first wait before creating a consumer again after a failure.
const FIRST_BACKOFF: Duration = Duration::from_millis(250);
/// The longest wait between attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(2);

/// An ordered consumer on a stream; [`OrderedConsumer::messages`] reads it.
pub struct OrderedConsumer<T: Transport = Client> {
    js: JetStream<T>,
    stream: String,
    options: OrderedOptions,
    consume: ConsumeOptions,
}

impl<T: Transport> std::fmt::Debug for OrderedConsumer<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OrderedConsumer")
            .field("stream", &self.stream)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl<T: Transport> OrderedConsumer<T> {
    /// An ordered consumer of `stream` (nothing is created until
    /// [`messages`](OrderedConsumer::messages)).
    pub fn new(
        js: JetStream<T>,
        stream: &str,
        options: OrderedOptions,
    ) -> Result<OrderedConsumer<T>, Error> {
        validate_name("stream", stream)?;
        Ok(OrderedConsumer {
            js,
            stream: stream.to_string(),
            options,
            consume: ConsumeOptions::new().expires(Duration::from_secs(30)),
        })
    }

    /// Sets how each consumer is pulled (buffer size, heartbeats).
    pub fn consume_options(mut self, options: ConsumeOptions) -> OrderedConsumer<T> {
        self.consume = options;
        self
    }

    /// Creates the first consumer and streams the messages.
    pub async fn messages(&self) -> Result<OrderedMessages<T>, Error> {
        self.consume.validate()?;
        let prefix = self.js.transport().new_inbox();
        let prefix = prefix.rsplit('.').next().unwrap_or("ordered").to_string();
        let mut ordered = Ordered::new(self.options.clone(), prefix);
        let config = ordered.next_consumer();
        let info = self
            .js
            .call(capi::create(
                self.js.prefix(),
                &self.stream,
                &config,
                ConsumerAction::Create,
            )?)
            .await?;
        let messages = start(&self.js, &info, &self.consume)?;
        Ok(OrderedMessages {
            js: self.js.clone(),
            stream: self.stream.clone(),
            consume: self.consume.clone(),
            ordered,
            initial_pending: info.num_pending,
            caught_up: false,
            phase: Phase::Active(Box::new(messages)),
        })
    }
}

fn start<T: Transport>(
    js: &JetStream<T>,
    info: &ConsumerInfo,
    options: &ConsumeOptions,
) -> Result<Messages<T>, Error> {
    let next = capi::next_subject(js.prefix(), &info.stream, &info.name);
    Messages::start(js, next, options.clone(), &super::PinCell::default())
}

enum Phase<T: Transport> {
    Active(Box<Messages<T>>),
    Creating {
        reply: T::Reply,
        call: ApiCall<ConsumerInfo>,
        backoff: Duration,
    },
    Waiting {
        sleep: T::Sleep,
        backoff: Duration,
    },
    Ended,
}

/// The messages of an ordered consumer: each stored message once, in stream
/// order. Gaps, a deleted consumer, missed heartbeats and reconnects are
/// handled by creating a new consumer that starts after the last message
/// delivered (retrying with back-off while JetStream is unavailable); only
/// errors that cannot be recovered from (the stream was deleted, the client
/// closed) are yielded, and end the stream.
pub struct OrderedMessages<T: Transport = Client> {
    js: JetStream<T>,
    stream: String,
    consume: ConsumeOptions,
    ordered: Ordered,
    initial_pending: u64,
    /// An idle heartbeat came after the last message delivered.
    caught_up: bool,
    phase: Phase<T>,
}

impl<T: Transport> std::fmt::Debug for OrderedMessages<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OrderedMessages")
            .field("stream", &self.stream)
            .field("consumer", &self.ordered.current())
            .field("last_stream_sequence", &self.ordered.last_stream_sequence())
            .finish_non_exhaustive()
    }
}

impl<T: Transport> OrderedMessages<T> {
    /// The stream sequence of the last message delivered.
    pub fn last_stream_sequence(&self) -> u64 {
        self.ordered.last_stream_sequence()
    }

    /// The messages the first consumer had to deliver when it was created
    /// (its `num_pending`): 0 means nothing matched at that moment, which is
    /// how watchers know at once that there is no initial data.
    pub fn initial_pending(&self) -> u64 {
        self.initial_pending
    }

    /// Whether an idle heartbeat came after the last message delivered: the
    /// consumer had nothing more to deliver. Watchers end their initial data
    /// on it when messages counted in [`initial_pending`](Self::initial_pending)
    /// were removed (expired, purged) before they could be delivered.
    pub fn caught_up(&self) -> bool {
        self.caught_up
    }

    /// The stream.
    pub fn stream_name(&self) -> &str {
        &self.stream
    }

    /// The name of the current consumer.
    pub fn consumer_name(&self) -> Option<&str> {
        self.ordered.current()
    }

    /// How many consumers were created (1 plus the resets).
    pub fn consumers_created(&self) -> u64 {
        self.ordered.serial()
    }

    /// Moves to a new consumer: the old one is deleted in the background and
    /// a new one is created from the next stream sequence.
    fn reset(&mut self) -> Result<(), Error> {
        let transport = self.js.transport();
        if let Some(old) = self.ordered.current() {
            // Best effort; the server removes it after the inactive threshold anyway.
            if let Ok(call) = capi::delete(self.js.prefix(), &self.stream, old) {
                let reply = transport.new_inbox();
                let _ = transport.publish(&call.subject, Some(&reply), None, &Bytes::new());
            }
        }
        let config = self.ordered.next_consumer();
        let call = capi::create(
            self.js.prefix(),
            &self.stream,
            &config,
            ConsumerAction::Create,
        )?;
        self.create(call, FIRST_BACKOFF)
    }

    fn create(&mut self, call: ApiCall<ConsumerInfo>, backoff: Duration) -> Result<(), Error> {
        let reply = self.js.transport().request(
            &call.subject,
            call.payload.clone(),
            None,
            self.js.timeout(),
        )?;
        self.phase = Phase::Creating {
            reply,
            call,
            backoff,
        };
        Ok(())
    }

    fn end(&mut self, e: Error) -> Poll<Option<Item<T>>> {
        self.phase = Phase::Ended;
        Poll::Ready(Some(Err(e)))
    }

    fn reset_or_end(&mut self) -> Option<Poll<Option<Item<T>>>> {
        match self.reset() {
            Ok(()) => None,
            Err(e) => Some(self.end(e)),
        }
    }
}

/// What the stream yields.
type Item<T> = Result<JsMessage<T>, Error>;

/// Errors after which creating the consumer again cannot help.
fn is_fatal(e: &Error) -> bool {
    match e {
        Error::Closed | Error::InvalidArgument(_) | Error::Client(_) => true,
        Error::Api(api) => matches!(
            api.code,
            ErrorCode::StreamNotFound | ErrorCode::NotEnabledForAccount
        ),
        _ => false,
    }
}

impl<T: Transport> Stream for OrderedMessages<T> {
    type Item = Result<JsMessage<T>, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            match &mut this.phase {
                Phase::Ended => return Poll::Ready(None),
                Phase::Active(messages) => match messages.poll_step(cx) {
                    Poll::Pending => return Poll::Pending,
                    Poll::Ready(Step::Message(m)) => {
                        let step = match m.ack_subject() {
                            Ok(meta) => this.ordered.handle_delivery(&meta),
                            Err(_) => OrderedStep::Reset,
                        };
                        match step {
                            OrderedStep::Deliver => {
                                this.caught_up = false;
                                return Poll::Ready(Some(Ok(m)));
                            }
                            OrderedStep::Skip => continue,
                            OrderedStep::Reset => {
                                if let Some(p) = this.reset_or_end() {
                                    return p;
                                }
                            }
                        }
                    }
                    Poll::Ready(Step::Idle) => this.caught_up = true,
                    // Refused pulls and a message too large for the pulls
                    // are the application's to know; a new consumer would
                    // meet the same.
                    Poll::Ready(Step::Warning(
                        e @ (Error::LimitExceeded(_) | Error::MessageExceedsMaxBytes { .. }),
                    )) => {
                        return Poll::Ready(Some(Err(e)));
                    }
                    // Missed heartbeats, reconnects, a deleted consumer, no
                    // JetStream responder: start over from the next sequence.
                    Poll::Ready(Step::Warning(_)) | Poll::Ready(Step::Reconnected) => {
                        if let Some(p) = this.reset_or_end() {
                            return p;
                        }
                    }
                    Poll::Ready(Step::Terminal(e)) => {
                        if is_fatal(&e) {
                            return this.end(e);
                        }
                        if let Some(p) = this.reset_or_end() {
                            return p;
                        }
                    }
                    Poll::Ready(Step::Ended) => {
                        this.phase = Phase::Ended;
                        return Poll::Ready(None);
                    }
                },
                Phase::Creating {
                    reply,
                    call,
                    backoff,
                } => {
                    let result = match Pin::new(reply).poll(cx) {
                        Poll::Pending => return Poll::Pending,
                        Poll::Ready(r) => r
                            .map_err(|e| Error::from_request(e, true))
                            .and_then(|m| call.parse(&m)),
                    };
                    match result {
                        Ok(info) => match start(&this.js, &info, &this.consume) {
                            Ok(m) => this.phase = Phase::Active(Box::new(m)),
                            Err(e) => return this.end(e),
                        },
                        Err(e) if is_fatal(&e) => return this.end(e),
                        Err(_) => {
                            let backoff = *backoff;
                            let sleep = this.js.transport().sleep_until(Instant::now() + backoff);
                            this.phase = Phase::Waiting { sleep, backoff };
                        }
                    }
                }
                Phase::Waiting { sleep, backoff } => {
                    if Pin::new(sleep).poll(cx).is_pending() {
                        return Poll::Pending;
                    }
                    let next = (*backoff * 2).min(MAX_BACKOFF);
                    let stream = this.stream.clone();
                    let created = pending_create(&this.js, &stream, &mut this.ordered)
                        .and_then(|call| this.create(call, next));
                    if let Err(e) = created {
                        return this.end(e);
                    }
                }
            }
        }
    }
}

/// The create call for a fresh serial (a failed attempt may have created
/// the consumer after all, so the next attempt uses a new name).
fn pending_create<T: Transport>(
    js: &JetStream<T>,
    stream: &str,
    ordered: &mut Ordered,
) -> Result<ApiCall<ConsumerInfo>, Error> {
    let config = ordered.next_consumer();
    capi::create(js.prefix(), stream, &config, ConsumerAction::Create)
}

impl<T: Transport> JetStream<T> {
    /// An ordered consumer of `stream`.
    pub fn ordered_consumer(
        &self,
        stream: &str,
        options: OrderedOptions,
    ) -> Result<OrderedConsumer<T>, Error> {
        OrderedConsumer::new(self.clone(), stream, options)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fatal_errors() {
        assert!(is_fatal(&Error::Closed));
        assert!(!is_fatal(&Error::NotEnabled));
        assert!(!is_fatal(&Error::TimedOut(Duration::from_secs(1))));
        assert!(is_fatal(&Error::Api(crate::ApiError {
            status: 404,
            code: ErrorCode::StreamNotFound,
            description: String::new()
        })));
    }
}
