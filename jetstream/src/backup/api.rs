//! The snapshot and restore API calls as plain data, and the backup's
//! metadata (`backup.json`).
//!
//! `$JS.API.STREAM.SNAPSHOT.<stream>` takes a [`SnapshotRequest`] and
//! answers with the stream's configuration and state
//! ([`SnapshotResponse`]) before the data chunks go to the deliver subject.
//! `$JS.API.STREAM.RESTORE.<stream>` takes the configuration and state
//! ([`BackupMeta`]) and answers with the subject to send the chunks to
//! ([`RestoreResponse`]).

use super::BackupError;
use crate::api::stream::{Placement, StreamConfig, StreamState};
use crate::api::{ApiCall, ApiPrefix, parse_json, validate_name};
use crate::error::Error;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The body of a snapshot request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotRequest {
    /// Where the server sends the chunks.
    pub deliver_subject: String,
    /// Leave the consumers out of the snapshot.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub no_consumers: bool,
    /// Bytes per chunk (the server clamps it to 1 KiB..1 MiB; 0: its
    /// default, 128 KiB).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub chunk_size: usize,
    /// Bytes in flight before the server waits for acks (clamped to
    /// 1 KiB..32 MiB; 0: its default, 8 MiB).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub window_size: usize,
    /// Check every message's checksum first (`jsck`; servers whose
    /// snapshots read every message anyway ignore it).
    #[serde(default, rename = "jsck", skip_serializing_if = "std::ops::Not::not")]
    pub check_msgs: bool,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// The server's answer to a snapshot request: the stream's configuration
/// and state as it sent them (unknown fields kept).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct SnapshotResponse {
    /// The stream's configuration.
    pub config: Option<Value>,
    /// The stream's state at the snapshot.
    pub state: Option<Value>,
}

/// The server's answer to a restore request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct RestoreResponse {
    /// Where to send the chunks.
    pub deliver_subject: String,
}

/// `$JS.API.STREAM.SNAPSHOT.<stream>`.
pub fn snapshot(
    prefix: &ApiPrefix,
    stream: &str,
    request: &SnapshotRequest,
) -> Result<ApiCall<SnapshotResponse>, Error> {
    validate_name("stream", stream)?;
    ApiCall::json(prefix.subject_of(&["STREAM.SNAPSHOT.", stream]), request)
}

/// `$JS.API.STREAM.RESTORE.<stream>`, with the stream named by `meta`.
pub fn restore(prefix: &ApiPrefix, meta: &BackupMeta) -> Result<ApiCall<RestoreResponse>, Error> {
    let name = meta.name().unwrap_or_default();
    validate_name("stream", name)?;
    ApiCall::json(prefix.subject_of(&["STREAM.RESTORE.", name]), meta)
}

/// Reads a snapshot answer body into the backup's metadata.
pub fn parse_snapshot_response(body: &[u8]) -> Result<BackupMeta, BackupError> {
    let response: SnapshotResponse = parse_json(body)?;
    match (response.config, response.state) {
        (Some(config), Some(state)) => BackupMeta::new(config, state),
        _ => Err(BackupError::Api(Error::InvalidResponse(
            "snapshot answer without config and state".to_string(),
        ))),
    }
}

/// Reads a restore answer body: the subject to send the chunks to.
pub fn parse_restore_response(body: &[u8]) -> Result<String, BackupError> {
    deliver_subject(parse_json(body)?)
}

/// The subject of a restore answer to send the chunks to, checked.
pub fn deliver_subject(response: RestoreResponse) -> Result<String, BackupError> {
    if response.deliver_subject.is_empty()
        || crate::api::validate_subject(&response.deliver_subject, false).is_err()
    {
        return Err(BackupError::Api(Error::InvalidResponse(format!(
            "restore answer with an unusable deliver subject {:?}",
            response.deliver_subject
        ))));
    }
    Ok(response.deliver_subject)
}

/// A backup's metadata, `backup.json`: the stream's configuration and
/// state exactly as the server gave them in its snapshot answer (fields this
/// crate does not know are kept, so a restore sends them back). It is also
/// the body of the restore request. The nats CLI writes the same file.
///
/// Reading one checks only that both are JSON objects and that the
/// configuration names the stream; [`config`](Self::config) and
/// [`state`](Self::state) give typed views.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BackupMeta {
    config: Value,
    state: Value,
}

