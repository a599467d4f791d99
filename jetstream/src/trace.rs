//! The trace points of JetStream: with the `tracing` feature each function
//! emits one [`tracing`] event (target `natrs::jetstream`), without it each
//! is empty and the crate has no tracing dependency. The state machines
//! (`state`) do not log; the async layer traces what they decide.

#![cfg_attr(not(feature = "tracing"), allow(unused_variables))]

/// The target of every JetStream event.
#[cfg(feature = "tracing")]
const TARGET: &str = "natrs::jetstream";

/// A publish nobody answered (503) is sent again.
pub(crate) fn publish_retry(subject: &str, attempt: usize) {
    #[cfg(feature = "tracing")]
    tracing::debug!(target: TARGET, subject, attempt, "natrs.jetstream.publish_retry");
}

/// An async publish nobody answered (503) is scheduled to be sent again.
pub(crate) fn async_publish_retry() {
    #[cfg(feature = "tracing")]
    tracing::debug!(target: TARGET, "natrs.jetstream.async_publish_retry");
}

/// A consume sends a pull request (the first or a re-pull).
pub(crate) fn pull(subject: &str, batch: usize, max_bytes: usize) {
    #[cfg(feature = "tracing")]
    tracing::debug!(target: TARGET, subject, batch, max_bytes, "natrs.jetstream.pull");
}

/// A consumer missed two idle heartbeats.
pub(crate) fn missed_heartbeats(kind: &'static str) {
    #[cfg(feature = "tracing")]
    tracing::warn!(target: TARGET, kind, "natrs.jetstream.missed_heartbeats");
}
