//! Object descriptions and their wire form (ADR-20, byte for byte as nats.go
//! writes them): [`ObjectInfo`] is stored as JSON in the meta message
//! `$O.<bucket>.M.<base64url(name)>`; the digest is `SHA-256=` and the
//! base64url (with padding) of the SHA-256 of the bytes.

use super::ObjectError;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE, URL_SAFE_NO_PAD};
use serde::{Deserialize, Deserializer, Serialize};
use std::collections::BTreeMap;
use std::io;
use time::OffsetDateTime;

/// Headers of an object, as nats.go stores them (`map[string][]string`).
pub type ObjectHeaders = BTreeMap<String, Vec<String>>;

/// The default chunk size: 128 KiB.
pub const DEFAULT_CHUNK_SIZE: u32 = 128 * 1024;

/// The digest algorithm prefix.
pub const DIGEST_PREFIX: &str = "SHA-256=";

/// What nats.go writes as `mtime`: Go's zero time. The modification time is
/// never stored; readers take the meta message's timestamp.
const ZERO_TIME: &str = "0001-01-01T00:00:00Z";

/// A link to another object, or to a whole bucket.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ObjectLink {
    /// The bucket.
    pub bucket: String,
    /// The object (`None`: the link is to the whole bucket).
    pub name: Option<String>,
}

/// Options stored with an object.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ObjectMetaOptions {
    /// Set on links.
    pub link: Option<ObjectLink>,
    /// The chunk size the object was written with (0: not said).
    pub max_chunk_size: u32,
}

/// What the writer of an object says about it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ObjectMeta {
    /// The name (any non-empty text).
    pub name: String,
    /// A description.
    pub description: String,
    /// Headers.
    pub headers: ObjectHeaders,
    /// Free-form metadata.
    pub metadata: BTreeMap<String, String>,
    /// Chunk size to write with (`None`: [`DEFAULT_CHUNK_SIZE`]); ignored
    /// when updating an object's meta.
    pub chunk_size: Option<u32>,
}

impl ObjectMeta {
    /// Meta with just a name.
    pub fn new(name: impl Into<String>) -> ObjectMeta {
        ObjectMeta {
            name: name.into(),
            ..ObjectMeta::default()
        }
    }

    /// Sets the description.
    pub fn description(mut self, description: impl Into<String>) -> ObjectMeta {
        self.description = description.into();
        self
    }

    /// Adds a header value.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> ObjectMeta {
        self.headers
            .entry(name.into())
            .or_default()
            .push(value.into());
        self
    }

    /// Adds a metadata entry.
    pub fn metadata(mut self, key: impl Into<String>, value: impl Into<String>) -> ObjectMeta {
        self.metadata.insert(key.into(), value.into());
        self
    }

    /// Sets the chunk size.
    pub fn chunk_size(mut self, bytes: u32) -> ObjectMeta {
        self.chunk_size = Some(bytes);
        self
    }
}

/// An object: its meta and where its bytes are.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ObjectInfo {
    /// The name.
    pub name: String,
    /// A description.
    pub description: String,
    /// Headers.
    pub headers: ObjectHeaders,
    /// Free-form metadata.
    pub metadata: BTreeMap<String, String>,
    /// Options (chunk size, link).
    pub options: Option<ObjectMetaOptions>,
    /// The bucket.
    pub bucket: String,
    /// The id of this version: its chunks are on `$O.<bucket>.C.<nuid>`.
    pub nuid: String,
    /// Bytes.
    pub size: u64,
    /// When the meta was written (the meta message's timestamp; the time of
    /// the call for what `put` and the link calls return).
    pub modified: Option<OffsetDateTime>,
    /// Chunks.
    pub chunks: u32,
    /// `SHA-256=<base64url>` of the bytes (empty for links and deleted objects).
    pub digest: String,
    /// Deleted: the meta stays as a marker, the chunks are gone.
    pub deleted: bool,
}

