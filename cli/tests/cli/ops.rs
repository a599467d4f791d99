//! The operations commands: `stream backup`/`restore`, `stream report`,
//! `consumer report` and `events`.

use crate::object::in_terminal;
use crate::support::{Natrs, WAIT};
use natrs_tests::{Cluster, Server, ServerConfig};
use std::time::{Duration, Instant};

/// A file stream ORDERS with `count` messages of `size` bytes and a durable
/// pull consumer `worker`.
fn orders(natrs: &Natrs, count: usize, size: usize) {
    natrs.ok(&[
        "stream",
        "add",
        "ORDERS",
        "--subjects",
        "orders.>",
        "--storage",
        "file",
    ]);
    let body = "x".repeat(size);
    natrs.ok(&["pub", "orders.new", &body, "--count", &count.to_string()]);
    natrs.ok(&["consumer", "add", "ORDERS", "worker", "--ack", "explicit"]);
}

#[test]
fn backup_then_restore_under_a_new_name() {
    let server = Server::start().unwrap();
    let natrs = Natrs::new(&server.url());
    orders(&natrs, 120, 100);
    let dir = tempfile::tempdir().unwrap();
    let backup = dir.path().join("orders");
    let backup_arg = backup.to_str().unwrap();

    let out = natrs.ok(&["stream", "backup", "ORDERS", backup_arg]);
    assert!(
        out.contains("Backed up stream ORDERS (120 messages"),
        "{out}"
    );
    assert!(backup.join("backup.json").is_file());
    assert!(backup.join("stream.tar.s2").is_file());

    let restored = natrs.json(&[
        "stream",
        "restore",
        backup_arg,
        "--name",
        "ORDERS_COPY",
        "--subjects",
        "copy.>",
        "--replicas",
        "1",
    ]);
    assert_eq!(restored["config"]["name"], "ORDERS_COPY");
    assert_eq!(
        restored["config"]["subjects"],
        serde_json::json!(["copy.>"])
    );
    let original = natrs.json(&["stream", "info", "ORDERS"]);
    let copy = natrs.json(&["stream", "info", "ORDERS_COPY"]);
    assert_eq!(copy["state"]["messages"], 120);
    assert_eq!(copy["state"]["messages"], original["state"]["messages"]);
    assert_eq!(copy["state"]["bytes"], original["state"]["bytes"]);
    // The consumers came along.
    let consumers = natrs.json(&["consumer", "ls", "ORDERS_COPY", "--names"]);
    assert_eq!(consumers, serde_json::json!(["worker"]));

    // Without the consumers, none are restored.
    let bare = dir.path().join("bare");
    natrs.ok(&[
        "stream",
        "backup",
        "ORDERS",
        bare.to_str().unwrap(),
        "--no-consumers",
        "--check",
    ]);
    let out = natrs.ok(&[
        "stream",
        "restore",
        bare.to_str().unwrap(),
        "--name",
        "ORDERS_BARE",
        "--subjects",
        "bare.a,bare.b",
    ]);
    assert!(
        out.contains("Restored stream ORDERS_BARE (120 messages"),
        "{out}"
    );
    let consumers = natrs.json(&["consumer", "ls", "ORDERS_BARE", "--names"]);
    assert_eq!(consumers, serde_json::json!([]));
}

#[test]
fn restore_onto_an_existing_stream_and_bad_backups_are_one_line_errors() {
    let server = Server::start().unwrap();
    let natrs = Natrs::new(&server.url());
    orders(&natrs, 5, 10);
    let dir = tempfile::tempdir().unwrap();
    let backup = dir.path().join("orders");
    let backup_arg = backup.to_str().unwrap();
    natrs.ok(&["stream", "backup", "ORDERS", backup_arg]);

    let line = natrs.fails(&["stream", "restore", backup_arg], "exists");
    assert!(
        line.starts_with("natrs: error: cannot restore: stream \"ORDERS\" exists"),
        "{line}"
    );
    // The existing stream is untouched.
    assert_eq!(
        natrs.json(&["stream", "info", "ORDERS"])["state"]["messages"],
        5
    );

    natrs.fails(
        &[
            "stream",
            "backup",
            "NOPE",
            dir.path().join("nope").to_str().unwrap(),
        ],
        "NOPE",
    );
    assert!(!dir.path().join("nope").join("backup.json").exists());
    natrs.fails(
        &[
            "stream",
            "restore",
            dir.path().join("missing").to_str().unwrap(),
        ],
        "backup.json",
    );
}

