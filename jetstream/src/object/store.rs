//! [`ObjectStore`]: a handle to one object store (put, get, info, meta
//! updates, links, deletes, watches, seal), and the store management calls
//! on [`JetStream`].

use super::ObjectError;
use super::config::{Config, STREAM_PREFIX, Status, validate_bucket};
use super::get::ObjectReader;
use super::hasher::ObjectHasher;
use super::info::{
    DEFAULT_CHUNK_SIZE, ObjectInfo, ObjectLink, ObjectMeta, ObjectMetaOptions, digest_string,
    encode_name,
};
use super::put::{Acks, NoReader, Source};
use super::watch::{ObjectList, ObjectWatch, ObjectWatchEvent, ObjectWatchOptions};
use crate::api::consumer::DeliverPolicy;
use crate::api::publish::{PublishOptions, Rollup};
use crate::api::stream::{
    self as sapi, StreamInfo, StreamListRequest, StreamListResponse, StreamNamesResponse,
};
use crate::consumer::OrderedConsumer;
use crate::consumer::{ConsumeOptions, OrderedOptions};
use crate::context::JetStream;
use crate::error::{Error, ErrorCode};
use crate::kv::next_item;
use crate::kv::watch::{release, watch_consume_options};
use crate::listing::Listing;
use crate::publish::PublishMessage;
use crate::stream::Stream;
use crate::transport::Transport;
use bytes::{Bytes, BytesMut};
use futures_io::AsyncRead;
use natrs_client::{Client, Payload};
use time::OffsetDateTime;

/// Links followed by a get before giving up.
const MAX_LINK_HOPS: usize = 8;

/// Chunks an object read keeps requested ahead of the reader.
const GET_BUFFER_CHUNKS: usize = 32;

/// An object store. Cheap to clone.
pub struct ObjectStore<T: Transport = Client> {
    js: JetStream<T>,
    name: String,
    stream: Stream<T>,
}

impl<T: Transport> Clone for ObjectStore<T> {
    fn clone(&self) -> Self {
        ObjectStore {
            js: self.js.clone(),
            name: self.name.clone(),
            stream: self.stream.clone(),
        }
    }
}

impl<T: Transport> std::fmt::Debug for ObjectStore<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ObjectStore")
            .field("bucket", &self.name)
            .finish_non_exhaustive()
    }
}

/// `$O.<bucket>.C.<nuid>`: where an object's chunks are.
pub fn chunk_subject(bucket: &str, nuid: &str) -> String {
    format!("$O.{bucket}.C.{nuid}")
}

/// `$O.<bucket>.M.<base64url(name)>`: where an object's meta is.
pub fn meta_subject(bucket: &str, name: &str) -> String {
    format!("$O.{bucket}.M.{}", encode_name(name))
}

impl<T: Transport> ObjectStore<T> {
    /// The handle of the store whose stream `info` describes.
    pub fn from_stream_info(js: JetStream<T>, info: StreamInfo) -> ObjectStore<T> {
        let name = info
            .config
            .name
            .strip_prefix(STREAM_PREFIX)
            .unwrap_or(&info.config.name)
            .to_string();
        let stream = Stream::new(js.clone(), info);
        ObjectStore { js, name, stream }
    }

    /// The store name.
    pub fn bucket(&self) -> &str {
        &self.name
    }

    /// The backing stream (with the info it was bound with).
    pub fn stream(&self) -> &Stream<T> {
        &self.stream
    }

    /// A new object id: a NUID from the client.
    fn new_nuid(&self) -> String {
        let inbox = self.js.transport().new_inbox();
        inbox.rsplit('.').next().unwrap_or_default().to_string()
    }

    fn bucket_error(&self, e: Error) -> ObjectError {
        if e.is(ErrorCode::StreamNotFound) {
            ObjectError::BucketNotFound(self.name.clone())
        } else {
            e.into()
        }
    }

    // ----- info -----

