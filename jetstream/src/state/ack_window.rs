//! The bookkeeping of asynchronous publishing as a sans-IO state machine: a
//! bounded window of publishes waiting for their acks, each with a token
//! (its reply subject is `<inbox>.<token>`), a deadline, and an optional
//! waiter `W` (the async layer stores a waker there) that is handed back
//! when the publish completes, so the caller can wake it.
//!
//! A publish can carry what it takes to send it again (`M`) and a number of
//! retries: when nobody answered it (503, no stream listening, as during a
//! stream leader election), [`AckWindow::retry`] schedules it to be sent
//! again after the retry wait, within its deadline, under the same token.

use crate::error::Error;
use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// How a publish ended.
pub type AckResult<A> = Result<A, Error>;

#[derive(Debug)]
enum Entry<A, W, M> {
    /// Sent, no answer yet.
    Waiting {
        /// `None`: a timeout too long for the clock, which never passes.
        deadline: Option<Instant>,
        waiter: Option<W>,
        /// Nobody will take the result.
        abandoned: bool,
        /// What to send again, and how many more times.
        resend: Option<(M, u32)>,
    },
    /// Answered; the result waits to be taken.
    Done(AckResult<A>),
    /// Taken or abandoned.
    Gone,
}

/// Publishes in flight, bounded by `max_pending`. `A` is the ack type, `W`
/// a waiter, `M` what a publish that may be retried is sent again with.
#[derive(Debug)]
pub struct AckWindow<A, W, M = ()> {
    max_pending: usize,
    timeout: Duration,
    retry_wait: Duration,
    /// Retries due, in time order (one wait for all), by token.
    retries: VecDeque<(Instant, u64)>,
    base: u64,
    entries: VecDeque<Entry<A, W, M>>,
    waiting: usize,
    /// Token before which no publish is waiting (entries only ever leave
    /// the waiting state, so this only moves forward).
    cursor: u64,
    /// Waiting publishes that have a waiter.
    with_waiter: usize,
}

impl<A, W, M> AckWindow<A, W, M> {
    /// A window of at most `max_pending` publishes waiting, each for at most
    /// `timeout`. Tokens start at 1.
    pub fn new(max_pending: usize, timeout: Duration) -> AckWindow<A, W, M> {
        AckWindow {
            max_pending: max_pending.max(1),
            timeout,
            retry_wait: Duration::ZERO,
            retries: VecDeque::new(),
            base: 1,
            entries: VecDeque::new(),
            waiting: 0,
            cursor: 1,
            with_waiter: 0,
        }
    }

    /// Sets the wait before a publish is sent again ([`retry`](AckWindow::retry)).
    pub fn with_retry_wait(mut self, wait: Duration) -> AckWindow<A, W, M> {
        self.retry_wait = wait;
        self
    }

    /// Publishes waiting for their ack.
    pub fn waiting(&self) -> usize {
        self.waiting
    }

    /// Whether another publish may start.
    pub fn has_room(&self) -> bool {
        self.waiting < self.max_pending
    }

    /// The most publishes waiting at once.
    pub fn max_pending(&self) -> usize {
        self.max_pending
    }

    fn index(&self, token: u64) -> Option<usize> {
        let i = usize::try_from(token.checked_sub(self.base)?).ok()?;
        (i < self.entries.len()).then_some(i)
    }

    /// Moves the cursor past entries that are not waiting; returns the
    /// index of the first waiting entry.
    fn first_waiting(&mut self) -> Option<usize> {
        self.cursor = self.cursor.max(self.base);
        loop {
            let i = self.index(self.cursor)?;
            if matches!(self.entries[i], Entry::Waiting { .. }) {
                return Some(i);
            }
            self.cursor += 1;
        }
    }

    fn compact(&mut self) {
        while matches!(self.entries.front(), Some(Entry::Gone)) {
            self.entries.pop_front();
            self.base += 1;
        }
    }

    /// Starts a publish at `now`: its token, or `None` when the window is full.
    pub fn start(&mut self, now: Instant) -> Option<u64> {
        self.start_entry(now, None)
    }

    /// Starts a publish that may be sent again (with `message`) up to
    /// `retries` times; see [`retry`](AckWindow::retry).
    pub fn start_with_retries(&mut self, now: Instant, message: M, retries: u32) -> Option<u64> {
        self.start_entry(now, (retries > 0).then_some((message, retries)))
    }

