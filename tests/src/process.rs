//! Low-level handling of one nats-server process: spawning, the ports file, readiness,
//! signals and stopping. Everything is addressed by the child's own pid.

use std::fs;
use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::binary::tail_lines;
use crate::error::{HarnessError, Result};
use crate::wait::poll_until;

/// How many log lines a start error carries.
pub(crate) const LOG_TAIL_LINES: usize = 40;

/// The listen addresses a server wrote to its ports file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Ports {
    pub(crate) client: SocketAddr,
    pub(crate) monitoring: Option<SocketAddr>,
    pub(crate) cluster: Option<SocketAddr>,
    pub(crate) websocket: Option<SocketAddr>,
}

/// What a fresh client connection sees first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Greeting {
    /// A plain-text `INFO` line.
    Info,
    /// Nothing until the client starts TLS (`handshake_first`).
    TlsFirst,
}

/// Starts `binary` with `args`, stdout and stderr appended to `log`.
pub(crate) fn spawn(binary: &Path, args: &[String], log: &Path) -> Result<Child> {
    let out = fs::File::options()
        .create(true)
        .append(true)
        .open(log)
        .map_err(|e| HarnessError::io(format!("opening {}", log.display()), e))?;
    let err = out
        .try_clone()
        .map_err(|e| HarnessError::io("duplicating the log file handle", e))?;
    Command::new(binary)
        .args(args)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .map_err(|e| HarnessError::io(format!("spawning {}", binary.display()), e))
}

/// Waits until the server `child` wrote its ports file into `ports_dir` and accepts a
/// client connection that greets as `greeting` says. Fails at once if the process exits.
pub(crate) fn wait_ready(
    child: &mut Child,
    ports_dir: &Path,
    log: &Path,
    greeting: Greeting,
    timeout: Duration,
) -> Result<Ports> {
    let pid = child.id();
    let started = Instant::now();
    let found = poll_until("the nats-server ports file", timeout, || {
        if let Some(status) = child
            .try_wait()
            .map_err(|e| HarnessError::io("checking the nats-server process", e))?
        {
            return Err(start_error(format!("the process exited ({status})"), log));
        }
        Ok(read_ports_file(ports_dir, pid))
    });
    let ports = match found {
        Ok(p) => p,
        Err(HarnessError::Timeout { waited, .. }) => {
            return Err(start_error(
                format!("no ports file from pid {pid} after {waited:?}"),
                log,
            ));
        }
        Err(e) => return Err(e),
    };
    let remaining = timeout
        .saturating_sub(started.elapsed())
        .max(Duration::from_secs(1));
    probe_client_port(ports.client, greeting, remaining).map_err(|e| {
        start_error(
            format!("client port {} not answering: {e}", ports.client),
            log,
        )
    })?;
    Ok(ports)
}

/// A start error carrying the tail of the server log.
pub(crate) fn start_error(reason: String, log: &Path) -> HarnessError {
    HarnessError::Start {
        reason,
        log_tail: read_log_tail(log, LOG_TAIL_LINES),
    }
}

/// Whether a start failed because a port was already bound by someone else.
pub(crate) fn is_port_in_use(e: &HarnessError) -> bool {
    matches!(e, HarnessError::Start { log_tail, .. } if log_tail.contains("address already in use"))
}

/// The last `n` lines of the log at `path` (or why it could not be read).
pub(crate) fn read_log_tail(path: &Path, n: usize) -> String {
    match fs::read(path) {
        Ok(bytes) => tail_lines(&String::from_utf8_lossy(&bytes), n),
        Err(e) => format!("(could not read {}: {e})", path.display()),
    }
}

/// Reads `<dir>/<anything>_<pid>.ports` (nats-server names it after its executable);
/// `None` while it is missing or only partly written.
fn read_ports_file(dir: &Path, pid: u32) -> Option<Ports> {
    let suffix = format!("_{pid}.ports");
    let path: PathBuf = fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.ends_with(&suffix))
        })?;
    let text = fs::read_to_string(path).ok()?;
    parse_ports(&text)
}

/// Parses a ports file: `{"nats":["nats://127.0.0.1:4222"],"monitoring":[...],...}`.
fn parse_ports(text: &str) -> Option<Ports> {
    let json: serde_json::Value = serde_json::from_str(text).ok()?;
    let first = |key: &str| -> Option<SocketAddr> {
        let url = json.get(key)?.as_array()?.first()?.as_str()?;
        url_addr(url)
    };
    Some(Ports {
        client: first("nats")?,
        monitoring: first("monitoring"),
        cluster: first("cluster"),
        websocket: first("websocket"),
    })
}

