//! Authentication: user/password and token (as options and in URLs), nkey
//! seeds, JWTs with a signing callback, `.creds` files (re-read on every
//! reconnect), auth callbacks, and the failures: bad credentials, expired
//! JWTs, too many connections.

use crate::support::*;
use natrs_client::{
    ClientEvent, CloseReason, ConnectError, ConnectOptions, Credentials, DisconnectReason,
    HandshakeError, ServerError,
};
use natrs_tests::{FakeServer, NkeyUser, Operator, Server, ServerConfig, UrlAuth};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const USERS: &str = r#"
authorization {
  users = [
    { user: alice, password: "p@ss:w/rd" }
    { user: bob, password: builder }
  ]
}
"#;

fn auth_failure(err: &ConnectError) -> Option<&ServerError> {
    match err {
        ConnectError::Failed(CloseReason::NoServers(Some(DisconnectReason::Server(e))))
        | ConnectError::Failed(CloseReason::AuthFailed(e)) => Some(e),
        _ => None,
    }
}

#[track_caller]
fn assert_authorization_violation(err: ConnectError) {
    assert_eq!(
        auth_failure(&err),
        Some(&ServerError::AuthorizationViolation),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .to_lowercase()
            .contains("authorization violation"),
        "{err}"
    );
}

pub fn user_and_password<C: SuiteClient>() {
    let server = server_with(USERS);
    let client: C = connect_with(
        &server.url(),
        ConnectOptions::new().user_and_password("bob", "builder"),
    );
    client.flush().unwrap();
    // In the URL, percent-encoded.
    let url = server.client_url_with(UrlAuth::UserPass("alice", "p@ss:w/rd"));
    let client: C = connect(&url);
    client.flush().unwrap();
    // The URL's credentials also apply when reconnecting.
    let log = EventLog::new();
    let client: C = connect_with(&url, log.attach(fast_reconnect()));
    client.force_reconnect();
    log.wait("Reconnected", |e| {
        matches!(e, ClientEvent::Reconnected { .. })
    });
    client.flush().unwrap();
}

/// The fault "bad credentials": a clear authorization error, no retries
/// forever.
pub fn bad_credentials_are_refused<C: SuiteClient>() {
    let server = server_with(USERS);
    let err = C::connect(
        &server.url(),
        ConnectOptions::new().user_and_password("bob", "wrong"),
    )
    .err()
    .expect("wrong password");
    assert_authorization_violation(err);
    let err = C::connect(&server.url(), ConnectOptions::new())
        .err()
        .expect("no credentials");
    assert_authorization_violation(err);
    let url = server.client_url_with(UrlAuth::UserPass("alice", "nope"));
    let err = C::connect(&url, ConnectOptions::new())
        .err()
        .expect("bad URL creds");
    assert_authorization_violation(err);
}

pub fn token<C: SuiteClient>() {
    let server = server_with("authorization { token: s3cr3t-t0ken }");
    let client: C = connect_with(&server.url(), ConnectOptions::new().token("s3cr3t-t0ken"));
    client.flush().unwrap();
    let client: C = connect(&server.client_url_with(UrlAuth::Token("s3cr3t-t0ken")));
    client.flush().unwrap();
    let err = C::connect(&server.url(), ConnectOptions::new().token("guess"))
        .err()
        .expect("wrong token");
    assert_authorization_violation(err);
}

pub fn nkey_seed<C: SuiteClient>() {
    let user = NkeyUser::new();
    let stranger = NkeyUser::new();
    let server = server_with(&NkeyUser::server_config(&[&user]));
    let client: C = connect_with(
        &server.url(),
        ConnectOptions::new().nkey(user.seed().unwrap()),
    );
    client.flush().unwrap();
    let err = C::connect(
        &server.url(),
        ConnectOptions::new().nkey(stranger.seed().unwrap()),
    )
    .err()
    .expect("unknown nkey");
    assert_authorization_violation(err);
}