    fn start_entry(&mut self, now: Instant, resend: Option<(M, u32)>) -> Option<u64> {
        if !self.has_room() {
            return None;
        }
        let token = self.base + self.entries.len() as u64;
        self.entries.push_back(Entry::Waiting {
            deadline: now.checked_add(self.timeout),
            waiter: None,
            abandoned: false,
            resend,
        });
        self.waiting += 1;
        Some(token)
    }

    /// Nobody answered publish `token` (503): schedules it to be sent again
    /// after the retry wait and returns `true`, if it has retries left and
    /// that is before its deadline. Otherwise `false`: resolve it.
    pub fn retry(&mut self, now: Instant, token: u64) -> bool {
        // A wait too long for the clock is a retry that never comes.
        let Some(at) = now.checked_add(self.retry_wait) else {
            return false;
        };
        let Some(i) = self.index(token) else {
            return false;
        };
        match &mut self.entries[i] {
            Entry::Waiting {
                deadline,
                resend: Some((_, left)),
                ..
            } if *left > 0 && deadline.is_none_or(|d| at < d) => {
                *left -= 1;
                self.retries.push_back((at, token));
                true
            }
            _ => false,
        }
    }

    /// The publishes whose retry is due at `now`, with what to send (under
    /// the same token).
    pub fn due_retries(&mut self, now: Instant) -> Vec<(u64, M)>
    where
        M: Clone,
    {
        let mut due = Vec::new();
        while let Some(&(at, token)) = self.retries.front() {
            if at > now {
                break;
            }
            self.retries.pop_front();
            if let Some(i) = self.index(token) {
                if let Entry::Waiting {
                    resend: Some((m, _)),
                    ..
                } = &self.entries[i]
                {
                    due.push((token, m.clone()));
                }
            }
        }
        due
    }

    /// The waiter of the oldest waiting publish that has one.
    pub fn any_waiter(&mut self) -> Option<&W> {
        if self.with_waiter == 0 {
            return None;
        }
        let first = self.first_waiting()?;
        self.entries.range(first..).find_map(|e| match e {
            Entry::Waiting {
                waiter: Some(w), ..
            } => Some(w),
            _ => None,
        })
    }

    /// Takes back a publish that could not be sent.
    pub fn cancel(&mut self, token: u64) {
        if let Some(i) = self.index(token) {
            if let Entry::Waiting { waiter, .. } = &self.entries[i] {
                self.waiting -= 1;
                if waiter.is_some() {
                    self.with_waiter -= 1;
                }
            }
            self.entries[i] = Entry::Gone;
            self.compact();
        }
    }

    /// Stores the waiter of a publish still waiting (replacing the previous
    /// one); returns `false` when it is not waiting any more.
    pub fn set_waiter(&mut self, token: u64, w: W) -> bool {
        match self.index(token).map(|i| &mut self.entries[i]) {
            Some(Entry::Waiting { waiter, .. }) => {
                if waiter.replace(w).is_none() {
                    self.with_waiter += 1;
                }
                true
            }
            _ => false,
        }
    }

    fn settle(&mut self, i: usize, result: AckResult<A>) -> Option<W> {
        let entry = std::mem::replace(&mut self.entries[i], Entry::Gone);
        match entry {
            Entry::Waiting {
                waiter, abandoned, ..
            } => {
                self.waiting -= 1;
                if waiter.is_some() {
                    self.with_waiter -= 1;
                }
                if !abandoned {
                    self.entries[i] = Entry::Done(result);
                }
                waiter
            }
            other => {
                self.entries[i] = other;
                None
            }
        }
    }

    /// Records the answer to publish `token`; returns its waiter to wake.
    /// Answers to unknown or settled tokens are ignored.
    pub fn resolve(&mut self, token: u64, result: AckResult<A>) -> Option<W> {
        let i = self.index(token)?;
        let w = self.settle(i, result);
        self.compact();
        w
    }

    /// Takes the result of publish `token` once it is settled.
    pub fn take(&mut self, token: u64) -> Option<AckResult<A>> {
        let i = self.index(token)?;
        if !matches!(self.entries[i], Entry::Done(_)) {
            return None;
        }
        match std::mem::replace(&mut self.entries[i], Entry::Gone) {
            Entry::Done(r) => {
                self.compact();
                Some(r)
            }
            _ => None,
        }
    }

