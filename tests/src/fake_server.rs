//! [`FakeServer`]: a scripted, thread-based stand-in for nats-server, for wire cases a
//! real server will not produce (malformed frames, an INFO without `headers`, a server
//! that never answers PING, an `-ERR` at a chosen moment, ...), and a reader that keeps
//! up with a client flooding it while timing the client's answers to PINGs
//! ([`PingProbe`]).

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::error::{HarnessError, Result};

/// How long one step of a script may wait for the client unless the script says otherwise.
pub const DEFAULT_STEP_TIMEOUT: Duration = Duration::from_secs(10);

/// How often a blocked gate wait re-checks whether the fake server is shutting down.
const GATE_SLICE: Duration = Duration::from_millis(20);

/// What a line must look like for an expect step.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Match {
    Exact(String),
    Prefix(String),
    Contains(String),
}

impl Match {
    fn matches(&self, line: &str) -> bool {
        match self {
            Match::Exact(s) => line == s,
            Match::Prefix(s) => line.starts_with(s.as_str()),
            Match::Contains(s) => line.contains(s.as_str()),
        }
    }
}

#[derive(Debug, Clone)]
enum Step {
    Send(Vec<u8>),
    Expect(Match),
    SkipUntil(Match),
    ExpectBytes(usize),
    Wait(Gate),
    Flood {
        bytes: Vec<u8>,
        total: usize,
        stall: Duration,
    },
    Close,
    HoldOpen,
    PingProbe(PingProbe),
}

/// Times the client's answers to PINGs while it floods the connection: the fake server
/// reads and discards everything the client sends as fast as it can, sends a PING once
/// `start_after` bytes came (after the bytes given to [`send_with_each`](PingProbe::send_with_each),
/// if any), and records in [`ConnectionReport::pongs`] how long the `PONG` took to show
/// up in the byte stream and how many bytes came before it. The next PING goes `gap`
/// after each PONG. After `pings` PONGs it goes on discarding until the client closes.
///
/// Every `PONG` in the stream counts as an answer, so what the client floods with must
/// not contain those four letters (for example lowercase subjects and payloads). A
/// `PONG` without a PING outstanding, or none within the step timeout, fails the script.
#[derive(Debug, Clone)]
pub struct PingProbe {
    pings: usize,
    gap: Duration,
    start_after: u64,
    with_each: Vec<u8>,
}

impl PingProbe {
    /// `pings` PINGs, 5 ms apart, the first once 1 MiB came.
    pub fn new(pings: usize) -> PingProbe {
        PingProbe {
            pings,
            gap: Duration::from_millis(5),
            start_after: 1024 * 1024,
            with_each: Vec::new(),
        }
    }

    /// How long after a PONG the next PING goes.
    pub fn gap(mut self, gap: Duration) -> PingProbe {
        self.gap = gap;
        self
    }

    /// How many bytes the client must have sent before the first PING.
    pub fn start_after(mut self, bytes: u64) -> PingProbe {
        self.start_after = bytes;
        self
    }

    /// Bytes sent just before each PING (a `MSG` for a subscription, say).
    pub fn send_with_each(mut self, bytes: impl AsRef<[u8]>) -> PingProbe {
        self.with_each = bytes.as_ref().to_vec();
        self
    }
}

/// One answer timed by a [`PingProbe`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PongTiming {
    /// From writing the PING to reading the PONG.
    pub delay: Duration,
    /// Bytes the client sent between the PING and its PONG (what the PONG waited behind,
    /// at most).
    pub bytes_before: u64,
    /// Bytes the client sent on this connection, up to the end of the PONG.
    pub offset: u64,
}

/// A one-shot signal a test opens to let a script go past [`Script::wait`].
#[derive(Debug, Clone, Default)]
pub struct Gate {
    inner: Arc<(Mutex<bool>, Condvar)>,
}

impl Gate {
    /// A closed gate.
    pub fn new() -> Gate {
        Gate::default()
    }

    /// Opens the gate; every script waiting on it goes on.
    pub fn open(&self) {
        let (lock, cond) = &*self.inner;
        *lock.lock().unwrap_or_else(|p| p.into_inner()) = true;
        cond.notify_all();
    }

