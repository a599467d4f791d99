//! Server events and advisories through natrs-jetstream's `events`
//! subscription: each family provoked on a real server, its parsed fields
//! checked. The system account's events need a server with a system account
//! (`ServerConfig::system_account`) and a connection as its user.

use crate::support::*;
use natrs_jetstream::api::consumer::ConsumerConfig;
use natrs_jetstream::api::stream::StreamConfig;
use natrs_jetstream::consumer::FetchOptions;
use natrs_jetstream::events::advisory::Action;
use natrs_jetstream::events::{Event, EventFamily, EventKind};
use natrs_tests::{Cluster, ClusterConfig, SYSTEM_ACCOUNT_CONFIG, ServerConfig, UrlAuth};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// Takes events until `done` holds for those taken; panics naming `what`
/// after `timeout`.
#[track_caller]
fn collect(
    events: &mut impl SuiteEvents,
    what: &str,
    timeout: Duration,
    mut done: impl FnMut(&[Event]) -> bool,
) -> Vec<Event> {
    let deadline = Instant::now() + timeout;
    let mut seen = Vec::new();
    while !done(&seen) {
        let left = deadline.saturating_duration_since(Instant::now());
        match events.next_within(left) {
            Some(Ok(event)) => {
                corpus::record(&event);
                seen.push(event);
            }
            Some(Err(e)) => panic!("waiting for {what}: {e}"),
            None => panic!(
                "no {what} within {timeout:?}; got: {:#?}",
                seen.iter().map(Event::line).collect::<Vec<_>>()
            ),
        }
    }
    seen
}

/// The events of `seen` that `pick` maps.
fn all<T>(seen: &[Event], pick: impl Fn(&EventKind) -> Option<T>) -> Vec<T> {
    seen.iter().filter_map(|e| pick(&e.kind)).collect()
}

pub fn stream_and_consumer_actions_and_api_audit<J: SuiteJs>() {
    let server = server();
    let js: J = jetstream(&server);
    let mut events = js
        .events(&[EventFamily::stream_advisories("EV"), EventFamily::ApiAudit])
        .unwrap();
    js.flush();
    let stream = js
        .create_stream(StreamConfig::new("EV").subjects(["ev.>"]))
        .unwrap();
    let mut config = stream.cached_info().config;
    config.max_msgs = 100;
    js.update_stream(config).unwrap();
    let consumer = js
        .create_consumer("EV", ConsumerConfig::durable_pull("C"))
        .unwrap();
    let until = time::OffsetDateTime::now_utc() + Duration::from_secs(600);
    consumer.pause(until).unwrap();
    consumer.resume().unwrap();
    js.delete_consumer("EV", "C").unwrap();
    js.delete_stream("EV").unwrap();

    let stream_actions = |seen: &[Event]| {
        all(seen, |k| match k {
            EventKind::StreamAction(a) if a.stream == "EV" => Some(a.action),
            _ => None,
        })
    };
    let consumer_actions = |seen: &[Event]| {
        all(seen, |k| match k {
            EventKind::ConsumerAction(a) if a.stream == "EV" && a.consumer == "C" => Some(a.action),
            _ => None,
        })
    };
    let audits = |seen: &[Event]| {
        all(seen, |k| match k {
            EventKind::ApiAudit(a) if a.subject == "$JS.API.STREAM.CREATE.EV" => Some(a.clone()),
            _ => None,
        })
    };
    let pauses = |seen: &[Event]| {
        all(seen, |k| match k {
            EventKind::ConsumerPause(p) if p.stream == "EV" && p.consumer == "C" => {
                Some((p.paused, p.pause_until))
            }
            _ => None,
        })
    };
    let seen = collect(&mut events, "the actions and the audit", WAIT, |seen| {
        stream_actions(seen).len() == 3
            && consumer_actions(seen).len() == 2
            && pauses(seen).len() == 2
            && !audits(seen).is_empty()
    });
    // One subscription keeps the order of its subjects' events.
    assert_eq!(
        stream_actions(&seen),
        [Action::Create, Action::Modify, Action::Delete]
    );
    assert_eq!(consumer_actions(&seen), [Action::Create, Action::Delete]);
    let pauses = pauses(&seen);
    assert!(pauses[0].0 && !pauses[1].0, "{pauses:?}");
    let paused_until = pauses[0].1.expect("a pause end");
    assert!(
        (paused_until - until).abs() < time::Duration::SECOND,
        "{pauses:?}"
    );
    let audit = &audits(&seen)[0];
    assert!(audit.request.contains("ev.>"), "{audit:?}");
    assert!(audit.response.contains("\"EV\""), "{audit:?}");
    assert!(!audit.server.is_empty());
    assert_eq!(
        audit.client.as_ref().map(|c| c.account.as_str()),
        Some("$G")
    );
    assert!(audit.header.timestamp.is_some() && !audit.header.id.is_empty());
    let created = seen
        .iter()
        .find(|e| matches!(&e.kind, EventKind::StreamAction(a) if a.action == Action::Create))
        .unwrap();
    assert_eq!(created.subject, "$JS.EVENT.ADVISORY.STREAM.CREATED.EV");
    assert!(
        created
            .line()
            .ends_with("[$JS.EVENT.ADVISORY.STREAM.CREATED.EV] stream EV created"),
        "{}",
        created.line()
    );
    let json: Value = serde_json::from_str(&created.pretty_json()).unwrap();
    assert_eq!(json["type"], "io.nats.jetstream.advisory.v1.stream_action");
}

