//! Providers that sign with an nkey seed held in memory (`std` only).

use super::sign::{key_pair, sign_nonce};
use super::{AuthError, AuthProvider, Credentials, creds};
use alloc::string::String;
use core::fmt;
use zeroize::Zeroizing;

/// Takes a seed from the caller, trimming surrounding whitespace (a seed read from
/// a file or an environment variable often ends with a newline), and checks that
/// it decodes. Every buffer that held it is wiped.
fn take_seed(seed: String) -> Result<Zeroizing<String>, AuthError> {
    let seed = Zeroizing::new(seed);
    let trimmed = seed.trim();
    let seed = if trimmed.len() == seed.len() {
        seed
    } else {
        Zeroizing::new(String::from(trimmed))
    };
    key_pair(&seed)?;
    Ok(seed)
}

/// Bare nkey authentication: sends `nkey` (the public key derived from the seed)
/// and `sig` (the signed nonce).
pub struct NkeyAuth {
    seed: Zeroizing<String>,
    public_key: String,
}

impl NkeyAuth {
    /// A provider for a user seed (`SU...`). Fails with [`AuthError::InvalidSeed`]
    /// if the seed does not decode.
    pub fn new(seed: impl Into<String>) -> Result<Self, AuthError> {
        let seed = take_seed(seed.into())?;
        let public_key = key_pair(&seed)?.public_key();
        Ok(NkeyAuth { seed, public_key })
    }

    /// The public key sent as `nkey`.
    pub fn public_key(&self) -> &str {
        &self.public_key
    }
}

impl fmt::Debug for NkeyAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NkeyAuth")
            .field("public_key", &self.public_key)
            .finish_non_exhaustive()
    }
}

impl AuthProvider for NkeyAuth {
    fn credentials(&self, nonce: Option<&str>) -> Result<Credentials, AuthError> {
        let nonce = nonce.ok_or(AuthError::NoNonce)?;
        Ok(Credentials {
            nkey: Some(self.public_key.clone()),
            signature: Some(sign_nonce(&self.seed, nonce)?),
            ..Credentials::default()
        })
    }
}

/// JWT authentication with the seed in memory: sends `jwt` and `sig`.
pub struct JwtAuth {
    jwt: String,
    seed: Zeroizing<String>,
}

impl JwtAuth {
    /// A provider for a user JWT and the seed of the key it was issued to. Fails
    /// with [`AuthError::InvalidSeed`] if the seed does not decode.
    pub fn new(jwt: impl Into<String>, seed: impl Into<String>) -> Result<Self, AuthError> {
        let jwt = String::from(jwt.into().trim());
        Ok(JwtAuth {
            jwt,
            seed: take_seed(seed.into())?,
        })
    }

    /// The JWT sent.
    pub fn jwt(&self) -> &str {
        &self.jwt
    }
}

impl fmt::Debug for JwtAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwtAuth")
            .field("jwt", &"<jwt>")
            .finish_non_exhaustive()
    }
}

impl AuthProvider for JwtAuth {
    fn credentials(&self, nonce: Option<&str>) -> Result<Credentials, AuthError> {
        let nonce = nonce.ok_or(AuthError::NoNonce)?;
        Ok(Credentials {
            jwt: Some(self.jwt.clone()),
            signature: Some(sign_nonce(&self.seed, nonce)?),
            ..Credentials::default()
        })
    }
}

/// The text of a `.creds` file, parsed again for every handshake: sends `jwt` and
/// `sig`. The text is wiped when the provider is dropped.
///
/// (Reading the file on every handshake is the runtime crates' `CredsFile`
/// provider, built on [`creds::parse`] and [`sign_nonce`].)
pub struct CredsText {
    text: Zeroizing<String>,
}

impl CredsText {
    /// A provider for the text of a `.creds` file. Fails if the text does not parse
    /// or its seed does not decode, so that mistakes show at configuration time.
    pub fn new(text: impl Into<String>) -> Result<Self, AuthError> {
        let text = Zeroizing::new(text.into());
        let creds = creds::parse(&text)?;
        key_pair(&creds.seed)?;
        Ok(CredsText { text })
    }
}

impl fmt::Debug for CredsText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CredsText").finish_non_exhaustive()
    }
}

