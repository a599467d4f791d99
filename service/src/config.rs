//! The configuration of services, groups and endpoints as plain data, and
//! how a queue group is chosen (ADR-32): an endpoint's own setting, else its
//! group's, else the service's, else [`DEFAULT_QUEUE_GROUP`]; each level can
//! also turn queue groups off for what is below it.

use super::error::AsyncError;
use super::schema::{DEFAULT_QUEUE_GROUP, EndpointStats};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Computes the `data` of an endpoint's statistics (called for every
/// endpoint on each `STATS` request and [`Service::stats`](super::Service::stats)).
pub type StatsHandler = Arc<dyn Fn(&EndpointStats) -> serde_json::Value + Send + Sync>;

/// Told about errors outside requests (see [`AsyncError`]).
pub type ErrorHandler = Arc<dyn Fn(&AsyncError) + Send + Sync>;

/// A queue group setting of a service, group or endpoint.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) enum QueueSetting {
    /// Whatever the level above uses.
    #[default]
    Inherit,
    /// This queue group.
    Named(String),
    /// A plain subscription, no queue group.
    Disabled,
}

impl QueueSetting {
    /// The queue group to use under a parent that uses `parent` (`None`: no
    /// queue group).
    pub(crate) fn resolve(&self, parent: Option<&str>) -> Option<String> {
        match self {
            QueueSetting::Inherit => parent.map(str::to_string),
            QueueSetting::Named(name) => Some(name.clone()),
            QueueSetting::Disabled => None,
        }
    }

    /// The queue group a service with this setting gives its endpoints.
    pub(crate) fn resolve_for_service(&self) -> Option<String> {
        self.resolve(Some(DEFAULT_QUEUE_GROUP))
    }

    /// The name to check, if any.
    pub(crate) fn name(&self) -> Option<&str> {
        match self {
            QueueSetting::Named(name) => Some(name),
            _ => None,
        }
    }
}

/// How to create a service: name and version (both required), description,
/// metadata, queue group, and handlers.
///
/// ```
/// use natrs_service::ServiceConfig;
/// let config = ServiceConfig::new("calculator", "1.2.0")
///     .description("adds numbers")
///     .metadata_entry("region", "eu")
///     .queue_group("calc");
/// ```
#[derive(Clone)]
pub struct ServiceConfig {
    pub(crate) name: String,
    pub(crate) version: String,
    pub(crate) description: String,
    pub(crate) metadata: BTreeMap<String, String>,
    pub(crate) queue: QueueSetting,
    pub(crate) stats_handler: Option<StatsHandler>,
    pub(crate) error_handler: Option<ErrorHandler>,
}

impl std::fmt::Debug for ServiceConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceConfig")
            .field("name", &self.name)
            .field("version", &self.version)
            .field("description", &self.description)
            .field("metadata", &self.metadata)
            .field("queue", &self.queue)
            .field("stats_handler", &self.stats_handler.is_some())
            .field("error_handler", &self.error_handler.is_some())
            .finish()
    }
}

impl ServiceConfig {
    /// A service named `name` (`^[A-Za-z0-9\-_]+$`) at SemVer `version`;
    /// both are checked when the service is added.
    pub fn new(name: impl Into<String>, version: impl Into<String>) -> ServiceConfig {
        ServiceConfig {
            name: name.into(),
            version: version.into(),
            description: String::new(),
            metadata: BTreeMap::new(),
            queue: QueueSetting::Inherit,
            stats_handler: None,
            error_handler: None,
        }
    }

    /// A human-readable description.
    pub fn description(mut self, description: impl Into<String>) -> ServiceConfig {
        self.description = description.into();
        self
    }

    /// Replaces the metadata.
    pub fn metadata(mut self, metadata: BTreeMap<String, String>) -> ServiceConfig {
        self.metadata = metadata;
        self
    }

    /// Adds one metadata entry.
    pub fn metadata_entry(
        mut self,
        key: impl Into<String>,
        value: impl Into<String>,
    ) -> ServiceConfig {
        self.metadata.insert(key.into(), value.into());
        self
    }

