//! Server addresses: `nats://user:pass@host:port` URLs and lists of them.
//!
//! Accepted forms, as in the reference clients:
//!
//! | input | scheme | host | port | credentials |
//! |---|---|---|---|---|
//! | `nats://user:pass@host:4222` | nats | `host` | 4222 | user `user`, password `pass` |
//! | `nats://token@host` | nats | `host` | 4222 | token `token` |
//! | `tls://host` | tls | `host` | 4222 | |
//! | `host:4333`, `host`, `host:` | nats | `host` | 4333, 4222, 4222 | |
//! | `[::1]:4222`, `::1` | nats | `::1` | 4222 | |
//! | `ws://host`, `wss://host` | ws, wss | `host` | 80, 443 | |
//!
//! Schemes are case-insensitive. User and password are percent-decoded. A
//! websocket URL keeps its path and query (`ws://host/nats?x=1`: the upgrade
//! request goes to `/nats?x=1`); anything after the authority is ignored for
//! the other schemes, and a fragment always is. `Display` and `Debug` never
//! show a password or token.

use crate::secret::Secret;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;
use core::net::{IpAddr, Ipv6Addr};
use core::str::FromStr;

/// The default NATS port.
pub const DEFAULT_PORT: u16 = 4222;

/// How to talk to a server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Scheme {
    /// `nats://`: plain TCP, upgraded to TLS if the server or client requires it.
    Nats,
    /// `tls://`: TLS required.
    Tls,
    /// `ws://`: NATS over a WebSocket on plain TCP.
    Ws,
    /// `wss://`: NATS over a WebSocket on TLS.
    Wss,
}

impl Scheme {
    /// The scheme as written in a URL (`nats`, `tls`, `ws`, `wss`).
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Nats => "nats",
            Scheme::Tls => "tls",
            Scheme::Ws => "ws",
            Scheme::Wss => "wss",
        }
    }

    /// The port used when a URL has none: 4222, or 80 and 443 for websockets.
    pub fn default_port(self) -> u16 {
        match self {
            Scheme::Nats | Scheme::Tls => DEFAULT_PORT,
            Scheme::Ws => 80,
            Scheme::Wss => 443,
        }
    }

    /// Whether this is a websocket scheme.
    pub fn is_websocket(self) -> bool {
        matches!(self, Scheme::Ws | Scheme::Wss)
    }

    /// Whether the scheme requires TLS (`tls`, `wss`).
    pub fn is_tls(self) -> bool {
        matches!(self, Scheme::Tls | Scheme::Wss)
    }

    fn from_name(name: &str) -> Option<Scheme> {
        [Scheme::Nats, Scheme::Tls, Scheme::Ws, Scheme::Wss]
            .into_iter()
            .find(|s| s.as_str().eq_ignore_ascii_case(name))
    }
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A server address could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ServerAddrError {
    /// The address (or the whole list) is empty.
    #[error("empty server address")]
    Empty,
    /// The scheme is not `nats`, `tls`, `ws` or `wss`.
    #[error("unknown URL scheme {0:?}")]
    UnknownScheme(String),
    /// There is no host.
    #[error("missing host")]
    MissingHost,
    /// The host is neither a host name nor an IP address (IPv6 addresses with a
    /// port need brackets: `[::1]:4222`).
    #[error("invalid host {0:?}")]
    InvalidHost(String),
    /// The port is not a number from 1 to 65535. (The text is not included: in a
    /// URL missing its host, such as `nats://user:pass`, it would be the password.)
    #[error("invalid port: expected a number from 1 to 65535")]
    InvalidPort,
    /// The user or password has a bad percent-escape or is not UTF-8 once decoded.
    #[error("invalid percent-encoding in the user information")]
    InvalidUserInfo,
    /// A websocket URL's path has a space or a control character.
    #[error("invalid websocket path: spaces and control characters must be percent-encoded")]
    InvalidPath,
}