pub fn delivery_advisories_and_ack_metrics<J: SuiteJs>() {
    let server = server();
    let js: J = jetstream(&server);
    js.create_stream(StreamConfig::new("EV").subjects(["ev.>"]))
        .unwrap();
    let mut events = js
        .events(&[
            EventFamily::stream_advisories("EV"),
            EventFamily::stream_metrics("EV"),
        ])
        .unwrap();
    js.flush();
    publish_n(&js, "ev.a", 0, 3);

    // T acks, naks and terminates, every ack sampled.
    let mut config = ConsumerConfig::durable_pull("T");
    config.sample_frequency = Some("100%".to_owned());
    let consumer = js.create_consumer("EV", config).unwrap();
    let mut batch = consumer.fetch(FetchOptions::new(3)).unwrap();
    let (first, second, third) = (batch.msg("1st"), batch.msg("2nd"), batch.msg("3rd"));
    first.double_ack().unwrap();
    second.nak().unwrap();
    third.term_with_reason("bad input").unwrap();
    // M delivers once and waits a second for the ack that does not come.
    let mut config = ConsumerConfig::durable_pull("M");
    config.max_deliver = 1;
    config.ack_wait = Duration::from_secs(1);
    let once = js.create_consumer("EV", config).unwrap();
    let unacked = once.fetch(FetchOptions::new(1)).unwrap().msg("M's message");
    js.flush();

    let seen = collect(
        &mut events,
        "ack, nak, term and max deliveries",
        WAIT,
        |seen| {
            seen.iter()
                .any(|e| matches!(e.kind, EventKind::ConsumerAck(_)))
                && seen.iter().any(|e| matches!(e.kind, EventKind::Nak(_)))
                && seen
                    .iter()
                    .any(|e| matches!(e.kind, EventKind::Terminated(_)))
                && seen
                    .iter()
                    .any(|e| matches!(e.kind, EventKind::MaxDeliveries(_)))
        },
    );
    drop(unacked);
    for event in &seen {
        match &event.kind {
            EventKind::ConsumerAck(a) => {
                assert_eq!((a.stream.as_str(), a.consumer.as_str()), ("EV", "T"));
                assert_eq!((a.stream_seq, a.consumer_seq, a.deliveries), (1, 1, 1));
                assert!(a.delay > Duration::ZERO, "{a:?}");
                assert_eq!(event.subject, "$JS.EVENT.METRIC.CONSUMER.ACK.EV.T");
            }
            EventKind::Nak(n) => {
                assert_eq!((n.stream.as_str(), n.consumer.as_str()), ("EV", "T"));
                assert_eq!((n.stream_seq, n.consumer_seq, n.deliveries), (2, 2, 1));
                assert_eq!(event.subject, "$JS.EVENT.ADVISORY.CONSUMER.MSG_NAKED.EV.T");
            }
            EventKind::Terminated(t) => {
                assert_eq!((t.stream.as_str(), t.consumer.as_str()), ("EV", "T"));
                assert_eq!((t.stream_seq, t.consumer_seq, t.deliveries), (3, 3, 1));
                assert_eq!(t.reason, "bad input");
                assert!(event.line().ends_with(": bad input"), "{}", event.line());
            }
            EventKind::MaxDeliveries(m) => {
                assert_eq!((m.stream.as_str(), m.consumer.as_str()), ("EV", "M"));
                assert_eq!((m.stream_seq, m.deliveries), (1, 1));
                assert_eq!(
                    event.subject,
                    "$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.EV.M"
                );
            }
            _ => {}
        }
    }
}

