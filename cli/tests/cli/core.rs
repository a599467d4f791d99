//! `pub`, `sub`, `request`, `reply`, `rtt`, connection errors and Ctrl-C.

use crate::support::{Natrs, WAIT, one_line_error};
use natrs_tests::{Server, ServerConfig};

#[test]
fn pub_reaches_sub_with_headers_and_json() {
    let server = Server::start().unwrap();
    let natrs = Natrs::new(&server.url());
    let mut sub = natrs.spawn(&["sub", "orders.*", "--count", "2", "--json"]);
    sub.wait_stderr("Subscribing on orders.*");
    natrs.ok(&[
        "pub",
        "orders.new",
        "hello",
        "-H",
        "source:cli",
        "-H",
        "n: 1",
    ]);
    let out = natrs.run_with_input(&["pub", "orders.old"], b"from stdin");
    assert!(out.status.success(), "{}", out.stderr);
    let out = sub.wait_exit(WAIT);
    assert!(out.status.success(), "{}", out.stderr);
    let lines: Vec<serde_json::Value> = out
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "{}", out.stdout);
    assert_eq!(lines[0]["subject"], "orders.new");
    assert_eq!(lines[0]["data"], "hello");
    assert_eq!(lines[0]["headers"]["source"][0], "cli");
    assert_eq!(lines[0]["headers"]["n"][0], "1");
    assert_eq!(lines[1]["subject"], "orders.old");
    assert_eq!(lines[1]["data"], "from stdin");
}

#[test]
fn sub_prints_messages_for_people_and_raw() {
    let server = Server::start().unwrap();
    let natrs = Natrs::new(&server.url());
    let mut sub = natrs.spawn(&["sub", "t", "--count", "3", "--timestamp"]);
    sub.wait_stderr("Subscribing on t");
    let mut raw = natrs.spawn(&["sub", "t", "--count", "3", "--raw"]);
    raw.wait_stderr("Subscribing on t");
    natrs.ok(&["pub", "t", "body", "--count", "3"]);
    let out = sub.wait_exit(WAIT);
    assert!(out.status.success());
    assert!(out.stdout.contains("[#1 @ "), "{}", out.stdout);
    assert!(out.stdout.contains("] Received on \"t\""), "{}", out.stdout);
    assert_eq!(out.stdout.matches("body").count(), 3);
    let out = raw.wait_exit(WAIT);
    assert_eq!(out.stdout, "body\nbody\nbody\n");
}

#[test]
fn ctrl_c_ends_sub_after_draining_with_exit_0() {
    let server = Server::start().unwrap();
    let natrs = Natrs::new(&server.url());
    let mut sub = natrs.spawn(&["sub", "c.>", "--raw"]);
    sub.wait_stderr("Subscribing on c.>");
    natrs.ok(&["pub", "c.1", "m", "--count", "5"]);
    sub.wait_stdout_count("m\n", 5);
    sub.interrupt();
    let out = sub.wait_exit(WAIT);
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status,
        out.stderr
    );
    assert_eq!(out.stdout, "m\nm\nm\nm\nm\n");
    assert!(
        out.stderr.contains("Interrupted after 5 messages"),
        "{}",
        out.stderr
    );
}

#[test]
fn request_and_reply_echo_body_and_command() {
    let server = Server::start().unwrap();
    let natrs = Natrs::new(&server.url());
    let mut echo = natrs.spawn(&["reply", "svc.echo", "--echo"]);
    echo.wait_stderr("Listening on");
    let reply = natrs.json(&["request", "svc.echo", "ping", "-H", "k:v"]);
    assert_eq!(reply["data"], "ping");
    assert_eq!(reply["headers"]["k"][0], "v");
    assert!(reply["rtt_ns"].as_u64().unwrap() > 0);
    echo.interrupt();
    assert!(echo.wait_exit(WAIT).status.success());

    let mut fixed = natrs.spawn(&["reply", "svc.fixed", "pong", "--count", "1"]);
    fixed.wait_stderr("Listening on");
    let out = natrs.ok(&["request", "svc.fixed", "x"]);
    assert!(out.starts_with("Received with rtt "), "{out}");
    assert!(out.ends_with("\npong\n"), "{out}");
    assert!(fixed.wait_exit(WAIT).status.success());

    let mut command = natrs.spawn(&[
        "reply",
        "svc.cmd",
        "--command",
        "tr a-z A-Z",
        "--count",
        "1",
    ]);
    command.wait_stderr("Listening on");
    assert_eq!(
        natrs.ok(&["request", "svc.cmd", "shout", "--raw"]),
        "SHOUT\n"
    );
    assert!(command.wait_exit(WAIT).status.success());
}

