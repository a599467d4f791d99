//! The cases of the suite, grouped by feature. Each is a generic function
//! over [`SuiteClient`](crate::support::SuiteClient).

pub mod auth;
pub mod connect;
pub mod drain;
pub mod errors;
pub mod events;
pub mod faults;
pub mod keepalive;
pub mod pool;
pub mod pubsub;
pub mod reconnect;
pub mod requests;
pub mod supercluster;
pub mod tls;
pub mod websocket;
