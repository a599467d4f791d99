//! The natrs test harness: real nats-server processes on ephemeral loopback ports,
//! clusters, TLS certificates and JWTs generated at test time, a raw protocol client and a
//! scripted fake server.
//!
//! See `tests/README.md` for an overview. The main entry points:
//! - [`Server`] / [`ServerConfig`]: one nats-server (JetStream on by default).
//! - [`Cluster`] / [`ClusterConfig`]: a routed cluster with JetStream.
//! - [`Supercluster`] / [`SuperclusterConfig`]: clusters joined by gateways.
//! - [`LeafNode`] / [`LeafNodeConfig`]: a hub and a leaf node server, each with its own
//!   JetStream domain.
//! - [`TlsMaterial`]: a CA, server and client certificates as PEM files.
//! - [`Operator`], [`Account`], [`User`], [`NkeyUser`]: JWT and nkey auth material.
//! - [`RawClient`]: speak the wire protocol line by line.
//! - [`FakeServer`]: a scripted server for wire cases a real server never produces.
//! - [`wait_for`]: poll a condition with a deadline.
//! - [`server_binary`]: where the nats-server binary comes from (installed on demand).

pub mod auth;
pub mod binary;
pub mod cluster;
pub mod error;
pub mod fake_server;
pub mod jwt;
pub mod leaf;
pub mod monitor;
mod pip;
mod process;
pub mod python;
pub mod raw_client;
pub mod server;
pub mod supercluster;
pub mod tls;
pub mod wait;

pub use auth::{Account, NkeyUser, Operator, User, UserBuilder};
pub use binary::{
    BinaryLookup, NATS_SERVER_VERSION, ServerBinary, ServerVersion, located_server, server_binary,
    server_version,
};
pub use cluster::{Cluster, ClusterConfig};
pub use error::{HarnessError, Result};
pub use fake_server::{FakeServer, Gate, PingProbe, PongTiming, Script};
pub use leaf::{LeafNode, LeafNodeConfig};
pub use raw_client::{RawClient, RawMsg};
pub use server::{
    APP_USER, SYSTEM_ACCOUNT_CONFIG, SYSTEM_USER, Server, ServerConfig, UrlAuth, WebSocketListener,
};
pub use supercluster::{Supercluster, SuperclusterConfig};
pub use tls::{TlsMaterial, TlsOptions};
pub use wait::{try_wait_for, wait_for};