/// The socket address of `scheme://host:port[/...]`.
fn url_addr(url: &str) -> Option<SocketAddr> {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let host_port = rest.split('/').next()?;
    host_port.to_socket_addrs().ok()?.next()
}

/// Connects to a client port and checks the greeting.
fn probe_client_port(addr: SocketAddr, greeting: Greeting, timeout: Duration) -> Result<()> {
    let stream = TcpStream::connect_timeout(&addr, timeout)
        .map_err(|e| HarnessError::io(format!("connecting to {addr}"), e))?;
    if greeting == Greeting::TlsFirst {
        return Ok(());
    }
    stream
        .set_read_timeout(Some(timeout))
        .map_err(|e| HarnessError::io("setting a read timeout", e))?;
    let mut line = String::new();
    BufReader::new(stream)
        .read_line(&mut line)
        .map_err(|e| HarnessError::io(format!("reading INFO from {addr}"), e))?;
    if line.starts_with("INFO ") {
        Ok(())
    } else {
        Err(HarnessError::Protocol(format!(
            "expected INFO from {addr}, got {line:?}"
        )))
    }
}

/// Sends `signal` to the live child; an error if it already exited.
pub(crate) fn signal(child: &mut Child, signal: libc::c_int) -> Result<()> {
    if child
        .try_wait()
        .map_err(|e| HarnessError::io("checking the nats-server process", e))?
        .is_some()
    {
        return Err(HarnessError::Usage(format!(
            "nats-server pid {} already exited",
            child.id()
        )));
    }
    let pid = libc::pid_t::try_from(child.id())
        .map_err(|_| HarnessError::Usage(format!("pid {} out of range", child.id())))?;
    // SAFETY: kill(2) has no memory-safety preconditions; the pid is our own unreaped
    // child (checked above), so it cannot name another process.
    let rc = unsafe { libc::kill(pid, signal) };
    if rc == 0 {
        Ok(())
    } else {
        Err(HarnessError::io(
            format!("sending signal {signal} to pid {pid}"),
            std::io::Error::last_os_error(),
        ))
    }
}

/// Whether `/proc` says the process is stopped (`T`); `None` without a readable `/proc`.
pub(crate) fn is_stopped(pid: u32) -> Option<bool> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The state follows the parenthesised command name, which may itself hold ')'.
    let state = stat.rsplit_once(')')?.1.split_whitespace().next()?;
    Some(state == "T" || state == "t")
}

/// Stops the child: SIGCONT (in case it is paused) and SIGTERM, then SIGKILL if it has
/// not exited within `grace`. Always reaps it.
pub(crate) fn terminate(child: &mut Child, grace: Duration) -> Result<()> {
    begin_terminate(child);
    finish_terminate(child, grace)
}

/// The first half of [`terminate`]: sends SIGCONT and SIGTERM if the child is alive.
pub(crate) fn begin_terminate(child: &mut Child) {
    if matches!(child.try_wait(), Ok(None)) {
        // Errors mean it exited meanwhile; the wait below settles it either way.
        let _ = signal(child, libc::SIGCONT);
        let _ = signal(child, libc::SIGTERM);
    }
}

/// The second half of [`terminate`]: waits up to `grace`, then SIGKILL, then reaps.
pub(crate) fn finish_terminate(child: &mut Child, grace: Duration) -> Result<()> {
    let exited = poll_until("nats-server to exit", grace, || {
        child
            .try_wait()
            .map(|s| s.map(|_| ()))
            .map_err(|e| HarnessError::io("waiting for nats-server", e))
    });
    if exited.is_err() {
        let _ = child.kill();
    }
    child
        .wait()
        .map_err(|e| HarnessError::io("reaping nats-server", e))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_ports_files() {
        let p = parse_ports(
            r#"{"nats":["nats://127.0.0.1:4222"],"monitoring":["http://127.0.0.1:8222"],"cluster":["nats://127.0.0.1:6222"]}"#,
        )
        .unwrap();
        assert_eq!(p.client, "127.0.0.1:4222".parse().unwrap());
        assert_eq!(p.monitoring, Some("127.0.0.1:8222".parse().unwrap()));
        assert_eq!(p.cluster, Some("127.0.0.1:6222".parse().unwrap()));
        let tls = parse_ports(r#"{"nats":["tls://127.0.0.1:4443"]}"#).unwrap();
        assert_eq!(tls.client.port(), 4443);
        assert_eq!(tls.monitoring, None);
        assert!(parse_ports(r#"{"nats":["#).is_none());
        assert!(parse_ports(r#"{"monitoring":["http://127.0.0.1:1"]}"#).is_none());
    }

    #[test]
    fn reads_own_process_state() {
        assert_eq!(is_stopped(std::process::id()), Some(false));
    }
}