#[test]
fn request_without_responders_fails_in_one_line() {
    let server = Server::start().unwrap();
    let natrs = Natrs::new(&server.url());
    natrs.fails(
        &["request", "nobody.home", "x"],
        "no responders on \"nobody.home\"",
    );
}

#[test]
fn rtt_reports_the_server() {
    let server = Server::start().unwrap();
    let natrs = Natrs::new(&server.url());
    let out = natrs.ok(&["rtt", "--iterations", "2"]);
    assert!(out.contains(&server.port().to_string()), "{out}");
    assert!(out.contains("(average of 2)"), "{out}");
    let json = natrs.json(&["rtt"]);
    assert_eq!(json["iterations"], 5);
}

#[test]
fn bad_input_gives_one_line_errors_and_failure() {
    let server = Server::start().unwrap();
    let natrs = Natrs::new(&server.url());
    natrs.fails(&["pub", "bad subject", "x"], "invalid subject");
    natrs.fails(&["pub", "a", "x", "-H", "nocolon"], "invalid header");
    natrs.fails(&["sub", "a..b"], "invalid subject");
}

#[test]
fn unreachable_server_is_a_one_line_error() {
    let natrs = Natrs::new("nats://127.0.0.1:1");
    let line = natrs.fails(&["pub", "a", "x"], "cannot connect to nats://127.0.0.1:1");
    assert!(line.len() < 300, "{line}");
}

#[test]
fn wrong_credentials_are_refused_in_one_line() {
    let server = ServerConfig::new()
        .jetstream(false)
        .config("authorization { user: alice, password: secret }")
        .start()
        .unwrap();
    let natrs = Natrs::new(&server.url());
    let out = natrs.run(&["--user", "alice", "--password", "wrong", "pub", "a", "x"]);
    assert!(!out.status.success());
    let line = one_line_error(&out.stderr, "authorization violation");
    assert!(!line.contains("wrong"), "the password leaked: {line}");
    natrs.ok(&["--user", "alice", "--password", "secret", "pub", "a", "x"]);
    natrs.fails(
        &["--creds", "/nonexistent.creds", "pub", "a", "x"],
        "nonexistent.creds",
    );
}

/// The subcommands a help text lists (without `help`).
fn subcommands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .filter(|name| name != "help")
        .collect()
}

#[test]
fn every_command_has_help_with_an_example() {
    let natrs = Natrs::without_server();
    let mut todo = vec![Vec::<String>::new()];
    let mut seen = 0;
    while let Some(path) = todo.pop() {
        let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
        args.push("--help");
        let help = natrs.ok(&args);
        assert!(
            help.contains("Example"),
            "{path:?} help has no example: {help}"
        );
        assert!(
            help.contains("\n  natrs "),
            "{path:?} example does not run natrs: {help}"
        );
        for sub in subcommands(&help) {
            let mut next = path.clone();
            next.push(sub);
            todo.push(next);
        }
        seen += 1;
    }
    assert!(seen > 30, "only {seen} commands found");
}

#[test]
fn completions_for_three_shells() {
    let natrs = Natrs::without_server();
    assert!(natrs.ok(&["completions", "bash"]).contains("complete -F"));
    assert!(natrs.ok(&["completions", "zsh"]).contains("#compdef natrs"));
    assert!(
        natrs
            .ok(&["completions", "fish"])
            .contains("complete -c natrs")
    );
    let out = natrs.run(&["completions", "tcsh"]);
    assert!(!out.status.success());
}

#[test]
fn sub_headers_only_leaves_the_body_out() {
    let server = Server::start().unwrap();
    let natrs = Natrs::new(&server.url());
    let mut sub = natrs.spawn(&["sub", "h", "--count", "1", "--headers-only"]);
    sub.wait_stderr("Subscribing on h");
    natrs.ok(&["pub", "h", "secret-body", "-H", "trace:abc"]);
    let out = sub.wait_exit(WAIT);
    assert!(out.stdout.contains("trace: abc"), "{}", out.stdout);
    assert!(!out.stdout.contains("secret-body"), "{}", out.stdout);
}
