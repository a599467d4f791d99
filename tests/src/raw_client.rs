//! [`RawClient`]: a line-oriented NATS protocol client over a std `TcpStream` (optionally
//! upgraded to TLS with rustls), for tests that check what a server actually sends.

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::pki_types::ServerName;
use rustls::{ClientConfig, ClientConnection, StreamOwned};

use crate::error::{HarnessError, Result};

/// The default deadline for one read operation of a [`RawClient`].
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(5);

/// The longest line a [`RawClient`] accepts before calling the peer broken.
const MAX_LINE: usize = 4 * 1024 * 1024;

/// Anything a [`RawClient`] can talk through (plain TCP or rustls over TCP).
trait Transport: Read + Write + Send {}
impl<T: Read + Write + Send> Transport for T {}

/// One message (`MSG` or `HMSG`) as read by [`RawClient::read_msg`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawMsg {
    /// The subject.
    pub subject: String,
    /// The subscription id.
    pub sid: String,
    /// The reply subject, if any.
    pub reply: Option<String>,
    /// The raw header block (`NATS/1.0...\r\n\r\n`) of an `HMSG`.
    pub headers: Option<Vec<u8>>,
    /// The payload.
    pub payload: Vec<u8>,
}

/// A blocking, line-oriented NATS client for protocol-level tests.
///
/// It does nothing on its own beyond answering a server `PING` that a read skips over.
/// Lines are returned without their `\r\n`. Every read has a deadline
/// ([`DEFAULT_READ_TIMEOUT`] unless set) and fails with [`HarnessError::Timeout`] when it
/// passes, which is how tests assert that something does *not* arrive.
///
/// ```no_run
/// # fn main() -> natrs_tests::Result<()> {
/// let server = natrs_tests::Server::start()?;
/// let mut client = natrs_tests::RawClient::connect(server.addr())?;
/// client.handshake()?;                  // CONNECT {...} + PING, waits for PONG
/// client.send_line("SUB foo 1")?;
/// client.send_line("PUB foo 2")?;
/// client.send_line("hi")?;
/// let msg = client.read_msg()?;
/// assert_eq!(msg.payload, b"hi");
/// # Ok(()) }
/// ```
pub struct RawClient {
    stream: Box<dyn Transport>,
    tcp: TcpStream,
    buf: Vec<u8>,
    info: serde_json::Value,
    timeout: Duration,
    next_sid: u64,
    tls: bool,
}

impl std::fmt::Debug for RawClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RawClient")
            .field("peer", &self.tcp.peer_addr().ok())
            .field("tls", &self.tls)
            .field("buffered", &self.buf.len())
            .finish_non_exhaustive()
    }
}

impl RawClient {
    /// Connects to `addr` and reads the server's INFO line.
    pub fn connect(addr: SocketAddr) -> Result<RawClient> {
        let mut client = RawClient::connect_silent(addr)?;
        client.read_info()?;
        Ok(client)
    }

    /// Connects to `addr` without reading anything (for servers that expect TLS first,
    /// or to test what happens when a client stays silent).
    pub fn connect_silent(addr: SocketAddr) -> Result<RawClient> {
        let tcp = TcpStream::connect_timeout(&addr, DEFAULT_READ_TIMEOUT)
            .map_err(|e| HarnessError::io(format!("connecting to {addr}"), e))?;
        tcp.set_nodelay(true)
            .map_err(|e| HarnessError::io("setting TCP_NODELAY", e))?;
        let plain = tcp
            .try_clone()
            .map_err(|e| HarnessError::io("cloning the socket", e))?;
        Ok(RawClient {
            stream: Box::new(plain),
            tcp,
            buf: Vec::new(),
            info: serde_json::Value::Null,
            timeout: DEFAULT_READ_TIMEOUT,
            next_sid: 1,
            tls: false,
        })
    }

