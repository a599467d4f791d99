//! `natrs stream ...` and `natrs consumer ...`.

use crate::support::{Natrs, one_line_error, temp_file};
use natrs_tests::Server;

fn publish(natrs: &Natrs, subject: &str, body: &str, count: &str) {
    natrs.ok(&["pub", subject, body, "--count", count]);
}

/// The sequences of `stream view --json` output, one message a line.
fn view_sequences(view: &str) -> Vec<u64> {
    view.lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["seq"]
                .as_u64()
                .unwrap()
        })
        .collect()
}

#[test]
fn view_ends_at_the_last_sequence_a_stream_can_hold() {
    let server = Server::start().unwrap();
    let natrs = Natrs::new(&server.url());
    natrs.json(&[
        "stream",
        "add",
        "EDGE",
        "--subjects",
        "edge",
        "--storage",
        "memory",
    ]);
    // Purging up to u64::MAX moves the stream there: its next message
    // takes the last sequence.
    let max = u64::MAX.to_string();
    natrs.json(&["stream", "purge", "EDGE", "--seq", &max, "--force"]);
    publish(&natrs, "edge", "last", "1");
    let view = natrs.ok(&["stream", "view", "EDGE", "--json"]);
    let seqs = view_sequences(&view);
    assert_eq!(seqs, [u64::MAX]);
}

/// Plays JetStream's API on a server without JetStream: answers every
/// request on `$JS.API.>` with `answer(subject)`, until the runtime is
/// dropped.
fn fake_jetstream(
    server: &Server,
    answer: impl Fn(&str) -> String + Send + 'static,
) -> tokio::runtime::Runtime {
    use futures_util::StreamExt;
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let client = natrs_tokio::connect(server.url()).await.unwrap();
        let mut api = client.subscribe("$JS.API.>").await.unwrap();
        client.flush().await.unwrap();
        tokio::spawn(async move {
            while let Some(request) = api.next().await {
                if let Some(reply) = &request.reply {
                    let body = answer(request.subject.as_str());
                    let _ = client.publish(reply.as_str(), body).await;
                }
            }
        });
    });
    runtime
}

#[test]
fn view_refuses_a_server_whose_sequences_do_not_increase() {
    let server = Server::builder().jetstream(false).start().unwrap();
    let gets = std::sync::atomic::AtomicUsize::new(0);
    // Every get answers message 1, whatever sequence it asks from; after a
    // hundred gets the answer is an error the test does not expect.
    let _js = fake_jetstream(&server, move |subject| match subject {
        "$JS.API.STREAM.INFO.LOOP" => {
            r#"{"config":{"name":"LOOP","subjects":["loop"]},"state":{"messages":1}}"#.to_string()
        }
        "$JS.API.STREAM.MSG.GET.LOOP"
            if gets.fetch_add(1, std::sync::atomic::Ordering::Relaxed) < 100 =>
        {
            r#"{"message":{"subject":"loop","seq":1,"data":"aGk=","time":"2026-01-01T00:00:00Z"}}"#
                .to_string()
        }
        _ => r#"{"error":{"code":500,"err_code":1,"description":"asked too often"}}"#.to_string(),
    });
    let natrs = Natrs::new(&server.url());
    let out = natrs.run(&["stream", "view", "LOOP", "--size", "1000000", "--json"]);
    assert!(!out.status.success(), "{}", out.stdout);
    one_line_error(&out.stderr, "sequence 1");
    assert_eq!(view_sequences(&out.stdout), [1]);
}

