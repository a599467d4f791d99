//! Connection drain and close: what is delivered, what fails, and what is
//! refused afterwards.

use crate::support::*;
use natrs_client::{
    CloseReason, ConnectOptions, ConnectionState, DrainError, Error, FlushError, Request,
    RequestError, SubscriptionEnd,
};
use std::time::{Duration, Instant};

/// Messages the server sent before the drain are all delivered, then the
/// subscriptions end and the client closes.
pub fn drain_delivers_messages_sent_before_it<C: SuiteClient>() {
    let server = server();
    let publisher: C = connect(&server.url());
    let subscriber: C = connect(&server.url());
    let mut a = subscriber.subscribe("da").unwrap();
    let mut q = subscriber.queue_subscribe("dq", "group").unwrap();
    subscriber.flush().unwrap();
    for i in 0..1000 {
        publisher.publish("da", b(&i.to_string())).unwrap();
        publisher.publish("dq", b(&i.to_string())).unwrap();
    }
    publisher.flush().unwrap();
    subscriber.drain().unwrap();
    assert_eq!(subscriber.close_reason(), Some(CloseReason::Drained));
    assert_eq!(subscriber.connection_state(), ConnectionState::Closed);
    let want: Vec<String> = (0..1000).map(|i| i.to_string()).collect();
    assert_eq!(payloads(&take(&mut a, 1000)), want);
    assert_eq!(payloads(&take(&mut q, 1000)), want);
    for sub in [&mut a, &mut q] {
        assert!(sub.next_timeout(WAIT).is_none());
        assert_eq!(sub.end_reason(), Some(SubscriptionEnd::Drained));
    }
}

/// A drain flushes the client's own publishes before closing.
pub fn drain_flushes_own_publishes<C: SuiteClient>() {
    let server = server();
    let subscriber: C = connect(&server.url());
    let mut sub = subscriber.subscribe("out").unwrap();
    subscriber.flush().unwrap();
    let publisher: C = connect(&server.url());
    for i in 0..2000 {
        publisher.publish("out", b(&i.to_string())).unwrap();
    }
    publisher.drain().unwrap();
    assert_eq!(take(&mut sub, 2000).len(), 2000);
    // Afterwards the client refuses work.
    assert_eq!(
        publisher.publish("out", b("late")),
        Err(Error::ConnectionClosed)
    );
    assert_eq!(publisher.drain(), Err(DrainError::Closed));
    assert_eq!(publisher.flush(), Err(FlushError::Closed));
}

/// A drain waits for requests in flight; meanwhile new subscriptions are
/// refused.
pub fn drain_waits_for_requests_in_flight<C: SuiteClient>() {
    let server = server();
    let svc: C = connect(&server.url());
    let mut sub = svc.subscribe("wait").unwrap();
    svc.flush().unwrap();
    let client: C = connect(&server.url());
    let asked = {
        let client = client.clone();
        in_background(move || client.request("wait", b("?")))
    };
    let request = take(&mut sub, 1).remove(0);
    let drained = {
        let client = client.clone();
        in_background(move || client.drain())
    };
    natrs_tests::wait_for("the drain to start", WAIT, || {
        client.subscribe("refused").is_err()
    });
    assert!(asked.try_recv().is_err(), "the request is still waiting");
    reply(&svc, &request, b("answer"));
    assert_eq!(join("request", &asked, WAIT).unwrap().payload, "answer");
    assert_eq!(join("drain", &drained, WAIT), Ok(()));
    assert_eq!(client.close_reason(), Some(CloseReason::Drained));
}

/// The drain timeout closes the client even when a request never finishes.
pub fn drain_timeout_closes_anyway<C: SuiteClient>() {
    let server = server();
    let svc: C = connect(&server.url());
    let mut silent = svc.subscribe("never").unwrap();
    svc.flush().unwrap();
    let client: C = connect_with(
        &server.url(),
        ConnectOptions::new()
            .drain_timeout(Duration::from_millis(200))
            .request_timeout(Duration::from_secs(30)),
    );
    let asked = {
        let client = client.clone();
        in_background(move || client.request("never", b("?")))
    };
    // The request reached the responder: it is in flight.
    take(&mut silent, 1);
    let started = Instant::now();
    assert_eq!(client.drain(), Err(DrainError::TimedOut));
    let took = started.elapsed();
    assert!(took >= Duration::from_millis(200), "{took:?}");
    assert!(took < Duration::from_secs(5), "{took:?}");
    assert_eq!(client.close_reason(), Some(CloseReason::DrainTimeout));
    assert_eq!(join("request", &asked, WAIT), Err(RequestError::Closed));
}