    /// Connects, does the TLS handshake straight away (servers with `handshake_first`),
    /// then reads the INFO line.
    pub fn connect_tls_first(
        addr: SocketAddr,
        config: Arc<ClientConfig>,
        server_name: &str,
    ) -> Result<RawClient> {
        let mut client = RawClient::connect_silent(addr)?;
        client.start_tls(config, server_name)?;
        client.read_info()?;
        Ok(client)
    }

    /// Upgrades the connection to TLS (after INFO, as a NATS client does when the server
    /// says `tls_required`) and completes the handshake within the read timeout.
    ///
    /// With TLS 1.3 a server's rejection of the *client* certificate arrives after the
    /// client finished its handshake: it shows up as an error on the next read.
    pub fn start_tls(&mut self, config: Arc<ClientConfig>, server_name: &str) -> Result<()> {
        if self.tls {
            return Err(HarnessError::Usage(
                "the connection is already TLS".to_owned(),
            ));
        }
        if !self.buf.is_empty() {
            return Err(HarnessError::Protocol(format!(
                "{} plain-text bytes arrived before the TLS upgrade",
                self.buf.len()
            )));
        }
        let name = ServerName::try_from(server_name.to_owned()).map_err(|e| {
            HarnessError::Usage(format!("bad TLS server name {server_name:?}: {e}"))
        })?;
        let conn = ClientConnection::new(config, name)?;
        let sock = self
            .tcp
            .try_clone()
            .map_err(|e| HarnessError::io("cloning the socket", e))?;
        let mut tls = StreamOwned::new(conn, sock);
        let deadline = Instant::now() + self.timeout;
        while tls.conn.is_handshaking() {
            self.set_deadline(deadline)?;
            match tls.conn.complete_io(&mut tls.sock) {
                Ok(_) => {}
                Err(e) if is_timeout(&e) => {
                    if Instant::now() >= deadline {
                        return Err(self.timeout_error("the TLS handshake"));
                    }
                }
                Err(e) => return Err(tls_io_error(e)),
            }
        }
        self.stream = Box::new(tls);
        self.tls = true;
        Ok(())
    }

    /// Whether the connection was upgraded to TLS.
    pub fn is_tls(&self) -> bool {
        self.tls
    }

    /// The last INFO the server sent (`Null` before the first).
    pub fn info(&self) -> &serde_json::Value {
        &self.info
    }

    /// The `nonce` of the last INFO, if any.
    pub fn nonce(&self) -> Option<&str> {
        self.info.get("nonce").and_then(|n| n.as_str())
    }

    /// Sets the deadline of each later read operation.
    pub fn set_timeout(&mut self, timeout: Duration) {
        self.timeout = timeout;
    }

    /// The deadline of each read operation.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Writes raw bytes and flushes.
    pub fn send(&mut self, bytes: impl AsRef<[u8]>) -> Result<()> {
        self.tcp
            .set_write_timeout(Some(self.timeout))
            .map_err(|e| HarnessError::io("setting a write timeout", e))?;
        self.stream
            .write_all(bytes.as_ref())
            .and_then(|()| self.stream.flush())
            .map_err(|e| HarnessError::io("writing to the server", e))
    }

    /// Writes `line` followed by `\r\n`.
    pub fn send_line(&mut self, line: &str) -> Result<()> {
        let mut bytes = Vec::with_capacity(line.len() + 2);
        bytes.extend_from_slice(line.as_bytes());
        bytes.extend_from_slice(b"\r\n");
        self.send(bytes)
    }

    /// Reads the INFO line that starts a connection and stores it.
    pub fn read_info(&mut self) -> Result<&serde_json::Value> {
        let line = self.read_line()?;
        if !line.starts_with("INFO ") {
            return Err(HarnessError::Protocol(format!(
                "expected INFO, got {line:?}"
            )));
        }
        self.info = parse_info(&line)?;
        Ok(&self.info)
    }

    /// Reads the next line, whatever it is (within the read timeout).
    pub fn read_line(&mut self) -> Result<String> {
        let deadline = Instant::now() + self.timeout;
        self.next_line(deadline)
    }

