//! WebSocket helpers for the cases nats-server will not produce: a scripted
//! WebSocket server end ([`WsPeer`]) and a proxy that forwards one path
//! ([`PathProxy`]).

use super::WAIT;
use natrs_core::ws::handshake::accept_key;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Reads an HTTP request head (up to the empty line) off `stream`.
fn read_head(stream: &mut TcpStream) -> String {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match stream.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => break,
        }
    }
    String::from_utf8_lossy(&head).into_owned()
}

/// The value of header `name` in a request head.
fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().find_map(|line| {
        let (n, v) = line.split_once(':')?;
        n.trim().eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

/// An unmasked server frame.
pub fn server_frame(opcode: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = vec![0x80 | opcode];
    match payload.len() {
        n if n < 126 => out.push(n as u8),
        n if n <= 0xffff => {
            out.push(126);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            out.push(127);
            out.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    out.extend_from_slice(payload);
    out
}

/// The server end of one WebSocket connection, driven by the test.
pub struct WsPeer {
    stream: TcpStream,
    /// Data received (client frames' payloads), not yet taken.
    data: Vec<u8>,
}

impl WsPeer {
    /// Accepts one connection on `listener` and answers its upgrade.
    pub fn accept(listener: &TcpListener) -> WsPeer {
        let (mut stream, _) = listener.accept().expect("accept");
        stream.set_read_timeout(Some(WAIT)).unwrap();
        stream.set_nodelay(true).unwrap();
        let head = read_head(&mut stream);
        let key = header(&head, "Sec-WebSocket-Key").expect("a Sec-WebSocket-Key");
        let answer = format!(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Accept: {}\r\n\r\n",
            accept_key(key)
        );
        stream.write_all(answer.as_bytes()).unwrap();
        WsPeer {
            stream,
            data: Vec::new(),
        }
    }

    /// Writes `bytes` as they are.
    pub fn send(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).unwrap();
    }

    /// Reads one client frame: its opcode and unmasked payload. Client frames
    /// must be masked.
    pub fn read_frame(&mut self) -> (u8, Vec<u8>) {
        let mut head = [0u8; 2];
        self.stream.read_exact(&mut head).expect("a frame header");
        assert!(head[1] & 0x80 != 0, "client frames are masked");
        let len = match head[1] & 0x7f {
            126 => {
                let mut b = [0u8; 2];
                self.stream.read_exact(&mut b).unwrap();
                u64::from(u16::from_be_bytes(b))
            }
            127 => {
                let mut b = [0u8; 8];
                self.stream.read_exact(&mut b).unwrap();
                u64::from_be_bytes(b)
            }
            n => u64::from(n),
        };
        let mut mask = [0u8; 4];
        self.stream.read_exact(&mut mask).unwrap();
        let mut payload = vec![0u8; len as usize];
        self.stream.read_exact(&mut payload).unwrap();
        for (i, b) in payload.iter_mut().enumerate() {
            *b ^= mask[i % 4];
        }
        (head[0] & 0x0f, payload)
    }

    /// Reads data frames until the data received holds `text`; returns
    /// everything up to and including it. Other frames fail the test.
    pub fn read_until(&mut self, text: &str) -> String {
        loop {
            if let Some(at) = find(&self.data, text.as_bytes()) {
                let rest = self.data.split_off(at + text.len());
                let taken = std::mem::replace(&mut self.data, rest);
                return String::from_utf8_lossy(&taken).into_owned();
            }
            let (opcode, payload) = self.read_frame();
            assert!(
                opcode == 0x2 || opcode == 0x1,
                "a data frame, got {opcode:#x}"
            );
            self.data.extend_from_slice(&payload);
        }
    }

    /// Reads frames until a pong; data frames are kept for `read_until`.
    pub fn read_pong(&mut self) -> Vec<u8> {
        loop {
            match self.read_frame() {
                (0xa, payload) => return payload,
                (0x1 | 0x2, payload) => self.data.extend_from_slice(&payload),
                (op, _) => panic!("unexpected frame {op:#x}"),
            }
        }
    }

    /// Sends INFO, reads CONNECT and the handshake PING, sends PONG.
    pub fn handshake(&mut self) {
        let info = natrs_tests::Script::default_info();
        self.send(&server_frame(0x2, format!("INFO {info}\r\n").as_bytes()));
        let got = self.read_until("PING\r\n");
        assert!(got.starts_with("CONNECT "), "{got}");
        self.send(&server_frame(0x2, b"PONG\r\n"));
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// A reverse proxy on loopback that forwards WebSocket upgrades for one path
/// carrying one header to a server's websocket listener (as `/`), and answers
/// anything else with 404. Stops accepting when dropped.
pub struct PathProxy {
    port: u16,
    stop: Arc<AtomicBool>,
}

impl PathProxy {
    /// A proxy for `path` requiring header `name: value`, in front of
    /// `upstream` (`127.0.0.1:port` of a websocket listener).
    pub fn start(path: &str, name: &str, value: &str, upstream: std::net::SocketAddr) -> PathProxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let stop = Arc::new(AtomicBool::new(false));
        let (path, name, value, flag) = (
            path.to_owned(),
            name.to_owned(),
            value.to_owned(),
            stop.clone(),
        );
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if flag.load(Ordering::SeqCst) {
                    return;
                }
                let Ok(mut client) = conn else { continue };
                let head = read_head(&mut client);
                let target = head.split(' ').nth(1).unwrap_or("");
                if target != path || header(&head, &name) != Some(value.as_str()) {
                    let _ =
                        client.write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
                    continue;
                }
                let Ok(mut server) = TcpStream::connect(upstream) else {
                    continue;
                };
                let forwarded = head.replacen(&format!(" {path} "), " / ", 1);
                if server.write_all(forwarded.as_bytes()).is_err() {
                    continue;
                }
                pipe(client, server);
            }
        });
        PathProxy { port, stop }
    }

    /// The proxy's port.
    pub fn port(&self) -> u16 {
        self.port
    }
}

impl Drop for PathProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop so that it sees the flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

/// Copies bytes both ways until either side closes.
fn pipe(a: TcpStream, b: TcpStream) {
    let (a2, b2) = (a.try_clone().unwrap(), b.try_clone().unwrap());
    std::thread::spawn(move || copy(a, b));
    std::thread::spawn(move || copy(b2, a2));
}

fn copy(mut from: TcpStream, mut to: TcpStream) {
    let _ = std::io::copy(&mut from, &mut to);
    let _ = to.shutdown(Shutdown::Both);
    let _ = from.shutdown(Shutdown::Both);
}
