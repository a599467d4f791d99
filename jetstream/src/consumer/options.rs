//! How a consumer is read: the options of a fetch, of continuous pulling
//! and of an ordered consumer. Plain data; the machines in
//! [`state`](crate::state) and the handles in [`consumer`](crate::consumer)
//! take them.

use crate::api::consumer::{DeliverPolicy, ReplayPolicy};
use crate::error::Error;
use crate::state::pull::BYTES_MODE_BATCH;
use std::collections::BTreeMap;
use std::time::Duration;
use time::OffsetDateTime;

/// Options for priority groups (2.11+, ADR-42).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PriorityOptions {
    /// The group to pull for.
    pub group: String,
    /// Overflow: only get messages while the consumer has more than this pending.
    pub min_pending: Option<u64>,
    /// Overflow: only get messages while more than this are unacknowledged.
    pub min_ack_pending: Option<u64>,
    /// Prioritized: 0 (first) to 9.
    pub priority: Option<u8>,
}

/// Settings of continuous pulling: [`Consumer::messages`](crate::consumer::Consumer::messages) and
/// the [`Consume`](crate::state::pull::Consume) machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsumeOptions {
    /// Messages to keep buffered (requested and not yet processed).
    pub max_messages: usize,
    /// Bytes to keep buffered instead (pulls then ask for
    /// [`BYTES_MODE_BATCH`] messages).
    pub max_bytes: Option<usize>,
    /// Server-side lifetime of each pull request.
    pub expires: Duration,
    /// Idle heartbeat of each request; missing two is reported.
    pub heartbeat: Duration,
    /// Pull again when pending messages fall to this.
    pub threshold_messages: usize,
    /// Pull again when pending bytes fall to this (bytes mode).
    pub threshold_bytes: usize,
    /// Priority group options.
    pub priority: Option<PriorityOptions>,
}

impl Default for ConsumeOptions {
    fn default() -> Self {
        ConsumeOptions::new()
    }
}

impl ConsumeOptions {
    /// ADR-37 defaults: 500 messages, 30 s expiry, 15 s heartbeat, 50% thresholds.
    pub fn new() -> ConsumeOptions {
        ConsumeOptions {
            max_messages: 500,
            max_bytes: None,
            expires: Duration::from_secs(30),
            heartbeat: Duration::from_secs(15),
            threshold_messages: 250,
            threshold_bytes: 0,
            priority: None,
        }
    }

    /// Buffers `n` messages (threshold 50%).
    pub fn max_messages(mut self, n: usize) -> ConsumeOptions {
        self.max_messages = n.max(1);
        self.max_bytes = None;
        self.threshold_messages = self.max_messages / 2;
        self
    }

    /// Buffers `n` bytes instead of a message count (threshold 50%).
    pub fn max_bytes(mut self, n: usize) -> ConsumeOptions {
        self.max_bytes = Some(n.max(1));
        self.max_messages = BYTES_MODE_BATCH;
        self.threshold_messages = 0;
        self.threshold_bytes = n / 2;
        self
    }

    /// Sets the expiry of each pull (at least 1 s) and the heartbeat to half
    /// of it, between 0.5 s and 30 s.
    pub fn expires(mut self, expires: Duration) -> ConsumeOptions {
        self.expires = expires.max(Duration::from_secs(1));
        self.heartbeat =
            (self.expires / 2).clamp(Duration::from_millis(500), Duration::from_secs(30));
        self
    }

    /// Sets the heartbeat (must be under half the expiry).
    pub fn heartbeat(mut self, heartbeat: Duration) -> ConsumeOptions {
        self.heartbeat = heartbeat;
        self
    }

    /// Sets the message threshold (at most `max_messages`).
    pub fn threshold_messages(mut self, n: usize) -> ConsumeOptions {
        self.threshold_messages = n.min(self.max_messages);
        self
    }

    /// Sets the byte threshold (at most `max_bytes`).
    pub fn threshold_bytes(mut self, n: usize) -> ConsumeOptions {
        self.threshold_bytes = n.min(self.max_bytes.unwrap_or(0));
        self
    }

    /// Pulls for a priority group.
    pub fn priority(mut self, priority: PriorityOptions) -> ConsumeOptions {
        self.priority = Some(priority);
        self
    }

    /// Checks the options.
    pub fn validate(&self) -> Result<(), Error> {
        if self.expires < Duration::from_secs(1) {
            return Err(Error::InvalidArgument("expires must be at least 1s".into()));
        }
        check_expires(self.expires)?;
        if !self.heartbeat.is_zero()
            && self
                .heartbeat
                .checked_mul(2)
                .is_none_or(|twice| twice > self.expires)
        {
            return Err(Error::InvalidArgument(
                "the heartbeat must be at most half of expires".into(),
            ));
        }
        if self.max_messages == 0 {
            return Err(Error::InvalidArgument(
                "max_messages must be positive".into(),
            ));
        }
        Ok(())
    }
}

