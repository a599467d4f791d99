//! `natrs-blocking` in the suite: [`SuiteClient`] over its own blocking API
//! (`natrs_blocking::Client`, `Subscription`, `Events`).
//!
//! Calls that wait for the connection (connect, requests, flushes, drain,
//! close) run on a helper thread while the test thread waits for them at
//! most [`GUARD`], so a hang panics like in the async clients. Publishing
//! and subscribing run on the calling thread, as in an application (the
//! crate decides how to write from which thread publishes and whether it
//! waited before), and so does `request_json` (its value and reply types
//! need not be `Send`). A process-wide watchdog bounds those: it aborts the
//! test binary, naming the call, after [`GUARD`] (a thread blocked in the
//! crate cannot be made to panic).

use crate::support::{Bytes, Flood, GUARD, SuiteClient, SuiteEvents, SuiteSubscriber};
use natrs_blocking::{Client, Events, Subscription};
use natrs_client::{
    ClientEvent, CloseReason, ConnectError, ConnectOptions, ConnectionState, DrainError, Error,
    FlushError, HeaderMap, JsonError, Message, Payload, Request, RequestError, RequestManyOptions,
    ServerAddr, ServerInfo, Statistics, SubscriptionEnd,
};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, LazyLock, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// Runs `f` on a helper thread and waits for it at most [`GUARD`], panicking
/// naming `what` if it did not return. On one of the crate's own threads (an
/// event callback) it runs `f` directly: the crate's `close` and `drain`
/// behave differently there, and waiting for another thread would block the
/// driver.
fn guarded<T: Send + 'static>(what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    if on_crate_thread() {
        return f();
    }
    let (tx, rx) = std::sync::mpsc::channel();
    thread::Builder::new()
        .name(format!("suite-{what}"))
        .spawn(move || {
            let _ = tx.send(f());
        })
        .expect("start a helper thread");
    match rx.recv_timeout(GUARD) {
        Ok(v) => v,
        Err(e) => panic!("{what} did not complete within {GUARD:?}: {e}"),
    }
}

/// Whether the current thread is one of natrs-blocking's driver or reader
/// threads.
fn on_crate_thread() -> bool {
    matches!(
        thread::current().name(),
        Some("natrs-driver" | "natrs-reader")
    )
}

/// Calls being watched: id (in start order, hence deadline order) to
/// deadline and name.
struct Watched {
    calls: Mutex<BTreeMap<u64, (Instant, &'static str)>>,
    changed: Condvar,
    next_id: AtomicU64,
}

static WATCHED: LazyLock<&'static Watched> = LazyLock::new(|| {
    let watched: &'static Watched = Box::leak(Box::new(Watched {
        calls: Mutex::new(BTreeMap::new()),
        changed: Condvar::new(),
        next_id: AtomicU64::new(0),
    }));
    thread::Builder::new()
        .name("suite-watchdog".into())
        .spawn(move || watchdog(watched))
        .expect("start the watchdog thread");
    watched
});

/// Aborts the process when the oldest watched call has run for [`GUARD`].
fn watchdog(watched: &Watched) {
    let mut calls = watched.calls.lock().unwrap();
    loop {
        let oldest = calls.first_key_value().map(|(_, v)| *v);
        calls = match oldest {
            None => watched.changed.wait(calls).unwrap(),
            Some((deadline, what)) => {
                let now = Instant::now();
                if now >= deadline {
                    eprintln!("suite: {what} did not complete within {GUARD:?}; aborting");
                    std::process::abort();
                }
                watched
                    .changed
                    .wait_timeout(calls, deadline - now)
                    .unwrap()
                    .0
            }
        };
    }
}

/// Runs `f` on this thread under the watchdog.
fn watched<T>(what: &'static str, f: impl FnOnce() -> T) -> T {
    struct Done(u64);
    impl Drop for Done {
        fn drop(&mut self) {
            WATCHED.calls.lock().unwrap().remove(&self.0);
        }
    }
    let id = WATCHED.next_id.fetch_add(1, Ordering::Relaxed);
    let was_idle = {
        let mut calls = WATCHED.calls.lock().unwrap();
        calls.insert(id, (Instant::now() + GUARD, what));
        calls.len() == 1
    };
    // A later call's deadline is never earlier, so the watchdog only needs
    // telling when it had nothing to watch.
    if was_idle {
        WATCHED.changed.notify_one();
    }
    let _done = Done(id);
    f()
}

