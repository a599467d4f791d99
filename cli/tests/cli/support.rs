//! Running the built `natrs` binary against harness servers.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Bound of every wait for the tool.
pub(crate) const WAIT: Duration = Duration::from_secs(60);

/// The tool, pointed at one server (or none), with its own config dir so
/// no context of the machine is used.
pub(crate) struct Natrs {
    url: Option<String>,
    config: tempfile::TempDir,
}

/// What a finished run printed.
#[derive(Debug)]
pub(crate) struct Out {
    pub(crate) status: ExitStatus,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

impl Natrs {
    /// The tool talking to `url`.
    pub(crate) fn new(url: &str) -> Natrs {
        Natrs {
            url: Some(url.to_string()),
            config: tempfile::tempdir().expect("a temp dir"),
        }
    }

    /// The tool with no `--server`: it connects as its context says.
    pub(crate) fn without_server() -> Natrs {
        Natrs {
            url: None,
            config: tempfile::tempdir().expect("a temp dir"),
        }
    }

    /// `$XDG_CONFIG_HOME` of its runs.
    pub(crate) fn config_dir(&self) -> &Path {
        self.config.path()
    }

    /// The command for `args`.
    pub(crate) fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_natrs"));
        for var in [
            "NATS_URL",
            "NATS_USER",
            "NATS_PASSWORD",
            "NATS_TOKEN",
            "NATS_CREDS",
            "NATS_NKEY",
            "NATS_CERT",
            "NATS_KEY",
            "NATS_CA",
            "NATS_TIMEOUT",
            "NATS_CONTEXT",
        ] {
            cmd.env_remove(var);
        }
        cmd.env("XDG_CONFIG_HOME", self.config.path());
        cmd.env("HOME", self.config.path());
        if let Some(url) = &self.url {
            cmd.arg("--server").arg(url);
        }
        cmd.args(args);
        cmd
    }

    /// Runs to the end with empty stdin.
    pub(crate) fn run(&self, args: &[&str]) -> Out {
        self.run_with_input(args, b"")
    }

    /// Runs to the end with `input` on stdin.
    pub(crate) fn run_with_input(&self, args: &[&str], input: &[u8]) -> Out {
        let mut child = self
            .command(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("natrs starts");
        let mut stdin = child.stdin.take().expect("stdin");
        let input = input.to_vec();
        let writer = std::thread::spawn(move || {
            use std::io::Write;
            let _ = stdin.write_all(&input);
        });
        let running = Running::new(child);
        let out = running.wait_exit(WAIT);
        writer.join().expect("stdin writer");
        out
    }

    /// Runs and expects success; returns stdout.
    pub(crate) fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "natrs {args:?} failed: {}\nstdout: {}",
            out.stderr,
            out.stdout
        );
        out.stdout
    }

    /// Runs `args` with `--json` and parses stdout.
    pub(crate) fn json(&self, args: &[&str]) -> serde_json::Value {
        let mut all = args.to_vec();
        all.push("--json");
        let stdout = self.ok(&all);
        serde_json::from_str(&stdout)
            .unwrap_or_else(|e| panic!("natrs {all:?} printed no JSON ({e}): {stdout}"))
    }

    /// Runs and expects a failure with a one-line error containing `text`;
    /// returns the error line.
    pub(crate) fn fails(&self, args: &[&str], text: &str) -> String {
        let out = self.run(args);
        assert!(
            !out.status.success(),
            "natrs {args:?} succeeded: {}",
            out.stdout
        );
        one_line_error(&out.stderr, text)
    }

    /// Starts a long-running command with stdout and stderr collected.
    pub(crate) fn spawn(&self, args: &[&str]) -> Running {
        let child = self
            .command(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("natrs starts");
        Running::new(child)
    }
}

