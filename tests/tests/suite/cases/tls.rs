//! TLS: `tls://` URLs, `require_tls`, custom roots, client certificates
//! (mTLS), handshake-first, a user-supplied rustls configuration, and every
//! way the handshake can fail, each with its own clear error.

use crate::support::*;
use natrs_client::{
    CloseReason, ConnectError, ConnectOptions, ConnectStep, DisconnectReason, HandshakeError,
    TransportError,
};
use natrs_tests::tls::{ClientCert, Trust};
use natrs_tests::{Server, ServerConfig, TlsMaterial, TlsOptions};
use std::time::Duration;

fn tls_server(tls: &TlsMaterial, options: TlsOptions) -> Server {
    ServerConfig::new()
        .jetstream(false)
        .config(tls.server_config_block(options))
        .start()
        .unwrap()
}

/// Options trusting the test CA, failing fast.
fn trusting(tls: &TlsMaterial) -> ConnectOptions {
    ConnectOptions::new()
        .add_root_certificates(tls.ca_cert_path())
        .connection_timeout(Duration::from_secs(2))
}

/// Why the first connect failed, for the TLS error cases.
#[track_caller]
fn failure(err: ConnectError) -> DisconnectReason {
    match err {
        ConnectError::Failed(CloseReason::NoServers(Some(reason))) => reason,
        other => panic!("expected a failed connection, got {other:?}"),
    }
}

#[track_caller]
fn assert_works<C: SuiteClient>(client: &C) {
    let mut sub = client.subscribe("tls.check").unwrap();
    client.publish("tls.check", b("secret")).unwrap();
    assert_eq!(payloads(&take(&mut sub, 1)), ["secret"]);
}

pub fn tls_url_with_custom_roots<C: SuiteClient>() {
    let tls = TlsMaterial::generate().unwrap();
    let server = tls_server(&tls, TlsOptions::new());
    let client: C = connect_with(&server.tls_url(), trusting(&tls));
    assert!(client.server_info().unwrap().tls_required);
    assert!(client.connected_server().unwrap().is_tls());
    assert_works(&client);
}

/// A server that requires TLS gets it from a `nats://` URL too (the client
/// follows the INFO), and `require_tls` insists on it.
pub fn nats_url_upgrades_when_the_server_requires_tls<C: SuiteClient>() {
    let tls = TlsMaterial::generate().unwrap();
    let server = tls_server(&tls, TlsOptions::new());
    let client: C = connect_with(&server.url(), trusting(&tls));
    assert_works(&client);
    let client: C = connect_with(&server.url(), trusting(&tls).require_tls());
    assert_works(&client);
}

pub fn require_tls_against_a_plain_server_fails<C: SuiteClient>() {
    let server = server();
    let err = C::connect(&server.url(), ConnectOptions::new().require_tls())
        .err()
        .expect("the server offers no TLS");
    assert_eq!(
        failure(err.clone()),
        DisconnectReason::Handshake(HandshakeError::TlsRequiredByClient)
    );
    assert!(err.to_string().contains("offers no TLS"), "{err}");
    let err = C::connect(&server.tls_url(), ConnectOptions::new())
        .err()
        .expect("tls:// against a plain server");
    assert_eq!(
        failure(err),
        DisconnectReason::Handshake(HandshakeError::TlsRequiredByClient)
    );
}

pub fn user_supplied_rustls_config<C: SuiteClient>() {
    let tls = TlsMaterial::generate().unwrap();
    let server = tls_server(&tls, TlsOptions::new().verify(true));
    let config = tls.client_config(Trust::Ca, ClientCert::Trusted).unwrap();
    let client: C = connect_with(
        &server.tls_url(),
        ConnectOptions::new().tls_client_config((*config).clone()),
    );
    assert_works(&client);
}

pub fn mutual_tls_with_a_client_certificate<C: SuiteClient>() {
    let tls = TlsMaterial::generate().unwrap();
    let server = tls_server(&tls, TlsOptions::new().verify(true));
    let client: C = connect_with(
        &server.tls_url(),
        trusting(&tls).add_client_certificate(tls.client().cert_path(), tls.client().key_path()),
    );
    assert!(client.server_info().unwrap().tls_verify);
    assert_works(&client);
}

