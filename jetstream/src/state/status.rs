//! What a status message delivered to a consumer's subscription means (the A4
//! table): heartbeats and flow control for liveness, the end of a pull
//! request, warnings, and terminal errors.

use crate::error::Error;
use natrs_client::Message;

/// `Nats-Pending-Messages` / `Nats-Pending-Bytes` of a status that ends a
/// pull request: what that request had left when it ended.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Unfilled {
    /// Messages the request still had room for.
    pub messages: u64,
    /// Bytes it still had room for.
    pub bytes: u64,
}

/// A status message, classified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// 100 `Idle Heartbeat`; `stalled` is the `Nats-Consumer-Stalled`
    /// subject a push consumer must publish an empty message to.
    Heartbeat {
        /// Flow control subject to answer, if the consumer is stalled.
        stalled: Option<String>,
    },
    /// 100 `FlowControl Request`: answer the reply subject once everything
    /// before it was delivered.
    FlowControl {
        /// Where to send the (empty) answer.
        reply: String,
    },
    /// The pull request ended without an error: 404 `No Messages`, 408
    /// `Request Timeout` / `Interest Expired`, 409 `Batch Completed`.
    /// `unfilled` is what it had left, when the server said.
    PullEnded {
        /// Why, as the server described it.
        description: String,
        /// The status code.
        code: u16,
        /// What the request had left.
        unfilled: Option<Unfilled>,
    },
    /// 409 `Message Size Exceeds MaxBytes`: the next message is larger than
    /// what the request had room for, so the server ended it. Pulling again
    /// with the same room ends the same way.
    MessageTooLarge {
        /// What the request had left.
        unfilled: Option<Unfilled>,
    },
    /// 409 `Leadership Change` / `Server Shutdown`: the request is gone; pull again.
    PullLost,
    /// 423 pin id mismatch: forget the pin and pull again.
    PinMismatch {
        /// What the request had left.
        unfilled: Option<Unfilled>,
    },
    /// A warning: the request was refused, consuming goes on (409
    /// `Exceeded ...`, or 503 when nobody took the request).
    Warning(Error),
    /// An error that ends consuming (400, 409 `Consumer Deleted`, 409
    /// `Consumer is push based`, 412, unknown statuses).
    Terminal(Error),
}

fn header_u64(m: &Message, name: &str) -> Option<u64> {
    m.header(name).and_then(|v| v.trim().parse().ok())
}

