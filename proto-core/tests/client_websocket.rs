//! The client over a WebSocket (`ws://`, `wss://`): the upgrade, framed and
//! masked output, unframed input, pings, close frames, TLS first for `wss`,
//! the scheme of discovered servers. Fed whole, byte by byte and in chunks.

mod support;

use bytes::BytesMut;
use natrs_core::client::{TransportCommand, TransportEvent};
use natrs_core::error::{CloseReason, ConnectStep, DisconnectReason};
use natrs_core::ws::frame::{self, Opcode};
use natrs_core::ws::{WsError, handshake};
use natrs_core::{Event, ServerAddr};
use support::*;

/// The server's answer to the upgrade request in `request`.
fn upgrade_answer(request: &str) -> String {
    let key = request
        .lines()
        .find_map(|l| l.strip_prefix("Sec-WebSocket-Key: "))
        .expect("a key");
    format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: {}\r\n\r\n",
        handshake::accept_key(key)
    )
}

/// An unmasked server frame.
fn server_frame(opcode: Opcode, payload: &[u8]) -> Vec<u8> {
    let mut out = BytesMut::new();
    frame::encode_header(&mut out, true, false, opcode, payload.len(), None);
    out.extend_from_slice(payload);
    out.to_vec()
}

/// The client's frames in `bytes`: opcode and unmasked payload, checking
/// that each is masked.
fn client_frames(bytes: &[u8]) -> Vec<(u8, Vec<u8>)> {
    let mut frames = Vec::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        assert_eq!(rest[1] & 0x80, 0x80, "client frames are masked");
        let (len, at) = match rest[1] & 0x7f {
            126 => (usize::from(u16::from_be_bytes([rest[2], rest[3]])), 4),
            127 => (
                usize::try_from(u64::from_be_bytes(rest[2..10].try_into().unwrap())).unwrap(),
                10,
            ),
            n => (usize::from(n), 2),
        };
        let mask: [u8; 4] = rest[at..at + 4].try_into().unwrap();
        let mut payload = rest[at + 4..at + 4 + len].to_vec();
        frame::apply_mask(&mut payload, mask, 0);
        frames.push((rest[0], payload));
        rest = &rest[at + 4 + len..];
    }
    frames
}

/// The data of every client frame, as text (one binary frame per write).
fn client_text(bytes: &[u8]) -> String {
    client_frames(bytes)
        .into_iter()
        .map(|(b0, payload)| {
            assert_eq!(b0, 0x82, "a final binary frame");
            String::from_utf8(payload).unwrap()
        })
        .collect()
}

fn ws_config(url: &str) -> natrs_core::Config {
    let mut config = config(&[url]);
    config.websocket.headers = vec![("X-Token".into(), "secret".into())];
    config.websocket.origin = Some("https://example.com".into());
    config
}

/// Connects over `ws://` up to `Connected`; returns the whole transcript the
/// client wrote.
fn connect_ws(sim: &mut Sim) -> Vec<u8> {
    assert_eq!(
        sim.expect_connect(),
        ServerAddr::parse("ws://127.0.0.1:8080/nats?a=1").unwrap()
    );
    sim.tcp_up();
    let request = String::from_utf8(sim.sent_bytes()).unwrap();
    assert!(
        request.starts_with(
            "GET /nats?a=1 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUpgrade: websocket\r\n\
             Connection: Upgrade\r\nSec-WebSocket-Key: "
        ),
        "{request}"
    );
    assert!(request.ends_with("Origin: https://example.com\r\nX-Token: secret\r\n\r\n"));
    let mut transcript = request.clone().into_bytes();
    // The answer and the INFO frame in one read.
    let mut answer = upgrade_answer(&request).into_bytes();
    answer.extend(server_frame(Opcode::Binary, info_line(INFO).as_bytes()));
    sim.server(answer);
    let sent = sim.sent_bytes();
    assert_eq!(
        client_text(&sent),
        format!("{}PING\r\n", default_connect(""))
    );
    transcript.extend(sent);
    sim.server(server_frame(Opcode::Binary, b"PONG\r\n"));
    assert_eq!(
        sim.events(),
        vec![Event::Connected {
            server: ServerAddr::parse("ws://127.0.0.1:8080/nats?a=1").unwrap()
        }]
    );
    transcript
}

#[test]
fn ws_session_in_every_feeding() {
    for feed in FEEDS {
        let mut sim = Sim::new(ws_config("ws://127.0.0.1:8080/nats?a=1"));
        sim.feed = feed;
        connect_ws(&mut sim);
        // Publishes go out framed.
        sim.publish("a", "hello").unwrap();
        assert_eq!(client_text(&sim.sent_bytes()), "PUB a 5\r\nhello\r\n");
        // A message split over two frames, the second a continuation, with a
        // ping between them: the ping is answered at once, the message
        // delivered whole.
        let sid = sim.run(|c, _| c.subscribe("s", None)).unwrap();
        assert_eq!(client_text(&sim.sent_bytes()), "SUB s 1\r\n");
        let msg = msg("s", sid.0, None, "payload");
        let (head, tail) = msg.as_bytes().split_at(6);
        let mut wire = BytesMut::new();
        frame::encode_header(&mut wire, false, false, Opcode::Text, head.len(), None);
        wire.extend_from_slice(head);
        wire.extend(server_frame(Opcode::Ping, b"hb"));
        frame::encode_header(
            &mut wire,
            true,
            false,
            Opcode::Continuation,
            tail.len(),
            None,
        );
        wire.extend_from_slice(tail);
        sim.server(&wire);
        let sent = client_frames(&sim.sent_bytes());
        assert_eq!(sent, vec![(0x8a, b"hb".to_vec())], "{feed:?}: a pong");
        let delivered = sim
            .events()
            .into_iter()
            .filter(|e| matches!(e, Event::Message { .. }))
            .count();
        assert_eq!(delivered, 1, "{feed:?}");
        // A close frame from the server ends the connection with its reason.
        let mut body = 1001u16.to_be_bytes().to_vec();
        body.extend_from_slice(b"Server Shutdown");
        sim.server(server_frame(Opcode::Close, &body));
        let reason = DisconnectReason::WebSocket(WsError::Closed {
            code: Some(1001),
            reason: "Server Shutdown".into(),
        });
        assert!(
            sim.events().contains(&Event::Disconnected { reason }),
            "{feed:?}"
        );
        assert!(sim.commands().contains(&TransportCommand::Close));
    }
}

