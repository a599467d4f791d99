//! The cases of the suite, grouped by feature. Each is a generic function
//! over [`SuiteClient`](crate::support::SuiteClient).

pub mod connect;
pub mod reconnect;