    /// Nobody will take the result of `token` (its future was dropped); it
    /// still counts against the window until it is answered or expires.
    pub fn abandon(&mut self, token: u64) {
        let Some(i) = self.index(token) else { return };
        match &mut self.entries[i] {
            Entry::Waiting {
                abandoned, waiter, ..
            } => {
                *abandoned = true;
                if waiter.take().is_some() {
                    self.with_waiter -= 1;
                }
            }
            _ => {
                self.entries[i] = Entry::Gone;
                self.compact();
            }
        }
    }

    /// Fails every waiting publish with `error` (the connection was lost, so
    /// their acks will not come); returns their waiters.
    pub fn fail_all(&mut self, error: &Error) -> Vec<W> {
        let mut woken = Vec::new();
        if let Some(first) = self.first_waiting() {
            for i in first..self.entries.len() {
                if matches!(self.entries[i], Entry::Waiting { .. }) {
                    woken.extend(self.settle(i, Err(error.clone())));
                }
            }
        }
        self.compact();
        woken
    }

    /// The earliest deadline of a waiting publish, or retry.
    pub fn poll_timeout(&mut self) -> Option<Instant> {
        let retry = self.retries.front().map(|&(at, _)| at);
        let deadline = self.first_waiting().and_then(|i| match &self.entries[i] {
            Entry::Waiting { deadline, .. } => *deadline,
            _ => None,
        });
        match (deadline, retry) {
            (Some(d), Some(r)) => Some(d.min(r)),
            (d, r) => d.or(r),
        }
    }

    /// Fails the publishes whose deadline passed with [`Error::TimedOut`];
    /// returns their waiters.
    pub fn expire(&mut self, now: Instant) -> Vec<W> {
        let mut woken = Vec::new();
        let Some(first) = self.first_waiting() else {
            return woken;
        };
        for i in first..self.entries.len() {
            match &self.entries[i] {
                Entry::Waiting {
                    deadline: Some(deadline),
                    ..
                } if *deadline <= now => {
                    woken.extend(self.settle(i, Err(Error::TimedOut(self.timeout))));
                }
                // Deadlines grow with the tokens (one timeout for all;
                // none is the latest).
                Entry::Waiting { .. } => break,
                _ => {}
            }
        }
        self.compact();
        woken
    }

    /// Whether nothing is waiting and no result is left to take.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type W = AckWindow<u64, &'static str>;

    #[test]
    fn bounded_and_in_order() {
        let t0 = Instant::now();
        let mut w = W::new(2, Duration::from_secs(5));
        let a = w.start(t0).unwrap();
        let b = w.start(t0).unwrap();
        assert_eq!((a, b), (1, 2));
        assert!(!w.has_room());
        assert_eq!(w.start(t0), None);
        assert!(w.set_waiter(a, "A"));
        assert_eq!(w.take(a), None);
        assert_eq!(w.resolve(a, Ok(10)), Some("A"));
        assert!(w.has_room());
        assert_eq!(w.take(a), Some(Ok(10)));
        assert_eq!(w.take(a), None);
        // Out of order answers.
        let c = w.start(t0).unwrap();
        assert_eq!(w.resolve(c, Ok(12)), None);
        assert_eq!(w.resolve(b, Ok(11)), None);
        assert_eq!(w.take(c), Some(Ok(12)));
        assert_eq!(w.take(b), Some(Ok(11)));
        assert!(w.is_empty());
        // Late or unknown answers are ignored.
        assert_eq!(w.resolve(b, Ok(0)), None);
        assert_eq!(w.resolve(99, Ok(0)), None);
    }

    #[test]
    fn abandoned_publishes_hold_the_window_until_answered() {
        let t0 = Instant::now();
        let mut w = W::new(1, Duration::from_secs(5));
        let a = w.start(t0).unwrap();
        w.abandon(a);
        assert!(!w.has_room());
        w.resolve(a, Ok(1));
        assert!(w.has_room());
        assert!(w.is_empty());
    }

