//! The parking executor of every blocking API (natrs-blocking and
//! natrs-jetstream's blocking facade): runs one of natrs-client's futures to
//! completion on the calling thread, parking the thread between polls.
//!
//! natrs-client's futures complete through wakers called by the driver; here
//! the waker unparks the waiting thread. Nothing in it belongs to an async
//! runtime, so it works on any thread, including a tokio or async-std worker
//! (it then blocks that worker, as any blocking call does).

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::{Pin, pin};
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};
use std::time::{Duration, Instant};

/// Unparks one thread.
struct Unparker(Thread);

impl Wake for Unparker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

thread_local! {
    /// The calling thread's waker, made once per thread.
    static WAKER: Waker = thread_waker();
    /// How many times this thread waited in [`block_on`] or
    /// [`block_on_until`] (for a future not ready at once).
    static WAITS: Cell<u64> = const { Cell::new(0) };
    /// Whether this thread is inside a poll of [`run`], and what to do once
    /// that poll returned (see [`after_poll`]).
    static POLLING: Cell<bool> = const { Cell::new(false) };
    static AFTER_POLL: RefCell<Vec<Box<dyn FnOnce()>>> = const { RefCell::new(Vec::new()) };
}

/// Runs `f` on this thread once the poll it is in returns, when the thread
/// is polling a future in [`block_on`] or [`block_on_until`]; otherwise
/// hands `f` back.
///
/// A driver's waker called from inside such a poll (a request written to
/// the core) uses it to write the bytes on this thread right after the poll,
/// before the thread parks, instead of waking the driver's thread to do it:
/// one context switch less per request. Nothing is held at that point: no
/// lock the poll took, no borrow of the future.
pub fn after_poll(f: Box<dyn FnOnce()>) -> Result<(), Box<dyn FnOnce()>> {
    if !POLLING.try_with(Cell::get).unwrap_or(false) {
        return Err(f);
    }
    let mut f = Some(f);
    let _ = AFTER_POLL.try_with(|a| {
        if let Ok(mut a) = a.try_borrow_mut() {
            a.extend(f.take());
        }
    });
    f.map_or(Ok(()), Err)
}

/// One poll of `fut`, then what [`after_poll`] deferred during it. A poll
/// nested in it (a `block_on` inside a future) keeps its own list, run
/// before that inner poll's thread parks.
fn poll_once<F: Future + ?Sized>(fut: Pin<&mut F>, cx: &mut Context<'_>) -> Poll<F::Output> {
    /// Restores the outer poll's state once, also when the poll panics (a
    /// panicking poll's deferred work is then dropped, not run).
    struct Scope {
        was_polling: bool,
        /// The outer poll's list, until it is put back.
        outer: Option<Vec<Box<dyn FnOnce()>>>,
    }
    impl Scope {
        fn end(&mut self) -> Vec<Box<dyn FnOnce()>> {
            let Some(outer) = self.outer.take() else {
                return Vec::new();
            };
            let _ = POLLING.try_with(|p| p.set(self.was_polling));
            AFTER_POLL
                .try_with(|a| a.replace(outer))
                .unwrap_or_default()
        }
    }
    impl Drop for Scope {
        fn drop(&mut self) {
            if thread::panicking() {
                drop(self.end());
            }
        }
    }
    let mut scope = Scope {
        was_polling: POLLING.try_with(|p| p.replace(true)).unwrap_or(false),
        outer: Some(AFTER_POLL.try_with(|a| a.take()).unwrap_or_default()),
    };
    let r = fut.poll(cx);
    for f in scope.end() {
        f();
    }
    r
}

/// How many times the current thread has waited for a future (a publish
/// after a wait is an isolated one, worth writing at once).
pub fn waits() -> u64 {
    WAITS.try_with(Cell::get).unwrap_or(0)
}

fn count_wait() {
    let _ = WAITS.try_with(|p| p.set(p.get().wrapping_add(1)));
}

/// A waker that unparks the current thread.
fn thread_waker() -> Waker {
    Waker::from(Arc::new(Unparker(thread::current())))
}

/// Runs `fut` to completion, parking the thread while it is pending.
pub fn block_on<F: Future>(fut: F) -> F::Output {
    let mut fut = pin!(fut);
    loop {
        // Without a deadline `drive` only returns with the output.
        if let Some(v) = drive(fut.as_mut(), None) {
            return v;
        }
    }
}

/// Polls `fut` until it completes (`Some`) or `deadline` passes (`None`),
/// whichever comes first; a `None` deadline waits without limit. After a
/// timeout the future can be polled again later.
pub fn block_on_until<F: Future + ?Sized>(
    fut: Pin<&mut F>,
    deadline: Option<Instant>,
) -> Option<F::Output> {
    drive(fut, deadline)
}

/// [`run`] with the thread's own waker, or a fresh one while the thread's
/// locals are being destroyed.
fn drive<F: Future + ?Sized>(mut fut: Pin<&mut F>, deadline: Option<Instant>) -> Option<F::Output> {
    match WAKER.try_with(|w| run(fut.as_mut(), w, deadline)) {
        Ok(r) => r,
        Err(_) => run(fut, &thread_waker(), deadline),
    }
}

/// How long a waiting thread polls before it parks, when the process may run
/// on more than one CPU: a message or reply that arrives within this time is
/// taken without the cost of parking and being unparked (two context
/// switches and a futex call on each side).
///
/// Measured with nats-bench's pubsub (1M messages, medians of 3 runs on a
/// busy 2-CPU machine): without spinning 31k context switches and 453 ms of
/// CPU; with 5 µs 15k and 421 ms; with 20 µs 5k and 433 ms.
const SPIN_BUDGET: Duration = Duration::from_micros(5);

