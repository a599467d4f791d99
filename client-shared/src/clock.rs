//! The one clock of a client: std's monotonic clock, converted to the core's
//! [`natrs_core::Instant`].

use natrs_core::Instant;
use std::time::Instant as StdInstant;

/// Converts between `std::time::Instant` and the core's nanosecond instants,
/// counting from the moment the client was made.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    epoch: StdInstant,
}

impl Clock {
    /// A clock whose epoch is now.
    pub fn new() -> Clock {
        Clock {
            epoch: StdInstant::now(),
        }
    }

    /// The current instant.
    pub fn now(&self) -> Instant {
        self.to_core(StdInstant::now())
    }

    /// A std instant as a core instant.
    pub fn to_core(&self, t: StdInstant) -> Instant {
        let nanos = t.saturating_duration_since(self.epoch).as_nanos();
        Instant::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
    }

    /// A core instant as a std instant.
    pub fn to_std(&self, t: Instant) -> StdInstant {
        self.epoch + std::time::Duration::from_nanos(t.as_nanos())
    }
}

impl Default for Clock {
    fn default() -> Self {
        Clock::new()
    }
}
