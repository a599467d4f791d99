//! [`Events`]: connection events as a blocking iterator.

use crate::error::TimedOut;
use crate::executor::{block_on, block_on_until, deadline_after};
use natrs_client::{ClientEvent, EventStream};
use std::future::poll_fn;
use std::time::Duration;

/// Connection events from the moment it was made; ends after
/// [`ClientEvent::Closed`]. If it is not read, the oldest events are dropped
/// past a backlog of 1024 events or 1 MiB, and
/// [`ClientEvent::EventsDropped`] takes their place.
#[derive(Debug)]
pub struct Events {
    inner: EventStream,
}

impl Events {
    pub(crate) fn new(inner: EventStream) -> Events {
        Events { inner }
    }

    /// The next event, waiting as long as it takes; `None` after `Closed`.
    pub fn next_event(&self) -> Option<ClientEvent> {
        block_on(poll_fn(|cx| self.inner.poll_next_event(cx)))
    }

    /// The next event, waiting at most `timeout`: `Ok(Some(event))`,
    /// `Ok(None)` after `Closed`, or `Err(TimedOut)`.
    pub fn next_timeout(&self, timeout: Duration) -> Result<Option<ClientEvent>, TimedOut> {
        block_on_until(
            poll_fn(|cx| self.inner.poll_next_event(cx)),
            deadline_after(timeout),
        )
    }

    /// The next event if one is waiting.
    pub fn try_next(&self) -> Option<ClientEvent> {
        self.inner.try_next()
    }
}

impl Iterator for Events {
    type Item = ClientEvent;
    fn next(&mut self) -> Option<ClientEvent> {
        self.next_event()
    }
}
