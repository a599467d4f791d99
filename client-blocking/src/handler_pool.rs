//! The shared handler pool ([`BlockingOptions::handler_threads`]): the
//! handlers of a client's handler subscriptions run on a few threads instead
//! of a thread each.
//!
//! Each pooled subscription is a [`PoolTask`] whose waker is the task itself.
//! The subscription's delivery queue wakes it when a message arrives or the
//! subscription ends; waking puts it on the pool's ready queue once (its
//! [state](PoolTask::state) says whether it is queued or running already). A
//! pool thread takes it and hands its handler up to [`BUDGET`] messages, then
//! queues it again behind the others if more are waiting, so a busy
//! subscription cannot starve the rest. Only one thread runs a task at a time,
//! which keeps each subscription's messages in order and its handler on one
//! message at a time.
//!
//! The threads start with the first pooled subscription and end when none is
//! left (each one ended: unsubscribed, drained, closed, or its handler
//! panicked).
//!
//! [`BlockingOptions::handler_threads`]: crate::BlockingOptions::handler_threads

use crate::driver::lock;
use crate::error::JoinError;
use natrs_client::{Message, Subscriber};
use std::cell::Cell;
use std::collections::VecDeque;
use std::io;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Wake, Waker};
use std::thread;

/// Messages a pool thread hands one subscription's handler before it lets
/// the other ready subscriptions have their turn.
const BUDGET: usize = 64;

/// A pooled subscription's handler.
pub(crate) type Handler = Box<dyn FnMut(Message) + Send>;

/// Not queued and not running: the delivery queue holds the task's waker.
const IDLE: u8 = 0;
/// On the ready queue.
const QUEUED: u8 = 1;
/// A pool thread runs it.
const RUNNING: u8 = 2;
/// A pool thread runs it, and it was woken meanwhile: look again before idling.
const NOTIFIED: u8 = 3;
/// The subscription ended and its handler is gone.
const DONE: u8 = 4;

thread_local! {
    /// The task the current pool thread runs, to tell a handler joining its
    /// own subscription.
    static CURRENT: Cell<*const PoolTask> = const { Cell::new(std::ptr::null()) };
}

/// A client's handler pool; clones share it.
#[derive(Clone)]
pub(crate) struct HandlerPool {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for HandlerPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HandlerPool")
            .field("threads", &self.shared.threads)
            .finish_non_exhaustive()
    }
}

struct Shared {
    /// Threads the pool runs at most.
    threads: usize,
    state: Mutex<PoolState>,
    /// Signalled when a task is queued (to an idle thread) or the last
    /// subscription ended (to all of them).
    work: Condvar,
}

struct PoolState {
    ready: VecDeque<Arc<PoolTask>>,
    /// Pooled subscriptions that have not ended.
    live: usize,
    /// Pool threads running.
    running: usize,
    /// Pool threads waiting for work.
    idle: usize,
    /// Threads started so far, to number their names.
    started: u64,
}

impl HandlerPool {
    /// A pool of `threads` threads (at least one), none started yet.
    pub(crate) fn new(threads: usize) -> HandlerPool {
        HandlerPool {
            shared: Arc::new(Shared {
                threads: threads.max(1),
                state: Mutex::new(PoolState {
                    ready: VecDeque::new(),
                    live: 0,
                    running: 0,
                    idle: 0,
                    started: 0,
                }),
                work: Condvar::new(),
            }),
        }
    }

    /// Runs `handler` for every message of `sub` on the pool, starting its
    /// threads if none run. Fails only when no pool thread runs and none can
    /// be started.
    pub(crate) fn add(&self, sub: Arc<Subscriber>, handler: Handler) -> io::Result<Arc<PoolTask>> {
        let task = Arc::new(PoolTask {
            sub,
            handler: Mutex::new(Some(handler)),
            state: AtomicU8::new(IDLE),
            pool: self.shared.clone(),
            outcome: Mutex::new(None),
            ended: Condvar::new(),
        });
        {
            let mut st = lock(&self.shared.state);
            while st.running < self.shared.threads {
                let shared = self.shared.clone();
                let spawned = thread::Builder::new()
                    .name(format!("natrs-handlers-{}", st.started))
                    .spawn(move || work(shared));
                match spawned {
                    Ok(_) => {
                        st.running += 1;
                        st.started += 1;
                    }
                    Err(e) if st.running == 0 => return Err(e),
                    // Fewer threads than asked for still run every handler.
                    Err(_) => break,
                }
            }
            st.live += 1;
        }
        // The first run registers the waker (and hands over what came already).
        task.wake_by_ref();
        Ok(task)
    }
}

/// What a pool thread does: runs ready tasks until no pooled subscription
/// is left.
fn work(shared: Arc<Shared>) {
    let mut batch = VecDeque::new();
    let mut st = lock(&shared.state);
    loop {
        if !st.ready.is_empty() {
            // Its share of what is ready, taken under one lock.
            let share = st.ready.len().div_ceil(shared.threads);
            batch.extend(st.ready.drain(..share));
            drop(st);
            while let Some(task) = batch.pop_front() {
                task.run();
                // The last reference may go here, and with it the subscription.
                drop(task);
            }
            st = lock(&shared.state);
        } else if st.live == 0 {
            st.running -= 1;
            return;
        } else {
            st.idle += 1;
            st = shared.work.wait(st).unwrap_or_else(PoisonError::into_inner);
            st.idle -= 1;
        }
    }
}

