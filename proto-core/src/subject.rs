//! Subject, reply and queue-group validation (ADR-6) and the cheap, shared
//! [`Subject`] string type that received messages carry.
//!
//! # Rules
//!
//! A subject is one or more tokens joined by `.`:
//! - it is not empty, and no token is empty (no leading or trailing `.`, no `..`);
//! - it has no whitespace or ASCII control character (bytes `0x00..=0x20` and `0x7f`);
//!   other UTF-8 text is accepted, as the server accepts it;
//! - `*` and `>` appear only as whole tokens (`foo.*.bar`, `foo.>`), never inside one
//!   (`foo*` is refused), and `>` only as the last token;
//! - subjects published to and reply subjects have no wildcards at all
//!   (`allow_wildcards = false`); subscriptions may use them.
//!
//! A queue group is accepted when it is not empty and has no whitespace or control
//! character, as the reference clients do (the server accepts dots in queue names).

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

    /// A subject from bytes the caller has checked to be UTF-8.
    ///
    /// # Safety
    ///
    /// `bytes` must be valid UTF-8.
    pub(crate) unsafe fn from_utf8_unchecked(bytes: Bytes) -> Self {
        Subject(bytes)
    }

    /// A subject holding a copy of `s`.
    pub fn copy_from_str(s: &str) -> Self {
        Subject(Bytes::copy_from_slice(s.as_bytes()))
    }

    /// The subject as a string slice (no check: the text was checked when the
    /// subject was made).
    pub fn as_str(&self) -> &str {
        // SAFETY: the field is private and every constructor (`from_static` and
        // `From<&'static str>` take a `&str`, `From<String>` a `String`,
        // `copy_from_str` a `&str`, `from_utf8` checks with `str::from_utf8`,
        // `from_utf8_unchecked` requires it of its caller) only stores bytes that
        // are valid UTF-8; `Bytes` is immutable, so they
        // stay valid.
        unsafe { core::str::from_utf8_unchecked(&self.0) }
    }

    /// The bytes behind the subject (a slice of the buffer it was read from).
    pub fn as_bytes(&self) -> &Bytes {
        &self.0
    }

    /// The bytes behind the subject, giving up the `Subject`.
    pub fn into_bytes(self) -> Bytes {
        self.0
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

/// Why a subject or queue group was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SubjectError {
    /// The subject or queue group is empty.
    #[error("empty")]
    Empty,
    /// A space, tab, CR, LF or other ASCII control character at this byte offset.
    #[error("whitespace or control character at byte {0}")]
    InvalidCharacter(usize),
    /// An empty token (leading or trailing `.`, or `..`) ending at this byte offset.
    #[error("empty token at byte {0}")]
    EmptyToken(usize),
    /// A `*` or `>` inside a token, or a `>` token that is not the last one, at this byte offset.
    #[error("misplaced wildcard at byte {0}")]
    MisplacedWildcard(usize),
    /// A wildcard in a subject that must not have one (publish or reply subject).
    #[error("wildcard not allowed at byte {0}")]
    WildcardNotAllowed(usize),
}

/// Whether `b` may never appear in a subject or queue group: space and the ASCII
/// control characters.
#[inline]
fn is_forbidden_byte(b: u8) -> bool {
    b <= b' ' || b == 0x7f
}

/// Checks a subject against the rules in the [module docs](self).
///
/// `allow_wildcards` is `true` for subscriptions and `false` for subjects that
/// are published to and reply subjects. One pass over the bytes, no allocation.
pub fn validate_subject(subject: &str, allow_wildcards: bool) -> Result<(), SubjectError> {
    let bytes = subject.as_bytes();
    if bytes.is_empty() {
        return Err(SubjectError::Empty);
    }
    // Start of the current token, and whether it holds a wildcard byte.
    let mut token_start = 0;
    let mut wildcard_at: Option<usize> = None;
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'.' => {
                check_token(bytes, token_start, i, wildcard_at, false)?;
                token_start = i + 1;
                wildcard_at = None;
            }
            b'*' | b'>' => {
                if !allow_wildcards {
                    return Err(SubjectError::WildcardNotAllowed(i));
                }
                wildcard_at.get_or_insert(i);
            }
            _ if is_forbidden_byte(b) => return Err(SubjectError::InvalidCharacter(i)),
            _ => {}
        }
    }
    check_token(bytes, token_start, bytes.len(), wildcard_at, true)
}