#[test]
fn backup_and_restore_progress_bars_on_a_terminal_only() {
    let server = Server::start().unwrap();
    let natrs = Natrs::new(&server.url());
    orders(&natrs, 64, 32 * 1024);
    let dir = tempfile::tempdir().unwrap();
    let backup = dir.path().join("orders");
    let backup_arg = backup.to_str().unwrap();
    let out = natrs.run(&["stream", "backup", "ORDERS", backup_arg]);
    assert!(out.status.success(), "{}", out.stderr);
    assert!(!out.stderr.contains("Backing up"), "{}", out.stderr);
    let tty_backup = dir.path().join("tty");
    let text = in_terminal(
        &natrs,
        &["stream", "backup", "ORDERS", tty_backup.to_str().unwrap()],
        None,
    );
    assert!(
        text.contains("Backing up ORDERS"),
        "no progress bar: {text:?}"
    );
    assert!(
        text.contains("Backed up stream ORDERS (64 messages"),
        "{text:?}"
    );
    let size = std::fs::metadata(backup.join("stream.tar.s2"))
        .unwrap()
        .len();
    assert!(size > 0);

    let args = [
        "stream",
        "restore",
        backup_arg,
        "--name",
        "PIPED",
        "--subjects",
        "piped",
    ];
    let out = natrs.run(&args);
    assert!(out.status.success(), "{}", out.stderr);
    assert!(!out.stderr.contains("Restoring"), "{}", out.stderr);

    let text = in_terminal(
        &natrs,
        &[
            "stream",
            "restore",
            backup_arg,
            "--name",
            "TTY",
            "--subjects",
            "tty",
        ],
        None,
    );
    assert!(text.contains("Restoring"), "no progress bar: {text:?}");
    assert!(
        text.contains("Restored stream TTY (64 messages"),
        "{text:?}"
    );
}

#[test]
fn stream_and_consumer_reports_as_table_and_json() {
    let server = Server::start().unwrap();
    let natrs = Natrs::new(&server.url());
    orders(&natrs, 7, 10);
    natrs.ok(&[
        "consumer", "next", "ORDERS", "worker", "--count", "2", "--no-ack",
    ]);

    let table = natrs.ok(&["stream", "report"]);
    for header in ["Stream", "Storage", "Replicas", "Messages", "Consumers"] {
        assert!(table.contains(header), "{table}");
    }
    let row = table.lines().find(|l| l.contains("ORDERS")).expect("a row");
    assert!(row.contains("file") && row.contains(" 7 "), "{row}");

    let json = natrs.json(&["stream", "report"]);
    let rows = json.as_array().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["name"], "ORDERS");
    assert_eq!(rows[0]["storage"], "file");
    assert_eq!(rows[0]["replicas"], 1);
    assert_eq!(rows[0]["messages"], 7);
    assert_eq!(rows[0]["consumers"], 1);
    assert!(rows[0]["bytes"].as_u64().unwrap() > 70);
    let none = natrs.json(&["stream", "report", "--subject", "other.>"]);
    assert_eq!(none, serde_json::json!([]));

    let table = natrs.ok(&["consumer", "report", "ORDERS"]);
    assert!(table.contains("Ack pending"), "{table}");
    let row = table.lines().find(|l| l.contains("worker")).expect("a row");
    assert!(row.contains("pull") && row.contains("explicit"), "{row}");

    let json = natrs.json(&["consumer", "report", "ORDERS"]);
    let rows = json.as_array().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["stream"], "ORDERS");
    assert_eq!(rows[0]["name"], "worker");
    assert_eq!(rows[0]["push"], false);
    assert_eq!(rows[0]["durable"], true);
    assert_eq!(rows[0]["ack_pending"], 2);
    assert_eq!(rows[0]["unprocessed"], 5);
    assert_eq!(rows[0]["delivered_stream_seq"], 2);

    natrs.fails(&["consumer", "report", "NOPE"], "not found");
}