    /// Whether the gate was opened.
    pub fn is_open(&self) -> bool {
        *self.inner.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Waits at most `slice` for the gate to open; whether it is open.
    fn wait_slice(&self, slice: Duration) -> bool {
        let (lock, cond) = &*self.inner;
        let guard = lock.lock().unwrap_or_else(|p| p.into_inner());
        let (guard, _) = cond
            .wait_timeout_while(guard, slice, |open| !*open)
            .unwrap_or_else(|p| p.into_inner());
        *guard
    }
}

/// What the fake server does on one connection, step by step.
///
/// Reading steps consume `\r\n`-terminated lines (a bare `\n` ends a line too) and fail
/// the script when the client does not oblige within the step timeout. Every line read is
/// recorded in the connection's [`ConnectionReport`]. When the script runs out, the
/// connection is closed.
///
/// ```
/// use natrs_tests::Script;
/// // Handshake normally, then swallow the first PING and never answer it.
/// let script = Script::new()
///     .handshake(&Script::default_info())
///     .expect_line("PING")
///     .hold_open();
/// ```
#[derive(Debug, Clone, Default)]
pub struct Script {
    steps: Vec<Step>,
    step_timeout: Option<Duration>,
}

impl Script {
    /// An empty script (the connection is closed at once).
    pub fn new() -> Script {
        Script::default()
    }

    /// A plausible INFO body for a fake server: protocol 1, headers, 1 MiB max payload.
    pub fn default_info() -> serde_json::Value {
        serde_json::json!({
            "server_id": "NFAKESERVER",
            "server_name": "fake",
            "version": "2.15.1",
            "proto": 1,
            "go": "go1.0",
            "host": "127.0.0.1",
            "port": 4222,
            "headers": true,
            "max_payload": 1_048_576,
        })
    }

    /// Sends `bytes` as they are (use this for malformed frames).
    pub fn send(mut self, bytes: impl AsRef<[u8]>) -> Script {
        self.steps.push(Step::Send(bytes.as_ref().to_vec()));
        self
    }

    /// Sends `line` followed by `\r\n`.
    pub fn send_line(self, line: &str) -> Script {
        self.send(format!("{line}\r\n"))
    }

    /// Sends `INFO <info>\r\n`.
    pub fn send_info(self, info: &serde_json::Value) -> Script {
        self.send_line(&format!("INFO {info}"))
    }

    /// The next line must be exactly `line` (without its line end).
    pub fn expect_line(mut self, line: &str) -> Script {
        self.steps.push(Step::Expect(Match::Exact(line.to_owned())));
        self
    }

    /// The next line must start with `prefix`.
    pub fn expect_prefix(mut self, prefix: &str) -> Script {
        self.steps
            .push(Step::Expect(Match::Prefix(prefix.to_owned())));
        self
    }

    /// The next line must contain `text`.
    pub fn expect_contains(mut self, text: &str) -> Script {
        self.steps
            .push(Step::Expect(Match::Contains(text.to_owned())));
        self
    }

    /// Reads lines until one starts with `prefix` (the others are only recorded).
    pub fn skip_until_prefix(mut self, prefix: &str) -> Script {
        self.steps
            .push(Step::SkipUntil(Match::Prefix(prefix.to_owned())));
        self
    }

    /// Reads exactly `n` bytes (e.g. a payload and its `\r\n`).
    pub fn expect_bytes(mut self, n: usize) -> Script {
        self.steps.push(Step::ExpectBytes(n));
        self
    }

    /// Sends `bytes` over and over, `total` bytes in all, without reading,
    /// until the client stops taking them: the step ends when a write makes
    /// no progress for `stall`. It records the line `flood: sent N of TOTAL`
    /// (what the socket took), and an error only if the write fails.
    pub fn flood(mut self, bytes: impl AsRef<[u8]>, total: usize, stall: Duration) -> Script {
        self.steps.push(Step::Flood {
            bytes: bytes.as_ref().to_vec(),
            total,
            stall,
        });
        self
    }

