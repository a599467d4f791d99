//! The Service API (ADR-32, nats.go's `micro`) with blocking methods and
//! iterators: natrs-service's blocking facade, with the types its calls take
//! and return.
//!
//! A service runs on the async client underneath this crate's
//! [`Client`](crate::Client) ([`Client::as_async`](crate::Client::as_async)):
//!
//! ```no_run
//! # fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use natrs_blocking::service::{Service, ServiceConfig};
//!
//! let client = natrs_blocking::connect("nats://127.0.0.1:4222")?;
//! let service = Service::add(client.as_async(), ServiceConfig::new("echo", "1.0.0"))?;
//! let worker = service.add_endpoint("echo")?.spawn_handler(|request| {
//!     let _ = request.respond(request.payload().clone());
//! })?;
//! // ... later: stop; the handler thread ends after the requests received.
//! service.stop();
//! worker.join().expect("handler");
//! # Ok(()) }
//! ```
//!
//! Endpoints are iterators of [`Request`]s (with `next_timeout`), or run a
//! handler on a thread of their own ([`Endpoint::spawn_handler`]); a
//! response parks the calling thread until it is queued. [`Discovery`] asks
//! every instance for its `PING`, `INFO` or `STATS` and waits for the answers.

pub use natrs_service::blocking::{Discovery, Endpoint, Group, Request, Service};
pub use natrs_service::{
    API_PREFIX, AsyncError, DEFAULT_QUEUE_GROUP, DEFAULT_STALL, ERROR_CODE_HEADER, ERROR_HEADER,
    EndpointConfig, EndpointInfo, EndpointStats, ErrorHandler, ErrorReply, GroupConfig,
    INFO_RESPONSE_TYPE, InfoResponse, PING_RESPONSE_TYPE, PingResponse, STATS_RESPONSE_TYPE,
    ServiceConfig, ServiceError, StatsHandler, StatsResponse, Target, Verb, control_subject,
    error_headers, is_semver, is_valid_name,
};