    /// The queue group of endpoints that set none themselves (nor their
    /// group); [`DEFAULT_QUEUE_GROUP`] otherwise.
    pub fn queue_group(mut self, queue_group: impl Into<String>) -> ServiceConfig {
        self.queue = QueueSetting::Named(queue_group.into());
        self
    }

    /// Endpoints that set no queue group themselves (nor their group)
    /// subscribe without one: every instance gets every request.
    pub fn no_queue_group(mut self) -> ServiceConfig {
        self.queue = QueueSetting::Disabled;
        self
    }

    /// Adds custom `data` to each endpoint's statistics.
    pub fn stats_handler(
        mut self,
        handler: impl Fn(&EndpointStats) -> serde_json::Value + Send + Sync + 'static,
    ) -> ServiceConfig {
        self.stats_handler = Some(Arc::new(handler));
        self
    }

    /// Is told about errors outside requests; it runs on the service's
    /// discovery thread, so it should return quickly.
    pub fn error_handler(
        mut self,
        handler: impl Fn(&AsyncError) + Send + Sync + 'static,
    ) -> ServiceConfig {
        self.error_handler = Some(Arc::new(handler));
        self
    }
}

/// How to add an endpoint: its name (`^[A-Za-z0-9\-_]+$`), and optionally a
/// subject (the name by default; a group puts its prefix in front), a queue
/// group, metadata and pending limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointConfig {
    pub(crate) name: String,
    pub(crate) subject: Option<String>,
    pub(crate) queue: QueueSetting,
    pub(crate) metadata: BTreeMap<String, String>,
    pub(crate) pending_limits: Option<(usize, usize)>,
}

impl EndpointConfig {
    /// An endpoint named `name`, listening on subject `name`.
    pub fn new(name: impl Into<String>) -> EndpointConfig {
        EndpointConfig {
            name: name.into(),
            subject: None,
            queue: QueueSetting::Inherit,
            metadata: BTreeMap::new(),
            pending_limits: None,
        }
    }

    /// Listens on `subject` (wildcards allowed) instead of the name; an
    /// empty subject means the name.
    pub fn subject(mut self, subject: impl Into<String>) -> EndpointConfig {
        self.subject = Some(subject.into());
        self
    }

    /// Uses this queue group, whatever the group and service say.
    pub fn queue_group(mut self, queue_group: impl Into<String>) -> EndpointConfig {
        self.queue = QueueSetting::Named(queue_group.into());
        self
    }

    /// Subscribes without a queue group: every instance gets every request.
    pub fn no_queue_group(mut self) -> EndpointConfig {
        self.queue = QueueSetting::Disabled;
        self
    }

    /// Replaces the metadata.
    pub fn metadata(mut self, metadata: BTreeMap<String, String>) -> EndpointConfig {
        self.metadata = metadata;
        self
    }

    /// Adds one metadata entry.
    pub fn metadata_entry(
        mut self,
        key: impl Into<String>,
        value: impl Into<String>,
    ) -> EndpointConfig {
        self.metadata.insert(key.into(), value.into());
        self
    }

    /// The limits (messages, payload bytes) past which requests waiting to be
    /// taken are dropped, counted as errors of the endpoint, and the service
    /// stops (as in nats.go). The client's defaults otherwise.
    pub fn pending_limits(mut self, messages: usize, bytes: usize) -> EndpointConfig {
        self.pending_limits = Some((messages, bytes));
        self
    }

    /// The subject the endpoint listens on under `prefix`.
    pub(crate) fn full_subject(&self, prefix: &str) -> String {
        let subject = self
            .subject
            .as_deref()
            .filter(|s| !s.is_empty())
            .unwrap_or(&self.name);
        join(prefix, subject)
    }
}

impl From<&str> for EndpointConfig {
    fn from(name: &str) -> EndpointConfig {
        EndpointConfig::new(name)
    }
}

impl From<String> for EndpointConfig {
    fn from(name: String) -> EndpointConfig {
        EndpointConfig::new(name)
    }
}

