//! What a backup or restore reports while it runs, and how it is stopped.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Which transfer a [`Progress`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transfer {
    /// Snapshot data coming from the server.
    Backup,
    /// Snapshot data going to the server.
    Restore,
}

/// How far a transfer is, as a progress bar wants it.
///
/// A backup does not know its total: the server compresses the snapshot as
/// it sends it, so only the stream's own size ([`stream_bytes`](Self::stream_bytes))
/// is known up front. A restore knows the size of the data it sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    /// Backup or restore.
    pub transfer: Transfer,
    /// Chunks received (backup) or acknowledged by the server (restore).
    pub chunks: u64,
    /// Snapshot bytes received or acknowledged.
    pub bytes: u64,
    /// Snapshot bytes in all, when known (a restore: the size of the data).
    pub total_bytes: Option<u64>,
    /// Chunks in all, when known (a restore of data of known size).
    pub total_chunks: Option<u64>,
    /// The stream's stored bytes (its state's `bytes`), uncompressed.
    pub stream_bytes: u64,
    /// Whether the transfer has completed successfully.
    pub finished: bool,
}

impl Progress {
    pub(crate) fn new(transfer: Transfer) -> Progress {
        Progress {
            transfer,
            chunks: 0,
            bytes: 0,
            total_bytes: None,
            total_chunks: None,
            stream_bytes: 0,
            finished: false,
        }
    }
}

/// A callback that receives every [`Progress`] of a transfer: once when it
/// starts, after every chunk, and once when it finishes. It runs on the
/// task or thread doing the transfer, so it should be quick (update a
/// progress bar, send on a channel).
#[derive(Clone)]
pub struct ProgressFn(Arc<dyn Fn(&Progress) + Send + Sync>);

impl ProgressFn {
    /// Wraps `f`.
    pub fn new(f: impl Fn(&Progress) + Send + Sync + 'static) -> ProgressFn {
        ProgressFn(Arc::new(f))
    }

    pub(crate) fn call(&self, progress: &Progress) {
        (self.0)(progress)
    }
}

impl fmt::Debug for ProgressFn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ProgressFn")
    }
}

/// Stops a backup or restore from another task or thread: the transfer
/// notices it before its next chunk and fails with
/// [`BackupError::Cancelled`](super::BackupError::Cancelled), cleaning up as
/// a failure does. Dropping an async transfer's future cancels it too.
#[derive(Debug, Clone, Default)]
pub struct CancelToken(Arc<AtomicBool>);

impl CancelToken {
    /// A token not yet cancelled.
    pub fn new() -> CancelToken {
        CancelToken::default()
    }

    /// Asks the transfers holding this token to stop.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::Release);
    }

    /// Whether [`cancel`](Self::cancel) was called.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }
}