/// Whether spinning can pay off: never on a single CPU, where the thread that
/// would complete the future cannot run while this one spins.
fn may_spin() -> bool {
    static MANY_CPUS: OnceLock<bool> = OnceLock::new();
    *MANY_CPUS.get_or_init(|| thread::available_parallelism().is_ok_and(|n| n.get() > 1))
}

/// Calls `ready` with short pauses in between until it gives a value or the
/// spin budget is spent (at once on a single CPU).
pub fn spin_until<T>(mut ready: impl FnMut() -> Option<T>) -> Option<T> {
    if !may_spin() {
        return None;
    }
    let start = Instant::now();
    loop {
        for _ in 0..16 {
            std::hint::spin_loop();
        }
        if let Some(v) = ready() {
            return Some(v);
        }
        if start.elapsed() >= SPIN_BUDGET {
            return None;
        }
    }
}

/// Polls `fut` with `waker`, parking in between, until it completes
/// (`Some`) or `deadline` passes (`None`; never without a deadline).
fn run<F: Future + ?Sized>(
    mut fut: Pin<&mut F>,
    waker: &Waker,
    deadline: Option<Instant>,
) -> Option<F::Output> {
    let mut cx = Context::from_waker(waker);
    if let Poll::Ready(v) = poll_once(fut.as_mut(), &mut cx) {
        return Some(v);
    }
    count_wait();
    if let Some(v) = spin_until(|| match poll_once(fut.as_mut(), &mut cx) {
        Poll::Ready(v) => Some(v),
        Poll::Pending => None,
    }) {
        return Some(v);
    }
    loop {
        // A wake-up may be spurious (or meant for an earlier wait): the loop
        // polls again either way.
        match deadline {
            None => thread::park(),
            Some(d) => {
                let now = Instant::now();
                if now >= d {
                    return None;
                }
                thread::park_timeout(d - now);
            }
        }
        if let Poll::Ready(v) = poll_once(fut.as_mut(), &mut cx) {
            return Some(v);
        }
    }
}

/// The instant `timeout` from now, or `None` if that is too far to represent
/// (waiting without limit is then the same thing).
pub fn deadline_after(timeout: std::time::Duration) -> Option<Instant> {
    Instant::now().checked_add(timeout)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::future::poll_fn;
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::Duration;

    /// A one-shot flag another thread sets, waking the waiter.
    #[derive(Default)]
    struct Flag {
        set: AtomicBool,
        waker: Mutex<Option<Waker>>,
    }

    impl Flag {
        fn set(&self) {
            self.set.store(true, Ordering::SeqCst);
            if let Some(w) = self.waker.lock().unwrap().take() {
                w.wake();
            }
        }

        fn poll(&self, cx: &mut Context<'_>) -> Poll<()> {
            *self.waker.lock().unwrap() = Some(cx.waker().clone());
            if self.set.load(Ordering::SeqCst) {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        }
    }

    #[test]
    fn work_deferred_during_a_poll_runs_after_it_before_parking() {
        // Outside a poll nothing is deferred.
        assert!(after_poll(Box::new(|| {})).is_err());
        let log = Arc::new(Mutex::new(Vec::new()));
        let flag = Arc::new(Flag::default());
        let (l, f) = (log.clone(), flag.clone());
        let mut first = true;
        block_on(poll_fn(move |cx| {
            if !first {
                l.lock().unwrap().push("polled again");
                return Poll::Ready(());
            }
            first = false;
            let (l2, f2) = (l.clone(), f.clone());
            // What the poll defers runs once it returned: here it completes
            // the future, so the thread never parks for good.
            after_poll(Box::new(move || {
                l2.lock().unwrap().push("deferred");
                f2.set();
            }))
            .map_err(|_| "not deferred")
            .unwrap();
            l.lock().unwrap().push("poll ends");
            // Registers the waker; the flag is not set yet.
            let _ = f.poll(cx);
            Poll::Pending
        }));
        assert_eq!(
            *log.lock().unwrap(),
            ["poll ends", "deferred", "polled again"]
        );
        assert!(after_poll(Box::new(|| {})).is_err(), "not polling any more");
    }

    #[test]
    fn ready_future_returns_at_once() {
        assert_eq!(block_on(async { 7 }), 7);
    }

    #[test]
    fn wakes_when_another_thread_completes_the_future() {
        let flag = Arc::new(Flag::default());
        let setter = {
            let flag = flag.clone();
            thread::spawn(move || flag.set())
        };
        block_on(poll_fn(|cx| flag.poll(cx)));
        setter.join().unwrap();
    }

    #[test]
    fn deadline_passes_for_a_future_that_never_completes() {
        let start = Instant::now();
        let r = block_on_until(
            pin!(std::future::pending::<()>()),
            Some(start + Duration::from_millis(30)),
        );
        assert_eq!(r, None);
        assert!(start.elapsed() >= Duration::from_millis(30));
    }

    #[test]
    fn a_future_polled_again_after_its_deadline_completes() {
        let flag = Arc::new(Flag::default());
        let mut waiting = pin!(poll_fn(|cx| flag.poll(cx)));
        let r = block_on_until(waiting.as_mut(), Some(Instant::now()));
        assert_eq!(r, None, "not set yet");
        let setter = {
            let flag = flag.clone();
            thread::spawn(move || flag.set())
        };
        // The same future, polled again after its timeout, completes.
        let r = block_on_until(waiting, deadline_after(Duration::from_secs(10)));
        assert_eq!(r, Some(()));
        setter.join().unwrap();
    }
}
