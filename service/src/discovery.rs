//! Finding services: `PING`, `INFO` and `STATS` requests to `$SRV...`,
//! collecting the answer of every instance that responds.

use super::error::ServiceError;
use super::schema::{InfoResponse, PingResponse, StatsResponse, Target, Verb, control_subject};
use bytes::Bytes;
use natrs_client::{Client, Message, Request, RequestError, RequestManyOptions};
use serde::de::DeserializeOwned;
use std::future::poll_fn;
use std::task::Poll;
use std::time::Duration;

/// How long discovery waits for another answer after the previous one,
/// unless set with [`Discovery::stall`].
pub const DEFAULT_STALL: Duration = Duration::from_millis(250);

/// Sends discovery requests and collects the answers.
///
/// Collection ends at the first of: the total timeout (the client's request
/// timeout unless set), a pause of [`stall`](Discovery::stall) after an
/// answer, or [`max_responses`](Discovery::max_responses) answers. Nobody
/// answering gives an empty list.
///
/// ```no_run
/// # async fn demo(client: natrs_client::Client) -> Result<(), natrs_service::ServiceError> {
/// use natrs_service::{Discovery, Target};
/// for service in Discovery::new(client).info(Target::Name("calculator")).await? {
///     println!("{} {} has {} endpoints", service.name, service.id, service.endpoints.len());
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Discovery {
    client: Client,
    timeout: Duration,
    stall: Option<Duration>,
    max_responses: Option<u64>,
}

impl Discovery {
    /// Discovery over `client` with the default limits.
    pub fn new(client: Client) -> Discovery {
        Discovery {
            timeout: client.request_timeout(),
            client,
            stall: Some(DEFAULT_STALL),
            max_responses: None,
        }
    }

    /// Waits at most `timeout` in total.
    pub fn timeout(mut self, timeout: Duration) -> Discovery {
        self.timeout = timeout;
        self
    }

    /// Stops after `stall` without an answer (counted from the previous
    /// answer; the first is awaited with the total timeout). `None` waits for
    /// the total timeout.
    pub fn stall(mut self, stall: Option<Duration>) -> Discovery {
        self.stall = stall;
        self
    }

    /// Stops after `count` answers.
    pub fn max_responses(mut self, count: u64) -> Discovery {
        self.max_responses = Some(count);
        self
    }

    /// The connection.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Pings the services of `target`.
    pub async fn ping(&self, target: Target<'_>) -> Result<Vec<PingResponse>, ServiceError> {
        self.request(Verb::Ping, target).await
    }

    /// The info of the services of `target`.
    pub async fn info(&self, target: Target<'_>) -> Result<Vec<InfoResponse>, ServiceError> {
        self.request(Verb::Info, target).await
    }

    /// The statistics of the services of `target`.
    pub async fn stats(&self, target: Target<'_>) -> Result<Vec<StatsResponse>, ServiceError> {
        self.request(Verb::Stats, target).await
    }

    /// Sends `verb` to `target` and decodes every answer as `R`; an answer
    /// that does not decode fails the call (use [`raw`](Discovery::raw) to
    /// look at them).
    pub async fn request<R: DeserializeOwned>(
        &self,
        verb: Verb,
        target: Target<'_>,
    ) -> Result<Vec<R>, ServiceError> {
        let messages = self.raw(verb, target).await?;
        messages
            .iter()
            .map(|m| serde_json::from_slice(&m.payload).map_err(ServiceError::from))
            .collect()
    }

    /// Sends `verb` to `target` and returns the answers as received.
    pub async fn raw(&self, verb: Verb, target: Target<'_>) -> Result<Vec<Message>, ServiceError> {
        let subject = control_subject(verb, target);
        let options = RequestManyOptions {
            max_messages: self.max_responses,
            stall: self.stall,
            sentinel: false,
        };
        let responses = self.client.request_many_now(
            &subject,
            Request::new(Bytes::new()).timeout(self.timeout),
            options,
        )?;
        let mut out = Vec::new();
        poll_fn(|cx| {
            loop {
                match responses.poll_next_reply(cx) {
                    Poll::Ready(Some(Ok(m))) => out.push(m),
                    Poll::Ready(Some(Err(
                        RequestError::NoResponders | RequestError::TimedOut(_),
                    )))
                    | Poll::Ready(None) => return Poll::Ready(Ok(())),
                    Poll::Ready(Some(Err(e))) => return Poll::Ready(Err(e)),
                    Poll::Pending => return Poll::Pending,
                }
            }
        })
        .await?;
        Ok(out)
    }
}
