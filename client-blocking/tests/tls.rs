//! TLS: upgraded after INFO, TLS first, mutual TLS, and the failures.

mod common;

use common::{WAIT, options, wait_event};
use natrs_blocking::{Client, ClientEvent, CloseReason, ConnectError, ConnectOptions};
use natrs_tests::{Server, ServerConfig, TlsMaterial, TlsOptions};
use std::time::Duration;

fn tls_server(tls: &TlsMaterial, opts: TlsOptions) -> Server {
    ServerConfig::new()
        .config(tls.server_config_block(opts))
        .start()
        .unwrap()
}

fn trusting(tls: &TlsMaterial) -> ConnectOptions {
    options().add_root_certificates(tls.ca_cert_path())
}

/// Publishes, subscribes, requests and sends a large message over `c`.
fn exercise(c: &Client) {
    let sub = c.subscribe("tls.>").unwrap();
    let responder = c.clone();
    let _h = c
        .subscribe_with_handler("tls.svc", move |m| {
            if let Some(reply) = m.reply {
                responder.publish(reply.as_str(), m.payload).unwrap();
            }
        })
        .unwrap();
    c.flush().unwrap();
    for i in 0..100 {
        c.publish("tls.small", format!("{i}")).unwrap();
    }
    for i in 0..100 {
        assert_eq!(
            sub.next_timeout(WAIT).unwrap().unwrap().payload,
            format!("{i}")
        );
    }
    // Larger than a TLS record and than rustls' 64 KiB send buffer.
    let big: Vec<u8> = (0..512 * 1024).map(|i| (i % 251) as u8).collect();
    c.publish("tls.big", big.clone()).unwrap();
    assert_eq!(sub.next_timeout(WAIT).unwrap().unwrap().payload, big);
    let r = c.request("tls.svc", "over tls").unwrap();
    assert_eq!(r.payload, "over tls");
    assert_eq!(sub.next_timeout(WAIT).unwrap().unwrap().payload, "over tls");
}

#[test]
fn tls_after_info() {
    let tls = TlsMaterial::generate().unwrap();
    let server = tls_server(&tls, TlsOptions::new());
    let c = natrs_blocking::connect_with_options(server.tls_url(), trusting(&tls)).unwrap();
    assert!(c.server_info().unwrap().tls_required);
    exercise(&c);
    c.close();
}

#[test]
fn tls_required_by_the_server_on_a_nats_url() {
    let tls = TlsMaterial::generate().unwrap();
    let server = tls_server(&tls, TlsOptions::new());
    let c = natrs_blocking::connect_with_options(server.url(), trusting(&tls)).unwrap();
    exercise(&c);
}

#[test]
fn tls_handshake_first() {
    let tls = TlsMaterial::generate().unwrap();
    let server = tls_server(&tls, TlsOptions::new().handshake_first(true));
    let c =
        natrs_blocking::connect_with_options(server.tls_url(), trusting(&tls).tls_first()).unwrap();
    exercise(&c);
    c.close();
}

#[test]
fn mutual_tls() {
    let tls = TlsMaterial::generate().unwrap();
    let server = tls_server(&tls, TlsOptions::new().verify(true));
    let with_cert =
        trusting(&tls).add_client_certificate(tls.client().cert_path(), tls.client().key_path());
    let c = natrs_blocking::connect_with_options(server.tls_url(), with_cert).unwrap();
    exercise(&c);

    // The same server refuses a client without a certificate, and one whose
    // certificate another CA signed.
    let err = natrs_blocking::connect_with_options(server.tls_url(), trusting(&tls).no_reconnect())
        .unwrap_err();
    assert!(matches!(err, ConnectError::Failed(_)), "{err:?}");
    let untrusted = trusting(&tls).no_reconnect().add_client_certificate(
        tls.untrusted_client().cert_path(),
        tls.untrusted_client().key_path(),
    );
    let err = natrs_blocking::connect_with_options(server.tls_url(), untrusted).unwrap_err();
    assert!(matches!(err, ConnectError::Failed(_)), "{err:?}");
}

