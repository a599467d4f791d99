//! How the discovery JSON encodes what serde does not cover the way nats.go
//! writes it: durations as integer nanoseconds (Go's `time.Duration`), the
//! start time as RFC 3339 with microseconds, and collections that Go
//! marshals as `null` when empty.

use serde::{Deserialize, Deserializer, Serializer};
use std::time::Duration;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// A number that may be signed or unsigned, as serde_json hands it over.
#[derive(Deserialize)]
#[serde(untagged)]
enum Number {
    Signed(i64),
    Unsigned(u64),
    Float(f64),
}

/// `Duration` as integer nanoseconds: saturating at `i64::MAX` when written
/// (what Go can hold), negative, `null` or missing read as zero.
pub(crate) mod nanos {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i64(i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let n = match Option::<Number>::deserialize(d)? {
            None => 0,
            Some(Number::Signed(n)) => u64::try_from(n).unwrap_or(0),
            Some(Number::Unsigned(n)) => n,
            // Go never writes a float here; be lenient rather than fail a whole response.
            Some(Number::Float(f)) => f as u64,
        };
        Ok(Duration::from_nanos(n))
    }
}

/// `Option<OffsetDateTime>` as RFC 3339 in UTC with exactly six fractional
/// digits (`2026-12-06T17:14:44.456018Z`): the form nats-py's service client
/// parses (`%Y-%m-%dT%H:%M:%S.%fZ`, which takes at most microseconds and
/// needs the fraction). Finer digits are cut off. Reads any RFC 3339 time;
/// Go's zero time (`0001-01-01T00:00:00Z`) and text that is not a time read
/// as `None`.
pub(crate) mod opt_time_micros {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(
        t: &Option<OffsetDateTime>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => {
                let Some(t) = t
                    .checked_to_offset(time::UtcOffset::UTC)
                    .filter(|t| (0..=9999).contains(&t.year()))
                else {
                    return Err(serde::ser::Error::custom("year out of range"));
                };
                let text = format!(
                    "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
                    t.year(),
                    u8::from(t.month()),
                    t.day(),
                    t.hour(),
                    t.minute(),
                    t.second(),
                    t.microsecond()
                );
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
        Ok(OffsetDateTime::parse(&text, &Rfc3339)
            .ok()
            .filter(|t| t.year() > 1))
    }
}

/// A collection (or string) that Go may write as `null`: `null` reads as empty.
pub(crate) fn nullable<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
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
        #[serde(with = "opt_time_micros", skip_serializing_if = "Option::is_none")]
        t: Option<OffsetDateTime>,
        #[serde(deserialize_with = "nullable")]
        list: Vec<String>,
    }

    #[test]
    fn durations_times_and_nulls() {
        let t: T = serde_json::from_str(r#"{"d":1500,"list":null}"#).unwrap();
        assert_eq!((t.d, t.list.len()), (Duration::from_nanos(1500), 0));
        let t: T = serde_json::from_str(r#"{"d":-5}"#).unwrap();
        assert_eq!(t.d, Duration::ZERO);
        let t: T = serde_json::from_str(r#"{"t":"2024-11-04T23:45:02.060192789Z"}"#).unwrap();
        let json = serde_json::to_string(&t).unwrap();
        assert!(
            json.contains(r#""t":"2024-11-04T23:45:02.060192Z""#),
            "{json}"
        );
        let t: T = serde_json::from_str(r#"{"t":"0001-01-01T00:00:00Z"}"#).unwrap();
        assert_eq!(t.t, None);
        // Past year 9999 in UTC: an error, not a panic.
        let t: T = serde_json::from_str(r#"{"t":"9999-12-31T23:59:59-23:59"}"#).unwrap();
        assert!(t.t.is_some());
        let e = serde_json::to_string(&t).unwrap_err();
        assert!(e.to_string().contains("year out of range"), "{e}");
    }
}