fn operator_server() -> (Operator, natrs_tests::Account, Server) {
    let operator = Operator::new("suite-op").unwrap();
    let account = operator.account_without_jetstream("APP").unwrap();
    let server = start(
        ServerConfig::new()
            .jetstream(false)
            .monitoring(true)
            .config(operator.server_config(&[&account])),
    );
    (operator, account, server)
}

pub fn jwt_with_signing_callback<C: SuiteClient>() {
    let (_op, account, server) = operator_server();
    let user = account.user("alice").build().unwrap();
    let key = nkeys::KeyPair::from_seed(&user.seed().unwrap()).unwrap();
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = calls.clone();
    let sign: natrs_client::SignFn = Arc::new(move |nonce: &[u8]| {
        counted.fetch_add(1, Ordering::SeqCst);
        key.sign(nonce).map_err(|e| e.to_string())
    });
    let log = EventLog::new();
    let client: C = connect_with(
        &server.url(),
        log.attach(fast_reconnect().jwt(user.jwt(), sign.clone())),
    );
    client.flush().unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    client.force_reconnect();
    log.wait("Reconnected", |e| {
        matches!(e, ClientEvent::Reconnected { .. })
    });
    assert_eq!(
        calls.load(Ordering::SeqCst),
        2,
        "one signature per handshake"
    );

    // A callback that fails makes a clear handshake error.
    let failing: natrs_client::SignFn = Arc::new(|_: &[u8]| Err("hsm offline".to_string()));
    let err = C::connect(
        &server.url(),
        ConnectOptions::new().jwt(user.jwt(), failing),
    )
    .err()
    .expect("signing failed");
    assert!(
        matches!(
            &err,
            ConnectError::Failed(CloseReason::NoServers(Some(DisconnectReason::Handshake(
                HandshakeError::Auth(text)
            )))) if text.contains("hsm offline")
        ),
        "{err:?}"
    );
}

pub fn creds_file_and_text<C: SuiteClient>() {
    let (_op, account, server) = operator_server();
    let user = account.user("carol").build().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = user.write_creds_file(dir.path()).unwrap();
    let client: C = connect_with(&server.url(), ConnectOptions::new().credentials_file(&path));
    client.flush().unwrap();
    let client: C = connect_with(
        &server.url(),
        ConnectOptions::new().credentials(user.creds().unwrap()),
    );
    client.flush().unwrap();
    // A missing file is a clear error (more in
    // `creds_file_problems_fail_before_connecting`).
    let err = C::connect(
        &server.url(),
        ConnectOptions::new().credentials_file(dir.path().join("missing.creds")),
    )
    .err()
    .expect("no creds file");
    assert!(
        matches!(&err, ConnectError::Credentials(text) if text.contains("missing.creds")),
        "{err:?}"
    );
}