    /// Waits until the test opens `gate`.
    pub fn wait(mut self, gate: &Gate) -> Script {
        self.steps.push(Step::Wait(gate.clone()));
        self
    }

    /// Closes the connection (the rest of the script is not run).
    pub fn close(mut self) -> Script {
        self.steps.push(Step::Close);
        self
    }

    /// Keeps the connection open, recording lines, until the client closes it or the
    /// fake server is dropped. Sends nothing.
    pub fn hold_open(mut self) -> Script {
        self.steps.push(Step::HoldOpen);
        self
    }

    /// Runs `probe` (see [`PingProbe`]): discards what the client sends and times its
    /// answers to PINGs, then discards until the client closes.
    pub fn ping_probe(mut self, probe: PingProbe) -> Script {
        self.steps.push(Step::PingProbe(probe));
        self
    }

    /// The usual opening: send `INFO <info>`, expect `CONNECT ...` then `PING`, send
    /// `PONG`.
    pub fn handshake(self, info: &serde_json::Value) -> Script {
        self.send_info(info)
            .expect_prefix("CONNECT ")
            .expect_line("PING")
            .send_line("PONG")
    }

    /// How long each reading step (and each gate wait) may take.
    pub fn step_timeout(mut self, timeout: Duration) -> Script {
        self.step_timeout = Some(timeout);
        self
    }
}

/// What happened on one connection of a [`FakeServer`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConnectionReport {
    /// Every line the script read (line ends removed), and `expect_bytes` reads (lossy).
    pub received: Vec<String>,
    /// The answers a [`PingProbe`] timed, in order.
    pub pongs: Vec<PongTiming>,
    /// `None` while the script runs; then `Ok` or why it failed.
    pub outcome: Option<std::result::Result<(), String>>,
}

#[derive(Debug, Default)]
struct Shared {
    stop: AtomicBool,
    state: Mutex<State>,
    changed: Condvar,
}

#[derive(Debug, Default)]
struct State {
    reports: Vec<ConnectionReport>,
    sockets: Vec<TcpStream>,
    threads: Vec<JoinHandle<()>>,
}

/// A scripted server on `127.0.0.1:<ephemeral>`: connection *i* runs the script the
/// factory gives for *i* (see [`FakeServer::start`] and [`FakeServer::start_with`]).
///
/// Dropping it stops accepting, shuts every connection down and joins its threads.
#[derive(Debug)]
pub struct FakeServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    acceptor: Option<JoinHandle<()>>,
}

type ScriptFactory = Box<dyn Fn(usize) -> Option<Script> + Send>;

impl FakeServer {
    /// Connection *i* runs `scripts[i]`; connections beyond the list are closed at once.
    pub fn start(scripts: Vec<Script>) -> Result<FakeServer> {
        FakeServer::start_with(move |i| scripts.get(i).cloned())
    }

    /// Connection *i* runs `factory(i)`; `None` closes it at once.
    pub fn start_with(
        factory: impl Fn(usize) -> Option<Script> + Send + 'static,
    ) -> Result<FakeServer> {
        let listener = TcpListener::bind(("127.0.0.1", 0))
            .map_err(|e| HarnessError::io("binding the fake server", e))?;
        let addr = listener
            .local_addr()
            .map_err(|e| HarnessError::io("reading the fake server address", e))?;
        let shared = Arc::new(Shared::default());
        let factory: ScriptFactory = Box::new(factory);
        let acceptor = {
            let shared = Arc::clone(&shared);
            std::thread::Builder::new()
                .name("fake-server-accept".to_owned())
                .spawn(move || accept_loop(&listener, &shared, &factory))
                .map_err(|e| HarnessError::io("spawning the fake server thread", e))?
        };
        Ok(FakeServer {
            addr,
            shared,
            acceptor: Some(acceptor),
        })
    }

