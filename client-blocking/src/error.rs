//! Errors of the blocking API that the async one has no need for.

/// A wait ended at its timeout before anything arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("timed out")]
pub struct TimedOut;

/// Waiting for a handler subscription's end failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JoinError {
    /// The handler panicked; the subscription was unsubscribed.
    #[error("the message handler panicked")]
    Panicked,
    /// `join` was called from the handler itself, which would wait forever.
    #[error("a handler cannot wait for its own subscription to end")]
    FromHandler,
}

/// A handler subscription could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SubscribeError {
    /// Subscribing failed (invalid subject or queue group, client closed, ...).
    #[error(transparent)]
    Subscribe(#[from] natrs_client::Error),
    /// The handler's thread could not be started.
    #[error("cannot start the handler thread: {0}")]
    Thread(String),
}