/// How to add a group: a subject prefix for its endpoints (a subject without
/// `>`, or empty) and optionally a queue group for them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupConfig {
    pub(crate) prefix: String,
    pub(crate) queue: QueueSetting,
}

impl GroupConfig {
    /// A group whose endpoints listen on `<prefix>.<subject>`.
    pub fn new(prefix: impl Into<String>) -> GroupConfig {
        GroupConfig {
            prefix: prefix.into(),
            queue: QueueSetting::Inherit,
        }
    }

    /// The queue group of endpoints in the group that set none themselves.
    pub fn queue_group(mut self, queue_group: impl Into<String>) -> GroupConfig {
        self.queue = QueueSetting::Named(queue_group.into());
        self
    }

    /// Endpoints in the group that set no queue group themselves subscribe
    /// without one.
    pub fn no_queue_group(mut self) -> GroupConfig {
        self.queue = QueueSetting::Disabled;
        self
    }
}

impl From<&str> for GroupConfig {
    fn from(prefix: &str) -> GroupConfig {
        GroupConfig::new(prefix)
    }
}

impl From<String> for GroupConfig {
    fn from(prefix: String) -> GroupConfig {
        GroupConfig::new(prefix)
    }
}

/// `prefix.rest`, or `rest` alone under an empty prefix.
pub(crate) fn join(prefix: &str, rest: &str) -> String {
    match (prefix.is_empty(), rest.is_empty()) {
        (true, _) => rest.to_string(),
        (false, true) => prefix.to_string(),
        (false, false) => format!("{prefix}.{rest}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_groups_resolve_like_nats_go() {
        use QueueSetting::*;
        let named = |s: &str| Named(s.to_string());
        // Service level.
        assert_eq!(Inherit.resolve_for_service().as_deref(), Some("q"));
        assert_eq!(named("svc").resolve_for_service().as_deref(), Some("svc"));
        assert_eq!(Disabled.resolve_for_service(), None);
        // Below a parent: own setting first, then the parent's result.
        for parent in [Some("p"), None] {
            assert_eq!(Inherit.resolve(parent).as_deref(), parent);
            assert_eq!(named("e").resolve(parent).as_deref(), Some("e"));
            assert_eq!(Disabled.resolve(parent), None);
        }
        // Service disabled, group named, endpoint inherits: the group's.
        let service = Disabled.resolve_for_service();
        let group = named("g").resolve(service.as_deref());
        assert_eq!(Inherit.resolve(group.as_deref()).as_deref(), Some("g"));
        // Service named, group disabled, endpoint named: the endpoint's.
        let service = named("s").resolve_for_service();
        let group = Disabled.resolve(service.as_deref());
        assert_eq!(group, None);
        assert_eq!(named("e").resolve(group.as_deref()).as_deref(), Some("e"));
    }

    #[test]
    fn subjects_join_prefixes() {
        assert_eq!(EndpointConfig::new("add").full_subject(""), "add");
        assert_eq!(EndpointConfig::new("add").full_subject("math"), "math.add");
        assert_eq!(
            EndpointConfig::new("add")
                .subject("x.y")
                .full_subject("a.b"),
            "a.b.x.y"
        );
        assert_eq!(
            EndpointConfig::new("add").subject("").full_subject("m"),
            "m.add"
        );
        assert_eq!(join("a", ""), "a");
    }

    #[test]
    fn builders() {
        let c = ServiceConfig::new("s", "1.0.0")
            .metadata_entry("a", "1")
            .metadata_entry("b", "2")
            .no_queue_group()
            .stats_handler(|_| serde_json::json!(1));
        assert_eq!(c.metadata.len(), 2);
        assert_eq!(c.queue, QueueSetting::Disabled);
        assert!(format!("{c:?}").contains("stats_handler: true"));
        let e = EndpointConfig::from("e")
            .queue_group("x")
            .pending_limits(1, 2);
        assert_eq!(e.queue.name(), Some("x"));
        assert_eq!(e.pending_limits, Some((1, 2)));
        assert_eq!(
            GroupConfig::from("g").no_queue_group().queue,
            QueueSetting::Disabled
        );
    }
}
