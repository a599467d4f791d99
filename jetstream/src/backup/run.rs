//! The async API: the machines of [`snapshot`](super::snapshot) and
//! [`restore`](super::restore) driven over the context's transport, into
//! and out of `futures_io` writers and readers or a folder.

use super::api::{self as bapi, RestoreResponse, SnapshotRequest, SnapshotResponse};
use super::io::BlockingIo;
use super::restore::{RestoreSender, RestoreStep};
use super::snapshot::{Received, SnapshotReceiver};
use super::{
    BackupError, BackupMeta, BackupOptions, CancelToken, DATA_FILE, META_FILE, Progress,
    ProgressFn, RestoreOptions,
};
use crate::api::parse_response;
use crate::api::stream::StreamInfo;
use crate::context::JetStream;
use crate::error::{Error, ErrorCode};
use crate::transport::{ConnectionEvent, MessageStream, Transport};
use bytes::Bytes;
use futures_core::Stream as FuturesStream;
use futures_io::{AsyncRead, AsyncWrite};
use natrs_client::{Message, RequestError};
use std::collections::VecDeque;
use std::future::{Future, poll_fn};
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::task::Poll;
use std::time::Instant;

/// One input of a snapshot's loop.
enum Input {
    Message(Option<Message>),
    Event(Option<ConnectionEvent>),
    Timeout,
}

fn report(progress: &Option<ProgressFn>, p: &Progress) {
    if let Some(f) = progress {
        f.call(p);
    }
}

fn check_cancel(cancel: &Option<CancelToken>) -> Result<(), BackupError> {
    match cancel {
        Some(token) if token.is_cancelled() => Err(BackupError::Cancelled),
        _ => Ok(()),
    }
}

async fn write_all<W: AsyncWrite + Unpin>(writer: &mut W, mut buf: &[u8]) -> std::io::Result<()> {
    while !buf.is_empty() {
        let n = poll_fn(|cx| Pin::new(&mut *writer).poll_write(cx, buf)).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::WriteZero.into());
        }
        buf = &buf[n..];
    }
    Ok(())
}

/// Fills `buf` from `reader`; fewer bytes only at the end of the data.
async fn read_full<R: AsyncRead + Unpin>(reader: &mut R, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        let n = poll_fn(|cx| Pin::new(&mut *reader).poll_read(cx, &mut buf[filled..])).await?;
        if n == 0 {
            break;
        }
        filled += n;
    }
    Ok(filled)
}

/// A request error of the chunk transfer: nobody listening on the restore
/// subject means the server's side of the restore has ended.
fn chunk_error(e: RequestError) -> BackupError {
    match e {
        RequestError::NoResponders => BackupError::ServerFailed {
            code: 503,
            description: "the server is no longer taking chunks of this restore".to_string(),
        },
        other => Error::from_request(other, true).into(),
    }
}

/// A partial file removed when dropped, unless kept.
struct PartialFile {
    path: PathBuf,
    keep: bool,
}

