//! Waiting on conditions with a deadline (never a bare sleep).

use std::time::{Duration, Instant};

use crate::error::{HarnessError, Result};

/// The first pause between two checks of a condition; it doubles up to [`MAX_POLL`].
const FIRST_POLL: Duration = Duration::from_millis(2);
/// The longest pause between two checks of a condition.
const MAX_POLL: Duration = Duration::from_millis(50);

/// Polls `condition` until it returns `true`, panicking if `timeout` passes first.
///
/// The panic message names `what` and the time waited, so a failing test says what it
/// was waiting for. Checks start 2 ms apart and back off to 50 ms.
///
/// ```no_run
/// # use std::time::Duration;
/// # let server_is_up = || true;
/// natrs_tests::wait_for("the server to come up", Duration::from_secs(5), server_is_up);
/// ```
#[track_caller]
pub fn wait_for(what: &str, timeout: Duration, condition: impl FnMut() -> bool) {
    if let Err(e) = try_wait_for(what, timeout, condition) {
        panic!("{e}");
    }
}

/// Polls `condition` until it returns `true`; [`HarnessError::Timeout`] if `timeout`
/// passes first. The condition is always checked at least once, and once more at the
/// deadline.
pub fn try_wait_for(
    what: &str,
    timeout: Duration,
    mut condition: impl FnMut() -> bool,
) -> Result<()> {
    poll_until(what, timeout, || Ok(condition().then_some(())))
}

/// Polls `step` until it returns `Ok(Some(value))` (giving `value`) or an error (giving
/// that error); [`HarnessError::Timeout`] naming `what` if `timeout` passes first.
pub fn poll_until<T>(
    what: &str,
    timeout: Duration,
    mut step: impl FnMut() -> Result<Option<T>>,
) -> Result<T> {
    let start = Instant::now();
    let deadline = start + timeout;
    let mut pause = FIRST_POLL;
    loop {
        if let Some(v) = step()? {
            return Ok(v);
        }
        let now = Instant::now();
        if now >= deadline {
            return Err(HarnessError::Timeout {
                what: what.to_owned(),
                waited: now - start,
            });
        }
        std::thread::sleep(pause.min(deadline - now));
        pause = (pause * 2).min(MAX_POLL);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    #[test]
    fn returns_once_condition_holds() {
        let n = Cell::new(0);
        wait_for("three calls", Duration::from_secs(5), || {
            n.set(n.get() + 1);
            n.get() >= 3
        });
        assert_eq!(n.get(), 3);
    }

    #[test]
    fn times_out_with_description() {
        let err = try_wait_for("never", Duration::from_millis(20), || false).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("waiting for never"), "{text}");
    }

    #[test]
    #[should_panic(expected = "waiting for the impossible")]
    fn wait_for_panics_on_timeout() {
        wait_for("the impossible", Duration::from_millis(10), || false);
    }
}