#[test]
fn events_print_a_stream_create_advisory_and_end_on_ctrl_c() {
    let server = Server::start().unwrap();
    let natrs = Natrs::new(&server.url());
    let mut events = natrs.spawn(&["events"]);
    events.wait_stderr("Listening for events on $JS.EVENT.ADVISORY.>");
    natrs.ok(&["stream", "add", "EV", "--subjects", "ev.>"]);
    events.wait_stdout_count(
        "[$JS.EVENT.ADVISORY.STREAM.CREATED.EV] stream EV created",
        1,
    );
    events.interrupt();
    let out = events.wait_exit(WAIT);
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status,
        out.stderr
    );
    assert!(out.stderr.contains("Interrupted after"), "{}", out.stderr);
    for line in out.stdout.lines() {
        assert!(line.contains("[$JS.EVENT.ADVISORY."), "{line}");
    }

    // --json: the advisory's body, pretty.
    let mut events = natrs.spawn(&["events", "--stream", "EV2", "--json", "--count", "1"]);
    events.wait_stderr("Listening for events on $JS.EVENT.ADVISORY.STREAM.*.EV2");
    natrs.ok(&["stream", "add", "EV2", "--subjects", "ev2.>"]);
    let out = events.wait_exit(WAIT);
    assert!(out.status.success(), "{}", out.stderr);
    let body: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(body["type"], "io.nats.jetstream.advisory.v1.stream_action");
    assert_eq!(body["stream"], "EV2");
    assert_eq!(body["action"], "create");
}

#[test]
fn events_show_connections_to_a_system_account_user() {
    let server = ServerConfig::new().system_account().start().unwrap();
    let system = Natrs::new(&server.system_url());
    let app = Natrs::new(&server.url());
    let mut events = system.spawn(&["events", "--connections"]);
    events.wait_stderr("Listening for events on $SYS.ACCOUNT.*.CONNECT");
    app.ok(&["pub", "conn.test", "x"]);
    events.wait_stdout_count("(name natrs)", 1);
    events.wait_stdout_count("disconnected", 1);
    events.interrupt();
    let out = events.wait_exit(WAIT);
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status,
        out.stderr
    );
    let connect = out
        .stdout
        .lines()
        .find(|l| l.contains("(name natrs)"))
        .expect("a connect line");
    assert!(
        connect.contains("[$SYS.ACCOUNT.APP.CONNECT]") && connect.contains("connected from"),
        "{connect}"
    );
}

/// Runs `natrs args --json` until `done` holds for its output (a cluster
/// settles: a meta leader, then the stream's leader and current replicas).
fn json_until(
    natrs: &Natrs,
    args: &[&str],
    what: &str,
    done: impl Fn(&serde_json::Value) -> bool,
) -> serde_json::Value {
    let deadline = Instant::now() + WAIT;
    let mut all = args.to_vec();
    all.push("--json");
    loop {
        let out = natrs.run(&all);
        if out.status.success()
            && let Ok(value) = serde_json::from_str::<serde_json::Value>(&out.stdout)
            && done(&value)
        {
            return value;
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}: {} {}",
            out.stdout,
            out.stderr
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn stream_report_shows_the_replication_group_of_a_cluster() {
    let cluster = Cluster::start(3).unwrap();
    let natrs = Natrs::new(&cluster.urls().join(","));
    let add = [
        "stream",
        "add",
        "R3",
        "--subjects",
        "r3.>",
        "--replicas",
        "3",
    ];
    // The meta leader may still be being elected.
    json_until(&natrs, &add, "the R3 stream to be created", |v| {
        v["config"]["name"] == "R3"
    });
    natrs.ok(&["pub", "r3.a", "x", "--count", "3"]);
    let rows = json_until(
        &natrs,
        &["stream", "report"],
        "a leader and two current replicas",
        |v| {
            let cluster = &v[0]["cluster"];
            cluster["leader"].is_string()
                && cluster["replicas"].as_array().is_some_and(|r| {
                    r.len() == 2 && r.iter().all(|r| r["current"] == true && r["lag"] == 0)
                })
        },
    );
    assert_eq!(rows[0]["replicas"], 3);
    assert_eq!(rows[0]["messages"], 3);
    let leader = rows[0]["cluster"]["leader"].as_str().unwrap().to_string();

    let table = natrs.ok(&["stream", "report"]);
    assert!(table.contains(&format!("{leader}*")), "{table}");
    assert!(table.contains("current"), "{table}");
}