impl AuthProvider for CredsText {
    fn credentials(&self, nonce: Option<&str>) -> Result<Credentials, AuthError> {
        let nonce = nonce.ok_or(AuthError::NoNonce)?;
        let creds = creds::parse(&self.text)?;
        let signature = sign_nonce(&creds.seed, nonce)?;
        Ok(Credentials {
            jwt: Some(creds.jwt),
            signature: Some(signature),
            ..Credentials::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Auth;
    use crate::auth::creds::CredsError;
    use alloc::format;
    use base64::Engine as _;
    use nkeys::KeyPair;

    fn verify(public_key: &str, nonce: &str, sig: &str) {
        let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(sig)
            .unwrap();
        KeyPair::from_public_key(public_key)
            .unwrap()
            .verify(nonce.as_bytes(), &raw)
            .unwrap();
    }

    #[test]
    fn nkey_auth_sends_public_key_and_signature() {
        let kp = KeyPair::new_user();
        let auth = NkeyAuth::new(format!("{}\n", kp.seed().unwrap())).unwrap();
        assert_eq!(auth.public_key(), kp.public_key());
        let c = auth.credentials(Some("abcdef")).unwrap();
        assert_eq!(c.nkey.as_deref(), Some(kp.public_key().as_str()));
        assert_eq!(c.jwt, None);
        verify(&kp.public_key(), "abcdef", c.signature.as_deref().unwrap());
        assert_eq!(auth.credentials(None).unwrap_err(), AuthError::NoNonce);
        assert!(!format!("{auth:?}").contains(&kp.seed().unwrap()));
    }

    #[test]
    fn jwt_auth_sends_jwt_and_signature() {
        let kp = KeyPair::new_user();
        let auth = JwtAuth::new("eyJ.x.y", kp.seed().unwrap()).unwrap();
        let c = auth.credentials(Some("nonce")).unwrap();
        assert_eq!(c.jwt.as_deref(), Some("eyJ.x.y"));
        assert_eq!(c.nkey, None);
        verify(&kp.public_key(), "nonce", c.signature.as_deref().unwrap());
        assert_eq!(auth.credentials(None).unwrap_err(), AuthError::NoNonce);
    }

    #[test]
    fn creds_text_parses_and_signs() {
        let kp = KeyPair::new_user();
        let text = format!(
            "-----BEGIN NATS USER JWT-----\r\neyJ.jwt.body\r\n------END NATS USER JWT------\r\n\r\n\
             -----BEGIN USER NKEY SEED-----\r\n{}\r\n------END USER NKEY SEED------",
            kp.seed().unwrap()
        );
        let auth = Auth::provider(CredsText::new(text).unwrap());
        let c = auth.credentials(Some("xyz")).unwrap();
        assert_eq!(c.jwt.as_deref(), Some("eyJ.jwt.body"));
        verify(&kp.public_key(), "xyz", c.signature.as_deref().unwrap());
        assert_eq!(auth.credentials(None).unwrap_err(), AuthError::NoNonce);
    }

    #[test]
    fn constructors_reject_bad_material() {
        assert_eq!(NkeyAuth::new("SUXYZ").unwrap_err(), AuthError::InvalidSeed);
        assert_eq!(NkeyAuth::new("").unwrap_err(), AuthError::InvalidSeed);
        assert_eq!(
            JwtAuth::new("j", "nope").unwrap_err(),
            AuthError::InvalidSeed
        );
        assert_eq!(
            CredsText::new("garbage").unwrap_err(),
            AuthError::InvalidCreds(CredsError::MissingJwt)
        );
        // Seed-shaped but with a bad checksum.
        let mut seed = KeyPair::new_user().seed().unwrap();
        let last = seed.pop().unwrap();
        seed.push(if last == 'A' { 'B' } else { 'A' });
        let text = format!(
            "-----BEGIN NATS USER JWT-----\neyJ.a.b\n------END NATS USER JWT------\n\
             -----BEGIN USER NKEY SEED-----\n{seed}\n------END USER NKEY SEED------\n"
        );
        assert_eq!(CredsText::new(text).unwrap_err(), AuthError::InvalidSeed);
    }
}
