//! [`SuiteClient`] for `natrs-tokio`: every call runs to completion on one
//! shared multi-thread tokio runtime (the connection drivers run there too),
//! bounded by [`GUARD`].

use crate::support::{Bytes, GUARD, SuiteClient, SuiteEvents, SuiteSubscriber};
use natrs_tokio::{
    Client, ClientEvent, CloseReason, ConnectError, ConnectOptions, ConnectionState, DrainError,
    Error, EventStream, FlushError, HeaderMap, JsonError, Message, Request, RequestError,
    RequestManyOptions, ServerAddr, ServerInfo, Statistics, Subscriber, SubscriptionEnd,
};
use std::future::{Future, poll_fn};
use std::sync::LazyLock;
use std::time::Duration;

/// The runtime every tokio test client runs on. A static is fine here: it owns
/// only threads, which end with the test process.
static RUNTIME: LazyLock<tokio::runtime::Runtime> = LazyLock::new(|| {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .thread_name("suite-tokio")
        .enable_all()
        .build()
        .expect("build the tokio runtime")
});

/// Runs `future` on the shared runtime, panicking if it takes longer than [`GUARD`].
pub fn block_on<F: Future>(what: &str, future: F) -> F::Output {
    RUNTIME.block_on(async {
        match tokio::time::timeout(GUARD, future).await {
            Ok(v) => v,
            Err(_) => panic!("{what} did not complete within {GUARD:?}"),
        }
    })
}

/// Runs `future` on the shared runtime for at most `timeout`.
fn within<F: Future>(timeout: Duration, future: F) -> Option<F::Output> {
    RUNTIME.block_on(async { tokio::time::timeout(timeout, future).await.ok() })
}

/// A `natrs-tokio` client.
#[derive(Debug, Clone)]
pub struct TokioClient(pub Client);

impl SuiteClient for TokioClient {
    type Subscriber = TokioSubscriber;
    type Events = TokioEvents;

    fn connect(url: &str, options: ConnectOptions) -> Result<Self, ConnectError> {
        block_on("connect", natrs_tokio::connect_with_options(url, options)).map(TokioClient)
    }

    fn publish(&self, subject: &str, payload: Bytes) -> Result<(), Error> {
        block_on("publish", self.0.publish(subject, payload))
    }

    fn publish_with_reply(&self, subject: &str, reply: &str, payload: Bytes) -> Result<(), Error> {
        block_on(
            "publish_with_reply",
            self.0.publish_with_reply(subject, reply, payload),
        )
    }

    fn publish_with_headers(
        &self,
        subject: &str,
        headers: HeaderMap,
        payload: Bytes,
    ) -> Result<(), Error> {
        block_on(
            "publish_with_headers",
            self.0.publish_with_headers(subject, headers, payload),
        )
    }

    fn publish_with_reply_and_headers(
        &self,
        subject: &str,
        reply: &str,
        headers: HeaderMap,
        payload: Bytes,
    ) -> Result<(), Error> {
        block_on(
            "publish_with_reply_and_headers",
            self.0
                .publish_with_reply_and_headers(subject, reply, headers, payload),
        )
    }

    fn publish_json<T: serde::Serialize + ?Sized>(
        &self,
        subject: &str,
        value: &T,
    ) -> Result<(), JsonError> {
        block_on("publish_json", self.0.publish_json(subject, value))
    }

    fn subscribe(&self, subject: &str) -> Result<TokioSubscriber, Error> {
        block_on("subscribe", self.0.subscribe(subject)).map(TokioSubscriber)
    }

    fn queue_subscribe(&self, subject: &str, queue: &str) -> Result<TokioSubscriber, Error> {
        block_on("queue_subscribe", self.0.queue_subscribe(subject, queue)).map(TokioSubscriber)
    }

    fn request(&self, subject: &str, payload: Bytes) -> Result<Message, RequestError> {
        block_on("request", self.0.request(subject, payload))
    }

    fn send_request(&self, subject: &str, request: Request) -> Result<Message, RequestError> {
        block_on("send_request", self.0.send_request(subject, request))
    }

    fn request_json<T, R>(&self, subject: &str, value: &T) -> Result<R, JsonError>
    where
        T: serde::Serialize + ?Sized,
        R: serde::de::DeserializeOwned,
    {
        block_on("request_json", self.0.request_json(subject, value))
    }

    fn request_many(
        &self,
        subject: &str,
        request: Request,
        options: RequestManyOptions,
    ) -> Result<Vec<Result<Message, RequestError>>, Error> {
        block_on("request_many", async {
            let responses = self.0.request_many(subject, request, options).await?;
            let mut out = Vec::new();
            while let Some(r) = poll_fn(|cx| responses.poll_next_reply(cx)).await {
                out.push(r);
            }
            Ok(out)
        })
    }

    fn flush(&self) -> Result<(), FlushError> {
        block_on("flush", self.0.flush())
    }

    fn rtt(&self) -> Result<Duration, FlushError> {
        block_on("rtt", self.0.rtt())
    }

    fn drain(&self) -> Result<(), DrainError> {
        block_on("drain", self.0.drain())
    }

    fn close(&self) {
        block_on("close", self.0.close())
    }

    fn force_reconnect(&self) {
        self.0.force_reconnect()
    }

    fn events(&self) -> TokioEvents {
        TokioEvents(self.0.events())
    }

    fn connection_state(&self) -> ConnectionState {
        self.0.connection_state()
    }

    fn is_closed(&self) -> bool {
        self.0.is_closed()
    }

    fn close_reason(&self) -> Option<CloseReason> {
        self.0.close_reason()
    }

    fn server_info(&self) -> Option<ServerInfo> {
        self.0.server_info()
    }

    fn connected_server(&self) -> Option<ServerAddr> {
        self.0.connected_server()
    }

    fn servers(&self) -> Vec<ServerAddr> {
        self.0.servers()
    }

    fn statistics(&self) -> Statistics {
        self.0.statistics()
    }

    fn max_payload(&self) -> Option<usize> {
        self.0.max_payload()
    }

    fn new_inbox(&self) -> String {
        self.0.new_inbox()
    }
}

/// A `natrs-tokio` subscription.
#[derive(Debug)]
pub struct TokioSubscriber(pub Subscriber);

impl SuiteSubscriber for TokioSubscriber {
    fn next_timeout(&mut self, timeout: Duration) -> Option<Message> {
        let sub = &self.0;
        within(timeout, poll_fn(|cx| sub.poll_next_message(cx))).flatten()
    }

    fn try_next(&mut self) -> Option<Message> {
        self.0.try_next()
    }

    fn unsubscribe(&mut self) -> Result<(), Error> {
        block_on("unsubscribe", self.0.unsubscribe())
    }

    fn unsubscribe_after(&mut self, max: u64) -> Result<(), Error> {
        block_on("unsubscribe_after", self.0.unsubscribe_after(max))
    }

    fn drain(&mut self) -> Result<(), Error> {
        block_on("subscription drain", self.0.drain())
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

/// A `natrs-tokio` event stream.
#[derive(Debug)]
pub struct TokioEvents(pub EventStream);

impl SuiteEvents for TokioEvents {
    fn next_timeout(&mut self, timeout: Duration) -> Option<ClientEvent> {
        let events = &self.0;
        within(timeout, poll_fn(|cx| events.poll_next_event(cx))).flatten()
    }
}
