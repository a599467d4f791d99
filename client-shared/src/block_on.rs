//! Running a future to completion on the current thread by parking it: the
//! futures of natrs complete through wakers (the connection's driver wakes
//! them), so waiting needs no runtime, only a waker that unparks the thread.
//!
//! The blocking facades of natrs-jetstream and natrs-service wait with it.

use std::future::Future;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};
use std::time::Instant;

struct Unpark(Thread);

impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

thread_local! {
    static WAKER: Waker = Waker::from(Arc::new(Unpark(thread::current())));
}

/// Polls `fut` until it completes, parking the thread in between.
///
/// Must not be called from a thread that runs an async executor (it would
/// stop that executor while waiting).
pub fn block_on<F: Future>(fut: F) -> F::Output {
    let mut fut = pin!(fut);
    WAKER.with(|waker| {
        let mut cx = Context::from_waker(waker);
        loop {
            if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
                return v;
            }
            thread::park();
        }
    })
}

/// Polls `fut` until it completes or `deadline` passes (`None`); the future
/// can be polled again later.
pub fn block_on_until<F: Future + ?Sized>(
    mut fut: Pin<&mut F>,
    deadline: Instant,
) -> Option<F::Output> {
    WAKER.with(|waker| {
        let mut cx = Context::from_waker(waker);
        loop {
            if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
                return Some(v);
            }
            let now = Instant::now();
            if now >= deadline {
                return None;
            }
            thread::park_timeout(deadline - now);
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;
    use std::time::Duration;

    /// Completes once another thread set the value.
    struct Shared(Arc<Mutex<(Option<u32>, Option<Waker>)>>);

    impl Future for Shared {
        type Output = u32;
        fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u32> {
            let mut s = self.0.lock().unwrap();
            match s.0 {
                Some(v) => Poll::Ready(v),
                None => {
                    s.1 = Some(cx.waker().clone());
                    Poll::Pending
                }
            }
        }
    }

    #[test]
    fn waits_for_a_wake_from_another_thread() {
        let state = Arc::new(Mutex::new((None, None::<Waker>)));
        let setter = state.clone();
        let t = thread::spawn(move || {
            // Wait until the future registered its waker, then complete it.
            loop {
                let mut s = setter.lock().unwrap();
                if let Some(w) = s.1.take() {
                    s.0 = Some(7);
                    w.wake();
                    return;
                }
                drop(s);
                thread::yield_now();
            }
        });
        assert_eq!(block_on(Shared(state)), 7);
        t.join().unwrap();
    }

    #[test]
    fn deadline_passes() {
        let state = Arc::new(Mutex::new((None, None::<Waker>)));
        let mut fut = Shared(state.clone());
        let start = Instant::now();
        let r = block_on_until(Pin::new(&mut fut), start + Duration::from_millis(20));
        assert_eq!(r, None);
        assert!(start.elapsed() >= Duration::from_millis(20));
        state.lock().unwrap().0 = Some(3);
        assert_eq!(
            block_on_until(Pin::new(&mut fut), Instant::now() + Duration::from_secs(5)),
            Some(3)
        );
        assert_eq!(block_on(async { 5 }), 5);
    }
}
