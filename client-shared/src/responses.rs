//! The replies of one `request_many`, as a stream.

use crate::error::RequestError;
use crate::shared::Shared;
use crate::slot::lock;
use crate::writer::note_wait;
use natrs_core::Message;
use natrs_core::client::RequestId;
use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

#[derive(Debug, Default)]
struct Inner {
    items: VecDeque<Result<Message, RequestError>>,
    ended: bool,
    waker: Option<Waker>,
}

/// Replies waiting to be read (unbounded: the request's own limits bound it).
#[derive(Debug, Default)]
pub(crate) struct ResponseQueue {
    inner: Mutex<Inner>,
}

impl ResponseQueue {
    /// Queues a reply; adds the reader's waker to `wake`.
    pub(crate) fn push(&self, item: Result<Message, RequestError>, wake: &mut Vec<Waker>) {
        let mut q = lock(&self.inner);
        if q.ended {
            return;
        }
        q.items.push_back(item);
        wake.extend(q.waker.take());
    }

    /// Ends the replies; adds the reader's waker to `wake`.
    pub(crate) fn end(&self, wake: &mut Vec<Waker>) {
        let mut q = lock(&self.inner);
        q.ended = true;
        wake.extend(q.waker.take());
    }

    pub(crate) fn poll_next(
        &self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Message, RequestError>>> {
        let mut q = lock(&self.inner);
        if let Some(item) = q.items.pop_front() {
            return Poll::Ready(Some(item));
        }
        if q.ended {
            return Poll::Ready(None);
        }
        q.waker = Some(cx.waker().clone());
        note_wait();
        Poll::Pending
    }
}

/// The replies to a [`request_many`](crate::Client::request_many): a stream
/// that ends at the request's limit, stall timeout, sentinel or timeout. A
/// request nobody answers yields one `Err(RequestError::NoResponders)`.
/// Dropping it stops the request.
#[derive(Debug)]
pub struct Responses {
    pub(crate) shared: Arc<Shared>,
    pub(crate) id: RequestId,
    pub(crate) queue: Arc<ResponseQueue>,
}

impl Responses {
    /// The next reply, `None` at the end, or `Pending`.
    pub fn poll_next_reply(
        &self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Message, RequestError>>> {
        self.queue.poll_next(cx)
    }
}

impl futures_core::Stream for Responses {
    type Item = Result<Message, RequestError>;
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.queue.poll_next(cx)
    }
}

impl Drop for Responses {
    fn drop(&mut self) {
        let id = self.id;
        self.shared.with(|st, now| {
            if st.replies.remove(&id.0).is_some() {
                st.core.cancel_request(now, id);
            }
        });
    }
}
