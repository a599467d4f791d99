//! Backup and restore on the blocking facade: the async API's methods run
//! with [`block_on`](super::block_on), over `std::io` readers and writers.

use super::{JetStream, block_on};
use crate::api::stream::StreamInfo;
use crate::backup::{BackupError, BackupMeta, BackupOptions, BlockingIo, RestoreOptions};
use std::io::{Read, Write};
use std::path::Path;

impl JetStream {
    /// Takes a snapshot of `stream` into `writer`; see
    /// [`crate::JetStream::snapshot_stream`].
    pub fn snapshot_stream(
        &self,
        stream: &str,
        mut writer: impl Write,
        options: &BackupOptions,
    ) -> Result<BackupMeta, BackupError> {
        let mut writer = BlockingIo(&mut writer);
        block_on(self.inner.snapshot_stream(stream, &mut writer, options))
    }

    /// Backs `stream` up into the folder `dir`; see
    /// [`crate::JetStream::backup_stream`].
    pub fn backup_stream(
        &self,
        stream: &str,
        dir: impl AsRef<Path>,
        options: &BackupOptions,
    ) -> Result<BackupMeta, BackupError> {
        block_on(self.inner.backup_stream(stream, dir, options))
    }

    /// Restores a stream from `meta` and the data in `reader`; see
    /// [`crate::JetStream::restore_stream_from`].
    pub fn restore_stream_from(
        &self,
        meta: &BackupMeta,
        mut reader: impl Read,
        total_bytes: Option<u64>,
        options: &RestoreOptions,
    ) -> Result<StreamInfo, BackupError> {
        let mut reader = BlockingIo(&mut reader);
        block_on(
            self.inner
                .restore_stream_from(meta, &mut reader, total_bytes, options),
        )
    }

    /// Restores the backup in folder `dir`; see
    /// [`crate::JetStream::restore_stream`].
    pub fn restore_stream(
        &self,
        dir: impl AsRef<Path>,
        options: &RestoreOptions,
    ) -> Result<StreamInfo, BackupError> {
        block_on(self.inner.restore_stream(dir, options))
    }
}
