//! NATS message headers (ADR-4): an ordered, case-preserving multimap plus the
//! optional status line (`NATS/1.0 503`).
//!
//! # Wire form
//!
//! ```text
//! NATS/1.0[ <3-digit status>[ <description>]]\r\n
//! Key: Value\r\n        (zero or more; a key may repeat, one line per value)
//! \r\n
//! ```
//!
//! Parsing accepts a bare LF as a line end, runs of spaces or tabs between the
//! version, status and description, and strips the whitespace that leads a value
//! (trailing whitespace is kept, so what was sent comes back unchanged).
//! Encoding always writes CRLF and one space after each `:`.

use crate::proto::decimal::{decimal_len, put_u64};
use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;
use bytes::BufMut;
use core::fmt;

/// A status code from a header block's version line, such as 503 (no responders).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StatusCode(pub u16);

impl StatusCode {
    /// 100: idle heartbeat or flow control request.
    pub const CONTROL: StatusCode = StatusCode(100);
    /// 204: end of a batched direct get.
    pub const EOB: StatusCode = StatusCode(204);
    /// 400: bad request.
    pub const BAD_REQUEST: StatusCode = StatusCode(400);
    /// 404: not found / no messages.
    pub const NOT_FOUND: StatusCode = StatusCode(404);
    /// 408: request timeout.
    pub const TIMEOUT: StatusCode = StatusCode(408);
    /// 409: conflict (consumer deleted, leadership change, ...).
    pub const CONFLICT: StatusCode = StatusCode(409);
    /// 412: required API level not met.
    pub const PRECONDITION_FAILED: StatusCode = StatusCode(412);
    /// 423: pin id mismatch.
    pub const LOCKED: StatusCode = StatusCode(423);
    /// 503: no responders.
    pub const NO_RESPONDERS: StatusCode = StatusCode(503);

    /// The numeric code.
    pub const fn as_u16(self) -> u16 {
        self.0
    }

    /// Whether the code has the three digits the wire form needs (100..=999).
    pub const fn is_valid(self) -> bool {
        self.0 >= 100 && self.0 <= 999
    }

    /// 100: an idle heartbeat or a flow control request.
    pub const fn is_control(self) -> bool {
        self.0 == 100
    }

    /// 503: nobody was subscribed to the request subject.
    pub const fn is_no_responders(self) -> bool {
        self.0 == 503
    }

    /// 200..=299.
    pub const fn is_success(self) -> bool {
        self.0 >= 200 && self.0 <= 299
    }

    /// 400..=499: the request was refused or ended (not found, timeout, conflict...).
    pub const fn is_client_error(self) -> bool {
        self.0 >= 400 && self.0 <= 499
    }

    /// 500..=599.
    pub const fn is_server_error(self) -> bool {
        self.0 >= 500 && self.0 <= 599
    }
}

impl fmt::Display for StatusCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

/// Header names and values, in the order they were added or received.
///
/// Keys keep their case and lookups are case-sensitive; a key may appear more
/// than once (one line per value on the wire). Names and values are checked
/// when a message is encoded, not when they are inserted.
///
/// The map is one pointer wide (its contents are boxed), so a received
/// message without headers (`Option<HeaderMap>` of `None`) stays small as it
/// moves from the parser to the subscriber.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HeaderMap {
    inner: Box<Fields>,
}

/// What a [`HeaderMap`] holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Fields {
    status: Option<StatusCode>,
    description: Option<String>,
    entries: Vec<(String, String)>,
}

/// A header block that cannot be parsed or sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HeaderError {
    /// A name is empty or has a byte outside printable ASCII 33..=126, or a `:`.
    #[error("invalid header name {0:?}")]
    InvalidName(String),
    /// A value contains CR or LF.
    #[error("invalid header value {0:?}")]
    InvalidValue(String),
    /// The block does not start with `NATS/1.0`.
    #[error("header block does not start with NATS/1.0")]
    MissingVersion,
    /// The status code after `NATS/1.0` is not three digits.
    #[error("invalid status code in header block")]
    InvalidStatus,
    /// A line has no `:`, or bytes follow the blank line that ends the block.
    #[error("malformed header line {0:?}")]
    MalformedLine(String),
    /// The block does not end with an empty line.
    #[error("header block is not terminated")]
    Unterminated,
    /// A name, value or description is not UTF-8.
    #[error("header block is not UTF-8")]
    NotUtf8,
}