    /// The listen address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The listen port.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// `nats://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("nats://{}", self.addr)
    }

    /// How many connections were accepted so far.
    pub fn connections(&self) -> usize {
        self.lock().reports.len()
    }

    /// Waits until at least `n` connections were accepted.
    pub fn wait_connections(&self, n: usize, timeout: Duration) -> Result<()> {
        self.wait_state(
            timeout,
            &format!("{n} connections to the fake server"),
            |s| (s.reports.len() >= n).then_some(()),
        )
    }

    /// What connection `index` received so far, and its outcome if finished.
    pub fn snapshot(&self, index: usize) -> Option<ConnectionReport> {
        self.lock().reports.get(index).cloned()
    }

    /// Waits until connection `index` was accepted and its script finished, and returns
    /// its report.
    pub fn report(&self, index: usize, timeout: Duration) -> Result<ConnectionReport> {
        self.wait_state(
            timeout,
            &format!("fake server connection {index} to finish its script"),
            |s| {
                s.reports
                    .get(index)
                    .filter(|r| r.outcome.is_some())
                    .cloned()
            },
        )
    }

    /// Waits for connection `index` to finish and panics unless its script succeeded.
    #[track_caller]
    pub fn assert_script_ok(&self, index: usize, timeout: Duration) -> ConnectionReport {
        let report = match self.report(index, timeout) {
            Ok(r) => r,
            Err(e) => panic!("{e}; received so far: {:?}", self.snapshot(index)),
        };
        if let Some(Err(why)) = &report.outcome {
            panic!(
                "fake server script {index} failed: {why}; received: {:?}",
                report.received
            );
        }
        report
    }

    fn wait_state<T>(
        &self,
        timeout: Duration,
        what: &str,
        mut ready: impl FnMut(&State) -> Option<T>,
    ) -> Result<T> {
        let deadline = Instant::now() + timeout;
        let mut state = self.lock();
        loop {
            if let Some(v) = ready(&state) {
                return Ok(v);
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(HarnessError::Timeout {
                    what: what.to_owned(),
                    waited: timeout,
                });
            }
            state = self
                .shared
                .changed
                .wait_timeout(state, deadline - now)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.shared.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        // Wake the blocking accept with a connection of our own.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
        let threads = {
            let mut state = self.lock();
            for socket in &state.sockets {
                let _ = socket.shutdown(Shutdown::Both);
            }
            std::mem::take(&mut state.threads)
        };
        for thread in threads {
            let _ = thread.join();
        }
    }
}

fn accept_loop(listener: &TcpListener, shared: &Arc<Shared>, factory: &ScriptFactory) {
    for (index, stream) in listener.incoming().enumerate() {
        if shared.stop.load(Ordering::SeqCst) {
            return;
        }
        let Ok(stream) = stream else { continue };
        let _ = stream.set_nodelay(true);
        let mut state = shared.state.lock().unwrap_or_else(|p| p.into_inner());
        state.reports.push(ConnectionReport::default());
        let Some(script) = factory(index) else {
            let _ = stream.shutdown(Shutdown::Both);
            state.reports[index].outcome = Some(Ok(()));
            shared.changed.notify_all();
            continue;
        };
        if let Ok(clone) = stream.try_clone() {
            state.sockets.push(clone);
        }
        let conn_shared = Arc::clone(shared);
        let spawned = std::thread::Builder::new()
            .name(format!("fake-server-conn-{index}"))
            .spawn(move || {
                let mut conn = Conn {
                    stream,
                    buf: Vec::new(),
                    consumed: 0,
                    shared: &conn_shared,
                    index,
                    step_timeout: script.step_timeout.unwrap_or(DEFAULT_STEP_TIMEOUT),
                };
                let outcome = conn.run(&script.steps);
                let _ = conn.stream.shutdown(Shutdown::Both);
                let mut state = conn_shared.state.lock().unwrap_or_else(|p| p.into_inner());
                state.reports[index].outcome = Some(outcome);
                conn_shared.changed.notify_all();
            });
        match spawned {
            Ok(handle) => state.threads.push(handle),
            Err(e) => state.reports[index].outcome = Some(Err(format!("spawning: {e}"))),
        }
        shared.changed.notify_all();
    }
}

/// One connection running its script.
struct Conn<'a> {
    stream: TcpStream,
    buf: Vec<u8>,
    /// Bytes taken out of `buf` so far by reading steps.
    consumed: u64,
    shared: &'a Shared,
    index: usize,
    step_timeout: Duration,
}

