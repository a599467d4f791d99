//! What every JetStream case shares: the JetStream abstraction ([`js`]),
//! servers, connecting, and waiting on conditions.

pub mod js;
// Shared with the core suite; `port` is not used here.
#[allow(dead_code)]
#[path = "../../suite/support/transport.rs"]
pub mod transport;

pub use js::{
    SuiteBatch, SuiteConsumer, SuiteEvents, SuiteJs, SuiteKv, SuiteMessages, SuiteMsg,
    SuiteObjects, SuitePubAck, SuiteStream, SuiteSub,
};

use natrs_client::ConnectOptions;
use natrs_tests::{Server, ServerConfig};
use std::time::Duration;

/// How long a case waits for something that must happen (a message, an
/// ack). Generous: it only bounds failures.
pub const WAIT: Duration = Duration::from_secs(10);

/// Bounds every call of the async implementations, which panic instead of
/// hanging.
pub const GUARD: Duration = Duration::from_secs(60);

/// A JetStream server of the case's own.
pub fn server() -> Server {
    start(ServerConfig::new())
}

/// A JetStream server with this config text.
pub fn server_with(config: &str) -> Server {
    start(ServerConfig::new().config(config))
}

/// Starts `config`, with a websocket listener when the case runs over one.
pub fn start(config: ServerConfig) -> Server {
    let server = transport::add_listener(config)
        .start()
        .expect("start nats-server");
    transport::register(&server);
    server
}

/// Options that reconnect quickly and forever.
pub fn fast_reconnect() -> ConnectOptions {
    ConnectOptions::new()
        .reconnect_wait(Duration::from_millis(100))
        .max_reconnects(None)
        .connection_timeout(Duration::from_secs(5))
}

/// A context with the defaults on a new connection to `url` (reconnecting
/// quickly and forever).
#[track_caller]
pub fn connect<J: SuiteJs>(url: &str) -> J {
    let (url, options) = transport::adapt(url, fast_reconnect());
    J::connect(&url, options)
}

/// [`connect`] to `server`.
#[track_caller]
pub fn jetstream<J: SuiteJs>(server: &Server) -> J {
    connect(&server.url())
}

/// Checks `condition` until it holds; panics naming `what` after `timeout`.
#[track_caller]
pub fn eventually(what: &str, timeout: Duration, condition: impl FnMut() -> bool) {
    natrs_tests::wait_for(what, timeout, condition)
}

/// Runs `f` on a thread of its own and returns a receiver for its result,
/// so a case can act while a call is in flight.
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

/// Publishes `from..from + n` as payloads to `subject`, each waiting for its
/// ack.
#[track_caller]
pub fn publish_n<J: SuiteJs>(js: &J, subject: &str, from: usize, n: usize) {
    for i in from..from + n {
        if let Err(e) = js.publish(subject, i.to_string()) {
            panic!("publish {i} to {subject}: {e:?}");
        }
    }
}