    /// Reads lines until `matches` accepts one, and returns it (within the read timeout).
    ///
    /// Lines it skips are handled as a client would: `INFO` replaces [`RawClient::info`],
    /// `PING` is answered with `PONG`, and a `MSG`/`HMSG` payload is skipped with its
    /// line. A matched `INFO` is stored too.
    pub fn read_until(&mut self, mut matches: impl FnMut(&str) -> bool) -> Result<String> {
        let deadline = Instant::now() + self.timeout;
        loop {
            let line = self.next_line(deadline)?;
            if line.starts_with("INFO ") {
                self.info = parse_info(&line)?;
            }
            if matches(&line) {
                return Ok(line);
            }
            if line == "PING" {
                self.send_line("PONG")?;
            } else if let Some(size) = msg_payload_size(&line) {
                self.read_exact_within(size + 2, deadline)?;
            }
        }
    }

    /// Reads until a line starting with `prefix`; an error if an `-ERR` comes first.
    pub fn expect_prefix(&mut self, prefix: &str) -> Result<String> {
        let line = self.read_until(|l| l.starts_with(prefix) || l.starts_with("-ERR"))?;
        if line.starts_with(prefix) {
            Ok(line)
        } else {
            Err(HarnessError::Protocol(format!(
                "expected {prefix:?}, got {line:?}"
            )))
        }
    }

    /// Reads exactly `n` bytes (within the read timeout).
    pub fn read_bytes(&mut self, n: usize) -> Result<Vec<u8>> {
        let deadline = Instant::now() + self.timeout;
        self.read_exact_within(n, deadline)
    }

    /// Sends `CONNECT <connect>` and `PING`, then waits for `PONG`. An `-ERR` (or the
    /// server closing) first is an error naming what the server said.
    pub fn connect_with(&mut self, connect: &serde_json::Value) -> Result<()> {
        self.send_line(&format!("CONNECT {connect}"))?;
        self.send_line("PING")?;
        let line = self.read_until(|l| l == "PONG" || l.starts_with("-ERR"))?;
        if line == "PONG" {
            Ok(())
        } else {
            Err(HarnessError::Protocol(format!(
                "server refused CONNECT: {line}"
            )))
        }
    }

    /// [`RawClient::connect_with`] with a plain CONNECT (protocol 1, headers, no
    /// responders, no auth).
    pub fn handshake(&mut self) -> Result<()> {
        self.connect_with(&default_connect())
    }

    /// Sends `PING` and waits for `PONG` (within the read timeout).
    pub fn ping(&mut self) -> Result<()> {
        self.send_line("PING")?;
        self.expect_prefix("PONG").map(|_| ())
    }

    /// Reads until the next `MSG`/`HMSG` and returns it with its payload.
    pub fn read_msg(&mut self) -> Result<RawMsg> {
        let deadline = Instant::now() + self.timeout;
        let line = self.read_until(|l| l.starts_with("MSG ") || l.starts_with("HMSG "))?;
        parse_msg_line(&line).and_then(|(mut msg, header_len, total)| {
            let body = self.read_exact_within(total + 2, deadline)?;
            if &body[total..] != b"\r\n" {
                return Err(HarnessError::Protocol(format!(
                    "payload of {line:?} not followed by CRLF"
                )));
            }
            if let Some(h) = header_len {
                msg.headers = Some(body[..h].to_vec());
                msg.payload = body[h..total].to_vec();
            } else {
                msg.payload = body[..total].to_vec();
            }
            Ok(msg)
        })
    }

