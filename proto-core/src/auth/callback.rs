//! Providers whose signatures come from a user callback: they work without `std`,
//! for embedders that keep the key elsewhere (a secure element, another process).

use super::{AuthError, AuthProvider, Credentials, SIGNATURE_LEN, encode_signature};
use alloc::format;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt;

/// Signs the server nonce: receives the nonce's bytes and returns the raw 64-byte
/// Ed25519 signature (not encoded), or an error message.
pub type SignFn = Arc<dyn Fn(&[u8]) -> Result<Vec<u8>, String> + Send + Sync>;

/// Calls `sign` on the nonce and encodes the result for `CONNECT`.
fn sign_with(sign: &SignFn, nonce: Option<&str>) -> Result<String, AuthError> {
    let nonce = nonce.ok_or(AuthError::NoNonce)?;
    let raw = sign(nonce.as_bytes()).map_err(AuthError::Signing)?;
    if raw.len() != SIGNATURE_LEN {
        return Err(AuthError::Signing(format!(
            "the signing callback returned {} bytes, not a raw {SIGNATURE_LEN}-byte Ed25519 signature",
            raw.len()
        )));
    }
    Ok(encode_signature(&raw))
}

/// JWT authentication with the nonce signed by a callback: sends `jwt` and `sig`.
#[derive(Clone)]
pub struct JwtCallbackAuth {
    jwt: String,
    sign: SignFn,
}

impl JwtCallbackAuth {
    /// A provider sending `jwt` and signing with `sign`.
    pub fn new(jwt: impl Into<String>, sign: SignFn) -> Self {
        JwtCallbackAuth {
            jwt: jwt.into(),
            sign,
        }
    }

    /// Like [`JwtCallbackAuth::new`], taking any closure.
    pub fn from_fn<F>(jwt: impl Into<String>, sign: F) -> Self
    where
        F: Fn(&[u8]) -> Result<Vec<u8>, String> + Send + Sync + 'static,
    {
        Self::new(jwt, Arc::new(sign))
    }

    /// The JWT sent.
    pub fn jwt(&self) -> &str {
        &self.jwt
    }
}

impl fmt::Debug for JwtCallbackAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwtCallbackAuth")
            .field("jwt", &"<jwt>")
            .finish_non_exhaustive()
    }
}

impl AuthProvider for JwtCallbackAuth {
    fn credentials(&self, nonce: Option<&str>) -> Result<Credentials, AuthError> {
        let signature = sign_with(&self.sign, nonce)?;
        Ok(Credentials {
            jwt: Some(self.jwt.clone()),
            signature: Some(signature),
            ..Credentials::default()
        })
    }
}

/// Bare nkey authentication with the nonce signed by a callback: sends `nkey` (the
/// public key) and `sig`.
#[derive(Clone)]
pub struct NkeyCallbackAuth {
    public_key: String,
    sign: SignFn,
}

impl NkeyCallbackAuth {
    /// A provider sending `public_key` (`U...`) and signing with `sign`.
    pub fn new(public_key: impl Into<String>, sign: SignFn) -> Self {
        NkeyCallbackAuth {
            public_key: public_key.into(),
            sign,
        }
    }

    /// Like [`NkeyCallbackAuth::new`], taking any closure.
    pub fn from_fn<F>(public_key: impl Into<String>, sign: F) -> Self
    where
        F: Fn(&[u8]) -> Result<Vec<u8>, String> + Send + Sync + 'static,
    {
        Self::new(public_key, Arc::new(sign))
    }

    /// The public key sent.
    pub fn public_key(&self) -> &str {
        &self.public_key
    }
}

impl fmt::Debug for NkeyCallbackAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NkeyCallbackAuth")
            .field("public_key", &self.public_key)
            .finish_non_exhaustive()
    }
}

impl AuthProvider for NkeyCallbackAuth {
    fn credentials(&self, nonce: Option<&str>) -> Result<Credentials, AuthError> {
        let signature = sign_with(&self.sign, nonce)?;
        Ok(Credentials {
            nkey: Some(self.public_key.clone()),
            signature: Some(signature),
            ..Credentials::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;
    use alloc::vec;
    use base64::Engine as _;

    fn fake_signer(nonce: &[u8]) -> Result<Vec<u8>, String> {
        // Not a real signature: the nonce repeated, to check what is encoded.
        Ok(nonce.iter().copied().cycle().take(SIGNATURE_LEN).collect())
    }

    #[test]
    fn jwt_callback_encodes_raw_signature() {
        let auth = JwtCallbackAuth::from_fn("eyJ.a.b", fake_signer);
        let c = auth.credentials(Some("nonce-1")).unwrap();
        assert_eq!(c.jwt.as_deref(), Some("eyJ.a.b"));
        let sig = c.signature.unwrap();
        assert!(!sig.contains('='), "no padding: {sig}");
        assert!(
            !sig.contains('+') && !sig.contains('/'),
            "url alphabet: {sig}"
        );
        let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(&sig)
            .unwrap();
        assert_eq!(raw, fake_signer(b"nonce-1").unwrap());
        assert_eq!(c.nkey, None);
        assert_eq!(c.user, None);
    }

    #[test]
    fn nkey_callback_sends_public_key() {
        let auth = NkeyCallbackAuth::from_fn("UABC", fake_signer);
        let c = auth.credentials(Some("n")).unwrap();
        assert_eq!(c.nkey.as_deref(), Some("UABC"));
        assert_eq!(c.jwt, None);
        assert!(c.signature.is_some());
        assert_eq!(auth.public_key(), "UABC");
    }

    #[test]
    fn callback_errors() {
        let auth = JwtCallbackAuth::from_fn("j", fake_signer);
        assert_eq!(auth.credentials(None).unwrap_err(), AuthError::NoNonce);

        let failing = JwtCallbackAuth::from_fn("j", |_: &[u8]| Err("hsm offline".to_string()));
        assert_eq!(
            failing.credentials(Some("n")).unwrap_err(),
            AuthError::Signing("hsm offline".to_string())
        );

        let short = NkeyCallbackAuth::from_fn("U", |_: &[u8]| Ok(vec![1, 2, 3]));
        assert!(matches!(
            short.credentials(Some("n")).unwrap_err(),
            AuthError::Signing(msg) if msg.contains("3 bytes")
        ));
    }
}
