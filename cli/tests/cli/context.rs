//! Contexts: files in the nats CLI's format, made by the test or by
//! `context save`, used to connect.

use crate::support::Natrs;
use natrs_tests::{Server, ServerConfig};

fn write_context(natrs: &Natrs, name: &str, json: &serde_json::Value) {
    let dir = natrs.config_dir().join("nats").join("context");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(format!("{name}.json")), json.to_string()).unwrap();
}

#[test]
fn a_context_file_written_by_hand_connects() {
    let server = ServerConfig::new()
        .jetstream(false)
        .config("authorization { user: bob, password: pw }")
        .start()
        .unwrap();
    let natrs = Natrs::without_server();
    write_context(
        &natrs,
        "dev",
        &serde_json::json!({
            "description": "test server",
            "url": server.url(),
            "user": "bob",
            "password": "pw",
            "color_scheme": "",
            "jetstream_event_prefix": "",
        }),
    );
    // Not selected yet: the default server is used, and nothing listens
    // there in this test's config... so name it.
    let out = natrs.ok(&["--context", "dev", "rtt", "--iterations", "1"]);
    assert!(out.contains(&server.port().to_string()), "{out}");
    natrs.fails(
        &["--context", "missing", "rtt"],
        "unknown context \"missing\"",
    );
    // Selected: used without --context.
    natrs.ok(&["context", "select", "dev"]);
    assert_eq!(
        std::fs::read_to_string(natrs.config_dir().join("nats/context.txt")).unwrap(),
        "dev"
    );
    natrs.ok(&["rtt", "--iterations", "1"]);
    // A flag overrides the context's setting.
    natrs.fails(&["--password", "nope", "rtt"], "authorization violation");
}

#[test]
fn save_keeps_unknown_fields_and_ls_show_list_them() {
    let server = Server::start().unwrap();
    let natrs = Natrs::without_server();
    write_context(
        &natrs,
        "prod",
        &serde_json::json!({"url": "nats://127.0.0.1:1", "color_scheme": "blue", "nsc": "", "future_field": {"a": 1}}),
    );
    natrs.ok(&[
        "--server",
        &server.url(),
        "--token",
        "t0k",
        "context",
        "save",
        "prod",
        "--description",
        "production",
        "--select",
    ]);
    let path = natrs.config_dir().join("nats/context/prod.json");
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert_eq!(saved["url"], server.url());
    assert_eq!(saved["token"], "t0k");
    assert_eq!(saved["description"], "production");
    assert_eq!(saved["color_scheme"], "blue");
    assert_eq!(saved["future_field"]["a"], 1);

    natrs.ok(&["--server", "nats://127.0.0.1:2", "context", "save", "other"]);
    let list = natrs.json(&["context", "ls"]);
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["other", "prod"]);
    assert_eq!(list[1]["selected"], true);
    let table = natrs.ok(&["context", "ls"]);
    assert!(table.contains("prod*"), "{table}");
    assert!(table.contains("production"), "{table}");

    let shown = natrs.ok(&["context", "show"]);
    assert!(shown.contains("production"), "{shown}");
    assert!(!shown.contains("t0k"), "the token is shown: {shown}");
    assert_eq!(
        natrs.json(&["context", "show", "other"])["url"],
        "nats://127.0.0.1:2"
    );

    // The saved context connects (the server accepts any token).
    natrs.ok(&["rtt", "--iterations", "1"]);
    natrs.ok(&["context", "rm", "other", "--force"]);
    natrs.fails(&["context", "select", "other"], "unknown context");
    natrs.fails(&["context", "save", "../escape"], "invalid context name");
}

#[test]
fn a_context_with_unsupported_settings_is_refused() {
    let natrs = Natrs::without_server();
    write_context(
        &natrs,
        "socks",
        &serde_json::json!({"url": "nats://127.0.0.1:4222", "socks_proxy": "127.0.0.1:1080"}),
    );
    natrs.fails(&["--context", "socks", "rtt"], "socks_proxy");
}
