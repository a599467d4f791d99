//! NATS JWTs (ADR-14, nats-io/jwt v2) and `.creds` files: encoding, decoding, signature
//! checks and nonce signing. The typed operator/account/user builders are in
//! [`crate::auth`].
//!
//! A JWT is `base64url(header).base64url(claims).base64url(signature)`, no padding, with
//! header `{"typ":"JWT","alg":"ed25519-nkey"}` and an Ed25519 signature by the issuer's
//! nkey over `header.claims`. The claims' `jti` is the base32 (no padding) SHA-512/256
//! of the JSON of the standard fields (`aud`, `exp`, `iat`, `iss`, `name`, `nbf`, `sub`
//! in that order, empty ones left out), as nats-io/jwt computes it.

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use nkeys::KeyPair;
use serde::Serialize;
use sha2::{Digest, Sha512_256};

use crate::error::{HarnessError, Result};

/// The JWT header every NATS v2 JWT carries.
pub const HEADER: &str = r#"{"typ":"JWT","alg":"ed25519-nkey"}"#;

/// The claims of a JWT to encode: the standard fields plus the `nats` object.
#[derive(Debug, Clone, PartialEq)]
pub struct Claims {
    /// `sub`: the public key the JWT is about.
    pub subject: String,
    /// `name`.
    pub name: String,
    /// `iat`, Unix seconds.
    pub issued_at: i64,
    /// `exp`, Unix seconds.
    pub expires: Option<i64>,
    /// `nbf`, Unix seconds.
    pub not_before: Option<i64>,
    /// `aud`.
    pub audience: Option<String>,
    /// The `nats` object (`type`, `version` and the type's fields).
    pub nats: serde_json::Value,
}

/// The standard fields, in nats-io/jwt's `ClaimsData` order, for `jti` and the payload.
#[derive(Serialize)]
struct Standard<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    aud: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    exp: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    jti: Option<&'a str>,
    #[serde(skip_serializing_if = "is_zero")]
    iat: i64,
    #[serde(skip_serializing_if = "str::is_empty")]
    iss: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    nbf: Option<i64>,
    #[serde(skip_serializing_if = "str::is_empty")]
    sub: &'a str,
}

#[derive(Serialize)]
struct Payload<'a> {
    #[serde(flatten)]
    standard: Standard<'a>,
    nats: &'a serde_json::Value,
}

fn is_zero(n: &i64) -> bool {
    *n == 0
}

impl Claims {
    /// Claims about `subject` named `name`, issued now, with the given `nats` object.
    pub fn new(
        subject: impl Into<String>,
        name: impl Into<String>,
        nats: serde_json::Value,
    ) -> Claims {
        Claims {
            subject: subject.into(),
            name: name.into(),
            issued_at: unix_now(),
            expires: None,
            not_before: None,
            audience: None,
            nats,
        }
    }

    /// Encodes and signs the claims with `issuer` (whose public key becomes `iss`).
    pub fn encode(&self, issuer: &KeyPair) -> Result<String> {
        let iss = issuer.public_key();
        let mut standard = Standard {
            aud: self.audience.as_deref(),
            exp: self.expires,
            jti: None,
            iat: self.issued_at,
            iss: &iss,
            name: &self.name,
            nbf: self.not_before,
            sub: &self.subject,
        };
        let jti = claims_hash(&go_json(&serde_json::to_string(&standard)?));
        standard.jti = Some(&jti);
        let payload = serde_json::to_string(&Payload {
            standard,
            nats: &self.nats,
        })?;
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(HEADER),
            URL_SAFE_NO_PAD.encode(payload)
        );
        let signature = issuer.sign(signing_input.as_bytes())?;
        Ok(format!(
            "{signing_input}.{}",
            URL_SAFE_NO_PAD.encode(signature)
        ))
    }
}

/// The current time in Unix seconds.
pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// `jti`: base32 (RFC 4648 alphabet, no padding) of the SHA-512/256 of `json`.
pub fn claims_hash(json: &str) -> String {
    base32_no_pad(&Sha512_256::digest(json.as_bytes()))
}

