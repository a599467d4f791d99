//! The handshake: INFO first, the CONNECT document, authentication, TLS
//! decisions, `-ERR` in place of PONG, and the connect timeout.

mod support;

use natrs_core::auth::{Auth, NkeyAuth};
use natrs_core::client::{ConnectionState, TransportCommand, TransportEvent};
use natrs_core::error::{CloseReason, ConnectStep, DisconnectReason, HandshakeError, ServerError};
use natrs_core::{Event, ServerAddr};
use support::*;

fn addr(url: &str) -> ServerAddr {
    ServerAddr::parse(url).unwrap()
}

fn closed(reason: CloseReason) -> Event {
    Event::Closed { reason }
}

#[test]
fn handshake_in_every_feeding() {
    for feed in FEEDS {
        let mut sim = Sim::new(config(&["nats://127.0.0.1:4222"]));
        sim.feed = feed;
        assert_eq!(sim.client.state(), ConnectionState::Connecting);
        assert_eq!(sim.expect_connect(), addr("nats://127.0.0.1:4222"));
        // The connect timeout is armed from the start.
        assert_eq!(sim.client.poll_timeout(), Some(at_ms(2000)));
        sim.tcp_up();
        assert_eq!(sim.sent(), "", "{feed:?}: nothing before INFO");
        sim.server(info_line(INFO));
        assert_eq!(
            sim.sent(),
            format!("{}PING\r\n", default_connect("")),
            "{feed:?}"
        );
        assert_eq!(sim.events(), vec![], "{feed:?}");
        assert_eq!(sim.client.state(), ConnectionState::Connecting);
        assert_eq!(sim.client.connected_server(), None);
        sim.server("PONG\r\n");
        assert_eq!(
            sim.events(),
            vec![Event::Connected {
                server: addr("nats://127.0.0.1:4222")
            }],
            "{feed:?}"
        );
        assert_eq!(sim.client.state(), ConnectionState::Connected);
        assert_eq!(
            sim.client.connected_server(),
            Some(&addr("nats://127.0.0.1:4222"))
        );
        assert_eq!(sim.client.max_payload(), Some(1_048_576));
        assert_eq!(sim.client.server_info().unwrap().server_id, "SRV");
        assert_eq!(sim.client.statistics().connects, 1);
        assert_eq!(sim.client.statistics().reconnects, 0);
        // The connect timeout is gone; the first keep-alive PING is due in 2 minutes.
        assert_eq!(sim.client.poll_timeout(), Some(at_ms(120_000)));
        assert_eq!(sim.commands(), vec![]);
    }
}

#[test]
fn empty_server_list_means_localhost() {
    let mut sim = Sim::new(config(&[]));
    assert_eq!(sim.expect_connect(), addr("nats://127.0.0.1:4222"));
}

#[test]
fn first_frame_must_be_info() {
    for first in [
        "PING\r\n",
        "PONG\r\n",
        "+OK\r\n",
        "-ERR 'Authorization Violation'\r\n",
    ] {
        let mut sim = Sim::new(config(&["nats://127.0.0.1:4222"]));
        sim.expect_connect();
        sim.tcp_up();
        sim.server(first);
        assert_eq!(sim.sent(), "", "{first:?}: no PONG, no CONNECT");
        assert_eq!(sim.commands(), vec![TransportCommand::Close], "{first:?}");
        assert_eq!(
            sim.events(),
            vec![closed(CloseReason::NoServers(Some(
                DisconnectReason::Handshake(HandshakeError::ExpectedInfo)
            )))],
            "{first:?}"
        );
    }
}

#[test]
fn connect_document_fields() {
    let mut cfg = config(&["nats://127.0.0.1:4222"]);
    cfg.name = Some("svc-a".into());
    cfg.echo = false;
    cfg.pedantic = true;
    cfg.lang = "rust-test".into();
    cfg.version = "9.9.9".into();
    let mut sim = Sim::new(cfg);
    let sent = sim.handshake(INFO);
    assert_eq!(
        sent,
        "CONNECT {\"verbose\":false,\"pedantic\":true,\"tls_required\":false,\"name\":\"svc-a\",\"lang\":\"rust-test\",\"version\":\"9.9.9\",\"protocol\":1,\"echo\":false,\"headers\":true,\"no_responders\":true}\r\nPING\r\n"
    );
}

