//! [`ConnectOptions`]: every setting of a connection, as a builder.

use crate::auth::{CallbackAuth, CredsFile};
use crate::dial::Dialer;
use crate::events::ClientEvent;
use crate::queue::PendingLimits;
use crate::tls::{Pem, Roots, TlsOptions};
use natrs_core::Secret;
use natrs_core::ServerAddr;
use natrs_core::auth::{Auth, Credentials, CredsText, JwtCallbackAuth, NkeyAuth};
use natrs_core::client::Config;
use natrs_core::client::ServerChoice;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

pub use natrs_core::auth::SignFn;

/// Settings for a connection, as a builder.
///
/// # Defaults
///
/// The defaults suit a service that runs for months: the client reconnects
/// forever, as async-nats does (nats.go gives up after 60 failed attempts
/// per server, which with its waits closes a service after about two
/// minutes of outage); [`max_reconnects`](Self::max_reconnects) bounds it.
/// Beside the peers' defaults (nats.go's `Default*` constants and
/// subscription pending limits, async-nats' `ConnectOptions::default`):
///
/// | setting | natrs | nats.go | async-nats |
/// |---|---|---|---|
/// | reconnect attempts ([`max_reconnects`](Self::max_reconnects)) | unlimited | 60 per server | unlimited |
/// | reconnect wait ([`reconnect_wait`](Self::reconnect_wait)) | 2 s after each pass over the servers | 2 s | none for the first attempt, then 2^(n-1) ms, at most 4 s |
/// | reconnect jitter ([`reconnect_jitter`](Self::reconnect_jitter)) | up to 100 ms, 1 s with TLS | 100 ms, 1 s with TLS | none |
/// | connect timeout ([`connection_timeout`](Self::connection_timeout)) | 2 s (TCP, TLS and handshake) | 2 s | 5 s |
/// | ping interval ([`ping_interval`](Self::ping_interval)) | 2 min | 2 min | 60 s |
/// | pings unanswered before stale ([`max_pings_outstanding`](Self::max_pings_outstanding)) | 2 | 2 | 2 (fixed) |
/// | reconnect buffer ([`reconnect_buffer_size`](Self::reconnect_buffer_size)) | 8 MiB | 8 MiB | no byte limit; a 2,048-command channel |
/// | request timeout ([`request_timeout`](Self::request_timeout)) | 10 s | none (each request names its timeout) | 10 s |
/// | pending per subscription ([`subscription_pending_limits`](Self::subscription_pending_limits)) | 512 Ki messages, 64 MiB | 500,000 messages (512 Ki in older releases), 64 MiB | 65,536 messages, no byte limit |
/// | drain timeout ([`drain_timeout`](Self::drain_timeout)) | 30 s | 30 s | none |
/// | retry the first connect ([`retry_on_initial_connect`](Self::retry_on_initial_connect)) | off | off | off |
/// | inbox prefix ([`inbox_prefix`](Self::inbox_prefix)) | `_INBOX` | `_INBOX` | `_INBOX` |
#[derive(Clone)]
pub struct ConnectOptions {
    pub(crate) config: Config,
    pub(crate) tls: TlsOptions,
    pub(crate) pending_limits: PendingLimits,
    pub(crate) request_timeout: Duration,
    pub(crate) event_callback: Option<Arc<dyn Fn(ClientEvent) + Send + Sync>>,
    pub(crate) local_address: Option<SocketAddr>,
    pub(crate) dialer: Option<Arc<dyn Dialer>>,
    /// A setting that could not be applied, reported by connect.
    pub(crate) invalid: Option<String>,
}

impl Default for ConnectOptions {
    fn default() -> Self {
        ConnectOptions::new()
    }
}

impl std::fmt::Debug for ConnectOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectOptions")
            .field("config", &self.config)
            .field("tls", &self.tls)
            .field("pending_limits", &self.pending_limits)
            .field("request_timeout", &self.request_timeout)
            .field("local_address", &self.local_address)
            .finish_non_exhaustive()
    }
}

impl ConnectOptions {
    /// The defaults.
    pub fn new() -> ConnectOptions {
        ConnectOptions {
            config: Config::default(),
            tls: TlsOptions::default(),
            pending_limits: PendingLimits::DEFAULT,
            request_timeout: Duration::from_secs(10),
            event_callback: None,
            local_address: None,
            dialer: None,
            invalid: None,
        }
    }

