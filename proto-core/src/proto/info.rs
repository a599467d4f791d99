//! The server's `INFO` document.

use alloc::string::String;
use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

/// What the server says about itself in `INFO`. Unknown fields are ignored and
/// missing ones take their defaults, so newer and older servers both parse.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ServerInfo {
    /// The server's unique id.
    pub server_id: String,
    /// The server's name.
    pub server_name: String,
    /// The server's version.
    pub version: String,
    /// Go version the server was built with.
    pub go: String,
    /// Host the server listens on.
    pub host: String,
    /// Port the server listens on.
    pub port: u16,
    /// Protocol level; 1 means async INFO is supported.
    pub proto: i8,
    /// Largest payload (headers included) the server accepts.
    pub max_payload: usize,
    /// Whether the server supports headers.
    pub headers: bool,
    /// Whether the server requires authentication.
    pub auth_required: bool,
    /// Whether the server requires TLS.
    pub tls_required: bool,
    /// Whether the server offers TLS without requiring it.
    pub tls_available: bool,
    /// Whether the server verifies client certificates.
    pub tls_verify: bool,
    /// Nonce to sign for nkey or JWT authentication.
    pub nonce: Option<String>,
    /// The id the server gave this client.
    pub client_id: u64,
    /// This client's address as the server sees it.
    pub client_ip: String,
    /// Other servers of the cluster clients may connect to (`host:port`).
    pub connect_urls: Vec<String>,
    /// Lame duck mode: the server is about to shut down.
    #[serde(rename = "ldm")]
    pub lame_duck_mode: bool,
    /// Whether JetStream is enabled.
    pub jetstream: bool,
    /// JetStream domain.
    pub domain: Option<String>,
    /// Cluster name.
    pub cluster: Option<String>,
    /// JetStream API level (2.12+).
    #[serde(rename = "api_lvl")]
    pub api_level: Option<u32>,
}