/// Checks the token `bytes[start..end]`; `wildcard_at` is the offset of its first
/// `*` or `>`.
#[inline]
fn check_token(
    bytes: &[u8],
    start: usize,
    end: usize,
    wildcard_at: Option<usize>,
    last: bool,
) -> Result<(), SubjectError> {
    if start == end {
        return Err(SubjectError::EmptyToken(end));
    }
    if let Some(at) = wildcard_at {
        // A wildcard must be the whole token, and `>` must be the last token.
        if end - start != 1 || (bytes[start] == b'>' && !last) {
            return Err(SubjectError::MisplacedWildcard(at));
        }
    }
    Ok(())
}

/// Checks a queue group name: not empty, no whitespace or control character.
pub fn validate_queue_group(queue: &str) -> Result<(), SubjectError> {
    let bytes = queue.as_bytes();
    if bytes.is_empty() {
        return Err(SubjectError::Empty);
    }
    match bytes.iter().position(|&b| is_forbidden_byte(b)) {
        Some(i) => Err(SubjectError::InvalidCharacter(i)),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_subjects() {
        for s in [
            "a",
            "foo.bar",
            "$JS.API.INFO",
            "_INBOX.abc.def",
            "ünï.çødé",
            "a-b_c.1",
        ] {
            assert_eq!(validate_subject(s, false), Ok(()), "{s}");
            assert_eq!(validate_subject(s, true), Ok(()), "{s}");
        }
        for s in ["*", ">", "foo.*", "foo.>", "*.bar.>", "foo.*.*.baz"] {
            assert_eq!(validate_subject(s, true), Ok(()), "{s}");
            assert!(matches!(
                validate_subject(s, false),
                Err(SubjectError::WildcardNotAllowed(_))
            ));
        }
    }

    #[test]
    fn invalid_subjects() {
        use SubjectError::*;
        let cases: &[(&str, SubjectError)] = &[
            ("", Empty),
            (".", EmptyToken(0)),
            (".foo", EmptyToken(0)),
            ("foo.", EmptyToken(4)),
            ("foo..bar", EmptyToken(4)),
            ("foo bar", InvalidCharacter(3)),
            ("foo\tbar", InvalidCharacter(3)),
            ("foo\r", InvalidCharacter(3)),
            ("foo\nbar", InvalidCharacter(3)),
            ("foo\u{7f}", InvalidCharacter(3)),
            ("\u{0}", InvalidCharacter(0)),
            ("foo*", MisplacedWildcard(3)),
            ("*foo", MisplacedWildcard(0)),
            ("foo.>.bar", MisplacedWildcard(4)),
            ("foo.>>", MisplacedWildcard(4)),
            ("foo.**", MisplacedWildcard(4)),
            ("a>", MisplacedWildcard(1)),
        ];
        for (s, e) in cases {
            assert_eq!(validate_subject(s, true), Err(*e), "{s:?}");
        }
        assert_eq!(validate_subject("foo*", false), Err(WildcardNotAllowed(3)));
    }

    #[test]
    fn queue_groups() {
        assert_eq!(validate_queue_group("workers"), Ok(()));
        assert_eq!(validate_queue_group("q.v1"), Ok(()));
        assert_eq!(validate_queue_group(""), Err(SubjectError::Empty));
        assert_eq!(
            validate_queue_group("a b"),
            Err(SubjectError::InvalidCharacter(1))
        );
        assert_eq!(
            validate_queue_group("a\r\n"),
            Err(SubjectError::InvalidCharacter(1))
        );
    }

    #[test]
    fn subject_str_views() {
        let s = Subject::from_utf8(Bytes::from_static("héllo".as_bytes())).unwrap();
        assert_eq!(s.as_str(), "héllo");
        assert!(Subject::from_utf8(Bytes::from_static(b"\xff")).is_none());
        assert_eq!(Subject::copy_from_str("a.b"), "a.b");
        assert_eq!(
            Subject::from(String::from("x")).into_bytes(),
            Bytes::from_static(b"x")
        );
    }
}
