//! `natrs-mem` on every runtime against a real server: the five stages in
//! order, each with its numbers, and the queued stage only once every
//! message is in the queue (the program fails otherwise).

use std::process::Command;

const STAGES: [&str; 5] = [
    "start",
    "idle_connection",
    "second_connection",
    "subscriptions_10000",
    "queued_100000x16",
];

/// The value of `key=` in a `MEM` line, as a number.
fn field(line: &str, key: &str) -> i64 {
    let prefix = format!("{key}=");
    line.split_whitespace()
        .find_map(|t| t.strip_prefix(prefix.as_str()))
        .unwrap_or_else(|| panic!("no {key} in {line}"))
        .parse()
        .unwrap_or_else(|e| panic!("{key} in {line}: {e}"))
}

#[test]
fn every_runtime_prints_every_stage() {
    let server = natrs_tests::Server::start().expect("start nats-server");
    for runtime in ["tokio", "async-std", "blocking"] {
        let out = Command::new(env!("CARGO_BIN_EXE_natrs-mem"))
            .args(["--runtime", runtime, &server.url()])
            .output()
            .expect("run natrs-mem");
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(
            out.status.success(),
            "{runtime}: {:?}\n{text}{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), STAGES.len(), "{runtime}:\n{text}");
        let mut last_rss = 0;
        for (line, stage) in lines.iter().zip(STAGES) {
            let head = format!("MEM client=natrs-{runtime} stage={stage} ");
            assert!(line.starts_with(&head), "{runtime}: {line}");
            let rss = field(line, "rss_kib");
            assert!(rss > 0, "{line}");
            assert!(field(line, "hwm_kib") >= rss, "{line}");
            assert_eq!(field(line, "delta_kib"), rss - last_rss, "{line}");
            assert!(field(line, "anon_kib") > 0, "{line}");
            last_rss = rss;
        }
        // 10,000 subscriptions take room, whatever the runtime.
        assert!(field(lines[3], "anon_delta_kib") > 0, "{}", lines[3]);
    }
}

#[test]
fn bad_arguments_print_the_usage_and_fail() {
    for args in [&[][..], &["--runtime", "tokio"], &["--runtime"]] {
        let out = Command::new(env!("CARGO_BIN_EXE_natrs-mem"))
            .args(args)
            .output()
            .expect("run natrs-mem");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let text = String::from_utf8(out.stderr).unwrap();
        assert!(text.starts_with("usage: natrs-mem"), "{args:?}: {text}");
    }
}
