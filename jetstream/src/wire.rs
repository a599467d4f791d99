//! How the JetStream JSON API encodes values that serde does not cover the way
//! the server writes them: durations as integer nanoseconds (Go's
//! `time.Duration`, which may be negative), times as RFC 3339 strings with
//! nanoseconds, and collections that Go marshals as `null` when empty.

use serde::{Deserialize, Deserializer, Serializer};
use std::time::Duration;
use time::OffsetDateTime;

/// The most nanoseconds Go's `time.Duration` (an `i64`) holds.
const MAX_NANOS: i64 = i64::MAX;

/// The longest duration the server reads (about 292 years).
pub(crate) const MAX_DURATION: Duration = Duration::from_nanos(MAX_NANOS as u64);

/// Nanoseconds of a duration, saturating at [`MAX_DURATION`].
pub(crate) fn duration_nanos(d: Duration) -> i64 {
    i64::try_from(d.as_nanos()).unwrap_or(MAX_NANOS)
}

/// A Go duration (signed nanoseconds) as a `Duration`; negative values are zero.
fn from_signed(n: i64) -> Duration {
    Duration::from_nanos(u64::try_from(n).unwrap_or(0))
}

/// A number that may be signed or unsigned, as serde_json hands it over.
#[derive(Deserialize)]
#[serde(untagged)]
enum Number {
    Signed(i64),
    Unsigned(u64),
    Float(f64),
}

impl Number {
    fn signed(self) -> i64 {
        match self {
            Number::Signed(n) => n,
            Number::Unsigned(n) => i64::try_from(n).unwrap_or(MAX_NANOS),
            // Go never writes a float here; be lenient rather than fail a whole response.
            Number::Float(f) => f as i64,
        }
    }
}

/// `Duration` as integer nanoseconds.
pub(crate) mod nanos {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i64(duration_nanos(*d))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        Ok(Option::<Number>::deserialize(d)?.map_or(Duration::ZERO, |n| from_signed(n.signed())))
    }
}

/// `Option<Duration>` as integer nanoseconds; `None` is written as nothing
/// (pair with `skip_serializing_if = "Option::is_none"`) and read from a
/// missing field, `null` or a negative value (Go's "never").
pub(crate) mod opt_nanos {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.serialize_i64(duration_nanos(*d)),
            None => s.serialize_none(),
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Duration>, D::Error> {
        Ok(Option::<Number>::deserialize(d)?.and_then(|n| {
            let n = n.signed();
            (n >= 0).then(|| from_signed(n))
        }))
    }
}

/// `Vec<Duration>` as a list of integer nanoseconds (consumer back-off).
pub(crate) mod vec_nanos {
    use super::*;
    use serde::ser::SerializeSeq;

    pub(crate) fn serialize<S: Serializer>(v: &[Duration], s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(v.len()))?;
        for d in v {
            seq.serialize_element(&duration_nanos(*d))?;
        }
        seq.end()
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Duration>, D::Error> {
        let v = Option::<Vec<Number>>::deserialize(d)?.unwrap_or_default();
        Ok(v.into_iter().map(|n| from_signed(n.signed())).collect())
    }
}

/// `Option<OffsetDateTime>` as RFC 3339, in UTC (in its own offset when
/// UTC would be past year 9999: a server's reply may hold such a time); Go's
/// zero time (`0001-01-01T00:00:00Z`) reads as `None`.
pub(crate) mod opt_time {
    use super::*;
    use time::format_description::well_known::Rfc3339;