/// Snapshots stream `EV` with the raw API (chunks to a deliver subject,
/// each acked): its API response (config and state) and the chunks.
fn snapshot(raw: &mut natrs_tests::RawClient) -> (Value, Vec<Vec<u8>>) {
    raw.send_line("SUB snap.chunks 9001").unwrap();
    raw.send_line("SUB snap.reply 9002").unwrap();
    let body = json!({"deliver_subject": "snap.chunks", "chunk_size": 1024}).to_string();
    raw.send(format!(
        "PUB $JS.API.STREAM.SNAPSHOT.EV snap.reply {}\r\n{body}\r\n",
        body.len()
    ))
    .unwrap();
    let (mut response, mut chunks, mut ended) = (None, Vec::new(), false);
    while response.is_none() || !ended {
        let msg = raw.read_msg().unwrap();
        if msg.sid == "9002" {
            response = Some(serde_json::from_slice::<Value>(&msg.payload).unwrap());
        } else if msg.payload.is_empty() {
            // The end: no data, and a 204 status when chunks were acked.
            let headers = String::from_utf8(msg.headers.unwrap_or_default()).unwrap();
            assert!(
                headers.is_empty() || headers.starts_with("NATS/1.0 204"),
                "{headers}"
            );
            ended = true;
        } else {
            // A chunk; all but the last ask for an ack.
            chunks.push(msg.payload);
            if let Some(reply) = msg.reply {
                raw.send(format!("PUB {reply} 0\r\n\r\n")).unwrap();
            }
        }
    }
    let response = response.unwrap();
    assert!(response["error"].is_null(), "{response}");
    (response, chunks)
}

