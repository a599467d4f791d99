//! Backing up and restoring streams (`$JS.API.STREAM.SNAPSHOT` and
//! `$JS.API.STREAM.RESTORE`), in the layers of the rest of the crate:
//!
//! - [`api`]: the requests and answers as plain data, and the backup's
//!   metadata [`BackupMeta`] (`backup.json`: the stream's configuration and
//!   state as the server gave them).
//! - [`snapshot`] and [`restore`]: the chunk and flow-control protocol of
//!   each direction as sans-IO machines ([`SnapshotReceiver`],
//!   [`RestoreSender`]), fed messages, connection events and instants.
//! - The async API on [`JetStream`](crate::JetStream):
//!   [`snapshot_stream`](crate::JetStream::snapshot_stream) /
//!   [`restore_stream_from`](crate::JetStream::restore_stream_from) over any
//!   `futures_io` writer and reader, and
//!   [`backup_stream`](crate::JetStream::backup_stream) /
//!   [`restore_stream`](crate::JetStream::restore_stream) over a folder; the
//!   blocking facade has the same methods.
//!
//! # The folder
//!
//! A backup folder holds `backup.json` and `stream.tar.s2`, the snapshot
//! data exactly as the server sent it (S2-compressed; its format is the
//! server's), the names and layout of the nats CLI's `stream backup`
//! (restoring one tool's backup with the other is not tested here: no nats
//! CLI runs in the suite).
//!
//! While a backup runs, the data goes to `stream.tar.s2.partial`; only a
//! complete snapshot is renamed to `stream.tar.s2`, and `backup.json` is
//! written after it. A backup that fails or is cancelled removes its
//! partial file and leaves anything already in the folder as it was, so a
//! folder with `backup.json` always holds a complete backup.
//!
//! # Restoring
//!
//! A restore creates the stream, so it fails when one of that name exists
//! ([`BackupError::StreamExists`]); [`RestoreOptions`] restores under
//! another name, with other replicas, placement or subjects. A restore
//! that fails after the server accepted it (an error, a lost connection, a
//! [`CancelToken`], or the future being dropped) sends the empty message
//! that ends the server's side of the transfer, waits for its answer, and
//! deletes the stream if there is one; a dropped future does this on a
//! short-lived thread of its own. (nats-server 2.15.1 removes the stream of
//! a restore that fails by itself; the delete covers a server that
//! completed the restore after the client gave up on its answer.)
//!
//! # Progress
//!
//! A [`ProgressFn`] gets a [`Progress`] (chunks and bytes done, the total
//! where known) when a transfer starts, after every chunk and at the end:
//! what a command-line progress bar needs.

pub mod api;
mod io;
pub mod progress;
pub mod restore;
mod run;
pub mod snapshot;

pub use api::BackupMeta;
pub use io::BlockingIo;
pub use progress::{CancelToken, Progress, ProgressFn, Transfer};
pub use restore::{RestoreSender, RestoreStep};
pub use snapshot::{Received, SnapshotReceiver};

use crate::api::stream::Placement;
use crate::error::Error;
use std::time::Duration;

/// The file of a backup folder that holds the configuration and state.
pub const META_FILE: &str = "backup.json";
/// The file of a backup folder that holds the snapshot data.
pub const DATA_FILE: &str = "stream.tar.s2";

/// Why a backup or restore failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BackupError {
    /// A JetStream call failed (the stream does not exist, the connection
    /// is closed, a timeout, ...).
    #[error(transparent)]
    Api(#[from] Error),
    /// A restore found a stream of that name: restore under another name,
    /// or delete that stream first.
    #[error("cannot restore: stream {0:?} exists")]
    StreamExists(String),
    /// The server ended the transfer with this status (a snapshot's end
    /// marker or a chunk's reply).
    #[error("the server ended the transfer: {code} {description}")]
    ServerFailed {
        /// The status code.
        code: u16,
        /// Its description.
        description: String,
    },
    /// The connection was lost during the transfer.
    #[error("the connection was lost during the transfer")]
    ConnectionLost,
    /// Nothing arrived for this long.
    #[error("the transfer stalled: nothing arrived for {0:?}")]
    Stalled(Duration),
    /// A [`CancelToken`] stopped the transfer.
    #[error("the transfer was cancelled")]
    Cancelled,
    /// The backup's metadata is unusable.
    #[error("invalid backup: {0}")]
    InvalidBackup(String),
    /// The server sent something the protocol does not allow.
    #[error("unexpected message in the transfer: {0}")]
    Protocol(String),
    /// Reading or writing the data or a file failed.
    #[error("{what}: {source}")]
    Io {
        /// What was being read or written.
        what: String,
        /// The error.
        #[source]
        source: std::io::Error,
    },
}

impl BackupError {
    pub(crate) fn io(what: impl Into<String>, source: std::io::Error) -> BackupError {
        BackupError::Io {
            what: what.into(),
            source,
        }
    }
}

/// How to take a backup.
#[derive(Debug, Clone)]
pub struct BackupOptions {
    /// Include the consumers (configuration and state); default on.
    pub consumers: bool,
    /// Ask the server to check every message first (`jsck`).
    pub health_check: bool,
    /// Bytes per chunk the server sends (0: the server's default, 128 KiB;
    /// it clamps the value to 1 KiB..1 MiB).
    pub chunk_size: usize,
    /// Bytes the server sends before waiting for acks (0: its default,
    /// 8 MiB; clamped to 1 KiB..32 MiB).
    pub window_size: usize,
    /// Fail when nothing arrives for this long (default 10 s; the server
    /// itself gives up after 5 s without acks). One too long for the clock
    /// (near `Duration::MAX`) waits without limit.
    pub idle_timeout: Duration,
    /// Receives the progress.
    pub progress: Option<ProgressFn>,
    /// Stops the backup.
    pub cancel: Option<CancelToken>,
}

