//! One nats-server process on an ephemeral loopback port: [`ServerConfig`] and [`Server`].

use std::fmt::Write as _;
use std::fs;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Child;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use crate::binary::server_binary;
use crate::error::{HarnessError, Result};
use crate::monitor;
use crate::process::{self, Greeting, Ports};
use crate::raw_client::RawClient;
use crate::wait::try_wait_for;

/// The loopback address every harness server listens on.
pub const HOST: &str = "127.0.0.1";

/// How long [`Server`] waits for a server to come up unless told otherwise.
pub const DEFAULT_START_TIMEOUT: Duration = Duration::from_secs(20);

/// How long [`Server`] waits after SIGTERM before it sends SIGKILL, unless told otherwise.
pub const DEFAULT_STOP_TIMEOUT: Duration = Duration::from_secs(10);

/// How many times [`Server::restart`] tries when a port is still taken.
const PORT_BUSY_ATTEMPTS: u32 = 10;

/// The pause between two such tries.
const PORT_BUSY_PAUSE: Duration = Duration::from_millis(200);

/// How long pause/resume wait for the kernel to report the process stopped/running.
const SIGNAL_SETTLE_TIMEOUT: Duration = Duration::from_secs(5);

/// Credentials to put into a client URL (see [`Server::client_url_with`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum UrlAuth<'a> {
    /// `nats://user:pass@host:port`
    UserPass(&'a str, &'a str),
    /// `nats://token@host:port`
    Token(&'a str),
}

/// A `websocket {}` listener on loopback (see [`ServerConfig::websocket`]):
/// plain (`no_tls: true`) or TLS with the harness's certificates, with
/// compression on or off. Its port is ephemeral on the first start and kept
/// by [`Server::restart`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebSocketListener {
    /// The listener's `tls {}` block; `None` for `no_tls: true`.
    tls_block: Option<String>,
    compression: bool,
}

impl WebSocketListener {
    /// A plain listener (`ws://`), compression off.
    pub fn plain() -> WebSocketListener {
        WebSocketListener {
            tls_block: None,
            compression: false,
        }
    }

    /// A TLS listener (`wss://`) with `tls`'s server certificate (names
    /// `localhost` and `127.0.0.1`), compression off. Keep `tls` alive as long
    /// as the server: the files are in its temp dir.
    pub fn tls(tls: &crate::TlsMaterial) -> WebSocketListener {
        WebSocketListener {
            tls_block: Some(tls.server_config_block(crate::TlsOptions::new())),
            compression: false,
        }
    }

    /// `compression: true` in the block: the server compresses what it sends
    /// to clients that offer permessage-deflate.
    pub fn compression(mut self, on: bool) -> WebSocketListener {
        self.compression = on;
        self
    }

    /// Whether the listener is TLS (`wss://`).
    pub fn is_tls(&self) -> bool {
        self.tls_block.is_some()
    }

    /// The config block, listening on `port` (-1: ephemeral).
    fn block(&self, port: i32) -> String {
        let tls = match &self.tls_block {
            Some(block) => block.clone(),
            None => "no_tls: true\n".to_owned(),
        };
        format!(
            "websocket {{\n  host: {HOST}\n  port: {port}\n  compression: {}\n{tls}}}\n",
            self.compression
        )
    }
}

/// The system account's user (see [`ServerConfig::system_account`]):
/// `(user, password)`.
pub const SYSTEM_USER: (&str, &str) = ("sys", "sys");

/// The application account's user (see [`ServerConfig::system_account`]),
/// also the user of clients that connect without credentials.
pub const APP_USER: (&str, &str) = ("app", "app");

/// The config block of [`ServerConfig::system_account`].
pub const SYSTEM_ACCOUNT_CONFIG: &str = "accounts {
  SYS { users = [{user: sys, password: sys}] }
  APP { jetstream: enabled, users = [{user: app, password: app}] }
}
system_account: SYS
no_auth_user: app
";