impl Conn<'_> {
    fn run(&mut self, steps: &[Step]) -> std::result::Result<(), String> {
        for (n, step) in steps.iter().enumerate() {
            let done = self
                .step(step)
                .map_err(|e| format!("step {n} ({step:?}): {e}"))?;
            if done {
                break;
            }
        }
        Ok(())
    }

    /// Runs one step; `Ok(true)` ends the script early.
    fn step(&mut self, step: &Step) -> std::result::Result<bool, String> {
        match step {
            Step::Send(bytes) => {
                self.stream
                    .write_all(bytes)
                    .and_then(|()| self.stream.flush())
                    .map_err(|e| format!("write failed: {e}"))?;
            }
            Step::Expect(m) => {
                let line = self.line()?;
                if !m.matches(&line) {
                    return Err(format!("got {line:?}"));
                }
            }
            Step::SkipUntil(m) => loop {
                let line = self.line()?;
                if m.matches(&line) {
                    break;
                }
            },
            Step::ExpectBytes(n) => {
                let deadline = Instant::now() + self.step_timeout;
                while self.buf.len() < *n {
                    self.fill(deadline)?;
                }
                let bytes: Vec<u8> = self.buf.drain(..*n).collect();
                self.consumed += *n as u64;
                self.record(String::from_utf8_lossy(&bytes).into_owned());
            }
            Step::Wait(gate) => {
                let deadline = Instant::now() + self.step_timeout;
                while !gate.wait_slice(GATE_SLICE) {
                    if self.shared.stop.load(Ordering::SeqCst) {
                        return Err("fake server stopped while waiting on a gate".to_owned());
                    }
                    if Instant::now() >= deadline {
                        return Err("the gate was not opened in time".to_owned());
                    }
                }
            }
            Step::Flood {
                bytes,
                total,
                stall,
            } => {
                let sent = self.flood(bytes, *total, *stall)?;
                self.record(format!("flood: sent {sent} of {total}"));
            }
            Step::Close => return Ok(true),
            Step::HoldOpen => loop {
                match self.line_until(None) {
                    Ok(_) => {}
                    Err(LineError::Closed) => return Ok(true),
                    Err(e) => return Err(e.to_string()),
                }
            },
            Step::PingProbe(probe) => {
                self.ping_probe(probe)?;
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Writes `bytes` repeatedly until `total` bytes were taken or a write
    /// took nothing for `stall`; returns how many bytes were taken.
    fn flood(
        &mut self,
        bytes: &[u8],
        total: usize,
        stall: Duration,
    ) -> std::result::Result<usize, String> {
        if bytes.is_empty() {
            return Ok(0);
        }
        let chunk = bytes.repeat((64 * 1024 / bytes.len()).max(1));
        limit_receive_buffer(&self.stream)?;
        self.stream
            .set_write_timeout(Some(stall))
            .map_err(|e| e.to_string())?;
        let mut sent = 0;
        // Where in `chunk` the next write starts (a write may take part of it).
        let mut at = 0;
        while sent < total {
            let end = chunk.len().min(at + total - sent);
            match self.stream.write(&chunk[at..end]) {
                Ok(0) => return Err("the socket took no bytes".to_owned()),
                Ok(n) => {
                    sent += n;
                    at = (at + n) % chunk.len();
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                    break;
                }
                Err(e) => return Err(format!("write failed: {e}")),
            }
        }
        self.stream
            .set_write_timeout(None)
            .map_err(|e| e.to_string())?;
        Ok(sent)
    }

    /// Runs a [`PingProbe`] until the client closes the connection.
    fn ping_probe(&mut self, probe: &PingProbe) -> std::result::Result<(), String> {
        /// What an answer looks like; the flood must not contain it.
        const PONG: &[u8] = b"PONG\r\n";
        let finder = memchr::memmem::Finder::new(PONG);
        // Reads return at least this often, so that PINGs leave on time and a stop is seen.
        self.stream
            .set_read_timeout(Some(Duration::from_millis(2)))
            .map_err(|e| e.to_string())?;
        let mut chunk = vec![0u8; 1024 * 1024];
        // The stream so far: the bytes earlier steps read but did not use, then the
        // reads, with the last few bytes kept so that a PONG split across reads is found.
        let mut total = self.consumed;
        let mut window: Vec<u8> = std::mem::take(&mut self.buf);
        let mut outstanding: Option<(Instant, u64)> = None;
        let mut next_ping: Option<Instant> = None;
        let mut answered = 0;
        loop {
            let now = Instant::now();
            if answered < probe.pings && outstanding.is_none() {
                let due = match next_ping {
                    Some(at) => now >= at,
                    None => total + window.len() as u64 >= probe.start_after,
                };
                if due {
                    let mut ping = probe.with_each.clone();
                    ping.extend_from_slice(b"PING\r\n");
                    self.stream
                        .write_all(&ping)
                        .map_err(|e| format!("write failed: {e}"))?;
                    outstanding = Some((Instant::now(), total + window.len() as u64));
                }
            }
            if let Some((sent, _)) = outstanding
                && now.duration_since(sent) > self.step_timeout
            {
                return Err(format!(
                    "no PONG within {:?} (answer {} of {})",
                    self.step_timeout,
                    answered + 1,
                    probe.pings
                ));
            }
            let n = match self.stream.read(&mut chunk) {
                Ok(0) if answered >= probe.pings => return Ok(()),
                Ok(0) => return Err("the client closed the connection".to_owned()),
                Ok(n) => n,
                Err(e)
                    if matches!(
                        e.kind(),
                        ErrorKind::WouldBlock | ErrorKind::TimedOut | ErrorKind::Interrupted
                    ) =>
                {
                    if self.shared.stop.load(Ordering::SeqCst) {
                        return Err("fake server stopped during the probe".to_owned());
                    }
                    continue;
                }
                Err(e)
                    if answered >= probe.pings
                        && matches!(
                            e.kind(),
                            ErrorKind::ConnectionReset | ErrorKind::ConnectionAborted
                        ) =>
                {
                    return Ok(());
                }
                Err(e) => return Err(format!("read failed: {e}")),
            };
            let arrived = Instant::now();
            // Search the carried tail and the new bytes as one.
            window.extend_from_slice(&chunk[..n]);
            let mut from = 0;
            while let Some(at) = finder.find(&window[from..]) {
                let end = from + at + PONG.len();
                let offset = total + end as u64;
                let Some((sent, ping_offset)) = outstanding.take() else {
                    return Err(format!("a PONG at byte {offset} answered no PING"));
                };
                answered += 1;
                next_ping = Some(arrived + probe.gap);
                self.record_pong(PongTiming {
                    delay: arrived.duration_since(sent),
                    bytes_before: offset.saturating_sub(ping_offset + PONG.len() as u64),
                    offset,
                });
                from = end;
            }
            // Keep what could start a PONG that the next read completes.
            let tail = (window.len() - from).min(PONG.len() - 1);
            let cut = window.len() - tail;
            total += cut as u64;
            window.drain(..cut);
        }
    }

    fn record_pong(&self, pong: PongTiming) {
        let mut state = self.shared.state.lock().unwrap_or_else(|p| p.into_inner());
        state.reports[self.index].pongs.push(pong);
        self.shared.changed.notify_all();
    }

    fn line(&mut self) -> std::result::Result<String, String> {
        let deadline = Instant::now() + self.step_timeout;
        self.line_until(Some(deadline)).map_err(|e| e.to_string())
    }

    /// Reads one line (recorded); `deadline` `None` waits until the peer closes.
    fn line_until(&mut self, deadline: Option<Instant>) -> std::result::Result<String, LineError> {
        let mut searched = 0;
        loop {
            if let Some(pos) = self.buf[searched..].iter().position(|&b| b == b'\n') {
                let end = searched + pos;
                let mut raw: Vec<u8> = self.buf.drain(..=end).collect();
                self.consumed += raw.len() as u64;
                raw.pop();
                if raw.last() == Some(&b'\r') {
                    raw.pop();
                }
                let line = String::from_utf8_lossy(&raw).into_owned();
                self.record(line.clone());
                return Ok(line);
            }
            searched = self.buf.len();
            match deadline {
                Some(deadline) => self.fill(deadline).map_err(LineError::Other)?,
                None => self.fill_blocking()?,
            }
        }
    }

    fn fill(&mut self, deadline: Instant) -> std::result::Result<(), String> {
        let mut chunk = [0u8; 8192];
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err("timed out waiting for the client".to_owned());
            }
            self.stream
                .set_read_timeout(Some(left))
                .map_err(|e| e.to_string())?;
            match self.stream.read(&mut chunk) {
                Ok(0) => return Err("the client closed the connection".to_owned()),
                Ok(n) => {
                    self.buf.extend_from_slice(&chunk[..n]);
                    return Ok(());
                }
                Err(e)
                    if matches!(
                        e.kind(),
                        ErrorKind::WouldBlock | ErrorKind::TimedOut | ErrorKind::Interrupted
                    ) => {}
                Err(e) => return Err(format!("read failed: {e}")),
            }
        }
    }

    fn fill_blocking(&mut self) -> std::result::Result<(), LineError> {
        let mut chunk = [0u8; 8192];
        self.stream
            .set_read_timeout(None)
            .map_err(|e| LineError::Other(e.to_string()))?;
        loop {
            match self.stream.read(&mut chunk) {
                Ok(0) => return Err(LineError::Closed),
                Ok(n) => {
                    self.buf.extend_from_slice(&chunk[..n]);
                    return Ok(());
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e)
                    if matches!(
                        e.kind(),
                        ErrorKind::ConnectionReset | ErrorKind::ConnectionAborted
                    ) =>
                {
                    return Err(LineError::Closed);
                }
                Err(e) => return Err(LineError::Other(format!("read failed: {e}"))),
            }
        }
    }

    fn record(&self, line: String) {
        let mut state = self.shared.state.lock().unwrap_or_else(|p| p.into_inner());
        state.reports[self.index].received.push(line);
        self.shared.changed.notify_all();
    }
}