/// A parsed server URL.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ServerAddr {
    scheme: Scheme,
    /// Host name or IP address, without brackets.
    host: String,
    port: u16,
    user: Option<Secret>,
    password: Option<Secret>,
    /// The request target of a websocket URL, if it has one besides `/`.
    path: Option<String>,
}

impl ServerAddr {
    /// Parses one server URL (surrounding whitespace is ignored).
    pub fn parse(input: &str) -> Result<ServerAddr, ServerAddrError> {
        let input = input.trim();
        if input.is_empty() {
            return Err(ServerAddrError::Empty);
        }
        let (scheme, rest) = match input.split_once("://") {
            Some((name, rest)) => (
                Scheme::from_name(name)
                    .ok_or_else(|| ServerAddrError::UnknownScheme(name.to_string()))?,
                rest,
            ),
            None => (Scheme::Nats, input),
        };
        Self::parse_authority(scheme, rest)
    }

    /// Parses a comma-separated list of server URLs (`"a, b ,c"`); empty entries are
    /// skipped. An empty list is an error.
    pub fn parse_list(input: &str) -> Result<Vec<ServerAddr>, ServerAddrError> {
        let list = input
            .split(',')
            .filter(|item| !item.trim().is_empty())
            .map(ServerAddr::parse)
            .collect::<Result<Vec<_>, _>>()?;
        if list.is_empty() {
            return Err(ServerAddrError::Empty);
        }
        Ok(list)
    }

    /// Parses an entry of `INFO`'s `connect_urls` (`host:port`, no scheme), giving it
    /// `scheme`: that of the server it was learned from. An entry that does have a
    /// scheme keeps it.
    pub fn from_discovered(input: &str, scheme: Scheme) -> Result<ServerAddr, ServerAddrError> {
        let input = input.trim();
        if input.is_empty() {
            return Err(ServerAddrError::Empty);
        }
        if input.contains("://") {
            return Self::parse(input);
        }
        Self::parse_authority(scheme, input)
    }