/// The route settings of a cluster node (set by [`crate::Cluster`]).
#[derive(Debug, Clone)]
pub(crate) struct ClusterArgs {
    pub(crate) name: String,
    pub(crate) port: u16,
    pub(crate) routes: Vec<u16>,
}

/// How to start a [`Server`]: a builder, consumed by [`ServerConfig::start`].
///
/// Defaults: JetStream on with a store in the server's temp dir, no config file, no
/// monitoring port, a 20 s start timeout.
///
/// ```no_run
/// use natrs_tests::ServerConfig;
/// let server = ServerConfig::new()
///     .config("max_payload: 1024\nauthorization { token: s3cret }")
///     .monitoring(true)
///     .start()?;
/// println!("{}", server.url());
/// # Ok::<(), natrs_tests::HarnessError>(())
/// ```
#[derive(Debug, Clone)]
pub struct ServerConfig {
    jetstream: bool,
    config_text: Option<String>,
    monitoring: bool,
    server_name: Option<String>,
    extra_args: Vec<String>,
    start_timeout: Duration,
    stop_timeout: Duration,
    pub(crate) cluster: Option<ClusterArgs>,
    /// Config text the harness writes after the caller's (gateway and leaf node blocks).
    pub(crate) generated: Vec<String>,
    /// The gateway port written into `generated`, if any.
    pub(crate) gateway_port: Option<u16>,
    /// The leaf node listen port written into `generated`, if any.
    pub(crate) leafnode_port: Option<u16>,
    websocket: Option<WebSocketListener>,
    system_account: bool,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            jetstream: true,
            config_text: None,
            monitoring: false,
            server_name: None,
            extra_args: Vec::new(),
            start_timeout: DEFAULT_START_TIMEOUT,
            stop_timeout: DEFAULT_STOP_TIMEOUT,
            cluster: None,
            generated: Vec::new(),
            gateway_port: None,
            leafnode_port: None,
            websocket: None,
            system_account: false,
        }
    }
}

impl ServerConfig {
    /// The defaults (see the type docs).
    pub fn new() -> ServerConfig {
        ServerConfig::default()
    }

    /// JetStream on (`-js -sd <temp store>`, the default) or off.
    pub fn jetstream(mut self, on: bool) -> ServerConfig {
        self.jetstream = on;
        self
    }

    /// Config file text (nats-server's config syntax), written to `server.conf` in the
    /// server's temp dir and passed with `-c`. Replaces any earlier text.
    ///
    /// The harness's command-line flags win over the file: the listen host and port,
    /// the JetStream store dir, the monitoring port, the server name and cluster routes
    /// are always the harness's. A config containing `handshake_first` makes the
    /// readiness probe skip the plain-text INFO check.
    pub fn config(mut self, text: impl Into<String>) -> ServerConfig {
        self.config_text = Some(text.into());
        self
    }

    /// Appends `text` (on a new line) to the config file text.
    pub fn add_config(mut self, text: impl AsRef<str>) -> ServerConfig {
        let config = self.config_text.get_or_insert_with(String::new);
        if !config.is_empty() && !config.ends_with('\n') {
            config.push('\n');
        }
        config.push_str(text.as_ref());
        config.push('\n');
        self
    }

    /// A WebSocket listener besides the client port ([`Server::ws_url`]).
    pub fn websocket(mut self, listener: WebSocketListener) -> ServerConfig {
        self.websocket = Some(listener);
        self
    }

    /// A system account `SYS` with the user [`SYSTEM_USER`] (for the
    /// server's `$SYS` events, [`Server::system_url`]) and an application
    /// account `APP` with JetStream and the user [`APP_USER`], which clients
    /// without credentials are (`no_auth_user`). Written after the caller's
    /// config text ([`SYSTEM_ACCOUNT_CONFIG`]).
    pub fn system_account(mut self) -> ServerConfig {
        self.system_account = true;
        self
    }

