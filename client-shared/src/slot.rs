//! One-shot completion slots for requests, flushes and closing.

use crate::writer::note_wait;
use std::sync::Mutex;
use std::task::{Context, Poll, Waker};

/// A value delivered once by the driver and taken once by a waiting future.
#[derive(Debug)]
pub(crate) struct Slot<T> {
    inner: Mutex<SlotInner<T>>,
}

#[derive(Debug)]
struct SlotInner<T> {
    value: Option<T>,
    waker: Option<Waker>,
}

impl<T> Slot<T> {
    pub(crate) fn new() -> Slot<T> {
        Slot {
            inner: Mutex::new(SlotInner {
                value: None,
                waker: None,
            }),
        }
    }

    /// Stores the value (the first one wins) and wakes the waiter.
    pub(crate) fn complete(&self, value: T) {
        if let Some(w) = self.fill(value) {
            w.wake();
        }
    }

    /// Stores the value (the first one wins); returns the waiter's waker for
    /// the caller to wake (after releasing its own locks).
    #[must_use]
    pub(crate) fn fill(&self, value: T) -> Option<Waker> {
        let mut inner = lock(&self.inner);
        if inner.value.is_some() {
            return None;
        }
        inner.value = Some(value);
        inner.waker.take()
    }

    pub(crate) fn poll_take(&self, cx: &mut Context<'_>) -> Poll<T> {
        let mut inner = lock(&self.inner);
        match inner.value.take() {
            Some(v) => Poll::Ready(v),
            None => {
                match &inner.waker {
                    Some(w) if w.will_wake(cx.waker()) => {}
                    _ => inner.waker = Some(cx.waker().clone()),
                }
                note_wait();
                Poll::Pending
            }
        }
    }
}

/// Locks a mutex, recovering the data if a panicking thread poisoned it (the
/// state it guards stays consistent at every await point).
pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// A flag set once and observed by any number of waiters (the driver's exit).
#[derive(Debug, Default)]
pub(crate) struct Latch {
    inner: Mutex<(bool, Vec<Waker>)>,
}

impl Latch {
    /// Sets the flag and wakes every waiter.
    pub(crate) fn set(&self) {
        let wakers = {
            let mut inner = lock(&self.inner);
            inner.0 = true;
            std::mem::take(&mut inner.1)
        };
        for w in wakers {
            w.wake();
        }
    }

    pub(crate) fn poll_wait(&self, cx: &mut Context<'_>) -> Poll<()> {
        let mut inner = lock(&self.inner);
        if inner.0 {
            return Poll::Ready(());
        }
        if !inner.1.iter().any(|w| w.will_wake(cx.waker())) {
            inner.1.push(cx.waker().clone());
        }
        Poll::Pending
    }
}
