//! Custom dialers on every runtime crate (natrs-tokio, natrs-async-std,
//! natrs-blocking): connections opened by a [`Dialer`] over natrs-client's
//! in-memory transport, forwarded to a real nats-server (bytes counted both
//! ways, so the dialer was used; dialed again after the server restarts) or
//! served by a script on the pipe's other end.

use crate::async_client::AsyncClient;
use crate::async_std_runtime::AsyncStd;
use crate::blocking_client::BlockingClient;
use crate::support::{Bytes, EventLog, SuiteClient, SuiteSubscriber, fast_reconnect, server};
use crate::tokio_runtime::Tokio;
use natrs_client::adapter::BoxFuture;
use natrs_client::memory::{self, MemoryStream};
use natrs_client::{ClientEvent, ConnectOptions, DialedStream, ServerAddr};
use natrs_tests::{ServerConfig, TlsMaterial, TlsOptions};
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

/// Bytes a forwarder moved.
#[derive(Debug, Default)]
struct Counts {
    to_server: AtomicU64,
    to_client: AtomicU64,
    dials: AtomicUsize,
}

/// Copies `from` into `to`, counting, until `from` ends; then ends `to`'s
/// writing.
fn pump(mut from: impl Read, mut to: impl Write, count: &AtomicU64, end: impl FnOnce()) {
    let mut buf = [0u8; 16 * 1024];
    loop {
        match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                // Counted before they are passed on, so whoever reads them
                // finds them counted.
                count.fetch_add(n as u64, Ordering::SeqCst);
                if to.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
        }
    }
    end();
}

/// A dialer that hands the client one end of a pipe and forwards the other
/// to the server's TCP port, counting what passes.
fn forwarding_dialer(
    counts: Arc<Counts>,
) -> impl Fn(&ServerAddr) -> BoxFuture<'static, io::Result<Box<dyn DialedStream>>> + Send + Sync {
    move |server: &ServerAddr| {
        let counts = counts.clone();
        let target = (server.host().to_string(), server.port());
        Box::pin(async move {
            counts.dials.fetch_add(1, Ordering::SeqCst);
            let tcp = TcpStream::connect((target.0.as_str(), target.1))?;
            let (client_end, server_end) = memory::pipe();
            let server_end = Arc::new(server_end);
            let (tcp_in, tcp_out) = (tcp.try_clone()?, tcp);
            let (c1, c2) = (counts.clone(), counts);
            let end_in = server_end.clone();
            std::thread::spawn(move || {
                let shut = tcp_out.try_clone();
                pump(ArcRead(end_in), &tcp_out, &c1.to_server, move || {
                    if let Ok(s) = shut {
                        let _ = s.shutdown(std::net::Shutdown::Write);
                    }
                });
            });
            std::thread::spawn(move || {
                let end_out = server_end.clone();
                pump(tcp_in, ArcWrite(server_end), &c2.to_client, move || {
                    end_out.shutdown()
                });
            });
            Ok(Box::new(client_end) as Box<dyn DialedStream>)
        })
    }
}

/// Reads through a shared pipe end (its reads and writes use separate
/// directions, so one thread reads while another writes).
struct ArcRead(Arc<MemoryStream>);
/// Writes through a shared pipe end.
struct ArcWrite(Arc<MemoryStream>);

impl Read for ArcRead {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        (&*self.0).read(buf)
    }
}