    /// An HTTP monitoring port on loopback (`-m`, ephemeral on the first start).
    pub fn monitoring(mut self, on: bool) -> ServerConfig {
        self.monitoring = on;
        self
    }

    /// The server name (`--server_name`).
    pub fn server_name(mut self, name: impl Into<String>) -> ServerConfig {
        self.server_name = Some(name.into());
        self
    }

    /// One more command-line argument for nats-server (e.g. `-DV` for debug logs).
    pub fn arg(mut self, arg: impl Into<String>) -> ServerConfig {
        self.extra_args.push(arg.into());
        self
    }

    /// How long to wait for the server to come up (on start and on every restart).
    pub fn start_timeout(mut self, timeout: Duration) -> ServerConfig {
        self.start_timeout = timeout;
        self
    }

    /// How long to wait after SIGTERM before SIGKILL, on stop, restart and drop.
    pub fn stop_timeout(mut self, timeout: Duration) -> ServerConfig {
        self.stop_timeout = timeout;
        self
    }

    /// Starts the server and waits until it accepts clients.
    pub fn start(self) -> Result<Server> {
        Server::start_with(self)
    }

    /// The config file's text: the caller's, then the harness's generated blocks and
    /// the websocket block on `ws_port` (-1: ephemeral); `None` when there is none of
    /// them (no `-c` then).
    pub(crate) fn file_text(&self, ws_port: i32) -> Option<String> {
        let ws = self.websocket.as_ref().map(|w| w.block(ws_port));
        let system = self
            .system_account
            .then(|| SYSTEM_ACCOUNT_CONFIG.to_owned());
        if self.config_text.is_none()
            && self.generated.is_empty()
            && ws.is_none()
            && !self.system_account
        {
            return None;
        }
        let mut text = self.config_text.clone().unwrap_or_default();
        for block in self
            .generated
            .iter()
            .chain(ws.as_ref())
            .chain(system.as_ref())
        {
            if !text.is_empty() && !text.ends_with('\n') {
                text.push('\n');
            }
            text.push_str(block);
        }
        Some(text)
    }

    fn greeting(&self) -> Greeting {
        match &self.config_text {
            Some(text) if text.contains("handshake_first") => Greeting::TlsFirst,
            _ => Greeting::Info,
        }
    }
}

/// The process side of a [`Server`], behind a mutex so that every method takes `&self`.
#[derive(Debug)]
struct Proc {
    child: Option<Child>,
}

/// A running (or stopped, restartable) nats-server on `127.0.0.1`.
///
/// It owns a temp dir holding its config file, its log (`server.log`), its ports files and
/// its JetStream store. The first start picks ephemeral ports; [`Server::restart`] reuses
/// them and the store, so JetStream data survives. Dropping it stops the process (by its
/// own pid: SIGTERM, then SIGKILL after the stop timeout) and removes the temp dir; if
/// the thread is panicking, the log tail is printed to stderr first.
///
/// Every method takes `&self`, so a server can be shared between threads.
///
/// Readiness is checked by connecting a client that reads the INFO line and closes; the
/// server drops that connection on its own schedule, so a test that counts connections
/// (e.g. `max_connections: 1`) should first wait for `/varz` `connections` to be 0.
#[derive(Debug)]
pub struct Server {
    config: ServerConfig,
    binary: PathBuf,
    dir: tempfile::TempDir,
    ports: Ports,
    proc: Mutex<Proc>,
}

impl Server {
    /// Starts a server with the defaults: JetStream on, no config file.
    pub fn start() -> Result<Server> {
        ServerConfig::new().start()
    }

    /// A builder; the same as [`ServerConfig::new`].
    pub fn builder() -> ServerConfig {
        ServerConfig::new()
    }