    #[test]
    fn disconnect_fails_everything_waiting() {
        let t0 = Instant::now();
        let mut w = W::new(10, Duration::from_secs(5));
        let a = w.start(t0).unwrap();
        let b = w.start(t0).unwrap();
        let c = w.start(t0).unwrap();
        w.set_waiter(a, "A");
        w.set_waiter(c, "C");
        w.resolve(b, Ok(2));
        let woken = w.fail_all(&Error::Disconnected);
        assert_eq!(woken, vec!["A", "C"]);
        assert_eq!(w.take(a), Some(Err(Error::Disconnected)));
        assert_eq!(w.take(b), Some(Ok(2)));
        assert_eq!(w.take(c), Some(Err(Error::Disconnected)));
        assert_eq!(w.waiting(), 0);
    }

    #[test]
    fn retries_within_the_deadline() {
        let t0 = Instant::now();
        let mut w: AckWindow<u64, &str, &str> =
            AckWindow::new(10, Duration::from_secs(1)).with_retry_wait(Duration::from_millis(300));
        let a = w.start_with_retries(t0, "msg a", 5).unwrap();
        let b = w.start(t0).unwrap();
        w.set_waiter(a, "A");
        // b has no retries; a is sent again after the wait, same token.
        assert!(!w.retry(t0, b));
        assert!(w.retry(t0, a));
        let t1 = t0 + Duration::from_millis(300);
        assert_eq!(w.poll_timeout(), Some(t1));
        assert!(w.due_retries(t1 - Duration::from_millis(1)).is_empty());
        assert_eq!(w.due_retries(t1), vec![(a, "msg a")]);
        assert_eq!(w.waiting(), 2);
        // Until the next wait would pass the deadline (t0 + 1 s).
        assert!(w.retry(t1, a));
        let t2 = t1 + Duration::from_millis(300);
        assert_eq!(w.due_retries(t2), vec![(a, "msg a")]);
        assert!(!w.retry(t2 + Duration::from_millis(100), a));
        assert_eq!(w.resolve(a, Err(Error::NoStreamResponse)), Some("A"));
        // A retry of a publish settled meanwhile is dropped.
        let c = w.start_with_retries(t2, "msg c", 1).unwrap();
        assert!(w.retry(t2, c));
        w.resolve(c, Ok(3));
        assert!(w.due_retries(t2 + Duration::from_secs(1)).is_empty());
    }

    #[test]
    fn a_retry_wait_too_long_for_the_clock_is_no_retry() {
        let t0 = Instant::now();
        let mut w: AckWindow<u64, &str, &str> =
            AckWindow::new(10, Duration::from_secs(1)).with_retry_wait(Duration::MAX);
        let a = w.start_with_retries(t0, "msg a", 5).unwrap();
        // The retry would come after the publish's deadline.
        assert!(!w.retry(t0, a));
        assert_eq!(w.poll_timeout(), Some(t0 + Duration::from_secs(1)));
    }

    #[test]
    fn a_timeout_too_long_for_the_clock_is_no_deadline() {
        let t0 = Instant::now();
        let mut w: AckWindow<u64, &str, &str> =
            AckWindow::new(10, Duration::MAX).with_retry_wait(Duration::from_secs(1));
        let a = w.start_with_retries(t0, "msg a", 1).unwrap();
        assert_eq!(w.poll_timeout(), None);
        assert!(
            w.expire(t0 + Duration::from_secs(86400 * 365 * 100))
                .is_empty()
        );
        // Any retry comes before no deadline.
        assert!(w.retry(t0, a));
        assert_eq!(w.poll_timeout(), Some(t0 + Duration::from_secs(1)));
        assert_eq!(w.waiting(), 1);
    }

    #[test]
    fn deadlines() {
        let t0 = Instant::now();
        let mut w = W::new(10, Duration::from_secs(5));
        let a = w.start(t0).unwrap();
        let b = w.start(t0 + Duration::from_secs(2)).unwrap();
        assert_eq!(w.poll_timeout(), Some(t0 + Duration::from_secs(5)));
        assert!(w.expire(t0 + Duration::from_secs(4)).is_empty());
        w.set_waiter(a, "A");
        assert_eq!(w.expire(t0 + Duration::from_secs(5)), vec!["A"]);
        assert_eq!(
            w.take(a),
            Some(Err(Error::TimedOut(Duration::from_secs(5))))
        );
        assert_eq!(w.poll_timeout(), Some(t0 + Duration::from_secs(7)));
        w.cancel(b);
        assert_eq!(w.poll_timeout(), None);
        assert!(w.is_empty());
    }
}