    /// Subscribes to a fresh inbox, publishes `payload` to `subject` with that reply
    /// subject, and returns the first reply (a JetStream API call, for example).
    pub fn request(&mut self, subject: &str, payload: &[u8]) -> Result<RawMsg> {
        let sid = self.next_sid;
        self.next_sid += 1;
        let inbox = format!("_INBOX.natrs_tests.{sid}");
        self.send_line(&format!("SUB {inbox} {sid}"))?;
        self.send_line(&format!("UNSUB {sid} 1"))?;
        let mut frame = format!("PUB {subject} {inbox} {}\r\n", payload.len()).into_bytes();
        frame.extend_from_slice(payload);
        frame.extend_from_slice(b"\r\n");
        self.send(frame)?;
        let msg = self.read_msg()?;
        if msg.sid != sid.to_string() {
            return Err(HarnessError::Protocol(format!(
                "reply for sid {} while waiting for {sid}",
                msg.sid
            )));
        }
        Ok(msg)
    }

    /// [`RawClient::request`] with a JSON body, parsing the reply as JSON.
    pub fn request_json(
        &mut self,
        subject: &str,
        body: &serde_json::Value,
    ) -> Result<serde_json::Value> {
        let reply = self.request(subject, body.to_string().as_bytes())?;
        Ok(serde_json::from_slice(&reply.payload)?)
    }

