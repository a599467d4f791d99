//! `natrs object ...`, the path rule of `object get`, and progress bars on a
//! terminal only.

use crate::support::{Natrs, WAIT, temp_file};
use natrs_tests::Server;
use std::process::Command;

fn payload(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 % 251) as u8).collect()
}

#[test]
fn put_get_info_ls_link_seal_rm() {
    let server = Server::start().unwrap();
    let natrs = Natrs::new(&server.url());
    let dir = tempfile::tempdir().unwrap();
    let data = payload(300_000);
    let file = temp_file(dir.path(), "report.bin", &data);

    let status = natrs.json(&["object", "add", "files", "--description", "docs"]);
    assert_eq!(status["bucket"], "files");
    let info = natrs.json(&["object", "put", "files", file.to_str().unwrap()]);
    assert_eq!(info["name"], "report.bin");
    assert_eq!(info["size"], 300_000);
    assert!(info["digest"].as_str().unwrap().starts_with("SHA-256="));
    let out = natrs.run_with_input(
        &["object", "put", "files", "--name", "notes.txt"],
        b"some notes",
    );
    assert!(out.status.success(), "{}", out.stderr);

    let out_file = dir.path().join("copy.bin");
    natrs.ok(&[
        "object",
        "get",
        "files",
        "report.bin",
        "--output",
        out_file.to_str().unwrap(),
    ]);
    assert_eq!(std::fs::read(&out_file).unwrap(), data);
    natrs.fails(
        &[
            "object",
            "get",
            "files",
            "report.bin",
            "--output",
            out_file.to_str().unwrap(),
        ],
        "exists; use --force",
    );
    natrs.ok(&[
        "object",
        "get",
        "files",
        "report.bin",
        "-O",
        out_file.to_str().unwrap(),
        "--force",
    ]);
    assert_eq!(
        natrs.ok(&["object", "get", "files", "notes.txt", "--output", "-"]),
        "some notes"
    );
    natrs.ok(&[
        "object",
        "get",
        "files",
        "notes.txt",
        "--dir",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(
        std::fs::read(dir.path().join("notes.txt")).unwrap(),
        b"some notes"
    );

    let table = natrs.ok(&["object", "info", "files", "report.bin"]);
    assert!(
        table.contains("Digest") && table.contains("SHA-256="),
        "{table}"
    );
    let ls = natrs.ok(&["object", "ls", "files"]);
    assert!(
        ls.contains("report.bin") && ls.contains("notes.txt"),
        "{ls}"
    );
    let stores = natrs.json(&["object", "ls"]);
    assert_eq!(stores[0]["bucket"], "files");
    assert!(natrs.ok(&["object", "status", "files"]).contains("docs"));

    natrs.ok(&["object", "link", "files", "latest.bin", "report.bin"]);
    let linked = dir.path().join("linked.bin");
    natrs.ok(&[
        "object",
        "get",
        "files",
        "latest.bin",
        "-O",
        linked.to_str().unwrap(),
    ]);
    assert_eq!(std::fs::read(&linked).unwrap(), data);

    natrs.ok(&["object", "rm", "files", "notes.txt", "--force"]);
    natrs.fails(&["object", "info", "files", "notes.txt"], "not found");
    natrs.ok(&["object", "seal", "files", "--force"]);
    natrs.fails(
        &["object", "put", "files", file.to_str().unwrap()],
        "sealed",
    );
    natrs.ok(&["object", "rm", "files", "--force"]);
    natrs.fails(&["object", "ls", "files"], "object store files not found");
}

#[test]
fn get_never_writes_outside_the_directory() {
    let server = Server::start().unwrap();
    let natrs = Natrs::new(&server.url());
    natrs.ok(&["object", "add", "evil"]);
    // A NUL cannot be passed in an argument, so the CLI never asks for
    // such a name; the unit test of `sanitize` refuses it.
    let names = [
        "../../etc/passwd",
        "/etc/passwd",
        "a/../../x",
        "new\nline",
        "dir/./x",
    ];
    // Stored through the library, as any client could name them.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let client = natrs_tokio::connect(server.url()).await.unwrap();
        let js = natrs_tokio::jetstream::JetStream::new(client);
        let store = js.object_store("evil").await.unwrap();
        for name in names {
            store.put_bytes(name, b"pwned".to_vec()).await.unwrap();
        }
        store
            .put_bytes("sub/ok.txt", b"fine".to_vec())
            .await
            .unwrap();
    });
    let root = tempfile::tempdir().unwrap();
    let out_dir = root.path().join("a").join("b");
    std::fs::create_dir_all(&out_dir).unwrap();
    for name in names {
        let line = natrs.fails(
            &[
                "object",
                "get",
                "evil",
                name,
                "--dir",
                out_dir.to_str().unwrap(),
            ],
            "refusing to write",
        );
        assert!(line.contains("object name"), "{line}");
    }
    // Nothing was written anywhere under the root, or at /etc/passwd's
    // relative spots.
    let mut written = Vec::new();
    let mut todo = vec![root.path().to_path_buf()];
    while let Some(dir) = todo.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                todo.push(path);
            } else {
                written.push(path);
            }
        }
    }
    assert!(written.is_empty(), "files written: {written:?}");
    // A plain relative name with a directory stays inside.
    natrs.ok(&[
        "object",
        "get",
        "evil",
        "sub/ok.txt",
        "--dir",
        out_dir.to_str().unwrap(),
    ]);
    assert_eq!(std::fs::read(out_dir.join("sub/ok.txt")).unwrap(), b"fine");
}

