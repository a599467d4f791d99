//! An endpoint's request statistics as plain data: fed the processing time
//! and outcome of each request, it produces the numbers of a
//! [`StatsResponse`](super::StatsResponse) endpoint.

use std::time::Duration;

/// What one endpoint counted since it started or was last reset.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Counters {
    /// Requests handled.
    pub(crate) requests: u64,
    /// Error responses and subscription errors.
    pub(crate) errors: u64,
    /// The last error; empty when none.
    pub(crate) last_error: String,
    /// Total processing time.
    pub(crate) processing: Duration,
}

impl Counters {
    /// Counts one handled request that took `elapsed`; `error` is set when
    /// it was answered with an error (or its response failed).
    pub(crate) fn record(&mut self, elapsed: Duration, error: Option<String>) {
        self.requests = self.requests.saturating_add(1);
        self.processing = self.processing.saturating_add(elapsed);
        if let Some(error) = error {
            self.record_error(error);
        }
    }

    /// Counts an error outside a request (a subscription error).
    pub(crate) fn record_error(&mut self, error: String) {
        self.errors = self.errors.saturating_add(1);
        self.last_error = error;
    }

    /// The average processing time, truncated to whole nanoseconds; zero
    /// without requests.
    pub(crate) fn average(&self) -> Duration {
        if self.requests == 0 {
            return Duration::ZERO;
        }
        let nanos = self.processing.as_nanos() / u128::from(self.requests);
        Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
    }

    /// Back to zero.
    pub(crate) fn reset(&mut self) {
        *self = Counters::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_averages() {
        let mut c = Counters::default();
        assert_eq!(c.average(), Duration::ZERO);
        c.record(Duration::from_nanos(10), None);
        c.record(Duration::from_nanos(5), Some("500:boom".into()));
        c.record(Duration::from_nanos(1), None);
        assert_eq!(c.requests, 3);
        assert_eq!(c.errors, 1);
        assert_eq!(c.last_error, "500:boom");
        assert_eq!(c.processing, Duration::from_nanos(16));
        // 16 / 3 truncates to 5.
        assert_eq!(c.average(), Duration::from_nanos(5));
        c.record_error("slow consumer".into());
        assert_eq!((c.requests, c.errors), (3, 2));
        assert_eq!(c.last_error, "slow consumer");
        c.reset();
        assert_eq!(c, Counters::default());
    }

    #[test]
    fn saturates() {
        let mut c = Counters {
            requests: u64::MAX,
            processing: Duration::MAX,
            ..Counters::default()
        };
        c.record(Duration::from_secs(1), None);
        assert_eq!(c.requests, u64::MAX);
        assert_eq!(c.processing, Duration::MAX);
        assert!(c.average() > Duration::ZERO);
    }
}
