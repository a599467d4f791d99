//! The JetStream cases, grouped as in the macro's list in `main.rs`. Each is
//! a generic function over [`SuiteJs`](crate::support::SuiteJs).

pub mod backup;
pub mod cluster;
pub mod consume;
pub mod consumers;
pub mod events;
pub mod leaf;
pub mod manage;
pub mod messages;
pub mod publish;
pub mod soak;
pub mod streams;
pub mod supercluster;