    /// The info of `name`, deleted objects included.
    pub async fn get_info_with_deleted(&self, name: &str) -> Result<ObjectInfo, ObjectError> {
        if name.is_empty() {
            return Err(ObjectError::EmptyName);
        }
        let subject = meta_subject(&self.name, name);
        let read = if self.stream.cached_info().config.allow_direct {
            self.stream.direct_get_last(&subject).await
        } else {
            self.stream.get_last_message(&subject).await
        };
        let m = match read {
            Ok(m) => m,
            Err(Error::MessageNotFound) => return Err(ObjectError::NotFound(name.to_string())),
            Err(e) => return Err(self.bucket_error(e)),
        };
        let mut info = ObjectInfo::from_meta_json(&m.payload)?;
        info.modified = m.time;
        Ok(info)
    }

    /// The info of `name`; [`ObjectError::NotFound`] for missing and deleted
    /// objects.
    pub async fn get_info(&self, name: &str) -> Result<ObjectInfo, ObjectError> {
        let info = self.get_info_with_deleted(name).await?;
        if info.deleted {
            return Err(ObjectError::NotFound(name.to_string()));
        }
        Ok(info)
    }

    /// The info of `name` if it exists, deleted or not.
    async fn existing(&self, name: &str) -> Result<Option<ObjectInfo>, ObjectError> {
        match self.get_info_with_deleted(name).await {
            Ok(info) => Ok(Some(info)),
            Err(ObjectError::NotFound(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn publish_meta(&self, info: &ObjectInfo) -> Result<(), ObjectError> {
        let message = PublishMessage::new(info.to_meta_json())
            .options(PublishOptions::new().rollup(Rollup::Subject));
        self.js
            .send_publish(meta_subject(&self.name, &info.name), message)
            .await
            .map_err(|e| self.bucket_error(e))?;
        Ok(())
    }

    async fn purge_subject(&self, subject: &str) -> Result<(), ObjectError> {
        self.stream
            .purge_subject(subject)
            .await
            .map_err(|e| self.bucket_error(e))?;
        Ok(())
    }

    // ----- put -----

    /// Stores the bytes `reader` yields as object `meta.name`, replacing
    /// the object of that name (whose chunks are purged once the new meta is
    /// stored). The chunks are published pipelined and hashed as they are
    /// read; if anything fails, the chunks already stored are purged and the
    /// previous object stays as it was.
    pub async fn put<R: AsyncRead + Unpin>(
        &self,
        meta: ObjectMeta,
        reader: R,
    ) -> Result<ObjectInfo, ObjectError> {
        let source = Source::Reader {
            reader,
            buf: BytesMut::new(),
        };
        self.put_source(meta, source).await
    }

    /// Stores `data` as object `name`: any payload form, as a publish takes
    /// (the chunks share the memory of a `Bytes`; borrowed data is copied once).
    pub async fn put_bytes(
        &self,
        name: &str,
        data: impl Into<Payload<'_>>,
    ) -> Result<ObjectInfo, ObjectError> {
        self.put_bytes_with(ObjectMeta::new(name), data).await
    }

    /// Stores `data` with the description, headers, metadata and chunk size
    /// of `meta`.
    pub async fn put_bytes_with(
        &self,
        meta: ObjectMeta,
        data: impl Into<Payload<'_>>,
    ) -> Result<ObjectInfo, ObjectError> {
        self.put_source(meta, Source::<NoReader>::Bytes(data.into().into_bytes()))
            .await
    }

    async fn put_source<R: AsyncRead + Unpin>(
        &self,
        meta: ObjectMeta,
        mut source: Source<R>,
    ) -> Result<ObjectInfo, ObjectError> {
        if meta.name.is_empty() {
            return Err(ObjectError::EmptyName);
        }
        let chunk_size = meta.chunk_size.unwrap_or(DEFAULT_CHUNK_SIZE);
        if chunk_size == 0 {
            return Err(ObjectError::InvalidChunkSize);
        }
        let previous = self.existing(&meta.name).await?;
        let nuid = self.new_nuid();
        let chunks_at = chunk_subject(&self.name, &nuid);
        let mut acks = Acks::new(usize::try_from(chunk_size).unwrap_or(usize::MAX));
        let mut written = Written::default();
        let sent = self
            .send_chunks(&mut source, chunk_size, &chunks_at, &mut acks, &mut written)
            .await;
        if let Err(e) = sent {
            // Every publish must have landed (or failed) before the purge,
            // or a late chunk would outlive it.
            let _ = acks.finish().await;
            let _ = self.purge_subject(&chunks_at).await;
            return Err(e);
        }
        let mut info = ObjectInfo {
            name: meta.name,
            description: meta.description,
            headers: meta.headers,
            metadata: meta.metadata,
            options: Some(ObjectMetaOptions {
                link: None,
                max_chunk_size: chunk_size,
            }),
            bucket: self.name.clone(),
            nuid,
            size: written.size,
            modified: None,
            chunks: written.chunks,
            digest: digest_string(&written.hasher.finalize()),
            deleted: false,
        };
        if let Err(e) = self.publish_meta(&info).await {
            let _ = self.purge_subject(&chunks_at).await;
            return Err(e);
        }
        if let Some(old) = previous.filter(|p| !p.deleted && p.nuid != info.nuid) {
            // The new object is complete; the old chunks are garbage now.
            let _ = self
                .purge_subject(&chunk_subject(&self.name, &old.nuid))
                .await;
        }
        info.modified = Some(OffsetDateTime::now_utc());
        Ok(info)
    }

    async fn send_chunks<R: AsyncRead + Unpin>(
        &self,
        source: &mut Source<R>,
        chunk_size: u32,
        subject: &str,
        acks: &mut Acks<T>,
        written: &mut Written,
    ) -> Result<(), ObjectError> {
        let size = usize::try_from(chunk_size).unwrap_or(usize::MAX);
        loop {
            let chunk = match source.next_chunk(size).await {
                Ok(Some(chunk)) => chunk,
                Ok(None) => break,
                Err(e) => return Err(ObjectError::read(&e)),
            };
            written.hasher.update(&chunk);
            written.size += chunk.len() as u64;
            written.chunks = written.chunks.checked_add(1).ok_or_else(|| {
                ObjectError::JetStream(Error::InvalidArgument(
                    "an object holds at most 2^32 - 1 chunks".to_string(),
                ))
            })?;
            let ack = self
                .js
                .send_publish_async(subject, PublishMessage::new(chunk))
                .await
                .map_err(|e| self.bucket_error(e))?;
            acks.push(ack).await.map_err(|e| self.bucket_error(e))?;
        }
        acks.finish().await.map_err(|e| self.bucket_error(e))
    }

    // ----- get -----

    /// The bytes of `name`, following links (to objects, in this or
    /// another store): a reader that checks size and digest.
    pub async fn get(&self, name: &str) -> Result<ObjectReader<T>, ObjectError> {
        let mut info = self.get_info(name).await?;
        let mut store = self.clone();
        for _ in 0..MAX_LINK_HOPS {
            let Some(link) = info.link() else {
                return store.read(info).await;
            };
            let target = link
                .name
                .clone()
                .ok_or_else(|| ObjectError::BucketLink(info.name.clone()))?;
            if link.bucket != store.name {
                store = self.js.object_store(&link.bucket).await?;
            }
            info = store.get_info(&target).await?;
        }
        Err(ObjectError::TooManyLinks(name.to_string()))
    }

    /// The bytes of `name` in memory (links followed, size and digest
    /// checked).
    pub async fn get_bytes(&self, name: &str) -> Result<Bytes, ObjectError> {
        self.get(name).await?.read_all().await
    }

    /// A reader over the chunks of the object `info` describes.
    async fn read(&self, info: ObjectInfo) -> Result<ObjectReader<T>, ObjectError> {
        let transport = self.js.transport().clone();
        let timeout = self.js.timeout();
        if info.size == 0 {
            return Ok(ObjectReader::new(info, None, transport, timeout));
        }
        let options = OrderedOptions {
            filter_subjects: vec![chunk_subject(&self.name, &info.nuid)],
            deliver_policy: DeliverPolicy::All,
            ..OrderedOptions::default()
        };
        let messages = OrderedConsumer::new(self.js.clone(), self.stream.name(), options)?
            .consume_options(ConsumeOptions::new().max_messages(GET_BUFFER_CHUNKS))
            .messages()
            .await
            .map_err(|e| self.bucket_error(e))?;
        let found = messages.initial_pending();
        let expected = u64::from(info.chunks);
        if found == 0 || found < expected {
            release(&self.js, &messages);
            return Err(ObjectError::MissingChunks { expected, found });
        }
        Ok(ObjectReader::new(
            info,
            Some((self.js.clone(), messages)),
            transport,
            timeout,
        ))
    }

    // ----- changes -----

    /// Changes the name, description, headers and metadata of `name` (the
    /// chunk size in `meta` is ignored). Renaming onto an existing object
    /// fails with [`ObjectError::AlreadyExists`].
    pub async fn update_meta(
        &self,
        name: &str,
        meta: ObjectMeta,
    ) -> Result<ObjectInfo, ObjectError> {
        if meta.name.is_empty() {
            return Err(ObjectError::EmptyName);
        }
        let mut info = self.get_info(name).await?;
        let renamed = meta.name != name;
        if renamed {
            if let Some(other) = self.existing(&meta.name).await? {
                if !other.deleted {
                    return Err(ObjectError::AlreadyExists(meta.name));
                }
            }
        }
        info.name = meta.name;
        info.description = meta.description;
        info.headers = meta.headers;
        info.metadata = meta.metadata;
        self.publish_meta(&info).await?;
        if renamed {
            self.purge_subject(&meta_subject(&self.name, name)).await?;
        }
        info.modified = Some(OffsetDateTime::now_utc());
        Ok(info)
    }

    /// Deletes `name`: its meta becomes a deleted marker (size 0, no
    /// digest) and its chunks are purged.
    pub async fn delete(&self, name: &str) -> Result<(), ObjectError> {
        let mut info = self
            .existing(name)
            .await?
            .ok_or_else(|| ObjectError::NotFound(name.to_string()))?;
        info.deleted = true;
        info.size = 0;
        info.chunks = 0;
        info.digest.clear();
        self.publish_meta(&info).await?;
        self.purge_subject(&chunk_subject(&self.name, &info.nuid))
            .await
    }

    /// Checks that a link may be written at `name`: nothing there, a
    /// deleted object, or another link.
    async fn check_link_name(&self, name: &str) -> Result<(), ObjectError> {
        if name.is_empty() {
            return Err(ObjectError::EmptyName);
        }
        match self.existing(name).await? {
            Some(e) if !e.deleted && !e.is_link() => {
                Err(ObjectError::AlreadyExists(name.to_string()))
            }
            _ => Ok(()),
        }
    }

    async fn put_link(&self, name: &str, link: ObjectLink) -> Result<ObjectInfo, ObjectError> {
        let mut info = ObjectInfo {
            name: name.to_string(),
            options: Some(ObjectMetaOptions {
                link: Some(link),
                max_chunk_size: 0,
            }),
            bucket: self.name.clone(),
            nuid: self.new_nuid(),
            ..ObjectInfo::default()
        };
        self.publish_meta(&info).await?;
        info.modified = Some(OffsetDateTime::now_utc());
        Ok(info)
    }

    /// Adds `name` as a link to the object `target` describes (in this or
    /// another store). Links to links and to deleted objects are refused.
    pub async fn add_link(
        &self,
        name: &str,
        target: &ObjectInfo,
    ) -> Result<ObjectInfo, ObjectError> {
        if target.name.is_empty() {
            return Err(ObjectError::EmptyName);
        }
        if target.deleted {
            return Err(ObjectError::LinkToDeleted(target.name.clone()));
        }
        if target.is_link() {
            return Err(ObjectError::LinkToLink(target.name.clone()));
        }
        self.check_link_name(name).await?;
        let link = ObjectLink {
            bucket: target.bucket.clone(),
            name: Some(target.name.clone()),
        };
        self.put_link(name, link).await
    }

    /// Adds `name` as a link to the whole store `bucket`.
    pub async fn add_bucket_link(
        &self,
        name: &str,
        bucket: &str,
    ) -> Result<ObjectInfo, ObjectError> {
        validate_bucket(bucket)?;
        self.check_link_name(name).await?;
        let link = ObjectLink {
            bucket: bucket.to_string(),
            name: None,
        };
        self.put_link(name, link).await
    }

    /// Seals the store: nothing can be added, changed or removed any more.
    pub async fn seal(&self) -> Result<(), ObjectError> {
        let mut config = self
            .js
            .stream_info(self.stream.name())
            .await
            .map_err(|e| self.bucket_error(e))?
            .config;
        config.sealed = true;
        self.js.update_stream(config).await?;
        Ok(())
    }

    // ----- listing -----

    /// Watches the objects: the latest info of each, then the changes.
    pub async fn watch(&self) -> Result<ObjectWatch<T>, ObjectError> {
        self.watch_with(ObjectWatchOptions::new()).await
    }

    /// Watches the objects as `options` say.
    pub async fn watch_with(
        &self,
        options: ObjectWatchOptions,
    ) -> Result<ObjectWatch<T>, ObjectError> {
        let deliver_policy = if options.updates_only {
            DeliverPolicy::New
        } else if options.include_history {
            DeliverPolicy::All
        } else {
            DeliverPolicy::LastPerSubject
        };
        let ordered = OrderedOptions {
            filter_subjects: vec![format!("$O.{}.M.>", self.name)],
            deliver_policy,
            ..OrderedOptions::default()
        };
        let messages = OrderedConsumer::new(self.js.clone(), self.stream.name(), ordered)?
            .consume_options(watch_consume_options())
            .messages()
            .await
            .map_err(|e| self.bucket_error(e))?;
        Ok(ObjectWatch::new(self.js.clone(), messages, &options))
    }

    async fn list_with(&self, options: ObjectWatchOptions) -> Result<Vec<ObjectInfo>, ObjectError> {
        let mut watch = self.watch_with(options).await?;
        let mut infos = Vec::new();
        while let Some(event) = next_item(&mut watch).await {
            match event? {
                ObjectWatchEvent::Info(info) => infos.push(*info),
                ObjectWatchEvent::EndOfInitialData => break,
            }
        }
        Ok(infos)
    }

    /// The objects in the store (deleted ones left out), as a stream read
    /// as the infos are delivered; it ends after the last one.
    pub async fn list_objects(&self) -> Result<ObjectList<T>, ObjectError> {
        let options = ObjectWatchOptions::new().ignore_deletes();
        Ok(ObjectList::new(self.watch_with(options).await?))
    }

    /// The objects in the store (deleted ones left out).
    pub async fn list(&self) -> Result<Vec<ObjectInfo>, ObjectError> {
        self.list_with(ObjectWatchOptions::new().ignore_deletes())
            .await
    }

    /// The objects in the store, deleted ones included.
    pub async fn list_with_deleted(&self) -> Result<Vec<ObjectInfo>, ObjectError> {
        self.list_with(ObjectWatchOptions::new()).await
    }

    /// The store's status (its stream's info).
    pub async fn status(&self) -> Result<Status, ObjectError> {
        let info = self
            .js
            .stream_info(self.stream.name())
            .await
            .map_err(|e| self.bucket_error(e))?;
        Ok(Status {
            bucket: self.name.clone(),
            info,
        })
    }
}

/// What a put has written so far.
#[derive(Default)]
struct Written {
    hasher: ObjectHasher,
    size: u64,
    chunks: u32,
}

fn stream_name(bucket: &str) -> String {
    format!("{STREAM_PREFIX}{bucket}")
}

/// Object store management.
impl<T: Transport> JetStream<T> {
    /// Binds to an existing object store.
    pub async fn object_store(&self, bucket: &str) -> Result<ObjectStore<T>, ObjectError> {
        validate_bucket(bucket)?;
        match self.stream_info(&stream_name(bucket)).await {
            Ok(info) => Ok(ObjectStore::from_stream_info(self.clone(), info)),
            Err(e) if e.is(ErrorCode::StreamNotFound) => {
                Err(ObjectError::BucketNotFound(bucket.to_string()))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Creates an object store; [`ObjectError::BucketExists`] when one of
    /// that name exists with another configuration.
    pub async fn create_object_store(&self, config: Config) -> Result<ObjectStore<T>, ObjectError> {
        let stream = config.to_stream_config()?;
        match self.create_stream(stream).await {
            Ok(s) => Ok(ObjectStore::from_stream_info(
                self.clone(),
                s.cached_info().clone(),
            )),
            Err(e) if e.is(ErrorCode::StreamNameInUse) => {
                Err(ObjectError::BucketExists(config.bucket))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Updates an object store's configuration.
    pub async fn update_object_store(&self, config: Config) -> Result<ObjectStore<T>, ObjectError> {
        let stream = config.to_stream_config()?;
        match self.update_stream(stream).await {
            Ok(info) => Ok(ObjectStore::from_stream_info(self.clone(), info)),
            Err(e) if e.is(ErrorCode::StreamNotFound) => {
                Err(ObjectError::BucketNotFound(config.bucket))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Creates an object store, or updates it when it exists.
    pub async fn create_or_update_object_store(
        &self,
        config: Config,
    ) -> Result<ObjectStore<T>, ObjectError> {
        let s = self
            .create_or_update_stream(config.to_stream_config()?)
            .await?;
        Ok(ObjectStore::from_stream_info(
            self.clone(),
            s.cached_info().clone(),
        ))
    }

    /// Deletes an object store and everything in it.
    pub async fn delete_object_store(&self, bucket: &str) -> Result<(), ObjectError> {
        validate_bucket(bucket)?;
        match self.delete_stream(&stream_name(bucket)).await {
            Ok(_) => Ok(()),
            Err(e) if e.is(ErrorCode::StreamNotFound) => {
                Err(ObjectError::BucketNotFound(bucket.to_string()))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// The names of all object stores, a page fetched as the last one is
    /// consumed.
    pub fn object_store_names(&self) -> Listing<StreamNamesResponse, String, T> {
        let prefix = self.prefix().clone();
        Listing::with_filter(
            self.clone(),
            move |offset| {
                sapi::names(
                    &prefix,
                    &StreamListRequest {
                        offset,
                        subject: Some("$O.*.C.>".to_string()),
                    },
                )
            },
            |n| n.strip_prefix(STREAM_PREFIX).map(str::to_string),
        )
    }

    /// The status of every object store, a page fetched as the last one is
    /// consumed.
    pub fn object_stores(&self) -> Listing<StreamListResponse, Status, T> {
        let prefix = self.prefix().clone();
        Listing::with_filter(
            self.clone(),
            move |offset| {
                sapi::list(
                    &prefix,
                    &StreamListRequest {
                        offset,
                        subject: Some("$O.*.C.>".to_string()),
                    },
                )
            },
            |info| {
                let bucket = info.config.name.strip_prefix(STREAM_PREFIX)?.to_string();
                Some(Status { bucket, info })
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects() {
        assert_eq!(chunk_subject("B", "N"), "$O.B.C.N");
        assert_eq!(meta_subject("B", "object-name"), "$O.B.M.b2JqZWN0LW5hbWU=");
    }
}
