//! The cases of the suite, grouped by feature. Each is a generic function
//! over [`SuiteClient`](crate::support::SuiteClient).

pub mod connect;
pub mod reconnect;
pub mod pubsub;
pub mod requests;
pub mod drain;
pub mod events;
pub mod auth;
pub mod tls;
pub mod faults;
