//! A sans-IO NATS client core.
#![no_std]
#![warn(missing_docs)]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod auth;
pub mod client;
pub mod error;
#[doc(hidden)]
pub mod fuzzing;
pub mod headers;
pub mod message;
pub mod nuid;
pub mod proto;
pub mod server_addr;
pub mod subject;
pub mod time;

pub use error::Error;
pub use headers::{HeaderMap, StatusCode};
pub use message::Message;
pub use subject::Subject;
pub use time::Instant;