pub fn snapshot_and_restore_advisories<J: SuiteJs>() {
    let server = server();
    let js: J = jetstream(&server);
    js.create_stream(StreamConfig::new("EV").subjects(["ev.>"]))
        .unwrap();
    // Enough for several chunks of 1 KiB, so that acks are asked for.
    publish_n(&js, "ev.a", 0, 300);
    let mut events = js.events(&[EventFamily::stream_advisories("EV")]).unwrap();
    js.flush();
    let mut raw = server.raw_client().unwrap();
    raw.handshake().unwrap();
    let (response, chunks) = snapshot(&mut raw);
    assert!(chunks.len() > 1, "{} chunks", chunks.len());

    js.delete_stream("EV").unwrap();
    let request = json!({"config": response["config"], "state": response["state"]});
    let answer = raw
        .request_json("$JS.API.STREAM.RESTORE.EV", &request)
        .unwrap();
    let deliver = answer["deliver_subject"]
        .as_str()
        .unwrap_or_else(|| panic!("{answer}"))
        .to_owned();
    for chunk in &chunks {
        raw.request(&deliver, chunk).unwrap();
    }
    let done = raw.request(&deliver, b"").unwrap();
    let done: Value = serde_json::from_slice(&done.payload).unwrap();
    assert!(done["error"].is_null(), "{done}");
    assert_eq!(js.stream_info("EV").unwrap().state.messages, 300);

    let kinds = |seen: &[Event]| {
        seen.iter()
            .filter_map(|e| match &e.kind {
                EventKind::SnapshotCreate(_) => Some("snapshot_create"),
                EventKind::SnapshotComplete(_) => Some("snapshot_complete"),
                EventKind::RestoreCreate(_) => Some("restore_create"),
                EventKind::RestoreComplete(_) => Some("restore_complete"),
                _ => None,
            })
            .collect::<Vec<_>>()
    };
    let seen = collect(
        &mut events,
        "snapshot and restore advisories",
        WAIT,
        |seen| kinds(seen).len() == 4,
    );
    // Each operation's advisories come in order; the server publishes the
    // snapshot's completion after the last chunk, so it may come after the
    // restore (started on that chunk) was announced.
    let seen_kinds = kinds(&seen);
    let at = |kind: &str| {
        seen_kinds
            .iter()
            .position(|k| *k == kind)
            .unwrap_or_else(|| panic!("no {kind} in {seen_kinds:?}"))
    };
    assert!(
        at("snapshot_create") < at("snapshot_complete"),
        "{seen_kinds:?}"
    );
    assert!(
        at("restore_create") < at("restore_complete"),
        "{seen_kinds:?}"
    );
    assert!(
        at("snapshot_create") < at("restore_create"),
        "{seen_kinds:?}"
    );
    for event in &seen {
        match &event.kind {
            EventKind::SnapshotCreate(s) => {
                assert_eq!(s.stream, "EV");
                assert_eq!(s.state.messages, 300);
                assert_eq!(s.state.last_seq, 300);
                assert!(s.client.is_some());
            }
            EventKind::SnapshotComplete(s) => {
                assert_eq!(s.stream, "EV");
                assert_eq!(s.error, "");
                assert!(s.start.is_some() && s.end >= s.start, "{s:?}");
            }
            EventKind::RestoreCreate(r) => assert_eq!(r.stream, "EV"),
            EventKind::RestoreComplete(r) => {
                assert_eq!(r.stream, "EV");
                // The server counts the bytes its restore took when it
                // sends the advisory, which may be before it counted the
                // last chunk (seen: 3072 of 3971): at most what was sent.
                let sent: usize = chunks.iter().map(Vec::len).sum();
                let bytes = usize::try_from(r.bytes).unwrap();
                assert!(bytes > 0 && bytes <= sent, "{bytes} of {sent}");
            }
            _ => {}
        }
    }
}

pub fn leader_elected_and_quorum_lost<J: SuiteJs>() {
    let cluster = Cluster::start(3).expect("start a 3-node cluster");
    let js: J = connect(&cluster.urls().join(","));
    let mut events = js.events(&[EventFamily::stream_advisories("EV")]).unwrap();
    js.flush();
    let config = StreamConfig::new("EV").subjects(["ev.>"]).replicas(3);
    eventually(
        "the R3 stream to be created",
        Duration::from_secs(30),
        || js.create_stream(config.clone()).is_ok(),
    );
    let created = Instant::now();
    let elected = collect(&mut events, "a stream leader", WAIT, |seen| {
        seen.iter()
            .any(|e| matches!(e.kind, EventKind::StreamLeaderElected(_)))
    });
    let leader = all(&elected, |k| match k {
        EventKind::StreamLeaderElected(a) => Some(a.clone()),
        _ => None,
    })
    .remove(0);
    assert_eq!(leader.stream, "EV");
    assert_eq!(leader.replicas.len(), 3, "{leader:?}");
    let index = cluster
        .nodes()
        .iter()
        .position(|n| n.server_name() == Some(leader.leader.as_str()))
        .unwrap_or_else(|| panic!("{leader:?} names no node"));

    // Only a leader that steps down for lack of quorum, in a group older
    // than 5 s, sends the advisory (nats-server's rule): the client listens
    // on the leader's node, and the group gets that old before the other
    // two go.
    let on_leader: J = connect(&cluster.node(index).url());
    let mut events = on_leader
        .events(&[EventFamily::stream_advisories("EV")])
        .unwrap();
    on_leader.flush();
    std::thread::sleep(Duration::from_secs(6).saturating_sub(created.elapsed()));
    for (i, node) in cluster.nodes().iter().enumerate() {
        if i != index {
            node.kill().unwrap();
        }
    }
    let seen = collect(
        &mut events,
        "quorum lost",
        Duration::from_secs(60),
        |seen| {
            seen.iter()
                .any(|e| matches!(e.kind, EventKind::StreamQuorumLost(_)))
        },
    );
    let lost = all(&seen, |k| match k {
        EventKind::StreamQuorumLost(a) => Some(a.clone()),
        _ => None,
    });
    assert_eq!(lost[0].stream, "EV");
    assert_eq!(lost[0].replicas.len(), 3, "{:?}", lost[0]);
    let current: Vec<_> = lost[0]
        .replicas
        .iter()
        .filter(|p| p.current)
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(current, [leader.leader.as_str()], "{:?}", lost[0]);
    assert!(
        seen.iter()
            .any(|e| e.line().contains("stream EV lost quorum"))
    );
}