    /// An address from its parts, without credentials.
    pub fn new(scheme: Scheme, host: &str, port: u16) -> Result<ServerAddr, ServerAddrError> {
        let host = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host);
        check_host(host)?;
        if port == 0 {
            return Err(ServerAddrError::InvalidPort);
        }
        Ok(ServerAddr {
            scheme,
            host: host.to_string(),
            port,
            user: None,
            password: None,
            path: None,
        })
    }

    /// `[userinfo@]host[:port][/path...]`
    fn parse_authority(scheme: Scheme, rest: &str) -> Result<ServerAddr, ServerAddrError> {
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let authority = &rest[..end];
        let path = match rest[end..].split('#').next().unwrap_or("") {
            _ if !scheme.is_websocket() => None,
            "" | "/" => None,
            p if p.starts_with('/') => Some(p.to_string()),
            p => Some(format!("/{p}")),
        };
        if path
            .as_ref()
            .is_some_and(|p| p.bytes().any(|b| b <= b' ' || b == 0x7f))
        {
            return Err(ServerAddrError::InvalidPath);
        }
        let (user_info, host_port) = match authority.rsplit_once('@') {
            Some((user_info, host_port)) => (Some(user_info), host_port),
            None => (None, authority),
        };
        let (user, password) = match user_info {
            None => (None, None),
            Some(info) => match info.split_once(':') {
                Some((user, password)) => {
                    let user = Secret::from(percent_decode(user)?);
                    (Some(user), Some(Secret::from(percent_decode(password)?)))
                }
                None if info.is_empty() => (None, None),
                None => (Some(Secret::from(percent_decode(info)?)), None),
            },
        };
        let (host, port) = split_host_port(host_port)?;
        check_host(host)?;
        let port = match port {
            None | Some("") => scheme.default_port(),
            Some(port) => parse_port(port)?,
        };
        Ok(ServerAddr {
            scheme,
            host: host.to_string(),
            port,
            user,
            password,
            path,
        })
    }

    /// The scheme.
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// The host name or IP address (IPv6 without brackets).
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The port (the scheme's default if the URL had none).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The request target of a websocket URL: its path and query, `/` when it
    /// has none (always `/` for the other schemes).
    pub fn path(&self) -> &str {
        self.path.as_deref().unwrap_or("/")
    }

    /// The percent-decoded user name, if the URL had one. Without a password this
    /// is a token (see [`ServerAddr::token`]).
    pub fn user(&self) -> Option<&str> {
        self.user.as_ref().map(Secret::expose)
    }

    /// The percent-decoded password, if the URL had one (`user:pass@`).
    pub fn password(&self) -> Option<&str> {
        self.password.as_ref().map(Secret::expose)
    }

    /// The token: the user information of a URL without a password
    /// (`nats://token@host`).
    pub fn token(&self) -> Option<&str> {
        match self.password {
            None => self.user.as_ref().map(Secret::expose),
            Some(_) => None,
        }
    }

    /// Whether the URL carries a user, password or token.
    pub fn has_credentials(&self) -> bool {
        self.user.is_some() || self.password.is_some()
    }

    /// Copies the user information of `other` (the server a discovered address
    /// was learned from) if this address has none.
    pub fn inherit_credentials(&mut self, other: &ServerAddr) {
        if !self.has_credentials() {
            self.user.clone_from(&other.user);
            self.password.clone_from(&other.password);
        }
    }

    /// Whether the scheme requires TLS (`tls://`, `wss://`).
    pub fn is_tls(&self) -> bool {
        self.scheme.is_tls()
    }

    /// This address with TLS: `nats` becomes `tls`, `ws` becomes `wss`.
    pub(crate) fn into_tls(mut self) -> ServerAddr {
        self.scheme = match self.scheme {
            Scheme::Nats | Scheme::Tls => Scheme::Tls,
            Scheme::Ws | Scheme::Wss => Scheme::Wss,
        };
        self
    }

    /// Whether the scheme is a websocket one (`ws://`, `wss://`).
    pub fn is_websocket(&self) -> bool {
        self.scheme.is_websocket()
    }

    /// Whether the host is an IP address literal rather than a name.
    pub fn is_ip(&self) -> bool {
        self.ip().is_some()
    }

    /// The host as an IP address, if it is one.
    pub fn ip(&self) -> Option<IpAddr> {
        self.host.parse().ok()
    }

    /// `host:port` for connecting, with brackets around an IPv6 address
    /// (`[::1]:4222`).
    pub fn host_port(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    fn write_host_port(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

impl fmt::Display for ServerAddr {
    /// `scheme://host:port`, with `user:xxxxx@` or `xxxxx@` in place of the
    /// credentials: never the password or token.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://", self.scheme)?;
        match (&self.user, &self.password) {
            (Some(user), Some(_)) => write!(f, "{}:xxxxx@", user.expose())?,
            (None, Some(_)) => f.write_str(":xxxxx@")?,
            (Some(_), None) => f.write_str("xxxxx@")?,
            (None, None) => {}
        }
        self.write_host_port(f)?;
        if let Some(path) = &self.path {
            f.write_str(path)?;
        }
        Ok(())
    }
}

impl fmt::Debug for ServerAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ServerAddr({self})")
    }
}

impl FromStr for ServerAddr {
    type Err = ServerAddrError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ServerAddr::parse(s)
    }
}

