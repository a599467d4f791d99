//! JetStream for every natrs runtime.

pub mod ack;
pub mod api;
pub mod error;
pub mod metadata;
pub mod state;
mod wire;

pub use error::{ApiError, Error, ErrorCode};
pub use wire::parse_time;