    /// Starts a server as `config` says and waits until it accepts clients.
    pub fn start_with(config: ServerConfig) -> Result<Server> {
        let binary = server_binary()?;
        let dir = tempfile::Builder::new()
            .prefix("natrs-server-")
            .tempdir()
            .map_err(|e| HarnessError::io("creating the server temp dir", e))?;
        write_config_file(&config, dir.path(), -1)?;
        let args = build_args(&config, dir.path(), None);
        let log = dir.path().join("server.log");
        let mut child = process::spawn(&binary, &args, &log)?;
        let ports = match process::wait_ready(
            &mut child,
            dir.path(),
            &log,
            config.greeting(),
            config.start_timeout,
        ) {
            Ok(p) => p,
            Err(e) => {
                let _ = process::terminate(&mut child, config.stop_timeout);
                return Err(e);
            }
        };
        Ok(Server {
            config,
            binary,
            dir,
            ports,
            proc: Mutex::new(Proc { child: Some(child) }),
        })
    }

    /// `nats://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("nats://{}", self.ports.client)
    }

    /// The WebSocket URL, `ws://127.0.0.1:<port>` or `wss://...`; an error
    /// unless the server was started with [`ServerConfig::websocket`].
    pub fn ws_url(&self) -> Result<String> {
        let addr = self.ws_addr()?;
        let tls = self
            .config
            .websocket
            .as_ref()
            .is_some_and(WebSocketListener::is_tls);
        Ok(format!("{}://{addr}", if tls { "wss" } else { "ws" }))
    }

    /// The WebSocket listener's address; an error unless there is one.
    pub fn ws_addr(&self) -> Result<SocketAddr> {
        self.ports.websocket.ok_or_else(|| {
            HarnessError::Usage("the server was started without a websocket listener".to_owned())
        })
    }

    /// The URL of the system account's user,
    /// `nats://sys:sys@127.0.0.1:<port>` (see [`ServerConfig::system_account`]).
    pub fn system_url(&self) -> String {
        self.client_url_with(UrlAuth::UserPass(SYSTEM_USER.0, SYSTEM_USER.1))
    }

    /// `tls://127.0.0.1:<port>` (for clients that must require TLS).
    pub fn tls_url(&self) -> String {
        format!("tls://{}", self.ports.client)
    }

    /// The URL with credentials in it: `nats://user:pass@127.0.0.1:<port>` or
    /// `nats://token@127.0.0.1:<port>` (percent-encoded as needed).
    pub fn client_url_with(&self, auth: UrlAuth<'_>) -> String {
        let userinfo = match auth {
            UrlAuth::UserPass(user, pass) => {
                format!("{}:{}", percent_encode(user), percent_encode(pass))
            }
            UrlAuth::Token(token) => percent_encode(token),
        };
        format!("nats://{userinfo}@{}", self.ports.client)
    }

    /// The client port (the same across restarts).
    pub fn port(&self) -> u16 {
        self.ports.client.port()
    }

    /// The listen host, always `127.0.0.1`.
    pub fn host(&self) -> &'static str {
        HOST
    }

    /// The client address, `127.0.0.1:<port>`.
    pub fn addr(&self) -> SocketAddr {
        self.ports.client
    }

    /// The monitoring address; an error unless monitoring was enabled.
    pub fn monitoring_addr(&self) -> Result<SocketAddr> {
        self.ports.monitoring.ok_or_else(|| {
            HarnessError::Usage("the server was started without monitoring".to_owned())
        })
    }

    /// `http://127.0.0.1:<monitoring port>`; an error unless monitoring was enabled.
    pub fn monitoring_url(&self) -> Result<String> {
        Ok(format!("http://{}", self.monitoring_addr()?))
    }

    /// The cluster (route) port of a cluster node.
    pub fn cluster_port(&self) -> Option<u16> {
        self.ports.cluster.map(|a| a.port())
    }

    /// The gateway port of a supercluster node (see [`crate::Supercluster`]).
    pub fn gateway_port(&self) -> Option<u16> {
        self.config.gateway_port
    }

    /// The port this server accepts leaf node connections on (a hub of a
    /// [`crate::LeafNode`]).
    pub fn leafnode_port(&self) -> Option<u16> {
        self.config.leafnode_port
    }

    /// The server name given with [`ServerConfig::server_name`], if any.
    pub fn server_name(&self) -> Option<&str> {
        self.config.server_name.as_deref()
    }

    /// `GET path` from the monitoring port, parsed as JSON (e.g. `"/varz"`, `"/jsz"`).
    pub fn monitor_json(&self, path: &str) -> Result<serde_json::Value> {
        monitor::get_json(self.monitoring_addr()?, path, Duration::from_secs(5))
    }

    /// The pid of the running process; `None` when stopped or exited.
    pub fn pid(&self) -> Option<u32> {
        let mut proc = self.lock();
        let child = proc.child.as_mut()?;
        match child.try_wait() {
            Ok(None) => Some(child.id()),
            _ => None,
        }
    }

    /// Whether the process is running (a paused process counts as running).
    pub fn is_running(&self) -> bool {
        self.pid().is_some()
    }

    /// The server's temp dir (config, log, ports files, JetStream store).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The JetStream store dir (kept across restarts).
    pub fn store_dir(&self) -> PathBuf {
        self.dir.path().join("jetstream")
    }

    /// The log file (stdout and stderr of every run, appended).
    pub fn log_path(&self) -> PathBuf {
        self.dir.path().join("server.log")
    }

    /// The last `n` lines of the log.
    pub fn log_tail(&self, n: usize) -> String {
        process::read_log_tail(&self.log_path(), n)
    }

    /// The config file, if the server has one.
    pub fn config_path(&self) -> Option<PathBuf> {
        self.config
            .file_text(-1)
            .map(|_| self.dir.path().join("server.conf"))
    }

    /// Connects a [`RawClient`] (which reads the INFO line).
    pub fn raw_client(&self) -> Result<RawClient> {
        RawClient::connect(self.addr())
    }

    /// Stops the server (SIGTERM, SIGKILL after the stop timeout) and waits for it to
    /// exit. Ports and store are kept for [`Server::restart`]. A no-op when stopped.
    pub fn stop(&self) -> Result<()> {
        let mut proc = self.lock();
        if let Some(mut child) = proc.child.take() {
            process::terminate(&mut child, self.config.stop_timeout)?;
        }
        Ok(())
    }

    /// Kills the server with SIGKILL (no clean shutdown) and reaps it. A no-op when
    /// stopped.
    pub fn kill(&self) -> Result<()> {
        let mut proc = self.lock();
        if let Some(mut child) = proc.child.take() {
            let _ = child.kill();
            child
                .wait()
                .map_err(|e| HarnessError::io("reaping nats-server", e))?;
        }
        Ok(())
    }

    /// Stops the server if it runs, then starts it again on the same ports with the same
    /// store and config, and waits until it accepts clients.
    ///
    /// If a port was taken meanwhile (another process's connection may hold it briefly),
    /// the start is tried again a few times before giving up.
    pub fn restart(&self) -> Result<()> {
        let mut proc = self.lock();
        if let Some(mut child) = proc.child.take() {
            process::terminate(&mut child, self.config.stop_timeout)?;
        }
        let mut attempt = 1;
        loop {
            match self.spawn_on_same_ports() {
                Ok(child) => {
                    proc.child = Some(child);
                    return Ok(());
                }
                Err(e) if attempt < PORT_BUSY_ATTEMPTS && process::is_port_in_use(&e) => {
                    attempt += 1;
                    std::thread::sleep(PORT_BUSY_PAUSE);
                }
                Err(e) => return Err(e),
            }
        }
    }

    fn spawn_on_same_ports(&self) -> Result<Child> {
        if let Some(ws) = self.ports.websocket {
            write_config_file(&self.config, self.dir.path(), i32::from(ws.port()))?;
        }
        let args = build_args(&self.config, self.dir.path(), Some(&self.ports));
        let log = self.log_path();
        let mut child = process::spawn(&self.binary, &args, &log)?;
        let ready = process::wait_ready(
            &mut child,
            self.dir.path(),
            &log,
            self.config.greeting(),
            self.config.start_timeout,
        );
        match ready {
            Ok(ports) if ports == self.ports => Ok(child),
            Ok(ports) => {
                let _ = process::terminate(&mut child, self.config.stop_timeout);
                Err(process::start_error(
                    format!("restarted on {ports:?}, expected {:?}", self.ports),
                    &log,
                ))
            }
            Err(e) => {
                let _ = process::terminate(&mut child, self.config.stop_timeout);
                Err(e)
            }
        }
    }

    /// Freezes the process with SIGSTOP and waits until the kernel reports it stopped:
    /// it keeps its sockets but answers nothing (e.g. no PONG) until [`Server::resume`].
    pub fn pause(&self) -> Result<()> {
        self.signal_and_settle(libc::SIGSTOP, true)
    }

    /// Continues a paused process with SIGCONT and waits until it runs again.
    pub fn resume(&self) -> Result<()> {
        self.signal_and_settle(libc::SIGCONT, false)
    }

    /// Puts the server into lame duck mode (SIGUSR2 to its pid): it stops accepting
    /// clients, sends `"ldm":true` in an INFO to connected ones, closes them over the
    /// configured `lame_duck_duration` (after `lame_duck_grace_period`) and exits.
    pub fn lame_duck(&self) -> Result<()> {
        self.signal(libc::SIGUSR2)
    }

    /// Sends `signal` (a libc signal number) to the running process.
    pub fn signal(&self, signal: i32) -> Result<()> {
        let mut proc = self.lock();
        let child = proc
            .child
            .as_mut()
            .ok_or_else(|| HarnessError::Usage("the server is stopped".to_owned()))?;
        process::signal(child, signal)
    }

    fn signal_and_settle(&self, signal: i32, stopped: bool) -> Result<()> {
        let pid = {
            let mut proc = self.lock();
            let child = proc
                .child
                .as_mut()
                .ok_or_else(|| HarnessError::Usage("the server is stopped".to_owned()))?;
            process::signal(child, signal)?;
            child.id()
        };
        let what = if stopped {
            format!("pid {pid} to be stopped")
        } else {
            format!("pid {pid} to run again")
        };
        try_wait_for(&what, SIGNAL_SETTLE_TIMEOUT, || {
            process::is_stopped(pid).is_none_or(|s| s == stopped)
        })
    }

    /// Sends SIGCONT + SIGTERM without waiting (the cluster stops its nodes in parallel).
    pub(crate) fn begin_stop(&self) {
        if let Some(child) = self.lock().child.as_mut() {
            process::begin_terminate(child);
        }
    }

    fn lock(&self) -> MutexGuard<'_, Proc> {
        // A panic while holding the lock leaves `Proc` consistent (an Option<Child>).
        self.proc
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let proc = self.proc.get_mut().unwrap_or_else(|p| p.into_inner());
        if std::thread::panicking() {
            eprintln!(
                "--- nats-server {} ({}) log tail ---\n{}\n---",
                self.ports.client,
                self.config.server_name.as_deref().unwrap_or("unnamed"),
                process::read_log_tail(&self.dir.path().join("server.log"), 30)
            );
        }
        if let Some(mut child) = proc.child.take() {
            let _ = process::terminate(&mut child, self.config.stop_timeout);
        }
    }
}