/// Go's `encoding/json` escapes `<`, `>`, `&`, U+2028 and U+2029 inside strings;
/// serde_json does not. Those characters only occur inside strings in JSON text, so a
/// plain replacement gives the bytes Go would hash.
fn go_json(json: &str) -> String {
    json.replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
}

fn base32_no_pad(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let mut acc: u64 = 0;
    let mut bits = 0u32;
    for &b in bytes {
        acc = (acc << 8) | u64::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(ALPHABET[((acc >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(ALPHABET[((acc << (5 - bits)) & 31) as usize]));
    }
    out
}

/// The claims of `jwt` as JSON, without checking the signature.
pub fn decode_claims(jwt: &str) -> Result<serde_json::Value> {
    let mut parts = jwt.trim().split('.');
    let (Some(_), Some(payload), Some(_), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(HarnessError::Protocol(
            "a JWT has three dot-separated parts".to_owned(),
        ));
    };
    let bytes = URL_SAFE_NO_PAD
        .decode(payload)
        .map_err(|e| HarnessError::Protocol(format!("JWT claims are not base64url: {e}")))?;
    Ok(serde_json::from_slice(&bytes)?)
}

/// The claims of `jwt` after checking its header and its signature by the `iss` key.
pub fn verify(jwt: &str) -> Result<serde_json::Value> {
    let jwt = jwt.trim();
    let (signing_input, signature) = jwt
        .rsplit_once('.')
        .ok_or_else(|| HarnessError::Protocol("a JWT has three dot-separated parts".to_owned()))?;
    let (header, _) = signing_input
        .split_once('.')
        .ok_or_else(|| HarnessError::Protocol("a JWT has three dot-separated parts".to_owned()))?;
    let header: serde_json::Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(header)
            .map_err(|e| HarnessError::Protocol(format!("JWT header is not base64url: {e}")))?,
    )?;
    if header["alg"] != "ed25519-nkey" || header["typ"] != "JWT" {
        return Err(HarnessError::Protocol(format!(
            "unexpected JWT header {header}"
        )));
    }
    let claims = decode_claims(jwt)?;
    let issuer = claims["iss"]
        .as_str()
        .ok_or_else(|| HarnessError::Protocol("JWT without iss".to_owned()))?;
    let signature = URL_SAFE_NO_PAD
        .decode(signature)
        .map_err(|e| HarnessError::Protocol(format!("JWT signature is not base64url: {e}")))?;
    KeyPair::from_public_key(issuer)?.verify(signing_input.as_bytes(), &signature)?;
    Ok(claims)
}

/// Signs a server's INFO `nonce` as CONNECT's `sig` wants it: base64url, no padding.
pub fn sign_nonce(key: &KeyPair, nonce: &str) -> Result<String> {
    Ok(URL_SAFE_NO_PAD.encode(key.sign(nonce.as_bytes())?))
}

/// The text of a `.creds` file: the decorated user JWT block, then the seed block.
pub fn creds_text(jwt: &str, seed: &str) -> String {
    format!(
        "-----BEGIN NATS USER JWT-----\n{jwt}\n------END NATS USER JWT------\n\n\
         ************************* IMPORTANT *************************\n\
         NKEY Seed printed below can be used to sign and prove identity.\n\
         NKEYs are sensitive and should be treated as secrets.\n\n\
         -----BEGIN USER NKEY SEED-----\n{seed}\n------END USER NKEY SEED------\n\n\
         *************************************************************\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A user JWT made by nsc (published in the NATS docs), used as a known answer.
    const NSC_USER_JWT: &str = "eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ.eyJqdGkiOiI0NUc3MkhIQUVCRFBQV05ZWktMTUhQNUFYWFRSSUVDQlNVQUI2VDZRUjdVM1JZUFZaM05BIiwiaWF0IjoxNjM1Mzc1NTYxLCJpc3MiOiJBRDJNMzRXQk5HUUZZSzM3SURYNTNEUFJHNzRSTExUN0ZGV0JPQk1CVVhNQVZCQ1ZBVTVWS1dJWSIsIm5hbWUiOiJNeVVzZXIiLCJzdWIiOiJVQVdCWExTWlZaSE5ESVVSWTUyRjZXRVRGQ0ZaTFhZVUVGSkFIUlhEVzdEMks0NDQ1SVk0QlZYUCIsIm5hdHMiOnsicHViIjp7fSwic3ViIjp7fSwic3VicyI6LTEsImRhdGEiOi0xLCJwYXlsb2FkIjotMSwidHlwZSI6InVzZXIiLCJ2ZXJzaW9uIjoyfX0.CGymhGYHfdZyhUeucxNs9TthSjy_27LVZikqxvm-pPLili8KNe1xyOVnk_w-xPWdrCx_t3Se2lgXmoy3wBcVCw";

    #[test]
    fn jti_matches_nsc() {
        let claims = verify(NSC_USER_JWT).unwrap();
        let standard = Standard {
            aud: None,
            exp: None,
            jti: None,
            iat: claims["iat"].as_i64().unwrap(),
            iss: claims["iss"].as_str().unwrap(),
            name: claims["name"].as_str().unwrap(),
            nbf: None,
            sub: claims["sub"].as_str().unwrap(),
        };
        let json = go_json(&serde_json::to_string(&standard).unwrap());
        assert_eq!(claims_hash(&json), claims["jti"].as_str().unwrap());
    }

    #[test]
    fn tampered_jwt_fails_verification() {
        let mut bad = NSC_USER_JWT.to_owned();
        let at = bad.rfind('.').unwrap() + 3;
        let replacement = if &bad[at..=at] == "A" { "B" } else { "A" };
        bad.replace_range(at..=at, replacement);
        assert!(verify(&bad).is_err());
        assert!(verify("a.b").is_err());
        assert!(decode_claims("a.b.c.d").is_err());
    }

    #[test]
    fn encodes_verifiable_jwts() {
        let account = KeyPair::new_account();
        let user = KeyPair::new_user();
        let mut claims = Claims::new(
            user.public_key(),
            "a<b>&c",
            serde_json::json!({"type": "user", "version": 2}),
        );
        claims.expires = Some(claims.issued_at + 60);
        let jwt = claims.encode(&account).unwrap();
        assert!(jwt.starts_with("eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ."));
        let decoded = verify(&jwt).unwrap();
        assert_eq!(decoded["iss"], account.public_key());
        assert_eq!(decoded["sub"], user.public_key());
        assert_eq!(decoded["exp"], claims.issued_at + 60);
        assert_eq!(decoded["nats"]["type"], "user");
        assert_eq!(decoded["jti"].as_str().unwrap().len(), 52);
        // Go escapes HTML characters before hashing.
        let go = go_json(r#"{"name":"a<b>&c"}"#);
        assert_eq!(go, r#"{"name":"a\u003cb\u003e\u0026c"}"#);
    }

    #[test]
    fn base32_matches_rfc4648() {
        assert_eq!(base32_no_pad(b""), "");
        assert_eq!(base32_no_pad(b"f"), "MY");
        assert_eq!(base32_no_pad(b"fo"), "MZXQ");
        assert_eq!(base32_no_pad(b"foo"), "MZXW6");
        assert_eq!(base32_no_pad(b"foob"), "MZXW6YQ");
        assert_eq!(base32_no_pad(b"fooba"), "MZXW6YTB");
        assert_eq!(base32_no_pad(b"foobar"), "MZXW6YTBOI");
    }

    #[test]
    fn signs_nonces() {
        let user = KeyPair::new_user();
        let sig = sign_nonce(&user, "abc").unwrap();
        let raw = URL_SAFE_NO_PAD.decode(&sig).unwrap();
        user.verify(b"abc", &raw).unwrap();
        assert!(!sig.contains('=') && !sig.contains('+') && !sig.contains('/'));
    }

    #[test]
    fn writes_creds_files() {
        let text = creds_text("JWT", "SUSEED");
        assert!(
            text.starts_with("-----BEGIN NATS USER JWT-----\nJWT\n------END NATS USER JWT------\n")
        );
        assert!(
            text.contains(
                "-----BEGIN USER NKEY SEED-----\nSUSEED\n------END USER NKEY SEED------\n"
            )
        );
    }
}
