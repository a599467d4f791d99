//! Requests: replies, headers, timeouts, no responders, request-many, JSON,
//! round trip time.

use crate::support::*;
use natrs_client::{
    ConnectOptions, HeaderMap, JsonError, Request, RequestError, RequestManyOptions,
};
use std::time::{Duration, Instant};

/// A client answering `subject` with `f(payload)` until it is closed.
fn responder<C: SuiteClient>(url: &str, subject: &str, f: fn(&[u8]) -> Vec<u8>) -> C {
    let client: C = connect(url);
    let sub = client.subscribe(subject).unwrap();
    client.flush().unwrap();
    serve(&client, sub, move |c, m| {
        reply(c, m, Bytes::from(f(&m.payload)))
    });
    client
}

pub fn request_gets_a_reply<C: SuiteClient>() {
    let server = server();
    let svc: C = responder(&server.url(), "upper", |p| p.to_ascii_uppercase());
    let client: C = connect(&server.url());
    let answer = client.request("upper", b("hello")).unwrap();
    assert_eq!(answer.payload, "HELLO");
    // Requests share one inbox subscription; many in a row all work.
    for i in 0..50 {
        let answer = client.request("upper", b(&format!("n{i}"))).unwrap();
        assert_eq!(answer.payload, format!("N{i}"));
    }
    svc.close();
}

pub fn concurrent_requests_get_their_own_replies<C: SuiteClient>() {
    let server = server();
    let svc: C = responder(&server.url(), "echo", |p| p.to_vec());
    let client: C = connect(&server.url());
    let pending: Vec<_> = (0..20)
        .map(|i| {
            let client = client.clone();
            in_background(move || (i, client.request("echo", b(&format!("r{i}")))))
        })
        .collect();
    for rx in pending {
        let (i, answer) = join("request", &rx, WAIT);
        assert_eq!(answer.unwrap().payload, format!("r{i}"));
    }
    svc.close();
}

pub fn request_with_headers_and_timeout<C: SuiteClient>() {
    let server = server();
    let svc: C = connect(&server.url());
    let sub = svc.subscribe("hdr").unwrap();
    svc.flush().unwrap();
    serve(&svc, sub, |c, m| {
        let mut h = HeaderMap::new();
        h.insert("X-Seen", m.header("X-Id").unwrap_or("none"));
        let to = m.reply.as_ref().unwrap().as_str();
        c.publish_with_headers(to, h, m.payload.clone()).unwrap();
    });
    let client: C = connect(&server.url());
    let mut h = HeaderMap::new();
    h.insert("X-Id", "42");
    let answer = client
        .send_request(
            "hdr",
            Request::new(b("body"))
                .headers(h)
                .timeout(Duration::from_secs(5)),
        )
        .unwrap();
    assert_eq!(answer.header("X-Seen"), Some("42"));
    assert_eq!(answer.payload, "body");
    svc.close();
}

/// The fault "no responders": the server answers 503 at once, long before
/// the request timeout.
pub fn no_responders_fail_fast<C: SuiteClient>() {
    let server = server();
    let client: C = connect_with(
        &server.url(),
        ConnectOptions::new().request_timeout(Duration::from_secs(30)),
    );
    let started = Instant::now();
    assert_eq!(
        client.request("nobody.home", b("?")),
        Err(RequestError::NoResponders)
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    // The connection is fine afterwards.
    client.flush().unwrap();
}

/// The fault "slow responder": the request times out after its own
/// timeout; a late reply is ignored.
pub fn slow_responder_times_out<C: SuiteClient>() {
    let server = server();
    let svc: C = connect(&server.url());
    let mut sub = svc.subscribe("slow").unwrap();
    svc.flush().unwrap();
    let client: C = connect(&server.url());
    let timeout = Duration::from_millis(200);
    let started = Instant::now();
    let r = client.send_request("slow", Request::new(b("late?")).timeout(timeout));
    let took = started.elapsed();
    assert_eq!(r, Err(RequestError::TimedOut(timeout)));
    assert!(took >= timeout, "{took:?}");
    assert!(took < timeout + Duration::from_secs(3), "{took:?}");
    assert!(r.unwrap_err().to_string().contains("timed out"));
    // The late reply goes nowhere, and the next request works.
    let late = take(&mut sub, 1).remove(0);
    reply(&svc, &late, b("too late"));
    svc.flush().unwrap();
    let svc2: C = responder(&server.url(), "fast", |p| p.to_vec());
    assert_eq!(client.request("fast", b("ok")).unwrap().payload, "ok");
    svc2.close();
}

pub fn default_request_timeout_applies<C: SuiteClient>() {
    let server = server();
    let svc: C = connect(&server.url());
    let _silent = svc.subscribe("silent").unwrap();
    svc.flush().unwrap();
    let timeout = Duration::from_millis(150);
    let client: C = connect_with(
        &server.url(),
        ConnectOptions::new().request_timeout(timeout),
    );
    let started = Instant::now();
    assert_eq!(
        client.request("silent", b("?")),
        Err(RequestError::TimedOut(timeout))
    );
    assert!(started.elapsed() >= timeout);
}

fn many_responders<C: SuiteClient>(url: &str, n: usize, subject: &str) -> Vec<C> {
    (0..n)
        .map(|i| {
            let c: C = connect(url);
            let sub = c.subscribe(subject).unwrap();
            c.flush().unwrap();
            serve(&c, sub, move |c, m| reply(c, m, b(&format!("from {i}"))));
            c
        })
        .collect()
}

pub fn request_many_collects_up_to_max_messages<C: SuiteClient>() {
    let server = server();
    let svcs: Vec<C> = many_responders(&server.url(), 3, "census");
    let client: C = connect(&server.url());
    let started = Instant::now();
    let replies = client
        .request_many(
            "census",
            Request::new(b("?")).timeout(Duration::from_secs(20)),
            RequestManyOptions {
                max_messages: Some(3),
                ..Default::default()
            },
        )
        .unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "ended at the limit"
    );
    let mut got: Vec<String> = replies
        .into_iter()
        .map(|r| String::from_utf8_lossy(&r.unwrap().payload).into_owned())
        .collect();
    got.sort();
    assert_eq!(got, ["from 0", "from 1", "from 2"]);
    for s in svcs {
        s.close();
    }
}

