//! Bucket names, keys and watch filters (ADR-6, ADR-8), and the subjects
//! they live on.

use super::KvError;

/// The stream of bucket `bucket`: `KV_<bucket>`.
pub const STREAM_PREFIX: &str = "KV_";

/// Checks a bucket name: one or more of `A-Z a-z 0-9 - _`.
pub fn validate_bucket(bucket: &str) -> Result<(), KvError> {
    if !bucket.is_empty()
        && bucket
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        Ok(())
    } else {
        Err(KvError::InvalidBucketName(bucket.to_string()))
    }
}

/// The shape rules keys and filters share: not empty, no leading or
/// trailing `.`, no empty token.
fn well_formed(key: &str) -> bool {
    !key.is_empty() && !key.starts_with('.') && !key.ends_with('.') && !key.contains("..")
}

fn key_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'/' | b'_' | b'=' | b'.')
}

/// Checks a key to read: `-/_=.a-zA-Z0-9`, dot-separated non-empty tokens.
pub fn validate_key(key: &str) -> Result<(), KvError> {
    if well_formed(key) && key.bytes().all(key_byte) {
        Ok(())
    } else {
        Err(KvError::InvalidKey(key.to_string()))
    }
}

/// Checks a key to write: a valid key that does not start with `_kv`,
/// which ADR-6 keeps for internal use.
pub fn validate_write_key(key: &str) -> Result<(), KvError> {
    validate_key(key)?;
    if key.starts_with("_kv") {
        return Err(KvError::InvalidKey(key.to_string()));
    }
    Ok(())
}

/// Checks a watch or keys filter: a key whose tokens may also be `*`, with
/// an optional final `>` token.
pub fn validate_filter(filter: &str) -> Result<(), KvError> {
    let invalid = || KvError::InvalidKey(filter.to_string());
    if !well_formed(filter) {
        return Err(invalid());
    }
    let mut tokens = filter.split('.').peekable();
    while let Some(token) = tokens.next() {
        let last = tokens.peek().is_none();
        let ok = match token {
            "*" => true,
            ">" => last,
            t => t.bytes().all(key_byte),
        };
        if !ok {
            return Err(invalid());
        }
    }
    Ok(())
}

/// `$KV.<bucket>.`: the prefix of the bucket's subjects.
pub(crate) fn subject_prefix(bucket: &str) -> String {
    format!("$KV.{bucket}.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets() {
        for ok in ["a", "A-b_9", "_"] {
            assert!(validate_bucket(ok).is_ok(), "{ok}");
        }
        for bad in ["", "a.b", "a b", "a*", "ä", "a>"] {
            assert!(validate_bucket(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn keys() {
        for ok in ["a", "a.b", "A/b=c_d-e", "1.2.3", "_kvx"] {
            assert!(validate_key(ok).is_ok(), "{ok}");
        }
        for bad in ["", ".a", "a.", "a..b", "a b", "a*", "a.>", "ä", "a:b"] {
            assert!(validate_key(bad).is_err(), "{bad}");
        }
        assert!(validate_write_key("_kv.x").is_err());
        assert!(validate_write_key("kv_x").is_ok());
    }

    #[test]
    fn filters() {
        for ok in [">", "*", "a.*", "a.>", "a.*.b", "*.>", "a"] {
            assert!(validate_filter(ok).is_ok(), "{ok}");
        }
        for bad in ["", "a*", "a.>.b", ">.a", "a.", ".a", "a..b", "a.b>", "a b"] {
            assert!(validate_filter(bad).is_err(), "{bad}");
        }
    }
}