#[test]
fn mask_keys_come_from_the_seed() {
    let transcript = |seed| {
        let mut sim = Sim::with_seed(ws_config("ws://127.0.0.1:8080/nats?a=1"), seed);
        let mut all = connect_ws(&mut sim);
        sim.publish("a", "x").unwrap();
        all.extend(sim.sent_bytes());
        all
    };
    assert_eq!(transcript(7), transcript(7));
    assert_ne!(transcript(7), transcript(8));
}

#[test]
fn closing_sends_what_was_queued_and_a_close_frame() {
    let mut sim = Sim::new(ws_config("ws://127.0.0.1:8080/nats?a=1"));
    connect_ws(&mut sim);
    let payload = bytes::Bytes::from_static(b"last");
    sim.run(|c, now| {
        c.publish("a", None, None, &payload).unwrap();
        c.close(now);
    });
    let frames = client_frames(&sim.sent_bytes());
    assert_eq!(frames[0], (0x82, b"PUB a 4\r\nlast\r\n".to_vec()));
    assert_eq!(frames[1], (0x88, 1000u16.to_be_bytes().to_vec()));
}

#[test]
fn wss_starts_tls_before_the_upgrade_and_ignores_info_tls() {
    let mut sim = Sim::new(config(&["wss://localhost:8443"]));
    sim.expect_connect();
    sim.tcp_up();
    assert_eq!(
        sim.commands(),
        vec![TransportCommand::UpgradeTls {
            server_name: "localhost".into()
        }]
    );
    assert!(sim.sent_bytes().is_empty());
    sim.transport(TransportEvent::TlsEstablished);
    let request = String::from_utf8(sim.sent_bytes()).unwrap();
    assert!(request.starts_with("GET / HTTP/1.1\r\nHost: localhost:8443\r\n"));
    let mut answer = upgrade_answer(&request).into_bytes();
    let info = INFO.replace("\"headers\":true", "\"headers\":true,\"tls_required\":true");
    answer.extend(server_frame(Opcode::Binary, info_line(&info).as_bytes()));
    sim.server(answer);
    assert_eq!(sim.commands(), vec![]);
    let sent = client_text(&sim.sent_bytes());
    assert!(sent.starts_with("CONNECT "), "{sent}");
    assert_eq!(connect_json(&sent)["tls_required"], true);
}

#[test]
fn refused_or_silent_upgrades_fail_the_attempt() {
    // A 403 answer.
    let mut config = config(&["ws://127.0.0.1:8080"]);
    config.allow_reconnect = false;
    let mut sim = Sim::new(config.clone());
    sim.expect_connect();
    sim.tcp_up();
    sim.sent_bytes();
    sim.server("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n");
    let events = sim.events();
    let refused = DisconnectReason::WebSocket(WsError::UpgradeRefused {
        status: 403,
        reason: "Forbidden".into(),
    });
    assert!(
        events.contains(&Event::Closed {
            reason: CloseReason::NoServers(Some(refused))
        }),
        "{events:?}"
    );
    // No answer: the connect timeout names the step.
    let mut sim = Sim::new(config);
    sim.expect_connect();
    sim.tcp_up();
    sim.advance(3 * SEC);
    let events = sim.events();
    assert!(
        events.contains(&Event::Closed {
            reason: CloseReason::NoServers(Some(DisconnectReason::ConnectTimeout(
                ConnectStep::WebSocket
            )))
        }),
        "{events:?}"
    );
}

#[test]
fn discovered_servers_take_the_websocket_scheme() {
    let mut config = config(&["wss://localhost:8443", "nats://other:4222"]);
    config.retain_servers_order = true;
    let mut sim = Sim::new(config);
    assert_eq!(sim.expect_connect().host(), "localhost");
    sim.tcp_up();
    sim.commands();
    sim.transport(TransportEvent::TlsEstablished);
    let request = String::from_utf8(sim.sent_bytes()).unwrap();
    let mut answer = upgrade_answer(&request).into_bytes();
    let info = INFO.replace(
        "\"headers\":true",
        "\"headers\":true,\"connect_urls\":[\"10.0.0.2:8443\"]",
    );
    answer.extend(server_frame(Opcode::Binary, info_line(&info).as_bytes()));
    sim.server(answer);
    let servers: Vec<String> = sim.client.servers().map(|s| s.to_string()).collect();
    assert!(
        servers.contains(&"wss://10.0.0.2:8443".to_string()),
        "{servers:?}"
    );
    assert!(servers.contains(&"nats://other:4222".to_string()));
}