pub fn connections_auth_errors_and_stats<J: SuiteJs>() {
    let server = start(ServerConfig::new().system_account());
    let system = J::connect(&server.system_url(), fast_reconnect());
    let mut events = system
        .events(&[
            EventFamily::connections("APP"),
            EventFamily::AuthErrors,
            EventFamily::ServerStats,
        ])
        .unwrap();
    system.flush();

    // A client without credentials is the app account's user.
    let app: J = jetstream(&server);
    app.account_info().unwrap();
    let connected = collect(&mut events, "the app client's connect", WAIT, |seen| {
        seen.iter()
            .any(|e| matches!(e.kind, EventKind::ClientConnect(_)))
    });
    let connect = all(&connected, |k| match k {
        EventKind::ClientConnect(c) => Some(c.clone()),
        _ => None,
    })
    .remove(0);
    assert_eq!(connect.client.account, "APP");
    assert_eq!(connect.client.user, natrs_tests::APP_USER.0);
    assert!(connect.client.id > 0 && !connect.server.id.is_empty());
    drop(app);
    let seen = collect(&mut events, "the app client's disconnect", WAIT, |seen| {
        seen.iter()
            .any(|e| matches!(&e.kind, EventKind::ClientDisconnect(d) if d.client.id == connect.client.id))
    });
    let event = seen
        .iter()
        .find(|e| matches!(e.kind, EventKind::ClientDisconnect(_)))
        .unwrap();
    let EventKind::ClientDisconnect(gone) = &event.kind else {
        unreachable!()
    };
    assert_eq!(event.subject, "$SYS.ACCOUNT.APP.DISCONNECT");
    assert_eq!(gone.client.account, "APP");
    assert!(gone.sent.msgs > 0 && gone.received.msgs > 0, "{gone:?}");
    assert!(!gone.reason.is_empty());

    // A wrong password.
    let mut bad = server.raw_client().unwrap();
    let mut hello = natrs_tests::raw_client::default_connect();
    hello["user"] = json!("app");
    hello["pass"] = json!("wrong");
    assert!(bad.connect_with(&hello).is_err());
    let seen = collect(&mut events, "the auth error", WAIT, |seen| {
        seen.iter()
            .any(|e| matches!(e.kind, EventKind::AuthError(_)))
    });
    let event = seen
        .iter()
        .find(|e| matches!(e.kind, EventKind::AuthError(_)))
        .unwrap();
    let EventKind::AuthError(failed) = &event.kind else {
        unreachable!()
    };
    assert!(
        event.subject.ends_with(".CLIENT.AUTH.ERR"),
        "{}",
        event.subject
    );
    assert_eq!(failed.client.user, "app");
    assert!(!failed.reason.is_empty());
    assert!(
        event.line().contains("authentication failed"),
        "{}",
        event.line()
    );

    // The periodic statistics (every 10 s at most once the server runs a while).
    let seen = collect(
        &mut events,
        "server stats",
        Duration::from_secs(30),
        |seen| {
            seen.iter()
                .any(|e| matches!(e.kind, EventKind::ServerStats(_)))
        },
    );
    let event = seen
        .iter()
        .find(|e| matches!(e.kind, EventKind::ServerStats(_)))
        .unwrap();
    let EventKind::ServerStats(stats) = &event.kind else {
        unreachable!()
    };
    assert_eq!(
        event.subject,
        format!("$SYS.SERVER.{}.STATSZ", stats.server.id)
    );
    assert!(stats.stats.connections >= 1, "{stats:?}");
    assert!(stats.stats.mem > 0 && stats.stats.start.is_some());
}

