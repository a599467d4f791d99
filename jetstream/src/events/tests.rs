use super::*;
use crate::events::advisory::Action;

const STREAM_CREATED: &str = r#"{"type":"io.nats.jetstream.advisory.v1.stream_action","id":"abc","timestamp":"2026-12-06T21:30:00.123456789Z","stream":"ORDERS","action":"create","new_field":1}"#;

#[test]
fn parses_by_type_and_keeps_the_body() {
    let event = Event::parse("$JS.EVENT.ADVISORY.STREAM.CREATED.ORDERS", STREAM_CREATED).unwrap();
    let EventKind::StreamAction(a) = &event.kind else {
        panic!("{event:?}")
    };
    assert_eq!(a.stream, "ORDERS");
    assert_eq!(a.action, Action::Create);
    assert_eq!(a.header.id, "abc");
    assert_eq!(event.type_name(), types::STREAM_ACTION);
    assert_eq!(
        event.line(),
        "2026-12-06 21:30:00.123 UTC [$JS.EVENT.ADVISORY.STREAM.CREATED.ORDERS] stream ORDERS created"
    );
    // The pretty JSON is the server's body, unknown fields included.
    assert!(event.pretty_json().contains("\"new_field\": 1"));
}

#[test]
fn unknown_types_keep_their_json() {
    let body = r#"{"type":"io.nats.future.v9.thing","id":"x","what":[1,2]}"#;
    let event = Event::parse("$JS.EVENT.ADVISORY.FUTURE", body).unwrap();
    let EventKind::Unknown { event_type, json } = &event.kind else {
        panic!("{event:?}")
    };
    assert_eq!(event_type.as_deref(), Some("io.nats.future.v9.thing"));
    assert_eq!(json["what"][1], 2);
    assert_eq!(
        event.line(),
        r#"[$JS.EVENT.ADVISORY.FUTURE] io.nats.future.v9.thing: {"id":"x","type":"io.nats.future.v9.thing","what":[1,2]}"#
    );
    // An untyped body on a subject without a known meaning is unknown too.
    let event = Event::parse("some.subject", "{}").unwrap();
    assert!(matches!(
        event.kind,
        EventKind::Unknown {
            event_type: None,
            ..
        }
    ));
}

