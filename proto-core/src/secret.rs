//! [`Secret`]: a password or token that is wiped from memory when dropped and
//! never shown by `Debug`.

use alloc::string::String;
use core::cmp::Ordering;
use core::fmt;
use core::hash::{Hash, Hasher};
use zeroize::Zeroize;

/// A password or token.
///
/// Its bytes are overwritten with zeros when it is dropped (through the
/// `zeroize` crate, which the compiler cannot optimise away), and `Debug` shows
/// `<redacted>`. Read it with [`Secret::expose`] where it has to go on the wire.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps `value`, which is wiped when the secret is dropped.
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The secret's text.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl Secret {
    /// Overwrites the text with zeros and empties it (what dropping does).
    fn wipe(&mut self) {
        self.0.zeroize();
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        self.wipe();
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Secret {
        Secret(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Secret {
        Secret(String::from(value))
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl Hash for Secret {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.hash(state);
    }
}

impl PartialOrd for Secret {
    fn partial_cmp(&self, other: &Secret) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Secret {
    fn cmp(&self, other: &Secret) -> Ordering {
        self.0.cmp(&other.0)
    }
}

impl serde::Serialize for Secret {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;

    #[test]
    fn debug_hides_the_value_and_serialize_writes_it() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s:?}"), "<redacted>");
        assert_eq!(serde_json::to_string(&s).unwrap(), "\"hunter2\"");
        assert_eq!(s.expose(), "hunter2");
    }

    #[test]
    fn wiping_overwrites_the_bytes_in_place() {
        let mut s = Secret::new("hunter2");
        let (ptr, len) = (s.0.as_ptr(), s.0.len());
        s.wipe();
        assert!(s.expose().is_empty());
        // The buffer is still the secret's own (wiping keeps its capacity), so
        // its old bytes can be read: they are zeros now.
        let old = unsafe { core::slice::from_raw_parts(ptr, len) };
        assert_eq!(old, [0u8; 7]);
    }
}