/// Classifies `message` if it is a status message (a status and no
/// payload), `None` for user data.
pub fn classify(message: &Message) -> Option<Status> {
    if !message.payload.is_empty() {
        return None;
    }
    let code = message.status()?.as_u16();
    let description = message.description().unwrap_or_default();
    let unfilled = match (
        header_u64(message, "Nats-Pending-Messages"),
        header_u64(message, "Nats-Pending-Bytes"),
    ) {
        (None, None) => None,
        (m, b) => Some(Unfilled {
            messages: m.unwrap_or(0),
            bytes: b.unwrap_or(0),
        }),
    };
    let lower = description.to_ascii_lowercase();
    Some(match code {
        100 => {
            if lower.contains("flowcontrol") || lower.contains("flow control") {
                match &message.reply {
                    Some(reply) => Status::FlowControl {
                        reply: reply.as_str().to_string(),
                    },
                    None => Status::Heartbeat { stalled: None },
                }
            } else {
                Status::Heartbeat {
                    stalled: message
                        .header("Nats-Consumer-Stalled")
                        .filter(|s| !s.is_empty())
                        .map(str::to_string),
                }
            }
        }
        404 | 408 => Status::PullEnded {
            description: description.to_string(),
            code,
            unfilled,
        },
        409 => {
            if lower.starts_with("consumer deleted") {
                Status::Terminal(Error::ConsumerDeleted)
            } else if lower.starts_with("consumer is push based") {
                Status::Terminal(Error::ConsumerIsPushBased)
            } else if lower.starts_with("exceeded max") {
                Status::Warning(Error::LimitExceeded(description.to_string()))
            } else if lower.starts_with("leadership change") || lower.starts_with("server shutdown")
            {
                Status::PullLost
            } else if lower.starts_with("message size exceeds maxbytes") {
                Status::MessageTooLarge { unfilled }
            } else {
                // Batch Completed, and any other conflict that ends the
                // request.
                Status::PullEnded {
                    description: description.to_string(),
                    code,
                    unfilled,
                }
            }
        }
        400 => Status::Terminal(Error::BadRequest(description.to_string())),
        412 => Status::Terminal(Error::RequiredApiLevel(description.to_string())),
        423 => Status::PinMismatch { unfilled },
        // Nobody took the pull request: the consumer is not there (deleted,
        // not recovered yet after a restart, no leader).
        503 => Status::Warning(Error::ConsumerUnavailable),
        _ => Status::Terminal(Error::Status {
            code,
            description: description.to_string(),
        }),
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use bytes::Bytes;
    use natrs_client::{HeaderMap, StatusCode, Subject};

    pub(crate) fn status(code: u16, description: &str, headers: &[(&str, &str)]) -> Message {
        let mut h = HeaderMap::with_status(
            StatusCode(code),
            (!description.is_empty()).then_some(description),
        );
        for (k, v) in headers {
            h.insert(*k, *v);
        }
        Message {
            subject: Subject::from_static("_INBOX.pull"),
            reply: None,
            headers: Some(h),
            payload: Bytes::new(),
            length: 0,
        }
    }

    #[test]
    fn table() {
        assert_eq!(
            classify(&status(
                100,
                "Idle Heartbeat",
                &[("Nats-Last-Consumer", "3")]
            )),
            Some(Status::Heartbeat { stalled: None })
        );
        assert_eq!(
            classify(&status(
                100,
                "Idle Heartbeat",
                &[("Nats-Consumer-Stalled", "$JS.FC.x")]
            )),
            Some(Status::Heartbeat {
                stalled: Some("$JS.FC.x".into())
            })
        );
        let mut fc = status(100, "FlowControl Request", &[]);
        fc.reply = Some(Subject::from_static("$JS.FC.a.b.c"));
        assert_eq!(
            classify(&fc),
            Some(Status::FlowControl {
                reply: "$JS.FC.a.b.c".into()
            })
        );
        assert!(matches!(
            classify(&status(404, "No Messages", &[])),
            Some(Status::PullEnded {
                code: 404,
                unfilled: None,
                ..
            })
        ));
        assert_eq!(
            classify(&status(
                408,
                "Request Timeout",
                &[
                    ("Nats-Pending-Messages", "5"),
                    ("Nats-Pending-Bytes", "100")
                ]
            )),
            Some(Status::PullEnded {
                description: "Request Timeout".into(),
                code: 408,
                unfilled: Some(Unfilled {
                    messages: 5,
                    bytes: 100
                })
            })
        );
        assert!(matches!(
            classify(&status(
                409,
                "Batch Completed",
                &[("Nats-Pending-Messages", "0")]
            )),
            Some(Status::PullEnded { code: 409, .. })
        ));
        assert_eq!(
            classify(&status(
                409,
                "Message Size Exceeds MaxBytes",
                &[("Nats-Pending-Messages", "1"), ("Nats-Pending-Bytes", "64")]
            )),
            Some(Status::MessageTooLarge {
                unfilled: Some(Unfilled {
                    messages: 1,
                    bytes: 64
                })
            })
        );
        assert_eq!(
            classify(&status(409, "Consumer Deleted", &[])),
            Some(Status::Terminal(Error::ConsumerDeleted))
        );
        assert_eq!(
            classify(&status(409, "Consumer is push based", &[])),
            Some(Status::Terminal(Error::ConsumerIsPushBased))
        );
        assert!(matches!(
            classify(&status(409, "Exceeded MaxWaiting", &[])),
            Some(Status::Warning(Error::LimitExceeded(_)))
        ));
        assert!(matches!(
            classify(&status(409, "Exceeded MaxRequestBatch of 10", &[])),
            Some(Status::Warning(Error::LimitExceeded(_)))
        ));
        assert_eq!(
            classify(&status(409, "Leadership Change", &[])),
            Some(Status::PullLost)
        );
        assert!(matches!(
            classify(&status(400, "Bad Request - x", &[])),
            Some(Status::Terminal(Error::BadRequest(_)))
        ));
        assert!(matches!(
            classify(&status(412, "Required Api Level", &[])),
            Some(Status::Terminal(Error::RequiredApiLevel(_)))
        ));
        assert!(matches!(
            classify(&status(423, "Nats-Pin-Id mismatch", &[])),
            Some(Status::PinMismatch { .. })
        ));
        assert_eq!(
            classify(&status(503, "", &[])),
            Some(Status::Warning(Error::ConsumerUnavailable))
        );
        assert!(matches!(
            classify(&status(418, "Teapot", &[])),
            Some(Status::Terminal(Error::Status { code: 418, .. }))
        ));
        let mut data = status(100, "x", &[]);
        data.payload = Bytes::from_static(b"user data");
        assert_eq!(classify(&data), None);
    }
}