#[derive(Debug)]
enum LineError {
    Closed,
    Other(String),
}

impl std::fmt::Display for LineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LineError::Closed => f.write_str("the client closed the connection"),
            LineError::Other(s) => f.write_str(s),
        }
    }
}

/// Fixes the socket's receive buffer at 64 KiB, so a peer that is not read
/// from is held back by that, not by what Linux's receive-buffer autotuning
/// would grow it to (up to `net.ipv4.tcp_rmem`'s maximum, 32 MiB here, which
/// swallows most of what a flood makes the client answer).
fn limit_receive_buffer(stream: &TcpStream) -> std::result::Result<(), String> {
    use std::os::fd::AsRawFd;
    let size: libc::c_int = 64 * 1024;
    // SAFETY: `setsockopt` on a socket descriptor `stream` owns, with a
    // pointer to a live `c_int` and its size.
    let rc = unsafe {
        libc::setsockopt(
            stream.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_RCVBUF,
            (&size as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(format!("SO_RCVBUF: {}", std::io::Error::last_os_error()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::raw_client::RawClient;

    #[test]
    fn runs_a_handshake_script() {
        let fake = FakeServer::start(vec![
            Script::new()
                .handshake(&Script::default_info())
                .expect_prefix("PUB a 2")
                .expect_bytes(4)
                .send_line("-ERR 'Unknown Protocol Operation'")
                .close(),
        ])
        .unwrap();
        let mut client = RawClient::connect(fake.addr()).unwrap();
        assert_eq!(client.info()["server_name"], "fake");
        client.handshake().unwrap();
        client.send("PUB a 2\r\nhi\r\n").unwrap();
        let err = client.read_line().unwrap();
        assert_eq!(err, "-ERR 'Unknown Protocol Operation'");
        client.expect_close().unwrap();
        let report = fake.assert_script_ok(0, Duration::from_secs(5));
        assert!(report.received[0].starts_with("CONNECT {"));
        assert_eq!(report.received[1..], ["PING", "PUB a 2", "hi\r\n"]);
    }

    #[test]
    fn reports_unexpected_lines() {
        let fake = FakeServer::start(vec![Script::new().expect_line("PING")]).unwrap();
        let mut client = RawClient::connect_silent(fake.addr()).unwrap();
        client.send_line("PONG").unwrap();
        let report = fake.report(0, Duration::from_secs(5)).unwrap();
        let why = report.outcome.unwrap().unwrap_err();
        assert!(why.contains("got \"PONG\""), "{why}");
    }

    #[test]
    fn times_out_steps_and_closes_extra_connections() {
        let fake = FakeServer::start(vec![
            Script::new()
                .step_timeout(Duration::from_millis(50))
                .expect_line("PING"),
        ])
        .unwrap();
        let _silent = RawClient::connect_silent(fake.addr()).unwrap();
        let report = fake.report(0, Duration::from_secs(5)).unwrap();
        assert!(report.outcome.unwrap().unwrap_err().contains("timed out"));
        let mut extra = RawClient::connect_silent(fake.addr()).unwrap();
        extra.expect_close().unwrap();
        fake.wait_connections(2, Duration::from_secs(5)).unwrap();
    }

    #[test]
    fn gates_and_hold_open() {
        let gate = Gate::new();
        let fake = FakeServer::start(vec![
            Script::new()
                .send_info(&Script::default_info())
                .wait(&gate)
                .send_line("PING")
                .hold_open(),
        ])
        .unwrap();
        let mut client = RawClient::connect(fake.addr()).unwrap();
        client.set_timeout(Duration::from_millis(100));
        assert!(matches!(
            client.read_line(),
            Err(HarnessError::Timeout { .. })
        ));
        gate.open();
        client.set_timeout(Duration::from_secs(5));
        assert_eq!(client.read_line().unwrap(), "PING");
        client.send_line("PONG").unwrap();
        crate::wait_for("the PONG to be recorded", Duration::from_secs(5), || {
            fake.snapshot(0).is_some_and(|r| r.received == ["PONG"])
        });
        client.close();
        fake.assert_script_ok(0, Duration::from_secs(5));
    }

    #[test]
    fn ping_probe_times_answers_split_across_reads() {
        let fake = FakeServer::start(vec![
            Script::new().send_line("INFO {}").ping_probe(
                PingProbe::new(2)
                    .start_after(64 * 1024)
                    .gap(Duration::from_millis(1))
                    .send_with_each("MSG a 1 1\r\nx\r\n"),
            ),
        ])
        .unwrap();
        let mut client = RawClient::connect(fake.addr()).unwrap();
        client.set_timeout(Duration::from_secs(5));
        let filler = "PUB a 2\r\nhi\r\n".repeat(10_000);
        for _ in 0..2 {
            client.send(&filler).unwrap();
            assert_eq!(client.read_line().unwrap(), "MSG a 1 1");
            assert_eq!(client.read_line().unwrap(), "x");
            assert_eq!(client.read_line().unwrap(), "PING");
            // A PONG split across writes (and so, most likely, across reads).
            client.send("PUB a 2\r\nhi\r\nPO").unwrap();
            client.send("NG\r\n").unwrap();
        }
        client.close();
        let report = fake.assert_script_ok(0, Duration::from_secs(5));
        assert_eq!(report.pongs.len(), 2, "{report:?}");
        let first = report.pongs[0];
        assert_eq!(first.offset, filler.len() as u64 + 19);
        // The PING left once 64 KiB came, somewhere in the filler.
        assert!(first.bytes_before >= 13, "{first:?}");
        assert!(first.bytes_before <= filler.len() as u64 + 13, "{first:?}");
        assert_eq!(report.pongs[1].offset, 2 * (filler.len() as u64 + 19));
    }

    #[test]
    fn drop_ends_held_connections() {
        let fake = FakeServer::start(vec![Script::new().hold_open()]).unwrap();
        let mut client = RawClient::connect_silent(fake.addr()).unwrap();
        fake.wait_connections(1, Duration::from_secs(5)).unwrap();
        drop(fake);
        client.expect_close().unwrap();
    }
}