    /// The connection name shown in server monitoring.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.config.name = Some(name.into());
        self
    }

    /// Do not deliver this connection's own publishes back to its subscriptions.
    pub fn no_echo(mut self) -> Self {
        self.config.echo = false;
        self
    }

    /// The prefix of inbox subjects (default `_INBOX`).
    pub fn inbox_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.config.inbox_prefix = prefix.into();
        self
    }

    /// How often to PING the server.
    pub fn ping_interval(mut self, interval: Duration) -> Self {
        self.config.ping_interval = interval;
        self
    }

    /// PINGs that may go unanswered before the connection counts as stale.
    pub fn max_pings_outstanding(mut self, max: u32) -> Self {
        self.config.max_pings_out = max;
        self
    }

    /// Limit for TCP connect, TLS and the handshake together.
    pub fn connection_timeout(mut self, timeout: Duration) -> Self {
        self.config.connect_timeout = timeout;
        self
    }

    /// Failed attempts in a row after which a server leaves the pool (the
    /// client closes when none is left): `max_reconnects(60)` is nats.go's
    /// default. `None` (the default) retries forever.
    pub fn max_reconnects(mut self, max: impl Into<Option<u32>>) -> Self {
        self.config.max_reconnects = max.into();
        self
    }

    /// Never reconnect: the first lost connection closes the client.
    pub fn no_reconnect(mut self) -> Self {
        self.config.allow_reconnect = false;
        self
    }

    /// Wait after every server of the pool failed once.
    pub fn reconnect_wait(mut self, wait: Duration) -> Self {
        self.config.reconnect_wait = wait;
        self
    }

    /// Random time added to the reconnect wait, without and with TLS.
    pub fn reconnect_jitter(mut self, jitter: Duration, jitter_tls: Duration) -> Self {
        self.config.reconnect_jitter = jitter;
        self.config.reconnect_jitter_tls = jitter_tls;
        self
    }

    /// A custom reconnect wait: given how many passes over the pool failed in a
    /// row (1 for the first), return how long to wait. It also gives the least
    /// time between two attempts to one server (asked with the same count,
    /// at least 1), so it may be called more than once per pass.
    pub fn reconnect_delay_callback(
        mut self,
        f: impl Fn(u32) -> Duration + Send + Sync + 'static,
    ) -> Self {
        self.config.reconnect_delay = Some(Arc::new(f));
        self
    }

    /// When the first connect fails, return the client anyway and keep trying
    /// in the background (publishes are buffered meanwhile).
    pub fn retry_on_initial_connect(mut self) -> Self {
        self.config.retry_on_initial_connect = true;
        self
    }

    /// Bytes of publishes buffered while disconnected; 0 refuses publishing while disconnected.
    pub fn reconnect_buffer_size(mut self, bytes: usize) -> Self {
        self.config.reconnect_buffer_size = bytes;
        self
    }

    /// Try servers in the given order instead of shuffling them.
    pub fn retain_servers_order(mut self) -> Self {
        self.config.retain_servers_order = true;
        self
    }

    /// Ignore servers announced by the cluster.
    pub fn ignore_discovered_servers(mut self) -> Self {
        self.config.ignore_discovered_servers = true;
        self
    }

    /// Default pending limits of new subscriptions (messages, payload and header bytes).
    pub fn subscription_pending_limits(mut self, messages: usize, bytes: usize) -> Self {
        self.pending_limits = PendingLimits { messages, bytes };
        self
    }

    /// Timeout of requests that do not set their own.
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// How long a drain may take before the client closes anyway.
    pub fn drain_timeout(mut self, timeout: Duration) -> Self {
        self.config.drain_timeout = timeout;
        self
    }

    /// The server's `max_control_line` (4096 bytes unless its configuration
    /// says otherwise): a subscription or publish whose control line would be
    /// longer is refused at once with [`Error::ControlLineTooLong`]
    /// (`crate::Error`), instead of making the server close the connection.
    ///
    /// [`Error::ControlLineTooLong`]: natrs_core::Error::ControlLineTooLong
    pub fn max_control_line(mut self, bytes: usize) -> Self {
        self.config.max_control_line = bytes;
        self
    }

    /// Ask the server to acknowledge every operation with `+OK`.
    pub fn verbose(mut self) -> Self {
        self.config.verbose = true;
        self
    }

    /// Ask the server for strict subject checking.
    pub fn pedantic(mut self) -> Self {
        self.config.pedantic = true;
        self
    }

    /// Authenticate with a user and password.
    pub fn user_and_password(
        mut self,
        user: impl Into<String>,
        password: impl Into<String>,
    ) -> Self {
        self.config.auth = Auth::UserPassword {
            user: user.into(),
            password: Secret::new(password.into()),
        };
        self
    }

    /// Authenticate with a token.
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.config.auth = Auth::Token(Secret::new(token.into()));
        self
    }

    /// Authenticate with an nkey seed (`SU...`): the public key is sent and the
    /// server nonce signed. An invalid seed fails the connect.
    pub fn nkey(mut self, seed: impl Into<String>) -> Self {
        match NkeyAuth::new(seed) {
            Ok(a) => self.config.auth = Auth::provider(a),
            Err(e) => self.invalid = Some(format!("nkey: {e}")),
        }
        self
    }

    /// Authenticate with a user JWT, signing the nonce through `sign`, which
    /// returns the raw Ed25519 signature of the bytes it is given.
    pub fn jwt(mut self, jwt: impl Into<String>, sign: SignFn) -> Self {
        self.config.auth = Auth::provider(JwtCallbackAuth::new(jwt, sign));
        self
    }

    /// Authenticate with a `.creds` file, read when connecting and again
    /// before every reconnect. A file that cannot be read or parsed, is not
    /// a regular file or is larger than 64 KiB fails `connect` before any
    /// network I/O.
    pub fn credentials_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.config.auth = Auth::provider(CredsFile::new(path.into()));
        self
    }

    /// Authenticate with the contents of a `.creds` file. Invalid contents fail
    /// the connect.
    pub fn credentials(mut self, text: impl Into<String>) -> Self {
        match CredsText::new(text) {
            Ok(a) => self.config.auth = Auth::provider(a),
            Err(e) => self.invalid = Some(format!("credentials: {e}")),
        }
        self
    }

    /// Compute credentials for each handshake from the server nonce.
    pub fn auth_callback(
        mut self,
        f: impl Fn(Option<&str>) -> Result<Credentials, String> + Send + Sync + 'static,
    ) -> Self {
        self.config.auth = Auth::provider(CallbackAuth {
            callback: Arc::new(f),
        });
        self
    }

    /// Require TLS with every server.
    pub fn require_tls(mut self) -> Self {
        self.config.tls_required = true;
        self
    }

    /// Start TLS before the server's INFO (servers configured with `handshake_first`).
    pub fn tls_first(mut self) -> Self {
        self.config.tls_handshake_first = true;
        self.config.tls_required = true;
        self
    }

    /// Trust the CA certificates in this PEM file (instead of the system roots);
    /// may be called for several files, and mixed with
    /// [`add_root_certificates_pem`](Self::add_root_certificates_pem).
    pub fn add_root_certificates(self, path: impl Into<PathBuf>) -> Self {
        self.add_roots(Pem::File(path.into()))
    }

    /// Trust the CA certificates in this PEM text (instead of the system
    /// roots), for certificates that come from memory rather than a file.
    pub fn add_root_certificates_pem(self, pem: impl Into<Vec<u8>>) -> Self {
        self.add_roots(Pem::bytes(pem.into()))
    }

    fn add_roots(mut self, source: Pem) -> Self {
        match &mut self.tls.roots {
            Roots::Pem(sources) => sources.push(source),
            roots => *roots = Roots::Pem(vec![source]),
        }
        self
    }

    /// Present this certificate chain and key (PEM files) for mutual TLS.
    pub fn add_client_certificate(
        mut self,
        cert: impl Into<PathBuf>,
        key: impl Into<PathBuf>,
    ) -> Self {
        self.tls.client_cert = Some((Pem::File(cert.into()), Pem::File(key.into())));
        self
    }

    /// Present this certificate chain and key (PEM text) for mutual TLS. The
    /// key's bytes are wiped from memory when the options and the clients
    /// made from them are dropped.
    pub fn add_client_certificate_pem(
        mut self,
        cert: impl Into<Vec<u8>>,
        key: impl Into<Vec<u8>>,
    ) -> Self {
        self.tls.client_cert = Some((Pem::bytes(cert.into()), Pem::bytes(key.into())));
        self
    }

    /// Use this rustls configuration as is (roots and client certificate
    /// options are then ignored).
    pub fn tls_client_config(mut self, config: rustls::ClientConfig) -> Self {
        self.tls.custom = Some(Arc::new(config));
        self
    }

    /// Adds a header to the WebSocket upgrade request of `ws://` and `wss://`
    /// servers (for an authenticating proxy, say). A name or value with CR or
    /// LF fails each connection attempt with a `WebSocket` error.
    pub fn websocket_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.config
            .websocket
            .headers
            .push((name.into(), value.into()));
        self
    }

    /// Sends `Origin` with the WebSocket upgrade request.
    pub fn websocket_origin(mut self, origin: impl Into<String>) -> Self {
        self.config.websocket.origin = Some(origin.into());
        self
    }

    /// Offers permessage-deflate on WebSockets: a server whose `websocket`
    /// block has `compression: true` then compresses what it sends.
    pub fn websocket_compression(mut self, on: bool) -> Self {
        self.config.websocket.compression = on;
        self
    }

    /// Asks nats-server to take this client's WebSocket frames unmasked
    /// (`Nats-No-Masking`); they stay masked unless it agrees. RFC 6455
    /// requires masking: use this only when no proxy sits in between.
    pub fn websocket_no_masking(mut self) -> Self {
        self.config.websocket.no_masking = true;
        self
    }

    /// Bind outgoing connections to this local address (an IP and port;
    /// port 0 lets the system pick one), as a machine with several
    /// interfaces may need. A server that resolves only to addresses of the
    /// other family (IPv6 for an IPv4 local address) cannot be reached.
    pub fn local_address(mut self, address: SocketAddr) -> Self {
        self.local_address = Some(address);
        self
    }

    /// Open connections with `dialer` instead of the runtime's TCP connect
    /// (an in-process transport, a proxy): see [`Dialer`] and
    /// [`memory::pipe`](crate::memory::pipe). TLS and WebSocket apply on
    /// top of the dialed stream as the URL asks. Every runtime crate
    /// (natrs-tokio, natrs-async-std, natrs-blocking) uses it.
    pub fn dialer(mut self, dialer: impl Dialer) -> Self {
        self.dialer = Some(Arc::new(dialer));
        self
    }

    /// Whether a [`dialer`](ConnectOptions::dialer) is set.
    pub fn has_dialer(&self) -> bool {
        self.dialer.is_some()
    }

    /// Choose the server of each reconnect attempt: `f` is shown the pool
    /// (in the order the client would try it), why the last connection or
    /// attempt ended and the latest INFO, and returns the server to try
    /// (one of the pool's, or another address, which then joins the pool),
    /// or `None` for the pool's own order. It is not asked for the first
    /// connection. Attempts to one server stay a reconnect wait apart: when
    /// the chosen server was tried too recently, the attempt waits and `f`
    /// is asked again. It runs under the client's lock: keep it short and
    /// do not call the client from it.
    pub fn reconnect_to_server_callback(
        mut self,
        f: impl Fn(&ServerChoice<'_>) -> Option<ServerAddr> + Send + Sync + 'static,
    ) -> Self {
        self.config.server_chooser = Some(Arc::new(f));
        self
    }

    /// Call `f` with every connection event, in order and one at a time.
    ///
    /// `f` runs on the thread that hands the event out: mostly the driver,
    /// sometimes a thread that called into the client just after the driver
    /// queued the event. Keep it short; later events wait for it.
    pub fn event_callback(mut self, f: impl Fn(ClientEvent) + Send + Sync + 'static) -> Self {
        self.event_callback = Some(Arc::new(f));
        self
    }

    /// The core configuration these options produce (servers excluded).
    pub fn core_config(&self) -> &Config {
        &self.config
    }
}