impl BackupMeta {
    /// Metadata from a configuration and a state, which must be JSON
    /// objects that read as [`StreamConfig`] and [`StreamState`].
    pub fn new(config: Value, state: Value) -> Result<BackupMeta, BackupError> {
        let meta = BackupMeta { config, state };
        meta.check()?;
        Ok(meta)
    }

    /// Reads `backup.json`.
    pub fn from_json(json: &[u8]) -> Result<BackupMeta, BackupError> {
        let meta: BackupMeta = serde_json::from_slice(json)
            .map_err(|e| BackupError::InvalidBackup(format!("backup.json: {e}")))?;
        meta.check()?;
        Ok(meta)
    }

    /// Writes `backup.json` (indented, as the nats CLI writes it).
    pub fn to_json(&self) -> Vec<u8> {
        // A tree of `Value`s always serializes.
        serde_json::to_vec_pretty(self).unwrap_or_default()
    }

    fn check(&self) -> Result<(), BackupError> {
        if !self.config.is_object() || !self.state.is_object() {
            return Err(BackupError::InvalidBackup(
                "config and state must be JSON objects".to_string(),
            ));
        }
        // The typed views are not required to read: a backup another tool
        // wrote (or a newer server sent) restores as it is.
        match self.name() {
            Some(name) => validate_name("stream", name).map_err(BackupError::Api),
            None => Err(BackupError::InvalidBackup(
                "the configuration has no stream name".to_string(),
            )),
        }
    }

    /// The stream's stored bytes in the state (0 when missing).
    pub fn stream_bytes(&self) -> u64 {
        self.state.get("bytes").and_then(Value::as_u64).unwrap_or(0)
    }

    /// The stream's name in the configuration.
    pub fn name(&self) -> Option<&str> {
        self.config.get("name").and_then(Value::as_str)
    }

    /// The configuration, typed.
    pub fn config(&self) -> Result<StreamConfig, BackupError> {
        serde_json::from_value(self.config.clone())
            .map_err(|e| BackupError::InvalidBackup(format!("stream configuration: {e}")))
    }

    /// The state at the snapshot, typed.
    pub fn state(&self) -> Result<StreamState, BackupError> {
        serde_json::from_value(self.state.clone())
            .map_err(|e| BackupError::InvalidBackup(format!("stream state: {e}")))
    }

    /// The configuration as the server sent it.
    pub fn raw_config(&self) -> &Value {
        &self.config
    }

    /// The state as the server sent it.
    pub fn raw_state(&self) -> &Value {
        &self.state
    }

    fn config_object(&mut self) -> &mut Map<String, Value> {
        if !self.config.is_object() {
            self.config = Value::Object(Map::new());
        }
        match &mut self.config {
            Value::Object(map) => map,
            _ => unreachable!("made an object above"),
        }
    }

    /// Restores under another name.
    pub fn set_name(&mut self, name: &str) -> Result<(), BackupError> {
        validate_name("stream", name)?;
        self.config_object()
            .insert("name".to_string(), Value::String(name.to_string()));
        Ok(())
    }

    /// Restores with another number of replicas.
    pub fn set_replicas(&mut self, replicas: usize) {
        self.config_object()
            .insert("num_replicas".to_string(), Value::from(replicas));
    }

    /// Restores with other placement (cluster, tags); `None` removes it.
    pub fn set_placement(&mut self, placement: Option<&Placement>) -> Result<(), BackupError> {
        match placement {
            Some(p) => {
                let value = serde_json::to_value(p)
                    .map_err(|e| BackupError::InvalidBackup(format!("placement: {e}")))?;
                self.config_object().insert("placement".to_string(), value);
            }
            None => {
                self.config_object().remove("placement");
            }
        }
        Ok(())
    }