#[test]
fn mutual_tls_with_handshake_first() {
    let tls = TlsMaterial::generate().unwrap();
    let server = tls_server(&tls, TlsOptions::new().verify(true).handshake_first(true));
    let opts = trusting(&tls)
        .tls_first()
        .add_client_certificate(tls.client().cert_path(), tls.client().key_path());
    let c = natrs_blocking::connect_with_options(server.tls_url(), opts).unwrap();
    exercise(&c);
}

#[test]
fn a_server_signed_by_an_unknown_ca_is_refused() {
    let tls = TlsMaterial::generate().unwrap();
    let server = tls_server(&tls, TlsOptions::new());
    let opts = options().add_root_certificates(tls.other_ca_cert_path());
    let err = natrs_blocking::connect_with_options(server.tls_url(), opts).unwrap_err();
    match err {
        ConnectError::Failed(CloseReason::NoServers(Some(reason))) => {
            assert!(reason.to_string().contains("TLS"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_custom_rustls_config_is_used_as_is() {
    let tls = TlsMaterial::generate().unwrap();
    let server = tls_server(&tls, TlsOptions::new().verify(true));
    let config = tls
        .client_config(
            natrs_tests::tls::Trust::Ca,
            natrs_tests::tls::ClientCert::Trusted,
        )
        .unwrap();
    let opts = options().tls_client_config((*config).clone());
    let c = natrs_blocking::connect_with_options(server.tls_url(), opts).unwrap();
    c.flush().unwrap();
}

#[test]
fn tls_reconnects_after_a_restart() {
    let tls = TlsMaterial::generate().unwrap();
    let server = tls_server(&tls, TlsOptions::new().handshake_first(true));
    let c =
        natrs_blocking::connect_with_options(server.tls_url(), trusting(&tls).tls_first()).unwrap();
    let events = c.events();
    let sub = c.subscribe("again").unwrap();
    server.restart().unwrap();
    wait_event(&events, "Reconnected", |e| {
        matches!(e, ClientEvent::Reconnected { .. })
    });
    c.publish("again", "tls").unwrap();
    assert_eq!(sub.next_timeout(WAIT).unwrap().unwrap().payload, "tls");
}

#[test]
fn a_tls_server_that_never_answers_times_out() {
    // A plain listener that accepts and says nothing: the TLS-first handshake
    // must give up at the connection timeout.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("tls://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let tls = TlsMaterial::generate().unwrap();
    let opts = trusting(&tls)
        .tls_first()
        .no_reconnect()
        .connection_timeout(Duration::from_millis(300));
    let started = std::time::Instant::now();
    let err = natrs_blocking::connect_with_options(url, opts).unwrap_err();
    assert!(matches!(err, ConnectError::Failed(_)), "{err:?}");
    assert!(started.elapsed() < WAIT);
    drop(listener);
}

#[test]
fn close_during_a_tls_handshake_returns_promptly() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("tls://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let tls = TlsMaterial::generate().unwrap();
    let opts = trusting(&tls)
        .tls_first()
        .retry_on_initial_connect()
        .connection_timeout(Duration::from_secs(30));
    let c = natrs_blocking::connect_with_options(url, opts).unwrap();
    // Wait until the driver is in the handshake (the listener has the
    // connection).
    let (_conn, _) = listener.accept().unwrap();
    let started = std::time::Instant::now();
    c.close();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "close waited {:?} for the handshake",
        started.elapsed()
    );
}

#[test]
fn many_messages_over_tls() {
    let tls = TlsMaterial::generate().unwrap();
    let server = tls_server(&tls, TlsOptions::new());
    let p = natrs_blocking::connect_with_options(server.tls_url(), trusting(&tls)).unwrap();
    let s = natrs_blocking::connect_with_options(server.tls_url(), trusting(&tls)).unwrap();
    let sub = s.subscribe("tls.many").unwrap();
    s.flush().unwrap();
    const N: usize = 20_000;
    for i in 0..N {
        p.publish("tls.many", format!("message {i:08}")).unwrap();
    }
    p.flush().unwrap();
    for i in 0..N {
        let m = sub.next_timeout(WAIT).unwrap().unwrap();
        assert_eq!(m.payload, format!("message {i:08}"));
    }
}