impl ObjectInfo {
    /// The link, when this is one.
    pub fn link(&self) -> Option<&ObjectLink> {
        self.options.as_ref()?.link.as_ref()
    }

    /// Whether this is a link (to an object or a bucket).
    pub fn is_link(&self) -> bool {
        self.link().is_some()
    }

    /// The meta message's payload, byte for byte as nats.go writes it.
    pub fn to_meta_json(&self) -> Vec<u8> {
        let options = self.options.as_ref().map(|o| WireOptionsOut {
            link: o.link.as_ref().map(|l| WireLinkOut {
                bucket: &l.bucket,
                name: l.name.as_deref().unwrap_or(""),
            }),
            max_chunk_size: o.max_chunk_size,
        });
        let wire = WireOut {
            name: &self.name,
            description: &self.description,
            headers: &self.headers,
            metadata: &self.metadata,
            options,
            bucket: &self.bucket,
            nuid: &self.nuid,
            size: self.size,
            mtime: ZERO_TIME,
            chunks: self.chunks,
            digest: &self.digest,
            deleted: self.deleted,
        };
        go_json(&wire)
    }

    /// Reads a meta message's payload; `modified` is left `None` (it is the
    /// message's timestamp).
    pub fn from_meta_json(json: &[u8]) -> Result<ObjectInfo, ObjectError> {
        let w: WireIn =
            serde_json::from_slice(json).map_err(|e| ObjectError::InvalidMeta(e.to_string()))?;
        Ok(ObjectInfo {
            name: w.name,
            description: w.description,
            headers: w.headers,
            metadata: w.metadata,
            options: w.options.map(|o| ObjectMetaOptions {
                link: o.link.map(|l| ObjectLink {
                    bucket: l.bucket,
                    name: Some(l.name).filter(|n| !n.is_empty()),
                }),
                max_chunk_size: o.max_chunk_size,
            }),
            bucket: w.bucket,
            nuid: w.nuid,
            size: w.size,
            modified: None,
            chunks: w.chunks,
            digest: w.digest,
            deleted: w.deleted,
        })
    }
}

fn is_empty_str(s: &&str) -> bool {
    s.is_empty()
}

fn is_false(b: &bool) -> bool {
    !*b
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

fn is_empty_map<K, V>(m: &&BTreeMap<K, V>) -> bool {
    m.is_empty()
}

/// nats.go's `ObjectInfo` field order and `omitempty`s.
#[derive(Serialize)]
struct WireOut<'a> {
    name: &'a str,
    #[serde(skip_serializing_if = "is_empty_str")]
    description: &'a str,
    #[serde(skip_serializing_if = "is_empty_map")]
    headers: &'a ObjectHeaders,
    #[serde(skip_serializing_if = "is_empty_map")]
    metadata: &'a BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    options: Option<WireOptionsOut<'a>>,
    bucket: &'a str,
    nuid: &'a str,
    size: u64,
    mtime: &'static str,
    chunks: u32,
    #[serde(skip_serializing_if = "is_empty_str")]
    digest: &'a str,
    #[serde(skip_serializing_if = "is_false")]
    deleted: bool,
}

#[derive(Serialize)]
struct WireOptionsOut<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    link: Option<WireLinkOut<'a>>,
    #[serde(skip_serializing_if = "is_zero")]
    max_chunk_size: u32,
}

#[derive(Serialize)]
struct WireLinkOut<'a> {
    bucket: &'a str,
    #[serde(skip_serializing_if = "is_empty_str")]
    name: &'a str,
}

/// `null` reads as the default (other clients write it for empty values).
fn nullable<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