/// A `natrs_blocking::Client`.
#[derive(Debug, Clone)]
pub struct BlockingClient {
    client: Client,
}

impl SuiteClient for BlockingClient {
    type Subscriber = BlockingSubscriber;
    type Events = BlockingEvents;

    fn connect(url: &str, options: ConnectOptions) -> Result<Self, ConnectError> {
        let url = url.to_owned();
        guarded("connect", move || {
            natrs_blocking::connect_with_options(url, options)
        })
        .map(|client| BlockingClient { client })
    }

    fn publish<'p>(&self, subject: &str, payload: impl Into<Payload<'p>>) -> Result<(), Error> {
        watched("publish", || self.client.publish(subject, payload))
    }

    fn publish_all(&self, subject: &str, payloads: &[Bytes]) -> Result<(), Error> {
        watched("publish_all", || {
            payloads
                .iter()
                .try_for_each(|payload| self.client.publish(subject, payload))
        })
    }

    fn start_flood(&self, subject: &str, payload: Bytes) -> Flood {
        let (flood, publishing) = Flood::new();
        let client = self.client.clone();
        let subject = subject.to_owned();
        thread::Builder::new()
            .name("suite-flood".into())
            .spawn(move || {
                let result = (|| {
                    while publishing.running() {
                        client.publish(&subject, &payload)?;
                        publishing.published();
                    }
                    Ok(())
                })();
                publishing.finish(result);
            })
            .expect("start the flood thread");
        flood
    }

    fn publish_with_reply(&self, subject: &str, reply: &str, payload: Bytes) -> Result<(), Error> {
        watched("publish_with_reply", || {
            self.client.publish_with_reply(subject, reply, payload)
        })
    }

    fn publish_with_headers(
        &self,
        subject: &str,
        headers: HeaderMap,
        payload: Bytes,
    ) -> Result<(), Error> {
        watched("publish_with_headers", || {
            self.client.publish_with_headers(subject, headers, payload)
        })
    }

    fn publish_with_reply_and_headers(
        &self,
        subject: &str,
        reply: &str,
        headers: HeaderMap,
        payload: Bytes,
    ) -> Result<(), Error> {
        watched("publish_with_reply_and_headers", || {
            self.client
                .publish_with_reply_and_headers(subject, reply, headers, payload)
        })
    }

    fn publish_json<T: serde::Serialize + ?Sized>(
        &self,
        subject: &str,
        value: &T,
    ) -> Result<(), JsonError> {
        watched("publish_json", || self.client.publish_json(subject, value))
    }

    fn subscribe(&self, subject: &str) -> Result<BlockingSubscriber, Error> {
        self.client.subscribe(subject).map(BlockingSubscriber)
    }

    fn queue_subscribe(&self, subject: &str, queue: &str) -> Result<BlockingSubscriber, Error> {
        self.client
            .queue_subscribe(subject, queue)
            .map(BlockingSubscriber)
    }

    fn request(&self, subject: &str, payload: Bytes) -> Result<Message, RequestError> {
        let (client, subject) = (self.client.clone(), subject.to_owned());
        guarded("request", move || client.request(subject, payload))
    }

    fn send_request(&self, subject: &str, request: Request) -> Result<Message, RequestError> {
        let (client, subject) = (self.client.clone(), subject.to_owned());
        guarded("send_request", move || {
            client.send_request(subject, request)
        })
    }

    fn request_json<T, Reply>(&self, subject: &str, value: &T) -> Result<Reply, JsonError>
    where
        T: serde::Serialize + ?Sized,
        Reply: serde::de::DeserializeOwned,
    {
        // `value` and `Reply` need not be `Send`: this one runs on the
        // calling thread, under the watchdog.
        watched("request_json", || self.client.request_json(subject, value))
    }

    fn request_many(
        &self,
        subject: &str,
        request: Request,
        options: RequestManyOptions,
    ) -> Result<Vec<Result<Message, RequestError>>, Error> {
        let (client, subject) = (self.client.clone(), subject.to_owned());
        guarded("request_many", move || {
            client
                .request_many(subject, request, options)
                .map(Iterator::collect)
        })
    }

    fn flush(&self) -> Result<(), FlushError> {
        let client = self.client.clone();
        guarded("flush", move || client.flush())
    }

    fn flush_timeout(&self, timeout: Duration) -> Result<(), FlushError> {
        let client = self.client.clone();
        guarded("flush_timeout", move || client.flush_timeout(timeout))
    }

    fn rtt(&self) -> Result<Duration, FlushError> {
        let client = self.client.clone();
        guarded("rtt", move || client.rtt())
    }

    fn drain(&self) -> Result<(), DrainError> {
        let client = self.client.clone();
        guarded("drain", move || client.drain())
    }

    fn close(&self) {
        let client = self.client.clone();
        guarded("close", move || client.close())
    }

    fn force_reconnect(&self) {
        self.client.force_reconnect()
    }

    fn set_server_pool(&self, addrs: &str) -> Result<(), ConnectError> {
        self.client.set_server_pool(addrs)
    }

    fn events(&self) -> BlockingEvents {
        BlockingEvents(self.client.events())
    }

    fn connection_state(&self) -> ConnectionState {
        self.client.connection_state()
    }

    fn is_closed(&self) -> bool {
        self.client.is_closed()
    }

    fn close_reason(&self) -> Option<CloseReason> {
        self.client.close_reason()
    }

    fn server_info(&self) -> Option<ServerInfo> {
        self.client.server_info()
    }

    fn connected_server(&self) -> Option<ServerAddr> {
        self.client.connected_server()
    }

    fn servers(&self) -> Vec<ServerAddr> {
        self.client.servers()
    }

    fn statistics(&self) -> Statistics {
        self.client.statistics()
    }

    fn write_backlog(&self) -> usize {
        self.client.write_backlog()
    }

    fn max_payload(&self) -> Option<usize> {
        self.client.max_payload()
    }

    fn new_inbox(&self) -> String {
        self.client.new_inbox()
    }
}

