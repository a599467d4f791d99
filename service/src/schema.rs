//! The discovery protocol as plain data (ADR-32): the verbs, their control
//! subjects under `$SRV`, and the JSON of the `PING`, `INFO` and `STATS`
//! responses with nats.go's field names and order. The types read responses
//! of any implementation leniently (missing fields default, `null`
//! collections read as empty, unknown fields are ignored).

use crate::wire::{nanos, nullable, opt_time_micros};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Duration;
use time::OffsetDateTime;

/// The root of every control subject.
pub const API_PREFIX: &str = "$SRV";
/// The queue group endpoints use unless configured otherwise.
pub const DEFAULT_QUEUE_GROUP: &str = "q";
/// `type` of a `PING` response.
pub const PING_RESPONSE_TYPE: &str = "io.nats.micro.v1.ping_response";
/// `type` of an `INFO` response.
pub const INFO_RESPONSE_TYPE: &str = "io.nats.micro.v1.info_response";
/// `type` of a `STATS` response.
pub const STATS_RESPONSE_TYPE: &str = "io.nats.micro.v1.stats_response";

/// A discovery verb.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Verb {
    /// Presence and round trip: [`PingResponse`].
    Ping,
    /// Configuration and endpoints: [`InfoResponse`].
    Info,
    /// Endpoint statistics: [`StatsResponse`].
    Stats,
}

impl Verb {
    /// Every verb.
    pub const ALL: [Verb; 3] = [Verb::Ping, Verb::Info, Verb::Stats];

    /// The verb as it appears in subjects: `PING`, `INFO`, `STATS`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verb::Ping => "PING",
            Verb::Info => "INFO",
            Verb::Stats => "STATS",
        }
    }
}

impl std::fmt::Display for Verb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which services a discovery request addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target<'a> {
    /// Every service: `$SRV.<VERB>`.
    All,
    /// Every instance of the services named so: `$SRV.<VERB>.<name>`.
    Name(&'a str),
    /// One instance: `$SRV.<VERB>.<name>.<id>`.
    Instance {
        /// The service name.
        name: &'a str,
        /// The instance id.
        id: &'a str,
    },
}

/// The control subject of `verb` for `target`.
pub fn control_subject(verb: Verb, target: Target<'_>) -> String {
    match target {
        Target::All => format!("{API_PREFIX}.{verb}"),
        Target::Name(name) => format!("{API_PREFIX}.{verb}.{name}"),
        Target::Instance { name, id } => format!("{API_PREFIX}.{verb}.{name}.{id}"),
    }
}

/// The answer to `$SRV.PING...`: who the instance is.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PingResponse {
    /// The service name (its kind).
    pub name: String,
    /// The instance id.
    pub id: String,
    /// The service version.
    pub version: String,
    /// The service metadata (always an object).
    #[serde(deserialize_with = "nullable")]
    pub metadata: BTreeMap<String, String>,
    /// [`PING_RESPONSE_TYPE`].
    #[serde(rename = "type")]
    pub kind: String,
}

/// The answer to `$SRV.INFO...`: the configuration and the endpoints.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct InfoResponse {
    /// The service name (its kind).
    pub name: String,
    /// The instance id.
    pub id: String,
    /// The service version.
    pub version: String,
    /// The service metadata (always an object).
    #[serde(deserialize_with = "nullable")]
    pub metadata: BTreeMap<String, String>,
    /// [`INFO_RESPONSE_TYPE`].
    #[serde(rename = "type")]
    pub kind: String,
    /// The service description.
    #[serde(deserialize_with = "nullable")]
    pub description: String,
    /// The endpoints, in the order they were added.
    #[serde(deserialize_with = "nullable")]
    pub endpoints: Vec<EndpointInfo>,
}

/// One endpoint in an [`InfoResponse`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct EndpointInfo {
    /// The endpoint name.
    pub name: String,
    /// The subject it listens on (with its group prefix).
    pub subject: String,
    /// Its queue group; empty when it subscribes without one.
    #[serde(deserialize_with = "nullable")]
    pub queue_group: String,
    /// The endpoint metadata (always an object).
    #[serde(deserialize_with = "nullable")]
    pub metadata: BTreeMap<String, String>,
}

/// The answer to `$SRV.STATS...`: request counts and timings per endpoint.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct StatsResponse {
    /// The service name (its kind).
    pub name: String,
    /// The instance id.
    pub id: String,
    /// The service version.
    pub version: String,
    /// The service metadata (always an object).
    #[serde(deserialize_with = "nullable")]
    pub metadata: BTreeMap<String, String>,
    /// [`STATS_RESPONSE_TYPE`].
    #[serde(rename = "type")]
    pub kind: String,
    /// When the service started (or its statistics were last reset), UTC,
    /// RFC 3339 with microseconds (`2026-12-06T17:14:44.456018Z`), as
    /// nats-py reads it.
    #[serde(with = "opt_time_micros")]
    pub started: Option<OffsetDateTime>,
    /// The endpoints, in the order they were added.
    #[serde(deserialize_with = "nullable")]
    pub endpoints: Vec<EndpointStats>,
}