/// The version line's fixed start.
const VERSION: &[u8] = b"NATS/1.0";

/// Whether `name` can be sent: non-empty, printable ASCII 33..=126, no `:`.
fn is_valid_name(name: &[u8]) -> bool {
    !name.is_empty() && name.iter().all(|&b| (33..=126).contains(&b) && b != b':')
}

/// Whether `value` can be sent: no CR or LF.
fn is_valid_value(value: &[u8]) -> bool {
    memchr::memchr2(b'\r', b'\n', value).is_none()
}

/// `s` without the spaces and tabs that lead it.
fn trim_start_ws(s: &[u8]) -> &[u8] {
    let n = s.iter().take_while(|&&b| b == b' ' || b == b'\t').count();
    &s[n..]
}

/// `s` without the spaces and tabs that end it.
fn trim_end_ws(s: &[u8]) -> &[u8] {
    let n = s
        .iter()
        .rev()
        .take_while(|&&b| b == b' ' || b == b'\t')
        .count();
    &s[..s.len() - n]
}

/// Text of `bytes` for an error message, cut to a bounded length.
fn lossy(bytes: &[u8]) -> String {
    const MAX: usize = 64;
    String::from_utf8_lossy(&bytes[..bytes.len().min(MAX)]).into_owned()
}

/// Splits the next line off `rest`: the line without its CRLF or LF, or `None`
/// when no line end is left.
fn next_line<'a>(rest: &mut &'a [u8]) -> Option<&'a [u8]> {
    let nl = memchr::memchr(b'\n', rest)?;
    let line = &rest[..nl];
    *rest = &rest[nl + 1..];
    Some(line.strip_suffix(b"\r").unwrap_or(line))
}

impl HeaderMap {
    /// An empty map with no status.
    pub fn new() -> Self {
        HeaderMap::default()
    }

    /// A map carrying only a status line, as servers send for 503 or 408
    /// (handy for tests and fake servers).
    pub fn with_status(status: StatusCode, description: Option<&str>) -> Self {
        HeaderMap {
            inner: Box::new(Fields {
                status: Some(status),
                description: description.map(String::from),
                entries: Vec::new(),
            }),
        }
    }

    /// Sets `name` to `value`, replacing every value it had. The header keeps the
    /// position of its first value; a new name goes to the end.
    pub fn insert(&mut self, name: impl Into<String>, value: impl Into<String>) {
        let name = name.into();
        let value = value.into();
        match self.inner.entries.iter().position(|(n, _)| *n == name) {
            Some(first) => {
                self.inner.entries[first].1 = value;
                let mut i = first + 1;
                while i < self.inner.entries.len() {
                    if self.inner.entries[i].0 == name {
                        self.inner.entries.remove(i);
                    } else {
                        i += 1;
                    }
                }
            }
            None => self.inner.entries.push((name, value)),
        }
    }

    /// Adds one more value for `name`, after all existing headers.
    pub fn append(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.inner.entries.push((name.into(), value.into()));
    }