#[test]
fn no_echo_needs_protocol_1() {
    let mut cfg = config(&["nats://127.0.0.1:4222"]);
    cfg.echo = false;
    let mut sim = Sim::new(cfg);
    sim.expect_connect();
    sim.tcp_up();
    sim.server(info_line(
        r#"{"server_id":"OLD","proto":0,"max_payload":1024}"#,
    ));
    assert_eq!(sim.sent(), "");
    assert_eq!(sim.commands(), vec![TransportCommand::Close]);
    assert_eq!(
        sim.events(),
        vec![closed(CloseReason::NoServers(Some(
            DisconnectReason::Handshake(HandshakeError::NoEchoNotSupported)
        )))]
    );

    // With echo on, an old server is fine.
    let mut sim = Sim::new(config(&["nats://127.0.0.1:4222"]));
    let sent = sim.handshake(r#"{"server_id":"OLD","proto":0,"max_payload":1024}"#);
    assert_eq!(connect_json(&sent)["echo"], true);
}

#[test]
fn headers_and_no_responders_only_when_the_server_has_headers() {
    let mut sim = Sim::new(config(&["nats://127.0.0.1:4222"]));
    let sent = sim.handshake(r#"{"server_id":"S","proto":1,"max_payload":1024}"#);
    let json = connect_json(&sent);
    assert_eq!(json["headers"], false);
    assert_eq!(json["no_responders"], false);

    let mut sim = Sim::new(config(&["nats://127.0.0.1:4222"]));
    let json = connect_json(&sim.handshake(INFO));
    assert_eq!(json["headers"], true);
    assert_eq!(json["no_responders"], true);
}

#[test]
fn verbose_ok_is_consumed() {
    for feed in FEEDS {
        let mut cfg = config(&["nats://127.0.0.1:4222"]);
        cfg.verbose = true;
        let mut sim = Sim::new(cfg);
        sim.feed = feed;
        sim.expect_connect();
        sim.tcp_up();
        sim.server(info_line(INFO));
        assert_eq!(connect_json(&sim.sent())["verbose"], true);
        sim.server("+OK\r\n");
        assert_eq!(sim.events(), vec![]);
        sim.server("PONG\r\n");
        assert!(matches!(sim.events().as_slice(), [Event::Connected { .. }]));
        sim.publish("a", "x").unwrap();
        assert_eq!(sim.sent(), "PUB a 1\r\nx\r\n");
        sim.server("+OK\r\n+ok\r\n");
        assert_eq!(sim.events(), vec![], "{feed:?}");
        assert_eq!(sim.commands(), vec![]);
        assert_eq!(sim.client.state(), ConnectionState::Connected);
    }
}

#[test]
fn user_and_password_from_config() {
    let mut cfg = config(&["nats://127.0.0.1:4222"]);
    cfg.auth = Auth::UserPassword {
        user: "alice".into(),
        password: "s3cret".into(),
    };
    let mut sim = Sim::new(cfg);
    assert_eq!(
        sim.handshake(INFO),
        format!(
            "{}PING\r\n",
            default_connect(r#""user":"alice","pass":"s3cret","#)
        )
    );
}

#[test]
fn token_from_config() {
    let mut cfg = config(&["nats://127.0.0.1:4222"]);
    cfg.auth = Auth::Token("t0ken".into());
    let mut sim = Sim::new(cfg);
    assert_eq!(
        sim.handshake(INFO),
        format!("{}PING\r\n", default_connect(r#""auth_token":"t0ken","#))
    );
}

#[test]
fn credentials_from_the_url_take_precedence() {
    let mut cfg = config(&["nats://bob:p%40ss@127.0.0.1:4222"]);
    cfg.auth = Auth::Token("ignored".into());
    let mut sim = Sim::new(cfg);
    assert_eq!(
        sim.handshake(INFO),
        format!(
            "{}PING\r\n",
            default_connect(r#""user":"bob","pass":"p@ss","#)
        )
    );

    let mut sim = Sim::new(config(&["nats://urltoken@127.0.0.1:4222"]));
    assert_eq!(
        sim.handshake(INFO),
        format!("{}PING\r\n", default_connect(r#""auth_token":"urltoken","#))
    );
}

const SEED: &str = "SUAOTBNEUHZDFJT3EUMELT7MQTP24JF3XVCXQNDSCU74G5IU6VAJBKH5LI";

#[test]
fn nkey_signs_the_nonce() {
    use base64::Engine as _;
    let provider = NkeyAuth::new(SEED).unwrap();
    let public = provider.public_key().to_string();
    let mut cfg = config(&["nats://127.0.0.1:4222"]);
    cfg.auth = Auth::provider(provider);
    let mut sim = Sim::new(cfg);
    let sent = sim.handshake(
        r#"{"server_id":"S","proto":1,"max_payload":1024,"headers":true,"auth_required":true,"nonce":"PXoWU7zWAMt75FY"}"#,
    );
    let json = connect_json(&sent);
    assert_eq!(json["nkey"], public.as_str());
    assert!(json.get("jwt").is_none());
    let sig = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(json["sig"].as_str().unwrap())
        .unwrap();
    nkeys::KeyPair::from_public_key(&public)
        .unwrap()
        .verify(b"PXoWU7zWAMt75FY", &sig)
        .expect("the signature verifies against the public key");
}

#[test]
fn nkey_without_nonce_is_not_supported() {
    let mut cfg = config(&["nats://127.0.0.1:4222"]);
    cfg.auth = Auth::provider(NkeyAuth::new(SEED).unwrap());
    let mut sim = Sim::new(cfg);
    sim.expect_connect();
    sim.tcp_up();
    sim.server(info_line(INFO));
    assert_eq!(sim.sent(), "", "no CONNECT without a nonce");
    assert_eq!(sim.commands(), vec![TransportCommand::Close]);
    assert_eq!(
        sim.events(),
        vec![closed(CloseReason::NoServers(Some(
            DisconnectReason::Handshake(HandshakeError::NkeysNotSupported)
        )))]
    );
}

#[test]
fn server_requiring_tls_gets_an_upgrade_before_connect() {
    let mut sim = Sim::new(config(&["nats://localhost:4222"]));
    sim.expect_connect();
    sim.tcp_up();
    sim.server(info_line(
        r#"{"server_id":"S","proto":1,"max_payload":1024,"headers":true,"tls_required":true}"#,
    ));
    assert_eq!(sim.sent(), "", "CONNECT waits for TLS");
    assert_eq!(
        sim.commands(),
        vec![TransportCommand::UpgradeTls {
            server_name: "localhost".into()
        }]
    );
    sim.transport(TransportEvent::TlsEstablished);
    let sent = sim.sent();
    assert_eq!(connect_json(&sent)["tls_required"], true);
    assert!(sent.ends_with("\r\nPING\r\n"));
    sim.server("PONG\r\n");
    assert!(matches!(sim.events().as_slice(), [Event::Connected { .. }]));
}

#[test]
fn client_requiring_tls_fails_when_the_server_offers_none() {
    let mut cfg = config(&["nats://localhost:4222"]);
    cfg.tls_required = true;
    let mut sim = Sim::new(cfg);
    sim.expect_connect();
    sim.tcp_up();
    sim.server(info_line(INFO));
    assert_eq!(sim.sent(), "");
    assert_eq!(sim.commands(), vec![TransportCommand::Close]);
    assert_eq!(
        sim.events(),
        vec![closed(CloseReason::NoServers(Some(
            DisconnectReason::Handshake(HandshakeError::TlsRequiredByClient)
        )))]
    );
}

#[test]
fn client_requiring_tls_upgrades_when_the_server_offers_it() {
    let mut cfg = config(&["nats://localhost:4222"]);
    cfg.tls_required = true;
    let mut sim = Sim::new(cfg);
    sim.expect_connect();
    sim.tcp_up();
    sim.server(info_line(
        r#"{"server_id":"S","proto":1,"max_payload":1024,"tls_available":true}"#,
    ));
    assert_eq!(
        sim.commands(),
        vec![TransportCommand::UpgradeTls {
            server_name: "localhost".into()
        }]
    );
}

#[test]
fn tls_url_requires_tls() {
    let mut sim = Sim::new(config(&["tls://nats.example.com:4443"]));
    assert_eq!(sim.expect_connect(), addr("tls://nats.example.com:4443"));
    sim.tcp_up();
    sim.server(info_line(
        r#"{"server_id":"S","proto":1,"max_payload":1024,"tls_available":true}"#,
    ));
    assert_eq!(
        sim.commands(),
        vec![TransportCommand::UpgradeTls {
            server_name: "nats.example.com".into()
        }]
    );

    let mut sim = Sim::new(config(&["tls://nats.example.com:4443"]));
    sim.expect_connect();
    sim.tcp_up();
    sim.server(info_line(INFO));
    assert_eq!(sim.commands(), vec![TransportCommand::Close]);
    assert_eq!(
        sim.events(),
        vec![closed(CloseReason::NoServers(Some(
            DisconnectReason::Handshake(HandshakeError::TlsRequiredByClient)
        )))]
    );
}

#[test]
fn handshake_first_upgrades_before_info() {
    let mut cfg = config(&["tls://nats.example.com:4222"]);
    cfg.tls_handshake_first = true;
    let mut sim = Sim::new(cfg);
    sim.expect_connect();
    sim.tcp_up();
    assert_eq!(
        sim.commands(),
        vec![TransportCommand::UpgradeTls {
            server_name: "nats.example.com".into()
        }],
        "TLS right after TCP"
    );
    assert_eq!(sim.sent(), "");
    sim.transport(TransportEvent::TlsEstablished);
    assert_eq!(sim.sent(), "", "still waiting for INFO");
    sim.server(info_line(
        r#"{"server_id":"S","proto":1,"max_payload":1024,"headers":true,"tls_required":true}"#,
    ));
    assert_eq!(sim.commands(), vec![], "no second upgrade");
    let sent = sim.sent();
    assert_eq!(connect_json(&sent)["tls_required"], true);
    sim.server("PONG\r\n");
    assert!(matches!(sim.events().as_slice(), [Event::Connected { .. }]));
}

#[test]
fn discovered_bare_ip_keeps_the_configured_tls_name() {
    let tls_info = r#"{"server_id":"S","proto":1,"max_payload":1024,"headers":true,"tls_required":true,"connect_urls":["127.0.0.7:4222"]}"#;
    let mut sim = Sim::new(config(&["tls://nats.example.com:4222"]));
    sim.expect_connect();
    sim.tcp_up();
    sim.server(info_line(tls_info));
    assert_eq!(
        sim.commands(),
        vec![TransportCommand::UpgradeTls {
            server_name: "nats.example.com".into()
        }]
    );
    sim.transport(TransportEvent::TlsEstablished);
    sim.server("PONG\r\n");
    assert!(matches!(sim.events().as_slice(), [Event::Connected { .. }]));

    sim.eof();
    // The discovered server is tried next; it keeps the scheme it was learned with.
    assert_eq!(sim.expect_connect(), addr("tls://127.0.0.7:4222"));
    sim.tcp_up();
    sim.server(info_line(tls_info));
    assert_eq!(
        sim.commands(),
        vec![TransportCommand::UpgradeTls {
            server_name: "nats.example.com".into()
        }],
        "a bare IP learned from the cluster is verified as the configured host"
    );
}

#[test]
fn configured_ip_is_its_own_tls_name() {
    let mut sim = Sim::new(config(&["tls://127.0.0.1:4222"]));
    sim.expect_connect();
    sim.tcp_up();
    sim.server(info_line(
        r#"{"server_id":"S","proto":1,"max_payload":1024,"tls_required":true}"#,
    ));
    assert_eq!(
        sim.commands(),
        vec![TransportCommand::UpgradeTls {
            server_name: "127.0.0.1".into()
        }]
    );
}

#[test]
fn err_in_place_of_pong_fails_the_attempt() {
    let mut cfg = config(&["nats://127.0.0.1:4222", "nats://127.0.0.2:4222"]);
    cfg.retain_servers_order = true;
    let mut sim = Sim::new(cfg);
    assert_eq!(sim.expect_connect(), addr("nats://127.0.0.1:4222"));
    sim.tcp_up();
    sim.server(info_line(INFO));
    sim.sent();
    sim.server("-ERR 'maximum connections exceeded'\r\n");
    assert_eq!(
        sim.commands(),
        vec![
            TransportCommand::Close,
            TransportCommand::Connect {
                server: addr("nats://127.0.0.2:4222")
            }
        ]
    );
    assert_eq!(sim.events(), vec![], "never connected: no Disconnected");
    sim.tcp_up();
    sim.server(info_line(INFO));
    sim.sent();
    sim.server("PONG\r\n");
    assert_eq!(
        sim.events(),
        vec![Event::Connected {
            server: addr("nats://127.0.0.2:4222")
        }]
    );
}

#[test]
fn err_in_place_of_pong_on_the_only_server_closes() {
    let mut sim = Sim::new(config(&["nats://127.0.0.1:4222"]));
    sim.expect_connect();
    sim.tcp_up();
    sim.server(info_line(INFO));
    sim.server("-ERR 'Authorization Violation'\r\n");
    assert_eq!(sim.commands(), vec![TransportCommand::Close]);
    assert_eq!(
        sim.events(),
        vec![closed(CloseReason::NoServers(Some(
            DisconnectReason::Server(ServerError::AuthorizationViolation)
        )))]
    );
}

#[test]
fn server_ping_during_the_handshake_is_answered() {
    for feed in FEEDS {
        let mut sim = Sim::new(config(&["nats://127.0.0.1:4222"]));
        sim.feed = feed;
        sim.expect_connect();
        sim.tcp_up();
        sim.server(info_line(INFO));
        sim.sent();
        sim.server("PING\r\n");
        assert_eq!(sim.sent(), "PONG\r\n", "{feed:?}");
        sim.server("PONG\r\n");
        assert!(matches!(sim.events().as_slice(), [Event::Connected { .. }]));
    }
}

#[test]
fn connect_timeout_at_the_exact_instant() {
    let mut cfg = config(&["nats://127.0.0.1:4222", "nats://127.0.0.2:4222"]);
    cfg.retain_servers_order = true;
    cfg.connect_timeout = 2 * SEC;
    let mut sim = Sim::new(cfg);
    sim.expect_connect();
    sim.advance(500 * MS);
    sim.tcp_up();
    sim.advance(500 * MS);
    sim.server(info_line(INFO));
    sim.sent();
    // One deadline covers TCP, INFO and the PONG.
    sim.advance_to(natrs_core::Instant::from_nanos(2_000_000_000 - 1));
    assert_eq!(sim.commands(), vec![]);
    sim.advance(std::time::Duration::from_nanos(1));
    assert_eq!(sim.now, at_ms(2000));
    assert_eq!(
        sim.commands(),
        vec![
            TransportCommand::Close,
            TransportCommand::Connect {
                server: addr("nats://127.0.0.2:4222")
            }
        ]
    );
    // The next attempt has its own deadline.
    assert_eq!(sim.client.poll_timeout(), Some(at_ms(4000)));
    sim.advance_to(at_ms(4000));
    assert_eq!(sim.commands(), vec![TransportCommand::Close]);
    assert_eq!(
        sim.events(),
        vec![closed(CloseReason::NoServers(Some(
            DisconnectReason::ConnectTimeout(ConnectStep::Tcp)
        )))]
    );
    assert!(sim.client.is_closed());
    assert_eq!(sim.client.poll_timeout(), None);
}

#[test]
fn transport_failures_during_the_handshake_move_on() {
    let mut cfg = config(&["nats://127.0.0.1:4222", "nats://127.0.0.2:4222"]);
    cfg.retain_servers_order = true;
    let mut sim = Sim::new(cfg);
    sim.expect_connect();
    sim.refused();
    // The transport is gone already: no Close, straight to the next server.
    assert_eq!(
        sim.commands(),
        vec![TransportCommand::Connect {
            server: addr("nats://127.0.0.2:4222")
        }]
    );
    sim.tcp_up();
    sim.transport(TransportEvent::Closed(
        natrs_core::error::TransportError::Tls("bad certificate".into()),
    ));
    assert_eq!(sim.commands(), vec![]);
    assert_eq!(
        sim.events(),
        vec![closed(CloseReason::NoServers(Some(
            DisconnectReason::Transport(natrs_core::error::TransportError::Tls(
                "bad certificate".into()
            ))
        )))]
    );
}

/// Waiting for INFO names that step; it names `handshake_first` (the likely
/// cause) only when the URL or the options ask for TLS.
#[test]
fn info_timeout_mentions_handshake_first_only_when_tls_is_wanted() {
    for (url, require_tls, step) in [
        ("nats://127.0.0.1:4222", false, ConnectStep::Info),
        ("tls://127.0.0.1:4222", false, ConnectStep::InfoBeforeTls),
        ("nats://127.0.0.1:4222", true, ConnectStep::InfoBeforeTls),
    ] {
        let mut cfg = config(&[url]);
        cfg.tls_required = require_tls;
        let mut sim = Sim::new(cfg);
        sim.expect_connect();
        sim.tcp_up();
        sim.advance(2 * SEC);
        let events = sim.events();
        let [Event::Closed { reason }] = events.as_slice() else {
            panic!("{events:?}");
        };
        assert_eq!(
            *reason,
            CloseReason::NoServers(Some(DisconnectReason::ConnectTimeout(step))),
            "{url} {require_tls}"
        );
        let text = reason.to_string();
        assert!(text.contains("waiting for the server's INFO"), "{text}");
        assert_eq!(
            text.contains("handshake_first"),
            step == ConnectStep::InfoBeforeTls,
            "{text}"
        );
    }
}

/// A `max_payload` beyond what the client can address (2^63, beyond u64,
/// negative) is clamped, and the handshake goes on.
#[test]
fn huge_max_payload_is_clamped() {
    for (number, expected) in [
        ("9223372036854775808", Some(1usize << 31)),
        ("18446744073709551615", Some(1 << 31)),
        ("18446744073709551616", Some(1 << 31)),
        ("1e300", Some(1 << 31)),
        ("-1", None),
        ("1048576", Some(1 << 20)),
    ] {
        let mut sim = Sim::new(config(&["nats://127.0.0.1:4222"]));
        sim.handshake(&format!(
            r#"{{"server_id":"S","proto":1,"headers":true,"max_payload":{number}}}"#
        ));
        assert_eq!(sim.client.max_payload(), expected, "{number}");
        sim.publish("a", "hello").unwrap();
        assert_eq!(sim.sent(), "PUB a 5\r\nhello\r\n");
    }
}

/// `LameDuck` comes only from a connection that finished its handshake: a
/// first INFO that says `ldm` is not reported (nats.go does the same).
#[test]
fn no_lame_duck_from_the_first_info() {
    let ldm = r#"{"server_id":"S","proto":1,"max_payload":1048576,"headers":true,"ldm":true}"#;
    let mut sim = Sim::new(config(&["nats://127.0.0.1:4222"]));
    sim.handshake(ldm);
    assert_eq!(sim.events(), vec![]);
    // An async INFO of the established connection is reported.
    sim.server(info_line(ldm));
    assert_eq!(sim.events(), vec![Event::LameDuck]);
    sim.server(info_line(ldm));
    assert_eq!(sim.events(), vec![]);
}

/// No TLS downgrade: a client that uses TLS (a `tls://` URL, or TLS required
/// by the options) uses a server announced as `nats://` (or bare) with TLS
/// too, so a server that offers no TLS never sees its CONNECT.
#[test]
fn discovered_plain_servers_are_used_with_tls() {
    let plain_info = r#"{"server_id":"P","proto":1,"max_payload":1024,"headers":true}"#;
    for (url, require_tls) in [
        ("tls://127.0.0.1:4222", false),
        ("nats://127.0.0.1:4222", true),
    ] {
        let mut cfg = config(&[url]);
        cfg.tls_required = require_tls;
        cfg.auth = Auth::UserPassword {
            user: "u".into(),
            password: "secret".into(),
        };
        let mut sim = Sim::new(cfg);
        sim.expect_connect();
        sim.tcp_up();
        sim.server(info_line(
            r#"{"server_id":"S","proto":1,"max_payload":1024,"headers":true,"tls_required":true,"connect_urls":["nats://127.0.0.8:4222","127.0.0.9:4222"]}"#,
        ));
        assert!(matches!(
            sim.commands().as_slice(),
            [TransportCommand::UpgradeTls { .. }]
        ));
        sim.transport(TransportEvent::TlsEstablished);
        sim.server("PONG\r\n");
        sim.sent();
        let pool: Vec<String> = sim.client.servers().map(|s| s.to_string()).collect();
        assert!(
            pool.contains(&"tls://127.0.0.8:4222".to_string())
                && pool.contains(&"tls://127.0.0.9:4222".to_string()),
            "{pool:?}"
        );
        sim.eof();
        sim.events();
        for _ in 0..2 {
            let server = sim.expect_connect();
            assert!(server.is_tls(), "{server}");
            sim.tcp_up();
            // The server offers no TLS: the attempt ends, with no CONNECT.
            sim.server(info_line(plain_info));
            assert_eq!(sim.sent(), "", "{url}");
        }
    }
}