/// Roots, a client certificate and its key given as PEM bytes work as their
/// files do; bytes that hold no certificate fail before any connection.
pub fn certificates_and_keys_from_pem_bytes<C: SuiteClient>() {
    let tls = TlsMaterial::generate().unwrap();
    let server = tls_server(&tls, TlsOptions::new().verify(true));
    let read = |path: &std::path::Path| std::fs::read(path).unwrap();
    let client: C = connect_with(
        &server.tls_url(),
        ConnectOptions::new()
            .add_root_certificates_pem(read(tls.ca_cert_path()))
            .add_client_certificate_pem(
                read(tls.client().cert_path()),
                read(tls.client().key_path()),
            )
            .connection_timeout(Duration::from_secs(2)),
    );
    assert!(client.server_info().unwrap().tls_verify);
    assert_works(&client);

    let err = C::connect(
        &server.tls_url(),
        ConnectOptions::new().add_root_certificates_pem("not a certificate"),
    )
    .err()
    .expect("no certificate in the PEM bytes");
    assert!(
        matches!(&err, ConnectError::TlsConfig(text) if text == "no certificate in the PEM bytes given"),
        "{err:?}"
    );
}

/// mTLS without a certificate, or with one from another CA: the server
/// rejects the handshake and the error says so.
pub fn mutual_tls_without_a_valid_certificate_fails<C: SuiteClient>() {
    let tls = TlsMaterial::generate().unwrap();
    let server = tls_server(&tls, TlsOptions::new().verify(true));
    let err = C::connect(&server.tls_url(), trusting(&tls))
        .err()
        .expect("no client certificate");
    let reason = failure(err);
    let text = reason.to_string();
    assert!(
        matches!(&reason, DisconnectReason::Transport(TransportError::Tls(_))),
        "{reason:?}"
    );
    assert!(text.contains("CertificateRequired"), "{text}");
    assert!(text.contains("add_client_certificate"), "{text}");

    let err = C::connect(
        &server.tls_url(),
        trusting(&tls).add_client_certificate(
            tls.untrusted_client().cert_path(),
            tls.untrusted_client().key_path(),
        ),
    )
    .err()
    .expect("untrusted client certificate");
    let reason = failure(err);
    let text = reason.to_string();
    assert!(
        matches!(&reason, DisconnectReason::Transport(TransportError::Tls(_))),
        "{reason:?}"
    );
    assert!(
        text.contains("UnknownCA") || text.contains("BadCertificate"),
        "{text}"
    );
    assert!(
        text.contains("did not accept the client certificate"),
        "{text}"
    );
}

pub fn unknown_ca_is_a_clear_error<C: SuiteClient>() {
    let tls = TlsMaterial::generate().unwrap();
    let server = tls_server(&tls, TlsOptions::new());
    let err = C::connect(
        &server.tls_url(),
        ConnectOptions::new().add_root_certificates(tls.other_ca_cert_path()),
    )
    .err()
    .expect("server certificate from an unknown CA");
    // The source chain keeps rustls' own error, not only its text.
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&err);
    let mut found = None;
    while let Some(e) = source {
        found = found.or_else(|| e.downcast_ref::<rustls::Error>().cloned());
        source = e.source();
    }
    assert_eq!(
        found,
        Some(rustls::Error::InvalidCertificate(
            rustls::CertificateError::UnknownIssuer
        )),
        "{err:?}"
    );
    let reason = failure(err);
    match &reason {
        DisconnectReason::Transport(TransportError::Tls(text)) => {
            assert!(text.contains("UnknownIssuer"), "{text}");
            assert!(text.contains("add_root_certificates"), "{text}");
        }
        other => panic!("{other:?}"),
    }
    assert!(
        reason.to_string().contains("TLS handshake failed"),
        "{reason}"
    );
}

