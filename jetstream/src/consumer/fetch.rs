//! [`Fetch`]: the messages of one pull request.

use super::PinCell;
use crate::consumer::FetchOptions;
use crate::context::JetStream;
use crate::error::Error;
use crate::message::JsMessage;
use crate::state::pull::{self, FetchStep};
use crate::timer::Deadline;
use crate::transport::{MessageStream, Transport};
use bytes::Bytes;
use futures_core::Stream;
use natrs_client::Client;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

/// The messages of one pull request, as a stream of `Result<JsMessage>`.
/// It ends when the batch is full, the byte limit is reached, the server
/// ends the request (no messages, expired), or the client-side timeout
/// (`expires` plus one second) passes; an error is yielded once, then the
/// stream ends.
pub struct Fetch<T: Transport = Client> {
    transport: T,
    pin: PinCell,
    timeout: Duration,
    sub: Option<T::Subscription>,
    state: pull::Fetch,
    timer: Deadline<T::Sleep>,
    started: Instant,
}

impl<T: Transport> std::fmt::Debug for Fetch<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fetch")
            .field("received", &self.state.received())
            .field("done", &self.state.is_done())
            .finish_non_exhaustive()
    }
}

impl<T: Transport> Fetch<T> {
    pub(crate) fn start(
        js: &JetStream<T>,
        next_subject: String,
        mut options: FetchOptions,
        pin: &PinCell,
    ) -> Result<Fetch<T>, Error> {
        pull::Fetch::validate(&options)?;
        if options.priority.is_some() && options.pin_id.is_none() {
            options.pin_id = pin.get();
        }
        let transport = js.transport().clone();
        let inbox = transport.new_inbox();
        let mut sub = transport.subscribe(&inbox, None)?;
        sub.set_pending_limits(usize::MAX, usize::MAX);
        let started = Instant::now();
        let state = pull::Fetch::new(options, started, js.timeout());
        transport.publish(
            &next_subject,
            Some(&inbox),
            None,
            &state.request().to_json(),
        )?;
        Ok(Fetch {
            transport,
            pin: pin.clone(),
            timeout: js.timeout(),
            sub: Some(sub),
            state,
            timer: Deadline::default(),
            started,
        })
    }

    /// Messages received so far.
    pub fn received(&self) -> usize {
        self.state.received()
    }

    /// The time for the state machine: it only needs the clock to watch
    /// heartbeats, so without them the start time does.
    fn clock(&self) -> Instant {
        if self.state.watches_heartbeats() {
            Instant::now()
        } else {
            self.started
        }
    }

    /// Feeds `m` to the state machine and hands a new pin id to the
    /// consumer handle.
    fn handle_message(&mut self, m: &natrs_client::Message) -> FetchStep {
        let step = self.state.handle_message(self.clock(), m);
        if let Some(pin_id) = self.state.take_pin_update() {
            self.pin.set(pin_id);
        }
        step
    }

    fn finish(&mut self) {
        // Unsubscribe: nothing more of this request is wanted.
        self.sub = None;
    }
}

impl<T: Transport> Stream for Fetch<T> {
    type Item = Result<JsMessage<T>, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            let Some(sub) = this.sub.as_mut() else {
                return Poll::Ready(None);
            };
            match Pin::new(sub).poll_next(cx) {
                Poll::Ready(Some(m)) => match this.handle_message(&m) {
                    FetchStep::Message => {
                        return Poll::Ready(Some(Ok(JsMessage::new(
                            m,
                            this.transport.clone(),
                            this.timeout,
                        ))));
                    }
                    FetchStep::Last => {
                        this.finish();
                        return Poll::Ready(Some(Ok(JsMessage::new(
                            m,
                            this.transport.clone(),
                            this.timeout,
                        ))));
                    }
                    FetchStep::Ignore => continue,
                    FetchStep::Reply(subject) => {
                        let _ = this.transport.publish(&subject, None, None, &Bytes::new());
                        continue;
                    }
                    FetchStep::Done => {
                        this.finish();
                        return Poll::Ready(None);
                    }
                    FetchStep::Failed(e) => {
                        this.finish();
                        return Poll::Ready(Some(Err(e)));
                    }
                },
                Poll::Ready(None) => {
                    this.finish();
                    return Poll::Ready(Some(Err(Error::Closed)));
                }
                Poll::Pending => {}
            }
            let transport = &this.transport;
            let now = Instant::now();
            match this.timer.poll(cx, now, this.state.poll_timeout(), |at| {
                transport.sleep_until(at)
            }) {
                Poll::Ready(()) => match this.state.handle_timeout(now) {
                    Some(FetchStep::Failed(e)) => {
                        if e == Error::MissedHeartbeats {
                            crate::trace::missed_heartbeats("fetch");
                        }
                        this.finish();
                        return Poll::Ready(Some(Err(e)));
                    }
                    Some(_) => {
                        this.finish();
                        return Poll::Ready(None);
                    }
                    None => continue,
                },
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}
