//! A deadline watcher over the transport's timers that re-arms lazily: a
//! deadline that moves later (a heartbeat watchdog after each message) keeps
//! the armed timer and re-arms only when it fires, so no timer is created per
//! message.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

/// Watches one deadline at a time.
#[derive(Debug)]
pub(crate) struct Deadline<S> {
    armed: Option<(Instant, S)>,
}

impl<S> Default for Deadline<S> {
    fn default() -> Self {
        Deadline { armed: None }
    }
}

impl<S: Future<Output = ()> + Unpin> Deadline<S> {
    /// `Ready` when `deadline` may have passed (check the clock and the state
    /// machine, then poll again); `Pending` with a timer armed to wake the
    /// task no later than `deadline`. No deadline disarms. `now` is the
    /// caller's reading of the clock.
    pub(crate) fn poll(
        &mut self,
        cx: &mut Context<'_>,
        now: Instant,
        deadline: Option<Instant>,
        arm: impl FnOnce(Instant) -> S,
    ) -> Poll<()> {
        let Some(deadline) = deadline else {
            self.armed = None;
            return Poll::Pending;
        };
        if now >= deadline {
            self.armed = None;
            return Poll::Ready(());
        }
        match &self.armed {
            Some((at, _)) if *at <= deadline => {}
            _ => self.armed = Some((deadline, arm(deadline))),
        }
        let Some((_, sleep)) = self.armed.as_mut() else {
            return Poll::Pending;
        };
        if Pin::new(sleep).poll(cx).is_ready() {
            self.armed = None;
            return Poll::Ready(());
        }
        Poll::Pending
    }
}
