//! The server's `INFO` document.

use crate::proto::parser::PAYLOAD_CAP;
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
    /// Largest payload (headers included) the server accepts, as far as this
    /// client can address it: a larger number (up to 2^63 or beyond `usize`)
    /// is lowered to 2 GiB, the largest payload the parser handles, and a
    /// negative one reads as 0 (no limit known).
    #[serde(deserialize_with = "clamped_max_payload")]
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

/// Reads `max_payload` from any JSON number, clamped to what the client can
/// address ([`PAYLOAD_CAP`]), so a server announcing a huge or odd limit cannot
/// fail the handshake or overflow arithmetic on it.
fn clamped_max_payload<'de, D: serde::Deserializer<'de>>(d: D) -> Result<usize, D::Error> {
    struct Clamp;
    impl serde::de::Visitor<'_> for Clamp {
        type Value = usize;
        fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
            f.write_str("a number")
        }
        fn visit_u64<E>(self, v: u64) -> Result<usize, E> {
            Ok(clamp_payload(v))
        }
        fn visit_i64<E>(self, v: i64) -> Result<usize, E> {
            Ok(u64::try_from(v).map_or(0, clamp_payload))
        }
        fn visit_f64<E>(self, v: f64) -> Result<usize, E> {
            // Beyond u64 (or NaN): serde_json hands such integers over as f64.
            Ok(if v >= PAYLOAD_CAP as f64 {
                PAYLOAD_CAP
            } else if v > 0.0 {
                v as usize
            } else {
                0
            })
        }
    }
    fn clamp_payload(v: u64) -> usize {
        usize::try_from(v).unwrap_or(usize::MAX).min(PAYLOAD_CAP)
    }
    d.deserialize_any(Clamp)
}
