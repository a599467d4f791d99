//! What an application asks of an error, without matching nested enums:
//! the predicates (`is_timeout`, `is_no_responders`, `is_auth`,
//! `is_disconnected`, ...) for the failures a real server produces, and the
//! texts a `main` prints.

use crate::support::*;
use natrs_client::{ClientEvent, ConnectOptions, Request};
use std::time::Duration;

/// No responders, a timeout and a closed client, each recognised by its
/// predicate and by no other.
pub fn request_errors_answer_the_common_questions<C: SuiteClient>() {
    let server = server();
    let client: C = connect(&server.url());

    let err = client.request("nobody.listens", b("ping")).unwrap_err();
    assert!(err.is_no_responders(), "{err:?}");
    assert!(!err.is_timeout() && !err.is_disconnected() && !err.is_closed());

    // A subscriber that never answers: the request times out.
    let _silent = client.subscribe("silent").unwrap();
    client.flush().unwrap();
    let request = Request::new(b("ping")).timeout(Duration::from_millis(50));
    let err = client.send_request("silent", request).unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert!(!err.is_no_responders() && !err.is_disconnected());
    assert_eq!(err.to_string(), "request timed out after 50ms");

    client.close();
    let err = client.request("silent", b("ping")).unwrap_err();
    assert!(err.is_closed() && err.is_disconnected(), "{err:?}");
    assert!(!err.is_timeout() && !err.is_no_responders());
    let err = client.flush().unwrap_err();
    assert!(err.is_closed() && err.is_disconnected(), "{err:?}");
    assert!(!err.is_timeout());
    let err = client.publish("x", "late").unwrap_err();
    assert!(err.is_closed(), "{err:?}");
}

/// A wrong password is an authentication error, and says so in one
/// sentence.
pub fn a_bad_password_is_an_auth_error<C: SuiteClient>() {
    let server = server_with("authorization { user: alice, password: right }");
    let url = format!("nats://alice:wrong@127.0.0.1:{}", server.port());
    let err = C::connect(&url, ConnectOptions::new())
        .err()
        .expect("the password is wrong");
    assert!(err.is_auth(), "{err:?}");
    assert!(!err.is_timeout() && !err.is_unreachable());
    assert_eq!(
        err.to_string(),
        "could not connect: the server refused the credentials (authorization violation)"
    );
}

/// A refused connect keeps the io error underneath in its source chain, so a
/// caller can ask for its kind instead of parsing text.
pub fn a_refused_connect_keeps_the_io_error<C: SuiteClient>() {
    let dead = dead_port();
    let err = C::connect(&format!("nats://127.0.0.1:{dead}"), ConnectOptions::new())
        .err()
        .expect("nothing listens");
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&err);
    let mut kinds = Vec::new();
    while let Some(e) = source {
        kinds.extend(e.downcast_ref::<std::io::Error>().map(|io| io.kind()));
        source = e.source();
    }
    assert_eq!(kinds, [std::io::ErrorKind::ConnectionRefused], "{err:?}");
}

/// Every event reads as one line.
pub fn client_events_read_as_one_line<C: SuiteClient>() {
    let server = server();
    let log = EventLog::new();
    let client: C = connect_with(&server.url(), log.attach(fast_reconnect()));
    let url = format!("nats://127.0.0.1:{}", server.port());
    // A clean stop: the server closes the connection (a kill may reset it).
    server.stop().unwrap();
    log.wait("Disconnected", |e| {
        matches!(e, ClientEvent::Disconnected { .. })
    });
    server.restart().unwrap();
    log.wait("Reconnected", |e| {
        matches!(e, ClientEvent::Reconnected { .. })
    });
    client.close();
    log.wait("Closed", |e| matches!(e, ClientEvent::Closed { .. }));
    let lines: Vec<String> = log
        .events()
        .iter()
        .filter(|e| !matches!(e, ClientEvent::ServersDiscovered { .. }))
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        lines,
        [
            format!("connected to {url}"),
            "disconnected: connection closed by the server".to_string(),
            format!("reconnected to {url}"),
            "closed: closed by the user".to_string(),
        ]
    );
}
