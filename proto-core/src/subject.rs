//! Subject, reply and queue-group validation (ADR-6) and the cheap, shared
//! [`Subject`] string type that received messages carry.

use alloc::string::String;
use bytes::Bytes;
use core::fmt;
use core::ops::Deref;

/// A subject (or reply subject) as received or sent: UTF-8 text held in a
/// [`Bytes`], so a received subject is a slice of the read buffer and cloning
/// it never copies.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Subject(Bytes);

impl Subject {
    /// A subject from a static string, without copying.
    pub const fn from_static(s: &'static str) -> Self {
        Subject(Bytes::from_static(s.as_bytes()))
    }

    /// A subject from bytes that must be UTF-8; `None` when they are not.
    pub fn from_utf8(bytes: Bytes) -> Option<Self> {
        core::str::from_utf8(&bytes).ok()?;
        Some(Subject(bytes))
    }

    /// The subject as a string slice.
    pub fn as_str(&self) -> &str {
        // SAFETY-free: every constructor checked UTF-8.
        match core::str::from_utf8(&self.0) {
            Ok(s) => s,
            Err(_) => "",
        }
    }

    /// The bytes behind the subject (a slice of the buffer it was read from).
    pub fn as_bytes(&self) -> &Bytes {
        &self.0
    }
}

impl Deref for Subject {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Subject {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Debug for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<&'static str> for Subject {
    fn from(s: &'static str) -> Self {
        Subject::from_static(s)
    }
}

impl From<String> for Subject {
    fn from(s: String) -> Self {
        Subject(Bytes::from(s))
    }
}

impl PartialEq<str> for Subject {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Subject {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}