    pub(crate) fn serialize<S: Serializer>(
        t: &Option<OffsetDateTime>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => {
                let text = t
                    .checked_to_offset(time::UtcOffset::UTC)
                    .unwrap_or(*t)
                    .format(&Rfc3339)
                    .map_err(serde::ser::Error::custom)?;
                s.serialize_str(&text)
            }
            None => s.serialize_none(),
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<OffsetDateTime>, D::Error> {
        let Some(text) = Option::<String>::deserialize(d)? else {
            return Ok(None);
        };
        Ok(super::parse_time(&text).filter(|t| t.year() > 1))
    }
}

/// Parses an RFC 3339 time, or Go's `time.Time.String()` form
/// (`2022-08-06 00:29:27.587861324 +0000 UTC`) that older servers put in
/// `Nats-Time-Stamp`. `None` when neither fits.
pub fn parse_time(text: &str) -> Option<OffsetDateTime> {
    use time::format_description::well_known::Rfc3339;
    if let Ok(t) = OffsetDateTime::parse(text, &Rfc3339) {
        return Some(t);
    }
    // Go's String(): "<date> <time>[.frac] <+hhmm> <zone name>".
    let mut parts = text.split(' ');
    let (date, clock, offset) = (parts.next()?, parts.next()?, parts.next()?);
    if offset.len() != 5 || !offset.is_ascii() {
        return None;
    }
    let rfc = format!("{date}T{clock}{}:{}", &offset[..3], &offset[3..]);
    OffsetDateTime::parse(&rfc, &Rfc3339).ok()
}

/// A collection (or string) that Go may write as `null`: `null` reads as empty.
pub(crate) fn nullable<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// For `skip_serializing_if`: the value equals its type's default.
pub(crate) fn is_default<T: Default + PartialEq>(v: &T) -> bool {
    *v == T::default()
}

/// For `skip_serializing_if`: a duration of zero.
pub(crate) fn is_zero(d: &Duration) -> bool {
    d.is_zero()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Serialize;

    #[derive(Serialize, Deserialize, Default, Debug, PartialEq)]
    #[serde(default)]
    struct T {
        #[serde(with = "nanos")]
        d: Duration,
        #[serde(with = "opt_nanos", skip_serializing_if = "Option::is_none")]
        o: Option<Duration>,
        #[serde(with = "vec_nanos")]
        v: Vec<Duration>,
        #[serde(with = "opt_time", skip_serializing_if = "Option::is_none")]
        t: Option<OffsetDateTime>,
        #[serde(deserialize_with = "nullable")]
        list: Vec<String>,
    }

    #[test]
    fn durations_saturate_at_the_longest_the_server_reads() {
        assert_eq!(duration_nanos(MAX_DURATION), i64::MAX);
        assert_eq!(
            duration_nanos(MAX_DURATION + Duration::from_nanos(1)),
            i64::MAX
        );
        assert_eq!(duration_nanos(Duration::MAX), i64::MAX);
        assert_eq!(crate::consumer::MAX_EXPIRES, MAX_DURATION);
    }

    #[test]
    fn durations() {
        let t: T = serde_json::from_str(r#"{"d":1500,"o":-1,"v":[1,2]}"#).unwrap();
        assert_eq!(t.d, Duration::from_nanos(1500));
        assert_eq!(t.o, None);
        assert_eq!(t.v, vec![Duration::from_nanos(1), Duration::from_nanos(2)]);
        let t: T = serde_json::from_str(r#"{"d":-5,"o":7,"v":null}"#).unwrap();
        assert_eq!(t.d, Duration::ZERO);
        assert_eq!(t.o, Some(Duration::from_nanos(7)));
        assert!(t.v.is_empty());
        let json = serde_json::to_string(&T {
            d: Duration::from_secs(2),
            ..T::default()
        })
        .unwrap();
        assert_eq!(json, r#"{"d":2000000000,"v":[],"list":[]}"#);
    }

    #[test]
    fn times() {
        let t: T = serde_json::from_str(r#"{"t":"2024-11-04T23:45:02.060192000Z"}"#).unwrap();
        let ts = t.t.unwrap();
        assert_eq!(ts.nanosecond(), 60_192_000);
        let json = serde_json::to_string(&t).unwrap();
        assert!(
            json.contains(r#""t":"2024-11-04T23:45:02.060192Z""#),
            "{json}"
        );
        let t: T = serde_json::from_str(r#"{"t":"0001-01-01T00:00:00Z"}"#).unwrap();
        assert_eq!(t.t, None);
        let go = parse_time("2022-08-06 00:29:27.587861324 +0000 UTC").unwrap();
        assert_eq!(go.unix_timestamp(), 1_659_745_767);
        assert_eq!(go.nanosecond(), 587_861_324);
        assert_eq!(parse_time("yesterday"), None);
        // Past year 9999 in UTC: written in its own offset, read back equal.
        let far = r#"{"t":"9999-12-31T23:59:59-23:59"}"#;
        let t: T = serde_json::from_str(far).unwrap();
        let json = serde_json::to_string(&t).unwrap();
        assert!(
            json.contains(r#""t":"9999-12-31T23:59:59-23:59""#),
            "{json}"
        );
        assert_eq!(serde_json::from_str::<T>(&json).unwrap(), t);
        assert_eq!(parse_time("2022-08-06 00:29:27 +0\u{e9}0 UTC"), None);
    }

    #[test]
    fn nulls() {
        let t: T = serde_json::from_str(r#"{"list":null}"#).unwrap();
        assert!(t.list.is_empty());
        let t: T = serde_json::from_str(r#"{"list":["a"],"unknown":{"x":1}}"#).unwrap();
        assert_eq!(t.list, vec!["a".to_string()]);
    }
}
