//! JetStream for every natrs runtime.

pub mod ack;
pub mod api;
pub mod blocking;
pub mod consumer;
mod context;
pub mod error;
pub mod message;
pub mod metadata;
pub mod publish;
pub mod state;
pub mod stream;
mod timer;
pub mod transport;
mod wire;

pub use context::{JetStream, JetStreamOptions};
pub use error::{ApiError, Error, ErrorCode};
pub use wire::parse_time;
