//! Authentication material: what goes into `CONNECT`, nonce signing, and
//! `.creds` files.
//!
//! [`Auth`] is what a client is configured with. For every handshake the state
//! machine calls [`Auth::credentials_for`] (or [`Auth::credentials`]) with the
//! nonce from the server's `INFO` and copies the resulting [`Credentials`] into
//! `CONNECT`.
//!
//! Providers for nkeys and JWTs:
//!
//! | provider | sends | needs |
//! |---|---|---|
//! | `NkeyAuth` | `nkey` (public key) + `sig` | `std` |
//! | `JwtAuth` | `jwt` + `sig` | `std` |
//! | `CredsText` | `jwt` + `sig`, parsed from `.creds` text per handshake | `std` |
//! | [`JwtCallbackAuth`] | `jwt` + `sig` from a signing callback | - |
//! | [`NkeyCallbackAuth`] | `nkey` + `sig` from a signing callback | - |
//!
//! The signature is the Ed25519 signature of the nonce's bytes, encoded as
//! base64url without padding ([`encode_signature`]), as the reference clients do.
//! Without the `std` feature the core cannot sign by itself (the `nkeys` crate
//! needs `std`); embedders supply signatures through the callback providers.

mod callback;
pub mod creds;
#[cfg(feature = "std")]
mod nkey;
#[cfg(feature = "std")]
mod sign;

pub use callback::{JwtCallbackAuth, NkeyCallbackAuth, SignFn};
#[cfg(feature = "std")]
pub use nkey::{CredsText, JwtAuth, NkeyAuth};
#[cfg(feature = "std")]
pub use sign::{public_key_from_seed, sign_nonce};

use crate::secret::Secret;
use crate::server_addr::ServerAddr;
use alloc::string::String;
use alloc::sync::Arc;
use base64::Engine as _;
use core::fmt;

/// Length in bytes of an Ed25519 signature.
pub const SIGNATURE_LEN: usize = 64;

/// Encodes a raw signature the way `CONNECT`'s `sig` field carries it: base64url
/// without padding.
pub fn encode_signature(raw: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw)
}

/// Authentication fields that go into `CONNECT` for one connection attempt.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Credentials {
    /// User name.
    pub user: Option<String>,
    /// Password.
    pub password: Option<Secret>,
    /// Token.
    pub token: Option<Secret>,
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
            .field("password", &self.password)
            .field("token", &self.token)
            .field("jwt", &self.jwt.as_ref().map(|_| "<jwt>"))
            .field("nkey", &self.nkey)
            .finish_non_exhaustive()
    }
}

/// Produces credentials for a connection attempt, given the server's nonce.
///
/// Called synchronously by the core during every handshake. Adapters
/// implement it for files and user callbacks; the core itself never does IO.
/// A provider that reads something (a `.creds` file) does it in
/// [`load`](AuthProvider::load), which the adapter calls before each
/// connection attempt, outside any lock the core is behind.
pub trait AuthProvider: Send + Sync {
    /// Credentials for this attempt. `nonce` is the server's nonce, if it sent one.
    fn credentials(&self, nonce: Option<&str>) -> Result<Credentials, AuthError>;

    /// Reads what [`credentials`](AuthProvider::credentials) will need for
    /// the next handshake. The default reads nothing.
    fn load(&self) -> Result<(), AuthError> {
        Ok(())
    }
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
        password: Secret,
    },
    /// A token.
    Token(Secret),
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

impl Auth {
    /// Wraps a provider.
    pub fn provider(provider: impl AuthProvider + 'static) -> Self {
        Auth::Provider(Arc::new(provider))
    }

    /// The credentials this configuration gives for one handshake, given the
    /// server's nonce (if its `INFO` had one).
    ///
    /// [`Auth::None`] gives empty credentials, [`Auth::UserPassword`] and
    /// [`Auth::Token`] their fields, and a provider whatever it computes (nkey and
    /// JWT providers fail with [`AuthError::NoNonce`] when `nonce` is `None`).
    pub fn credentials(&self, nonce: Option<&str>) -> Result<Credentials, AuthError> {
        match self {
            Auth::None => Ok(Credentials::default()),
            Auth::UserPassword { user, password } => Ok(Credentials {
                user: Some(user.clone()),
                password: Some(password.clone()),
                ..Credentials::default()
            }),
            Auth::Token(token) => Ok(Credentials {
                token: Some(token.clone()),
                ..Credentials::default()
            }),
            Auth::Provider(provider) => provider.credentials(nonce),
        }
    }