impl Write for ArcWrite {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        (&*self.0).write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// How long a test waits for a message.
const WAIT: Duration = Duration::from_secs(30);

/// Through a dialer forwarding to a real server: publish, subscribe and
/// request work, and every byte went through the dialer's stream.
fn dialer_forwards_to_a_real_server<C: SuiteClient>() {
    let server = server();
    forwarded::<C>(server.url(), ConnectOptions::new());
}

/// TLS runs over the dialed stream when the URL asks for it.
fn tls_runs_over_a_dialed_stream<C: SuiteClient>() {
    let tls = TlsMaterial::generate().unwrap();
    let server = ServerConfig::new()
        .jetstream(false)
        .config(tls.server_config_block(TlsOptions::new()))
        .start()
        .unwrap();
    let options = ConnectOptions::new().add_root_certificates(tls.ca_cert_path());
    forwarded::<C>(server.tls_url(), options);
}

/// Subscribes to `dialed.>`, publishes one message and waits for it.
fn round_trip<C: SuiteClient>(client: &C, payload: &str) {
    let mut sub = client.subscribe("dialed.>").unwrap();
    client.publish("dialed.one", payload).unwrap();
    client.flush().unwrap();
    let msg = sub.next_timeout(WAIT).expect("a message");
    assert_eq!(msg.payload, payload);
}

/// Connects to `url` through the forwarding dialer, checks a message
/// round-trips, and that the dialer carried the connection.
fn forwarded<C: SuiteClient>(url: String, options: ConnectOptions) {
    let counts = Arc::new(Counts::default());
    let options = options.dialer(forwarding_dialer(counts.clone()));
    let client = C::connect(&url, options).expect("connect");
    round_trip(&client, "through the pipe");
    client.close();
    assert_eq!(counts.dials.load(Ordering::SeqCst), 1);
    // CONNECT, SUB, PUB and PINGs went out; INFO, PONGs and the MSG came back.
    assert!(counts.to_server.load(Ordering::SeqCst) > 50);
    assert!(counts.to_client.load(Ordering::SeqCst) > 100);
}

/// When the server restarts, the client reconnects through the dialer
/// (which it calls again) and its subscription works on the new connection.
fn reconnects_through_the_dialer<C: SuiteClient>() {
    let server = server();
    let counts = Arc::new(Counts::default());
    let log = EventLog::new();
    let options = log.attach(fast_reconnect().dialer(forwarding_dialer(counts.clone())));
    let client = C::connect(&server.url(), options).expect("connect");
    let mut sub = client.subscribe("dialed.>").unwrap();
    client.publish("dialed.one", "before").unwrap();
    assert_eq!(sub.next_timeout(WAIT).expect("a message").payload, "before");
    assert_eq!(counts.dials.load(Ordering::SeqCst), 1);
    server.restart().unwrap();
    log.wait("Reconnected", |e| {
        matches!(e, ClientEvent::Reconnected { .. })
    });
    assert!(counts.dials.load(Ordering::SeqCst) >= 2);
    let received = counts.to_client.load(Ordering::SeqCst);
    client.publish("dialed.one", "after").unwrap();
    assert_eq!(sub.next_timeout(WAIT).expect("a message").payload, "after");
    // The message came over the new dialed stream.
    assert!(counts.to_client.load(Ordering::SeqCst) > received);
    client.close();
}

/// A reconnect the application forces gives the dialed stream up: the
/// reader blocked in it returns and the stream ends, though the server
/// (a script on an in-memory pipe, which sends nothing unasked) never
/// ends it; and the client dials again.
fn forced_reconnect_ends_the_dialed_stream<C: SuiteClient>() {
    let (ended_tx, ended) = std::sync::mpsc::channel();
    let dials = Arc::new(AtomicUsize::new(0));
    let dialer = {
        let dials = dials.clone();
        move |_: &ServerAddr| -> BoxFuture<'static, io::Result<Box<dyn DialedStream>>> {
            let i = dials.fetch_add(1, Ordering::SeqCst);
            let (client_end, server_end) = memory::pipe();
            let ended_tx = ended_tx.clone();
            std::thread::spawn(move || {
                answer_until_the_end(server_end);
                let _ = ended_tx.send(i);
            });
            Box::pin(async move { Ok(Box::new(client_end) as Box<dyn DialedStream>) })
        }
    };
    let log = EventLog::new();
    let options = log.attach(fast_reconnect().dialer(dialer));
    let client = C::connect("nats://in-memory:4222", options).expect("connect");
    client.flush().unwrap();
    client.force_reconnect();
    log.wait("Reconnected", |e| {
        matches!(e, ClientEvent::Reconnected { .. })
    });
    assert_eq!(ended.recv_timeout(WAIT), Ok(0), "the first stream ended");
    assert_eq!(dials.load(Ordering::SeqCst), 2);
    client.flush().unwrap();
    client.close();
}

/// A server that stops reading the dialed stream stalls no timer: with the
/// pipe full, a flush still times out on time, and close still returns.
fn a_full_dialed_stream_stalls_no_timer<C: SuiteClient>() {
    let (client_end, server_end) = memory::pipe();
    let slot = Arc::new(std::sync::Mutex::new(Some(client_end)));
    let dialer = move |_: &ServerAddr| -> BoxFuture<'static, io::Result<Box<dyn DialedStream>>> {
        let end = slot.lock().unwrap().take();
        Box::pin(async move {
            end.map(|e| Box::new(e) as Box<dyn DialedStream>)
                .ok_or_else(|| io::Error::other("dialed once only"))
        })
    };
    let (stop_tx, stop) = std::sync::mpsc::channel::<()>();
    let script = std::thread::spawn(move || {
        let server_end = Arc::new(server_end);
        let mut w = ArcWrite(server_end.clone());
        let mut r = BufReader::new(ArcRead(server_end.clone()));
        w.write_all(b"INFO {\"server_id\":\"mem\",\"version\":\"2.15.1\",\"proto\":1,\"headers\":true,\"max_payload\":1048576}\r\n").unwrap();
        assert!(line(&mut r).starts_with("CONNECT {"));
        assert_eq!(line(&mut r), "PING");
        w.write_all(b"PONG\r\n").unwrap();
        // Reads nothing more until told, keeping the stream open; then
        // ends it.
        let _ = stop.recv_timeout(WAIT * 2);
    });
    let client = C::connect(
        "nats://in-memory:4222",
        ConnectOptions::new().dialer(dialer),
    )
    .expect("connect through the pipe");
    let payload = Bytes::from(vec![b'x'; 64 * 1024]);
    // Twice what the pipe holds.
    for _ in 0..2 * memory::CAPACITY / payload.len() {
        client.publish("full", payload.clone()).unwrap();
    }
    let start = std::time::Instant::now();
    assert!(client.flush_timeout(Duration::from_millis(500)).is_err());
    assert!(
        start.elapsed() < WAIT,
        "the flush took {:?}",
        start.elapsed()
    );
    let _ = stop_tx.send(());
    client.close();
    script.join().expect("the script passed");
}