#[test]
fn streams_add_info_ls_get_view_purge_rm() {
    let server = Server::start().unwrap();
    let natrs = Natrs::new(&server.url());
    let info = natrs.json(&[
        "stream",
        "add",
        "ORDERS",
        "--subjects",
        "orders.*,audit",
        "--storage",
        "memory",
        "--max-age",
        "1h",
        "--description",
        "orders",
    ]);
    assert_eq!(info["config"]["name"], "ORDERS");
    assert_eq!(info["config"]["subjects"][1], "audit");
    assert_eq!(info["config"]["storage"], "memory");
    assert_eq!(info["config"]["max_age"], 3_600_000_000_000u64);
    publish(&natrs, "orders.new", "n", "3");
    publish(&natrs, "orders.old", "o", "2");

    let table = natrs.ok(&["stream", "info", "ORDERS"]);
    assert!(
        table.contains("Messages") && table.contains("5") && table.contains("1h"),
        "{table}"
    );
    let ls = natrs.ok(&["stream", "ls"]);
    assert!(
        ls.contains("ORDERS") && ls.contains("orders.*, audit"),
        "{ls}"
    );
    assert_eq!(natrs.json(&["stream", "ls"])[0]["state"]["messages"], 5);
    assert_eq!(natrs.json(&["stream", "ls", "--names"])[0], "ORDERS");

    let got = natrs.json(&["stream", "get", "ORDERS", "4"]);
    assert_eq!(got["subject"], "orders.old");
    assert_eq!(got["data"], "o");
    let last = natrs.ok(&["stream", "get", "ORDERS", "--last-for", "orders.new"]);
    assert!(last.starts_with("[ORDERS#3] "), "{last}");

    let view = natrs.ok(&[
        "stream",
        "view",
        "ORDERS",
        "--subject",
        "orders.old",
        "--json",
    ]);
    let seqs = view_sequences(&view);
    assert_eq!(seqs, [4, 5]);
    let page = natrs.ok(&[
        "stream", "view", "ORDERS", "--size", "2", "--id", "2", "--json",
    ]);
    assert_eq!(page.lines().count(), 2, "{page}");

    let purged = natrs.json(&[
        "stream",
        "purge",
        "ORDERS",
        "--subject",
        "orders.new",
        "--keep",
        "1",
        "--force",
    ]);
    assert_eq!(purged["purged"], 2);
    // Left: 3 (orders.new), 4 and 5 (orders.old); up to 5 goes.
    let purged = natrs.json(&["stream", "purge", "ORDERS", "--seq", "5", "--force"]);
    assert_eq!(purged["purged"], 2);
    assert_eq!(
        natrs.json(&["stream", "info", "ORDERS"])["state"]["messages"],
        1
    );
    natrs.ok(&["stream", "purge", "ORDERS", "--force"]);
    assert_eq!(
        natrs.json(&["stream", "info", "ORDERS"])["state"]["messages"],
        0
    );

    natrs.ok(&["stream", "rm", "ORDERS", "--force"]);
    natrs.fails(&["stream", "info", "ORDERS"], "stream not found");
}

#[test]
fn add_from_a_file_and_edit_with_the_difference() {
    let server = Server::start().unwrap();
    let natrs = Natrs::new(&server.url());
    let dir = tempfile::tempdir().unwrap();
    let file = temp_file(
        dir.path(),
        "s.json",
        br#"{"name": "FROMFILE", "subjects": ["f.>"], "storage": "memory", "max_msgs": 100, "retention": "limits", "discard": "old", "num_replicas": 1}"#,
    );
    let info = natrs.json(&["stream", "add", "--config", file.to_str().unwrap()]);
    assert_eq!(info["config"]["name"], "FROMFILE");
    assert_eq!(info["config"]["max_msgs"], 100);

    // Declined: the difference is shown and nothing changes.
    let out = natrs.run_with_input(&["stream", "edit", "FROMFILE", "--max-msgs", "50"], b"n\n");
    assert!(!out.status.success());
    assert!(out.stderr.contains("- max_msgs: 100"), "{}", out.stderr);
    assert!(out.stderr.contains("+ max_msgs: 50"), "{}", out.stderr);
    assert_eq!(
        natrs.json(&["stream", "info", "FROMFILE"])["config"]["max_msgs"],
        100
    );
    // Confirmed on stdin, then with --force.
    let out = natrs.run_with_input(&["stream", "edit", "FROMFILE", "--max-msgs", "50"], b"y\n");
    assert!(out.status.success(), "{}", out.stderr);
    assert_eq!(
        natrs.json(&["stream", "info", "FROMFILE"])["config"]["max_msgs"],
        50
    );
    natrs.ok(&[
        "stream",
        "edit",
        "FROMFILE",
        "--description",
        "edited",
        "--force",
    ]);
    assert_eq!(
        natrs.json(&["stream", "info", "FROMFILE"])["config"]["description"],
        "edited"
    );
    natrs.fails(
        &[
            "stream",
            "edit",
            "FROMFILE",
            "--description",
            "edited",
            "--force",
        ],
        "no changes",
    );

    let bad = temp_file(dir.path(), "bad.json", b"{not json");
    natrs.fails(
        &["stream", "add", "X", "--config", bad.to_str().unwrap()],
        "invalid stream configuration",
    );
}

#[test]
fn unknown_streams_and_bad_names_are_one_line_errors() {
    let server = Server::start().unwrap();
    let natrs = Natrs::new(&server.url());
    natrs.fails(&["stream", "info", "NOPE"], "stream not found");
    natrs.fails(&["stream", "get", "NOPE", "1"], "stream not found");
    natrs.fails(&["stream", "add", "bad.name"], "invalid");
    natrs.fails(&["consumer", "ls", "NOPE"], "stream not found");
    natrs.ok(&["stream", "add", "S", "--subjects", "s"]);
    natrs.fails(&["stream", "get", "S", "1"], "message not found");
    natrs.fails(&["consumer", "info", "S", "nope"], "consumer not found");
}

