//! Client configuration: everything the state machine needs to know up front.

use crate::auth::Auth;
use crate::error::DisconnectReason;
use crate::proto::ServerInfo;
use crate::server_addr::ServerAddr;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt;
use core::time::Duration;

/// Picks the wait before the next pass over the server pool, given how many
/// full passes have failed in a row (1 for the first). It is also asked, with
/// that count (at least 1), for the least time between two attempts to one
/// server, so it may be called more than once per pass.
pub type ReconnectDelay = Arc<dyn Fn(u32) -> Duration + Send + Sync>;

/// What a [`ServerChooser`] is shown before a reconnect attempt.
#[derive(Debug)]
#[non_exhaustive]
pub struct ServerChoice<'a> {
    /// The pool, in the order the client would try it (the server of the
    /// last connection or attempt last).
    pub servers: &'a [ServerAddr],
    /// Why the last connection or attempt ended.
    pub last_error: Option<&'a DisconnectReason>,
    /// The latest INFO a server sent.
    pub last_info: Option<&'a ServerInfo>,
}

/// Chooses the server of the next reconnect attempt: one of the pool's
/// servers or another address (which then joins the pool), or `None` to
/// leave the choice to the pool's order. It is asked before every attempt
/// after the first connection, and again when an attempt had to wait for
/// the least time between two attempts to one server.
pub type ServerChooser = Arc<dyn Fn(&ServerChoice<'_>) -> Option<ServerAddr> + Send + Sync>;

/// Configuration of a [`Client`](crate::client::Client). Start from
/// [`Config::default`] (nats.go's defaults) and set what differs.
#[derive(Clone)]
pub struct Config {
    /// Servers to connect to; empty means `nats://127.0.0.1:4222`.
    pub servers: Vec<ServerAddr>,
    /// Connection name shown in server monitoring.
    pub name: Option<String>,
    /// Whether the server may deliver this connection's own publishes back to it.
    pub echo: bool,
    /// Ask for `+OK` after each operation (consumed and ignored).
    pub verbose: bool,
    /// Ask the server for strict subject checking.
    pub pedantic: bool,
    /// How to authenticate.
    pub auth: Auth,
    /// Require TLS with every server (also implied by a `tls://` URL).
    pub tls_required: bool,
    /// Start TLS right after TCP connect, before the server's INFO.
    pub tls_handshake_first: bool,
    /// Prefix of generated inboxes.
    pub inbox_prefix: String,
    /// How often to PING the server.
    pub ping_interval: Duration,
    /// PINGs that may go unanswered before the connection is considered stale.
    pub max_pings_out: u32,
    /// Limit for TCP connect plus the whole handshake.
    pub connect_timeout: Duration,
    /// Whether to reconnect after a connection is lost.
    pub allow_reconnect: bool,
    /// Failed attempts after which a server leaves the pool; `None`: never.
    pub max_reconnects: Option<u32>,
    /// Wait after a full pass over the pool failed.
    pub reconnect_wait: Duration,
    /// Up to this much random time is added to `reconnect_wait`.
    pub reconnect_jitter: Duration,
    /// The jitter used instead when TLS is in use.
    pub reconnect_jitter_tls: Duration,
    /// A custom wait policy replacing `reconnect_wait` and the jitters.
    pub reconnect_delay: Option<ReconnectDelay>,
    /// Chooses the server of each reconnect attempt (see [`ServerChooser`]).
    pub server_chooser: Option<ServerChooser>,
    /// Keep retrying in the background when the first connect fails.
    pub retry_on_initial_connect: bool,
    /// Bytes of publishes buffered while disconnected (the encoded PUB/HPUB
    /// operations; the buffer never holds more); 0 disables buffering.
    pub reconnect_buffer_size: usize,
    /// Try servers in the order given instead of shuffling them.
    pub retain_servers_order: bool,
    /// Do not add servers the cluster announces in INFO.
    pub ignore_discovered_servers: bool,
    /// How long a drain may take before the connection is closed anyway.
    pub drain_timeout: Duration,
    /// Longest control line sent (the server's `max_control_line`, 4096 by default).
    pub max_control_line: usize,
    /// Longest control line accepted from the server.
    pub max_inbound_control_line: usize,
    /// `lang` sent in CONNECT.
    pub lang: String,
    /// `version` sent in CONNECT.
    pub version: String,
    /// How to open WebSockets (for `ws://` and `wss://` servers).
    pub websocket: WebSocketConfig,
}

/// WebSocket options: what the upgrade request carries and asks for.
#[derive(Clone, Default)]
pub struct WebSocketConfig {
    /// Headers added to the upgrade request (for an authenticating proxy,
    /// say). Names and values may not hold CR or LF.
    pub headers: Vec<(String, String)>,
    /// The `Origin` header, if the server checks it.
    pub origin: Option<String>,
    /// Offer permessage-deflate: a server with `compression: true` then
    /// compresses what it sends. The client's own frames go uncompressed,
    /// which RFC 7692 allows.
    pub compression: bool,
    /// Ask nats-server (`Nats-No-Masking: true`) to take unmasked frames
    /// from this client; frames stay masked unless the server agrees. Saves
    /// the masking pass over every byte sent, but RFC 6455 requires masking,
    /// so a proxy in between may refuse unmasked frames.
    pub no_masking: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            servers: Vec::new(),
            name: None,
            echo: true,
            verbose: false,
            pedantic: false,
            auth: Auth::None,
            tls_required: false,
            tls_handshake_first: false,
            inbox_prefix: String::from("_INBOX"),
            ping_interval: Duration::from_secs(120),
            max_pings_out: 2,
            connect_timeout: Duration::from_secs(2),
            allow_reconnect: true,
            max_reconnects: None,
            reconnect_wait: Duration::from_secs(2),
            reconnect_jitter: Duration::from_millis(100),
            reconnect_jitter_tls: Duration::from_secs(1),
            reconnect_delay: None,
            server_chooser: None,
            retry_on_initial_connect: false,
            reconnect_buffer_size: 8 * 1024 * 1024,
            retain_servers_order: false,
            ignore_discovered_servers: false,
            drain_timeout: Duration::from_secs(30),
            max_control_line: 4096,
            max_inbound_control_line: 1024 * 1024,
            lang: String::from("rust"),
            version: String::from(env!("CARGO_PKG_VERSION")),
            websocket: WebSocketConfig::default(),
        }
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("servers", &self.servers)
            .field("name", &self.name)
            .field("echo", &self.echo)
            .field("auth", &self.auth)
            .field("tls_required", &self.tls_required)
            .field("tls_handshake_first", &self.tls_handshake_first)
            .field("inbox_prefix", &self.inbox_prefix)
            .field("ping_interval", &self.ping_interval)
            .field("max_pings_out", &self.max_pings_out)
            .field("connect_timeout", &self.connect_timeout)
            .field("allow_reconnect", &self.allow_reconnect)
            .field("max_reconnects", &self.max_reconnects)
            .field("reconnect_wait", &self.reconnect_wait)
            .field(
                "reconnect_delay",
                &self.reconnect_delay.as_ref().map(|_| "<fn>"),
            )
            .field(
                "server_chooser",
                &self.server_chooser.as_ref().map(|_| "<fn>"),
            )
            .field("retry_on_initial_connect", &self.retry_on_initial_connect)
            .field("reconnect_buffer_size", &self.reconnect_buffer_size)
            .field("retain_servers_order", &self.retain_servers_order)
            .field("ignore_discovered_servers", &self.ignore_discovered_servers)
            .field("drain_timeout", &self.drain_timeout)
            .field("websocket", &self.websocket)
            .finish_non_exhaustive()
    }
}

/// The configuration cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The inbox prefix is not a valid subject without wildcards.
    #[error("invalid inbox prefix {0:?}")]
    InvalidInboxPrefix(String),
    /// `max_pings_out` is zero.
    #[error("max_pings_out must be at least 1")]
    ZeroMaxPingsOut,
    /// `ping_interval` is zero.
    #[error("ping_interval must be positive")]
    ZeroPingInterval,
    /// A server pool was replaced by an empty list.
    #[error("the server pool needs at least one server")]
    NoServers,
}

impl fmt::Debug for WebSocketConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Header values may be credentials: names only.
        let names: Vec<&str> = self.headers.iter().map(|(n, _)| n.as_str()).collect();
        f.debug_struct("WebSocketConfig")
            .field("headers", &names)
            .field("origin", &self.origin)
            .field("compression", &self.compression)
            .field("no_masking", &self.no_masking)
            .finish()
    }
}