/// One endpoint in a [`StatsResponse`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EndpointStats {
    /// The endpoint name.
    pub name: String,
    /// The subject it listens on (with its group prefix).
    pub subject: String,
    /// Its queue group; empty when it subscribes without one.
    #[serde(deserialize_with = "nullable")]
    pub queue_group: String,
    /// Requests handled (responded to, or dropped without a response).
    pub num_requests: u64,
    /// Requests answered with an error, plus errors of the endpoint's
    /// subscription.
    pub num_errors: u64,
    /// The last error (`code:description` for error responses); empty when
    /// there was none.
    #[serde(deserialize_with = "nullable")]
    pub last_error: String,
    /// Time spent on requests, from their delivery to their response
    /// (nanoseconds on the wire).
    #[serde(with = "nanos")]
    pub processing_time: Duration,
    /// `processing_time / num_requests`, truncated to whole nanoseconds; zero
    /// without requests.
    #[serde(with = "nanos")]
    pub average_processing_time: Duration,
    /// What the service's stats handler returned for this endpoint; `null`
    /// without a handler (written always: nats-py's client requires the
    /// key).
    pub data: Option<serde_json::Value>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_subjects() {
        assert_eq!(control_subject(Verb::Ping, Target::All), "$SRV.PING");
        assert_eq!(
            control_subject(Verb::Info, Target::Name("calc")),
            "$SRV.INFO.calc"
        );
        assert_eq!(
            control_subject(
                Verb::Stats,
                Target::Instance {
                    name: "calc",
                    id: "abc"
                }
            ),
            "$SRV.STATS.calc.abc"
        );
    }

    #[test]
    fn field_names_and_order_follow_nats_go() {
        let ping = PingResponse {
            name: "s".into(),
            id: "i".into(),
            version: "1.0.0".into(),
            metadata: BTreeMap::new(),
            kind: PING_RESPONSE_TYPE.into(),
        };
        assert_eq!(
            serde_json::to_string(&ping).unwrap(),
            r#"{"name":"s","id":"i","version":"1.0.0","metadata":{},"type":"io.nats.micro.v1.ping_response"}"#
        );
        let stats = StatsResponse {
            name: "s".into(),
            id: "i".into(),
            version: "1.0.0".into(),
            metadata: BTreeMap::from([("k".into(), "v".into())]),
            kind: STATS_RESPONSE_TYPE.into(),
            started: Some(
                OffsetDateTime::from_unix_timestamp_nanos(1_700_000_000_123_456_789).unwrap(),
            ),
            endpoints: vec![EndpointStats {
                name: "e".into(),
                subject: "a.e".into(),
                queue_group: "q".into(),
                num_requests: 3,
                num_errors: 1,
                last_error: "500:boom".into(),
                processing_time: Duration::from_nanos(3000),
                average_processing_time: Duration::from_nanos(1000),
                data: None,
            }],
        };
        assert_eq!(
            serde_json::to_string(&stats).unwrap(),
            concat!(
                r#"{"name":"s","id":"i","version":"1.0.0","metadata":{"k":"v"},"#,
                r#""type":"io.nats.micro.v1.stats_response","started":"2023-11-14T22:13:20.123456Z","#,
                r#""endpoints":[{"name":"e","subject":"a.e","queue_group":"q","num_requests":3,"#,
                r#""num_errors":1,"last_error":"500:boom","processing_time":3000,"#,
                r#""average_processing_time":1000,"data":null}]}"#
            )
        );
        // Whole seconds keep their six digits.
        let mut whole = stats.clone();
        whole.started = Some(OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap());
        whole.endpoints.clear();
        assert!(
            serde_json::to_string(&whole)
                .unwrap()
                .contains(r#""started":"2023-11-14T22:13:20.000000Z""#)
        );
    }

    #[test]
    fn reads_what_other_implementations_write() {
        // nats.go writes `null` for unset endpoint metadata and `data`.
        let info: InfoResponse = serde_json::from_str(
            r#"{"name":"s","id":"i","version":"1.0.0","metadata":null,"type":"io.nats.micro.v1.info_response",
                "description":"","endpoints":[{"name":"e","subject":"e","queue_group":"q","metadata":null}],"extra":1}"#,
        )
        .unwrap();
        assert!(info.metadata.is_empty());
        assert_eq!(info.endpoints[0].queue_group, "q");
        let stats: StatsResponse = serde_json::from_str(
            r#"{"name":"s","type":"io.nats.micro.v1.stats_response","started":"2024-01-02T03:04:05.5Z",
                "endpoints":[{"name":"e","num_requests":2,"processing_time":10,"data":null}]}"#,
        )
        .unwrap();
        assert_eq!(stats.endpoints[0].num_requests, 2);
        assert_eq!(stats.endpoints[0].processing_time, Duration::from_nanos(10));
        assert_eq!(stats.started.unwrap().nanosecond(), 500_000_000);
        let empty: StatsResponse = serde_json::from_str("{}").unwrap();
        assert_eq!(empty.started, None);
    }
}
