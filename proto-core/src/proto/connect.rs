//! The client's `CONNECT` document.

use crate::secret::Secret;
use alloc::string::String;
use core::fmt;
use serde::Serialize;

/// The fields of `CONNECT {json}`; `None` fields are left out.
#[derive(Clone, Default, PartialEq, Eq, Serialize)]
pub struct ConnectInfo {
    /// Ask for `+OK` after every op.
    pub verbose: bool,
    /// Ask the server for strict subject checking.
    pub pedantic: bool,
    /// Whether the client requires TLS.
    pub tls_required: bool,
    /// Token authentication.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth_token: Option<Secret>,
    /// User name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// Password.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pass: Option<Secret>,
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

/// Shows every field but the secrets: the password and token as
/// `<redacted>`, the JWT and the signature as `<jwt>` and `<sig>`.
impl fmt::Debug for ConnectInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnectInfo")
            .field("verbose", &self.verbose)
            .field("pedantic", &self.pedantic)
            .field("tls_required", &self.tls_required)
            .field("auth_token", &self.auth_token)
            .field("user", &self.user)
            .field("pass", &self.pass)
            .field("name", &self.name)
            .field("lang", &self.lang)
            .field("version", &self.version)
            .field("protocol", &self.protocol)
            .field("echo", &self.echo)
            .field("sig", &self.sig.as_ref().map(|_| "<sig>"))
            .field("jwt", &self.jwt.as_ref().map(|_| "<jwt>"))
            .field("nkey", &self.nkey)
            .field("headers", &self.headers)
            .field("no_responders", &self.no_responders)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;

    #[test]
    fn debug_hides_password_token_jwt_and_signature() {
        let info = ConnectInfo {
            user: Some(String::from("alice")),
            pass: Some(Secret::new("hunter2")),
            auth_token: Some(Secret::new("tok-secret")),
            jwt: Some(String::from("eyJ0eXAiOiJKV1QifQ.claims.sig")),
            sig: Some(String::from("c2lnbmF0dXJl")),
            ..ConnectInfo::default()
        };
        let shown = format!("{info:?}");
        for secret in ["hunter2", "tok-secret", "eyJ0eXAi", "c2lnbmF0dXJl"] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
        assert!(shown.contains("alice"));
        let json = serde_json::to_string(&info).unwrap();
        assert!(json.contains("\"pass\":\"hunter2\""));
        assert!(json.contains("\"auth_token\":\"tok-secret\""));
    }
}