    /// The first value of `name` (case-sensitive).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.inner
            .entries
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of `name`, in order.
    pub fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.inner
            .entries
            .iter()
            .filter(move |(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Removes every value of `name`, returning the first one.
    pub fn remove(&mut self, name: &str) -> Option<String> {
        let first = self.inner.entries.iter().position(|(n, _)| n == name)?;
        let (_, value) = self.inner.entries.remove(first);
        self.inner.entries.retain(|(n, _)| n != name);
        Some(value)
    }

    /// Whether `name` has at least one value.
    pub fn contains_key(&self, name: &str) -> bool {
        self.inner.entries.iter().any(|(n, _)| n == name)
    }

    /// `(name, value)` pairs in order, one per header line.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.inner
            .entries
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
    }

    /// Number of header lines (values), not counting the status line.
    pub fn len(&self) -> usize {
        self.inner.entries.len()
    }

    /// Whether there is no header line (a status may still be set).
    pub fn is_empty(&self) -> bool {
        self.inner.entries.is_empty()
    }

    /// The status code of the version line, if any.
    pub fn status(&self) -> Option<StatusCode> {
        self.inner.status
    }

    /// The description after the status code, if any.
    pub fn description(&self) -> Option<&str> {
        self.inner.description.as_deref()
    }

    /// Sets or clears the status line. A description without a status is not sent.
    pub fn set_status(&mut self, status: Option<StatusCode>, description: Option<&str>) {
        self.inner.status = status;
        self.inner.description = description.map(String::from);
    }

    /// Parses a header block, strictly: any malformed line is an error.
    pub fn parse(block: &[u8]) -> Result<HeaderMap, HeaderError> {
        let mut errors = None;
        let map = parse_block(block, &mut errors)?;
        match errors {
            Some(e) => Err(e),
            None => Ok(map),
        }
    }

    /// Parses a header block, skipping lines that cannot be parsed (ADR-4: a bad
    /// header line must not lose the message). Returns what was understood and
    /// the first problem found. A block without the version line or without its
    /// terminating blank line still fails.
    pub fn parse_lossy(block: &[u8]) -> Result<(HeaderMap, Option<HeaderError>), HeaderError> {
        let mut errors = None;
        let map = parse_block(block, &mut errors)?;
        Ok((map, errors))
    }

    /// Checks that every name, value and the status line can be sent.
    pub fn validate(&self) -> Result<(), HeaderError> {
        if let Some(status) = self.inner.status {
            if !status.is_valid() {
                return Err(HeaderError::InvalidStatus);
            }
            if let Some(d) = &self.inner.description {
                if !is_valid_value(d.as_bytes()) {
                    return Err(HeaderError::InvalidValue(lossy(d.as_bytes())));
                }
            }
        }
        for (name, value) in &self.inner.entries {
            if !is_valid_name(name.as_bytes()) {
                return Err(HeaderError::InvalidName(lossy(name.as_bytes())));
            }
            if !is_valid_value(value.as_bytes()) {
                return Err(HeaderError::InvalidValue(lossy(value.as_bytes())));
            }
        }
        Ok(())
    }

    /// Bytes [`encode`](HeaderMap::encode) writes: the `#hdr` of an `HPUB`.
    pub fn encoded_len(&self) -> usize {
        let mut len = VERSION.len() + 2 + 2;
        if let Some(status) = self.inner.status {
            len += 1 + decimal_len(u64::from(status.0));
            if let Some(d) = self.inner.description.as_deref().filter(|d| !d.is_empty()) {
                len += 1 + d.len();
            }
        }
        for (name, value) in &self.inner.entries {
            len += name.len() + 2 + value.len() + 2;
        }
        len
    }

    /// Writes the block after [`validate`](HeaderMap::validate)-ing it; nothing is
    /// written when it is invalid.
    pub fn encode(&self, out: &mut impl BufMut) -> Result<(), HeaderError> {
        self.validate()?;
        self.encode_unchecked(out);
        Ok(())
    }

    /// Writes the block without checking it (callers validated first).
    pub(crate) fn encode_unchecked(&self, out: &mut impl BufMut) {
        out.put_slice(VERSION);
        if let Some(status) = self.inner.status {
            out.put_u8(b' ');
            put_u64(out, u64::from(status.0));
            if let Some(d) = self.inner.description.as_deref().filter(|d| !d.is_empty()) {
                out.put_u8(b' ');
                out.put_slice(d.as_bytes());
            }
        }
        out.put_slice(b"\r\n");
        for (name, value) in &self.inner.entries {
            out.put_slice(name.as_bytes());
            out.put_slice(b": ");
            out.put_slice(value.as_bytes());
            out.put_slice(b"\r\n");
        }
        out.put_slice(b"\r\n");
    }
}

/// Parses a block; fatal problems are returned, skippable ones go to `first_error`.
fn parse_block(
    block: &[u8],
    first_error: &mut Option<HeaderError>,
) -> Result<HeaderMap, HeaderError> {
    let mut rest = block;
    let version_line = next_line(&mut rest).ok_or_else(|| {
        if block.starts_with(VERSION) || VERSION.starts_with(block) {
            HeaderError::Unterminated
        } else {
            HeaderError::MissingVersion
        }
    })?;
    let after = version_line
        .strip_prefix(VERSION)
        .ok_or(HeaderError::MissingVersion)?;
    let mut map = HeaderMap::new();
    parse_status(after, &mut map)?;

    let mut note = |e: HeaderError| {
        first_error.get_or_insert(e);
    };
    loop {
        let Some(line) = next_line(&mut rest) else {
            return Err(HeaderError::Unterminated);
        };
        if line.is_empty() {
            break;
        }
        let Some(colon) = memchr::memchr(b':', line) else {
            note(HeaderError::MalformedLine(lossy(line)));
            continue;
        };
        let name = &line[..colon];
        let value = trim_start_ws(&line[colon + 1..]);
        if !is_valid_name(name) {
            note(HeaderError::InvalidName(lossy(name)));
            continue;
        }
        if value.contains(&b'\r') {
            note(HeaderError::InvalidValue(lossy(value)));
            continue;
        }
        // Names are ASCII (checked above); values must be UTF-8 to be a `String`.
        let Ok(value) = core::str::from_utf8(value) else {
            note(HeaderError::NotUtf8);
            continue;
        };
        // A valid name is ASCII, so this always succeeds (and, unlike a
        // lossy conversion, costs one pass over the bytes).
        let Ok(name) = core::str::from_utf8(name) else {
            note(HeaderError::InvalidName(lossy(name)));
            continue;
        };
        map.inner
            .entries
            .push((String::from(name), String::from(value)));
    }
    if !rest.is_empty() {
        note(HeaderError::MalformedLine(lossy(rest)));
    }
    Ok(map)
}

/// Parses what follows `NATS/1.0` on the version line.
fn parse_status(after: &[u8], map: &mut HeaderMap) -> Result<(), HeaderError> {
    if after.is_empty() {
        return Ok(());
    }
    // `NATS/1.0` must be followed by whitespace (or nothing).
    let trimmed = trim_start_ws(after);
    if trimmed.len() == after.len() {
        return Err(HeaderError::MissingVersion);
    }
    let trimmed = trim_end_ws(trimmed);
    if trimmed.is_empty() {
        return Ok(());
    }
    let digits = trimmed.get(..3).ok_or(HeaderError::InvalidStatus)?;
    if !digits.iter().all(u8::is_ascii_digit) {
        return Err(HeaderError::InvalidStatus);
    }
    let code = digits
        .iter()
        .fold(0u16, |acc, &d| acc * 10 + u16::from(d - b'0'));
    if !StatusCode(code).is_valid() {
        // `000`..`099` are not three-digit codes.
        return Err(HeaderError::InvalidStatus);
    }
    let tail = &trimmed[3..];
    let description = trim_start_ws(tail);
    if !tail.is_empty() && description.len() == tail.len() {
        // Something glued to the code, like `5034`.
        return Err(HeaderError::InvalidStatus);
    }
    if description.contains(&b'\r') {
        return Err(HeaderError::InvalidValue(lossy(description)));
    }
    map.inner.status = Some(StatusCode(code));
    if !description.is_empty() {
        let text = core::str::from_utf8(description).map_err(|_| HeaderError::NotUtf8)?;
        map.inner.description = Some(String::from(text));
    }
    Ok(())
}

impl<'a> IntoIterator for &'a HeaderMap {
    type Item = (&'a str, &'a str);
    type IntoIter = core::iter::Map<
        core::slice::Iter<'a, (String, String)>,
        fn(&'a (String, String)) -> (&'a str, &'a str),
    >;

    fn into_iter(self) -> Self::IntoIter {
        fn pair(e: &(String, String)) -> (&str, &str) {
            (e.0.as_str(), e.1.as_str())
        }
        self.inner
            .entries
            .iter()
            .map(pair as fn(&'a (String, String)) -> (&'a str, &'a str))
    }
}

impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for HeaderMap {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut map = HeaderMap::new();
        map.extend(iter);
        map
    }
}

impl<K: Into<String>, V: Into<String>> Extend<(K, V)> for HeaderMap {
    /// Appends every pair (keeps existing values).
    fn extend<I: IntoIterator<Item = (K, V)>>(&mut self, iter: I) {
        for (k, v) in iter {
            self.append(k, v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;
    use alloc::vec;

    fn encode(map: &HeaderMap) -> Vec<u8> {
        let mut out = Vec::new();
        map.encode(&mut out).unwrap();
        out
    }

    #[test]
    fn empty_block() {
        let map = HeaderMap::new();
        assert_eq!(encode(&map), b"NATS/1.0\r\n\r\n");
        assert_eq!(map.encoded_len(), 12);
        assert_eq!(HeaderMap::parse(b"NATS/1.0\r\n\r\n").unwrap(), map);
        assert_eq!(HeaderMap::parse(b"NATS/1.0\n\n").unwrap(), map);
        assert_eq!(HeaderMap::parse(b"NATS/1.0  \r\n\r\n").unwrap(), map);
    }

    #[test]
    fn status_lines() {
        let m = HeaderMap::parse(b"NATS/1.0 503\r\n\r\n").unwrap();
        assert_eq!(m.status(), Some(StatusCode::NO_RESPONDERS));
        assert_eq!(m.description(), None);
        let m = HeaderMap::parse(b"NATS/1.0\t408  Request Timeout \r\n\r\n").unwrap();
        assert_eq!(m.status(), Some(StatusCode::TIMEOUT));
        assert_eq!(m.description(), Some("Request Timeout"));
        let m = HeaderMap::parse(
            b"NATS/1.0 100 Idle Heartbeat\r\nNats-Last-Consumer: 5\r\nNats-Last-Stream: 7\r\n\r\n",
        )
        .unwrap();
        assert!(m.status().unwrap().is_control());
        assert_eq!(m.get("Nats-Last-Stream"), Some("7"));
        for bad in [
            &b"NATS/1.0 50\r\n\r\n"[..],
            b"NATS/1.0 5034\r\n\r\n",
            b"NATS/1.0 abc\r\n\r\n",
            b"NATS/1.0 042\r\n\r\n",
        ] {
            assert_eq!(
                HeaderMap::parse(bad),
                Err(HeaderError::InvalidStatus),
                "{bad:?}"
            );
        }
        assert_eq!(
            HeaderMap::parse(b"NATS/1.1\r\n\r\n"),
            Err(HeaderError::MissingVersion)
        );
        assert_eq!(
            HeaderMap::parse(b"NATS/1.0503\r\n\r\n"),
            Err(HeaderError::MissingVersion)
        );
        assert_eq!(
            HeaderMap::parse(b"HTTP/1.1 200\r\n\r\n"),
            Err(HeaderError::MissingVersion)
        );
        assert_eq!(HeaderMap::parse(b""), Err(HeaderError::Unterminated));
        assert_eq!(
            HeaderMap::parse(b"NATS/1.0"),
            Err(HeaderError::Unterminated)
        );
        assert_eq!(
            HeaderMap::parse(b"NATS/1.0\r\nA: b\r\n"),
            Err(HeaderError::Unterminated)
        );
    }

    #[test]
    fn entries_keep_case_order_and_repeats() {
        let m = HeaderMap::parse(
            b"NATS/1.0\r\nfoo: 1\r\nFoo:2\r\nfoo:\t 3\r\nbar: a: b \r\nE:\r\n\r\n",
        )
        .unwrap();
        let all: Vec<_> = m.iter().collect();
        assert_eq!(
            all,
            vec![
                ("foo", "1"),
                ("Foo", "2"),
                ("foo", "3"),
                ("bar", "a: b "),
                ("E", "")
            ]
        );
        assert_eq!(m.get_all("foo").collect::<Vec<_>>(), vec!["1", "3"]);
        assert_eq!(m.get("FOO"), None);
        assert_eq!(m.len(), 5);
        // Encoding and parsing again gives the same map.
        assert_eq!(HeaderMap::parse(&encode(&m)).unwrap(), m);
    }

    #[test]
    fn malformed_lines() {
        assert_eq!(
            HeaderMap::parse(b"NATS/1.0\r\nno colon\r\n\r\n"),
            Err(HeaderError::MalformedLine("no colon".into()))
        );
        assert_eq!(
            HeaderMap::parse(b"NATS/1.0\r\nbad name: v\r\n\r\n"),
            Err(HeaderError::InvalidName("bad name".into()))
        );
        assert_eq!(
            HeaderMap::parse(b"NATS/1.0\r\n: v\r\n\r\n"),
            Err(HeaderError::InvalidName("".into()))
        );
        assert_eq!(
            HeaderMap::parse(b"NATS/1.0\r\nk: a\rb\r\n\r\n"),
            Err(HeaderError::InvalidValue("a\rb".into()))
        );
        assert_eq!(
            HeaderMap::parse(b"NATS/1.0\r\nk: \xff\r\n\r\n"),
            Err(HeaderError::NotUtf8)
        );
        assert_eq!(
            HeaderMap::parse(b"NATS/1.0\r\n\r\nextra"),
            Err(HeaderError::MalformedLine("extra".into()))
        );
        // Lossy parsing keeps the good lines and reports the first bad one.
        let (m, err) =
            HeaderMap::parse_lossy(b"NATS/1.0 404\r\nA: 1\r\noops\r\nB: 2\r\nc d: 3\r\n\r\n")
                .unwrap();
        assert_eq!(m.iter().collect::<Vec<_>>(), vec![("A", "1"), ("B", "2")]);
        assert_eq!(m.status(), Some(StatusCode::NOT_FOUND));
        assert_eq!(err, Some(HeaderError::MalformedLine("oops".into())));
    }

    #[test]
    fn map_operations() {
        let mut m = HeaderMap::new();
        m.append("a", "1");
        m.append("b", "2");
        m.append("a", "3");
        m.insert("a", "4");
        assert_eq!(m.iter().collect::<Vec<_>>(), vec![("a", "4"), ("b", "2")]);
        m.insert("c", "5");
        assert!(m.contains_key("c"));
        m.append("b", "6");
        assert_eq!(m.remove("b").as_deref(), Some("2"));
        assert!(!m.contains_key("b"));
        assert_eq!(m.remove("zz"), None);
        assert_eq!((&m).into_iter().count(), 2);
        let m2: HeaderMap = [("x", "1"), ("x", "2")].into_iter().collect();
        assert_eq!(m2.get_all("x").count(), 2);
        assert!(HeaderMap::new().is_empty());
    }

    #[test]
    fn encode_validates() {
        let mut m = HeaderMap::new();
        m.insert("ok", "v");
        m.insert("bad:name", "v");
        let mut out = Vec::new();
        assert_eq!(
            m.encode(&mut out),
            Err(HeaderError::InvalidName("bad:name".into()))
        );
        assert!(out.is_empty());
        for name in ["", "sp ace", "tab\t", "uni\u{e9}", "del\u{7f}"] {
            let m: HeaderMap = [(name, "v")].into_iter().collect();
            assert!(
                matches!(m.validate(), Err(HeaderError::InvalidName(_))),
                "{name:?}"
            );
        }
        for value in ["a\rb", "a\nb", "\r\n"] {
            let m: HeaderMap = [("k", value)].into_iter().collect();
            assert!(
                matches!(m.validate(), Err(HeaderError::InvalidValue(_))),
                "{value:?}"
            );
        }
        assert_eq!(
            HeaderMap::with_status(StatusCode(99), None).validate(),
            Err(HeaderError::InvalidStatus)
        );
        let m = HeaderMap::with_status(StatusCode::NO_RESPONDERS, Some("No Responders"));
        assert_eq!(encode(&m), b"NATS/1.0 503 No Responders\r\n\r\n");
        assert_eq!(m.encoded_len(), encode(&m).len());
        assert_eq!(StatusCode::NO_RESPONDERS.to_string(), "503");
    }
}
