//! [`Messages`]: continuous pulling (ADR-37 `consume`).

use super::PinCell;
use crate::consumer::ConsumeOptions;
use crate::context::JetStream;
use crate::error::Error;
use crate::message::JsMessage;
use crate::state::pull::{Consume, Delivery};
use crate::timer::Deadline;
use crate::transport::{ConnectionEvent, MessageStream, Transport};
use bytes::Bytes;
use futures_core::Stream;
use natrs_client::Client;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

/// One step of a consume, for wrappers (the ordered consumer) that react to
/// more than the messages.
pub(crate) enum Step<T: Transport> {
    Message(JsMessage<T>),
    /// An idle heartbeat: the consumer had nothing to deliver.
    Idle,
    Warning(Error),
    Terminal(Error),
    Reconnected,
    Ended,
}

/// Messages of a pull consumer, pulled continuously: a stream of
/// `Result<JsMessage>`. Warnings (missed heartbeats, refused pull requests)
/// are yielded as errors for which [`Error::is_transient`] holds and the
/// stream goes on; a terminal error (consumer deleted, push consumer, bad
/// request, client closed) is yielded once and the stream ends.
/// Disconnects pause it; it pulls again after reconnecting.
pub struct Messages<T: Transport = Client> {
    transport: T,
    pin: PinCell,
    timeout: Duration,
    next_subject: String,
    inbox: String,
    sub: T::Subscription,
    events: T::Events,
    state: Consume,
    timer: Deadline<T::Sleep>,
    stopping: bool,
    ended: bool,
}

impl<T: Transport> std::fmt::Debug for Messages<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Messages")
            .field("next_subject", &self.next_subject)
            .field("pending", &self.state.pending())
            .finish_non_exhaustive()
    }
}

impl<T: Transport> Messages<T> {
    pub(crate) fn start(
        js: &JetStream<T>,
        next_subject: String,
        options: ConsumeOptions,
        pin: &PinCell,
    ) -> Result<Messages<T>, Error> {
        let transport = js.transport().clone();
        let events = transport.events();
        let inbox = transport.new_inbox();
        let mut sub = transport.subscribe(&inbox, None)?;
        sub.set_pending_limits(usize::MAX, usize::MAX);
        let mut m = Messages {
            transport,
            pin: pin.clone(),
            timeout: js.timeout(),
            next_subject,
            inbox,
            sub,
            events,
            state: Consume::new(options, Instant::now()),
            timer: Deadline::default(),
            stopping: false,
            ended: false,
        };
        m.send_pulls(Instant::now())?;
        Ok(m)
    }

    /// Messages and bytes requested and not yet delivered.
    pub fn pending(&self) -> (usize, usize) {
        self.state.pending()
    }

    /// Stops pulling; the stream ends after the messages already received.
    pub fn stop(&mut self) {
        if !self.stopping {
            self.stopping = true;
            self.sub.drain();
        }
    }

    fn send_pulls(&mut self, now: Instant) -> Result<(), Error> {
        if self.stopping {
            return Ok(());
        }
        if self.state.options().priority.is_some() {
            // Another pull of the same consumer handle may have changed it.
            self.state.set_pin_id(self.pin.get());
        }
        while let Some(request) = self.state.poll_pull(now) {
            crate::trace::pull(&self.next_subject, request.batch, request.max_bytes);
            self.transport.publish(
                &self.next_subject,
                Some(&self.inbox),
                None,
                &request.to_json(),
            )?;
        }
        Ok(())
    }

    /// Feeds `m` to the state machine and hands a new pin id to the
    /// consumer handle.
    fn handle_message(&mut self, now: Instant, m: &natrs_client::Message) -> Delivery {
        let delivery = self.state.handle_message(now, m);
        if let Some(pin_id) = self.state.take_pin_update() {
            self.pin.set(pin_id);
        }
        delivery
    }

    fn end(&mut self, e: Error) -> Poll<Step<T>> {
        self.ended = true;
        Poll::Ready(Step::Terminal(e))
    }

    pub(crate) fn poll_step(&mut self, cx: &mut Context<'_>) -> Poll<Step<T>> {
        if self.ended {
            return Poll::Ready(Step::Ended);
        }
        let mut reconnected = false;
        loop {
            let now = Instant::now();
            while let Poll::Ready(event) = Pin::new(&mut self.events).poll_next(cx) {
                match event {
                    Some(ConnectionEvent::Disconnected) => self.state.handle_disconnected(),
                    Some(ConnectionEvent::Reconnected) => {
                        self.state.handle_reconnected(now);
                        reconnected = true;
                    }
                    Some(ConnectionEvent::Closed) | None => return self.end(Error::Closed),
                }
            }
            if let Err(e) = self.send_pulls(now) {
                return self.end(e);
            }
            if reconnected {
                return Poll::Ready(Step::Reconnected);
            }
            match Pin::new(&mut self.sub).poll_next(cx) {
                Poll::Ready(Some(m)) => match self.handle_message(now, &m) {
                    Delivery::Message => {
                        if let Err(e) = self.send_pulls(now) {
                            return self.end(e);
                        }
                        return Poll::Ready(Step::Message(JsMessage::new(
                            m,
                            self.transport.clone(),
                            self.timeout,
                        )));
                    }
                    Delivery::Ignore => continue,
                    Delivery::Idle => return Poll::Ready(Step::Idle),
                    Delivery::Reply(subject) => {
                        let _ = self.transport.publish(&subject, None, None, &Bytes::new());
                        continue;
                    }
                    Delivery::Warning(e) => return Poll::Ready(Step::Warning(e)),
                    Delivery::Terminal(e) => return self.end(e),
                },
                Poll::Ready(None) => {
                    self.ended = true;
                    return Poll::Ready(if self.stopping {
                        Step::Ended
                    } else {
                        Step::Terminal(Error::Closed)
                    });
                }
                Poll::Pending => {}
            }
            let transport = &self.transport;
            let now = Instant::now();
            match self.timer.poll(cx, now, self.state.poll_timeout(), |at| {
                transport.sleep_until(at)
            }) {
                Poll::Ready(()) => {
                    if let Some(e) = self.state.handle_timeout(now) {
                        if e == Error::MissedHeartbeats {
                            crate::trace::missed_heartbeats("consume");
                        }
                        return Poll::Ready(Step::Warning(e));
                    }
                }
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

impl<T: Transport> Stream for Messages<T> {
    type Item = Result<JsMessage<T>, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        loop {
            return match self.poll_step(cx) {
                Poll::Ready(Step::Message(m)) => Poll::Ready(Some(Ok(m))),
                Poll::Ready(Step::Warning(e)) | Poll::Ready(Step::Terminal(e)) => {
                    Poll::Ready(Some(Err(e)))
                }
                Poll::Ready(Step::Reconnected) | Poll::Ready(Step::Idle) => continue,
                Poll::Ready(Step::Ended) => Poll::Ready(None),
                Poll::Pending => Poll::Pending,
            };
        }
    }
}
