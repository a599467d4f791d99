//! [`EventFamily`]: which events to subscribe to, as subjects.

/// A group of events and the subjects they come on.
///
/// The JetStream families are published into the account that owns the
/// stream; the system families need a connection as a user of the system
/// account. Families that overlap (e.g. [`EventFamily::JetStreamAdvisories`]
/// and [`EventFamily::ApiAudit`]) deliver an event once for each.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EventFamily {
    /// Every JetStream advisory (`$JS.EVENT.ADVISORY.>`).
    JetStreamAdvisories,
    /// The advisories of one stream and its consumers:
    /// `$JS.EVENT.ADVISORY.STREAM.*.<stream>` and
    /// `$JS.EVENT.ADVISORY.CONSUMER.*.<stream>.*`.
    StreamAdvisories(String),
    /// JetStream API audit (`$JS.EVENT.ADVISORY.API`).
    ApiAudit,
    /// Every JetStream metric (`$JS.EVENT.METRIC.>`).
    Metrics,
    /// The sampled acks of one stream's consumers
    /// (`$JS.EVENT.METRIC.CONSUMER.ACK.<stream>.*`).
    StreamMetrics(String),
    /// Client connects and disconnects of one account (`None`: of every
    /// account): `$SYS.ACCOUNT.<account>.CONNECT` and `.DISCONNECT`.
    Connections(Option<String>),
    /// Failed authentications: `$SYS.SERVER.*.CLIENT.AUTH.ERR`.
    AuthErrors,
    /// Periodic server statistics: `$SYS.SERVER.*.STATSZ`.
    ServerStats,
    /// Servers shutting down or entering lame duck mode:
    /// `$SYS.SERVER.*.SHUTDOWN` and `$SYS.SERVER.*.LAMEDUCK`.
    ServerLifecycle,
    /// Any subject (wildcards allowed), e.g. an advisory subject imported
    /// from another account under a prefix.
    Subject(String),
}

impl EventFamily {
    /// [`EventFamily::StreamAdvisories`] of `stream`.
    pub fn stream_advisories(stream: impl Into<String>) -> EventFamily {
        EventFamily::StreamAdvisories(stream.into())
    }

    /// [`EventFamily::StreamMetrics`] of `stream`.
    pub fn stream_metrics(stream: impl Into<String>) -> EventFamily {
        EventFamily::StreamMetrics(stream.into())
    }

    /// [`EventFamily::Connections`] of `account`.
    pub fn connections(account: impl Into<String>) -> EventFamily {
        EventFamily::Connections(Some(account.into()))
    }

    /// The subjects to subscribe to.
    pub fn subjects(&self) -> Vec<String> {
        match self {
            EventFamily::JetStreamAdvisories => vec!["$JS.EVENT.ADVISORY.>".to_owned()],
            EventFamily::StreamAdvisories(stream) => vec![
                format!("$JS.EVENT.ADVISORY.STREAM.*.{stream}"),
                format!("$JS.EVENT.ADVISORY.CONSUMER.*.{stream}.*"),
            ],
            EventFamily::ApiAudit => vec!["$JS.EVENT.ADVISORY.API".to_owned()],
            EventFamily::Metrics => vec!["$JS.EVENT.METRIC.>".to_owned()],
            EventFamily::StreamMetrics(stream) => {
                vec![format!("$JS.EVENT.METRIC.CONSUMER.ACK.{stream}.*")]
            }
            EventFamily::Connections(account) => {
                let account = account.as_deref().unwrap_or("*");
                vec![
                    format!("$SYS.ACCOUNT.{account}.CONNECT"),
                    format!("$SYS.ACCOUNT.{account}.DISCONNECT"),
                ]
            }
            EventFamily::AuthErrors => vec!["$SYS.SERVER.*.CLIENT.AUTH.ERR".to_owned()],
            EventFamily::ServerStats => vec!["$SYS.SERVER.*.STATSZ".to_owned()],
            EventFamily::ServerLifecycle => vec![
                "$SYS.SERVER.*.SHUTDOWN".to_owned(),
                "$SYS.SERVER.*.LAMEDUCK".to_owned(),
            ],
            EventFamily::Subject(subject) => vec![subject.clone()],
        }
    }
}
