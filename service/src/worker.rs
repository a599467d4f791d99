//! The thread that answers a service's discovery requests and watches its
//! subscriptions for errors.
//!
//! Discovery must be answered whether or not the application is polling its
//! endpoints, and the crate has no runtime to spawn a task on, so each
//! service has one thread of its own. It parks until the connection's driver
//! wakes it (a discovery request or a connection event arrived), answers,
//! and parks again. It ends once the discovery subscriptions ended (the
//! service stopped, every handle to it was dropped, or the connection
//! closed), after answering the requests that arrived while they drained.

use super::error::AsyncError;
use super::instance::Inner;
use super::schema::Verb;
use bytes::Bytes;
use natrs_client::adapter::block_on;
use natrs_client::{ClientEvent, EventStream, Message, PermissionOp, ServerError};
use std::future::poll_fn;
use std::sync::Arc;
use std::task::Poll;

/// Requests answered in one poll; then the thread polls again at once,
/// starting with the next subscription.
const BATCH: usize = 64;

/// Starts the discovery thread of `inner`.
pub(crate) fn spawn(inner: &Arc<Inner>, events: EventStream) -> std::io::Result<()> {
    let inner = inner.clone();
    std::thread::Builder::new()
        .name(format!("natrs-service-{}", inner.name))
        .spawn(move || run(&inner, events))?;
    Ok(())
}

fn run(inner: &Inner, events: EventStream) {
    let subscriptions = &inner.verbs.subscriptions;
    let mut events = Some(events);
    // Where the next poll starts, so that a flood on one subject does not
    // keep the others waiting.
    let mut start = 0;
    block_on(poll_fn(|cx| {
        while let Some(stream) = &events {
            match stream.poll_next_event(cx) {
                Poll::Ready(Some(event)) => on_event(inner, event),
                Poll::Ready(None) => events = None,
                Poll::Pending => break,
            }
        }
        let mut budget = BATCH;
        let mut open = false;
        let n = subscriptions.len();
        start = (start + 1) % n.max(1);
        for k in 0..n {
            let (verb, subscription) = &subscriptions[(start + k) % n];
            loop {
                match subscription.poll_next_message(cx) {
                    Poll::Ready(Some(request)) => {
                        answer(inner, *verb, &request);
                        budget -= 1;
                        if budget == 0 {
                            cx.waker().wake_by_ref();
                            return Poll::Pending;
                        }
                    }
                    Poll::Ready(None) => break,
                    Poll::Pending => {
                        open = true;
                        break;
                    }
                }
            }
        }
        if open { Poll::Pending } else { Poll::Ready(()) }
    }));
    // The discovery subscriptions ended: the service no longer runs.
    inner.stop();
}

/// Answers one discovery request.
fn answer(inner: &Inner, verb: Verb, request: &Message) {
    let Some(reply) = &request.reply else {
        return;
    };
    let sent = match inner.respond_to(verb) {
        Ok(json) => inner
            .client
            .try_publish(reply.as_str(), None, None, Bytes::from(json))
            .map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    if let Err(e) = sent {
        inner.report(AsyncError {
            subject: request.subject.as_str().to_string(),
            description: format!("Error handling {verb} request: {e}"),
        });
    }
}

/// Reacts to a connection event: an error of one of the service's
/// subscriptions stops the service (as nats.go does) after telling the
/// error handler and counting it on the endpoint concerned.
fn on_event(inner: &Inner, event: ClientEvent) {
    let verbs = &inner.verbs;
    let (subject, description, endpoint) = match event {
        ClientEvent::SlowConsumer { sid, subject, .. } => {
            let endpoint = inner.endpoint_by_sid(sid);
            let ours =
                endpoint.is_some() || verbs.subscriptions.iter().any(|(_, s)| s.sid() == sid);
            if !ours {
                return;
            }
            (
                subject,
                "slow consumer, messages dropped".to_string(),
                endpoint,
            )
        }
        ClientEvent::ServerError(
            ref error @ ServerError::PermissionViolation {
                op: PermissionOp::Subscribe,
                ref subject,
                ..
            },
        ) => {
            let endpoint = inner.endpoint_by_subject(subject);
            let ours = endpoint.is_some()
                || verbs
                    .subscriptions
                    .iter()
                    .any(|(_, s)| s.subject() == subject);
            if !ours {
                return;
            }
            (subject.clone(), error.to_string(), endpoint)
        }
        ClientEvent::Closed { .. } => {
            inner.stop();
            return;
        }
        _ => return,
    };
    inner.report(AsyncError {
        subject,
        description: description.clone(),
    });
    if let Some(endpoint) = endpoint {
        super::instance::lock(&endpoint.counters).record_error(description);
    }
    inner.stop();
}