impl Default for BackupOptions {
    fn default() -> Self {
        BackupOptions::new()
    }
}

impl BackupOptions {
    /// The defaults: with consumers, the server's chunk and window sizes.
    pub fn new() -> BackupOptions {
        BackupOptions {
            consumers: true,
            health_check: false,
            chunk_size: 0,
            window_size: 0,
            idle_timeout: Duration::from_secs(10),
            progress: None,
            cancel: None,
        }
    }

    /// Includes the consumers or not.
    pub fn consumers(mut self, on: bool) -> BackupOptions {
        self.consumers = on;
        self
    }

    /// Asks for the server's health check first.
    pub fn health_check(mut self, on: bool) -> BackupOptions {
        self.health_check = on;
        self
    }

    /// Sets the chunk size.
    pub fn chunk_size(mut self, bytes: usize) -> BackupOptions {
        self.chunk_size = bytes;
        self
    }

    /// Sets the window size.
    pub fn window_size(mut self, bytes: usize) -> BackupOptions {
        self.window_size = bytes;
        self
    }

    /// Sets the idle timeout.
    pub fn idle_timeout(mut self, timeout: Duration) -> BackupOptions {
        self.idle_timeout = timeout;
        self
    }

    /// Reports progress to `f`.
    pub fn progress(mut self, f: impl Fn(&Progress) + Send + Sync + 'static) -> BackupOptions {
        self.progress = Some(ProgressFn::new(f));
        self
    }

    /// Stops when `token` is cancelled.
    pub fn cancel(mut self, token: CancelToken) -> BackupOptions {
        self.cancel = Some(token);
        self
    }
}

/// How to restore a backup.
#[derive(Debug, Clone)]
pub struct RestoreOptions {
    /// Restore under this name instead of the backed-up one.
    pub name: Option<String>,
    /// Restore with this many replicas.
    pub replicas: Option<usize>,
    /// Restore with this placement.
    pub placement: Option<Placement>,
    /// Restore storing these subjects.
    pub subjects: Option<Vec<String>>,
    /// Bytes per chunk (default 128 KiB; at most the server's max payload).
    pub chunk_size: usize,
    /// Chunks sent before waiting for the first reply (default 8).
    pub window: usize,
    /// How long the server may take for its final answer (default 60 s).
    pub finish_timeout: Duration,
    /// Receives the progress.
    pub progress: Option<ProgressFn>,
    /// Stops the restore (which then deletes the half-restored stream).
    pub cancel: Option<CancelToken>,
}

impl Default for RestoreOptions {
    fn default() -> Self {
        RestoreOptions::new()
    }
}

impl RestoreOptions {
    /// The defaults: the backed-up configuration, 128 KiB chunks, 8 in
    /// flight.
    pub fn new() -> RestoreOptions {
        RestoreOptions {
            name: None,
            replicas: None,
            placement: None,
            subjects: None,
            chunk_size: 128 * 1024,
            window: 8,
            finish_timeout: Duration::from_secs(60),
            progress: None,
            cancel: None,
        }
    }

    /// Restores under `name`.
    pub fn name(mut self, name: impl Into<String>) -> RestoreOptions {
        self.name = Some(name.into());
        self
    }

    /// Restores with `replicas` replicas.
    pub fn replicas(mut self, replicas: usize) -> RestoreOptions {
        self.replicas = Some(replicas);
        self
    }

    /// Restores with `placement`.
    pub fn placement(mut self, placement: Placement) -> RestoreOptions {
        self.placement = Some(placement);
        self
    }

    /// Restores storing `subjects`.
    pub fn subjects<I, S>(mut self, subjects: I) -> RestoreOptions
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.subjects = Some(subjects.into_iter().map(Into::into).collect());
        self
    }

    /// Sets the chunk size.
    pub fn chunk_size(mut self, bytes: usize) -> RestoreOptions {
        self.chunk_size = bytes;
        self
    }

    /// Sets how many chunks may wait for replies.
    pub fn window(mut self, chunks: usize) -> RestoreOptions {
        self.window = chunks;
        self
    }

    /// Sets how long the final answer may take.
    pub fn finish_timeout(mut self, timeout: Duration) -> RestoreOptions {
        self.finish_timeout = timeout;
        self
    }

    /// Reports progress to `f`.
    pub fn progress(mut self, f: impl Fn(&Progress) + Send + Sync + 'static) -> RestoreOptions {
        self.progress = Some(ProgressFn::new(f));
        self
    }

    /// Stops when `token` is cancelled.
    pub fn cancel(mut self, token: CancelToken) -> RestoreOptions {
        self.cancel = Some(token);
        self
    }

    /// The metadata to restore: `meta` with this restore's changes.
    pub fn apply(&self, meta: &BackupMeta) -> Result<BackupMeta, BackupError> {
        let mut meta = meta.clone();
        if let Some(name) = &self.name {
            meta.set_name(name)?;
        }
        if let Some(replicas) = self.replicas {
            meta.set_replicas(replicas);
        }
        if let Some(placement) = &self.placement {
            meta.set_placement(Some(placement))?;
        }
        if let Some(subjects) = &self.subjects {
            meta.set_subjects(subjects);
        }
        Ok(meta)
    }
}
