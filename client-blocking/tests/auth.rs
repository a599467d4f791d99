//! Authentication: user and password, token, nkey, and `.creds` files (user
//! JWTs signed by an operator's account), including a refused login.

mod common;

use common::{WAIT, options};
use natrs_blocking::{ClientEvent, ConnectError};
use natrs_tests::{NkeyUser, Operator, ServerConfig};

#[test]
fn user_and_password() {
    let server = ServerConfig::new()
        .config("authorization { user: alice, password: s3cret }")
        .start()
        .unwrap();
    let c = natrs_blocking::connect_with_options(
        server.url(),
        options().user_and_password("alice", "s3cret"),
    )
    .unwrap();
    c.flush().unwrap();
    let err = natrs_blocking::connect_with_options(
        server.url(),
        options().user_and_password("alice", "wrong").no_reconnect(),
    )
    .unwrap_err();
    assert!(matches!(err, ConnectError::Failed(_)), "{err:?}");
}

#[test]
fn token() {
    let server = ServerConfig::new()
        .config("authorization { token: t0ken }")
        .start()
        .unwrap();
    let c = natrs_blocking::connect_with_options(server.url(), options().token("t0ken")).unwrap();
    c.flush().unwrap();
}

#[test]
fn nkey() {
    let user = NkeyUser::new();
    let server = ServerConfig::new()
        .config(format!(
            "authorization {{ users: [ {{ nkey: {} }} ] }}",
            user.public_key()
        ))
        .start()
        .unwrap();
    let c =
        natrs_blocking::connect_with_options(server.url(), options().nkey(user.seed().unwrap()))
            .unwrap();
    c.flush().unwrap();
}

#[test]
fn creds_file_with_permissions() {
    let operator = Operator::new("op").unwrap();
    let account = operator.account("APP").unwrap();
    let alice = account
        .user("alice")
        .allow_pub("orders.>")
        .allow_sub("orders.>")
        .allow_sub("_INBOX.>")
        .build()
        .unwrap();
    let server = ServerConfig::new()
        .config(operator.server_config(&[&account]))
        .start()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("alice.creds");
    std::fs::write(&path, alice.creds().unwrap()).unwrap();

    let c = natrs_blocking::connect_with_options(server.url(), options().credentials_file(&path))
        .unwrap();
    let events = c.events();
    let sub = c.subscribe("orders.new").unwrap();
    c.publish("orders.new", "1").unwrap();
    assert_eq!(sub.next_timeout(WAIT).unwrap().unwrap().payload, "1");
    // Publishing outside the permissions is reported, and the connection
    // stays up.
    c.publish("payments.new", "2").unwrap();
    common::wait_event(&events, "a permissions violation", |e| {
        matches!(e, ClientEvent::ServerError(_))
    });
    c.flush().unwrap();

    // The same credentials as text.
    let c2 = natrs_blocking::connect_with_options(
        server.url(),
        options().credentials(alice.creds().unwrap()),
    )
    .unwrap();
    c2.flush().unwrap();
}