/// `input` (one server URL or a comma-separated list of them, parsed or not)
/// with the user information of every URL replaced as [`ServerAddr`]'s
/// `Display` does: `user:xxxxx@` for a user and password, `xxxxx@` for a
/// token. For showing an address that failed to parse without its secrets.
pub fn redact_credentials(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    for (i, item) in input.split(',').enumerate() {
        if i > 0 {
            out.push(',');
        }
        let (scheme, rest) = match item.find("://") {
            Some(at) => item.split_at(at + 3),
            None => ("", item),
        };
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        out.push_str(scheme);
        match rest[..end].rsplit_once('@') {
            Some((user_info, _)) => {
                match user_info.split_once(':') {
                    Some((user, _)) => {
                        out.push_str(user);
                        out.push_str(":xxxxx");
                    }
                    None => out.push_str("xxxxx"),
                }
                out.push_str(&rest[user_info.len()..]);
            }
            None => out.push_str(rest),
        }
    }
    out
}

/// Splits `host[:port]` / `[v6][:port]` / a bare IPv6 address.
fn split_host_port(input: &str) -> Result<(&str, Option<&str>), ServerAddrError> {
    if input.is_empty() {
        return Err(ServerAddrError::MissingHost);
    }
    if let Some(bracketed) = input.strip_prefix('[') {
        let Some((host, after)) = bracketed.split_once(']') else {
            return Err(ServerAddrError::InvalidHost(input.to_string()));
        };
        if host.parse::<Ipv6Addr>().is_err() {
            return Err(ServerAddrError::InvalidHost(host.to_string()));
        }
        return match after.strip_prefix(':') {
            Some(port) => Ok((host, Some(port))),
            None if after.is_empty() => Ok((host, None)),
            None => Err(ServerAddrError::InvalidPort),
        };
    }
    if input.parse::<Ipv6Addr>().is_ok() {
        return Ok((input, None));
    }
    match input.rsplit_once(':') {
        Some((host, port)) => Ok((host, Some(port))),
        None => Ok((input, None)),
    }
}

fn check_host(host: &str) -> Result<(), ServerAddrError> {
    if host.is_empty() {
        return Err(ServerAddrError::MissingHost);
    }
    let name_like = host
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'));
    if name_like || host.parse::<Ipv6Addr>().is_ok() {
        Ok(())
    } else {
        Err(ServerAddrError::InvalidHost(host.to_string()))
    }
}

fn parse_port(port: &str) -> Result<u16, ServerAddrError> {
    let bad = || ServerAddrError::InvalidPort;
    if port.is_empty() || port.len() > 5 || !port.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    match port.parse::<u16>() {
        Ok(0) | Err(_) => Err(bad()),
        Ok(n) => Ok(n),
    }
}