#[derive(Deserialize)]
struct WireIn {
    #[serde(default, deserialize_with = "nullable")]
    name: String,
    #[serde(default, deserialize_with = "nullable")]
    description: String,
    #[serde(default, deserialize_with = "nullable")]
    headers: ObjectHeaders,
    #[serde(default, deserialize_with = "nullable")]
    metadata: BTreeMap<String, String>,
    #[serde(default)]
    options: Option<WireOptionsIn>,
    #[serde(default, deserialize_with = "nullable")]
    bucket: String,
    #[serde(default, deserialize_with = "nullable")]
    nuid: String,
    #[serde(default, deserialize_with = "nullable")]
    size: u64,
    #[serde(default, deserialize_with = "nullable")]
    chunks: u32,
    #[serde(default, deserialize_with = "nullable")]
    digest: String,
    #[serde(default, deserialize_with = "nullable")]
    deleted: bool,
}

#[derive(Deserialize)]
struct WireOptionsIn {
    #[serde(default)]
    link: Option<WireLinkIn>,
    #[serde(default, deserialize_with = "nullable")]
    max_chunk_size: u32,
}

#[derive(Deserialize)]
struct WireLinkIn {
    #[serde(default, deserialize_with = "nullable")]
    bucket: String,
    #[serde(default, deserialize_with = "nullable")]
    name: String,
}

/// Writes JSON as Go's `encoding/json` does: like serde_json, except that
/// `<`, `>`, `&`, U+2028 and U+2029 in strings are escaped as `\u003c`,
/// `\u003e`, `\u0026`, `\u2028`, `\u2029`.
struct GoFormatter;

impl serde_json::ser::Formatter for GoFormatter {
    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            let escaped = match c {
                '<' => "\\u003c",
                '>' => "\\u003e",
                '&' => "\\u0026",
                '\u{2028}' => "\\u2028",
                '\u{2029}' => "\\u2029",
                _ => continue,
            };
            writer.write_all(&fragment.as_bytes()[start..i])?;
            writer.write_all(escaped.as_bytes())?;
            start = i + c.len_utf8();
        }
        writer.write_all(&fragment.as_bytes()[start..])
    }
}

fn go_json<T: Serialize>(value: &T) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    let mut ser = serde_json::Serializer::with_formatter(&mut out, GoFormatter);
    // Strings, integers and maps with string keys always serialize.
    if value.serialize(&mut ser).is_err() {
        out.clear();
    }
    out
}

/// The meta subject token of an object name: base64url with padding.
pub fn encode_name(name: &str) -> String {
    URL_SAFE.encode(name.as_bytes())
}

/// `SHA-256=<base64url with padding>` of a SHA-256 sum.
pub fn digest_string(sha256: &[u8]) -> String {
    format!("{DIGEST_PREFIX}{}", URL_SAFE.encode(sha256))
}

