//! [`AsyncIoTimer`]: the driver's timer on the async-io reactor, or on the
//! driver thread's own poller.

use crate::driver_thread::{self, Reactor};
use natrs_client::adapter::Timer;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

/// A resettable timer on the async-io reactor.
///
/// Every registration with the reactor wakes the thread that waits on it, and
/// the driver moves its deadline often (each request in flight moves it
/// later). So the timer only re-registers when the deadline moves *earlier*;
/// when it moves later, the registered timer fires early and is re-armed for
/// the real deadline then, without a wake-up for the caller.
///
/// Made on a `natrs-driver` thread, the timer hands its deadline to that
/// thread's poller instead, which waits for it directly.
#[derive(Debug)]
pub struct AsyncIoTimer {
    /// The driver thread's reactor, when the timer was made on one.
    thread: Option<Arc<Reactor>>,
    timer: async_io::Timer,
    /// When the registered timer fires; `None` when it is not set.
    armed: Option<Instant>,
    /// The deadline asked for; `None` before the first reset and after it fired.
    deadline: Option<Instant>,
}

impl AsyncIoTimer {
    /// A timer that is not set; on a `natrs-driver` thread, a timer of that
    /// thread's poller.
    pub fn new() -> AsyncIoTimer {
        AsyncIoTimer {
            thread: driver_thread::current(),
            timer: async_io::Timer::never(),
            armed: None,
            deadline: None,
        }
    }

    fn arm(&mut self, at: Instant) {
        self.timer.set_at(at);
        self.armed = Some(at);
    }
}

impl Default for AsyncIoTimer {
    fn default() -> Self {
        AsyncIoTimer::new()
    }
}

impl Timer for AsyncIoTimer {
    fn reset(&mut self, deadline: Instant) {
        self.deadline = Some(deadline);
        if let Some(reactor) = &self.thread {
            reactor.set_deadline(Some(deadline));
            return;
        }
        match self.armed {
            Some(at) if at <= deadline => {}
            _ => self.arm(deadline),
        }
    }

    fn poll_expired(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let Some(deadline) = self.deadline else {
            return Poll::Pending;
        };
        if let Some(reactor) = &self.thread {
            if Instant::now() >= deadline {
                self.deadline = None;
                reactor.set_deadline(None);
                return Poll::Ready(());
            }
            reactor.set_deadline(Some(deadline));
            return Poll::Pending;
        }
        loop {
            if self.armed.is_none() {
                self.arm(deadline);
            }
            if Pin::new(&mut self.timer).poll(cx).is_pending() {
                return Poll::Pending;
            }
            // The registered instant passed: the real deadline too, unless it
            // was moved later since.
            self.armed = None;
            if Instant::now() >= deadline {
                self.deadline = None;
                return Poll::Ready(());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn expired(timer: &mut AsyncIoTimer) -> bool {
        let waker = std::task::Waker::noop();
        timer
            .poll_expired(&mut Context::from_waker(waker))
            .is_ready()
    }

    #[test]
    fn fires_at_deadline_once() {
        let mut t = AsyncIoTimer::new();
        assert!(!expired(&mut t), "an unset timer never fires");
        t.reset(Instant::now());
        assert!(expired(&mut t));
        assert!(!expired(&mut t), "it fired already");
    }

    #[test]
    fn moving_the_deadline_later_keeps_it_pending() {
        let mut t = AsyncIoTimer::new();
        let soon = Instant::now() + Duration::from_millis(20);
        t.reset(soon);
        t.reset(Instant::now() + Duration::from_secs(3600));
        async_io::block_on(async_io::Timer::at(soon));
        assert!(!expired(&mut t), "the later deadline has not passed");
        assert_eq!(t.armed.map(|a| a > soon), Some(true), "re-armed later");
    }

    #[test]
    fn moving_the_deadline_earlier_rearms() {
        let mut t = AsyncIoTimer::new();
        t.reset(Instant::now() + Duration::from_secs(3600));
        assert!(!expired(&mut t));
        t.reset(Instant::now());
        assert!(expired(&mut t));
    }

    #[test]
    fn wakes_the_task_when_due() {
        let mut t = AsyncIoTimer::new();
        t.reset(Instant::now() + Duration::from_millis(10));
        let deadline = Instant::now() + Duration::from_millis(30);
        t.reset(deadline);
        async_io::block_on(std::future::poll_fn(|cx| t.poll_expired(cx)));
        assert!(
            Instant::now() >= deadline,
            "fired before the moved deadline"
        );
    }
}
