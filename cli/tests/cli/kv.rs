//! `natrs kv ...`.

use crate::support::{Natrs, WAIT};
use natrs_tests::Server;

#[test]
fn buckets_keys_history_and_json() {
    let server = Server::start().unwrap();
    let natrs = Natrs::new(&server.url());
    let status = natrs.json(&[
        "kv",
        "add",
        "settings",
        "--history",
        "5",
        "--description",
        "app",
    ]);
    assert_eq!(status["bucket"], "settings");
    assert_eq!(status["history"], 5);

    assert_eq!(
        natrs.ok(&["kv", "put", "settings", "color", "blue"]),
        "blue\n"
    );
    let put = natrs.json(&["kv", "put", "settings", "color", "green"]);
    assert_eq!(put["revision"], 2);
    let out = natrs.run_with_input(&["kv", "put", "settings", "size"], b"XL");
    assert!(out.status.success(), "{}", out.stderr);

    assert_eq!(
        natrs.ok(&["kv", "get", "settings", "color", "--raw"]),
        "green\n"
    );
    let got = natrs.ok(&["kv", "get", "settings", "color"]);
    assert!(
        got.starts_with("settings > color revision: 2 created @ "),
        "{got}"
    );
    let first = natrs.json(&["kv", "get", "settings", "color", "--revision", "1"]);
    assert_eq!(first["value"], "blue");
    assert_eq!(first["operation"], "PUT");

    natrs.ok(&["kv", "create", "settings", "shape", "round"]);
    natrs.fails(
        &["kv", "create", "settings", "shape", "square"],
        "key shape exists",
    );
    natrs.ok(&["kv", "update", "settings", "shape", "oval", "4"]);
    natrs.fails(
        &["kv", "update", "settings", "shape", "cube", "4"],
        "revision 4 is not the latest",
    );

    let keys = natrs.json(&["kv", "keys", "settings"]);
    let mut keys: Vec<&str> = keys
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k.as_str().unwrap())
        .collect();
    keys.sort();
    assert_eq!(keys, ["color", "shape", "size"]);

    let history = natrs.json(&["kv", "history", "settings", "color"]);
    assert_eq!(history.as_array().unwrap().len(), 2);
    let table = natrs.ok(&["kv", "history", "settings", "color"]);
    assert!(
        table.contains("Revision") && table.contains("blue") && table.contains("green"),
        "{table}"
    );

    natrs.ok(&["kv", "del", "settings", "color", "--force"]);
    natrs.fails(&["kv", "get", "settings", "color"], "key color not found");
    natrs.ok(&["kv", "purge", "settings", "size", "--force"]);

    let ls = natrs.ok(&["kv", "ls"]);
    assert!(
        ls.contains("Bucket") && ls.contains("settings") && ls.contains("app"),
        "{ls}"
    );
    assert_eq!(natrs.json(&["kv", "ls", "--names"])[0], "settings");
    let status = natrs.ok(&["kv", "status", "settings"]);
    assert!(
        status.contains("History") && status.contains('5'),
        "{status}"
    );

    // Without --force and without a "y" on stdin, nothing is removed.
    let out = natrs.run_with_input(&["kv", "rm", "settings"], b"n\n");
    assert!(!out.status.success());
    assert!(out.stderr.contains("not confirmed"), "{}", out.stderr);
    natrs.ok(&["kv", "rm", "settings", "--force"]);
    natrs.fails(&["kv", "status", "settings"], "bucket settings not found");
}

#[test]
fn bad_bucket_and_key_names_are_errors() {
    let server = Server::start().unwrap();
    let natrs = Natrs::new(&server.url());
    natrs.fails(&["kv", "add", "bad.name"], "invalid bucket name");
    natrs.fails(&["kv", "get", "nothere", "k"], "bucket nothere not found");
    natrs.ok(&["kv", "add", "b"]);
    natrs.fails(&["kv", "put", "b", "bad key", "v"], "invalid key");
}

#[test]
fn watch_prints_changes_and_ends_on_ctrl_c() {
    let server = Server::start().unwrap();
    let natrs = Natrs::new(&server.url());
    natrs.ok(&["kv", "add", "w"]);
    natrs.ok(&["kv", "put", "w", "a", "1"]);
    let mut watch = natrs.spawn(&["kv", "watch", "w"]);
    watch.wait_stderr("Watching w > >");
    watch.wait_stdout_count("PUT w > a: 1", 1);
    natrs.ok(&["kv", "put", "w", "b", "2"]);
    natrs.ok(&["kv", "del", "w", "a", "--force"]);
    watch.wait_stdout_count("DEL w > a", 1);
    assert!(watch.stdout().contains("PUT w > b: 2"));
    watch.interrupt();
    let out = watch.wait_exit(WAIT);
    assert!(out.status.success(), "{:?} {}", out.status, out.stderr);
}