/// The SHA-256 sum in a digest string. Lenient on the encoding (base64url
/// with or without padding, or standard base64), strict on the algorithm.
pub fn decode_digest(digest: &str) -> Result<Vec<u8>, ObjectError> {
    let invalid = || ObjectError::InvalidDigest(digest.to_string());
    let (algorithm, value) = digest.split_once('=').ok_or_else(invalid)?;
    if !algorithm.eq_ignore_ascii_case("SHA-256") {
        return Err(invalid());
    }
    let sum = URL_SAFE
        .decode(value)
        .or_else(|_| URL_SAFE_NO_PAD.decode(value))
        .or_else(|_| STANDARD.decode(value))
        .map_err(|_| invalid())?;
    if sum.len() != 32 {
        return Err(invalid());
    }
    Ok(sum)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::{Digest, Sha256};

    #[test]
    fn meta_json_matches_nats_go() {
        let info = ObjectInfo {
            name: "object-name".into(),
            bucket: "B".into(),
            nuid: "CkuyLEX4z2hbyjj1aWCfiH".into(),
            size: 5,
            chunks: 1,
            digest: digest_string(&Sha256::digest(b"hello")),
            options: Some(ObjectMetaOptions {
                link: None,
                max_chunk_size: DEFAULT_CHUNK_SIZE,
            }),
            ..ObjectInfo::default()
        };
        assert_eq!(
            String::from_utf8(info.to_meta_json()).unwrap(),
            concat!(
                r#"{"name":"object-name","options":{"max_chunk_size":131072},"bucket":"B","#,
                r#""nuid":"CkuyLEX4z2hbyjj1aWCfiH","size":5,"mtime":"0001-01-01T00:00:00Z","#,
                r#""chunks":1,"digest":"SHA-256=LPJNul-wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ="}"#
            )
        );
    }

    #[test]
    fn full_meta_json_and_go_escapes() {
        let mut info = ObjectInfo {
            name: "a<b>&c\u{2028}".into(),
            description: "d".into(),
            bucket: "B".into(),
            nuid: "N".into(),
            deleted: true,
            options: Some(ObjectMetaOptions {
                link: Some(ObjectLink {
                    bucket: "L".into(),
                    name: Some("o".into()),
                }),
                max_chunk_size: 0,
            }),
            ..ObjectInfo::default()
        };
        info.headers
            .insert("key2".into(), vec!["bar".into(), "baz".into()]);
        info.headers.insert("key1".into(), vec!["foo".into()]);
        info.metadata.insert("owner".into(), "infra".into());
        let json = String::from_utf8(info.to_meta_json()).unwrap();
        assert_eq!(
            json,
            concat!(
                r#"{"name":"a\u003cb\u003e\u0026c\u2028","description":"d","#,
                r#""headers":{"key1":["foo"],"key2":["bar","baz"]},"metadata":{"owner":"infra"},"#,
                r#""options":{"link":{"bucket":"L","name":"o"}},"bucket":"B","nuid":"N","size":0,"#,
                r#""mtime":"0001-01-01T00:00:00Z","chunks":0,"deleted":true}"#
            )
        );
        let back = ObjectInfo::from_meta_json(json.as_bytes()).unwrap();
        assert_eq!(back, info);
        // A bucket link has no name.
        let link = ObjectInfo {
            options: Some(ObjectMetaOptions {
                link: Some(ObjectLink {
                    bucket: "L".into(),
                    name: None,
                }),
                max_chunk_size: 0,
            }),
            ..ObjectInfo::default()
        };
        let json = String::from_utf8(link.to_meta_json()).unwrap();
        assert!(
            json.contains(r#""options":{"link":{"bucket":"L"}}"#),
            "{json}"
        );
    }

    #[test]
    fn reads_other_writers() {
        let info = ObjectInfo::from_meta_json(
            br#"{"name":"x","description":null,"headers":null,"options":{"link":{"bucket":"b","name":""}},
                "bucket":"B","nuid":"N","size":3,"mtime":"2024-01-01T00:00:00Z","chunks":1,"future":1}"#,
        )
        .unwrap();
        assert_eq!(info.name, "x");
        assert_eq!(info.link().unwrap().name, None);
        assert_eq!(info.size, 3);
        assert!(info.modified.is_none());
        assert!(ObjectInfo::from_meta_json(b"not json").is_err());
    }

    #[test]
    fn names_and_digests() {
        assert_eq!(encode_name("object-name"), "b2JqZWN0LW5hbWU=");
        assert_eq!(encode_name("a?b"), "YT9i");
        assert_eq!(encode_name("??>"), "Pz8-");
        let sum = Sha256::digest(b"hello");
        let d = digest_string(&sum);
        assert_eq!(d, "SHA-256=LPJNul-wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=");
        assert_eq!(decode_digest(&d).unwrap(), sum.to_vec());
        assert_eq!(
            decode_digest("SHA-256=LPJNul-wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ").unwrap(),
            sum.to_vec()
        );
        assert_eq!(
            decode_digest("sha-256=LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=").unwrap(),
            sum.to_vec()
        );
        for bad in ["", "SHA-256", "MD5=abc=", "SHA-256=!!", "SHA-256=YWJj"] {
            assert!(decode_digest(bad).is_err(), "{bad}");
        }
    }
}
