//! Nonce signing with nkey seeds (through the `nkeys` crate; `std` only).

use super::{AuthError, encode_signature};
use alloc::string::{String, ToString};
use nkeys::KeyPair;

/// Decodes a seed into a key pair.
///
/// The key pair (which holds the decoded seed bytes, not wiped by `nkeys`) is
/// dropped right after use: providers keep only the encoded seed, in a
/// `Zeroizing` buffer.
pub(super) fn key_pair(seed: &str) -> Result<KeyPair, AuthError> {
    if !seed.starts_with('S') {
        return Err(AuthError::InvalidSeed);
    }
    KeyPair::from_seed(seed).map_err(|_| AuthError::InvalidSeed)
}

/// Signs the server's nonce with an nkey seed (`SU...`): the Ed25519 signature of
/// the nonce's bytes, encoded as base64url without padding, ready for `CONNECT`'s
/// `sig` field.
///
/// Fails with [`AuthError::InvalidSeed`] unless `seed` starts with `S` and decodes
/// (base32, checksum, length).
pub fn sign_nonce(seed: &str, nonce: &str) -> Result<String, AuthError> {
    let key_pair = key_pair(seed)?;
    let raw = key_pair
        .sign(nonce.as_bytes())
        .map_err(|e| AuthError::Signing(e.to_string()))?;
    Ok(encode_signature(&raw))
}

/// The public key (`U...` for a user seed) of an nkey seed.
///
/// Fails with [`AuthError::InvalidSeed`] unless `seed` starts with `S` and decodes.
pub fn public_key_from_seed(seed: &str) -> Result<String, AuthError> {
    Ok(key_pair(seed)?.public_key())
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;

    const SEED: &str = "SUAOTBNEUHZDFJT3EUMELT7MQTP24JF3XVCXQNDSCU74G5IU6VAJBKH5LI";
    const PUBLIC: &str = "UDE6WTGLTTPCRJRJCKBJRGVNZTLIVR7LEEELR4CYWWWBKJS7XYIKXDUU";

    #[test]
    fn public_key_matches_known_pair() {
        // The JWT of the nkeys reference creds test names this key as its subject.
        assert_eq!(public_key_from_seed(SEED).unwrap(), PUBLIC);
    }

    #[test]
    fn signature_verifies() {
        let nonce = "Dn9WCpnN-JB7k6Y";
        let sig = sign_nonce(SEED, nonce).unwrap();
        assert!(!sig.contains('='));
        let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(&sig)
            .unwrap();
        assert_eq!(raw.len(), 64);
        let verifier = KeyPair::from_public_key(PUBLIC).unwrap();
        verifier.verify(nonce.as_bytes(), &raw).unwrap();
        assert!(verifier.verify(b"another nonce", &raw).is_err());
        // Ed25519 is deterministic.
        assert_eq!(sign_nonce(SEED, nonce).unwrap(), sig);
    }

    #[test]
    fn fresh_key_pair_round_trip() {
        let kp = KeyPair::new_user();
        let seed = kp.seed().unwrap();
        assert_eq!(public_key_from_seed(&seed).unwrap(), kp.public_key());
        let sig = sign_nonce(&seed, "abc").unwrap();
        let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(&sig)
            .unwrap();
        kp.verify(b"abc", &raw).unwrap();
    }

    #[test]
    fn invalid_seeds() {
        let mut corrupt = String::from(SEED);
        corrupt.replace_range(10..11, "A");
        for seed in [
            "",
            "S",
            PUBLIC,
            &SEED[..57],
            &corrupt,
            "SUAOTBNEUHZDFJT3EUMELT7MQTP24JF3XVCXQNDSCU74G5IU6VAJBKH5L\u{e9}",
            " SUAOTBNEUHZDFJT3EUMELT7MQTP24JF3XVCXQNDSCU74G5IU6VAJBKH5L",
        ] {
            assert_eq!(
                sign_nonce(seed, "n").unwrap_err(),
                AuthError::InvalidSeed,
                "{seed:?}"
            );
            assert_eq!(
                public_key_from_seed(seed).unwrap_err(),
                AuthError::InvalidSeed
            );
        }
    }

    proptest::proptest! {
        #[test]
        fn never_panics(seed in "S[A-Z2-7]{56,58}|\\PC{0,64}") {
            let _ = sign_nonce(&seed, "nonce");
        }
    }
}
