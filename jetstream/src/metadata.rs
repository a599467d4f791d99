//! Delivery metadata from a JetStream message's reply (ack) subject (C4).
//!
//! Two forms exist:
//! - v1, 9 tokens: `$JS.ACK.<stream>.<consumer>.<delivered>.<stream seq>.<consumer seq>.<ns>.<pending>`
//! - v2, 11 or more: `$JS.ACK.<domain>.<account hash>.<stream>.<consumer>.<delivered>.<stream seq>.<consumer seq>.<ns>.<pending>[.<more>]`,
//!   with domain `_` meaning none.
//!
//! Any other token count (10 in particular) or a non-numeric field is an error.

use crate::error::Error;
use time::OffsetDateTime;

/// The metadata of one delivery, borrowing from the reply subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AckSubject<'a> {
    /// The JetStream domain (v2 subjects), `None` for the default domain.
    pub domain: Option<&'a str>,
    /// The account hash (v2 subjects).
    pub account_hash: Option<&'a str>,
    /// The stream.
    pub stream: &'a str,
    /// The consumer.
    pub consumer: &'a str,
    /// How many times this message was delivered (1 the first time).
    pub delivered: u64,
    /// The message's stream sequence.
    pub stream_sequence: u64,
    /// The delivery's consumer sequence.
    pub consumer_sequence: u64,
    /// When the message was stored, in nanoseconds since the Unix epoch.
    pub timestamp_nanos: u64,
    /// Messages left for the consumer after this one.
    pub pending: u64,
}

fn number(token: &str) -> Result<u64, Error> {
    if token.is_empty() || !token.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::NotJetStream(format!(
            "non-numeric ack subject token {token:?}"
        )));
    }
    token
        .parse()
        .map_err(|_| Error::NotJetStream(format!("ack subject token {token:?} out of range")))
}

impl<'a> AckSubject<'a> {
    /// Parses a reply subject.
    pub fn parse(reply: &'a str) -> Result<AckSubject<'a>, Error> {
        let rest = reply
            .strip_prefix("$JS.ACK.")
            .ok_or_else(|| Error::NotJetStream(format!("{reply:?} is not an ack subject")))?;
        let mut tokens: [&str; 9] = [""; 9];
        let mut count = 0usize;
        for t in rest.split('.') {
            if count < tokens.len() {
                tokens[count] = t;
            }
            count += 1;
        }
        // Counting the two leading `$JS.ACK` tokens.
        let (domain, hash, fields) = match count + 2 {
            9 => (None, None, &tokens[..7]),
            n if n >= 11 => {
                let domain = Some(tokens[0]).filter(|d| !d.is_empty() && *d != "_");
                (domain, Some(tokens[1]), &tokens[2..9])
            }
            n => {
                return Err(Error::NotJetStream(format!(
                    "ack subject {reply:?} has {n} tokens"
                )));
            }
        };
        if fields[0].is_empty() || fields[1].is_empty() {
            return Err(Error::NotJetStream(format!(
                "ack subject {reply:?} has an empty stream or consumer"
            )));
        }
        Ok(AckSubject {
            domain,
            account_hash: hash,
            stream: fields[0],
            consumer: fields[1],
            delivered: number(fields[2])?,
            stream_sequence: number(fields[3])?,
            consumer_sequence: number(fields[4])?,
            timestamp_nanos: number(fields[5])?,
            pending: number(fields[6])?,
        })
    }

    /// The owned form.
    pub fn to_metadata(&self) -> Metadata {
        Metadata {
            domain: self.domain.map(str::to_string),
            account_hash: self.account_hash.map(str::to_string),
            stream: self.stream.to_string(),
            consumer: self.consumer.to_string(),
            delivered: self.delivered,
            stream_sequence: self.stream_sequence,
            consumer_sequence: self.consumer_sequence,
            timestamp: i128::from(self.timestamp_nanos),
            pending: self.pending,
        }
    }
}

/// The metadata of one delivery (owned).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Metadata {
    /// The JetStream domain, `None` for the default domain.
    pub domain: Option<String>,
    /// The account hash (v2 subjects).
    pub account_hash: Option<String>,
    /// The stream.
    pub stream: String,
    /// The consumer.
    pub consumer: String,
    /// How many times this message was delivered (1 the first time).
    pub delivered: u64,
    /// The message's stream sequence.
    pub stream_sequence: u64,
    /// The delivery's consumer sequence.
    pub consumer_sequence: u64,
    /// When the message was stored, in nanoseconds since the Unix epoch.
    pub timestamp: i128,
    /// Messages left for the consumer after this one.
    pub pending: u64,
}

impl Metadata {
    /// Parses a reply subject.
    pub fn parse(reply: &str) -> Result<Metadata, Error> {
        AckSubject::parse(reply).map(|s| s.to_metadata())
    }

    /// When the message was stored.
    pub fn time(&self) -> Option<OffsetDateTime> {
        OffsetDateTime::from_unix_timestamp_nanos(self.timestamp).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v1() {
        let m = AckSubject::parse("$JS.ACK.ORDERS.C1.2.100.50.1700000000000000000.7").unwrap();
        assert_eq!(m.domain, None);
        assert_eq!(m.account_hash, None);
        assert_eq!(m.stream, "ORDERS");
        assert_eq!(m.consumer, "C1");
        assert_eq!(m.delivered, 2);
        assert_eq!(m.stream_sequence, 100);
        assert_eq!(m.consumer_sequence, 50);
        assert_eq!(m.timestamp_nanos, 1_700_000_000_000_000_000);
        assert_eq!(m.pending, 7);
        let owned = m.to_metadata();
        assert_eq!(owned.time().unwrap().unix_timestamp(), 1_700_000_000);
    }

    #[test]
    fn v2() {
        let m =
            AckSubject::parse("$JS.ACK.hub.ACCHASH.ORDERS.C1.1.3.3.1700000000000000001.0").unwrap();
        assert_eq!(m.domain, Some("hub"));
        assert_eq!(m.account_hash, Some("ACCHASH"));
        assert_eq!(m.stream, "ORDERS");
        assert_eq!(m.stream_sequence, 3);
        let m = AckSubject::parse("$JS.ACK._.H.S.C.1.2.3.4.5.extra.more").unwrap();
        assert_eq!(m.domain, None);
        assert_eq!(m.stream, "S");
        assert_eq!(m.consumer, "C");
        assert_eq!(m.pending, 5);
    }

    #[test]
    fn invalid() {
        for bad in [
            "$JS.ACK.S.C.1.2.3.4",
            "$JS.ACK.D.H.S.C.1.2.3.4",
            "$JS.ACK.S.C.x.2.3.4.5",
            "$JS.ACK.S.C.1.2.3.4.-5",
            "_INBOX.abc",
            "$JS.ACK..C.1.2.3.4.5",
            "$JS.ACK.S.C.1.2.3.4.99999999999999999999999",
        ] {
            assert!(AckSubject::parse(bad).is_err(), "{bad}");
        }
    }
}