/// The longest expiry a pull request carries: the longest duration the
/// server reads, nanoseconds in an `i64` (about 292 years).
pub const MAX_EXPIRES: Duration = crate::wire::MAX_DURATION;

/// Refuses an expiry the server cannot be sent (see [`MAX_EXPIRES`]).
pub(crate) fn check_expires(expires: Duration) -> Result<(), Error> {
    if expires > MAX_EXPIRES {
        return Err(Error::InvalidArgument(
            "expires must be at most i64::MAX nanoseconds (about 292 years)".into(),
        ));
    }
    Ok(())
}

/// Settings of one pull request: [`Consumer::fetch`](crate::consumer::Consumer::fetch) and the
/// [`Fetch`](crate::state::pull::Fetch) machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchOptions {
    /// Most messages.
    pub max_messages: usize,
    /// Most bytes.
    pub max_bytes: Option<usize>,
    /// Server-side lifetime of the request.
    pub expires: Duration,
    /// End at once when nothing is pending (404) instead of waiting.
    pub no_wait: bool,
    /// Idle heartbeat (zero: none; ADR-37 turns it on for long expiries).
    pub heartbeat: Duration,
    /// Priority group options.
    pub priority: Option<PriorityOptions>,
    /// The pinned id to present (priority groups).
    pub pin_id: Option<String>,
}

impl Default for FetchOptions {
    fn default() -> Self {
        FetchOptions::new(1)
    }
}

impl FetchOptions {
    /// Up to `max_messages` messages within 30 s.
    pub fn new(max_messages: usize) -> FetchOptions {
        FetchOptions {
            max_messages: max_messages.max(1),
            max_bytes: None,
            expires: Duration::from_secs(30),
            no_wait: false,
            heartbeat: Duration::ZERO,
            priority: None,
            pin_id: None,
        }
    }

    /// Limits the bytes.
    pub fn max_bytes(mut self, n: usize) -> FetchOptions {
        self.max_bytes = Some(n);
        self
    }

    /// Sets the expiry; heartbeats are turned on for expiries over 30 s
    /// (ADR-37), at a third of it (under half, as a fetch's heartbeat must
    /// be) and at most 30 s.
    pub fn expires(mut self, expires: Duration) -> FetchOptions {
        self.expires = expires;
        if expires > Duration::from_secs(30) {
            self.heartbeat = (expires / 3).min(Duration::from_secs(30));
        }
        self
    }

    /// Ends at once when nothing is pending (clears the expiry and the
    /// heartbeat; setting an expiry afterwards makes the server wait that
    /// long for the first message).
    pub fn no_wait(mut self, no_wait: bool) -> FetchOptions {
        self.no_wait = no_wait;
        if no_wait {
            self.expires = Duration::ZERO;
            self.heartbeat = Duration::ZERO;
        }
        self
    }

    /// Sets the heartbeat.
    pub fn heartbeat(mut self, heartbeat: Duration) -> FetchOptions {
        self.heartbeat = heartbeat;
        self
    }

    /// Pulls for a priority group.
    pub fn priority(mut self, priority: PriorityOptions) -> FetchOptions {
        self.priority = Some(priority);
        self
    }

    /// Presents this pin id (pinned-client priority groups). A consumer
    /// handle fills in the pin id the server last gave it when this is not
    /// set.
    pub fn pin_id(mut self, pin_id: impl Into<String>) -> FetchOptions {
        self.pin_id = Some(pin_id.into());
        self
    }
}

/// How an ordered consumer starts and what it delivers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderedOptions {
    /// Only these subjects (empty: all).
    pub filter_subjects: Vec<String>,
    /// Where the first consumer starts.
    pub deliver_policy: DeliverPolicy,
    /// With [`DeliverPolicy::ByStartSequence`].
    pub opt_start_seq: Option<u64>,
    /// With [`DeliverPolicy::ByStartTime`].
    pub opt_start_time: Option<OffsetDateTime>,
    /// Replay speed.
    pub replay_policy: ReplayPolicy,
    /// Deliver only headers.
    pub headers_only: bool,
    /// The server deletes an abandoned consumer after this long.
    pub inactive_threshold: Duration,
    /// Metadata of the consumers.
    pub metadata: BTreeMap<String, String>,
}

impl Default for OrderedOptions {
    fn default() -> Self {
        OrderedOptions {
            filter_subjects: Vec::new(),
            deliver_policy: DeliverPolicy::All,
            opt_start_seq: None,
            opt_start_time: None,
            replay_policy: ReplayPolicy::Instant,
            headers_only: false,
            inactive_threshold: Duration::from_secs(300),
            metadata: BTreeMap::new(),
        }
    }
}
