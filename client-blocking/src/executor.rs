//! Waiting on natrs-client's futures: natrs-client's parking executor
//! ([`natrs_client::adapter::block_on`]), shared with natrs-jetstream's
//! blocking facade, with the timeout this crate's errors name.

use crate::error::TimedOut;
use std::future::Future;
use std::pin::pin;
use std::time::Instant;

pub(crate) use natrs_client::adapter::{block_on, deadline_after, spin_until, waits};

/// Runs `fut` until it completes or `deadline` passes, whichever comes first;
/// `None` waits without limit. The future is dropped on timeout.
pub(crate) fn block_on_until<F: Future>(
    fut: F,
    deadline: Option<Instant>,
) -> Result<F::Output, TimedOut> {
    natrs_client::adapter::block_on_until(pin!(fut), deadline).ok_or(TimedOut)
}
