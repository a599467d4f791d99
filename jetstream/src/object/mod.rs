//! Object Store (ADR-20): objects of any size, stored in chunks on a stream
//! `OBJ_<bucket>`, interoperable byte for byte with nats.go.
//!
//! ```no_run
//! # async fn demo(client: natrs_client::Client) -> Result<(), Box<dyn std::error::Error>> {
//! use natrs_jetstream::JetStream;
//! use natrs_jetstream::object::Config;
//!
//! let js = JetStream::new(client);
//! let store = js.create_object_store(Config::new("files")).await?;
//! let info = store.put_bytes("report.txt", vec![7u8; 1 << 20]).await?;
//! println!("{} bytes in {} chunks, {}", info.size, info.chunks, info.digest);
//! let bytes = store.get_bytes("report.txt").await?;
//! assert_eq!(bytes.len(), 1 << 20);
//! # Ok(()) }
//! ```
//!
//! # Layout
//!
//! - Chunks go to `$O.<bucket>.C.<nuid>`, a new NUID for every put, at most
//!   [`DEFAULT_CHUNK_SIZE`] bytes each unless the object says otherwise.
//! - The meta ([`ObjectInfo`] as JSON, field for field and escape for escape
//!   as nats.go writes it, `mtime` always Go's zero time) goes to
//!   `$O.<bucket>.M.<base64url(name)>` with `Nats-Rollup: sub`, so one meta
//!   message per name remains. Modification times are the meta message's
//!   timestamp.
//! - The digest is `SHA-256=` and the base64url (with padding) of the
//!   SHA-256 of the bytes.
//!
//! # Calls
//!
//! [`ObjectStore`] has `put` (from a [`futures_io::AsyncRead`]),
//! `put_bytes`, `get` (an [`ObjectReader`]: a stream of chunks and an
//! `AsyncRead`, checking size and digest), `get_bytes`, `get_info`,
//! `update_meta` (rename, description, headers, metadata), `delete`,
//! `add_link`, `add_bucket_link`, `list`, `watch`, `seal` and `status`.
//! The store management calls are methods of [`JetStream`](crate::JetStream):
//! `create_object_store`, `update_object_store`,
//! `create_or_update_object_store`, `object_store` (bind),
//! `delete_object_store`, `object_store_names`, `object_stores`.

mod config;
mod error;
mod get;
mod hasher;
mod info;
mod put;
mod store;
mod watch;
mod whole;

pub use config::{Config, STREAM_PREFIX, Status, validate_bucket};
pub use error::ObjectError;
pub use get::ObjectReader;
pub use info::{
    DEFAULT_CHUNK_SIZE, DIGEST_PREFIX, ObjectHeaders, ObjectInfo, ObjectLink, ObjectMeta,
    ObjectMetaOptions, decode_digest, digest_string, encode_name,
};
pub use store::{ObjectStore, chunk_subject, meta_subject};
pub use watch::{ObjectList, ObjectWatch, ObjectWatchEvent, ObjectWatchOptions};