    /// Like [`Auth::credentials`], for a connection to `addr`: user information in
    /// the server URL (`nats://user:pass@host` or `nats://token@host`) takes the
    /// place of any user, password or token from the configuration, as in the
    /// reference clients. JWT, nkey and signature fields are kept.
    pub fn credentials_for(
        &self,
        addr: &ServerAddr,
        nonce: Option<&str>,
    ) -> Result<Credentials, AuthError> {
        let mut credentials = self.credentials(nonce)?;
        if let Some(user) = addr.user() {
            match addr.password() {
                Some(password) => {
                    credentials.user = Some(String::from(user));
                    credentials.password = Some(Secret::from(password));
                    credentials.token = None;
                }
                None => {
                    credentials.user = None;
                    credentials.password = None;
                    credentials.token = Some(Secret::from(user));
                }
            }
        }
        Ok(credentials)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn static_credentials() {
        assert_eq!(
            Auth::None.credentials(Some("n")).unwrap(),
            Credentials::default()
        );
        let c = Auth::UserPassword {
            user: "alice".to_string(),
            password: "s3cret".into(),
        }
        .credentials(None)
        .unwrap();
        assert_eq!(c.user.as_deref(), Some("alice"));
        assert_eq!(
            c.password.as_ref().map(crate::Secret::expose),
            Some("s3cret")
        );
        assert_eq!(c.token, None);
        let c = Auth::Token("tok".into()).credentials(None).unwrap();
        assert_eq!(c.token.as_ref().map(crate::Secret::expose), Some("tok"));
        assert_eq!(c.user, None);
    }

    #[test]
    fn provider_is_called_with_the_nonce() {
        struct Echo;
        impl AuthProvider for Echo {
            fn credentials(&self, nonce: Option<&str>) -> Result<Credentials, AuthError> {
                Ok(Credentials {
                    jwt: nonce.map(String::from),
                    ..Credentials::default()
                })
            }
        }
        let auth = Auth::provider(Echo);
        assert_eq!(
            auth.credentials(Some("abc")).unwrap().jwt.as_deref(),
            Some("abc")
        );
        assert_eq!(auth.credentials(None).unwrap().jwt, None);
    }

    #[test]
    fn url_user_info_overrides_configured_user_and_token() {
        let auth = Auth::UserPassword {
            user: "alice".to_string(),
            password: "pw".into(),
        };
        let plain: ServerAddr = "nats://host:4222".parse().unwrap();
        let c = auth.credentials_for(&plain, None).unwrap();
        assert_eq!(c.user.as_deref(), Some("alice"));

        let with_user: ServerAddr = "nats://bob:x%40y@host".parse().unwrap();
        let c = auth.credentials_for(&with_user, None).unwrap();
        assert_eq!(c.user.as_deref(), Some("bob"));
        assert_eq!(c.password.as_ref().map(crate::Secret::expose), Some("x@y"));
        assert_eq!(c.token, None);

        let with_token: ServerAddr = "nats://t0k@host".parse().unwrap();
        let c = auth.credentials_for(&with_token, None).unwrap();
        assert_eq!(c.token.as_ref().map(crate::Secret::expose), Some("t0k"));
        assert_eq!(c.user, None);
        assert_eq!(c.password, None);
    }

    #[test]
    fn url_user_info_keeps_jwt_and_signature() {
        let auth = Auth::provider(JwtCallbackAuth::from_fn("eyJ.a.b", |_: &[u8]| {
            Ok(alloc::vec![7; SIGNATURE_LEN])
        }));
        let addr: ServerAddr = "tls://tok@host".parse().unwrap();
        let c = auth.credentials_for(&addr, Some("n")).unwrap();
        assert_eq!(c.jwt.as_deref(), Some("eyJ.a.b"));
        assert!(c.signature.is_some());
        assert_eq!(c.token.as_ref().map(crate::Secret::expose), Some("tok"));
        assert_eq!(
            auth.credentials_for(&addr, None).unwrap_err(),
            AuthError::NoNonce
        );
    }

    #[test]
    fn debug_output_is_redacted() {
        let shown = alloc::format!(
            "{:?}",
            Credentials {
                password: Some("hunter2".into()),
                token: Some("tok-secret".into()),
                signature: Some("sig".to_string()),
                ..Credentials::default()
            }
        );
        assert!(!shown.contains("hunter2") && !shown.contains("tok-secret"));
    }

    #[test]
    fn signature_encoding_is_base64url_without_padding() {
        assert_eq!(encode_signature(&[0xfb, 0xff]), "-_8");
        assert_eq!(encode_signature(&[]), "");
    }
}
