//! The `RESULT` line the rig parses.

use std::time::Duration;

/// Untimed requests (and KV operations) before the timed ones.
pub(crate) const WARMUP_REQUESTS: usize = 100;

/// A finished run: elapsed time and, for request/reply, latencies.
pub(crate) struct Outcome {
    pub(crate) elapsed: Duration,
    /// Per-request latencies in nanoseconds, sorted.
    pub(crate) latencies: Vec<u64>,
    /// Extra `key=value` fields.
    pub(crate) extra: String,
}

impl Outcome {
    pub(crate) fn new(elapsed: Duration) -> Outcome {
        Outcome {
            elapsed,
            latencies: Vec::new(),
            extra: String::new(),
        }
    }

    /// Sorts per-operation latencies (nanoseconds) into the outcome.
    pub(crate) fn set_latencies(&mut self, mut latencies: Vec<u64>) {
        latencies.sort_unstable();
        self.latencies = latencies;
    }

    pub(crate) fn line(&self, client: &str, scenario: &str, n: u64, size: usize) -> String {
        let secs = self.elapsed.as_secs_f64();
        let mut line = format!(
            "RESULT client={client} scenario={scenario} msgs={n} size={size} secs={secs:.6} rate={:.0}",
            n as f64 / secs
        );
        if !self.latencies.is_empty() {
            let p = |q: usize| {
                let i = (self.latencies.len() * q / 100).min(self.latencies.len() - 1);
                self.latencies[i] as f64 / 1000.0
            };
            line.push_str(&format!(" p50_us={:.1} p99_us={:.1}", p(50), p(99)));
        }
        line.push_str(&self.extra);
        line
    }
}

/// The error type of a run.
pub(crate) type BenchError = Box<dyn std::error::Error + Send + Sync>;
