//! [`SuiteClient`] for the async runtime crates, which all hand out the same
//! `natrs_client::Client`: every call runs to completion through the
//! runtime's `block_on`, bounded by [`GUARD`]. A runtime plugs in with an
//! [`AsyncRuntime`] implementation (see `tokio_runtime.rs`).

use crate::support::{Bytes, Flood, GUARD, SuiteClient, SuiteEvents, SuiteSubscriber};
use natrs_client::{
    Client, ClientEvent, CloseReason, ConnectError, ConnectOptions, ConnectionState, DrainError,
    Error, EventStream, FlushError, HeaderMap, JsonError, Message, Payload, Request, RequestError,
    RequestManyOptions, ServerAddr, ServerInfo, Statistics, Subscriber, SubscriptionEnd,
};
use std::future::{Future, poll_fn};
use std::marker::PhantomData;
use std::time::Duration;

/// What an async runtime crate provides to the suite.
pub trait AsyncRuntime: Send + Sync + 'static {
    /// Runs `future` to completion from a plain thread (outside the runtime),
    /// giving up after `timeout` (`None`).
    fn run_for<F: Future>(timeout: Duration, future: F) -> Option<F::Output>;

    /// The crate's `connect_with_options`.
    fn connect(
        url: String,
        options: ConnectOptions,
    ) -> impl Future<Output = Result<Client, ConnectError>>;

    /// Runs `future` as a task on the executor the crate's drivers run on.
    fn spawn(future: impl Future<Output = ()> + Send + 'static);
}

/// Runs `future`, panicking if it takes longer than [`GUARD`].
fn block_on<R: AsyncRuntime, F: Future>(what: &str, future: F) -> F::Output {
    match R::run_for(GUARD, future) {
        Some(v) => v,
        None => panic!("{what} did not complete within {GUARD:?}"),
    }
}

/// A client of an async runtime crate.
#[derive(Debug)]
pub struct AsyncClient<R> {
    client: Client,
    runtime: PhantomData<fn() -> R>,
}

impl<R> Clone for AsyncClient<R> {
    fn clone(&self) -> Self {
        AsyncClient {
            client: self.client.clone(),
            runtime: PhantomData,
        }
    }
}

impl<R: AsyncRuntime> SuiteClient for AsyncClient<R> {
    type Subscriber = AsyncSubscriber<R>;
    type Events = AsyncEvents<R>;

    fn connect(url: &str, options: ConnectOptions) -> Result<Self, ConnectError> {
        block_on::<R, _>("connect", R::connect(url.to_owned(), options)).map(|client| AsyncClient {
            client,
            runtime: PhantomData,
        })
    }