#[test]
fn bad_bodies_are_typed_errors() {
    let e = Event::parse("s", "not json").unwrap_err();
    assert_eq!(e.subject, "s");
    assert_eq!(e.event_type, None);
    assert_eq!(&e.payload[..], b"not json");
    assert!(
        Event::parse("s", "[1]")
            .unwrap_err()
            .reason
            .contains("object")
    );
    assert!(
        Event::parse("s", r#"{"type":3}"#)
            .unwrap_err()
            .reason
            .contains("type")
    );
    // A known type with a field of the wrong form.
    let e = Event::parse(
        "s",
        r#"{"type":"io.nats.jetstream.advisory.v1.nak","stream_seq":"five"}"#,
    )
    .unwrap_err();
    assert_eq!(e.event_type.as_deref(), Some(types::NAK));
    assert!(
        e.to_string()
            .contains("(io.nats.jetstream.advisory.v1.nak)"),
        "{e}"
    );
}

#[test]
fn untyped_system_events_are_read_by_subject() {
    let stats = r#"{"server":{"name":"n1","host":"0.0.0.0","id":"NID","ver":"2.15.1","seq":4,"time":"2026-12-06T21:30:00Z"},"statsz":{"mem":1048576,"cores":2,"cpu":1.5,"connections":3,"subscriptions":40,"sent":{"msgs":5,"bytes":50},"received":{"msgs":6,"bytes":60}}}"#;
    let event = Event::parse("$SYS.SERVER.NID.STATSZ", stats).unwrap();
    let EventKind::ServerStats(s) = &event.kind else {
        panic!("{event:?}")
    };
    assert_eq!(s.server.name, "n1");
    assert_eq!(s.stats.connections, 3);
    assert_eq!(s.stats.received.bytes, 60);
    assert_eq!(
        event.line(),
        "2026-12-06 21:30:00.000 UTC [$SYS.SERVER.NID.STATSZ] server n1 (NID): 3 connections, \
         40 subscriptions, cpu 1.5%, mem 1048576 bytes, in 6 msgs/60 bytes, out 5 msgs/50 bytes"
    );
    let info = r#"{"name":"n1","host":"0.0.0.0","id":"NID","ver":"2.15.1","jetstream":true,"flags":3,"seq":9,"time":"2026-12-06T21:30:00Z"}"#;
    let event = Event::parse("$SYS.SERVER.NID.SHUTDOWN", info).unwrap();
    assert!(matches!(&event.kind, EventKind::ServerShutdown(s) if s.id == "NID" && s.jetstream));
    let event = Event::parse("$SYS.SERVER.NID.LAMEDUCK", info).unwrap();
    assert!(matches!(&event.kind, EventKind::LameDuck(s) if s.flags == 3));
    assert!(
        event
            .line()
            .ends_with("server n1 (NID) entered lame duck mode")
    );
}

#[test]
fn a_disconnect_on_the_auth_error_subject_is_an_auth_error() {
    let body = r#"{"type":"io.nats.server.advisory.v1.client_disconnect","id":"e","timestamp":"2026-12-06T21:30:00Z","server":{"name":"n1","id":"NID"},"client":{"host":"127.0.0.1","id":7,"user":"bob"},"sent":{"msgs":0,"bytes":0},"received":{"msgs":0,"bytes":0},"reason":"Authentication Failure"}"#;
    let event = Event::parse("$SYS.SERVER.NID.CLIENT.AUTH.ERR", body).unwrap();
    let EventKind::AuthError(e) = &event.kind else {
        panic!("{event:?}")
    };
    assert_eq!(e.client.id, 7);
    assert_eq!(e.reason, "Authentication Failure");
    let event = Event::parse("$SYS.ACCOUNT.APP.DISCONNECT", body).unwrap();
    assert!(matches!(event.kind, EventKind::ClientDisconnect(_)));
}

#[test]
fn lines_never_break() {
    let body = r#"{"type":"io.nats.jetstream.advisory.v1.terminated","stream":"S\nX","consumer":"C","reason":"a\r\nb"}"#;
    let event = Event::parse("a\nb", body).unwrap();
    let line = event.line();
    assert!(!line.contains('\n') && !line.contains('\r'), "{line}");
}

#[test]
fn families_name_their_subjects() {
    assert_eq!(
        EventFamily::stream_advisories("S").subjects(),
        [
            "$JS.EVENT.ADVISORY.STREAM.*.S",
            "$JS.EVENT.ADVISORY.CONSUMER.*.S.*"
        ]
    );
    assert_eq!(
        EventFamily::Connections(None).subjects(),
        ["$SYS.ACCOUNT.*.CONNECT", "$SYS.ACCOUNT.*.DISCONNECT"]
    );
    assert_eq!(
        EventFamily::stream_metrics("S").subjects(),
        ["$JS.EVENT.METRIC.CONSUMER.ACK.S.*"]
    );
}

/// Events the suite cannot provoke cheaply, in the form nats-server's
/// structs marshal to (`server/jetstream_events.go`).
#[test]
fn server_wide_advisories_parse() {
    let body = r#"{"type":"io.nats.jetstream.advisory.v1.server_out_of_space","id":"i","timestamp":"2026-12-06T21:30:00Z","server":"n1","server_id":"NID","stream":"ORDERS","cluster":"c1"}"#;
    let event = Event::parse("$JS.EVENT.ADVISORY.SERVER.OUT_OF_STORAGE", body).unwrap();
    let EventKind::ServerOutOfSpace(e) = &event.kind else {
        panic!("{event:?}")
    };
    assert_eq!((e.server.as_str(), e.server_id.as_str()), ("n1", "NID"));
    assert!(
        event
            .line()
            .ends_with("server n1 (NID) out of storage writing stream ORDERS, JetStream disabled"),
        "{}",
        event.line()
    );
    let body = r#"{"type":"io.nats.jetstream.advisory.v1.domain_leader_elected","leader":"n2","replicas":[{"name":"n1","current":true,"active":1500,"peer":"p1"},{"name":"n2","current":true,"peer":"p2"}],"cluster":"c1"}"#;
    let event = Event::parse("$JS.EVENT.ADVISORY.DOMAIN.LEADER_ELECTED", body).unwrap();
    let EventKind::DomainLeaderElected(e) = &event.kind else {
        panic!("{event:?}")
    };
    assert_eq!(e.replicas.len(), 2);
    assert_eq!(
        e.replicas[0].active,
        Some(std::time::Duration::from_nanos(1500))
    );
    let body =
        r#"{"type":"io.nats.jetstream.advisory.v1.api_limit_reached","server":"n1","dropped":12}"#;
    let event = Event::parse("$JS.EVENT.ADVISORY.API.LIMIT_REACHED", body).unwrap();
    assert!(matches!(&event.kind, EventKind::ApiLimitReached(e) if e.dropped == 12));
}

#[test]
fn times_beyond_year_9999_in_utc_render() {
    // Valid RFC 3339, but in UTC it is year 10000.
    let body = r#"{"type":"io.nats.jetstream.advisory.v1.stream_action","timestamp":"9999-12-31T23:59:59-23:59","stream":"S","action":"delete"}"#;
    let event = Event::parse("s", body).unwrap();
    assert!(event.kind.time().is_some());
    assert!(
        event.line().ends_with("stream S deleted"),
        "{}",
        event.line()
    );
}
