//! `natrs bench ...`.

use crate::support::{Natrs, WAIT};
use natrs_tests::Server;

#[test]
fn pub_and_sub_with_several_clients() {
    let server = Server::start().unwrap();
    let natrs = Natrs::new(&server.url());
    let mut sub = natrs.spawn(&[
        "bench",
        "sub",
        "b.x",
        "--clients",
        "2",
        "--msgs",
        "3000",
        "--size",
        "32",
        "--json",
    ]);
    sub.wait_stderr("2 subscribers waiting for 3000 messages each");
    let published = natrs.json(&[
        "bench",
        "pub",
        "b.x",
        "--clients",
        "3",
        "--msgs",
        "3000",
        "--size",
        "32",
    ]);
    assert_eq!(published["kind"], "pub");
    assert_eq!(published["msgs"], 3000);
    assert_eq!(published["per_client"].as_array().unwrap().len(), 3);
    assert_eq!(published["per_client"][2]["msgs"], 1000);
    assert!(published["msgs_per_sec"].as_f64().unwrap() > 0.0);
    let out = sub.wait_exit(WAIT);
    assert!(out.status.success(), "{}", out.stderr);
    let received: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(received["msgs"], 6000);
    assert_eq!(received["interrupted"], false);
    let latency = &received["latency_us"];
    assert!(latency["p50"].as_u64().unwrap() <= latency["p99"].as_u64().unwrap());

    let table = natrs.ok(&["bench", "pub", "b.y", "--clients", "2", "--msgs", "100"]);
    assert!(
        table.contains("Msgs/s") && table.contains("MB/s"),
        "{table}"
    );
    assert!(
        table.contains("pub: 100 msgs of 128 B by 2 clients"),
        "{table}"
    );
}

#[test]
fn request_reply_and_ctrl_c_ends_reply_and_sub() {
    let server = Server::start().unwrap();
    let natrs = Natrs::new(&server.url());
    let mut reply = natrs.spawn(&["bench", "reply", "b.svc", "--clients", "2"]);
    reply.wait_stderr("2 responders answering on b.svc");
    let out = natrs.ok(&[
        "bench",
        "request",
        "b.svc",
        "--clients",
        "2",
        "--msgs",
        "200",
    ]);
    assert!(out.contains("request: 200 msgs"), "{out}");
    assert!(out.contains("latency: p50 "), "{out}");
    reply.interrupt();
    let out = reply.wait_exit(WAIT);
    assert!(out.status.success(), "{}", out.stderr);
    assert!(
        out.stderr.contains("Answered 200 requests"),
        "{}",
        out.stderr
    );

    let mut sub = natrs.spawn(&["bench", "sub", "never", "--msgs", "1000000", "--json"]);
    sub.wait_stderr("waiting for 1000000 messages");
    sub.interrupt();
    let out = sub.wait_exit(WAIT);
    assert!(out.status.success(), "{}", out.stderr);
    let summary: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(summary["interrupted"], true);
    assert_eq!(summary["msgs"], 0);
}

#[test]
fn jetstream_publish_and_fetch() {
    let server = Server::start().unwrap();
    let natrs = Natrs::new(&server.url());
    let published = natrs.json(&[
        "bench",
        "js",
        "pub",
        "bj.x",
        "--clients",
        "2",
        "--msgs",
        "500",
        "--stream",
        "BJ",
    ]);
    assert_eq!(published["msgs"], 500);
    assert!(published["latency_us"]["max"].as_u64().unwrap() > 0);
    assert_eq!(
        natrs.json(&["stream", "info", "BJ"])["state"]["messages"],
        500
    );
    let fetched = natrs.json(&[
        "bench",
        "js",
        "fetch",
        "--clients",
        "2",
        "--msgs",
        "500",
        "--batch",
        "50",
        "--stream",
        "BJ",
    ]);
    assert_eq!(fetched["msgs"], 500);
    let consumer = natrs.json(&["consumer", "info", "BJ", "natrs-bench"]);
    assert_eq!(consumer["num_pending"], 0);
    natrs.fails(
        &["bench", "js", "fetch", "--stream", "NOSTREAM"],
        "stream not found",
    );
}
