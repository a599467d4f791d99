//! [`PushMessages`]: the messages a push consumer sends to its deliver subject.

use crate::context::JetStream;
use crate::error::Error;
use crate::message::JsMessage;
use crate::state::push::{Push, PushStep};
use crate::timer::Deadline;
use crate::transport::{ConnectionEvent, MessageStream, Transport};
use bytes::Bytes;
use futures_core::Stream;
use natrs_client::Client;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

/// A push consumer's messages: a stream of `Result<JsMessage>`. Flow control
/// requests are answered once the messages before them were taken, idle
/// heartbeats are watched (two missed yield [`Error::MissedHeartbeats`] and
/// the stream goes on), and the stream ends when the subscription does.
pub struct PushMessages<T: Transport = Client> {
    transport: T,
    timeout: Duration,
    sub: T::Subscription,
    events: T::Events,
    state: Push,
    timer: Deadline<T::Sleep>,
    events_done: bool,
    ended: bool,
    flow_control_replies: u64,
}

impl<T: Transport> std::fmt::Debug for PushMessages<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PushMessages").finish_non_exhaustive()
    }
}

impl<T: Transport> PushMessages<T> {
    pub(crate) fn start(
        js: &JetStream<T>,
        deliver_subject: &str,
        deliver_group: Option<&str>,
        heartbeat: Duration,
    ) -> Result<PushMessages<T>, Error> {
        let transport = js.transport().clone();
        let events = transport.events();
        let group = deliver_group.filter(|g| !g.is_empty());
        let sub = transport.subscribe(deliver_subject, group)?;
        Ok(PushMessages {
            transport,
            timeout: js.timeout(),
            sub,
            events,
            state: Push::new(heartbeat, Instant::now()),
            timer: Deadline::default(),
            events_done: false,
            ended: false,
            flow_control_replies: 0,
        })
    }

    /// Flow control requests (and stalled heartbeats) answered so far.
    pub fn flow_control_replies(&self) -> u64 {
        self.flow_control_replies
    }

    /// Stops taking messages; the stream ends after those already received.
    pub fn stop(&mut self) {
        self.sub.drain();
    }
}

impl<T: Transport> Stream for PushMessages<T> {
    type Item = Result<JsMessage<T>, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if this.ended {
            return Poll::Ready(None);
        }
        loop {
            let now = Instant::now();
            while !this.events_done {
                let Poll::Ready(event) = Pin::new(&mut this.events).poll_next(cx) else {
                    break;
                };
                match event {
                    Some(ConnectionEvent::Disconnected) => this.state.handle_disconnected(),
                    Some(ConnectionEvent::Reconnected) => this.state.handle_reconnected(now),
                    // The subscription ends too; its messages are still read.
                    Some(ConnectionEvent::Closed) | None => this.events_done = true,
                }
            }
            match Pin::new(&mut this.sub).poll_next(cx) {
                Poll::Ready(Some(m)) => match this.state.handle_message(now, &m) {
                    PushStep::Message => {
                        return Poll::Ready(Some(Ok(JsMessage::new(
                            m,
                            this.transport.clone(),
                            this.timeout,
                        ))));
                    }
                    PushStep::Ignore => continue,
                    PushStep::Reply(subject) => {
                        this.flow_control_replies += 1;
                        let _ = this.transport.publish(&subject, None, None, &Bytes::new());
                        continue;
                    }
                    PushStep::Terminal(e) => {
                        this.ended = true;
                        return Poll::Ready(Some(Err(e)));
                    }
                },
                Poll::Ready(None) => {
                    this.ended = true;
                    return Poll::Ready(None);
                }
                Poll::Pending => {}
            }
            let transport = &this.transport;
            let now = Instant::now();
            match this.timer.poll(cx, now, this.state.poll_timeout(), |at| {
                transport.sleep_until(at)
            }) {
                Poll::Ready(()) => {
                    if let Some(e) = this.state.handle_timeout(now) {
                        if e == Error::MissedHeartbeats {
                            crate::trace::missed_heartbeats("push");
                        }
                        return Poll::Ready(Some(Err(e)));
                    }
                }
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}