pub fn wrong_server_name_is_a_clear_error<C: SuiteClient>() {
    let tls = TlsMaterial::generate().unwrap();
    let server = tls_server(&tls, TlsOptions::new().wrong_name(true));
    let err = C::connect(&server.tls_url(), trusting(&tls))
        .err()
        .expect("certificate for another name");
    match failure(err) {
        DisconnectReason::Transport(TransportError::Tls(text)) => {
            assert!(text.contains("not valid for name"), "{text}");
            assert!(text.contains("not for the host name"), "{text}");
        }
        other => panic!("{other:?}"),
    }
}

pub fn tls_handshake_first<C: SuiteClient>() {
    let tls = TlsMaterial::generate().unwrap();
    let server = tls_server(&tls, TlsOptions::new().handshake_first(true));
    let client: C = connect_with(&server.tls_url(), trusting(&tls).tls_first());
    assert_works(&client);
    let client: C = connect_with(&server.url(), trusting(&tls).tls_first());
    assert_works(&client);
}

/// Handshake-first against a server that talks first (plain or TLS after
/// INFO): the server's INFO line is not a TLS record, and the error says
/// what that means.
pub fn tls_first_against_a_server_that_sends_info_fails<C: SuiteClient>() {
    let tls = TlsMaterial::generate().unwrap();
    for server in [server(), tls_server(&tls, TlsOptions::new())] {
        let err = C::connect(&server.url(), trusting(&tls).tls_first())
            .err()
            .expect("INFO is not a TLS record");
        match failure(err) {
            DisconnectReason::Transport(TransportError::Tls(text)) => {
                assert!(text.contains("plain text where TLS was due"), "{text}");
                assert!(text.contains("handshake_first"), "{text}");
            }
            other => panic!("{other:?}"),
        }
    }
}

/// A client that waits for INFO against a handshake-first server: nothing
/// comes, and the connect timeout says so. When the client asked for TLS
/// (`require_tls`, a `tls://` URL), the text points at `tls_first`.
pub fn plain_client_against_handshake_first_server_times_out<C: SuiteClient>() {
    let tls = TlsMaterial::generate().unwrap();
    let server = tls_server(&tls, TlsOptions::new().handshake_first(true));
    let tls_url = server.url().replace("nats://", "tls://");
    for (url, options, step) in [
        (server.url(), trusting(&tls), ConnectStep::Info),
        (
            server.url(),
            trusting(&tls).require_tls(),
            ConnectStep::InfoBeforeTls,
        ),
        (tls_url, trusting(&tls), ConnectStep::InfoBeforeTls),
    ] {
        let err = C::connect(&url, options.connection_timeout(Duration::from_millis(300)))
            .err()
            .expect("no INFO without TLS first");
        let reason = failure(err);
        assert_eq!(reason, DisconnectReason::ConnectTimeout(step), "{url}");
        assert_eq!(
            reason.to_string().contains("tls_first"),
            step == ConnectStep::InfoBeforeTls,
            "{reason}"
        );
    }
}

pub fn unreadable_tls_material_fails_before_connecting<C: SuiteClient>() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.pem");
    let not_pem = dir.path().join("not.pem");
    std::fs::write(&not_pem, "hello").unwrap();
    for options in [
        ConnectOptions::new().add_root_certificates(&missing),
        ConnectOptions::new().add_root_certificates(&not_pem),
        ConnectOptions::new().add_client_certificate(&missing, &missing),
    ] {
        let err = C::connect("tls://127.0.0.1:4222", options)
            .err()
            .expect("bad TLS files");
        assert!(matches!(err, ConnectError::TlsConfig(_)), "{err:?}");
    }
}