/// How a pooled subscription's handler ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// The subscription ended and the handler had every message.
    Returned,
    /// The handler panicked; the subscription was unsubscribed.
    Panicked,
}

/// One pooled handler subscription: its subscription, handler and
/// scheduling state; its own waker.
pub(crate) struct PoolTask {
    sub: Arc<Subscriber>,
    /// Taken by the one thread that runs the task; `None` once it ended.
    handler: Mutex<Option<Handler>>,
    /// [`IDLE`], [`QUEUED`], [`RUNNING`], [`NOTIFIED`] or [`DONE`].
    state: AtomicU8,
    pool: Arc<Shared>,
    outcome: Mutex<Option<Outcome>>,
    ended: Condvar,
}

impl std::fmt::Debug for PoolTask {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PoolTask")
            .field("sid", &self.sub.sid())
            .field("state", &self.state.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl Wake for PoolTask {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        let mut state = self.state.load(Ordering::Acquire);
        loop {
            let next = match state {
                IDLE => QUEUED,
                RUNNING => NOTIFIED,
                // Queued, noticed or ended already.
                _ => return,
            };
            match self
                .state
                .compare_exchange_weak(state, next, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => {
                    if next == QUEUED {
                        self.enqueue();
                    }
                    return;
                }
                Err(now) => state = now,
            }
        }
    }
}

impl PoolTask {
    /// Puts the task (in state [`QUEUED`]) on the ready queue.
    fn enqueue(self: &Arc<Self>) {
        let mut st = lock(&self.pool.state);
        st.ready.push_back(self.clone());
        let idle = st.idle > 0;
        drop(st);
        if idle {
            self.pool.work.notify_one();
        }
    }

    /// Hands the handler the messages waiting, up to [`BUDGET`] of them.
    fn run(self: &Arc<Self>) {
        self.state.store(RUNNING, Ordering::Release);
        let waker = Waker::from(self.clone());
        let mut cx = Context::from_waker(&waker);
        let mut slot = lock(&self.handler);
        let Some(handler) = slot.as_mut() else {
            // Ended already (not reached: an ended task is never queued).
            self.state.store(DONE, Ordering::Release);
            return;
        };
        let _current = Current::enter(self);
        let mut budget = BUDGET;
        loop {
            match self.sub.poll_next_message(&mut cx) {
                Poll::Ready(Some(msg)) => {
                    if catch_unwind(AssertUnwindSafe(|| handler(msg))).is_err() {
                        // The panic hook reported it; the server stops sending.
                        let _ = self.sub.unsubscribe_now();
                        self.finish(slot, Outcome::Panicked);
                        return;
                    }
                    budget -= 1;
                    if budget == 0 {
                        // Behind the others; a wake meanwhile finds it queued.
                        self.state.store(QUEUED, Ordering::Release);
                        drop(slot);
                        self.enqueue();
                        return;
                    }
                }
                Poll::Ready(None) => {
                    self.finish(slot, Outcome::Returned);
                    return;
                }
                Poll::Pending => {
                    match self.state.compare_exchange(
                        RUNNING,
                        IDLE,
                        Ordering::AcqRel,
                        Ordering::Acquire,
                    ) {
                        Ok(_) => return,
                        // Woken after the poll registered the waker: poll again.
                        Err(_) => self.state.store(RUNNING, Ordering::Release),
                    }
                }
            }
        }
    }

    /// Ends the task: drops the handler, tells joiners, and lets the pool
    /// threads go when it was the last subscription.
    fn finish(&self, mut slot: MutexGuard<'_, Option<Handler>>, outcome: Outcome) {
        self.state.store(DONE, Ordering::Release);
        // What the handler captured goes now, as when a handler thread ends;
        // a panic in its drop does not take the pool thread with it.
        let handler = slot.take();
        drop(slot);
        let _ = catch_unwind(AssertUnwindSafe(move || drop(handler)));
        *lock(&self.outcome) = Some(outcome);
        self.ended.notify_all();
        let mut st = lock(&self.pool.state);
        st.live -= 1;
        let last = st.live == 0;
        drop(st);
        if last {
            self.pool.work.notify_all();
        }
    }

    /// Whether the calling thread is running this task's handler.
    pub(crate) fn is_current(&self) -> bool {
        CURRENT.with(|c| std::ptr::eq(c.get(), self))
    }

    /// Waits until the subscription ended and the handler returned from its
    /// last message.
    pub(crate) fn join(&self) -> Result<(), JoinError> {
        if self.is_current() {
            return Err(JoinError::FromHandler);
        }
        let mut outcome = lock(&self.outcome);
        loop {
            match *outcome {
                Some(Outcome::Returned) => return Ok(()),
                Some(Outcome::Panicked) => return Err(JoinError::Panicked),
                None => {
                    outcome = self
                        .ended
                        .wait(outcome)
                        .unwrap_or_else(PoisonError::into_inner)
                }
            }
        }
    }
}

/// Marks the task the current thread runs while it lives.
struct Current;

impl Current {
    fn enter(task: &Arc<PoolTask>) -> Current {
        CURRENT.with(|c| c.set(Arc::as_ptr(task)));
        Current
    }
}

impl Drop for Current {
    fn drop(&mut self) {
        CURRENT.with(|c| c.set(std::ptr::null()));
    }
}
