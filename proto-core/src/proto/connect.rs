//! The client's `CONNECT` document.

use alloc::string::String;
use serde::Serialize;

/// The fields of `CONNECT {json}`; `None` fields are left out.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ConnectInfo {
    /// Ask for `+OK` after every op.
    pub verbose: bool,
    /// Ask the server for strict subject checking.
    pub pedantic: bool,
    /// Whether the client requires TLS.
    pub tls_required: bool,
    /// Token authentication.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth_token: Option<String>,
    /// User name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// Password.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pass: Option<String>,
    /// Client name, shown in monitoring.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Implementation language.
    pub lang: String,
    /// Client version.
    pub version: String,
    /// Protocol level (1: async INFO).
    pub protocol: u8,
    /// Whether the server echoes this connection's own messages back to it.
    pub echo: bool,
    /// Signature of the nonce, base64url without padding.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sig: Option<String>,
    /// User JWT.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jwt: Option<String>,
    /// Public nkey (bare nkey authentication only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nkey: Option<String>,
    /// Whether the client supports headers.
    pub headers: bool,
    /// Whether the client wants 503 no-responders statuses.
    pub no_responders: bool,
}
