//! What every suite test shares: the client abstraction ([`client`]), server
//! starters, and helpers that wait on conditions.

pub mod client;
pub mod transport;
pub mod ws_peer;

pub use client::{Bytes, Flood, GUARD, SuiteClient, SuiteEvents, SuiteSubscriber};

use natrs_client::{ClientEvent, ConnectOptions, Message};
use natrs_tests::{Server, ServerConfig};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// How long a test waits for something that must happen (a message, an
/// event, a reconnect). Generous: it only bounds failures.
pub const WAIT: Duration = Duration::from_secs(10);

/// A plain server without JetStream (fast to start).
pub fn server() -> Server {
    start(ServerConfig::new().jetstream(false))
}

/// Starts `config`, with a websocket listener when the test runs over one.
pub fn start(config: ServerConfig) -> Server {
    let server = transport::add_listener(config)
        .start()
        .expect("start nats-server");
    transport::register(&server);
    server
}

/// A server without JetStream with this config text.
pub fn server_with(config: &str) -> Server {
    start(ServerConfig::new().jetstream(false).config(config))
}

/// Connects with default options, panicking on failure.
#[track_caller]
pub fn connect<C: SuiteClient>(url: &str) -> C {
    connect_with(url, ConnectOptions::new())
}

/// Connects with `options`, panicking on failure.
#[track_caller]
pub fn connect_with<C: SuiteClient>(url: &str, options: ConnectOptions) -> C {
    let (url, options) = transport::adapt(url, options);
    let url = url.as_str();
    match C::connect(url, options) {
        Ok(c) => c,
        Err(e) => panic!("connect to {url}: {e}"),
    }
}

/// Options that reconnect quickly and forever: 10 ms between passes, no
/// jitter. (The connect timeout stays generous: in debug builds an nkey
/// signature alone takes milliseconds, and tests run in parallel.)
pub fn fast_reconnect() -> ConnectOptions {
    ConnectOptions::new()
        .reconnect_wait(Duration::from_millis(10))
        .reconnect_jitter(Duration::ZERO, Duration::ZERO)
        .max_reconnects(None)
        .connection_timeout(Duration::from_secs(5))
}

/// Bytes from a string.
pub fn b(s: &str) -> Bytes {
    Bytes::copy_from_slice(s.as_bytes())
}

/// Flushes every client in turn: afterwards every message published by an
/// earlier client before the call was delivered to the later ones' queues
/// (the server writes to each connection in order, and a PONG follows the
/// messages routed before it).
#[track_caller]
pub fn barrier<C: SuiteClient>(clients: &[&C]) {
    for c in clients {
        c.flush().expect("flush");
    }
}

/// Takes exactly `n` messages, each within [`WAIT`].
#[track_caller]
pub fn take<S: SuiteSubscriber>(sub: &mut S, n: usize) -> Vec<Message> {
    (0..n)
        .map(|i| match sub.next_timeout(WAIT) {
            Some(m) => m,
            None => panic!(
                "message {} of {n} on {:?} did not arrive (finished: {})",
                i + 1,
                sub.subject(),
                sub.is_finished()
            ),
        })
        .collect()
}

/// The payloads of `msgs` as strings.
pub fn payloads(msgs: &[Message]) -> Vec<String> {
    msgs.iter()
        .map(|m| String::from_utf8_lossy(&m.payload).into_owned())
        .collect()
}

/// Every connection event given to an event callback, with when it came and
/// a way to wait for one.
#[derive(Clone, Default)]
pub struct EventLog {
    inner: Arc<(Mutex<Recorded>, Condvar)>,
}

/// Events with the instant they reached the callback.
type Recorded = Vec<(Instant, ClientEvent)>;

impl EventLog {
    /// A new, empty log.
    pub fn new() -> EventLog {
        EventLog::default()
    }

    /// `options` with a callback that records into this log.
    pub fn attach(&self, options: ConnectOptions) -> ConnectOptions {
        self.attach_with(options, |_| {})
    }

    /// `options` with a callback that calls `react`, then records the event.
    pub fn attach_with(
        &self,
        options: ConnectOptions,
        react: impl Fn(&ClientEvent) + Send + Sync + 'static,
    ) -> ConnectOptions {
        let log = self.clone();
        options.event_callback(move |e| {
            react(&e);
            let (lock, cond) = &*log.inner;
            lock.lock().unwrap().push((Instant::now(), e));
            cond.notify_all();
        })
    }

    /// Everything recorded so far.
    pub fn events(&self) -> Vec<ClientEvent> {
        let events = self.inner.0.lock().unwrap();
        events.iter().map(|(_, e)| e.clone()).collect()
    }

    /// How many recorded events `f` accepts.
    pub fn count(&self, f: impl Fn(&ClientEvent) -> bool) -> usize {
        self.events().iter().filter(|e| f(e)).count()
    }

