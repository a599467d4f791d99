//! Object Store with blocking calls: [`ObjectStore`] and the store
//! management methods of [`JetStream`]. Objects are written from any
//! [`std::io::Read`] and read through [`ObjectReader`], a
//! [`std::io::Read`] that checks size and digest.
//!
//! ```no_run
//! # fn demo(client: natrs_client::Client) -> Result<(), Box<dyn std::error::Error>> {
//! use natrs_jetstream::blocking::JetStream;
//! use natrs_jetstream::object::{Config, ObjectMeta};
//! let js = JetStream::new(client);
//! let store = js.create_object_store(Config::new("files"))?;
//! store.put(ObjectMeta::new("data.bin"), std::fs::File::open("data.bin")?)?;
//! let mut reader = store.get("data.bin")?;
//! std::io::copy(&mut reader, &mut std::io::sink())?;
//! # Ok(()) }
//! ```

use super::{Iter, JetStream};
use crate::api::stream::{StreamListResponse, StreamNamesResponse};
use crate::object::{Config, ObjectError, ObjectInfo, ObjectMeta, ObjectWatchOptions, Status};
use bytes::Bytes;
use futures_core::Stream as _;
use natrs_client::adapter::block_on;
use natrs_client::{Client, Payload};
use std::future::poll_fn;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

/// A store's watch as a blocking iterator of `Result<ObjectWatchEvent>`.
pub type ObjectWatch = Iter<crate::object::ObjectWatch<Client>>;

/// Store management.
impl JetStream {
    /// Binds to an existing object store.
    pub fn object_store(&self, bucket: &str) -> Result<ObjectStore, ObjectError> {
        block_on(self.inner.object_store(bucket)).map(ObjectStore::from_async)
    }

    /// Creates an object store.
    pub fn create_object_store(&self, config: Config) -> Result<ObjectStore, ObjectError> {
        block_on(self.inner.create_object_store(config)).map(ObjectStore::from_async)
    }

    /// Updates an object store.
    pub fn update_object_store(&self, config: Config) -> Result<ObjectStore, ObjectError> {
        block_on(self.inner.update_object_store(config)).map(ObjectStore::from_async)
    }

    /// Creates or updates an object store.
    pub fn create_or_update_object_store(
        &self,
        config: Config,
    ) -> Result<ObjectStore, ObjectError> {
        block_on(self.inner.create_or_update_object_store(config)).map(ObjectStore::from_async)
    }

    /// Deletes an object store.
    pub fn delete_object_store(&self, bucket: &str) -> Result<(), ObjectError> {
        block_on(self.inner.delete_object_store(bucket))
    }

    /// The names of all object stores.
    pub fn object_store_names(&self) -> super::Listing<StreamNamesResponse, String> {
        super::Iter(self.inner.object_store_names())
    }

    /// The status of every object store.
    pub fn object_stores(&self) -> super::Listing<StreamListResponse, Status> {
        super::Iter(self.inner.object_stores())
    }
}

/// A blocking reader as the async put takes it: reads on the calling
/// thread, which `block_on` parks anyway.
struct SyncRead<R>(R);

// Never pinned structurally: the reader is only used through `&mut`.
impl<R> Unpin for SyncRead<R> {}

impl<R: io::Read> futures_io::AsyncRead for SyncRead<R> {
    fn poll_read(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        Poll::Ready(self.get_mut().0.read(buf))
    }
}

/// A store's objects as a blocking iterator of `Result<ObjectInfo>`.
pub type ObjectList = Iter<crate::object::ObjectList<Client>>;

/// An object store with blocking methods. Cheap to clone.
#[derive(Debug, Clone)]
pub struct ObjectStore {
    inner: crate::object::ObjectStore<Client>,
}

impl ObjectStore {
    /// Wraps an async store.
    pub fn from_async(inner: crate::object::ObjectStore<Client>) -> ObjectStore {
        ObjectStore { inner }
    }

    /// The async store.
    pub fn as_async(&self) -> &crate::object::ObjectStore<Client> {
        &self.inner
    }

    /// The store name.
    pub fn bucket(&self) -> &str {
        self.inner.bucket()
    }

    /// Stores what `reader` yields as object `meta.name`.
    pub fn put<R: io::Read>(&self, meta: ObjectMeta, reader: R) -> Result<ObjectInfo, ObjectError> {
        block_on(self.inner.put(meta, SyncRead(reader)))
    }

