//! JetStream with blocking methods and iterators: natrs-jetstream's blocking
//! facade, with the types its calls take and return.
//!
//! A context is made from a [`Client`](crate::Client), like on every natrs
//! runtime crate: `jetstream::JetStream::new(client)`.
//!
//! ```no_run
//! # fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use natrs_blocking::jetstream::{self, api::consumer::ConsumerConfig, api::stream::StreamConfig};
//! use natrs_blocking::jetstream::consumer::FetchOptions;
//!
//! let client = natrs_blocking::connect("nats://127.0.0.1:4222")?;
//! let js = jetstream::JetStream::new(client);
//! let stream = js.create_stream(StreamConfig::new("ORDERS").subjects(["orders.>"]))?;
//! let ack = js.publish("orders.1", "hello")?;
//! println!("stored as {}", ack.sequence);
//! let consumer = stream.create_consumer(ConsumerConfig::durable_pull("worker"))?;
//! for message in consumer.fetch(FetchOptions::new(10))? {
//!     let message = message?;
//!     message.ack()?;
//! }
//! # Ok(()) }
//! ```
//!
//! Every call parks the calling thread until the connection's threads
//! complete it, as the client's own calls do. The iterators
//! ([`FetchMessages`], [`ConsumeMessages`], [`PushMessages`],
//! [`OrderedMessages`], [`DirectBatch`]) also wait with a timeout
//! (`next_timeout`) and give access to the stream underneath (`get_ref`,
//! `get_mut`: pending counts, `stop`, flow control replies, the ordered
//! consumer's position).

pub use natrs_jetstream::blocking::{
    ConsumeMessages, Consumer, DirectBatch, FetchMessages, Iter, JetStream, JsMessage, Listing,
    Messages, OrderedConsumer, OrderedMessages, PubAckHandle, PushMessages, Stream,
};
pub use natrs_jetstream::listing::Paged;
pub use natrs_jetstream::load::Loaded;
pub use natrs_jetstream::publish::PublishMessage;
pub use natrs_jetstream::stream::BatchEnd;
pub use natrs_jetstream::{
    AckKind, ApiError, Error, ErrorCode, JetStreamOptions, api, backup, compare, error, metadata,
    parse_time, report, state, validate,
};

/// How a consumer is read: the options of a fetch, of continuous pulling and
/// of an ordered consumer.
pub mod consumer {
    pub use natrs_jetstream::consumer::{
        ConsumeOptions, FetchOptions, OrderedOptions, PriorityOptions,
    };
}

/// The server's events and advisories with a blocking subscription:
/// [`subscribe`](events::subscribe) (or [`JetStream::events`]) yields parsed
/// [`Event`](events::Event)s of the chosen [`EventFamily`](events::EventFamily)s
/// as an iterator ([`Events`](events::Events), with `next_timeout`).
pub mod events {
    pub use natrs_jetstream::blocking::{Events, events as subscribe};
    pub use natrs_jetstream::events::{
        Event, EventError, EventFamily, EventKind, advisory, system, types,
    };
}

/// Key-Value with blocking calls: the bucket handle and its iterators, with
/// the types they take and return. Buckets are made and bound through
/// [`JetStream`] (`create_key_value`, `key_value`, ...).
pub mod kv {
    pub use natrs_jetstream::blocking::kv::{History, KeyValue, Keys, Watch};
    pub use natrs_jetstream::kv::{
        Config, Entry, KvError, MAX_HISTORY, Operation, PurgeOptions, Status, WatchEvent,
        WatchOptions, names,
    };
}

/// Object Store with blocking calls: the store handle, a reader that is a
/// `std::io::Read`, and watches as iterators, with the types they take and
/// return. Stores are made and bound through [`JetStream`]
/// (`create_object_store`, `object_store`, ...).
pub mod object {
    pub use natrs_jetstream::blocking::object::{
        ObjectList, ObjectReader, ObjectStore, ObjectWatch,
    };
    pub use natrs_jetstream::object::{
        Config, DEFAULT_CHUNK_SIZE, ObjectError, ObjectHeaders, ObjectInfo, ObjectLink, ObjectMeta,
        ObjectMetaOptions, ObjectWatchEvent, ObjectWatchOptions, Status,
    };
}
