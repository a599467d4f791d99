//! A [`Transport`] for unit tests that need to order wake-ups exactly: it
//! records publishes, delivers messages only when a test says so, and can
//! run a hook the moment a subscription is found empty (to land a wake-up
//! in the middle of somebody's poll). Its timers never fire, its requests
//! fail unless a test set an answerer (then each gets its answer at once), a
//! `request_many` yields the replies a test queued (and fails when none
//! were) and its connection never changes.

use crate::transport::{ConnectionEvent, MessageStream, Transport};
use bytes::Bytes;
use futures_core::Stream;
use natrs_client::{Error, HeaderMap, Message, RequestError, Subject};
use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

fn lock<X>(m: &Mutex<X>) -> MutexGuard<'_, X> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Messages waiting on one subscription.
#[derive(Default)]
struct Queue {
    messages: VecDeque<Message>,
    waker: Option<Waker>,
    /// Runs (once) when the subscription is next found empty.
    on_empty: Option<Box<dyn FnOnce() + Send>>,
}

#[derive(Default)]
struct State {
    /// Subject and reply subject of every publish.
    published: Vec<(String, Option<String>)>,
    /// The subscriptions made, with their subjects.
    subscriptions: Vec<(String, Arc<Mutex<Queue>>)>,
    inboxes: u64,
    /// The replies of the next `request_many` calls, one list per call.
    replies: VecDeque<Vec<Message>>,
    /// How many `request`s were answered.
    requests: usize,
}

/// Answers a `request` (subject, payload) with a reply payload or an error.
type Answerer = Arc<dyn Fn(&str, &[u8]) -> Result<String, RequestError> + Send + Sync>;

/// The fake connection; clones share it.
#[derive(Clone, Default)]
pub(crate) struct FakeTransport {
    state: Arc<Mutex<State>>,
    answerer: Option<Answerer>,
}

impl FakeTransport {
    /// A fake whose requests `answer` answers, as often as they are made,
    /// with the payload (or the error) it returns for their subject and
    /// payload.
    pub(crate) fn answering(
        answer: impl Fn(&str, &[u8]) -> Result<String, RequestError> + Send + Sync + 'static,
    ) -> FakeTransport {
        FakeTransport {
            answerer: Some(Arc::new(answer)),
            ..FakeTransport::default()
        }
    }

    /// How many requests were made.
    pub(crate) fn requests(&self) -> usize {
        lock(&self.state).requests
    }

    /// The reply subject of the `n`-th publish (from 0).
    pub(crate) fn reply_of(&self, n: usize) -> String {
        lock(&self.state).published[n]
            .1
            .clone()
            .expect("a publish with a reply subject")
    }

    fn queue_for(&self, subject: &str) -> Arc<Mutex<Queue>> {
        let state = lock(&self.state);
        let matches = |pattern: &str| match pattern.strip_suffix(".*") {
            Some(prefix) => subject
                .strip_prefix(prefix)
                .is_some_and(|rest| rest.starts_with('.') && !rest[1..].contains('.')),
            None => pattern == subject,
        };
        state
            .subscriptions
            .iter()
            .find(|(pattern, _)| matches(pattern))
            .map(|(_, q)| q.clone())
            .expect("a subscription for the subject")
    }

