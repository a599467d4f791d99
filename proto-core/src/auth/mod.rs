//! Authentication material: what goes into `CONNECT`, nonce signing, and
//! `.creds` files.

pub mod creds;

use alloc::string::String;
use alloc::sync::Arc;
use core::fmt;

/// Authentication fields that go into `CONNECT` for one connection attempt.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Credentials {
    /// User name.
    pub user: Option<String>,
    /// Password.
    pub password: Option<String>,
    /// Token.
    pub token: Option<String>,
    /// User JWT.
    pub jwt: Option<String>,
    /// Public nkey (bare nkey authentication).
    pub nkey: Option<String>,
    /// Signature of the server nonce, base64url without padding.
    pub signature: Option<String>,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("jwt", &self.jwt.as_ref().map(|_| "<jwt>"))
            .field("nkey", &self.nkey)
            .finish_non_exhaustive()
    }
}

/// Produces credentials for a connection attempt, given the server's nonce.
///
/// Called synchronously by the core during every handshake, so a `.creds`
/// file is re-read on each reconnect. Adapters implement it for files and user
/// callbacks; the core itself never does IO.
pub trait AuthProvider: Send + Sync {
    /// Credentials for this attempt. `nonce` is the server's nonce, if it sent one.
    fn credentials(&self, nonce: Option<&str>) -> Result<Credentials, AuthError>;
}

/// Authentication could not produce credentials.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// A `.creds` file could not be parsed.
    #[error("invalid credentials file: {0}")]
    InvalidCreds(#[from] creds::CredsError),
    /// An nkey seed is not valid.
    #[error("invalid nkey seed")]
    InvalidSeed,
    /// Signing the nonce failed.
    #[error("signing failed: {0}")]
    Signing(String),
    /// The server sent no nonce, so nkey or JWT authentication cannot proceed.
    #[error("the server sent no nonce: nkeys not supported")]
    NoNonce,
    /// A user callback or file read failed.
    #[error("{0}")]
    Provider(String),
}

/// How the client authenticates.
#[derive(Clone, Default)]
#[non_exhaustive]
pub enum Auth {
    /// No authentication (credentials in a server URL are still used).
    #[default]
    None,
    /// User and password.
    UserPassword {
        /// User name.
        user: String,
        /// Password.
        password: String,
    },
    /// A token.
    Token(String),
    /// Credentials computed per handshake (nkeys, JWTs, creds files, callbacks).
    Provider(Arc<dyn AuthProvider>),
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Auth::None => f.write_str("None"),
            Auth::UserPassword { user, .. } => write!(f, "UserPassword({user:?}, <redacted>)"),
            Auth::Token(_) => f.write_str("Token(<redacted>)"),
            Auth::Provider(_) => f.write_str("Provider"),
        }
    }
}