    fn publish<'p>(&self, subject: &str, payload: impl Into<Payload<'p>>) -> Result<(), Error> {
        block_on::<R, _>("publish", self.client.publish(subject, payload))
    }

    fn publish_all(&self, subject: &str, payloads: &[Bytes]) -> Result<(), Error> {
        block_on::<R, _>("publish_all", async {
            for payload in payloads {
                self.client.publish(subject, payload).await?;
            }
            Ok(())
        })
    }

    fn start_flood(&self, subject: &str, payload: Bytes) -> Flood {
        let (flood, publishing) = Flood::new();
        let client = self.client.clone();
        let subject = subject.to_owned();
        R::spawn(async move {
            let result = async {
                while publishing.running() {
                    client.publish(&subject, &payload).await?;
                    publishing.published();
                }
                Ok(())
            }
            .await;
            publishing.finish(result);
        });
        flood
    }

    fn publish_with_reply(&self, subject: &str, reply: &str, payload: Bytes) -> Result<(), Error> {
        block_on::<R, _>(
            "publish_with_reply",
            self.client.publish_with_reply(subject, reply, payload),
        )
    }

    fn publish_with_headers(
        &self,
        subject: &str,
        headers: HeaderMap,
        payload: Bytes,
    ) -> Result<(), Error> {
        block_on::<R, _>(
            "publish_with_headers",
            self.client.publish_with_headers(subject, headers, payload),
        )
    }

    fn publish_with_reply_and_headers(
        &self,
        subject: &str,
        reply: &str,
        headers: HeaderMap,
        payload: Bytes,
    ) -> Result<(), Error> {
        block_on::<R, _>(
            "publish_with_reply_and_headers",
            self.client
                .publish_with_reply_and_headers(subject, reply, headers, payload),
        )
    }

    fn publish_json<T: serde::Serialize + ?Sized>(
        &self,
        subject: &str,
        value: &T,
    ) -> Result<(), JsonError> {
        block_on::<R, _>("publish_json", self.client.publish_json(subject, value))
    }

    fn subscribe(&self, subject: &str) -> Result<AsyncSubscriber<R>, Error> {
        block_on::<R, _>("subscribe", self.client.subscribe(subject)).map(AsyncSubscriber::new)
    }

    fn queue_subscribe(&self, subject: &str, queue: &str) -> Result<AsyncSubscriber<R>, Error> {
        block_on::<R, _>(
            "queue_subscribe",
            self.client.queue_subscribe(subject, queue),
        )
        .map(AsyncSubscriber::new)
    }

    fn request(&self, subject: &str, payload: Bytes) -> Result<Message, RequestError> {
        block_on::<R, _>("request", self.client.request(subject, payload))
    }

    fn send_request(&self, subject: &str, request: Request) -> Result<Message, RequestError> {
        block_on::<R, _>("send_request", self.client.send_request(subject, request))
    }

    fn request_json<T, Reply>(&self, subject: &str, value: &T) -> Result<Reply, JsonError>
    where
        T: serde::Serialize + ?Sized,
        Reply: serde::de::DeserializeOwned,
    {
        block_on::<R, _>("request_json", self.client.request_json(subject, value))
    }

    fn request_many(
        &self,
        subject: &str,
        request: Request,
        options: RequestManyOptions,
    ) -> Result<Vec<Result<Message, RequestError>>, Error> {
        block_on::<R, _>("request_many", async {
            let responses = self.client.request_many(subject, request, options).await?;
            let mut out = Vec::new();
            while let Some(r) = poll_fn(|cx| responses.poll_next_reply(cx)).await {
                out.push(r);
            }
            Ok(out)
        })
    }

    fn flush(&self) -> Result<(), FlushError> {
        block_on::<R, _>("flush", self.client.flush())
    }

    fn flush_timeout(&self, timeout: Duration) -> Result<(), FlushError> {
        block_on::<R, _>("flush_timeout", self.client.flush_timeout(timeout))
    }

    fn rtt(&self) -> Result<Duration, FlushError> {
        block_on::<R, _>("rtt", self.client.rtt())
    }

    fn drain(&self) -> Result<(), DrainError> {
        block_on::<R, _>("drain", self.client.drain())
    }

    fn close(&self) {
        block_on::<R, _>("close", self.client.close())
    }

    fn force_reconnect(&self) {
        self.client.force_reconnect()
    }

    fn set_server_pool(&self, addrs: &str) -> Result<(), ConnectError> {
        self.client.set_server_pool(addrs)
    }

    fn events(&self) -> AsyncEvents<R> {
        AsyncEvents {
            events: self.client.events(),
            runtime: PhantomData,
        }
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

/// A subscription of an [`AsyncClient`].
#[derive(Debug)]
pub struct AsyncSubscriber<R> {
    sub: Subscriber,
    runtime: PhantomData<fn() -> R>,
}

impl<R> AsyncSubscriber<R> {
    fn new(sub: Subscriber) -> Self {
        AsyncSubscriber {
            sub,
            runtime: PhantomData,
        }
    }
}

impl<R: AsyncRuntime> SuiteSubscriber for AsyncSubscriber<R> {
    fn next_timeout(&mut self, timeout: Duration) -> Option<Message> {
        let sub = &self.sub;
        R::run_for(timeout, poll_fn(|cx| sub.poll_next_message(cx))).flatten()
    }

    fn try_next(&mut self) -> Option<Message> {
        self.sub.try_next()
    }

    fn unsubscribe(&mut self) -> Result<(), Error> {
        block_on::<R, _>("unsubscribe", self.sub.unsubscribe())
    }

    fn unsubscribe_after(&mut self, max: u64) -> Result<(), Error> {
        block_on::<R, _>("unsubscribe_after", self.sub.unsubscribe_after(max))
    }

    fn drain(&mut self) -> Result<(), Error> {
        block_on::<R, _>("subscription drain", self.sub.drain())
    }

    fn is_finished(&self) -> bool {
        self.sub.is_finished()
    }

    fn end_reason(&self) -> Option<SubscriptionEnd> {
        self.sub.end_reason()
    }

    fn dropped(&self) -> u64 {
        self.sub.dropped()
    }

    fn delivered(&self) -> u64 {
        self.sub.delivered()
    }

    fn pending(&self) -> (usize, usize) {
        self.sub.pending()
    }

    fn set_pending_limits(&self, messages: usize, bytes: usize) {
        self.sub.set_pending_limits(messages, bytes)
    }

    fn sid(&self) -> u64 {
        self.sub.sid()
    }

    fn subject(&self) -> String {
        self.sub.subject().to_owned()
    }
}

/// The event stream of an [`AsyncClient`].
#[derive(Debug)]
pub struct AsyncEvents<R> {
    events: EventStream,
    runtime: PhantomData<fn() -> R>,
}

impl<R: AsyncRuntime> SuiteEvents for AsyncEvents<R> {
    fn next_timeout(&mut self, timeout: Duration) -> Option<ClientEvent> {
        let events = &self.events;
        R::run_for(timeout, poll_fn(|cx| events.poll_next_event(cx))).flatten()
    }
}