/// Decodes `%XX` escapes; the result must be UTF-8.
fn percent_decode(input: &str) -> Result<String, ServerAddrError> {
    if !input.contains('%') {
        return Ok(input.to_string());
    }
    let bytes = input.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hi = bytes.get(i + 1).and_then(|&b| hex_value(b));
            let lo = bytes.get(i + 2).and_then(|&b| hex_value(b));
            match (hi, lo) {
                (Some(hi), Some(lo)) => out.push(hi << 4 | lo),
                _ => return Err(ServerAddrError::InvalidUserInfo),
            }
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| ServerAddrError::InvalidUserInfo)
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(s: &str) -> ServerAddr {
        s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn full_url_with_user_and_password() {
        let a = addr("nats://user:pass@example.com:4333");
        assert_eq!(a.scheme(), Scheme::Nats);
        assert_eq!(a.host(), "example.com");
        assert_eq!(a.port(), 4333);
        assert_eq!(a.user(), Some("user"));
        assert_eq!(a.password(), Some("pass"));
        assert_eq!(a.token(), None);
        assert!(!a.is_tls());
        assert!(!a.is_ip());
        assert_eq!(a.host_port(), "example.com:4333");
    }

    #[test]
    fn token_url() {
        let a = addr("nats://s3cr3t@localhost");
        assert_eq!(a.token(), Some("s3cr3t"));
        assert_eq!(a.user(), Some("s3cr3t"));
        assert_eq!(a.password(), None);
        assert_eq!(a.port(), DEFAULT_PORT);
    }

    #[test]
    fn tls_and_case_insensitive_scheme() {
        let a = addr("tls://demo.nats.io");
        assert_eq!(a.scheme(), Scheme::Tls);
        assert!(a.is_tls());
        assert_eq!(a.port(), 4222);
        assert_eq!(addr("NATS://H:1").scheme(), Scheme::Nats);
        assert_eq!(addr("Tls://h").scheme(), Scheme::Tls);
    }

    #[test]
    fn host_only_and_host_port() {
        let a = addr("localhost");
        assert_eq!(
            (a.scheme(), a.host(), a.port()),
            (Scheme::Nats, "localhost", 4222)
        );
        let a = addr("10.0.0.1:4333");
        assert_eq!((a.host(), a.port()), ("10.0.0.1", 4333));
        assert!(a.is_ip());
        assert_eq!(a.ip(), Some(IpAddr::from([10, 0, 0, 1])));
        // A trailing colon means the default port, as in the reference client.
        assert_eq!(addr("localhost:").port(), 4222);
        assert_eq!(addr("  nats://h:5  ").port(), 5);
        assert_eq!(addr("my_host-1.internal").host(), "my_host-1.internal");
    }

    #[test]
    fn ipv6() {
        let a = addr("[::1]:4222");
        assert_eq!(a.host(), "::1");
        assert_eq!(a.port(), 4222);
        assert!(a.is_ip());
        assert_eq!(a.host_port(), "[::1]:4222");
        assert_eq!(format!("{a}"), "nats://[::1]:4222");
        let a = addr("tls://u:p@[2001:db8::7]");
        assert_eq!((a.host(), a.port()), ("2001:db8::7", 4222));
        assert_eq!(a.host_port(), "[2001:db8::7]:4222");
        let a = addr("::1");
        assert_eq!((a.host(), a.port()), ("::1", 4222));
        assert_eq!(addr("[fe80::1]").host_port(), "[fe80::1]:4222");
    }

    #[test]
    fn websocket_schemes() {
        let a = addr("ws://host");
        assert_eq!(a.scheme(), Scheme::Ws);
        assert!(a.is_websocket());
        assert!(!a.is_tls());
        assert_eq!(a.port(), 80);
        let a = addr("wss://host/path");
        assert_eq!(a.scheme(), Scheme::Wss);
        assert!(a.is_websocket() && a.is_tls());
        assert_eq!(a.port(), 443);
        assert_eq!(addr("wss://host:8443").port(), 8443);
        assert!(!addr("nats://h").is_websocket());
        assert_eq!(addr("wss://host/path").path(), "/path");
        assert_eq!(addr("ws://host:80/a/b?c=d#frag").path(), "/a/b?c=d");
        assert_eq!(addr("ws://host?x").path(), "/?x");
        assert_eq!(addr("ws://host/").path(), "/");
        assert_eq!(addr("ws://host").path(), "/");
        assert_eq!(addr("nats://host/ignored").path(), "/");
        assert_eq!(format!("{}", addr("ws://u:p@h:1/p")), "ws://u:xxxxx@h:1/p");
        assert_eq!(
            ServerAddr::parse("ws://h/a b"),
            Err(ServerAddrError::InvalidPath)
        );
    }

    #[test]
    fn percent_decoding_of_user_info() {
        let a = addr("nats://us%40er:p%3Aa%2Fss%25@h");
        assert_eq!(a.user(), Some("us@er"));
        assert_eq!(a.password(), Some("p:a/ss%"));
        // A password with a colon in it, unescaped, and an '@' (the last '@' ends
        // the user information).
        let a = addr("nats://u:a:b@c@h:1");
        assert_eq!(a.user(), Some("u"));
        assert_eq!(a.password(), Some("a:b@c"));
        assert_eq!(a.host(), "h");
        assert_eq!(addr("nats://t%C3%A9@h").token(), Some("t\u{e9}"));
        let a = addr("nats://user:@h");
        assert_eq!(a.password(), Some(""));
        assert_eq!(a.token(), None);
        assert!(!addr("nats://@h").has_credentials());
    }

    #[test]
    fn path_query_and_fragment_are_ignored() {
        assert_eq!(addr("nats://h:1/").host_port(), "h:1");
        assert_eq!(addr("nats://h:1?x=y").host_port(), "h:1");
        assert_eq!(addr("nats://h#frag").host_port(), "h:4222");
    }

    #[test]
    fn errors() {
        use ServerAddrError as E;
        let err = |s: &str| ServerAddr::parse(s).unwrap_err();
        assert_eq!(err(""), E::Empty);
        assert_eq!(err("   "), E::Empty);
        assert_eq!(err("http://h"), E::UnknownScheme("http".to_string()));
        assert_eq!(err("://h"), E::UnknownScheme(String::new()));
        assert_eq!(err("nats://"), E::MissingHost);
        assert_eq!(err("nats://u:p@"), E::MissingHost);
        assert_eq!(err("nats://:4222"), E::MissingHost);
        assert_eq!(err("h:0"), E::InvalidPort);
        assert_eq!(err("h:65536"), E::InvalidPort);
        assert_eq!(err("h:99999999999999999999"), E::InvalidPort);
        assert_eq!(err("h:+1"), E::InvalidPort);
        assert_eq!(err("h:abc"), E::InvalidPort);
        assert_eq!(err("[::1]x"), E::InvalidPort);
        assert_eq!(err("[::1"), E::InvalidHost("[::1".to_string()));
        assert_eq!(err("[nope]:1"), E::InvalidHost("nope".to_string()));
        assert_eq!(err("a:b:c"), E::InvalidHost("a:b".to_string()));
        assert_eq!(err("ho st"), E::InvalidHost("ho st".to_string()));
        assert_eq!(err("nats://u:%zz@h"), E::InvalidUserInfo);
        assert_eq!(err("nats://u:%4@h"), E::InvalidUserInfo);
        assert_eq!(err("nats://%ff@h"), E::InvalidUserInfo);
    }

    #[test]
    fn errors_never_contain_the_password() {
        for s in [
            "nats://u:hunter2@",
            "nats://u:hunter2@bad host",
            "nats://u:hunter2@h:x",
            "nats://u:hunter2",
        ] {
            let e = ServerAddr::parse(s).unwrap_err();
            assert!(!format!("{e} {e:?}").contains("hunter2"), "{s}");
        }
    }

    #[test]
    fn redacting_hides_user_information_of_every_url() {
        assert_eq!(
            redact_credentials("nats://u:hunter2@bad host, tls://tok@h:x,h:4222"),
            "nats://u:xxxxx@bad host, tls://xxxxx@h:x,h:4222"
        );
        assert_eq!(redact_credentials("u:p@w@h/x@y"), "u:xxxxx@h/x@y");
        assert_eq!(redact_credentials("nats://h:1"), "nats://h:1");
        assert_eq!(redact_credentials(""), "");
    }

    #[test]
    fn display_and_debug_hide_secrets() {
        let a = addr("nats://alice:hunter2@h:1");
        assert_eq!(format!("{a}"), "nats://alice:xxxxx@h:1");
        assert!(!format!("{a:?}").contains("hunter2"));
        let a = addr("tls://tok-secret@h");
        assert_eq!(format!("{a}"), "tls://xxxxx@h:4222");
        assert!(!format!("{a:?}").contains("tok-secret"));
        assert_eq!(format!("{}", addr("h")), "nats://h:4222");
        assert_eq!(format!("{}", addr("nats://:pw@h")), "nats://:xxxxx@h:4222");
    }

    #[test]
    fn display_round_trips_without_credentials() {
        for s in [
            "nats://h:1",
            "tls://[::1]:4222",
            "ws://a.b:80",
            "wss://1.2.3.4:443",
        ] {
            assert_eq!(format!("{}", addr(s)), s);
            assert_eq!(addr(&format!("{}", addr(s))), addr(s));
        }
    }

    #[test]
    fn lists() {
        let list = ServerAddr::parse_list("a,b , c").unwrap();
        let hosts: Vec<_> = list.iter().map(ServerAddr::host).collect();
        assert_eq!(hosts, ["a", "b", "c"]);
        let list = ServerAddr::parse_list(" nats://a:1, tls://u:p@b:2 ,,").unwrap();
        assert_eq!(list.len(), 2);
        assert_eq!(list[1].scheme(), Scheme::Tls);
        assert_eq!(list[1].password(), Some("p"));
        assert_eq!(
            ServerAddr::parse_list("").unwrap_err(),
            ServerAddrError::Empty
        );
        assert_eq!(
            ServerAddr::parse_list(" , ").unwrap_err(),
            ServerAddrError::Empty
        );
        assert_eq!(
            ServerAddr::parse_list("a, b:x").unwrap_err(),
            ServerAddrError::InvalidPort
        );
    }

    #[test]
    fn discovered_urls_take_the_given_scheme() {
        let a = ServerAddr::from_discovered("10.0.0.2:4222", Scheme::Tls).unwrap();
        assert_eq!(a.scheme(), Scheme::Tls);
        assert_eq!(a.host_port(), "10.0.0.2:4222");
        assert!(a.is_ip());
        let a = ServerAddr::from_discovered("[::1]:6222", Scheme::Nats).unwrap();
        assert_eq!(a.host_port(), "[::1]:6222");
        let a = ServerAddr::from_discovered("ws://h:8080", Scheme::Nats).unwrap();
        assert_eq!(a.scheme(), Scheme::Ws);
        assert_eq!(
            ServerAddr::from_discovered("", Scheme::Nats).unwrap_err(),
            ServerAddrError::Empty
        );
        let mut a = ServerAddr::from_discovered("h2:4222", Scheme::Nats).unwrap();
        a.inherit_credentials(&addr("nats://u:p@h1"));
        assert_eq!((a.user(), a.password()), (Some("u"), Some("p")));
        let mut b = addr("nats://tok@h3");
        b.inherit_credentials(&addr("nats://u:p@h1"));
        assert_eq!(b.token(), Some("tok"));
    }

    #[test]
    fn new_from_parts() {
        let a = ServerAddr::new(Scheme::Nats, "[::1]", 4222).unwrap();
        assert_eq!(a, addr("[::1]:4222"));
        assert_eq!(
            ServerAddr::new(Scheme::Tls, "h", 1).unwrap(),
            addr("tls://h:1")
        );
        assert_eq!(
            ServerAddr::new(Scheme::Nats, "h", 0).unwrap_err(),
            ServerAddrError::InvalidPort
        );
        assert_eq!(
            ServerAddr::new(Scheme::Nats, "", 1).unwrap_err(),
            ServerAddrError::MissingHost
        );
    }

    proptest::proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,64}") {
            let _ = ServerAddr::parse(&s);
            let _ = ServerAddr::parse_list(&s);
            let _ = ServerAddr::from_discovered(&s, Scheme::Nats);
        }

        #[test]
        fn never_panics_on_url_like_text(s in "[a-z]{0,4}(://)?([a-z%0-9:@]{0,8}@)?(\\[[0-9a-f:]{0,12}\\]|[a-z0-9.]{0,8})(:[0-9]{0,6})?(/.*)?") {
            if let Ok(a) = ServerAddr::parse(&s) {
                // Whatever parses prints back to an address that parses the same
                // (credentials aside).
                let printed = format!("{}://{}", a.scheme(), a.host_port());
                let b = ServerAddr::parse(&printed).unwrap();
                proptest::prop_assert_eq!((b.scheme(), b.host(), b.port()), (a.scheme(), a.host(), a.port()));
            }
        }
    }
}