#[test]
fn watch_ends_on_ctrl_c() {
    let server = Server::start().unwrap();
    let natrs = Natrs::new(&server.url());
    natrs.ok(&["object", "add", "w"]);
    let mut watch = natrs.spawn(&["object", "watch", "w"]);
    watch.wait_stderr("Watching store w");
    let out = natrs.run_with_input(&["object", "put", "w", "--name", "x"], b"data");
    assert!(out.status.success(), "{}", out.stderr);
    watch.wait_stdout_count("PUT w > x", 1);
    watch.interrupt();
    assert!(watch.wait_exit(WAIT).status.success());
}

/// Progress bars are drawn on a terminal and not when stderr is a pipe.
/// The terminal is a pseudo-terminal from util-linux's `script`, which the
/// machines and CI have, so no pty crate is needed.
#[test]
fn progress_bars_on_a_terminal_only() {
    let server = Server::start().unwrap();
    let natrs = Natrs::new(&server.url());
    natrs.ok(&["object", "add", "bars"]);
    let dir = tempfile::tempdir().unwrap();
    let file = temp_file(dir.path(), "big.bin", &payload(3 * 1024 * 1024));
    let args = ["object", "put", "bars", file.to_str().unwrap()];

    // Piped: no bar.
    let out = natrs.run(&args);
    assert!(out.status.success(), "{}", out.stderr);
    assert!(!out.stderr.contains("3.00 MiB/3.00 MiB"), "{}", out.stderr);
    assert!(
        out.stderr.contains("Stored bars > big.bin"),
        "{}",
        out.stderr
    );

    // On a terminal: the bar, ending at the full size.
    let text = in_terminal(&natrs, &args, None);
    assert!(
        text.contains("3.00 MiB/3.00 MiB"),
        "no progress bar on the terminal: {text:?}"
    );
    assert!(text.contains("big.bin ["), "{text:?}");

    // From stdin the size is unknown: a byte counter instead.
    let stdin_args = ["object", "put", "bars", "--name", "piped.bin"];
    let text = in_terminal(&natrs, &stdin_args, Some(&file));
    assert!(
        text.contains("piped.bin") && text.contains("3.00 MiB"),
        "{text:?}"
    );

    // A bar per bench client on a terminal, none when piped.
    let bench = ["bench", "pub", "p.x", "--clients", "2", "--msgs", "2000"];
    let out = natrs.run(&bench);
    assert!(out.status.success(), "{}", out.stderr);
    assert!(!out.stderr.contains("client"), "{}", out.stderr);
    let text = in_terminal(&natrs, &bench, None);
    assert!(
        text.contains("client   0 [") && text.contains("client   1 ["),
        "{text:?}"
    );
    assert!(text.contains("1000/1000 msgs"), "{text:?}");
}

/// Runs the tool in a pseudo-terminal; returns what the terminal showed.
pub(crate) fn in_terminal(natrs: &Natrs, args: &[&str], stdin: Option<&std::path::Path>) -> String {
    let cmd = natrs.command(args);
    let mut line = format!(
        "stty cols 120 rows 40; '{}'",
        cmd.get_program().to_str().unwrap()
    );
    for arg in cmd.get_args() {
        line.push_str(&format!(" '{}'", arg.to_str().unwrap()));
    }
    if let Some(path) = stdin {
        line.push_str(&format!(" < '{}'", path.to_str().unwrap()));
    }
    let mut script = Command::new("script");
    script.args(["-q", "-e", "-c", &line, "/dev/null"]);
    for (key, value) in cmd.get_envs() {
        match value {
            Some(value) => script.env(key, value),
            None => script.env_remove(key),
        };
    }
    let out = script
        .stdin(std::process::Stdio::null())
        .output()
        .expect("util-linux script runs");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{text}");
    text
}