    /// Waits until the server closes the connection (a read returns end of file),
    /// discarding what arrives meanwhile; returns the lines read on the way.
    pub fn expect_close(&mut self) -> Result<Vec<String>> {
        let deadline = Instant::now() + self.timeout;
        let mut lines = Vec::new();
        loop {
            match self.next_line(deadline) {
                Ok(line) => lines.push(line),
                Err(HarnessError::Protocol(m)) if m.starts_with(CLOSED) => return Ok(lines),
                Err(HarnessError::Io { source, .. })
                    if matches!(
                        source.kind(),
                        ErrorKind::ConnectionReset
                            | ErrorKind::ConnectionAborted
                            | ErrorKind::UnexpectedEof
                    ) =>
                {
                    return Ok(lines);
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Shuts the socket down in both directions.
    pub fn close(self) {
        let _ = self.tcp.shutdown(Shutdown::Both);
    }

    fn next_line(&mut self, deadline: Instant) -> Result<String> {
        let mut searched = 0;
        loop {
            if let Some(pos) = self.buf[searched..].iter().position(|&b| b == b'\n') {
                let end = searched + pos;
                let mut line: Vec<u8> = self.buf.drain(..=end).collect();
                line.pop();
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                return String::from_utf8(line)
                    .map_err(|e| HarnessError::Protocol(format!("line is not UTF-8: {e}")));
            }
            searched = self.buf.len();
            if searched > MAX_LINE {
                return Err(HarnessError::Protocol(format!(
                    "no line end in {searched} bytes"
                )));
            }
            self.fill(deadline, "a line")?;
        }
    }

    fn read_exact_within(&mut self, n: usize, deadline: Instant) -> Result<Vec<u8>> {
        while self.buf.len() < n {
            self.fill(deadline, "message bytes")?;
        }
        Ok(self.buf.drain(..n).collect())
    }

    /// Reads whatever is available into the buffer, waiting until `deadline`.
    fn fill(&mut self, deadline: Instant, what: &str) -> Result<()> {
        let mut chunk = [0u8; 16 * 1024];
        loop {
            self.set_deadline(deadline)?;
            match self.stream.read(&mut chunk) {
                Ok(0) => {
                    return Err(HarnessError::Protocol(format!(
                        "{CLOSED} while waiting for {what}"
                    )));
                }
                Ok(n) => {
                    self.buf.extend_from_slice(&chunk[..n]);
                    return Ok(());
                }
                Err(e) if is_timeout(&e) || e.kind() == ErrorKind::Interrupted => {
                    if Instant::now() >= deadline {
                        return Err(self.timeout_error(what));
                    }
                }
                Err(e) => return Err(tls_io_error(e)),
            }
        }
    }

    fn set_deadline(&self, deadline: Instant) -> Result<()> {
        let left = deadline
            .saturating_duration_since(Instant::now())
            .max(Duration::from_millis(1));
        self.tcp
            .set_read_timeout(Some(left))
            .map_err(|e| HarnessError::io("setting a read timeout", e))
    }

    fn timeout_error(&self, what: &str) -> HarnessError {
        HarnessError::Timeout {
            what: what.to_owned(),
            waited: self.timeout,
        }
    }
}

/// The prefix of the error a read returns when the peer closed the connection.
const CLOSED: &str = "connection closed by the server";

/// A CONNECT body with protocol 1, headers and no-responders, and no auth.
pub fn default_connect() -> serde_json::Value {
    serde_json::json!({
        "verbose": false,
        "pedantic": false,
        "lang": "rust",
        "version": "natrs-tests",
        "protocol": 1,
        "headers": true,
        "no_responders": true,
    })
}

fn parse_info(line: &str) -> Result<serde_json::Value> {
    let json = line.strip_prefix("INFO ").unwrap_or(line).trim();
    Ok(serde_json::from_str(json)?)
}

fn is_timeout(e: &std::io::Error) -> bool {
    matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut)
}

/// Turns an io error carrying a rustls error into [`HarnessError::Tls`].
fn tls_io_error(e: std::io::Error) -> HarnessError {
    let is_tls = e
        .get_ref()
        .is_some_and(|inner| inner.downcast_ref::<rustls::Error>().is_some());
    if is_tls {
        let inner = e
            .into_inner()
            .and_then(|inner| inner.downcast::<rustls::Error>().ok());
        if let Some(tls) = inner {
            return HarnessError::Tls(*tls);
        }
        return HarnessError::Protocol("TLS failure".to_owned());
    }
    HarnessError::io("talking to the server", e)
}

/// The payload size (including headers) announced by a `MSG`/`HMSG` line.
fn msg_payload_size(line: &str) -> Option<usize> {
    if line.starts_with("MSG ") || line.starts_with("HMSG ") {
        line.split_whitespace().last()?.parse().ok()
    } else {
        None
    }
}

/// Parses `MSG subj sid [reply] size` / `HMSG subj sid [reply] hsize size` into a
/// message without payload, the header size and the total size.
fn parse_msg_line(line: &str) -> Result<(RawMsg, Option<usize>, usize)> {
    let bad = || HarnessError::Protocol(format!("bad message line {line:?}"));
    let parts: Vec<&str> = line.split_whitespace().collect();
    let num = |s: &str| s.parse::<usize>().map_err(|_| bad());
    let (subject, sid, reply, header_len, total) = match parts.as_slice() {
        ["MSG", s, sid, n] => (*s, *sid, None, None, num(n)?),
        ["MSG", s, sid, r, n] => (*s, *sid, Some(*r), None, num(n)?),
        ["HMSG", s, sid, h, n] => (*s, *sid, None, Some(num(h)?), num(n)?),
        ["HMSG", s, sid, r, h, n] => (*s, *sid, Some(*r), Some(num(h)?), num(n)?),
        _ => return Err(bad()),
    };
    if header_len.is_some_and(|h| h > total) {
        return Err(bad());
    }
    Ok((
        RawMsg {
            subject: subject.to_owned(),
            sid: sid.to_owned(),
            reply: reply.map(str::to_owned),
            headers: None,
            payload: Vec::new(),
        },
        header_len,
        total,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_message_lines() {
        let (m, h, n) = parse_msg_line("MSG a.b 7 _INBOX.x 12").unwrap();
        assert_eq!((m.subject.as_str(), m.sid.as_str()), ("a.b", "7"));
        assert_eq!(m.reply.as_deref(), Some("_INBOX.x"));
        assert_eq!((h, n), (None, 12));
        let (m, h, n) = parse_msg_line("HMSG a 1 22 30").unwrap();
        assert_eq!(m.reply, None);
        assert_eq!((h, n), (Some(22), 30));
        assert!(parse_msg_line("HMSG a 1 31 30").is_err());
        assert!(parse_msg_line("MSG a").is_err());
        assert!(parse_msg_line("MSG a 1 x").is_err());
        assert_eq!(msg_payload_size("HMSG a 1 r 2 5"), Some(5));
        assert_eq!(msg_payload_size("PONG"), None);
    }
}