/// Publishes probes from `node` as the system user until one reaches
/// `events` (subscribed on another node, with `probe.events` among its
/// families): the route carries subscriptions in order, so once the probe's
/// has arrived, so have the others. Drains the probes still on their way.
fn probe_route(node: &natrs_tests::Server, events: &mut impl SuiteEvents) {
    let mut other = node.raw_client().unwrap();
    let mut hello = natrs_tests::raw_client::default_connect();
    hello["user"] = json!(natrs_tests::SYSTEM_USER.0);
    hello["pass"] = json!(natrs_tests::SYSTEM_USER.1);
    other.connect_with(&hello).unwrap();
    let mut reached = false;
    for _ in 0..100 {
        other.send("PUB probe.events 2\r\n{}\r\n").unwrap();
        if let Some(Ok(event)) = events.next_within(Duration::from_millis(100)) {
            assert_eq!(event.subject, "probe.events");
            reached = true;
            break;
        }
    }
    assert!(reached, "no probe reached the other node");
    other.close();
    while events.next_within(Duration::from_millis(200)).is_some() {}
}

pub fn lame_duck_and_shutdown<J: SuiteJs>() {
    let cluster = ClusterConfig::new()
        .size(2)
        .config(format!(
            "{SYSTEM_ACCOUNT_CONFIG}lame_duck_grace_period: 2s\nlame_duck_duration: 30s\n"
        ))
        .start()
        .expect("start a 2-node cluster");
    let (sys, pass) = natrs_tests::SYSTEM_USER;
    let url = cluster
        .node(0)
        .client_url_with(UrlAuth::UserPass(sys, pass));
    let system = J::connect(&url, fast_reconnect());
    let mut events = system
        .events(&[
            EventFamily::ServerLifecycle,
            EventFamily::Subject("probe.events".to_owned()),
        ])
        .unwrap();
    system.flush();
    let node = cluster.node(1);
    let name = node.server_name().unwrap().to_owned();
    probe_route(node, &mut events);

    node.stop().unwrap();
    let seen = collect(&mut events, "the shutdown event", WAIT, |seen| {
        seen.iter()
            .any(|e| matches!(&e.kind, EventKind::ServerShutdown(s) if s.name == name))
    });
    let event = seen.last().unwrap();
    let EventKind::ServerShutdown(info) = &event.kind else {
        unreachable!()
    };
    assert_eq!(event.subject, format!("$SYS.SERVER.{}.SHUTDOWN", info.id));
    assert!(event.line().contains("shut down"), "{}", event.line());

    node.restart().unwrap();
    probe_route(node, &mut events);
    node.lame_duck().unwrap();
    let seen = collect(&mut events, "the lame duck event", WAIT, |seen| {
        seen.iter()
            .any(|e| matches!(&e.kind, EventKind::LameDuck(s) if s.name == name))
    });
    let event = seen.last().unwrap();
    let EventKind::LameDuck(info) = &event.kind else {
        unreachable!()
    };
    assert_eq!(event.subject, format!("$SYS.SERVER.{}.LAMEDUCK", info.id));
    assert!(event.line().contains("lame duck"), "{}", event.line());
}

/// Writes the events a run sees into a fuzz seed folder when
/// `NATRS_EVENTS_CORPUS` names one (`fuzz/corpus/events`): one file per
/// event type, the subject and a newline before the body (the input form of
/// the `events` fuzz target).
mod corpus {
    use natrs_jetstream::events::Event;

    pub fn record(event: &Event) {
        let Some(dir) = std::env::var_os("NATRS_EVENTS_CORPUS") else {
            return;
        };
        let kind = if event.subject.ends_with(".CLIENT.AUTH.ERR") {
            "auth_error"
        } else {
            event.type_name()
        };
        let name: String = kind
            .rsplit('.')
            .next()
            .unwrap_or("event")
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        let mut data = event.subject.clone().into_bytes();
        data.push(b'\n');
        data.extend_from_slice(&event.payload);
        let _ = std::fs::write(std::path::Path::new(&dir).join(name), data);
    }
}