/// Checks that `stderr` is one `natrs: error:` line containing `text`, and
/// no Rust `Debug` dump.
pub(crate) fn one_line_error(stderr: &str, text: &str) -> String {
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "not one error line: {stderr:?}");
    let line = lines[0];
    assert!(line.starts_with("natrs: error: "), "{line:?}");
    assert!(line.contains(text), "{line:?} does not say {text:?}");
    for debug in ["Error {", "Some(", "kind:", "\")"] {
        assert!(!line.contains(debug), "a Debug dump in {line:?}");
    }
    line.to_string()
}

/// A running `natrs`, its output collected by threads.
pub(crate) struct Running {
    child: Child,
    stdout: Arc<Mutex<String>>,
    stderr: Arc<Mutex<String>>,
    readers: Vec<std::thread::JoinHandle<()>>,
}

impl Running {
    fn new(mut child: Child) -> Running {
        let stdout = Arc::new(Mutex::new(String::new()));
        let stderr = Arc::new(Mutex::new(String::new()));
        let mut readers = Vec::new();
        if let Some(out) = child.stdout.take() {
            readers.push(collect(out, stdout.clone()));
        }
        if let Some(err) = child.stderr.take() {
            readers.push(collect(err, stderr.clone()));
        }
        Running {
            child,
            stdout,
            stderr,
            readers,
        }
    }

    /// Stdout so far.
    pub(crate) fn stdout(&self) -> String {
        self.stdout.lock().unwrap().clone()
    }

    /// Stderr so far.
    pub(crate) fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Waits until stderr contains `text`.
    pub(crate) fn wait_stderr(&mut self, text: &str) {
        self.wait_until(&format!("stderr to say {text:?}"), |r| {
            r.stderr().contains(text)
        });
    }

    /// Waits until stdout contains `text` `n` times.
    pub(crate) fn wait_stdout_count(&mut self, text: &str, n: usize) {
        self.wait_until(&format!("{n} times {text:?} on stdout"), |r| {
            r.stdout().matches(text).count() >= n
        });
    }

    fn wait_until(&mut self, what: &str, done: impl Fn(&Running) -> bool) {
        let deadline = Instant::now() + WAIT;
        while !done(self) {
            if let Ok(Some(status)) = self.child.try_wait() {
                // The readers end when the pipes close: take the last output.
                while !self.readers.iter().all(|r| r.is_finished()) {
                    std::thread::sleep(Duration::from_millis(10));
                }
                if done(self) {
                    return;
                }
                panic!(
                    "natrs exited ({status}) before {what}: stdout {:?} stderr {:?}",
                    self.stdout(),
                    self.stderr()
                );
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}: stdout {:?} stderr {:?}",
                self.stdout(),
                self.stderr()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Sends SIGINT, as Ctrl-C does.
    pub(crate) fn interrupt(&self) {
        let pid = libc::pid_t::try_from(self.child.id()).expect("a pid");
        // SAFETY: kill has no memory effects; the pid is our own child's.
        let rc = unsafe { libc::kill(pid, libc::SIGINT) };
        assert_eq!(rc, 0, "kill failed");
    }

    /// Waits for the exit (killing it after `timeout`) and returns what it
    /// printed.
    pub(crate) fn wait_exit(mut self, timeout: Duration) -> Out {
        let deadline = Instant::now() + timeout;
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                break status;
            }
            if Instant::now() >= deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!(
                    "natrs did not exit within {timeout:?}: stdout {:?} stderr {:?}",
                    self.stdout(),
                    self.stderr()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        for reader in self.readers.drain(..) {
            reader.join().expect("reader");
        }
        Out {
            status,
            stdout: self.stdout(),
            stderr: self.stderr(),
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn collect(
    source: impl Read + Send + 'static,
    into: Arc<Mutex<String>>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let mut reader = BufReader::new(source);
        let mut line = Vec::new();
        while let Ok(n) = reader.read_until(b'\n', &mut line) {
            if n == 0 {
                break;
            }
            into.lock()
                .unwrap()
                .push_str(&String::from_utf8_lossy(&line));
            line.clear();
        }
    })
}

/// A temp file holding `contents`.
pub(crate) fn temp_file(dir: &Path, name: &str, contents: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, contents).expect("write a temp file");
    path
}