    /// Delivers a message on `subject` to the subscription that takes it,
    /// waking its reader.
    pub(crate) fn deliver(&self, subject: &str, payload: &'static str) {
        let queue = self.queue_for(subject);
        let waker = {
            let mut q = lock(&queue);
            q.messages.push_back(Message {
                subject: Subject::from(subject.to_string()),
                reply: None,
                headers: None,
                payload: Bytes::from_static(payload.as_bytes()),
                length: payload.len(),
            });
            q.waker.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    }

    /// Queues the replies the next unanswered `request_many` yields (then
    /// its end).
    pub(crate) fn queue_replies(&self, replies: Vec<Message>) {
        lock(&self.state).replies.push_back(replies);
    }

    /// Runs `hook` when the subscription taking `subject` is next read
    /// empty, after the read let go of it.
    pub(crate) fn when_empty(&self, subject: &str, hook: impl FnOnce() + Send + 'static) {
        lock(&self.queue_for(subject)).on_empty = Some(Box::new(hook));
    }
}

/// A subscription of the fake.
pub(crate) struct FakeSubscription(Arc<Mutex<Queue>>);

impl Stream for FakeSubscription {
    type Item = Message;
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Message>> {
        let hook = {
            let mut q = lock(&self.0);
            if let Some(m) = q.messages.pop_front() {
                return Poll::Ready(Some(m));
            }
            q.waker = Some(cx.waker().clone());
            q.on_empty.take()
        };
        if let Some(hook) = hook {
            hook();
        }
        Poll::Pending
    }
}

impl MessageStream for FakeSubscription {
    fn drain(&mut self) {}
    fn set_pending_limits(&mut self, _: usize, _: usize) {}
}

/// Never ends and never yields: neither timers nor connection events happen.
pub(crate) struct Never;

impl std::future::Future for Never {
    type Output = ();
    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
        Poll::Pending
    }
}

impl Stream for Never {
    type Item = ConnectionEvent;
    fn poll_next(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<ConnectionEvent>> {
        Poll::Pending
    }
}

/// The replies a test queued for one `request_many`, then the end.
pub(crate) struct Replies(VecDeque<Message>);

impl Stream for Replies {
    type Item = Result<Message, RequestError>;
    fn poll_next(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        Poll::Ready(self.0.pop_front().map(Ok))
    }
}

impl Transport for FakeTransport {
    type Subscription = FakeSubscription;
    type Sleep = Never;
    type Reply = std::future::Ready<Result<Message, RequestError>>;
    type Replies = Replies;
    type Events = Never;

    fn request(
        &self,
        subject: &str,
        payload: Bytes,
        _: Option<HeaderMap>,
        _: Duration,
    ) -> Result<Self::Reply, Error> {
        let answer = self.answerer.as_ref().ok_or(Error::ConnectionClosed)?;
        let answer = answer(subject, &payload);
        lock(&self.state).requests += 1;
        Ok(std::future::ready(answer.map(|body| Message {
            subject: Subject::from(self.new_inbox()),
            reply: None,
            headers: None,
            length: body.len(),
            payload: Bytes::from(body),
        })))
    }

    fn request_many(
        &self,
        _: &str,
        _: Bytes,
        _: Duration,
        _: Option<Duration>,
    ) -> Result<Replies, Error> {
        let replies = lock(&self.state)
            .replies
            .pop_front()
            .ok_or(Error::ConnectionClosed)?;
        Ok(Replies(replies.into()))
    }

    fn publish(
        &self,
        subject: &str,
        reply: Option<&str>,
        _: Option<&HeaderMap>,
        _: &Bytes,
    ) -> Result<(), Error> {
        lock(&self.state)
            .published
            .push((subject.to_string(), reply.map(str::to_string)));
        Ok(())
    }

    fn poll_write_room(&self, _: &mut Context<'_>) -> Poll<()> {
        Poll::Ready(())
    }

    fn subscribe(&self, subject: &str, _: Option<&str>) -> Result<FakeSubscription, Error> {
        let queue = Arc::new(Mutex::new(Queue::default()));
        lock(&self.state)
            .subscriptions
            .push((subject.to_string(), queue.clone()));
        Ok(FakeSubscription(queue))
    }

    fn new_inbox(&self) -> String {
        let mut state = lock(&self.state);
        state.inboxes += 1;
        format!("_INBOX.fake{}", state.inboxes)
    }

    fn sleep_until(&self, _: Instant) -> Never {
        Never
    }

    fn events(&self) -> Never {
        Never
    }

    fn is_connected(&self) -> bool {
        true
    }

    fn request_timeout(&self) -> Duration {
        Duration::from_secs(5)
    }
}