#[test]
fn times_past_what_a_date_holds_are_refused() {
    let server = Server::start().unwrap();
    let natrs = Natrs::new(&server.url());
    natrs.ok(&["stream", "add", "FAR", "--subjects", "far"]);
    natrs.ok(&["consumer", "add", "FAR", "c", "--deliver", "all"]);
    // A pause for a million years ends past the year 9999.
    natrs.fails(
        &["consumer", "pause", "FAR", "c", "1000000y"],
        "1000000y from now is past",
    );
    // So does one longer than a date's arithmetic takes (i64 seconds).
    natrs.fails(
        &["consumer", "pause", "FAR", "c", "500000000000y"],
        "500000000000y from now is past",
    );
    // A start a million years ago is before the year -9999.
    natrs.fails(
        &["consumer", "add", "FAR", "d", "--deliver", "1000000y"],
        "1000000y ago is before",
    );
}

#[test]
fn consumers_add_edit_next_pause_resume_rm() {
    let server = Server::start().unwrap();
    let natrs = Natrs::new(&server.url());
    natrs.ok(&["stream", "add", "JOBS", "--subjects", "jobs.>"]);
    publish(&natrs, "jobs.a", "job", "3");

    let info = natrs.json(&[
        "consumer",
        "add",
        "JOBS",
        "worker",
        "--filter",
        "jobs.a",
        "--ack",
        "explicit",
        "--deliver",
        "all",
        "--max-deliver",
        "3",
    ]);
    assert_eq!(info["name"], "worker");
    assert_eq!(info["config"]["filter_subject"], "jobs.a");
    assert_eq!(info["num_pending"], 3);
    let table = natrs.ok(&["consumer", "info", "JOBS", "worker"]);
    assert!(
        table.contains("Unprocessed") && table.contains("explicit"),
        "{table}"
    );
    let ls = natrs.ok(&["consumer", "ls", "JOBS"]);
    assert!(ls.contains("worker"), "{ls}");
    assert_eq!(
        natrs.json(&["consumer", "ls", "JOBS", "--names"])[0],
        "worker"
    );

    let next = natrs.ok(&["consumer", "next", "JOBS", "worker", "--count", "2"]);
    assert_eq!(next.matches("Acknowledged message").count(), 2, "{next}");
    assert!(next.contains("subj: jobs.a / tries: 1"), "{next}");
    let info = natrs.json(&["consumer", "info", "JOBS", "worker"]);
    assert_eq!(info["ack_floor"]["stream_seq"], 2);
    assert_eq!(
        natrs.ok(&["consumer", "next", "JOBS", "worker", "--raw"]),
        "job\n"
    );
    natrs.fails(
        &["consumer", "next", "JOBS", "worker", "--wait", "300ms"],
        "no message",
    );

    let out = natrs.run_with_input(
        &["consumer", "edit", "JOBS", "worker", "--max-deliver", "5"],
        b"",
    );
    assert!(!out.status.success());
    assert!(
        out.stderr.contains("- max_deliver: 3") && out.stderr.contains("+ max_deliver: 5"),
        "{}",
        out.stderr
    );
    natrs.ok(&[
        "consumer",
        "edit",
        "JOBS",
        "worker",
        "--max-deliver",
        "5",
        "--force",
    ]);
    assert_eq!(
        natrs.json(&["consumer", "info", "JOBS", "worker"])["config"]["max_deliver"],
        5
    );

    let paused = natrs.json(&["consumer", "pause", "JOBS", "worker", "1h"]);
    assert_eq!(paused["paused"], true);
    assert_eq!(
        natrs.json(&["consumer", "info", "JOBS", "worker"])["paused"],
        true
    );
    natrs.ok(&["consumer", "resume", "JOBS", "worker"]);
    assert_eq!(
        natrs.json(&["consumer", "info", "JOBS", "worker"])["paused"],
        false
    );
    natrs.fails(
        &["consumer", "pause", "JOBS", "worker", "someday"],
        "invalid time",
    );

    natrs.ok(&["consumer", "rm", "JOBS", "worker", "--force"]);
    natrs.fails(
        &["consumer", "info", "JOBS", "worker"],
        "consumer not found",
    );
    natrs.fails(
        &["consumer", "add", "JOBS", "c", "--deliver", "soon"],
        "invalid --deliver",
    );
}
