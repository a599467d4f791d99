//! `nats-bench --help` (and `-h`) prints the usage on stdout and succeeds;
//! arguments it cannot read print the usage on stderr and fail with 2.

use std::process::Command;

/// Every scenario `nats-bench` runs; the usage must name each.
const SCENARIOS: [&str; 12] = [
    "pub",
    "pubsub",
    "reqrep",
    "js_pub",
    "js_fetch",
    "kv_put",
    "kv_get",
    "obj_put",
    "obj_get",
    "fanout",
    "subs_many",
    "reqrep_load",
];

fn nats_bench(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_nats-bench"))
        .args(args)
        .output()
        .expect("run nats-bench")
}

#[test]
fn help_prints_the_usage() {
    for flag in ["--help", "-h"] {
        let out = nats_bench(&[flag]);
        assert!(out.status.success(), "{flag}: {:?}", out.status);
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(text.starts_with("usage: nats-bench [--runtime "), "{text}");
        for scenario in SCENARIOS {
            assert!(
                text.lines()
                    .any(|l| l.trim_start().starts_with(&format!("{scenario} "))),
                "{flag}: the usage does not list {scenario}:\n{text}"
            );
        }
        assert!(out.stderr.is_empty(), "{flag}: nothing on stderr");
    }
}

#[test]
fn bad_arguments_print_the_usage_and_fail() {
    for args in [&[][..], &["pub", "local", "ten", "16"], &["--runtime"]] {
        let out = nats_bench(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let text = String::from_utf8(out.stderr).unwrap();
        assert!(text.starts_with("usage: nats-bench"), "{args:?}: {text}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}
