//! [`Events`]: a subscription to chosen [`EventFamily`]s that yields parsed
//! events, over any [`Transport`].

use super::{Event, EventError, EventFamily};
use crate::api::validate_name;
use crate::context::JetStream;
use crate::error::Error;
use crate::transport::Transport;
use futures_core::Stream;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Parsed events of the chosen families, as a `futures_core::Stream` of
/// `Result<Event, EventError>`: a body that is not an event is an `Err`
/// item, and the stream goes on. It ends when every subscription has ended
/// (the connection closed); dropping it unsubscribes.
///
/// Events of different subjects may arrive in a different order than the
/// server sent them (each subject family is a subscription of its own).
/// Flush the connection after subscribing to be sure the server has the
/// interest before provoking events.
pub struct Events<T: Transport> {
    subscriptions: Vec<T::Subscription>,
    /// The subscription polled first next time, so that none starves.
    next: usize,
}

impl<T: Transport> std::fmt::Debug for Events<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Events")
            .field("subscriptions", &self.subscriptions.len())
            .finish_non_exhaustive()
    }
}

impl<T: Transport> Events<T> {
    /// Subscribes to every subject of `families` on `transport`.
    ///
    /// Stream names in the families must be valid names
    /// ([`Error::InvalidArgument`] otherwise); at least one family is needed.
    pub fn subscribe(transport: &T, families: &[EventFamily]) -> Result<Events<T>, Error> {
        if families.is_empty() {
            return Err(Error::InvalidArgument(
                "no event family to subscribe to".to_owned(),
            ));
        }
        let mut subjects = Vec::new();
        for family in families {
            match family {
                EventFamily::StreamAdvisories(s) | EventFamily::StreamMetrics(s) => {
                    validate_name("stream", s)?;
                }
                EventFamily::Connections(Some(account)) => validate_name("account", account)?,
                _ => {}
            }
            for subject in family.subjects() {
                if !subjects.contains(&subject) {
                    subjects.push(subject);
                }
            }
        }
        let subscriptions = subjects
            .iter()
            .map(|s| transport.subscribe(s, None))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Events {
            subscriptions,
            next: 0,
        })
    }
}

impl<T: Transport> Stream for Events<T> {
    type Item = Result<Event, EventError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        let mut polled = 0;
        while polled < this.subscriptions.len() {
            let i = (this.next + polled) % this.subscriptions.len();
            match Pin::new(&mut this.subscriptions[i]).poll_next(cx) {
                Poll::Ready(Some(message)) => {
                    this.next = (i + 1) % this.subscriptions.len();
                    return Poll::Ready(Some(Event::from_message(&message)));
                }
                Poll::Ready(None) => {
                    drop(this.subscriptions.swap_remove(i));
                    if this.subscriptions.is_empty() {
                        return Poll::Ready(None);
                    }
                    this.next = 0;
                    polled = 0;
                }
                Poll::Pending => polled += 1,
            }
        }
        if this.subscriptions.is_empty() {
            Poll::Ready(None)
        } else {
            Poll::Pending
        }
    }
}

impl<T: Transport> JetStream<T> {
    /// Subscribes to `families` on this context's connection
    /// ([`Events::subscribe`]).
    pub fn events(&self, families: &[EventFamily]) -> Result<Events<T>, Error> {
        Events::subscribe(self.transport(), families)
    }
}