/// Serves one connection of a scripted server: INFO, then PONG for every
/// PING, until the client ends the stream.
fn answer_until_the_end(end: MemoryStream) {
    let end = Arc::new(end);
    let mut w = ArcWrite(end.clone());
    let mut r = BufReader::new(ArcRead(end));
    let _ = w.write_all(b"INFO {\"server_id\":\"mem\",\"version\":\"2.15.1\",\"proto\":1,\"headers\":true,\"max_payload\":1048576}\r\n");
    let mut s = String::new();
    loop {
        s.clear();
        match r.read_line(&mut s) {
            Ok(0) | Err(_) => return,
            Ok(_) if s.trim_end() == "PING" => {
                let _ = w.write_all(b"PONG\r\n");
            }
            Ok(_) => {}
        }
    }
}

/// Reads one line (without its CRLF).
fn line(r: &mut impl BufRead) -> String {
    let mut s = String::new();
    r.read_line(&mut s).expect("a line");
    s.trim_end().to_string()
}

/// Through the in-memory transport with a scripted server on the other end.
fn in_memory_transport_with_a_scripted_server<C: SuiteClient>() {
    let (client_end, server_end) = memory::pipe();
    let slot = Arc::new(std::sync::Mutex::new(Some(client_end)));
    let dialer = move |_: &ServerAddr| -> BoxFuture<'static, io::Result<Box<dyn DialedStream>>> {
        let end = slot.lock().unwrap().take();
        Box::pin(async move {
            end.map(|e| Box::new(e) as Box<dyn DialedStream>)
                .ok_or_else(|| io::Error::other("dialed once only"))
        })
    };
    let script = std::thread::spawn(move || {
        let server_end = Arc::new(server_end);
        let mut w = ArcWrite(server_end.clone());
        let mut r = BufReader::new(ArcRead(server_end));
        w.write_all(b"INFO {\"server_id\":\"mem\",\"version\":\"2.15.1\",\"proto\":1,\"headers\":true,\"max_payload\":1048576}\r\n").unwrap();
        let connect = line(&mut r);
        assert!(connect.starts_with("CONNECT {"), "{connect}");
        assert_eq!(line(&mut r), "PING");
        w.write_all(b"PONG\r\n").unwrap();
        assert_eq!(line(&mut r), "PUB mem.greeting 5");
        assert_eq!(line(&mut r), "hello");
        assert_eq!(line(&mut r), "PING");
        w.write_all(b"PONG\r\n").unwrap();
        connect
    });
    let client = C::connect(
        "nats://in-memory:4222",
        ConnectOptions::new().name("mem").dialer(dialer),
    )
    .expect("connect through the pipe");
    client.publish("mem.greeting", "hello").unwrap();
    client.flush().unwrap();
    client.close();
    let connect = script.join().expect("the script passed");
    assert!(connect.contains("\"name\":\"mem\""), "{connect}");
}

/// One `#[test]` per case and runtime: `tokio_<case>`, `async_std_<case>`,
/// `blocking_<case>`.
macro_rules! dialer_tests {
    ($($case:ident),* $(,)?) => {
        $(
            mod $case {
                use super::*;

                #[test]
                fn tokio() {
                    $case::<AsyncClient<Tokio>>();
                }

                #[test]
                fn async_std() {
                    $case::<AsyncClient<AsyncStd>>();
                }

                #[test]
                fn blocking() {
                    $case::<BlockingClient>();
                }
            }
        )*
    };
}

dialer_tests!(
    dialer_forwards_to_a_real_server,
    tls_runs_over_a_dialed_stream,
    in_memory_transport_with_a_scripted_server,
    reconnects_through_the_dialer,
    forced_reconnect_ends_the_dialed_stream,
    a_full_dialed_stream_stalls_no_timer,
);