/// Volume over TLS: payloads larger than a TLS record (16 KiB) and than
/// rustls' 64 KiB send buffer, and thousands of small messages, arrive whole
/// and in order; a request and its reply cross it too.
pub fn tls_carries_large_and_many_messages<C: SuiteClient>() {
    let tls = TlsMaterial::generate().unwrap();
    let server = tls_server(&tls, TlsOptions::new());
    let publisher: C = connect_with(&server.tls_url(), trusting(&tls));
    let subscriber: C = connect_with(&server.tls_url(), trusting(&tls));
    let mut sub = subscriber.subscribe("tls.>").unwrap();
    let svc = subscriber.subscribe("svc").unwrap();
    serve(&subscriber, svc, |c, m| reply(c, m, m.payload.clone()));
    subscriber.flush().unwrap();
    let big = Bytes::from(
        (0..512 * 1024)
            .map(|i| (i % 251) as u8)
            .collect::<Vec<u8>>(),
    );
    for _ in 0..5 {
        publisher.publish("tls.big", big.clone()).unwrap();
    }
    const SMALL: usize = 20_000;
    for i in 0..SMALL {
        publisher
            .publish("tls.small", b(&format!("message {i:08}")))
            .unwrap();
    }
    publisher.flush().unwrap();
    for m in take(&mut sub, 5) {
        assert!(m.payload == big, "a large payload changed on the way");
    }
    for (i, m) in take(&mut sub, SMALL).iter().enumerate() {
        assert_eq!(m.payload, format!("message {i:08}"));
    }
    let answer = publisher.request("svc", b("over tls")).unwrap();
    assert_eq!(answer.payload, "over tls");
}

/// A TLS connection (upgraded after INFO, or TLS first) comes back after the
/// server restarts, with its subscriptions.
pub fn tls_reconnects_after_a_restart<C: SuiteClient>() {
    let tls = TlsMaterial::generate().unwrap();
    for first in [false, true] {
        let server = tls_server(&tls, TlsOptions::new().handshake_first(first));
        let mut options = fast_reconnect().add_root_certificates(tls.ca_cert_path());
        if first {
            options = options.tls_first();
        }
        let log = EventLog::new();
        let client: C = connect_with(&server.tls_url(), log.attach(options));
        let mut sub = client.subscribe("again").unwrap();
        client.flush().unwrap();
        server.restart().unwrap();
        log.wait("Reconnected", |e| {
            matches!(e, natrs_client::ClientEvent::Reconnected { .. })
        });
        client.flush().unwrap();
        client.publish("again", b("tls")).unwrap();
        assert_eq!(payloads(&take(&mut sub, 1)), ["tls"], "TLS first: {first}");
    }
}

pub fn mutual_tls_with_handshake_first<C: SuiteClient>() {
    let tls = TlsMaterial::generate().unwrap();
    let server = tls_server(&tls, TlsOptions::new().verify(true).handshake_first(true));
    let client: C = connect_with(
        &server.tls_url(),
        trusting(&tls)
            .tls_first()
            .add_client_certificate(tls.client().cert_path(), tls.client().key_path()),
    );
    assert!(client.server_info().unwrap().tls_verify);
    assert_works(&client);
}

/// A server that accepts the connection and never answers the TLS-first
/// handshake: the connect timeout ends the attempt, and says so.
pub fn tls_first_against_a_silent_server_times_out<C: SuiteClient>() {
    let tls = TlsMaterial::generate().unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("tls://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let started = std::time::Instant::now();
    let err = C::connect(
        &url,
        trusting(&tls)
            .tls_first()
            .connection_timeout(Duration::from_millis(300)),
    )
    .err()
    .expect("no handshake, no connection");
    let took = started.elapsed();
    assert_eq!(
        failure(err),
        DisconnectReason::ConnectTimeout(ConnectStep::TlsFirst)
    );
    assert!(took >= Duration::from_millis(300), "{took:?}");
    assert!(took < Duration::from_secs(3), "{took:?}");
}

/// Closing while a TLS handshake hangs does not wait for the connect
/// timeout.
pub fn close_during_a_tls_handshake_returns_promptly<C: SuiteClient>() {
    let tls = TlsMaterial::generate().unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("tls://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let client: C = connect_with(
        &url,
        trusting(&tls)
            .tls_first()
            .retry_on_initial_connect()
            .connection_timeout(Duration::from_secs(30)),
    );
    // The client is in the handshake once its TCP connection is accepted.
    listener.set_nonblocking(true).unwrap();
    let mut accepted = None;
    natrs_tests::wait_for("the client to connect", WAIT, || {
        accepted = listener.accept().ok();
        accepted.is_some()
    });
    let started = std::time::Instant::now();
    client.close();
    let took = started.elapsed();
    assert!(took < Duration::from_secs(5), "close waited {took:?}");
    assert_eq!(client.close_reason(), Some(CloseReason::Closed));
}