    /// When each recorded event `f` accepts reached the callback.
    pub fn instants(&self, f: impl Fn(&ClientEvent) -> bool) -> Vec<Instant> {
        let events = self.inner.0.lock().unwrap();
        events
            .iter()
            .filter(|(_, e)| f(e))
            .map(|(at, _)| *at)
            .collect()
    }

    /// Waits until at least `n` recorded events match `f` and returns when the
    /// `n`th came; panics naming `what` after [`WAIT`].
    #[track_caller]
    pub fn wait_count(&self, what: &str, n: usize, f: impl Fn(&ClientEvent) -> bool) -> Instant {
        let (lock, cond) = &*self.inner;
        let deadline = Instant::now() + WAIT;
        let mut events = lock.lock().unwrap();
        loop {
            if let Some((at, _)) = events.iter().filter(|(_, e)| f(e)).nth(n - 1) {
                return *at;
            }
            let now = Instant::now();
            if now >= deadline {
                let seen: Vec<_> = events.iter().map(|(_, e)| e).collect();
                panic!("waited {WAIT:?} for {n} {what} event(s); got {seen:?}");
            }
            events = cond.wait_timeout(events, deadline - now).unwrap().0;
        }
    }

    /// Waits for the first event `f` accepts and returns it with when it came.
    #[track_caller]
    pub fn wait(&self, what: &str, f: impl Fn(&ClientEvent) -> bool) -> (Instant, ClientEvent) {
        let at = self.wait_count(what, 1, &f);
        let events = self.inner.0.lock().unwrap();
        let e = events
            .iter()
            .find(|(_, e)| f(e))
            .map(|(_, e)| e.clone())
            .expect("recorded");
        (at, e)
    }
}

/// Runs `f` on a thread and returns a receiver for its result, so a test can
/// start a blocking call (a request, a flush) and act while it is in flight.
pub fn in_background<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> std::sync::mpsc::Receiver<T> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx
}

/// Waits for a background result; panics naming `what` after `timeout`.
#[track_caller]
pub fn join<T>(what: &str, rx: &std::sync::mpsc::Receiver<T>, timeout: Duration) -> T {
    match rx.recv_timeout(timeout) {
        Ok(v) => v,
        Err(e) => panic!("{what} did not finish within {timeout:?}: {e}"),
    }
}

/// The `/connz` entries of `server` (started with monitoring).
pub fn connz(server: &Server) -> Vec<serde_json::Value> {
    let body = server
        .monitor_json("/connz?subs=1&auth=1")
        .expect("GET /connz");
    body["connections"].as_array().cloned().unwrap_or_default()
}

/// Waits until `/varz` reports no connections (the harness's readiness probe
/// included), for tests that count connections.
pub fn wait_no_connections(server: &Server) {
    natrs_tests::wait_for("no connections in /varz", WAIT, || {
        server.monitor_json("/varz").expect("GET /varz")["connections"] == 0
    });
}

/// Runs `handle` for every message of `sub` on a thread until the
/// subscription ends (or nothing came for [`WAIT`]); the thread returns how
/// many messages it handled. Use it for responders.
pub fn serve<C: SuiteClient>(
    client: &C,
    mut sub: C::Subscriber,
    handle: impl Fn(&C, &Message) + Send + 'static,
) -> std::thread::JoinHandle<usize> {
    let client = client.clone();
    std::thread::spawn(move || {
        let mut n = 0;
        while let Some(m) = sub.next_timeout(WAIT) {
            handle(&client, &m);
            n += 1;
        }
        n
    })
}

/// Replies to `m` with `payload` (panics if it has no reply subject).
pub fn reply<C: SuiteClient>(client: &C, m: &Message, payload: Bytes) {
    let to = m.reply.as_ref().expect("a reply subject");
    client.publish(to.as_str(), payload).expect("publish reply");
}

/// A loopback port nothing listens on (bound, then released).
pub fn dead_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

/// A loopback listener whose accept queue is full, so that connecting to it
/// hangs (the kernel drops the SYNs) until the client gives up. Keep both
/// values alive while the test needs that.
pub fn unanswered_listener() -> (std::net::TcpListener, std::net::TcpStream) {
    use std::os::fd::AsRawFd;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    // Linux lets `listen` change the backlog of a listening socket; with 0,
    // one connection fills the queue.
    // SAFETY: `listen` on a valid socket descriptor that `listener` owns.
    let rc = unsafe { libc::listen(listener.as_raw_fd(), 0) };
    assert_eq!(rc, 0, "listen: {}", std::io::Error::last_os_error());
    let filler =
        std::net::TcpStream::connect(listener.local_addr().expect("addr")).expect("fill the queue");
    (listener, filler)
}
