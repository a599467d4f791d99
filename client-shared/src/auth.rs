//! Authentication sources that need std: credentials files re-read on every
//! handshake, and user callbacks.

use natrs_core::auth::{AuthError, AuthProvider, Credentials, CredsText};
use std::path::PathBuf;
use std::sync::Arc;

/// A `.creds` file, read again for every handshake so rotated credentials
/// are picked up on reconnect.
#[derive(Debug, Clone)]
pub(crate) struct CredsFile {
    pub(crate) path: PathBuf,
}

impl AuthProvider for CredsFile {
    fn credentials(&self, nonce: Option<&str>) -> Result<Credentials, AuthError> {
        let text = std::fs::read_to_string(&self.path).map_err(|e| {
            AuthError::Provider(format!(
                "reading credentials file {}: {e}",
                self.path.display()
            ))
        })?;
        // CredsText keeps the text in zeroizing storage and wipes it on drop.
        CredsText::new(text)?.credentials(nonce)
    }
}

/// The user's function from the server nonce to credentials.
pub(crate) type CredentialsFn = dyn Fn(Option<&str>) -> Result<Credentials, String> + Send + Sync;

/// A user callback producing credentials from the server nonce.
pub(crate) struct CallbackAuth {
    pub(crate) callback: Arc<CredentialsFn>,
}

impl AuthProvider for CallbackAuth {
    fn credentials(&self, nonce: Option<&str>) -> Result<Credentials, AuthError> {
        (self.callback)(nonce).map_err(AuthError::Provider)
    }
}
