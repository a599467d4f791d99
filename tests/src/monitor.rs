//! Plain HTTP/1.0 GETs against a nats-server monitoring port (`/varz`, `/routez`,
//! `/jsz`, `/healthz`, ...), over a std `TcpStream`.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use crate::error::{HarnessError, Result};

/// The largest monitoring response the harness reads.
const MAX_RESPONSE: u64 = 16 * 1024 * 1024;

/// One HTTP response from a monitoring endpoint.
#[derive(Debug, Clone)]
pub struct HttpResponse {
    /// The status code (200, 503, ...).
    pub status: u16,
    /// The body as text.
    pub body: String,
}

impl HttpResponse {
    /// The body parsed as JSON.
    pub fn json(&self) -> Result<serde_json::Value> {
        Ok(serde_json::from_str(&self.body)?)
    }
}

/// `GET path` (e.g. `/jsz?leader-only=true`) from the monitoring server at `addr`.
///
/// Sends an HTTP/1.0 request and reads until the server closes the connection.
pub fn http_get(addr: SocketAddr, path: &str, timeout: Duration) -> Result<HttpResponse> {
    let ctx = |what: &str| format!("{what} http://{addr}{path}");
    let mut stream = TcpStream::connect_timeout(&addr, timeout)
        .map_err(|e| HarnessError::io(ctx("connecting for"), e))?;
    stream
        .set_read_timeout(Some(timeout))
        .and_then(|()| stream.set_write_timeout(Some(timeout)))
        .map_err(|e| HarnessError::io("setting socket timeouts", e))?;
    let request = format!("GET {path} HTTP/1.0\r\nHost: {addr}\r\nAccept: */*\r\n\r\n");
    stream
        .write_all(request.as_bytes())
        .map_err(|e| HarnessError::io(ctx("sending GET"), e))?;
    let mut raw = Vec::new();
    stream
        .take(MAX_RESPONSE)
        .read_to_end(&mut raw)
        .map_err(|e| HarnessError::io(ctx("reading the response to GET"), e))?;
    parse_response(&raw)
}

/// `GET path` and parse the body as JSON; an error unless the status is 200.
pub fn get_json(addr: SocketAddr, path: &str, timeout: Duration) -> Result<serde_json::Value> {
    let response = http_get(addr, path, timeout)?;
    if response.status != 200 {
        return Err(HarnessError::Protocol(format!(
            "GET http://{addr}{path}: status {}: {}",
            response.status,
            response.body.trim()
        )));
    }
    response.json()
}

fn parse_response(raw: &[u8]) -> Result<HttpResponse> {
    let text = String::from_utf8_lossy(raw);
    let (head, body) = text.split_once("\r\n\r\n").ok_or_else(|| {
        HarnessError::Protocol(format!("HTTP response without a header end: {text:?}"))
    })?;
    let status_line = head.lines().next().unwrap_or("");
    let status = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| HarnessError::Protocol(format!("bad HTTP status line {status_line:?}")))?;
    Ok(HttpResponse {
        status,
        body: body.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_responses() {
        let r = parse_response(b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n\r\n{\"status\":\"unavailable\"}").unwrap();
        assert_eq!(r.status, 503);
        assert_eq!(r.json().unwrap()["status"], "unavailable");
        assert!(parse_response(b"HTTP/1.1 200 OK\r\n").is_err());
        assert!(parse_response(b"garbage\r\n\r\n").is_err());
    }
}