/// A `.creds` file that is missing, not a credentials file, too large or a
/// FIFO (whose open or read would block until a writer comes) fails
/// `connect` at once, before any network I/O, with an error naming the file.
pub fn creds_file_problems_fail_before_connecting<C: SuiteClient>() {
    let fake = FakeServer::start(Vec::new()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.creds");
    let garbage = dir.path().join("garbage.creds");
    std::fs::write(&garbage, "not a credentials file\n").unwrap();
    let huge = dir.path().join("huge.creds");
    std::fs::write(&huge, vec![b'#'; 10 * 1024 * 1024]).unwrap();
    let fifo = dir.path().join("fifo.creds");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let timeout = Duration::from_secs(2);
    for (path, why) in [
        (&missing, "No such file"),
        (&garbage, "invalid credentials"),
        (&huge, "64 KiB"),
        (&fifo, "not a regular file"),
    ] {
        let started = Instant::now();
        let options = ConnectOptions::new()
            .credentials_file(path)
            .connection_timeout(timeout);
        let err = C::connect(&fake.url(), options)
            .err()
            .expect("no connection");
        assert!(started.elapsed() < timeout, "{:?}", started.elapsed());
        let name = path.display().to_string();
        assert!(
            matches!(&err, ConnectError::Credentials(text) if text.contains(&name) && text.contains(why)),
            "{err}"
        );
    }
    assert_eq!(fake.connections(), 0);
}

/// The `.creds` file is read again for every handshake: replacing it
/// between a disconnect and the reconnect makes the client come back as the
/// new user.
pub fn creds_file_is_reread_on_reconnect<C: SuiteClient>() {
    let (_op, account, server) = operator_server();
    let alice = account.user("alice").build().unwrap();
    let bob = account.user("bob").build().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.creds");
    std::fs::write(&path, alice.creds().unwrap()).unwrap();
    let log = EventLog::new();
    let client: C = connect_with(
        &server.url(),
        log.attach(fast_reconnect().name("rotating").credentials_file(&path)),
    );
    client.flush().unwrap();
    let user_of = || {
        let conns = connz(&server);
        let me = conns
            .iter()
            .find(|c| c["name"] == "rotating")
            .unwrap_or_else(|| panic!("not in connz: {conns:?}"));
        me["authorized_user"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    assert_eq!(user_of(), alice.public_key());

    server.stop().unwrap();
    log.wait("Disconnected", |e| {
        matches!(e, ClientEvent::Disconnected { .. })
    });
    std::fs::write(&path, bob.creds().unwrap()).unwrap();
    server.restart().unwrap();
    log.wait("Reconnected", |e| {
        matches!(e, ClientEvent::Reconnected { .. })
    });
    client.flush().unwrap();
    assert_eq!(user_of(), bob.public_key());
}

/// An auth callback is asked for credentials on every handshake, with the
/// server's nonce; it can compute user/password or a signed JWT.
pub fn auth_callback<C: SuiteClient>() {
    let server = server_with(USERS);
    let log = EventLog::new();
    let nonces = Arc::new(Mutex::new(Vec::new()));
    let seen = nonces.clone();
    let client: C = connect_with(
        &server.url(),
        log.attach(fast_reconnect().auth_callback(move |nonce| {
            seen.lock().unwrap().push(nonce.map(str::to_owned));
            Ok(Credentials {
                user: Some("bob".into()),
                password: Some("builder".into()),
                ..Default::default()
            })
        })),
    );
    client.flush().unwrap();
    client.force_reconnect();
    log.wait("Reconnected", |e| {
        matches!(e, ClientEvent::Reconnected { .. })
    });
    assert_eq!(nonces.lock().unwrap().len(), 2);

    // JWT + signature computed from the nonce.
    let (_op, account, op_server) = operator_server();
    let user = account.user("dave").build().unwrap();
    let jwt = user.jwt().to_owned();
    let seed = user.seed().unwrap();
    let client: C = connect_with(
        &op_server.url(),
        ConnectOptions::new().auth_callback(move |nonce| {
            let nonce = nonce.ok_or("the server sent no nonce")?;
            let key = nkeys::KeyPair::from_seed(&seed).map_err(|e| e.to_string())?;
            let sig = natrs_tests::jwt::sign_nonce(&key, nonce).map_err(|e| e.to_string())?;
            Ok(Credentials {
                jwt: Some(jwt.clone()),
                signature: Some(sig),
                ..Default::default()
            })
        }),
    );
    client.flush().unwrap();

    // An error from the callback fails the handshake with its text.
    let err = C::connect(
        &server.url(),
        ConnectOptions::new().auth_callback(|_| Err("vault sealed".into())),
    )
    .err()
    .expect("callback failed");
    assert!(err.to_string().contains("vault sealed"), "{err}");
}

/// The fault "expired JWT": refused at connect with an authentication error.
pub fn expired_jwt_is_refused<C: SuiteClient>() {
    let (_op, account, server) = operator_server();
    let user = account.user("old").expired().build().unwrap();
    let err = C::connect(
        &server.url(),
        ConnectOptions::new().credentials(user.creds().unwrap()),
    )
    .err()
    .expect("expired JWT");
    let server_error = auth_failure(&err).unwrap_or_else(|| panic!("{err:?}"));
    assert!(server_error.is_auth(), "{err:?}");
}

/// A JWT that expires while connected: the server disconnects the client
/// with "authentication expired"; once the server refuses the expired JWT
/// twice in a row, the client gives up with an authentication failure.
///
/// (JWT expiry has a resolution of one second: within the second it expires
/// in, the server may still accept a reconnect and expire it at once, so the
/// client can go round a few times before the refusals start.)
pub fn jwt_expiring_while_connected<C: SuiteClient>() {
    let (_op, account, server) = operator_server();
    let user = account
        .user("brief")
        // Whole seconds: this expires 1 to 2 s from now.
        .expires_in(Duration::from_secs(2))
        .build()
        .unwrap();
    let log = EventLog::new();
    let client: C = connect_with(
        &server.url(),
        log.attach(fast_reconnect().credentials(user.creds().unwrap())),
    );
    let (_, lost) = log.wait("Disconnected", |e| {
        matches!(e, ClientEvent::Disconnected { .. })
    });
    assert!(
        matches!(
            &lost,
            ClientEvent::Disconnected {
                reason: DisconnectReason::Server(ServerError::AuthenticationExpired(_))
            }
        ),
        "{lost:?}"
    );
    let (_, closed) = log.wait("Closed", |e| matches!(e, ClientEvent::Closed { .. }));
    assert!(
        matches!(
            &closed,
            ClientEvent::Closed {
                reason: CloseReason::AuthFailed(e)
            } if e.is_auth()
        ),
        "{closed:?}"
    );
    assert!(client.is_closed());
}

/// The fault "max connections": the extra client gets a clear error.
pub fn max_connections_refuses_the_extra_client<C: SuiteClient>() {
    let server = start(
        ServerConfig::new()
            .jetstream(false)
            .monitoring(true)
            .config("max_connections: 1"),
    );
    wait_no_connections(&server);
    let first: C = connect(&server.url());
    first.flush().unwrap();
    let err = C::connect(&server.url(), ConnectOptions::new())
        .err()
        .expect("second connection");
    assert!(
        matches!(
            &err,
            ConnectError::Failed(CloseReason::NoServers(Some(DisconnectReason::Server(
                ServerError::MaxConnectionsExceeded
            ))))
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("maximum connections"), "{err}");
    first.flush().unwrap();
}

/// A JWT that expires while connected, with a reconnect wait of 250 ms:
/// within the second it expires in, the server may accept a reconnect and
/// expire it at once, but the client never comes back faster than the
/// reconnect wait (it used to reconnect up to 60 times in 65 ms).
pub fn expiring_jwt_reconnects_are_paced<C: SuiteClient>() {
    let (_op, account, server) = operator_server();
    let user = account
        .user("brief")
        .expires_in(Duration::from_secs(2))
        .build()
        .unwrap();
    let wait = Duration::from_millis(250);
    let log = EventLog::new();
    let client: C = connect_with(
        &server.url(),
        log.attach(
            ConnectOptions::new()
                .reconnect_wait(wait)
                .reconnect_jitter(Duration::ZERO, Duration::ZERO)
                .max_reconnects(None)
                .connection_timeout(Duration::from_secs(5))
                .credentials(user.creds().unwrap()),
        ),
    );
    let connected = std::time::Instant::now();
    log.wait("Closed", |e| matches!(e, ClientEvent::Closed { .. }));
    assert!(client.is_closed());
    let events = log.events();
    let lost = log.count(|e| matches!(e, ClientEvent::Disconnected { .. }));
    // Connected, then each connection the server let through and expired.
    let elapsed = connected.elapsed();
    assert!(
        lost as u128 <= elapsed.as_millis() / wait.as_millis() + 2,
        "{lost} connections lost in {elapsed:?}: {events:?}"
    );
    let ups = log.instants(|e| {
        matches!(
            e,
            ClientEvent::Connected { .. } | ClientEvent::Reconnected { .. }
        )
    });
    for pair in ups.windows(2) {
        // Handshakes take varying time (a debug build signs slowly): allow
        // 100 ms of it.
        assert!(
            pair[1] - pair[0] >= wait - Duration::from_millis(100),
            "reconnected {:?} after the previous connection: {events:?}",
            pair[1] - pair[0]
        );
    }
}