impl Drop for PartialFile {
    fn drop(&mut self) {
        if !self.keep {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Ends the server's side of a restore that will not complete and deletes
/// what it created, when dropped armed (a dropped restore future).
struct Abandon<T: Transport> {
    js: JetStream<T>,
    stream: String,
    deliver: String,
    armed: bool,
}

impl<T: Transport> Drop for Abandon<T> {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        let js = self.js.clone();
        let stream = std::mem::take(&mut self.stream);
        let deliver = std::mem::take(&mut self.deliver);
        // No runtime to spawn on: a thread waits for the server's answers
        // (each bounded by the context's timeout).
        let _ = std::thread::Builder::new()
            .name("natrs-restore-cleanup".to_string())
            .spawn(move || {
                natrs_client::adapter::block_on(abandon_restore(&js, &stream, &deliver))
            });
    }
}

/// Sends the empty message that ends the transfer (the server then fails
/// the truncated restore), then deletes the stream.
async fn abandon_restore<T: Transport>(js: &JetStream<T>, stream: &str, deliver: &str) {
    if let Ok(reply) = js
        .transport()
        .request(deliver, Bytes::new(), None, js.timeout())
    {
        let _ = reply.await;
    }
    let _ = js.delete_stream(stream).await;
}

impl<T: Transport> JetStream<T> {
    /// Takes a snapshot of `stream` into `writer` (the data exactly as the
    /// server sends it) and returns its metadata, the stream's
    /// configuration and state (`backup.json`'s content).
    ///
    /// Fails with [`BackupError::ConnectionLost`] when the connection drops
    /// (the server stops a snapshot whose receiver is gone), with
    /// [`BackupError::ServerFailed`] when the server ends it with an error,
    /// and with [`BackupError::Stalled`] when nothing arrives for
    /// [`BackupOptions::idle_timeout`]. What was written to `writer` is
    /// then incomplete.
    pub async fn snapshot_stream<W: AsyncWrite + Unpin>(
        &self,
        stream: &str,
        writer: &mut W,
        options: &BackupOptions,
    ) -> Result<BackupMeta, BackupError> {
        check_cancel(&options.cancel)?;
        let transport = self.transport();
        let deliver = transport.new_inbox();
        let mut sub = transport.subscribe(&deliver, None).map_err(Error::from)?;
        // The window bounds what is in flight; never drop a chunk.
        sub.set_pending_limits(usize::MAX, usize::MAX);
        let mut events = transport.events();
        let request = SnapshotRequest {
            deliver_subject: deliver,
            no_consumers: !options.consumers,
            chunk_size: options.chunk_size,
            window_size: options.window_size,
            check_msgs: options.health_check,
        };
        let call = bapi::snapshot(self.prefix(), stream, &request)?;
        let reply = transport
            .request(&call.subject, call.payload.clone(), None, self.timeout())
            .map_err(Error::from)?
            .await
            .map_err(|e| Error::from_request(e, true))?;
        let response: SnapshotResponse = parse_response(&reply)?;
        let meta = match (response.config, response.state) {
            (Some(config), Some(state)) => BackupMeta::new(config, state)?,
            _ => {
                return Err(Error::InvalidResponse(
                    "snapshot answer without config and state".to_string(),
                )
                .into());
            }
        };
        let stream_bytes = meta.stream_bytes();
        let mut receiver =
            SnapshotReceiver::new(Instant::now(), options.idle_timeout, stream_bytes);
        report(&options.progress, receiver.progress());
        loop {
            check_cancel(&options.cancel)?;
            if receiver.is_done() {
                return Err(BackupError::Protocol("the snapshot ended".to_string()));
            }
            // No deadline: an idle time too long for the clock.
            let mut sleep = receiver
                .poll_timeout()
                .map(|deadline| transport.sleep_until(deadline));
            let input = poll_fn(|cx| {
                if let Poll::Ready(m) = Pin::new(&mut sub).poll_next(cx) {
                    return Poll::Ready(Input::Message(m));
                }
                if let Poll::Ready(e) = Pin::new(&mut events).poll_next(cx) {
                    return Poll::Ready(Input::Event(e));
                }
                if sleep
                    .as_mut()
                    .is_some_and(|sleep| Pin::new(sleep).poll(cx).is_ready())
                {
                    return Poll::Ready(Input::Timeout);
                }
                Poll::Pending
            })
            .await;
            match input {
                Input::Message(Some(msg)) => {
                    match receiver.handle_message(&msg, Instant::now())? {
                        Received::Chunk { data, ack } => {
                            // Acknowledge first: the data is in memory, and
                            // a slow writer must not hold the server's window.
                            if let Some(ack) = ack {
                                transport
                                    .publish(&ack, None, None, &Bytes::new())
                                    .map_err(Error::from)?;
                            }
                            write_all(writer, &data)
                                .await
                                .map_err(|e| BackupError::io("writing the snapshot data", e))?;
                        }
                        Received::End => {
                            poll_fn(|cx| Pin::new(&mut *writer).poll_flush(cx))
                                .await
                                .map_err(|e| BackupError::io("writing the snapshot data", e))?;
                            report(&options.progress, receiver.progress());
                            return Ok(meta);
                        }
                    }
                    report(&options.progress, receiver.progress());
                }
                Input::Message(None) => {
                    receiver.handle_connection(&ConnectionEvent::Closed)?;
                }
                Input::Event(event) => {
                    receiver.handle_connection(&event.unwrap_or(ConnectionEvent::Closed))?;
                }
                Input::Timeout => receiver.handle_timeout(Instant::now())?,
            }
        }
    }

    /// Backs `stream` up into the folder `dir` (made when missing):
    /// `backup.json` and `stream.tar.s2`, as the nats CLI writes them. On
    /// failure or cancellation the folder is left as it was (see the
    /// [module docs](crate::backup#the-folder)).
    ///
    /// The files are written with `std::fs`, a chunk at a time, from the
    /// calling task.
    pub async fn backup_stream(
        &self,
        stream: &str,
        dir: impl AsRef<Path>,
        options: &BackupOptions,
    ) -> Result<BackupMeta, BackupError> {
        let dir = dir.as_ref();
        std::fs::create_dir_all(dir)
            .map_err(|e| BackupError::io(format!("creating {}", dir.display()), e))?;
        let data_path = dir.join(DATA_FILE);
        let partial_path = dir.join(format!("{DATA_FILE}.partial"));
        let file = std::fs::File::create(&partial_path)
            .map_err(|e| BackupError::io(format!("creating {}", partial_path.display()), e))?;
        let mut partial = PartialFile {
            path: partial_path.clone(),
            keep: false,
        };
        let mut writer = BlockingIo(std::io::BufWriter::with_capacity(256 * 1024, file));
        let meta = self.snapshot_stream(stream, &mut writer, options).await?;
        let file = writer.0.into_inner().map_err(|e| {
            BackupError::io(
                format!("writing {}", partial_path.display()),
                e.into_error(),
            )
        })?;
        file.sync_all()
            .map_err(|e| BackupError::io(format!("writing {}", partial_path.display()), e))?;
        drop(file);
        let meta_partial = dir.join(format!("{META_FILE}.partial"));
        std::fs::write(&meta_partial, meta.to_json())
            .map_err(|e| BackupError::io(format!("writing {}", meta_partial.display()), e))?;
        let _meta_partial = PartialFile {
            path: meta_partial.clone(),
            keep: false,
        };
        std::fs::rename(&partial_path, &data_path)
            .map_err(|e| BackupError::io(format!("renaming to {}", data_path.display()), e))?;
        partial.keep = true;
        let meta_path = dir.join(META_FILE);
        std::fs::rename(&meta_partial, &meta_path)
            .map_err(|e| BackupError::io(format!("renaming to {}", meta_path.display()), e))?;
        Ok(meta)
    }

    /// Restores a stream from `meta` (changed as `options` says) and the
    /// snapshot data read from `reader` (`total_bytes`: its size, when
    /// known, for the progress). Returns the restored stream's info.
    ///
    /// Fails with [`BackupError::StreamExists`] when a stream of that name
    /// exists. Once the server has accepted the restore, any failure, a
    /// cancellation, or dropping the future ends the server's side of the
    /// transfer and deletes the half-restored stream.
    pub async fn restore_stream_from<R: AsyncRead + Unpin>(
        &self,
        meta: &BackupMeta,
        reader: &mut R,
        total_bytes: Option<u64>,
        options: &RestoreOptions,
    ) -> Result<StreamInfo, BackupError> {
        check_cancel(&options.cancel)?;
        let meta = options.apply(meta)?;
        let name = meta.name().unwrap_or_default().to_string();
        let stream_bytes = meta.stream_bytes();
        let call = bapi::restore(self.prefix(), &meta)?;
        let transport = self.transport();
        let reply = transport
            .request(&call.subject, call.payload.clone(), None, self.timeout())
            .map_err(Error::from)?
            .await
            .map_err(|e| Error::from_request(e, true))?;
        let deliver = match parse_response::<RestoreResponse>(&reply) {
            Ok(response) => bapi::deliver_subject(response)?,
            Err(Error::Api(e)) if e.code == ErrorCode::Other(10130) => {
                return Err(BackupError::StreamExists(name));
            }
            Err(e) => return Err(e.into()),
        };
        let mut guard = Abandon {
            js: self.clone(),
            stream: name.clone(),
            deliver: deliver.clone(),
            armed: true,
        };
        let result = self
            .send_restore(&deliver, reader, total_bytes, stream_bytes, options)
            .await;
        guard.armed = false;
        match result {
            Ok(info) => Ok(info),
            Err(e) => {
                abandon_restore(self, &name, &deliver).await;
                Err(e)
            }
        }
    }

    async fn send_restore<R: AsyncRead + Unpin>(
        &self,
        deliver: &str,
        reader: &mut R,
        total_bytes: Option<u64>,
        stream_bytes: u64,
        options: &RestoreOptions,
    ) -> Result<StreamInfo, BackupError> {
        let transport = self.transport();
        let mut sender = RestoreSender::new(
            options.chunk_size,
            options.window,
            total_bytes,
            stream_bytes,
        );
        report(&options.progress, sender.progress());
        let mut buf = vec![0u8; options.chunk_size.max(1)];
        let mut in_flight: VecDeque<T::Reply> = VecDeque::new();
        let mut end: Option<T::Reply> = None;
        loop {
            match sender.next_step() {
                RestoreStep::SendChunk(n) => {
                    check_cancel(&options.cancel)?;
                    let len = read_full(reader, &mut buf[..n])
                        .await
                        .map_err(|e| BackupError::io("reading the snapshot data", e))?;
                    if len == 0 {
                        sender.data_ended();
                        continue;
                    }
                    let reply = transport
                        .request(
                            deliver,
                            Bytes::copy_from_slice(&buf[..len]),
                            None,
                            self.timeout(),
                        )
                        .map_err(Error::from)?;
                    in_flight.push_back(reply);
                    sender.chunk_sent(len);
                }
                RestoreStep::AwaitChunkReply => {
                    let reply = in_flight
                        .pop_front()
                        .ok_or_else(|| BackupError::Protocol("no chunk in flight".to_string()))?
                        .await
                        .map_err(chunk_error)?;
                    sender.handle_chunk_reply(&reply)?;
                    report(&options.progress, sender.progress());
                }
                RestoreStep::SendEnd => {
                    check_cancel(&options.cancel)?;
                    end = Some(
                        transport
                            .request(deliver, Bytes::new(), None, options.finish_timeout)
                            .map_err(Error::from)?,
                    );
                    sender.end_sent();
                }
                RestoreStep::AwaitEndReply => {
                    let reply = end
                        .take()
                        .ok_or_else(|| BackupError::Protocol("no end in flight".to_string()))?
                        .await
                        .map_err(chunk_error)?;
                    let info = sender.handle_end_reply(&reply)?;
                    report(&options.progress, sender.progress());
                    return Ok(info);
                }
                RestoreStep::Done => {
                    return Err(BackupError::Protocol("the restore ended".to_string()));
                }
            }
        }
    }

    /// Restores the backup in folder `dir` (`backup.json` and
    /// `stream.tar.s2`, as [`backup_stream`](Self::backup_stream) and the
    /// nats CLI write them); see [`restore_stream_from`](Self::restore_stream_from).
    pub async fn restore_stream(
        &self,
        dir: impl AsRef<Path>,
        options: &RestoreOptions,
    ) -> Result<StreamInfo, BackupError> {
        let (meta, file, size) = open_backup(dir.as_ref())?;
        let mut reader = BlockingIo(file);
        self.restore_stream_from(&meta, &mut reader, Some(size), options)
            .await
    }
}

/// Reads a backup folder's metadata and opens its data.
pub(crate) fn open_backup(dir: &Path) -> Result<(BackupMeta, std::fs::File, u64), BackupError> {
    let meta_path = dir.join(META_FILE);
    let json = std::fs::read(&meta_path)
        .map_err(|e| BackupError::io(format!("reading {}", meta_path.display()), e))?;
    let meta = BackupMeta::from_json(&json)?;
    let data_path = dir.join(DATA_FILE);
    let file = std::fs::File::open(&data_path)
        .map_err(|e| BackupError::io(format!("opening {}", data_path.display()), e))?;
    let size = file
        .metadata()
        .map_err(|e| BackupError::io(format!("reading {}", data_path.display()), e))?
        .len();
    Ok((meta, file, size))
}