/// The nats-server command line for `config`, with ephemeral ports (`fixed` is `None`)
/// or the ports of an earlier run.
fn build_args(config: &ServerConfig, dir: &Path, fixed: Option<&Ports>) -> Vec<String> {
    let path = |p: PathBuf| p.to_string_lossy().into_owned();
    let mut args = Vec::new();
    if config.file_text(-1).is_some() {
        args.extend(["-c".to_owned(), path(dir.join("server.conf"))]);
    }
    let port = fixed.map_or("-1".to_owned(), |p| p.client.port().to_string());
    args.extend(["-a".to_owned(), HOST.to_owned(), "-p".to_owned(), port]);
    args.extend(["--ports_file_dir".to_owned(), path(dir.to_path_buf())]);
    if config.jetstream {
        args.extend([
            "-js".to_owned(),
            "-sd".to_owned(),
            path(dir.join("jetstream")),
        ]);
    }
    if config.monitoring {
        let port = fixed
            .and_then(|p| p.monitoring)
            .map_or("-1".to_owned(), |a| a.port().to_string());
        args.extend(["-m".to_owned(), port]);
    }
    if let Some(name) = &config.server_name {
        args.extend(["--server_name".to_owned(), name.clone()]);
    }
    if let Some(cluster) = &config.cluster {
        let routes: Vec<String> = cluster
            .routes
            .iter()
            .map(|p| format!("nats://{HOST}:{p}"))
            .collect();
        args.extend([
            "--cluster".to_owned(),
            format!("nats://{HOST}:{}", cluster.port),
            "--cluster_name".to_owned(),
            cluster.name.clone(),
            "--routes".to_owned(),
            routes.join(","),
        ]);
    }
    args.extend(config.extra_args.iter().cloned());
    args
}