/// The fault "close with requests in flight": they fail at once with
/// `Closed`, flushes fail, subscriptions end after what was delivered.
pub fn close_fails_what_is_pending<C: SuiteClient>() {
    let server = server();
    let svc: C = connect(&server.url());
    let mut silent = svc.subscribe("hold").unwrap();
    svc.flush().unwrap();
    let client: C = connect_with(
        &server.url(),
        ConnectOptions::new().request_timeout(Duration::from_secs(30)),
    );
    let mut sub = client.subscribe("mine").unwrap();
    client.publish("mine", b("kept")).unwrap();
    client.flush().unwrap();
    let requests: Vec<_> = (0..5)
        .map(|_| {
            let client = client.clone();
            in_background(move || client.send_request("hold", Request::new(b("?"))))
        })
        .collect();
    // All five reached the responder, so all are in flight.
    take(&mut silent, 5);
    let started = Instant::now();
    client.close();
    for rx in &requests {
        assert_eq!(join("request", rx, WAIT), Err(RequestError::Closed));
    }
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(client.close_reason(), Some(CloseReason::Closed));
    assert_eq!(payloads(&take(&mut sub, 1)), ["kept"]);
    assert!(sub.next_timeout(WAIT).is_none());
    assert_eq!(sub.end_reason(), Some(SubscriptionEnd::Closed));
    assert_eq!(
        client.request("hold", b("?")),
        Err(RequestError::Publish(Error::ConnectionClosed))
    );
    // Closing again is harmless.
    client.close();
}

/// Publishes made just before `close` are still written to the server.
pub fn close_writes_what_was_published<C: SuiteClient>() {
    let server = server();
    let subscriber: C = connect(&server.url());
    let mut sub = subscriber.subscribe("last").unwrap();
    subscriber.flush().unwrap();
    let client: C = connect(&server.url());
    for i in 0..10_000 {
        client.publish("last", b(&i.to_string())).unwrap();
    }
    client.close();
    assert_eq!(take(&mut sub, 10_000).len(), 10_000);
}

/// A drain asked for while the client is reconnecting starts once it is
/// back, and still delivers what the subscriptions receive before it.
pub fn drain_while_reconnecting_finishes_after_the_reconnect<C: SuiteClient>() {
    let server = server();
    let log = EventLog::new();
    let client: C = connect_with(&server.url(), log.attach(fast_reconnect()));
    let mut sub = client.subscribe("later").unwrap();
    client.flush().unwrap();
    server.stop().unwrap();
    log.wait("Disconnected", |e| {
        matches!(e, natrs_client::ClientEvent::Disconnected { .. })
    });
    client.publish("later", b("buffered")).unwrap();
    let drained = {
        let client = client.clone();
        in_background(move || client.drain())
    };
    server.restart().unwrap();
    assert_eq!(join("drain", &drained, WAIT), Ok(()));
    assert_eq!(client.close_reason(), Some(CloseReason::Drained));
    // The buffered publish went out before the drain's unsubscribe.
    assert_eq!(payloads(&take(&mut sub, 1)), ["buffered"]);
    assert!(sub.next_timeout(WAIT).is_none());
}

/// A flush whose PING the server never answers because the connection is
/// lost fails with `Disconnected`.
pub fn flush_fails_when_the_connection_is_lost<C: SuiteClient>() {
    // Reads the flush's PING, then hangs up instead of answering.
    let fake = natrs_tests::FakeServer::start(vec![
        natrs_tests::Script::new()
            .handshake(&natrs_tests::Script::default_info())
            .expect_line("PING")
            .close(),
    ])
    .unwrap();
    let client: C = connect_with(&fake.url(), fast_reconnect());
    assert_eq!(client.flush(), Err(FlushError::Disconnected));
    fake.assert_script_ok(0, WAIT);
    assert!(!client.is_closed(), "still trying to reconnect");
}
