//! Key-Value (ADR-8, ADR-48): buckets of keys with history, built on a
//! stream `KV_<bucket>` whose subjects are `$KV.<bucket>.<key>`.
//!
//! ```no_run
//! # async fn demo(client: natrs_client::Client) -> Result<(), Box<dyn std::error::Error>> {
//! use futures_util::StreamExt;
//! use natrs_jetstream::JetStream;
//! use natrs_jetstream::kv::{Config, WatchEvent};
//!
//! let js = JetStream::new(client);
//! let kv = js.create_key_value(Config::new("settings").history(5)).await?;
//! let revision = kv.put("color", "blue").await?;
//! kv.update("color", "green", revision).await?;
//! assert_eq!(kv.get("color").await?.value, "green");
//! let mut watch = kv.watch("color").await?;
//! while let Some(event) = watch.next().await {
//!     match event? {
//!         WatchEvent::Entry(e) => println!("{} = {:?} ({:?})", e.key, e.value, e.operation),
//!         WatchEvent::EndOfInitialData => println!("now watching changes"),
//!     }
//! }
//! # Ok(()) }
//! ```
//!
//! - [`Config`] maps onto the stream configuration ([`Config::to_stream_config`]),
//!   [`Status`] reads its info.
//! - [`KeyValue`] is a bucket: `put`, `create` (only when the key has no
//!   value), `update` (only at the expected revision), `get` (direct get of
//!   the key's last message), `delete` and `purge` (markers), `watch`,
//!   `keys`, `history`, `purge_deletes`.
//! - Watches ([`Watch`]) are ordered consumers; [`WatchEvent::EndOfInitialData`]
//!   comes exactly once.
//! - The bucket management calls are methods of [`JetStream`](crate::JetStream):
//!   `create_key_value`, `update_key_value`, `create_or_update_key_value`,
//!   `key_value` (bind), `delete_key_value`, `key_value_names`,
//!   `key_value_stores`.

mod bucket;
mod config;
mod entry;
mod error;
pub mod names;
pub(crate) mod watch;

pub use bucket::{KeyValue, PurgeOptions};
pub use config::{Config, MAX_HISTORY, Status};
pub use entry::{Entry, MARKER_REASON, OPERATION, Operation};
pub use error::KvError;
pub use watch::{History, Keys, Watch, WatchEvent, WatchOptions};

/// The next item of a stream.
pub(crate) async fn next_item<S>(s: &mut S) -> Option<S::Item>
where
    S: futures_core::Stream + Unpin,
{
    std::future::poll_fn(|cx| std::pin::Pin::new(&mut *s).poll_next(cx)).await
}
