//! The NATS Service API (ADR-32, nats.go's `micro`): services that announce
//! themselves, answer discovery and keep request statistics, on any natrs
//! runtime.
//!
//! Applications get it through their runtime crate, whose `service` feature
//! (on by default) exposes this crate in that crate's idiom:
//!
//! | runtime crate | module | service |
//! |---|---|---|
//! | natrs-tokio | `natrs_tokio::service` (this crate) | `service::Service::add(&client, config)`: async methods, `Stream`s |
//! | natrs-async-std | `natrs_async_std::service` (this crate) | `service::Service::add(&client, config)`: async methods, `Stream`s |
//! | natrs-blocking | `natrs_blocking::service` ([`blocking`] and the data types) | `service::Service::add(client.as_async(), config)`: blocking methods, iterators |
//!
//! It needs nothing of JetStream: a service is subscriptions and replies on a
//! [`natrs_client::Client`], which every natrs runtime crate shares.
//!
//! ```no_run
//! # async fn demo(client: natrs_client::Client) -> Result<(), natrs_service::ServiceError> {
//! use futures_util::StreamExt;
//! use natrs_service::{EndpointConfig, Service, ServiceConfig};
//!
//! let service = Service::add(
//!     &client,
//!     ServiceConfig::new("calculator", "1.0.0").description("sums numbers"),
//! )?;
//! let math = service.add_group("math")?;
//! let mut sum = math.add_endpoint(EndpointConfig::new("sum").metadata_entry("unit", "none"))?;
//! while let Some(request) = sum.next().await {
//!     match serde_json::from_slice::<Vec<f64>>(request.payload()) {
//!         Ok(numbers) => request.respond_json(&numbers.iter().sum::<f64>()).await?,
//!         Err(e) => request.respond_error(400, &e.to_string(), "").await?,
//!     }
//! }
//! # Ok(()) }
//! ```
//!
//! # Pieces
//!
//! - Plain data: [`ServiceConfig`], [`GroupConfig`], [`EndpointConfig`] and
//!   how queue groups are chosen; the name and SemVer checks
//!   ([`is_valid_name`], [`is_semver`]); the discovery protocol ([`Verb`],
//!   [`Target`], [`control_subject`], and the `PING`/`INFO`/`STATS` JSON
//!   types with nats.go's field names and order).
//! - [`Service`]: a running instance over a [`natrs_client::Client`].
//!   Endpoints ([`Endpoint`]) deliver [`Request`]s as a
//!   `futures_core::Stream`; requests answer with
//!   [`respond`](Request::respond), [`respond_json`](Request::respond_json)
//!   or [`respond_error`](Request::respond_error) (headers
//!   `Nats-Service-Error` and `Nats-Service-Error-Code`) and are counted in
//!   the endpoint's statistics.
//! - Discovery is answered by one thread per service, which parks until the
//!   connection's driver wakes it: no runtime is needed, and the answers do
//!   not depend on the application polling its endpoints. The stats and
//!   error handlers run on that thread.
//! - [`Discovery`]: the client side, collecting the `PING`, `INFO` or
//!   `STATS` answers of every instance.
//! - The blocking facade is [`blocking`].

pub mod blocking;
mod config;
mod discovery;
mod endpoint;
mod error;
mod instance;
mod request;
mod schema;
mod stats;
mod validate;
mod wire;
mod worker;

pub use config::{EndpointConfig, ErrorHandler, GroupConfig, ServiceConfig, StatsHandler};
pub use discovery::{DEFAULT_STALL, Discovery};
pub use endpoint::Endpoint;
pub use error::{AsyncError, ERROR_CODE_HEADER, ERROR_HEADER, ErrorReply, ServiceError};
pub use instance::{Group, Service, WaitStopped};
pub use request::{Request, error_headers};
pub use schema::{
    API_PREFIX, DEFAULT_QUEUE_GROUP, EndpointInfo, EndpointStats, INFO_RESPONSE_TYPE, InfoResponse,
    PING_RESPONSE_TYPE, PingResponse, STATS_RESPONSE_TYPE, StatsResponse, Target, Verb,
    control_subject,
};
pub use validate::{is_semver, is_valid_name};