    /// Restores storing other subjects.
    pub fn set_subjects(&mut self, subjects: &[String]) {
        self.config_object()
            .insert("subjects".to_string(), Value::from(subjects.to_vec()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshot_request_json() {
        let request = SnapshotRequest {
            deliver_subject: "_INBOX.x".to_string(),
            ..SnapshotRequest::default()
        };
        assert_eq!(
            serde_json::to_string(&request).unwrap(),
            r#"{"deliver_subject":"_INBOX.x"}"#
        );
        let request = SnapshotRequest {
            deliver_subject: "_INBOX.x".to_string(),
            no_consumers: true,
            chunk_size: 1024,
            window_size: 4096,
            check_msgs: true,
        };
        assert_eq!(
            serde_json::to_string(&request).unwrap(),
            r#"{"deliver_subject":"_INBOX.x","no_consumers":true,"chunk_size":1024,"window_size":4096,"jsck":true}"#
        );
        let call = snapshot(&ApiPrefix::domain("hub"), "S", &request).unwrap();
        assert_eq!(call.subject, "$JS.hub.API.STREAM.SNAPSHOT.S");
        assert!(snapshot(&ApiPrefix::new(), "a.b", &request).is_err());
    }

    #[test]
    fn snapshot_answers() {
        let meta = parse_snapshot_response(
            br#"{"type":"io.nats.jetstream.api.v1.stream_snapshot_response","config":{"name":"S","subjects":["s.>"],"future":1},"state":{"messages":3,"bytes":10}}"#,
        )
        .unwrap();
        assert_eq!(meta.name(), Some("S"));
        assert_eq!(meta.state().unwrap().messages, 3);
        // Unknown fields survive the round trip through backup.json.
        let again = BackupMeta::from_json(&meta.to_json()).unwrap();
        assert_eq!(again.raw_config()["future"], 1);
        let err = parse_snapshot_response(
            br#"{"error":{"code":404,"err_code":10059,"description":"stream not found"}}"#,
        )
        .unwrap_err();
        assert!(matches!(err, BackupError::Api(e) if e.is(crate::ErrorCode::StreamNotFound)));
        assert!(parse_snapshot_response(br#"{"config":{"name":"S"}}"#).is_err());
        assert!(parse_snapshot_response(br#"{"config":{"name":"a b"},"state":{}}"#).is_err());
        assert!(parse_snapshot_response(br#"{"config":[],"state":{}}"#).is_err());
    }

    #[test]
    fn restore_requests_and_answers() {
        let mut meta = BackupMeta::from_json(
            br#"{"config":{"name":"S","num_replicas":1,"placement":{"cluster":"c"}},"state":{"messages":1}}"#,
        )
        .unwrap();
        meta.set_name("T").unwrap();
        meta.set_replicas(3);
        meta.set_placement(None).unwrap();
        meta.set_subjects(&["t.>".to_string()]);
        assert!(meta.set_name("no.dots").is_err());
        let call = restore(&ApiPrefix::new(), &meta).unwrap();
        assert_eq!(call.subject, "$JS.API.STREAM.RESTORE.T");
        let body: Value = serde_json::from_slice(&call.payload).unwrap();
        assert_eq!(
            body,
            serde_json::json!({"config":{"name":"T","num_replicas":3,"subjects":["t.>"]},"state":{"messages":1}})
        );
        assert_eq!(
            parse_restore_response(br#"{"deliver_subject":"$JS.SNAPSHOT.RESTORE.T.x"}"#).unwrap(),
            "$JS.SNAPSHOT.RESTORE.T.x"
        );
        assert!(parse_restore_response(br#"{"deliver_subject":""}"#).is_err());
        assert!(parse_restore_response(br#"{"deliver_subject":"a b"}"#).is_err());
        let err = parse_restore_response(
            br#"{"error":{"code":400,"err_code":10130,"description":"stream name already in use, cannot restore"}}"#,
        )
        .unwrap_err();
        assert!(matches!(err, BackupError::Api(_)));
        // Fields the typed views cannot read do not stop a restore.
        let odd = BackupMeta::from_json(
            br#"{"config":{"name":"S","max_age":"forever"},"state":{"bytes":42,"first_ts":5}}"#,
        )
        .unwrap();
        assert_eq!(odd.stream_bytes(), 42);
        assert!(odd.config().is_err() && odd.state().is_err());
        assert!(BackupMeta::from_json(b"{").is_err());
        assert!(BackupMeta::from_json(br#"{"config":{},"state":{}}"#).is_err());
    }
}
