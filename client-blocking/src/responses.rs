//! [`Responses`]: the replies of a `request_many`, as a blocking iterator.

use crate::error::TimedOut;
use crate::executor::{block_on, block_on_until, deadline_after};
use natrs_client::{Message, RequestError};
use std::future::poll_fn;
use std::time::Duration;

/// The replies to a [`request_many`](crate::Client::request_many): an
/// iterator that ends at the request's message limit, stall timeout, sentinel
/// (empty) reply or total timeout. A request nobody answers yields one
/// `Err(RequestError::NoResponders)`. Dropping it stops the request.
#[derive(Debug)]
pub struct Responses {
    inner: natrs_client::Responses,
}

impl Responses {
    pub(crate) fn new(inner: natrs_client::Responses) -> Responses {
        Responses { inner }
    }

    /// The next reply, waiting at most `timeout`: `Ok(Some(reply))`,
    /// `Ok(None)` at the end, or `Err(TimedOut)`.
    pub fn next_timeout(
        &self,
        timeout: Duration,
    ) -> Result<Option<Result<Message, RequestError>>, TimedOut> {
        block_on_until(
            poll_fn(|cx| self.inner.poll_next_reply(cx)),
            deadline_after(timeout),
        )
    }
}

impl Iterator for Responses {
    type Item = Result<Message, RequestError>;
    fn next(&mut self) -> Option<Self::Item> {
        block_on(poll_fn(|cx| self.inner.poll_next_reply(cx)))
    }
}
