//! [`Entry`]: one value (or delete/purge marker) of a key, as a get, a
//! watch or the history returns it.

use crate::api::message::StreamMessage;
use crate::metadata::AckSubject;
use bytes::Bytes;
use natrs_client::HeaderMap;
use time::OffsetDateTime;

/// `KV-Operation`: `DEL` or `PURGE` on markers, absent on values.
pub const OPERATION: &str = "KV-Operation";
/// `Nats-Marker-Reason`: set on markers the server writes (ADR-48).
pub const MARKER_REASON: &str = "Nats-Marker-Reason";

/// What an entry records.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Operation {
    /// A value was written.
    #[default]
    Put,
    /// The key was deleted (history kept).
    Delete,
    /// The key was purged (history removed), or a limit removed it.
    Purge,
}

impl Operation {
    /// The operation a stored message's headers record: `KV-Operation`
    /// first, then the server's `Nats-Marker-Reason` (`MaxAge` and `Purge`
    /// are purges, `Remove` a delete). Anything else is a put.
    pub fn from_headers(headers: Option<&HeaderMap>) -> Operation {
        let Some(h) = headers else {
            return Operation::Put;
        };
        match h.get(OPERATION) {
            Some("DEL") => return Operation::Delete,
            Some("PURGE") => return Operation::Purge,
            _ => {}
        }
        match h.get(MARKER_REASON) {
            Some("MaxAge") | Some("Purge") => Operation::Purge,
            Some("Remove") => Operation::Delete,
            _ => Operation::Put,
        }
    }

    /// The `KV-Operation` header value (`None` for a put).
    pub fn header_value(self) -> Option<&'static str> {
        match self {
            Operation::Put => None,
            Operation::Delete => Some("DEL"),
            Operation::Purge => Some("PURGE"),
        }
    }

    /// Whether the key has no value after this (delete or purge).
    pub fn is_removal(self) -> bool {
        self != Operation::Put
    }
}

/// A key's value, or a marker of its removal, with its revision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The bucket.
    pub bucket: String,
    /// The key.
    pub key: String,
    /// The value (empty for markers and for watches with `meta_only`).
    pub value: Bytes,
    /// The revision: the stream sequence of the message.
    pub revision: u64,
    /// In watches and histories, how many newer messages matched when this
    /// one was delivered (0 for the latest); 0 for gets.
    pub delta: u64,
    /// When it was stored (the Unix epoch if the server did not say).
    pub created: OffsetDateTime,
    /// What it records.
    pub operation: Operation,
}

impl Entry {
    /// The entry a direct get (or stream get) returned, for `key`.
    pub(crate) fn from_stream_message(bucket: &str, key: &str, m: StreamMessage) -> Entry {
        Entry {
            bucket: bucket.to_string(),
            key: key.to_string(),
            operation: Operation::from_headers(Some(&m.headers)),
            value: m.payload,
            revision: m.sequence,
            delta: 0,
            created: m.time.unwrap_or(OffsetDateTime::UNIX_EPOCH),
        }
    }

    /// The entry a consumer delivered: revision, time and delta come from
    /// the reply subject's metadata. `None` when the subject is not under
    /// `prefix` (`$KV.<bucket>.`).
    pub(crate) fn from_delivery(
        bucket: &str,
        prefix: &str,
        subject: &str,
        headers: Option<&HeaderMap>,
        payload: Bytes,
        meta: &AckSubject<'_>,
    ) -> Option<Entry> {
        let key = subject.strip_prefix(prefix).filter(|k| !k.is_empty())?;
        let created = OffsetDateTime::from_unix_timestamp_nanos(i128::from(meta.timestamp_nanos))
            .unwrap_or(OffsetDateTime::UNIX_EPOCH);
        Some(Entry {
            bucket: bucket.to_string(),
            key: key.to_string(),
            value: payload,
            revision: meta.stream_sequence,
            delta: meta.pending,
            created,
            operation: Operation::from_headers(headers),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, *v);
        }
        h
    }

    #[test]
    fn operations() {
        assert_eq!(Operation::from_headers(None), Operation::Put);
        assert_eq!(
            Operation::from_headers(Some(&headers(&[("KV-Operation", "DEL")]))),
            Operation::Delete
        );
        assert_eq!(
            Operation::from_headers(Some(&headers(&[
                ("KV-Operation", "PURGE"),
                ("Nats-Rollup", "sub")
            ]))),
            Operation::Purge
        );
        for (reason, op) in [
            ("MaxAge", Operation::Purge),
            ("Purge", Operation::Purge),
            ("Remove", Operation::Delete),
            ("Future", Operation::Put),
        ] {
            assert_eq!(
                Operation::from_headers(Some(&headers(&[("Nats-Marker-Reason", reason)]))),
                op,
                "{reason}"
            );
        }
        assert_eq!(
            Operation::from_headers(Some(&headers(&[("Other", "x")]))),
            Operation::Put
        );
        assert!(Operation::Purge.is_removal());
        assert_eq!(Operation::Delete.header_value(), Some("DEL"));
    }

    #[test]
    fn deliveries() {
        let meta = AckSubject::parse("$JS.ACK.KV_b.c.1.42.3.1700000000000000001.2").unwrap();
        let e = Entry::from_delivery(
            "b",
            "$KV.b.",
            "$KV.b.a.b",
            None,
            Bytes::from_static(b"v"),
            &meta,
        )
        .unwrap();
        assert_eq!(e.key, "a.b");
        assert_eq!(e.revision, 42);
        assert_eq!(e.delta, 2);
        assert_eq!(e.created.unix_timestamp_nanos(), 1_700_000_000_000_000_001);
        assert_eq!(e.operation, Operation::Put);
        assert!(
            Entry::from_delivery("b", "$KV.b.", "$KV.c.x", None, Bytes::new(), &meta).is_none()
        );
        assert!(Entry::from_delivery("b", "$KV.b.", "$KV.b.", None, Bytes::new(), &meta).is_none());
    }
}