    /// Stores `data` as object `name`.
    pub fn put_bytes<'p>(
        &self,
        name: &str,
        data: impl Into<Payload<'p>>,
    ) -> Result<ObjectInfo, ObjectError> {
        block_on(self.inner.put_bytes(name, data))
    }

    /// Stores `data` with `meta`.
    pub fn put_bytes_with<'p>(
        &self,
        meta: ObjectMeta,
        data: impl Into<Payload<'p>>,
    ) -> Result<ObjectInfo, ObjectError> {
        block_on(self.inner.put_bytes_with(meta, data))
    }

    /// The bytes of `name`, as a reader (links followed).
    pub fn get(&self, name: &str) -> Result<ObjectReader, ObjectError> {
        block_on(self.inner.get(name)).map(|inner| ObjectReader { inner })
    }

    /// The bytes of `name` in memory.
    pub fn get_bytes(&self, name: &str) -> Result<Bytes, ObjectError> {
        block_on(self.inner.get_bytes(name))
    }

    /// The info of `name` (not deleted).
    pub fn get_info(&self, name: &str) -> Result<ObjectInfo, ObjectError> {
        block_on(self.inner.get_info(name))
    }

    /// The info of `name`, deleted or not.
    pub fn get_info_with_deleted(&self, name: &str) -> Result<ObjectInfo, ObjectError> {
        block_on(self.inner.get_info_with_deleted(name))
    }

    /// Changes the name, description, headers and metadata of `name`.
    pub fn update_meta(&self, name: &str, meta: ObjectMeta) -> Result<ObjectInfo, ObjectError> {
        block_on(self.inner.update_meta(name, meta))
    }

    /// Deletes `name`.
    pub fn delete(&self, name: &str) -> Result<(), ObjectError> {
        block_on(self.inner.delete(name))
    }

    /// Adds `name` as a link to the object `target` describes.
    pub fn add_link(&self, name: &str, target: &ObjectInfo) -> Result<ObjectInfo, ObjectError> {
        block_on(self.inner.add_link(name, target))
    }

    /// Adds `name` as a link to the store `bucket`.
    pub fn add_bucket_link(&self, name: &str, bucket: &str) -> Result<ObjectInfo, ObjectError> {
        block_on(self.inner.add_bucket_link(name, bucket))
    }

    /// Seals the store.
    pub fn seal(&self) -> Result<(), ObjectError> {
        block_on(self.inner.seal())
    }

    /// Watches the objects.
    pub fn watch(&self) -> Result<ObjectWatch, ObjectError> {
        Ok(Iter(block_on(self.inner.watch())?))
    }

    /// Watches the objects as `options` say.
    pub fn watch_with(&self, options: ObjectWatchOptions) -> Result<ObjectWatch, ObjectError> {
        Ok(Iter(block_on(self.inner.watch_with(options))?))
    }

    /// The objects (deleted ones left out), read as they are delivered.
    pub fn list_objects(&self) -> Result<ObjectList, ObjectError> {
        block_on(self.inner.list_objects()).map(Iter)
    }

    /// The objects (deleted ones left out).
    pub fn list(&self) -> Result<Vec<ObjectInfo>, ObjectError> {
        block_on(self.inner.list())
    }

    /// The objects, deleted ones included.
    pub fn list_with_deleted(&self) -> Result<Vec<ObjectInfo>, ObjectError> {
        block_on(self.inner.list_with_deleted())
    }

    /// The store's status.
    pub fn status(&self) -> Result<Status, ObjectError> {
        block_on(self.inner.status())
    }
}

/// An object's bytes as a [`std::io::Read`] (size and digest checked; a
/// mismatch is an [`io::ErrorKind::InvalidData`] error) and as an iterator
/// of chunks.
#[derive(Debug)]
pub struct ObjectReader {
    inner: crate::object::ObjectReader<Client>,
}

impl ObjectReader {
    /// The object's info.
    pub fn info(&self) -> &ObjectInfo {
        self.inner.info()
    }

    /// The async reader.
    pub fn as_async(&mut self) -> &mut crate::object::ObjectReader<Client> {
        &mut self.inner
    }

    /// Reads the rest of the object into memory.
    pub fn read_all(self) -> Result<Bytes, ObjectError> {
        block_on(self.inner.read_all())
    }
}

impl io::Read for ObjectReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let inner = &mut self.inner;
        block_on(poll_fn(|cx| {
            futures_io::AsyncRead::poll_read(Pin::new(&mut *inner), cx, buf)
        }))
    }
}

impl Iterator for ObjectReader {
    type Item = Result<Bytes, ObjectError>;

    fn next(&mut self) -> Option<Self::Item> {
        let inner = &mut self.inner;
        block_on(poll_fn(|cx| Pin::new(&mut *inner).poll_next(cx)))
    }
}