/// A `natrs_blocking::Subscription`.
#[derive(Debug)]
pub struct BlockingSubscriber(Subscription);

impl SuiteSubscriber for BlockingSubscriber {
    fn next_timeout(&mut self, timeout: Duration) -> Option<Message> {
        self.0.next_timeout(timeout).ok().flatten()
    }

    fn try_next(&mut self) -> Option<Message> {
        self.0.try_next()
    }

    fn unsubscribe(&mut self) -> Result<(), Error> {
        self.0.unsubscribe()
    }

    fn unsubscribe_after(&mut self, max: u64) -> Result<(), Error> {
        self.0.unsubscribe_after(max)
    }

    fn drain(&mut self) -> Result<(), Error> {
        self.0.drain()
    }

    fn is_finished(&self) -> bool {
        self.0.is_finished()
    }

    fn end_reason(&self) -> Option<SubscriptionEnd> {
        self.0.end_reason()
    }

    fn dropped(&self) -> u64 {
        self.0.dropped()
    }

    fn delivered(&self) -> u64 {
        self.0.delivered()
    }

    fn pending(&self) -> (usize, usize) {
        self.0.pending()
    }

    fn set_pending_limits(&self, messages: usize, bytes: usize) {
        self.0.set_pending_limits(messages, bytes)
    }

    fn sid(&self) -> u64 {
        self.0.sid()
    }

    fn subject(&self) -> String {
        self.0.subject().to_owned()
    }
}

/// A `natrs_blocking::Events`.
#[derive(Debug)]
pub struct BlockingEvents(Events);

impl SuiteEvents for BlockingEvents {
    fn next_timeout(&mut self, timeout: Duration) -> Option<ClientEvent> {
        self.0.next_timeout(timeout).ok().flatten()
    }
}