pub fn request_many_ends_at_a_stall<C: SuiteClient>() {
    let server = server();
    let svcs: Vec<C> = many_responders(&server.url(), 2, "stall");
    let client: C = connect(&server.url());
    let started = Instant::now();
    let replies = client
        .request_many(
            "stall",
            Request::new(b("?")).timeout(Duration::from_secs(20)),
            RequestManyOptions {
                stall: Some(Duration::from_millis(300)),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(replies.len(), 2, "{replies:?}");
    assert!(replies.iter().all(|r| r.is_ok()));
    assert!(started.elapsed() < Duration::from_secs(10));
    for s in svcs {
        s.close();
    }
}

pub fn request_many_ends_at_the_sentinel<C: SuiteClient>() {
    let server = server();
    let svc: C = connect(&server.url());
    let sub = svc.subscribe("stream").unwrap();
    svc.flush().unwrap();
    serve(&svc, sub, |c, m| {
        for part in ["a", "b", "c", ""] {
            reply(c, m, b(part));
        }
    });
    let client: C = connect(&server.url());
    let replies = client
        .request_many(
            "stream",
            Request::new(b("?")).timeout(Duration::from_secs(20)),
            RequestManyOptions {
                sentinel: true,
                ..Default::default()
            },
        )
        .unwrap();
    let got: Vec<String> = replies
        .into_iter()
        .map(|r| String::from_utf8_lossy(&r.unwrap().payload).into_owned())
        .collect();
    assert_eq!(got, ["a", "b", "c"]);
    svc.close();
}

pub fn request_many_ends_at_its_timeout<C: SuiteClient>() {
    let server = server();
    let svcs: Vec<C> = many_responders(&server.url(), 2, "slowpoke");
    let client: C = connect(&server.url());
    let timeout = Duration::from_millis(300);
    let started = Instant::now();
    let replies = client
        .request_many(
            "slowpoke",
            Request::new(b("?")).timeout(timeout),
            RequestManyOptions::default(),
        )
        .unwrap();
    assert!(started.elapsed() >= timeout);
    assert_eq!(replies.len(), 2, "{replies:?}");
    assert!(
        replies.iter().all(|r| r.is_ok()),
        "a timeout is a normal end"
    );
    for s in svcs {
        s.close();
    }
}

pub fn request_many_without_responders<C: SuiteClient>() {
    let server = server();
    let client: C = connect(&server.url());
    let replies = client
        .request_many(
            "nobody",
            Request::new(b("?")).timeout(Duration::from_secs(20)),
            RequestManyOptions::default(),
        )
        .unwrap();
    assert_eq!(replies, [Err(RequestError::NoResponders)]);
}

#[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
struct Sum {
    a: i64,
    b: i64,
}

#[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
struct Total {
    total: i64,
}

pub fn request_json_round_trips<C: SuiteClient>() {
    let server = server();
    let svc: C = connect(&server.url());
    let sub = svc.subscribe("add").unwrap();
    svc.flush().unwrap();
    serve(&svc, sub, |c, m| {
        let to = m.reply.as_ref().unwrap().as_str();
        match serde_json::from_slice::<Sum>(&m.payload) {
            Ok(s) => c.publish_json(to, &Total { total: s.a + s.b }).unwrap(),
            Err(_) => c.publish(to, b("not json")).unwrap(),
        }
    });
    let client: C = connect(&server.url());
    let total: Total = client.request_json("add", &Sum { a: 2, b: 40 }).unwrap();
    assert_eq!(total, Total { total: 42 });
    // A reply that is not the expected JSON is a JSON error, not a panic.
    let bad: Result<Total, JsonError> = client.request_json("add", "a string");
    assert!(matches!(bad, Err(JsonError::Json(_))), "{bad:?}");
    let none: Result<Total, JsonError> = client.request_json("nobody", &Sum { a: 1, b: 1 });
    assert!(
        matches!(none, Err(JsonError::Request(RequestError::NoResponders))),
        "{none:?}"
    );
    svc.close();
}

pub fn rtt_measures_a_round_trip<C: SuiteClient>() {
    let server = server();
    let client: C = connect(&server.url());
    let rtt = client.rtt().unwrap();
    assert!(rtt > Duration::ZERO);
    assert!(rtt < Duration::from_secs(5), "{rtt:?}");
}
