//! A wake-up flag for the driver: set by any handle, awaited by the driver.

use atomic_waker::AtomicWaker;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};

/// Tells the driver that there is something to write or a command to carry
/// out. Setting it twice before the driver looks wakes the driver once.
#[derive(Debug, Default)]
pub(crate) struct Signal {
    set: AtomicBool,
    waker: AtomicWaker,
}

impl Signal {
    /// Sets the flag and wakes the driver.
    pub(crate) fn notify(&self) {
        if !self.set.swap(true, Ordering::AcqRel) {
            self.waker.wake();
        }
    }

    /// Takes the flag: `Ready` if it was set since the last call, else
    /// registers the waker and returns `Pending`.
    pub(crate) fn poll_take(&self, cx: &mut Context<'_>) -> Poll<()> {
        if self.set.swap(false, Ordering::AcqRel) {
            return Poll::Ready(());
        }
        self.waker.register(cx.waker());
        if self.set.swap(false, Ordering::AcqRel) {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}