/// Writes `server.conf` into `dir` when `config` has one, its websocket
/// listener on `ws_port` (-1: ephemeral).
fn write_config_file(config: &ServerConfig, dir: &Path, ws_port: i32) -> Result<()> {
    if let Some(text) = config.file_text(ws_port) {
        let path = dir.join("server.conf");
        fs::write(&path, text)
            .map_err(|e| HarnessError::io(format!("writing {}", path.display()), e))?;
    }
    Ok(())
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_url_credentials() {
        assert_eq!(percent_encode("a-b_c.d~9"), "a-b_c.d~9");
        assert_eq!(percent_encode("p@ss:w/rd%"), "p%40ss%3Aw%2Frd%25");
        assert_eq!(percent_encode("é"), "%C3%A9");
    }

    #[test]
    fn builds_command_lines() {
        let dir = Path::new("/tmp/x");
        let config = ServerConfig::new()
            .monitoring(true)
            .server_name("n1")
            .arg("-DV");
        let args = build_args(&config, dir, None).join(" ");
        assert_eq!(
            args,
            "-a 127.0.0.1 -p -1 --ports_file_dir /tmp/x -js -sd /tmp/x/jetstream -m -1 --server_name n1 -DV"
        );
        let fixed = Ports {
            client: "127.0.0.1:4222".parse().unwrap(),
            monitoring: Some("127.0.0.1:8222".parse().unwrap()),
            cluster: None,
            websocket: None,
        };
        let mut config = ServerConfig::new()
            .jetstream(false)
            .monitoring(true)
            .config("port: 1");
        config.cluster = Some(ClusterArgs {
            name: "c".to_owned(),
            port: 6222,
            routes: vec![6222, 6223],
        });
        let args = build_args(&config, dir, Some(&fixed)).join(" ");
        assert_eq!(
            args,
            "-c /tmp/x/server.conf -a 127.0.0.1 -p 4222 --ports_file_dir /tmp/x -m 8222 \
             --cluster nats://127.0.0.1:6222 --cluster_name c --routes nats://127.0.0.1:6222,nats://127.0.0.1:6223"
        );
    }

    #[test]
    fn add_config_appends_lines() {
        let config = ServerConfig::new().config("a: 1").add_config("b: 2");
        assert_eq!(config.config_text.as_deref(), Some("a: 1\nb: 2\n"));
        assert_eq!(config.greeting(), Greeting::Info);
        let tls_first = ServerConfig::new().add_config("tls { handshake_first: true }");
        assert_eq!(tls_first.greeting(), Greeting::TlsFirst);
    }
}
